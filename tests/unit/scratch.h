/*
 * scratch.h - scratch directories for the unit tests that touch a file
 * system: made fresh per test, removed after it, and a check that the
 * test closed every descriptor it opened.
 */
#ifndef MQ_TEST_SCRATCH_H
#define MQ_TEST_SCRATCH_H

#include <limits.h>

/*
 * scratch_make - a new directory $TMPDIR/NAME.XXXXXX (/tmp without
 * TMPDIR): its realpath() in path (the code under test follows no
 * symlink, and $TMPDIR may hold one), a descriptor on it in *dfd, and in
 * *nfds the descriptors open before (-1 without /proc).  0, or -1 with
 * nothing left behind.
 */
int scratch_make(const char *name, char path[PATH_MAX], int *dfd, int *nfds);

/* scratch_remove - remove the directory with its contents and close dfd;
 * -1 if anything failed or the descriptors open are not nfds */
int scratch_remove(const char *path, int dfd, int nfds);

/* scratch_empty_dir - remove everything in directory dfd */
int scratch_empty_dir(int dfd);

/* scratch_remove_at - remove dfd/name, a directory with its contents */
int scratch_remove_at(int dfd, const char *name);

#endif /* MQ_TEST_SCRATCH_H */
