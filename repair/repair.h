/*
 * repair.h - making the repairs the check decided on: archive first,
 * then change, job by job under sendmail's lock.
 */
#ifndef MQ_REPAIR_H
#define MQ_REPAIR_H

#include <stddef.h>
#include <stdint.h>

#include "fsck.h"
#include "plan.h"

#define DEFAULT_ARCHIVE_DIR "/var/lib/mqfsck/archive"

/*
 * repair_plan - add the fix pr_fix() just said yes to: problem id in
 * context pc (its id and the message pr_fix() left in ctx->last_msg),
 * for job (0: none), with its operations, to the plan of the set being
 * checked (ctx->plan).
 */
void repair_plan(struct fsck_ctx *ctx, enum problem_id id,
    const struct pctx *pc, uint32_t job, const struct plan_op *ops,
    size_t nops);

/* What the repairs of a run came to. */
struct repair_summary {
	unsigned long fixed, not_fixed;
	size_t archived;	/* records in the archive */
	char archive[1024];	/* its path, "" when none was written */
};

/*
 * repair_sets - archive every file the sets' plans change, commit the
 * archive, then apply the fixes (printing one line each through
 * pr_fixed()).  Nothing changes unless the archive was committed.
 * Returns the number of fixes made.
 */
unsigned long repair_sets(struct fsck_ctx *ctx, struct qset *sets,
    size_t nsets, struct repair_summary *rs);

#endif /* MQ_REPAIR_H */
