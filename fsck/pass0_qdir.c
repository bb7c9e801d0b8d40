/*
 * pass0_qdir.c - pass 0: the path to a queue directory, the directory itself,
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
 * Hands on to pass 1: the open directory (qd->fd, its qf/ df/ xf/ in
 * qd->subfd[]), its stat, whether it is reachable, and why it must not be
 * repaired (qd->refuse).
 * Memory: the path's components, on the heap during the walk, freed
 * before it returns; the descriptors stay open until qdir_close().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pass0_qdir.h"
#include "sysinfo.h"

#define MAX_COMPONENTS 256

struct component {
	char prefix[PATH_MAX];
	struct stat st;
};

struct path_walk {
	struct component *c;
	size_t n;
	const struct policy *pol;
	char link[PATH_MAX];	/* the first symbolic link followed, "" */
	char target[PATH_MAX];	/* and what it points to */
	char refused[PATH_MAX];	/* a symbolic link not followed, "" */
};

static bool dir_closed(const struct policy *pol, const struct stat *st);

/* visit_closed - a directory on a subdirectory link's way must be one
 * no one but a trusted user can change */
static int
visit_closed(void *arg, const char *prefix, const struct stat *st)
{
	struct path_walk *pw = arg;

	(void)prefix;
	return dir_closed(pw->pol, st) ? 0 : 1;
}

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

/*
 * owner_trusted - a path component's owner may hold the queue: root, the
 * user who runs the queue, TrustedUser (Debian's smmta owns the base of
 * a q* layout, as update_sys makes it), or --owner's
 */
static bool
owner_trusted(const struct policy *pol, uid_t uid)
{
	return uid == 0 || uid == pol->runner_uid ||
	    (pol->has_trusted && uid == pol->trusted_uid) ||
	    (pol->owner_override && uid == pol->expected_owner);
}

/* dir_closed - no one but its (trusted) owner can change the directory:
 * not writable by others, nor by the group unless DontBlameSendmail says
 * GroupWritableDirPathSafe; sticky and TrustStickyBit excuse it */
static bool
dir_closed(const struct policy *pol, const struct stat *st)
{
	mode_t m = st->st_mode;

	if (!owner_trusted(pol, st->st_uid))
		return false;
	if ((m & S_ISVTX) && pol->trust_sticky)
		return true;
	if (m & S_IWOTH)
		return false;
	return !(m & S_IWGRP) || pol->group_writable_ok;
}

/*
 * link_ok - a symbolic link on the way to a queue is followed, as
 * sendmail's safedirpath() follows it, only where sendmail's trust
 * allows: the link is a trusted user's, in a directory no one else can
 * change (so no one else can have made or swapped it).  Its target is
 * then walked and checked like the rest of the path.
 */
static bool
link_ok(void *arg, const char *prefix, const struct stat *link_st,
    const struct stat *parent_st, const char *target)
{
	struct path_walk *pw = arg;

	if (!owner_trusted(pw->pol, link_st->st_uid) ||
	    !dir_closed(pw->pol, parent_st)) {
		(void)snprintf(pw->refused, sizeof(pw->refused), "%s", prefix);
		return false;
	}
	if (pw->link[0] == '\0') {
		(void)snprintf(pw->link, sizeof(pw->link), "%s", prefix);
		(void)snprintf(pw->target, sizeof(pw->target), "%s", target);
	}
	return true;
}

/*
 * qdir_system_dir - the queue directory is one of the system's own (/etc,
 * /usr, /var/spool...): a typo or a bad template named it, and what it
 * holds is not mail.  Compared by device and inode, so any name for it
 * counts.  Returns why, or NULL.
 */
const char *
qdir_system_dir(const struct stat *st)
{
	static const char *const sys[] = {
		"/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32",
		"/lib64", "/media", "/mnt", "/opt", "/proc", "/root", "/run",
		"/sbin", "/srv", "/sys", "/tmp", "/usr", "/usr/bin", "/usr/lib",
		"/usr/local", "/usr/sbin", "/usr/share", "/var", "/var/cache",
		"/var/lib", "/var/log", "/var/mail", "/var/spool", "/var/tmp",
	};
	struct stat s;
	size_t i;

	for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
		if (stat(sys[i], &s) == 0 && s.st_dev == st->st_dev &&
		    s.st_ino == st->st_ino)
			return "it is a directory of the system, not a mail queue";
	return NULL;
}

/* writable_advice - what to do about a directory on the path others can
 * write: take their write bits away; but a shared sticky directory such
 * as /tmp needs its bits, and sendmail trusts it only with
 * DontBlameSendmail=TrustStickyBit (safedirpath()): the queue moves */
static const char *
writable_advice(const struct component *c, char *buf, size_t bufsz)
{
	if (c->st.st_mode & S_ISVTX)
		return "a shared directory (sticky, like /tmp) keeps those bits: set QueueDirectory outside it, or DontBlameSendmail=TrustStickyBit if you trust the sticky bit";
	(void)snprintf(buf, bufsz,
	    "once you know nothing there was replaced, run \"chmod go-w %s\" and check again",
	    c->prefix);
	return buf;
}

/* check_component - owner and write bits of one directory above; a
 * path others can change is no place to repair a queue (qd->refuse) */
static void
check_component(struct fsck_ctx *ctx, const struct policy *pol,
    struct qdir *qd, const struct component *c)
{
	mode_t m = c->st.st_mode;
	bool sticky_ok = (m & S_ISVTX) && pol->trust_sticky &&
	    owner_trusted(pol, c->st.st_uid);
	char advice[PATH_MAX + 128];
	struct pctx pc;

	pctx_init(&pc);
	pc.str = c->prefix;
	pc.num = m & 07777;
	if (!owner_trusted(pol, c->st.st_uid)) {
		pc.uid = c->st.st_uid;
		(void)pr_fix(ctx, PR_0_PATH_OWNER, &pc);
		qd->refuse = "someone sendmail does not trust owns a directory on its path and could replace it";
	}
	if ((m & S_IWOTH) && !sticky_ok) {
		pc.str2 = "world";
		pc.advice = writable_advice(c, advice, sizeof(advice));
		(void)pr_fix(ctx, PR_0_PATH_WRITABLE, &pc);
		qd->refuse = "anyone can write a directory on its path and replace it";
	} else if ((m & S_IWGRP) && !pol->group_writable_ok && !sticky_ok) {
		pc.str2 = "group";
		pc.advice = writable_advice(c, advice, sizeof(advice));
		(void)pr_fix(ctx, PR_0_PATH_WRITABLE, &pc);
		qd->refuse = "a group can write a directory on its path and replace it";
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
	if (err->sys_errno == ELOOP && pw->refused[0] != '\0')
		pc.str = pw->refused;
	switch (err->sys_errno) {
	case ELOOP:
		(void)pr_fix(ctx, PR_0_PATH_SYMLINK, &pc);
		ctx->status |= FSCK_ERROR; /* the queue was not checked */
		break;
	case ENOTDIR:
		(void)pr_fix(ctx, PR_0_PATH_NOT_DIR, &pc);
		break;
	case ENOENT:
		/* The advice: create it; pass 0 then plans its owner and
		 * mode (check_queue_dir), which -p may fix. */
		pc.str2 = qd->abspath;
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
    uid_t uid, gid_t gid, mode_t mode)
{
	struct plan_op op;

	plan_op_init(&op, OP_DIR_OWNER_MODE);
	plan_file_set(ctx->plan, &op.src, (uint16_t)(ctx->qd - ctx->set->dirs),
	    SUB_COUNT, ".", &ctx->qd->st);
	op.uid = uid;
	op.gid = gid;
	op.mode = mode;
	pr_plan(ctx, id, pc, 0, &op, 1);
}

/*
 * dir_mode_wanted - the mode the queue directory should have, keeping
 * what is harmless: group r-x where the group is not the queue's concern
 * (QueueFileMode gives it nothing), set-group-ID where it is not needed
 */
static mode_t
dir_mode_wanted(const struct policy *pol, mode_t m)
{
	mode_t keep = S_ISGID;

	if (!pol->check_group)
		keep |= S_IRGRP | S_IXGRP;
	return pol->dir_mode | (m & keep);
}

/* dir_mode_why - what a queue directory mode that is not `want` does */
static const char *
dir_mode_why(const struct policy *pol, mode_t m, mode_t want)
{
	if ((S_IWUSR | S_IXUSR) & ~m)
		return "the queue runner cannot create files in it: \"collect: Cannot write ./df...\" leaves control files without data files";
	if (m & S_IWOTH)
		return "anyone can add, remove or rename queue files";
	if (m & S_IWGRP & ~want)
		return "its group can add, remove or rename queue files";
	if (m & S_IRWXO)
		return "anyone can list the queue and see who mails whom";
	if ((want & S_ISGID) && !(m & S_ISGID))
		return "its set-group-ID bit is off: files sendmail creates get the creator's group, not the queue's, and mailq, running as the queue's group, cannot read them";
	if (want & (S_IRGRP | S_IXGRP) & ~m)
		return "its group cannot read it: mailq, running as the queue's group, cannot list the queue";
	(void)pol;
	return "not the mode of the queue directory's layout";
}

/*
 * check_queue_dir - the queue directory's owner, group and mode against
 * the layout the configuration implies (queues.c dir_layout(): Debian's
 * smmta:smmsp 2750 for the MTA, smmsp:smmsp 2770 for the client queue;
 * root 0700 with sendmail's defaults)
 */
static void
check_queue_dir(struct fsck_ctx *ctx, const struct policy *pol,
    struct qdir *qd)
{
	const struct stat *st = &qd->st;
	mode_t m = st->st_mode & 07777, want = dir_mode_wanted(pol, m);
	gid_t want_gid = pol->check_group ? pol->queue_gid : (gid_t)-1;
	bool can_create = runner_can_create(pol, st);

	/* The runner's own bits (and those a TrustedUser owner gives it)
	 * are the mode's; a wrong owner is the owner's problem. */
	struct pctx pc;

	pctx_init(&pc);
	if (st->st_uid != pol->dir_owner ||
	    (want_gid != (gid_t)-1 && st->st_gid != want_gid)) {
		pc.uid = st->st_uid;
		pc.uid2 = pol->dir_owner;
		if (want_gid != (gid_t)-1) {
			pc.gid = st->st_gid;
			pc.gid2 = want_gid;
		}
		/* A directory someone untrusted owns is theirs: reported,
		 * never adopted as a queue by a chown, unless the
		 * administrator adopts that owner (a restore as nobody). */
		if (!owner_trusted(pol, st->st_uid) && st->st_uid != pol->dir_owner &&
		    !(pol->has_adopt && st->st_uid == pol->adopt_uid)) {
			pc.str = "it is someone else's directory, not one sendmail's configuration gives the queue: it is not taken over";
			pc.num = st->st_uid; /* the advice: --adopt-owner */
			(void)pr_fix(ctx, PR_0_QDIR_FOREIGN_OWNER, &pc);
			qd->refuse = "it belongs to someone sendmail does not trust";
			return;
		}
		pc.str = !can_create
		    ? "the queue runner cannot create files in it: \"collect: Cannot write ./df...\" leaves control files without data files"
		    : st->st_uid != pol->dir_owner
		    ? "the configuration (TrustedUser, RunAsUser) and the distribution's layout give it that owner; PrivacyOptions=restrictqrun lets only root and the queue directory's owner run the queue"
		    : "files sendmail creates take the directory's group, and mailq, running as the queue's group, cannot read them";
		if (pr_fix(ctx, PR_0_QDIR_OWNER, &pc)) {
			/* chown() may clear set-id bits: the mode goes with it. */
			plan_dir(ctx, PR_0_QDIR_OWNER, &pc, pol->dir_owner,
			    want_gid, m == want ? m : (mode_t)-1);
		}
		pctx_init(&pc);
	}
	if (m == want)
		return;
	pc.num = m;
	pc.num2 = want;
	pc.str = dir_mode_why(pol, m, want);
	if (pr_fix(ctx, PR_0_QDIR_MODE, &pc))
		plan_dir(ctx, PR_0_QDIR_MODE, &pc, (uid_t)-1, (gid_t)-1, want);
}

/* check_filesystem - fstab and free space */
static void
check_filesystem(struct fsck_ctx *ctx, const struct policy *pol,
    const struct qdir *qd, const struct sys_paths *sp)
{
	struct sysinfo_mount mnt;
	long long avail;
	const char *net;
	long long fstype;
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
	if (sysinfo_free_blocks(qd->fd, &avail, &bsize, &fstype, &err) < 0) {
		ctx_error(ctx, qd->path, err.msg);
		return;
	}
	/* A network file system by the kernel's type, or by mountinfo's
	 * name for it (which also names FUSE ones such as sshfs). */
	net = sysinfo_network_fs(fstype);
	if (net == NULL && mnt.fstype[0] != '\0')
		net = sysinfo_network_fstype(mnt.fstype);
	if (net != NULL) {
		pctx_init(&pc);
		pc.str = net;
		(void)pr_fix(ctx, PR_0_NETWORK_FS, &pc);
	}
	if (!sysinfo_enough_space(avail, bsize, (long)pol->min_free_blocks, 0)) {
		pctx_init(&pc);
		pc.num = avail;
		pc.num2 = pol->min_free_blocks;
		(void)pr_fix(ctx, PR_0_LOW_SPACE, &pc);
	}
}

/* pass0_qdir - pass 0 for one queue directory */
void
pass0_qdir(struct fsck_ctx *ctx, const struct qset *set, struct qdir *qd,
    const struct sys_paths *sp)
{
	struct path_walk pw;
	struct qerr err;
	size_t i;

	ctx->qd = qd;
	qd->reachable = false;
	memset(&pw, 0, sizeof(pw));
	pw.pol = &set->pol;
	pw.c = calloc(MAX_COMPONENTS, sizeof(*pw.c));
	if (pw.c == NULL) {
		ctx_error(ctx, qd->path, "out of memory");
		return;
	}
	/* Every component from / down, whatever form the path was named in;
	 * a trusted symbolic link is followed, its target checked too. */
	qd->fd = sio_open_path_links(AT_FDCWD, qd->abspath, visit, link_ok, &pw,
	    &err);
	for (i = 0; i + 1 < pw.n || (qd->fd < 0 && i < pw.n); i++) {
		size_t k;

		/* A link's target may pass a directory again ("/"). */
		for (k = 0; k < i; k++)
			if (pw.c[k].st.st_dev == pw.c[i].st.st_dev &&
			    pw.c[k].st.st_ino == pw.c[i].st.st_ino)
				break;
		if (k == i)
			check_component(ctx, &set->pol, qd, &pw.c[i]);
	}
	if (pw.link[0] != '\0' && qd->fd >= 0) {
		struct pctx pc;

		pctx_init(&pc);
		pc.str = pw.link;
		pc.str2 = pw.target;
		(void)pr_fix(ctx, PR_0_PATH_LINK, &pc);
	}
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
	if ((qd->refuse = qdir_system_dir(&qd->st)) != NULL) {
		struct pctx pc;

		pctx_init(&pc);
		pc.str = qd->refuse;
		(void)pr_fix(ctx, PR_0_NOT_A_QUEUE, &pc);
	}
	check_queue_dir(ctx, &set->pol, qd);
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
	struct stat base;
	char from[600] = "";
	bool have_base = false;
	int basefd;

	*npids = 0;
	/* A sendmail at work on these queues has their base as its working
	 * directory (queue.c setup_queues() chdir()s there first): one of
	 * another queue, configuration or container is not counted. */
	if (set->base != NULL &&
	    (basefd = sio_open_path(set->base, NULL, NULL, &err)) >= 0) {
		have_base = fstat(basefd, &base) == 0;
		(void)close(basefd);
	}
	if (sysinfo_sendmail_running(pids, maxpids, npids,
		have_base ? &base : NULL, &err) < 0)
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

/*
 * qdir_open_sublink - a qf/ df/ xf/ subdirectory that is a symbolic link
 * (sendmail's multiqueue_cache() follows it): opened when the link is a
 * trusted user's, in a queue directory no one else can change, and every
 * directory on its way is so too.  Returns the fd (its fstat() in *st)
 * or -1.
 */
int
qdir_open_sublink(const struct policy *pol, const struct qdir *qd,
    const char *name, struct stat *st, struct qerr *err)
{
	struct path_walk pw;
	int fd;

	memset(&pw, 0, sizeof(pw));
	pw.pol = pol;
	/* The walk meets the link itself: link_ok() judges it and the
	 * queue directory holding it, visit_closed() every directory of
	 * its target. */
	fd = sio_open_path_links(qd->fd, name, visit_closed, link_ok, &pw, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, st) < 0) {
		qerr_set(err, errno, "%s: %s", name, strerror(errno));
		(void)close(fd);
		return -1;
	}
	return fd;
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
