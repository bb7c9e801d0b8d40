/*
 * dirlist.c - read a directory's names once and sort them.
 *
 * Memory: one arena of names and one array of 32-bit offsets, 4 bytes
 * plus the name a entry; freed by dirlist_free().  A directory whose
 * names exceed 4 GiB is refused (ENOMEM) rather than overflowing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirlist.h"

/* dirlist_init - empty */
void
dirlist_init(struct dirlist *dl)
{
	memset(dl, 0, sizeof(*dl));
}

/* dirlist_free - release */
void
dirlist_free(struct dirlist *dl)
{
	free(dl->arena);
	free(dl->off);
	free(dl->type);
	dirlist_init(dl);
}

/* dirlist_name - the i-th name */
const char *
dirlist_name(const struct dirlist *dl, size_t i)
{
	if (i >= dl->n)
		BUG("dirlist_name: %zu of %zu", i, dl->n);
	return dl->arena + dl->off[i];
}

/* dirlist_type - the d_type of the i-th name */
unsigned char
dirlist_type(const struct dirlist *dl, size_t i)
{
	if (i >= dl->n)
		BUG("dirlist_type: %zu of %zu", i, dl->n);
	/* The type is stored just before the name in the arena. */
	return (unsigned char)dl->arena[dl->off[i] - 1];
}

/* add - keep a copy of name, after its d_type byte */
static int
add(struct dirlist *dl, const char *name, unsigned char type)
{
	size_t len = strlen(name) + 2;

	if (dl->used + len > UINT32_MAX)
		return -1;
	if (dl->used + len > dl->cap) {
		size_t ncap = dl->cap ? dl->cap * 2 : 65536;
		char *na;

		while (ncap < dl->used + len)
			ncap *= 2;
		if ((na = realloc(dl->arena, ncap)) == NULL)
			return -1;
		dl->arena = na;
		dl->cap = ncap;
	}
	if (dl->n == dl->offcap) {
		size_t ncap = dl->offcap ? dl->offcap * 2 : 4096;
		uint32_t *no = realloc(dl->off, ncap * sizeof(*no));

		if (no == NULL)
			return -1;
		dl->off = no;
		dl->offcap = ncap;
	}
	dl->arena[dl->used] = (char)type;
	memcpy(dl->arena + dl->used + 1, name, len - 1);
	dl->off[dl->n++] = (uint32_t)dl->used + 1;
	dl->used += len;
	return 0;
}

static const char *sort_arena; /* qsort() has no context argument */

/* cmp_names - byte order of two names */
static int
cmp_names(const void *a, const void *b)
{
	return strcmp(sort_arena + *(const uint32_t *)a,
	    sort_arena + *(const uint32_t *)b);
}

/* dirlist_read - every name, sorted */
int
dirlist_read(int dirfd, struct dirlist *dl, struct qerr *err)
{
	struct dirent *de;
	int dupfd, rc = 0;
	DIR *d;

	dupfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (dupfd < 0 || (d = fdopendir(dupfd)) == NULL) {
		qerr_set(err, errno, "cannot read the directory: %s",
		    strerror(errno));
		if (dupfd >= 0)
			(void)close(dupfd);
		return -1;
	}
	/* The duplicate shares the offset of dirfd: start from the top. */
	rewinddir(d);
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (add(dl, de->d_name, de->d_type) < 0) {
			qerr_set(err, ENOMEM, "out of memory listing the directory");
			rc = -1;
			break;
		}
		errno = 0;
	}
	if (rc == 0 && errno != 0) {
		qerr_set(err, errno, "readdir: %s", strerror(errno));
		rc = -1;
	}
	if (closedir(d) < 0 && rc == 0) {
		qerr_set(err, errno, "closedir: %s", strerror(errno));
		rc = -1;
	}
	sort_arena = dl->arena;
	if (dl->n > 1)
		qsort(dl->off, dl->n, sizeof(*dl->off), cmp_names);
	return rc;
}
