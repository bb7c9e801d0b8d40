/*
 * stop.c - stopping a run at a safe point (stop.h): on a signal, or once
 * the time limit has passed.
 *
 * The time limit exists for the boot: mqfsck -p runs before sendmail,
 * and a queue someone filled with files to check and archive must not
 * hold the machine's mail (and its boot) without end.  Stopping by the
 * clock uses the same safe points as a signal, so it leaves nothing a
 * signal would not.
 */
#include "stop.h"

#include <string.h>
#include <time.h>

volatile sig_atomic_t mq_interrupted;

static struct timespec deadline;
static bool has_deadline;

/* on_signal - note the signal; stop_requested() reports it.  SIGALRM
 * is the time limit passing (alarm(2)'s meaning; the fault-injection
 * tests raise it to stop a repair by the clock at an exact change). */
static void
on_signal(int sig)
{
	if (mq_interrupted == MQ_STOP_NONE)
		mq_interrupted = sig == SIGALRM ? MQ_STOP_TIME : MQ_STOP_SIGNAL;
}

void
stop_signals_setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
}

void
stop_deadline_set(double seconds)
{
	double whole;

	has_deadline = seconds > 0;
	if (!has_deadline)
		return;
	(void)clock_gettime(CLOCK_MONOTONIC, &deadline);
	/* Past a century the limit is no limit (and no overflow). */
	if (seconds > 3.2e9) {
		has_deadline = false;
		return;
	}
	whole = (double)(long long)seconds;
	deadline.tv_sec += (time_t)whole;
	deadline.tv_nsec += (long)((seconds - whole) * 1e9);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
}

bool
stop_requested(void)
{
	struct timespec now;

	if (mq_interrupted != MQ_STOP_NONE)
		return true;
	if (!has_deadline)
		return false;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > deadline.tv_sec ||
	    (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec)) {
		mq_interrupted = MQ_STOP_TIME;
		return true;
	}
	return false;
}

const char *
stop_why(void)
{
	return mq_interrupted == MQ_STOP_TIME ? "the time limit was reached"
					      : "interrupted";
}
