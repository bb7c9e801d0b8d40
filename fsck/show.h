/*
 * show.h - --show ID: a job for a human (show.c).
 */
#ifndef MQ_SHOW_H
#define MQ_SHOW_H

#include "fsck.h"

struct jview;

/*
 * show_job - print job v of set, as judged: state ("ok", "in use", ...)
 * and the number of findings reported about it, its files, and what its
 * control file says.
 */
void show_job(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, const char *state, unsigned long findings);

#endif /* MQ_SHOW_H */
