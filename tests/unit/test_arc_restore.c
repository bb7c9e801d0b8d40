/*
 * test_arc_restore.c - the archive a repair writes before it changes
 * anything: restoring (repair/arc_restore.c): into the recorded queues or a directory, twice, refusals, conflicts, and a crash at every counted change.
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
	struct arc_meta m = { 1, "dfQ2", "030001", "no-df", "make-inert", NULL };
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

/* ------------------------------------------------------------------ */
/* Undo: what a repair left, given back */

#define UNDO_A "qfU1 bytes as archived\n"	/* made inert: QfU1 */
#define UNDO_B "dfU2 body\n"			/* mode 0640 -> 0600 */
#define UNDO_C "qfU3 before the rewrite\n"	/* rewritten to UNDO_D */
#define UNDO_D "qfU3 as the repair rewrote it\n"

/* undo_add - archive q/name (opened) with what the repair leaves */
static void
undo_add(struct arc *a, int qfd, const char *name, const struct arc_wrote *w,
    bool data)
{
	struct arc_meta m = { 0, name, "030001", "no-df", "make-inert", w };
	struct stat st;
	struct qerr err;
	int fd;

	fd = openat(qfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	if (data)
		assert_int_equal(arc_add_file(a, &m, fd, &st, NULL, &err), 0);
	else
		assert_int_equal(arc_add_record(a, &m, &st, &err), 0);
	assert_int_equal(close(fd), 0);
}

/* undo_repair - archive q/ as a repair would, then make its changes */
static void
undo_repair(const struct scratch *sc, char *name, size_t namesz)
{
	int qfd = open_dir(sc, "q"), afd = open_dir(sc, "arc"), fd;
	char hex[ARC_SHA256_HEX + 1];
	struct arc_wrote w[3];
	struct sio_writer *sw;
	struct stat st;
	struct qerr err;
	struct arc *a;
	unsigned n;

	write_at(qfd, "qfU1", UNDO_A, strlen(UNDO_A));
	write_at(qfd, "dfU2", UNDO_B, strlen(UNDO_B));
	write_at(qfd, "qfU3", UNDO_C, strlen(UNDO_C));
	assert_int_equal(fchmodat(qfd, "dfU2", 0640, 0), 0);
	sw = sio_writer_new(&err);
	assert_non_null(sw);
	a = arc_create(sw, afd, HOST, NOW, &err);
	assert_non_null(a);
	assert_int_equal(arc_add_queue(a, sc->q, &n, &err), 0);
	assert_int_equal(fstatat(qfd, "qfU1", &st, 0), 0);
	w[0] = (struct arc_wrote){ 0, "QfU1", st.st_mode & 07777, st.st_uid,
		st.st_gid, st.st_ino, NULL };
	undo_add(a, qfd, "qfU1", &w[0], true);
	assert_int_equal(fstatat(qfd, "dfU2", &st, 0), 0);
	w[1] = (struct arc_wrote){ 0, "dfU2", 0600, st.st_uid, st.st_gid,
		st.st_ino, NULL };
	undo_add(a, qfd, "dfU2", &w[1], false);
	assert_int_equal(fstatat(qfd, "qfU3", &st, 0), 0);
	sha_hex(UNDO_D, strlen(UNDO_D), hex);
	w[2] = (struct arc_wrote){ 0, "qfU3", st.st_mode & 07777, st.st_uid,
		st.st_gid, 0, hex };
	undo_add(a, qfd, "qfU3", &w[2], true);
	assert_int_equal(arc_commit(a, name, namesz, &err), 0);
	arc_free(a);
	sio_writer_free(sw);
	/* The repair: renamed, chmod'ed, rewritten through another name. */
	assert_int_equal(renameat(qfd, "qfU1", qfd, "QfU1"), 0);
	assert_int_equal(fchmodat(qfd, "dfU2", 0600, 0), 0);
	write_at(qfd, "tfU3", UNDO_D, strlen(UNDO_D));
	fd = openat(qfd, "tfU3", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, w[2].mode), 0);
	assert_int_equal(close(fd), 0);
	assert_int_equal(renameat(qfd, "tfU3", qfd, "qfU3"), 0);
	assert_int_equal(close(qfd), 0);
	assert_int_equal(close(afd), 0);
}

/* undo_restore - arc_restore() in place (q/), or under -n */
static int
undo_restore(const struct scratch *sc, int fd, bool dry,
    struct arc_restore_stats *st, char **text)
{
	struct arc_restore_opts ro = { .queue_dir = sc->q,
		.unverified_ok = true, .dry_run = dry };
	struct sio_writer *w;
	struct qerr err;
	size_t len = 0;
	FILE *f;
	int rc;

	w = sio_writer_new(&err);
	assert_non_null(w);
	f = open_memstream(text, &len);
	assert_non_null(f);
	rc = arc_restore(w, fd, &ro, f, st, &err);
	assert_int_equal(fclose(f), 0);
	sio_writer_free(w);
	return rc;
}

/* file_is - q/name holds exactly text, with mode */
static void
file_is(const struct scratch *sc, const char *name, const char *text,
    mode_t mode)
{
	int qfd = open_dir(sc, "q"), fd;
	char buf[128];
	struct stat st;
	ssize_t n;

	fd = openat(qfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 07777, mode);
	n = read(fd, buf, sizeof(buf));
	assert_int_equal(n, (ssize_t)strlen(text));
	assert_memory_equal(buf, text, strlen(text));
	assert_int_equal(close(fd), 0);
	assert_int_equal(close(qfd), 0);
}

/* absent - q/name does not exist */
static bool
absent(const struct scratch *sc, const char *name)
{
	int qfd = open_dir(sc, "q");
	bool gone = faccessat(qfd, name, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno == ENOENT;

	assert_int_equal(close(qfd), 0);
	return gone;
}

static void
test_undo(void **state)
{
	struct scratch *sc = *state;
	struct arc_restore_stats rs;
	char name[NAME_BUF], *text = NULL;
	struct paths *before = snap_new(), *after = snap_new();
	int fd;

	undo_repair(sc, name, sizeof(name));
	fd = open_archive(sc, name);
	/* -n says what it would do, and does nothing. */
	snapshot(sc, NULL, before);
	assert_int_equal(undo_restore(sc, fd, true, &rs, &text), 0);
	snapshot(sc, NULL, after);
	assert_same_snap(before, after);
	assert_true(contains(text, "would rename back "));
	assert_true(contains(text, "/qfU1: from QfU1\n"));
	assert_true(contains(text, "would revert "));
	assert_true(contains(text, "would replace "));
	assert_int_equal(rs.restored, 3);
	free(text);
	file_is(sc, "QfU1", UNDO_A, 0600);
	file_is(sc, "dfU2", UNDO_B, 0600);
	file_is(sc, "qfU3", UNDO_D, 0600);
	/* The undo. */
	assert_int_equal(undo_restore(sc, fd, false, &rs, &text), 0);
	assert_true(contains(text, "renamed back "));
	assert_true(contains(text, "reverted "));
	assert_true(contains(text, "replaced "));
	assert_int_equal(rs.restored, 3);
	assert_int_equal(rs.refused + rs.failed, 0);
	free(text);
	file_is(sc, "qfU1", UNDO_A, 0600);
	assert_true(absent(sc, "QfU1"));
	file_is(sc, "dfU2", UNDO_B, 0640);
	file_is(sc, "qfU3", UNDO_C, 0600);
	assert_true(absent(sc, "tfU3"));
	/* Again: nothing left to do. */
	assert_int_equal(undo_restore(sc, fd, false, &rs, &text), 0);
	assert_int_equal(rs.restored, 0);
	assert_int_equal(rs.already, 3);
	free(text);
	assert_int_equal(close(fd), 0);
	free(before);
	free(after);
}

static void
test_undo_changed_since(void **state)
{
	struct scratch *sc = *state;
	struct arc_restore_stats rs;
	char name[NAME_BUF], *text = NULL;
	int fd, qfd;

	undo_repair(sc, name, sizeof(name));
	/* After the repair someone changed two of its files. */
	qfd = open_dir(sc, "q");
	assert_int_equal(fchmodat(qfd, "dfU2", 0604, 0), 0);
	assert_int_equal(unlinkat(qfd, "qfU3", 0), 0);
	write_at(qfd, "qfU3", "edited by hand\n", 15);
	assert_int_equal(close(qfd), 0);
	fd = open_archive(sc, name);
	assert_int_equal(undo_restore(sc, fd, false, &rs, &text), 1);
	assert_true(contains(text, "/dfU2: changed since the repair: left as "
	    "it is\n"));
	assert_true(contains(text, "/qfU3: exists with other contents (not "
	    "what the repair left): not overwritten\n"));
	assert_int_equal(rs.refused, 2);
	free(text);
	file_is(sc, "dfU2", UNDO_B, 0604);
	file_is(sc, "qfU3", "edited by hand\n", 0600);
	file_is(sc, "qfU1", UNDO_A, 0600);
	assert_int_equal(close(fd), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_restore),
		T(test_restore_twice_is_clean),
		T(test_restore_recorded_path),
		T(test_restore_unknown_queue),
		T(test_restore_conflict),
		T(test_restore_queues),
		T(test_fault_restore),
		T(test_undo),
		T(test_undo_changed_since),
	};

	/* A fault setting inherited from the caller would kill the tests
	 * that make writers. */
	if (unsetenv(FAULT_ENV) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
