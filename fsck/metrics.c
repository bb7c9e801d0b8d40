/*
 * metrics.c - the run as Prometheus text exposition format, for
 * node_exporter's textfile collector (write to a temporary file in its
 * directory, then rename: the collector must never read half a file).
 *
 * Every metric is a gauge describing the last run.  mqfsck_problems has
 * one series per code of the problem table, zeros included, so that an
 * alert on one code has a series to look at before that code first
 * appears; labels are the stable code and name, never a queue id or a
 * path, so the number of series is fixed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esc.h"
#include "metrics.h"

#define LAST_CLEAN "mqfsck_last_clean_run_timestamp_seconds"
#define OLD_READ_MAX ((size_t)256 * 1024) /* of the file replaced, for LAST_CLEAN */

/* gauge - HELP and TYPE lines, then one unlabelled sample */
static void
gauge(FILE *f, const char *name, const char *help, unsigned long long v)
{
	(void)fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n%s %llu\n", name,
	    help, name, name, v);
}

/* clean - the run left nothing and met no error (status 0 or 1) */
static bool
clean(const struct fsck_ctx *ctx)
{
	return (ctx->status & ~FSCK_NONDESTRUCT) == 0;
}

/* label - a Prometheus label value: the path made printable as in the
 * report, then its backslashes and quotes escaped (text format 0.0.4) */
static const char *
label(char *out, size_t outsz, const char *path)
{
	char safe[512];
	size_t o = 0;
	const char *p;

	(void)esc_str(safe, sizeof(safe), path);
	for (p = safe; *p != '\0' && o + 3 < outsz; p++) {
		if (*p == '\\' || *p == '"')
			out[o++] = '\\';
		out[o++] = *p;
	}
	out[o] = '\0';
	return out;
}

/* header - HELP and TYPE lines of a gauge */
static void
header(FILE *f, const char *name, const char *help)
{
	(void)fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/*
 * per_queue - the metrics of each queue directory, labelled queue="path":
 * jobs, the oldest job's age, lost (Qf) and quarantined (hf) jobs,
 * problems by code (those found), fixes
 */
static void
per_queue(FILE *f, const struct fsck_ctx *ctx)
{
	static const struct {
		const char *name, *help;
	} m[] = {
		{ "mqfsck_queue_jobs", "Jobs in the queue directory." },
		{ "mqfsck_queue_oldest_job_age_seconds",
		    "Age of the queue's oldest job by its T line (0: none)." },
		{ "mqfsck_queue_lost_jobs",
		    "Jobs set aside as Qf: sendmail never runs them." },
		{ "mqfsck_queue_quarantined_jobs", "Jobs quarantined (hf)." },
	};
	char q[1200];
	size_t i, k;
	int c;

	for (k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
		header(f, m[k].name, m[k].help);
		for (i = 0; i < ctx->ntally; i++) {
			const struct queue_tally *t = &ctx->tally[i];
			unsigned long long v = k == 0 ? t->jobs
			    : k == 2 ? t->lost : k == 3 ? t->held
			    : t->oldest > 0 && (long long)ctx->now > t->oldest
				? (unsigned long long)((long long)ctx->now - t->oldest)
				: 0;

			(void)fprintf(f, "%s{queue=\"%s\"} %llu\n", m[k].name,
			    label(q, sizeof(q), t->path), v);
		}
	}
	header(f, "mqfsck_queue_problems",
	    "Problems and notices found in the queue, by code (those found).");
	for (i = 0; i < ctx->ntally; i++)
		for (c = 0; c < PR_COUNT; c++) {
			const struct problem *p = problem_get((enum problem_id)c);

			if (ctx->tally[i].count[c] == 0)
				continue;
			(void)fprintf(f,
			    "mqfsck_queue_problems{queue=\"%s\",code=\"%06x\",name=\"%s\",severity=\"%s\"} %lu\n",
			    label(q, sizeof(q), ctx->tally[i].path), p->code,
			    p->name, (p->flags & PRF_NOTICE) ? "notice" : "problem",
			    ctx->tally[i].count[c]);
		}
	header(f, "mqfsck_queue_fixes", "Fixes made or not made in the queue.");
	for (i = 0; i < ctx->ntally; i++) {
		(void)fprintf(f, "mqfsck_queue_fixes{queue=\"%s\",result=\"fixed\"} %lu\n",
		    label(q, sizeof(q), ctx->tally[i].path), ctx->tally[i].fixed);
		(void)fprintf(f, "mqfsck_queue_fixes{queue=\"%s\",result=\"not_fixed\"} %lu\n",
		    q, ctx->tally[i].not_fixed);
	}
}

/* write_all - the metrics, with the last clean run's time when known */
static void
write_all(FILE *f, const struct fsck_ctx *ctx, const struct run_totals *t,
    unsigned long long last_clean)
{
	int i;

	if (last_clean > 0)
		gauge(f, LAST_CLEAN,
		    "When the last run that left the queues clean (exit status 0 or 1) started.",
		    last_clean);
	gauge(f, "mqfsck_last_run_timestamp_seconds",
	    "When the last mqfsck run started, in seconds since the epoch.",
	    (unsigned long long)ctx->now);
	(void)fprintf(f, "# HELP mqfsck_duration_seconds How long the last mqfsck run took.\n"
			 "# TYPE mqfsck_duration_seconds gauge\n"
			 "mqfsck_duration_seconds %.6f\n",
	    t->seconds);
	gauge(f, "mqfsck_exit_status",
	    "The fsck(8) exit status of the last run (0 clean, 1 fixed, 4 problems left, 8 error).",
	    (unsigned long long)ctx->status);
	gauge(f, "mqfsck_queues", "Queue directories checked.", (unsigned long long)t->queues);
	gauge(f, "mqfsck_jobs", "Jobs (queue ids) in the queues checked.",
	    (unsigned long long)ctx->jobs);
	gauge(f, "mqfsck_files", "Files in the queues checked.",
	    (unsigned long long)ctx->files);
	gauge(f, "mqfsck_jobs_in_use",
	    "Jobs a live sendmail held locked: not judged.", (unsigned long long)ctx->in_use);
	gauge(f, "mqfsck_files_in_flight",
	    "Files younger than the grace period while sendmail may run: not judged.",
	    (unsigned long long)ctx->in_flight);
	gauge(f, "mqfsck_errors",
	    "Things that could not be checked (operational errors).",
	    (unsigned long long)ctx->errors);
	gauge(f, "mqfsck_problems_found", "Problems the check found (notices not counted).",
	    (unsigned long long)ctx->problems);
	gauge(f, "mqfsck_notices_found", "Notices the check found.",
	    (unsigned long long)ctx->notices);
	gauge(f, "mqfsck_problems_left",
	    "Problems left after the run (after its repairs, if any).",
	    (unsigned long long)t->left);
	(void)fputs("# HELP mqfsck_fixes Fixes the run made or could not make.\n"
		    "# TYPE mqfsck_fixes gauge\n", f);
	(void)fprintf(f, "mqfsck_fixes{result=\"fixed\"} %lu\n", t->fixed);
	(void)fprintf(f, "mqfsck_fixes{result=\"not_fixed\"} %lu\n", t->not_fixed);
	(void)fputs("# HELP mqfsck_problems Problems found, by code of the problem table.\n"
		    "# TYPE mqfsck_problems gauge\n", f);
	/* Codes and names are the table's own [0-9a-z-]: nothing to escape. */
	for (i = 0; i < PR_COUNT; i++) {
		const struct problem *p = problem_get((enum problem_id)i);

		(void)fprintf(f,
		    "mqfsck_problems{code=\"%06x\",name=\"%s\",severity=\"%s\"} %lu\n",
		    p->code, p->name,
		    (p->flags & PRF_NOTICE) ? "notice" : "problem", ctx->count[i]);
	}
	per_queue(f, ctx);
}

/* metrics_write - every metric of the run to f */
void
metrics_write(FILE *f, const struct fsck_ctx *ctx, const struct run_totals *t)
{
	write_all(f, ctx, t, clean(ctx) ? (unsigned long long)ctx->now : 0);
}

/* old_last_clean - LAST_CLEAN from the metrics file dfd/name replaces
 * (opened and read as sio does any file: no link, regular, bounded) */
static unsigned long long
old_last_clean(int dfd, const char *name)
{
	static const char key[] = LAST_CLEAN " ";
	struct sio_buf b = { 0 };
	unsigned long long v = 0;
	const char *p, *end, *nl;
	bool truncated, found = false;
	struct qerr err;
	struct stat st;
	int fd;

	fd = sio_open_regular(dfd, name, &st, &err);
	if (fd < 0)
		return 0;
	if (sio_read(fd, &b, OLD_READ_MAX, &truncated, &err) == 0) {
		p = (const char *)b.data;
		end = p + b.len;
		for (; p < end && !found; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (nl == NULL)
				nl = end;
			if ((size_t)(nl - p) > sizeof(key) - 1 &&
			    memcmp(p, key, sizeof(key) - 1) == 0) {
				found = true;
				for (p += sizeof(key) - 1; p < nl &&
				     *p >= '0' && *p <= '9' && v < ULLONG_MAX / 10;
				     p++)
					v = v * 10 + (unsigned long long)(*p - '0');
				if (p != nl)
					v = 0; /* not a plain number: start again */
			}
		}
	}
	(void)close(fd);
	sio_buf_free(&b);
	return v;
}

/* metrics_publish - the metrics into path, atomically */
int
metrics_publish(const char *path, const struct fsck_ctx *ctx,
    const struct run_totals *t, struct qerr *err)
{
	char dir[PATH_MAX], tmp[NAME_MAX + 1];
	const char *slash = strrchr(path, '/'), *name;
	unsigned long long last;
	FILE *f;
	int dfd, fd;

	name = slash != NULL ? slash + 1 : path;
	if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strlen(name) + 24 > sizeof(tmp)) {
		qerr_set(err, EINVAL, "%s: not a file name", path);
		return -1;
	}
	if (slash == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		(void)snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) < sizeof(dir))
		(void)snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else {
		qerr_set(err, ENAMETOOLONG, "%s: name too long", path);
		return -1;
	}
	dfd = sio_open_path(dir, NULL, NULL, err);
	if (dfd < 0)
		return -1;
	last = clean(ctx) ? (unsigned long long)ctx->now : old_last_clean(dfd, name);
	(void)snprintf(tmp, sizeof(tmp), ".%s.%ld", name, (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0644);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		qerr_set(err, errno, "%s/%s: %s", dir, tmp, strerror(errno));
		if (fd >= 0) {
			(void)close(fd);
			(void)unlinkat(dfd, tmp, 0);
		}
		(void)close(dfd);
		return -1;
	}
	write_all(f, ctx, t, last);
	/* The collector must never read half a file: complete and on disk
	 * before the rename. */
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f)) {
		qerr_set(err, errno, "%s/%s: %s", dir, tmp, strerror(errno));
		(void)fclose(f);
		(void)unlinkat(dfd, tmp, 0);
		(void)close(dfd);
		return -1;
	}
	if (fclose(f) != 0 || renameat(dfd, tmp, dfd, name) != 0) {
		qerr_set(err, errno, "%s: %s", path, strerror(errno));
		(void)unlinkat(dfd, tmp, 0);
		(void)close(dfd);
		return -1;
	}
	(void)sio_fsync_retry(dfd);
	(void)close(dfd);
	return 0;
}
