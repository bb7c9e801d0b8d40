/*
 * sio_fixture.h - the scratch directories and helpers the tests of
 * format/sio*.c share (test_sio.c, test_sio_write.c); sio_fixture.c says
 * how each works.
 */
#ifndef MQ_TEST_SIO_FIXTURE_H
#define MQ_TEST_SIO_FIXTURE_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "sio.h"

#define FAULT_ENV "MQFSCK_FAULT_AFTER"
#define MAX_VISITS 64
#define MIB ((size_t)1 << 20)

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

/* SIGALRMs the ticker has delivered (on_tick()). */
extern volatile sig_atomic_t ticks;

/* Results a child reports about a lock. */
enum { R_FREE = 0, R_LOCKED = 1 };

enum child_op {
	OP_PROBE,    /* sio_lock_probe() on its own O_RDONLY fd */
	OP_FLOCK_EX, /* flock(LOCK_EX|LOCK_NB) on its own O_RDONLY fd */
	OP_FCNTL_WR, /* fcntl F_SETLK F_WRLCK on its own O_RDWR fd */
};

/* setup - a fresh scratch directory for one test */
int setup(void **state);

/* teardown - remove the scratch directory; fail on a leaked fd */
int teardown(void **state);

/* put_file - create or truncate dfd/name to hold s, mode 0600 */
void put_file(int dfd, const char *name, const char *s);

/* lstat_at - fstatat(AT_SYMLINK_NOFOLLOW), which must succeed */
struct stat lstat_at(int dfd, const char *name);

/* same_file - a and b are the same inode */
bool same_file(const struct stat *a, const struct stat *b);

/* is_cloexec - fd has FD_CLOEXEC */
bool is_cloexec(int fd);

/* reap - wait for pid: its exit code, or 128 + the signal that killed it */
int reap(pid_t pid);

/* nap - sleep ms milliseconds (in a child: nanosleep is async-safe) */
void nap(long ms);

/* open_ro - open dfd/name read-only */
int open_ro(int dfd, const char *name);

/* on_tick - count SIGALRMs; being there is what interrupts syscalls */
void on_tick(int sig);

/* ticker - start (on) or stop a 2 ms SIGALRM without SA_RESTART */
void ticker(bool on, struct sigaction *saved);

/* child_op_run - in a child: try op on dfd/name; R_FREE, R_LOCKED, 1x */
int child_op_run(int dfd, const char *name, enum child_op op);

/* in_child - run op in a forked child (another process, its own fd) */
int in_child(int dfd, const char *name, enum child_op op);

#endif /* MQ_TEST_SIO_FIXTURE_H */
