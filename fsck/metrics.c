/*
 * metrics.c - the run as Prometheus text exposition format, for
 * node_exporter's textfile collector (write to a temporary file in its
 * directory, then rename: the collector must never read half a file).
 *
 * Every metric is a gauge describing the last run.  mqfsck_problems has
 * one series per code of the problem table, zeros included, so that an
 * alert on one code has a series to look at before that code first
 * appears; labels are the stable code and name, never a queue id or a
 * path, so the number of series is fixed.
 */
#include <stdio.h>

#include "metrics.h"

/* gauge - HELP and TYPE lines, then one unlabelled sample */
static void
gauge(FILE *f, const char *name, const char *help, unsigned long long v)
{
	(void)fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n%s %llu\n", name,
	    help, name, name, v);
}

void
metrics_write(FILE *f, const struct fsck_ctx *ctx, const struct run_totals *t)
{
	int i;

	gauge(f, "mqfsck_last_run_timestamp_seconds",
	    "When the last mqfsck run started, in seconds since the epoch.",
	    (unsigned long long)ctx->now);
	(void)fprintf(f, "# HELP mqfsck_duration_seconds How long the last mqfsck run took.\n"
			 "# TYPE mqfsck_duration_seconds gauge\n"
			 "mqfsck_duration_seconds %.6f\n",
	    t->seconds);
	gauge(f, "mqfsck_exit_status",
	    "The fsck(8) exit status of the last run (0 clean, 1 fixed, 4 problems left, 8 error).",
	    (unsigned long long)ctx->status);
	gauge(f, "mqfsck_queues", "Queue directories checked.", (unsigned long long)t->queues);
	gauge(f, "mqfsck_jobs", "Jobs (queue ids) in the queues checked.",
	    (unsigned long long)ctx->jobs);
	gauge(f, "mqfsck_files", "Files in the queues checked.",
	    (unsigned long long)ctx->files);
	gauge(f, "mqfsck_jobs_in_use",
	    "Jobs a live sendmail held locked: not judged.", (unsigned long long)ctx->in_use);
	gauge(f, "mqfsck_files_in_flight",
	    "Files younger than the grace period while sendmail may run: not judged.",
	    (unsigned long long)ctx->in_flight);
	gauge(f, "mqfsck_errors",
	    "Things that could not be checked (operational errors).",
	    (unsigned long long)ctx->errors);
	gauge(f, "mqfsck_problems_found", "Problems the check found (notices not counted).",
	    (unsigned long long)ctx->problems);
	gauge(f, "mqfsck_notices_found", "Notices the check found.",
	    (unsigned long long)ctx->notices);
	gauge(f, "mqfsck_problems_left",
	    "Problems left after the run (after its repairs, if any).",
	    (unsigned long long)t->left);
	(void)fputs("# HELP mqfsck_fixes Fixes the run made or could not make.\n"
		    "# TYPE mqfsck_fixes gauge\n", f);
	(void)fprintf(f, "mqfsck_fixes{result=\"fixed\"} %lu\n", t->fixed);
	(void)fprintf(f, "mqfsck_fixes{result=\"not_fixed\"} %lu\n", t->not_fixed);
	(void)fputs("# HELP mqfsck_problems Problems found, by code of the problem table.\n"
		    "# TYPE mqfsck_problems gauge\n", f);
	/* Codes and names are the table's own [0-9a-z-]: nothing to escape. */
	for (i = 0; i < PR_COUNT; i++) {
		const struct problem *p = problem_get((enum problem_id)i);

		(void)fprintf(f,
		    "mqfsck_problems{code=\"%06x\",name=\"%s\",severity=\"%s\"} %lu\n",
		    p->code, p->name,
		    (p->flags & PRF_NOTICE) ? "notice" : "problem", ctx->count[i]);
	}
}
