/*
 * test_sio.c - safe file I/O (format/sio.c): directories, paths walked a
 * component at a time, entries opened, reads, locks.
 *
 * Every test works in a scratch directory of its own (mkdtemp() under
 * $TMPDIR or /tmp), made by setup() and removed with all it holds by
 * teardown(), which also checks that the test left no descriptor open.
 *
 * Lock, fault-injection and BUG() tests fork.  A child never returns
 * into cmocka: it reports through its exit status and leaves through
 * _exit(); the parent asserts.  Slow pipes and a SIGALRM ticker without
 * SA_RESTART drive the EINTR and short-write paths for real.
 */
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
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sio_fixture.h"

/* ------------------------------------------------------------------ */
/* Small helpers */

/* join - out = a "/" b; fails the test if it does not fit */
static void
join(char *out, size_t outsz, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	assert_true(la + 1 + lb < outsz);
	memcpy(out, a, la + 1);
	out[la] = '/';
	memcpy(out + la + 1, b, lb + 1);
}

/* ------------------------------------------------------------------ */
/* sio_opendirat */

static void
test_opendirat(void **state)
{
	struct scratch *sc = *state;
	struct stat st, ref;
	struct qerr err;
	int fd;

	assert_int_equal(mkdirat(sc->dfd, "d", 0700), 0);
	assert_int_equal(symlinkat("d", sc->dfd, "link"), 0);
	assert_int_equal(symlinkat("nowhere", sc->dfd, "dangling"), 0);
	put_file(sc->dfd, "f", "x");

	memset(&st, 0, sizeof(st));
	fd = sio_opendirat(sc->dfd, "d", &st, &err);
	assert_true(fd >= 0);
	assert_true(is_cloexec(fd));
	ref = lstat_at(sc->dfd, "d");
	assert_true(S_ISDIR(st.st_mode));
	assert_true(same_file(&st, &ref));
	assert_int_equal(close(fd), 0);
	fd = sio_opendirat(sc->dfd, "d", NULL, &err);
	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);

	/* A symlink is ELOOP even though it leads to a directory. */
	assert_fails(sio_opendirat(sc->dfd, "link", &st, &err), &err, ELOOP);
	assert_non_null(strstr(err.msg, "link"));
	assert_fails(sio_opendirat(sc->dfd, "dangling", NULL, &err), &err,
	    ELOOP);
	assert_fails(sio_opendirat(sc->dfd, "f", NULL, &err), &err, ENOTDIR);
	assert_fails(sio_opendirat(sc->dfd, "missing", NULL, &err), &err,
	    ENOENT);
	assert_non_null(strstr(err.msg, "missing"));
	/* One entry only: a '/' would let the kernel follow a symlink in
	 * the middle. */
	assert_fails(sio_opendirat(sc->dfd, "link/.", NULL, &err), &err,
	    EINVAL);
	assert_fails(sio_opendirat(sc->dfd, "", NULL, &err), &err, EINVAL);
}

/* A name with control bytes reaches the message escaped. */
static void
test_message_escapes_names(void **state)
{
	struct scratch *sc = *state;
	struct qerr err;
	const char *p;

	assert_fails(sio_opendirat(sc->dfd, "bad\n\033[2Jname\\", NULL, &err),
	    &err, ENOENT);
	for (p = err.msg; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p <= 0x7e);
	/* By the one rule of esc.h. */
	assert_non_null(strstr(err.msg, "bad\\n\\x1b[2Jname\\\\"));
}

/* ------------------------------------------------------------------ */
/* sio_open_path */

struct visits {
	int n;
	char prefix[MAX_VISITS][PATH_MAX];
	struct stat st[MAX_VISITS];
	const char *stop_at; /* return 1 when visiting this prefix */
};

static struct visits visits;

/* visit - record each directory sio_open_path() opens */
static int
visit(void *arg, const char *prefix, const struct stat *st)
{
	struct visits *v = arg;

	if (v->n >= MAX_VISITS || strlen(prefix) >= PATH_MAX)
		return 1;
	memcpy(v->prefix[v->n], prefix, strlen(prefix) + 1);
	v->st[v->n] = *st;
	v->n++;
	return v->stop_at != NULL && strcmp(prefix, v->stop_at) == 0;
}

/* reset_visits - forget earlier visits; stop at stop_at (or never) */
static struct visits *
reset_visits(const char *stop_at)
{
	memset(&visits, 0, sizeof(visits));
	visits.stop_at = stop_at;
	return &visits;
}

/*
 * assert_visited - the visits were, in order, "/" and every leading
 * part of the clean absolute path `clean`, each with its own fstat().
 */
static void
assert_visited(const char *clean)
{
	char want[PATH_MAX];
	size_t i, len = strlen(clean);
	struct stat st;
	int k = 1;

	assert_true(visits.n > 0);
	assert_string_equal(visits.prefix[0], "/");
	assert_int_equal(lstat("/", &st), 0);
	assert_true(same_file(&visits.st[0], &st));
	for (i = 1; i <= len; i++) {
		if (i < len && clean[i] != '/')
			continue;
		memcpy(want, clean, i);
		want[i] = '\0';
		assert_true(k < visits.n);
		assert_string_equal(visits.prefix[k], want);
		assert_int_equal(lstat(want, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_true(same_file(&visits.st[k], &st));
		k++;
	}
	assert_int_equal(visits.n, k);
}

static void
test_open_path_absolute(void **state)
{
	struct scratch *sc = *state;
	char clean[PATH_MAX], messy[PATH_MAX];
	struct stat st, ref;
	struct qerr err;
	int fd;

	assert_int_equal(mkdirat(sc->dfd, "a", 0700), 0);
	assert_int_equal(mkdirat(sc->dfd, "a/b", 0700), 0);
	join(clean, sizeof(clean), sc->path, "a/b");
	/* Empty and "." components are skipped; prefixes stay clean. */
	join(messy, sizeof(messy), sc->path, "/./a//./b/.//");

	fd = sio_open_path(clean, visit, reset_visits(NULL), &err);
	assert_true(fd >= 0);
	assert_true(is_cloexec(fd));
	assert_int_equal(fstat(fd, &st), 0);
	ref = lstat_at(sc->dfd, "a/b");
	assert_true(same_file(&st, &ref));
	assert_int_equal(close(fd), 0);
	assert_visited(clean);

	fd = sio_open_path(messy, visit, reset_visits(NULL), &err);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(same_file(&st, &ref));
	assert_int_equal(close(fd), 0);
	assert_visited(clean);

	/* "/" alone, and visit may be NULL. */
	fd = sio_open_path("/", visit, reset_visits(NULL), &err);
	assert_true(fd >= 0);
	assert_int_equal(visits.n, 1);
	assert_string_equal(visits.prefix[0], "/");
	assert_int_equal(close(fd), 0);
	fd = sio_open_path(clean, NULL, NULL, &err);
	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);
}

static void
test_open_path_symlinks(void **state)
{
	struct scratch *sc = *state;
	char p[PATH_MAX], named[PATH_MAX];
	struct qerr err;

	assert_int_equal(mkdirat(sc->dfd, "real", 0700), 0);
	assert_int_equal(mkdirat(sc->dfd, "real/x", 0700), 0);
	assert_int_equal(symlinkat("real", sc->dfd, "lnk"), 0);
	assert_int_equal(mkdirat(sc->dfd, "real/x/y", 0700), 0);
	assert_int_equal(symlinkat("y", sc->dfd, "real/x/ylink"), 0);

	/* In the middle of the path. */
	join(p, sizeof(p), sc->path, "lnk/x");
	join(named, sizeof(named), sc->path, "lnk");
	assert_fails(sio_open_path(p, visit, reset_visits(NULL), &err), &err,
	    ELOOP);
	assert_non_null(strstr(err.msg, named));
	assert_string_equal(visits.prefix[visits.n - 1], sc->path);

	/* As the last component. */
	assert_fails(sio_open_path(named, visit, reset_visits(NULL), &err),
	    &err, ELOOP);
	assert_non_null(strstr(err.msg, named));

	/* Deeper, after real directories. */
	join(p, sizeof(p), sc->path, "real/x/ylink");
	assert_fails(sio_open_path(p, NULL, NULL, &err), &err, ELOOP);
	assert_non_null(strstr(err.msg, "real/x/ylink"));
}

/* Links the walk below may follow: those whose target has no "bad". */
static int links_asked;
static char last_link[PATH_MAX];

/* link_ok_unless_bad - sio_link_ok_fn: refuse targets naming "bad" */
static bool
link_ok_unless_bad(void *arg, const char *prefix, const struct stat *link_st,
    const struct stat *parent_st, const char *target)
{
	(void)arg;
	assert_true(S_ISLNK(link_st->st_mode));
	assert_true(S_ISDIR(parent_st->st_mode));
	links_asked++;
	(void)snprintf(last_link, sizeof(last_link), "%s", prefix);
	return strstr(target, "bad") == NULL;
}

static void
test_open_path_links(void **state)
{
	struct scratch *sc = *state;
	char p[PATH_MAX], abs_target[PATH_MAX];
	struct stat st, ref;
	struct qerr err;
	int fd, i;

	assert_int_equal(mkdirat(sc->dfd, "real", 0700), 0);
	assert_int_equal(mkdirat(sc->dfd, "real/q", 0700), 0);
	assert_int_equal(mkdirat(sc->dfd, "other", 0700), 0);
	ref = lstat_at(sc->dfd, "real/q");
	/* A relative link in the middle, one with "..", an absolute one. */
	assert_int_equal(symlinkat("real", sc->dfd, "rel"), 0);
	assert_int_equal(symlinkat("../real/q", sc->dfd, "other/up"), 0);
	join(abs_target, sizeof(abs_target), sc->path, "real");
	assert_int_equal(symlinkat(abs_target, sc->dfd, "abs"), 0);
	assert_int_equal(symlinkat("badplace", sc->dfd, "bad"), 0);
	assert_int_equal(symlinkat("loop", sc->dfd, "loop"), 0);

	join(p, sizeof(p), sc->path, "rel/q");
	links_asked = 0;
	fd = sio_open_path_links(AT_FDCWD, p, visit, link_ok_unless_bad,
	    reset_visits(NULL), &err);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(same_file(&st, &ref));
	assert_int_equal(close(fd), 0);
	assert_int_equal(links_asked, 1);
	join(p, sizeof(p), sc->path, "rel");
	assert_string_equal(last_link, p);
	/* Every directory on the resolved way was visited, the link not. */
	join(p, sizeof(p), sc->path, "real/q");
	assert_visited(p);

	/* ".." inside a target is the physical parent. */
	join(p, sizeof(p), sc->path, "other/up");
	fd = sio_open_path_links(AT_FDCWD, p, NULL, link_ok_unless_bad, NULL,
	    &err);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(same_file(&st, &ref));
	assert_int_equal(close(fd), 0);

	/* An absolute target restarts at "/", which is visited again. */
	join(p, sizeof(p), sc->path, "abs/q");
	fd = sio_open_path_links(AT_FDCWD, p, visit, link_ok_unless_bad,
	    reset_visits(NULL), &err);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(same_file(&st, &ref));
	assert_int_equal(close(fd), 0);
	for (i = 1; i < visits.n; i++)
		if (strcmp(visits.prefix[i], "/") == 0)
			break;
	assert_true(i < visits.n);

	/* Relative to a directory fd, starting with a link. */
	fd = sio_open_path_links(sc->dfd, "rel/q", NULL, link_ok_unless_bad,
	    NULL, &err);
	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);

	/* A link link_ok() refuses, or none allowed: ELOOP, named. */
	join(p, sizeof(p), sc->path, "bad");
	assert_fails(sio_open_path_links(AT_FDCWD, p, NULL, link_ok_unless_bad,
			 NULL, &err), &err, ELOOP);
	assert_non_null(strstr(err.msg, p));
	assert_string_equal(last_link, p);
	join(p, sizeof(p), sc->path, "rel/q");
	assert_fails(sio_open_path_links(AT_FDCWD, p, NULL, NULL, NULL, &err),
	    &err, ELOOP);
	/* A loop stops after SIO_MAX_LINKS. */
	links_asked = 0;
	join(p, sizeof(p), sc->path, "loop");
	assert_fails(sio_open_path_links(AT_FDCWD, p, NULL, link_ok_unless_bad,
			 NULL, &err), &err, ELOOP);
	assert_int_equal(links_asked, SIO_MAX_LINKS);
	/* ".." in the path given is still refused. */
	join(p, sizeof(p), sc->path, "real/../real");
	assert_fails(sio_open_path_links(AT_FDCWD, p, NULL, link_ok_unless_bad,
			 NULL, &err), &err, EINVAL);
}

static void
test_open_path_refusals(void **state)
{
	struct scratch *sc = *state;
	char p[PATH_MAX], stop[PATH_MAX], *big;
	struct qerr err;

	assert_int_equal(mkdirat(sc->dfd, "a", 0700), 0);
	assert_int_equal(mkdirat(sc->dfd, "a/b", 0700), 0);
	put_file(sc->dfd, "f", "x");

	/* ".." is refused, not resolved. */
	join(p, sizeof(p), sc->path, "a/../a");
	assert_fails(sio_open_path(p, NULL, NULL, &err), &err, EINVAL);
	assert_non_null(strstr(err.msg, ".."));
	assert_fails(sio_open_path("../x", NULL, NULL, &err), &err, EINVAL);

	/* A non-directory and a missing component name themselves. */
	join(p, sizeof(p), sc->path, "f/x");
	assert_fails(sio_open_path(p, NULL, NULL, &err), &err, ENOTDIR);
	join(stop, sizeof(stop), sc->path, "f");
	assert_non_null(strstr(err.msg, stop));
	join(p, sizeof(p), sc->path, "a/missing/b");
	assert_fails(sio_open_path(p, NULL, NULL, &err), &err, ENOENT);
	assert_non_null(strstr(err.msg, "a/missing"));

	/* visit returning non-zero stops the walk there. */
	join(p, sizeof(p), sc->path, "a/b");
	join(stop, sizeof(stop), sc->path, "a");
	assert_fails(sio_open_path(p, visit, reset_visits(stop), &err), &err,
	    ECANCELED);
	assert_string_equal(visits.prefix[visits.n - 1], stop);

	/* Too long, and empty. */
	big = malloc(PATH_MAX + 1);
	assert_non_null(big);
	memset(big, 'a', PATH_MAX);
	big[0] = '/';
	big[PATH_MAX] = '\0';
	assert_fails(sio_open_path(big, NULL, NULL, &err), &err,
	    ENAMETOOLONG);
	free(big);
	assert_fails(sio_open_path("", NULL, NULL, &err), &err, ENOENT);
}

static void
test_open_path_relative(void **state)
{
	struct scratch *sc = *state;
	struct stat st, ref;
	struct qerr err;
	int cwd, fd;

	assert_int_equal(mkdirat(sc->dfd, "a", 0700), 0);
	assert_int_equal(mkdirat(sc->dfd, "a/b", 0700), 0);
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(cwd >= 0);
	assert_int_equal(fchdir(sc->dfd), 0);

	fd = sio_open_path("./a//b/", visit, reset_visits(NULL), &err);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	ref = lstat_at(sc->dfd, "a/b");
	assert_true(same_file(&st, &ref));
	assert_int_equal(close(fd), 0);
	assert_int_equal(visits.n, 2);
	assert_string_equal(visits.prefix[0], "a");
	assert_string_equal(visits.prefix[1], "a/b");
	ref = lstat_at(sc->dfd, "a");
	assert_true(same_file(&visits.st[0], &ref));

	/* Only "." components: the current directory, visited as ".". */
	fd = sio_open_path(".//.", visit, reset_visits(NULL), &err);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(fstat(sc->dfd, &ref), 0);
	assert_true(same_file(&st, &ref));
	assert_int_equal(close(fd), 0);
	assert_int_equal(visits.n, 1);
	assert_string_equal(visits.prefix[0], ".");

	assert_int_equal(symlinkat("a", sc->dfd, "l"), 0);
	assert_fails(sio_open_path("l/b", NULL, NULL, &err), &err, ELOOP);
	assert_non_null(strstr(err.msg, "l: "));

	assert_int_equal(fchdir(cwd), 0);
	assert_int_equal(close(cwd), 0);
}

/* ------------------------------------------------------------------ */
/* sio_open_entry */

static void
test_open_entry_regular(void **state)
{
	struct scratch *sc = *state;
	struct stat seen, st;
	struct qerr err;
	char buf[8];
	int fd;

	put_file(sc->dfd, "qf1", "V8\n");
	seen = lstat_at(sc->dfd, "qf1");
	fd = sio_open_entry(sc->dfd, "qf1", &seen, &st, &err);
	assert_true(fd >= 0);
	assert_true(is_cloexec(fd));
	assert_true(same_file(&st, &seen));
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(read(fd, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "V8\n", 3);
	/* Opened read-only. */
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_int_equal(close(fd), 0);
	fd = sio_open_entry(sc->dfd, "qf1", &seen, NULL, &err);
	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);

	/* One entry only, never a path. */
	assert_int_equal(mkdirat(sc->dfd, "sub", 0700), 0);
	assert_fails(sio_open_entry(sc->dfd, "sub/../qf1", &seen, NULL, &err),
	    &err, EINVAL);

	/* Vanished since the scan. */
	assert_int_equal(unlinkat(sc->dfd, "qf1", 0), 0);
	assert_fails(sio_open_entry(sc->dfd, "qf1", &seen, NULL, &err), &err,
	    ENOENT);
}

static void
test_open_entry_not_regular(void **state)
{
	struct scratch *sc = *state;
	struct stat seen;
	struct qerr err;

	assert_int_equal(mkfifoat(sc->dfd, "fifo", 0600), 0);
	assert_int_equal(mkdirat(sc->dfd, "dir", 0700), 0);
	put_file(sc->dfd, "target", "x");
	assert_int_equal(symlinkat("target", sc->dfd, "link"), 0);

	/* A FIFO: if it were opened without O_NONBLOCK this would hang;
	 * the alarm turns a hang into a failure instead of a stuck run. */
	seen = lstat_at(sc->dfd, "fifo");
	(void)alarm(10);
	assert_fails(sio_open_entry(sc->dfd, "fifo", &seen, NULL, &err),
	    &err, EINVAL);
	(void)alarm(0);
	/* Nothing is even tried: the same `seen` for a name that does not
	 * exist still gives EINVAL, not open's ENOENT. */
	assert_fails(sio_open_entry(sc->dfd, "nothing", &seen, NULL, &err),
	    &err, EINVAL);

	seen = lstat_at(sc->dfd, "link");
	assert_true(S_ISLNK(seen.st_mode));
	assert_fails(sio_open_entry(sc->dfd, "link", &seen, NULL, &err), &err,
	    EINVAL);
	seen = lstat_at(sc->dfd, "dir");
	assert_fails(sio_open_entry(sc->dfd, "dir", &seen, NULL, &err), &err,
	    EINVAL);
}

static void
test_open_entry_swapped(void **state)
{
	struct scratch *sc = *state;
	struct stat seen;
	struct qerr err;

	/* Renamed over after the scan.  The old file is kept under another
	 * name so that its inode number cannot be reused for the new one. */
	put_file(sc->dfd, "qf1", "old");
	seen = lstat_at(sc->dfd, "qf1");
	assert_int_equal(renameat(sc->dfd, "qf1", sc->dfd, "keep1"), 0);
	put_file(sc->dfd, "other", "new");
	assert_int_equal(renameat(sc->dfd, "other", sc->dfd, "qf1"), 0);
	assert_fails(sio_open_entry(sc->dfd, "qf1", &seen, NULL, &err), &err,
	    ESTALE);
	assert_non_null(strstr(err.msg, "qf1"));

	/* Replaced by a symlink (to the very file that was seen). */
	put_file(sc->dfd, "qf2", "old");
	seen = lstat_at(sc->dfd, "qf2");
	assert_int_equal(renameat(sc->dfd, "qf2", sc->dfd, "keep2"), 0);
	assert_int_equal(symlinkat("keep2", sc->dfd, "qf2"), 0);
	assert_fails(sio_open_entry(sc->dfd, "qf2", &seen, NULL, &err), &err,
	    ELOOP);

	/* Replaced by a FIFO: opened without blocking, then refused. */
	put_file(sc->dfd, "qf3", "old");
	seen = lstat_at(sc->dfd, "qf3");
	assert_int_equal(renameat(sc->dfd, "qf3", sc->dfd, "keep3"), 0);
	assert_int_equal(mkfifoat(sc->dfd, "qf3", 0600), 0);
	(void)alarm(10);
	assert_fails(sio_open_entry(sc->dfd, "qf3", &seen, NULL, &err), &err,
	    EINVAL);
	(void)alarm(0);
}

/* put_pattern - dfd/name holds n bytes of a known pattern */
static void
put_pattern(int dfd, const char *name, size_t n)
{
	struct qerr err;
	unsigned char *p;
	size_t i;
	int fd;

	p = malloc(n);
	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 7 + (i >> 9));
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(sio_write_all(fd, p, n, &err), 0);
	assert_int_equal(close(fd), 0);
	free(p);
}

/* pattern_ok - p[0..n) is the start of put_pattern()'s pattern */
static bool
pattern_ok(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 7 + (i >> 9)))
			return false;
	return true;
}

/* sio_read_sized: the size ends a read only when a short read brings the
 * bytes to exactly it.  A non-blocking pipe shows each further read():
 * one more on an empty pipe fails with EAGAIN. */
static void
test_read_sized(void **state)
{
	struct scratch *sc = *state;
	struct sio_buf b = { NULL, 0, 0 };
	struct qerr err;
	bool trunc = true;
	int fd, p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(write(p[1], "hello", 5), 5);
	assert_int_equal(sio_read_sized(p[0], &b, 1024, 5, &trunc, &err), 0);
	assert_false(trunc);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "hello", 5);
	/* Short of the size, or past it: read on (here: EAGAIN). */
	assert_int_equal(write(p[1], "hello", 5), 5);
	assert_int_equal(sio_read_sized(p[0], &b, 1024, 7, &trunc, &err), -1);
	assert_int_equal(err.sys_errno, EAGAIN);
	assert_int_equal(write(p[1], "hello", 5), 5);
	assert_int_equal(sio_read_sized(p[0], &b, 1024, 3, &trunc, &err), -1);
	assert_int_equal(err.sys_errno, EAGAIN);
	assert_int_equal(close(p[0]), 0);
	assert_int_equal(close(p[1]), 0);

	/* A size that is wrong (the file changed since its fstat) costs a
	 * read, never a byte. */
	put_file(sc->dfd, "small", "hello, world\n");
	fd = open_ro(sc->dfd, "small");
	assert_int_equal(sio_read_sized(fd, &b, 1024, 5, &trunc, &err), 0);
	assert_int_equal(b.len, 13);
	assert_memory_equal(b.data, "hello, world\n", 13);
	assert_int_equal(close(fd), 0);
	/* The limit still truncates. */
	fd = open_ro(sc->dfd, "small");
	assert_int_equal(sio_read_sized(fd, &b, 5, 13, &trunc, &err), 0);
	assert_true(trunc);
	assert_int_equal(b.len, 5);
	assert_int_equal(close(fd), 0);
	sio_buf_free(&b);
}

static void
test_read_sizes(void **state)
{
	struct scratch *sc = *state;
	struct sio_buf b = { NULL, 0, 0 };
	struct qerr err;
	bool trunc;
	int fd;

	put_file(sc->dfd, "small", "hello, world\n");
	fd = open_ro(sc->dfd, "small");
	trunc = true;
	assert_int_equal(sio_read(fd, &b, 1024, &trunc, &err), 0);
	assert_false(trunc);
	assert_int_equal(b.len, 13);
	assert_memory_equal(b.data, "hello, world\n", 13);
	/* From the current offset. */
	assert_int_equal(lseek(fd, 7, SEEK_SET), 7);
	assert_int_equal(sio_read(fd, &b, 1024, NULL, &err), 0);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "world\n", 6);
	assert_int_equal(close(fd), 0);

	/* Exactly limit bytes: nothing left, so not truncated. */
	fd = open_ro(sc->dfd, "small");
	assert_int_equal(sio_read(fd, &b, 13, &trunc, &err), 0);
	assert_false(trunc);
	assert_int_equal(b.len, 13);
	assert_int_equal(close(fd), 0);

	/* A limit below the first allocation is not exceeded either. */
	sio_buf_free(&b);
	fd = open_ro(sc->dfd, "small");
	assert_int_equal(sio_read(fd, &b, 5, &trunc, &err), 0);
	assert_true(trunc);
	assert_int_equal(b.len, 5);
	assert_true(b.cap <= 5);
	assert_memory_equal(b.data, "hello", 5);
	assert_int_equal(close(fd), 0);

	/* Larger than limit: exactly limit bytes, and the buffer never
	 * grows past limit. */
	put_pattern(sc->dfd, "big", 100000);
	sio_buf_free(&b);
	fd = open_ro(sc->dfd, "big");
	assert_int_equal(sio_read(fd, &b, 10007, &trunc, &err), 0);
	assert_true(trunc);
	assert_int_equal(b.len, 10007);
	assert_true(b.cap <= 10007);
	assert_true(pattern_ok(b.data, b.len));
	assert_int_equal(close(fd), 0);

	/* Empty file, and a limit of 0. */
	put_file(sc->dfd, "empty", "");
	fd = open_ro(sc->dfd, "empty");
	trunc = true;
	assert_int_equal(sio_read(fd, &b, 1024, &trunc, &err), 0);
	assert_false(trunc);
	assert_int_equal(b.len, 0);
	assert_int_equal(close(fd), 0);
	fd = open_ro(sc->dfd, "small");
	assert_int_equal(sio_read(fd, &b, 0, &trunc, &err), 0);
	assert_true(trunc);
	assert_int_equal(b.len, 0);
	assert_int_equal(close(fd), 0);
	sio_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void
test_read_reuse_and_errors(void **state)
{
	struct scratch *sc = *state;
	struct sio_buf b = { NULL, 0, 0 };
	struct qerr err;
	unsigned char *first;
	size_t cap;
	bool trunc;
	int fd;

	put_pattern(sc->dfd, "big", 300000);
	put_file(sc->dfd, "small", "abc");
	fd = open_ro(sc->dfd, "big");
	assert_int_equal(sio_read(fd, &b, MIB, &trunc, &err), 0);
	assert_false(trunc);
	assert_int_equal(b.len, 300000);
	assert_true(pattern_ok(b.data, b.len));
	assert_int_equal(close(fd), 0);
	first = b.data;
	cap = b.cap;

	/* The second file replaces the first in the same allocation. */
	fd = open_ro(sc->dfd, "small");
	assert_int_equal(sio_read(fd, &b, MIB, &trunc, &err), 0);
	assert_int_equal(close(fd), 0);
	assert_false(trunc);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "abc", 3);
	assert_ptr_equal(b.data, first);
	assert_int_equal(b.cap, cap);
	sio_buf_free(&b);
	sio_buf_free(&b);
	assert_null(b.data);

	/* Usable again after sio_buf_free(). */
	fd = open_ro(sc->dfd, "small");
	assert_int_equal(sio_read(fd, &b, MIB, &trunc, &err), 0);
	assert_int_equal(b.len, 3);
	/* Errors: a directory, a closed descriptor. */
	assert_fails(sio_read(sc->dfd, &b, MIB, &trunc, &err), &err, EISDIR);
	assert_int_equal(close(fd), 0);
	assert_fails(sio_read(fd, &b, MIB, &trunc, &err), &err, EBADF);
	sio_buf_free(&b);
}

/* A 1 GiB file read with a 1 MiB limit costs 1 MiB, not 1 GiB. */
static void
test_read_huge_sparse(void **state)
{
	struct scratch *sc = *state;
	struct sio_buf b = { NULL, 0, 0 };
	struct qerr err;
	bool trunc = false;
	size_t i;
	int fd;

	fd = openat(sc->dfd, "huge", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)1 << 30), 0);
	assert_int_equal(sio_read(fd, &b, MIB, &trunc, &err), 0);
	assert_true(trunc);
	assert_int_equal(b.len, MIB);
	assert_true(b.cap <= 2 * MIB);
	for (i = 0; i < b.len; i++)
		if (b.data[i] != 0)
			fail_msg("byte %zu of a hole is %d", i, b.data[i]);
	assert_int_equal(close(fd), 0);
	sio_buf_free(&b);
}

/* slow_writer - child: write n pattern bytes to fd in pieces, pausing */
static int
slow_writer(int fd, size_t n)
{
	unsigned char chunk[4096];
	size_t done = 0, i, k;

	nap(30);
	while (done < n) {
		k = n - done < sizeof(chunk) ? n - done : sizeof(chunk);
		for (i = 0; i < k; i++)
			chunk[i] = (unsigned char)((done + i) * 7 +
			    ((done + i) >> 9));
		if (write(fd, chunk, k) != (ssize_t)k)
			return 1;
		done += k;
		nap(1);
	}
	return close(fd) == 0 ? 0 : 2;
}

static void
test_read_interrupted(void **state)
{
	enum { N = 256 * 1024 };
	struct sio_buf b = { NULL, 0, 0 };
	struct sigaction saved;
	struct qerr err;
	bool trunc = true;
	pid_t pid;
	int p[2], r;

	(void)state;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		(void)close(p[0]);
		_exit(slow_writer(p[1], N));
	}
	assert_int_equal(close(p[1]), 0);
	ticker(true, &saved);
	r = sio_read(p[0], &b, MIB, &trunc, &err);
	ticker(false, &saved);
	assert_int_equal(r, 0);
	assert_int_equal(reap(pid), 0);
	assert_true(ticks > 0);
	assert_false(trunc);
	assert_int_equal(b.len, N);
	assert_true(pattern_ok(b.data, b.len));
	assert_int_equal(close(p[0]), 0);
	sio_buf_free(&b);
}

enum hold_kind { HOLD_FLOCK_EX, HOLD_FLOCK_SH, HOLD_FCNTL_WR };

/* A child holding a lock until told to go. */
struct holder {
	pid_t pid;
	int go; /* write a byte here to release it */
};

/* hold_lock - in the child: lock dfd/name, say so on ready, wait on go */
static int
hold_lock(int dfd, const char *name, enum hold_kind kind, int ready, int go)
{
	struct flock fl;
	char c;
	int fd, r;

	fd = openat(dfd, name, (kind == HOLD_FCNTL_WR ? O_RDWR : O_RDONLY) |
	    O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 2;
	if (kind == HOLD_FCNTL_WR) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		r = fcntl(fd, F_SETLK, &fl);
	} else {
		r = flock(fd, (kind == HOLD_FLOCK_EX ? LOCK_EX : LOCK_SH) |
		    LOCK_NB);
	}
	if (r != 0 || write(ready, "r", 1) != 1)
		return 3;
	while (read(go, &c, 1) < 0 && errno == EINTR)
		continue;
	return close(fd) == 0 ? 0 : 4;
}

/* holder_start - fork a child holding `kind` on dfd/name */
static void
holder_start(struct holder *h, int dfd, const char *name,
    enum hold_kind kind)
{
	int ready[2], go[2];
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	h->pid = fork();
	assert_true(h->pid >= 0);
	if (h->pid == 0) {
		(void)close(ready[0]);
		(void)close(go[1]);
		_exit(hold_lock(dfd, name, kind, ready[1], go[0]));
	}
	assert_int_equal(close(ready[1]), 0);
	assert_int_equal(close(go[0]), 0);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(close(ready[0]), 0);
	h->go = go[1];
}

/* holder_stop - release the holder and check it exited cleanly */
static void
holder_stop(struct holder *h)
{
	assert_int_equal(write(h->go, "g", 1), 1);
	assert_int_equal(close(h->go), 0);
	assert_int_equal(reap(h->pid), 0);
}

/* open_rw - open dfd/name read-write */
static int
open_rw(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

/* Another process's flock LOCK_EX: sendmail working on the job. */
static void
test_lock_flock_holder(void **state)
{
	struct scratch *sc = *state;
	struct holder h;
	struct qerr err;
	int ro, rw;

	put_file(sc->dfd, "qf", "V8\n");
	ro = open_ro(sc->dfd, "qf");
	rw = open_rw(sc->dfd, "qf");
	holder_start(&h, sc->dfd, "qf", HOLD_FLOCK_EX);
	assert_int_equal(sio_lock_probe(ro, &err), SIO_LOCKED);
	assert_int_equal(sio_lock_ex(ro, &err), SIO_LOCKED);
	assert_int_equal(sio_lock_ex(rw, &err), SIO_LOCKED);
	assert_int_equal(sio_lock_job(ro, &err), SIO_LOCKED);
	assert_int_equal(sio_lock_job(rw, &err), SIO_LOCKED);
	/* The refused sio_lock_ex(rw), sio_lock_job(rw) left no fcntl
	 * lock behind. */
	assert_int_equal(in_child(sc->dfd, "qf", OP_FCNTL_WR), R_FREE);
	holder_stop(&h);

	assert_int_equal(sio_lock_probe(ro, &err), SIO_UNLOCKED);
	assert_int_equal(sio_lock_ex(ro, &err), 0);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FLOCK_EX), R_LOCKED);
	assert_int_equal(in_child(sc->dfd, "qf", OP_PROBE), R_LOCKED);
	assert_int_equal(close(ro), 0);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FLOCK_EX), R_FREE);
	assert_int_equal(close(rw), 0);
}

/* A shared flock (another gatherq() probing) is not "in use". */
static void
test_lock_flock_shared_holder(void **state)
{
	struct scratch *sc = *state;
	struct holder h;
	struct qerr err;
	int ro;

	put_file(sc->dfd, "qf", "V8\n");
	ro = open_ro(sc->dfd, "qf");
	holder_start(&h, sc->dfd, "qf", HOLD_FLOCK_SH);
	assert_int_equal(sio_lock_probe(ro, &err), SIO_UNLOCKED);
	/* But the exclusive lock cannot be had while it lasts. */
	assert_int_equal(sio_lock_ex(ro, &err), SIO_LOCKED);
	assert_int_equal(sio_lock_job(ro, &err), SIO_LOCKED);
	holder_stop(&h);
	assert_int_equal(sio_lock_job(ro, &err), 0);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FLOCK_EX), R_LOCKED);
	assert_int_equal(close(ro), 0);
}

/* Another process's fcntl F_WRLCK: a sendmail built without HASFLOCK. */
static void
test_lock_fcntl_holder(void **state)
{
	struct scratch *sc = *state;
	struct holder h;
	struct qerr err;
	int ro, rw;

	put_file(sc->dfd, "qf", "V8\n");
	ro = open_ro(sc->dfd, "qf");
	rw = open_rw(sc->dfd, "qf");
	holder_start(&h, sc->dfd, "qf", HOLD_FCNTL_WR);
	assert_int_equal(sio_lock_probe(ro, &err), SIO_LOCKED);
	assert_int_equal(sio_lock_probe(rw, &err), SIO_LOCKED);
	/* On a writable fd the fcntl lock conflicts, and the flock taken
	 * first is released again. */
	assert_int_equal(sio_lock_ex(rw, &err), SIO_LOCKED);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FLOCK_EX), R_FREE);
	/* sio_lock_job() asks on a read-only fd too, and lets go of its
	 * flock; on a writable one it is refused as sio_lock_ex(). */
	assert_int_equal(sio_lock_job(ro, &err), SIO_LOCKED);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FLOCK_EX), R_FREE);
	assert_int_equal(sio_lock_job(rw, &err), SIO_LOCKED);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FLOCK_EX), R_FREE);
	/* On a read-only fd only the flock is taken. */
	assert_int_equal(sio_lock_ex(ro, &err), 0);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FLOCK_EX), R_LOCKED);
	assert_int_equal(close(ro), 0);
	holder_stop(&h);

	assert_int_equal(sio_lock_probe(rw, &err), SIO_UNLOCKED);
	assert_int_equal(sio_lock_ex(rw, &err), 0);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FCNTL_WR), R_LOCKED);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FLOCK_EX), R_LOCKED);
	assert_int_equal(close(rw), 0);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FCNTL_WR), R_FREE);
	/* Free: sio_lock_job() on a writable fd holds both locks. */
	rw = open_rw(sc->dfd, "qf");
	assert_int_equal(sio_lock_job(rw, &err), 0);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FCNTL_WR), R_LOCKED);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FLOCK_EX), R_LOCKED);
	assert_int_equal(close(rw), 0);
}

/* While we hold sio_lock_ex(), another process sees the job in use. */
static void
test_lock_ex_seen_by_others(void **state)
{
	struct scratch *sc = *state;
	struct qerr err;
	int rw;

	put_file(sc->dfd, "qf", "V8\n");
	rw = open_rw(sc->dfd, "qf");
	assert_int_equal(sio_lock_ex(rw, &err), 0);
	assert_int_equal(in_child(sc->dfd, "qf", OP_PROBE), R_LOCKED);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FLOCK_EX), R_LOCKED);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FCNTL_WR), R_LOCKED);
	assert_int_equal(close(rw), 0);
	assert_int_equal(in_child(sc->dfd, "qf", OP_PROBE), R_FREE);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FLOCK_EX), R_FREE);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FCNTL_WR), R_FREE);
}

/* A probe changes nothing lasting, on a read-only or a writable fd. */
static void
test_lock_probe_leaves_nothing(void **state)
{
	struct scratch *sc = *state;
	struct qerr err;
	int ro, rw;

	put_file(sc->dfd, "qf", "V8\n");
	ro = open_ro(sc->dfd, "qf");
	rw = open_rw(sc->dfd, "qf");
	assert_int_equal(sio_lock_probe(ro, &err), SIO_UNLOCKED);
	assert_int_equal(sio_lock_probe(rw, &err), SIO_UNLOCKED);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FLOCK_EX), R_FREE);
	assert_int_equal(in_child(sc->dfd, "qf", OP_FCNTL_WR), R_FREE);
	assert_int_equal(close(ro), 0);
	assert_int_equal(close(rw), 0);
	assert_fails(sio_lock_probe(ro, &err), &err, EBADF);
	assert_fails(sio_lock_ex(ro, &err), &err, EBADF);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_opendirat),
		T(test_message_escapes_names),
		T(test_open_path_absolute),
		T(test_open_path_symlinks),
		T(test_open_path_links),
		T(test_open_path_refusals),
		T(test_open_path_relative),
		T(test_open_entry_regular),
		T(test_open_entry_not_regular),
		T(test_open_entry_swapped),
		T(test_read_sizes),
		T(test_read_sized),
		T(test_read_reuse_and_errors),
		T(test_read_huge_sparse),
		T(test_read_interrupted),
		T(test_lock_flock_holder),
		T(test_lock_flock_shared_holder),
		T(test_lock_fcntl_holder),
		T(test_lock_ex_seen_by_others),
		T(test_lock_probe_leaves_nothing),
	};

	/* A fault setting inherited from the caller would kill the tests
	 * that make writers; a dead holder child must not kill us. */
	if (unsetenv(FAULT_ENV) != 0 || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
