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

#include "index.h"
#include "problem.h"
#include "progress.h"
#include "sio.h"

/* fsck(8) exit status bits (e2fsck's FSCK_*). */
#define FSCK_OK 0
#define FSCK_NONDESTRUCT 1 /* problems were fixed */
#define FSCK_UNCORRECTED 4 /* problems are left */
#define FSCK_ERROR 8	   /* something prevented checking */
#define FSCK_USAGE 16
#define FSCK_CANCELED 32

/* The subdirectories multiqueue_cache() looks for. */
enum subdir { SUB_QF = 0, SUB_DF, SUB_XF, SUB_COUNT };

/* The `sub` of a file in lost+found (its qdir: the set's lost+found). */
#define SUB_LOSTFOUND (SUB_COUNT + 1)

/*
 * What the configuration implies for a queue: who runs it, what owners
 * and modes its files get, its timeouts.  Resolved from sendmail.cf (or
 * the built-in defaults) plus -o overrides by queues.c.
 */
struct policy {
	mode_t qfm;		/* QueueFileMode as configured */
	mode_t file_mode;	/* what a new q/d/t file gets (QueueFileMode
				   under sendmail's umask, queue.c) */
	mode_t xf_mode;		/* what a new xf gets (TempFileMode, umask) */
	uid_t runner_uid;	/* the uid that runs the queue */
	gid_t runner_gid;
	bool runner_switches;	/* euid != RealUid when it runs (RunAsUser):
				   readqf() then loses foreign files */
	bool has_trusted;
	uid_t trusted_uid;	/* TrustedUser */
	bool use_msp;		/* UseMSP */
	bool trust_sticky;	/* DontBlameSendmail=TrustStickyBit */
	bool group_writable_ok;	/* DontBlameSendmail=GroupWritableDirPathSafe */
	bool owner_override;	/* --owner given: expected_owner below */
	uid_t expected_owner;	/* owner of queue files */
	uid_t dir_owner;	/* expected owner of the queue directory */
	bool check_group;	/* QueueFileMode gives the group access: the
				   group of files and directory is checked */
	gid_t queue_gid;	/* their group (Debian: smmsp) */
	mode_t dir_mode;	/* expected mode of the queue directory */
	bool dir_setgid;	/* its set-group-ID bit is required (files
				   sendmail creates take the queue's group
				   from it); when false it may be either */
	bool has_adopt;		/* --adopt-owner: files of adopt_uid are */
	uid_t adopt_uid;	/* taken as the queue's own (an admin's word) */
	long long queuereturn;	/* seconds; the largest class */
	long long min_free_blocks;
	char pidfile[512];
	char host_status_dir[256]; /* a relative HostStatusDirectory: its
				      first component is ours, not foreign */
};

/* One queue directory (one qp_name of a queue group). */
struct qdir {
	char *path;		/* as named (messages) */
	char *abspath;		/* absolute, without "." or "//" (the walk) */
	char *qp_name;		/* relative to the queue base, "." for it */
	int fd;			/* -1 until opened */
	struct stat st;
	int subfd[SUB_COUNT];	/* qf/ df/ xf/, -1 when absent */
	struct stat subst[SUB_COUNT];
	unsigned unread;	/* bit (1 << sub), SUB_COUNT for the top:
				   places that could not be read, whose
				   absence of files proves nothing */
	bool selected;		/* to be checked (all, unless some were named) */
	bool reachable;		/* opened and checked */
	bool mount_root;	/* the directory is the root of its file system */
	int lockfd;		/* mqfsck's own lock (flock) on the directory
				   while it repairs; -1 when none */
	char *mount_path;	/* root of its file system (lost+found is there) */
	bool wild;		/* found by a wildcard, not named */
	uint32_t nforeign;	/* entries sendmail never writes (pass 1) */
	uint32_t nqueue;	/* queue files found in it (pass 1) */
	const char *refuse;	/* why it must not be repaired as a queue
				   (not a queue, or others can replace
				   it); NULL: it may be */
};

/* A lost+found directory searched for the jobs of a set. */
struct lfdir {
	char *path;		/* for messages and the archive */
	int fd;			/* -1 once closed */
	struct stat st;
};

/* The entry name of a queue file found in lost+found ("#1234" as e2fsck
 * names it), by its index in the set's index. */
struct lfname {
	uint32_t file;
	char *name;
};

/* The queues of one configuration: their jobs share one index, since a
 * d line may put a job's df in another of them. */
struct qset {
	char *source;		/* configuration file, or "built-in defaults" */
	struct policy pol;
	struct qdir *dirs;
	size_t ndirs;
	struct index idx;
	struct lfdir *lfs;	/* lost+found of the queues' file systems */
	size_t nlfs;
	struct lfname *lfnames;	/* the queue files found there */
	size_t nlfnames, caplfnames;
	bool lf_unknown;	/* one there names no job: no orphan df goes */
	bool refused;		/* a queue of it is not one to repair
				   (main.c refuse_check()): nothing of it
				   is changed */
	struct plan *plan;	/* repairs decided; NULL in a check */
	bool repair_ok;		/* no sendmail runs (or -f), and the queues
				   are ours to repair (mqfsck's own lock) */
	bool rechecked;		/* repairs were made and checked again */
	unsigned long problems;	/* found by the check */
	unsigned long left;	/* found again after the repairs */
};

enum out_format {
	OUT_HUMAN = 0,		/* lines for people */
	OUT_JSON,		/* --json: one object a line */
	OUT_PROMETHEUS,		/* --format=prometheus: metrics at the end */
};

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
	const char *lost_found;	/* --lost-found: look there, not in the
				   file system's own lost+found */
	int syslog;		/* --syslog 1, --no-syslog 0, else -1: on
				   under -p */
	int progress_fd;	/* -C FD; -1 none, 0 a bar from the start */
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
	unsigned long problems, notices, fixed, not_fixed;
	unsigned long unexpected; /* -p: problems that need a human */
	unsigned long left;	/* problems the silent recheck found */
	unsigned long jobs, files, in_use, in_flight, errors;
	int status;		/* FSCK_* bits */
};

/* A signal or the time limit stops the run: the passes and the repairs
 * ask stop_requested() at each safe point. */
#include "stop.h"

/* qdir_has_sub - the directory has subdirectory s (readable or not) */
static inline bool
qdir_has_sub(const struct qdir *qd, int s)
{
	return qd->subfd[s] >= 0 || (qd->unread & (1u << s)) != 0;
}

/* ctx_error - an operational error: something could not be checked */
void ctx_error(struct fsck_ctx *ctx, const char *what, const char *why);

/* ctx_warn - something beside the queue could not be looked at (the exit
 * status stays as it is) */
void ctx_warn(struct fsck_ctx *ctx, const char *what, const char *why);

#endif /* MQ_FSCK_H */
