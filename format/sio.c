/*
 * sio.c - safe file I/O on a queue that may hold hostile files: opening,
 * walking paths, reading and locks here; every change in sio_write.c.
 *
 * Invariants (see sio.h for the contract of each function):
 *  - Every open is an openat() relative to a directory fd, with
 *    O_NOFOLLOW|O_CLOEXEC, and is fstat()ed before use.  A symbolic link
 *    is never followed: a directory walk goes one component at a time.
 *    An entry name must be a single component (no '/'), because
 *    O_NOFOLLOW only guards the last component of a path.
 *  - A non-regular entry is refused from the scan's lstat information
 *    before open is called: a FIFO would block, a device open can have
 *    side effects.  The fstat after the open must show the same st_dev
 *    and st_ino, as sendmail's readqf() compares stat() and fstat() to
 *    catch a file swapped after the scan.
 *  - Reads are bounded: sio_read() allocates at most max(limit, what the
 *    buffer already had) bytes, growing geometrically.
 *  - Every return value is checked.  A close() on an error path, where a
 *    more useful failure is already recorded, is deliberately ignored.
 *  - Names reach messages only through siop_msg_name(), which escapes every
 *    byte a terminal could act on: the names come from the queue.
 *
 * The writer.  A struct sio_writer is the only way to change the file
 * system through this module.  Exactly these calls are counted, each
 * just before it is issued, whether it then succeeds or fails:
 *   1. openat(O_CREAT|O_EXCL) of sio_replace()'s temporary file;
 *   2. fchown() of it (unless both uid and gid are -1);
 *   3. fchmod() of it;
 *   4. renameat() of the temporary file over the target;
 * and each of sio_unlink(), sio_rmdir(), sio_rename(), sio_fchown(),
 * sio_fchmod(), sio_futimens(), sio_mkdirat(), sio_tmp_create(), and
 * the linkat() (and, for a named temporary file, the unlinkat()) of
 * sio_tmp_publish().
 * So a successful sio_replace() counts 3 calls, or 4 with an owner.
 * Not counted: flock() and fcntl() locks, the writes of the fill
 * callback (sio_write_all() takes no writer), fsync() of the file and
 * of the directory (they make durable what a counted call did), and the
 * unlinkat() that removes our own temporary file after a failed
 * sio_replace() (part of the failed operation, not a new change).
 * With fail_after = n (sio_writer_fail_after(), or MQFSCK_FAULT_AFTER in
 * the environment when the writer is made), the (n+1)-th counted call
 * is not made: the process kills itself with SIGKILL, which nothing can
 * catch, so the tests see exactly the state a crash at that point
 * leaves.  For sio_replace() without an owner: n = 1 leaves an empty
 * temporary file; n = 2 leaves the complete, fsync()ed temporary file
 * next to the untouched original; n >= 3 completes.
 * With MQFSCK_FAULT_SIGNAL=INT as well, the process raises SIGINT there
 * instead, once, and goes on: the tests see what an operator's ^C at
 * that point does (the run stops at its next safe point).  =ALRM raises
 * SIGALRM, which mqfsck takes as its time limit passing there.
 *
 * Allocation: sio_read() owns b->data (released by sio_buf_free());
 * sio_writer_new() allocates the writer (released by sio_writer_free()).
 * Nothing else allocates.  File descriptors returned belong to the
 * caller; every other descriptor opened here is closed before return.
 */
/* renameat2(), O_TMPFILE and AT_EMPTY_PATH are Linux interfaces. */
#define _GNU_SOURCE 1

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esc.h"
#include "sio_private.h"

#define READ_CHUNK_MIN 4096	  /* first allocation of a read buffer */

/* ------------------------------------------------------------------ */
/* Helpers */

/*
 * siop_msg_name - s escaped for a message into out by the one rule (esc.h);
 * when it does not fit, the end is kept behind "...": in a path the
 * failing component is last.
 */
const char *
siop_msg_name(const char *s, char *out, size_t outsz)
{
	return esc_tail(out, outsz, s);
}

/* siop_entry_name_ok - name is one directory entry: non-empty, no '/' */
bool
siop_entry_name_ok(const char *name, struct qerr *err)
{
	char vis[MSG_NAME_MAX];

	if (name[0] != '\0' && strchr(name, '/') == NULL)
		return true;
	qerr_set(err, EINVAL, "%s: not a single directory entry name",
	    siop_msg_name(name, vis, sizeof(vis)));
	return false;
}

/* siop_close_quietly - close an fd on a failure path; the first error stands */
void
siop_close_quietly(int fd)
{
	/* The fd was read-only, or the operation already failed and that
	 * failure is what gets reported; Linux never needs close retried. */
	(void)close(fd);
}

/* siop_flock_retry - flock(2), retrying EINTR */
int
siop_flock_retry(int fd, int op)
{
	int r;

	do
		r = flock(fd, op);
	while (r < 0 && errno == EINTR);
	return r;
}

int
sio_fsync_retry(int fd)
{
	int r;

	do
		r = fsync(fd);
	while (r < 0 && errno == EINTR);
	return r;
}

/* whole_file_lock - a struct flock covering the whole file */
static struct flock
whole_file_lock(short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 0; /* 0: to the end of the file, however it grows */
	return fl;
}

/* ------------------------------------------------------------------ */
/* Reading */

/*
 * open_dir - the open of sio_opendirat(), without the name check (the
 * walk in sio_open_path() also opens "/" and ".").
 */
static int
open_dir(int dirfd, const char *name, struct stat *st, struct qerr *err)
{
	char vis[MSG_NAME_MAX];
	struct stat sb;
	int fd, e, ret = -1;

	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		/* Linux checks O_DIRECTORY before O_NOFOLLOW: a symlink,
		 * even to a directory, fails with ENOTDIR.  Tell it apart,
		 * since a symlink in a queue path is a different finding. */
		if (e == ENOTDIR &&
		    fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(sb.st_mode))
			e = ELOOP;
		qerr_set(err, e, "open directory %s: %s",
		    siop_msg_name(name, vis, sizeof(vis)), strerror(e));
		goto out;
	}
	if (fstat(fd, &sb) < 0) {
		e = errno;
		qerr_set(err, e, "fstat directory %s: %s",
		    siop_msg_name(name, vis, sizeof(vis)), strerror(e));
		goto out;
	}
	if (!S_ISDIR(sb.st_mode)) {
		/* O_DIRECTORY promises this; checked all the same. */
		qerr_set(err, ENOTDIR, "open directory %s: %s",
		    siop_msg_name(name, vis, sizeof(vis)), strerror(ENOTDIR));
		goto out;
	}
	if (st != NULL)
		*st = sb;
	ret = fd;
	fd = -1;
out:
	if (fd >= 0)
		siop_close_quietly(fd);
	return ret;
}

/* sio_opendirat - open a directory entry as a directory, no symlinks */
int
sio_opendirat(int dirfd, const char *name, struct stat *st,
    struct qerr *err)
{
	REQUIRE(name != NULL);
	if (!siop_entry_name_ok(name, err))
		return -1;
	return open_dir(dirfd, name, st, err);
}

/* walk_fail - sio_open_path()'s message: the path so far, then why */
static void
walk_fail(struct qerr *err, int e, const char *prefix, const char *why)
{
	char vis[MSG_NAME_MAX];

	qerr_set(err, e, "%s: %s", siop_msg_name(prefix, vis, sizeof(vis)),
	    why != NULL ? why : strerror(e));
}

/*
 * walk_step - open `name` (a component already appended to prefix)
 * under *cur, make it the new *cur (closing the old one unless it is
 * AT_FDCWD) and visit it.
 */
static int
walk_step(int *cur, const char *name, const char *prefix,
    sio_path_visit_fn visit, void *arg, struct qerr *err)
{
	struct stat st;
	int nfd, old;

	nfd = open_dir(*cur, name, &st, err);
	if (nfd < 0) {
		walk_fail(err, err != NULL ? err->sys_errno : EIO, prefix,
		    NULL);
		return -1;
	}
	old = *cur;
	*cur = nfd;
	if (old != AT_FDCWD && close(old) < 0) {
		walk_fail(err, errno, prefix, "closing the parent failed");
		return -1;
	}
	if (visit != NULL && visit(arg, prefix, &st) != 0) {
		walk_fail(err, ECANCELED, prefix, "walk stopped by a check");
		return -1;
	}
	return 0;
}

/*
 * sio_open_path - open a directory path one component at a time.
 *
 * The normalised path so far is kept in prefix[]: it names the failing
 * component in messages and is what visit sees ("/", "/var",
 * "/var/spool", ...; a relative walk starts at the current directory,
 * which is not visited unless the path is only "." components).  Each
 * component is appended to prefix[] and opened from there, so no copy
 * of the path is needed.  The prefix is never longer than the path.
 */
int
sio_open_path(const char *path, sio_path_visit_fn visit, void *arg,
    struct qerr *err)
{
	char prefix[PATH_MAX] = { 0 }; /* once a walk: clears the analyzer */
	size_t plen = 0, n;
	const char *p;
	int cur = AT_FDCWD, ret = -1;

	REQUIRE(path != NULL);
	if (strnlen(path, PATH_MAX) >= PATH_MAX) {
		walk_fail(err, ENAMETOOLONG, path, NULL);
		return -1;
	}
	if (path[0] == '\0') {
		qerr_set(err, ENOENT, "empty path: %s", strerror(ENOENT));
		return -1;
	}
	prefix[0] = '\0';
	if (path[0] == '/') {
		prefix[plen++] = '/';
		prefix[plen] = '\0';
		if (walk_step(&cur, "/", prefix, visit, arg, err) < 0)
			goto out;
	}
	for (p = path; *p != '\0'; p += n) {
		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.'))
			continue;
		if (plen > 0 && prefix[plen - 1] != '/')
			prefix[plen++] = '/';
		if (plen + n >= sizeof(prefix))
			BUG("sio_open_path: prefix longer than the path");
		memcpy(prefix + plen, p, n);
		prefix[plen + n] = '\0';
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			/* Refused rather than resolved: ".." can lead out of
			 * whatever the earlier components were checked for. */
			walk_fail(err, EINVAL, prefix, "\"..\" is not allowed");
			goto out;
		}
		if (walk_step(&cur, prefix + plen, prefix, visit, arg,
			err) < 0)
			goto out;
		plen += n;
	}
	if (cur == AT_FDCWD) {
		/* Only "." components: the current directory itself. */
		memcpy(prefix, ".", 2);
		if (walk_step(&cur, ".", prefix, visit, arg, err) < 0)
			goto out;
	}
	ret = cur;
	cur = AT_FDCWD;
out:
	if (cur != AT_FDCWD)
		siop_close_quietly(cur);
	return ret;
}

/* The state of sio_open_path_links(). */
struct lwalk {
	int cur;			/* the directory reached */
	struct stat cur_st;		/* its fstat() */
	char todo[2 * PATH_MAX];	/* what is left to walk, from done */
	size_t done;
	char prefix[PATH_MAX];		/* the directories walked, for messages */
	size_t plen;
	sio_path_visit_fn visit;
	sio_link_ok_fn link_ok;
	void *arg;
	int hops;			/* links followed */
};

/* lw_enter - nfd (fstat st) becomes the walk's directory, and is visited */
static int
lw_enter(struct lwalk *lw, int nfd, const struct stat *st, struct qerr *err)
{
	siop_close_quietly(lw->cur);
	lw->cur = nfd;
	lw->cur_st = *st;
	if (lw->visit != NULL && lw->visit(lw->arg, lw->prefix, st) != 0) {
		walk_fail(err, ECANCELED, lw->prefix, "walk stopped by a check");
		return -1;
	}
	return 0;
}

/* lw_root - an absolute path or target: from "/" */
static int
lw_root(struct lwalk *lw, struct qerr *err)
{
	struct stat st;
	int nfd = open_dir(AT_FDCWD, "/", &st, err);

	if (nfd < 0) {
		walk_fail(err, err->sys_errno, "/", NULL);
		return -1;
	}
	memcpy(lw->prefix, "/", 2);
	lw->plen = 1;
	return lw_enter(lw, nfd, &st, err);
}

/* lw_parent - ".." in a link's target: the physical parent (not visited:
 * it was, on the way down) */
static int
lw_parent(struct lwalk *lw, struct qerr *err)
{
	struct stat st;
	int nfd = openat(lw->cur, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);

	if (nfd < 0 || fstat(nfd, &st) < 0) {
		walk_fail(err, errno, lw->prefix, NULL);
		if (nfd >= 0)
			siop_close_quietly(nfd);
		return -1;
	}
	siop_close_quietly(lw->cur);
	lw->cur = nfd;
	lw->cur_st = st;
	while (lw->plen > 1 && lw->prefix[lw->plen - 1] != '/')
		lw->plen--;
	if (lw->plen > 1)
		lw->plen--;
	lw->prefix[lw->plen] = '\0';
	return 0;
}

/*
 * lw_link - component comp of the walk is a symbolic link: if link_ok()
 * allows it, its target replaces it in front of what is left
 */
static int
lw_link(struct lwalk *lw, const char *comp, size_t parent_len,
    struct qerr *err)
{
	char target[PATH_MAX];
	struct stat lst;
	size_t rest;
	ssize_t tl;

	if (fstatat(lw->cur, comp, &lst, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISLNK(lst.st_mode)) {
		walk_fail(err, ELOOP, lw->prefix, NULL);
		return -1;
	}
	tl = readlinkat(lw->cur, comp, target, sizeof(target) - 1);
	if (tl <= 0) {
		walk_fail(err, tl < 0 ? errno : ENOENT, lw->prefix, NULL);
		return -1;
	}
	target[tl] = '\0';
	if (lw->link_ok == NULL || ++lw->hops > SIO_MAX_LINKS ||
	    !lw->link_ok(lw->arg, lw->prefix, &lst, &lw->cur_st, target)) {
		walk_fail(err, ELOOP, lw->prefix, NULL);
		return -1;
	}
	rest = strlen(lw->todo + lw->done);
	if ((size_t)tl + 1 + rest + 1 > sizeof(lw->todo)) {
		walk_fail(err, ENAMETOOLONG, lw->prefix, NULL);
		return -1;
	}
	memmove(lw->todo + tl + 1, lw->todo + lw->done, rest + 1);
	memcpy(lw->todo, target, (size_t)tl);
	lw->todo[tl] = '/';
	lw->done = 0;
	/* The link's own component is not a directory of the walk. */
	lw->plen = parent_len;
	lw->prefix[lw->plen] = '\0';
	return target[0] == '/' ? lw_root(lw, err) : 0;
}

/* lw_step - the next component p (n bytes) of the walk */
static int
lw_step(struct lwalk *lw, const char *p, size_t n, struct qerr *err)
{
	char comp[NAME_MAX + 1];
	struct stat st;
	size_t was = lw->plen;
	int nfd;

	if (n == 2 && p[0] == '.' && p[1] == '.')
		return lw_parent(lw, err);
	if (n > NAME_MAX || lw->plen + n + 2 >= sizeof(lw->prefix)) {
		walk_fail(err, ENAMETOOLONG, lw->prefix, NULL);
		return -1;
	}
	if (lw->plen > 0 && lw->prefix[lw->plen - 1] != '/')
		lw->prefix[lw->plen++] = '/';
	memcpy(lw->prefix + lw->plen, p, n);
	lw->prefix[lw->plen + n] = '\0';
	memcpy(comp, p, n);
	comp[n] = '\0';
	nfd = open_dir(lw->cur, comp, &st, err);
	if (nfd >= 0) {
		lw->plen += n;
		return lw_enter(lw, nfd, &st, err);
	}
	if (err->sys_errno != ELOOP) {
		walk_fail(err, err->sys_errno, lw->prefix, NULL);
		return -1;
	}
	return lw_link(lw, comp, was, err);
}

/*
 * sio_open_path_links - sio_open_path(), but a symbolic link on the way
 * is followed where link_ok() allows it (sendmail's safedirpath() follows
 * them; mqfsck only where the link and the directory holding it are
 * trusted).  The path still to walk is kept in todo[]; a link's target
 * replaces the link's component in front of the rest of it.  An absolute
 * target restarts the walk at "/" (visited again); a relative one goes on
 * from the link's directory, where ".." (only from a target: the path
 * given may not hold one) opens the physical parent of the directory
 * held.  At most SIO_MAX_LINKS links are followed (sendmail's
 * MAXSYMLINKS).
 */
int
sio_open_path_links(int atfd, const char *path, sio_path_visit_fn visit,
    sio_link_ok_fn link_ok, void *arg, struct qerr *err)
{
	struct lwalk lwbuf, *lw = &lwbuf;
	size_t n, i;
	int ret = -1;

	REQUIRE(path != NULL && err != NULL);
	n = strnlen(path, PATH_MAX);
	if (n == 0 || n >= PATH_MAX) {
		walk_fail(err, n == 0 ? ENOENT : ENAMETOOLONG, path, NULL);
		return -1;
	}
	/* ".." is refused in the path given, as sio_open_path() does. */
	for (i = 0; i < n; i += strcspn(path + i, "/")) {
		while (path[i] == '/')
			i++;
		if (strncmp(path + i, "..", 2) == 0 &&
		    (path[i + 2] == '/' || path[i + 2] == '\0')) {
			walk_fail(err, EINVAL, path, "\"..\" is not allowed");
			return -1;
		}
	}
	memset(lw, 0, sizeof(*lw));
	lw->visit = visit;
	lw->link_ok = link_ok;
	lw->arg = arg;
	memcpy(lw->todo, path, n + 1);
	lw->cur = atfd == AT_FDCWD
	    ? open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
	    : fcntl(atfd, F_DUPFD_CLOEXEC, 0);
	if (lw->cur < 0 || fstat(lw->cur, &lw->cur_st) < 0) {
		walk_fail(err, errno, ".", NULL);
		goto out;
	}
	if (path[0] == '/' && lw_root(lw, err) < 0)
		goto out;
	while (lw->todo[lw->done] != '\0') {
		const char *p = lw->todo + lw->done;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		lw->done = (size_t)(p - lw->todo) + n;
		if ((n == 0 || (n == 1 && p[0] == '.')))
			continue;
		if (lw_step(lw, p, n, err) < 0)
			goto out;
	}
	ret = lw->cur;
	lw->cur = -1;
out:
	if (lw->cur >= 0)
		siop_close_quietly(lw->cur);
	return ret;
}

/* sio_entry_times - when a file (or the directory itself) was created,
 * last written and last changed, where the file system keeps a creation
 * time */
int
sio_entry_times(int dirfd, const char *name, struct sio_times *t,
    struct qerr *err)
{
	struct statx sx;
	int flags = AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC;

	REQUIRE(t != NULL);
	if (name == NULL) {
		name = "";
		flags |= AT_EMPTY_PATH;
	} else if (!siop_entry_name_ok(name, err))
		return -1;
	if (statx(dirfd, name, flags, STATX_BTIME | STATX_MTIME | STATX_CTIME,
		&sx) < 0) {
		int e = errno;
		char vis[MSG_NAME_MAX];

		if (e == ENOSYS || e == EOPNOTSUPP)
			return 1;
		qerr_set(err, e, "statx %s: %s",
		    *name != '\0' ? siop_msg_name(name, vis, sizeof(vis)) : "directory",
		    strerror(e));
		return -1;
	}
	if ((sx.stx_mask & (STATX_BTIME | STATX_MTIME | STATX_CTIME)) !=
	    (STATX_BTIME | STATX_MTIME | STATX_CTIME))
		return 1;
	t->birth.tv_sec = (time_t)sx.stx_btime.tv_sec;
	t->birth.tv_nsec = (long)sx.stx_btime.tv_nsec;
	t->modify.tv_sec = (time_t)sx.stx_mtime.tv_sec;
	t->modify.tv_nsec = (long)sx.stx_mtime.tv_nsec;
	t->change.tv_sec = (time_t)sx.stx_ctime.tv_sec;
	t->change.tv_nsec = (long)sx.stx_ctime.tv_nsec;
	return 0;
}

/*
 * open_regular - open name read-only, never through a symlink, and make
 * sure with fstat() that a regular file was opened.  Returns the fd with
 * *sb filled, or -1 with err set.
 */
static int
open_regular(int dirfd, const char *name, struct stat *sb, struct qerr *err)
{
	char vis[MSG_NAME_MAX];
	int fd, e;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY |
	    O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		qerr_set(err, e, "open %s: %s",
		    siop_msg_name(name, vis, sizeof(vis)), strerror(e));
		return -1;
	}
	if (fstat(fd, sb) < 0) {
		e = errno;
		qerr_set(err, e, "fstat %s: %s",
		    siop_msg_name(name, vis, sizeof(vis)), strerror(e));
		siop_close_quietly(fd);
		return -1;
	}
	if (!S_ISREG(sb->st_mode)) {
		qerr_set(err, EINVAL, "%s: no longer a regular file",
		    siop_msg_name(name, vis, sizeof(vis)));
		siop_close_quietly(fd);
		return -1;
	}
	return fd;
}

/* sio_open_regular - open an entry the listing says is a regular file */
int
sio_open_regular(int dirfd, const char *name, struct stat *st,
    struct qerr *err)
{
	struct stat sb;
	int fd;

	REQUIRE(name != NULL);
	if (!siop_entry_name_ok(name, err))
		return -1;
	fd = open_regular(dirfd, name, &sb, err);
	if (fd >= 0 && st != NULL)
		*st = sb;
	return fd;
}

/* sio_open_entry - open an entry the scan's lstat says is regular */
int
sio_open_entry(int dirfd, const char *name, const struct stat *seen,
    struct stat *st, struct qerr *err)
{
	char vis[MSG_NAME_MAX];
	struct stat sb;
	int fd = -1, ret = -1;

	REQUIRE(name != NULL);
	REQUIRE(seen != NULL);
	if (!siop_entry_name_ok(name, err))
		goto out;
	if (!S_ISREG(seen->st_mode)) {
		/* Decided before any open: opening a FIFO blocks (or, with
		 * O_NONBLOCK, wakes a writer), opening a device can act. */
		qerr_set(err, EINVAL, "%s: not a regular file; not opened",
		    siop_msg_name(name, vis, sizeof(vis)));
		goto out;
	}
	fd = open_regular(dirfd, name, &sb, err);
	if (fd < 0)
		goto out;
	if (sb.st_dev != seen->st_dev || sb.st_ino != seen->st_ino) {
		/* readqf()'s stat/fstat comparison: swapped since the scan. */
		qerr_set(err, ESTALE, "%s: replaced since the directory scan",
		    siop_msg_name(name, vis, sizeof(vis)));
		goto out;
	}
	if (st != NULL)
		*st = sb;
	ret = fd;
	fd = -1;
out:
	if (fd >= 0)
		siop_close_quietly(fd);
	return ret;
}

/* sio_buf_free - release a read buffer; it may be reused after */
void
sio_buf_free(struct sio_buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/*
 * buf_room - make room in b for more bytes, never allocating past limit,
 * and set *room to how many may be read at b->data + b->len.  Called
 * only with b->len < limit.
 */
static int
buf_room(struct sio_buf *b, size_t limit, size_t *room, struct qerr *err)
{
	size_t ncap;
	unsigned char *nd;

	ncap = b->cap < limit ? b->cap : limit;
	if (b->len >= ncap) {
		/* Doubling keeps the reads and copies logarithmic in the
		 * file size; the clamp keeps a huge file from costing more
		 * than limit. */
		if (b->cap < READ_CHUNK_MIN)
			ncap = READ_CHUNK_MIN;
		else if (b->cap <= limit / 2)
			ncap = b->cap * 2;
		else
			ncap = limit;
		if (ncap > limit)
			ncap = limit;
		nd = realloc(b->data, ncap);
		if (nd == NULL) {
			qerr_set(err, ENOMEM,
			    "out of memory reading a file (%zu bytes)", ncap);
			return -1;
		}
		b->data = nd;
		b->cap = ncap;
	}
	*room = ncap - b->len;
	if (*room > (size_t)SSIZE_MAX)
		*room = (size_t)SSIZE_MAX;
	return 0;
}

/* read_retry - read(2), retrying EINTR */
static ssize_t
read_retry(int fd, void *p, size_t n)
{
	ssize_t r;

	do
		r = read(fd, p, n);
	while (r < 0 && errno == EINTR);
	return r;
}

/*
 * sio_read_sized - read to end of file, at most limit bytes; size is the
 * file's st_size from an fstat() of fd, or SIZE_MAX when not known.
 *
 * Whether bytes were left is found by reading one more byte into a local
 * once limit is reached (st_size cannot be trusted: the file may grow
 * while it is read).  That byte is consumed: after a truncated read the
 * file offset is one past the bytes returned.  On failure b->len counts
 * the bytes read before it.  A read that returns fewer bytes than asked,
 * having brought the total to exactly size, ends it without the read
 * that would return 0: on a regular file that is its end as fstat() saw
 * it (a file that grew since is read as it was, as a file that grows
 * after the last read always is).  A short read short of size (a file
 * cut meanwhile, a file system that returns less) reads on to 0.
 */
int
sio_read_sized(int fd, struct sio_buf *b, size_t limit, size_t size,
    bool *truncated, struct qerr *err)
{
	unsigned char extra;
	size_t room;
	ssize_t r;
	bool more = false;
	int e;

	REQUIRE(b != NULL);
	b->len = 0;
	for (;;) {
		if (b->len == limit) {
			r = read_retry(fd, &extra, 1);
			if (r < 0)
				goto fail;
			more = r > 0;
			break;
		}
		if (buf_room(b, limit, &room, err) < 0)
			return -1;
		r = read_retry(fd, b->data + b->len, room);
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		b->len += (size_t)r;
		if ((size_t)r < room && b->len == size)
			break;
	}
	if (truncated != NULL)
		*truncated = more;
	return 0;
fail:
	e = errno;
	qerr_set(err, e, "read: %s", strerror(e));
	return -1;
}

/* sio_read - sio_read_sized() without a size: read on until 0 */
int
sio_read(int fd, struct sio_buf *b, size_t limit, bool *truncated,
    struct qerr *err)
{
	return sio_read_sized(fd, b, limit, SIZE_MAX, truncated, err);
}

/* ------------------------------------------------------------------ */
/* Locks */

/*
 * sio_lock_probe - is the file locked by someone else?
 *
 * flock: sendmail's conf.c lockfile() with HASFLOCK (Debian builds with
 * -DHASFLOCK=1) takes LOCK_EX on a job it works on; gatherq() probes with
 * LOCK_SH|LOCK_NB and drops it at once, as done here.  A shared lock
 * works on a read-only fd.  flock locks belong to the open file
 * description, so the caller must not probe an fd on which it holds a
 * flock itself: LOCK_SH would convert that lock and LOCK_UN drop it.
 * fcntl: builds without HASFLOCK use F_SETLK; F_GETLK asks, without
 * taking anything, whether a whole-file write lock would conflict.  It
 * needs no write access and never reports this process's own locks.
 */
int
sio_lock_probe(int fd, struct qerr *err)
{
	struct flock fl;
	int e;

	if (siop_flock_retry(fd, LOCK_SH | LOCK_NB) < 0) {
		e = errno;
		if (e == EWOULDBLOCK)
			return SIO_LOCKED;
		qerr_set(err, e, "flock LOCK_SH: %s", strerror(e));
		return -1;
	}
	if (siop_flock_retry(fd, LOCK_UN) < 0) {
		e = errno;
		qerr_set(err, e, "flock LOCK_UN after a probe: %s",
		    strerror(e));
		return -1;
	}
	fl = whole_file_lock(F_WRLCK);
	if (fcntl(fd, F_GETLK, &fl) < 0) {
		e = errno;
		qerr_set(err, e, "fcntl F_GETLK: %s", strerror(e));
		return -1;
	}
	return fl.l_type != F_UNLCK ? SIO_LOCKED : SIO_UNLOCKED;
}

/*
 * lock_take - take sendmail's job lock.
 *
 * flock(LOCK_EX|LOCK_NB) is what readqf() takes on Debian (HASFLOCK).
 * For a non-HASFLOCK sendmail the whole-file F_WRLCK of lockfile() is
 * taken too, as contrib/qtool.pl does, but only on a writable fd:
 * F_SETLK with F_WRLCK needs one (EBADF otherwise); on a read-only fd
 * (ask_ro) F_GETLK asks whether someone holds it.  On a conflict nothing
 * stays held.
 */
static int
lock_take(int fd, bool ask_ro, struct qerr *err)
{
	struct flock fl;
	int fl_flags, e, r, ret = -1;
	bool wr;

	if (siop_flock_retry(fd, LOCK_EX | LOCK_NB) < 0) {
		e = errno;
		if (e == EWOULDBLOCK)
			return SIO_LOCKED;
		qerr_set(err, e, "flock LOCK_EX: %s", strerror(e));
		return -1;
	}
	fl_flags = fcntl(fd, F_GETFL);
	if (fl_flags < 0) {
		e = errno;
		qerr_set(err, e, "fcntl F_GETFL: %s", strerror(e));
		goto out;
	}
	/* Writable: take the fcntl lock too; read-only: a write lock
	 * cannot be taken, only asked about. */
	wr = (fl_flags & O_ACCMODE) != O_RDONLY;
	if (!wr && !ask_ro) {
		ret = 0;
		goto out;
	}
	fl = whole_file_lock(F_WRLCK);
	do
		r = fcntl(fd, wr ? F_SETLK : F_GETLK, &fl);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		e = errno;
		if (wr && (e == EAGAIN || e == EACCES))
			ret = SIO_LOCKED;
		else
			qerr_set(err, e, "fcntl %s: %s",
			    wr ? "F_SETLK F_WRLCK" : "F_GETLK", strerror(e));
		goto out;
	}
	ret = !wr && fl.l_type != F_UNLCK ? SIO_LOCKED : 0;
out:
	if (ret != 0 && siop_flock_retry(fd, LOCK_UN) < 0) {
		e = errno;
		qerr_set(err, e, "flock LOCK_UN: %s", strerror(e));
		ret = -1;
	}
	return ret;
}

/* sio_lock_ex - the lock, without asking on a read-only fd */
int
sio_lock_ex(int fd, struct qerr *err)
{
	return lock_take(fd, false, err);
}

/* sio_lock_job - the lock, asking about fcntl locks on a read-only fd */
int
sio_lock_job(int fd, struct qerr *err)
{
	return lock_take(fd, true, err);
}

