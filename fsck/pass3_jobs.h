/*
 * pass3_jobs.h - pass 3: the state of every job, from the index (lost+found's
 * files of it included: pass4_lostfound.h).
 */
#ifndef MQ_PASS3_JOBS_H
#define MQ_PASS3_JOBS_H

#include "fsck.h"
#include "pass1_scan.h"

/* pass3_jobs - judge every job of the set, in id order, with the files
 * pass4_lostfound() found of it */
void pass3_jobs(struct fsck_ctx *ctx, const struct scan_env *env,
    struct qset *set);

#endif /* MQ_PASS3_JOBS_H */
