/*
 * dirlist.h - the names of one directory, sorted in byte order, so that
 * what mqfsck reports never depends on the order a file system returns
 * entries in.
 */
#ifndef MQ_DIRLIST_H
#define MQ_DIRLIST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct dirlist {
	char *arena;		/* NUL-terminated names */
	size_t used, cap;
	uint32_t *off;		/* offsets of the names, sorted */
	size_t n, offcap;	/* each name follows its d_type byte:
				   dirlist_type() */
};

/* dirlist_init - empty */
void dirlist_init(struct dirlist *dl);

/*
 * dirlist_read - every name in directory dirfd ("." and ".." included),
 * sorted.  dirfd itself is left as it was (a duplicate is read).  Returns
 * 0, or -1 with err set (the names read so far are kept).
 */
int dirlist_read(int dirfd, struct dirlist *dl, struct qerr *err);

/* dirlist_name - the i-th name */
const char *dirlist_name(const struct dirlist *dl, size_t i);

/* dirlist_type - the d_type readdir() gave the i-th (sorted) name:
 * DT_REG, DT_DIR, ... or DT_UNKNOWN where the file system does not say */
unsigned char dirlist_type(const struct dirlist *dl, size_t i);

/* dirlist_free - release */
void dirlist_free(struct dirlist *dl);

#endif /* MQ_DIRLIST_H */
