/*
 * test_trust.c - body_born_for(), the times that tell the df an I line
 * recorded from a later file on the same inode number: a body written
 * before its control file is one; a copy created or written after the
 * control file is not, even when its creation time (the kernel's coarse
 * clock) is not after the control file's write; a file made in a
 * directory that was made after the job came in is not, one moved into
 * it is; one under another job's name that was not renamed since its
 * control file was written is not; a creation time far from the T line
 * is not.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch.h"
#include "sio.h"
#include "trust.h"

/* write_file - dfd/name created (or appended to) with a line */
static void
write_file(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	assert_int_equal(close(fd), 0);
}

/* create_empty - dfd/name created, nothing written */
static void
create_empty(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);
}

/* times_of - dfd/name's creation and write times; skips the test on a
 * file system that keeps no creation time */
static struct sio_times
times_of(int dfd, const char *name)
{
	struct sio_times t;
	struct qerr err;
	int rc = sio_entry_times(dfd, name, &t, &err);

	if (rc == 1)
		skip();
	assert_int_equal(rc, 0);
	return t;
}

/* wait_past - until a file's time taken now is later than t: the coarse
 * clock, which file times come from, has passed it */
static void
wait_past(const struct timespec *t)
{
	const struct timespec tick = { 0, 1000000 };
	struct timespec now;

	for (;;) {
		assert_int_equal(clock_gettime(CLOCK_REALTIME_COARSE, &now), 0);
		if (now.tv_sec > t->tv_sec ||
		    (now.tv_sec == t->tv_sec && now.tv_nsec > t->tv_nsec))
			return;
		(void)nanosleep(&tick, NULL);
	}
}

/* write_in_turn - dfd/first written, then, once the clock has passed
 * that write, dfd/second; their times in *t1 and *t2 */
static void
write_in_turn(int dfd, const char *first, struct sio_times *t1,
    const char *second, struct sio_times *t2)
{
	write_file(dfd, first);
	*t1 = times_of(dfd, first);
	wait_past(&t1->modify);
	write_file(dfd, second);
	*t2 = times_of(dfd, second);
}

struct scratch {
	char path[PATH_MAX];
	int dfd, nfds;
};

static int
setup(void **state)
{
	static struct scratch s;

	if (scratch_make("trust", s.path, &s.dfd, &s.nfds) < 0)
		return -1;
	*state = &s;
	return 0;
}

static int
teardown(void **state)
{
	struct scratch *s = *state;

	return scratch_remove(s->path, s->dfd, s->nfds);
}

/* sendmail's order: the df made and written, then the control file */
static void
test_body_written_before_its_control_file(void **state)
{
	struct scratch *s = *state;
	struct sio_times df, qf;

	write_in_turn(s->dfd, "dfA", &df, "qfA", &qf);
	assert_true(body_born_for(s->dfd, "dfA", (long long)df.birth.tv_sec,
	    &qf.modify, BODY_VIA_FSCK));
	/* Without a T line only the order counts. */
	assert_true(body_born_for(s->dfd, "dfA", 0, &qf.modify, BODY_VIA_FSCK));
}

/* A restore that copies the control file first: the df is newer. */
static void
test_copy_made_after_control_file(void **state)
{
	struct scratch *s = *state;
	struct sio_times df, qf;

	write_in_turn(s->dfd, "qfA", &qf, "dfB", &df);
	assert_false(body_born_for(s->dfd, "dfB", (long long)df.birth.tv_sec,
	    &qf.modify, BODY_VIA_FSCK));
}

/* Created before the control file was written but written after it:
 * its creation time alone would pass (as it does when the coarse clock
 * gives a copy the control file's own write time). */
static void
test_written_after_control_file(void **state)
{
	struct scratch *s = *state;
	struct sio_times df, qf;

	create_empty(s->dfd, "dfB");
	df = times_of(s->dfd, "dfB");
	wait_past(&df.birth);
	write_in_turn(s->dfd, "qfA", &qf, "dfB", &df);
	assert_false(df.birth.tv_sec > qf.modify.tv_sec ||
	    (df.birth.tv_sec == qf.modify.tv_sec &&
		df.birth.tv_nsec > qf.modify.tv_nsec));
	assert_false(body_born_for(s->dfd, "dfB", (long long)df.birth.tv_sec,
	    &qf.modify, BODY_VIA_FSCK));
}

/* Far from when the job came in (its T line). */
static void
test_born_far_from_T(void **state)
{
	struct scratch *s = *state;
	struct sio_times df, qf;

	write_in_turn(s->dfd, "dfA", &df, "qfA", &qf);
	assert_true(body_born_for(s->dfd, "dfA", (long long)df.birth.tv_sec + 300,
	    &qf.modify, BODY_VIA_FSCK));
	assert_false(body_born_for(s->dfd, "dfA",
	    (long long)df.birth.tv_sec + 301, &qf.modify, BODY_VIA_FSCK));
	/* (An hour before is inside the window, but this directory was
	 * made after it: test_directory_made_after_the_job().) */
	assert_false(body_born_for(s->dfd, "dfA",
	    (long long)df.birth.tv_sec - 3601, &qf.modify, BODY_VIA_FSCK));
}

/* A queue directory made after the job came in (T before its creation):
 * a df made in it is a copy; one moved in keeps its older creation. */
static void
test_directory_made_after_the_job(void **state)
{
	struct scratch *s = *state;
	struct sio_times moved, copied, qf, dir;
	long long T;
	int qfd;

	write_file(s->dfd, "dfMoved");
	moved = times_of(s->dfd, "dfMoved");
	wait_past(&moved.modify);
	assert_int_equal(mkdirat(s->dfd, "q", 0750), 0);
	qfd = openat(s->dfd, "q", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(qfd >= 0);
	assert_int_equal(renameat(s->dfd, "dfMoved", qfd, "dfMoved"), 0);
	write_file(qfd, "dfCopied");
	copied = times_of(qfd, "dfCopied");
	wait_past(&copied.modify);
	write_file(qfd, "qfA");
	qf = times_of(qfd, "qfA");
	dir = times_of(qfd, NULL);
	assert_true(dir.birth.tv_sec > moved.birth.tv_sec ||
	    (dir.birth.tv_sec == moved.birth.tv_sec &&
		dir.birth.tv_nsec > moved.birth.tv_nsec));

	/* The job came in the second before the directory was made. */
	T = (long long)dir.birth.tv_sec - 1;
	assert_false(body_born_for(qfd, "dfCopied", T, &qf.modify, BODY_VIA_FSCK));
	assert_true(body_born_for(qfd, "dfMoved", T, &qf.modify, BODY_VIA_FSCK));
	/* In the second the directory was made: no evidence either way. */
	T = (long long)dir.birth.tv_sec;
	assert_true(body_born_for(qfd, "dfCopied", T, &qf.modify, BODY_VIA_FSCK));
	assert_int_equal(close(qfd), 0);
}

/* A body under another job's name got it by a rename after its control
 * file recorded it: one not changed since was made where it is (a
 * restore that copies the data files first, as sendmail makes them) */
static void
test_renamed_after_the_record(void **state)
{
	struct scratch *s = *state;
	struct sio_times df, qf;

	write_in_turn(s->dfd, "dfB", &df, "qfA", &qf);
	assert_true(body_born_for(s->dfd, "dfB", (long long)df.birth.tv_sec,
	    &qf.modify, BODY_VIA_FSCK));
	assert_false(body_born_for(s->dfd, "dfB", (long long)df.birth.tv_sec,
	    &qf.modify, BODY_VIA_RENAME));
	/* Renamed after the control file was written: it can be A's. */
	wait_past(&qf.modify);
	assert_int_equal(renameat(s->dfd, "dfB", s->dfd, "dfC"), 0);
	assert_true(body_born_for(s->dfd, "dfC", (long long)df.birth.tv_sec,
	    &qf.modify, BODY_VIA_RENAME));
}

/* The file is not there, or is not a name: nothing proves it. */
static void
test_no_such_file(void **state)
{
	struct scratch *s = *state;
	struct timespec now;

	assert_int_equal(clock_gettime(CLOCK_REALTIME, &now), 0);
	assert_false(body_born_for(s->dfd, "dfNone", 0, &now, BODY_VIA_FSCK));
	assert_false(body_born_for(s->dfd, "../dfNone", 0, &now, BODY_VIA_FSCK));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_body_written_before_its_control_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_made_after_control_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_written_after_control_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_born_far_from_T, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_directory_made_after_the_job,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_renamed_after_the_record,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_such_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
