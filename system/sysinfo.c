/*
 * sysinfo.c - facts about the running system around a queue: pid files,
 * sendmail processes, fstab against mountinfo, free space.
 *
 * Facts relied on (sendmail 8.17):
 *  - util.c log_sendmail_pid() writes PidFile with "%ld\n" (the PID)
 *    and "%s\n" (CommandLineArgs), flushes, and keeps the file open
 *    until the process ends.  It opens it with safefopen(O_WRONLY|
 *    O_TRUNC, SFF_NOLINK|SFF_REGONLY|SFF_NBLOCK|...): safefile() refuses
 *    a symbolic link or a hard-linked file as the last component, and
 *    dfopen() takes an exclusive lock with LOCK_NB before safeopen()
 *    truncates.  main.c finis() unlinks the pid file at a normal exit.
 *  - safedirpath() follows symbolic links in the directories of a path.
 *  - conf.c freediskspace() on Linux (sm/conf.h: SFS_TYPE SFS_VFS) is
 *    statfs(): f_bavail blocks of f_bsize bytes; queue.c pickqdir()
 *    compares MinBlocksFree with that count.
 *
 * Invariants:
 *  - Nothing here writes to the file system.  Pid files are opened with
 *    sio_open_entry() under a directory opened with sio_open_path(); the
 *    only locks taken are sio_lock_probe()'s momentary ones.
 *  - kill() is only ever called with a PID > 0, and only with signal 0:
 *    a PID of 0 or below would address process groups.
 *  - /proc, /etc/fstab and mountinfo are the system's own files, opened
 *    by path; each must be a regular file (a FIFO would block) and is
 *    read line by line into a fixed buffer.
 *  - Every descriptor opened is closed before return.
 *
 * Allocation: sysinfo_read_pidfile() uses a sio_buf of at most
 * PIDFILE_READ_MAX bytes and sysinfo_check_fstab() a line buffer of
 * LINE_BUF_SIZE bytes; both are released before return.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "sio.h"
#include "sysinfo.h"

#define PIDFILE_READ_MAX 4096	/* a PID, a command line, and then some */
#define OPEN_TRIES 3		/* replaced between lstat and open: retry */
#define PROC_STAT_READ 128	/* "pid (comm) S": comm is at most 15 bytes */
#define MAX_CANDIDATES 32	/* fstab mount points on one queue path */
#define MSG_PATH 160		/* room for a path in a message */
/* A mountinfo line's fields 1-5: two of them are paths, each at most
 * 4 * PATH_MAX once escaped, the others short. */
#define LINE_BUF_SIZE (8 * PATH_MAX + 1024)
#define MOUNTINFO_FIELDS 5
#define MOUNTINFO_MAX_FIELDS 32 /* with optional fields, '-' and fstype */
#define FSTAB_FIELDS 4

/* ------------------------------------------------------------------ */
/* Helpers */

/*
 * printable - copy src[0..n) to out as printable ASCII, each other byte
 * as '?', cut to fit outsz (> 0).  Returns out.
 */
static char *
printable(char *out, size_t outsz, const char *src, size_t n)
{
	size_t i;

	if (n > outsz - 1)
		n = outsz - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c >= 0x20 && c <= 0x7e)
			out[i] = src[i];
		else
			out[i] = '?';
	}
	out[n] = '\0';
	return out;
}

/* vis - a path made safe for a message */
static const char *
vis(char *out, size_t outsz, const char *path)
{
	return printable(out, outsz, path, strlen(path));
}

/* close_quietly - close a read-only fd; nothing to report on failure */
static void
close_quietly(int fd)
{
	/* Read-only: no data can be lost, and Linux never needs close
	 * retried. */
	(void)close(fd);
}

/*
 * open_system_file - open a file of the system's own (fstab, mountinfo)
 * read-only as a stdio stream.  O_NONBLOCK keeps a FIFO from blocking
 * the open; anything but a regular file is refused (EINVAL).  Returns
 * the stream, or NULL with err set and errno preserved in err.
 */
static FILE *
open_system_file(const char *path, struct qerr *err)
{
	char v[MSG_PATH];
	struct stat st;
	FILE *f;
	int fd, e;

	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		qerr_set(err, e, "open %s: %s", vis(v, sizeof(v), path),
		    strerror(e));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		qerr_set(err, e, "fstat %s: %s", vis(v, sizeof(v), path),
		    strerror(e));
		close_quietly(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		qerr_set(err, EINVAL, "%s: not a regular file",
		    vis(v, sizeof(v), path));
		close_quietly(fd);
		return NULL;
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		e = errno;
		qerr_set(err, e, "fdopen %s: %s", vis(v, sizeof(v), path),
		    strerror(e));
		close_quietly(fd);
		return NULL;
	}
	return f;
}

/* ------------------------------------------------------------------ */
/* Processes */

/* open_proc - open /proc as a directory */
static int
open_proc(struct qerr *err)
{
	int fd, e;

	fd = open("/proc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		qerr_set(err, e, "open /proc: %s", strerror(e));
	}
	return fd;
}

/* proc_gone - errno from a /proc/<pid> file meaning "cannot be seen":
 * it exited (ENOENT, ESRCH), or hidepid= or ptrace rules hide it */
static bool
proc_gone(int e)
{
	return e == ENOENT || e == ESRCH || e == EACCES || e == EPERM;
}

/*
 * proc_comm - read /proc/<pid>/stat: the comm into comm[] (at most
 * commsz - 1 bytes) and the state letter into *state.  comm is between
 * the first '(' and the last ')': it may itself hold ')' and blanks,
 * and the fields after it are numbers.  Returns 1, 0 when the process
 * cannot be seen, or -1.
 */
static int
proc_comm(int procfd, long pid, char *comm, size_t commsz, char *state,
    struct qerr *err)
{
	char rel[32], buf[PROC_STAT_READ];
	const char *open_paren, *close_paren = NULL;
	ssize_t n;
	size_t len, i;
	int fd, e;

	(void)snprintf(rel, sizeof(rel), "%ld/stat", pid);
	fd = openat(procfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		if (proc_gone(e))
			return 0;
		qerr_set(err, e, "open /proc/%s: %s", rel, strerror(e));
		return -1;
	}
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	e = errno;
	close_quietly(fd);
	if (n < 0) {
		if (proc_gone(e))
			return 0;
		qerr_set(err, e, "read /proc/%s: %s", rel, strerror(e));
		return -1;
	}
	if (n == 0)
		return 0; /* reaped between the open and the read */
	len = (size_t)n;
	buf[len] = '\0';
	open_paren = memchr(buf, '(', len);
	for (i = len; i > 0; i--) {
		if (buf[i - 1] == ')') {
			close_paren = buf + i - 1;
			break;
		}
	}
	/* A comm is at most 15 bytes, so the line read always holds the
	 * state; anything else is not the stat file we know. */
	if (open_paren == NULL || close_paren == NULL ||
	    close_paren < open_paren || close_paren + 2 >= buf + len ||
	    close_paren[1] != ' ') {
		qerr_set(err, EINVAL, "/proc/%s: unexpected format", rel);
		return -1;
	}
	len = (size_t)(close_paren - open_paren - 1);
	if (len > commsz - 1)
		len = commsz - 1;
	memcpy(comm, open_paren + 1, len);
	comm[len] = '\0';
	*state = close_paren[2];
	return 1;
}

/*
 * proc_exe_is_sendmail - /proc/<pid>/exe names a file called "sendmail".
 * Any failure (exited, kernel thread, no ptrace rights) is "no".
 */
static bool
proc_exe_is_sendmail(int procfd, long pid)
{
	static const char deleted[] = " (deleted)";
	static const char want[] = "/sendmail";
	char rel[32], target[PATH_MAX];
	size_t n;
	ssize_t r;

	(void)snprintf(rel, sizeof(rel), "%ld/exe", pid);
	r = readlinkat(procfd, rel, target, sizeof(target) - 1);
	if (r <= 0)
		return false;
	n = (size_t)r;
	target[n] = '\0';
	/* The kernel appends " (deleted)" once the binary is unlinked, as
	 * a package upgrade does under a running daemon. */
	if (n >= sizeof(deleted) - 1 &&
	    strcmp(target + n - (sizeof(deleted) - 1), deleted) == 0)
		n -= sizeof(deleted) - 1;
	return n >= sizeof(want) - 1 &&
	    memcmp(target + n - (sizeof(want) - 1), want,
		sizeof(want) - 1) == 0;
}

/*
 * proc_cwd_is - process pid works in directory `dir` (its cwd has dir's
 * device and inode).  A cwd this user may not look at (another user's,
 * without ptrace rights) counts as yes: it cannot be told apart.
 */
static bool
proc_cwd_is(int procfd, long pid, const struct stat *dir)
{
	char rel[32];
	struct stat st;

	(void)snprintf(rel, sizeof(rel), "%ld/cwd", pid);
	/* Following the magic link stats the directory itself. */
	if (fstatat(procfd, rel, &st, 0) < 0)
		return errno == EACCES || errno == EPERM;
	return st.st_dev == dir->st_dev && st.st_ino == dir->st_ino;
}

/*
 * proc_is_sendmail - whether process pid is a running sendmail (see
 * sysinfo_sendmail_running()).  Sets *yes; returns 0, or -1.
 */
static int
proc_is_sendmail(int procfd, long pid, bool *yes, struct qerr *err)
{
	char comm[32], state;
	int r;

	*yes = false;
	r = proc_comm(procfd, pid, comm, sizeof(comm), &state, err);
	if (r <= 0)
		return r;
	/* A zombie keeps its comm but runs nothing; 'X' is dead. */
	if (state == 'Z' || state == 'X' || state == 'x')
		return 0;
	*yes = strncmp(comm, "sendmail", 8) == 0 ||
	    proc_exe_is_sendmail(procfd, pid);
	return 0;
}

/* parse_pid_name - a /proc entry name that is a PID, or 0 */
static long
parse_pid_name(const char *s)
{
	long v = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || v > (INT_MAX - 9) / 10)
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* sysinfo_sendmail_running - the processes that look like sendmail */
int
sysinfo_sendmail_running(long *pids, size_t maxpids, size_t *npids,
    const struct stat *cwd, struct qerr *err)
{
	struct dirent *de;
	DIR *d;
	long pid, self = (long)getpid();
	bool yes;
	int fd, e, ret = -1;

	REQUIRE(npids != NULL);
	REQUIRE(pids != NULL || maxpids == 0);
	*npids = 0;
	fd = open_proc(err);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (d == NULL) {
		e = errno;
		qerr_set(err, e, "opendir /proc: %s", strerror(e));
		close_quietly(fd);
		return -1;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL) {
			e = errno;
			if (e == 0)
				break;
			qerr_set(err, e, "readdir /proc: %s", strerror(e));
			goto out;
		}
		pid = parse_pid_name(de->d_name);
		if (pid <= 0 || pid == self)
			continue;
		if (proc_is_sendmail(dirfd(d), pid, &yes, err) < 0)
			goto out;
		if (!yes || (cwd != NULL && !proc_cwd_is(dirfd(d), pid, cwd)))
			continue;
		if (*npids < maxpids)
			pids[*npids] = pid;
		(*npids)++;
	}
	ret = 0;
out:
	(void)closedir(d); /* read-only; the result stands */
	return ret;
}

/* ------------------------------------------------------------------ */
/* Pid files */

/*
 * split_pid_path - the directory part of path into dir[] ("/" for a
 * file in the root, "." for a bare name) and *name pointing at the last
 * component, which must be a file name (not empty, ".", or "..").
 */
static int
split_pid_path(const char *path, char *dir, size_t dirsz, const char **name,
    struct qerr *err)
{
	char v[MSG_PATH];
	const char *slash;
	size_t n;

	n = strnlen(path, PATH_MAX);
	if (n >= PATH_MAX || n >= dirsz) {
		qerr_set(err, ENAMETOOLONG, "pid file path too long");
		return -1;
	}
	slash = strrchr(path, '/');
	*name = slash != NULL ? slash + 1 : path;
	if ((*name)[0] == '\0' || strcmp(*name, ".") == 0 ||
	    strcmp(*name, "..") == 0) {
		qerr_set(err, EINVAL, "%s: not a file name",
		    vis(v, sizeof(v), path));
		return -1;
	}
	if (slash == NULL) {
		memcpy(dir, ".", 2);
	} else if (slash == path) {
		memcpy(dir, "/", 2);
	} else {
		n = (size_t)(slash - path);
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	return 0;
}

/* absent - errno meaning that nothing is at a path */
static bool
absent(int e)
{
	return e == ENOENT || e == ENOTDIR;
}

/*
 * open_pid_dir - open the pid file's directory: realpath() resolves
 * symbolic links as sendmail's safedirpath() does, then sio_open_path()
 * opens the result, refusing a link that appeared since.  Sets *dfd;
 * returns 1, 0 when the directory does not exist, or -1.
 */
static int
open_pid_dir(const char *dir, int *dfd, struct qerr *err)
{
	char real[PATH_MAX], v[MSG_PATH];
	int e;

	if (realpath(dir, real) == NULL) {
		e = errno;
		if (absent(e))
			return 0;
		qerr_set(err, e, "resolve %s: %s", vis(v, sizeof(v), dir),
		    strerror(e));
		return -1;
	}
	*dfd = sio_open_path(real, NULL, NULL, err);
	if (*dfd < 0)
		return absent(err->sys_errno) ? 0 : -1;
	return 1;
}

/*
 * open_pid_entry - lstat name in dfd and open it when it is a regular
 * file.  Sets out->state and out->st; returns the fd, -2 when there is
 * nothing to read (the state says why), or -1.  A file replaced between
 * the lstat and the open (a daemon restarting) is looked at again.
 */
static int
open_pid_entry(int dfd, const char *name, struct sysinfo_pidfile *out,
    struct qerr *err)
{
	struct stat seen;
	int tries, fd, e;

	for (tries = 0; tries < OPEN_TRIES; tries++) {
		if (fstatat(dfd, name, &seen, AT_SYMLINK_NOFOLLOW) < 0) {
			e = errno;
			if (e == ENOENT)
				return -2;
			qerr_set(err, e, "lstat pid file: %s", strerror(e));
			return -1;
		}
		if (S_ISLNK(seen.st_mode)) {
			out->state = SYSINFO_PID_SYMLINK;
			return -2;
		}
		if (!S_ISREG(seen.st_mode)) {
			out->state = SYSINFO_PID_NOT_REGULAR;
			return -2;
		}
		fd = sio_open_entry(dfd, name, &seen, &out->st, err);
		if (fd >= 0)
			return fd;
		if (err->sys_errno != ESTALE && err->sys_errno != ELOOP &&
		    err->sys_errno != EINVAL && err->sys_errno != ENOENT)
			return -1;
		/* Changed since the lstat: look again. */
	}
	qerr_set(err, ESTALE, "pid file keeps changing");
	return -1;
}

/*
 * parse_pidfile - the PID ("%ld\n": digits, then a newline or the end)
 * and the sanitised second line from data[0..len).
 */
static void
parse_pidfile(const unsigned char *data, size_t len,
    struct sysinfo_pidfile *out)
{
	size_t i = 0, start, end;
	long v = 0;

	/* v stays below INT_MAX, so it fits a long everywhere; more
	 * digits than that make it not a PID. */
	while (i < len && data[i] >= '0' && data[i] <= '9' &&
	    v <= (INT_MAX - 9) / 10) {
		v = v * 10 + (data[i] - '0');
		i++;
	}
	if (i > 0 && v > 0 && (i == len || data[i] == '\n'))
		out->pid = v;
	/* The second line follows the first newline, whatever the first
	 * line held. */
	for (start = 0; start < len && data[start] != '\n'; start++)
		continue;
	if (start < len)
		start++;
	for (end = start; end < len && data[end] != '\n'; end++)
		continue;
	(void)printable(out->cmdline, sizeof(out->cmdline),
	    (const char *)data + start, end - start);
}

/* pid_alive - kill(pid, 0): the process exists (EPERM: someone else's) */
static bool
pid_alive(long pid)
{
	if (pid <= 0 || pid > INT_MAX)
		return false;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/*
 * read_pid_contents - probe the lock, read and parse an open pid file,
 * and look the process up.  Returns 0, or -1.
 */
static int
read_pid_contents(int fd, struct sysinfo_pidfile *out, struct qerr *err)
{
	struct sio_buf b = { NULL, 0, 0 };
	int r, procfd, ret = -1;

	r = sio_lock_probe(fd, err);
	if (r < 0)
		return -1;
	out->locked = r == SIO_LOCKED;
	if (sio_read(fd, &b, PIDFILE_READ_MAX, NULL, err) < 0)
		goto out;
	parse_pidfile(b.data, b.len, out);
	out->alive = pid_alive(out->pid);
	if (out->alive) {
		procfd = open_proc(err);
		if (procfd < 0)
			goto out;
		r = proc_is_sendmail(procfd, out->pid, &out->is_sendmail, err);
		close_quietly(procfd);
		if (r < 0)
			goto out;
	}
	ret = 0;
out:
	sio_buf_free(&b);
	return ret;
}

/* sysinfo_read_pidfile - what is at a pid file's path */
int
sysinfo_read_pidfile(const char *path, struct sysinfo_pidfile *out,
    struct qerr *err)
{
	char dir[PATH_MAX];
	const char *name;
	int dfd = -1, fd = -1, r, ret = -1;

	REQUIRE(path != NULL);
	REQUIRE(out != NULL);
	REQUIRE(err != NULL);
	memset(out, 0, sizeof(*out));
	out->state = SYSINFO_PID_ABSENT;
	if (split_pid_path(path, dir, sizeof(dir), &name, err) < 0)
		return -1;
	r = open_pid_dir(dir, &dfd, err);
	if (r <= 0)
		return r;
	fd = open_pid_entry(dfd, name, out, err);
	if (fd == -2) {
		ret = 0;
		goto out;
	}
	if (fd < 0)
		goto out;
	out->state = SYSINFO_PID_READ;
	out->present = true;
	ret = read_pid_contents(fd, out, err);
out:
	if (fd >= 0)
		close_quietly(fd);
	close_quietly(dfd);
	return ret;
}

/* ------------------------------------------------------------------ */
/* fstab and mountinfo */

struct line_reader {
	FILE *f;
	const char *path;	/* for messages */
	char *buf;		/* LINE_BUF_SIZE bytes */
	unsigned long lineno;
	bool cut;		/* the line was longer than buf; rest dropped */
	bool nul;		/* the line held a NUL byte */
};

/*
 * next_line - the next line into lr->buf, without its newline.  Bytes
 * past the buffer are read and dropped (lr->cut).  Returns 1, 0 at the
 * end of the file, or -1 on a read error.
 */
static int
next_line(struct line_reader *lr, struct qerr *err)
{
	char v[MSG_PATH];
	size_t n = 0;
	bool any = false;
	int c, e;

	lr->cut = false;
	lr->nul = false;
	while ((c = getc(lr->f)) != EOF) {
		any = true;
		if (c == '\n')
			break;
		if (c == '\0')
			lr->nul = true;
		if (n + 1 < LINE_BUF_SIZE)
			lr->buf[n++] = (char)c;
		else
			lr->cut = true;
	}
	if (ferror(lr->f)) {
		e = errno;
		qerr_set(err, e, "read %s: %s", vis(v, sizeof(v), lr->path),
		    strerror(e));
		return -1;
	}
	if (!any)
		return 0;
	lr->buf[n] = '\0';
	lr->lineno++;
	return 1;
}

/*
 * split_fields - split s in place at blanks into at most max fields.
 * A field running to the end of a cut line is incomplete and not
 * counted.  Returns the number of complete fields.
 */
static size_t
split_fields(char *s, char **fields, size_t max, bool cut)
{
	size_t n = 0, len;

	while (n < max) {
		s += strspn(s, " \t");
		if (*s == '\0')
			break;
		len = strcspn(s, " \t");
		if (s[len] == '\0' && cut)
			break;
		fields[n++] = s;
		if (s[len] == '\0')
			break;
		s[len] = '\0';
		s += len + 1;
	}
	return n;
}

/* is_octal - c is an octal digit no greater than max */
static bool
is_octal(char c, char max)
{
	return c >= '0' && c <= max;
}

/*
 * unescape - decode "\ooo" (first digit 0-3, value not 0) in place, as
 * the kernel's mangling of mountinfo paths and libmount's reading of
 * fstab; every other backslash is kept.
 */
static void
unescape(char *s)
{
	char *w = s;
	int v;

	while (*s != '\0') {
		if (s[0] == '\\' && is_octal(s[1], '3') && is_octal(s[2], '7') &&
		    is_octal(s[3], '7')) {
			v = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');
			if (v != 0) {
				*w++ = (char)v;
				s += 4;
				continue;
			}
		}
		*w++ = *s++;
	}
	*w = '\0';
}

/* normalize_dir - drop repeated and trailing '/' in place ("/" stays) */
static void
normalize_dir(char *s)
{
	char *w = s;
	const char *r = s;

	while (*r != '\0') {
		if (r[0] == '/' && (r[1] == '/' || (r[1] == '\0' && w != s))) {
			r++;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* has_option - the comma-separated list opts holds exactly opt */
static bool
has_option(const char *opts, const char *opt)
{
	size_t n = strlen(opt), len;

	for (;;) {
		len = strcspn(opts, ",");
		if (len == n && strncmp(opts, opt, n) == 0)
			return true;
		if (opts[len] == '\0')
			return false;
		opts += len + 1;
	}
}

/* An fstab mount point on the queue path: queue[0..len). */
struct candidate {
	size_t len;
	bool mounted;
	char device[SYSINFO_DEVICE_MAX];
};

struct mount_scan {
	const char *queue;
	size_t qlen;
	struct candidate c[MAX_CANDIDATES];
	size_t n;
	size_t mount_len;	/* the deepest mount point holding the queue */
	char fstype[SYSINFO_FSTYPE_MAX]; /* its type; "" unknown */
};

/*
 * ancestor_len - if mp is queue or one of its ancestors, component by
 * component, its length; otherwise 0.  "/" is never one here.
 */
static size_t
ancestor_len(const struct mount_scan *ms, const char *mp)
{
	size_t n = strlen(mp);

	if (n < 2 || n > ms->qlen || memcmp(ms->queue, mp, n) != 0)
		return 0;
	if (ms->queue[n] != '\0' && ms->queue[n] != '/')
		return 0;
	return n;
}

/*
 * add_candidate - remember the fstab entry with mount point
 * queue[0..len) and device dev; the first entry for a mount point
 * stands.  Returns 0, or -1 when the table is full.
 */
static int
add_candidate(struct mount_scan *ms, size_t len, const char *dev,
    struct qerr *err)
{
	struct candidate *c;
	size_t i, n;

	for (i = 0; i < ms->n; i++)
		if (ms->c[i].len == len)
			return 0;
	if (ms->n == MAX_CANDIDATES) {
		qerr_set(err, E2BIG,
		    "more than %d fstab mount points on the queue path",
		    MAX_CANDIDATES);
		return -1;
	}
	c = &ms->c[ms->n++];
	c->len = len;
	c->mounted = false;
	n = strlen(dev);
	if (n > sizeof(c->device) - 1)
		n = sizeof(c->device) - 1;
	memcpy(c->device, dev, n);
	c->device[n] = '\0';
	return 0;
}

/*
 * fstab_line - consider one fstab line: fields spec, file, vfstype,
 * mntops (the last two may be missing).  Returns 0, or -1.
 */
static int
fstab_line(struct mount_scan *ms, struct line_reader *lr, struct qerr *err)
{
	char *f[FSTAB_FIELDS];
	size_t nf, len;
	const char *p;

	p = lr->buf + strspn(lr->buf, " \t");
	if (*p == '#' || lr->nul)
		return 0;
	nf = split_fields(lr->buf, f, FSTAB_FIELDS, lr->cut);
	/* libmount reports a line it cannot parse and goes on. */
	if (nf < 2 || (lr->cut && nf < FSTAB_FIELDS))
		return 0;
	if (nf >= 3 && (strcmp(f[2], "swap") == 0 ||
	    strcmp(f[2], "ignore") == 0))
		return 0;
	if (nf >= 4 && has_option(f[3], "noauto"))
		return 0;
	unescape(f[1]);
	if (f[1][0] != '/')
		return 0; /* "none", "swap": not a path */
	normalize_dir(f[1]);
	len = ancestor_len(ms, f[1]);
	if (len == 0)
		return 0;
	unescape(f[0]);
	return add_candidate(ms, len, f[0], err);
}

/*
 * mountinfo_line - mark the candidates mounted at this line's field 5,
 * and keep the type (the field after the "-" separator) of the deepest
 * mount point on the queue path
 */
static int
mountinfo_line(struct mount_scan *ms, struct line_reader *lr,
    struct qerr *err)
{
	char v[MSG_PATH], *f[MOUNTINFO_MAX_FIELDS];
	size_t i, n, nf, len;

	if (lr->nul || (nf = split_fields(lr->buf, f, MOUNTINFO_MAX_FIELDS,
			    lr->cut)) < MOUNTINFO_FIELDS) {
		qerr_set(err, EINVAL, "%s line %lu: not a mountinfo line",
		    vis(v, sizeof(v), lr->path), lr->lineno);
		return -1;
	}
	unescape(f[4]);
	n = strlen(f[4]);
	for (i = 0; i < ms->n; i++)
		if (ms->c[i].len == n && memcmp(ms->queue, f[4], n) == 0)
			ms->c[i].mounted = true;
	len = strcmp(f[4], "/") == 0 ? 1 : ancestor_len(ms, f[4]);
	/* A later line for the same mount point is mounted over it. */
	if (len == 0 || len < ms->mount_len)
		return 0;
	ms->mount_len = len;
	ms->fstype[0] = '\0';
	for (i = MOUNTINFO_FIELDS; i + 1 < nf; i++)
		if (strcmp(f[i], "-") == 0) {
			(void)snprintf(ms->fstype, sizeof(ms->fstype), "%s",
			    f[i + 1]);
			break;
		}
	return 0;
}

/*
 * scan_file - open path and feed each line to fn.  A missing file is
 * 1 when missing_ok, else an error.  Returns 0, 1, or -1.
 */
static int
scan_file(const char *path, bool missing_ok, char *buf,
    int (*fn)(struct mount_scan *, struct line_reader *, struct qerr *),
    struct mount_scan *ms, struct qerr *err)
{
	struct line_reader lr;
	int r;

	memset(&lr, 0, sizeof(lr));
	lr.path = path;
	lr.buf = buf;
	lr.f = open_system_file(path, err);
	if (lr.f == NULL)
		return missing_ok && err->sys_errno == ENOENT ? 1 : -1;
	while ((r = next_line(&lr, err)) > 0)
		if (fn(ms, &lr, err) < 0) {
			r = -1;
			break;
		}
	(void)fclose(lr.f); /* read-only; nothing to flush */
	return r;
}

/* sysinfo_check_fstab - is the queue under an unmounted fstab entry? */
int
sysinfo_check_fstab(const char *fstab_path, const char *mountinfo_path,
    const char *queue_path, struct sysinfo_mount *out, struct qerr *err)
{
	struct mount_scan ms;
	const struct candidate *best = NULL;
	char *buf;
	size_t i;
	int r;

	REQUIRE(fstab_path != NULL);
	REQUIRE(mountinfo_path != NULL);
	REQUIRE(queue_path != NULL);
	REQUIRE(out != NULL);
	REQUIRE(err != NULL);
	memset(out, 0, sizeof(*out));
	memset(&ms, 0, sizeof(ms));
	ms.queue = queue_path;
	ms.qlen = strnlen(queue_path, PATH_MAX);
	if (ms.qlen >= PATH_MAX) {
		qerr_set(err, ENAMETOOLONG, "queue path too long");
		return -1;
	}
	if (queue_path[0] != '/') {
		qerr_set(err, EINVAL, "queue path is not absolute");
		return -1;
	}
	buf = malloc(LINE_BUF_SIZE);
	if (buf == NULL) {
		qerr_set(err, ENOMEM, "out of memory");
		return -1;
	}
	r = scan_file(fstab_path, true, buf, fstab_line, &ms, err);
	if (r < 0) {
		free(buf);
		return -1;
	}
	out->fstab_present = r == 0;
	/* mountinfo is needed for the fstab entries on the path; for the
	 * queue's file system type alone, a failure only leaves it unknown. */
	r = scan_file(mountinfo_path, false, buf, mountinfo_line, &ms, err);
	free(buf);
	if (r != 0 && ms.n > 0)
		return -1;
	if (r == 0)
		memcpy(out->fstype, ms.fstype, sizeof(out->fstype));
	else
		qerr_clear(err);
	for (i = 0; i < ms.n; i++)
		if (!ms.c[i].mounted && (best == NULL || ms.c[i].len < best->len))
			best = &ms.c[i];
	if (best != NULL) {
		out->fstab_unmounted = true;
		memcpy(out->fstab_mountpoint, queue_path, best->len);
		out->fstab_mountpoint[best->len] = '\0';
		memcpy(out->fstab_device, best->device, sizeof(out->fstab_device));
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Free space */

/* sysinfo_free_blocks - free blocks and block size, as sendmail sees them */
int
sysinfo_free_blocks(int dirfd, long long *avail_blocks, long *block_size,
    long long *f_type, struct qerr *err)
{
	struct statfs fs;
	int e;

	REQUIRE(avail_blocks != NULL);
	REQUIRE(block_size != NULL);
	if (fstatfs(dirfd, &fs) < 0) {
		e = errno;
		qerr_set(err, e, "fstatfs: %s", strerror(e));
		return -1;
	}
	/* f_type is a signed word; the magic numbers are its 32 bits. */
	if (f_type != NULL)
		*f_type = (long long)(unsigned int)fs.f_type;
	/* freediskspace(): FSBLOCKSIZE is f_bsize, SFS_BAVAIL f_bavail. */
	*block_size = (long)fs.f_bsize;
	if (fs.f_bsize <= 0)
		*avail_blocks = 0; /* filesys_update(): fs_avail = 0 */
	else if (fs.f_bavail > (unsigned long long)LLONG_MAX)
		*avail_blocks = LLONG_MAX;
	else
		*avail_blocks = (long long)fs.f_bavail;
	return 0;
}

/* sysinfo_network_fs - see sysinfo.h; magic numbers of linux/magic.h
 * and the file systems' own headers */
const char *
sysinfo_network_fs(long long f_type)
{
	static const struct {
		unsigned long long magic;
		const char *name;
	} net[] = {
		{ 0x6969, "nfs" },
		{ 0x517b, "smb" },
		{ 0xff534d42, "cifs" },
		{ 0xfe534d42, "smb2" },
		{ 0x73757245, "coda" },
		{ 0x5346414f, "afs" },
		{ 0x6b414653, "afs" },
		{ 0x00c36400, "ceph" },
		{ 0x01021997, "9p" },
		{ 0x564c, "ncp" },
		{ 0x0bd00bd0, "lustre" },
		{ 0x01161970, "gfs2" },
		{ 0x7461636f, "ocfs2" },
	};
	size_t i;

	for (i = 0; i < sizeof(net) / sizeof(net[0]); i++)
		if ((unsigned long long)f_type == net[i].magic)
			return net[i].name;
	return NULL;
}

/* sysinfo_network_fstype - see sysinfo.h */
const char *
sysinfo_network_fstype(const char *fstype)
{
	static const char *const net[] = {
		"nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "coda", "afs",
		"ceph", "9p", "lustre", "gfs2", "ocfs2", "glusterfs",
		"fuse.sshfs", "fuse.glusterfs", "fuse.ceph-fuse", "fuse.s3fs",
		"fuse.rclone", "fuse.gcsfuse", "fuse.davfs",
	};
	size_t i;

	for (i = 0; i < sizeof(net) / sizeof(net[0]); i++)
		if (strcmp(fstype, net[i]) == 0)
			return net[i];
	return NULL;
}

/* sysinfo_enough_space - pickqdir()'s test for one queue directory */
bool
sysinfo_enough_space(long long avail_blocks, long block_size,
    long min_blocks_free, long msize)
{
	unsigned long long needed = 0;
	long size_blocks;

	if (min_blocks_free <= 0 && msize <= 0)
		return true;
	if (block_size <= 0 || avail_blocks < 0)
		return false;
	if (msize > 0) {
		/* At most LONG_MAX / 1 + 0 or LONG_MAX / 2 + 1: no overflow. */
		size_blocks = msize / block_size +
		    (msize % block_size > 0 ? 1 : 0);
		needed = (unsigned long long)size_blocks;
	}
	/* Two values below LONG_MAX: their sum fits.  sendmail adds them
	 * in a long, which could overflow; that is not imitated. */
	if (min_blocks_free > 0)
		needed += (unsigned long long)min_blocks_free;
	return needed <= (unsigned long long)avail_blocks;
}
