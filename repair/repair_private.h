/*
 * repair_private.h - what the three files of the repair share:
 * repair.c (planning, places and names, the steps over every set),
 * repair_archive.c (step 1: every file a fix changes goes into the
 * archive first) and repair_apply.c (step 3: each fix made under the
 * job's lock, after checking its files are still what was archived).
 * Nothing outside repair/repair*.c includes it: the interface is
 * repair.h.
 */
#ifndef MQ_REPAIR_PRIVATE_H
#define MQ_REPAIR_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "arc.h"
#include "closer.h"
#include "inomap.h"
#include "plan.h"
#include "repair.h"

#define MAX_JOB_FILES 64	/* files of one job locked at once */
#define MAX_DIRTY 32		/* directories changed, not yet fsync()ed */
#define WHY_MAX 512

/* Files bigger than this are moved aside, not copied into the archive. */
#define MQ_COPY_MAX ((off_t)64 << 20)
/* A file bigger than this with fewer blocks than half its size is
 * sparse: moved aside too, its holes never read. */
#define MQ_SPARSE_MIN ((off_t)1 << 20)

/* "qf/", "df/", "xf/" and "" (the top), by subdirectory (repair.c). */
extern const char *const sub_prefix[SUB_COUNT + 1];

/* A file whose bytes (or what it is) went into the archive. */
struct archived {
	uint32_t fix;
	uint16_t set;		/* index of its set */
	uint16_t qdir;
	uint8_t sub;
	bool data;		/* its bytes, to be removed or replaced */
	bool aside;		/* too big to copy: recorded, and moved into
				   ARC_ASIDE_DIR instead of removed */
	uint32_t name;		/* plan arena */
	uint32_t wrote_sha;	/* plan arena: the digest of the bytes a
				   rewrite leaves, as the manifest says; 0 */
	struct stat st;		/* as archived */
};

/* One repair run over every set (repair_sets()). */
struct run {
	const struct repair_env *env;
	struct qset *set;	/* being worked on */
	size_t si;
	struct arc *arc;
	unsigned **arcq;	/* per set, per qdir: archive queue + 1 */
	struct archived *arch;
	size_t narch, caparch;
	size_t *first_arch;	/* per fix of the current set: its archived */
	size_t *narch_fix;	/* files are arch[first_arch .. + narch_fix) */
	size_t **set_first;	/* first_arch and narch_fix of every set */
	size_t **set_n;
	size_t job_first;	/* arch[job_first ..]: the current job's */
	struct inomap *links;	/* per set: dfs with several names */
	bool *links_built;
	unsigned long done;	/* fixes reported, for the progress */
	unsigned long long want_bytes; /* of the regular files step 1 copies
					  into the archive (or tried to) */
	/* Step 3: directories changed since their last fsync(), and
	 * whether the current job changed one of them. */
	int dirty[MAX_DIRTY];
	size_t ndirty;
	bool job_dirty;
	const struct job_lock *lock;	/* the current job's, or NULL */
	struct closer *closer;	/* step 3: closes removed files' locks */
};

/* Why a fix was not made, or what it did. */
struct outcome {
	enum fix_result result;
	char what[WHY_MAX];
};

/* A job's files, opened and locked while its fixes are made. */
struct job_lock {
	int fd[MAX_JOB_FILES];
	dev_t dev[MAX_JOB_FILES];	/* the file each fd is open on */
	ino_t ino[MAX_JOB_FILES];
	size_t n;
};

/* ------------------------------------------------------------------ */
/* Shared functions, by the file that defines them */

/* rp_place_fd - the directory fd of a place, or -1 */
int rp_place_fd(const struct qset *set, uint16_t qdir, uint8_t sub);

/* rp_sub_pfx - "qf/", "df/", "xf/" or "" (the top, lost+found) */
const char *rp_sub_pfx(uint8_t sub);

/* rp_place_dev - the device of a place's directory */
dev_t rp_place_dev(const struct qset *set, uint16_t qdir, uint8_t sub);

/* rp_rel_path - "qf/qf<id>" or "qf<id>" */
void rp_rel_path(uint8_t sub, const char *name, char *out, size_t outsz);

/* rp_job_file_name - the entry name of a job's file */
void rp_job_file_name(const struct job *jb, const struct jfile *jf, char *out,
    size_t outsz);

/* rp_is_control - a control-file letter: removed before the job's data */
bool rp_is_control(char letter);

/* rp_same_as_archived - the entry is still exactly what was archived */
bool rp_same_as_archived(const struct stat *now, const struct stat *was);

/*
 * rp_archived_before - the file is in the archive already, for another fix
 * of the same job: fix fi records it too, without a second copy
 */
bool rp_archived_before(struct run *r, uint32_t fi, uint16_t qdir, uint8_t sub,
    const char *name, ino_t seen_ino);

/*
 * rp_archive_job - every file of job j in the queue, control files first:
 * for OP_REMOVE_JOB all of them go; for OP_INERT (skip: the control file
 * made inert, archived by the caller) the others stay with the job, and
 * the archive holds the whole message, whatever becomes of it
 */
int rp_archive_job(struct run *r, uint32_t fi, uint32_t j, enum op_kind kind,
    const struct plan_file *skip, struct qerr *err);

/* rp_archive_fix - step 1 for one fix */
int rp_archive_fix(struct run *r, uint32_t fi, struct qerr *err);

/* rp_not_fixed - the outcome: not made, and why; returns -1 */
int rp_not_fixed(struct outcome *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* rp_unchanged - every file fix fi archived is still exactly as archived */
bool rp_unchanged(struct run *r, uint32_t fi, struct outcome *o);

/* rp_apply_fix - step 3 for one fix, its job already locked */
void rp_apply_fix(struct run *r, uint32_t fi, struct outcome *o);

/*
 * rp_sync_dirty - fsync() every directory changed since the last call;
 * -1 (err says the first failure; every one is still tried) on failure
 */
int rp_sync_dirty(struct run *r, struct qerr *err);

/* rp_unlock_job - close (and so release) every lock of the job */
void rp_unlock_job(struct run *r, struct job_lock *jl);

/*
 * rp_lock_job - open and lock every file of job j in the queues as sendmail
 * would before working on it, adding to what jl holds; false (with why,
 * and nothing held) when another process holds one
 */
bool rp_lock_job(struct run *r, uint32_t j, struct job_lock *jl,
    struct outcome *o);

/*
 * rp_lock_partners - an exchange of dfs changes another job too: its files
 * are locked with the job's (fixes order[i..k) of one job)
 */
bool rp_lock_partners(struct run *r, const uint32_t *order, uint32_t i,
    uint32_t k, struct job_lock *jl, struct outcome *o);

/*
 * rp_rewrite_digest - the SHA-256 (hex) of the bytes a rewrite (OP_REWRITE,
 * OP_REWRITE_I) of the control file st would leave; -1 when they cannot
 * be made
 */
int rp_rewrite_digest(struct run *r, const struct plan_op *op,
    const struct stat *st, char hex[ARC_SHA256_HEX + 1]);

/*
 * rp_promoted_letter - what a tf becomes: h when it holds a quarantine
 * reason, q otherwise; 0 when it cannot be read
 */
char rp_promoted_letter(int dirfd, const char *name, const struct stat *seen);

/* rp_report - print a fix's outcome and count it */
void rp_report(struct run *r, uint32_t fi, const struct outcome *o,
    struct repair_summary *rs);

#endif /* MQ_REPAIR_PRIVATE_H */
