/*
 * problem.h - the problem table and pr_fix(), the one place that reports
 * a problem and decides what happens to it (e2fsck's fix_problem()).
 *
 * Check code follows one idiom:
 *	if (pr_fix(ctx, PR_x, &pc))
 *		apply the fix;
 * pr_fix() expands the message, prints it (human or JSON), counts it,
 * and answers whether to fix it, by the mode of the run (-n, -p, -y, or
 * asking on a terminal).  The fix itself is only decided here: it goes
 * into the plan, and is made after the check (repair/repair.c).
 */
#ifndef MQ_PROBLEM_H
#define MQ_PROBLEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"
#include "problem_table.h"

/*
 * The problem context: what a message's %-fields expand to.  Strings
 * from the queue (file names, ids, values) are raw bytes here; they are
 * escaped when printed.
 *   %f file   %i id   %l line   %n num   %N num2 (decimal)
 *   %o num, %O num2 as octal modes   %t num as a duration
 *   %s str    %S str2           %u uid (owner)   %U uid2
 *   (%u and %U show the group too, gid and gid2, when set)
 */
struct pctx {
	const char *file;	/* entry name, relative to the queue directory */
	const char *id;		/* queue id, or NULL */
	size_t idlen;
	uint32_t line;		/* control-file line, 0 if none */
	long long num, num2;
	const char *str, *str2;
	const char *advice;	/* %a: what the administrator can do */
	long long uid, uid2;	/* owners, -1 if none */
	long long gid, gid2;	/* their groups, -1 if not shown */
	int qf_defect;		/* pass 2: the reader's defect kind */
	char letter;		/* pass 2: the control file's letter */
	bool covered;		/* a fix already decided takes care of it:
				   reported, never fixed on its own */
};

struct fsck_ctx;
struct queue_tally;

/* ctx_line_limit - the human lines each code (and --shape's table) may
 * have: --max-lines, or MQ_MAX_LINES, or 0 (all) with -v */
unsigned long ctx_line_limit(const struct fsck_ctx *ctx);

/*
 * ctx_tally - what queue directory `path` came to, for the summary per
 * queue; made on first use when create (path must then live as long as
 * the run's sets).  NULL: none, or no memory.
 */
struct queue_tally *ctx_tally(struct fsck_ctx *ctx, const char *path,
    bool create);

/* pctx_init - an empty context */
void pctx_init(struct pctx *pc);

/*
 * pr_fix - report problem `id` in context pc; returns whether to fix it
 * (then the caller adds the fix to ctx->plan).  Notices are printed
 * (PRF_VERBOSE ones only with -v or --json) but are not counted as
 * problems.  The expanded message is left in ctx->last_msg.
 */
bool pr_fix(struct fsck_ctx *ctx, enum problem_id id, const struct pctx *pc);

/*
 * pr_fixed - print the outcome (enum fix_result, plan.h) of a fix of
 * problem `id`: FIXED, NOT NEEDED (another fix did it) or NOT FIXED, and
 * what was done or why not.  msg (may be NULL) is the
 * problem's message, printed with it under -p.
 */
void pr_fixed(struct fsck_ctx *ctx, const char *queue, enum problem_id id,
    const char *idtext, const char *msg, enum fix_result result,
    const char *what);

/*
 * pr_plan - add the fix pr_fix() just said yes to: problem id in
 * context pc (its id and the message pr_fix() left in ctx->last_msg),
 * for job (0: none), with its operations, to the plan of the set being
 * checked (ctx->plan); repair/ makes it after the check.
 */
void pr_plan(struct fsck_ctx *ctx, enum problem_id id,
    const struct pctx *pc, uint32_t job, const struct plan_op *ops,
    size_t nops);

/*
 * pr_expand - the message of problem `id` for pc, into out (NUL-ended,
 * cut to fit).  Exposed for tests.
 */
void pr_expand(const struct fsck_ctx *ctx, enum problem_id id,
    const struct pctx *pc, char *out, size_t outsz);

/* fmt_duration - "3d 4h", "12 min", "45 s" */
void fmt_duration(long long secs, char *out, size_t outsz);

#endif /* MQ_PROBLEM_H */
