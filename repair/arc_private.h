/*
 * arc_private.h - what the files of the archive share: arc_common.c
 * (paths, digests, the host key), arc_write.c (the writer a repair
 * uses), arc_read.c (the reader and the manifest parser), arc_list.c
 * (--list) and arc_restore.c (--restore).  Nothing outside repair/arc_*.c
 * includes it: their interface is arc.h.
 */
#ifndef MQ_ARC_PRIVATE_H
#define MQ_ARC_PRIVATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "arc.h"

#include "esc.h"

/* Sizes and caps. */
#define ARC_CHUNK ((size_t)64 * 1024)	/* file bytes move in pieces */
#define ARC_MANIFEST_MAX ((size_t)64 << 20) /* biggest MANIFEST */
#define ARC_MAX_RECORDS ((size_t)1 << 20) /* file records in an archive */
#define ARC_MAX_QUEUES 1024		/* queue records in an archive */
#define ARC_NAME_TRIES 100		/* name, name-2 .. name-100 */
#define ARC_HOST_NAME_MAX 64		/* bytes of host in the file name */
#define ARC_FILE_MODE 0600		/* the archive; files restored */
#define ARC_PERM_MASK 07777		/* permission bits of a mode */
#define ARC_READ_BLOCK 10240		/* libarchive's customary block */
#define ARC_SHORT_DIGEST 12		/* hex digits shown by a listing */
#define ARC_NAME_BUF 160		/* an archive name, and to spare */
#define ARC_STAMP_BUF 32		/* a formatted time */
#define ENTRY_NAME_MAX (PATH_MAX + 16)	/* "<N>/<path>" */
#define END_LINE_MAX 32			/* "end <count>\n" */
#define VIS_MAX 160			/* one escaped name in a message */
#define SB_MIN 256			/* first allocation of a line */
#define QUEUE_DIGITS_MAX 9		/* digits of N in an entry name */
#define DEC_DIGITS_MAX 20		/* digits of a 64-bit number */
#define MODE_DIGITS_MAX 5		/* octal digits of a mode */
#define NSEC_DIGITS 9			/* digits after an mtime's point */
#define NSEC_PER_SEC 1000000000L
#define MAX_FIELDS 13			/* the most a line has */
#define FILE_FIELDS 13			/* "file" and its 12 fields */
#define QUEUE_FIELDS 3			/* "queue N path" */
#define WROTE_FIELDS 8			/* "wrote" and its 7 fields */
#define PAIR_FIELDS 2			/* "host x", "created x", "end n" */
#define KIND_LEN 2			/* "qf", "df": a queue file's kind */

#define MANIFEST_NAME "MANIFEST"
#define SIG_NAME "MANIFEST.hmac"	/* after MANIFEST, when signed */
#define SIG_PREFIX "hmac-sha256 "	/* then 64 hex digits, "\n" */
#define SIG_MAX 128			/* bytes of the SIG_NAME entry */
#define MANIFEST_MAGIC "mqfsck-archive 2"
#define MANIFEST_MAGIC_V1 "mqfsck-archive 1" /* read: no "wrote" lines */
#define JSON_SCHEMA MQ_JSON_SCHEMA
#define NO_DIGEST "-"
/* The created field; 'd' stands for a decimal digit. */
#define CREATED_PATTERN "dddd-dd-ddTdd:dd:ddZ"

/* What a manifest record is (the order of kind_names[]). */
enum kind {
	K_DATA,
	K_SYMLINK,
	K_FIFO,
	K_SOCKET,
	K_CHARDEV,
	K_BLOCKDEV,
	K_DIR,
	K_RECORD,
	K_NKINDS
};

/* The manifest's word for each kind (arc_common.c). */
extern const char *const ar_kind_names[K_NKINDS];

/* A growable line buffer. */
struct sbuf {
	char *data;
	size_t len;
	size_t cap;
};


/* Progress of a manifest record through arc_list() or arc_restore(). */
enum rec_state {
	ST_PENDING,
	ST_DONE,		/* verified, restored or already there */
	ST_REFUSED,
	ST_FAILED
};

/* A "file" line of a manifest, its strings inside the manifest text. */
struct mf_rec {
	const char *path;
	const char *sha;		/* 64 hex digits, or NULL */
	const char *code;		/* "" when none */
	const char *problem;
	const char *action;
	int64_t size;
	int64_t mtime_sec;
	long mtime_nsec;
	uint32_t uid;
	uint32_t gid;
	unsigned queue;
	mode_t mode;
	enum kind kind;
	enum rec_state state;
	bool bad_seen;		/* an entry of its name had other bytes */
	bool renamed_back;	/* a restore renamed its file back */
	/* Its "wrote" line: what the repair left (w_path NULL: none). */
	const char *w_path;
	const char *w_sha;	/* the bytes left; NULL: those recorded */
	uint64_t w_ino;
	uint32_t w_uid;
	uint32_t w_gid;
	unsigned w_queue;
	mode_t w_mode;
};

struct manifest {
	char *text;			/* the MANIFEST, parsed in place */
	size_t len;
	const char *host;
	const char *created;
	int version;			/* 1 or 2 (MANIFEST_MAGIC) */
	char sig[SIG_MAX + 1];		/* the SIG_NAME entry, "" if none */
	enum arc_sig sigstate;
	const char **queues;
	bool *lostfound;		/* per queue: a "lostfound" line */
	unsigned nqueues;
	struct mf_rec *recs;
	size_t nrecs;
	struct mf_rec **byname;		/* recs sorted by queue and path */
};

/* ------------------------------------------------------------------ */
/* Shared functions, by the file that defines them */

/* ar_nomem - record an allocation failure */
int ar_nomem(struct qerr *err);

/* ar_qerr_copy - pass a failure recorded in src on to err (may be NULL) */
void ar_qerr_copy(struct qerr *err, const struct qerr *src);

/* ar_component_ok - one path component: non-empty, not "." or ".." */
bool ar_component_ok(const char *s, size_t n);

/* ar_rel_path_ok - a relative path of safe components, shorter than PATH_MAX */
bool ar_rel_path_ok(const char *path);

/* ar_record_path_ok - a record may also name the queue directory itself
 * (".": a change of its owner or mode) */
bool ar_record_path_ok(const char *path);

/* ar_abs_path_ok - an absolute path without ".." shorter than PATH_MAX */
bool ar_abs_path_ok(const char *path);

/* ar_base_name - the last component of a relative path */
const char *ar_base_name(const char *path);

/* ar_md_begin - a new SHA-256 context, or NULL */
EVP_MD_CTX *ar_md_begin(struct qerr *err);

/* ar_md_update - hash n more bytes */
int ar_md_update(EVP_MD_CTX *ctx, const void *p, size_t n, struct qerr *err);

/* ar_md_end - the digest in lower-case hex; frees ctx */
int ar_md_end(EVP_MD_CTX *ctx, char hex[ARC_SHA256_HEX + 1], struct qerr *err);

/* ar_la_fail - record libarchive's last error on ar */
int ar_la_fail(struct archive *ar, const char *what, struct qerr *err);

/* ar_pread_retry - pread(2), retrying EINTR */
ssize_t ar_pread_retry(int fd, void *p, size_t n, off_t off);

/* ar_aside_name - "<stamp>.<prefix><name>", '/' of the prefix as '+' */
bool ar_aside_name(const char *stamp, const char *prefix, const char *name,
    char *out, size_t outsz);

/*
 * ar_manifest_hmac - HMAC-SHA256 of the manifest text under key, in hex
 * (the parts in order: what the MANIFEST entry holds)
 */
int ar_manifest_hmac(const unsigned char *key, const struct sbuf *parts,
    size_t nparts, char hex[ARC_SHA256_HEX + 1], struct qerr *err);

/* ar_sig_words - what a signature state means, for a message */
const char *ar_sig_words(enum arc_sig s);

/* ar_rd_open - a reader of the archive on fd, from its start */
struct archive *ar_rd_open(int fd, struct qerr *err);

/* ar_rd_next - the next entry: 1, 0 at the end, -1 (err) */
int ar_rd_next(struct archive *ar, struct archive_entry **e, struct qerr *err);

/* ar_entry_regular - a regular file entry with bytes (not a hard link) */
bool ar_entry_regular(struct archive_entry *e);

/* ar_entry_kind - the record kind of a non-regular entry, or K_NKINDS */
enum kind ar_entry_kind(struct archive_entry *e);

/* ar_entry_what - what an entry is, for a message */
const char *ar_entry_what(struct archive_entry *e);

/*
 * ar_copy_entry - the current entry's bytes, hashed, and written to fd
 * when fd >= 0; more than limit bytes stop the copy (*total > limit).
 * Returns 0, -1 on a read error (the archive: rerr), -2 on a write
 * error (werr).
 */
int ar_copy_entry(struct archive *ar, int fd, int64_t limit, unsigned char *buf,
    char hex[ARC_SHA256_HEX + 1], int64_t *total, struct qerr *rerr,
    struct qerr *werr);

/* mf_free - release a manifest */
void mf_free(struct manifest *mf);

/* mf_load - find the MANIFEST (the one, last entry) and parse it */
int mf_load(int fd, struct manifest *mf, const unsigned char *key,
    struct qerr *err);

/* mf_find - the records named (q, path[0..len)): *first and how many */
size_t mf_find(const struct manifest *mf, unsigned q, const char *path, size_t len,
    size_t *first);

/*
 * mf_entry_split - name is "<N>/<rest>", N (no leading zero) a queue of
 * the manifest; *restlen leaves out trailing '/' when strip (the name
 * of a directory entry).
 */
bool mf_entry_split(const struct manifest *mf, const char *name, bool strip,
    unsigned *q, const char **rest, size_t *restlen);

/* mf_entry_records - the records an entry's name stands for */
size_t mf_entry_records(const struct manifest *mf, struct archive_entry *e,
    size_t *first);

/* mf_has_kind - one of the n records from first is of kind k */
bool mf_has_kind(const struct manifest *mf, size_t first, size_t n, enum kind k);

/* mf_match - the pending data record of the n from first with these bytes */
struct mf_rec *mf_match(const struct manifest *mf, size_t first, size_t n, int64_t size,
    const char *hex);

/* mf_pending_limit - the largest size of the pending data records, or -1 */
int64_t mf_pending_limit(const struct manifest *mf, size_t first, size_t n);

/* mf_pending_size - a pending data record of the n from first has size */
bool mf_pending_size(const struct manifest *mf, size_t first, size_t n, int64_t size);

/* mf_mark_bad - an entry of this name had other bytes */
void mf_mark_bad(const struct manifest *mf, size_t first, size_t n);

/* ar_print_esc - s on out as one field, escaped by the one rule */
void ar_print_esc(FILE *out, const char *s);

/* ------------------------------------------------------------------ */
/* arc_gzip.c: the archive's gzip stream, compressed on its own thread */

struct gz;

/* gz_start - a gzip stream onto fd (written from a thread; fd stays the
 * caller's); NULL with err */
struct gz *gz_start(int fd, struct qerr *err);

/* gz_write - n more bytes of the stream; -1 (err) when the thread has
 * failed (nothing more is written) */
int gz_write(struct gz *g, const void *p, size_t n, struct qerr *err);

/* gz_finish - end the stream and wait until every byte is written; 0,
 * or -1 with the first failure */
int gz_finish(struct gz *g, struct qerr *err);

/* gz_free - stop (an unfinished stream is abandoned) and release */
void gz_free(struct gz *g);

#endif /* MQ_ARC_PRIVATE_H */
