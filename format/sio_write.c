/*
 * sio_write.c - the writer: every change sio makes to the file system,
 * counted one by one for the fault-injection tests (the list of counted
 * calls and what a crash between them leaves is in sio.c's header), and
 * made the way sendmail makes it: a temporary file, fsync(), rename(),
 * then fsync() of the directory.
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

#define FAULT_ENV "MQFSCK_FAULT_AFTER"
#define FAULT_SIGNAL_ENV "MQFSCK_FAULT_SIGNAL"

/* strtoull() parses MQFSCK_FAULT_AFTER straight into a uint64_t. */
_Static_assert(ULLONG_MAX == UINT64_MAX, "unsigned long long is 64 bits");


/* ------------------------------------------------------------------ */
/* Changing things: only with a writer */

/* sio_writer_new - the capability to change the file system */
struct sio_writer *
sio_writer_new(struct qerr *err)
{
	struct sio_writer *w;
	const char *s;
	unsigned long long v;
	char *end;

	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		qerr_set(err, ENOMEM, "out of memory for the writer");
		return NULL;
	}
	/* Only plain decimal digits: strtoull() alone would take leading
	 * blanks, a sign ("-1" wraps to the maximum) and trailing junk. */
	w->fail_signal = SIGKILL;
	s = getenv(FAULT_SIGNAL_ENV);
	if (s != NULL && strcmp(s, "INT") == 0)
		w->fail_signal = SIGINT;
	else if (s != NULL && strcmp(s, "ALRM") == 0)
		w->fail_signal = SIGALRM;
	s = getenv(FAULT_ENV);
	if (s != NULL && s[0] >= '0' && s[0] <= '9') {
		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno == 0 && *end == '\0')
			w->fail_after = (uint64_t)v;
	}
	return w;
}

/* sio_writer_free - drop the capability */
void
sio_writer_free(struct sio_writer *w)
{
	free(w);
}

/* sio_writer_count - counted calls issued through w; 0 for no writer */
uint64_t
sio_writer_count(const struct sio_writer *w)
{
	return w != NULL ? w->count : 0;
}

/* sio_writer_fail_after - kill the process before counted call n + 1 */
void
sio_writer_fail_after(struct sio_writer *w, uint64_t n)
{
	REQUIRE(w != NULL);
	w->fail_after = n;
}

/*
 * writer_tick - every counted call goes through here just before it is
 * issued (the list is in the header comment of this file).
 */
static void
writer_tick(struct sio_writer *w)
{
	if (w->fail_after != 0 && w->count >= w->fail_after) {
		if (w->fail_signal != SIGKILL) {
			/* ^C or the time limit: caught, and the call goes on. */
			w->fail_after = 0;
			(void)raise(w->fail_signal);
			w->count++;
			return;
		}
		/* SIGKILL cannot be caught, blocked or ignored: the process
		 * stops here as a crash or power cut would stop it. */
		(void)raise(SIGKILL);
		BUG("raise(SIGKILL) returned");
	}
	w->count++;
}

/*
 * remove_temp - unlink our temporary file after a failed sio_replace(),
 * but only if the name still refers to the file we created (fd): the
 * queue directory may be writable by others.  Best effort: the failure
 * being reported is the one that got us here.
 */
static void
remove_temp(int dirfd, const char *tmpname, int fd)
{
	struct stat ours, now;

	if (fstat(fd, &ours) < 0 ||
	    fstatat(dirfd, tmpname, &now, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (ours.st_dev != now.st_dev || ours.st_ino != now.st_ino)
		return;
	(void)unlinkat(dirfd, tmpname, 0);
}

/* replace_fail - record a failed step of sio_replace() */
static void
replace_fail(struct qerr *err, int e, const char *what, const char *name)
{
	char vis[MSG_NAME_MAX];

	qerr_set(err, e, "%s %s: %s", what, siop_msg_name(name, vis, sizeof(vis)),
	    strerror(e));
}

/*
 * sio_replace - write a new file under a temporary name and rename it
 * over `name`, as sendmail's queue.c queueup() rewrites a qf through tf:
 * tf is created O_CREAT|O_EXCL (an existing one is somebody's, never
 * ours to reuse) and flocked LOCK_EX|LOCK_NB at once so that no queue
 * run can take the job between the rename and our close; fchown comes
 * before fchmod because chown clears set-id bits; the data is fsync()ed
 * before the rename so the new name never points at missing blocks; and
 * deliver.c sync_dir() fsyncs the directory afterwards because Linux
 * needs it for the rename to be durable (REQUIRES_DIR_FSYNC).
 */
int
sio_replace(struct sio_writer *w, int dirfd, const char *name,
    const char *tmpname, mode_t mode, uid_t uid, gid_t gid,
    int (*fill)(int fd, void *arg), void *arg, struct qerr *err)
{
	int fd = -1, ret = -1, e;
	bool ours = false; /* tmpname is a file we created, not yet renamed */

	/* No writer means a read-only (-n) run reached a change: the
	 * fsck_ffs fswritefd = -1 rule, enforced rather than checked. */
	REQUIRE(w != NULL);
	REQUIRE(name != NULL);
	REQUIRE(tmpname != NULL);
	REQUIRE(fill != NULL);
	REQUIRE((mode & ~(mode_t)07777) == 0);
	REQUIRE(strcmp(name, tmpname) != 0);
	if (!siop_entry_name_ok(name, err) || !siop_entry_name_ok(tmpname, err))
		goto out;

	/* Created 0600 and given its owner and mode only then, so that the
	 * file is never readable by anyone it is not meant for. */
	writer_tick(w);
	fd = openat(dirfd, tmpname,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		replace_fail(err, errno, "create", tmpname);
		goto out;
	}
	ours = true;
	if (siop_flock_retry(fd, LOCK_EX | LOCK_NB) < 0) {
		replace_fail(err, errno, "flock", tmpname);
		goto out;
	}
	if (uid != (uid_t)-1 || gid != (gid_t)-1) {
		writer_tick(w);
		if (fchown(fd, uid, gid) < 0) {
			replace_fail(err, errno, "fchown", tmpname);
			goto out;
		}
	}
	writer_tick(w);
	if (fchmod(fd, mode) < 0) {
		replace_fail(err, errno, "fchmod", tmpname);
		goto out;
	}
	errno = 0;
	if (fill(fd, arg) != 0) {
		e = errno != 0 ? errno : EIO;
		replace_fail(err, e, "write", tmpname);
		goto out;
	}
	if (sio_fsync_retry(fd) < 0) {
		replace_fail(err, errno, "fsync", tmpname);
		goto out;
	}
	writer_tick(w);
	if (renameat(dirfd, tmpname, dirfd, name) < 0) {
		replace_fail(err, errno, "rename to", name);
		goto out;
	}
	ours = false;
	/* The rename is done; a failed directory fsync still fails the
	 * call, since the new name may not survive a crash. */
	if (sio_fsync_dir(dirfd, err) < 0)
		goto out;
	ret = fd;
	fd = -1;
out:
	if (ours)
		remove_temp(dirfd, tmpname, fd);
	if (fd >= 0)
		siop_close_quietly(fd);
	return ret;
}

/* op_fail - record a failed change of `name` */
static int
op_fail(struct qerr *err, int e, const char *what, const char *name)
{
	char vis[MSG_NAME_MAX];

	qerr_set(err, e, "%s %s: %s", what,
	    name != NULL ? siop_msg_name(name, vis, sizeof(vis)) : "",
	    strerror(e));
	return -1;
}

/* still_there - entry `name` of dirfd is still the file `expect` */
static bool
still_there(int dirfd, const char *name, const struct stat *expect,
    struct qerr *err)
{
	struct stat now;

	if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) < 0) {
		(void)op_fail(err, errno, "look at", name);
		return false;
	}
	if (expect != NULL && (now.st_dev != expect->st_dev ||
	    now.st_ino != expect->st_ino ||
	    (now.st_mode & S_IFMT) != (expect->st_mode & S_IFMT))) {
		(void)op_fail(err, ESTALE, "not the file checked:", name);
		return false;
	}
	return true;
}

/* sio_unlink - remove a non-directory entry that is still `expect` */
int
sio_unlink(struct sio_writer *w, int dirfd, const char *name,
    const struct stat *expect, struct qerr *err)
{
	REQUIRE(w != NULL);
	if (!siop_entry_name_ok(name, err) || !still_there(dirfd, name, expect, err))
		return -1;
	writer_tick(w);
	if (unlinkat(dirfd, name, 0) < 0)
		return op_fail(err, errno, "remove", name);
	return 0;
}

/* sio_rmdir - remove an empty directory that is still `expect` */
int
sio_rmdir(struct sio_writer *w, int dirfd, const char *name,
    const struct stat *expect, struct qerr *err)
{
	REQUIRE(w != NULL);
	if (!siop_entry_name_ok(name, err) || !still_there(dirfd, name, expect, err))
		return -1;
	writer_tick(w);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0)
		return op_fail(err, errno, "remove directory", name);
	return 0;
}

/* sio_rename - rename an entry that is still `expect` */
int
sio_rename(struct sio_writer *w, int fromfd, const char *from, int tofd,
    const char *to, bool noreplace, const struct stat *expect,
    struct qerr *err)
{
	REQUIRE(w != NULL);
	if (!siop_entry_name_ok(from, err) || !siop_entry_name_ok(to, err) ||
	    !still_there(fromfd, from, expect, err))
		return -1;
	writer_tick(w);
	if (renameat2(fromfd, from, tofd, to, noreplace ? RENAME_NOREPLACE : 0) < 0)
		return op_fail(err, errno, "rename", from);
	return 0;
}

/* sio_exchange - swap two names atomically */
int
sio_exchange(struct sio_writer *w, int afd, const char *a, int bfd,
    const char *b, const struct stat *ea, const struct stat *eb,
    struct qerr *err)
{
	REQUIRE(w != NULL);
	if (!siop_entry_name_ok(a, err) || !siop_entry_name_ok(b, err) ||
	    !still_there(afd, a, ea, err) || !still_there(bfd, b, eb, err))
		return -1;
	writer_tick(w);
	if (renameat2(afd, a, bfd, b, RENAME_EXCHANGE) < 0)
		return op_fail(err, errno, "exchange", a);
	return 0;
}

/* sio_fchown - change the owner of a verified fd */
int
sio_fchown(struct sio_writer *w, int fd, uid_t uid, gid_t gid,
    struct qerr *err)
{
	REQUIRE(w != NULL);
	writer_tick(w);
	if (fchown(fd, uid, gid) < 0)
		return op_fail(err, errno, "fchown", NULL);
	return 0;
}

/* sio_fchmod - change the mode of a verified fd */
int
sio_fchmod(struct sio_writer *w, int fd, mode_t mode, struct qerr *err)
{
	REQUIRE(w != NULL);
	REQUIRE((mode & ~(mode_t)07777) == 0);
	writer_tick(w);
	if (fchmod(fd, mode) < 0)
		return op_fail(err, errno, "fchmod", NULL);
	return 0;
}

/* sio_futimens - set the times of an fd */
int
sio_futimens(struct sio_writer *w, int fd, const struct timespec ts[2],
    struct qerr *err)
{
	REQUIRE(w != NULL);
	writer_tick(w);
	if (futimens(fd, ts) < 0)
		return op_fail(err, errno, "futimens", NULL);
	return 0;
}

/* sio_mkdirat - make a directory */
int
sio_mkdirat(struct sio_writer *w, int dirfd, const char *name, mode_t mode,
    struct qerr *err)
{
	REQUIRE(w != NULL);
	if (!siop_entry_name_ok(name, err))
		return -1;
	writer_tick(w);
	if (mkdirat(dirfd, name, mode) < 0)
		return op_fail(err, errno, "mkdir", name);
	return 0;
}

/* sio_tmp_create - an unnamed file, or a hidden temporary one */
int
sio_tmp_create(struct sio_writer *w, int dirfd, mode_t mode,
    struct sio_tmp *t, struct qerr *err)
{
	static unsigned long seq;
	int e;

	REQUIRE(w != NULL);
	memset(t, 0, sizeof(*t));
	t->fd = -1;
	t->dirfd = dirfd;
	writer_tick(w);
	t->fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, mode);
	if (t->fd >= 0)
		return 0;
	e = errno;
	/* Kernels and file systems without O_TMPFILE say so in several
	 * ways; anything else is a real failure. */
	if (e != EOPNOTSUPP && e != EISDIR && e != EINVAL && e != ENOENT)
		return op_fail(err, e, "create a temporary file in", ".");
	(void)snprintf(t->tmpname, sizeof(t->tmpname), ".mqfsck-tmp.%ld.%lu",
	    (long)getpid(), ++seq);
	t->fd = openat(dirfd, t->tmpname,
	    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (t->fd < 0)
		return op_fail(err, errno, "create", t->tmpname);
	t->named = true;
	return 0;
}

/* sio_tmp_publish - link the temporary file in under `name` */
int
sio_tmp_publish(struct sio_writer *w, struct sio_tmp *t, const char *name,
    struct qerr *err)
{
	char proc[64];
	int e;

	REQUIRE(w != NULL);
	REQUIRE(t->fd >= 0);
	if (!siop_entry_name_ok(name, err))
		return -1;
	writer_tick(w);
	if (t->named) {
		if (linkat(t->dirfd, t->tmpname, t->dirfd, name, 0) < 0)
			return op_fail(err, errno, "link", name);
		writer_tick(w);
		if (unlinkat(t->dirfd, t->tmpname, 0) == 0)
			t->named = false;
		return 0;
	}
	/* linkat() of an fd needs CAP_DAC_READ_SEARCH with AT_EMPTY_PATH;
	 * without it, the /proc/self/fd link does the same (open(2)). */
	if (linkat(t->fd, "", t->dirfd, name, AT_EMPTY_PATH) == 0)
		return 0;
	e = errno;
	if (e != ENOENT && e != EPERM)
		return op_fail(err, e, "link", name);
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", t->fd);
	if (linkat(AT_FDCWD, proc, t->dirfd, name, AT_SYMLINK_FOLLOW) < 0)
		return op_fail(err, errno, "link", name);
	return 0;
}

/* sio_tmp_close - close; remove an unpublished named temporary file */
void
sio_tmp_close(struct sio_tmp *t)
{
	if (t->fd < 0)
		return;
	if (t->named)
		remove_temp(t->dirfd, t->tmpname, t->fd);
	siop_close_quietly(t->fd);
	t->fd = -1;
	t->named = false;
}

/* sio_fsync_dir - fsync a directory fd, retrying EINTR */
int
sio_fsync_dir(int dirfd, struct qerr *err)
{
	int e;

	if (sio_fsync_retry(dirfd) < 0) {
		e = errno;
		qerr_set(err, e, "fsync directory: %s", strerror(e));
		return -1;
	}
	return 0;
}

/* sio_write_all - write n bytes, retrying short writes and EINTR */
int
sio_write_all(int fd, const void *data, size_t n, struct qerr *err)
{
	const unsigned char *p = data;
	ssize_t r;
	int e;

	REQUIRE(data != NULL || n == 0);
	while (n > 0) {
		r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* write() returning 0 for n > 0 makes no progress:
			 * report it rather than spin. */
			e = r < 0 ? errno : EIO;
			qerr_set(err, e, "write: %s", strerror(e));
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* sio_open_path_make - sio_open_path(), making missing directories */
int
sio_open_path_make(struct sio_writer *w, const char *path, mode_t mode,
    struct qerr *err)
{
	char comp[NAME_MAX + 1] = "";
	const char *p = path;
	int fd, next;

	fd = sio_open_path(path, NULL, NULL, err);
	if (fd >= 0 || err->sys_errno != ENOENT)
		return fd;
	/* "/" and "." are never links: opened as they are. */
	fd = open(path[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		qerr_set(err, errno, "%s", strerror(errno));
		return -1;
	}
	while (fd >= 0 && *p != '\0') {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.')) {
			p += n + (p[n] == '/');
			continue;
		}
		if (n > NAME_MAX) {
			(void)close(fd);
			qerr_set(err, ENAMETOOLONG, "a component is too long");
			return -1;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n + (p[n] == '/');
		next = sio_opendirat(fd, comp, NULL, err);
		if (next < 0 && err->sys_errno == ENOENT &&
		    sio_mkdirat(w, fd, comp, mode, err) == 0)
			next = sio_opendirat(fd, comp, NULL, err);
		(void)close(fd);
		fd = next;
	}
	return fd;
}
