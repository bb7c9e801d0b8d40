/*
 * problem_table.h - the problem table: every problem mqfsck reports, its
 * stable code and name, what kind of finding it is and what fix -y (and
 * -p, where safe) makes of it.  One row each in problems.def (an
 * X-macro: this enum, the table in problem_table.c, the man page's
 * PROBLEMS section and the metrics all come from it).  The model's: the
 * passes decide with it, the plan records it, the report prints it
 * (fsck/problem.h).
 */
#ifndef MQ_PROBLEM_TABLE_H
#define MQ_PROBLEM_TABLE_H

#include <stdint.h>

enum problem_id {
#define PROBLEM(id, code, name, flags, fix, tmpl) id,
#include "problems.def"
#undef PROBLEM
	PR_COUNT
};

/* What kind of finding (problem flags). */
#define PRF_PREEN_OK 0x01    /* -p fixes it without asking */
#define PRF_DESTRUCTIVE 0x02 /* the fix moves, removes or rewrites mail:
				archived first */
#define PRF_GRACE 0x04	     /* not judged when younger than the grace
				period while sendmail may be running */
#define PRF_NOTICE 0x08	     /* information: not counted as a problem */
#define PRF_NO_FIX 0x10	     /* needs a human: no automatic fix */
#define PRF_VERBOSE 0x20     /* shown only with -v (always in JSON) */

/* What -y (and -p, for PRF_PREEN_OK) does about it. */
enum fix_kind {
	FIX_NONE = 0,
	FIX_ARCHIVE_REMOVE,	/* archive, then remove */
	FIX_MAKE_INERT,		/* archive, then rename to Qf (loseqfile()) */
	FIX_REWRITE_I,		/* rewrite the I line from the df */
	FIX_OWNER_MODE,		/* fchown/fchmod to what the config says */
	FIX_MOVE,		/* move to where sendmail looks for it */
	FIX_MOVE_OUT,		/* move out of the queue into the archive dir */
	FIX_RESOLVE_TF,		/* promote the tf, or keep the qf (option) */
	FIX_PROMOTE,		/* rename the tf to qf */
	FIX_KEEP_NEWER,		/* keep the newer control file, archive the other */
	FIX_RECOVER,		/* move back from lost+found */
	FIX_QUARANTINE,		/* archive the whole job, make it inert */
	FIX_REWRITE,		/* rewrite the control file as sendmail reads
				   it (the original archived) */
	FIX_EXCHANGE,		/* give the data files back to their jobs */
	FIX_NKINDS
};

struct problem {
	enum problem_id id;
	uint32_t code;		/* 0xPPNNNN */
	const char *name;	/* stable short name */
	unsigned flags;		/* PRF_* */
	enum fix_kind fix;
	const char *tmpl;	/* message template; NULL: the reader's words */
};

/* problem_get - the table entry of a problem; BUG() on a bad id */
const struct problem *problem_get(enum problem_id id);

/* fix_name - "archive-remove", "make-inert", ... */
const char *fix_name(enum fix_kind fix);

#endif /* MQ_PROBLEM_TABLE_H */
