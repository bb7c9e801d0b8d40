/*
 * main.c - mqfsck: check sendmail mail queues.
 *
 * Process hygiene, options, and the passes over each set of queues:
 *   0  the path to each queue directory, the directory, its file system,
 *      whether sendmail runs (pass0_qdir.c)
 *   1  every entry of the queue directories (pass1_scan.c)
 *   2  the contents of every control file (pass1_scan.c, with format/qf.c)
 *   3  every job's files against the states sendmail leaves (pass3_jobs.c)
 *   4  lost+found (pass4_lostfound.c)
 * With -p, -y, or answers on a terminal, the fixes decided during the
 * passes are then made (repair/repair.c: archive, commit, apply), and
 * each set that was changed is checked again, silently, to count what
 * is left.  Then the summary and an fsck(8) exit status.  A check (-n)
 * has no struct sio_writer at all: nothing it runs can change anything.
 * --list and --restore read an archive instead (repair/arc_list.c, arc_restore.c).
 * Around the passes: progress (-C, the terminal bar: progress.c), every
 * record said by report.c (the line for people, JSON, syslog through
 * logsys.c, metrics through metrics.c), and signals, which stop a run at the next safe point with status 32.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arc.h"
#include "archive_cmd.h"
#include "pass3_jobs.h"
#include "logsys.h"
#include "pass4_lostfound.h"
#include "plan.h"
#include "pass0_qdir.h"
#include "queues.h"
#include "repair.h"
#include "report_ci.h"
#include "sysinfo.h"
#include "problem.h"
#include "report.h"
#include "shape.h"
#include "pass1_scan.h"
#include "scanahead.h"
#include <sys/file.h>

#define MQFSCK_VERSION "0.2"
#define MAX_SENDMAIL_PIDS 256

static const char usage_text[] =
    "usage: mqfsck [-n | -p | -y] [-fqvV] [-a dir] [-c file]... [-o name=value]...\n"
    "              [-O name=value]... [--max-lines n] [--metrics-file path]\n"
    "              [--only code,...] [--skip code,...] [--job id | --job -]...\n"
    "              [--show id]... [--shape] [--release id]... [--rejuvenate id]...\n"
    "              [-g seconds] [--time-limit seconds] [--owner user|queue-dir]\n"
    "              [--adopt-owner user] [--assume-stopped] [--remove-foreign]\n"
    "              [--key file] [--tf-newer promote|keep] [-C fd] [--scan-threads n]\n"
    "              [--syslog | --no-syslog] [--fixture]\n"
    "              [--json | --format human|json|prometheus|junit|tap]\n"
    "              [queue_dir ...]\n"
    "       mqfsck --list archive\n"
    "       mqfsck --restore archive [-n] [--restore-unverified] [queue_dir]\n"
    "  -n            check only, change nothing (the default with --json or\n"
    "                --format; with neither, off a terminal: an error)\n"
    "  -p            preen: make the fixes that are safe without a human\n"
    "  -y            make every fix there is\n"
    "                (neither, on a terminal: ask before each fix)\n"
    "  -f            repair even while sendmail runs (jobs it holds are\n"
    "                always left alone)\n"
    "  -a dir        the archive directory (default " DEFAULT_ARCHIVE_DIR ")\n"
    "  -c file       sendmail configuration to take the queues from\n"
    "                (repeatable; default /etc/mail/sendmail.cf and\n"
    "                /etc/mail/submit.cf; \"-c none\": built-in defaults)\n"
    "  -o name=value override a sendmail option (as sendmail -O does); also\n"
    "                sendmail's -oXvalue (-oQ/var/spool/mqueue)\n"
    "  -O name=value the same, as sendmail -O\n"
    "  -g seconds    grace period for files in flight while sendmail runs\n"
    "                (default 600)\n"
    "  --time-limit seconds  stop at a safe point after that long (exit 8);\n"
    "                0: no limit (the default, except -p: " MQ_STR(MQ_PREEN_TIME_LIMIT) ")\n"
    "  --owner user  expected owner of the queue files (\"queue-dir\": the\n"
    "                queue directory's owner), for trees not owned by root\n"
    "  --adopt-owner user  take control files of that user (or writable by\n"
    "                others) as the queue's own, after a restore with the\n"
    "                wrong owner: -y or questions only, never -p\n"
    "  --tf-newer promote|keep  a complete tf newer than its qf: promote it\n"
    "                (the default: what sendmail meant) or keep the qf\n"
    "  --json        one JSON object per problem and fix, and a summary\n"
    "  --format prometheus  only node_exporter textfile metrics, at the end\n"
    "  --format junit|tap  for CI: a test case per job and per queue path,\n"
    "                failed by its problems (JUnit XML or TAP)\n"
    "  --fixture     a tree in CI: -n -c none --owner queue-dir\n"
    "  --metrics-file path  also write those metrics to path (atomically),\n"
    "                whatever the exit status\n"
    "  --syslog      problems and fixes also to syslog, facility mail (on\n"
    "                under -p; --no-syslog turns it off)\n"
    "  -C fd         progress lines (\"pass current total queue\") on fd;\n"
    "                -C 0: a progress bar on the terminal from the start;\n"
    "                -C file (not a number): a configuration, as -c\n"
    "  --assume-stopped  no sendmail runs (at boot): no file is in flight\n"
    "  --remove-foreign  -y and questions archive and remove files that are\n"
    "                not sendmail's (without it they are only reported)\n"
    "  --lost-found dir  look for lost queue files there, not in the\n"
    "                lost+found of each queue's file system\n"
    "  --list archive     what an archive holds, each file checked\n"
    "  --restore archive  put the archived files back; in place, undo the\n"
    "                repair that wrote it (-n: say what it would do)\n"
    "  --restore-unverified  restore an archive this host's key did not sign\n"
    "  --key file    the host key that signs archives (default\n"
    "                " ARC_DEFAULT_KEY ", made on first use)\n"
    "  -q            problems only, no summary\n"
    "  -v            also list every job, and every line of each problem\n"
    "  --only code   only those problems (names or numbers, comma-separated,\n"
    "                repeatable): reported, counted, fixed, in the status\n"
    "  --skip code   all but those\n"
    "  --job id      only that job (repeatable; \"--job -\": IDs on standard\n"
    "                input, one per line); findings about the queue itself\n"
    "                are reported, not fixed\n"
    "  --release id  a lost job (Qf) back to qf, if sendmail would run it as\n"
    "                written (checked; with -y; the run is about that job)\n"
    "  --rejuvenate id  the job's T line moved to now, so Timeout.queuereturn\n"
    "                counts from now (archived, rewritten as sendmail does)\n"
    "  --shape       jobs by recipient domain and age (as Postfix's qshape),\n"
    "                after the check; only reads\n"
    "  --show id     the job (repeatable): its files, state, age, sender,\n"
    "                recipients, status and problems, for a human (a check)\n"
    "  --max-lines n  at most n lines per problem code, and per outcome\n"
    "                of its fixes (default 10; -v or 0: all); the summary\n"
    "                says how many more there were\n"
    "  --scan-threads n  threads that look up and read the entries ahead of\n"
    "                the scan: many disk requests at once, every CPU (default "
    MQ_STR(MQ_SCAN_THREADS) ";\n"
    "                0: none); what is checked and said is the same\n"
    "exit status: 0 clean, 1 fixed (nothing left), 4 problems left,\n"
    "8 operational error, 16 usage, 32 interrupted\n";

/*
 * refuse_check - a queue directory that is not a queue, or whose path
 * others could replace (pass0_qdir.c sets qd->refuse), is checked but never
 * repaired: no fix is decided for its set, and the run ends in an
 * operational error (8), since the configuration or the system needs an
 * administrator first
 */
static void
refuse_check(struct fsck_ctx *ctx, struct qset *set, struct qdir *qd)
{
	char why[400];

	if (qd->refuse == NULL || ctx->rechecking || ctx->plan == NULL ||
	    set->refused)
		return;
	set->refused = true;
	set->repair_ok = ctx->repair_ok = false;
	(void)snprintf(why, sizeof(why),
	    "not repaired: %s; nothing of this configuration's queues is changed",
	    qd->refuse);
	ctx_error(ctx, qd->path, why);
}

/*
 * not_mostly_foreign - after pass 1: a directory holding mostly what
 * sendmail never writes is not a queue (QueueDirectory=/etc by a typo),
 * and one only a wildcard names that holds no queue file at all is not
 * known to be one (QueueDirectory=/var/spool/\* takes cron's and lpd's):
 * what was decided for its set is not made (repair.c skips a refused
 * set)
 */
static void
not_mostly_foreign(struct fsck_ctx *ctx, struct qset *set, struct qdir *qd)
{
	struct pctx pc;

	if (qd->refuse != NULL)
		return;
	if (qd->nforeign > 8 && qd->nforeign > qd->nqueue) {
		qd->refuse = "most of what it holds is not sendmail's";
		pctx_init(&pc);
		pc.str = qd->refuse;
		(void)pr_fix(ctx, PR_0_NOT_A_QUEUE, &pc);
		refuse_check(ctx, set, qd);
	} else if (qd->wild && qd->nqueue == 0) {
		/* Said only where a fix would have changed it. */
		qd->refuse = "only a wildcard names it, and it holds no queue file";
	}
}

/*
 * run_size_check - after pass 1: a queue group holding more jobs (qf
 * files) than MaxQueueRunSize lets one queue run through (queue.c
 * gatherq() stops there, after sorting): the others wait, which on a
 * clogged queue can be most of them.  Counted per group, whose
 * directories one run gathers together.
 */
static void
run_size_check(struct fsck_ctx *ctx, const struct qset *set)
{
	long long cap = set->pol.max_queue_run_size;
	unsigned long long n;
	struct pctx pc;
	size_t i, k;

	if (cap <= 0)
		return;
	for (i = 0; i < set->ndirs; i++) {
		if (!set->dirs[i].reachable)
			continue;
		for (k = 0; k < i; k++)
			if (set->dirs[k].reachable &&
			    strcmp(set->dirs[k].group, set->dirs[i].group) == 0)
				break;
		if (k < i)
			continue; /* the group was counted at its first */
		for (n = 0, k = i; k < set->ndirs; k++)
			if (set->dirs[k].reachable &&
			    strcmp(set->dirs[k].group, set->dirs[i].group) == 0)
				n += set->dirs[k].nqf;
		if (n <= (unsigned long long)cap)
			continue;
		pctx_init(&pc);
		pc.str = set->dirs[i].group;
		pc.num = (long long)n;
		pc.num2 = cap;
		ctx->qd = &set->dirs[i];
		(void)pr_fix(ctx, PR_1_RUN_SIZE, &pc);
	}
	ctx->qd = NULL;
}

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
	bool mode_given;	/* -n, -p or -y */
	const char *list;	/* --list ARCHIVE */
	const char *restore;	/* --restore ARCHIVE */
	char **owned;		/* strings made here (override_arg()) */
	size_t nowned;
};

/* options_free - what parse_options() allocated */
static void
options_free(struct options *o)
{
	size_t i;

	for (i = 0; i < o->nowned; i++)
		free(o->owned[i]);
	free(o->owned);
	free((void *)o->qo.dirs);
	free((void *)o->qo.configs);
	free((void *)o->qo.overrides);
	select_free(&o->fo.sel);
	select_free(&o->fo.release);
	select_free(&o->fo.rejuvenate);
}

/* set_mode - -n, -p or -y; more than one is a usage error */
static void
set_mode(struct options *o, enum fix_mode m)
{
	if (o->mode_given && o->fo.fixmode != m) {
		(void)fprintf(stderr, "mqfsck: -n, -p and -y exclude each other\n");
		exit(FSCK_USAGE);
	}
	o->mode_given = true;
	o->fo.fixmode = m;
}

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

/*
 * parse_count - a whole number from 0 to max, written in full (no sign
 * other than none, no trailing bytes), or a usage error saying `want`
 */
static long long
parse_count(const char *s, long long max, const char *want)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0 || v > max) {
		(void)fprintf(stderr, "mqfsck: %s\n", want);
		exit(FSCK_USAGE);
	}
	return v;
}

/* parse_grace - -g SECONDS */
static long long
parse_grace(const char *s)
{
	return parse_count(s, LLONG_MAX, "-g wants a number of seconds");
}

/* parse_time_limit - --time-limit SECONDS (a fraction allowed) */
static double
parse_time_limit(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0 && v < 1e12)) {
		(void)fprintf(stderr, "mqfsck: --time-limit wants a number of seconds (0: no limit)\n");
		exit(FSCK_USAGE);
	}
	return v;
}

/* parse_max_lines - --max-lines N (0: every line) */
static long
parse_max_lines(const char *s)
{
	return (long)parse_count(s, LONG_MAX,
	    "--max-lines wants a number of lines (0: all)");
}

/* parse_scan_threads - --scan-threads N (0: the scan reads alone) */
static unsigned
parse_scan_threads(const char *s)
{
	return (unsigned)parse_count(s, MQ_SCAN_THREADS_MAX,
	    "--scan-threads wants a number of threads, 0 to " MQ_STR(MQ_SCAN_THREADS_MAX));
}

/* parse_progress_fd - -C FD */
static int
parse_progress_fd(const char *s)
{
	long v = (long)parse_count(s, 1023, "-C wants a file descriptor number");

	if (v > 0 && fcntl((int)v, F_GETFD) < 0) {
		(void)fprintf(stderr, "mqfsck: -C %ld: not an open file descriptor\n", v);
		exit(FSCK_USAGE);
	}
	if (v == 1 || v == 2) {
		(void)fprintf(stderr, "mqfsck: -C %ld: progress would mix with the report; use another descriptor, or -C 0 for a bar\n", v);
		exit(FSCK_USAGE);
	}
	return (int)v;
}

/* parse_format - --format NAME */
static enum out_format
parse_format(const char *s)
{
	if (strcmp(s, "human") == 0)
		return OUT_HUMAN;
	if (strcmp(s, "json") == 0)
		return OUT_JSON;
	if (strcmp(s, "prometheus") == 0)
		return OUT_PROMETHEUS;
	if (strcmp(s, "junit") == 0)
		return OUT_JUNIT;
	if (strcmp(s, "tap") == 0)
		return OUT_TAP;
	(void)fprintf(stderr, "mqfsck: --format wants human, json, prometheus, junit or tap\n");
	exit(FSCK_USAGE);
}

/* repair_option - an option of the repairs or the archive */
static void
repair_option(int ch, const char *arg, struct options *o)
{
	switch (ch) {
	case 'n':
		set_mode(o, FIXMODE_NO);
		break;
	case 'p':
		set_mode(o, FIXMODE_PREEN);
		break;
	case 'y':
		set_mode(o, FIXMODE_YES);
		break;
	case 'f':
		o->fo.force = true;
		break;
	case 'a':
		o->fo.archive_dir = arg;
		break;
	case 'T':
		if (strcmp(arg, "promote") == 0)
			o->fo.tf_newer = TF_NEWER_PROMOTE;
		else if (strcmp(arg, "keep") == 0)
			o->fo.tf_newer = TF_NEWER_KEEP_QF;
		else {
			(void)fprintf(stderr,
			    "mqfsck: --tf-newer wants promote or keep\n");
			exit(FSCK_USAGE);
		}
		break;
	case 'l':
		o->list = arg;
		break;
	case 'r':
		o->restore = arg;
		break;
	case 'k':
		o->fo.key_path = arg;
		break;
	case 'u':
		o->fo.restore_unverified = true;
		break;
	default:
		BUG("repair_option: %c", ch);
	}
}

static void queue_option(int ch, const char *arg, struct options *o);

/* output_option - an option of the report: format, syslog, progress */
static void
output_option(int ch, const char *arg, struct options *o)
{
	switch (ch) {
	case 'J':
		o->fo.format = OUT_JSON;
		break;
	case 'P':
		o->fo.metrics_file = arg;
		break;
	case 'X':
		o->fo.format = parse_format(arg);
		break;
	case 'Y':
		o->fo.syslog = 1;
		break;
	case 'N':
		o->fo.syslog = 0;
		break;
	case 'W':
		o->fo.max_lines = parse_max_lines(arg);
		break;
	case 'C':
		/* fsck(8)'s -C FD, or sendmail's -C file: a configuration */
		if (arg[0] != '\0' && strspn(arg, "0123456789") == strlen(arg))
			o->fo.progress_fd = parse_progress_fd(arg);
		else
			queue_option('c', arg, o);
		break;
	default:
		BUG("output_option: %c", ch);
	}
}

/*
 * select_option - --only and --skip CODE[,CODE...] (names or numbers),
 * --job ID, or --job - for IDs on standard input (one per line, as
 * postsuper(1) takes them; at most MQ_MAX_JOB_IDS)
 */
#define MQ_MAX_JOB_IDS 1000000
static void
select_option(int ch, const char *arg, struct options *o)
{
	struct selection *sel = &o->fo.sel;
	unsigned long bad = 0;
	char one[128];
	const char *p = arg;
	size_t n;

	if (ch == 'j' && strcmp(arg, "-") == 0) {
		if (select_jobs_from(sel, stdin, MQ_MAX_JOB_IDS, &bad) == 0)
			return;
		if (bad > 0)
			(void)fprintf(stderr, "mqfsck: --job -: line %lu of standard input is not a queue id\n", bad);
		else
			(void)fprintf(stderr, "mqfsck: --job -: more than %d IDs, or no memory, or standard input unreadable\n", MQ_MAX_JOB_IDS);
		exit(FSCK_USAGE);
	}
	if (ch == 'j' || ch == 'w' || ch == 'E' || ch == 'G') {
		/* --release and --rejuvenate limit the run to their jobs. */
		if (select_job(sel, arg) < 0 ||
		    (ch == 'E' && select_job(&o->fo.release, arg) < 0) ||
		    (ch == 'G' && select_job(&o->fo.rejuvenate, arg) < 0)) {
			(void)fprintf(stderr, "mqfsck: --%s %s: not a queue id\n",
			    ch == 'j' ? "job" : ch == 'w' ? "show"
			    : ch == 'E' ? "release" : "rejuvenate", arg);
			exit(FSCK_USAGE);
		}
		/* --show only reads: a check of the jobs named. */
		o->fo.show = o->fo.show || ch == 'w';
		return;
	}
	for (;;) {
		n = strcspn(p, ",");
		if (n == 0 || n >= sizeof(one)) {
			(void)fprintf(stderr, "mqfsck: --%s wants problem names or codes, separated by commas\n",
			    ch == 'e' ? "only" : "skip");
			exit(FSCK_USAGE);
		}
		memcpy(one, p, n);
		one[n] = '\0';
		if (select_code(sel, one, ch == 'e') < 0) {
			(void)fprintf(stderr, "mqfsck: --%s %s: no such problem (mqfsck(8), PROBLEMS, lists them)\n",
			    ch == 'e' ? "only" : "skip", one);
			exit(FSCK_USAGE);
		}
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
}

/* system_option - where the facts about the system come from */
static void
system_option(int ch, const char *arg, struct options *o)
{
	switch (ch) {
	case 'F':
		o->sp.fstab = arg;
		break;
	case 'M':
		o->sp.mountinfo = arg;
		break;
	case 'L':
		o->sp.locks = arg;
		break;
	case 'S':
		o->fo.assume_stopped = true;
		break;
	case 'R':
		o->fo.remove_foreign = true;
		break;
	case 'K':
		o->fo.lost_found = arg;
		break;
	default:
		BUG("system_option: %c", ch);
	}
}

/*
 * override_arg - an -o argument as queues.h keeps it: "Name=value" (a
 * name longer than one byte before '=', as -O takes it) stays; anything
 * else is sendmail's own -oXvalue, option letter X ("-oQ/var/spool/mq",
 * "-oT5d"; one '=' after the letter is dropped), kept as "=Xvalue"
 */
static const char *
override_arg(struct options *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq != NULL ? (size_t)(eq - arg) : 0;
	const char *value = arg[0] != '\0' ? arg + 1 + (arg[1] == '=') : arg;
	size_t vl = strlen(value);
	char *letter, **no;

	while (n > 0 && (arg[n - 1] == ' ' || arg[n - 1] == '\t'))
		n--;
	if (eq != NULL && n > 1)
		return arg;
	if (arg[0] == '\0') {
		(void)fprintf(stderr, "mqfsck: -o wants an option: -oXvalue or -o Name=value\n");
		exit(FSCK_USAGE);
	}
	/* Freed with the options (options_free()). */
	no = realloc(o->owned, (o->nowned + 1) * sizeof(*no));
	if (no != NULL)
		o->owned = no;
	if (no == NULL || (letter = malloc(vl + 3)) == NULL) {
		(void)fprintf(stderr, "mqfsck: out of memory\n");
		exit(FSCK_ERROR);
	}
	letter[0] = '=';
	letter[1] = arg[0];
	memcpy(letter + 2, value, vl + 1);
	o->owned[o->nowned++] = letter;
	return letter;
}

/* queue_option - which queues, their settings, owners and times */
static void
queue_option(int ch, const char *arg, struct options *o)
{
	switch (ch) {
	case 'c':
		/* The last word counts: "-c none -c file" is file. */
		if (strcmp(arg, "none") == 0) {
			o->qo.no_config = true;
			o->qo.nconfigs = 0;
		} else {
			o->qo.no_config = false;
			push(&o->qo.configs, &o->qo.nconfigs, arg);
		}
		break;
	case 'o':
		push(&o->qo.overrides, &o->qo.noverrides, override_arg(o, arg));
		break;
	case 'O':
		/* sendmail's -O Name=value */
		push(&o->qo.overrides, &o->qo.noverrides, arg);
		break;
	case 'g':
		o->fo.grace = parse_grace(arg);
		break;
	case 't':
		o->fo.time_limit = parse_time_limit(arg);
		break;
	case 'U':
		o->qo.owner = arg;
		break;
	case 'Q':
		/* --fixture: a tree in CI, owned by whoever made it, checked
		 * as strictly as a queue, against sendmail's defaults (a -c or
		 * --owner after it says otherwise) and changing nothing. */
		set_mode(o, FIXMODE_NO);
		o->qo.no_config = true;
		o->qo.nconfigs = 0;
		o->qo.owner = "queue-dir";
		break;
	case 'A':
		o->qo.adopt = arg;
		break;
	default:
		BUG("queue_option: %c", ch);
	}
}

/* The long options; each is a short option's value in parse_options(). */
static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "option", required_argument, NULL, 'o' },
	{ "grace", required_argument, NULL, 'g' },
	{ "time-limit", required_argument, NULL, 't' },
	{ "owner", required_argument, NULL, 'U' },
	{ "fixture", no_argument, NULL, 'Q' },
	{ "adopt-owner", required_argument, NULL, 'A' },
	{ "json", no_argument, NULL, 'J' },
	{ "metrics-file", required_argument, NULL, 'P' },
	{ "max-lines", required_argument, NULL, 'W' },
	{ "scan-threads", required_argument, NULL, 'H' },
	{ "only", required_argument, NULL, 'e' },
	{ "skip", required_argument, NULL, 's' },
	{ "job", required_argument, NULL, 'j' },
	{ "show", required_argument, NULL, 'w' },
	{ "shape", no_argument, NULL, 'Z' },
	{ "release", required_argument, NULL, 'E' },
	{ "rejuvenate", required_argument, NULL, 'G' },
	{ "format", required_argument, NULL, 'X' },
	{ "syslog", no_argument, NULL, 'Y' },
	{ "no-syslog", no_argument, NULL, 'N' },
	{ "progress-fd", required_argument, NULL, 'C' },
	{ "fstab", required_argument, NULL, 'F' },
	{ "mountinfo", required_argument, NULL, 'M' },
	{ "proc-locks", required_argument, NULL, 'L' },
	{ "assume-stopped", no_argument, NULL, 'S' },
	{ "remove-foreign", no_argument, NULL, 'R' },
	{ "lost-found", required_argument, NULL, 'K' },
	{ "archive-dir", required_argument, NULL, 'a' },
	{ "force", no_argument, NULL, 'f' },
	{ "preen", no_argument, NULL, 'p' },
	{ "yes", no_argument, NULL, 'y' },
	{ "no", no_argument, NULL, 'n' },
	{ "tf-newer", required_argument, NULL, 'T' },
	{ "list", required_argument, NULL, 'l' },
	{ "restore", required_argument, NULL, 'r' },
	{ "key", required_argument, NULL, 'k' },
	{ "restore-unverified", no_argument, NULL, 'u' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* parse_options - the command line */
static void
parse_options(int argc, char **argv, struct options *o)
{
	int ch;

	memset(o, 0, sizeof(*o));
	o->fo.grace = 600;
	o->fo.time_limit = -1;
	o->fo.syslog = -1;
	o->fo.progress_fd = -1;
	o->fo.max_lines = -1;
	o->fo.scan_threads = MQ_SCAN_THREADS;
	o->sp.fstab = SYSINFO_FSTAB;
	o->sp.mountinfo = "/proc/self/mountinfo";
	o->sp.locks = "/proc/locks";
	while ((ch = getopt_long(argc, argv, "a:C:c:fg:hno:O:pqvVy", longopts,
		    NULL)) != -1) {
		switch (ch) {
		case 'c':
		case 'o':
		case 'O':
		case 'g':
		case 't':
		case 'U':
		case 'Q':
		case 'A':
			queue_option(ch, optarg, o);
			break;
		case 'J':
		case 'P':
		case 'X':
		case 'Y':
		case 'N':
		case 'C':
		case 'W':
			output_option(ch, optarg, o);
			break;
		case 'F':
		case 'M':
		case 'L':
		case 'S':
		case 'R':
		case 'K':
			system_option(ch, optarg, o);
			break;
		case 'n':
		case 'p':
		case 'y':
		case 'f':
		case 'a':
		case 'T':
		case 'l':
		case 'r':
		case 'k':
		case 'u':
			repair_option(ch, optarg, o);
			break;
		case 'Z':
			o->fo.shape = true;
			break;
		case 'H':
			o->fo.scan_threads = parse_scan_threads(optarg);
			break;
		case 'e':
		case 's':
		case 'j':
		case 'w':
		case 'E':
		case 'G':
			select_option(ch, optarg, o);
			break;
		case 'q':
			o->fo.quiet = true;
			break;
		case 'v':
			o->fo.verbose = true;
			break;
		case 'V':
			(void)printf("mqfsck %s\nsysconfdir %s\nlocalstatedir %s\nrunstatedir %s\narchive %s\n",
			    MQFSCK_VERSION, MQ_SYSCONFDIR, MQ_LOCALSTATEDIR,
			    MQ_RUNSTATEDIR, DEFAULT_ARCHIVE_DIR);
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
	select_done(&o->fo.sel);
	select_done(&o->fo.release);
	select_done(&o->fo.rejuvenate);
	/* Running a lost job again, or giving a job more time, is an
	 * administrator's decision: never the boot's preen. */
	if ((o->fo.release.nids > 0 || o->fo.rejuvenate.nids > 0) &&
	    o->mode_given && o->fo.fixmode == FIXMODE_PREEN) {
		(void)fprintf(stderr, "mqfsck: --release and --rejuvenate are an administrator's decision: use them with -y or at a terminal, not with -p\n");
		exit(FSCK_USAGE);
	}
	if (o->fo.show || o->fo.shape) {
		if (o->mode_given && o->fo.fixmode != FIXMODE_NO) {
			(void)fprintf(stderr, "mqfsck: --%s only reads: use it without -p or -y\n",
			    o->fo.show ? "show" : "shape");
			exit(FSCK_USAGE);
		}
		set_mode(o, FIXMODE_NO);
	}
	/* Making files trusted again is an administrator's decision, made
	 * at a terminal or with -y, never by the boot's preen. */
	if (o->qo.adopt != NULL && o->mode_given &&
	    o->fo.fixmode == FIXMODE_PREEN) {
		(void)fprintf(stderr, "mqfsck: --adopt-owner is an administrator's decision: use it with -y or at a terminal, not with -p\n");
		exit(FSCK_USAGE);
	}
}

/*
 * own_lock - mqfsck's own lock on a queue directory it may repair: an
 * flock on a duplicate of its fd, held to the end of the run, so that
 * two runs never repair one queue at once (sendmail never locks the
 * directory itself)
 */
static bool
own_lock(struct fsck_ctx *ctx, struct qdir *qd)
{
	if (qd->lockfd >= 0)
		return true;
	qd->lockfd = fcntl(qd->fd, F_DUPFD_CLOEXEC, 0);
	if (qd->lockfd >= 0 && flock(qd->lockfd, LOCK_EX | LOCK_NB) == 0)
		return true;
	ctx_error(ctx, qd->path,
	    errno == EWOULDBLOCK ? "another mqfsck is repairing this queue: it is checked, not repaired"
				 : "cannot lock the queue directory: it is checked, not repaired");
	if (qd->lockfd >= 0)
		(void)close(qd->lockfd);
	qd->lockfd = -1;
	return false;
}

/* run_passes - passes 0 to 4 over one set of queues */
static void
run_passes(struct fsck_ctx *ctx, struct scan_env *env, struct qset *set,
    const struct sys_paths *sp)
{
	static bool said_running;
	struct qerr err;
	unsigned long before = ctx->problems;
	size_t i;

	ctx->set = set;
	ctx->plan = ctx->rechecking ? NULL : set->plan;
	env->nsendmail = 0;
	/* -v: say which settings judge each queue (a directory that is no
	 * configuration's queue is judged by the first configuration). */
	if (ctx->opts.verbose && ctx->opts.format == OUT_HUMAN && !ctx->rechecking)
		for (i = 0; i < set->ndirs; i++)
			if (set->dirs[i].selected)
				(void)fprintf(ctx->out, "%s: settings from %s\n",
				    set->dirs[i].path, set->source);
	if (!ctx->opts.assume_stopped)
		sendmail_check(ctx, set, env->sendmail_pids, MAX_SENDMAIL_PIDS,
		    &env->nsendmail);
	if (!ctx->rechecking) {
		set->repair_ok = ctx->plan != NULL;
		/* A running daemon blocks repairs unless -f. */
		if (set->repair_ok && ctx->sendmail_may_run && !ctx->opts.force) {
			set->repair_ok = false;
			if (!said_running)
				ctx_warn(ctx, "mqfsck",
				    "sendmail is running: checking only, nothing is repaired (-f repairs anyway, and still leaves alone every job sendmail holds)");
			said_running = true;
		}
		ctx->repair_ok = set->repair_ok;
	}
	lockset_free(&env->locks);
	if (lockset_load(&env->locks, sp->locks, &err) < 0)
		env->locks.loaded = false; /* probe each file instead */
	for (i = 0; i < set->ndirs; i++) {
		if (!set->dirs[i].selected)
			continue;
		pass0_qdir(ctx, set, &set->dirs[i], sp);
		refuse_check(ctx, set, &set->dirs[i]);
		if (set->repair_ok && set->dirs[i].reachable && !ctx->rechecking &&
		    !own_lock(ctx, &set->dirs[i]))
			set->repair_ok = ctx->repair_ok = false;
	}
	for (i = 0; i < set->ndirs; i++) {
		if (!set->dirs[i].reachable)
			continue;
		ctx->qd = &set->dirs[i];
		/* Every queue checked has its line and metrics, empty or not. */
		(void)ctx_tally(ctx, set->dirs[i].path, true);
		pass1_scan(ctx, env, set, (uint16_t)i);
		not_mostly_foreign(ctx, set, &set->dirs[i]);
	}
	if (!ctx->rechecking)
		run_size_check(ctx, set);
	/* Locks taken while the walk went on count too. */
	if (env->locks.loaded)
		(void)lockset_load(&env->locks, sp->locks, &err);
	/* Pass 4 first: lost+found's files join their jobs, so that pass 3
	 * judges each job whole. */
	pass4_lostfound(ctx, env, set);
	pass3_jobs(ctx, env, set);
	if (!ctx->rechecking)
		set->problems = ctx->problems - before;
	ctx->set = NULL;
	ctx->qd = NULL;
	ctx->plan = NULL;
}

/* close_set - close every fd of the set's queue directories */
static void
close_set(struct qset *set)
{
	size_t i;

	for (i = 0; i < set->ndirs; i++)
		qdir_close(&set->dirs[i]);
	lostfound_free(set);
}

/*
 * recheck - after repairs, the set's passes again, silently: what is
 * left decides the exit status (the counts of the first check stay)
 */
static void
recheck(struct fsck_ctx *ctx, struct scan_env *env, struct qset *set,
    const struct sys_paths *sp)
{
	struct fsck_ctx saved = *ctx;
	size_t i;

	close_set(set);
	index_free(&set->idx);
	index_init(&set->idx);
	for (i = 0; i < set->ndirs; i++) {
		set->dirs[i].unread = 0;
		set->dirs[i].reachable = false;
	}
	ctx->rechecking = true;
	ctx->left = 0;
	/* The recheck's claims on lost+found are its own. */
	ctx->lf_claimed = NULL;
	ctx->nlf_claimed = ctx->caplf_claimed = 0;
	run_passes(ctx, env, set, sp);
	set->left = ctx->left;
	/* A recheck cut short counts what the check found, not less. */
	set->rechecked = mq_interrupted == MQ_STOP_NONE;
	saved.sendmail_may_run = ctx->sendmail_may_run;
	free(ctx->lf_claimed);
	*ctx = saved;
}

/* fixes_made - the set's plan made at least one change */
static bool
fixes_made(const struct qset *set)
{
	uint32_t i;

	if (set->plan == NULL)
		return false;
	for (i = 0; i < set->plan->nfixes; i++)
		if (set->plan->fixes[i].result == FIXR_FIXED)
			return true;
	return false;
}

/* The repair reports through these (repair.h struct repair_report): to
 * the run's report, its progress and its stop rule. */
static void
rep_fixed(void *cookie, const char *queue, enum problem_id id,
    const char *idtext, const char *msg, enum fix_result result,
    const char *what)
{
	pr_fixed(cookie, queue, id, idtext, msg, result, what);
}

static void
rep_error(void *cookie, const char *what, const char *why)
{
	ctx_error(cookie, what, why);
}

static void
rep_warn(void *cookie, const char *what, const char *why)
{
	ctx_warn(cookie, what, why);
}

static void
rep_progress_begin(void *cookie, const char *where, unsigned long total)
{
	struct fsck_ctx *ctx = cookie;

	progress_pass(&ctx->progress, PROGRESS_REPAIRS, where, total);
}

static void
rep_progress_step(void *cookie, unsigned long done)
{
	struct fsck_ctx *ctx = cookie;

	progress_step(&ctx->progress, done);
}

static void
rep_progress_end(void *cookie)
{
	struct fsck_ctx *ctx = cookie;

	progress_end(&ctx->progress);
}

static const char *
rep_stop(void *cookie)
{
	(void)cookie;
	return stop_requested() ? stop_why() : NULL;
}

/* repair_run - make the repairs the check planned, reporting to ctx */
static unsigned long
repair_run(struct fsck_ctx *ctx, struct qset *sets, size_t nsets,
    struct repair_summary *rs)
{
	const struct repair_env env = {
		.writer = ctx->writer,
		.now = ctx->now,
		.archive_dir = ctx->opts.archive_dir,
		.key_path = ctx->opts.key_path,
		.rep = {
			.cookie = ctx,
			.fixed = rep_fixed,
			.error = rep_error,
			.warn = rep_warn,
			.progress_begin = rep_progress_begin,
			.progress_step = rep_progress_step,
			.progress_end = rep_progress_end,
			.stop = rep_stop,
		},
	};

	return repair_sets(&env, sets, nsets, rs);
}

/* print_summary - the last line(s) */
static void
print_summary(struct fsck_ctx *ctx, size_t nqueues, double secs,
    const struct repair_summary *rs, unsigned long left, bool repaired)
{
	const struct report_totals t = { nqueues, secs, repaired, rs->fixed,
		rs->not_fixed, left, rs->archive };

	/* --shape's table after the findings, before the summary. */
	if (ctx->shape != NULL && ctx->opts.format != OUT_PROMETHEUS)
		shape_print(ctx->shape, ctx->out, ctx->opts.format == OUT_JSON,
		    ctx->opts.format == OUT_JSON ? 0 : ctx_line_limit(ctx));
	report_summary(ctx, &t);
}

/* ctx_setup - the run's context from the options: the mode, progress,
 * syslog, and the time */
static void
ctx_setup(struct fsck_ctx *ctx, struct options *o)
{
	const char *tenv;

	/* No mode: ask on a terminal (main() refused a run for people that
	 * has none); JSON and metrics are read by programs, which cannot
	 * answer: they only check. */
	if (!o->mode_given)
		o->fo.fixmode = o->fo.format == OUT_HUMAN ? FIXMODE_ASK
							  : FIXMODE_NO;
	if (o->fo.time_limit < 0)
		o->fo.time_limit = o->fo.fixmode == FIXMODE_PREEN
		    ? MQ_PREEN_TIME_LIMIT : 0;
	stop_deadline_set(o->fo.time_limit);
	memset(ctx, 0, sizeof(*ctx));
	ctx->opts = o->fo;
	ctx->out = stdout;
	if ((o->fo.format == OUT_JUNIT || o->fo.format == OUT_TAP) &&
	    (ctx->ci = ci_begin(ctx->out, o->fo.format == OUT_TAP)) == NULL) {
		(void)fprintf(stderr, "mqfsck: --format: out of memory\n");
		exit(FSCK_ERROR);
	}
	/* A bar only for people: -C 0 asks for it from the start; without
	 * -C it comes once the run takes a while, but not between questions
	 * (the time is the human's).  -C FD: lines only. */
	progress_init(&ctx->progress, o->fo.progress_fd,
	    o->fo.progress_fd == 0 ? PROGRESS_BAR_NOW
	    : o->fo.progress_fd < 0 && o->fo.format == OUT_HUMAN &&
		    o->fo.fixmode != FIXMODE_ASK
		? PROGRESS_BAR_AUTO
		: PROGRESS_BAR_NONE);
	/* -p runs at boot, where nobody reads the terminal: the mail log
	 * keeps what it found and did. */
	if (o->fo.syslog == 1 ||
	    (o->fo.syslog < 0 && o->fo.fixmode == FIXMODE_PREEN))
		logsys_open();
	ctx->tty_in = ctx->opts.fixmode == FIXMODE_ASK ? stdin : NULL;
	if (o->fo.shape && (ctx->shape = shape_new()) == NULL) {
		(void)fprintf(stderr, "mqfsck: --shape: out of memory\n");
		exit(FSCK_ERROR);
	}
	ctx->now = time(NULL);
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
			ctx->now = (time_t)t;
	}
}

/*
 * say_stopped - the run stopped before its end: a signal is a cancel
 * (fsck(8): 32); the time limit is an operational error (8), since the
 * queues are not known to be safe for sendmail; both say what is left
 */
static void
say_stopped(struct fsck_ctx *ctx, bool checked)
{
	const char *what = !checked
	    ? "the queues were not all checked, so nothing was repaired"
	    : "the repairs stopped between two jobs; a rerun finishes them";
	char why[300];

	progress_clear(&ctx->progress);
	if (mq_interrupted == MQ_STOP_TIME) {
		if (ctx->opts.time_limit > 0)
			(void)snprintf(why, sizeof(why),
			    "stopped at its time limit (%.6g s): %s; run mqfsck again, by hand without a limit (--time-limit 0)",
			    ctx->opts.time_limit, what);
		else
			(void)snprintf(why, sizeof(why),
			    "stopped by SIGALRM, as at a time limit: %s; run mqfsck again",
			    what);
		ctx_error(ctx, "time limit", why);
		return;
	}
	ctx->status |= FSCK_CANCELED;
	if (ctx->opts.format == OUT_HUMAN)
		(void)fprintf(ctx->out, "mqfsck: interrupted: %s\n", what);
}

/* sets_free - the sets, their plans and mqfsck's own locks */
static void
sets_free(struct qset *sets, size_t nsets)
{
	size_t i, k;

	for (i = 0; i < nsets; i++) {
		for (k = 0; k < sets[i].ndirs; k++)
			if (sets[i].dirs[k].lockfd >= 0)
				(void)close(sets[i].dirs[k].lockfd);
		if (sets[i].plan != NULL)
			plan_free(sets[i].plan);
		free(sets[i].plan);
	}
	queues_free(sets, nsets);
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
	struct repair_summary rs;
	unsigned long left = 0;
	bool repaired = false;
	struct qerr err;
	bool checked;

	std_fds_open();
	stop_signals_setup();
	(void)umask(077);
	if (getuid() != geteuid() || getgid() != getegid()) {
		(void)fprintf(stderr, "mqfsck: refusing to run set-uid or set-gid\n");
		return FSCK_ERROR;
	}
	parse_options(argc, argv, &o);
	if (o.list != NULL || o.restore != NULL) {
		struct archive_cmd ac = { o.list, o.restore, &o.qo, &o.fo,
			o.mode_given && o.fo.fixmode == FIXMODE_NO };
		int rc;

		if (o.mode_given && o.fo.fixmode != FIXMODE_NO) {
			(void)fprintf(stderr, "mqfsck: --%s takes no -p or -y (-n: --restore says what it would do)\n",
			    o.list != NULL ? "list" : "restore");
			options_free(&o);
			return FSCK_USAGE;
		}
		rc = archive_cmd(&ac);

		options_free(&o);
		return rc;
	}
	/* e2fsck's rule: questions need a terminal to answer them.  Without
	 * one, a run that would ask is an error, not a quiet -n, so that a
	 * script that forgot its mode learns it. */
	if (!o.mode_given && o.fo.format == OUT_HUMAN &&
	    !(isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))) {
		(void)fprintf(stderr,
		    "mqfsck: need a terminal for interactive repairs: give -n to only check, -p or -y to repair\n");
		options_free(&o);
		return FSCK_ERROR;
	}
	ctx_setup(&ctx, &o);
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&env, 0, sizeof(env));
	qf_init(&env.qf);
	lockset_init(&env.locks);
	env.sendmail_pids = pids;
	memset(&rs, 0, sizeof(rs));
	/* Said as an error of the run, not by exiting here: a report
	 * already begun (JUnit, TAP) is ended by the summary as always. */
	if (ctx.opts.fixmode != FIXMODE_NO &&
	    (ctx.writer = sio_writer_new(&err)) == NULL)
		ctx_error(&ctx, "repairs", err.msg);
	checked = false;
	if ((ctx.opts.fixmode == FIXMODE_NO || ctx.writer != NULL) &&
	    queues_resolve(&ctx, &o.qo, &sets, &nsets) == 0) {
		for (i = 0; i < nsets; i++) {
			for (k = 0; k < sets[i].ndirs; k++)
				nqueues += sets[i].dirs[k].selected;
			if (ctx.writer != NULL &&
			    (sets[i].plan = calloc(1, sizeof(*sets[i].plan))) != NULL)
				plan_init(sets[i].plan);
			if (!stop_requested())
				run_passes(&ctx, &env, &sets[i], &o.sp);
		}
		/* Every set checked; now the repairs, then what is left.  An
		 * interrupted check repairs nothing: its plan is partial. */
		checked = !stop_requested();
		if (ctx.writer != NULL && checked) {
			(void)repair_run(&ctx, sets, nsets, &rs);
			repaired = rs.fixed + rs.not_fixed > 0;
			for (i = 0; i < nsets && !stop_requested(); i++)
				if (fixes_made(&sets[i]))
					recheck(&ctx, &env, &sets[i], &o.sp);
		}
		for (i = 0; i < nsets; i++) {
			left += sets[i].rechecked ? sets[i].left : sets[i].problems;
			close_set(&sets[i]);
		}
	}
	ctx.fixed = rs.fixed;
	ctx.not_fixed = rs.not_fixed;
	/* fsck(8): 4 when anything is left, else 1 when fixes were made. */
	if (left > 0)
		ctx.status |= FSCK_UNCORRECTED;
	else if (rs.fixed > 0)
		ctx.status |= FSCK_NONDESTRUCT;
	if (mq_interrupted != MQ_STOP_NONE)
		say_stopped(&ctx, checked);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	print_summary(&ctx, nqueues,
	    (double)(t1.tv_sec - t0.tv_sec) +
		(double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	    &rs, left, repaired);
	sets_free(sets, nsets);
	free(ctx.lf_claimed);
	free(ctx.tally);
	shape_free(ctx.shape);
	progress_clear(&ctx.progress);
	logsys_close();
	sio_writer_free(ctx.writer);
	qf_free(&env.qf);
	sio_buf_free(&env.buf);
	lockset_free(&env.locks);
	options_free(&o);
	if (fflush(stdout) != 0) {
		(void)fprintf(stderr, "mqfsck: writing the report: %s\n",
		    strerror(errno));
		ctx.status |= FSCK_ERROR;
	}
	return ctx.status;
}
