/*
 * scanahead.h - the per-entry lookups and reads of pass 1, done ahead of
 * the walk on worker threads (scanahead.c) and handed to it in order.
 */
#ifndef MQ_SCANAHEAD_H
#define MQ_SCANAHEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "err.h"
#include "sio.h"

struct dirlist;
struct scan_ahead;

/* The default number of worker threads (--scan-threads). */
#define MQ_SCAN_THREADS 16
#define MQ_SCAN_THREADS_MAX 64

/* What was found at one entry of the listing. */
enum entry_state {
	ENTRY_SKIP,	/* "." or "..": nothing looked at */
	ENTRY_GONE,	/* gone since readdir(): sendmail at work */
	ENTRY_ERROR,	/* fstatat() failed with sys_errno */
	ENTRY_STAT,	/* st is its lstat; nothing read */
	ENTRY_READ	/* a control file: opened as a regular file (st is
			 * the open file's fstat), read, closed */
};

struct entry_look {
	enum entry_state state;
	int sys_errno;		/* ENTRY_ERROR */
	struct stat st;		/* ENTRY_STAT, ENTRY_READ */
	/* ENTRY_READ only: */
	bool locked;		/* the lock probe said in use (probe_locks) */
	bool read_failed;	/* read_err says why */
	bool truncated;		/* bytes past QF_MAX_BYTES left unread */
	int close_errno;	/* close() failed with it; 0 when not */
	struct qerr read_err;
	struct sio_buf buf;	/* the bytes (len 0 for an empty file) */
};

/*
 * scan_ahead_start - look up the entries of dl in directory dirfd: on
 * nthreads worker threads a bounded window ahead of the walk, or, with 0
 * (or when no thread starts), one at a time as the walk asks.  With
 * probe_locks, a control file's lock is probed on the descriptor it is
 * read through (there is no /proc/locks snapshot).  dl and dirfd must
 * stay valid until scan_ahead_stop().  NULL when out of memory.
 */
struct scan_ahead *scan_ahead_start(int dirfd, const struct dirlist *dl,
    unsigned nthreads, bool probe_locks);

/*
 * scan_ahead_get - entry i, waiting for it if need be.  Entries are
 * asked for in order, 0, 1, 2, ...: asking for i releases i - 1, whose
 * look must not be used after.
 */
const struct entry_look *scan_ahead_get(struct scan_ahead *sa, size_t i);

/* scan_ahead_stop - stop and join the workers, free (NULL: nothing) */
void scan_ahead_stop(struct scan_ahead *sa);

#endif /* MQ_SCANAHEAD_H */
