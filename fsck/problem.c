/*
 * problem.c - the problem table, message expansion and the report.
 *
 * Every problem goes through pr_fix(): it expands the template from the
 * problem context, prints one line (human) or one JSON object, counts it
 * and sets the exit status.  Strings from the queue are escaped
 * (esc.c) before they reach the output, in both formats.
 *
 * Human line:  <queue>: <code> <name> <id>: <message>
 * JSON line:   {"schema":"mqfsck/1","type":"problem",...} (see mqfsck(8))
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "esc.h"
#include "fsck.h"
#include "qf.h"

/* clang-format off */
static const struct problem table[PR_COUNT] = {
#define PROBLEM(id, code, name, flags, fix, tmpl) \
	[id] = { id, code, name, flags, fix, tmpl },
#include "problems.def"
#undef PROBLEM
};

static const char *const fix_names[FIX_NKINDS] = {
	[FIX_NONE] = "none",
	[FIX_ARCHIVE_REMOVE] = "archive-remove",
	[FIX_MAKE_INERT] = "make-inert",
	[FIX_REWRITE_I] = "rewrite-i-line",
	[FIX_OWNER_MODE] = "owner-mode",
	[FIX_MOVE] = "move",
	[FIX_MOVE_OUT] = "move-out",
	[FIX_RESOLVE_TF] = "resolve-tf",
	[FIX_PROMOTE] = "promote-tf",
	[FIX_KEEP_NEWER] = "keep-newer",
	[FIX_RECOVER] = "recover",
};
/* clang-format on */

/* problem_get - the table entry of a problem */
const struct problem *
problem_get(enum problem_id id)
{
	if ((unsigned)id >= PR_COUNT)
		BUG("problem_get: %d", (int)id);
	return &table[id];
}

/* fix_name - short name of a fix */
const char *
fix_name(enum fix_kind fix)
{
	if ((unsigned)fix >= FIX_NKINDS)
		BUG("fix_name: %d", (int)fix);
	return fix_names[fix];
}

/* pctx_init - an empty problem context */
void
pctx_init(struct pctx *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->uid = -1;
	pc->uid2 = -1;
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

/* fmt_owner - "smmta (uid 105)" or "uid 4242" */
static void
fmt_owner(long long uid, char *out, size_t outsz)
{
	struct passwd *pw;
	char name[64];

	if (uid < 0) {
		(void)snprintf(out, outsz, "nobody known");
		return;
	}
	pw = getpwuid((uid_t)uid);
	if (pw != NULL && pw->pw_name != NULL)
		(void)snprintf(out, outsz, "%s (uid %lld)",
		    esc_str(name, sizeof(name), pw->pw_name), uid);
	else
		(void)snprintf(out, outsz, "uid %lld", uid);
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
		fmt_owner(pc->uid, buf, bufsz);
		break;
	case 'U':
		fmt_owner(pc->uid2, buf, bufsz);
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

/* json_str - a JSON string of printable ASCII (already escaped) text */
static void
json_str(FILE *f, const char *s)
{
	(void)fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			(void)fputc('\\', f);
		(void)fputc(*s, f);
	}
	(void)fputc('"', f);
}

/* print_json - one problem object */
static void
print_json(const struct fsck_ctx *ctx, const struct problem *p,
    const struct pctx *pc, const char *msg)
{
	FILE *f = ctx->out;
	char buf[256];

	(void)fprintf(f, "{\"schema\":\"mqfsck/1\",\"type\":\"problem\","
			 "\"code\":\"0x%06x\",\"name\":",
	    p->code);
	json_str(f, p->name);
	(void)fprintf(f, ",\"severity\":\"%s\",\"queue\":",
	    (p->flags & PRF_NOTICE) ? "notice" : "problem");
	json_str(f, ctx->qd != NULL ? esc_str(buf, sizeof(buf), ctx->qd->path)
				    : "");
	(void)fputs(",\"id\":", f);
	json_str(f, pc->id != NULL ? esc_bytes(buf, sizeof(buf), pc->id, pc->idlen)
				   : "");
	(void)fputs(",\"file\":", f);
	json_str(f, pc->file != NULL ? esc_str(buf, sizeof(buf), pc->file) : "");
	(void)fprintf(f, ",\"line\":%u,\"message\":", pc->line);
	json_str(f, msg);
	(void)fputs(",\"fix\":", f);
	json_str(f, fix_name(p->fix));
	(void)fprintf(f, ",\"preen\":%s,\"fixed\":false}\n",
	    (p->flags & PRF_PREEN_OK) ? "true" : "false");
}

/* pr_fix - report a problem; whether to fix it (never, in a check) */
bool
pr_fix(struct fsck_ctx *ctx, enum problem_id id, const struct pctx *pc)
{
	const struct problem *p = problem_get(id);
	char msg[1024], idbuf[64] = "-";

	ctx->count[id]++;
	if (p->flags & PRF_NOTICE)
		ctx->notices++;
	else {
		ctx->problems++;
		ctx->status |= FSCK_UNCORRECTED;
	}
	if ((p->flags & PRF_VERBOSE) && !ctx->opts.verbose &&
	    ctx->opts.format != OUT_JSON)
		return false;
	pr_expand(ctx, id, pc, msg, sizeof(msg));
	if (ctx->opts.format == OUT_JSON) {
		print_json(ctx, p, pc, msg);
		return false;
	}
	if (pc->id != NULL)
		(void)esc_bytes(idbuf, sizeof(idbuf), pc->id, pc->idlen);
	(void)fprintf(ctx->out, "%s: %06x %s %s: %s\n",
	    ctx->qd != NULL ? ctx->qd->path : "mqfsck", p->code, p->name, idbuf,
	    msg);
	return false;
}

/* ctx_warn - a limit of this run, not an error of the queue check */
void
ctx_warn(struct fsck_ctx *ctx, const char *what, const char *why)
{
	char w[512];

	(void)fflush(ctx->out);
	if (ctx->opts.format == OUT_JSON) {
		(void)fputs("{\"schema\":\"mqfsck/1\",\"type\":\"warning\",\"what\":",
		    ctx->out);
		json_str(ctx->out, esc_str(w, sizeof(w), what));
		(void)fputs(",\"why\":", ctx->out);
		json_str(ctx->out, esc_str(w, sizeof(w), why));
		(void)fputs("}\n", ctx->out);
		return;
	}
	(void)fprintf(stderr, "mqfsck: warning: %s: %s\n",
	    esc_str(w, sizeof(w), what), why);
}

/* ctx_error - an operational error */
void
ctx_error(struct fsck_ctx *ctx, const char *what, const char *why)
{
	char w[512];

	ctx->errors++;
	ctx->status |= FSCK_ERROR;
	(void)fflush(ctx->out);
	if (ctx->opts.format == OUT_JSON) {
		(void)fputs("{\"schema\":\"mqfsck/1\",\"type\":\"error\",\"what\":",
		    ctx->out);
		json_str(ctx->out, esc_str(w, sizeof(w), what));
		(void)fputs(",\"why\":", ctx->out);
		json_str(ctx->out, esc_str(w, sizeof(w), why));
		(void)fputs("}\n", ctx->out);
		return;
	}
	(void)fprintf(stderr, "mqfsck: %s: %s\n", esc_str(w, sizeof(w), what),
	    why);
}
