/*
 * stop.h - when a run stops before its end: a signal (SIGINT, SIGTERM,
 * SIGHUP) or the time limit (--time-limit; under -p a default, so that
 * no queue can hold the boot longer than the systemd unit allows).
 *
 * Either way the run stops at its next safe point: between two directory
 * entries, two jobs, two archived jobs or two repaired jobs, never inside
 * one job's changes, so what it leaves is a state a rerun converges from.
 */
#ifndef MQ_STOP_H
#define MQ_STOP_H

#include <signal.h>
#include <stdbool.h>

enum mq_stop {
	MQ_STOP_NONE = 0,
	MQ_STOP_SIGNAL = 1,	/* a signal: exit status 32 (canceled) */
	MQ_STOP_TIME = 2,	/* the time limit: exit status 8 */
};

/* Why the run is stopping (enum mq_stop); set by the signal handler and
 * by stop_requested() once the time limit has passed. */
extern volatile sig_atomic_t mq_interrupted;

/* stop_signals_setup - SIGINT, SIGTERM and SIGHUP stop the run at a safe
 * point, SIGALRM as the time limit would; SIGPIPE is ignored (a reader of
 * the report going away must not kill a repair between two system calls
 * of one job) */
void stop_signals_setup(void);

/* stop_deadline_set - stop the run once `seconds` (> 0) have passed since
 * now; 0 means no limit */
void stop_deadline_set(double seconds);

/* stop_requested - the run should stop at this safe point: a signal came,
 * or the time limit has passed (checked on the monotonic clock) */
bool stop_requested(void);

/* stop_why - why, in words that complete "... before this job was
 * repaired" ("interrupted", "the time limit was reached") */
const char *stop_why(void);

#endif
