/*
 * sysinfo.h - facts about the running system around a queue.
 *
 * mqfsck's judgement of a queue depends on what surrounds it:
 *  - whether a sendmail daemon is running (its PidFile, locked by the
 *    live daemon, and the process itself);
 *  - whether any sendmail process at all may be running: then files
 *    younger than a grace period may be in flight;
 *  - whether the queue sits under a mount point that /etc/fstab says
 *    should be mounted but is not: the queue seen is then the one hidden
 *    under the mount point;
 *  - how much free space sendmail sees on the queue's file system, in
 *    the units of its MinFreeBlocks option.
 *
 * This module only gathers those facts.  It never prints and never
 * exits: a failure returns -1 and fills a struct qerr (err.h).  What a
 * fact means for the queue is the caller's business, and so is reading
 * the queue's files.
 *
 * Strings copied out of files (device names, mount points) hold the raw
 * decoded bytes: escape them before printing (esc.h).  The one
 * exception is the pid file's command line, which is reduced to
 * printable ASCII here.
 */
#ifndef MQ_SYSINFO_H
#define MQ_SYSINFO_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "err.h"
#include "paths.h"

/*
 * Debian 12's pid files (PidFile in sendmail.cf and submit.cf, and the
 * split-mode queue runner of debian/local/sendmail.in).  /var/run is a
 * symbolic link to /run on Debian; see sysinfo_read_pidfile() for how
 * that is handled.
 */
#define SYSINFO_PIDFILE_MTA MQ_RUNSTATEDIR "/sendmail/mta/sendmail.pid"
#define SYSINFO_PIDFILE_MTA_QUEUE MQ_RUNSTATEDIR "/sendmail/mta/queue.pid"
#define SYSINFO_PIDFILE_MSP MQ_RUNSTATEDIR "/sendmail/msp/sendmail.pid"

#define SYSINFO_FSTAB MQ_SYSCONFDIR "/fstab"
#define SYSINFO_MOUNTINFO "/proc/self/mountinfo"

#define SYSINFO_CMDLINE_MAX 256
#define SYSINFO_DEVICE_MAX 256
#define SYSINFO_FSTYPE_MAX 64

/* ------------------------------------------------------------------ */
/* Pid files */

/* What is at a pid file's path. */
enum sysinfo_pid_state {
	SYSINFO_PID_ABSENT = 0,	 /* no such file, or no such directory */
	SYSINFO_PID_READ,	 /* a regular file: opened and read */
	SYSINFO_PID_SYMLINK,	 /* a symbolic link: not followed, not read */
	SYSINFO_PID_NOT_REGULAR, /* a directory, FIFO, device...: not opened */
};

/*
 * A sendmail pid file, as util.c log_sendmail_pid() writes it: the PID
 * with "%ld\n", then the command line and "\n".  Every field but state
 * and present is zero / false / "" unless state is SYSINFO_PID_READ.
 */
struct sysinfo_pidfile {
	enum sysinfo_pid_state state;
	bool present;		/* state == SYSINFO_PID_READ */
	struct stat st;		/* fstat() of the file read (owner, mtime...) */
	long pid;		/* first line; 0 if it is not a PID */
	bool locked;		/* another process holds a flock or fcntl lock
				 * on it: the live daemon does */
	bool alive;		/* pid > 0 and kill(pid, 0) succeeds or fails
				 * with EPERM */
	bool is_sendmail;	/* alive, not a zombie, and its comm starts
				 * with "sendmail" or its exe is ".../sendmail" */
	char cmdline[SYSINFO_CMDLINE_MAX]; /* second line, each byte outside
				 * 0x20-0x7e replaced by '?', cut to fit */
};

/*
 * sysinfo_read_pidfile - what is at pid file `path`, and whether the
 * process it names is running.
 *
 * The directory part of path is resolved with realpath(), following
 * symbolic links as sendmail itself does (libsmutil/safefile.c
 * safedirpath() follows them; Debian's PidFile goes through the
 * /var/run -> /run link), and the resolved path is then opened with
 * sio_open_path(), which follows none.  The last component is never
 * followed: log_sendmail_pid() opens the file with SFF_NOLINK, so
 * sendmail refuses to write through a symbolic link (or to a file with
 * more than one hard link), and a symbolic link there was not made by
 * sendmail.  It is reported as SYSINFO_PID_SYMLINK; a non-regular file
 * as SYSINFO_PID_NOT_REGULAR; neither is opened.  A regular file is
 * opened with sio_open_entry().
 *
 * The lock is probed with sio_lock_probe(): log_sendmail_pid() opens the
 * file through dfopen() with SFF_NBLOCK, which takes an exclusive
 * non-blocking lock (flock on Debian, fcntl on builds without HASFLOCK)
 * and keeps the file open until the process exits.  The probe holds a
 * shared flock for a moment: a daemon starting in that instant fails to
 * lock its pid file, logs "file in use by another process" and runs
 * without one (mailq's gatherq() probe of queue files has the same
 * window).  At most 4096 bytes of the file are read.
 *
 * A locked file with pid 0 is a daemon between its lock and its write.
 * An unlocked file naming a dead process is stale: sendmail unlinks its
 * pid file when it exits normally (main.c finis()), so a crash or a
 * SIGKILL left it.  An unlocked file naming a live process that is not
 * sendmail: the PID was reused.
 *
 * Returns 0 with *out filled (a missing file or directory is state
 * SYSINFO_PID_ABSENT, not an error), or -1: path malformed (EINVAL,
 * ENAMETOOLONG), a directory or the file unreadable (EACCES, ELOOP when
 * a symbolic link appears during the walk, ...), /proc unreadable.
 */
int sysinfo_read_pidfile(const char *path, struct sysinfo_pidfile *out,
    struct qerr *err);

/* ------------------------------------------------------------------ */
/* Processes */

/*
 * sysinfo_sendmail_running - the processes that look like sendmail.
 *
 * Scans /proc: a process counts when it is not a zombie and either its
 * comm (the name in /proc/<pid>/stat) starts with "sendmail" or its exe
 * link names a file called "sendmail" (a " (deleted)" suffix, left by a
 * package upgrade, is ignored).  The kernel sets comm at execve() from
 * the last component of the path executed, and sendmail's process
 * titles (conf.c setproctitle(), SPT_REUSEARGV on Linux) rewrite argv,
 * which is /proc/<pid>/cmdline, not comm: Debian's daemons, started as
 * /usr/sbin/sendmail-mta and sendmail-msp, keep comm "sendmail-mta" and
 * "sendmail-msp", and their exe is /usr/lib/sm.bin/sendmail.  This
 * process is skipped.
 *
 * With cwd, only a sendmail working in that directory counts: sendmail
 * chdir()s into its queue base before it touches a queue (queue.c
 * setup_queues()), so every sendmail process working on the queues of
 * that base has it as its working directory, and one of another queue,
 * another configuration or another container does not.  A cwd this
 * user may not read counts (it cannot be told apart).
 *
 * A process that exits during the scan is skipped.  A process whose
 * /proc entry this user may not read (another user's under hidepid=, or
 * its exe link without ptrace rights) is judged by what can be read, so
 * the result is a lower bound unless run as root; processes in another
 * PID namespace are never seen.
 *
 * The first maxpids PIDs found are stored in pids (which may be NULL
 * when maxpids is 0); *npids is set to the number found, which may be
 * larger than maxpids.  Returns 0, or -1 when /proc cannot be read.
 */
int sysinfo_sendmail_running(long *pids, size_t maxpids, size_t *npids,
    const struct stat *cwd, struct qerr *err);

/* ------------------------------------------------------------------ */
/* Mounts */

/* Mount facts for a queue directory. */
struct sysinfo_mount {
	bool fstab_present;	/* the fstab file exists (and was read) */
	bool fstab_unmounted;	/* an fstab entry that should hold the queue
				 * is not mounted: see sysinfo_check_fstab() */
	char fstab_mountpoint[PATH_MAX]; /* its mount point, decoded */
	char fstab_device[SYSINFO_DEVICE_MAX]; /* its first field, decoded,
				 * cut to fit */
	char fstype[SYSINFO_FSTYPE_MAX]; /* mountinfo's type of the file
				 * system holding the queue (the deepest
				 * mount point on its path); "" unknown */
};

/*
 * sysinfo_check_fstab - whether queue_path lies under a file system that
 * fstab_path lists but mountinfo_path does not show mounted.
 *
 * fstab_path is normally SYSINFO_FSTAB and mountinfo_path
 * SYSINFO_MOUNTINFO; they are parameters so that tests can use their own
 * files.  queue_path must be absolute and normalised by the caller (no
 * "." or "..", no "//"); a trailing '/' is allowed.
 *
 * An fstab entry is considered when its mount point (second field) is
 * absolute, is not "/" (always mounted), and is queue_path or one of
 * its ancestors, compared component by component ("/var/sp" is not an
 * ancestor of "/var/spool/mqueue").  Entries of type "swap" or "ignore"
 * and entries with the option "noauto" are not considered; "none" and
 * other relative mount points are not paths.  Lines are split at blanks
 * and "#" starts a comment line; a line with fewer than two fields, a
 * NUL byte, or a field cut by the line buffer is skipped, as mount(8)
 * skips an fstab line it cannot parse.  The mount point is normalised
 * (repeated and trailing '/' dropped).
 *
 * An entry is mounted when some mountinfo line's fifth field (the mount
 * point) equals its mount point.  Both files are decoded the same way:
 * a backslash and three octal digits (first 0-3, value not 0) stand for
 * that byte, as the kernel writes space, tab, newline and backslash in
 * mountinfo ("\040" ...) and as libmount reads fstab; any other
 * backslash is literal.  A mountinfo line without five complete fields
 * is an error.  Mount points reached through symbolic links are
 * compared as written.
 *
 * When several considered entries are unmounted, the one nearest the
 * root is reported (the others sit on it).  A missing fstab file is not
 * an error (fstab_present is false).  mountinfo is always read, for
 * out->fstype (the type after the " - " separator of the deepest mount
 * point that is queue_path or an ancestor, "/" included); its errors
 * are errors only when some fstab entry is considered, and otherwise
 * leave fstype empty.
 * Returns 0 with *out filled, or -1: queue_path not absolute (EINVAL),
 * a file unreadable or not a regular file, a mountinfo line malformed
 * (EINVAL), more than 32 distinct fstab mount points on the queue path
 * (E2BIG).
 */
int sysinfo_check_fstab(const char *fstab_path, const char *mountinfo_path,
    const char *queue_path, struct sysinfo_mount *out, struct qerr *err);

/* ------------------------------------------------------------------ */
/* Free space */

/*
 * sysinfo_free_blocks - free space on the file system of dirfd as
 * sendmail's conf.c freediskspace() sees it on Linux: sm/conf.h sets
 * SFS_TYPE to SFS_VFS there, so sendmail calls statfs() and uses
 * f_bavail (blocks available to unprivileged users) as the count and
 * f_bsize as the block size.  Here fstatfs(dirfd) gives the same
 * fields.  *avail_blocks is f_bavail, clamped to LLONG_MAX as sendmail
 * clamps to LONG_MAX (the same on LP64); *block_size is f_bsize.  When
 * f_bsize is not positive, queue.c filesys_update() takes the file
 * system to have no space at all: *avail_blocks is then 0.  *f_type
 * (may be NULL) gets the same call's f_type, the file system's kind
 * (sysinfo_network_fs()).
 * Returns 0, or -1 (fstatfs failed).
 */
int sysinfo_free_blocks(int dirfd, long long *avail_blocks, long *block_size,
    long long *f_type, struct qerr *err);

/*
 * sysinfo_network_fs - the name of a network or cluster file system
 * type (statfs() f_type), NULL for any other.  sendmail's queue
 * documentation warns that a queue must never be shared among machines:
 * their sendmails do not see each other's locks, so a job can be run
 * twice and a crashed host's locks become undetectable.  FUSE is not
 * named: it is as often local as not.
 */
const char *sysinfo_network_fs(long long f_type);

/*
 * sysinfo_network_fstype - the same by mountinfo's type name ("nfs4",
 * "fuse.sshfs"), which also names the FUSE file systems that reach
 * other machines; NULL for any other.
 */
const char *sysinfo_network_fstype(const char *fstype);

/*
 * sysinfo_enough_space - whether sendmail would accept a message of
 * msize bytes (0: size not yet known, as at connection time) on a file
 * system with avail_blocks free blocks of block_size bytes, given
 * MinFreeBlocks min_blocks_free: queue.c pickqdir() needs
 *   ceil(msize / block_size) + max(min_blocks_free, 0) <= avail_blocks
 * and, with min_blocks_free <= 0 and msize <= 0, accepts without
 * looking.  With a block_size that is not positive there is no space
 * (filesys_update()).  The sum is computed without overflow.
 */
bool sysinfo_enough_space(long long avail_blocks, long block_size,
    long min_blocks_free, long msize);

#endif /* MQ_SYSINFO_H */
