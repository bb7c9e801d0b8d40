/*
 * progress.h - how far a run has come: e2fsck-style lines on a file
 * descriptor (-C FD), and a bar on a terminal once a run takes more
 * than a moment.
 *
 * A line on FD is "PASS CURRENT TOTAL WHERE\n", as e2fsck -C writes
 * (pass 1 the entries of a queue directory, 2 the jobs of a
 * configuration's queues, 3 the repairs), written when the
 * thousandths done change, so at most about a thousand a pass.
 */
#ifndef MQ_PROGRESS_H
#define MQ_PROGRESS_H

#include <stdbool.h>
#include <time.h>

enum progress_bar {
	PROGRESS_BAR_NONE = 0,	/* no bar */
	PROGRESS_BAR_AUTO,	/* a bar once the run takes a second */
	PROGRESS_BAR_NOW,	/* a bar from the start (-C 0) */
};

enum progress_pass {
	PROGRESS_ENTRIES = 1,	/* the entries of one queue directory */
	PROGRESS_JOBS = 2,	/* the jobs of one configuration's queues */
	PROGRESS_REPAIRS = 3,	/* the fixes being made */
};

struct progress {
	int fd;			/* -C FD (> 0); -1 for none */
	enum progress_bar bar;	/* on stderr, a terminal */
	bool active;		/* fd or bar: anything to do at all */
	bool shown;		/* a bar is on the screen now */
	struct timespec start;	/* of the run */
	struct timespec pass_start, last_draw;
	enum progress_pass pass;
	unsigned long total, cur;
	long permille;		/* last written to fd; -1 none yet */
	unsigned tick;		/* calls since the clock was last read */
	char where[256];	/* escaped */
};

/* progress_init - fd > 0 for -C FD lines, bar for a terminal bar */
void progress_init(struct progress *pg, int fd, enum progress_bar bar);

/* progress_pass - a pass starts over total items at where */
void progress_pass(struct progress *pg, enum progress_pass pass,
    const char *where, unsigned long total);

/* progress_slow - progress_step()'s work when there is any */
void progress_slow(struct progress *pg, unsigned long cur);

/* progress_step - cur of the pass's total items are done */
static inline void
progress_step(struct progress *pg, unsigned long cur)
{
	if (pg->active)
		progress_slow(pg, cur);
}

/* progress_end - the pass is done (a last line with cur = total) */
void progress_end(struct progress *pg);

/* progress_clear - take the bar off the screen before a line is
 * printed; the next step draws it again */
void progress_clear(struct progress *pg);

#endif /* MQ_PROGRESS_H */
