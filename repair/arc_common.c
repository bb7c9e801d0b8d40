/*
 * arc_common.c - what the archive's writer, reader and restore share:
 * the checks of the paths a manifest may hold, SHA-256 and HMAC-SHA256
 * through OpenSSL's EVP interface (the SHA256_* calls are deprecated in
 * 3.0), the name of a file moved aside, and the host key that signs
 * every manifest (made root-only on first use).
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

const char *const ar_kind_names[K_NKINDS] = {
	"data", "symlink", "fifo", "socket", "chardev", "blockdev", "dir",
	"record"
};

/* ar_nomem - record an allocation failure */
int
ar_nomem(struct qerr *err)
{
	qerr_set(err, ENOMEM, "out of memory");
	return -1;
}

/* ar_qerr_copy - pass a failure recorded in src on to err (may be NULL) */
void
ar_qerr_copy(struct qerr *err, const struct qerr *src)
{
	if (err != NULL)
		*err = *src;
}

/* ar_component_ok - one path component: non-empty, not "." or ".." */
bool
ar_component_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	if (n == 1 && s[0] == '.')
		return false;
	return !(n == 2 && s[0] == '.' && s[1] == '.');
}

/* ar_rel_path_ok - a relative path of safe components, shorter than PATH_MAX */
bool
ar_rel_path_ok(const char *path)
{
	const char *p = path, *slash;

	if (path[0] == '/' || strlen(path) >= PATH_MAX)
		return false;
	for (;;) {
		slash = strchr(p, '/');
		if (slash == NULL)
			return ar_component_ok(p, strlen(p));
		if (!ar_component_ok(p, (size_t)(slash - p)))
			return false;
		p = slash + 1;
	}
}

/* ar_record_path_ok - a record may also name the queue directory itself
 * (".": a change of its owner or mode) */
bool
ar_record_path_ok(const char *path)
{
	return strcmp(path, ".") == 0 || ar_rel_path_ok(path);
}

/* ar_abs_path_ok - an absolute path without ".." shorter than PATH_MAX */
bool
ar_abs_path_ok(const char *path)
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

/* ar_base_name - the last component of a relative path */
const char *
ar_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* ar_md_begin - a new SHA-256 context, or NULL */
EVP_MD_CTX *
ar_md_begin(struct qerr *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		qerr_set(err, ENOMEM, "SHA-256: cannot start a digest");
		return NULL;
	}
	return ctx;
}

/* ar_md_update - hash n more bytes */
int
ar_md_update(EVP_MD_CTX *ctx, const void *p, size_t n, struct qerr *err)
{
	if (EVP_DigestUpdate(ctx, p, n) == 1)
		return 0;
	qerr_set(err, EIO, "SHA-256: digest update failed");
	return -1;
}

/* ar_md_end - the digest in lower-case hex; frees ctx */
int
ar_md_end(EVP_MD_CTX *ctx, char hex[ARC_SHA256_HEX + 1], struct qerr *err)
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

/* ar_la_fail - record libarchive's last error on ar */
int
ar_la_fail(struct archive *ar, const char *what, struct qerr *err)
{
	const char *s = ar != NULL ? archive_error_string(ar) : NULL;
	int e = ar != NULL ? archive_errno(ar) : 0;

	/* libarchive's words ("Write error") do not say why; the errno
	 * does ("No space left on device"). */
	if (e > 0 && (s == NULL || strstr(s, strerror(e)) == NULL))
		qerr_set(err, e, "%s: %s: %s", what,
		    s != NULL ? s : "libarchive failed", strerror(e));
	else
		qerr_set(err, e > 0 ? e : EIO, "%s: %s", what,
		    s != NULL ? s : "libarchive failed");
	return -1;
}

/* ar_pread_retry - pread(2), retrying EINTR */
ssize_t
ar_pread_retry(int fd, void *p, size_t n, off_t off)
{
	ssize_t r;

	do
		r = pread(fd, p, n, off);
	while (r < 0 && errno == EINTR);
	return r;
}

/* ar_aside_name - "<stamp>.<prefix><name>", '/' of the prefix as '+' */
bool
ar_aside_name(const char *stamp, const char *prefix, const char *name,
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

/*
 * ar_manifest_hmac - HMAC-SHA256 of the manifest text under key, in hex
 * (the parts in order: what the MANIFEST entry holds)
 */
int
ar_manifest_hmac(const unsigned char *key, const struct sbuf *parts,
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

/* ar_sig_words - what a signature state means, for a message */
const char *
ar_sig_words(enum arc_sig s)
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
	n = ar_pread_retry(fd, key, ARC_KEY_LEN, 0);
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
	    sio_fsync_retry(t.fd) == 0 && sio_tmp_publish(w, &t, base, err) == 0 &&
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

/* arc_sha256_hex - the SHA-256 of n bytes, in hex */
int
arc_sha256_hex(const void *p, size_t n, char hex[ARC_SHA256_HEX + 1],
    struct qerr *err)
{
	EVP_MD_CTX *ctx = ar_md_begin(err);

	if (ctx == NULL)
		return -1;
	if (ar_md_update(ctx, p, n, err) < 0) {
		EVP_MD_CTX_free(ctx);
		return -1;
	}
	return ar_md_end(ctx, hex, err);
}
