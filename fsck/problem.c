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
#include "logsys.h"
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

/* print_json - one problem object */
static void
print_json(const struct fsck_ctx *ctx, const struct problem *p,
    const struct pctx *pc, const char *msg, bool will_fix)
{
	FILE *f = ctx->out;
	char buf[256];

	(void)fprintf(f, "{\"schema\":\"mqfsck/1\",\"type\":\"problem\","
			 "\"code\":\"0x%06x\",\"name\":",
	    p->code);
	esc_json_text(f, p->name);
	(void)fprintf(f, ",\"severity\":\"%s\",\"queue\":",
	    (p->flags & PRF_NOTICE) ? "notice" : "problem");
	esc_json_text(f, ctx->qd != NULL ? esc_str(buf, sizeof(buf), ctx->qd->path)
				    : "");
	(void)fputs(",\"id\":", f);
	esc_json_text(f, pc->id != NULL ? esc_bytes(buf, sizeof(buf), pc->id, pc->idlen)
				   : "");
	(void)fputs(",\"file\":", f);
	esc_json_text(f, pc->file != NULL ? esc_str(buf, sizeof(buf), pc->file) : "");
	(void)fprintf(f, ",\"line\":%u,\"message\":", pc->line);
	esc_json_text(f, msg);
	(void)fputs(",\"fix\":", f);
	esc_json_text(f, fix_name(p->fix));
	(void)fprintf(f, ",\"preen\":%s,\"will_fix\":%s}\n",
	    (p->flags & PRF_PREEN_OK) ? "true" : "false",
	    will_fix ? "true" : "false");
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

/* pr_fix - report a problem; whether to fix it */
bool
pr_fix(struct fsck_ctx *ctx, enum problem_id id, const struct pctx *pc)
{
	const struct problem *p = problem_get(id);
	char idbuf[64] = "-", qbuf[512], line[2048];
	bool fix, unexpected;

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
	fix = decide(ctx, p, pc, &unexpected);
	if (unexpected)
		ctx->unexpected++;
	pr_expand(ctx, id, pc, ctx->last_msg, sizeof(ctx->last_msg));
	if ((p->flags & PRF_VERBOSE) && !ctx->opts.verbose &&
	    ctx->opts.format != OUT_JSON)
		return false;
	if (pc->id != NULL)
		(void)esc_bytes(idbuf, sizeof(idbuf), pc->id, pc->idlen);
	(void)snprintf(line, sizeof(line), "%s: %06x %s %s: %s",
	    ctx->qd != NULL ? esc_str(qbuf, sizeof(qbuf), ctx->qd->path)
			    : "mqfsck",
	    p->code, p->name, idbuf, ctx->last_msg);
	logsys((p->flags & PRF_NOTICE) ? LOGSYS_NOTICE : LOGSYS_PROBLEM, line);
	progress_clear(&ctx->progress);
	if (ctx->opts.format == OUT_JSON) {
		print_json(ctx, p, pc, ctx->last_msg, fix);
		return fix;
	}
	if (ctx->opts.format != OUT_HUMAN)
		return fix;
	/* Preen prints a fixed problem once, with its fix; one that a fix
	 * already decided covers is not printed at all. */
	if (ctx->opts.fixmode == FIXMODE_PREEN && (fix || pc->covered))
		return fix;
	(void)fprintf(ctx->out, "%s\n", line);
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
	static const char *const words[] = { "NOT FIXED", "FIXED",
		"NOT FIXED", "NOT NEEDED" };
	static const char *const json_words[] = { "not-fixed", "fixed",
		"not-fixed", "not-needed" };
	const struct problem *p = problem_get(id);
	char buf[256], w[1024], line[3072];

	if ((unsigned)result > (unsigned)FIXR_COVERED)
		BUG("pr_fixed: result %d", result);

	(void)snprintf(line, sizeof(line), "%s: %06x %s %s: %s%s%s: %s",
	    esc_str(buf, sizeof(buf), queue), p->code, p->name,
	    idtext[0] != '\0' ? esc_str(w, sizeof(w), idtext) : "-",
	    msg != NULL && msg[0] != '\0' ? msg : "",
	    msg != NULL && msg[0] != '\0' ? ": " : "",
	    words[result], what);
	logsys(result == 1 || result == 3 ? LOGSYS_FIXED : LOGSYS_NOT_FIXED, line);
	progress_clear(&ctx->progress);
	if (ctx->opts.format == OUT_JSON) {
		FILE *f = ctx->out;

		(void)fprintf(f, "{\"schema\":\"mqfsck/1\",\"type\":\"fix\","
				 "\"code\":\"0x%06x\",\"name\":",
		    p->code);
		esc_json_text(f, p->name);
		(void)fputs(",\"queue\":", f);
		esc_json_text(f, esc_str(buf, sizeof(buf), queue));
		(void)fputs(",\"id\":", f);
		esc_json_text(f, esc_str(buf, sizeof(buf), idtext));
		(void)fputs(",\"action\":", f);
		esc_json_text(f, fix_name(p->fix));
		(void)fprintf(f, ",\"result\":\"%s\",\"detail\":",
		    json_words[result]);
		esc_json_text(f, esc_str(w, sizeof(w), what));
		(void)fputs("}\n", f);
		return;
	}
	if (ctx->opts.format == OUT_HUMAN)
		(void)fprintf(ctx->out, "%s\n", line);
}

/* ctx_warn - a limit of this run, not an error of the queue check */
void
ctx_warn(struct fsck_ctx *ctx, const char *what, const char *why)
{
	char w[512], y[1024];

	if (ctx->rechecking)
		return;
	/* why is text (fixed words and escaped names): esc_text() keeps it
	 * and escapes whatever raw byte a caller let slip in. */
	(void)esc_text(y, sizeof(y), why);
	(void)fflush(ctx->out);
	progress_clear(&ctx->progress);
	if (ctx->opts.format == OUT_JSON) {
		(void)fputs("{\"schema\":\"mqfsck/1\",\"type\":\"warning\",\"what\":",
		    ctx->out);
		esc_json_text(ctx->out, esc_str(w, sizeof(w), what));
		(void)fputs(",\"why\":", ctx->out);
		esc_json_text(ctx->out, y);
		(void)fputs("}\n", ctx->out);
		return;
	}
	(void)fprintf(stderr, "mqfsck: warning: %s: %s\n",
	    esc_str(w, sizeof(w), what), y);
}

/* ctx_error - an operational error */
void
ctx_error(struct fsck_ctx *ctx, const char *what, const char *why)
{
	char w[512], y[1024];

	if (ctx->rechecking)
		return;
	(void)esc_text(y, sizeof(y), why);
	ctx->errors++;
	ctx->status |= FSCK_ERROR;
	(void)fflush(ctx->out);
	progress_clear(&ctx->progress);
	if (logsys_on()) {
		char line[1600];

		(void)snprintf(line, sizeof(line), "%s: %s",
		    esc_str(w, sizeof(w), what), y);
		logsys(LOGSYS_ERROR, line);
	}
	if (ctx->opts.format == OUT_JSON) {
		(void)fputs("{\"schema\":\"mqfsck/1\",\"type\":\"error\",\"what\":",
		    ctx->out);
		esc_json_text(ctx->out, esc_str(w, sizeof(w), what));
		(void)fputs(",\"why\":", ctx->out);
		esc_json_text(ctx->out, y);
		(void)fputs("}\n", ctx->out);
		return;
	}
	(void)fprintf(stderr, "mqfsck: %s: %s\n", esc_str(w, sizeof(w), what),
	    y);
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
