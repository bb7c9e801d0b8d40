/*
 * plan.h - the repairs a run has decided on, before any is made.
 *
 * The check passes report problems through pr_fix(); where it answers
 * yes (-p, -y, or the administrator at the prompt) the check code adds a
 * fix to its set's plan: the problem, the job, and the file operations
 * that fix it, with each file as the check saw it (device, inode, type).
 * Nothing changes during the passes.  Afterwards repair.c archives every
 * file a fix removes, renames or rewrites, commits the archive, and only
 * then applies the fixes job by job under sendmail's lock (e2fsck decides
 * and writes in one go; a mail queue has a second writer, sendmail, so
 * mqfsck decides first and changes later, checking each file again).
 *
 * Memory: one fix and its operations per problem fixed, names in one
 * arena; freed by plan_free().  Only a run that may repair has a plan.
 */
#ifndef MQ_PLAN_H
#define MQ_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "problem_table.h"

/* What a file operation does, in the order a job's operations run. */
enum op_kind {
	OP_OWNER_MODE = 0,	/* fchown/fchmod a file (record only) */
	OP_DIR_OWNER_MODE,	/* fchown/fchmod the queue directory */
	OP_RECOVER,		/* rename from lost+found into the queue */
	OP_MOVE,		/* rename into another directory, same name */
	OP_EXCHANGE,		/* exchange the names of two dfs (src, dst) */
	OP_PROMOTE,		/* rename a tf over (or to) the control file */
	OP_REMOVE,		/* archive, unlink one file */
	OP_REMOVE_JOB,		/* archive, unlink every file of the job,
				   the control files first */
	OP_REWRITE_I,		/* archive, write the I line of the df */
	OP_REWRITE,		/* archive, rewrite as sendmail reads it (and
				   with OPF_SET_INODE, the I line too) */
	OP_INERT,		/* archive, rename the control file to Qf */
	OP_MOVE_OUT,		/* archive (bytes or what it is), unlink */
	OP_NKINDS
};

/* A file as the check saw it. */
struct plan_file {
	uint16_t qdir;		/* queue directory index; with SUB_LOSTFOUND,
				   the set's lost+found index */
	uint8_t sub;		/* SUB_QF/DF/XF, SUB_COUNT: the top, or
				   SUB_LOSTFOUND */
	uint32_t name;		/* arena offset of the entry name */
	dev_t dev;
	ino_t ino;		/* 0: not known (no identity check) */
	mode_t type;		/* S_IFMT bits, 0 if not known */
};

#define OPF_IF_NO_DF 0x01	/* only if the df (dst) is still missing */
#define OPF_NOREPLACE 0x02	/* rename never replaces the target */
#define OPF_IF_ORPHAN 0x04	/* only if no control file (dst: "qf<id>" in
				   its place; hf and Qf too) is there */
#define OPF_SET_INODE 0x08	/* REWRITE: also the I line, of the df at dst */
#define OPF_SET_TIME 0x10	/* REWRITE: the T line becomes the repair's
				   time (--rejuvenate) */

struct plan_op {
	enum op_kind kind;
	unsigned flags;		/* OPF_* */
	struct plan_file src;
	struct plan_file dst;	/* MOVE, RECOVER, PROMOTE, INERT: the new
				   name; REWRITE_I and OPF_IF_NO_DF: the df */
	uid_t uid;		/* OWNER_MODE, RECOVER: owner, (uid_t)-1 keeps */
	gid_t gid;		/* OWNER_MODE, RECOVER: group, (gid_t)-1 keeps */
	mode_t mode;		/* OWNER_MODE, RECOVER: mode, (mode_t)-1 keeps */
	uint32_t other_job;	/* EXCHANGE: the job dst belongs to (its
				   files are locked too) */
};

enum fix_result {
	FIXR_PENDING = 0,
	FIXR_FIXED,		/* done */
	FIXR_NOT_FIXED,		/* could not or must not: why says */
	FIXR_COVERED,		/* nothing left to do: another fix did it */
};

struct plan_fix {
	enum problem_id id;
	uint32_t job;		/* index job, 0: none */
	uint32_t first_op, nops;
	uint32_t next_of_job;	/* previous fix of the same job + 1, 0: none */
	uint16_t qdir;		/* the queue the problem was reported for */
	uint32_t idtext;	/* arena: the id shown, 0: none */
	uint32_t msg;		/* arena: the problem's message (-p prints it
				   with the fix), 0: none */
	enum fix_result result;
	uint32_t what;		/* arena: what was done, or why not */
	uint32_t seq;		/* order of decision, for a stable sort */
};

struct plan {
	struct plan_fix *fixes;
	uint32_t nfixes, capfixes;
	struct plan_op *ops;
	uint32_t nops, capops;
	char *arena;		/* offset 0 is "" */
	size_t used, cap;
	uint32_t *job_last;	/* job -> its last fix + 1 */
	uint32_t njob_last;
	bool failed;		/* out of memory: the plan is incomplete */
};

/* plan_init - an empty plan */
void plan_init(struct plan *p);

/* plan_free - release */
void plan_free(struct plan *p);

/* plan_str - a string of the arena */
const char *plan_str(const struct plan *p, uint32_t off);

/* plan_intern - copy n bytes (NUL added) into the arena; 0 on failure */
uint32_t plan_intern(struct plan *p, const char *s, size_t n);

/* plan_fix_allows - the problem table's fix kind `fix` may plan an
 * operation of kind op (plan.c fix_ops[]) */
bool plan_fix_allows(enum fix_kind fix, enum op_kind op);

/* What plan_add() returns when an operation is not one the problem's fix
 * kind may plan: a bug of the pass; nothing is added. */
#define PLAN_NOT_ALLOWED (-2)

/*
 * plan_add - a fix of problem `id` for job (0: none) in queue qdir, with
 * its operations (copied); idtext and msg may be NULL.  Operations
 * another fix of the same job already has (same kind, same file) are
 * left out; a fix left with none is recorded as covered.  Returns the
 * fix's index, -1 (out of memory: p->failed is set), or PLAN_NOT_ALLOWED
 * when an operation is not one the problem's fix kind may plan
 * (plan_fix_allows()).
 */
long plan_add(struct plan *p, enum problem_id id, uint32_t job, uint16_t qdir,
    const char *idtext, size_t idlen, const char *msg,
    const struct plan_op *ops, size_t nops);

/* plan_op_init - an operation of `kind` that changes no owner, group
 * or mode (uid, gid, mode -1) and names no file yet */
void plan_op_init(struct plan_op *op, enum op_kind kind);

/* plan_file_set - a plan_file from a name and what fstatat() said */
void plan_file_set(struct plan *p, struct plan_file *f, uint16_t qdir,
    uint8_t sub, const char *name, const struct stat *st);

/*
 * plan_job_disposed - job j already has a fix that removes it or makes
 * it inert: further findings about its control file need no fix of
 * their own.
 */
bool plan_job_disposed(const struct plan *p, uint32_t j);

/*
 * plan_inert_to_remove - the fix that makes job j inert by renaming the
 * file named `name` to Qf removes that file instead (archived like any
 * removal): it turned out to be a second control file beside the job's
 * own, so the job stays.  False if no such fix is planned.
 */
bool plan_inert_to_remove(struct plan *p, uint32_t j, const char *name);

/* plan_set_result - record the outcome of fix i ("what" is copied) */
void plan_set_result(struct plan *p, uint32_t i, enum fix_result r,
    const char *what);

/* plan_order - fix indexes in the order they are applied: by job (jobs
 * in the order `rank` gives, 0 for none first), then by operation kind;
 * NULL on failure */
uint32_t *plan_order(const struct plan *p, const uint32_t *rank);

#endif /* MQ_PLAN_H */
