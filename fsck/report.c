/*
 * report.c - every record of a run rendered in its forms: the line for
 * people, the JSON object, the syslog line, and the summary's metrics
 * (report.h).  Strings from a queue are escaped here, by format/esc.c's
 * rule for each form: esc_str() for the terminal and syslog,
 * esc_json_text() inside JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc.h"
#include "esc.h"
#include "logsys.h"
#include "metrics.h"
#include "report.h"
#include "report_ci.h"

#define SCHEMA MQ_JSON_SCHEMA

/* The words of a fix's outcome (enum fix_result), for people and JSON. */
static const char *const result_words[] = { "NOT FIXED", "FIXED",
	"NOT FIXED", "NOT NEEDED" };
static const char *const result_json[] = { "not-fixed", "fixed",
	"not-fixed", "not-needed" };

/* json_head - the start of a record of `type`, up to its first key */
static void
json_head(FILE *f, const char *type)
{
	(void)fprintf(f, "{\"schema\":\"" SCHEMA "\",\"type\":\"%s\"", type);
}

/* problem_json - one problem object */
static void
problem_json(const struct fsck_ctx *ctx, const struct problem *p,
    const struct pctx *pc, const char *msg, bool will_fix)
{
	FILE *f = ctx->out;
	char buf[256];

	json_head(f, "problem");
	(void)fprintf(f, ",\"code\":\"0x%06x\",\"name\":", p->code);
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

/* report_problem - a problem or notice found */
void
report_problem(struct fsck_ctx *ctx, const struct problem *p,
    const struct pctx *pc, const char *msg, bool will_fix, bool human,
    const char *would)
{
	char idbuf[64] = "-", qbuf[512], line[2048];
	const bool shown = ctx->opts.format == OUT_HUMAN && human;

	if (ctx->opts.format == OUT_JSON) {
		progress_clear(&ctx->progress);
		problem_json(ctx, p, pc, msg, will_fix);
	}
	if (ctx->ci != NULL)
		ci_problem(ctx->ci, ctx->qd != NULL ? esc_str(qbuf, sizeof(qbuf), ctx->qd->path) : "",
		    pc->id != NULL ? esc_bytes(idbuf, sizeof(idbuf), pc->id, pc->idlen) : "",
		    p->code, p->name, (p->flags & PRF_NOTICE) != 0, msg);
	/* Counted only (past the line limit): no line to build. */
	if (!shown && !logsys_on())
		return;
	if (pc->id != NULL)
		(void)esc_bytes(idbuf, sizeof(idbuf), pc->id, pc->idlen);
	(void)snprintf(line, sizeof(line), "%s: %06x %s %s: %s",
	    ctx->qd != NULL ? esc_str(qbuf, sizeof(qbuf), ctx->qd->path)
			    : "mqfsck",
	    p->code, p->name, idbuf, msg);
	logsys((p->flags & PRF_NOTICE) ? LOGSYS_NOTICE : LOGSYS_PROBLEM, line);
	if (!shown)
		return;
	progress_clear(&ctx->progress);
	(void)fprintf(ctx->out, "%s%s%s%s\n", line,
	    would != NULL ? " [" : "", would != NULL ? would : "",
	    would != NULL ? "]" : "");
}

/* report_job - see report.h */
void
report_job(struct fsck_ctx *ctx, const struct report_job *j)
{
	FILE *f = ctx->out;
	char buf[256];
	size_t i;

	if (ctx->ci != NULL) {
		char q[512];

		ci_job(ctx->ci, ctx->qd != NULL ? esc_str(q, sizeof(q), ctx->qd->path) : "",
		    esc_bytes(buf, sizeof(buf), j->id, j->idlen), j->findings);
		return;
	}
	if (ctx->opts.format != OUT_JSON)
		return;
	json_head(f, "job");
	(void)fputs(",\"queue\":", f);
	esc_json_text(f, ctx->qd != NULL ? esc_str(buf, sizeof(buf), ctx->qd->path)
				    : "");
	(void)fputs(",\"id\":", f);
	esc_json_text(f, esc_bytes(buf, sizeof(buf), j->id, j->idlen));
	(void)fputs(",\"files\":[", f);
	for (i = 0; i < j->nnames; i++) {
		if (i > 0)
			(void)putc(',', f);
		esc_json_text(f, esc_str(buf, sizeof(buf), j->names[i]));
	}
	(void)fprintf(f, "],\"state\":\"%s\",\"findings\":%lu,\"ctime\":",
	    j->state, j->findings);
	if (j->ctime > 0)
		(void)fprintf(f, "%lld", j->ctime);
	else
		(void)fputs("null", f);
	(void)fprintf(f, ",\"class\":\"%s\"}\n", j->toc);
}

/* report_fix - the line of a fix made, or not made */
void
report_fix(struct fsck_ctx *ctx, const char *queue, const struct problem *p,
    const char *idtext, const char *msg, enum fix_result result,
    const char *what, bool human)
{
	char buf[256], w[1024], line[3072];
	bool has_msg = msg != NULL && msg[0] != '\0';
	FILE *f = ctx->out;

	if ((unsigned)result > (unsigned)FIXR_COVERED)
		BUG("report_fix: result %d", result);
	(void)snprintf(line, sizeof(line), "%s: %06x %s %s: %s%s%s: %s",
	    esc_str(buf, sizeof(buf), queue), p->code, p->name,
	    idtext[0] != '\0' ? esc_str(w, sizeof(w), idtext) : "-",
	    has_msg ? msg : "", has_msg ? ": " : "", result_words[result],
	    what);
	logsys(result == FIXR_FIXED || result == FIXR_COVERED ? LOGSYS_FIXED
							      : LOGSYS_NOT_FIXED,
	    line);
	progress_clear(&ctx->progress);
	if (ctx->opts.format == OUT_JSON) {
		json_head(f, "fix");
		(void)fprintf(f, ",\"code\":\"0x%06x\",\"name\":", p->code);
		esc_json_text(f, p->name);
		(void)fputs(",\"queue\":", f);
		esc_json_text(f, esc_str(buf, sizeof(buf), queue));
		(void)fputs(",\"id\":", f);
		esc_json_text(f, esc_str(buf, sizeof(buf), idtext));
		(void)fputs(",\"action\":", f);
		esc_json_text(f, fix_name(p->fix));
		(void)fprintf(f, ",\"result\":\"%s\",\"detail\":",
		    result_json[result]);
		esc_json_text(f, esc_str(w, sizeof(w), what));
		(void)fputs("}\n", f);
	} else if (ctx->opts.format == OUT_HUMAN && human)
		(void)fprintf(f, "%s\n", line);
}

/*
 * said - a warning or an error: a JSON object of `type` on the report,
 * or "mqfsck: <prefix><what>: <why>" on standard error.  why is text
 * (fixed words and escaped names): esc_text() keeps it and escapes
 * whatever raw byte a caller let slip in.
 */
static void
said(struct fsck_ctx *ctx, const char *type, const char *prefix,
    const char *what, const char *why, bool to_syslog)
{
	char w[512], y[1024];

	(void)esc_text(y, sizeof(y), why);
	(void)esc_str(w, sizeof(w), what);
	(void)fflush(ctx->out);
	progress_clear(&ctx->progress);
	if (to_syslog && logsys_on()) {
		char line[1600];

		(void)snprintf(line, sizeof(line), "%s: %s", w, y);
		logsys(LOGSYS_ERROR, line);
	}
	if (ctx->ci != NULL && strcmp(type, "error") == 0)
		ci_error(ctx->ci, w, y);
	if (ctx->opts.format == OUT_JSON) {
		json_head(ctx->out, type);
		(void)fputs(",\"what\":", ctx->out);
		esc_json_text(ctx->out, w);
		(void)fputs(",\"why\":", ctx->out);
		esc_json_text(ctx->out, y);
		(void)fputs("}\n", ctx->out);
		return;
	}
	(void)fprintf(stderr, "mqfsck: %s%s: %s\n", prefix, w, y);
}

/* report_warning - a limit of this run */
void
report_warning(struct fsck_ctx *ctx, const char *what, const char *why)
{
	said(ctx, "warning", "warning: ", what, why, false);
}

/* report_error - an operational error */
void
report_error(struct fsck_ctx *ctx, const char *what, const char *why)
{
	said(ctx, "error", "", what, why, true);
}

/* summary_counts - "no-df 1, orphan-df 2" for problems or notices, of
 * the counts by code `count` */
static void
summary_counts(const unsigned long *count, bool notices, char *out,
    size_t outsz)
{
	size_t o = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < PR_COUNT; i++) {
		const struct problem *p = problem_get((enum problem_id)i);
		int n;

		if (count[i] == 0 || ((p->flags & PRF_NOTICE) != 0) != notices)
			continue;
		n = snprintf(out + o, outsz - o, "%s%s %lu", o ? ", " : "",
		    p->name, count[i]);
		if (n < 0 || (size_t)n >= outsz - o)
			break;
		o += (size_t)n;
	}
}

/* summary_json - the summary object */
static void
summary_json(const struct fsck_ctx *ctx, const struct report_totals *t)
{
	FILE *f = ctx->out;
	bool first = true;
	int i;

	json_head(f, "summary");
	(void)fprintf(f,
	    ",\"queues\":%zu,\"jobs\":%lu,\"files\":%lu,\"problems\":%lu,"
	    "\"notices\":%lu,\"in_use\":%lu,\"in_flight\":%lu,\"errors\":%lu,"
	    "\"by_name\":{",
	    t->queues, ctx->jobs, ctx->files, ctx->problems, ctx->notices,
	    ctx->in_use, ctx->in_flight, ctx->errors);
	for (i = 0; i < PR_COUNT; i++) {
		if (ctx->count[i] == 0)
			continue;
		(void)fprintf(f, "%s\"%s\":%lu", first ? "" : ",",
		    problem_get((enum problem_id)i)->name, ctx->count[i]);
		first = false;
	}
	(void)fprintf(f, "},\"fixed\":%lu,\"not_fixed\":%lu,\"left\":%lu,"
			 "\"archive\":",
	    t->fixed, t->not_fixed, t->left);
	esc_json(f, t->archive);
	(void)fprintf(f, ",\"seconds\":%.3f,\"exit\":%d}\n", t->seconds,
	    ctx->status);
}

/* lines_left_out - for each code past the limit of lines, how many */
static void
lines_left_out(const struct fsck_ctx *ctx)
{
	int i;

	for (i = 0; i < PR_COUNT; i++) {
		const struct problem *p = problem_get((enum problem_id)i);

		if (ctx->hidden[i] > 0)
			(void)fprintf(ctx->out,
			    "mqfsck: %06x %s: %lu more not shown (-v shows every one)\n",
			    p->code, p->name, ctx->hidden[i]);
		if (ctx->hidden_fix[i] > 0)
			(void)fprintf(ctx->out,
			    "mqfsck: %06x %s: %lu more fix%s not shown (-v shows every one)\n",
			    p->code, p->name, ctx->hidden_fix[i],
			    ctx->hidden_fix[i] == 1 ? "" : "es");
	}
}

/* by_path - qsort() order of tallies: by the queue's path */
static int
by_path(const void *a, const void *b)
{
	return strcmp(((const struct queue_tally *)a)->path,
	    ((const struct queue_tally *)b)->path);
}

/* per_queue - with more than one queue, a line for each queue checked,
 * in the order of their paths: its jobs, problems and notices by code,
 * fixes */
static void
per_queue(const struct fsck_ctx *ctx)
{
	char probs[2048], notes[2048], q[512];
	size_t i;

	if (ctx->ntally < 2)
		return;

	for (i = 0; i < ctx->ntally; i++) {
		const struct queue_tally *t = &ctx->tally[i];

		summary_counts(t->count, false, probs, sizeof(probs));
		summary_counts(t->count, true, notes, sizeof(notes));
		(void)fprintf(ctx->out,
		    "mqfsck: queue %s: %lu jobs: %lu problem%s%s%s%s, "
		    "%lu notice%s%s%s%s; %lu fix%s made, %lu not made\n",
		    esc_str(q, sizeof(q), t->path), t->jobs, t->problems,
		    t->problems == 1 ? "" : "s", probs[0] ? " (" : "", probs,
		    probs[0] ? ")" : "", t->notices, t->notices == 1 ? "" : "s",
		    notes[0] ? " (" : "", notes, notes[0] ? ")" : "", t->fixed,
		    t->fixed == 1 ? "" : "es", t->not_fixed);
	}
}

/* status_words - the exit status, and what each of its bits means */
static void
status_words(const struct fsck_ctx *ctx)
{
	static const struct {
		int bit;
		const char *words;
	} bits[] = {
		{ FSCK_NONDESTRUCT, "fixes made, nothing left" },
		{ FSCK_UNCORRECTED, "problems left" },
		{ FSCK_ERROR, "an operational error" },
		{ FSCK_USAGE, "a usage error" },
		{ FSCK_CANCELED, "interrupted" },
	};
	char w[256] = "clean";
	size_t i, o = 0;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		int n;

		/* 4 with 1: fixes were made, but something is left. */
		if ((ctx->status & bits[i].bit) == 0 ||
		    (bits[i].bit == FSCK_NONDESTRUCT &&
		     (ctx->status & FSCK_UNCORRECTED) != 0))
			continue;
		n = snprintf(w + o, sizeof(w) - o, "%s%s", o ? ", " : "",
		    bits[i].words);
		if (n < 0 || (size_t)n >= sizeof(w) - o)
			break;
		o += (size_t)n;
	}
	(void)fprintf(ctx->out, "mqfsck: exit status %d: %s\n", ctx->status, w);
}

/* ci_finish - --format junit or tap: the queues' path test cases and
 * the report's end (report_ci.c) */
static void
ci_finish(struct fsck_ctx *ctx)
{
	char (*paths)[512] = calloc(ctx->ntally ? ctx->ntally : 1, sizeof(*paths));
	const char **q = calloc(ctx->ntally ? ctx->ntally : 1, sizeof(*q));
	size_t i, n = 0;

	for (i = 0; paths != NULL && q != NULL && i < ctx->ntally; i++)
		q[n++] = esc_str(paths[i], sizeof(paths[i]), ctx->tally[i].path);
	ci_end(ctx->ci, q, n);
	ctx->ci = NULL;
	free(paths);
	free(q);
}

/* report_summary - the last line(s) */
void
report_summary(struct fsck_ctx *ctx, const struct report_totals *t)
{
	const struct run_totals rt = { t->queues, t->seconds, t->fixed,
		t->not_fixed, t->left };
	char probs[2048], notes[2048], line[4800], fixline[1300], a[1100];

	/* Queues in the order of their paths, for people and metrics. */
	if (ctx->ntally > 1)
		qsort(ctx->tally, ctx->ntally, sizeof(ctx->tally[0]), by_path);
	ctx->last_tally = NULL;
	summary_counts(ctx->count, false, probs, sizeof(probs));
	summary_counts(ctx->count, true, notes, sizeof(notes));
	(void)snprintf(line, sizeof(line),
	    "%zu queue%s, %lu jobs, %lu files: %lu problem%s%s%s%s, "
	    "%lu notice%s%s%s%s; %lu in use, %lu in flight (%.3f s)",
	    t->queues, t->queues == 1 ? "" : "s", ctx->jobs, ctx->files,
	    ctx->problems, ctx->problems == 1 ? "" : "s",
	    probs[0] ? " (" : "", probs, probs[0] ? ")" : "", ctx->notices,
	    ctx->notices == 1 ? "" : "s", notes[0] ? " (" : "", notes,
	    notes[0] ? ")" : "", ctx->in_use, ctx->in_flight, t->seconds);
	if (t->repaired)
		(void)snprintf(fixline, sizeof(fixline),
		    "%lu fix%s made, %lu not made; %lu problem%s left%s%s",
		    t->fixed, t->fixed == 1 ? "" : "es", t->not_fixed, t->left,
		    t->left == 1 ? "" : "s", t->archive[0] ? "; archive " : "",
		    t->archive[0] ? esc_str(a, sizeof(a), t->archive) : "");
	logsys(LOGSYS_SUMMARY, line);
	if (t->repaired)
		logsys(LOGSYS_SUMMARY, fixline);
	if (ctx->opts.fixmode == FIXMODE_PREEN && ctx->unexpected > 0)
		logsys(LOGSYS_UNEXPECTED,
		    "UNEXPECTED INCONSISTENCY; RUN mqfsck MANUALLY.");
	progress_clear(&ctx->progress);
	if (ctx->opts.metrics_file != NULL) {
		struct qerr err;

		/* Whatever the run came to: a monitor needs the metrics of
		 * a failed run most.  A metrics file that cannot be written
		 * does not change the exit status. */
		if (metrics_publish(ctx->opts.metrics_file, ctx, &rt, &err) < 0)
			report_warning(ctx, "--metrics-file", err.msg);
	}
	if (ctx->opts.format == OUT_PROMETHEUS) {
		metrics_write(ctx->out, ctx, &rt);
		return;
	}
	if (ctx->ci != NULL) {
		ci_finish(ctx);
		(void)fprintf(stderr, "mqfsck: %s\n", line);
		return;
	}
	if (ctx->opts.format == OUT_JSON) {
		summary_json(ctx, t);
		return;
	}
	if (!ctx->opts.quiet) {
		lines_left_out(ctx);
		per_queue(ctx);
		(void)fprintf(ctx->out, "mqfsck: %s\n", line);
		if (t->repaired)
			(void)fprintf(ctx->out, "mqfsck: %s\n", fixline);
		status_words(ctx);
	}
	/* e2fsck's words, so that boot scripts and people know them. */
	if (ctx->opts.fixmode == FIXMODE_PREEN && ctx->unexpected > 0)
		(void)fprintf(ctx->out,
		    "mqfsck: UNEXPECTED INCONSISTENCY; RUN mqfsck MANUALLY.\n"
		    "\t(i.e., without -p: %lu problem%s need%s a human)\n",
		    ctx->unexpected, ctx->unexpected == 1 ? "" : "s",
		    ctx->unexpected == 1 ? "s" : "");
}
