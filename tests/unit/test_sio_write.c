/*
 * test_sio_write.c - the writer of format/sio_write.c: whole writes,
 * sio_replace(), every counted change and a crash at each, misuse.
 *
 * Every test works in a scratch directory of its own (mkdtemp() under
 * $TMPDIR or /tmp), made by setup() and removed with all it holds by
 * teardown(), which also checks that the test left no descriptor open.
 *
 * Lock, fault-injection and BUG() tests fork.  A child never returns
 * into cmocka: it reports through its exit status and leaves through
 * _exit(); the parent asserts.  Slow pipes and a SIGALRM ticker without
 * SA_RESTART drive the EINTR and short-write paths for real.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "scratch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sio_fixture.h"

/* assert_file_is - dfd/name is a regular file holding exactly s */
static void
assert_file_is(int dfd, const char *name, const char *s)
{
	char buf[256];
	ssize_t n;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	assert_int_equal(close(fd), 0);
	assert_true(n >= 0);
	assert_int_equal((size_t)n, strlen(s));
	assert_memory_equal(buf, s, strlen(s));
}

/* exists - dfd/name exists (a symlink counts, not followed) */
static bool
exists(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* slow_reader - child: read fd to EOF, slowly; 0 if it was the pattern */
static int
slow_reader(int fd, size_t n)
{
	unsigned char chunk[16384];
	size_t got = 0, i;
	ssize_t r;

	nap(30);
	for (;;) {
		r = read(fd, chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return 1;
		if (r == 0)
			break;
		for (i = 0; i < (size_t)r; i++)
			if (chunk[i] != (unsigned char)((got + i) * 7 +
			    ((got + i) >> 9)))
				return 2;
		got += (size_t)r;
		nap(1);
	}
	return got == n ? 0 : 3;
}

static void
test_write_all_interrupted(void **state)
{
	enum { N = 2 * 1024 * 1024 };
	struct sigaction saved;
	unsigned char *buf;
	struct qerr err;
	pid_t pid;
	int p[2], r;
	size_t i;

	(void)state;
	buf = malloc(N);
	assert_non_null(buf);
	for (i = 0; i < N; i++)
		buf[i] = (unsigned char)(i * 7 + (i >> 9));
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Freed so that valgrind's leak check of the child does not
		 * turn its exit status into a failure. */
		free(buf);
		(void)close(p[1]);
		_exit(slow_reader(p[0], N));
	}
	assert_int_equal(close(p[0]), 0);
	ticker(true, &saved);
	r = sio_write_all(p[1], buf, N, &err);
	ticker(false, &saved);
	assert_int_equal(r, 0);
	assert_int_equal(close(p[1]), 0);
	assert_int_equal(reap(pid), 0);
	assert_true(ticks > 0);
	free(buf);
}

static void
test_write_all_and_fsync_dir(void **state)
{
	struct scratch *sc = *state;
	struct qerr err;
	int fd;

	fd = openat(sc->dfd, "f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	assert_true(fd >= 0);
	assert_int_equal(sio_write_all(fd, "abc", 3, &err), 0);
	assert_int_equal(sio_write_all(fd, NULL, 0, &err), 0);
	assert_int_equal(close(fd), 0);
	assert_file_is(sc->dfd, "f", "abc");
	assert_fails(sio_write_all(fd, "abc", 3, &err), &err, EBADF);
	fd = open_ro(sc->dfd, "f");
	assert_fails(sio_write_all(fd, "abc", 3, &err), &err, EBADF);
	assert_int_equal(close(fd), 0);

	assert_int_equal(sio_fsync_dir(sc->dfd, &err), 0);
	assert_fails(sio_fsync_dir(-1, &err), &err, EBADF);
}

/* ------------------------------------------------------------------ */
/* sio_replace */

struct fill_arg {
	const char *data;
	int fail_errno; /* fail after a partial write, with this errno */
	int calls;
};

/* fill - sio_replace()'s callback */
static int
fill(int fd, void *arg)
{
	struct fill_arg *fa = arg;
	struct qerr err;

	fa->calls++;
	if (fa->fail_errno != 0) {
		(void)sio_write_all(fd, "partial", 7, &err);
		errno = fa->fail_errno;
		return -1;
	}
	return sio_write_all(fd, fa->data, strlen(fa->data), &err);
}

static void
test_replace(void **state)
{
	struct scratch *sc = *state;
	struct fill_arg fa = { "new contents\n", 0, 0 };
	struct stat old, st, ref;
	struct sio_writer *w;
	struct qerr err;
	mode_t um;
	int fd;

	put_file(sc->dfd, "qfX", "old\n");
	old = lstat_at(sc->dfd, "qfX");
	w = sio_writer_new(&err);
	assert_non_null(w);
	assert_int_equal(sio_writer_count(w), 0);
	/* A restrictive umask: the mode must come from fchmod(). */
	um = umask(077);
	fd = sio_replace(w, sc->dfd, "qfX", "tfX", 0644, (uid_t)-1,
	    (gid_t)-1, fill, &fa, &err);
	(void)umask(um);
	assert_true(fd >= 0);
	assert_true(is_cloexec(fd));
	assert_int_equal(fa.calls, 1);
	assert_file_is(sc->dfd, "qfX", "new contents\n");
	assert_false(exists(sc->dfd, "tfX"));
	ref = lstat_at(sc->dfd, "qfX");
	assert_int_equal(ref.st_mode & 07777, 0644);
	assert_int_equal(ref.st_uid, geteuid());
	assert_int_equal(ref.st_nlink, 1);
	assert_false(same_file(&ref, &old));
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(same_file(&st, &ref));
	/* openat O_CREAT, fchmod, renameat; no fchown without an owner. */
	assert_int_equal(sio_writer_count(w), 3);
	/* Returned locked: no queue run can take the job yet. */
	assert_int_equal(in_child(sc->dfd, "qfX", OP_FLOCK_EX), R_LOCKED);
	assert_int_equal(close(fd), 0);
	assert_int_equal(in_child(sc->dfd, "qfX", OP_FLOCK_EX), R_FREE);

	/* A name that did not exist yet. */
	fd = sio_replace(w, sc->dfd, "qfNew", "tfNew", 0600, (uid_t)-1,
	    (gid_t)-1, fill, &fa, &err);
	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);
	assert_file_is(sc->dfd, "qfNew", "new contents\n");
	assert_false(exists(sc->dfd, "tfNew"));
	assert_int_equal(lstat_at(sc->dfd, "qfNew").st_mode & 07777, 0600);
	assert_int_equal(sio_writer_count(w), 6);
	sio_writer_free(w);
}

static void
test_replace_failures(void **state)
{
	struct scratch *sc = *state;
	struct fill_arg fa = { "new\n", 0, 0 };
	struct sio_writer *w;
	struct stat old, now;
	struct qerr err;

	put_file(sc->dfd, "qfX", "old\n");
	old = lstat_at(sc->dfd, "qfX");
	w = sio_writer_new(&err);
	assert_non_null(w);

	/* Somebody's tf is there: EEXIST, and both files untouched. */
	put_file(sc->dfd, "tfX", "stale\n");
	assert_fails(sio_replace(w, sc->dfd, "qfX", "tfX", 0600, (uid_t)-1,
	    (gid_t)-1, fill, &fa, &err), &err, EEXIST);
	assert_non_null(strstr(err.msg, "tfX"));
	assert_int_equal(fa.calls, 0);
	assert_file_is(sc->dfd, "qfX", "old\n");
	assert_file_is(sc->dfd, "tfX", "stale\n");
	assert_int_equal(sio_writer_count(w), 1); /* the openat was tried */
	assert_int_equal(unlinkat(sc->dfd, "tfX", 0), 0);

	/* fill fails: its errno is reported, the temporary removed. */
	fa.fail_errno = ENOSPC;
	assert_fails(sio_replace(w, sc->dfd, "qfX", "tfX", 0600, (uid_t)-1,
	    (gid_t)-1, fill, &fa, &err), &err, ENOSPC);
	assert_int_equal(fa.calls, 1);
	assert_file_is(sc->dfd, "qfX", "old\n");
	now = lstat_at(sc->dfd, "qfX");
	assert_true(same_file(&old, &now));
	assert_false(exists(sc->dfd, "tfX"));
	assert_int_equal(sio_writer_count(w), 3); /* + openat, fchmod */

	/* The rename fails (the target is a non-empty directory). */
	fa.fail_errno = 0;
	assert_int_equal(mkdirat(sc->dfd, "qfD", 0700), 0);
	put_file(sc->dfd, "qfD/inside", "x");
	qerr_clear(&err);
	assert_int_equal(sio_replace(w, sc->dfd, "qfD", "tfD", 0600,
	    (uid_t)-1, (gid_t)-1, fill, &fa, &err), -1);
	assert_true(err.sys_errno == EISDIR || err.sys_errno == ENOTEMPTY);
	assert_false(exists(sc->dfd, "tfD"));
	assert_int_equal(sio_writer_count(w), 6); /* + openat, fchmod, rename */

	/* Not a single entry name: refused before any call. */
	assert_fails(sio_replace(w, sc->dfd, "qfD/inside", "tfY", 0600,
	    (uid_t)-1, (gid_t)-1, fill, &fa, &err), &err, EINVAL);
	assert_fails(sio_replace(w, sc->dfd, "qfY", "../tfY", 0600,
	    (uid_t)-1, (gid_t)-1, fill, &fa, &err), &err, EINVAL);
	assert_int_equal(sio_writer_count(w), 6);
	sio_writer_free(w);
}

static void
test_replace_owner(void **state)
{
	struct scratch *sc = *state;
	struct fill_arg fa = { "new\n", 0, 0 };
	struct sio_writer *w;
	struct qerr err;
	struct stat st;
	int fd;

	w = sio_writer_new(&err);
	assert_non_null(w);
	/* Our own owner and group: allowed to anyone, and counted. */
	fd = sio_replace(w, sc->dfd, "qfA", "tfA", 0640, geteuid(),
	    getegid(), fill, &fa, &err);
	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(sio_writer_count(w), 4);
	st = lstat_at(sc->dfd, "qfA");
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_gid, getegid());

	if (geteuid() == 0) {
		/* fchmod after fchown: chown clears set-gid, the mode must
		 * still come out exact. */
		fd = sio_replace(w, sc->dfd, "qfB", "tfB", 02640,
		    (uid_t)65534, (gid_t)65534, fill, &fa, &err);
		assert_true(fd >= 0);
		assert_int_equal(close(fd), 0);
		st = lstat_at(sc->dfd, "qfB");
		assert_int_equal(st.st_uid, 65534);
		assert_int_equal(st.st_gid, 65534);
		assert_int_equal(st.st_mode & 07777, 02640);
		assert_int_equal(sio_writer_count(w), 8);
	} else {
		print_message("not root: chown to 65534:65534 not tested\n");
		/* Giving the file to root is refused, and the temporary
		 * goes. */
		assert_fails(sio_replace(w, sc->dfd, "qfB", "tfB", 0640,
		    (uid_t)0, (gid_t)0, fill, &fa, &err), &err, EPERM);
		assert_false(exists(sc->dfd, "tfB"));
		assert_false(exists(sc->dfd, "qfB"));
	}
	sio_writer_free(w);
}

/* ------------------------------------------------------------------ */
/* Fault injection and BUG() */


/*
 * replace_in_child - in a child, set or clear MQFSCK_FAULT_AFTER (env),
 * make a writer, optionally sio_writer_fail_after(after), and replace
 * qfK through tfK.  Returns what reap() says: 0 when the replace worked.
 */
static int
replace_in_child(int dfd, const char *env, uint64_t after)
{
	struct fill_arg fa = { "new\n", 0, 0 };
	struct sio_writer *w;
	struct qerr err;
	pid_t pid;
	int fd;

	pid = fork();
	assert_true(pid >= 0);
	if (pid != 0)
		return reap(pid);
	if (env != NULL ? setenv(FAULT_ENV, env, 1) : unsetenv(FAULT_ENV))
		_exit(20);
	w = sio_writer_new(&err);
	if (w == NULL)
		_exit(21);
	if (after != 0)
		sio_writer_fail_after(w, after);
	fd = sio_replace(w, dfd, "qfK", "tfK", 0640, (uid_t)-1, (gid_t)-1,
	    fill, &fa, &err);
	sio_writer_free(w);
	if (fd < 0)
		_exit(22);
	_exit(close(fd) == 0 ? 0 : 23);
}

struct fault_case {
	const char *env;    /* MQFSCK_FAULT_AFTER, or NULL: unset */
	uint64_t after;	    /* sio_writer_fail_after(), or 0 */
	int status;	    /* reap(): 0, or 128 + SIGKILL */
	const char *tmp;    /* what tfK holds afterwards; NULL: absent */
	const char *qf;	    /* what qfK holds afterwards */
};

/*
 * Counted calls of a replace without owner: 1 openat, 2 fchmod,
 * 3 renameat.  Killed before call n + 1.
 */
static const struct fault_case fault_cases[] = {
	{ NULL, 1, 128 + SIGKILL, "", "old\n" },      /* before fchmod */
	{ NULL, 2, 128 + SIGKILL, "new\n", "old\n" }, /* before renameat */
	{ NULL, 3, 0, NULL, "new\n" },		      /* completes */
	{ "1", 0, 128 + SIGKILL, "", "old\n" },
	{ "2", 0, 128 + SIGKILL, "new\n", "old\n" },
	{ "3", 0, 0, NULL, "new\n" },
	{ "0", 0, 0, NULL, "new\n" },
	/* Not plain decimal: ignored. */
	{ "", 0, 0, NULL, "new\n" },
	{ "x", 0, 0, NULL, "new\n" },
	{ "1x", 0, 0, NULL, "new\n" },
	{ " 1", 0, 0, NULL, "new\n" },
	{ "+1", 0, 0, NULL, "new\n" },
	{ "-1", 0, 0, NULL, "new\n" },
	{ "18446744073709551616", 0, 0, NULL, "new\n" },
	/* The call overrides the environment. */
	{ "1", 2, 128 + SIGKILL, "new\n", "old\n" },
};

static void
test_fault_injection(void **state)
{
	struct scratch *sc = *state;
	const struct fault_case *c;
	size_t i;

	for (i = 0; i < sizeof(fault_cases) / sizeof(fault_cases[0]); i++) {
		c = &fault_cases[i];
		put_file(sc->dfd, "qfK", "old\n");
		if (exists(sc->dfd, "tfK"))
			assert_int_equal(unlinkat(sc->dfd, "tfK", 0), 0);
		if (replace_in_child(sc->dfd, c->env, c->after) != c->status)
			fail_msg("case %zu (env %s, after %d): status",
			    i, c->env != NULL ? c->env : "unset",
			    (int)c->after);
		assert_file_is(sc->dfd, "qfK", c->qf);
		if (c->tmp == NULL)
			assert_false(exists(sc->dfd, "tfK"));
		else
			assert_file_is(sc->dfd, "tfK", c->tmp);
	}
}

enum misuse { M_NULL_WRITER, M_SAME_NAMES, M_BAD_MODE, M_FAIL_AFTER_NULL };

/* misuse_in_child - commit `m` in a child; reap()'s answer */
static int
misuse_in_child(int dfd, enum misuse m)
{
	struct fill_arg fa = { "new\n", 0, 0 };
	struct sio_writer *w;
	struct rlimit rl = { 0, 0 };
	struct qerr err;
	pid_t pid;
	int null;

	pid = fork();
	assert_true(pid >= 0);
	if (pid != 0)
		return reap(pid);
	/* No core file, and BUG()'s report out of the test output. */
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, STDERR_FILENO) < 0 ||
	    setrlimit(RLIMIT_CORE, &rl) != 0)
		_exit(30);
	w = sio_writer_new(&err);
	if (w == NULL)
		_exit(31);
	switch (m) {
	case M_NULL_WRITER:
		(void)sio_replace(NULL, dfd, "qfM", "tfM", 0600, (uid_t)-1,
		    (gid_t)-1, fill, &fa, &err);
		break;
	case M_SAME_NAMES:
		(void)sio_replace(w, dfd, "qfM", "qfM", 0600, (uid_t)-1,
		    (gid_t)-1, fill, &fa, &err);
		break;
	case M_BAD_MODE:
		(void)sio_replace(w, dfd, "qfM", "tfM", S_IFREG | 0600,
		    (uid_t)-1, (gid_t)-1, fill, &fa, &err);
		break;
	case M_FAIL_AFTER_NULL:
		sio_writer_fail_after(NULL, 1);
		break;
	}
	sio_writer_free(w);
	_exit(0);
}

static void
test_misuse_is_a_bug(void **state)
{
	struct scratch *sc = *state;

	assert_int_equal(misuse_in_child(sc->dfd, M_NULL_WRITER),
	    128 + SIGABRT);
	assert_int_equal(misuse_in_child(sc->dfd, M_SAME_NAMES),
	    128 + SIGABRT);
	assert_int_equal(misuse_in_child(sc->dfd, M_BAD_MODE), 128 + SIGABRT);
	assert_int_equal(misuse_in_child(sc->dfd, M_FAIL_AFTER_NULL),
	    128 + SIGABRT);
	/* Nothing was created before the BUG(). */
	assert_false(exists(sc->dfd, "tfM"));
	assert_false(exists(sc->dfd, "qfM"));
}

static void
test_writer_basics(void **state)
{
	struct sio_writer *w;
	struct qerr err;

	(void)state;
	assert_int_equal(sio_writer_count(NULL), 0);
	sio_writer_free(NULL);
	w = sio_writer_new(&err);
	assert_non_null(w);
	assert_int_equal(sio_writer_count(w), 0);
	sio_writer_fail_after(w, 5);
	sio_writer_fail_after(w, 0);
	assert_int_equal(sio_writer_count(w), 0);
	sio_writer_free(w);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_all_interrupted),
		T(test_write_all_and_fsync_dir),
		T(test_replace),
		T(test_replace_failures),
		T(test_replace_owner),
		T(test_fault_injection),
		T(test_misuse_is_a_bug),
		T(test_writer_basics),
	};

	/* A fault setting inherited from the caller would kill the tests
	 * that make writers; a dead holder child must not kill us. */
	if (unsetenv(FAULT_ENV) != 0 || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
