/*
 * test_arc_read.c - the archive a repair writes before it changes
 * anything: reading hostile archives (repair/arc_read.c): entries, manifests, streams and mutants, each refused whole without a crash.
 *
 * The scratch queue and helpers are arc_fixture.c's.
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
	struct arc_meta m = { 0, NULL, "", "", "", NULL };
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
	reject_manifest(sc, "mqfsck-archive 3\n", "not an mqfsck archive");
	/* What a repair left: after its file record, version 2 only. */
	reject_manifest(sc, "mqfsck-archive 2\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 0 /q\nwrote 0 QfA 0600 0 0 7 -\n"
	    "end 0\n", "a wrote record not after a file record");
	reject_manifest(sc, "mqfsck-archive 1\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 0 /q\nfile 0 dfA record 0600 0 0 3 "
	    "1.000000000 - - - -\nwrote 0 QfA 0600 0 0 7 -\nend 1\n",
	    "a wrote record not after a file record");
	reject_manifest(sc, "mqfsck-archive 2\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 0 /q\nfile 0 dfA record 0600 0 0 3 "
	    "1.000000000 - - - -\nwrote 0 QfA 0600 0 0 7 -\n"
	    "wrote 0 QfB 0600 0 0 7 -\nend 1\n",
	    "a wrote record not after a file record");
	reject_manifest(sc, "mqfsck-archive 2\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 0 /q\nfile 0 dfA record 0600 0 0 3 "
	    "1.000000000 - - - -\nwrote 1 QfA 0600 0 0 7 -\nend 1\n",
	    "bad wrote record");
	reject_manifest(sc, "mqfsck-archive 2\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 0 /q\nfile 0 dfA record 0600 0 0 3 "
	    "1.000000000 - - - -\nwrote 0 ../QfA 0600 0 0 7 -\nend 1\n",
	    "bad wrote record");
	reject_manifest(sc, "mqfsck-archive 2\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 0 /q\nfile 0 dfA record 0600 0 0 3 "
	    "1.000000000 - - - -\nwrote 0 . 0600 0 0 7 -\nend 1\n",
	    "bad wrote record");
	reject_manifest(sc, "mqfsck-archive 2\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 0 /q\nfile 0 dfA record 0600 0 0 3 "
	    "1.000000000 - - - -\nwrote 0 QfA 0600 0 0 7 abc\nend 1\n",
	    "bad wrote record");
	reject_manifest(sc, "mqfsck-archive 1\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nlostfound 0 /lost+found\nend 0\n",
	    "unknown keyword");
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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_hostile_entries),
		T(test_manifest_cap),
		T(test_hostile_manifests),
		T(test_hostile_streams),
		T(test_mutants),
	};

	/* A fault setting inherited from the caller would kill the tests
	 * that make writers. */
	if (unsetenv(FAULT_ENV) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
