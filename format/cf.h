/*
 * cf.h - what a frozen sendmail 8.17 configuration (sendmail.cf,
 * submit.cf) says about the mail queues: where they are, which queue
 * groups exist, the modes and owners their files must have, and the
 * timeouts that decide when a job bounces.
 *
 * The parser reads bytes the caller has already read from the file; it
 * opens nothing, looks up no user or group, prints nothing and never
 * exits.  It reads the file the way readcf.c readcf() does (folded
 * lines, comments, the O, Q and V lines; every other line type is
 * skipped) and applies each option with setoption()'s rules, including
 * abbreviated option names and the "sticky" options given on the command
 * line.  Names of users and groups are kept as strings: resolving them
 * is the caller's business.
 *
 * Calling sequence, the order sendmail itself uses:
 *
 *	struct cf cf;
 *	cf_init(&cf);				built-in defaults
 *	cf_set_option(&cf, "QueueDirectory", "/q", &err);   -O/-o, if any
 *	cf_parse(&cf, buf, len, "sendmail.cf", &err);
 *	... read cf.queue_directory, cf.groups[], cf_queue_base() ...
 *	cf_free(&cf);
 *
 * An option set with cf_set_option() before cf_parse() is sticky, as
 * sendmail's -O and -o are: the file cannot change it (main.c sets the
 * command-line options before readcf()).  Setting one after cf_parse()
 * also works, as a plain override, except that Q lines without P= have
 * already copied the QueueDirectory that the file gave.
 *
 * Strictness: sendmail reads numbers with atoi()/atol(), modes with its
 * atooct() and times with convtime(), all of which silently stop at the
 * first byte they do not expect.  For the options kept here a value with
 * such a byte is refused (-1 and a message naming the line), because
 * the administrator almost certainly meant something else.  An empty
 * value is accepted and reads as 0, as in sendmail.  Everything else that
 * sendmail complains about but survives (unknown or ambiguous option
 * names, unknown timeouts, unknown words in PrivacyOptions or
 * DontBlameSendmail, an unknown QueueSortOrder, an unknown Q field) is
 * ignored the way sendmail ignores it.
 */
#ifndef MQ_CF_H
#define MQ_CF_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "paths.h"

#define CF_MAX_BYTES ((size_t)4 * 1024 * 1024) /* larger files are refused */
#define CF_MAX_LINE ((size_t)64 * 1024)	       /* longest logical line */
#define CF_MAX_GROUPS 50		       /* conf.h MAXQUEUEGROUPS */
#define CF_MAX_PRECEDENCES 25		       /* conf.h MAXPRIORITIES */

/* convtime() of "now": the job bounces at the next run (sendmail's NOW). */
#define CF_TIME_NOW (-1LL)

/* Debian's build: _PATH_SENDMAILPID, as "sendmail -d0.10" reports it. */
#define CF_DEFAULT_PIDFILE MQ_RUNSTATEDIR "/sendmail/mta/sendmail.pid"

/* The default queue group, which always exists (main.c, conf.c). */
#define CF_DEFAULT_GROUP "mqueue"

/* Message timeout classes (sendmail.h TOC_*), chosen per job from its
 * headers on every run. */
enum cf_toc {
	CF_TOC_NORMAL = 0,
	CF_TOC_URGENT,
	CF_TOC_NONURGENT,
	CF_TOC_DSN,
	CF_TOC_N
};

/* A P line: a Precedence: header value and its class (readcf.c). */
struct cf_precedence {
	char *name;
	int value;
};

/* SuperSafe (readcf.c setoption() case 's'). */
enum cf_supersafe {
	CF_SAFE_FALSE = 0,   /* SAFE_NO: atobool() false */
	CF_SAFE_TRUE,	     /* SAFE_REALLY: the default */
	CF_SAFE_INTERACTIVE, /* a value starting with i or I */
	CF_SAFE_POSTMILTER,  /* a value starting with p or P */
};

/* QueueSortOrder, by the first letter of the value. */
enum cf_sort {
	CF_SORT_PRIORITY = 0, /* p: the default */
	CF_SORT_HOST,	      /* h */
	CF_SORT_TIME,	      /* t */
	CF_SORT_FILENAME,     /* f */
	CF_SORT_RANDOM,	      /* r */
	CF_SORT_MODTIME,      /* m */
	CF_SORT_NONE,	      /* n */
	CF_SORT_SHUFFLE,      /* s (Debian builds _FFR_RHS) */
};

/* The DontBlameSendmail words that matter to the queue; "Safe" clears
 * them all, other words are ignored. */
#define CF_DBS_TRUSTSTICKYBIT 0x1u
#define CF_DBS_GROUPWRITABLEDIRPATHSAFE 0x2u

/* The PrivacyOptions words that matter to the queue.  Words accumulate
 * over lines ("goaway" does not include these two). */
#define CF_PRIV_RESTRICTMAILQ 0x1u
#define CF_PRIV_RESTRICTQRUN 0x2u

/*
 * One queue group: a Q line (queue.c makequeue()), or the built-in
 * "mqueue" that sendmail creates when the file defines none.  The
 * built-in group is always groups[0]; a Q line for "mqueue" (names are
 * compared without regard to case) replaces it in place.
 */
struct cf_group {
	char *name;  /* as written on the last Q line for it */
	char *path;  /* the P= value as makequeue() unquotes it; NULL: no
			P= (then qdir is what QueueDirectory was when the
			line was read) */
	char *qdir;  /* the directory or wildcard sendmail uses: P=, else
			QueueDirectory at the time of the line; for the
			built-in group always the current QueueDirectory
			(NULL while that is unset) */
	int runners; /* R=, else MaxRunnersPerQueue when the line was read
			(1 if that was not positive), capped at
			MaxQueueChildren when that is positive; the built-in
			group takes MaxRunnersPerQueue as it is at the end */
	int maxrcpt; /* r=: split envelopes above this many recipients;
			0: no limit */
	char *flags; /* the F= flag letters, each once, in the order first
			seen (several F= fields add up); "" if none */
	unsigned line; /* physical line the Q line starts on; 0: built in */
	bool defined;  /* from a Q line (sendmail's QD_DEFINED) */
};

/*
 * The configuration.  Each value holds sendmail's built-in default until
 * the file or cf_set_option() sets it; has_* (or NULL) tells which.
 * Strings are NUL-terminated and may hold any byte but NUL (a line
 * folded in the middle of a value keeps its LF and TAB, as in sendmail).
 * Everything is owned by the struct and released by cf_free().
 */
struct cf {
	/* QueueDirectory (option Q).  NULL: not set, and sendmail refuses
	 * to start ("QueueDirectory (Q) option must be set").  An empty
	 * value means the relative "mqueue".  May end in '*': see
	 * cf_queue_base(). */
	char *queue_directory;

	/* TrustedUser as written (NULL: unset, TrustedUid 0).  sendmail
	 * takes atoi() of a value starting with a digit, else looks the
	 * name up; an unknown name leaves TrustedUid 0. */
	char *trusted_user;

	/* RunAsUser split at the first '.', ':' or '/': user part (NULL:
	 * unset) and group part (NULL: none given, so the user's own group,
	 * or RunAsGid unchanged for a numeric user).  Same digit rule as
	 * TrustedUser; sendmail ignores the group when the user is
	 * unknown. */
	char *run_as_user;
	char *run_as_group;

	/* PidFile as written; macros such as ${daemon_name} unexpanded.
	 * Default CF_DEFAULT_PIDFILE. */
	char *pid_file;

	/* HostStatusDirectory; NULL: none.  An empty value changes
	 * nothing (setoption()). */
	char *host_status_dir;

	/* Timeout.queuereturn[.class] and Timeout.queuewarn[.class] in
	 * seconds (may be CF_TIME_NOW, or negative for "-5d").  Defaults:
	 * return 5 days, warn 0 (no delay warnings) in every class. */
	long long queue_return[CF_TOC_N];
	long long queue_warn[CF_TOC_N];

	/* MinFreeBlocks (option b "blocks[/maxmessagesize]"): default 0, no
	 * free-space check.  MaxMessageSize: default 0, no limit. */
	long min_free_blocks;
	long max_message_size;

	/* DataFileBufferSize and XscriptFileBufferSize: default 4096. */
	long data_file_buffer_size;
	long xscript_file_buffer_size;

	/* Queue groups in sendmail's order (Queue[] index); groups[0] is
	 * "mqueue".  ngroups is at least 1 after cf_init(). */
	size_t ngroups;
	struct cf_group groups[CF_MAX_GROUPS];

	/* QueueFileMode (qf, df, tf files) and TempFileMode (option F, xf
	 * files): low 9 bits of the octal value.  Both default to 0600;
	 * sendmail uses 0644 instead when its real and effective uid differ
	 * (conf.c setdefaults()), which the caller must decide. */
	mode_t queue_file_mode;
	mode_t temp_file_mode;

	enum cf_supersafe super_safe;	/* default CF_SAFE_TRUE */
	enum cf_sort queue_sort_order;	/* default CF_SORT_PRIORITY */
	unsigned dont_blame;		/* CF_DBS_*, default none */
	unsigned privacy;		/* CF_PRIV_*, default none */

	/* MaxRunnersPerQueue (default 1) and MaxQueueChildren (default 0:
	 * no limit): kept because they give a group its runner count. */
	int max_runners_per_queue;
	int max_queue_children;

	/* MaxQueueRunSize: the most jobs one queue run takes, after
	 * sorting (queue.c gatherq()); default 0, no limit. */
	int max_queue_run_size;

	/* P lines in file order (headers.c priencode() takes the first
	 * whose name matches, case-insensitively). */
	struct cf_precedence precedences[CF_MAX_PRECEDENCES];
	size_t nprecedences;

	/* The last V line's level; cf_parse() starts each file at 0.  At 3
	 * and above a '#' inside a line starts a comment. */
	int config_level;

	bool use_msp;		/* UseMSP, default false */
	bool requires_dirfsync; /* default true (REQUIRES_DIR_FSYNC build) */

	/* Whether the file or the command line set the value. */
	bool has_queue_file_mode;
	bool has_temp_file_mode;
	bool has_pid_file;
	bool has_queue_return[CF_TOC_N];
	bool has_queue_warn[CF_TOC_N];
	bool has_min_free_blocks;
	bool has_max_message_size;
	bool has_data_file_buffer_size;
	bool has_xscript_file_buffer_size;
	bool has_use_msp;
	bool has_super_safe;
	bool has_dont_blame;
	bool has_privacy;
	bool has_queue_sort_order;
	bool has_requires_dirfsync;

	/* Private: options made sticky by cf_set_option(). */
	unsigned sticky_timeout;
	unsigned char sticky_opt[32];
};

/*
 * cf_init - fill cf with sendmail's built-in defaults (conf.c
 * setdefaults(), setupqueues()): no QueueDirectory, modes 0600, the
 * Debian pid file, queuereturn 5 days, queuewarn 0, SuperSafe True,
 * RequiresDirfsync true, 4096-byte buffers, one group "mqueue".
 * Allocates nothing and cannot fail; cf_free() is still the way to
 * release what later calls allocate.
 */
void cf_init(struct cf *cf);

/*
 * cf_parse - apply the configuration file buf[0..len) on top of what cf
 * holds.  name is used only in messages ("<name>: line <n>: ...") and
 * should already be escaped by the caller; NULL reads as "config".
 * Messages give the physical line a logical line starts on.
 * Returns 0, or -1 with err filled (and sys_errno EINVAL, EFBIG or
 * ENOMEM) when the file is over CF_MAX_BYTES, a logical line is over
 * CF_MAX_LINE, a Q line is broken (no name, a field without '=', an empty
 * P=, more than CF_MAX_GROUPS groups, no P= before QueueDirectory is
 * set), or a value of a kept option cannot be read.  Lines before the
 * failing one stay applied; cf must be freed either way.
 */
int cf_parse(struct cf *cf, const char *buf, size_t len, const char *name,
    struct qerr *err);

/*
 * cf_set_option - set one option as sendmail's command line would: a name
 * of one byte is an option letter (-oQ/var/spool/mqueue), a longer name a
 * long name, possibly abbreviated and with a ".suboption"
 * (-OTimeout.queuereturn=5d).  value NULL means empty.  The option
 * becomes sticky (see above), except PrivacyOptions and
 * DontBlameSendmail, which accumulate.  Returns 0, or -1 with err filled
 * (EINVAL) for an unknown or ambiguous name, an unknown timeout, or a
 * value that cannot be read; ENOMEM if memory runs out.
 */
int cf_set_option(struct cf *cf, const char *name, const char *value,
    struct qerr *err);

/*
 * cf_set_option_arg - cf_set_option() of an -O argument "Name=value",
 * split as setoption() splits it: spaces before '=' and after it are
 * dropped, no '=' means an empty value.
 */
int cf_set_option_arg(struct cf *cf, const char *arg, struct qerr *err);

/*
 * cf_queue_base - the base directory every queue directory must lie under,
 * as queue.c setup_queues() computes it from QueueDirectory: a value
 * ending in '*' gives everything up to and including its last '/' and
 * *wildcard true, prefix the text between that '/' and the '*'
 * ("/var/spool/mqueue/q*" gives "/var/spool/mqueue/" and "q"); any other
 * value gives itself with a '/' appended unless it ends in one, prefix
 * "" and *wildcard false.  Returns 0, or -1 with err filled: EINVAL when
 * QueueDirectory is unset or a wildcard has no '/', ENAMETOOLONG when it
 * is as long as sendmail's MAXPATHLEN - 1 (4095 bytes) or more, ERANGE
 * when base or prefix does not fit the caller's buffer.
 */
int cf_queue_base(const struct cf *cf, char *base, size_t basesz,
    char *prefix, size_t prefixsz, bool *wildcard, struct qerr *err);

/* cf_group_find - the group named name (case ignored), or NULL */
const struct cf_group *cf_group_find(const struct cf *cf, const char *name);

/* cf_free - release everything cf holds; cf must be cf_init()ed again
 * before reuse.  Safe on a struct that cf_init() filled. */
void cf_free(struct cf *cf);

#endif /* MQ_CF_H */
