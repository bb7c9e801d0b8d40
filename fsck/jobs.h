/*
 * jobs.h - pass 3: the state of every job, from the index (lost+found's
 * files of it included: lostfound.h).
 */
#ifndef MQ_JOBS_H
#define MQ_JOBS_H

#include "fsck.h"
#include "scan.h"

/* jobs_pass - judge every job of the set, in id order, with the files
 * lostfound_scan() found of it */
void jobs_pass(struct fsck_ctx *ctx, const struct scan_env *env,
    struct qset *set);

#endif /* MQ_JOBS_H */
