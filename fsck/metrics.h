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

/* metrics_write - every metric of the run to f */
void metrics_write(FILE *f, const struct fsck_ctx *ctx,
    const struct run_totals *t);

#endif /* MQ_METRICS_H */
