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

enum problem_id {
#define PROBLEM(id, code, name, flags, fix, tmpl) id,
#include "problems.def"
#undef PROBLEM
	PR_COUNT
};

/* What kind of finding (problem flags). */
#define PRF_PREEN_OK 0x01    /* -p fixes it without asking */
#define PRF_DESTRUCTIVE 0x02 /* the fix moves, removes or rewrites mail:
				archived first */
#define PRF_GRACE 0x04	     /* not judged when younger than the grace
				period while sendmail may be running */
#define PRF_NOTICE 0x08	     /* information: not counted as a problem */
#define PRF_NO_FIX 0x10	     /* needs a human: no automatic fix */
#define PRF_VERBOSE 0x20     /* shown only with -v (always in JSON) */

/* What -y (and -p, for PRF_PREEN_OK) does about it. */
enum fix_kind {
	FIX_NONE = 0,
	FIX_ARCHIVE_REMOVE,	/* archive, then remove */
	FIX_MAKE_INERT,		/* archive, then rename to Qf (loseqfile()) */
	FIX_REWRITE_I,		/* rewrite the I line from the df */
	FIX_OWNER_MODE,		/* fchown/fchmod to what the config says */
	FIX_MOVE,		/* move to where sendmail looks for it */
	FIX_MOVE_OUT,		/* move out of the queue into the archive dir */
	FIX_RESOLVE_TF,		/* promote the tf, or keep the qf (option) */
	FIX_PROMOTE,		/* rename the tf to qf */
	FIX_KEEP_NEWER,		/* keep the newer control file, archive the other */
	FIX_RECOVER,		/* move back from lost+found */
	FIX_QUARANTINE,		/* archive the whole job, make it inert */
	FIX_REWRITE,		/* rewrite the control file as sendmail reads
				   it (the original archived) */
	FIX_EXCHANGE,		/* give the data files back to their jobs */
	FIX_NKINDS
};

struct problem {
	enum problem_id id;
	uint32_t code;		/* 0xPPNNNN */
	const char *name;	/* stable short name */
	unsigned flags;		/* PRF_* */
	enum fix_kind fix;
	const char *tmpl;	/* message template; NULL: the reader's words */
};

/* problem_get - the table entry of a problem; BUG() on a bad id */
const struct problem *problem_get(enum problem_id id);

/* fix_name - "archive-remove", "make-inert", ... */
const char *fix_name(enum fix_kind fix);

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
	long long uid, uid2;	/* owners, -1 if none */
	long long gid, gid2;	/* their groups, -1 if not shown */
	int qf_defect;		/* pass 2: the reader's defect kind */
	char letter;		/* pass 2: the control file's letter */
	bool covered;		/* a fix already decided takes care of it:
				   reported, never fixed on its own */
};

/* pctx_init - an empty context */
void pctx_init(struct pctx *pc);

struct fsck_ctx;

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
    const char *idtext, const char *msg, int result, const char *what);

/*
 * pr_expand - the message of problem `id` for pc, into out (NUL-ended,
 * cut to fit).  Exposed for tests.
 */
void pr_expand(const struct fsck_ctx *ctx, enum problem_id id,
    const struct pctx *pc, char *out, size_t outsz);

/* fmt_duration - "3d 4h", "12 min", "45 s" */
void fmt_duration(long long secs, char *out, size_t outsz);

#endif /* MQ_PROBLEM_H */
