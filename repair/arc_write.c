/*
 * arc_write.c - the archive every repair writes before it changes
 * anything (arc_create() .. arc_commit()); reading it back is arc_read.c,
 * arc_list.c and arc_restore.c.
 *
 * Writing.  libarchive writes a pax stream ("restricted": an extended
 * header only where ustar cannot say something) that arc_gzip.c
 * compresses, on a thread of its own, onto the fd of an unnamed file from
 * sio_tmp_create().  That fd stays ours, so arc_commit() can end the
 * stream, fsync() the file, and only then link it in under its name
 * (sio_tmp_publish(), never replacing) and fsync() the directory.  The
 * manifest grows in memory, one line per record, under the caps the
 * reader enforces (ARC_MANIFEST_MAX, ARC_MAX_RECORDS), so an archive
 * written here can always be read back.  File bytes pass through one
 * ARC_CHUNK buffer: memory does not grow with the size of a file.
 *
 * Allocation: struct arc owns its libarchive handle, its temporary file,
 * the manifest lines and a read buffer, all released by arc_free().
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

struct arc {
	struct sio_writer *w;
	int dirfd;			/* the archive directory, borrowed */
	struct sio_tmp tmp;		/* the archive until it is named */
	struct archive *ar;		/* libarchive's writer */
	struct gz *gz;			/* its output, compressed (arc_gzip.c) */
	struct qerr gz_err;		/* why gz_write() failed */
	struct sbuf head;		/* magic, host and created lines */
	struct sbuf queues;		/* one "queue" line each */
	struct sbuf files;		/* one "file" line each */
	unsigned nqueues;
	size_t nfiles;
	bool broken;			/* a step failed: only arc_free() */
	char why[QERR_MSG_MAX];		/* the first failure, when broken */
	bool committed;
	time_t now;
	char namehost[ARC_HOST_NAME_MAX + 1]; /* host as the name has it */
	char stamp[ARC_STAMP_BUF];	/* YYYYmmddTHHMMSSZ */
	unsigned char *buf;		/* ARC_CHUNK bytes */
	bool keyed;			/* sign the manifest with key */
	unsigned char key[ARC_KEY_LEN];
};

/* ------------------------------------------------------------------ */
/* Small helpers */

/* vis - s escaped by the one rule (esc.h), cut with "..." to fit buf */
static const char *
vis(const char *s, char *buf, size_t bufsz)
{
	return esc_str(buf, bufsz, s);
}

/* sb_room - room in b for n more bytes and a NUL; -1 on ENOMEM */
static int
sb_room(struct sbuf *b, size_t n)
{
	size_t want, cap;
	char *p;

	if (n > SIZE_MAX / 4 - b->len)
		return -1;
	want = b->len + n + 1;
	if (want <= b->cap)
		return 0;
	cap = b->cap > 0 ? b->cap : SB_MIN;
	while (cap < want)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

/* sb_add - append n bytes to b */
static int
sb_add(struct sbuf *b, const void *p, size_t n)
{
	if (sb_room(b, n) < 0)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

/* sb_printf - append formatted text to b */
static int __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sb_room(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	b->len += (size_t)n;
	return 0;
}

/*
 * sb_esc - append s as a manifest field, escaped by the one rule with
 * ESC_FIELD (esc.h: no space, no control byte, no backslash stands for
 * itself); an empty (or NULL) s as "-", and so a lone "-" as \x2d.
 */
static int
sb_esc(struct sbuf *b, const char *s)
{
	size_t n;

	if (s == NULL || s[0] == '\0')
		return sb_add(b, "-", 1);
	if (strcmp(s, "-") == 0)
		return sb_add(b, "\\x2d", 4);
	/* Room for the worst case, once: every byte as \xNN. */
	n = strlen(s);
	if (n > SIZE_MAX / 8 || sb_room(b, ESC_MAX * n) < 0)
		return -1;
	b->len += esc_field(b->data + b->len, s);
	return 0;
}

/* sb_free - release a line buffer */
static void
sb_free(struct sbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

/* ------------------------------------------------------------------ */
/* SHA-256 (OpenSSL EVP: the SHA256_* calls are deprecated in 3.0) */

/* ------------------------------------------------------------------ */
/* Writing */

/* broke - a step of a failed (err): nothing more may be written; the
 * first failure is kept for arc_failure(); returns rc */
static int
broke(struct arc *a, int rc, const struct qerr *err)
{
	if (!a->broken)
		(void)snprintf(a->why, sizeof(a->why), "%s", err->msg);
	a->broken = true;
	return rc;
}

/* arc_failure - why the archive cannot be completed, or NULL */
const char *
arc_failure(const struct arc *a)
{
	return a != NULL && a->broken ? a->why : NULL;
}

/* usable - a may take more: not failed, not committed */
static int
usable(const struct arc *a, struct qerr *err)
{
	if (a->broken) {
		qerr_set(err, EIO, "the archive failed earlier: %s", a->why);
		return -1;
	}
	if (a->committed) {
		qerr_set(err, EINVAL, "the archive is already committed");
		return -1;
	}
	return 0;
}

/* name_host - host as it may appear in a file name: [A-Za-z0-9.-] */
static void
name_host(const char *host, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; host[i] != '\0' && i + 1 < outsz; i++) {
		char c = host[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-')
			out[i] = c;
		else
			out[i] = '_';
	}
	out[i] = '\0';
	if (i == 0)
		(void)snprintf(out, outsz, "unknown");
}

/* make_head - the first lines of the manifest, and the name's time */
static int
make_head(struct arc *a, const char *host, struct qerr *err)
{
	char created[ARC_STAMP_BUF];
	struct tm tm;

	/* The manifest's created field has a four-digit year. */
	if (gmtime_r(&a->now, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900 ||
	    strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ",
	    &tm) == 0 ||
	    strftime(a->stamp, sizeof(a->stamp), "%Y%m%dT%H%M%SZ", &tm) == 0) {
		qerr_set(err, EINVAL, "archive time out of range");
		return -1;
	}
	if (sb_printf(&a->head, "%s\nhost ", MANIFEST_MAGIC) < 0 ||
	    sb_esc(&a->head, host) < 0 ||
	    sb_printf(&a->head, "\ncreated %s\n", created) < 0)
		return ar_nomem(err);
	return 0;
}

/* to_gz - libarchive's write callback: the pax stream into arc_gzip.c */
static la_ssize_t
to_gz(struct archive *ar, void *cookie, const void *p, size_t n)
{
	struct arc *a = cookie;

	if (gz_write(a->gz, p, n, &a->gz_err) < 0) {
		archive_set_error(ar, a->gz_err.sys_errno, "%s", a->gz_err.msg);
		return -1;
	}
	return (la_ssize_t)n;
}

/* open_writer - libarchive writing pax into a gzip stream (compressed
 * on its own thread) onto the temporary file */
static int
open_writer(struct arc *a, struct qerr *err)
{
	if ((a->gz = gz_start(a->tmp.fd, err)) == NULL)
		return broke(a, -1, err);
	a->ar = archive_write_new();
	if (a->ar == NULL)
		return broke(a, ar_nomem(err), err);
	/* No padding of the last block: the stream is compressed, as
	 * libarchive's own gzip filter would have it. */
	if (archive_write_set_format_pax_restricted(a->ar) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a->ar, 1) != ARCHIVE_OK ||
	    archive_write_open2(a->ar, a, NULL, to_gz, NULL, NULL) !=
		ARCHIVE_OK) {
		return broke(a, ar_la_fail(a->ar, "start the archive", err), err);
	}
	return 0;
}

/* arc_create - start an archive: an unnamed file in dirfd */
struct arc *
arc_create(struct sio_writer *w, int dirfd, const char *host, time_t now,
    struct qerr *err)
{
	struct arc *a;

	REQUIRE(w != NULL);
	if (host == NULL)
		host = "";
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		(void)ar_nomem(err);
		return NULL;
	}
	a->w = w;
	a->dirfd = dirfd;
	a->now = now;
	a->tmp.fd = -1;
	name_host(host, a->namehost, sizeof(a->namehost));
	a->buf = malloc(ARC_CHUNK);
	if (a->buf == NULL) {
		(void)ar_nomem(err);
		goto fail;
	}
	if (make_head(a, host, err) < 0 ||
	    sio_tmp_create(w, dirfd, ARC_FILE_MODE, &a->tmp, err) < 0 ||
	    open_writer(a, err) < 0)
		goto fail;
	return a;
fail:
	arc_free(a);
	return NULL;
}

/* room_for - the manifest can take a line of linelen bytes more */
static int
room_for(const struct arc *a, size_t linelen, struct qerr *err)
{
	size_t used = a->head.len + a->queues.len + a->files.len +
	    END_LINE_MAX;

	if (a->nfiles >= ARC_MAX_RECORDS || used > ARC_MANIFEST_MAX ||
	    linelen > ARC_MANIFEST_MAX - used) {
		qerr_set(err, EFBIG, "the archive's manifest is full "
		    "(%zu records)", a->nfiles);
		return -1;
	}
	return 0;
}

/* add_dir - a "queue" or "lostfound" line; N is its index */
static int
add_dir(struct arc *a, const char *keyword, const char *abspath, unsigned *n,
    struct qerr *err)
{
	struct sbuf line = { 0 };
	char v[VIS_MAX];
	int rc = -1;

	REQUIRE(a != NULL);
	REQUIRE(abspath != NULL);
	if (usable(a, err) < 0)
		return -1;
	if (!ar_abs_path_ok(abspath)) {
		qerr_set(err, EINVAL, "%s: not an absolute path without \"..\"",
		    vis(abspath, v, sizeof(v)));
		return -1;
	}
	if (a->nqueues >= ARC_MAX_QUEUES) {
		qerr_set(err, E2BIG, "more than %d queues", ARC_MAX_QUEUES);
		return -1;
	}
	if (sb_printf(&line, "%s %u ", keyword, a->nqueues) < 0 ||
	    sb_esc(&line, abspath) < 0 || sb_add(&line, "\n", 1) < 0) {
		(void)ar_nomem(err);
		goto out;
	}
	if (room_for(a, line.len, err) < 0)
		goto out;
	if (sb_add(&a->queues, line.data, line.len) < 0) {
		(void)ar_nomem(err);
		goto out;
	}
	if (n != NULL)
		*n = a->nqueues;
	a->nqueues++;
	rc = 0;
out:
	sb_free(&line);
	return rc;
}

/* arc_add_queue - record a queue directory; N is its index */
int
arc_add_queue(struct arc *a, const char *abspath, unsigned *n,
    struct qerr *err)
{
	return add_dir(a, "queue", abspath, n, err);
}

/* arc_add_lostfound - record a lost+found directory; N is its index */
int
arc_add_lostfound(struct arc *a, const char *abspath, unsigned *n,
    struct qerr *err)
{
	return add_dir(a, "lostfound", abspath, n, err);
}

/* check_meta - m names a recorded queue and a safe relative path ("."
 * too, for a record) */
static int
check_meta(const struct arc *a, const struct arc_meta *m, bool record,
    struct qerr *err)
{
	REQUIRE(m->path != NULL);
	if (m->queue >= a->nqueues) {
		qerr_set(err, EINVAL, "queue %u was not added", m->queue);
		return -1;
	}
	if (!(record ? ar_record_path_ok(m->path) : ar_rel_path_ok(m->path))) {
		char v[VIS_MAX];

		qerr_set(err, EINVAL, "%s: not a relative path of plain names",
		    vis(m->path, v, sizeof(v)));
		return -1;
	}
	if (m->wrote != NULL && (m->wrote->queue >= a->nqueues ||
	    !ar_record_path_ok(m->wrote->path) || (m->wrote->sha != NULL &&
	    strspn(m->wrote->sha, "0123456789abcdef") != ARC_SHA256_HEX))) {
		qerr_set(err, EINVAL, "what the repair leaves is not a queue file");
		return -1;
	}
	return 0;
}

/* check_stat - what the caller's stat says can go in a record */
static int
check_stat(const struct stat *st, struct qerr *err)
{
	if (st->st_size < 0 || st->st_mtim.tv_nsec < 0 ||
	    st->st_mtim.tv_nsec >= NSEC_PER_SEC) {
		qerr_set(err, EINVAL, "impossible stat information");
		return -1;
	}
	return 0;
}

/* put_wrote - the "wrote" line of what a repair leaves */
static int
put_wrote(struct sbuf *b, const struct arc_wrote *w)
{
	if (sb_printf(b, "wrote %u ", w->queue) < 0 || sb_esc(b, w->path) < 0 ||
	    sb_printf(b, " %04o %ju %ju %ju %s\n",
	    (unsigned)(w->mode & ARC_PERM_MASK), (uintmax_t)w->uid,
	    (uintmax_t)w->gid, (uintmax_t)w->ino,
	    w->sha != NULL ? w->sha : NO_DIGEST) < 0)
		return -1;
	return 0;
}

/*
 * put_record - a "file" line for m into b; *sha_at (may be NULL)
 * receives the offset of the digest field, which the caller may patch.
 */
static int
put_record(struct sbuf *b, const struct arc_meta *m, enum kind k,
    const struct stat *st, const char *sha, size_t *sha_at)
{
	if (sb_printf(b, "file %u ", m->queue) < 0 || sb_esc(b, m->path) < 0 ||
	    sb_printf(b, " %s %04o %ju %ju %jd %jd.%09ld ", ar_kind_names[k],
	    (unsigned)(st->st_mode & ARC_PERM_MASK), (uintmax_t)st->st_uid,
	    (uintmax_t)st->st_gid, (intmax_t)st->st_size,
	    (intmax_t)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec) < 0)
		return -1;
	if (sha_at != NULL)
		*sha_at = b->len;
	if (sb_add(b, sha, strlen(sha)) < 0 || sb_add(b, " ", 1) < 0 ||
	    sb_esc(b, m->code) < 0 || sb_add(b, " ", 1) < 0 ||
	    sb_esc(b, m->problem) < 0 || sb_add(b, " ", 1) < 0 ||
	    sb_esc(b, m->action) < 0 || sb_add(b, "\n", 1) < 0)
		return -1;
	return m->wrote != NULL ? put_wrote(b, m->wrote) : 0;
}

/* make_entry - a libarchive entry "<N>/<path>" of type with st's data */
static struct archive_entry *
make_entry(const struct arc_meta *m, const struct stat *st, unsigned type,
    struct qerr *err)
{
	char name[ENTRY_NAME_MAX];
	struct archive_entry *e;

	(void)snprintf(name, sizeof(name), "%u/%s", m->queue, m->path);
	e = archive_entry_new();
	if (e == NULL) {
		(void)ar_nomem(err);
		return NULL;
	}
	archive_entry_copy_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, st->st_mode & ARC_PERM_MASK);
	archive_entry_set_uid(e, (la_int64_t)st->st_uid);
	archive_entry_set_gid(e, (la_int64_t)st->st_gid);
	archive_entry_set_mtime(e, st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
	archive_entry_set_size(e, type == AE_IFREG ? st->st_size : 0);
	return e;
}

/*
 * write_header - write entry e; frees it.  ARCHIVE_WARN is taken: it
 * says a name is not UTF-8 in this locale, and pax then keeps the bytes
 * as they are (hdrcharset=BINARY).
 */
static int
write_header(struct arc *a, struct archive_entry *e, struct qerr *err)
{
	int r = archive_write_header(a->ar, e);

	archive_entry_free(e);
	if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
		return 0;
	(void)ar_la_fail(a->ar, "write an entry header", err);
	return r == ARCHIVE_FATAL ? broke(a, -1, err) : -1;
}

/* write_data - n bytes of the current entry */
static int
write_data(struct arc *a, const void *p, size_t n, struct qerr *err)
{
	la_ssize_t r = archive_write_data(a->ar, p, n);

	if (r >= 0 && (size_t)r == n)
		return 0;
	return broke(a, ar_la_fail(a->ar, "write to the archive", err), err);
}

/* finish_entry - pad and close the current entry */
static int
finish_entry(struct arc *a, struct qerr *err)
{
	int r = archive_write_finish_entry(a->ar);

	if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
		return 0;
	return broke(a, ar_la_fail(a->ar, "finish an entry", err), err);
}

/* stale - the file changed while it was read */
static int
stale(const struct arc_meta *m, const char *how, struct qerr *err)
{
	char v[VIS_MAX];

	qerr_set(err, ESTALE, "%s: changed while it was archived (%s)",
	    vis(m->path, v, sizeof(v)), how);
	return -1;
}

/* read_fail - a read of m's file failed with errno e */
static int
read_fail(const struct arc_meta *m, int e, struct qerr *err)
{
	char v[VIS_MAX];

	qerr_set(err, e, "read %s: %s", vis(m->path, v, sizeof(v)),
	    strerror(e));
	return -1;
}

/* same_state - size, mtime and ctime agree */
static bool
same_state(const struct stat *x, const struct stat *y)
{
	return x->st_size == y->st_size &&
	    x->st_mtim.tv_sec == y->st_mtim.tv_sec &&
	    x->st_mtim.tv_nsec == y->st_mtim.tv_nsec &&
	    x->st_ctim.tv_sec == y->st_ctim.tv_sec &&
	    x->st_ctim.tv_nsec == y->st_ctim.tv_nsec;
}

/*
 * copy_fd - st->st_size bytes of fd from offset 0 into the current
 * entry, hashing them; ESTALE when the file is not what *st says.
 */
static int
copy_fd(struct arc *a, const struct arc_meta *m, int fd,
    const struct stat *st, char hex[ARC_SHA256_HEX + 1], struct qerr *err)
{
	EVP_MD_CTX *ctx = ar_md_begin(err);
	struct stat now;
	off_t off = 0;
	ssize_t n;
	int rc = -1;

	if (ctx == NULL)
		return -1;
	while (off < st->st_size) {
		off_t left = st->st_size - off;
		size_t want = left < (off_t)ARC_CHUNK ? (size_t)left :
		    ARC_CHUNK;

		n = ar_pread_retry(fd, a->buf, want, off);
		if (n < 0 || n == 0) {
			rc = n < 0 ? read_fail(m, errno, err) :
			    stale(m, "shorter", err);
			goto out;
		}
		if (ar_md_update(ctx, a->buf, (size_t)n, err) < 0 ||
		    write_data(a, a->buf, (size_t)n, err) < 0)
			goto out;
		off += n;
	}
	/* One byte more must not be there, and fstat() must agree. */
	n = ar_pread_retry(fd, a->buf, 1, off);
	if (n != 0) {
		rc = n < 0 ? read_fail(m, errno, err) : stale(m, "longer", err);
		goto out;
	}
	if (fstat(fd, &now) < 0) {
		rc = read_fail(m, errno, err);
		goto out;
	}
	if (!same_state(st, &now)) {
		rc = stale(m, "size, mtime or ctime", err);
		goto out;
	}
	rc = ar_md_end(ctx, hex, err);
	ctx = NULL;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* add_line - put a finished record line into the manifest */
static int
add_line(struct arc *a, const struct sbuf *line, struct qerr *err)
{
	if (sb_add(&a->files, line->data, line->len) < 0)
		return ar_nomem(err);
	a->nfiles++;
	return 0;
}

/* arc_add_file - archive a regular file's bytes and list it */
int
arc_add_file(struct arc *a, const struct arc_meta *m, int fd,
    const struct stat *st, char digest[ARC_SHA256_HEX + 1], struct qerr *err)
{
	static const char placeholder[ARC_SHA256_HEX + 1] =
	    "0000000000000000000000000000000000000000000000000000000000000000";
	char hex[ARC_SHA256_HEX + 1];
	struct sbuf line = { 0 };
	struct archive_entry *e;
	struct qerr ferr;
	size_t sha_at = 0;
	int rc = -1, r;

	REQUIRE(a != NULL);
	REQUIRE(m != NULL);
	REQUIRE(st != NULL);
	if (usable(a, err) < 0 || check_meta(a, m, false, err) < 0 ||
	    check_stat(st, err) < 0)
		return -1;
	if (!S_ISREG(st->st_mode)) {
		qerr_set(err, EINVAL, "not a regular file");
		return -1;
	}
	if (put_record(&line, m, K_DATA, st, placeholder, &sha_at) < 0) {
		(void)ar_nomem(err);
		goto out;
	}
	if (room_for(a, line.len, err) < 0)
		goto out;
	e = make_entry(m, st, AE_IFREG, err);
	if (e == NULL || write_header(a, e, err) < 0)
		goto out;
	/* The entry is finished even when the copy failed: libarchive pads
	 * it, and the manifest does not list it. */
	r = copy_fd(a, m, fd, st, hex, err);
	if (finish_entry(a, &ferr) < 0 && r == 0) {
		ar_qerr_copy(err, &ferr);
		goto out;
	}
	if (r < 0)
		goto out;
	memcpy(line.data + sha_at, hex, ARC_SHA256_HEX);
	if (add_line(a, &line, err) < 0)
		goto out;
	if (digest != NULL)
		memcpy(digest, hex, sizeof(hex));
	rc = 0;
out:
	sb_free(&line);
	return rc;
}

/* special_kind - the record kind of a non-regular file, or K_NKINDS */
static enum kind
special_kind(mode_t mode)
{
	if (S_ISLNK(mode))
		return K_SYMLINK;
	if (S_ISFIFO(mode))
		return K_FIFO;
	if (S_ISSOCK(mode))
		return K_SOCKET;
	if (S_ISCHR(mode))
		return K_CHARDEV;
	if (S_ISBLK(mode))
		return K_BLOCKDEV;
	if (S_ISDIR(mode))
		return K_DIR;
	return K_NKINDS;
}

/* special_entry - write the metadata-only entry of a special file */
static int
special_entry(struct arc *a, const struct arc_meta *m, const struct stat *st,
    const char *target, struct qerr *err)
{
	struct archive_entry *e;

	e = make_entry(m, st, (unsigned)(st->st_mode & S_IFMT), err);
	if (e == NULL)
		return -1;
	if (S_ISLNK(st->st_mode))
		archive_entry_copy_symlink(e, target);
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		archive_entry_set_rdev(e, st->st_rdev);
	if (write_header(a, e, err) < 0)
		return -1;
	return finish_entry(a, err);
}

/* arc_add_special - archive what a non-regular entry is */
int
arc_add_special(struct arc *a, const struct arc_meta *m,
    const struct stat *st, const char *symlink_target, struct qerr *err)
{
	struct sbuf line = { 0 };
	enum kind k;
	int rc = -1;

	REQUIRE(a != NULL);
	REQUIRE(m != NULL);
	REQUIRE(st != NULL);
	if (usable(a, err) < 0 || check_meta(a, m, false, err) < 0 ||
	    check_stat(st, err) < 0)
		return -1;
	k = special_kind(st->st_mode);
	if (k == K_NKINDS || (k == K_SYMLINK && symlink_target == NULL)) {
		qerr_set(err, EINVAL, k == K_NKINDS ? "not a special file" :
		    "a symbolic link without its target");
		return -1;
	}
	if (put_record(&line, m, k, st, NO_DIGEST, NULL) < 0) {
		(void)ar_nomem(err);
		goto out;
	}
	if (room_for(a, line.len, err) < 0)
		goto out;
	/* tar has no socket type: a socket is in the manifest only. */
	if (k != K_SOCKET &&
	    special_entry(a, m, st, symlink_target, err) < 0)
		goto out;
	rc = add_line(a, &line, err);
out:
	sb_free(&line);
	return rc;
}

/* arc_add_record - a manifest record without an entry */
int
arc_add_record(struct arc *a, const struct arc_meta *m,
    const struct stat *st, struct qerr *err)
{
	struct sbuf line = { 0 };
	int rc = -1;

	REQUIRE(a != NULL);
	REQUIRE(m != NULL);
	REQUIRE(st != NULL);
	if (usable(a, err) < 0 || check_meta(a, m, true, err) < 0 ||
	    check_stat(st, err) < 0)
		return -1;
	if (put_record(&line, m, K_RECORD, st, NO_DIGEST, NULL) < 0) {
		(void)ar_nomem(err);
		goto out;
	}
	if (room_for(a, line.len, err) == 0)
		rc = add_line(a, &line, err);
out:
	sb_free(&line);
	return rc;
}

/* arc_aside_name - the aside name of a file of this archive's run */
bool
arc_aside_name(const struct arc *a, const char *prefix, const char *name,
    char *out, size_t outsz)
{
	REQUIRE(a != NULL);
	return ar_aside_name(a->stamp, prefix, name, out, outsz);
}

/* arc_count - file records so far */
size_t
arc_count(const struct arc *a)
{
	REQUIRE(a != NULL);
	return a->nfiles;
}

/* write_sig - the SIG_NAME entry: the manifest's HMAC under the key */
static int
write_sig(struct arc *a, const char *end, size_t endlen, struct qerr *err)
{
	struct sbuf parts[4];
	char hex[ARC_SHA256_HEX + 1], line[SIG_MAX];
	struct archive_entry *e;
	int n;

	parts[0] = a->head;
	parts[1] = a->queues;
	parts[2] = a->files;
	parts[3].data = (char *)(uintptr_t)end;
	parts[3].len = endlen;
	if (ar_manifest_hmac(a->key, parts, 4, hex, err) < 0)
		return -1;
	n = snprintf(line, sizeof(line), "%s%s\n", SIG_PREFIX, hex);
	if ((e = archive_entry_new()) == NULL)
		return ar_nomem(err);
	archive_entry_copy_pathname(e, SIG_NAME);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, ARC_FILE_MODE);
	archive_entry_set_mtime(e, a->now, 0);
	archive_entry_set_size(e, (la_int64_t)n);
	if (write_header(a, e, err) < 0 || write_data(a, line, (size_t)n, err) < 0)
		return -1;
	return finish_entry(a, err);
}

/* write_manifest - the MANIFEST entry, from the pieces kept */
static int
write_manifest(struct arc *a, struct qerr *err)
{
	char end[END_LINE_MAX];
	struct archive_entry *e;
	size_t endlen;

	(void)snprintf(end, sizeof(end), "end %zu\n", a->nfiles);
	endlen = strlen(end);
	e = archive_entry_new();
	if (e == NULL)
		return ar_nomem(err);
	archive_entry_copy_pathname(e, MANIFEST_NAME);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, ARC_FILE_MODE);
	archive_entry_set_uid(e, (la_int64_t)geteuid());
	archive_entry_set_gid(e, (la_int64_t)getegid());
	archive_entry_set_mtime(e, a->now, 0);
	archive_entry_set_size(e, (la_int64_t)(a->head.len + a->queues.len +
	    a->files.len + endlen));
	if (write_header(a, e, err) < 0 ||
	    write_data(a, a->head.data, a->head.len, err) < 0 ||
	    (a->queues.len > 0 &&
	    write_data(a, a->queues.data, a->queues.len, err) < 0) ||
	    (a->files.len > 0 &&
	    write_data(a, a->files.data, a->files.len, err) < 0) ||
	    write_data(a, end, endlen, err) < 0 || finish_entry(a, err) < 0)
		return -1;
	return a->keyed ? write_sig(a, end, endlen, err) : 0;
}

/* arc_set_key - sign the manifest with key */
void
arc_set_key(struct arc *a, const unsigned char key[ARC_KEY_LEN])
{
	REQUIRE(a != NULL);
	memcpy(a->key, key, ARC_KEY_LEN);
	a->keyed = true;
}

/* arc_name - the archive's name, the attempt-th choice (1: no suffix) */
static void
arc_name(const struct arc *a, int attempt, char *buf, size_t bufsz)
{
	if (attempt == 1)
		(void)snprintf(buf, bufsz, "mqfsck-%s-%s.tar.gz", a->namehost,
		    a->stamp);
	else
		(void)snprintf(buf, bufsz, "mqfsck-%s-%s-%d.tar.gz",
		    a->namehost, a->stamp, attempt);
}

/* unpublish - take the name away again after a failed directory fsync */
static void
unpublish(struct arc *a, const char *name)
{
	struct qerr ignored;
	struct stat st;

	/* Best effort: the failure reported is the fsync's. */
	if (fstat(a->tmp.fd, &st) == 0)
		(void)sio_unlink(a->w, a->dirfd, name, &st, &ignored);
}

/* publish - name the archive (never replacing), fsync the directory */
static int
publish(struct arc *a, char *name, size_t namesz, struct qerr *err)
{
	char cand[ARC_NAME_BUF];
	struct qerr e;
	int attempt;

	for (attempt = 1; attempt <= ARC_NAME_TRIES; attempt++) {
		arc_name(a, attempt, cand, sizeof(cand));
		if (strlen(cand) >= namesz) {
			qerr_set(err, ERANGE, "no room for the archive name");
			return -1;
		}
		if (sio_tmp_publish(a->w, &a->tmp, cand, &e) == 0)
			break;
		if (e.sys_errno != EEXIST) {
			ar_qerr_copy(err, &e);
			return -1;
		}
	}
	if (attempt > ARC_NAME_TRIES) {
		qerr_set(err, EEXIST, "%s: %d names taken", cand,
		    ARC_NAME_TRIES);
		return -1;
	}
	if (sio_fsync_dir(a->dirfd, &e) < 0) {
		unpublish(a, cand);
		ar_qerr_copy(err, &e);
		return -1;
	}
	memcpy(name, cand, strlen(cand) + 1);
	return 0;
}

/* arc_commit - manifest, close, fsync, name, fsync the directory */
int
arc_commit(struct arc *a, char *name, size_t namesz, struct qerr *err)
{
	REQUIRE(a != NULL);
	REQUIRE(name != NULL);
	if (usable(a, err) < 0)
		return -1;
	if (write_manifest(a, err) < 0)
		goto fail;
	if (archive_write_close(a->ar) != ARCHIVE_OK) {
		(void)ar_la_fail(a->ar, "finish the archive", err);
		goto fail;
	}
	if (gz_finish(a->gz, err) < 0)
		goto fail;
	if (sio_fsync_retry(a->tmp.fd) < 0) {
		qerr_set(err, errno, "fsync the archive: %s", strerror(errno));
		goto fail;
	}
	if (publish(a, name, namesz, err) < 0)
		goto fail;
	a->committed = true;
	return 0;
fail:
	return broke(a, -1, err);
}

/* arc_free - release; an archive not committed leaves nothing behind */
void
arc_free(struct arc *a)
{
	if (a == NULL)
		return;
	/* Not closed yet, archive_write_free() closes the stream (into the
	 * unnamed file); then the compressing thread ends. */
	if (a->ar != NULL)
		(void)archive_write_free(a->ar);
	gz_free(a->gz);
	sio_tmp_close(&a->tmp);
	sb_free(&a->head);
	sb_free(&a->queues);
	sb_free(&a->files);
	free(a->buf);
	free(a);
}

