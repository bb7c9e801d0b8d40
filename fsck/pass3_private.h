/*
 * pass3_private.h - what the files of pass 3 share: pass3_jobs.c (each
 * job judged whole) and pass3_pairing.c (the questions about inodes that
 * span jobs, answered once before: which df holds the body an I line
 * records, which dfs are linked into several jobs).
 */
#ifndef MQ_PASS3_PRIVATE_H
#define MQ_PASS3_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "fsck.h"
#include "inomap.h"
#include "pass3_jobs.h"

/* What one job has, by kind, with the file sendmail would use first;
 * what lost+found holds of it apart (lq: a control file, ld: its df). */
struct jview {
	uint32_t j;
	struct job *jb;
	const struct jfile *q, *h, *lost, *d, *t, *x;
	uint32_t nq, nh, nlost, nd, nt, nx;
	const struct jfile *lq, *ld;
	uint32_t nlq, nld;
	uint32_t nlq_untrusted;	/* control files there no one should trust:
				   never moved, but they keep the df */
	bool locked, young;
	const struct qset *set;
};

/* How the body an I line records was found, when not as the job's df. */
enum pair_kind {
	PAIR_NONE = 0,	/* no file holds it: the I line may be rewritten */
	PAIR_CYCLE,	/* the dfs of a closed cycle of jobs are exchanged */
	PAIR_MISNAMED,	/* the df of an id with no control file holds it,
			   and the job has no df: a rename gives it back */
	PAIR_CLAIMED,	/* another job's df holds it otherwise: a human */
};

/* A job whose I line records another inode than its df's. */
struct unpaired {
	uint32_t job;
	uint64_t dev, ino;	/* what its I line records */
	uint32_t holder;	/* the df (index file) holding it, 0: none */
	uint32_t holder_job;	/* whose df that is */
	uint32_t own_df;	/* the job's own df (index file), 0: none */
	uint32_t nholders;	/* names holding it */
	int32_t succ;		/* the entry of the holder's job, -1: none */
	enum pair_kind kind;
	uint32_t last;		/* PAIR_CYCLE: the cycle's job with the
				   highest id of those judged (--job),
				   which gets the fix; 0: none judged */
};

/* The pairing: its answers, and the maps to find them by. */
struct pairing {
	struct unpaired *u;
	size_t n, cap;
	struct inomap by_job;	/* (~0, job) -> entry + 1 */
	struct inomap held;	/* (dev, ino) of a holder -> entry + 1 */
};

/* Data files with more than one link, by (dev, ino), for splits. */
struct shared {
	uint64_t *dev, *ino;
	uint32_t *job;
	size_t n;
};

/* ------------------------------------------------------------------ */
/* Shared functions, by the file that defines them */

/* p3_file_dev - the device of the directory holding file f */
dev_t p3_file_dev(const struct qset *set, const struct jfile *f);

/* p3_file_dirfd - the directory fd holding file f */
int p3_file_dirfd(const struct qset *set, const struct jfile *f);

/*
 * p3_read_control - control file f of job jb read again (no link
 * followed) and parsed as a control file of letter: up to QF_MAX_BYTES
 * (*cut when there is more), its fstat() in *st (may be NULL).  qf and
 * buf are set up either way: the caller frees both.  -1 (err) when it
 * cannot be opened, read or parsed.
 */
int p3_read_control(const struct qset *set, const struct job *jb,
    const struct jfile *f, char letter, struct qf_file *qf,
    struct sio_buf *buf, struct stat *st, bool *cut, struct qerr *err);

/*
 * p3_job_files - the job's files in the order sendmail thinks of a job,
 * control files first (q h Q d t T x): at most max into out.  *reported
 * (may be NULL) is increased by those passes 1 and 2 reported about,
 * every one counted.  Returns how many were stored.
 */
size_t p3_job_files(const struct qset *set, const struct job *jb,
    const struct jfile **out, size_t max, unsigned long *reported);

/* p3_shared_build - every df with more than one link */
int p3_shared_build(const struct qset *set, struct shared *sh);

/* p3_shared_sibling - another job whose df is the same inode, or 0 */
uint32_t p3_shared_sibling(const struct shared *sh, uint64_t dev,
    uint64_t ino, uint32_t j,
    const struct index *idx, bool want_control);

/* p3_shared_free - release */
void p3_shared_free(struct shared *sh);

/* p3_df_at - the job's df in queue directory qi, place sub, or NULL */
const struct jfile *p3_df_at(const struct qset *set, const struct job *jb,
    uint16_t qi, uint8_t sub);

/* p3_pairing_find - the pairing entry of job j, or NULL */
struct unpaired *p3_pairing_find(const struct pairing *pr, uint32_t j);

/* p3_held_for - the pairing entry whose body queue df f holds, or NULL */
const struct unpaired *p3_held_for(const struct qset *set,
    const struct pairing *pr,
    const struct jfile *f);

/*
 * p3_pairing_build - one pass over the jobs: which have a control file whose
 * I line records another inode than their df's (or have no df), and
 * which queue df holds each such inode.  A healthy queue asks nothing.
 * A cycle's fix goes to its last job in id order that sel wants.
 */
int p3_pairing_build(const struct qset *set, const struct selection *sel,
    struct pairing *pr);

/* p3_pairing_free - release */
void p3_pairing_free(struct pairing *pr);

/* p3_expected_df - the queue directory and place of the job's df */
bool p3_expected_df(const struct qset *set, const struct job *jb,
    const struct jfile *ctrl, uint16_t *qi, uint8_t *sub);

#endif /* MQ_PASS3_PRIVATE_H */
