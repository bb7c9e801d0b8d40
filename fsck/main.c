/*
 * main.c - mqfsck: check sendmail mail queues.
 *
 * Process hygiene, options, and the passes over each set of queues:
 *   0  the path to each queue directory, the directory, its file system,
 *      whether sendmail runs (qdir.c)
 *   1  every entry of the queue directories (scan.c)
 *   2  the contents of every control file (scan.c, with format/qf.c)
 *   3  every job's files against the states sendmail leaves (jobs.c)
 *   4  lost+found (lostfound.c)
 * then the summary and an fsck(8) exit status.  This checker has no
 * struct sio_writer at all: nothing it runs can change the queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "esc.h"
#include "jobs.h"
#include "qdir.h"
#include "queues.h"
#include "scan.h"

#define MQFSCK_VERSION "0.2"
#define MAX_SENDMAIL_PIDS 256

static const char usage_text[] =
    "usage: mqfsck [-nqvV] [-c file]... [-o name=value]... [-g seconds]\n"
    "              [--owner user|queue-dir] [--assume-stopped] [--json]\n"
    "              [queue_dir ...]\n"
    "  -n            check only, change nothing (the default)\n"
    "  -c file       sendmail configuration to take the queues from\n"
    "                (repeatable; default /etc/mail/sendmail.cf and\n"
    "                /etc/mail/submit.cf; \"-c none\": built-in defaults)\n"
    "  -o name=value override a sendmail option (as sendmail -O does)\n"
    "  -g seconds    grace period for files in flight while sendmail runs\n"
    "                (default 600)\n"
    "  --owner user  expected owner of the queue files (\"queue-dir\": the\n"
    "                queue directory's owner), for trees not owned by root\n"
    "  --json        one JSON object per problem and a summary (mqfsck(8))\n"
    "  --assume-stopped  no sendmail runs (at boot): no file is in flight\n"
    "  --lost-found dir  look for lost queue files there, not in the\n"
    "                lost+found of each queue's file system\n"
    "  -q            problems only, no summary\n"
    "  -v            also list every job\n"
    "exit status: 0 clean, 4 problems left, 8 operational error, 16 usage\n";

/* usage - print the synopsis; exit with status */
static void
usage(FILE *f, int status)
{
	(void)fputs(usage_text, f);
	exit(status);
}

/* std_fds_open - keep fds 0-2 open, so no file becomes stdout by accident */
static void
std_fds_open(void)
{
	int fd;

	for (;;) {
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			exit(FSCK_ERROR);
		if (fd > 2) {
			(void)close(fd);
			return;
		}
		if (fcntl(fd, F_SETFD, 0) < 0)
			exit(FSCK_ERROR);
	}
}

struct options {
	struct fsck_opts fo;
	struct queue_opts qo;
	struct sys_paths sp;
};

/* push - append a string to a list */
static void
push(const char ***list, size_t *n, const char *s)
{
	const char **nl = realloc((void *)*list, (*n + 1) * sizeof(**list));

	if (nl == NULL) {
		(void)fprintf(stderr, "mqfsck: out of memory\n");
		exit(FSCK_ERROR);
	}
	nl[(*n)++] = s;
	*list = nl;
}

/* parse_grace - -g SECONDS */
static long long
parse_grace(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0) {
		(void)fprintf(stderr, "mqfsck: -g wants a number of seconds\n");
		exit(FSCK_USAGE);
	}
	return v;
}

/* parse_options - the command line */
static void
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "option", required_argument, NULL, 'o' },
		{ "grace", required_argument, NULL, 'g' },
		{ "owner", required_argument, NULL, 'U' },
		{ "json", no_argument, NULL, 'J' },
		{ "fstab", required_argument, NULL, 'F' },
		{ "mountinfo", required_argument, NULL, 'M' },
		{ "proc-locks", required_argument, NULL, 'L' },
		{ "assume-stopped", no_argument, NULL, 'S' },
		{ "lost-found", required_argument, NULL, 'K' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->fo.grace = 600;
	o->sp.fstab = "/etc/fstab";
	o->sp.mountinfo = "/proc/self/mountinfo";
	o->sp.locks = "/proc/locks";
	while ((ch = getopt_long(argc, argv, "c:g:hno:qvV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			/* The last word counts: "-c none -c file" is file. */
			if (strcmp(optarg, "none") == 0) {
				o->qo.no_config = true;
				o->qo.nconfigs = 0;
			} else {
				o->qo.no_config = false;
				push(&o->qo.configs, &o->qo.nconfigs, optarg);
			}
			break;
		case 'o':
			push(&o->qo.overrides, &o->qo.noverrides, optarg);
			break;
		case 'g':
			o->fo.grace = parse_grace(optarg);
			break;
		case 'U':
			o->qo.owner = optarg;
			break;
		case 'J':
			o->fo.format = OUT_JSON;
			break;
		case 'F':
			o->sp.fstab = optarg;
			break;
		case 'M':
			o->sp.mountinfo = optarg;
			break;
		case 'L':
			o->sp.locks = optarg;
			break;
		case 'S':
			o->fo.assume_stopped = true;
			break;
		case 'K':
			o->fo.lost_found = optarg;
			break;
		case 'n':
			break;
		case 'q':
			o->fo.quiet = true;
			break;
		case 'v':
			o->fo.verbose = true;
			break;
		case 'V':
			(void)printf("mqfsck %s\n", MQFSCK_VERSION);
			exit(FSCK_OK);
		case 'h':
			usage(stdout, FSCK_OK);
			break;
		default:
			usage(stderr, FSCK_USAGE);
		}
	}
	for (; optind < argc; optind++)
		push(&o->qo.dirs, &o->qo.ndirs, argv[optind]);
}

/* check_set - passes 0 to 4 over one set of queues */
static void
check_set(struct fsck_ctx *ctx, struct scan_env *env, struct qset *set,
    const struct sys_paths *sp)
{
	struct lf_wants wants;
	struct qerr err;
	size_t i;

	ctx->set = set;
	env->nsendmail = 0;
	/* -v: say which settings judge each queue (a directory that is no
	 * configuration's queue is judged by the first configuration). */
	if (ctx->opts.verbose && ctx->opts.format == OUT_HUMAN)
		for (i = 0; i < set->ndirs; i++)
			if (set->dirs[i].selected)
				(void)fprintf(ctx->out, "%s: settings from %s\n",
				    set->dirs[i].path, set->source);
	if (!ctx->opts.assume_stopped)
		sendmail_check(ctx, set, env->sendmail_pids, MAX_SENDMAIL_PIDS,
		    &env->nsendmail);
	lockset_free(&env->locks);
	if (lockset_load(&env->locks, sp->locks, &err) < 0)
		env->locks.loaded = false; /* probe each file instead */
	for (i = 0; i < set->ndirs; i++)
		if (set->dirs[i].selected)
			qdir_pass0(ctx, set, &set->dirs[i], sp);
	for (i = 0; i < set->ndirs; i++) {
		if (!set->dirs[i].reachable)
			continue;
		ctx->qd = &set->dirs[i];
		scan_qdir(ctx, env, set, (uint16_t)i);
	}
	/* Locks taken while the walk went on count too. */
	if (env->locks.loaded)
		(void)lockset_load(&env->locks, sp->locks, &err);
	memset(&wants, 0, sizeof(wants));
	jobs_pass(ctx, env, set, &wants);
	lostfound_pass(ctx, env, set, &wants);
	lf_wants_free(&wants);
	for (i = 0; i < set->ndirs; i++)
		qdir_close(&set->dirs[i]);
	ctx->set = NULL;
	ctx->qd = NULL;
}

/* summary_counts - "no-df 1, orphan-df 2" for problems or notices */
static void
summary_counts(const struct fsck_ctx *ctx, bool notices, char *out,
    size_t outsz)
{
	size_t o = 0;
	int i;

	out[0] = '\0';
	for (i = 0; i < PR_COUNT; i++) {
		const struct problem *p = problem_get((enum problem_id)i);
		int n;

		if (ctx->count[i] == 0 || ((p->flags & PRF_NOTICE) != 0) != notices)
			continue;
		n = snprintf(out + o, outsz - o, "%s%s %lu", o ? ", " : "",
		    p->name, ctx->count[i]);
		if (n < 0 || (size_t)n >= outsz - o)
			break;
		o += (size_t)n;
	}
}

/* print_summary - the last line(s) */
static void
print_summary(const struct fsck_ctx *ctx, size_t nqueues, double secs)
{
	char probs[2048], notes[2048];
	bool first;
	int i;

	summary_counts(ctx, false, probs, sizeof(probs));
	summary_counts(ctx, true, notes, sizeof(notes));
	if (ctx->opts.format == OUT_JSON) {
		(void)fprintf(ctx->out,
		    "{\"schema\":\"mqfsck/1\",\"type\":\"summary\",\"queues\":%zu,"
		    "\"jobs\":%lu,\"files\":%lu,\"problems\":%lu,\"notices\":%lu,"
		    "\"in_use\":%lu,\"in_flight\":%lu,\"errors\":%lu,\"by_name\":{",
		    nqueues, ctx->jobs, ctx->files, ctx->problems, ctx->notices,
		    ctx->in_use, ctx->in_flight, ctx->errors);
		for (i = 0, first = true; i < PR_COUNT; i++) {
			if (ctx->count[i] == 0)
				continue;
			(void)fprintf(ctx->out, "%s\"%s\":%lu", first ? "" : ",",
			    problem_get((enum problem_id)i)->name, ctx->count[i]);
			first = false;
		}
		(void)fprintf(ctx->out, "},\"seconds\":%.3f,\"exit\":%d}\n", secs,
		    ctx->status);
		return;
	}
	if (ctx->opts.quiet)
		return;
	(void)fprintf(ctx->out,
	    "mqfsck: %zu queue%s, %lu jobs, %lu files: %lu problem%s%s%s%s, "
	    "%lu notice%s%s%s%s; %lu in use, %lu in flight (%.3f s)\n",
	    nqueues, nqueues == 1 ? "" : "s", ctx->jobs, ctx->files,
	    ctx->problems, ctx->problems == 1 ? "" : "s",
	    probs[0] ? " (" : "", probs, probs[0] ? ")" : "", ctx->notices,
	    ctx->notices == 1 ? "" : "s", notes[0] ? " (" : "", notes,
	    notes[0] ? ")" : "", ctx->in_use, ctx->in_flight, secs);
}

int
main(int argc, char **argv)
{
	struct options o;
	struct fsck_ctx ctx;
	struct scan_env env;
	struct qset *sets = NULL;
	size_t nsets = 0, nqueues = 0, i, k;
	struct timespec t0, t1;
	long pids[MAX_SENDMAIL_PIDS];
	const char *tenv;

	std_fds_open();
	(void)umask(077);
	if (getuid() != geteuid() || getgid() != getegid()) {
		(void)fprintf(stderr, "mqfsck: refusing to run set-uid or set-gid\n");
		return FSCK_ERROR;
	}
	parse_options(argc, argv, &o);
	memset(&ctx, 0, sizeof(ctx));
	ctx.opts = o.fo;
	ctx.out = stdout;
	ctx.now = time(NULL);
	/*
	 * MQFSCK_TIME=<seconds since the epoch> fixes "now", so that the
	 * tests' ages and timeouts do not depend on the day they run
	 * (e2fsprogs' E2FSCK_TIME).
	 */
	if ((tenv = getenv("MQFSCK_TIME")) != NULL) {
		char *end;
		long long t;

		errno = 0;
		t = strtoll(tenv, &end, 10);
		if (errno == 0 && *end == '\0' && t > 0)
			ctx.now = (time_t)t;
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&env, 0, sizeof(env));
	qf_init(&env.qf);
	lockset_init(&env.locks);
	env.sendmail_pids = pids;
	if (queues_resolve(&ctx, &o.qo, &sets, &nsets) == 0) {
		for (i = 0; i < nsets; i++) {
			for (k = 0; k < sets[i].ndirs; k++)
				nqueues += sets[i].dirs[k].selected;
			check_set(&ctx, &env, &sets[i], &o.sp);
		}
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	print_summary(&ctx, nqueues,
	    (double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	queues_free(sets, nsets);
	qf_free(&env.qf);
	sio_buf_free(&env.buf);
	lockset_free(&env.locks);
	free((void *)o.qo.configs);
	free((void *)o.qo.overrides);
	free((void *)o.qo.dirs);
	if (fflush(stdout) != 0) {
		(void)fprintf(stderr, "mqfsck: writing the report: %s\n",
		    strerror(errno));
		ctx.status |= FSCK_ERROR;
	}
	return ctx.status;
}
