/*
 * jobs.h - pass 3: the state of every job, from the index; and pass 4:
 * lost+found.
 */
#ifndef MQ_JOBS_H
#define MQ_JOBS_H

#include "fsck.h"
#include "scan.h"

/*
 * Facts pass 3 leaves for pass 4: jobs whose data file is missing (to
 * look for it in lost+found by the inode their I line records) and ids
 * whose data file has no control file (to look for their control file).
 */
struct lf_wants {
	uint32_t *missing_df;	/* job indexes */
	size_t nmissing, capmissing;
	uint32_t *orphan_df;	/* job indexes */
	size_t norphan, caporphan;
};

/* jobs_pass - judge every job of the set, in id order */
void jobs_pass(struct fsck_ctx *ctx, const struct scan_env *env,
    struct qset *set, struct lf_wants *wants);

/* lostfound_pass - look in the lost+found of each queue's file system */
void lostfound_pass(struct fsck_ctx *ctx, struct scan_env *env,
    struct qset *set, const struct lf_wants *wants);

/* lf_wants_free - release */
void lf_wants_free(struct lf_wants *w);

#endif /* MQ_JOBS_H */
