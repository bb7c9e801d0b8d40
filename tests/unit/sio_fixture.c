/*
 * sio_fixture.c - what the tests of format/sio*.c share: a scratch
 * directory per test (setup(), teardown(), which also checks that the
 * test left no descriptor open), small file helpers, children reaped,
 * and a SIGALRM ticker without SA_RESTART that drives the EINTR and
 * short-transfer paths for real.
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

/* ------------------------------------------------------------------ */
/* Scratch directories */

/* setup - a fresh scratch directory for one test */
int
setup(void **state)
{
	struct scratch *sc = calloc(1, sizeof(*sc));

	if (sc == NULL)
		return -1;
	if (scratch_make("test_sio", sc->path, &sc->dfd, &sc->nfds) != 0) {
		free(sc);
		return -1;
	}
	*state = sc;
	return 0;
}

/* teardown - remove the scratch directory; fail on a leaked fd */
int
teardown(void **state)
{
	struct scratch *sc = *state;
	int rc = scratch_remove(sc->path, sc->dfd, sc->nfds);

	free(sc);
	return rc;
}

/* put_file - create or truncate dfd/name to hold s, mode 0600 */
void
put_file(int dfd, const char *name, const char *s)
{
	struct qerr err;
	int fd;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(sio_write_all(fd, s, strlen(s), &err), 0);
	assert_int_equal(close(fd), 0);
}

/* lstat_at - fstatat(AT_SYMLINK_NOFOLLOW), which must succeed */
struct stat
lstat_at(int dfd, const char *name)
{
	struct stat st;

	assert_int_equal(fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	return st;
}

/* same_file - a and b are the same inode */
bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* is_cloexec - fd has FD_CLOEXEC */
bool
is_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	return fl >= 0 && (fl & FD_CLOEXEC) != 0;
}

/* reap - wait for pid: its exit code, or 128 + the signal that killed it */
int
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

/* nap - sleep ms milliseconds (in a child: nanosleep is async-safe) */
void
nap(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		continue;
}

/* ------------------------------------------------------------------ */
/* sio_read */

/* open_ro - open dfd/name read-only */
int
open_ro(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* ------------------------------------------------------------------ */
/* EINTR and short transfers, driven by a SIGALRM ticker */

volatile sig_atomic_t ticks;

/* on_tick - count SIGALRMs; being there is what interrupts syscalls */
void
on_tick(int sig)
{
	(void)sig;
	ticks++;
}

/* ticker - start (on) or stop a 2 ms SIGALRM without SA_RESTART */
void
ticker(bool on, struct sigaction *saved)
{
	struct itimerval it;
	struct sigaction sa;

	memset(&it, 0, sizeof(it));
	if (on) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_tick;
		assert_int_equal(sigemptyset(&sa.sa_mask), 0);
		sa.sa_flags = 0; /* no SA_RESTART: syscalls see EINTR */
		assert_int_equal(sigaction(SIGALRM, &sa, saved), 0);
		ticks = 0;
		it.it_interval.tv_usec = 2000;
		it.it_value.tv_usec = 2000;
	}
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	if (!on) {
		/* SIG_IGN first discards a tick still pending (valgrind
		 * delivers late); the default action would kill us. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		assert_int_equal(sigemptyset(&sa.sa_mask), 0);
		assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
		assert_int_equal(sigaction(SIGALRM, saved, NULL), 0);
	}
}

/* ------------------------------------------------------------------ */
/* Locks */

/* child_op_run - in a child: try op on dfd/name; R_FREE, R_LOCKED, 1x */
int
child_op_run(int dfd, const char *name, enum child_op op)
{
	struct qerr err;
	struct flock fl;
	int fd, r = 19;

	fd = openat(dfd, name, (op == OP_FCNTL_WR ? O_RDWR : O_RDONLY) |
	    O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 10;
	switch (op) {
	case OP_PROBE:
		r = sio_lock_probe(fd, &err);
		r = r == SIO_LOCKED ? R_LOCKED :
		    r == SIO_UNLOCKED ? R_FREE : 11;
		break;
	case OP_FLOCK_EX:
		r = flock(fd, LOCK_EX | LOCK_NB) == 0 ? R_FREE :
		    errno == EWOULDBLOCK ? R_LOCKED : 12;
		break;
	case OP_FCNTL_WR:
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		r = fcntl(fd, F_SETLK, &fl) == 0 ? R_FREE :
		    (errno == EAGAIN || errno == EACCES) ? R_LOCKED : 13;
		break;
	}
	return close(fd) == 0 ? r : 14;
}

/* in_child - run op in a forked child (another process, its own fd) */
int
in_child(int dfd, const char *name, enum child_op op)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_op_run(dfd, name, op));
	return reap(pid);
}
