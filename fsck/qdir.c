/*
 * qdir.c - pass 0: the path to a queue directory, the directory itself,
 * and its file system.
 *
 * The path is walked from / one component at a time without following a
 * symbolic link (sio_open_path()); each component must be owned by root
 * (or by the owner given with --owner) and must not be writable by group
 * or others.  sendmail's own safedirpath() check of queue paths is only
 * advisory in Debian's build (sendmail-queue.md 6.3), which is why
 * mqfsck makes it: whoever can write a component can swap the queue.  A
 * sticky directory owned by root is excused when DontBlameSendmail has
 * TrustStickyBit, and group write when it has GroupWritableDirPathSafe,
 * as safedirpath() does.
 *
 * The queue directory must let the queue runner create files (safefile()
 * with SFF_CREAT: the owner bits for its owner, and for root when the
 * owner is TrustedUser), must not be writable by others (nor by its group
 * unless QueueFileMode is group-writable, the MSP case), and should not
 * be open to others at all.  /etc/fstab must not expect a file system on
 * the path that is not mounted, and free space must be above
 * MinFreeBlocks.
 *
 * Memory: the path's components, on the heap during the walk.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qdir.h"
#include "repair.h"
#include "sysinfo.h"

#define MAX_COMPONENTS 256

struct component {
	char prefix[PATH_MAX];
	struct stat st;
};

struct path_walk {
	struct component *c;
	size_t n;
};

/* visit - keep each directory sio_open_path() passes through */
static int
visit(void *arg, const char *prefix, const struct stat *st)
{
	struct path_walk *pw = arg;

	if (pw->n >= MAX_COMPONENTS)
		return 1;
	(void)snprintf(pw->c[pw->n].prefix, sizeof(pw->c[pw->n].prefix), "%s",
	    prefix);
	pw->c[pw->n].st = *st;
	pw->n++;
	return 0;
}

/* next_component - the path up to the component after `prefix` */
static void
next_component(const char *path, const char *prefix, char *out, size_t outsz)
{
	size_t n = strlen(prefix);
	const char *p = path;
	const char *end;

	if (n > 0 && strlen(path) >= n && memcmp(path, prefix, n) == 0)
		p = path + n;
	while (*p == '/')
		p++;
	end = strchr(p, '/');
	if (end == NULL)
		end = p + strlen(p);
	n = (size_t)(end - path);
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, path, n);
	out[n] = '\0';
}

/* owner_trusted - a path component's owner may hold the queue */
static bool
owner_trusted(const struct policy *pol, uid_t uid)
{
	return uid == 0 || (pol->owner_override && uid == pol->expected_owner);
}

/* check_component - owner and write bits of one directory above */
static void
check_component(struct fsck_ctx *ctx, const struct policy *pol,
    const struct component *c)
{
	mode_t m = c->st.st_mode;
	bool sticky_ok = (m & S_ISVTX) && pol->trust_sticky &&
	    owner_trusted(pol, c->st.st_uid);
	struct pctx pc;

	pctx_init(&pc);
	pc.str = c->prefix;
	pc.num = m & 07777;
	if (!owner_trusted(pol, c->st.st_uid)) {
		pc.uid = c->st.st_uid;
		(void)pr_fix(ctx, PR_0_PATH_OWNER, &pc);
	}
	if ((m & S_IWOTH) && !sticky_ok) {
		pc.str2 = "world";
		(void)pr_fix(ctx, PR_0_PATH_WRITABLE, &pc);
	} else if ((m & S_IWGRP) && !pol->group_writable_ok && !sticky_ok) {
		pc.str2 = "group";
		(void)pr_fix(ctx, PR_0_PATH_WRITABLE, &pc);
	}
}

/* mount_of - the root of the queue directory's file system */
static void
mount_of(struct qdir *qd, const struct path_walk *pw)
{
	size_t i, root = 0;

	for (i = 1; i < pw->n; i++)
		if (pw->c[i].st.st_dev != pw->c[i - 1].st.st_dev)
			root = i;
	free(qd->mount_path);
	qd->mount_path = strdup(pw->n > 0 ? pw->c[root].prefix : "/");
	qd->mount_root = pw->n > 1 && root == pw->n - 1;
}

/* walk_failed - the path could not be walked: say why */
static void
walk_failed(struct fsck_ctx *ctx, struct qdir *qd, const struct path_walk *pw,
    const struct qerr *err)
{
	char comp[PATH_MAX];
	struct pctx pc;

	next_component(qd->abspath, pw->n > 0 ? pw->c[pw->n - 1].prefix : "",
	    comp, sizeof(comp));
	pctx_init(&pc);
	pc.str = comp;
	switch (err->sys_errno) {
	case ELOOP:
		(void)pr_fix(ctx, PR_0_PATH_SYMLINK, &pc);
		ctx->status |= FSCK_ERROR; /* the queue was not checked */
		break;
	case ENOTDIR:
		(void)pr_fix(ctx, PR_0_PATH_NOT_DIR, &pc);
		break;
	case ENOENT:
		(void)pr_fix(ctx, PR_0_QDIR_MISSING, &pc);
		break;
	default:
		ctx_error(ctx, qd->path, err->msg);
	}
}

/* runner_can_create - safefile() with SFF_CREAT for the queue runner */
static bool
runner_can_create(const struct policy *pol, const struct stat *st)
{
	mode_t m = st->st_mode;

	if (st->st_uid == pol->runner_uid ||
	    (pol->runner_uid == 0 && pol->has_trusted &&
		st->st_uid == pol->trusted_uid) ||
	    (pol->owner_override && st->st_uid == pol->expected_owner))
		return (m & S_IWUSR) && (m & S_IXUSR);
	if (st->st_gid == pol->runner_gid)
		return (m & S_IWGRP) && (m & S_IXGRP);
	return (m & S_IWOTH) && (m & S_IXOTH);
}

/* plan_dir - the fix of the queue directory's owner or mode */
static void
plan_dir(struct fsck_ctx *ctx, enum problem_id id, const struct pctx *pc,
    uid_t uid, mode_t mode)
{
	struct plan_op op;

	memset(&op, 0, sizeof(op));
	op.kind = OP_DIR_OWNER_MODE;
	plan_file_set(ctx->plan, &op.src, (uint16_t)(ctx->qd - ctx->set->dirs),
	    SUB_COUNT, ".", &ctx->qd->st);
	op.uid = uid;
	op.mode = mode;
	repair_plan(ctx, id, pc, 0, &op, 1);
}

/* check_queue_dir - the queue directory's owner and mode */
static void
check_queue_dir(struct fsck_ctx *ctx, const struct policy *pol,
    const struct stat *st)
{
	mode_t m = st->st_mode & 07777, want = m & ~(mode_t)S_IRWXO;
	struct pctx pc;

	pctx_init(&pc);
	if (!runner_can_create(pol, st)) {
		pc.uid = st->st_uid;
		pc.uid2 = pol->dir_owner;
		pc.num = m;
		if (pr_fix(ctx, PR_0_QDIR_OWNER, &pc))
			plan_dir(ctx, PR_0_QDIR_OWNER, &pc, pol->dir_owner,
			    m | S_IRWXU);
	}
	if (!(pol->qfm & S_IWGRP))
		want &= ~(mode_t)S_IWGRP;
	if (m == want)
		return;
	pc.num = m;
	pc.num2 = want;
	if (m & S_IWOTH)
		pc.str = "anyone can add, remove or rename queue files";
	else if (m & S_IWGRP & ~want)
		pc.str = "its group can add, remove or rename queue files";
	else
		pc.str = "anyone can list the queue and see who mails whom";
	if (pr_fix(ctx, PR_0_QDIR_MODE, &pc))
		plan_dir(ctx, PR_0_QDIR_MODE, &pc, (uid_t)-1, want);
}

/* check_filesystem - fstab and free space */
static void
check_filesystem(struct fsck_ctx *ctx, const struct policy *pol,
    const struct qdir *qd, const struct sys_paths *sp)
{
	struct sysinfo_mount mnt;
	long long avail;
	long bsize;
	struct qerr err;
	struct pctx pc;

	if (sysinfo_check_fstab(sp->fstab, sp->mountinfo, qd->abspath, &mnt,
		&err) < 0)
		ctx_error(ctx, sp->fstab, err.msg);
	else if (mnt.fstab_unmounted) {
		pctx_init(&pc);
		pc.str = mnt.fstab_device;
		pc.str2 = mnt.fstab_mountpoint;
		(void)pr_fix(ctx, PR_0_NOT_MOUNTED, &pc);
	}
	if (sysinfo_free_blocks(qd->fd, &avail, &bsize, &err) < 0) {
		ctx_error(ctx, qd->path, err.msg);
		return;
	}
	if (!sysinfo_enough_space(avail, bsize, (long)pol->min_free_blocks, 0)) {
		pctx_init(&pc);
		pc.num = avail;
		pc.num2 = pol->min_free_blocks;
		(void)pr_fix(ctx, PR_0_LOW_SPACE, &pc);
	}
}

/* qdir_pass0 - pass 0 for one queue directory */
void
qdir_pass0(struct fsck_ctx *ctx, const struct qset *set, struct qdir *qd,
    const struct sys_paths *sp)
{
	struct path_walk pw;
	struct qerr err;
	size_t i;

	ctx->qd = qd;
	qd->reachable = false;
	pw.n = 0;
	pw.c = calloc(MAX_COMPONENTS, sizeof(*pw.c));
	if (pw.c == NULL) {
		ctx_error(ctx, qd->path, "out of memory");
		return;
	}
	/* Every component from / down, whatever form the path was named in. */
	qd->fd = sio_open_path(qd->abspath, visit, &pw, &err);
	for (i = 0; i + 1 < pw.n || (qd->fd < 0 && i < pw.n); i++)
		check_component(ctx, &set->pol, &pw.c[i]);
	if (qd->fd < 0) {
		walk_failed(ctx, qd, &pw, &err);
		free(pw.c);
		return;
	}
	if (fstat(qd->fd, &qd->st) < 0) {
		ctx_error(ctx, qd->path, strerror(errno));
		(void)close(qd->fd);
		qd->fd = -1;
		free(pw.c);
		return;
	}
	mount_of(qd, &pw);
	free(pw.c);
	check_queue_dir(ctx, &set->pol, &qd->st);
	check_filesystem(ctx, &set->pol, qd, sp);
	qd->reachable = true;
}

/* sendmail_check - is a sendmail running? */
void
sendmail_check(struct fsck_ctx *ctx, const struct qset *set, long *pids,
    size_t maxpids, size_t *npids)
{
	struct sysinfo_pidfile pf;
	struct qerr err;
	struct pctx pc;
	char from[600] = "";

	*npids = 0;
	if (sysinfo_sendmail_running(pids, maxpids, npids, &err) < 0)
		*npids = 0; /* no /proc: only the pid file can tell */
	memset(&pf, 0, sizeof(pf));
	if (set->pol.pidfile[0] != '\0' &&
	    sysinfo_read_pidfile(set->pol.pidfile, &pf, &err) < 0)
		pf.present = false;
	if (!(pf.present && pf.alive && pf.is_sendmail) && *npids == 0)
		return;
	ctx->sendmail_may_run = true;
	pctx_init(&pc);
	if (pf.present && pf.alive && pf.is_sendmail) {
		pc.num2 = pf.pid;
		(void)snprintf(from, sizeof(from), ", from %s", set->pol.pidfile);
	} else
		pc.num2 = pids[0];
	pc.str = from;
	pc.num = ctx->opts.grace;
	(void)pr_fix(ctx, PR_0_DAEMON_RUNNING, &pc);
}

/* qdir_close - close a queue directory's fds */
void
qdir_close(struct qdir *qd)
{
	int s;

	for (s = 0; s < SUB_COUNT; s++)
		if (qd->subfd[s] >= 0) {
			(void)close(qd->subfd[s]);
			qd->subfd[s] = -1;
		}
	if (qd->fd >= 0) {
		(void)close(qd->fd);
		qd->fd = -1;
	}
}
