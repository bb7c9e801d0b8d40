/*
 * shape.h - --shape: jobs by recipient domain and age, as Postfix's
 * qshape(1) shows a queue (shape.c).
 */
#ifndef MQ_SHAPE_H
#define MQ_SHAPE_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "qset.h"

#define SHAPE_BUCKETS 10	/* ages up to 5 .. 1280 minutes, and older */

struct shape;
struct jview;

/* shape_new - an empty shape, or NULL (no memory) */
struct shape *shape_new(void);

/* shape_free - release (NULL is nothing) */
void shape_free(struct shape *sh);

/*
 * shape_job - count job v of set: once in each domain its control file
 * still has recipients in, by its age at now; a job without a qf is
 * counted as quarantined or lost
 */
void shape_job(struct shape *sh, const struct qset *set,
    const struct jview *v, time_t now);

/* shape_print - the table (or a JSON record a row, schema mqfsck/2, type
 * "shape"): TOTAL, then the domains with the most jobs first, at most
 * max_rows of them (0: all) */
void shape_print(const struct shape *sh, FILE *o, bool json,
    unsigned long max_rows);

#endif /* MQ_SHAPE_H */
