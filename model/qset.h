/*
 * qset.h - the queues of one configuration as the passes find them and
 * the repairs change them: what the configuration implies (the policy),
 * each queue directory with its subdirectories, the lost+found searched
 * for its jobs, and the index of its jobs.  Filled in by fsck/queues.c
 * and the passes; read by repair/.
 */
#ifndef MQ_QSET_H
#define MQ_QSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "index.h"

struct plan;

#define QSET_TOC_N 4	  /* timeout classes: cf.h CF_TOC_N */
#define QSET_MAX_PREC 25  /* P lines: cf.h CF_MAX_PRECEDENCES */

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
	/* Timeout.queuereturn and .queuewarn per class (cf.h CF_TOC_*), in
	 * seconds; 0 or less: no check (CF_TIME_NOW bounces at once). */
	long long queue_return[QSET_TOC_N];
	long long queue_warn[QSET_TOC_N];
	/* The P lines (Precedence: values), for the timeout class; a name
	 * longer than the field is left out (none is that long). */
	char prec_name[QSET_MAX_PREC][64];
	int prec_value[QSET_MAX_PREC];
	unsigned nprec;
	int max_queue_run_size;	/* MaxQueueRunSize; 0: no limit */
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
	uint32_t nqf;		/* of them, qf files: jobs a queue run takes */
	char group[64];		/* its queue group (Q line), for messages */
	const char *refuse;	/* why it must not be repaired as a queue
				   (not a queue, or others can replace
				   it); NULL: it may be */
};

/* A lost+found directory searched for the jobs of a set. */
struct lfdir {
	char *path;		/* for messages */
	char *abspath;		/* for the archive */
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
	char *base;		/* the queue base sendmail chdir()s into
				   (queue.c setup_queues()); NULL: unknown */
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

/* qdir_has_sub - the directory has subdirectory s (readable or not) */
static inline bool
qdir_has_sub(const struct qdir *qd, int s)
{
	return qd->subfd[s] >= 0 || (qd->unread & (1u << s)) != 0;
}

#endif /* MQ_QSET_H */
