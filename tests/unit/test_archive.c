/*
 * test_archive.c - the archive a repair writes before it changes
 * anything (repair/arc_*.c): writing, listing, restoring, hostile
 * archives, and a crash at every counted change.
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

#include "arc.h"
#include "sio.h"

#define FAULT_ENV "MQFSCK_FAULT_AFTER"
#define HOST "mx1.example.org"
#define NOW ((time_t)1700000000)	/* 2023-11-14T22:13:20Z */
#define STAMP "20231114T221320Z"
#define ARC_NAME "mqfsck-" HOST "-" STAMP ".tar.gz"
#define QMODE 0750			/* the queue and the restore target */
#define BIG_SIZE (200 * 1024 + 17)	/* more than one read chunk */
#define NSAMPLES (sizeof(samples) / sizeof(samples[0]))
#define MAX_ENTRIES 64			/* of an archive read back here */
#define MAX_PATHS 512			/* in a snapshot of a tree */
#define ARENA_MAX ((size_t)4 << 20)	/* bytes of entries read back */
#define NAME_BUF 256
#define FAULT_MAX 500			/* more counted calls: a runaway */
#define MUTANTS 150			/* per archive in the mutation test */
#define OUT_UID 1005			/* owner of out/ when root */
#define OUT_GID 1006
#define TMP_PREFIX ".mqfsck-tmp."
#define CALLS_PER_FILE ((size_t)5)	/* counted calls to restore a file */
#define CALLS_PER_DIR ((size_t)3)	/* and to make qf/, df/ or xf/ */
#define NSUBDIRS ((size_t)3)
#define LONG_PATH 4000			/* bytes of a long path name */
#define MANIFEST_CAP ((size_t)64 << 20)	/* arc_private.h: ARC_MANIFEST_MAX */

/* The scratch file system has O_TMPFILE (setup() looks). */
static bool have_tmpfile = true;

/* A file of the test queue: its bytes come from gen_byte(seed, i). */
struct sample {
	const char *path;
	size_t size;
	unsigned seed;
	mode_t mode;
	time_t sec;
	long nsec;
	uid_t uid;
	gid_t gid;
	const char *code;
	const char *problem;
	const char *action;
};

static const struct sample samples[] = {
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

/* The special files and the record-only file of the test queue. */
#define LINK_PATH "qf/qfLINK"
#define LINK_TARGET "../df/dfA0001"
#define FIFO_PATH "dfFIFO"
#define RECORD_PATH "qf/qfA0003"

struct scratch {
	char path[PATH_MAX];	/* realpath() of the scratch directory */
	int dfd;		/* open on it */
	int nfds;		/* descriptors open before setup(), or -1 */
	char q[PATH_MAX];	/* path of q/ */
	char out[PATH_MAX];	/* path of out/ */
};

/* One entry of an archive as libarchive reads it back. */
struct got_entry {
	char name[NAME_BUF];
	unsigned type;
	unsigned char *data;	/* regular files: in the arena */
	size_t len;
	char link[NAME_BUF];	/* symbolic links */
	int64_t uid;
	int64_t gid;
	mode_t perm;
	time_t mtime;
	dev_t rdev;
};

struct got {
	size_t n;
	unsigned char *arena;	/* ARENA_MAX bytes for all the data */
	size_t used;
	struct got_entry e[MAX_ENTRIES];
};

/* A list of paths: a snapshot of a tree. */
struct paths {
	size_t n;
	char p[MAX_PATHS][NAME_BUF];
};

/* ------------------------------------------------------------------ */
/* Scratch directories */

/* open_dirfd - a new descriptor on directory dfd itself, for reading */
static DIR *
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
static int
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
static int
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
static void
probe_tmpfile(int dfd)
{
	int fd = openat(dfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	have_tmpfile = fd >= 0;
	if (fd >= 0)
		(void)close(fd);
}

/* is_temp - a temporary name of format/sio.c */
static bool
is_temp(const char *name)
{
	return strncmp(name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0;
}

/* setup - a fresh scratch directory for one test, with make_dirs() */
static int
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
static int
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
static int
open_dir(const struct scratch *sc, const char *name)
{
	int fd = openat(sc->dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* gen_byte - byte i of the contents with this seed */
static unsigned char
gen_byte(unsigned seed, size_t i)
{
	uint32_t x = seed * 2654435761U ^ (uint32_t)i * 40503U;

	x ^= x >> 13;
	x *= 0x5bd1e995U;
	x ^= x >> 15;
	return (unsigned char)x;
}

/* gen - the contents of a sample (malloc'ed) */
static unsigned char *
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
static void
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
static void
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
static void
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
static void
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
static int
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
static bool
contains(const char *haystack, const char *needle)
{
	return strstr(haystack, needle) != NULL;
}

/* count_in - occurrences of needle in haystack */
static size_t
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
static struct arc_meta
meta_of(const struct sample *s)
{
	struct arc_meta m;

	m.queue = 0;
	m.path = s->path;
	m.code = s->code;
	m.problem = s->problem;
	m.action = s->action;
	return m;
}

/* add_sample - archive one sample of q/ */
static void
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
static void
add_specials(struct arc *a, int qfd)
{
	struct arc_meta m = { 0, LINK_PATH, "010003", "symlink-in-qdir",
	    "quarantine" };
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
static int
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

/* make_signed - archive q/ into arc/, signed with key */
static void
make_signed(const struct scratch *sc, const unsigned char *key, char *name,
    size_t namesz)
{
	int qfd = open_dir(sc, "q"), afd = open_dir(sc, "arc");
	struct sio_writer *w;
	struct qerr err;
	struct arc *a;
	unsigned n;
	size_t i;

	w = sio_writer_new(&err);
	assert_non_null(w);
	a = arc_create(w, afd, HOST, NOW, &err);
	assert_non_null(a);
	arc_set_key(a, key);
	assert_int_equal(arc_add_queue(a, sc->q, &n, &err), 0);
	for (i = 0; i < NSAMPLES; i++)
		add_sample(a, qfd, &samples[i]);
	assert_int_equal(arc_commit(a, name, namesz, &err), 0);
	arc_free(a);
	sio_writer_free(w);
	assert_int_equal(close(qfd), 0);
	assert_int_equal(close(afd), 0);
}

/* open_archive - the archive arc/name, for reading */
static int
open_archive(const struct scratch *sc, const char *name)
{
	int afd = open_dir(sc, "arc"), fd;

	fd = openat(afd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(close(afd), 0);
	return fd;
}

/* ------------------------------------------------------------------ */
/* Reading archives back with libarchive */

/* copy_str - s into buf, which it must fit */
static void
copy_str(char *buf, size_t bufsz, const char *s)
{
	size_t n = strlen(s);

	assert_true(n < bufsz);
	memcpy(buf, s, n < bufsz ? n + 1 : 1);
	buf[bufsz - 1] = '\0';
}

/* got_read_data - the bytes of the current entry, NUL-ended */
static void
got_read_data(struct archive *ar, struct got *g, struct got_entry *x)
{
	la_ssize_t n;

	x->data = g->arena + g->used;
	x->len = 0;
	while ((n = archive_read_data(ar, x->data + x->len,
	    ARENA_MAX - 1 - g->used - x->len)) > 0)
		x->len += (size_t)n;
	assert_true(n == 0);
	x->data[x->len] = '\0';
	g->used += x->len + 1;
}

/* read_back - every entry of the archive on fd */
static void
read_back(int fd, struct got *g)
{
	struct archive_entry *e;
	struct archive *ar;
	int r;

	memset(g, 0, sizeof(*g));
	g->arena = malloc(ARENA_MAX);
	assert_non_null(g->arena);
	assert_true(lseek(fd, 0, SEEK_SET) == 0);
	ar = archive_read_new();
	assert_non_null(ar);
	assert_int_equal(archive_read_support_filter_gzip(ar), ARCHIVE_OK);
	assert_int_equal(archive_read_support_format_tar(ar), ARCHIVE_OK);
	assert_int_equal(archive_read_open_fd(ar, fd, 10240), ARCHIVE_OK);
	while ((r = archive_read_next_header(ar, &e)) == ARCHIVE_OK ||
	    r == ARCHIVE_WARN) {
		struct got_entry *x;

		if (g->n >= MAX_ENTRIES) {
			fail_msg("more than %d entries", MAX_ENTRIES);
			break;
		}
		x = &g->e[g->n++];
		copy_str(x->name, sizeof(x->name), archive_entry_pathname(e));
		x->type = archive_entry_filetype(e);
		x->uid = archive_entry_uid(e);
		x->gid = archive_entry_gid(e);
		x->perm = archive_entry_perm(e);
		x->mtime = archive_entry_mtime(e);
		x->rdev = archive_entry_rdev(e);
		if (archive_entry_symlink(e) != NULL)
			copy_str(x->link, sizeof(x->link),
			    archive_entry_symlink(e));
		if (x->type == AE_IFREG)
			got_read_data(ar, g, x);
	}
	assert_int_equal(r, ARCHIVE_EOF);
	assert_int_equal(archive_read_free(ar), ARCHIVE_OK);
}

/* got_free - release what read_back() took */
static void
got_free(struct got *g)
{
	free(g->arena);
	g->arena = NULL;
	g->n = 0;
}

/* got_manifest - the MANIFEST's text (NUL-ended), which must be last */
static const char *
got_manifest(struct got *g)
{
	struct got_entry *m;

	assert_true(g->n > 0);
	m = &g->e[g->n - 1];
	assert_string_equal(m->name, "MANIFEST");
	if (m->data == NULL) {
		fail_msg("MANIFEST is not a regular file");
		return "";
	}
	return (const char *)m->data;
}

/* ------------------------------------------------------------------ */
/* The manifest expected */

/* tesc - a manifest field by the one rule of esc.h, in its field form */
static void
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

/* expect_line - the "file" line of a file of q/ */
static void
expect_line(FILE *f, int qfd, const char *path, const char *kind,
    const char *sha, const char *code, const char *problem,
    const char *action)
{
	struct stat st;

	assert_int_equal(fstatat(qfd, path, &st, AT_SYMLINK_NOFOLLOW), 0);
	(void)fputs("file 0 ", f);
	tesc(f, path);
	(void)fprintf(f, " %s %04o %u %u %lld %lld.%09ld %s ", kind,
	    (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
	    (unsigned)st.st_gid, (long long)st.st_size,
	    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, sha);
	tesc(f, code);
	(void)fputc(' ', f);
	tesc(f, problem);
	(void)fputc(' ', f);
	tesc(f, action);
	(void)fputc('\n', f);
}

/* expect_manifest - the whole MANIFEST of make_archive() (malloc'ed) */
static char *
expect_manifest(const struct scratch *sc, bool specials)
{
	char hex[ARC_SHA256_HEX + 1], *text = NULL;
	int qfd = open_dir(sc, "q");
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	(void)fprintf(f, "mqfsck-archive 1\nhost %s\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 0 ", HOST);
	tesc(f, sc->q);
	(void)fputc('\n', f);
	for (i = 0; i < NSAMPLES; i++) {
		unsigned char *p = gen(&samples[i]);

		sha_hex(p, samples[i].size, hex);
		free(p);
		expect_line(f, qfd, samples[i].path, "data", hex,
		    samples[i].code, samples[i].problem, samples[i].action);
	}
	if (specials) {
		expect_line(f, qfd, LINK_PATH, "symlink", "-", "010003",
		    "symlink-in-qdir", "quarantine");
		expect_line(f, qfd, FIFO_PATH, "fifo", "-", "010003",
		    "fifo-in-qdir", "quarantine");
		expect_line(f, qfd, RECORD_PATH, "record", "-", "010003",
		    "qf-mode", "chmod");
	}
	(void)fprintf(f, "end %zu\n", NSAMPLES + (specials ? 3 : 0));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(close(qfd), 0);
	return text;
}

/* ------------------------------------------------------------------ */
/* Trees */

/* check_sample - dfd/name is sample s: bytes, mode, mtime, owner */
static void
check_sample(int dfd, const char *name, const struct sample *s)
{
	unsigned char *want = gen(s), *got = malloc(s->size + 1);
	struct stat st;
	ssize_t n;
	int fd;

	assert_non_null(got);
	assert_int_equal(fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, s->mode);
	assert_int_equal(st.st_mtim.tv_sec, s->sec);
	assert_int_equal(st.st_mtim.tv_nsec, s->nsec);
	if (geteuid() == 0) {
		assert_int_equal(st.st_uid, s->uid);
		assert_int_equal(st.st_gid, s->gid);
	}
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	assert_true(fd >= 0);
	n = pread(fd, got, s->size + 1, 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(n, (ssize_t)s->size);
	assert_memory_equal(got, want, s->size);
	free(want);
	free(got);
}

/* sample_named - the sample at path, or NULL */
static const struct sample *
sample_named(const char *path)
{
	size_t i;

	for (i = 0; i < NSAMPLES; i++)
		if (strcmp(samples[i].path, path) == 0)
			return &samples[i];
	return NULL;
}

/* check_subdir - qf/ df/ xf/: when done, with the mode and owner of out/ */
static void
check_subdir(int dfd, const char *name, bool done)
{
	struct stat st;

	assert_int_equal(fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISDIR(st.st_mode));
	if (!done)
		return;
	assert_int_equal(st.st_mode & 07777, QMODE);
	if (geteuid() == 0) {
		assert_int_equal(st.st_uid, OUT_UID);
		assert_int_equal(st.st_gid, OUT_GID);
	}
}

/* is_sub - name is qf, df or xf */
static bool
is_sub(const char *name)
{
	return strcmp(name, "qf") == 0 || strcmp(name, "df") == 0 ||
	    strcmp(name, "xf") == 0;
}

/* check_level - entries of dir dfd ("" or "qf/" ...): samples only */
static size_t
check_level(int dfd, const char *prefix, bool done)
{
	char path[NAME_BUF];
	struct dirent *de;
	DIR *d = open_dirfd(dfd);
	size_t found = 0, plen, nlen;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		const struct sample *s;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (!have_tmpfile && is_temp(de->d_name))
			continue;
		if (prefix[0] == '\0' && is_sub(de->d_name)) {
			check_subdir(dfd, de->d_name, done);
			continue;
		}
		plen = strlen(prefix);
		nlen = strlen(de->d_name);
		assert_true(plen + nlen < sizeof(path));
		memcpy(path, prefix, plen);
		memcpy(path + plen, de->d_name, nlen + 1);
		s = sample_named(path);
		if (s == NULL) {
			fail_msg("unexpected entry %s", path);
			continue;
		}
		check_sample(dfd, de->d_name, s);
		found++;
	}
	assert_int_equal(closedir(d), 0);
	return found;
}

/*
 * check_tree - out/ holds samples only, each whole and right (nothing
 * half-written under a final name, no temporary name); with complete,
 * every sample, and qf/ df/ xf/ with out/'s owner and mode.
 */
static void
check_tree(const struct scratch *sc, bool complete)
{
	static const char *const subs[] = { "qf", "df", "xf" };
	int ofd = open_dir(sc, "out");
	size_t found, i;
	char prefix[8];

	found = check_level(ofd, "", complete);
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		int sfd = openat(ofd, subs[i], O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);

		if (sfd < 0) {
			assert_int_equal(errno, ENOENT);
			continue;
		}
		(void)snprintf(prefix, sizeof(prefix), "%s/", subs[i]);
		found += check_level(sfd, prefix, complete);
		assert_int_equal(close(sfd), 0);
	}
	if (complete)
		assert_int_equal(found, NSAMPLES);
	assert_int_equal(close(ofd), 0);
}

/* dir_size - entries in directory name of the scratch, temporary names
 * left out where there is no O_TMPFILE */
static size_t
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
static void
empty_scratch_dir(const struct scratch *sc, const char *name)
{
	int fd = open_dir(sc, name);

	assert_int_equal(scratch_empty_dir(fd), 0);
	assert_int_equal(close(fd), 0);
}

/* snap_add - one path of a snapshot, with its type and mode */
static void
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
static void
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
static int
str_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* snapshot - the scratch tree, all but skip ("./out" for instance) */
static void
snapshot(const struct scratch *sc, const char *skip, struct paths *ps)
{
	ps->n = 0;
	snap_dir(sc->dfd, ".", skip, ps);
	qsort(ps->p, ps->n, sizeof(ps->p[0]), str_cmp);
}

/* snap_new - room for a snapshot (released with free()) */
static struct paths *
snap_new(void)
{
	struct paths *ps = calloc(1, sizeof(*ps));

	assert_non_null(ps);
	return ps;
}

/* assert_same_snap - two snapshots list the same paths and types */
static void
assert_same_snap(const struct paths *a, const struct paths *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++)
		assert_string_equal(a->p[i], b->p[i]);
}

/* no_temp_names - nothing in the scratch is called .mqfsck-tmp.* (with
 * O_TMPFILE: without it, a crash may leave such names) */
static void
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
static int
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
static int
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

/* restore_line - "<prefix><out>/<escaped path>" for sample s */
static void
restore_line(const struct scratch *sc, const char *prefix,
    const char *path, char *buf, size_t bufsz)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	(void)fprintf(f, "%s%s/", prefix, sc->out);
	tesc(f, path);
	assert_int_equal(fclose(f), 0);
	assert_true(len < bufsz);
	memcpy(buf, text, len + 1);
	free(text);
}

/* ------------------------------------------------------------------ */
/* Writing */

static void
test_write_and_read_back(void **state)
{
	struct scratch *sc = *state;
	struct sio_writer *w;
	char name[NAME_BUF], *want;
	struct qerr err;
	struct got g;
	struct stat st;
	int fd, afd;
	size_t i;

	populate(sc);
	w = sio_writer_new(&err);
	assert_non_null(w);
	assert_int_equal(make_archive(sc, w, true, name, sizeof(name)), 0);
	assert_string_equal(name, ARC_NAME);
	afd = open_dir(sc, "arc");
	assert_int_equal(fstatat(afd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_nlink, 1);

	/* Same second: "-2", then "-3". */
	assert_int_equal(make_archive(sc, w, false, name, sizeof(name)), 0);
	assert_string_equal(name, "mqfsck-" HOST "-" STAMP "-2.tar.gz");
	assert_int_equal(make_archive(sc, w, false, name, sizeof(name)), 0);
	assert_string_equal(name, "mqfsck-" HOST "-" STAMP "-3.tar.gz");
	assert_int_equal(close(afd), 0);
	sio_writer_free(w);

	fd = open_archive(sc, ARC_NAME);
	read_back(fd, &g);
	/* The samples in order, the link, the FIFO, then MANIFEST. */
	assert_int_equal(g.n, NSAMPLES + 3);
	for (i = 0; i < NSAMPLES; i++) {
		const struct sample *s = &samples[i];
		unsigned char *p = gen(s);
		char ename[NAME_BUF];

		(void)snprintf(ename, sizeof(ename), "0/%s", s->path);
		assert_string_equal(g.e[i].name, ename);
		assert_int_equal(g.e[i].type, AE_IFREG);
		assert_int_equal(g.e[i].len, s->size);
		assert_memory_equal(g.e[i].data, p, s->size);
		assert_int_equal(g.e[i].perm, s->mode);
		assert_int_equal(g.e[i].mtime, s->sec);
		if (geteuid() == 0)
			assert_int_equal(g.e[i].uid, s->uid);
		free(p);
	}
	assert_string_equal(g.e[NSAMPLES].name, "0/" LINK_PATH);
	assert_int_equal(g.e[NSAMPLES].type, AE_IFLNK);
	assert_string_equal(g.e[NSAMPLES].link, LINK_TARGET);
	assert_string_equal(g.e[NSAMPLES + 1].name, "0/" FIFO_PATH);
	assert_int_equal(g.e[NSAMPLES + 1].type, AE_IFIFO);
	want = expect_manifest(sc, true);
	assert_string_equal(got_manifest(&g), want);
	free(want);
	got_free(&g);
	assert_int_equal(close(fd), 0);
}

static void
test_write_refusals(void **state)
{
	struct scratch *sc = *state;
	struct arc_meta m = { 0, "dfX", "", "", "" };
	struct sio_writer *w;
	struct qerr err;
	struct stat st;
	struct arc *a;
	int afd = open_dir(sc, "arc");
	unsigned n;

	w = sio_writer_new(&err);
	assert_non_null(w);
	a = arc_create(w, afd, "bad host/\xff", NOW, &err);
	assert_non_null(a);
	assert_int_equal(arc_add_queue(a, "relative/q", &n, &err), -1);
	assert_int_equal(err.sys_errno, EINVAL);
	assert_int_equal(arc_add_queue(a, "/a/../b", &n, &err), -1);
	assert_int_equal(arc_add_queue(a, sc->q, &n, &err), 0);
	assert_int_equal(fstatat(sc->dfd, "q", &st, AT_SYMLINK_NOFOLLOW), 0);
	/* A directory is not a file; a path must be relative and plain. */
	assert_int_equal(arc_add_file(a, &m, sc->dfd, &st, NULL, &err), -1);
	assert_int_equal(err.sys_errno, EINVAL);
	m.path = "../x";
	assert_int_equal(arc_add_record(a, &m, &st, &err), -1);
	assert_int_equal(err.sys_errno, EINVAL);
	m.path = "qf//x";
	assert_int_equal(arc_add_record(a, &m, &st, &err), -1);
	m.path = "/abs";
	assert_int_equal(arc_add_record(a, &m, &st, &err), -1);
	m.path = "dfX";
	m.queue = 1;
	assert_int_equal(arc_add_record(a, &m, &st, &err), -1);
	m.queue = 0;
	/* A symbolic link needs its target. */
	st.st_mode = S_IFLNK | 0777;
	assert_int_equal(arc_add_special(a, &m, &st, NULL, &err), -1);
	assert_int_equal(arc_count(a), 0);
	arc_free(a);
	sio_writer_free(w);
	assert_int_equal(close(afd), 0);
}

static void
test_host_in_name(void **state)
{
	struct scratch *sc = *state;
	struct sio_writer *w;
	char name[NAME_BUF];
	struct qerr err;
	struct arc *a;
	int afd = open_dir(sc, "arc"), fd;
	struct got g;

	w = sio_writer_new(&err);
	assert_non_null(w);
	a = arc_create(w, afd, "bad host/\xff\n-", NOW, &err);
	assert_non_null(a);
	/* No room for the name: nothing is named. */
	assert_int_equal(arc_commit(a, name, 10, &err), -1);
	assert_int_equal(err.sys_errno, ERANGE);
	arc_free(a);
	a = arc_create(w, afd, "bad host/\xff\n-", NOW, &err);
	assert_non_null(a);
	assert_int_equal(arc_commit(a, name, sizeof(name), &err), 0);
	arc_free(a);
	assert_string_equal(name, "mqfsck-bad_host___--" STAMP ".tar.gz");
	fd = openat(afd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	assert_true(fd >= 0);
	read_back(fd, &g);
	assert_string_equal(got_manifest(&g), "mqfsck-archive 1\n"
	    "host bad\\x20host/\\xff\\n-\ncreated 2023-11-14T22:13:20Z\n"
	    "end 0\n");
	got_free(&g);
	assert_int_equal(close(fd), 0);
	assert_int_equal(close(afd), 0);
	sio_writer_free(w);
}

static void
test_free_without_commit(void **state)
{
	struct scratch *sc = *state;
	struct sio_writer *w;
	struct qerr err;
	struct arc *a;
	int afd = open_dir(sc, "arc"), qfd;
	unsigned n;

	populate(sc);
	qfd = open_dir(sc, "q");
	w = sio_writer_new(&err);
	assert_non_null(w);
	a = arc_create(w, afd, HOST, NOW, &err);
	assert_non_null(a);
	assert_int_equal(arc_add_queue(a, sc->q, &n, &err), 0);
	add_sample(a, qfd, &samples[2]);
	add_specials(a, qfd);
	arc_free(a);
	arc_free(NULL);
	assert_int_equal(dir_size(sc, "arc"), 0);
	assert_int_equal(close(qfd), 0);
	assert_int_equal(close(afd), 0);
	sio_writer_free(w);
}

/* stale_case - change q/name between fstat() and arc_add_file() */
static void
stale_case(struct arc *a, int qfd, const char *name, int how)
{
	struct arc_meta m = { 0, name, "030001", "no-df", "make-inert" };
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	struct qerr err;
	struct stat st;
	int fd, wfd;

	write_at(qfd, name, "0123456789", 10);
	fd = openat(qfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	wfd = openat(qfd, name, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	assert_true(wfd >= 0);
	if (how == 0)
		assert_int_equal(write(wfd, "more", 4), 4);	/* longer */
	else if (how == 1)
		assert_int_equal(ftruncate(wfd, 4), 0);		/* shorter */
	else
		assert_int_equal(futimens(wfd, ts), 0);		/* touched */
	assert_int_equal(close(wfd), 0);
	assert_int_equal(arc_add_file(a, &m, fd, &st, NULL, &err), -1);
	assert_int_equal(err.sys_errno, ESTALE);
	assert_int_equal(close(fd), 0);
}

static void
test_changed_file_is_stale(void **state)
{
	struct scratch *sc = *state;
	struct arc_restore_stats rs;
	char name[NAME_BUF], *text;
	struct sio_writer *w;
	struct qerr err;
	struct arc *a;
	struct got g;
	int afd = open_dir(sc, "arc"), qfd, fd;
	unsigned n;

	populate(sc);
	qfd = open_dir(sc, "q");
	w = sio_writer_new(&err);
	assert_non_null(w);
	a = arc_create(w, afd, HOST, NOW, &err);
	assert_non_null(a);
	assert_int_equal(arc_add_queue(a, sc->q, &n, &err), 0);
	add_sample(a, qfd, &samples[0]);
	stale_case(a, qfd, "dfLONGER", 0);
	stale_case(a, qfd, "dfSHORTER", 1);
	stale_case(a, qfd, "dfTOUCHED", 2);
	add_sample(a, qfd, &samples[1]);
	assert_int_equal(arc_count(a), 2);
	assert_int_equal(arc_commit(a, name, sizeof(name), &err), 0);
	arc_free(a);
	sio_writer_free(w);
	assert_int_equal(close(qfd), 0);
	assert_int_equal(close(afd), 0);

	/* The entries are there, padded; the manifest does not list them. */
	fd = open_archive(sc, name);
	read_back(fd, &g);
	assert_int_equal(g.n, 6);
	assert_string_equal(g.e[1].name, "0/dfLONGER");
	assert_false(contains(got_manifest(&g), "STALE"));
	assert_false(contains(got_manifest(&g), "dfLONGER"));
	assert_false(contains(got_manifest(&g), "dfSHORTER"));
	assert_false(contains(got_manifest(&g), "dfTOUCHED"));
	assert_true(contains(got_manifest(&g), "\nend 2\n"));
	got_free(&g);

	/* Listing: whole; the padding is an unlisted entry, ignored. */
	assert_int_equal(run_list(fd, false, &text, &err), 0);
	assert_int_equal(count_in(text, " ok\n"), 2);
	assert_true(contains(text, "unlisted 0/dfLONGER (a regular file not "
	    "in the manifest: ignored)\n"));
	free(text);
	/* Restoring: the two files back, the padding refused. */
	assert_int_equal(run_restore(fd, sc->out, &rs, &text, &err), 1);
	assert_int_equal(rs.restored, 2);
	assert_int_equal(rs.refused, 3);
	assert_int_equal(rs.failed, 0);
	assert_true(contains(text, "refused: 0/dfSHORTER: not in the "
	    "manifest (a regular file)\n"));
	free(text);
	assert_int_equal(close(fd), 0);
}

/* ------------------------------------------------------------------ */
/* Listing */

static void
test_list(void **state)
{
	struct scratch *sc = *state;
	char name[NAME_BUF], line[2 * PATH_MAX], hex[ARC_SHA256_HEX + 1];
	struct sio_writer *w;
	unsigned char *p;
	struct qerr err;
	char *text;
	size_t i;
	int fd;

	populate(sc);
	w = sio_writer_new(&err);
	assert_non_null(w);
	assert_int_equal(make_archive(sc, w, true, name, sizeof(name)), 0);
	sio_writer_free(w);
	fd = open_archive(sc, name);

	assert_int_equal(run_list(fd, false, &text, &err), 0);
	/* A record a line, and the note that it is not signed. */
	assert_int_equal(count_in(text, "\n"), NSAMPLES + 3 + 1);
	assert_true(contains(text, "note: its manifest is not signed"));
	assert_int_equal(count_in(text, " ok\n"), NSAMPLES);
	p = gen(&samples[0]);
	sha_hex(p, samples[0].size, hex);
	free(p);
	(void)snprintf(line, sizeof(line), "030001 no-df make-inert data 0640 "
	    "%u:%u 1234 %s/df/dfA0001 sha256:%.12s ok\n",
	    geteuid() == 0 ? 1001U : (unsigned)getuid(),
	    geteuid() == 0 ? 1002U : (unsigned)getgid(), sc->q, hex);
	assert_true(contains(text, line));
	assert_true(contains(text, "- two\\x20words archive data 0660 "));
	assert_true(contains(text, "/dfB\\x01\\x20\\xff\\\\x sha256:"));
	assert_true(contains(text, "030002 df-orphan \\x2d data "));
	assert_true(contains(text, " symlink 0777 "));
	assert_true(contains(text, "/qf/qfLINK - -\n"));
	assert_true(contains(text, "/dfFIFO - -\n"));
	assert_true(contains(text, "chmod record 0600 "));
	free(text);

	assert_int_equal(run_list(fd, true, &text, &err), 0);
	assert_int_equal(count_in(text, "{\"schema\":\"mqfsck/1\",\"type\":"
	    "\"archived\",\"queue\":\""), NSAMPLES + 3);
	assert_int_equal(count_in(text, ",\"verified\":true}\n"), NSAMPLES);
	assert_int_equal(count_in(text, ",\"verified\":null}\n"), 3);
	assert_true(contains(text, "\"path\":\"dfB\\\\x01 \\\\xff\\\\\\\\x\","
	    "\"kind\":\"data\",\"mode\":\"0644\""));
	assert_true(contains(text, "\"mtime\":\"1600000000.123456789\","
	    "\"sha256\":\""));
	assert_true(contains(text, "\"code\":null,\"problem\":\"two words\""));
	assert_true(contains(text, "\"action\":\"-\""));
	assert_true(contains(text, "\"kind\":\"symlink\""));
	assert_true(contains(text, "\"sha256\":null"));
	for (i = 0; text[i] != '\0'; i++)
		assert_true((unsigned char)text[i] >= 0x20 || text[i] == '\n');
	free(text);
	assert_int_equal(close(fd), 0);
}

/* ------------------------------------------------------------------ */
/* Restoring */

/* check_restore_output - one line per file, data before control */
static void
check_restore_output(const struct scratch *sc, const char *text,
    const char *prefix)
{
	char line[PATH_MAX];
	const char *last_data = text, *first_control = NULL, *at;
	size_t i;

	for (i = 0; i < NSAMPLES; i++) {
		const char *base = strrchr(samples[i].path, '/');

		base = base != NULL ? base + 1 : samples[i].path;
		restore_line(sc, prefix, samples[i].path, line, sizeof(line));
		(void)strncat(line, "\n", sizeof(line) - strlen(line) - 1);
		at = strstr(text, line);
		assert_non_null(at);
		if (base[0] == 'q' && at > last_data)
			first_control = first_control == NULL ||
			    at < first_control ? at : first_control;
		if (base[0] != 'q' && at > last_data)
			last_data = at;
	}
	assert_non_null(first_control);
	assert_true(last_data < first_control);
	restore_line(sc, "refused: ", LINK_PATH, line, sizeof(line));
	assert_true(contains(text, line));
	assert_true(contains(text, ": not restored (symlink, recorded "
	    "only)\n"));
	assert_true(contains(text, ": not restored (fifo, recorded only)\n"));
	restore_line(sc, "skipped: ", RECORD_PATH, line, sizeof(line));
	assert_true(contains(text, line));
}

static void
test_restore(void **state)
{
	struct scratch *sc = *state;
	struct arc_restore_stats rs;
	struct sio_writer *w;
	char name[NAME_BUF], *text;
	struct qerr err;
	int fd;

	populate(sc);
	w = sio_writer_new(&err);
	assert_non_null(w);
	assert_int_equal(make_archive(sc, w, true, name, sizeof(name)), 0);
	sio_writer_free(w);
	fd = open_archive(sc, name);

	/* Into an empty directory: every regular file, byte for byte; the
	 * link and the FIFO are recorded only, and so refused. */
	assert_int_equal(run_restore(fd, sc->out, &rs, &text, &err), 1);
	assert_int_equal(rs.restored, NSAMPLES);
	assert_int_equal(rs.already, 0);
	assert_int_equal(rs.refused, 2);
	assert_int_equal(rs.failed, 0);
	check_restore_output(sc, text, "restored ");
	assert_int_equal(count_in(text, "created "), 3);
	free(text);
	check_tree(sc, true);
	no_temp_names(sc);

	/* Again: all there already. */
	assert_int_equal(run_restore(fd, sc->out, &rs, &text, &err), 1);
	assert_int_equal(rs.restored, 0);
	assert_int_equal(rs.already, NSAMPLES);
	assert_int_equal(rs.refused, 2);
	assert_int_equal(rs.failed, 0);
	check_restore_output(sc, text, "already there: ");
	free(text);
	check_tree(sc, true);
	assert_int_equal(close(fd), 0);
}

static void
test_restore_twice_is_clean(void **state)
{
	struct scratch *sc = *state;
	struct arc_restore_stats rs;
	struct sio_writer *w;
	char name[NAME_BUF], *text;
	struct qerr err;
	int fd;

	populate(sc);
	w = sio_writer_new(&err);
	assert_non_null(w);
	assert_int_equal(make_archive(sc, w, false, name, sizeof(name)), 0);
	sio_writer_free(w);
	fd = open_archive(sc, name);
	assert_int_equal(run_restore(fd, sc->out, &rs, &text, &err), 0);
	assert_int_equal(rs.restored, NSAMPLES);
	free(text);
	assert_int_equal(run_restore(fd, sc->out, &rs, &text, &err), 0);
	assert_int_equal(rs.restored, 0);
	assert_int_equal(rs.already, NSAMPLES);
	assert_int_equal(rs.refused + rs.failed, 0);
	assert_int_equal(count_in(text, "already there: "), NSAMPLES);
	assert_int_equal(count_in(text, "\n"), NSAMPLES);
	free(text);
	check_tree(sc, true);
	/* Stats may be NULL. */
	assert_int_equal(run_restore(fd, sc->out, NULL, &text, &err), 0);
	free(text);
	assert_int_equal(close(fd), 0);
}

static void
test_restore_recorded_path(void **state)
{
	struct scratch *sc = *state;
	struct arc_restore_stats rs;
	struct sio_writer *w;
	char name[NAME_BUF], *text;
	struct qerr err;
	int fd, qfd;
	size_t i;

	populate(sc);
	w = sio_writer_new(&err);
	assert_non_null(w);
	assert_int_equal(make_archive(sc, w, true, name, sizeof(name)), 0);
	sio_writer_free(w);
	/* Lose the files, and qf/ with them. */
	qfd = open_dir(sc, "q");
	for (i = 0; i < NSAMPLES; i++)
		assert_int_equal(unlinkat(qfd, samples[i].path, 0), 0);
	assert_int_equal(scratch_remove_at(qfd, "qf"), 0);
	fd = open_archive(sc, name);
	assert_int_equal(run_restore(fd, NULL, &rs, &text, &err), 1);
	assert_int_equal(rs.restored, NSAMPLES);
	assert_int_equal(rs.refused, 2);
	assert_int_equal(rs.failed, 0);
	assert_int_equal(count_in(text, "created "), 1);
	free(text);
	for (i = 0; i < NSAMPLES; i++)
		check_sample(qfd, samples[i].path, &samples[i]);
	/* The FIFO was not touched; no link was made. */
	assert_int_equal(faccessat(qfd, LINK_PATH, F_OK, AT_SYMLINK_NOFOLLOW),
	    -1);
	assert_int_equal(close(qfd), 0);
	assert_int_equal(close(fd), 0);
}

/* refuse_all - a queue check that knows no queue */
static bool
refuse_all(const struct stat *st, void *arg)
{
	(void)st;
	(*(int *)arg)++;
	return false;
}

/* A recorded queue path the caller does not know is never written to. */
static void
test_restore_unknown_queue(void **state)
{
	struct scratch *sc = *state;
	struct arc_restore_opts ro = { 0 };
	struct arc_restore_stats rs;
	struct sio_writer *w;
	char name[NAME_BUF], *text = NULL;
	struct qerr err;
	size_t len = 0, i;
	int fd, qfd, asked = 0;
	FILE *f;

	populate(sc);
	w = sio_writer_new(&err);
	assert_non_null(w);
	assert_int_equal(make_archive(sc, w, true, name, sizeof(name)), 0);
	qfd = open_dir(sc, "q");
	for (i = 0; i < NSAMPLES; i++)
		assert_int_equal(unlinkat(qfd, samples[i].path, 0), 0);
	fd = open_archive(sc, name);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	ro.queue_ok = refuse_all;
	ro.queue_ok_arg = &asked;
	ro.unverified_ok = true;
	assert_int_equal(arc_restore(w, fd, &ro, f, &rs, &err), 1);
	assert_int_equal(fclose(f), 0);
	sio_writer_free(w);
	assert_true(asked > 0);
	assert_int_equal(rs.restored, 0);
	assert_non_null(strstr(text, "not a queue directory of the configuration"));
	free(text);
	for (i = 0; i < NSAMPLES; i++)
		assert_int_equal(faccessat(qfd, samples[i].path, F_OK,
				     AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(close(qfd), 0);
	assert_int_equal(close(fd), 0);
}

/* link_to_queue - out/name: a symlink to the same file of q/ */
static void
link_to_queue(const struct scratch *sc, int ofd, const char *name)
{
	char target[PATH_MAX];

	assert_int_equal(path_join(target, sizeof(target), sc->q, name), 0);
	assert_int_equal(symlinkat(target, ofd, name), 0);
}

static void
test_restore_conflict(void **state)
{
	struct scratch *sc = *state;
	struct arc_restore_stats rs;
	struct sio_writer *w;
	char name[NAME_BUF], *text, line[PATH_MAX];
	struct stat before, after;
	struct qerr err;
	int fd, ofd;

	populate(sc);
	w = sio_writer_new(&err);
	assert_non_null(w);
	assert_int_equal(make_archive(sc, w, false, name, sizeof(name)), 0);
	sio_writer_free(w);
	ofd = open_dir(sc, "out");
	assert_int_equal(mkdirat(ofd, "df", QMODE), 0);
	assert_int_equal(mkdirat(ofd, "qf", QMODE), 0);
	write_at(ofd, "df/dfA0002", "other bytes", 11);
	assert_int_equal(fstatat(ofd, "df/dfA0002", &before,
	    AT_SYMLINK_NOFOLLOW), 0);
	/* Links to files with the very bytes archived: never followed. */
	link_to_queue(sc, ofd, "qf/qfA0001");
	link_to_queue(sc, ofd, "xf");
	fd = open_archive(sc, name);
	assert_int_equal(run_restore(fd, sc->out, &rs, &text, &err), 1);
	restore_line(sc, "refused: ", "df/dfA0002", line, sizeof(line));
	assert_true(contains(text, line));
	assert_true(contains(text, "/df/dfA0002: exists with other contents: "
	    "not overwritten\n"));
	/* Its control file waits for it. */
	assert_true(contains(text, "/qf/qfA0002: its data file was not "
	    "restored\n"));
	assert_true(contains(text, "/qf/qfA0001: exists and is not a regular "
	    "file: not overwritten\n"));
	restore_line(sc, "FAILED: ", "xf/xfA0002", line, sizeof(line));
	assert_true(contains(text, line));
	assert_int_equal(rs.restored, NSAMPLES - 4);
	assert_int_equal(rs.already, 0);
	assert_int_equal(rs.refused, 3);
	assert_int_equal(rs.failed, 1);
	free(text);
	assert_int_equal(fstatat(ofd, "df/dfA0002", &after,
	    AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_size, 11);
	assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
	assert_int_equal(faccessat(ofd, "qf/qfA0002", F_OK,
	    AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(fstatat(ofd, "qf/qfA0001", &after,
	    AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISLNK(after.st_mode));
	assert_int_equal(fstatat(ofd, "xf", &after, AT_SYMLINK_NOFOLLOW), 0);
	assert_true(S_ISLNK(after.st_mode));
	assert_int_equal(dir_size(sc, "q/xf"), 1);
	assert_int_equal(close(ofd), 0);
	assert_int_equal(close(fd), 0);
}

static void
test_restore_queues(void **state)
{
	struct scratch *sc = *state;
	struct arc_meta m = { 1, "dfQ2", "030001", "no-df", "make-inert" };
	struct arc_restore_stats rs;
	char name[NAME_BUF], q2[PATH_MAX], *text;
	struct sio_writer *w;
	struct qerr err;
	struct stat st;
	struct arc *a;
	int afd = open_dir(sc, "arc"), q2fd, fd;
	unsigned n;

	assert_int_equal(mkdirat(sc->dfd, "q2", QMODE), 0);
	q2fd = open_dir(sc, "q2");
	write_at(q2fd, "dfQ2", "second queue\n", 13);
	assert_int_equal(path_join(q2, sizeof(q2), sc->path, "q2"), 0);
	w = sio_writer_new(&err);
	assert_non_null(w);
	a = arc_create(w, afd, HOST, NOW, &err);
	assert_non_null(a);
	assert_int_equal(arc_add_queue(a, sc->q, &n, &err), 0);
	assert_int_equal(arc_add_queue(a, q2, &n, &err), 0);
	assert_int_equal(n, 1);
	fd = openat(q2fd, "dfQ2", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(arc_add_file(a, &m, fd, &st, NULL, &err), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(arc_commit(a, name, sizeof(name), &err), 0);
	arc_free(a);
	sio_writer_free(w);
	fd = open_archive(sc, name);
	/* Two queues do not go into one directory. */
	assert_int_equal(run_restore(fd, sc->out, &rs, &text, &err), -1);
	assert_int_equal(err.sys_errno, EINVAL);
	free(text);
	assert_int_equal(dir_size(sc, "out"), 0);
	/* To their recorded places: q2/dfQ2 is back. */
	assert_int_equal(unlinkat(q2fd, "dfQ2", 0), 0);
	assert_int_equal(run_restore(fd, NULL, &rs, &text, &err), 0);
	assert_int_equal(rs.restored, 1);
	assert_true(contains(text, "restored "));
	assert_true(contains(text, "/q2/dfQ2\n"));
	free(text);
	assert_int_equal(faccessat(q2fd, "dfQ2", F_OK, AT_SYMLINK_NOFOLLOW), 0);
	/* A queue directory that is gone: every file of it fails. */
	assert_int_equal(unlinkat(q2fd, "dfQ2", 0), 0);
	assert_int_equal(close(q2fd), 0);
	assert_int_equal(unlinkat(sc->dfd, "q2", AT_REMOVEDIR), 0);
	assert_int_equal(run_restore(fd, NULL, &rs, &text, &err), 1);
	assert_int_equal(rs.failed, 1);
	assert_true(contains(text, "FAILED: "));
	free(text);
	assert_int_equal(faccessat(sc->dfd, "q2", F_OK, AT_SYMLINK_NOFOLLOW),
	    -1);
	assert_int_equal(close(fd), 0);
	assert_int_equal(close(afd), 0);
}

/* ------------------------------------------------------------------ */
/* Hostile archives */

/* An entry of an archive made by hand. */
struct craft {
	const char *name;
	unsigned type;		/* AE_IFREG, AE_IFLNK, AE_IFCHR, ... */
	const char *data;	/* bytes, or a link's target */
};

/* craft_entry - write one entry */
static void
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
static int
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

/* mf_begin - a manifest's head and one queue, into a memory stream */
static FILE *
mf_begin(char **text, size_t *len, const char *queue)
{
	FILE *f = open_memstream(text, len);

	assert_non_null(f);
	(void)fprintf(f, "mqfsck-archive 1\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 0 %s\n", queue);
	return f;
}

/* mf_data - a data record of bytes for path (escaped already) */
static void
mf_data(FILE *f, const char *path, const char *bytes)
{
	char hex[ARC_SHA256_HEX + 1];

	sha_hex(bytes, strlen(bytes), hex);
	(void)fprintf(f, "file 0 %s data 0600 0 0 %zu 1600000000.000000000 "
	    "%s 030001 no-df make-inert\n", path, strlen(bytes), hex);
}

/* mf_end - "end n", and the text (malloc'ed) */
static char *
mf_end(FILE *f, char **text, size_t n)
{
	(void)fprintf(f, "end %zu\n", n);
	assert_int_equal(fclose(f), 0);
	return *text;
}

/* hostile_restore - restore fd into out/; nothing else may change */
static int
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
static struct stat
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

static void
test_special_kinds(void **state)
{
	static const struct {
		const char *path, *kind;
		mode_t fmt;
		unsigned type;
	} k[] = {
		{ "dfSOCK", "socket", S_IFSOCK, 0 },
		{ "dfCHR", "chardev", S_IFCHR, AE_IFCHR },
		{ "dfBLK", "blockdev", S_IFBLK, AE_IFBLK },
		{ "qf/sub", "dir", S_IFDIR, AE_IFDIR },
	};
	struct scratch *sc = *state;
	struct arc_meta m = { 0, NULL, "010004", "special", "quarantine" };
	struct arc_restore_stats rs;
	char name[NAME_BUF], line[NAME_BUF], *text;
	struct sio_writer *w;
	struct qerr err;
	struct stat st;
	struct arc *a;
	struct got g;
	int afd = open_dir(sc, "arc"), fd;
	unsigned n;
	size_t i;

	w = sio_writer_new(&err);
	assert_non_null(w);
	a = arc_create(w, afd, HOST, NOW, &err);
	assert_non_null(a);
	assert_int_equal(arc_add_queue(a, sc->q, &n, &err), 0);
	for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		m.path = k[i].path;
		st = fake_stat(k[i].fmt, 0640, (dev_t)(0x0103 + i));
		assert_int_equal(arc_add_special(a, &m, &st, NULL, &err), 0);
	}
	/* A regular file is not special. */
	st = fake_stat(S_IFREG, 0600, 0);
	assert_int_equal(arc_add_special(a, &m, &st, NULL, &err), -1);
	assert_int_equal(arc_commit(a, name, sizeof(name), &err), 0);
	arc_free(a);
	sio_writer_free(w);
	fd = open_archive(sc, name);
	read_back(fd, &g);
	/* tar has no socket: the socket is in the manifest only. */
	assert_int_equal(g.n, 4);
	for (i = 1; i < sizeof(k) / sizeof(k[0]); i++) {
		(void)snprintf(line, sizeof(line), "0/%s", k[i].path);
		assert_true(strncmp(g.e[i - 1].name, line, strlen(line)) == 0);
		assert_int_equal(g.e[i - 1].type, k[i].type);
		(void)snprintf(line, sizeof(line), "file 0 %s %s 0640 8 12 0 "
		    "1600000000.000000007 - 010004 special quarantine\n",
		    k[i].path, k[i].kind);
		assert_true(contains(got_manifest(&g), line));
	}
	assert_int_equal(g.e[0].rdev, (dev_t)0x0104);
	assert_true(contains(got_manifest(&g), "file 0 dfSOCK socket 0640 "));
	got_free(&g);
	assert_int_equal(run_list(fd, false, &text, &err), 0);
	assert_int_equal(count_in(text, " - -\n"), 4);
	free(text);
	assert_int_equal(hostile_restore(sc, fd, &rs, &text), 1);
	assert_int_equal(rs.refused, 4);
	assert_int_equal(count_in(text, ", recorded only)\n"), 4);
	free(text);
	assert_int_equal(dir_size(sc, "out"), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(close(afd), 0);
}

static void
test_hostile_entries(void **state)
{
	struct scratch *sc = *state;
	static const struct craft c[] = {
		{ "0/dfGOOD", AE_IFREG, "good bytes\n" },
		{ "0/dfBADSUM", AE_IFREG, "tampered\n" },
		{ "0/../evil", AE_IFREG, "up one\n" },
		{ "0/qf/../../evil2", AE_IFREG, "up two\n" },
		{ "/tmp/mqfsck-test-evil-abs", AE_IFREG, "absolute\n" },
		{ "0/dfLINK", AE_IFLNK, "/etc/passwd" },
		{ "0/dfDEV", AE_IFCHR, NULL },
		{ "0/dfEXTRA", AE_IFREG, "not listed\n" },
		{ "0/sub/dfDEEP", AE_IFREG, "too deep\n" },
		{ "1/dfQ1", AE_IFREG, "no queue 1\n" },
		{ "00/dfZERO", AE_IFREG, "leading zero\n" },
	};
	struct arc_restore_stats rs;
	char *mtext = NULL, *text;
	size_t mlen = 0;
	struct qerr err;
	FILE *f = mf_begin(&mtext, &mlen, "/nonexistent/queue");
	int fd, ofd;

	mf_data(f, "dfGOOD", "good bytes\n");
	mf_data(f, "dfBADSUM", "original\n");
	mf_data(f, "dfLINK", "whatever\n");
	fd = craft(sc, "hostile.tar.gz", c, sizeof(c) / sizeof(c[0]),
	    mf_end(f, &mtext, 3), true);
	free(mtext);

	assert_int_equal(hostile_restore(sc, fd, &rs, &text), 1);
	assert_int_equal(rs.restored, 1);
	assert_int_equal(rs.failed, 1);
	assert_int_equal(rs.refused, 9);
	assert_true(contains(text, "/dfGOOD\n"));
	assert_true(contains(text, "/dfBADSUM: digest mismatch: not "
	    "restored\n"));
	assert_true(contains(text, "refused: 0/../evil: \"..\" in the name"));
	assert_true(contains(text, "refused: 0/qf/../../evil2: \"..\" in "));
	assert_true(contains(text, "refused: /tmp/mqfsck-test-evil-abs: an "
	    "absolute path"));
	assert_true(contains(text, "/dfLINK: archived as a symbolic link, "));
	assert_true(contains(text, "refused: 0/dfDEV: not in the manifest (a "
	    "character device)\n"));
	assert_true(contains(text, "refused: 0/dfEXTRA: not in the manifest "
	    "(a regular file)\n"));
	assert_true(contains(text, "refused: 0/sub/dfDEEP: not of the form "));
	assert_true(contains(text, "refused: 1/dfQ1: not in the manifest"));
	assert_true(contains(text, "refused: 00/dfZERO: not in the manifest"));
	free(text);
	/* Only dfGOOD is in out/. */
	ofd = open_dir(sc, "out");
	assert_int_equal(dir_size(sc, "out"), 1);
	assert_int_equal(faccessat(ofd, "dfGOOD", F_OK, AT_SYMLINK_NOFOLLOW),
	    0);
	assert_int_equal(close(ofd), 0);
	assert_int_equal(faccessat(AT_FDCWD, "/tmp/mqfsck-test-evil-abs", F_OK,
	    AT_SYMLINK_NOFOLLOW), -1);
	/* Listing: dfBADSUM and dfLINK are not whole. */
	assert_int_equal(run_list(fd, false, &text, &err), 1);
	assert_true(contains(text, "/dfGOOD sha256:"));
	assert_true(contains(text, "/dfBADSUM sha256:"));
	assert_true(contains(text, " DIGEST MISMATCH\n"));
	assert_true(contains(text, " MISSING\n"));
	assert_true(contains(text, "unlisted 0/../evil "));
	free(text);
	assert_int_equal(close(fd), 0);
}

static void
test_hostile_specials_listed(void **state)
{
	struct scratch *sc = *state;
	static const struct craft c[] = {
		{ "0/dfDEV", AE_IFCHR, NULL },
		{ "0/qf/qfLINK", AE_IFLNK, "../../../etc/passwd" },
		{ "0/dfDIR", AE_IFDIR, NULL },
	};
	static const char mf[] = "mqfsck-archive 1\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 0 /q\n"
	    "file 0 dfDEV chardev 0600 0 0 0 1.000000000 - - - -\n"
	    "file 0 qf/qfLINK symlink 0777 0 0 19 1.000000000 - - - -\n"
	    "file 0 dfDIR dir 0700 0 0 0 1.000000000 - - - -\n"
	    "end 3\n";
	struct arc_restore_stats rs;
	char *text;
	int fd;

	fd = craft(sc, "specials.tar.gz", c, sizeof(c) / sizeof(c[0]), mf,
	    true);
	assert_int_equal(hostile_restore(sc, fd, &rs, &text), 1);
	assert_int_equal(rs.refused, 3);
	assert_int_equal(rs.restored + rs.failed, 0);
	assert_true(contains(text, "/dfDEV: not restored (chardev, recorded "
	    "only)\n"));
	assert_true(contains(text, "/qf/qfLINK: not restored (symlink, "));
	assert_true(contains(text, "/dfDIR: not restored (dir, recorded "));
	free(text);
	assert_int_equal(dir_size(sc, "out"), 0);
	assert_int_equal(close(fd), 0);
}

/* reject - list and restore both refuse the archive as a whole */
static void
reject(const struct scratch *sc, int fd, const char *why)
{
	struct arc_restore_stats rs;
	struct qerr err;
	char *text;

	qerr_clear(&err);
	assert_int_equal(run_list(fd, false, &text, &err), -1);
	assert_string_equal(text, "");
	free(text);
	if (!contains(err.msg, why))
		print_error("\"%s\" does not say \"%s\"\n", err.msg, why);
	assert_true(contains(err.msg, why));
	assert_int_equal(hostile_restore(sc, fd, &rs, &text), -1);
	assert_string_equal(text, "");
	free(text);
	assert_int_equal(dir_size(sc, "out"), 0);
}

/* reject_manifest - an archive of one good entry and this MANIFEST */
static void
reject_manifest(const struct scratch *sc, const char *manifest,
    const char *why)
{
	static const struct craft c[] = { { "0/dfA", AE_IFREG, "abc" } };
	int fd = craft(sc, "bad.tar.gz", c, 1, manifest, true);

	reject(sc, fd, why);
	assert_int_equal(close(fd), 0);
}

/* one_record - a manifest of queue and one data record, ended with end */
static char *
one_record(const char *queue, const char *path, const char *end)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = mf_begin(&text, &len, queue);

	mf_data(f, path, "abc");
	(void)fputs(end, f);
	assert_int_equal(fclose(f), 0);
	return text;
}

/* craft_big_manifest - arc/big.tar: a MANIFEST header of size bytes */
static int
craft_big_manifest(const struct scratch *sc, size_t size)
{
	struct archive *ar = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int afd = open_dir(sc, "arc"), fd;

	assert_true(ar != NULL && e != NULL);
	fd = openat(afd, "big.tar", O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(archive_write_set_format_pax_restricted(ar),
	    ARCHIVE_OK);
	assert_int_equal(archive_write_open_fd(ar, fd), ARCHIVE_OK);
	archive_entry_copy_pathname(e, "MANIFEST");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_size(e, (la_int64_t)size);
	assert_int_equal(archive_write_header(ar, e), ARCHIVE_OK);
	archive_entry_free(e);
	/* The bytes: libarchive pads the entry with NULs. */
	assert_int_equal(archive_write_close(ar), ARCHIVE_OK);
	assert_int_equal(archive_write_free(ar), ARCHIVE_OK);
	assert_int_equal(close(afd), 0);
	return fd;
}

static void
test_manifest_cap(void **state)
{
	struct scratch *sc = *state;
	struct arc_meta m = { 0, NULL, "", "", "" };
	char *path = malloc(LONG_PATH + 1);
	struct sio_writer *w;
	struct qerr err;
	struct stat st = fake_stat(S_IFREG, 0600, 0);
	struct arc *a;
	int afd = open_dir(sc, "arc"), fd, rc;
	unsigned n;
	size_t i;

	/* Every byte escaped: four times as long in the manifest. */
	assert_non_null(path);
	memset(path, 0x01, LONG_PATH);
	path[LONG_PATH] = '\0';
	m.path = path;
	w = sio_writer_new(&err);
	assert_non_null(w);
	a = arc_create(w, afd, HOST, NOW, &err);
	assert_non_null(a);
	assert_int_equal(arc_add_queue(a, sc->q, &n, &err), 0);
	i = 0;
	while ((rc = arc_add_record(a, &m, &st, &err)) == 0)
		i++;
	assert_int_equal(rc, -1);
	assert_int_equal(err.sys_errno, EFBIG);
	/* The cap: lines of 16,000 escaped bytes and some 60 more. */
	assert_true(i > MANIFEST_CAP / (4 * (size_t)LONG_PATH + 100) &&
	    i <= MANIFEST_CAP / (4 * (size_t)LONG_PATH));
	assert_int_equal(arc_count(a), i);
	arc_free(a);
	sio_writer_free(w);
	free(path);
	assert_int_equal(close(afd), 0);
	/* Reading: a MANIFEST over the cap is refused by its header. */
	fd = craft_big_manifest(sc, MANIFEST_CAP + 1);
	reject(sc, fd, "MANIFEST is empty or too big");
	assert_int_equal(close(fd), 0);
}

static void
test_hostile_manifests(void **state)
{
	static const struct {
		const char *queue, *path, *end, *why;
	} cases[] = {
		{ "/q", "dfA", "end 2\n", "end count does not match" },
		{ "/q", "dfA", "end 0\n", "end count does not match" },
		{ "/q", "dfA", "", "no end record" },
		{ "/q", "dfA", "end 1", "no end record" },
		{ "/q", "dfA", "end 1\nfile\n", "data after the end" },
		{ "/q", "dfA", "bogus 1\nend 1\n", "unknown keyword" },
		{ "/q", "dfA", "end  1\n", "bad field separators" },
		{ "/q", "../dfA", "end 1\n", "bad path" },
		{ "/q", "/dfA", "end 1\n", "bad path" },
		{ "/q", "a/./b", "end 1\n", "bad path" },
		{ "/q", "df\\x00A", "end 1\n", "bad path" },
		{ "/q", "df\\xzzA", "end 1\n", "bad path" },
		{ "/q", "df\tA", "end 1\n", "bad path" },
		{ "relative/q", "dfA", "end 1\n", "bad queue record" },
		{ "/q/../etc", "dfA", "end 1\n", "bad queue record" },
	};
	struct scratch *sc = *state;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m = one_record(cases[i].queue, cases[i].path,
		    cases[i].end);

		reject_manifest(sc, m, cases[i].why);
		free(m);
	}
	reject_manifest(sc, "mqfsck-archive 2\n", "not an mqfsck archive");
	reject_manifest(sc, "mqfsck-archive 1\nhost h\ncreated yesterday\n"
	    "end 0\n", "bad created line");
	reject_manifest(sc, "mqfsck-archive 1\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 0 /q\nfile 0 dfA data 0600 0 0 3 "
	    "1.000000000 abc - - -\nend 1\n", "bad sha256");
	reject_manifest(sc, "mqfsck-archive 1\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 0 /q\nfile 0 dfA data 0600 0 0 3 "
	    "1.5 - - - -\nend 1\n", "bad mode, owner, size or mtime");
	reject_manifest(sc, "mqfsck-archive 1\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 0 /q\nfile 0 dfA data 10000 0 0 3 "
	    "1.000000000 - - - -\nend 1\n", "bad mode, owner, size or mtime");
	reject_manifest(sc, "mqfsck-archive 1\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 0 /q\nfile 0 dfA blob 0600 0 0 3 "
	    "1.000000000 - - - -\nend 1\n", "unknown kind");
	reject_manifest(sc, "mqfsck-archive 1\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 1 /q\nend 0\n", "bad queue record");
	reject_manifest(sc, "mqfsck-archive 1\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nfile 0 dfA record 0600 0 0 3 "
	    "1.000000000 - - - -\nend 1\n", "no such queue");
}

static void
test_hostile_streams(void **state)
{
	struct scratch *sc = *state;
	static const struct craft after[] = {
		{ "0/dfA", AE_IFREG, "abc" },
		{ "MANIFEST", AE_IFREG, "mqfsck-archive 1\n" },
		{ "0/dfB", AE_IFREG, "after the manifest" },
	};
	static const struct craft linkmf[] = {
		{ "MANIFEST", AE_IFLNK, "/etc/passwd" },
	};
	char name[NAME_BUF], *m = one_record("/q", "dfA", "end 1\n");
	struct sio_writer *w;
	struct stat st;
	struct qerr err;
	int fd, afd, tfd;
	unsigned char *buf;

	/* No MANIFEST; MANIFEST not last; MANIFEST a symlink. */
	fd = craft(sc, "none.tar.gz", after, 1, NULL, true);
	reject(sc, fd, "no MANIFEST");
	assert_int_equal(close(fd), 0);
	fd = craft(sc, "notlast.tar.gz", after, 3, NULL, true);
	reject(sc, fd, "MANIFEST is not the last entry");
	assert_int_equal(close(fd), 0);
	fd = craft(sc, "linkmf.tar.gz", linkmf, 1, NULL, true);
	reject(sc, fd, "MANIFEST is not a regular file");
	assert_int_equal(close(fd), 0);
	free(m);

	/* Not an archive at all; empty. */
	afd = open_dir(sc, "arc");
	write_at(afd, "junk", "this is not a tar archive at all, no no",
	    39);
	fd = openat(afd, "junk", O_RDONLY | O_CLOEXEC);
	reject(sc, fd, "cannot be read");
	assert_int_equal(close(fd), 0);
	write_at(afd, "empty", "", 0);
	fd = openat(afd, "empty", O_RDONLY | O_CLOEXEC);
	reject(sc, fd, "");
	assert_int_equal(close(fd), 0);

	/* A real archive cut short: the gzip stream is truncated. */
	populate(sc);
	w = sio_writer_new(&err);
	assert_non_null(w);
	assert_int_equal(make_archive(sc, w, true, name, sizeof(name)), 0);
	sio_writer_free(w);
	fd = open_archive(sc, name);
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	assert_int_equal(close(fd), 0);
	write_at(afd, "cut.tar.gz", buf, (size_t)st.st_size / 2);
	tfd = openat(afd, "cut.tar.gz", O_RDONLY | O_CLOEXEC);
	reject(sc, tfd, "cannot be read");
	assert_int_equal(close(tfd), 0);
	/* Even the last few bytes missing. */
	write_at(afd, "cut2.tar.gz", buf, (size_t)st.st_size - 6);
	tfd = openat(afd, "cut2.tar.gz", O_RDONLY | O_CLOEXEC);
	reject(sc, tfd, "");
	assert_int_equal(close(tfd), 0);
	free(buf);
	assert_int_equal(close(afd), 0);
}

/* mutate_run - list and restore one mutant: never a crash, never out */
static void
mutate_run(const struct scratch *sc, int afd, const unsigned char *buf,
    size_t len)
{
	struct arc_restore_stats rs;
	struct qerr err;
	char *text;
	int fd, rc;

	write_at(afd, "mutant", buf, len);
	fd = openat(afd, "mutant", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	rc = run_list(fd, true, &text, &err);
	assert_true(rc >= -1 && rc <= 1);
	free(text);
	rc = hostile_restore(sc, fd, &rs, &text);
	assert_true(rc >= -1 && rc <= 1);
	free(text);
	assert_int_equal(close(fd), 0);
	empty_scratch_dir(sc, "out");
}

/* mutate - MUTANTS copies of arc/name with bytes changed, each run */
static void
mutate(const struct scratch *sc, const char *name, uint32_t seed)
{
	int afd = open_dir(sc, "arc"), fd = open_archive(sc, name);
	unsigned char *buf, *copy;
	struct stat st;
	size_t len, i, k;
	uint32_t x = seed;

	assert_int_equal(fstat(fd, &st), 0);
	len = (size_t)st.st_size;
	buf = malloc(len);
	copy = malloc(len);
	if (buf == NULL || copy == NULL) {
		free(buf);
		free(copy);
		(void)close(fd);
		(void)close(afd);
		fail_msg("out of memory");
		return;
	}
	assert_int_equal(pread(fd, buf, len, 0), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	for (i = 0; i < MUTANTS; i++) {
		memcpy(copy, buf, len);
		for (k = 0; k <= i % 4; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			copy[x % len] ^= (unsigned char)(1U << (x >> 29));
		}
		mutate_run(sc, afd, copy, i % 7 == 6 ? x % len : len);
	}
	free(buf);
	free(copy);
	assert_int_equal(close(afd), 0);
}

static void
test_mutants(void **state)
{
	struct scratch *sc = *state;
	static const struct craft c[] = {
		{ "0/dfA", AE_IFREG, "first file\n" },
		{ "0/qf/qfA", AE_IFREG, "V8\nT1\n.\n" },
		{ "0/dfL", AE_IFLNK, "dfA" },
	};
	char *text = NULL;
	size_t len = 0;
	FILE *f = mf_begin(&text, &len, "/q");
	int fd;

	mf_data(f, "dfA", "first file\n");
	mf_data(f, "qf/qfA", "V8\nT1\n.\n");
	(void)fputs("file 0 dfL symlink 0777 0 0 3 1.000000000 - - - -\n", f);
	/* Uncompressed: the mutations reach headers and manifest text. */
	fd = craft(sc, "plain.tar", c, 3, mf_end(f, &text, 3), false);
	assert_int_equal(close(fd), 0);
	fd = craft(sc, "small.tar.gz", c, 3, text, true);
	assert_int_equal(close(fd), 0);
	free(text);
	mutate(sc, "plain.tar", 0x9e3779b9U);
	mutate(sc, "small.tar.gz", 0x7f4a7c15U);
}

/* ------------------------------------------------------------------ */
/* Crashes */

/* child_restore - restore with a writer that dies after n calls */
static void
child_restore(int fd, const char *dir, uint64_t n)
{
	struct arc_restore_stats rs;
	struct sio_writer *w;
	struct qerr err;
	FILE *f = fopen("/dev/null", "we");
	int rc;

	w = sio_writer_new(&err);
	if (w == NULL || f == NULL)
		_exit(2);
	sio_writer_fail_after(w, n);
	{
		struct arc_restore_opts ro = { .queue_dir = dir,
			.unverified_ok = true };

		rc = arc_restore(w, fd, &ro, f, &rs, &err);
	}
	/* Released, so that valgrind sees no leak in a child that ends. */
	sio_writer_free(w);
	if (fclose(f) != 0)
		_exit(2);
	_exit(rc == 1 && rs.failed == 0 ? 0 : 3);
}

static void
test_fault_restore(void **state)
{
	struct scratch *sc = *state;
	struct arc_restore_stats rs;
	struct sio_writer *w;
	char name[NAME_BUF], *text;
	struct qerr err;
	size_t per_file;
	uint64_t n;
	int fd;

	populate(sc);
	w = sio_writer_new(&err);
	assert_non_null(w);
	assert_int_equal(make_archive(sc, w, true, name, sizeof(name)), 0);
	sio_writer_free(w);
	fd = open_archive(sc, name);
	for (n = 1;; n++) {
		pid_t pid;
		int status;

		assert_true(n < FAULT_MAX);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			child_restore(fd, sc->out, n);
		status = reap(pid);
		assert_true(status == 0 || status == 128 + SIGKILL);
		/* Killed anywhere: whatever has a name is whole and right. */
		check_tree(sc, false);
		no_temp_names(sc);
		/* Run again: finished, nothing failed. */
		assert_int_equal(run_restore(fd, sc->out, &rs, &text, &err), 1);
		free(text);
		assert_int_equal(rs.failed, 0);
		assert_int_equal(rs.refused, 2);
		assert_int_equal(rs.restored + rs.already, NSAMPLES);
		check_tree(sc, true);
		no_temp_names(sc);
		if (status == 0)
			break;
		empty_scratch_dir(sc, "out");
	}
	/* It completes within 5 calls a file (sio_tmp_create, sio_fchown,
	 * sio_fchmod, sio_futimens, sio_tmp_publish) and 3 a directory made
	 * (sio_mkdirat, sio_fchown, sio_fchmod): each was a crash point. */
	per_file = CALLS_PER_FILE + (have_tmpfile ? 0 : 1);
	assert_int_equal(n, NSAMPLES * per_file + NSUBDIRS * CALLS_PER_DIR);
	assert_int_equal(close(fd), 0);
}

/* child_archive - make the archive with a writer dying after n calls */
static void
child_archive(const struct scratch *sc, uint64_t n)
{
	char name[NAME_BUF];
	struct sio_writer *w;
	struct qerr err;
	int rc;

	w = sio_writer_new(&err);
	if (w == NULL)
		_exit(2);
	sio_writer_fail_after(w, n);
	rc = make_archive(sc, w, true, name, sizeof(name));
	sio_writer_free(w);
	_exit(rc == 0 ? 0 : 3);
}

/* only_archive - arc/ holds nothing, or one archive arc_list() passes */
static bool
only_archive(const struct scratch *sc)
{
	struct qerr err;
	char *text;
	size_t n = dir_size(sc, "arc");
	int fd;

	assert_true(n <= 1);
	if (n == 0)
		return false;
	fd = open_archive(sc, ARC_NAME);
	assert_int_equal(run_list(fd, false, &text, &err), 0);
	assert_int_equal(count_in(text, " ok\n"), NSAMPLES);
	free(text);
	assert_int_equal(close(fd), 0);
	return true;
}

static void
test_fault_archive(void **state)
{
	struct scratch *sc = *state;
	uint64_t n;

	populate(sc);
	for (n = 1;; n++) {
		pid_t pid;
		bool there;
		int status;

		assert_true(n < FAULT_MAX);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			child_archive(sc, n);
		status = reap(pid);
		assert_true(status == 0 || status == 128 + SIGKILL);
		there = only_archive(sc);
		no_temp_names(sc);
		if (status == 0) {
			assert_true(there);
			break;
		}
		/* Killed before the name, unless publishing was a link and
		 * then an unlink of the temporary name. */
		if (have_tmpfile)
			assert_false(there);
		empty_scratch_dir(sc, "arc");
	}
	/* Two crash points: sio_tmp_create(), sio_tmp_publish() (and its
	 * removal of the temporary name without O_TMPFILE). */
	assert_int_equal(n, have_tmpfile ? 2 : 3);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* restore_keyed - arc_restore() of fd into out/ with key, verified only */
static int
restore_keyed(const struct scratch *sc, int fd, const unsigned char *key,
    struct qerr *err)
{
	struct arc_restore_stats rs;
	struct sio_writer *w = sio_writer_new(err);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc;

	assert_non_null(w);
	assert_non_null(f);
	{
		struct arc_restore_opts ro = { .queue_dir = sc->out,
			.key = key };

		rc = arc_restore(w, fd, &ro, f, &rs, err);
	}
	assert_int_equal(fclose(f), 0);
	free(text);
	sio_writer_free(w);
	return rc;
}

/*
 * test_signed - a manifest signed with the host key restores with that
 * key; with another key, no key, unsigned, or changed, nothing is
 * restored unless the caller says so; arc_key_load() makes a key once,
 * reads it back, and refuses one others may read
 */
static void
test_signed(void **state)
{
	struct scratch *sc = *state;
	unsigned char key[ARC_KEY_LEN], again[ARC_KEY_LEN], other[ARC_KEY_LEN];
	char name[NAME_BUF], unsigned_name[NAME_BUF], kpath[PATH_MAX + 16];
	struct sio_writer *w;
	struct qerr err;
	char *text;
	int fd;

	populate(sc);
	w = sio_writer_new(&err);
	assert_non_null(w);
	(void)snprintf(kpath, sizeof(kpath), "%s/keys/hmac.key", sc->path);
	assert_int_equal(arc_key_load(NULL, kpath, key, &err), -1);
	assert_int_equal(arc_key_load(w, kpath, key, &err), 0);
	assert_int_equal(arc_key_load(NULL, kpath, again, &err), 0);
	assert_memory_equal(key, again, ARC_KEY_LEN);
	memcpy(other, key, sizeof(other));
	other[0] ^= 1;

	make_signed(sc, key, name, sizeof(name));
	fd = open_archive(sc, name);
	assert_int_equal(restore_keyed(sc, fd, other, &err), -1);
	assert_true(contains(err.msg, "not signed with this host's key"));
	assert_int_equal(restore_keyed(sc, fd, NULL, &err), -1);
	assert_true(contains(err.msg, "could not be read"));
	assert_int_equal(run_list(fd, false, &text, &err), 0);
	assert_true(contains(text, "could not be read"));
	free(text);
	assert_int_equal(restore_keyed(sc, fd, key, &err), 0);
	assert_int_equal(close(fd), 0);

	assert_int_equal(make_archive(sc, w, false, unsigned_name,
	    sizeof(unsigned_name)), 0);
	fd = open_archive(sc, unsigned_name);
	assert_int_equal(restore_keyed(sc, fd, key, &err), -1);
	assert_true(contains(err.msg, "not signed"));
	assert_int_equal(close(fd), 0);

	/* A key others may read is no key. */
	assert_int_equal(fchmodat(sc->dfd, "keys/hmac.key", 0644, 0), 0);
	assert_int_equal(arc_key_load(NULL, kpath, again, &err), -1);
	sio_writer_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_and_read_back),
		T(test_write_refusals),
		T(test_special_kinds),
		T(test_manifest_cap),
		T(test_host_in_name),
		T(test_free_without_commit),
		T(test_changed_file_is_stale),
		T(test_list),
		T(test_restore),
		T(test_restore_twice_is_clean),
		T(test_restore_recorded_path),
		T(test_restore_unknown_queue),
		T(test_restore_conflict),
		T(test_restore_queues),
		T(test_signed),
		T(test_hostile_entries),
		T(test_hostile_specials_listed),
		T(test_hostile_manifests),
		T(test_hostile_streams),
		T(test_mutants),
		T(test_fault_restore),
		T(test_fault_archive),
	};

	/* A fault setting inherited from the caller would kill the tests
	 * that make writers. */
	if (unsetenv(FAULT_ENV) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
