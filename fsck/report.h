/*
 * report.h - the one place mqfsck's records are rendered: every problem,
 * fix, warning, error and the summary, as a line for people, a JSON
 * object (--json: schema "mqfsck/2", one a line), a syslog line (-p,
 * --syslog: logsys.c) and, for the summary, Prometheus metrics
 * (metrics.c).  Every byte from a queue goes through format/esc.c.
 *
 * Deciding stays where it is: problem.c decides and counts, main.c
 * totals the run; they hand the result here to be said.
 */
#ifndef MQ_REPORT_H
#define MQ_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "fsck.h"

/*
 * report_problem - problem p found, context pc, message msg (expanded);
 * would (NULL: none): under -n, what -p and -y would do, for the line;
 * will_fix is the answer pr_fix() gives; human says whether the line
 * for people is printed (-p prints a fixed problem once, with its fix)
 */
void report_problem(struct fsck_ctx *ctx, const struct problem *p,
    const struct pctx *pc, const char *msg, bool will_fix, bool human,
    const char *would);

/* report_fix - the outcome of a fix of p in queue: FIXED, NOT NEEDED or
 * NOT FIXED, with what was done or why not; msg (may be NULL) is the
 * problem's message, printed with it under -p.  human: also the line
 * for people (false past the limit of lines for the code). */
void report_fix(struct fsck_ctx *ctx, const char *queue,
    const struct problem *p, const char *idtext, const char *msg,
    enum fix_result result, const char *what, bool human);

/* A job as judged, for its JSON record (--json: one per job). */
struct report_job {
	const char *id;		/* raw bytes of the id, idlen long */
	size_t idlen;
	const char *names[16];	/* its files' names (raw), control first */
	size_t nnames;
	const char *state;	/* "ok", "findings", "in-use", "in-flight" */
	unsigned long findings;	/* problems and notices about it */
	long long ctime;	/* its T line, 0 when none */
	const char *toc;	/* its timeout class */
};

/* report_job - the JSON record of a job (nothing in other formats) */
void report_job(struct fsck_ctx *ctx, const struct report_job *j);

/* report_warning - something beside the queue could not be looked at */
void report_warning(struct fsck_ctx *ctx, const char *what, const char *why);

/* report_error - something prevented checking or repairing */
void report_error(struct fsck_ctx *ctx, const char *what, const char *why);

/* What the run came to, for the summary. */
struct report_totals {
	size_t queues;
	double seconds;
	bool repaired;		/* fixes were tried: a line says how they went */
	unsigned long fixed, not_fixed, left;
	const char *archive;	/* the archive written, "" for none */
};

/* report_summary - the last line(s), in the run's format */
void report_summary(struct fsck_ctx *ctx, const struct report_totals *t);

#endif /* MQ_REPORT_H */
