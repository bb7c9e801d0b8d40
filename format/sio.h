/*
 * sio.h - safe file I/O on a queue that may hold hostile files.
 *
 * Rules every function here keeps:
 *  - No path strings for I/O: everything is relative to a directory fd
 *    (openat, fstatat, renameat, unlinkat), and no call follows a
 *    symbolic link (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW).  A path string is
 *    accepted only by sio_open_path(), which walks it one component at a
 *    time under the same rules.
 *  - What was opened is checked with fstat(): type, and identity (device
 *    and inode) against what the directory scan saw, so a file swapped
 *    between scan and open is refused (Postfix safe_open(), sendmail
 *    readqf()'s stat/fstat comparison).
 *  - Non-regular files are never opened (a FIFO would block, a device
 *    open can have side effects): sio_open_entry() refuses them from the
 *    scan's lstat information before calling open.
 *  - Memory is bounded: sio_read() reads at most the cap it is given.
 *  - Every call that changes the file system takes a struct sio_writer,
 *    which only a run allowed to write ever creates; with -n there is no
 *    writer, so no code path can change anything (fsck_ffs's fswritefd =
 *    -1 pattern).  All such calls go through one counter, which the
 *    fault-injection tests use to stop the program after the N-th change.
 *  - Locks are sendmail's: Debian's sendmail 8.17 is built with HASFLOCK
 *    and locks queue files with flock(2) (conf.c lockfile()); builds
 *    without HASFLOCK use fcntl(F_SETLK).  A probe looks for both.
 *
 * Failures return -1 and fill a struct qerr with errno and the operation;
 * nothing here prints or exits (err.h).
 */
#ifndef MQ_SIO_H
#define MQ_SIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "err.h"

/* ------------------------------------------------------------------ */
/* Reading */

/*
 * Entry names (`name`, `tmpname` below) are single path components: an
 * empty name or one holding '/' is refused with EINVAL, because
 * O_NOFOLLOW guards only the last component of a path.
 */

/*
 * sio_opendirat - open entry `name` of directory `dirfd` as a directory,
 * never following a symbolic link (O_RDONLY|O_DIRECTORY|O_NOFOLLOW|
 * O_CLOEXEC), and fstat it into *st (may be NULL).  Returns the fd, or -1:
 * ELOOP (a symlink), ENOTDIR (not a directory), ENOENT, EACCES, ...
 */
int sio_opendirat(int dirfd, const char *name, struct stat *st,
    struct qerr *err);

/*
 * Called by sio_open_path() for each directory on the way, root first:
 * `prefix` is the path up to and including this component (for
 * messages), st its fstat().  Returning non-zero stops the walk (the
 * walk then fails with ECANCELED).
 */
typedef int (*sio_path_visit_fn)(void *arg, const char *prefix,
    const struct stat *st);

/*
 * sio_open_path - open directory `path` (absolute, or relative to the
 * current directory) by walking it one component at a time with
 * sio_opendirat(): no symbolic link anywhere on the path is followed.
 * "." components are skipped; ".." is refused (EINVAL).  On failure
 * err->msg names the component that failed.  visit may be NULL.  A
 * relative walk does not visit the current directory unless the path
 * has nothing but "." components (then it is visited as ".").
 * Returns the fd of the last directory, or -1.
 */
int sio_open_path(const char *path, sio_path_visit_fn visit, void *arg,
    struct qerr *err);

/* At most this many symbolic links are followed in one walk
 * (sendmail's MAXSYMLINKS, libsmutil safefile.c). */
#define SIO_MAX_LINKS 32

/*
 * Whether the symbolic link `prefix` may be followed: link_st is its
 * lstat(), parent_st the fstat() of the directory holding it (already
 * visited), target what it points to.
 */
typedef bool (*sio_link_ok_fn)(void *arg, const char *prefix,
    const struct stat *link_st, const struct stat *parent_st,
    const char *target);

/*
 * sio_open_path_links - sio_open_path(), starting at atfd (AT_FDCWD: the
 * current directory) for a relative path, but a symbolic link on the way
 * is followed when link_ok (may be NULL: never) says so; every directory
 * reached is still opened with O_NOFOLLOW and visited, the link's target
 * walked component by component like the path itself.  An absolute
 * target restarts at "/" (visited again); ".." is allowed only inside a
 * target, where it means the physical parent.  A link that is not
 * followed fails the walk with ELOOP.  Returns the directory's fd or -1.
 */
int sio_open_path_links(int atfd, const char *path, sio_path_visit_fn visit,
    sio_link_ok_fn link_ok, void *arg, struct qerr *err);

/* when a file was created, last written and last changed (its name,
 * links, owner or mode: statx() STATX_BTIME, STATX_MTIME, STATX_CTIME) */
struct sio_times {
	struct timespec birth;
	struct timespec modify;
	struct timespec change;
};

/*
 * sio_entry_times - when entry `name` of dirfd (not followed), or with
 * name NULL the directory dirfd itself, was created, last written and
 * last changed, into *t.  Returns 1 when the file system does not say
 * when it was created, 0 when it does, -1 on an error.
 */
int sio_entry_times(int dirfd, const char *name, struct sio_times *t,
    struct qerr *err);

/*
 * sio_open_entry - open entry `name` of `dirfd` for reading.
 * `seen` is the entry's fstatat(AT_SYMLINK_NOFOLLOW) from the directory
 * scan: if it is not a regular file nothing is opened (EINVAL).  The
 * open uses O_RDONLY|O_NOFOLLOW|O_NOCTTY|O_NONBLOCK|O_CLOEXEC; the fd is
 * then fstat()ed into *st (may be NULL) and must be a regular file with
 * the same st_dev and st_ino as `seen` (otherwise ESTALE: swapped since
 * the scan).  Returns the fd, or -1: ELOOP (now a symlink), ENOENT
 * (vanished), EINVAL (not regular), ESTALE, EACCES, ...  Only type and
 * identity are checked here; owner, mode and link count are the caller's
 * to judge from *st.
 */
int sio_open_entry(int dirfd, const char *name, const struct stat *seen,
    struct stat *st, struct qerr *err);

/*
 * sio_open_regular - the same when the directory listing (readdir()'s
 * d_type DT_REG) already says `name` is a regular file: no lstat first,
 * so one name lookup fewer.  The fd is fstat()ed into *st (may be NULL)
 * and must be a regular file (else EINVAL, closed); a symlink gives
 * ELOOP, O_NONBLOCK keeps a FIFO swapped in from blocking.  The window in
 * which a swap to a device could be opened is the same as between an
 * lstat and the open of sio_open_entry().
 */
int sio_open_regular(int dirfd, const char *name, struct stat *st,
    struct qerr *err);

/* A growable read buffer, reused between files. */
struct sio_buf {
	unsigned char *data;
	size_t len;		/* bytes read */
	size_t cap;		/* allocated */
};

/* sio_buf_free - release a read buffer; it may be reused after */
void sio_buf_free(struct sio_buf *b);

/*
 * sio_read - read fd from its current offset to end of file into b
 * (replacing what it held), but never more than `limit` bytes.
 * *truncated (may be NULL) tells whether bytes were left unread (to
 * know, one byte past the limit is read, so the offset then ends at
 * limit + 1).  EINTR is retried.  Returns 0, or -1 (read error, ENOMEM;
 * b->len then counts what was read before the failure).
 */
int sio_read(int fd, struct sio_buf *b, size_t limit, bool *truncated,
    struct qerr *err);

/*
 * sio_read_sized - the same for a regular file whose st_size (from an
 * fstat() of fd) is size: a short read that brings the bytes read to
 * exactly size ends the read, one read() fewer (the file as fstat() saw
 * it; one that grew since is read as it was).
 */
int sio_read_sized(int fd, struct sio_buf *b, size_t limit, size_t size,
    bool *truncated, struct qerr *err);

/* ------------------------------------------------------------------ */
/* Locks */

enum sio_lock_state {
	SIO_UNLOCKED = 0, /* nobody else holds a lock */
	SIO_LOCKED = 1,	  /* another process holds a lock: the job is in use */
};

/*
 * sio_lock_probe - whether another process holds a lock on fd: tries
 * flock(LOCK_SH|LOCK_NB) and releases it at once (what sendmail's own
 * gatherq() does), and asks fcntl(F_GETLK) whether a write lock could be
 * placed.  Works on a read-only fd and changes nothing lasting.  Returns
 * SIO_UNLOCKED, SIO_LOCKED, or -1.  Not for an fd on which this process
 * already holds a flock: LOCK_SH would convert it and LOCK_UN drop it.
 */
int sio_lock_probe(int fd, struct qerr *err);

/*
 * sio_lock_ex - take the lock sendmail takes before working on a job:
 * flock(LOCK_EX|LOCK_NB), and, when fd is open for writing, fcntl
 * F_SETLK F_WRLCK on the whole file.  Returns 0 (held until fd is
 * closed), SIO_LOCKED (someone else has it; nothing held), or -1.
 * Note the POSIX rule: closing any fd of the file drops this process's
 * fcntl locks on it.
 */
int sio_lock_ex(int fd, struct qerr *err);

/*
 * sio_lock_job - sio_lock_probe() then sio_lock_ex(), in three calls
 * instead of six: flock(LOCK_EX|LOCK_NB) (refused while anyone else
 * holds a flock, shared or exclusive), then, on a read-only fd, fcntl
 * F_GETLK (someone holds an fcntl lock: the flock is released again), on
 * a writable one F_SETLK as sio_lock_ex().  Returns 0 (held until fd is
 * closed), SIO_LOCKED (nothing held), or -1.
 */
int sio_lock_job(int fd, struct qerr *err);

/* ------------------------------------------------------------------ */
/* Changing things: only with a writer */

struct sio_writer;

/*
 * sio_writer_new - the capability to change the file system.  Only a
 * run that may write calls this.  Returns NULL with err set on ENOMEM.
 */
struct sio_writer *sio_writer_new(struct qerr *err);

/* sio_writer_free - drop the capability */
void sio_writer_free(struct sio_writer *w);

/* sio_writer_count - mutating calls made through w so far (counted as
 * they are issued, whether they then succeed or fail) */
uint64_t sio_writer_count(const struct sio_writer *w);

/* sio_fsync_retry - fsync(2), retrying EINTR (not a counted change: it
 * makes durable what one did) */
int sio_fsync_retry(int fd);

/*
 * sio_writer_fail_after - for fault-injection tests: after `n` mutating
 * calls have completed, the next one kills the process with SIGKILL
 * before it is made (0 = never).  The environment variable
 * MQFSCK_FAULT_AFTER sets this when the writer is created;
 * MQFSCK_FAULT_SIGNAL=INT makes it raise SIGINT there instead, once,
 * and make the call (an interrupt, not a crash); =ALRM raises SIGALRM
 * (the time limit passing).
 */
void sio_writer_fail_after(struct sio_writer *w, uint64_t n);

/*
 * sio_replace - atomically replace `name` in dirfd the way sendmail's
 * queueup() rewrites a control file:
 *   openat(dirfd, tmpname, O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC,
 *          0600) -- an existing tmpname fails with EEXIST, as in sendmail;
 *   flock(LOCK_EX|LOCK_NB) the new file;
 *   fchown(uid, gid) unless both are -1 (either may be -1: unchanged);
 *   fchmod(mode);
 *   fill(fd, arg) writes the contents (returns 0 or -1 with errno set);
 *   fsync(fd); renameat(tmpname -> name); fsync(dirfd).
 * On failure before the rename the temporary file is removed.  Returns
 * the new file's fd, still locked (the caller closes it when its work on
 * the job is done), or -1.  A failure of the final directory fsync is
 * reported as -1 even though the rename happened.
 */
int sio_replace(struct sio_writer *w, int dirfd, const char *name,
    const char *tmpname, mode_t mode, uid_t uid, gid_t gid,
    int (*fill)(int fd, void *arg), void *arg, struct qerr *err);

/*
 * The calls below change one thing each and count as one mutating call.
 * `expect`, where taken, is what the caller checked (type, device and
 * inode): the entry is looked at again with fstatat(AT_SYMLINK_NOFOLLOW)
 * just before the change, and a different file there is refused with
 * ESTALE (a swap since the check).  Between that look and the change a
 * process that can write the directory could still swap the entry; the
 * queue directory's owner and mode are checked in pass 0 so that only
 * its owner can.
 */

/* sio_unlink - remove entry `name` (not a directory) of dirfd */
int sio_unlink(struct sio_writer *w, int dirfd, const char *name,
    const struct stat *expect, struct qerr *err);

/* sio_rmdir - remove the empty directory `name` of dirfd */
int sio_rmdir(struct sio_writer *w, int dirfd, const char *name,
    const struct stat *expect, struct qerr *err);

/*
 * sio_rename - rename fromfd/from to tofd/to.  With noreplace an
 * existing `to` is never replaced (renameat2 RENAME_NOREPLACE: EEXIST);
 * without it `to` is replaced atomically, as sendmail renames tf over qf.
 * A rename across file systems fails with EXDEV: nothing is ever copied.
 */
int sio_rename(struct sio_writer *w, int fromfd, const char *from, int tofd,
    const char *to, bool noreplace, const struct stat *expect,
    struct qerr *err);

/*
 * sio_exchange - exchange the names a (in afd) and b (in bfd) atomically
 * (renameat2 RENAME_EXCHANGE): at no moment is either name missing.
 * Both entries are looked at first and must be ea and eb.  A file
 * system without the operation gives EINVAL: nothing is changed.
 */
int sio_exchange(struct sio_writer *w, int afd, const char *a, int bfd,
    const char *b, const struct stat *ea, const struct stat *eb,
    struct qerr *err);

/* sio_fchown - fchown() an fd the caller opened and verified; -1 keeps */
int sio_fchown(struct sio_writer *w, int fd, uid_t uid, gid_t gid,
    struct qerr *err);

/* sio_fchmod - fchmod() an fd the caller opened and verified */
int sio_fchmod(struct sio_writer *w, int fd, mode_t mode, struct qerr *err);

/* sio_futimens - set the access and modification times of an fd */
int sio_futimens(struct sio_writer *w, int fd, const struct timespec ts[2],
    struct qerr *err);

/* sio_mkdirat - make directory `name` of dirfd with mode; EEXIST if
 * anything has that name */
int sio_mkdirat(struct sio_writer *w, int dirfd, const char *name,
    mode_t mode, struct qerr *err);

/*
 * A new file that gets its name only when it is complete: O_TMPFILE
 * where the file system has it (an interrupted run then leaves nothing
 * behind), else a hidden temporary name (".mqfsck-tmp.<pid>.<n>") that is
 * removed on failure.
 */
struct sio_tmp {
	int fd;			/* open O_RDWR; -1 when none */
	int dirfd;		/* where it is, borrowed */
	bool named;		/* the fallback: it has tmpname */
	char tmpname[48];
};

/* sio_tmp_create - a new, unnamed regular file in dirfd with mode
 * (counted: one call) */
int sio_tmp_create(struct sio_writer *w, int dirfd, mode_t mode,
    struct sio_tmp *t, struct qerr *err);

/*
 * sio_tmp_publish - give the file the name `name` in its directory,
 * never replacing an entry of that name (EEXIST); the caller has written
 * and fsync()ed it.  The fd stays open (sio_tmp_close()).  Counted: one
 * call (linkat), plus the removal of the fallback's temporary name.
 */
int sio_tmp_publish(struct sio_writer *w, struct sio_tmp *t, const char *name,
    struct qerr *err);

/* sio_tmp_close - close the file; a named temporary file that was not
 * published is removed (not counted: it undoes our own creation) */
void sio_tmp_close(struct sio_tmp *t);

/*
 * sio_fsync_dir - fsync a directory fd (after a rename or unlink; Linux
 * needs it for the entry to be durable: sendmail's REQUIRES_DIR_FSYNC).
 * Takes no writer: it changes nothing.
 */
int sio_fsync_dir(int dirfd, struct qerr *err);

/* sio_write_all - write n bytes to fd, retrying short writes and EINTR */
int sio_write_all(int fd, const void *data, size_t n, struct qerr *err);

/*
 * sio_open_path_make - sio_open_path(), making what is missing with mode
 * (each component with sio_mkdirat(), never through a link), from the
 * root or, for a relative path, the current directory
 */
int sio_open_path_make(struct sio_writer *w, const char *path, mode_t mode,
    struct qerr *err);

#endif /* MQ_SIO_H */
