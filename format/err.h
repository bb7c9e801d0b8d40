/*
 * err.h - how format/ (and repair/) report failure without printing.
 *
 * Library code never prints and never exits.  A routine that fails fills
 * a caller-supplied struct qerr with errno and a short reason (Postfix's
 * "why" string) and returns -1; the caller (fsck/) decides what to say.
 *
 * A broken invariant or misuse of an interface is a programming error,
 * not a condition of the queue: BUG() reports file and line and aborts
 * (Postfix's msg_panic, libarchive's "PROGRAMMER ERROR").
 */
#ifndef MQ_ERR_H
#define MQ_ERR_H

#include <stddef.h>
#include <stdlib.h>

#define QERR_MSG_MAX 256

struct qerr {
	int sys_errno;		/* errno of the failed call; 0 when none */
	char msg[QERR_MSG_MAX];	/* what failed, e.g. "openat qf123: ..." */
};

/* qerr_set - record a failure; msg is truncated to fit, never overrun */
void qerr_set(struct qerr *err, int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* qerr_clear - reset to "no error" */
void qerr_clear(struct qerr *err);

/* bug_at - report a programming error and abort; use BUG() */
_Noreturn void bug_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)

/*
 * REQUIRE - BUG() unless cond holds: misuse of the interface.  The
 * abort() is never reached (bug_at() is _Noreturn); it is there for
 * cppcheck 2.10, which ignores _Noreturn and would otherwise report
 * every dereference after a NULL check.
 */
#define REQUIRE(cond)                                           \
	do {                                                    \
		if (!(cond)) {                                  \
			BUG("%s: %s is false", __func__, #cond); \
			abort();                                \
		}                                               \
	} while (0)

#endif /* MQ_ERR_H */
