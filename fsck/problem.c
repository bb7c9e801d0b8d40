/*
 * problem.c - the problem table, message expansion and the report.
 *
 * Every problem goes through pr_fix(): it expands the template from the
 * problem context, prints one line (human) or one JSON object, counts it,
 * and answers whether to fix it: never in a check (-n); under -p when
 * the table says the fix is safe without a human (PRF_PREEN_OK), and
 * counts the rest as unexpected; always under -y; on a terminal, by
 * asking.  pr_fixed() prints what became of a fix.  Strings from the
 * queue are escaped (esc.c) before they reach the output, in both formats.
 *
 * Human lines: <queue>: <code> <name> <id>: <message>
 *              <queue>: <code> <name> <id>: [<message>: ]FIXED: <what>
 * JSON lines:  {"schema":"mqfsck/1","type":"problem"|"fix",...} (mqfsck(8))
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "esc.h"
#include "fsck.h"
#include "grow.h"
#include "logsys.h"
#include "report.h"
#include "qf.h"

/* pctx_init - an empty problem context */
void
pctx_init(struct pctx *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->uid = -1;
	pc->uid2 = -1;
	pc->gid = -1;
	pc->gid2 = -1;
	pc->qf_defect = -1;
}

/* fmt_duration - a duration for people */
void
fmt_duration(long long secs, char *out, size_t outsz)
{
	if (secs < 0)
		secs = -secs;
	if (secs < 120)
		(void)snprintf(out, outsz, "%lld s", secs);
	else if (secs < 7200)
		(void)snprintf(out, outsz, "%lld min", secs / 60);
	else if (secs < 2LL * 86400)
		(void)snprintf(out, outsz, "%lld h", secs / 3600);
	else
		(void)snprintf(out, outsz, "%lld d %lld h", secs / 86400,
		    secs % 86400 / 3600);
}

/* fmt_owner - "smmta (uid 105)", "uid 4242", or with a group
 * "root:smmsp (uid 0, gid 115)" */
static void
fmt_owner(long long uid, long long gid, char *out, size_t outsz)
{
	struct passwd *pw;
	struct group *gr;
	char name[64], gname[64], ids[64];

	if (uid < 0) {
		(void)snprintf(out, outsz, "nobody known");
		return;
	}
	pw = getpwuid((uid_t)uid);
	if (pw != NULL && pw->pw_name != NULL)
		(void)esc_str(name, sizeof(name), pw->pw_name);
	else
		(void)snprintf(name, sizeof(name), "%lld", uid);
	if (gid < 0) {
		if (pw != NULL && pw->pw_name != NULL)
			(void)snprintf(out, outsz, "%s (uid %lld)", name, uid);
		else
			(void)snprintf(out, outsz, "uid %lld", uid);
		return;
	}
	gr = getgrgid((gid_t)gid);
	if (gr != NULL && gr->gr_name != NULL)
		(void)esc_str(gname, sizeof(gname), gr->gr_name);
	else
		(void)snprintf(gname, sizeof(gname), "%lld", gid);
	(void)snprintf(ids, sizeof(ids), "uid %lld, gid %lld", uid, gid);
	(void)snprintf(out, outsz, "%s:%s (%s)", name, gname, ids);
}

/* put - append s to out[*o..outsz), never overrunning */
static void
put(char *out, size_t outsz, size_t *o, const char *s)
{
	size_t n = strlen(s);

	if (*o + 1 >= outsz)
		return;
	if (n > outsz - 1 - *o)
		n = outsz - 1 - *o;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
}

/* field - the expansion of %c */
static void
field(const struct pctx *pc, char c, char *buf, size_t bufsz)
{
	buf[0] = '\0';
	switch (c) {
	case 'f':
		if (pc->file != NULL)
			(void)esc_str(buf, bufsz, pc->file);
		break;
	case 'i':
		if (pc->id != NULL)
			(void)esc_bytes(buf, bufsz, pc->id, pc->idlen);
		break;
	case 'l':
		(void)snprintf(buf, bufsz, "%u", pc->line);
		break;
	case 'n':
		(void)snprintf(buf, bufsz, "%lld", pc->num);
		break;
	case 'N':
		(void)snprintf(buf, bufsz, "%lld", pc->num2);
		break;
	case 'o':
		(void)snprintf(buf, bufsz, "%04llo", pc->num & 07777);
		break;
	case 'O':
		(void)snprintf(buf, bufsz, "%04llo", pc->num2 & 07777);
		break;
	case 't':
		fmt_duration(pc->num, buf, bufsz);
		break;
	case 's':
		if (pc->str != NULL)
			(void)esc_str(buf, bufsz, pc->str);
		break;
	case 'S':
		if (pc->str2 != NULL)
			(void)esc_str(buf, bufsz, pc->str2);
		break;
	case 'a':
		if (pc->advice != NULL)
			(void)esc_str(buf, bufsz, pc->advice);
		break;
	case 'u':
		fmt_owner(pc->uid, pc->gid, buf, bufsz);
		break;
	case 'U':
		fmt_owner(pc->uid2, pc->gid2, buf, bufsz);
		break;
	case '%':
		(void)snprintf(buf, bufsz, "%%");
		break;
	default:
		BUG("unknown template field %%%c", c);
	}
}

/* reader_message - a pass 2 message: the reader's own words */
static void
reader_message(const struct pctx *pc, char *out, size_t outsz)
{
	const struct qf_defect_info *d = qf_defect_info(pc->qf_defect);
	char file[128], where[32] = "", more[64] = "";

	/* The first of several defects of one kind stands for them all. */
	if (pc->num > 0)
		(void)snprintf(more, sizeof(more), " (and %lld more like it)",
		    pc->num);

	if (pc->line != 0)
		(void)snprintf(where, sizeof(where), " line %u", pc->line);
	/* sendmail never runs a tf or Tf itself (queue.c gatherq()). */
	(void)snprintf(out, outsz, "%s%s: %s: sendmail%s %s%s",
	    esc_str(file, sizeof(file), pc->file != NULL ? pc->file : "?"),
	    where, d->what,
	    pc->letter == 't' || pc->letter == 'T' ? " (were it the qf):" : ":",
	    d->sendmail, more);
}

/* pr_expand - the message of a problem */
void
pr_expand(const struct fsck_ctx *ctx, enum problem_id id,
    const struct pctx *pc, char *out, size_t outsz)
{
	const struct problem *p = problem_get(id);
	const char *t;
	char buf[256], lit[2] = { 0, 0 };
	size_t o = 0;

	(void)ctx;
	out[0] = '\0';
	if (p->tmpl == NULL) {
		reader_message(pc, out, outsz);
		return;
	}
	for (t = p->tmpl; *t != '\0'; t++) {
		if (*t != '%' || t[1] == '\0') {
			lit[0] = *t;
			put(out, outsz, &o, lit);
			continue;
		}
		t++;
		field(pc, *t, buf, sizeof(buf));
		put(out, outsz, &o, buf);
	}
}

/* fix_prompt - what the question offers to do */
static const char *
fix_prompt(const struct fsck_ctx *ctx, enum fix_kind fix)
{
	switch (fix) {
	case FIX_ARCHIVE_REMOVE:
		return "Archive and remove";
	case FIX_MAKE_INERT:
		return "Archive, then make the job inert (rename to Qf)";
	case FIX_REWRITE_I:
		return "Rewrite the I line (the old file archived)";
	case FIX_OWNER_MODE:
		return "Set owner and mode";
	case FIX_MOVE:
		return "Move it where sendmail looks";
	case FIX_MOVE_OUT:
		return "Archive and remove it from the queue";
	case FIX_RESOLVE_TF:
		return ctx->opts.tf_newer == TF_NEWER_KEEP_QF
		    ? "Archive and remove the tf, keep the qf (--tf-newer=keep)"
		    : "Promote the tf over the control file (the old one archived)";
	case FIX_PROMOTE:
		return "Rename the tf to qf";
	case FIX_KEEP_NEWER:
		return "Keep the newer, archive and remove the other";
	case FIX_RECOVER:
		return "Move it back into the queue";
	case FIX_QUARANTINE:
		return "Archive the whole job and make it inert (rename to Qf)";
	case FIX_REWRITE:
		return "Rewrite it as sendmail reads it (the original archived)";
	case FIX_EXCHANGE:
		return "Give each data file back to its job";
	case FIX_NONE:
	case FIX_NKINDS:
		break;
	}
	return "Fix";
}

/*
 * ask - the question on a terminal: yes, no, all (yes from now on),
 * quit (no from now on).  An empty answer takes the default; end of
 * input is quit.
 */
static bool
ask(struct fsck_ctx *ctx, const struct problem *p)
{
	bool dflt = (p->flags & PRF_PREEN_OK) != 0;
	char line[64];

	if (ctx->ask_all)
		return true;
	if (ctx->ask_quit)
		return false;
	for (;;) {
		(void)fprintf(ctx->out, "%s? [yes/no/all/quit] (%s) ",
		    fix_prompt(ctx, p->fix), dflt ? "yes" : "no");
		(void)fflush(ctx->out);
		if (ctx->tty_in == NULL ||
		    fgets(line, sizeof(line), ctx->tty_in) == NULL) {
			(void)fputs("\n(end of input: quit)\n", ctx->out);
			ctx->ask_quit = true;
			return false;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			return dflt;
		if (strcmp(line, "y") == 0 || strcmp(line, "yes") == 0)
			return true;
		if (strcmp(line, "n") == 0 || strcmp(line, "no") == 0)
			return false;
		if (strcmp(line, "a") == 0 || strcmp(line, "all") == 0) {
			ctx->ask_all = true;
			return true;
		}
		if (strcmp(line, "q") == 0 || strcmp(line, "quit") == 0) {
			ctx->ask_quit = true;
			return false;
		}
	}
}

/* decide - whether to fix a problem, by the mode of the run */
static bool
decide(struct fsck_ctx *ctx, const struct problem *p, const struct pctx *pc,
    bool *unexpected)
{
	bool fixable = p->fix != FIX_NONE && !(p->flags & PRF_NO_FIX) &&
	    ctx->plan != NULL && ctx->repair_ok && !pc->covered;

	/* What is not sendmail's is someone's: reported, and removed
	 * (archived) only when the administrator says so. */
	if (p->id == PR_1_FOREIGN && !ctx->opts.remove_foreign)
		fixable = false;
	/* --job: the run changes those jobs and nothing else, so a finding
	 * about the queue itself is reported, not fixed. */
	if (ctx->opts.sel.jobs_given && pc->id == NULL)
		fixable = false;

	*unexpected = false;
	switch (ctx->opts.fixmode) {
	case FIXMODE_PREEN:
		if (fixable && (p->flags & PRF_PREEN_OK) &&
		    !(p->flags & PRF_NOTICE))
			return true;
		/* Anything else that is a problem needs a human, unless a
		 * fix decided already takes care of it. */
		*unexpected = !(p->flags & PRF_NOTICE) && !pc->covered;
		return false;
	case FIXMODE_YES:
	case FIXMODE_ASK: /* asked once the problem is printed */
		return fixable;
	case FIXMODE_NO:
		break;
	}
	return false;
}

/* ctx_line_limit - see problem.h */
unsigned long
ctx_line_limit(const struct fsck_ctx *ctx)
{
	if (ctx->opts.max_lines >= 0)
		return (unsigned long)ctx->opts.max_lines;
	return ctx->opts.verbose ? 0 : MQ_MAX_LINES;
}

/* ctx_tally - the tally of queue directory `path` (made on first use
 * when create: path must then live as long as the run's sets); NULL
 * when there is none, or no memory (the summary per queue then leaves
 * it out) */
struct queue_tally *
ctx_tally(struct fsck_ctx *ctx, const char *path, bool create)
{
	struct queue_tally *t;
	size_t i;

	if (path == NULL || ctx->rechecking)
		return NULL;
	if (ctx->last_tally != NULL && (ctx->last_tally->path == path ||
	    strcmp(ctx->last_tally->path, path) == 0))
		return ctx->last_tally;
	for (i = 0; i < ctx->ntally; i++)
		if (strcmp(ctx->tally[i].path, path) == 0)
			return ctx->last_tally = &ctx->tally[i];
	if (!create || grow_array((void **)&ctx->tally, &ctx->captally,
			   ctx->ntally + 1, sizeof(*t), 4) < 0)
		return NULL;
	t = &ctx->tally[ctx->ntally++];
	memset(t, 0, sizeof(*t));
	t->path = path;
	return ctx->last_tally = t;
}

/*
 * would_do - under -n, what -p and -y would do about this problem, in
 * the fix's short name: nothing for a notice; "no fix" for what needs
 * a human in every mode; what -p leaves (ending a boot's preen with
 * UNEXPECTED INCONSISTENCY) and -y does.  NULL in other modes.  As the
 * check sees it: the repair may still refuse a file that changed, a job
 * sendmail locks, or a queue it must not repair.
 */
static const char *
would_do(const struct fsck_ctx *ctx, const struct problem *p,
    const struct pctx *pc, char *out, size_t outsz)
{
	const char *fix = fix_name(p->fix);

	if (ctx->opts.fixmode != FIXMODE_NO || (p->flags & PRF_NOTICE))
		return NULL;
	if (pc->covered)
		(void)snprintf(out, outsz,
		    "-p, -y: nothing more (a fix of another problem covers it)");
	else if (p->fix == FIX_NONE || (p->flags & PRF_NO_FIX))
		(void)snprintf(out, outsz, "-p, -y: no fix (needs a human)");
	else if (p->id == PR_1_FOREIGN)
		(void)snprintf(out, outsz,
		    "-p: nothing; -y: nothing, -y --remove-foreign: %s", fix);
	else if (p->flags & PRF_PREEN_OK)
		(void)snprintf(out, outsz, "-p, -y: %s", fix);
	else
		(void)snprintf(out, outsz, "-p: nothing (needs a human); -y: %s",
		    fix);
	return out;
}

/* pr_fix - report a problem; whether to fix it */
bool
pr_fix(struct fsck_ctx *ctx, enum problem_id id, const struct pctx *pc)
{
	const struct problem *p = problem_get(id);
	struct queue_tally *t;
	char would[160];
	bool fix, unexpected, human;

	/* --only, --skip, --job: what the run is not about is not
	 * reported, counted or fixed, now or in the check after repairs. */
	if (!select_problem(&ctx->opts.sel, id, pc->id,
		pc->id != NULL ? pc->idlen : 0))
		return false;
	if (ctx->rechecking) {
		/* The silent pass after repairs: what is left. */
		if (!(p->flags & PRF_NOTICE))
			ctx->left++;
		return false;
	}
	ctx->count[id]++;
	if (p->flags & PRF_NOTICE)
		ctx->notices++;
	else
		ctx->problems++;
	if ((t = ctx_tally(ctx, ctx->qd != NULL ? ctx->qd->path : NULL,
		 true)) != NULL) {
		t->count[id]++;
		if (p->flags & PRF_NOTICE)
			t->notices++;
		else
			t->problems++;
	}
	fix = decide(ctx, p, pc, &unexpected);
	if (unexpected)
		ctx->unexpected++;
	if ((p->flags & PRF_VERBOSE) && !ctx->opts.verbose &&
	    !out_records(ctx->opts.format))
		return false;
	/* Preen prints a fixed problem once, with its fix; one that a fix
	 * already decided covers is not printed at all. */
	human = !(ctx->opts.fixmode == FIXMODE_PREEN && (fix || pc->covered));
	/* Past the limit of lines for its code, a problem is counted, not
	 * printed (the summary says how many were left out), unless a
	 * question about it follows. */
	if (human && ctx->opts.format == OUT_HUMAN && ctx_line_limit(ctx) > 0 &&
	    !(fix && ctx->opts.fixmode == FIXMODE_ASK)) {
		if (ctx->shown[id] >= ctx_line_limit(ctx)) {
			ctx->hidden[id]++;
			human = false;
		} else
			ctx->shown[id]++;
	}
	/* The message, where something reads it: a line shown, JSON, the
	 * system log, or a fix preen prints with it (pr_plan()); a queue
	 * of 100,000 notices past the line limit need not format them. */
	if (human || ctx->opts.format != OUT_HUMAN || logsys_on() ||
	    (fix && ctx->opts.fixmode == FIXMODE_PREEN))
		pr_expand(ctx, id, pc, ctx->last_msg, sizeof(ctx->last_msg));
	else
		ctx->last_msg[0] = '\0';
	report_problem(ctx, p, pc, ctx->last_msg, fix, human,
	    human ? would_do(ctx, p, pc, would, sizeof(would)) : NULL);
	if (ctx->opts.format != OUT_HUMAN || !human)
		return fix;
	if (fix && ctx->opts.fixmode == FIXMODE_ASK)
		fix = ask(ctx, p);
	return fix;
}

/* pr_fixed - the line of a fix made, or not made */
void
pr_fixed(struct fsck_ctx *ctx, const char *queue, enum problem_id id,
    const char *idtext, const char *msg, enum fix_result result,
    const char *what)
{
	bool made = result == FIXR_FIXED || result == FIXR_COVERED;
	struct queue_tally *t = ctx_tally(ctx, queue, false);
	bool human = true;

	if (t != NULL) {
		if (made)
			t->fixed++;
		else
			t->not_fixed++;
	}
	if (ctx->opts.format == OUT_HUMAN && ctx_line_limit(ctx) > 0) {
		if (ctx->shown_fix[id][made] >= ctx_line_limit(ctx)) {
			ctx->hidden_fix[id]++;
			human = false;
		} else
			ctx->shown_fix[id][made]++;
	}
	report_fix(ctx, queue, problem_get(id), idtext, msg, result, what,
	    human);
}

/* ctx_warn - a limit of this run, not an error of the queue check */
void
ctx_warn(struct fsck_ctx *ctx, const char *what, const char *why)
{
	if (!ctx->rechecking)
		report_warning(ctx, what, why);
}

/* ctx_error - an operational error */
void
ctx_error(struct fsck_ctx *ctx, const char *what, const char *why)
{
	if (ctx->rechecking)
		return;
	ctx->errors++;
	ctx->status |= FSCK_ERROR;
	report_error(ctx, what, why);
}

/*
 * other_jobs_named - under --job, a fix that also changes another job
 * (an exchange of bodies along a cycle of jobs) is made only when --job
 * names every job it changes; otherwise it is left, and the run says so.
 */
static bool
other_jobs_named(struct fsck_ctx *ctx, const struct problem *p,
    const struct plan_op *ops, size_t nops)
{
	const struct job *jb;
	char why[256], idb[64];
	size_t i;

	if (!ctx->opts.sel.jobs_given || ctx->set == NULL)
		return true;
	for (i = 0; i < nops; i++) {
		if (ops[i].other_job == 0 ||
		    ops[i].other_job >= ctx->set->idx.njobs)
			continue;
		jb = &ctx->set->idx.jobs[ops[i].other_job];
		if (select_has_job(&ctx->opts.sel, jb->id, jb->idlen))
			continue;
		(void)snprintf(why, sizeof(why),
		    "not fixed: the fix also changes job %s, which --job does not name",
		    esc_bytes(idb, sizeof(idb), jb->id, jb->idlen));
		ctx_warn(ctx, p->name, why);
		return false;
	}
	return true;
}

/* pr_plan - add the fix pr_fix() said yes to */
void
pr_plan(struct fsck_ctx *ctx, enum problem_id id, const struct pctx *pc,
    uint32_t job, const struct plan_op *ops, size_t nops)
{
	uint16_t qi = 0;
	long rc;

	if (ctx->plan == NULL)
		BUG("pr_plan without a plan");
	if (ctx->qd != NULL && ctx->set != NULL)
		qi = (uint16_t)(ctx->qd - ctx->set->dirs);
	if (!other_jobs_named(ctx, problem_get(id), ops, nops))
		return;
	rc = plan_add(ctx->plan, id, job, qi, pc->id,
	    pc->id != NULL ? pc->idlen : 0,
	    ctx->opts.fixmode == FIXMODE_PREEN ? ctx->last_msg : NULL, ops,
	    nops);
	/* An operation the problem's fix may not make is mqfsck's own bug:
	 * that fix is not made, and the run says so (exit 8). */
	if (rc == PLAN_NOT_ALLOWED)
		ctx_error(ctx, problem_get(id)->name,
		    "internal error: a fix of this problem planned an operation its kind never makes; it was not made");
	else if (rc < 0)
		ctx_error(ctx, "mqfsck", "out of memory planning the repairs: none will be made");
}
