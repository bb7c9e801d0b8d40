/*
 * archive.c - the archive every repair writes before it changes anything
 * (arc_create() .. arc_commit()), and reading one back (arc_list(),
 * arc_restore()).
 *
 * Writing.  libarchive writes a gzip-compressed pax stream ("restricted":
 * an extended header only where ustar cannot say something) onto the fd
 * of an unnamed file from sio_tmp_create().  archive_write_open_fd()
 * never closes that fd: it stays ours, so arc_commit() can close the
 * stream, fsync() the file, and only then link it in under its name
 * (sio_tmp_publish(), never replacing) and fsync() the directory.  The
 * manifest grows in memory, one line per record, under the caps the
 * reader enforces (ARC_MANIFEST_MAX, ARC_MAX_RECORDS), so an archive
 * written here can always be read back.  File bytes pass through one
 * ARC_CHUNK buffer: memory does not grow with the size of a file.
 *
 * Reading.  The archive may be hostile.  Only the built-in gzip filter
 * and the tar formats are enabled (no external program can be run), the
 * MANIFEST must be the one and last entry, at most ARC_MANIFEST_MAX
 * bytes, and it is parsed strictly: anything not exactly as written here
 * makes the whole archive untrusted.  The archive is read once to find
 * the manifest, and again for each further pass (lseek() to 0, a fresh
 * reader): arc_list() hashes every entry; arc_restore() checks every
 * entry, then writes data and transcript files, then control files.
 * Entries are matched to manifest records by name and then by digest,
 * so the padding an arc_add_file() that failed with ESTALE leaves, or a
 * second entry of the same name, never stands in for the real bytes.
 * No entry name is trusted as a path: a file goes back only as
 * "<file>" or "{qf,df,xf}/<file>" under its queue directory (queue_dir,
 * or the manifest's queue path: the caller must trust the archive that
 * far), opened without following symbolic links (format/sio.c), and
 * never over an existing name.
 *
 * Allocation: struct arc owns its libarchive handle, its temporary file,
 * the manifest lines and a read buffer, all released by arc_free().
 * arc_list() and arc_restore() release all they take before returning.
 * Nothing here prints except arc_list() and arc_restore(), on `out`.
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

/* libarchive's header: repair/ is on the quote path only (-iquote), so
 * that this name is not shadowed by repair/archive.h. */
#include <archive.h>
#include <archive_entry.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "archive.h"
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
#define PAIR_FIELDS 2			/* "host x", "created x", "end n" */
#define KIND_LEN 2			/* "qf", "df": a queue file's kind */

#define MANIFEST_NAME "MANIFEST"
#define SIG_NAME "MANIFEST.hmac"	/* after MANIFEST, when signed */
#define SIG_PREFIX "hmac-sha256 "	/* then 64 hex digits, "\n" */
#define SIG_MAX 128			/* bytes of the SIG_NAME entry */
#define MANIFEST_MAGIC "mqfsck-archive 1"
#define JSON_SCHEMA "mqfsck/1"
#define NO_DIGEST "-"
/* The created field; 'd' stands for a decimal digit. */
#define CREATED_PATTERN "dddd-dd-ddTdd:dd:ddZ"

/* REQUIRE - BUG() unless cond holds: misuse of the interface */
#define REQUIRE(cond)                                                   \
	do {                                                            \
		if (!(cond))                                            \
			BUG("%s: %s is false", __func__, #cond);        \
	} while (0)

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

static const char *const kind_names[K_NKINDS] = {
	"data", "symlink", "fifo", "socket", "chardev", "blockdev", "dir",
	"record"
};

/* A growable line buffer. */
struct sbuf {
	char *data;
	size_t len;
	size_t cap;
};

struct arc {
	struct sio_writer *w;
	int dirfd;			/* the archive directory, borrowed */
	struct sio_tmp tmp;		/* the archive until it is named */
	struct archive *ar;		/* libarchive's writer */
	struct sbuf head;		/* magic, host and created lines */
	struct sbuf queues;		/* one "queue" line each */
	struct sbuf files;		/* one "file" line each */
	unsigned nqueues;
	size_t nfiles;
	bool broken;			/* a step failed: only arc_free() */
	bool committed;
	time_t now;
	char namehost[ARC_HOST_NAME_MAX + 1]; /* host as the name has it */
	char stamp[ARC_STAMP_BUF];	/* YYYYmmddTHHMMSSZ */
	unsigned char *buf;		/* ARC_CHUNK bytes */
	bool keyed;			/* sign the manifest with key */
	unsigned char key[ARC_KEY_LEN];
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
};

struct manifest {
	char *text;			/* the MANIFEST, parsed in place */
	size_t len;
	const char *host;
	const char *created;
	char sig[SIG_MAX + 1];		/* the SIG_NAME entry, "" if none */
	enum arc_sig sigstate;
	const char **queues;
	unsigned nqueues;
	struct mf_rec *recs;
	size_t nrecs;
	struct mf_rec **byname;		/* recs sorted by queue and path */
};

/* ------------------------------------------------------------------ */
/* Small helpers */

/* vis - s escaped by the one rule (esc.h), cut with "..." to fit buf */
static const char *
vis(const char *s, char *buf, size_t bufsz)
{
	return esc_str(buf, bufsz, s);
}

/* nomem - record an allocation failure */
static int
nomem(struct qerr *err)
{
	qerr_set(err, ENOMEM, "out of memory");
	return -1;
}

/* qerr_copy - pass a failure recorded in src on to err (may be NULL) */
static void
qerr_copy(struct qerr *err, const struct qerr *src)
{
	if (err != NULL)
		*err = *src;
}

/* fsync_retry - fsync(2), retrying EINTR */
static int
fsync_retry(int fd)
{
	int r;

	do
		r = fsync(fd);
	while (r < 0 && errno == EINTR);
	return r;
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

/* component_ok - one path component: non-empty, not "." or ".." */
static bool
component_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	if (n == 1 && s[0] == '.')
		return false;
	return !(n == 2 && s[0] == '.' && s[1] == '.');
}

/* rel_path_ok - a relative path of safe components, shorter than PATH_MAX */
static bool
rel_path_ok(const char *path)
{
	const char *p = path, *slash;

	if (path[0] == '/' || strlen(path) >= PATH_MAX)
		return false;
	for (;;) {
		slash = strchr(p, '/');
		if (slash == NULL)
			return component_ok(p, strlen(p));
		if (!component_ok(p, (size_t)(slash - p)))
			return false;
		p = slash + 1;
	}
}

/* record_path_ok - a record may also name the queue directory itself
 * (".": a change of its owner or mode) */
static bool
record_path_ok(const char *path)
{
	return strcmp(path, ".") == 0 || rel_path_ok(path);
}

/* abs_path_ok - an absolute path without ".." shorter than PATH_MAX */
static bool
abs_path_ok(const char *path)
{
	const char *p = path;

	if (path[0] != '/' || strlen(path) >= PATH_MAX)
		return false;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		if (slash == NULL)
			return true;
		p = slash + 1;
	}
}

/* base_name - the last component of a relative path */
static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* ------------------------------------------------------------------ */
/* SHA-256 (OpenSSL EVP: the SHA256_* calls are deprecated in 3.0) */

/* md_begin - a new SHA-256 context, or NULL */
static EVP_MD_CTX *
md_begin(struct qerr *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		qerr_set(err, ENOMEM, "SHA-256: cannot start a digest");
		return NULL;
	}
	return ctx;
}

/* md_update - hash n more bytes */
static int
md_update(EVP_MD_CTX *ctx, const void *p, size_t n, struct qerr *err)
{
	if (EVP_DigestUpdate(ctx, p, n) == 1)
		return 0;
	qerr_set(err, EIO, "SHA-256: digest update failed");
	return -1;
}

/* md_end - the digest in lower-case hex; frees ctx */
static int
md_end(EVP_MD_CTX *ctx, char hex[ARC_SHA256_HEX + 1], struct qerr *err)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	size_t i;
	bool ok;

	ok = EVP_DigestFinal_ex(ctx, md, &len) == 1 &&
	    len * 2 == ARC_SHA256_HEX;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		qerr_set(err, EIO, "SHA-256: digest failed");
		return -1;
	}
	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[ARC_SHA256_HEX] = '\0';
	return 0;
}

/* ------------------------------------------------------------------ */
/* Writing */

/* la_fail - record libarchive's last error on ar */
static int
la_fail(struct archive *ar, const char *what, struct qerr *err)
{
	const char *s = ar != NULL ? archive_error_string(ar) : NULL;
	int e = ar != NULL ? archive_errno(ar) : 0;

	qerr_set(err, e > 0 ? e : EIO, "%s: %s", what,
	    s != NULL ? s : "libarchive failed");
	return -1;
}

/* usable - a may take more: not failed, not committed */
static int
usable(const struct arc *a, struct qerr *err)
{
	if (a->broken) {
		qerr_set(err, EIO, "the archive failed earlier");
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
		return nomem(err);
	return 0;
}

/* open_writer - libarchive writing gzip'd pax onto the temporary file */
static int
open_writer(struct arc *a, struct qerr *err)
{
	a->ar = archive_write_new();
	if (a->ar == NULL)
		return nomem(err);
	/* ARCHIVE_WARN from the gzip filter would mean an external gzip
	 * program: refused, as anything but ARCHIVE_OK is. */
	if (archive_write_set_format_pax_restricted(a->ar) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(a->ar) != ARCHIVE_OK ||
	    archive_write_open_fd(a->ar, a->tmp.fd) != ARCHIVE_OK) {
		a->broken = true;
		return la_fail(a->ar, "start the archive", err);
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
		(void)nomem(err);
		return NULL;
	}
	a->w = w;
	a->dirfd = dirfd;
	a->now = now;
	a->tmp.fd = -1;
	name_host(host, a->namehost, sizeof(a->namehost));
	a->buf = malloc(ARC_CHUNK);
	if (a->buf == NULL) {
		(void)nomem(err);
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

/* arc_add_queue - record a queue directory; N is its index */
int
arc_add_queue(struct arc *a, const char *abspath, unsigned *n,
    struct qerr *err)
{
	struct sbuf line = { 0 };
	char v[VIS_MAX];
	int rc = -1;

	REQUIRE(a != NULL);
	REQUIRE(abspath != NULL);
	if (usable(a, err) < 0)
		return -1;
	if (!abs_path_ok(abspath)) {
		qerr_set(err, EINVAL, "%s: not an absolute path without \"..\"",
		    vis(abspath, v, sizeof(v)));
		return -1;
	}
	if (a->nqueues >= ARC_MAX_QUEUES) {
		qerr_set(err, E2BIG, "more than %d queues", ARC_MAX_QUEUES);
		return -1;
	}
	if (sb_printf(&line, "queue %u ", a->nqueues) < 0 ||
	    sb_esc(&line, abspath) < 0 || sb_add(&line, "\n", 1) < 0) {
		(void)nomem(err);
		goto out;
	}
	if (room_for(a, line.len, err) < 0)
		goto out;
	if (sb_add(&a->queues, line.data, line.len) < 0) {
		(void)nomem(err);
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
	if (!(record ? record_path_ok(m->path) : rel_path_ok(m->path))) {
		char v[VIS_MAX];

		qerr_set(err, EINVAL, "%s: not a relative path of plain names",
		    vis(m->path, v, sizeof(v)));
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

/*
 * put_record - a "file" line for m into b; *sha_at (may be NULL)
 * receives the offset of the digest field, which the caller may patch.
 */
static int
put_record(struct sbuf *b, const struct arc_meta *m, enum kind k,
    const struct stat *st, const char *sha, size_t *sha_at)
{
	if (sb_printf(b, "file %u ", m->queue) < 0 || sb_esc(b, m->path) < 0 ||
	    sb_printf(b, " %s %04o %ju %ju %jd %jd.%09ld ", kind_names[k],
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
	return 0;
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
		(void)nomem(err);
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
	if (r == ARCHIVE_FATAL)
		a->broken = true;
	return la_fail(a->ar, "write an entry header", err);
}

/* write_data - n bytes of the current entry */
static int
write_data(struct arc *a, const void *p, size_t n, struct qerr *err)
{
	la_ssize_t r = archive_write_data(a->ar, p, n);

	if (r >= 0 && (size_t)r == n)
		return 0;
	a->broken = true;
	return la_fail(a->ar, "write to the archive", err);
}

/* finish_entry - pad and close the current entry */
static int
finish_entry(struct arc *a, struct qerr *err)
{
	int r = archive_write_finish_entry(a->ar);

	if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
		return 0;
	a->broken = true;
	return la_fail(a->ar, "finish an entry", err);
}

/* pread_retry - pread(2), retrying EINTR */
static ssize_t
pread_retry(int fd, void *p, size_t n, off_t off)
{
	ssize_t r;

	do
		r = pread(fd, p, n, off);
	while (r < 0 && errno == EINTR);
	return r;
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
	EVP_MD_CTX *ctx = md_begin(err);
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

		n = pread_retry(fd, a->buf, want, off);
		if (n < 0 || n == 0) {
			rc = n < 0 ? read_fail(m, errno, err) :
			    stale(m, "shorter", err);
			goto out;
		}
		if (md_update(ctx, a->buf, (size_t)n, err) < 0 ||
		    write_data(a, a->buf, (size_t)n, err) < 0)
			goto out;
		off += n;
	}
	/* One byte more must not be there, and fstat() must agree. */
	n = pread_retry(fd, a->buf, 1, off);
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
	rc = md_end(ctx, hex, err);
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
		return nomem(err);
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
		(void)nomem(err);
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
		qerr_copy(err, &ferr);
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
		(void)nomem(err);
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
		(void)nomem(err);
		goto out;
	}
	if (room_for(a, line.len, err) == 0)
		rc = add_line(a, &line, err);
out:
	sb_free(&line);
	return rc;
}

/* aside_name - "<stamp>.<prefix><name>", '/' of the prefix as '+' */
static bool
aside_name(const char *stamp, const char *prefix, const char *name,
    char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s.%s%s", stamp, prefix, name);
	char *p;

	if (n < 0 || (size_t)n >= outsz || (size_t)n > NAME_MAX)
		return false;
	for (p = out; *p != '\0'; p++)
		if (*p == '/')
			*p = '+';
	return true;
}

/* arc_aside_name - the aside name of a file of this archive's run */
bool
arc_aside_name(const struct arc *a, const char *prefix, const char *name,
    char *out, size_t outsz)
{
	REQUIRE(a != NULL);
	return aside_name(a->stamp, prefix, name, out, outsz);
}

/* arc_count - file records so far */
size_t
arc_count(const struct arc *a)
{
	REQUIRE(a != NULL);
	return a->nfiles;
}

/*
 * manifest_hmac - HMAC-SHA256 of the manifest text under key, in hex
 * (the parts in order: what the MANIFEST entry holds)
 */
static int
manifest_hmac(const unsigned char *key, const struct sbuf *parts,
    size_t nparts, char hex[ARC_SHA256_HEX + 1], struct qerr *err)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	static char digest_name[] = "SHA256";
	EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *c = m != NULL ? EVP_MAC_CTX_new(m) : NULL;
	OSSL_PARAM params[2];
	size_t i, outl = 0;
	int ok;

	params[0] = OSSL_PARAM_construct_utf8_string("digest", digest_name, 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = c != NULL && EVP_MAC_init(c, key, ARC_KEY_LEN, params) == 1;
	for (i = 0; ok && i < nparts; i++)
		ok = EVP_MAC_update(c, (const unsigned char *)parts[i].data,
		    parts[i].len) == 1;
	ok = ok && EVP_MAC_final(c, mac, &outl, sizeof(mac)) == 1 &&
	    outl == ARC_SHA256_HEX / 2;
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(m);
	if (!ok) {
		qerr_set(err, EIO, "HMAC-SHA256 failed (OpenSSL)");
		return -1;
	}
	for (i = 0; i < outl; i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 0xf];
	}
	hex[2 * outl] = '\0';
	return 0;
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
	if (manifest_hmac(a->key, parts, 4, hex, err) < 0)
		return -1;
	n = snprintf(line, sizeof(line), "%s%s\n", SIG_PREFIX, hex);
	if ((e = archive_entry_new()) == NULL)
		return nomem(err);
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
		return nomem(err);
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

/* sig_words - what a signature state means, for a message */
static const char *
sig_words(enum arc_sig s)
{
	switch (s) {
	case ARC_SIG_OK:
		return "its manifest is signed with this host's key";
	case ARC_SIG_NONE:
		return "its manifest is not signed: it may not be an archive of this host's repairs";
	case ARC_SIG_NOKEY:
		return "its manifest is signed, but this host's key could not be read to check it";
	case ARC_SIG_BAD:
		return "its manifest is not signed with this host's key, or was changed after it was written";
	}
	return "?";
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
			qerr_copy(err, &e);
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
		qerr_copy(err, &e);
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
		(void)la_fail(a->ar, "finish the archive", err);
		goto fail;
	}
	if (fsync_retry(a->tmp.fd) < 0) {
		qerr_set(err, errno, "fsync the archive: %s", strerror(errno));
		goto fail;
	}
	if (publish(a, name, namesz, err) < 0)
		goto fail;
	a->committed = true;
	return 0;
fail:
	a->broken = true;
	return -1;
}

/* arc_free - release; an archive not committed leaves nothing behind */
void
arc_free(struct arc *a)
{
	if (a == NULL)
		return;
	/* Not closed yet, archive_write_free() closes the stream (into the
	 * unnamed file) so that zlib's state is released too. */
	if (a->ar != NULL)
		(void)archive_write_free(a->ar);
	sio_tmp_close(&a->tmp);
	sb_free(&a->head);
	sb_free(&a->queues);
	sb_free(&a->files);
	free(a->buf);
	free(a);
}

/* ------------------------------------------------------------------ */
/* Reading the archive */

/* rd_fail - record the reader's last error */
static int
rd_fail(struct archive *ar, struct qerr *err)
{
	return la_fail(ar, "the archive cannot be read", err);
}

/* rd_open - a reader of the archive on fd, from its start */
static struct archive *
rd_open(int fd, struct qerr *err)
{
	struct archive *ar;

	if (lseek(fd, 0, SEEK_SET) < 0) {
		qerr_set(err, errno, "seek the archive: %s", strerror(errno));
		return NULL;
	}
	ar = archive_read_new();
	if (ar == NULL) {
		(void)nomem(err);
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

/* rd_next - the next entry: 1, 0 at the end, -1 (err) */
static int
rd_next(struct archive *ar, struct archive_entry **e, struct qerr *err)
{
	int r = archive_read_next_header(ar, e);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
		return 1;
	return rd_fail(ar, err);
}

/* entry_regular - a regular file entry with bytes (not a hard link) */
static bool
entry_regular(struct archive_entry *e)
{
	return archive_entry_filetype(e) == AE_IFREG &&
	    archive_entry_hardlink(e) == NULL;
}

/* entry_kind - the record kind of a non-regular entry, or K_NKINDS */
static enum kind
entry_kind(struct archive_entry *e)
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

/* entry_what - what an entry is, for a message */
static const char *
entry_what(struct archive_entry *e)
{
	static const char *const what[K_NKINDS] = {
		"a regular file", "a symbolic link", "a FIFO", "a socket",
		"a character device", "a block device", "a directory", ""
	};
	enum kind k;

	if (archive_entry_hardlink(e) != NULL)
		return "a hard link";
	if (entry_regular(e))
		return what[K_DATA];
	k = entry_kind(e);
	return k != K_NKINDS ? what[k] : "an entry of unknown type";
}

/*
 * copy_entry - the current entry's bytes, hashed, and written to fd
 * when fd >= 0; more than limit bytes stop the copy (*total > limit).
 * Returns 0, -1 on a read error (the archive: rerr), -2 on a write
 * error (werr).
 */
static int
copy_entry(struct archive *ar, int fd, int64_t limit, unsigned char *buf,
    char hex[ARC_SHA256_HEX + 1], int64_t *total, struct qerr *rerr,
    struct qerr *werr)
{
	EVP_MD_CTX *ctx = md_begin(rerr);
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
		if (md_update(ctx, buf, (size_t)n, rerr) < 0)
			goto out;
		if (fd >= 0 && sio_write_all(fd, buf, (size_t)n, werr) < 0) {
			rc = -2;
			goto out;
		}
	}
	rc = md_end(ctx, hex, rerr);
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
static void
mf_free(struct manifest *mf)
{
	free(mf->text);
	free(mf->queues);
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

	if (!entry_regular(e))
		return bad(err, 0, "MANIFEST is not a regular file");
	if (!archive_entry_size_is_set(e) || size <= 0 ||
	    (uint64_t)size > ARC_MANIFEST_MAX)
		return bad(err, 0, "MANIFEST is empty or too big");
	mf->text = malloc((size_t)size + 1);
	if (mf->text == NULL)
		return nomem(err);
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
		if (strcmp(s, kind_names[k]) == 0)
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
	    !(r->kind == K_RECORD ? record_path_ok(f[2]) : rel_path_ok(f[2])))
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
	size_t nq = count_lines(mf->text, end, "queue ");
	size_t nf = count_lines(mf->text, end, "file ");

	if (nq > ARC_MAX_QUEUES || nf > ARC_MAX_RECORDS)
		return bad(err, 0, "too many records");
	mf->queues = calloc(nq + 1, sizeof(*mf->queues));
	mf->recs = calloc(nf + 1, sizeof(*mf->recs));
	mf->byname = calloc(nf + 1, sizeof(struct mf_rec *));
	if (mf->queues == NULL || mf->recs == NULL || mf->byname == NULL)
		return nomem(err);
	return 0;
}

/* parse_head - the magic, host and created lines */
static int
parse_head(struct manifest *mf, char **p, char *end, struct qerr *err)
{
	char *line, *f[PAIR_FIELDS];

	line = next_line(p, end);
	if (line == NULL || strcmp(line, MANIFEST_MAGIC) != 0)
		return bad(err, 1, "not an mqfsck archive of version 1");
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
	    !unescape(f[2]) || !abs_path_ok(f[2]))
		return bad(err, lineno, "bad queue record");
	mf->queues[mf->nqueues++] = f[2];
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

	if (!entry_regular(e) || !archive_entry_size_is_set(e) || size <= 0 ||
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
	if (manifest_hmac(key, &part, 1, hex, err) < 0)
		return -1;
	mf->sigstate = strlen(mf->sig) == plen + ARC_SHA256_HEX + 1 &&
	    strncmp(mf->sig, SIG_PREFIX, plen) == 0 &&
	    mf->sig[plen + ARC_SHA256_HEX] == '\n' &&
	    CRYPTO_memcmp(mf->sig + plen, hex, ARC_SHA256_HEX) == 0
	    ? ARC_SIG_OK : ARC_SIG_BAD;
	return 0;
}

/* mf_load - find the MANIFEST (the one, last entry) and parse it */
static int
mf_load(int fd, struct manifest *mf, const unsigned char *key,
    struct qerr *err)
{
	struct archive_entry *e;
	struct archive *ar;
	int r;

	memset(mf, 0, sizeof(*mf));
	ar = rd_open(fd, err);
	if (ar == NULL)
		return -1;
	while ((r = rd_next(ar, &e, err)) == 1) {
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
static size_t
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
 * entry_split - name is "<N>/<rest>", N (no leading zero) a queue of
 * the manifest; *restlen leaves out trailing '/' when strip (the name
 * of a directory entry).
 */
static bool
entry_split(const struct manifest *mf, const char *name, bool strip,
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

/* entry_records - the records an entry's name stands for */
static size_t
entry_records(const struct manifest *mf, struct archive_entry *e,
    size_t *first)
{
	const char *name = archive_entry_pathname(e), *rest;
	size_t len;
	unsigned q;

	if (name == NULL ||
	    !entry_split(mf, name, !entry_regular(e), &q, &rest, &len))
		return 0;
	return mf_find(mf, q, rest, len, first);
}

/* has_kind - one of the n records from first is of kind k */
static bool
has_kind(const struct manifest *mf, size_t first, size_t n, enum kind k)
{
	size_t i;

	for (i = first; i < first + n; i++)
		if (mf->byname[i]->kind == k)
			return true;
	return false;
}

/* match - the pending data record of the n from first with these bytes */
static struct mf_rec *
match(const struct manifest *mf, size_t first, size_t n, int64_t size,
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

/* pending_limit - the largest size of the pending data records, or -1 */
static int64_t
pending_limit(const struct manifest *mf, size_t first, size_t n)
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

/* pending_size - a pending data record of the n from first has size */
static bool
pending_size(const struct manifest *mf, size_t first, size_t n, int64_t size)
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

/* mark_bad - an entry of this name had other bytes */
static void
mark_bad(const struct manifest *mf, size_t first, size_t n)
{
	size_t i;

	for (i = first; i < first + n; i++)
		if (mf->byname[i]->kind == K_DATA)
			mf->byname[i]->bad_seen = true;
}

/* ------------------------------------------------------------------ */
/* Printing */

/* print_esc - s on out as one field, escaped by the one rule */
static void
print_esc(FILE *out, const char *s)
{
	esc_fputs(out, s, ESC_FIELD);
}

/* print_field - a text field as the manifest has it ("-": empty) */
static void
print_field(FILE *out, const char *s)
{
	if (s[0] == '\0')
		(void)fputs("-", out);
	else if (strcmp(s, "-") == 0)
		(void)fputs("\\x2d", out);
	else
		print_esc(out, s);
}

/* json_str - s as a JSON string, escaped by the one rule (esc_json()) */
static void
json_str(FILE *out, const char *s)
{
	esc_json(out, s);
}

/* json_text - a text field: a string, or null when empty */
static void
json_text(FILE *out, const char *key, const char *s)
{
	(void)fprintf(out, ",\"%s\":", key);
	if (s[0] == '\0')
		(void)fputs("null", out);
	else
		json_str(out, s);
}

/* rec_status - a record's verification, for a listing */
static const char *
rec_status(const struct mf_rec *r)
{
	if (r->kind != K_DATA)
		return "-";
	if (r->state == ST_DONE)
		return "ok";
	return r->bad_seen ? "DIGEST MISMATCH" : "MISSING";
}

/* list_human - one record as a line of text */
static void
list_human(FILE *out, const struct manifest *mf, const struct mf_rec *r)
{
	print_field(out, r->code);
	(void)putc(' ', out);
	print_field(out, r->problem);
	(void)putc(' ', out);
	print_field(out, r->action);
	(void)fprintf(out, " %s %04o %" PRIu32 ":%" PRIu32 " %" PRId64 " ",
	    kind_names[r->kind], (unsigned)r->mode, r->uid, r->gid, r->size);
	print_esc(out, mf->queues[r->queue]);
	(void)putc('/', out);
	print_esc(out, r->path);
	if (r->kind == K_DATA)
		(void)fprintf(out, " sha256:%.*s %s\n", ARC_SHORT_DIGEST,
		    r->sha, rec_status(r));
	else
		(void)fputs(" - -\n", out);
}

/* list_json - one record as a JSON object on a line */
static void
list_json(FILE *out, const struct manifest *mf, const struct mf_rec *r)
{
	(void)fprintf(out, "{\"schema\":\"%s\",\"type\":\"archived\","
	    "\"queue\":", JSON_SCHEMA);
	json_str(out, mf->queues[r->queue]);
	(void)fputs(",\"path\":", out);
	json_str(out, r->path);
	(void)fprintf(out, ",\"kind\":\"%s\",\"mode\":\"%04o\",\"uid\":%"
	    PRIu32 ",\"gid\":%" PRIu32 ",\"size\":%" PRId64 ",\"mtime\":\"%"
	    PRId64 ".%09ld\",\"sha256\":", kind_names[r->kind],
	    (unsigned)r->mode, r->uid, r->gid, r->size, r->mtime_sec,
	    r->mtime_nsec);
	if (r->sha != NULL)
		(void)fprintf(out, "\"%s\"", r->sha);
	else
		(void)fputs("null", out);
	json_text(out, "code", r->code);
	json_text(out, "problem", r->problem);
	json_text(out, "action", r->action);
	(void)fprintf(out, ",\"verified\":%s}\n", r->kind != K_DATA ? "null" :
	    (r->state == ST_DONE ? "true" : "false"));
}

/* ------------------------------------------------------------------ */
/* arc_list */

struct lister {
	struct manifest mf;
	FILE *out;
	bool json;
	unsigned char *buf;		/* ARC_CHUNK bytes */
};

/* list_unlisted - an entry no record accounts for (it is ignored) */
static void
list_unlisted(const struct lister *l, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);

	if (name == NULL)
		name = "";
	if (l->json) {
		(void)fprintf(l->out, "{\"schema\":\"%s\","
		    "\"type\":\"unlisted\",\"entry\":", JSON_SCHEMA);
		json_str(l->out, name);
		(void)fputs(",\"what\":", l->out);
		json_str(l->out, entry_what(e));
		(void)fputs("}\n", l->out);
		return;
	}
	(void)fputs("unlisted ", l->out);
	print_esc(l->out, name);
	(void)fprintf(l->out, " (%s not in the manifest: ignored)\n",
	    entry_what(e));
}

/* list_entry - check one entry against the records of its name */
static int
list_entry(struct lister *l, struct archive *ar, struct archive_entry *e,
    struct qerr *err)
{
	const char *name = archive_entry_pathname(e);
	char hex[ARC_SHA256_HEX + 1];
	struct qerr werr;
	struct mf_rec *r;
	size_t first = 0, n;
	int64_t limit, total;

	if (name != NULL && (strcmp(name, MANIFEST_NAME) == 0 ||
	    strcmp(name, SIG_NAME) == 0))
		return 0;
	n = entry_records(&l->mf, e, &first);
	if (n == 0 || !has_kind(&l->mf, first, n,
	    entry_regular(e) ? K_DATA : entry_kind(e))) {
		list_unlisted(l, e);
		return 0;
	}
	if (!entry_regular(e))
		return 0;
	limit = pending_limit(&l->mf, first, n);
	if (limit < 0)
		return 0;	/* a second entry of a name already verified */
	if (copy_entry(ar, -1, limit, l->buf, hex, &total, err, &werr) < 0)
		return -1;
	r = total <= limit ? match(&l->mf, first, n, total, hex) : NULL;
	if (r != NULL)
		r->state = ST_DONE;
	else
		mark_bad(&l->mf, first, n);
	return 0;
}

/* list_verify - hash every entry of the archive */
static int
list_verify(struct lister *l, int fd, struct qerr *err)
{
	struct archive_entry *e;
	struct archive *ar = rd_open(fd, err);
	int r;

	if (ar == NULL)
		return -1;
	while ((r = rd_next(ar, &e, err)) == 1)
		if (list_entry(l, ar, e, err) < 0) {
			r = -1;
			break;
		}
	(void)archive_read_free(ar);
	return r;
}

/* arc_list - print the records of the archive on fd, verified */
int
arc_list(int fd, FILE *out, bool json, const unsigned char *key,
    struct qerr *err)
{
	struct lister l;
	size_t i, bad_files = 0;
	int rc = -1;

	REQUIRE(out != NULL);
	memset(&l, 0, sizeof(l));
	l.out = out;
	l.json = json;
	if (mf_load(fd, &l.mf, key, err) < 0)
		return -1;
	l.buf = malloc(ARC_CHUNK);
	if (l.buf == NULL) {
		(void)nomem(err);
		goto out;
	}
	if (list_verify(&l, fd, err) < 0)
		goto out;
	for (i = 0; i < l.mf.nrecs; i++) {
		const struct mf_rec *r = &l.mf.recs[i];

		if (json)
			list_json(out, &l.mf, r);
		else
			list_human(out, &l.mf, r);
		if (r->kind == K_DATA && r->state != ST_DONE)
			bad_files++;
	}
	/* Said when it is not the host's own, unchanged. */
	if (json)
		(void)fprintf(out, "{\"schema\":\"%s\",\"type\":\"signature\",\"state\":\"%s\"}\n",
		    JSON_SCHEMA, l.mf.sigstate == ARC_SIG_OK ? "ok"
		    : l.mf.sigstate == ARC_SIG_NONE ? "none"
		    : l.mf.sigstate == ARC_SIG_NOKEY ? "no-key" : "bad");
	else if (l.mf.sigstate != ARC_SIG_OK)
		(void)fprintf(out, "note: %s\n", sig_words(l.mf.sigstate));
	if (fflush(out) != 0 || ferror(out)) {
		qerr_set(err, EIO, "the listing could not be written");
		goto out;
	}
	rc = bad_files > 0 ? 1 : 0;
out:
	free(l.buf);
	mf_free(&l.mf);
	return rc;
}

/* ------------------------------------------------------------------ */
/* arc_restore */

enum { SLOT_TOP, SLOT_QF, SLOT_DF, SLOT_XF, NSLOTS };
static const char *const slot_names[NSLOTS] = { "", "qf", "df", "xf" };

enum pass { PASS_CHECK, PASS_DATA, PASS_CONTROL };

/* A directory files are restored into, opened once. */
struct slot {
	int fd;				/* -1: not open */
	bool tried;
	char why[QERR_MSG_MAX];		/* why it could not be opened */
};

struct target {
	const char *path;		/* the queue directory */
	struct stat st;			/* its fstat() */
	struct slot slot[NSLOTS];
	arc_queue_ok_fn queue_ok;	/* the directory must pass it */
	void *queue_ok_arg;
	bool named;			/* named on the command line */
};

struct restorer {
	struct sio_writer *w;
	const struct arc_restore_opts *opts;
	struct manifest mf;
	struct target *tg;		/* one per queue */
	FILE *out;
	struct arc_restore_stats *stats;
	unsigned char *buf;		/* ARC_CHUNK bytes */
	enum pass pass;
};

/* say - "<prefix><queue>/<path>[: why]" */
static void
say(const struct restorer *r, const char *prefix, const struct mf_rec *rec,
    const char *why)
{
	REQUIRE(rec->queue < r->mf.nqueues);
	(void)fputs(prefix, r->out);
	print_esc(r->out, r->tg[rec->queue].path);
	(void)putc('/', r->out);
	print_esc(r->out, rec->path);
	if (why != NULL)
		(void)fprintf(r->out, ": %s", why);
	(void)putc('\n', r->out);
}

/* rec_refuse - a record is not restored, on purpose */
static void
rec_refuse(struct restorer *r, struct mf_rec *rec, const char *why)
{
	rec->state = ST_REFUSED;
	r->stats->refused++;
	say(r, "refused: ", rec, why);
}

/* rec_fail - a record could not be restored */
static void
rec_fail(struct restorer *r, struct mf_rec *rec, const char *why)
{
	rec->state = ST_FAILED;
	r->stats->failed++;
	say(r, "FAILED: ", rec, why);
}

/* rec_done - a record is restored, or was there already */
static void
rec_done(struct restorer *r, struct mf_rec *rec, bool already)
{
	rec->state = ST_DONE;
	if (already)
		r->stats->already++;
	else
		r->stats->restored++;
	say(r, already ? "already there: " : "restored ", rec, NULL);
}

/* entry_refuse - an entry no record accounts for */
static void
entry_refuse(struct restorer *r, const char *name, const char *why)
{
	r->stats->refused++;
	(void)fputs("refused: ", r->out);
	print_esc(r->out, name);
	(void)fprintf(r->out, ": %s\n", why);
}

/* refuse_pending - every pending data record of the n from first */
static void
refuse_pending(struct restorer *r, size_t first, size_t n, const char *why,
    bool failed)
{
	size_t i;

	for (i = first; i < first + n; i++) {
		struct mf_rec *rec = r->mf.byname[i];

		if (rec->kind != K_DATA || rec->state != ST_PENDING)
			continue;
		if (failed)
			rec_fail(r, rec, why);
		else
			rec_refuse(r, rec, why);
	}
}

/* file_ok - a single name: non-empty, no '/', not "." or ".." */
static bool
file_ok(const char *s)
{
	return strchr(s, '/') == NULL && component_ok(s, strlen(s));
}

/* sub_slot - the slot of "qf/", "df/" or "xf/" that path starts with */
static int
sub_slot(const char *path)
{
	int s;

	for (s = SLOT_QF; s < NSLOTS; s++)
		if (strncmp(path, slot_names[s], KIND_LEN) == 0 &&
		    path[KIND_LEN] == '/')
			return s;
	return -1;
}

/* form_ok - path is "<file>" or "{qf,df,xf}/<file>" */
static bool
form_ok(const char *path)
{
	if (strchr(path, '/') == NULL)
		return file_ok(path);
	return sub_slot(path) >= 0 && file_ok(path + KIND_LEN + 1);
}

/* is_control - a control file's name: sendmail reads it to run a job */
static bool
is_control(const char *base)
{
	static const char *const prefixes[] = { "qf", "hf", "Qf", "tf", "Tf" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(base, prefixes[i], KIND_LEN) == 0)
			return true;
	return false;
}

/* name_why - why an entry name no record accounts for is refused */
static const char *
name_why(const char *name)
{
	const char *p = name;

	if (name[0] == '/')
		return "an absolute path";
	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return "\"..\" in the name";
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	p = name + strspn(name, "0123456789");
	if (p == name || *p != '/' || !form_ok(p + 1))
		return "not of the form <N>/<file> or <N>/{qf,df,xf}/<file>";
	return "not in the manifest";
}

static int rs_dir(struct restorer *r, unsigned q, const char *path,
    const char **why);

/*
 * rs_aside - a file a repair moved aside (too big to copy; record
 * action "moved-aside"): renamed back from the aside directory of its
 * queue, if it is still the file recorded (size, mtime), never over
 * anything
 */
static void
rs_aside(struct restorer *r, struct mf_rec *rec)
{
	char stamp[ARC_STAMP_BUF], prefix[KIND_LEN + 2] = "", an[NAME_MAX + 1];
	const char *why = "", *base = strrchr(rec->path, '/');
	struct stat st;
	struct qerr e;
	size_t i, o = 0;
	int dirfd, afd;

	for (i = 0; r->mf.created[i] != '\0' && o + 1 < sizeof(stamp); i++)
		if (r->mf.created[i] != '-' && r->mf.created[i] != ':')
			stamp[o++] = r->mf.created[i];
	stamp[o] = '\0';
	if (base != NULL && base - rec->path == KIND_LEN) {
		memcpy(prefix, rec->path, KIND_LEN); /* "df/" (form_ok()) */
		prefix[KIND_LEN] = '/';
		prefix[KIND_LEN + 1] = '\0';
	}
	base = base != NULL ? base + 1 : rec->path;
	if (!form_ok(rec->path) || !aside_name(stamp, prefix, base, an,
	    sizeof(an))) {
		rec_refuse(r, rec, "not of the form <file> or {qf,df,xf}/<file>");
		return;
	}
	if ((dirfd = rs_dir(r, rec->queue, rec->path, &why)) < 0) {
		rec_fail(r, rec, why);
		return;
	}
	afd = sio_opendirat(r->tg[rec->queue].slot[SLOT_TOP].fd, ARC_ASIDE_DIR,
	    NULL, &e);
	if (afd < 0 || fstatat(afd, an, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_size == rec->size &&
		    st.st_mtim.tv_sec == rec->mtime_sec)
			rec_done(r, rec, true); /* back already */
		else
			rec_fail(r, rec, "moved aside, but not in " ARC_ASIDE_DIR
			    " any more");
		if (afd >= 0)
			(void)close(afd);
		return;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != rec->size ||
	    st.st_mtim.tv_sec != rec->mtime_sec ||
	    st.st_mtim.tv_nsec != rec->mtime_nsec) {
		rec_refuse(r, rec, "the file in " ARC_ASIDE_DIR " is not the one "
		    "set aside (size or mtime): left there");
	} else if (sio_rename(r->w, afd, an, dirfd, base, true, &st, &e) < 0 ||
	    sio_fsync_dir(dirfd, &e) < 0 || sio_fsync_dir(afd, &e) < 0) {
		rec_fail(r, rec, e.sys_errno == EEXIST
		    ? "a file of that name is there: not replaced" : e.msg);
	} else
		rec_done(r, rec, false);
	(void)close(afd);
}

/* rs_records - what the records alone decide, in manifest order */
static void
rs_records(struct restorer *r)
{
	char why[VIS_MAX];
	size_t i;

	for (i = 0; i < r->mf.nrecs; i++) {
		struct mf_rec *rec = &r->mf.recs[i];

		if (rec->kind == K_RECORD &&
		    strcmp(rec->action, "moved-aside") == 0) {
			rs_aside(r, rec);
		} else if (rec->kind == K_RECORD) {
			say(r, "skipped: ", rec, "nothing archived (a record "
			    "of a change)");
		} else if (rec->kind != K_DATA) {
			(void)snprintf(why, sizeof(why), "not restored (%s, "
			    "recorded only)", kind_names[rec->kind]);
			rec_refuse(r, rec, why);
		} else if (!form_ok(rec->path)) {
			rec_refuse(r, rec, "not of the form <file> or "
			    "{qf,df,xf}/<file>");
		}
	}
}

/* rs_check - check one entry before anything is written */
static void
rs_check(struct restorer *r, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);
	char why[VIS_MAX];
	size_t first = 0, n;
	bool regular = entry_regular(e);

	if (name == NULL) {
		entry_refuse(r, "", "an entry without a name");
		return;
	}
	if (strcmp(name, MANIFEST_NAME) == 0 || strcmp(name, SIG_NAME) == 0)
		return;
	n = entry_records(&r->mf, e, &first);
	if (n == 0) {
		(void)snprintf(why, sizeof(why), "%s (%s)", name_why(name),
		    entry_what(e));
		entry_refuse(r, name, why);
		return;
	}
	if (has_kind(&r->mf, first, n, regular ? K_DATA : entry_kind(e)))
		return;
	(void)snprintf(why, sizeof(why), "archived as %s, which the manifest "
	    "does not say", entry_what(e));
	if (!regular && has_kind(&r->mf, first, n, K_DATA))
		refuse_pending(r, first, n, why, false);
	else
		entry_refuse(r, name, why);
}

/* slot_fail - remember why a directory could not be had */
static int
slot_fail(struct slot *s, const struct qerr *e)
{
	(void)snprintf(s->why, sizeof(s->why), "%s", e->msg);
	return -1;
}

/* open_top - the queue directory, walked without following links */
static int
open_top(struct target *t)
{
	struct slot *s = &t->slot[SLOT_TOP];
	struct qerr e;

	if (s->tried)
		return s->fd;
	s->tried = true;
	s->fd = sio_open_path(t->path, NULL, NULL, &e);
	if (s->fd < 0)
		return slot_fail(s, &e);
	if (fstat(s->fd, &t->st) < 0) {
		qerr_set(&e, errno, "fstat: %s", strerror(errno));
		(void)close(s->fd);
		s->fd = -1;
		return slot_fail(s, &e);
	}
	/* A path the archive itself names is trusted only if the caller
	 * knows it as a queue directory. */
	if (t->queue_ok != NULL && !t->queue_ok(&t->st, t->queue_ok_arg)) {
		qerr_set(&e, EPERM, "%s", t->named
		    ? "not a directory a queue can be in (a system directory, or one others can write or own)"
		    : "not a queue directory of the configuration (name the directory to restore into)");
		(void)close(s->fd);
		s->fd = -1;
		return slot_fail(s, &e);
	}
	return s->fd;
}

/* own_dir - give a directory we made the queue directory's owner */
static int
own_dir(struct restorer *r, const struct target *t, int fd, struct qerr *e)
{
	mode_t mode = t->st.st_mode & ARC_PERM_MASK;

	if (sio_fchown(r->w, fd, t->st.st_uid, t->st.st_gid, e) < 0 &&
	    (e->sys_errno != EPERM || geteuid() == 0))
		return -1;
	/* fchmod: mkdir's mode went through the umask. */
	return sio_fchmod(r->w, fd, mode, e);
}

/* make_sub - make a missing qf/, df/ or xf/ like its queue directory */
static int
make_sub(struct restorer *r, struct target *t, int si, struct qerr *e)
{
	const char *name = slot_names[si];
	int top = t->slot[SLOT_TOP].fd, fd;
	bool made;

	made = sio_mkdirat(r->w, top, name, t->st.st_mode & ARC_PERM_MASK,
	    e) == 0;
	if (!made && e->sys_errno != EEXIST)
		return -1;
	fd = sio_opendirat(top, name, NULL, e);
	if (fd < 0 || !made)
		return fd;
	if (own_dir(r, t, fd, e) < 0 || sio_fsync_dir(top, e) < 0) {
		(void)close(fd);
		return -1;
	}
	(void)fputs("created ", r->out);
	print_esc(r->out, t->path);
	(void)fprintf(r->out, "/%s/\n", name);
	return fd;
}

/* dir_empty - directory fd has no entry but "." and ".." */
static bool
dir_empty(int fd)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	bool empty = true;
	DIR *d;

	if (dfd < 0)
		return false;
	d = fdopendir(dfd);
	if (d == NULL) {
		(void)close(dfd);
		return false;
	}
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0;
	(void)closedir(d);
	return empty;
}

/*
 * finish_sub - an empty qf/, df/ or xf/ whose owner or mode is not the
 * queue directory's is what a restore interrupted between sio_mkdirat()
 * and own_dir() leaves: finish it, so that running again completes.
 */
static int
finish_sub(struct restorer *r, const struct target *t, int si, int fd,
    struct qerr *e)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		qerr_set(e, errno, "fstat %s: %s", slot_names[si],
		    strerror(errno));
		return -1;
	}
	if ((st.st_uid == t->st.st_uid && st.st_gid == t->st.st_gid &&
	    (st.st_mode & ARC_PERM_MASK) == (t->st.st_mode & ARC_PERM_MASK)) ||
	    !dir_empty(fd))
		return 0;
	if (own_dir(r, t, fd, e) < 0)
		return -1;
	(void)fputs("finished ", r->out);
	print_esc(r->out, t->path);
	(void)fprintf(r->out, "/%s/\n", slot_names[si]);
	return 0;
}

/* open_sub - qf/, df/ or xf/ of a queue directory, made if missing */
static int
open_sub(struct restorer *r, struct target *t, int si)
{
	struct slot *s = &t->slot[si];
	struct qerr e;

	if (s->tried)
		return s->fd;
	s->tried = true;
	s->fd = sio_opendirat(t->slot[SLOT_TOP].fd, slot_names[si], NULL, &e);
	if (s->fd < 0 && e.sys_errno == ENOENT)
		s->fd = make_sub(r, t, si, &e);
	else if (s->fd >= 0 && finish_sub(r, t, si, s->fd, &e) < 0) {
		(void)close(s->fd);
		s->fd = -1;
	}
	if (s->fd < 0)
		return slot_fail(s, &e);
	return s->fd;
}

/* rs_dir - the directory path goes into; *why when there is none */
static int
rs_dir(struct restorer *r, unsigned q, const char *path, const char **why)
{
	struct target *t = &r->tg[q];
	int si = sub_slot(path);

	if (open_top(t) < 0) {
		*why = t->slot[SLOT_TOP].why;
		return -1;
	}
	if (si < 0)
		return t->slot[SLOT_TOP].fd;
	if (open_sub(r, t, si) < 0) {
		*why = t->slot[si].why;
		return -1;
	}
	return t->slot[si].fd;
}

/* hash_fd - SHA-256 of fd's bytes; stops past limit (*size > limit) */
static int
hash_fd(int fd, unsigned char *buf, int64_t limit,
    char hex[ARC_SHA256_HEX + 1], int64_t *size, struct qerr *err)
{
	EVP_MD_CTX *ctx = md_begin(err);

	*size = 0;
	if (ctx == NULL)
		return -1;
	while (*size <= limit) {
		ssize_t n = read(fd, buf, ARC_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			qerr_set(err, errno, "read: %s", strerror(errno));
			EVP_MD_CTX_free(ctx);
			return -1;
		}
		if (n == 0)
			break;
		*size += n;
		if (md_update(ctx, buf, (size_t)n, err) < 0) {
			EVP_MD_CTX_free(ctx);
			return -1;
		}
	}
	return md_end(ctx, hex, err);
}

/* rs_existing - the name is taken: the same bytes, or refused */
static void
rs_existing(struct restorer *r, int dirfd, const char *base,
    const struct stat *st, size_t first, size_t n)
{
	char hex[ARC_SHA256_HEX + 1];
	int64_t size, limit = pending_limit(&r->mf, first, n);
	struct mf_rec *rec;
	struct qerr e;
	int fd, rc;

	if (!S_ISREG(st->st_mode)) {
		refuse_pending(r, first, n, "exists and is not a regular "
		    "file: not overwritten", false);
		return;
	}
	fd = sio_open_entry(dirfd, base, st, NULL, &e);
	if (fd < 0) {
		refuse_pending(r, first, n, e.msg, true);
		return;
	}
	rc = hash_fd(fd, r->buf, limit, hex, &size, &e);
	(void)close(fd);
	if (rc < 0) {
		refuse_pending(r, first, n, e.msg, true);
		return;
	}
	rec = size <= limit ? match(&r->mf, first, n, size, hex) : NULL;
	if (rec != NULL)
		rec_done(r, rec, true);
	else
		refuse_pending(r, first, n, "exists with other contents: "
		    "not overwritten", false);
}

/* rs_finish - owner, mode, times, fsync, name, fsync the directory */
static void
rs_finish(struct restorer *r, struct sio_tmp *t, int dirfd,
    const char *base, struct mf_rec *rec)
{
	struct timespec ts[2];
	struct qerr e;
	const char *why;

	/* The caller's rules for what may go back (a restore runs as
	 * root, and the archive is anyone's data). */
	if (r->opts->file_ok != NULL) {
		struct arc_file_info fi;

		fi.path = rec->path;
		fi.base = base;
		fi.mode = rec->mode;
		fi.uid = (uid_t)rec->uid;
		fi.gid = (gid_t)rec->gid;
		fi.dir_st = &r->tg[rec->queue].st;
		if ((why = r->opts->file_ok(&fi, r->opts->file_ok_arg)) != NULL) {
			rec_refuse(r, rec, why);
			return;
		}
	}
	if (sio_fchown(r->w, t->fd, (uid_t)rec->uid, (gid_t)rec->gid,
	    &e) < 0) {
		if (e.sys_errno != EPERM || geteuid() == 0) {
			rec_fail(r, rec, e.msg);
			return;
		}
		say(r, "note: ", rec, "owner not restored (not root)");
	}
	ts[0].tv_sec = ts[1].tv_sec = (time_t)rec->mtime_sec;
	ts[0].tv_nsec = ts[1].tv_nsec = rec->mtime_nsec;
	if (sio_fchmod(r->w, t->fd, rec->mode, &e) < 0 ||
	    sio_futimens(r->w, t->fd, ts, &e) < 0) {
		rec_fail(r, rec, e.msg);
		return;
	}
	if (fsync_retry(t->fd) < 0) {
		rec_fail(r, rec, strerror(errno));
		return;
	}
	if (sio_tmp_publish(r->w, t, base, &e) < 0) {
		if (e.sys_errno == EEXIST)
			rec_refuse(r, rec, "appeared while restoring: not "
			    "overwritten");
		else
			rec_fail(r, rec, e.msg);
		return;
	}
	if (sio_fsync_dir(dirfd, &e) < 0)
		rec_fail(r, rec, e.msg);
	else
		rec_done(r, rec, false);
}

/* rs_new - write the entry to an unnamed file; name it if it matches */
static int
rs_new(struct restorer *r, struct archive *ar, int dirfd, const char *base,
    size_t first, size_t n, struct qerr *err)
{
	char hex[ARC_SHA256_HEX + 1];
	int64_t total, limit = pending_limit(&r->mf, first, n);
	struct mf_rec *rec = NULL;
	struct sio_tmp t;
	struct qerr e;
	int rc;

	if (sio_tmp_create(r->w, dirfd, ARC_FILE_MODE, &t, &e) < 0) {
		refuse_pending(r, first, n, e.msg, true);
		return 0;
	}
	rc = copy_entry(ar, t.fd, limit, r->buf, hex, &total, err, &e);
	if (rc == -2)
		refuse_pending(r, first, n, e.msg, true);
	if (rc == 0 && total <= limit)
		rec = match(&r->mf, first, n, total, hex);
	if (rc == 0 && rec == NULL)
		mark_bad(&r->mf, first, n);
	if (rec != NULL)
		rs_finish(r, &t, dirfd, base, rec);
	sio_tmp_close(&t);
	return rc == -1 ? -1 : 0;
}

/* rs_file - restore one regular entry named (q, path) */
static int
rs_file(struct restorer *r, struct archive *ar, struct archive_entry *e,
    unsigned q, const char *path, size_t first, size_t n, struct qerr *err)
{
	const char *base = base_name(path), *why = NULL;
	struct stat st;
	int dirfd;

	/* An entry whose size no pending record has is not written. */
	if (!archive_entry_size_is_set(e) ||
	    !pending_size(&r->mf, first, n, archive_entry_size(e))) {
		mark_bad(&r->mf, first, n);
		return 0;
	}
	dirfd = rs_dir(r, q, path, &why);
	if (dirfd < 0) {
		refuse_pending(r, first, n, why, true);
		return 0;
	}
	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		rs_existing(r, dirfd, base, &st, first, n);
		return 0;
	}
	if (errno != ENOENT) {
		refuse_pending(r, first, n, strerror(errno), true);
		return 0;
	}
	return rs_new(r, ar, dirfd, base, first, n, err);
}

/* data_missing - the df of control file base (queue q) is not back */
static bool
data_missing(const struct restorer *r, unsigned q, const char *base)
{
	static const char *const dirs[] = { "", "qf/", "df/" };
	char name[PATH_MAX];
	size_t d, first, i;

	for (d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		size_t n;

		(void)snprintf(name, sizeof(name), "%sdf%s", dirs[d],
		    base + KIND_LEN);
		n = mf_find(&r->mf, q, name, strlen(name), &first);
		for (i = first; i < first + n; i++) {
			const struct mf_rec *rec = r->mf.byname[i];

			if (rec->kind == K_DATA && rec->state != ST_DONE)
				return true;
		}
	}
	return false;
}

/* rs_write - restore a regular entry if it belongs to this pass */
static int
rs_write(struct restorer *r, struct archive *ar, struct archive_entry *e,
    struct qerr *err)
{
	const char *name = archive_entry_pathname(e), *path;
	size_t first = 0, n, len;
	bool control;
	unsigned q;

	if (name == NULL || !entry_regular(e) ||
	    !entry_split(&r->mf, name, false, &q, &path, &len) ||
	    !form_ok(path))
		return 0;
	n = mf_find(&r->mf, q, path, len, &first);
	if (pending_limit(&r->mf, first, n) < 0)
		return 0;
	control = is_control(base_name(path));
	if (control != (r->pass == PASS_CONTROL))
		return 0;
	/* sendmail writes the df before the qf: no qf without its df. */
	if (control && data_missing(r, q, base_name(path))) {
		refuse_pending(r, first, n, "its data file was not restored",
		    false);
		return 0;
	}
	return rs_file(r, ar, e, q, path, first, n, err);
}

/* rs_pass - one reading of the archive */
static int
rs_pass(struct restorer *r, int fd, enum pass pass, struct qerr *err)
{
	struct archive_entry *e;
	struct archive *ar = rd_open(fd, err);
	int n;

	if (ar == NULL)
		return -1;
	r->pass = pass;
	while ((n = rd_next(ar, &e, err)) == 1) {
		if (pass == PASS_CHECK)
			rs_check(r, e);
		else if (rs_write(r, ar, e, err) < 0) {
			n = -1;
			break;
		}
	}
	(void)archive_read_free(ar);
	return n;
}

/* rs_sweep - data records of a pass that no entry restored */
static void
rs_sweep(struct restorer *r, bool control)
{
	size_t i;

	for (i = 0; i < r->mf.nrecs; i++) {
		struct mf_rec *rec = &r->mf.recs[i];

		if (rec->kind != K_DATA || rec->state != ST_PENDING ||
		    is_control(base_name(rec->path)) != control)
			continue;
		rec_fail(r, rec, rec->bad_seen ? "digest mismatch: not "
		    "restored" : "not in the archive");
	}
}

/* rs_setup - targets and a buffer */
static int
rs_setup(struct restorer *r, const char *queue_dir, arc_queue_ok_fn queue_ok,
    void *queue_ok_arg, struct qerr *err)
{
	unsigned q;
	int s;

	r->buf = malloc(ARC_CHUNK);
	r->tg = calloc(r->mf.nqueues + 1, sizeof(*r->tg));
	if (r->buf == NULL || r->tg == NULL)
		return nomem(err);
	for (q = 0; q < r->mf.nqueues; q++) {
		r->tg[q].path = queue_dir != NULL ? queue_dir : r->mf.queues[q];
		REQUIRE(r->tg[q].path != NULL);
		r->tg[q].queue_ok = queue_ok;
		r->tg[q].queue_ok_arg = queue_ok_arg;
		r->tg[q].named = queue_dir != NULL;
		for (s = 0; s < NSLOTS; s++)
			r->tg[q].slot[s].fd = -1;
	}
	return 0;
}

/* rs_cleanup - close and free what the restore took */
static void
rs_cleanup(struct restorer *r)
{
	unsigned q;
	int s;

	for (q = 0; r->tg != NULL && q < r->mf.nqueues; q++)
		for (s = 0; s < NSLOTS; s++)
			if (r->tg[q].slot[s].fd >= 0)
				(void)close(r->tg[q].slot[s].fd);
	free(r->tg);
	free(r->buf);
	mf_free(&r->mf);
}

/* arc_restore - put the archived regular files back */
int
arc_restore(struct sio_writer *w, int fd, const struct arc_restore_opts *opts,
    FILE *out, struct arc_restore_stats *stats, struct qerr *err)
{
	static const struct arc_restore_opts none;
	struct arc_restore_stats local;
	struct restorer r;
	int rc = -1;

	REQUIRE(w != NULL);
	REQUIRE(out != NULL);
	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	memset(&r, 0, sizeof(r));
	r.w = w;
	r.opts = opts != NULL ? opts : &none;
	r.out = out;
	r.stats = stats;
	if (mf_load(fd, &r.mf, r.opts->key, err) < 0)
		return -1;
	if (r.mf.sigstate != ARC_SIG_OK && !r.opts->unverified_ok) {
		qerr_set(err, EPERM, "%s: nothing restored; if you know where it comes from, --restore-unverified restores it (its files checked against its own digests only)",
		    sig_words(r.mf.sigstate));
		mf_free(&r.mf);
		return -1;
	}
	if (r.opts->queue_dir != NULL && r.mf.nqueues > 1) {
		qerr_set(err, EINVAL, "the archive holds %u queues: it cannot "
		    "be restored into one directory", r.mf.nqueues);
		goto out;
	}
	if (rs_setup(&r, r.opts->queue_dir, r.opts->queue_ok,
	    r.opts->queue_ok_arg, err) < 0)
		goto out;
	rs_records(&r);
	if (rs_pass(&r, fd, PASS_CHECK, err) < 0 ||
	    rs_pass(&r, fd, PASS_DATA, err) < 0)
		goto out;
	rs_sweep(&r, false);
	if (rs_pass(&r, fd, PASS_CONTROL, err) < 0)
		goto out;
	rs_sweep(&r, true);
	(void)fflush(out);
	rc = stats->refused > 0 || stats->failed > 0 ? 1 : 0;
out:
	rs_cleanup(&r);
	return rc;
}

/* key_read - the key file fd: the runner's or root's, closed to others */
static int
key_read(int fd, unsigned char key[ARC_KEY_LEN], struct qerr *err)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) < 0) {
		qerr_set(err, errno, "fstat: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (st.st_uid != geteuid() && st.st_uid != 0) ||
	    (st.st_mode & 077) != 0 || st.st_size != ARC_KEY_LEN) {
		qerr_set(err, EPERM, "the key must be a file of %d bytes that only its owner (the runner or root) may read",
		    ARC_KEY_LEN);
		return -1;
	}
	n = pread_retry(fd, key, ARC_KEY_LEN, 0);
	if (n != ARC_KEY_LEN) {
		qerr_set(err, n < 0 ? errno : EIO, "the key cannot be read");
		return -1;
	}
	return 0;
}

/* key_make - a new random key in dirfd, named base, never replacing one */
static int
key_make(struct sio_writer *w, int dirfd, const char *base,
    unsigned char key[ARC_KEY_LEN], struct qerr *err)
{
	struct sio_tmp t;
	int rc = -1;

	if (RAND_bytes(key, ARC_KEY_LEN) != 1) {
		qerr_set(err, EIO, "no random bytes for a key (OpenSSL)");
		return -1;
	}
	if (sio_tmp_create(w, dirfd, 0600, &t, err) < 0)
		return -1;
	if (sio_write_all(t.fd, key, ARC_KEY_LEN, err) == 0 &&
	    fsync_retry(t.fd) == 0 && sio_tmp_publish(w, &t, base, err) == 0 &&
	    sio_fsync_dir(dirfd, err) == 0)
		rc = 0;
	sio_tmp_close(&t);
	return rc;
}

/* arc_key_load - the host key at path, made when missing and w given */
int
arc_key_load(struct sio_writer *w, const char *path,
    unsigned char key[ARC_KEY_LEN], struct qerr *err)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st;
	int dfd, fd, rc = -1;

	if (slash == NULL)
		(void)snprintf(dir, sizeof(dir), ".");
	else if ((size_t)(slash - path) >= sizeof(dir)) {
		qerr_set(err, ENAMETOOLONG, "the key's path is too long");
		return -1;
	} else
		(void)snprintf(dir, sizeof(dir), "%.*s",
		    slash == path ? 1 : (int)(slash - path), path);
	if (slash != NULL && slash[1] == '\0') {
		qerr_set(err, EINVAL, "the key's path names a directory");
		return -1;
	}
	dfd = w != NULL ? sio_open_path_make(w, dir, 0700, err)
			: sio_open_path(dir, NULL, NULL, err);
	if (dfd < 0)
		return -1;
	if (fstat(dfd, &st) < 0 || (st.st_uid != geteuid() && st.st_uid != 0) ||
	    (st.st_mode & 022) != 0) {
		qerr_set(err, EPERM, "%s must be the runner's or root's, and no one else's to write",
		    dir);
		(void)close(dfd);
		return -1;
	}
	fd = openat(dfd, slash != NULL ? slash + 1 : path,
	    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		rc = key_read(fd, key, err);
		(void)close(fd);
	} else if (errno == ENOENT && w != NULL) {
		rc = key_make(w, dfd, slash != NULL ? slash + 1 : path, key, err);
	} else
		qerr_set(err, errno, "%s", strerror(errno));
	(void)close(dfd);
	return rc;
}
