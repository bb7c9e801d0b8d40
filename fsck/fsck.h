/*
 * fsck.h - the state of one mqfsck run: options, the queues to check
 * with what their configuration implies, counters and exit status.
 */
#ifndef MQ_FSCK_H
#define MQ_FSCK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "qset.h"
#include "problem.h"
#include "progress.h"
#include "select.h"
#include "sio.h"

/* fsck(8) exit status bits (e2fsck's FSCK_*). */
#define FSCK_OK 0
#define FSCK_NONDESTRUCT 1 /* problems were fixed */
#define FSCK_UNCORRECTED 4 /* problems are left */
#define FSCK_ERROR 8	   /* something prevented checking */
#define FSCK_USAGE 16
#define FSCK_CANCELED 32

enum out_format {
	OUT_HUMAN = 0,		/* lines for people */
	OUT_JSON,		/* --json: one object a line */
	OUT_PROMETHEUS,		/* --format=prometheus: metrics at the end */
	OUT_JUNIT,		/* --format=junit: JUnit XML test cases */
	OUT_TAP,		/* --format=tap: the same, as TAP */
};

/* out_records - the format reports every problem and job as a record
 * (JSON, JUnit, TAP), not as lines for people */
#define out_records(f) ((f) == OUT_JSON || (f) == OUT_JUNIT || (f) == OUT_TAP)

/* What pr_fix() answers (fsck(8)'s -n, -p, -y, and asking). */
enum fix_mode {
	FIXMODE_NO = 0,		/* -n, or no mode and no terminal */
	FIXMODE_PREEN,		/* -p: what the table calls safe */
	FIXMODE_YES,		/* -y: everything that has a fix */
	FIXMODE_ASK,		/* no mode, on a terminal: ask */
};

/* A complete tf newer than its qf (crash window R3). */
enum tf_newer_policy {
	TF_NEWER_PROMOTE = 0,	/* sendmail's intent: rename it over the qf */
	TF_NEWER_KEEP_QF,	/* sendmail's outcome: keep the qf */
};

/*
 * The time -p takes at most by default (--time-limit): the boot waits for
 * it before sendmail starts, so a queue filled with files to check and
 * archive must not hold the machine without end.  Measured (bench/), a
 * check of a million jobs takes about a minute with a cold cache and a
 * repair of 20,000 jobs under ten seconds; fifteen minutes leaves room
 * for slow disks.  The systemd unit's TimeoutStartSec is longer, so that
 * mqfsck stops by itself, at a safe point, before systemd stops it.
 */
#define MQ_PREEN_TIME_LIMIT 900
#define MQ_XSTR(x) #x
#define MQ_STR(x) MQ_XSTR(x)

struct fsck_opts {
	bool verbose, quiet;
	enum out_format format;
	enum fix_mode fixmode;
	bool force;		/* -f: repair even while sendmail runs */
	enum tf_newer_policy tf_newer;
	const char *archive_dir; /* -a */
	long long grace;	/* seconds a file may be in flight */
	double time_limit;	/* --time-limit seconds, 0 none, < 0 the
				   mode's default (MQ_PREEN_TIME_LIMIT) */
	bool assume_stopped;	/* --assume-stopped: no sendmail runs */
	bool remove_foreign;	/* --remove-foreign: foreign files may go */
	const char *key_path;	/* --key: the host key, NULL: the default */
	bool restore_unverified; /* --restore-unverified */
	unsigned scan_threads;	/* --scan-threads: pass 1's worker
				   threads (scanahead.c), 0 none */
	const char *lost_found;	/* --lost-found: look there, not in the
				   file system's own lost+found */
	int syslog;		/* --syslog 1, --no-syslog 0, else -1: on
				   under -p */
	int progress_fd;	/* -C FD; -1 none, 0 a bar from the start */
	const char *metrics_file; /* --metrics-file: written on every run */
	struct selection sel;	/* --only, --skip, --job */
	bool show;		/* --show: each job selected, for a human */
	bool shape;		/* --shape: jobs by recipient domain and age */
	struct selection release;	/* --release: lost jobs to run again */
	struct selection rejuvenate;	/* --rejuvenate: T lines to renew */
	long max_lines;		/* --max-lines: human lines per problem
				   code (and per outcome of its fixes);
				   0 all, -1 not given (-v: all, else
				   MQ_MAX_LINES) */
};

/* Lines per problem code on a terminal or in a log, unless -v. */
#define MQ_MAX_LINES 10

/* What one queue directory came to, for the summary per queue. */
struct queue_tally {
	const char *path;	/* the queue directory, as named */
	unsigned long jobs, problems, notices, fixed, not_fixed;
	unsigned long lost, held;	/* jobs with a Qf, with an hf */
	long long oldest;		/* the earliest T line, 0: none */
	unsigned long count[PR_COUNT];
};

struct plan;

struct fsck_ctx {
	struct fsck_opts opts;
	FILE *out;
	time_t now;
	bool sendmail_may_run;	/* a sendmail process or daemon is alive */
	struct sio_writer *writer; /* NULL: nothing may change (-n) */
	struct plan *plan;	/* the set's repairs; NULL in a check */
	bool repair_ok;		/* the set being checked may be repaired */
	FILE *tty_in;		/* answers to the questions (FIXMODE_ASK) */
	bool ask_all, ask_quit;	/* "all" or "quit" was answered */
	bool rechecking;	/* the silent check after repairs */
	char last_msg[1024];	/* the message pr_fix() last expanded */

	struct progress progress; /* -C FD, and the bar on a terminal */

	const struct qset *set;	/* being checked, for messages */
	const struct qdir *qd;

	/* Files of lost+found a set took as its jobs': another configuration
	 * on the same file system does not take them too. */
	struct lf_claim {
		dev_t dev;
		ino_t ino;
	} *lf_claimed;
	size_t nlf_claimed, caplf_claimed;

	/* Counters for the summary. */
	unsigned long count[PR_COUNT];
	/* Human lines shown and left out, per code: the problem's, and
	 * its fixes' made and not made. */
	unsigned long shown[PR_COUNT], hidden[PR_COUNT];
	unsigned long shown_fix[PR_COUNT][2], hidden_fix[PR_COUNT];
	struct queue_tally *tally; /* one per queue directory met */
	size_t ntally, captally;
	struct queue_tally *last_tally;
	struct shape *shape;	/* --shape's counts, NULL without it */
	struct ci_report *ci;	/* --format junit or tap, else NULL */
	unsigned long problems, notices, fixed, not_fixed;
	unsigned long unexpected; /* -p: problems that need a human */
	unsigned long left;	/* problems the silent recheck found */
	unsigned long jobs, files, in_use, in_flight, errors;
	int status;		/* FSCK_* bits */
};

/* A signal or the time limit stops the run: the passes and the repairs
 * ask stop_requested() at each safe point. */
#include "stop.h"

/* ctx_error - an operational error: something could not be checked */
void ctx_error(struct fsck_ctx *ctx, const char *what, const char *why);

/* ctx_warn - something beside the queue could not be looked at (the exit
 * status stays as it is) */
void ctx_warn(struct fsck_ctx *ctx, const char *what, const char *why);

#endif /* MQ_FSCK_H */
