/*
 * test_sysinfo.c - facts about the running system (system/sysinfo.c).
 *
 * Every test works in a scratch directory of its own (mkdtemp() under
 * $TMPDIR or /tmp), made by setup() and removed with all it holds by
 * teardown(), which also checks that the test left no descriptor open.
 *
 * Live processes are children of the test: a "holder" child renames
 * itself with prctl(PR_SET_NAME) when asked (that sets comm, the name
 * the kernel gives an exec'ed sendmail-mta), writes a pid file the way
 * log_sendmail_pid() does, keeps it locked, tells the parent it is
 * ready over a pipe and waits for that pipe's other end to close.  A
 * child never returns into cmocka; it leaves through _exit().
 *
 * fstab and mountinfo are files written here, except in one test that
 * reads the real /proc/self/mountinfo for /proc.  Everything passes as
 * root and as an unprivileged user.
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
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sysinfo.h"

#define MAX_PIDS 64
#define CMDLINE "/usr/sbin/sendmail-mta -Am -L sm-mta -bd -q10m"

/* The call failed with -1 and errno eno recorded in *errp. */
#define assert_fails(expr, errp, eno)                                  \
	do {                                                           \
		qerr_clear(errp);                                      \
		assert_int_equal((expr), -1);                          \
		assert_int_equal((errp)->sys_errno, (eno));            \
	} while (0)

struct scratch {
	char path[PATH_MAX]; /* realpath() of the scratch directory */
	int dfd;	     /* open on it */
	int nfds;	     /* descriptors open before setup(), or -1 */
};

/* ------------------------------------------------------------------ */
/* Scratch directories */

/* setup - a fresh scratch directory for one test */
static int
setup(void **state)
{
	struct scratch *sc = calloc(1, sizeof(*sc));

	if (sc == NULL)
		return -1;
	if (scratch_make("test_sysinfo", sc->path, &sc->dfd, &sc->nfds) != 0) {
		free(sc);
		return -1;
	}
	*state = sc;
	return 0;
}

/* teardown - remove the scratch directory; fail on a leaked fd */
static int
teardown(void **state)
{
	struct scratch *sc = *state;
	int rc = scratch_remove(sc->path, sc->dfd, sc->nfds);

	free(sc);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Small helpers */

/* join - out = a "/" b; fails the test if it does not fit */
static void
join(char *out, size_t outsz, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	assert_true(la + 1 + lb < outsz);
	memcpy(out, a, la + 1);
	out[la] = '/';
	memcpy(out + la + 1, b, lb + 1);
}

/* write_all - write n bytes to fd; false on failure (child-safe) */
static bool
write_all(int fd, const void *p, size_t n)
{
	const char *s = p;
	ssize_t r;

	while (n > 0) {
		r = write(fd, s, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		s += r;
		n -= (size_t)r;
	}
	return true;
}

/* put_bytes - create or truncate dfd/name to hold s[0..n), mode 0644 */
static void
put_bytes(int dfd, const char *name, const char *s, size_t n)
{
	int fd;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_true(write_all(fd, s, n));
	assert_int_equal(close(fd), 0);
}

/* put_file - put_bytes() of a string */
static void
put_file(int dfd, const char *name, const char *s)
{
	put_bytes(dfd, name, s, strlen(s));
}

/* reap - wait for pid: its exit code, or 128 + the signal that killed it */
static int
reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* dead_pid - the PID of a child that has exited and been reaped */
static long
dead_pid(void)
{
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(reap(pid), 0);
	return (long)pid;
}

/* has_pid - pid is among pids[0..n) */
static bool
has_pid(const long *pids, size_t n, long pid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* running - sysinfo_sendmail_running() into pids[MAX_PIDS]; the count */
static size_t
running(long *pids)
{
	struct qerr err;
	size_t n = 0;

	assert_int_equal(sysinfo_sendmail_running(pids, MAX_PIDS, &n, NULL, &err),
	    0);
	assert_true(n <= MAX_PIDS);
	return n;
}

/* ------------------------------------------------------------------ */
/* Holder children */

enum hold_lock { HOLD_NONE, HOLD_FLOCK, HOLD_FCNTL };

struct holder {
	pid_t pid;
	int release;		/* closing it lets the child exit */
};

/* The release ends of the holders running: a new child must not keep
 * them open, or closing them would not let the others exit. */
#define MAX_HOLDERS 4
static int live_release[MAX_HOLDERS];
static size_t nlive;

/* A directory the next holder works in (fchdir()), or -1. */
static int holder_cwd = -1;

/*
 * holder_child - in the child: take the name comm (if any), write
 * dfd/name as log_sendmail_pid() does (if name is not NULL) holding the
 * lock asked for, report ready on `ready`, wait for EOF on `rel`.
 */
static _Noreturn void
holder_child(int dfd, const char *name, const char *comm,
    enum hold_lock lock, int ready, int rel)
{
	struct flock fl;
	char buf[256], c;
	int fd, n;

	if (comm != NULL && prctl(PR_SET_NAME, comm, 0, 0, 0) != 0)
		_exit(20);
	if (holder_cwd >= 0 && fchdir(holder_cwd) != 0)
		_exit(26);
	if (name != NULL) {
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC |
		    O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0)
			_exit(21);
		if (lock == HOLD_FLOCK && flock(fd, LOCK_EX | LOCK_NB) != 0)
			_exit(22);
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (lock == HOLD_FCNTL && fcntl(fd, F_SETLK, &fl) != 0)
			_exit(23);
		n = snprintf(buf, sizeof(buf), "%ld\n%s\n", (long)getpid(),
		    CMDLINE);
		if (n < 0 || (size_t)n >= sizeof(buf) ||
		    !write_all(fd, buf, (size_t)n))
			_exit(24);
	}
	if (!write_all(ready, "r", 1))
		_exit(25);
	while (read(rel, &c, 1) != 0)
		if (errno != EINTR)
			break;
	_exit(0);
}

/* holder_start - fork a holder child and wait until it is ready */
static void
holder_start(struct holder *h, int dfd, const char *name, const char *comm,
    enum hold_lock lock)
{
	int ready[2], rel[2];
	ssize_t n;
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(rel), 0);
	h->pid = fork();
	assert_true(h->pid >= 0);
	if (h->pid == 0) {
		size_t i;

		for (i = 0; i < nlive; i++)
			(void)close(live_release[i]);
		(void)close(ready[0]);
		(void)close(rel[1]);
		holder_child(dfd, name, comm, lock, ready[1], rel[0]);
	}
	assert_int_equal(close(ready[1]), 0);
	assert_int_equal(close(rel[0]), 0);
	do
		n = read(ready[0], &c, 1);
	while (n < 0 && errno == EINTR);
	assert_int_equal(close(ready[0]), 0);
	h->release = rel[1];
	assert_true(nlive < MAX_HOLDERS);
	live_release[nlive++] = h->release;
	if (n != 1) {
		/* The child failed: its exit code says where. */
		nlive--;
		(void)close(h->release);
		fail_msg("holder child exited with %d", reap(h->pid));
	}
}

/* holder_stop - let the holder exit and reap it */
static void
holder_stop(struct holder *h)
{
	size_t i;

	for (i = 0; i < nlive; i++) {
		if (live_release[i] == h->release) {
			live_release[i] = live_release[--nlive];
			break;
		}
	}
	assert_int_equal(close(h->release), 0);
	assert_int_equal(reap(h->pid), 0);
}

/* read_pid - sysinfo_read_pidfile() of dir/name, which must succeed */
static void
read_pid(const struct scratch *sc, const char *name,
    struct sysinfo_pidfile *pf)
{
	char path[PATH_MAX];
	struct qerr err;

	join(path, sizeof(path), sc->path, name);
	qerr_clear(&err);
	assert_int_equal(sysinfo_read_pidfile(path, pf, &err), 0);
}

/* ------------------------------------------------------------------ */
/* Pid files */

static void
test_pidfile_absent(void **state)
{
	struct scratch *sc = *state;
	struct sysinfo_pidfile pf;

	memset(&pf, 0xa5, sizeof(pf));
	read_pid(sc, "sendmail.pid", &pf);
	assert_int_equal(pf.state, SYSINFO_PID_ABSENT);
	assert_false(pf.present);
	assert_int_equal(pf.pid, 0);
	assert_false(pf.locked);
	assert_false(pf.alive);
	assert_string_equal(pf.cmdline, "");

	/* No directory (msp not installed), or a file where one is. */
	read_pid(sc, "mta/sendmail.pid", &pf);
	assert_int_equal(pf.state, SYSINFO_PID_ABSENT);
	put_file(sc->dfd, "file", "x");
	read_pid(sc, "file/sendmail.pid", &pf);
	assert_int_equal(pf.state, SYSINFO_PID_ABSENT);
}

/* The live daemon's file: flock'ed by a process that is not sendmail. */
static void
test_pidfile_live_locked(void **state)
{
	struct scratch *sc = *state;
	struct sysinfo_pidfile pf;
	struct holder h;

	holder_start(&h, sc->dfd, "sendmail.pid", NULL, HOLD_FLOCK);
	read_pid(sc, "sendmail.pid", &pf);
	holder_stop(&h);
	assert_int_equal(pf.state, SYSINFO_PID_READ);
	assert_true(pf.present);
	assert_true(S_ISREG(pf.st.st_mode));
	assert_int_equal(pf.pid, (long)h.pid);
	assert_true(pf.locked);
	assert_true(pf.alive);
	assert_false(pf.is_sendmail);
	assert_string_equal(pf.cmdline, CMDLINE);
}

/* comm "sendmail-mta" (Debian's daemon) and "sendmail" are sendmail. */
static void
test_pidfile_live_sendmail(void **state)
{
	static const char *const names[] = { "sendmail-mta", "sendmail" };
	struct scratch *sc = *state;
	struct sysinfo_pidfile pf;
	struct holder h;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		holder_start(&h, sc->dfd, "sendmail.pid", names[i],
		    HOLD_FLOCK);
		read_pid(sc, "sendmail.pid", &pf);
		holder_stop(&h);
		assert_true(pf.present);
		assert_int_equal(pf.pid, (long)h.pid);
		assert_true(pf.locked);
		assert_true(pf.alive);
		assert_true(pf.is_sendmail);
	}
}

/* A build without HASFLOCK locks with fcntl; an unlocked live file. */
static void
test_pidfile_fcntl_and_unlocked(void **state)
{
	struct scratch *sc = *state;
	struct sysinfo_pidfile pf;
	struct holder h;

	holder_start(&h, sc->dfd, "sendmail.pid", "sendmail", HOLD_FCNTL);
	read_pid(sc, "sendmail.pid", &pf);
	holder_stop(&h);
	assert_true(pf.locked);
	assert_true(pf.alive);
	assert_true(pf.is_sendmail);

	holder_start(&h, sc->dfd, "sendmail.pid", "sendmail", HOLD_NONE);
	read_pid(sc, "sendmail.pid", &pf);
	holder_stop(&h);
	assert_false(pf.locked);
	assert_true(pf.alive);
	assert_true(pf.is_sendmail);
}

/* Left by a daemon killed with SIGKILL: dead PID, nobody's lock. */
static void
test_pidfile_stale(void **state)
{
	struct scratch *sc = *state;
	struct sysinfo_pidfile pf;
	struct holder h;
	char buf[128];
	long pid;

	pid = dead_pid();
	(void)snprintf(buf, sizeof(buf), "%ld\n%s\n", pid, CMDLINE);
	put_file(sc->dfd, "sendmail.pid", buf);
	read_pid(sc, "sendmail.pid", &pf);
	assert_true(pf.present);
	assert_int_equal(pf.pid, pid);
	assert_false(pf.locked);
	assert_false(pf.alive);
	assert_false(pf.is_sendmail);
	assert_string_equal(pf.cmdline, CMDLINE);

	/* The holder's own file once it has exited. */
	holder_start(&h, sc->dfd, "sendmail.pid", "sendmail", HOLD_FLOCK);
	holder_stop(&h);
	read_pid(sc, "sendmail.pid", &pf);
	assert_int_equal(pf.pid, (long)h.pid);
	assert_false(pf.locked);
	assert_false(pf.alive);
	assert_false(pf.is_sendmail);
}

struct garbage_case {
	const char *data;
	size_t len;		/* 0: strlen(data) */
	long pid;
	const char *cmdline;
};

static void
test_pidfile_garbage(void **state)
{
	static const struct garbage_case cases[] = {
		{ "", 0, 0, "" },
		{ "\n", 0, 0, "" },
		{ "abc\n" CMDLINE "\n", 0, 0, CMDLINE },
		{ "12x\n", 0, 0, "" },
		{ " 12\n", 0, 0, "" },
		{ "-5\n", 0, 0, "" },
		{ "0\n", 0, 0, "" },
		{ "2147483648\n", 0, 0, "" },
		{ "99999999999999999999999\n", 0, 0, "" },
		{ "123", 0, 123, "" },
		{ "123\n", 0, 123, "" },
		{ "0123\nx\ny\n", 0, 123, "x" },
		{ "123\r\n", 0, 0, "" },
		{ "123\nno newline", 0, 123, "no newline" },
		{ "123\n\033[2J\tbell\a\xff\n", 0, 123, "?[2J?bell??" },
		{ "123\nnul\0byte\n", 13, 123, "nul?byte" },
	};
	struct scratch *sc = *state;
	struct sysinfo_pidfile pf;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct garbage_case *c = &cases[i];

		put_bytes(sc->dfd, "sendmail.pid", c->data,
		    c->len != 0 ? c->len : strlen(c->data));
		read_pid(sc, "sendmail.pid", &pf);
		assert_true(pf.present);
		assert_int_equal(pf.pid, c->pid);
		assert_string_equal(pf.cmdline, c->cmdline);
		assert_false(pf.locked);
		/* Not a PID: kill() is never tried, nothing is alive. */
		if (c->pid == 0) {
			assert_false(pf.alive);
			assert_false(pf.is_sendmail);
		}
	}
}

/* A long command line is cut; a big file is read only in part. */
static void
test_pidfile_long(void **state)
{
	struct scratch *sc = *state;
	struct sysinfo_pidfile pf;
	char *big;
	size_t n = 100000, i;

	big = malloc(n);
	assert_non_null(big);
	memcpy(big, "1\n", 2);
	for (i = 2; i < n; i++)
		big[i] = (char)('a' + i % 26);
	put_bytes(sc->dfd, "sendmail.pid", big, n);
	free(big);
	read_pid(sc, "sendmail.pid", &pf);
	assert_true(pf.present);
	assert_int_equal(pf.pid, 1);
	assert_int_equal(strlen(pf.cmdline), SYSINFO_CMDLINE_MAX - 1);
	assert_int_equal(pf.cmdline[0], 'c'); /* 'a' + 2 */
	/* PID 1 exists: kill() succeeds, or fails with EPERM when not
	 * root; and it is not sendmail. */
	assert_true(pf.alive);
	assert_false(pf.is_sendmail);
}

/* A symlink is never followed, dangling or not. */
static void
test_pidfile_symlink(void **state)
{
	struct scratch *sc = *state;
	struct sysinfo_pidfile pf;
	struct holder h;

	holder_start(&h, sc->dfd, "real.pid", "sendmail", HOLD_FLOCK);
	assert_int_equal(symlinkat("real.pid", sc->dfd, "sendmail.pid"), 0);
	read_pid(sc, "sendmail.pid", &pf);
	holder_stop(&h);
	assert_int_equal(pf.state, SYSINFO_PID_SYMLINK);
	assert_false(pf.present);
	assert_int_equal(pf.pid, 0);
	assert_false(pf.locked);
	assert_false(pf.alive);

	assert_int_equal(symlinkat("nowhere", sc->dfd, "dangling.pid"), 0);
	read_pid(sc, "dangling.pid", &pf);
	assert_int_equal(pf.state, SYSINFO_PID_SYMLINK);
}

/* A directory or a FIFO is not opened (a FIFO would block). */
static void
test_pidfile_not_regular(void **state)
{
	struct scratch *sc = *state;
	struct sysinfo_pidfile pf;

	assert_int_equal(mkdirat(sc->dfd, "dir.pid", 0700), 0);
	read_pid(sc, "dir.pid", &pf);
	assert_int_equal(pf.state, SYSINFO_PID_NOT_REGULAR);
	assert_false(pf.present);
	assert_int_equal(mkfifoat(sc->dfd, "fifo.pid", 0600), 0);
	read_pid(sc, "fifo.pid", &pf);
	assert_int_equal(pf.state, SYSINFO_PID_NOT_REGULAR);
	assert_false(pf.present);
}

/* Symlinks in the directories are followed, as /var/run -> /run. */
static void
test_pidfile_directory_symlink(void **state)
{
	struct scratch *sc = *state;
	struct sysinfo_pidfile pf;
	struct holder h;
	struct qerr err;
	int dfd, cwd;

	assert_int_equal(mkdirat(sc->dfd, "run", 0755), 0);
	assert_int_equal(mkdirat(sc->dfd, "run/mta", 0755), 0);
	assert_int_equal(symlinkat("run", sc->dfd, "varrun"), 0);
	dfd = openat(sc->dfd, "run/mta", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	holder_start(&h, dfd, "sendmail.pid", "sendmail-mta", HOLD_FLOCK);
	assert_int_equal(close(dfd), 0);
	read_pid(sc, "varrun/mta/sendmail.pid", &pf);
	holder_stop(&h);
	assert_int_equal(pf.state, SYSINFO_PID_READ);
	assert_int_equal(pf.pid, (long)h.pid);
	assert_true(pf.locked);
	assert_true(pf.is_sendmail);
	/* And "." for a relative path's directory. */
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(cwd >= 0);
	assert_int_equal(fchdir(sc->dfd), 0);
	put_file(sc->dfd, "rel.pid", "1\n");
	assert_int_equal(sysinfo_read_pidfile("rel.pid", &pf, &err), 0);
	assert_int_equal(fchdir(cwd), 0);
	assert_int_equal(close(cwd), 0);
	assert_int_equal(pf.state, SYSINFO_PID_READ);
	assert_int_equal(pf.pid, 1);
}

static void
test_pidfile_errors(void **state)
{
	struct scratch *sc = *state;
	struct sysinfo_pidfile pf;
	char path[PATH_MAX], *longp;
	struct qerr err;

	assert_fails(sysinfo_read_pidfile("", &pf, &err), &err, EINVAL);
	assert_fails(sysinfo_read_pidfile("/run/", &pf, &err), &err, EINVAL);
	assert_fails(sysinfo_read_pidfile("/run/..", &pf, &err), &err,
	    EINVAL);
	assert_fails(sysinfo_read_pidfile("/run/.", &pf, &err), &err, EINVAL);
	longp = malloc(PATH_MAX + 10);
	assert_non_null(longp);
	memset(longp, 'a', PATH_MAX + 9);
	longp[0] = '/';
	longp[PATH_MAX + 9] = '\0';
	assert_fails(sysinfo_read_pidfile(longp, &pf, &err), &err,
	    ENAMETOOLONG);
	free(longp);

	/* Unreadable: only without root's privileges. */
	if (geteuid() == 0)
		return;
	put_file(sc->dfd, "sendmail.pid", "1\n");
	assert_int_equal(fchmodat(sc->dfd, "sendmail.pid", 0, 0), 0);
	join(path, sizeof(path), sc->path, "sendmail.pid");
	assert_fails(sysinfo_read_pidfile(path, &pf, &err), &err, EACCES);
	assert_int_equal(mkdirat(sc->dfd, "closed", 0700), 0);
	put_file(sc->dfd, "closed/sendmail.pid", "1\n");
	assert_int_equal(fchmodat(sc->dfd, "closed", 0, 0), 0);
	join(path, sizeof(path), sc->path, "closed/sendmail.pid");
	assert_fails(sysinfo_read_pidfile(path, &pf, &err), &err, EACCES);
}

/* ------------------------------------------------------------------ */
/* Processes */

static void
test_running_finds_renamed_child(void **state)
{
	struct scratch *sc = *state;
	long pids[MAX_PIDS];
	struct holder h;
	size_t n;

	holder_start(&h, sc->dfd, NULL, "sendmail", HOLD_NONE);
	n = running(pids);
	assert_true(has_pid(pids, n, (long)h.pid));
	holder_stop(&h);
	n = running(pids);
	assert_false(has_pid(pids, n, (long)h.pid));

	/* Debian's names, and one that is not sendmail. */
	holder_start(&h, sc->dfd, NULL, "sendmail-msp", HOLD_NONE);
	n = running(pids);
	assert_true(has_pid(pids, n, (long)h.pid));
	holder_stop(&h);
	holder_start(&h, sc->dfd, NULL, "postfix", HOLD_NONE);
	n = running(pids);
	assert_false(has_pid(pids, n, (long)h.pid));
	holder_stop(&h);
}

/* This process is skipped even when it is called sendmail. */
static void
test_running_skips_self(void **state)
{
	char old[17] = "";
	long pids[MAX_PIDS];
	size_t n;

	(void)state;
	assert_int_equal(prctl(PR_GET_NAME, old, 0, 0, 0), 0);
	assert_int_equal(prctl(PR_SET_NAME, "sendmail", 0, 0, 0), 0);
	n = running(pids);
	assert_int_equal(prctl(PR_SET_NAME, old, 0, 0, 0), 0);
	assert_false(has_pid(pids, n, (long)getpid()));
}

/* A zombie keeps its comm but runs nothing. */
static void
test_running_skips_zombie(void **state)
{
	long pids[MAX_PIDS];
	siginfo_t si;
	pid_t pid;
	size_t n;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NAME, "sendmail", 0, 0, 0) != 0)
			_exit(1);
		_exit(0);
	}
	/* Wait for the exit without reaping: the child is a zombie. */
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) != 0)
		assert_int_equal(errno, EINTR);
	n = running(pids);
	assert_int_equal(reap(pid), 0);
	assert_false(has_pid(pids, n, (long)pid));
}

/* More found than room: the count is the total. */
static void
test_running_count(void **state)
{
	struct scratch *sc = *state;
	struct holder a, b;
	struct qerr err;
	long pids[1] = { 0 };
	size_t n = 99, m = 0;

	holder_start(&a, sc->dfd, NULL, "sendmail", HOLD_NONE);
	holder_start(&b, sc->dfd, NULL, "sendmail", HOLD_NONE);
	assert_int_equal(sysinfo_sendmail_running(NULL, 0, &n, NULL, &err), 0);
	assert_int_equal(sysinfo_sendmail_running(pids, 1, &m, NULL, &err), 0);
	holder_stop(&a);
	holder_stop(&b);
	assert_true(n >= 2);
	assert_true(m >= 2);
	assert_true(pids[0] > 0);
}

/* With a directory, only a sendmail working in it counts: sendmail
 * chdir()s into its queue base before it touches a queue. */
static void
test_running_in_base(void **state)
{
	struct scratch *sc = *state;
	struct holder h;
	struct stat base, other;
	struct qerr err;
	long pids[MAX_PIDS];
	size_t n = 0;

	assert_int_equal(mkdirat(sc->dfd, "base", 0700), 0);
	assert_int_equal(mkdirat(sc->dfd, "other", 0700), 0);
	assert_int_equal(fstatat(sc->dfd, "base", &base, 0), 0);
	assert_int_equal(fstatat(sc->dfd, "other", &other, 0), 0);
	holder_cwd = openat(sc->dfd, "base", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(holder_cwd >= 0);
	holder_start(&h, sc->dfd, NULL, "sendmail", HOLD_NONE);
	assert_int_equal(close(holder_cwd), 0);
	holder_cwd = -1;
	assert_int_equal(sysinfo_sendmail_running(pids, MAX_PIDS, &n, &base,
	    &err), 0);
	assert_true(has_pid(pids, n, (long)h.pid));
	/* Another queue's base: that sendmail is not at work here. */
	assert_int_equal(sysinfo_sendmail_running(pids, MAX_PIDS, &n, &other,
	    &err), 0);
	assert_false(has_pid(pids, n, (long)h.pid));
	/* Without a directory, every sendmail counts. */
	assert_true(has_pid(pids, running(pids), (long)h.pid));
	holder_stop(&h);
}

/* ------------------------------------------------------------------ */
/* fstab and mountinfo */

/* A mountinfo as the kernel writes it, without /var or /var/spool. */
static const char base_mountinfo[] =
    "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
    "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
    "28 27 254:1 / /home rw,relatime shared:1 - ext4 /dev/vdb1 rw\n"
    "29 27 254:2 / /srv/mail\\040spool rw - ext4 /dev/vdc1 rw\n"
    "30 27 254:3 /sub\\011dir /a\\134b rw - ext4 /dev/vdd1 rw\n";

/*
 * fstab_check - write fstab and mountinfo into the scratch directory
 * (mountinfo NULL: base_mountinfo) and check queue against them.
 */
static int
fstab_check(const struct scratch *sc, const char *fstab,
    const char *mountinfo, const char *queue, struct sysinfo_mount *m,
    struct qerr *err)
{
	char fpath[PATH_MAX], mpath[PATH_MAX];

	put_file(sc->dfd, "fstab", fstab);
	put_file(sc->dfd, "mountinfo", mountinfo != NULL ? mountinfo :
	    base_mountinfo);
	join(fpath, sizeof(fpath), sc->path, "fstab");
	join(mpath, sizeof(mpath), sc->path, "mountinfo");
	memset(m, 0xa5, sizeof(*m));
	qerr_clear(err);
	return sysinfo_check_fstab(fpath, mpath, queue, m, err);
}

/* assert_unmounted - the check reports mount point mp of device dev */
static void
assert_unmounted(const struct scratch *sc, const char *fstab,
    const char *mountinfo, const char *queue, const char *mp,
    const char *dev)
{
	struct sysinfo_mount m;
	struct qerr err;

	assert_int_equal(fstab_check(sc, fstab, mountinfo, queue, &m, &err),
	    0);
	assert_true(m.fstab_present);
	assert_true(m.fstab_unmounted);
	assert_string_equal(m.fstab_mountpoint, mp);
	assert_string_equal(m.fstab_device, dev);
}

/* assert_fine - the check reports nothing */
static void
assert_fine(const struct scratch *sc, const char *fstab,
    const char *mountinfo, const char *queue)
{
	struct sysinfo_mount m;
	struct qerr err;

	assert_int_equal(fstab_check(sc, fstab, mountinfo, queue, &m, &err),
	    0);
	assert_true(m.fstab_present);
	assert_false(m.fstab_unmounted);
	assert_string_equal(m.fstab_mountpoint, "");
	assert_string_equal(m.fstab_device, "");
}

#define Q "/var/spool/mqueue"

/* The type of the file system holding the queue: the deepest mount
 * point on its path (later lines mount over earlier ones), from the
 * field after "-"; read with no fstab at all, and unknown (no error)
 * when mountinfo cannot be read and no fstab entry needs it. */
static void
test_mount_fstype(void **state)
{
	struct scratch *sc = *state;
	struct sysinfo_mount m;
	struct qerr err;
	char none[PATH_MAX], mpath[PATH_MAX];

	assert_int_equal(fstab_check(sc, "", NULL, Q, &m, &err), 0);
	assert_string_equal(m.fstype, "ext4");
	assert_int_equal(fstab_check(sc, "", NULL, "/srv/mail spool/q", &m,
			     &err), 0);
	assert_string_equal(m.fstype, "ext4");
	assert_int_equal(fstab_check(sc, "",
			     "27 1 254:0 / / rw - ext4 /dev/vda rw\n"
			     "40 27 0:40 / /var/spool rw shared:3 master:1 - "
			     "nfs4 host:/x rw\n"
			     "41 27 0:41 / /var/spool/mq rw - tmpfs t rw\n", Q,
			     &m, &err), 0);
	assert_string_equal(m.fstype, "nfs4");
	assert_string_equal(sysinfo_network_fstype(m.fstype), "nfs4");
	assert_int_equal(fstab_check(sc, "",
			     "40 27 0:40 / /var/spool rw - nfs4 host:/x rw\n"
			     "42 40 0:42 / /var/spool rw - fuse.sshfs h:/ rw\n",
			     Q, &m, &err), 0);
	assert_string_equal(sysinfo_network_fstype(m.fstype), "fuse.sshfs");
	assert_null(sysinfo_network_fstype("ext4"));
	assert_null(sysinfo_network_fstype("fuse"));
	join(none, sizeof(none), sc->path, "nosuch");
	join(mpath, sizeof(mpath), sc->path, "nosuch-mountinfo");
	assert_int_equal(sysinfo_check_fstab(none, mpath, Q, &m, &err), 0);
	assert_false(m.fstab_present);
	assert_string_equal(m.fstype, "");
}

static void
test_fstab_unmounted_ancestor(void **state)
{
	struct scratch *sc = *state;

	assert_unmounted(sc, "/dev/sdb1 /var/spool ext4 defaults 0 2\n", NULL,
	    Q, "/var/spool", "/dev/sdb1");
	/* The queue directory itself, and a trailing '/' on the queue. */
	assert_unmounted(sc, "UUID=1234-abcd " Q " xfs defaults 0 2\n", NULL,
	    Q "/", Q, "UUID=1234-abcd");
	/* Tabs, missing optional fields, "//" and a trailing '/'. */
	assert_unmounted(sc, "\t/dev/sdb1\t//var///spool/ \n", NULL, Q,
	    "/var/spool", "/dev/sdb1");
	/* Several: the one nearest the root is reported. */
	assert_unmounted(sc,
	    "/dev/sdc1 /var/spool ext4 defaults 0 2\n"
	    "/dev/sdb1 /var ext4 defaults 0 2\n", NULL, Q, "/var",
	    "/dev/sdb1");
	/* Once /var is mounted, /var/spool is what is missing. */
	assert_unmounted(sc,
	    "/dev/sdc1 /var/spool ext4 defaults 0 2\n"
	    "/dev/sdb1 /var ext4 defaults 0 2\n",
	    "27 1 254:0 / / rw - ext4 /dev/vda rw\n"
	    "31 27 8:17 / /var rw - ext4 /dev/sdb1 rw\n", Q, "/var/spool",
	    "/dev/sdc1");
}

static void
test_fstab_mounted_or_elsewhere(void **state)
{
	struct scratch *sc = *state;
	struct sysinfo_mount m;
	struct qerr err;
	char fpath[PATH_MAX];

	/* Mounted according to the real mountinfo. */
	put_file(sc->dfd, "fstab", "proc /proc proc defaults 0 0\n");
	join(fpath, sizeof(fpath), sc->path, "fstab");
	assert_int_equal(sysinfo_check_fstab(fpath, SYSINFO_MOUNTINFO,
	    "/proc/sys/kernel", &m, &err), 0);
	assert_true(m.fstab_present);
	assert_false(m.fstab_unmounted);
	/* ... and according to ours. */
	assert_fine(sc, "/dev/vdb1 /home ext4 defaults 0 2\n", NULL,
	    "/home/q/mqueue");
	/* Not on the queue's path. */
	assert_fine(sc, "/dev/sdb1 /opt ext4 defaults 0 2\n", NULL, Q);
	assert_fine(sc, "/dev/sdb1 /var/spool/mqueue2 ext4 defaults 0 2\n",
	    NULL, Q);
	/* Component-wise: "/var/sp" is not an ancestor of "/var/spool". */
	assert_fine(sc, "/dev/sdb1 /var/sp ext4 defaults 0 2\n", NULL, Q);
	assert_fine(sc, "/dev/sdb1 /var/spool/mq ext4 defaults 0 2\n", NULL,
	    Q);
	/* The root is always mounted. */
	assert_fine(sc, "/dev/vda / ext4 defaults 0 1\n", "", Q);
}

/* Lines that are not file systems to mount at boot. */
static void
test_fstab_ignored_lines(void **state)
{
	static const char fstab[] =
	    "# /dev/sdb1 /var ext4 defaults 0 2\n"
	    "   # /dev/sdb1 /var ext4 defaults 0 2\n"
	    "\n"
	    "   \t \n"
	    "/dev/sdb2 none swap sw 0 0\n"
	    "/swapfile swap swap defaults 0 0\n"
	    "/dev/sdb3 /var swap sw 0 0\n"
	    "/dev/sdb4 /var ignore defaults 0 0\n"
	    "/dev/sdb5 /var ext4 noauto 0 2\n"
	    "/dev/sdb6 /var ext4 rw,noauto,user 0 2\n"
	    "/dev/sdb7 var/spool ext4 defaults 0 2\n"
	    "onlyonefield\n"
	    "tmpfs /tmp tmpfs defaults 0 0\n";
	struct scratch *sc = *state;

	assert_fine(sc, fstab, NULL, Q);
	/* "noautomatic" is not "noauto". */
	assert_unmounted(sc, "/dev/sdb5 /var ext4 rw,noautomatic 0 2\n", NULL,
	    Q, "/var", "/dev/sdb5");
	/* Another entry's comment sign after a field is part of it. */
	assert_unmounted(sc, "/dev/sdb1#x /var ext4 defaults 0 2\n", NULL, Q,
	    "/var", "/dev/sdb1#x");
}

/* \040 and friends, in both files. */
static void
test_fstab_escapes(void **state)
{
	struct scratch *sc = *state;

	assert_fine(sc,
	    "/dev/vdc1 /srv/mail\\040spool ext4 defaults 0 2\n", NULL,
	    "/srv/mail spool/mqueue");
	assert_unmounted(sc,
	    "/dev/vdc1 /srv/mail\\040spool ext4 defaults 0 2\n",
	    "27 1 254:0 / / rw - ext4 /dev/vda rw\n",
	    "/srv/mail spool/mqueue", "/srv/mail spool", "/dev/vdc1");
	/* Backslash: \134 in mountinfo matches \134 in fstab. */
	assert_fine(sc, "/dev/vdd1 /a\\134b ext4 defaults 0 2\n", NULL,
	    "/a\\b/q");
	/* Not escapes: kept as written. */
	assert_unmounted(sc,
	    "LABEL=a\\040b /x\\08\\400\\000 ext4 defaults 0 2\n", "",
	    "/x\\08\\400\\000/q", "/x\\08\\400\\000", "LABEL=a b");
	/* A tab in the device. */
	assert_unmounted(sc, "a\\011b /var ext4 defaults 0 2\n", "", Q,
	    "/var", "a\tb");
}

/* Lines too long for the buffer, or holding NUL bytes, in fstab. */
static void
test_fstab_bad_lines(void **state)
{
	struct scratch *sc = *state;
	struct sysinfo_mount m;
	struct qerr err;
	char fpath[PATH_MAX], mpath[PATH_MAX];
	size_t n = 50000, i;
	char *big;

	big = malloc(n + 100);
	assert_non_null(big);
	memcpy(big, "/dev/sdb1 /var ext4 ", 20);
	for (i = 20; i < n; i++)
		big[i] = 'o';
	memcpy(big + n, " 0 2\n/dev/sdc1 /var/spool ext4 defaults 0 2\n",
	    45);
	put_file(sc->dfd, "fstab", big);
	/* The long line's fields 1-3 fit: it is still skipped, as a line
	 * whose options were cut.  The next line is read. */
	put_file(sc->dfd, "mountinfo", base_mountinfo);
	join(fpath, sizeof(fpath), sc->path, "fstab");
	join(mpath, sizeof(mpath), sc->path, "mountinfo");
	assert_int_equal(sysinfo_check_fstab(fpath, mpath, Q, &m, &err), 0);
	assert_true(m.fstab_unmounted);
	assert_string_equal(m.fstab_mountpoint, "/var/spool");

	/* A long mountinfo line whose fields 1-5 fit is fine. */
	memcpy(big, "31 27 8:17 / /var/spool rw - ext4 /dev/x ", 41);
	for (i = 41; i < n; i++)
		big[i] = 'o';
	big[n] = '\n';
	big[n + 1] = '\0';
	put_file(sc->dfd, "mountinfo", big);
	assert_int_equal(sysinfo_check_fstab(fpath, mpath, Q, &m, &err), 0);
	assert_false(m.fstab_unmounted);
	free(big);

	/* A NUL byte: the fstab line is skipped. */
	put_bytes(sc->dfd, "fstab", "/dev/sdb1 /var\0x ext4 defaults\n", 31);
	assert_int_equal(sysinfo_check_fstab(fpath, mpath, Q, &m, &err), 0);
	assert_false(m.fstab_unmounted);
}

static void
test_fstab_too_many(void **state)
{
	struct scratch *sc = *state;
	char fstab[16384], queue[256];
	size_t fl = 0, ql = 0;
	struct sysinfo_mount m;
	struct qerr err;
	char *nl;
	int i, n;

	/* /d0, /d0/d1, ... /d0/d1/.../d32: 33 ancestors of the queue. */
	for (i = 0; i < 33; i++) {
		n = snprintf(queue + ql, sizeof(queue) - ql, "/d%d", i);
		assert_true(n > 0 && (size_t)n < sizeof(queue) - ql);
		ql += (size_t)n;
		n = snprintf(fstab + fl, sizeof(fstab) - fl,
		    "/dev/x%d %s ext4 defaults 0 2\n", i, queue);
		assert_true(n > 0 && (size_t)n < sizeof(fstab) - fl);
		fl += (size_t)n;
	}
	assert_int_equal(fstab_check(sc, fstab, "", queue, &m, &err), -1);
	assert_int_equal(err.sys_errno, E2BIG);
	/* Without the last line, 32 fit; the first is reported. */
	fstab[fl - 1] = '\0';
	nl = strrchr(fstab, '\n');
	assert_non_null(nl);
	nl[1] = '\0';
	assert_unmounted(sc, fstab, "", queue, "/d0", "/dev/x0");
}

static void
test_fstab_errors(void **state)
{
	struct scratch *sc = *state;
	char fpath[PATH_MAX], mpath[PATH_MAX], missing[PATH_MAX];
	struct sysinfo_mount m;
	struct qerr err;

	join(fpath, sizeof(fpath), sc->path, "fstab");
	join(mpath, sizeof(mpath), sc->path, "mountinfo");
	join(missing, sizeof(missing), sc->path, "missing");

	/* No fstab (a container): nothing to say, and no error. */
	assert_int_equal(sysinfo_check_fstab(missing, missing, Q, &m, &err),
	    0);
	assert_false(m.fstab_present);
	assert_false(m.fstab_unmounted);

	/* A mountinfo line without a fifth field. */
	assert_int_equal(fstab_check(sc, "/dev/sdb1 /var ext4 d 0 2\n",
	    "27 1 254:0 / / rw - ext4 /dev/vda rw\n22 27 0:21 /\n", Q, &m,
	    &err), -1);
	assert_int_equal(err.sys_errno, EINVAL);
	assert_non_null(strstr(err.msg, "line 2"));
	put_bytes(sc->dfd, "mountinfo", "1 2 3:4 / /v\0ar rw\n", 19);
	assert_fails(sysinfo_check_fstab(fpath, mpath, Q, &m, &err), &err,
	    EINVAL);

	/* Missing mountinfo; fstab or mountinfo not a regular file. */
	assert_fails(sysinfo_check_fstab(fpath, missing, Q, &m, &err), &err,
	    ENOENT);
	assert_int_equal(mkfifoat(sc->dfd, "fifo", 0600), 0);
	join(missing, sizeof(missing), sc->path, "fifo");
	assert_fails(sysinfo_check_fstab(fpath, missing, Q, &m, &err), &err,
	    EINVAL);
	assert_fails(sysinfo_check_fstab(missing, mpath, Q, &m, &err), &err,
	    EINVAL);
	assert_fails(sysinfo_check_fstab(sc->path, mpath, Q, &m, &err), &err,
	    EINVAL);

	/* The queue path must be absolute. */
	assert_fails(sysinfo_check_fstab(fpath, mpath, "var/spool", &m, &err),
	    &err, EINVAL);
	assert_fails(sysinfo_check_fstab(fpath, mpath, "", &m, &err), &err,
	    EINVAL);
}

/* ------------------------------------------------------------------ */
/* Free space */

static void
test_free_blocks(void **state)
{
	struct scratch *sc = *state;
	struct statvfs before, after;
	long long avail, lo, hi;
	long bsize;
	struct qerr err;

	assert_int_equal(statvfs(sc->path, &before), 0);
	assert_int_equal(sysinfo_free_blocks(sc->dfd, &avail, &bsize, NULL,
	    &err), 0);
	assert_int_equal(statvfs(sc->path, &after), 0);
	/* glibc's statvfs() copies f_bsize and f_bavail from statfs(). */
	assert_int_equal(bsize, (long)before.f_bsize);
	assert_true(bsize > 0);
	lo = (long long)(before.f_bavail < after.f_bavail ? before.f_bavail :
	    after.f_bavail);
	hi = (long long)(before.f_bavail > after.f_bavail ? before.f_bavail :
	    after.f_bavail);
	/* Others may write meanwhile: allow a little slack. */
	assert_true(avail >= lo - 1024 && avail <= hi + 1024);

	assert_fails(sysinfo_free_blocks(-1, &avail, &bsize, NULL, &err), &err,
	    EBADF);
	/* The scratch directory's own file system is named by f_type; NFS,
	 * CIFS, Ceph are network file systems, local ones are not. */
	assert_int_equal(sysinfo_free_blocks(sc->dfd, &avail, &bsize, &lo, &err),
	    0);
	assert_string_equal(sysinfo_network_fs(0x6969), "nfs");
	assert_string_equal(sysinfo_network_fs(0xff534d42), "cifs");
	assert_string_equal(sysinfo_network_fs(0x00c36400), "ceph");
	assert_null(sysinfo_network_fs(0xef53));	/* ext4 */
	assert_null(sysinfo_network_fs(0x01021994)); /* tmpfs */
	assert_fails(sysinfo_free_blocks(-1, &avail, &bsize, &lo, &err), &err,
	    EBADF);
}

static void
test_enough_space(void **state)
{
	(void)state;
	/* No threshold, no size: accepted without looking. */
	assert_true(sysinfo_enough_space(0, 4096, 0, 0));
	assert_true(sysinfo_enough_space(0, 0, -1, 0));
	/* MinFreeBlocks alone: needed <= avail. */
	assert_true(sysinfo_enough_space(100, 4096, 100, 0));
	assert_false(sysinfo_enough_space(99, 4096, 100, 0));
	/* A size rounds up to whole blocks. */
	assert_true(sysinfo_enough_space(101, 4096, 100, 4096));
	assert_false(sysinfo_enough_space(101, 4096, 100, 4097));
	assert_true(sysinfo_enough_space(102, 4096, 100, 4097));
	assert_true(sysinfo_enough_space(2, 4096, 0, 4097));
	assert_false(sysinfo_enough_space(1, 4096, 0, 4097));
	/* No block size: no space; negative counts: no space. */
	assert_false(sysinfo_enough_space(LLONG_MAX, 0, 1, 0));
	assert_false(sysinfo_enough_space(-1, 4096, 1, 0));
	/* No overflow at the edges. */
	assert_false(sysinfo_enough_space(LLONG_MAX, 1, LONG_MAX, LONG_MAX));
	assert_true(sysinfo_enough_space(LLONG_MAX, 1, LONG_MAX - 1, 1));
	assert_false(sysinfo_enough_space(LLONG_MAX, 1, LONG_MAX, 1));
}

/* ------------------------------------------------------------------ */
/* Misuse */

enum misuse { M_NULL_PATH, M_NULL_OUT, M_NULL_COUNT, M_NULL_QUEUE };

/* misuse_in_child - commit `m` in a child; reap()'s answer */
static int
misuse_in_child(enum misuse m)
{
	struct rlimit rl = { 0, 0 };
	struct sysinfo_pidfile pf;
	struct sysinfo_mount mnt;
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
	switch (m) {
	case M_NULL_PATH:
		(void)sysinfo_read_pidfile(NULL, &pf, &err);
		break;
	case M_NULL_OUT:
		(void)sysinfo_read_pidfile("/x", NULL, &err);
		break;
	case M_NULL_COUNT:
		(void)sysinfo_sendmail_running(NULL, 0, NULL, NULL, &err);
		break;
	case M_NULL_QUEUE:
		(void)sysinfo_check_fstab("/etc/fstab", SYSINFO_MOUNTINFO, NULL,
		    &mnt, &err);
		break;
	}
	_exit(0);
}

static void
test_misuse_is_a_bug(void **state)
{
	(void)state;
	assert_int_equal(misuse_in_child(M_NULL_PATH), 128 + SIGABRT);
	assert_int_equal(misuse_in_child(M_NULL_OUT), 128 + SIGABRT);
	assert_int_equal(misuse_in_child(M_NULL_COUNT), 128 + SIGABRT);
	assert_int_equal(misuse_in_child(M_NULL_QUEUE), 128 + SIGABRT);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_pidfile_absent),
		T(test_pidfile_live_locked),
		T(test_pidfile_live_sendmail),
		T(test_pidfile_fcntl_and_unlocked),
		T(test_pidfile_stale),
		T(test_pidfile_garbage),
		T(test_pidfile_long),
		T(test_pidfile_symlink),
		T(test_pidfile_not_regular),
		T(test_pidfile_directory_symlink),
		T(test_pidfile_errors),
		T(test_running_finds_renamed_child),
		T(test_running_skips_self),
		T(test_running_skips_zombie),
		T(test_running_count),
		T(test_running_in_base),
		T(test_fstab_unmounted_ancestor),
		T(test_mount_fstype),
		T(test_fstab_mounted_or_elsewhere),
		T(test_fstab_ignored_lines),
		T(test_fstab_escapes),
		T(test_fstab_bad_lines),
		T(test_fstab_too_many),
		T(test_fstab_errors),
		T(test_free_blocks),
		T(test_enough_space),
		T(test_misuse_is_a_bug),
	};

	/* A holder that died early must not kill us through its pipe. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
