/*
 * arc_fixture.c - what the archive tests share: the scratch queue they
 * archive, archives made and read back, trees compared, list and restore
 * run.  The tests themselves are in test_arc_write.c (writing),
 * test_arc_read.c (hostile archives), test_arc_list.c and
 * test_arc_restore.c.
 *
 * Every test works in a scratch directory of its own (mkdtemp() under
 * $TMPDIR or /tmp) holding q/ (a queue with qf/ df/ xf/), arc/ (the
 * archive directory) and out/ (a restore target); teardown() removes it
 * with all it holds and checks that the test left no descriptor open.
 * Hostile archives are made here with libarchive directly.  Fault
 * injection forks: a child never returns into cmocka, it leaves through
 * _exit() or is killed by sio_writer_fail_after(); the parent asserts.
 * Owners are checked only when the tests run as root.  Where the file
 * system has no O_TMPFILE (sio_tmp_create() then falls back to a named
 * temporary file), a crash may leave names starting ".mqfsck-tmp.":
 * those alone are then allowed, and publishing counts one call more.
 */
/* O_TMPFILE, to know what sio_tmp_create() will do here. */
#define _GNU_SOURCE 1

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "scratch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "arc_fixture.h"

const struct sample samples[] = {
	{ "df/dfA0001", 1234, 1, 0640, 1600000000, 123456789, 1001, 1002,
	    "030001", "no-df", "make-inert" },
	{ "qf/qfA0001", 321, 2, 0600, 1600000001, 1, 1001, 1002,
	    "020001", "qf-truncated", "quarantine" },
	{ "df/dfA0002", BIG_SIZE, 3, 0640, 1600000002, 999999999, 1003, 1004,
	    "030002", "df-orphan", "-" },
	{ "qf/qfA0002", 400, 4, 0660, 1600000003, 0, 0, 0,
	    "", "two words", "archive" },
	{ "xf/xfA0002", 0, 5, 0600, 1600000004, 500, 1001, 1002,
	    "040001", "stale-xf", "remove" },
	{ "dfB\x01 \xff\\x", 77, 6, 0644, 1600000005, 42, 1001, 1002,
	    "030001", "no-df", "make-inert" },
	{ "qfB\x01 \xff\\x", 50, 7, 0600, 1600000006, 43, 1001, 1002,
	    "020002", "x", "y" },
};

const size_t nsamples = sizeof(samples) / sizeof(samples[0]);

bool have_tmpfile = true;

/* ------------------------------------------------------------------ */
/* Scratch directories */

/* open_dirfd - a new descriptor on directory dfd itself, for reading */
DIR *
open_dirfd(int dfd)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (d == NULL)
		(void)close(fd);
	return d;
}


/* path_join - out = a "/" b; -1 if it does not fit */
int
path_join(char *out, size_t outsz, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la + 1 + lb >= outsz)
		return -1;
	memcpy(out, a, la + 1);
	out[la] = '/';
	memcpy(out + la + 1, b, lb + 1);
	return 0;
}


/* make_dirs - q/ with qf/ df/ xf/, arc/, out/ */
int
make_dirs(struct scratch *sc)
{
	static const char *const dirs[] = {
		"q", "q/qf", "q/df", "q/xf", "arc", "out"
	};
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdirat(sc->dfd, dirs[i], QMODE) != 0 ||
		    fchmodat(sc->dfd, dirs[i], QMODE, 0) != 0)
			return -1;
	/* out/ has an owner of its own, which made subdirectories get. */
	if (geteuid() == 0 && fchownat(sc->dfd, "out", OUT_UID, OUT_GID,
	    AT_SYMLINK_NOFOLLOW) != 0)
		return -1;
	if (path_join(sc->q, sizeof(sc->q), sc->path, "q") != 0 ||
	    path_join(sc->out, sizeof(sc->out), sc->path, "out") != 0)
		return -1;
	return 0;
}


/* probe_tmpfile - whether dfd's file system makes unnamed files */
void
probe_tmpfile(int dfd)
{
	int fd = openat(dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	have_tmpfile = fd >= 0;
	if (fd >= 0)
		(void)close(fd);
}


/* is_temp - a temporary name of format/sio.c */
bool
is_temp(const char *name)
{
	return strncmp(name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0;
}


/* setup - a fresh scratch directory for one test, with make_dirs() */
int
setup(void **state)
{
	struct scratch *sc = calloc(1, sizeof(*sc));

	if (sc == NULL)
		return -1;
	if (scratch_make("test_archive", sc->path, &sc->dfd, &sc->nfds) != 0) {
		free(sc);
		return -1;
	}
	probe_tmpfile(sc->dfd);
	if (make_dirs(sc) != 0) {
		(void)scratch_remove(sc->path, sc->dfd, -1);
		free(sc);
		return -1;
	}
	*state = sc;
	return 0;
}


/* teardown - remove the scratch directory; fail on a leaked fd */
int
teardown(void **state)
{
	struct scratch *sc = *state;
	int rc = scratch_remove(sc->path, sc->dfd, sc->nfds);

	free(sc);
	return rc;
}


/* ------------------------------------------------------------------ */
/* Small helpers */

/* open_dir - a descriptor on scratch directory name */
int
open_dir(const struct scratch *sc, const char *name)
{
	int fd = openat(sc->dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}


/* gen_byte - byte i of the contents with this seed */
unsigned char
gen_byte(unsigned seed, size_t i)
{
	uint32_t x = seed * 2654435761U ^ (uint32_t)i * 40503U;

	x ^= x >> 13;
	x *= 0x5bd1e995U;
	x ^= x >> 15;
	return (unsigned char)x;
}


/* gen - the contents of a sample (malloc'ed) */
unsigned char *
gen(const struct sample *s)
{
	unsigned char *p = malloc(s->size + 1);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < s->size; i++)
		p[i] = gen_byte(s->seed, i);
	return p;
}


/* write_at - create dfd/path holding n bytes of p */
void
write_at(int dfd, const char *path, const void *p, size_t n)
{
	struct qerr err;
	int fd;

	fd = openat(dfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(sio_write_all(fd, p, n, &err), 0);
	assert_int_equal(close(fd), 0);
}


/* set_meta - owner (as root), mode and times of dfd/path */
void
set_meta(int dfd, const struct sample *s)
{
	struct timespec ts[2];

	if (geteuid() == 0)
		assert_int_equal(fchownat(dfd, s->path, s->uid, s->gid,
		    AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(fchmodat(dfd, s->path, s->mode, 0), 0);
	ts[0].tv_sec = ts[1].tv_sec = s->sec;
	ts[0].tv_nsec = ts[1].tv_nsec = s->nsec;
	assert_int_equal(utimensat(dfd, s->path, ts, AT_SYMLINK_NOFOLLOW), 0);
}


/* populate - the samples, a symlink, a FIFO and a record-only file */
void
populate(const struct scratch *sc)
{
	int qfd = open_dir(sc, "q");
	size_t i;

	for (i = 0; i < NSAMPLES; i++) {
		unsigned char *p = gen(&samples[i]);

		write_at(qfd, samples[i].path, p, samples[i].size);
		set_meta(qfd, &samples[i]);
		free(p);
	}
	assert_int_equal(symlinkat(LINK_TARGET, qfd, LINK_PATH), 0);
	assert_int_equal(mkfifoat(qfd, FIFO_PATH, 0600), 0);
	write_at(qfd, RECORD_PATH, "V8\n", 3);
	assert_int_equal(close(qfd), 0);
}


/* sha_hex - SHA-256 of n bytes, in hex */
void
sha_hex(const void *p, size_t n, char hex[ARC_SHA256_HEX + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	size_t i;

	assert_int_equal(EVP_Digest(p, n, md, &len, EVP_sha256(), NULL), 1);
	assert_int_equal(len * 2, ARC_SHA256_HEX);
	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 0xf];
	}
	hex[ARC_SHA256_HEX] = '\0';
}


/* reap - wait for pid: its exit code, or 128 + the signal that killed it */
int
reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}


/* contains - haystack holds needle */
bool
contains(const char *haystack, const char *needle)
{
	return strstr(haystack, needle) != NULL;
}


/* count_in - occurrences of needle in haystack */
size_t
count_in(const char *haystack, const char *needle)
{
	size_t n = 0;
	const char *p = haystack;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}


/* ------------------------------------------------------------------ */
/* Making archives with repair/arc_write.c */

/* meta_of - the arc_meta of a sample */
struct arc_meta
meta_of(const struct sample *s)
{
	struct arc_meta m;

	m.queue = 0;
	m.path = s->path;
	m.code = s->code;
	m.problem = s->problem;
	m.action = s->action;
	m.wrote = NULL;
	return m;
}


/* add_sample - archive one sample of q/ */
void
add_sample(struct arc *a, int qfd, const struct sample *s)
{
	struct arc_meta m = meta_of(s);
	char hex[ARC_SHA256_HEX + 1], want[ARC_SHA256_HEX + 1];
	unsigned char *p = gen(s);
	struct qerr err;
	struct stat st;
	int fd;

	fd = openat(qfd, s->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(arc_add_file(a, &m, fd, &st, hex, &err), 0);
	assert_int_equal(close(fd), 0);
	sha_hex(p, s->size, want);
	assert_string_equal(hex, want);
	free(p);
}


/* add_specials - the symlink, the FIFO and the record */
void
add_specials(struct arc *a, int qfd)
{
	struct arc_meta m = { 0, LINK_PATH, "010003", "symlink-in-qdir",
	    "quarantine", NULL };
	char target[PATH_MAX];
	struct qerr err;
	struct stat st;
	ssize_t n;

	assert_int_equal(fstatat(qfd, LINK_PATH, &st, AT_SYMLINK_NOFOLLOW), 0);
	n = readlinkat(qfd, LINK_PATH, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_int_equal(arc_add_special(a, &m, &st, target, &err), 0);
	m.path = FIFO_PATH;
	m.problem = "fifo-in-qdir";
	assert_int_equal(fstatat(qfd, FIFO_PATH, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(arc_add_special(a, &m, &st, NULL, &err), 0);
	m.path = RECORD_PATH;
	m.problem = "qf-mode";
	m.action = "chmod";
	assert_int_equal(fstatat(qfd, RECORD_PATH, &st, AT_SYMLINK_NOFOLLOW),
	    0);
	assert_int_equal(arc_add_record(a, &m, &st, &err), 0);
}


/*
 * make_archive - archive q/ into arc/ with w; name receives the name.
 * Returns arc_commit()'s result (a fault-injection child dies first).
 */
int
make_archive(const struct scratch *sc, struct sio_writer *w, bool specials,
    char *name, size_t namesz)
{
	int qfd = open_dir(sc, "q"), afd = open_dir(sc, "arc"), rc;
	struct qerr err;
	struct arc *a;
	unsigned n = 99;
	size_t i;

	a = arc_create(w, afd, HOST, NOW, &err);
	assert_non_null(a);
	assert_int_equal(arc_add_queue(a, sc->q, &n, &err), 0);
	assert_int_equal(n, 0);
	for (i = 0; i < NSAMPLES; i++)
		add_sample(a, qfd, &samples[i]);
	if (specials)
		add_specials(a, qfd);
	assert_int_equal(arc_count(a), NSAMPLES + (specials ? 3 : 0));
	rc = arc_commit(a, name, namesz, &err);
	arc_free(a);
	assert_int_equal(close(qfd), 0);
	assert_int_equal(close(afd), 0);
	return rc;
}


/* open_archive - the archive arc/name, for reading */
int
open_archive(const struct scratch *sc, const char *name)
{
	int afd = open_dir(sc, "arc"), fd;

	fd = openat(afd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(close(afd), 0);
	return fd;
}


/* ------------------------------------------------------------------ */
/* The manifest expected */

/* tesc - a manifest field by the one rule of esc.h, in its field form */
void
tesc(FILE *f, const char *s)
{
	if (s[0] == '\0') {
		(void)fputc('-', f);
		return;
	}
	if (strcmp(s, "-") == 0) {
		(void)fputs("\\x2d", f);
		return;
	}
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			(void)fputs("\\\\", f);
		else if (c == '\t')
			(void)fputs("\\t", f);
		else if (c == '\n')
			(void)fputs("\\n", f);
		else if (c == '\r')
			(void)fputs("\\r", f);
		else if (c >= '!' && c <= '~')
			(void)fputc(c, f);
		else
			(void)fprintf(f, "\\x%02x", c);
	}
}


/* dir_size - entries in directory name of the scratch, temporary names
 * left out where there is no O_TMPFILE */
size_t
dir_size(const struct scratch *sc, const char *name)
{
	int fd = open_dir(sc, name);
	struct dirent *de;
	DIR *d = open_dirfd(fd);
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    (have_tmpfile || !is_temp(de->d_name)))
			n++;
	assert_int_equal(closedir(d), 0);
	assert_int_equal(close(fd), 0);
	return n;
}


/* empty_scratch_dir - remove what scratch directory name holds */
void
empty_scratch_dir(const struct scratch *sc, const char *name)
{
	int fd = open_dir(sc, name);

	assert_int_equal(scratch_empty_dir(fd), 0);
	assert_int_equal(close(fd), 0);
}


/* snap_add - one path of a snapshot, with its type and mode */
void
snap_add(struct paths *ps, const char *path, const struct stat *st)
{
	char mode[16];
	size_t n = strlen(path), m;

	(void)snprintf(mode, sizeof(mode), " %o", (unsigned)st->st_mode);
	m = strlen(mode);
	if (ps->n >= MAX_PATHS || n + m >= NAME_BUF) {
		fail_msg("snapshot full, or %s too long", path);
		return;
	}
	memcpy(ps->p[ps->n], path, n);
	memcpy(ps->p[ps->n] + n, mode, m + 1);
	ps->n++;
}


/* snap_dir - every path under dfd (prefix names it), but skip */
void
snap_dir(int dfd, const char *prefix, const char *skip, struct paths *ps)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d = open_dirfd(dfd);

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		int sub;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", prefix, de->d_name);
		if (skip != NULL && strcmp(path, skip) == 0)
			continue;
		assert_int_equal(fstatat(dfd, de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW), 0);
		snap_add(ps, path, &st);
		if (!S_ISDIR(st.st_mode))
			continue;
		sub = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		assert_true(sub >= 0);
		snap_dir(sub, path, skip, ps);
		assert_int_equal(close(sub), 0);
	}
	assert_int_equal(closedir(d), 0);
}


/* str_cmp - qsort() order of the strings of a snapshot */
int
str_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}


/* snapshot - the scratch tree, all but skip ("./out" for instance) */
void
snapshot(const struct scratch *sc, const char *skip, struct paths *ps)
{
	ps->n = 0;
	snap_dir(sc->dfd, ".", skip, ps);
	qsort(ps->p, ps->n, sizeof(ps->p[0]), str_cmp);
}


/* snap_new - room for a snapshot (released with free()) */
struct paths *
snap_new(void)
{
	struct paths *ps = calloc(1, sizeof(*ps));

	assert_non_null(ps);
	return ps;
}


/* assert_same_snap - two snapshots list the same paths and types */
void
assert_same_snap(const struct paths *a, const struct paths *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++)
		assert_string_equal(a->p[i], b->p[i]);
}


/* no_temp_names - nothing in the scratch is called .mqfsck-tmp.* (with
 * O_TMPFILE: without it, a crash may leave such names) */
void
no_temp_names(const struct scratch *sc)
{
	struct paths *ps;
	size_t i;

	if (!have_tmpfile)
		return;
	ps = snap_new();
	snapshot(sc, NULL, ps);
	for (i = 0; i < ps->n; i++)
		assert_false(contains(ps->p[i], "/" TMP_PREFIX));
	free(ps);
}


/* ------------------------------------------------------------------ */
/* Running list and restore */

/* run_list - arc_list() of fd into a string (malloc'ed) */
int
run_list(int fd, bool json, char **text, struct qerr *err)
{
	size_t len = 0;
	FILE *f;
	int rc;

	*text = NULL;
	f = open_memstream(text, &len);
	assert_non_null(f);
	rc = arc_list(fd, f, json, NULL, err);
	assert_int_equal(fclose(f), 0);
	return rc;
}


/* run_restore - arc_restore() of fd into dir (NULL: recorded paths) */
int
run_restore(int fd, const char *dir, struct arc_restore_stats *st,
    char **text, struct qerr *err)
{
	struct sio_writer *w = sio_writer_new(err);
	size_t len = 0;
	FILE *f;
	int rc;

	assert_non_null(w);
	*text = NULL;
	f = open_memstream(text, &len);
	assert_non_null(f);
	{
		struct arc_restore_opts ro = { .queue_dir = dir,
			.unverified_ok = true };

		rc = arc_restore(w, fd, &ro, f, st, err);
	}
	assert_int_equal(fclose(f), 0);
	sio_writer_free(w);
	return rc;
}


/* ------------------------------------------------------------------ */
/* Hostile archives */


/* craft_entry - write one entry */
void
craft_entry(struct archive *ar, const char *name, unsigned type,
    const char *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	assert_non_null(e);
	archive_entry_copy_pathname(e, name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_mtime(e, NOW, 0);
	archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)len : 0);
	if (type == AE_IFLNK)
		archive_entry_copy_symlink(e, data);
	if (type == AE_IFCHR)
		archive_entry_set_rdevmajor(e, 1);
	r = archive_write_header(ar, e);
	assert_true(r == ARCHIVE_OK || r == ARCHIVE_WARN);
	if (type == AE_IFREG && len > 0)
		assert_int_equal(archive_write_data(ar, data, len), len);
	archive_entry_free(e);
}


/* craft - arc/file: the entries, then MANIFEST with text (if any) */
int
craft(const struct scratch *sc, const char *file, const struct craft *c,
    size_t n, const char *manifest, bool gzip)
{
	int afd = open_dir(sc, "arc"), fd;
	struct archive *ar = archive_write_new();
	size_t i;

	assert_non_null(ar);
	fd = openat(afd, file, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(archive_write_set_format_pax_restricted(ar),
	    ARCHIVE_OK);
	if (gzip)
		assert_int_equal(archive_write_add_filter_gzip(ar), ARCHIVE_OK);
	assert_int_equal(archive_write_open_fd(ar, fd), ARCHIVE_OK);
	for (i = 0; i < n; i++)
		craft_entry(ar, c[i].name, c[i].type, c[i].data,
		    c[i].data != NULL ? strlen(c[i].data) : 0);
	if (manifest != NULL)
		craft_entry(ar, "MANIFEST", AE_IFREG, manifest,
		    strlen(manifest));
	assert_int_equal(archive_write_close(ar), ARCHIVE_OK);
	assert_int_equal(archive_write_free(ar), ARCHIVE_OK);
	assert_int_equal(close(afd), 0);
	assert_true(lseek(fd, 0, SEEK_SET) == 0);
	return fd;
}


/* hostile_restore - restore fd into out/; nothing else may change */
int
hostile_restore(const struct scratch *sc, int fd,
    struct arc_restore_stats *rs, char **text)
{
	struct paths *before = snap_new(), *after = snap_new();
	struct qerr err;
	int rc;

	snapshot(sc, "./out", before);
	rc = run_restore(fd, sc->out, rs, text, &err);
	snapshot(sc, "./out", after);
	assert_same_snap(before, after);
	free(before);
	free(after);
	no_temp_names(sc);
	return rc;
}


/* fake_stat - stat data of a file of type fmt that need not exist */
struct stat
fake_stat(mode_t fmt, mode_t perm, dev_t rdev)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = fmt | perm;
	st.st_uid = 8;
	st.st_gid = 12;
	st.st_rdev = rdev;
	st.st_mtim.tv_sec = 1600000000;
	st.st_mtim.tv_nsec = 7;
	return st;
}
