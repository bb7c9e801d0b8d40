/*
 * index.h - every job of a set of queue directories, by queue id.
 *
 * Built by the one directory pass, read by the job pass.  A job is its id
 * plus a chain of files (qf, df, tf, ...) wherever they were found, and
 * what its control file said that the job pass needs (I line, d line, T).
 * Sized for huge queues: a job with a qf and a df costs 56 + 2 * 32 bytes
 * plus 8 bytes of hash table, so about 130 bytes.
 */
#ifndef MQ_INDEX_H
#define MQ_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "qid.h"

/* One file of a job (32 bytes). */
struct jfile {
	uint64_t ino;
	uint32_t mtime;		/* seconds since the epoch (until 2106) */
	uint32_t mtime_ns;
	uint32_t ctime;		/* sendmail ages an empty qf by its ctime */
	uint32_t next;		/* next file of the job; 0: none */
	uint16_t qdir;		/* index in the set's qdirs */
	uint8_t letter;		/* q h Q d t T x */
	uint8_t sub;		/* SUB_QF/DF/XF, or SUB_COUNT: the top */
	uint16_t nlink;		/* clamped to 65535 */
	uint16_t flags;		/* JF_* */
};

#define JF_LOCKED 0x01	 /* another process holds a lock on it */
#define JF_COMPLETE 0x02 /* control file: terminated, readable to the end */
#define JF_RUNNABLE 0x04 /* control file: sendmail runs it (outcome not
			    lost, skipped or deleted) */
#define JF_READ 0x08	 /* control file was read and judged */
#define JF_BADMODE 0x10	 /* its owner or mode was reported */
#define JF_EMPTY 0x20	 /* zero bytes */
#define JF_YOUNG 0x40	 /* younger than the grace period while sendmail
			    may be running: possibly in flight */
#define JF_UNREAD 0x80	 /* control file that could not be read */
#define JF_MISPLACED 0x100 /* not where queuename() puts it (reported) */
#define JF_REPORTED 0x200 /* passes 1-2 reported something about it */
#define JF_UNTRUSTED 0x400 /* control file someone untrusted could have
			      written: never blessed, promoted or rewritten */
#define JF_LOSTFOUND 0x800 /* in lost+found: qdir is the set's lost+found
			      index, sub SUB_LOSTFOUND */

/* Control-file letters in the order a job's facts are taken from:
 * a qf's over an hf's over a Qf's over a tf's. */
#define JL_Q 0x01	/* qf */
#define JL_H 0x02	/* hf */
#define JL_LOST 0x04	/* Qf */
#define JL_D 0x08	/* df */
#define JL_T 0x10	/* tf */
#define JL_TASIDE 0x20	/* Tf */
#define JL_X 0x40	/* xf */

_Static_assert(sizeof(struct jfile) == 32, "struct jfile stays 32 bytes");

#define DATADIR_NONE 0xffff /* no d line: the df is beside the qf */
#define DATADIR_BAD 0xfffe  /* a d line naming no queue directory */

/* One job (56 bytes). */
struct job {
	uint64_t i_ino;		/* I line of its control file */
	uint32_t first;		/* first file; 0: none */
	uint32_t i_major, i_minor;
	uint32_t ctime_T;	/* T line, 0 if none or unusable */
	uint16_t datadir;	/* d line's queue directory, DATADIR_* */
	char id[QID_MAX_LEN];	/* not NUL-terminated */
	uint8_t idlen;
	uint8_t letters;	/* JL_* of the files found */
	uint8_t ctrl;		/* letter whose facts are kept, 0: none yet */
	uint8_t jflags;		/* JB_* */
};

_Static_assert(sizeof(struct job) <= 56, "struct job stays within 56 bytes");

#define JB_HAS_I 0x01	  /* i_* hold a well-formed I line */
#define JB_PROG_RCPT 0x02 /* a program, file or :include: recipient */
#define JB_DATADIR 0x04	  /* a d line was read */
#define JB_LOST_FACTS 0x08 /* the facts are a lost+found control file's: the
			      job has none in the queue */
#define JB_TOC_SHIFT 4	  /* the timeout class (qf.h enum qf_toc), */
#define JB_TOC_MASK 0x30  /* from the headers as sendmail reads them */
#define JB_WARNS 0x40	  /* a delay warning may still go out (no w flag) */

/* A hash slot keeps the id's whole hash beside the job, so a probe
 * touches a job (a cache miss in a big queue) only when the hashes agree. */
struct index_slot {
	uint32_t job;
	uint32_t hash;
};

struct index {
	struct job *jobs;	/* jobs[0] is unused: 0 means "none" */
	uint32_t njobs, jobs_cap;
	struct jfile *files;	/* files[0] is unused */
	uint32_t nfiles, files_cap;
	struct index_slot *slots; /* hash table; job 0 = empty */
	uint32_t nslots;	/* a power of two */
};

/* index_init - an empty index */
void index_init(struct index *idx);

/* index_free - release it; it may be reused after index_init() */
void index_free(struct index *idx);

/*
 * index_job - the job of `id` (len bytes, at most QID_MAX_LEN), created
 * if new.  Returns its index, or 0 when memory runs out or the id is too
 * long.
 */
uint32_t index_job(struct index *idx, const char *id, size_t len);

/* index_find - the job of `id`, or 0 */
uint32_t index_find(const struct index *idx, const char *id, size_t len);

/*
 * index_add_file - add a copy of *f to job j (f->next is set here).
 * Returns the file's index, or 0 when memory runs out.
 */
uint32_t index_add_file(struct index *idx, uint32_t j, const struct jfile *f);

/*
 * index_sorted - the job indexes in byte order of their ids, in a new
 * array of idx->njobs - 1 entries (the caller frees it), or NULL when
 * memory runs out.
 */
uint32_t *index_sorted(const struct index *idx);

/* index_bytes - memory the index holds, for the benchmark's accounting */
size_t index_bytes(const struct index *idx);

/* jl_bit - the JL_* bit of a file letter, 0 for any other */
uint8_t jl_bit(char letter);

#endif /* MQ_INDEX_H */
