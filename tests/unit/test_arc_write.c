/*
 * test_arc_write.c - the archive a repair writes before it changes
 * anything: writing an archive (repair/arc_write.c): read back with libarchive, refusals, the host in its name, nothing left without a commit, a file changed while archived, special files, signing, and a crash at every counted change.
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
#include "arc_private.h"

#include <zlib.h>

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
	(void)fprintf(f, "mqfsck-archive 2\nhost %s\ncreated "
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
	struct arc_meta m = { 0, "dfX", "", "", "", NULL };
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
	assert_string_equal(got_manifest(&g), "mqfsck-archive 2\n"
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
	struct arc_meta m = { 0, name, "030001", "no-df", "make-inert", NULL };
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
	struct arc_meta m = { 0, NULL, "010004", "special", "quarantine", NULL };
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

/* xorshift - bytes that do not compress */
static uint32_t
xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/*
 * arc_gzip.c alone: bytes given in pieces of any size come out of gunzip
 * whole, across many blocks of the compressing thread; a disk that fills
 * (/dev/full) fails gz_write() or, at the latest, gz_finish(), never
 * silently.
 */
static void
test_gzip_stream(void **state)
{
	static const size_t pieces[] = { 1, 7, 4096, 300000, 65536, 1000003 };
	struct scratch *sc = *state;
	const size_t n = (size_t)3 << 20;
	unsigned char *in = malloc(n), *out = malloc(n + 1);
	size_t i, off, k;
	struct qerr err;
	struct gz *g;
	gzFile z;
	uint32_t x = 2463534242u;
	int fd, rc = 0;

	assert_non_null(in);
	assert_non_null(out);
	for (i = 0; i < n; i++)	/* half text-like, half noise */
		in[i] = i < n / 2 ? (unsigned char)('a' + (i * i >> 7) % 26)
				  : (unsigned char)xorshift(&x);
	fd = openat(sc->dfd, "s.gz", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	assert_true(fd >= 0);
	g = gz_start(fd, &err);
	assert_non_null(g);
	for (off = 0, i = 0; off < n; off += k, i++) {
		k = pieces[i % (sizeof(pieces) / sizeof(pieces[0]))];
		if (k > n - off)
			k = n - off;
		assert_int_equal(gz_write(g, in + off, k, &err), 0);
	}
	assert_int_equal(gz_finish(g, &err), 0);
	gz_free(g);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	z = gzdopen(fd, "rb");	/* takes fd */
	assert_non_null(z);
	assert_int_equal(gzread(z, out, (unsigned)(n + 1)), (int)n);
	assert_memory_equal(in, out, n);
	assert_int_equal(gzclose(z), Z_OK);

	/* A full disk. */
	fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		g = gz_start(fd, &err);
		assert_non_null(g);
		for (off = 0; off < n && rc == 0; off += 65536)
			rc = gz_write(g, in + n / 2, 65536, &err);
		assert_int_equal(gz_finish(g, &err), -1);
		assert_int_equal(err.sys_errno, ENOSPC);
		gz_free(g);
		assert_int_equal(close(fd), 0);
	}
	/* Abandoned before its end: the thread ends, nothing leaks. */
	fd = openat(sc->dfd, "t.gz", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	assert_true(fd >= 0);
	g = gz_start(fd, &err);
	assert_non_null(g);
	assert_int_equal(gz_write(g, in, n, &err), 0);
	gz_free(g);
	assert_int_equal(close(fd), 0);
	free(in);
	free(out);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_write_and_read_back),
		T(test_write_refusals),
		T(test_host_in_name),
		T(test_free_without_commit),
		T(test_changed_file_is_stale),
		T(test_special_kinds),
		T(test_fault_archive),
		T(test_signed),
		T(test_gzip_stream),
	};

	/* A fault setting inherited from the caller would kill the tests
	 * that make writers. */
	if (unsetenv(FAULT_ENV) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
