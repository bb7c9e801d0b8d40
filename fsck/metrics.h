/*
 * metrics.h - --format=prometheus: the run as node_exporter textfile
 * metrics.
 */
#ifndef MQ_METRICS_H
#define MQ_METRICS_H

#include <stddef.h>
#include <stdio.h>

#include "fsck.h"

/* What the summary knows at the end of a run. */
struct run_totals {
	size_t queues;
	double seconds;
	unsigned long fixed, not_fixed, left;
};

/*
 * metrics_publish - every metric of the run into the file at path, as
 * the textfile collector must get it: written to a temporary file in its
 * directory, fsync()ed, renamed over path.  The time of the last clean
 * run (status 0 or 1) is carried over from the file it replaces.
 * Returns 0, or -1 with err (the old file then stays as it was).
 */
int metrics_publish(const char *path, const struct fsck_ctx *ctx,
    const struct run_totals *t, struct qerr *err);

/* metrics_write - every metric of the run to f */
void metrics_write(FILE *f, const struct fsck_ctx *ctx,
    const struct run_totals *t);

#endif /* MQ_METRICS_H */
