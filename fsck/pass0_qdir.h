/*
 * pass0_qdir.h - pass 0: open a queue directory the safe way and check its
 * path, owner, mode and file system; find out whether sendmail runs.
 */
#ifndef MQ_PASS0_QDIR_H
#define MQ_PASS0_QDIR_H

#include "fsck.h"

/* Where the system facts come from (options, for tests). */
struct sys_paths {
	const char *fstab;	/* default /etc/fstab */
	const char *mountinfo;	/* default /proc/self/mountinfo */
	const char *locks;	/* default /proc/locks */
};

/*
 * pass0_qdir - walk to queue directory qd, open it (qd->fd), check the
 * path and the directory, and set qd->reachable.  Problems go through
 * pr_fix(), operational errors through ctx_error().
 */
void pass0_qdir(struct fsck_ctx *ctx, const struct qset *set, struct qdir *qd,
    const struct sys_paths *sp);

/*
 * sendmail_check - whether a sendmail may be running on the set's queues:
 * its PidFile names a live sendmail, or a sendmail process works in the
 * queues' base directory (sysinfo_sendmail_running()).  Reports a
 * running daemon (a notice) and sets ctx->sendmail_may_run; fills pids
 * (up to maxpids) with live sendmail processes.
 */
void sendmail_check(struct fsck_ctx *ctx, const struct qset *set, long *pids,
    size_t maxpids, size_t *npids);

/*
 * qdir_open_sublink - open subdirectory link `name` (qf, df or xf) of qd
 * when sendmail's trust covers it: the link and every directory on its
 * way belong to trusted users and no one else can change them.  Returns
 * the fd (fstat() in *st), or -1.
 */
int qdir_open_sublink(const struct policy *pol, const struct qdir *qd,
    const char *name, struct stat *st, struct qerr *err);

/* qdir_close - close the fds of a queue directory */
void qdir_close(struct qdir *qd);

/*
 * qdir_system_dir - the directory (st) is one of the system's own (/etc,
 * /usr, /var/spool...), by device and inode: why it is no queue, or NULL
 */
const char *qdir_system_dir(const struct stat *st);

/* Accounts below this uid are the system's (Debian policy: 100-999 for
 * packages' users such as smmta and smmsp). */
#define MQ_FIRST_HUMAN_UID 1000

#endif /* MQ_PASS0_QDIR_H */
