/*
 * test_closer.c - the closer of removed files' descriptors: a file that
 * still has a name is closed (and its lock released) before
 * closer_close() returns; files without a name are all closed by
 * closer_finish(), more of them than its queue holds; no threads means
 * every close at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include <cmocka.h>

#include "closer.h"
#include "scratch.h"

/* closed - fd is no longer open */
static int
closed(int fd)
{
	return fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}

/* make_locked - dfd/name created and locked (flock, as sendmail) */
static int
make_locked(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	return fd;
}

static void
test_no_threads_closes_at_once(void **state)
{
	char path[PATH_MAX];
	int dfd, nfds, fd;

	(void)state;
	assert_int_equal(scratch_make("closer", path, &dfd, &nfds), 0);
	assert_null(closer_start(0));
	fd = make_locked(dfd, "qfA");
	assert_int_equal(unlinkat(dfd, "qfA", 0), 0);
	closer_close(NULL, fd);
	assert_true(closed(fd));
	assert_int_equal(scratch_remove(path, dfd, nfds), 0);
}

static void
test_named_file_released_at_once(void **state)
{
	struct closer *c;
	char path[PATH_MAX];
	int dfd, nfds, fd, again;

	(void)state;
	assert_int_equal(scratch_make("closer", path, &dfd, &nfds), 0);
	assert_non_null(c = closer_start(2));
	fd = make_locked(dfd, "dfA");
	closer_close(c, fd);
	/* Closed before the call returned: the lock is free for the next
	 * locker, mqfsck's own next batch or sendmail. */
	assert_true(closed(fd));
	again = openat(dfd, "dfA", O_RDWR | O_CLOEXEC);
	assert_true(again >= 0);
	assert_int_equal(flock(again, LOCK_EX | LOCK_NB), 0);
	(void)close(again);
	closer_finish(c);
	assert_int_equal(scratch_remove(path, dfd, nfds), 0);
}

static void
test_removed_files_all_closed(void **state)
{
	enum { NFILES = 600 };	/* more than the closer's queue of 256 */
	struct closer *c;
	char path[PATH_MAX], name[32];
	int dfd, nfds, i, fd;

	(void)state;
	assert_int_equal(scratch_make("closer", path, &dfd, &nfds), 0);
	assert_non_null(c = closer_start(1));
	for (i = 0; i < NFILES; i++) {
		(void)snprintf(name, sizeof(name), "dfA%04d", i);
		fd = make_locked(dfd, name);
		assert_int_equal(write(fd, "body\n", 5), 5);
		assert_int_equal(unlinkat(dfd, name, 0), 0);
		closer_close(c, fd);
	}
	closer_finish(c);
	/* scratch_remove() fails when a descriptor is still open. */
	assert_int_equal(scratch_remove(path, dfd, nfds), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_threads_closes_at_once),
		cmocka_unit_test(test_named_file_released_at_once),
		cmocka_unit_test(test_removed_files_all_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
