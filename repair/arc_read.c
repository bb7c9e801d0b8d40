/*
 * arc_read.c - reading an archive that may be hostile: only the built-in
 * gzip filter and the tar formats are enabled (no external program can
 * be run); the MANIFEST must be the one and last entry (its signature,
 * MANIFEST.hmac, after it), at most ARC_MANIFEST_MAX bytes, and it is
 * parsed strictly: anything not exactly as arc_write.c writes it makes
 * the whole archive untrusted.  Entries are matched to manifest records
 * by name and then by digest, so the padding an arc_add_file() that
 * failed with ESTALE leaves, or a second entry of the same name, never
 * stands in for the real bytes.  Used by arc_list.c and arc_restore.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "arc_private.h"
#include "esc.h"

/* ------------------------------------------------------------------ */
/* Reading the archive */

/* rd_fail - record the reader's last error */
static int
rd_fail(struct archive *ar, struct qerr *err)
{
	return ar_la_fail(ar, "the archive cannot be read", err);
}

/* ar_rd_open - a reader of the archive on fd, from its start */
struct archive *
ar_rd_open(int fd, struct qerr *err)
{
	struct archive *ar;

	if (lseek(fd, 0, SEEK_SET) < 0) {
		qerr_set(err, errno, "seek the archive: %s", strerror(errno));
		return NULL;
	}
	ar = archive_read_new();
	if (ar == NULL) {
		(void)ar_nomem(err);
		return NULL;
	}
	/* Built-in gzip and tar only: no external program, and no format
	 * this module did not write. */
	if (archive_read_support_filter_gzip(ar) != ARCHIVE_OK ||
	    archive_read_support_format_tar(ar) != ARCHIVE_OK ||
	    archive_read_open_fd(ar, fd, ARC_READ_BLOCK) != ARCHIVE_OK) {
		(void)rd_fail(ar, err);
		(void)archive_read_free(ar);
		return NULL;
	}
	return ar;
}

/* ar_rd_next - the next entry: 1, 0 at the end, -1 (err) */
int
ar_rd_next(struct archive *ar, struct archive_entry **e, struct qerr *err)
{
	int r = archive_read_next_header(ar, e);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
		return 1;
	return rd_fail(ar, err);
}

/* ar_entry_regular - a regular file entry with bytes (not a hard link) */
bool
ar_entry_regular(struct archive_entry *e)
{
	return archive_entry_filetype(e) == AE_IFREG &&
	    archive_entry_hardlink(e) == NULL;
}

/* ar_entry_kind - the record kind of a non-regular entry, or K_NKINDS */
enum kind
ar_entry_kind(struct archive_entry *e)
{
	if (archive_entry_hardlink(e) != NULL)
		return K_NKINDS;
	switch (archive_entry_filetype(e)) {
	case AE_IFLNK:
		return K_SYMLINK;
	case AE_IFIFO:
		return K_FIFO;
	case AE_IFSOCK:
		return K_SOCKET;
	case AE_IFCHR:
		return K_CHARDEV;
	case AE_IFBLK:
		return K_BLOCKDEV;
	case AE_IFDIR:
		return K_DIR;
	default:
		return K_NKINDS;
	}
}

/* ar_entry_what - what an entry is, for a message */
const char *
ar_entry_what(struct archive_entry *e)
{
	static const char *const what[K_NKINDS] = {
		"a regular file", "a symbolic link", "a FIFO", "a socket",
		"a character device", "a block device", "a directory", ""
	};
	enum kind k;

	if (archive_entry_hardlink(e) != NULL)
		return "a hard link";
	if (ar_entry_regular(e))
		return what[K_DATA];
	k = ar_entry_kind(e);
	return k != K_NKINDS ? what[k] : "an entry of unknown type";
}

/*
 * ar_copy_entry - the current entry's bytes, hashed, and written to fd
 * when fd >= 0; more than limit bytes stop the copy (*total > limit).
 * Returns 0, -1 on a read error (the archive: rerr), -2 on a write
 * error (werr).
 */
int
ar_copy_entry(struct archive *ar, int fd, int64_t limit, unsigned char *buf,
    char hex[ARC_SHA256_HEX + 1], int64_t *total, struct qerr *rerr,
    struct qerr *werr)
{
	EVP_MD_CTX *ctx = ar_md_begin(rerr);
	la_ssize_t n;
	int rc = -1;

	*total = 0;
	if (ctx == NULL)
		return -1;
	for (;;) {
		n = archive_read_data(ar, buf, ARC_CHUNK);
		if (n < 0) {
			(void)rd_fail(ar, rerr);
			goto out;
		}
		if (n == 0)
			break;
		*total += n;
		if (*total > limit)
			break;
		if (ar_md_update(ctx, buf, (size_t)n, rerr) < 0)
			goto out;
		if (fd >= 0 && sio_write_all(fd, buf, (size_t)n, werr) < 0) {
			rc = -2;
			goto out;
		}
	}
	rc = ar_md_end(ctx, hex, rerr);
	ctx = NULL;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* ------------------------------------------------------------------ */
/* The manifest */

/* bad - the manifest cannot be trusted (lineno 0: not a line's fault) */
static int
bad(struct qerr *err, size_t lineno, const char *why)
{
	if (lineno == 0)
		qerr_set(err, EBADMSG, "%s: the archive cannot be trusted",
		    why);
	else
		qerr_set(err, EBADMSG, "MANIFEST line %zu: %s: the archive "
		    "cannot be trusted", lineno, why);
	return -1;
}

/* mf_free - release a manifest */
void
mf_free(struct manifest *mf)
{
	free(mf->text);
	free(mf->queues);
	free(mf->lostfound);
	free(mf->recs);
	free(mf->byname);
	memset(mf, 0, sizeof(*mf));
}

/* mf_read - read the MANIFEST entry's bytes, at most ARC_MANIFEST_MAX */
static int
mf_read(struct archive *ar, struct archive_entry *e, struct manifest *mf,
    struct qerr *err)
{
	la_int64_t size = archive_entry_size(e);
	la_ssize_t n;
	size_t got = 0;

	if (!ar_entry_regular(e))
		return bad(err, 0, "MANIFEST is not a regular file");
	if (!archive_entry_size_is_set(e) || size <= 0 ||
	    (uint64_t)size > ARC_MANIFEST_MAX)
		return bad(err, 0, "MANIFEST is empty or too big");
	mf->text = malloc((size_t)size + 1);
	if (mf->text == NULL)
		return ar_nomem(err);
	while (got < (size_t)size) {
		n = archive_read_data(ar, mf->text + got, (size_t)size - got);
		if (n < 0)
			return rd_fail(ar, err);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != (size_t)size)
		return bad(err, 0, "MANIFEST is truncated");
	mf->text[got] = '\0';
	mf->len = got;
	return 0;
}

/* next_line - the next '\n'-ended line of [*p, end), NUL-ended, or NULL */
static char *
next_line(char **p, char *end)
{
	char *line = *p, *nl;

	if (line >= end)
		return NULL;
	nl = memchr(line, '\n', (size_t)(end - line));
	if (nl == NULL)
		return NULL;
	*nl = '\0';
	*p = nl + 1;
	return line;
}

/* split - line's fields separated by one space; -1 if not 1..max */
static int
split(char *line, char **f, int max)
{
	char *s = line, *sp;
	int n = 0, i;

	for (;;) {
		if (n == max)
			return -1;
		f[n++] = s;
		sp = strchr(s, ' ');
		if (sp == NULL)
			break;
		*sp = '\0';
		s = sp + 1;
	}
	for (i = 0; i < n; i++)
		if (f[i][0] == '\0')
			return -1;
	return n;
}

/* unescape - decode a field in place ("-" is empty; the rest by the one
 * rule, esc_decode()); false if invalid */
static bool
unescape(char *s)
{
	if (strcmp(s, "-") == 0) {
		s[0] = '\0';
		return true;
	}
	return esc_decode(s);
}

/* parse_dec - s is a decimal number <= max */
static bool
parse_dec(const char *s, uint64_t max, uint64_t *v)
{
	size_t i;

	*v = 0;
	for (i = 0; s[i] != '\0'; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (s[i] < '0' || s[i] > '9' || i >= DEC_DIGITS_MAX ||
		    *v > (max - d) / 10)
			return false;
		*v = *v * 10 + d;
	}
	return i > 0;
}

/* parse_mode - s is an octal permission mode */
static bool
parse_mode(const char *s, mode_t *mode)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '7' || i >= MODE_DIGITS_MAX)
			return false;
		v = v * 8 + (unsigned)(s[i] - '0');
	}
	*mode = (mode_t)v;
	return i > 0 && v <= ARC_PERM_MASK;
}

/* parse_mtime - s is "<seconds>.<nanoseconds>", seconds maybe negative */
static bool
parse_mtime(char *s, int64_t *sec, long *nsec)
{
	char *dot = strchr(s, '.');
	bool neg = s[0] == '-';
	uint64_t v, ns;

	if (dot == NULL || strlen(dot + 1) != NSEC_DIGITS)
		return false;
	*dot = '\0';
	if (!parse_dec(s + (neg ? 1 : 0), INT64_MAX, &v) ||
	    !parse_dec(dot + 1, NSEC_PER_SEC - 1, &ns))
		return false;
	*sec = neg ? -(int64_t)v : (int64_t)v;
	*nsec = (long)ns;
	/* The record must fit a time_t to be restored. */
	return (int64_t)(time_t)*sec == *sec;
}

/* parse_sha - s is 64 lower-case hex digits */
static bool
parse_sha(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == ARC_SHA256_HEX;
}

/* parse_created - s is "YYYY-mm-ddTHH:MM:SSZ" */
static bool
parse_created(const char *s)
{
	const char *p = CREATED_PATTERN;

	for (; *p != '\0'; p++, s++) {
		if (*p == 'd' ? (*s < '0' || *s > '9') : *s != *p)
			return false;
	}
	return *s == '\0';
}

/* parse_kind - the kind named s, or K_NKINDS */
static enum kind
parse_kind(const char *s)
{
	int k;

	for (k = 0; k < K_NKINDS; k++)
		if (strcmp(s, ar_kind_names[k]) == 0)
			return (enum kind)k;
	return K_NKINDS;
}

/* parse_ids - the uid, gid and size fields of a file record */
static bool
parse_ids(char **f, struct mf_rec *r)
{
	uint64_t uid, gid, size;

	if (!parse_dec(f[0], UINT32_MAX, &uid) ||
	    !parse_dec(f[1], UINT32_MAX, &gid) ||
	    !parse_dec(f[2], INT64_MAX, &size))
		return false;
	r->uid = (uint32_t)uid;
	r->gid = (uint32_t)gid;
	r->size = (int64_t)size;
	return true;
}

/*
 * parse_file - a "file" line: N path kind mode uid gid size mtime sha256
 * code problem action.  Returns NULL, or why it is invalid.
 */
static const char *
parse_file(const struct manifest *mf, char **f, struct mf_rec *r)
{
	uint64_t q;

	if (!parse_dec(f[1], UINT32_MAX, &q) || q >= mf->nqueues)
		return "no such queue";
	r->queue = (unsigned)q;
	r->kind = parse_kind(f[3]);
	if (r->kind == K_NKINDS)
		return "unknown kind";
	if (!unescape(f[2]) ||
	    !(r->kind == K_RECORD ? ar_record_path_ok(f[2]) : ar_rel_path_ok(f[2])))
		return "bad path";
	r->path = f[2];
	if (!parse_mode(f[4], &r->mode) || !parse_ids(&f[5], r) ||
	    !parse_mtime(f[8], &r->mtime_sec, &r->mtime_nsec))
		return "bad mode, owner, size or mtime";
	if (r->kind == K_DATA ? !parse_sha(f[9]) : strcmp(f[9], NO_DIGEST) != 0)
		return "bad sha256";
	r->sha = r->kind == K_DATA ? f[9] : NULL;
	if (!unescape(f[10]) || !unescape(f[11]) || !unescape(f[12]))
		return "bad code, problem or action";
	r->code = f[10];
	r->problem = f[11];
	r->action = f[12];
	r->state = ST_PENDING;
	return NULL;
}

/* count_lines - lines of text beginning with prefix */
static size_t
count_lines(const char *text, const char *end, const char *prefix)
{
	size_t n = 0, plen = strlen(prefix);
	const char *p = text, *nl;

	while (p < end) {
		if ((size_t)(end - p) >= plen && memcmp(p, prefix, plen) == 0)
			n++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return n;
}

/* mf_alloc - arrays for the queue and file lines the text holds */
static int
mf_alloc(struct manifest *mf, struct qerr *err)
{
	char *end = mf->text + mf->len;
	size_t nq = count_lines(mf->text, end, "queue ") +
	    count_lines(mf->text, end, "lostfound ");
	size_t nf = count_lines(mf->text, end, "file ");

	if (nq > ARC_MAX_QUEUES || nf > ARC_MAX_RECORDS)
		return bad(err, 0, "too many records");
	mf->queues = calloc(nq + 1, sizeof(*mf->queues));
	mf->lostfound = calloc(nq + 1, sizeof(*mf->lostfound));
	mf->recs = calloc(nf + 1, sizeof(*mf->recs));
	mf->byname = calloc(nf + 1, sizeof(struct mf_rec *));
	if (mf->queues == NULL || mf->lostfound == NULL || mf->recs == NULL ||
	    mf->byname == NULL)
		return ar_nomem(err);
	return 0;
}

/* parse_head - the magic, host and created lines */
static int
parse_head(struct manifest *mf, char **p, char *end, struct qerr *err)
{
	char *line, *f[PAIR_FIELDS];

	line = next_line(p, end);
	if (line != NULL && strcmp(line, MANIFEST_MAGIC) == 0)
		mf->version = 2;
	else if (line != NULL && strcmp(line, MANIFEST_MAGIC_V1) == 0)
		mf->version = 1;
	else
		return bad(err, 1, "not an mqfsck archive of version 1 or 2");
	line = next_line(p, end);
	if (line == NULL || split(line, f, PAIR_FIELDS) != PAIR_FIELDS ||
	    strcmp(f[0], "host") != 0 || !unescape(f[1]))
		return bad(err, 2, "bad host line");
	mf->host = f[1];
	line = next_line(p, end);
	if (line == NULL || split(line, f, PAIR_FIELDS) != PAIR_FIELDS ||
	    strcmp(f[0], "created") != 0 || !parse_created(f[1]))
		return bad(err, 3, "bad created line");
	mf->created = f[1];
	return 0;
}

/* parse_queue - a "queue N path" line, N in order, before any file */
static int
parse_queue(struct manifest *mf, char **f, int nf, size_t lineno,
    struct qerr *err)
{
	uint64_t q;

	if (nf != QUEUE_FIELDS || mf->nrecs > 0 ||
	    mf->nqueues >= ARC_MAX_QUEUES ||
	    !parse_dec(f[1], UINT32_MAX, &q) || q != mf->nqueues ||
	    !unescape(f[2]) || !ar_abs_path_ok(f[2]))
		return bad(err, lineno, "bad queue record");
	mf->queues[mf->nqueues++] = f[2];
	return 0;
}

/*
 * parse_wrote - a "wrote N path mode uid gid ino sha256" line (version
 * 2), what the repair left of the file record just before it
 */
static int
parse_wrote(struct manifest *mf, char **f, int nf, size_t lineno,
    struct qerr *err)
{
	struct mf_rec *r = mf->nrecs > 0 ? &mf->recs[mf->nrecs - 1] : NULL;
	uint64_t q, uid, gid, ino;

	if (nf != WROTE_FIELDS || mf->version < 2 || r == NULL ||
	    r->path == NULL || r->w_path != NULL)
		return bad(err, lineno, "a wrote record not after a file record");
	/* The queue directory itself (".") stays itself. */
	if (!parse_dec(f[1], UINT32_MAX, &q) || q >= mf->nqueues ||
	    f[2] == NULL || !unescape(f[2]) || !ar_record_path_ok(f[2]) ||
	    (strcmp(f[2], ".") == 0) != (strcmp(r->path, ".") == 0) ||
	    !parse_mode(f[3], &r->w_mode) ||
	    !parse_dec(f[4], UINT32_MAX, &uid) ||
	    !parse_dec(f[5], UINT32_MAX, &gid) ||
	    !parse_dec(f[6], UINT64_MAX, &ino) ||
	    (strcmp(f[7], NO_DIGEST) != 0 && !parse_sha(f[7])))
		return bad(err, lineno, "bad wrote record");
	r->w_queue = (unsigned)q;
	r->w_path = f[2];
	r->w_uid = (uint32_t)uid;
	r->w_gid = (uint32_t)gid;
	r->w_ino = ino;
	r->w_sha = strcmp(f[7], NO_DIGEST) == 0 ? NULL : f[7];
	return 0;
}

/* parse_end - "end <count>": the count is right and nothing follows */
static int
parse_end(const struct manifest *mf, char **f, int nf, size_t lineno,
    bool at_end, struct qerr *err)
{
	uint64_t n;

	if (nf != PAIR_FIELDS || !parse_dec(f[1], UINT64_MAX, &n))
		return bad(err, lineno, "bad end record");
	if (n != mf->nrecs)
		return bad(err, lineno, "end count does not match the records");
	if (!at_end)
		return bad(err, lineno, "data after the end record");
	return 0;
}

/* parse_line - one record after the head; 1 when it was "end" */
static int
parse_line(struct manifest *mf, char *line, size_t lineno, bool at_end,
    struct qerr *err)
{
	char *f[MAX_FIELDS];
	int nf = split(line, f, MAX_FIELDS);

	if (nf < 1)
		return bad(err, lineno, "bad field separators");
	if (strcmp(f[0], "queue") == 0)
		return parse_queue(mf, f, nf, lineno, err);
	if (strcmp(f[0], "lostfound") == 0 && mf->version >= 2) {
		mf->lostfound[mf->nqueues] = true;
		return parse_queue(mf, f, nf, lineno, err);
	}
	if (strcmp(f[0], "file") == 0) {
		const char *why;

		if (nf != FILE_FIELDS || mf->nrecs >= ARC_MAX_RECORDS)
			return bad(err, lineno, "bad file record");
		why = parse_file(mf, f, &mf->recs[mf->nrecs]);
		if (why != NULL)
			return bad(err, lineno, why);
		mf->nrecs++;
		return 0;
	}
	if (strcmp(f[0], "wrote") == 0)
		return parse_wrote(mf, f, nf, lineno, err);
	if (strcmp(f[0], "end") == 0)
		return parse_end(mf, f, nf, lineno, at_end, err) < 0 ? -1 : 1;
	return bad(err, lineno, "unknown keyword");
}

/* rec_cmp - order of byname: queue, path, then manifest order */
static int
rec_cmp(const void *x, const void *y)
{
	const struct mf_rec *a = *(const struct mf_rec *const *)x;
	const struct mf_rec *b = *(const struct mf_rec *const *)y;
	int c;

	if (a->queue != b->queue)
		return a->queue < b->queue ? -1 : 1;
	c = strcmp(a->path, b->path);
	if (c != 0)
		return c;
	return a < b ? -1 : (a > b ? 1 : 0);
}

/* mf_parse - the whole manifest text, strictly */
static int
mf_parse(struct manifest *mf, struct qerr *err)
{
	char *p = mf->text, *end = mf->text + mf->len;
	size_t lineno = 3, i;
	int r = 0;

	if (memchr(mf->text, '\0', mf->len) != NULL)
		return bad(err, 0, "a NUL byte");
	if (mf_alloc(mf, err) < 0 || parse_head(mf, &p, end, err) < 0)
		return -1;
	while (r == 0) {
		char *line = next_line(&p, end);

		lineno++;
		if (line == NULL)
			return bad(err, lineno, "no end record (truncated)");
		r = parse_line(mf, line, lineno, p == end, err);
		if (r < 0)
			return -1;
	}
	for (i = 0; i < mf->nrecs; i++)
		mf->byname[i] = &mf->recs[i];
	qsort(mf->byname, mf->nrecs, sizeof(struct mf_rec *), rec_cmp);
	return 0;
}

/* sig_read - the SIG_NAME entry's text into mf->sig */
static int
sig_read(struct archive *ar, struct archive_entry *e, struct manifest *mf,
    struct qerr *err)
{
	la_int64_t size = archive_entry_size(e);
	la_ssize_t n;
	size_t got = 0;

	if (!ar_entry_regular(e) || !archive_entry_size_is_set(e) || size <= 0 ||
	    size > SIG_MAX)
		return bad(err, 0, "a bad " SIG_NAME " entry");
	while (got < (size_t)size) {
		n = archive_read_data(ar, mf->sig + got, (size_t)size - got);
		if (n < 0)
			return rd_fail(ar, err);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	mf->sig[got] = '\0';
	if (got != (size_t)size || got == 0)
		return bad(err, 0, SIG_NAME " is truncated");
	return 0;
}

/*
 * sig_check - whether the manifest is the one this host's key signed:
 * ARC_SIG_OK, or ARC_SIG_NONE (not signed), ARC_SIG_NOKEY (no key to
 * check with), ARC_SIG_BAD (signed, but not so: another host's key, or
 * changed since)
 */
static int
sig_check(struct manifest *mf, const unsigned char *key, struct qerr *err)
{
	struct sbuf part;
	char hex[ARC_SHA256_HEX + 1];
	size_t plen = strlen(SIG_PREFIX);

	if (mf->sig[0] == '\0') {
		mf->sigstate = ARC_SIG_NONE;
		return 0;
	}
	if (key == NULL) {
		mf->sigstate = ARC_SIG_NOKEY;
		return 0;
	}
	part.data = mf->text;
	part.len = mf->len;
	if (ar_manifest_hmac(key, &part, 1, hex, err) < 0)
		return -1;
	mf->sigstate = strlen(mf->sig) == plen + ARC_SHA256_HEX + 1 &&
	    strncmp(mf->sig, SIG_PREFIX, plen) == 0 &&
	    mf->sig[plen + ARC_SHA256_HEX] == '\n' &&
	    CRYPTO_memcmp(mf->sig + plen, hex, ARC_SHA256_HEX) == 0
	    ? ARC_SIG_OK : ARC_SIG_BAD;
	return 0;
}

/* mf_load - find the MANIFEST (the one, last entry) and parse it */
int
mf_load(int fd, struct manifest *mf, const unsigned char *key,
    struct qerr *err)
{
	struct archive_entry *e;
	struct archive *ar;
	int r;

	memset(mf, 0, sizeof(*mf));
	ar = ar_rd_open(fd, err);
	if (ar == NULL)
		return -1;
	while ((r = ar_rd_next(ar, &e, err)) == 1) {
		const char *name = archive_entry_pathname(e);

		if (mf->text != NULL && mf->sig[0] == '\0' && name != NULL &&
		    strcmp(name, SIG_NAME) == 0) {
			if (sig_read(ar, e, mf, err) < 0) {
				r = -1;
				break;
			}
			continue;
		}
		if (mf->text != NULL) {
			r = bad(err, 0, "MANIFEST is not the last entry");
			break;
		}
		if (name != NULL && strcmp(name, MANIFEST_NAME) == 0 &&
		    mf_read(ar, e, mf, err) < 0) {
			r = -1;
			break;
		}
	}
	(void)archive_read_free(ar);
	if (r == 0 && mf->text == NULL)
		r = bad(err, 0, "no MANIFEST (incomplete, or not mqfsck's)");
	/* Before mf_parse(), which cuts the text into fields. */
	if (r == 0 && sig_check(mf, key, err) < 0)
		r = -1;
	if (r == 0 && mf_parse(mf, err) == 0)
		return 0;
	mf_free(mf);
	return -1;
}

/* key_cmp - record r against the name (q, path[0..len)) */
static int
key_cmp(const struct mf_rec *r, unsigned q, const char *path, size_t len)
{
	int c;

	if (r->queue != q)
		return r->queue < q ? -1 : 1;
	c = strncmp(r->path, path, len);
	if (c != 0)
		return c;
	return r->path[len] != '\0' ? 1 : 0;
}

/* mf_find - the records named (q, path[0..len)): *first and how many */
size_t
mf_find(const struct manifest *mf, unsigned q, const char *path, size_t len,
    size_t *first)
{
	size_t lo = 0, hi = mf->nrecs, n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(mf->byname[mid], q, path, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (n = 0; lo + n < mf->nrecs &&
	    key_cmp(mf->byname[lo + n], q, path, len) == 0; n++)
		;
	return n;
}

/*
 * mf_entry_split - name is "<N>/<rest>", N (no leading zero) a queue of
 * the manifest; *restlen leaves out trailing '/' when strip (the name
 * of a directory entry).
 */
bool
mf_entry_split(const struct manifest *mf, const char *name, bool strip,
    unsigned *q, const char **rest, size_t *restlen)
{
	unsigned v = 0;
	size_t i, n;

	for (i = 0; name[i] >= '0' && name[i] <= '9'; i++) {
		if (i >= QUEUE_DIGITS_MAX || (i > 0 && name[0] == '0'))
			return false;
		v = v * 10 + (unsigned)(name[i] - '0');
	}
	if (i == 0 || name[i] != '/' || v >= mf->nqueues)
		return false;
	*q = v;
	*rest = name + i + 1;
	n = strlen(*rest);
	while (strip && n > 0 && (*rest)[n - 1] == '/')
		n--;
	*restlen = n;
	return n > 0;
}

/* mf_entry_records - the records an entry's name stands for */
size_t
mf_entry_records(const struct manifest *mf, struct archive_entry *e,
    size_t *first)
{
	const char *name = archive_entry_pathname(e), *rest;
	size_t len;
	unsigned q;

	if (name == NULL ||
	    !mf_entry_split(mf, name, !ar_entry_regular(e), &q, &rest, &len))
		return 0;
	return mf_find(mf, q, rest, len, first);
}

/* mf_has_kind - one of the n records from first is of kind k */
bool
mf_has_kind(const struct manifest *mf, size_t first, size_t n, enum kind k)
{
	size_t i;

	for (i = first; i < first + n; i++)
		if (mf->byname[i]->kind == k)
			return true;
	return false;
}

/* mf_match - the pending data record of the n from first with these bytes */
struct mf_rec *
mf_match(const struct manifest *mf, size_t first, size_t n, int64_t size,
    const char *hex)
{
	size_t i;

	for (i = first; i < first + n; i++) {
		struct mf_rec *r = mf->byname[i];

		if (r->kind == K_DATA && r->state == ST_PENDING &&
		    r->size == size && strcmp(r->sha, hex) == 0)
			return r;
	}
	return NULL;
}

/* mf_pending_limit - the largest size of the pending data records, or -1 */
int64_t
mf_pending_limit(const struct manifest *mf, size_t first, size_t n)
{
	int64_t max = -1;
	size_t i;

	for (i = first; i < first + n; i++) {
		const struct mf_rec *r = mf->byname[i];

		if (r->kind == K_DATA && r->state == ST_PENDING &&
		    r->size > max)
			max = r->size;
	}
	return max;
}

/* mf_pending_size - a pending data record of the n from first has size */
bool
mf_pending_size(const struct manifest *mf, size_t first, size_t n, int64_t size)
{
	size_t i;

	for (i = first; i < first + n; i++) {
		const struct mf_rec *r = mf->byname[i];

		if (r->kind == K_DATA && r->state == ST_PENDING &&
		    r->size == size)
			return true;
	}
	return false;
}

/* mf_mark_bad - an entry of this name had other bytes */
void
mf_mark_bad(const struct manifest *mf, size_t first, size_t n)
{
	size_t i;

	for (i = first; i < first + n; i++)
		if (mf->byname[i]->kind == K_DATA)
			mf->byname[i]->bad_seen = true;
}

