/*
 * pass4_lostfound.h - the queue files of lost+found, taken into the index as
 * files of their jobs (JF_LOSTFOUND, sub SUB_LOSTFOUND, qdir the set's
 * lost+found index) before pass 3 judges the jobs.
 */
#ifndef MQ_PASS4_LOSTFOUND_H
#define MQ_PASS4_LOSTFOUND_H

#include "fsck.h"
#include "pass1_scan.h"

/*
 * pass4_lostfound - open the lost+found of each queue's file system (or
 * --lost-found), kept open in set->lfs for the repairs, and add to the
 * index the control files there (by the id their own headers name) and
 * the data files (by the inode a job's I line records)
 */
void pass4_lostfound(struct fsck_ctx *ctx, struct scan_env *env,
    struct qset *set);

/* lf_name - the lost+found entry name of index file f */
const char *lf_name(const struct qset *set, uint32_t f);

/* lostfound_free - close the set's lost+found and forget its names */
void lostfound_free(struct qset *set);

/* lf_queue - the queue directory that names a lost+found's files in
 * messages: the first on its file system, else the first checked */
const struct qdir *lf_queue(const struct qset *set, const struct lfdir *lf);

#endif /* MQ_PASS4_LOSTFOUND_H */
