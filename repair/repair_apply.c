/*
 * repair_apply.c - step 3 of a repair: each fix made under the lock
 * sendmail itself would take on the job, after checking every file it
 * archived is still exactly what was archived (same inode, size, times):
 * control files rewritten the way sendmail's queueup() rewrites them
 * (a temporary file, fsync(), rename(), fsync() of the directory), jobs
 * made inert as loseqfile() does, owners and modes set on the opened,
 * verified descriptor, bodies given back by rename, files removed only
 * once archived.  Each outcome is reported as it is made.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "esc.h"
#include "qf.h"
#include "qid.h"
#include "repair_private.h"

/* ------------------------------------------------------------------ */
/* Step 3: apply */

/* say - append to the outcome's text */
static void
say(struct outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(struct outcome *o, const char *fmt, ...)
{
	size_t n = strlen(o->what);
	va_list ap;

	if (n + 3 >= sizeof(o->what))
		return;
	if (n > 0) {
		o->what[n++] = ';';
		o->what[n++] = ' ';
		o->what[n] = '\0';
	}
	va_start(ap, fmt);
	(void)vsnprintf(o->what + n, sizeof(o->what) - n, fmt, ap);
	va_end(ap);
}

int
rp_not_fixed(struct outcome *o, const char *fmt, ...)
{
	va_list ap;

	o->result = FIXR_NOT_FIXED;
	va_start(ap, fmt);
	(void)vsnprintf(o->what, sizeof(o->what), fmt, ap);
	va_end(ap);
	return -1;
}

/* vis - a name fit to print */
static const char *
vis(const char *s, char *buf, size_t bufsz)
{
	return esc_str(buf, bufsz, s);
}

/*
 * fsync_place - a change in a directory, to be made durable: before the
 * job's next change (rp_apply_fix()), and at the latest before the job's
 * locks are released (apply_set()), by rp_sync_dirty().  One fsync() then
 * serves every change a batch of jobs made in that directory.
 */
static int
fsync_place(struct run *r, int dirfd, struct outcome *o)
{
	struct qerr err;
	size_t i;

	for (i = 0; i < r->ndirty && r->dirty[i] != dirfd; i++)
		;
	if (i == r->ndirty) {
		if (r->ndirty == MAX_DIRTY && rp_sync_dirty(r, &err) < 0)
			return rp_not_fixed(o, "%s", err.msg);
		r->dirty[r->ndirty++] = dirfd;
	}
	r->job_dirty = true;
	return 0;
}

int
rp_sync_dirty(struct run *r, struct qerr *err)
{
	struct qerr e;
	size_t i;
	int rc = 0;

	for (i = 0; i < r->ndirty; i++)
		if (sio_fsync_dir(r->dirty[i], &e) < 0 && rc == 0) {
			*err = e;
			rc = -1;
		}
	r->ndirty = 0;
	r->job_dirty = false;
	return rc;
}

/* find_archived - the archived record of fix fi for a file */
static const struct archived *
find_archived(const struct run *r, uint32_t fi, uint16_t qdir, uint8_t sub,
    const char *name)
{
	size_t i, first = r->first_arch[fi], n = r->narch_fix[fi];

	if (r->arch == NULL)
		return NULL;
	for (i = first; i < first + n; i++) {
		const struct archived *a = &r->arch[i];

		if (a->qdir == qdir && a->sub == sub &&
		    strcmp(plan_str(r->set->plan, a->name), name) == 0)
			return a;
	}
	return NULL;
}

/* rp_unchanged - every file fix fi archived is still exactly as archived */
bool
rp_unchanged(struct run *r, uint32_t fi, struct outcome *o)
{
	size_t i, first = r->first_arch[fi], n = r->narch_fix[fi];
	char b[128];

	if (r->arch == NULL)
		return true; /* nothing was archived */
	for (i = first; i < first + n; i++) {
		const struct archived *a = &r->arch[i];
		const char *name = plan_str(r->set->plan, a->name);
		int dirfd = rp_place_fd(r->set, a->qdir, a->sub);
		struct stat st;

		if (dirfd < 0 ||
		    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			(void)rp_not_fixed(o, "%s is gone since it was archived",
			    vis(name, b, sizeof(b)));
			return false;
		}
		if (!rp_same_as_archived(&st, &a->st)) {
			(void)rp_not_fixed(o, "%s changed after it was archived: left as it is",
			    vis(name, b, sizeof(b)));
			return false;
		}
	}
	return true;
}

/*
 * touched - a change mqfsck itself just made to an inode that has other
 * names (st: the inode before the change).  An envelope split links one
 * df under several ids (sendmail-queue.md 2.4), so removing one name, or
 * fixing its owner or mode, changes the link count or the ctime that
 * every other name shows: the archived records of those names take the
 * change in, so that their own fixes do not mistake it for someone
 * else's.  Only the inode's metadata is taken in: a different size or
 * mtime still means the file changed.  (The cause of a repair that
 * failed now and then in the split crash trials: two orphaned links of
 * one df, the second refused as "changed after it was archived".)
 */
static void
touched(struct run *r, const struct stat *st)
{
	size_t i;

	if (st->st_nlink < 2 || r->arch == NULL)
		return;
	for (i = 0; i < r->narch; i++) {
		struct archived *a = &r->arch[i];
		struct stat now;
		int dirfd;

		if (a->set != r->si || a->st.st_dev != st->st_dev ||
		    a->st.st_ino != st->st_ino)
			continue;
		dirfd = rp_place_fd(r->set, a->qdir, a->sub);
		if (dirfd < 0 ||
		    fstatat(dirfd, plan_str(r->set->plan, a->name), &now,
			AT_SYMLINK_NOFOLLOW) < 0 ||
		    now.st_dev != a->st.st_dev || now.st_ino != a->st.st_ino ||
		    now.st_size != a->st.st_size ||
		    now.st_mtim.tv_sec != a->st.st_mtim.tv_sec ||
		    now.st_mtim.tv_nsec != a->st.st_mtim.tv_nsec)
			continue;
		a->st.st_ctim = now.st_ctim;
		a->st.st_nlink = now.st_nlink;
		a->st.st_mode = now.st_mode;
		a->st.st_uid = now.st_uid;
		a->st.st_gid = now.st_gid;
	}
}

/* still - pf is still there and still the file the check saw */
static bool
still(struct run *r, const struct plan_file *pf, struct stat *st,
    struct outcome *o)
{
	const char *name = plan_str(r->set->plan, pf->name);
	int dirfd = rp_place_fd(r->set, pf->qdir, pf->sub);
	char b[128];

	if (dirfd < 0 || fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0) {
		(void)rp_not_fixed(o, "%s is gone", vis(name, b, sizeof(b)));
		return false;
	}
	if ((pf->ino != 0 && st->st_ino != pf->ino) ||
	    (pf->type != 0 && (st->st_mode & S_IFMT) != pf->type)) {
		(void)rp_not_fixed(o, "%s is not the file that was checked: left as it is",
		    vis(name, b, sizeof(b)));
		return false;
	}
	return true;
}

/*
 * aside_dir - ARC_ASIDE_DIR of queue directory qdir, made (0700) if
 * missing; it must be the runner's and closed to others, like the
 * archive directory
 */
static int
aside_dir(struct run *r, uint16_t qdir, struct qerr *err)
{
	int top = r->set->dirs[qdir].fd, fd;
	struct stat st;

	if (sio_mkdirat(r->env->writer, top, ARC_ASIDE_DIR, 0700, err) < 0 &&
	    err->sys_errno != EEXIST)
		return -1;
	fd = sio_opendirat(top, ARC_ASIDE_DIR, &st, err);
	if (fd < 0)
		return -1;
	if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		qerr_set(err, EPERM, "%s is not the runner's alone (mode 0700)",
		    ARC_ASIDE_DIR);
		(void)close(fd);
		return -1;
	}
	if (sio_fsync_dir(top, err) < 0) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/*
 * remove_archived - take archived file a out of the queue: unlinked, or
 * for a file too big to copy, renamed into ARC_ASIDE_DIR as
 * "<archive stamp>.<path, / as +>" (what --restore looks for), never
 * replacing anything there
 */
static int
remove_archived(struct run *r, const struct archived *a, int dirfd,
    struct qerr *err)
{
	const char *name = plan_str(r->set->plan, a->name);
	char to[NAME_MAX + 1];
	int afd, rc;

	if (!a->aside)
		return sio_unlink(r->env->writer, dirfd, name, &a->st, err);
	if (a->sub > SUB_COUNT ||
	    !arc_aside_name(r->arc, sub_prefix[a->sub], name, to, sizeof(to))) {
		qerr_set(err, ENAMETOOLONG, "%s: name too long to set aside",
		    name);
		return -1;
	}
	if ((afd = aside_dir(r, a->qdir, err)) < 0)
		return -1;
	rc = sio_rename(r->env->writer, dirfd, name, afd, to, true, &a->st,
	    err);
	if (rc == 0)
		rc = sio_fsync_dir(afd, err);
	(void)close(afd);
	if (rc < 0 && err->sys_errno == EXDEV)
		qerr_set(err, EXDEV, "%s is too big to copy and on another file system than %s: move it out by hand",
		    name, ARC_ASIDE_DIR);
	return rc;
}

/* op_remove - unlink one file */
static int
op_remove(struct run *r, uint32_t fi, const struct plan_op *op,
    struct outcome *o)
{
	const char *name = plan_str(r->set->plan, op->src.name);
	int dirfd = rp_place_fd(r->set, op->src.qdir, op->src.sub);
	const struct archived *a = find_archived(r, fi, op->src.qdir,
	    op->src.sub, name);
	struct stat st;
	struct qerr err;
	char b[128], rel[NAME_MAX + 8];

	if (!still(r, &op->src, &st, o))
		return -1;
	if (op->flags & OPF_IF_ORPHAN) {
		/* An orphaned df: only if no control file came back from
		 * lost+found (pass 4) meanwhile. */
		int cfd = rp_place_fd(r->set, op->dst.qdir, op->dst.sub);
		const char *cn = plan_str(r->set->plan, op->dst.name);
		const char *l;
		char alt[NAME_MAX + 1];
		struct stat cst;

		for (l = "qhQ"; *l != '\0' && cn[0] != '\0'; l++) {
			(void)snprintf(alt, sizeof(alt), "%c%s", *l, cn + 1);
			if (cfd >= 0 &&
			    fstatat(cfd, alt, &cst, AT_SYMLINK_NOFOLLOW) == 0) {
				o->result = FIXR_COVERED;
				say(o, "not removed: its control file %s is back",
				    vis(alt, b, sizeof(b)));
				return 0;
			}
		}
	}
	if (a != NULL && a->aside) {
		if (remove_archived(r, a, dirfd, &err) < 0)
			return rp_not_fixed(o, "%s", err.msg);
	} else if (sio_unlink(r->env->writer, dirfd, name, &st, &err) < 0)
		return rp_not_fixed(o, "%s", err.msg);
	touched(r, &st);
	if (fsync_place(r, dirfd, o) < 0)
		return -1;
	rp_rel_path(op->src.sub, name, rel, sizeof(rel));
	if (a != NULL && a->aside)
		say(o, "moved %s into %s/ (too big to copy: recorded in the archive, which --restore brings back)",
		    vis(rel, b, sizeof(b)), ARC_ASIDE_DIR);
	else
		say(o, "removed %s (archived)", vis(rel, b, sizeof(b)));
	return 0;
}

/* op_remove_job - unlink every archived file of the fix, control first */
static int
op_remove_job(struct run *r, uint32_t fi, struct outcome *o)
{
	size_t i, first = r->first_arch[fi], n = r->narch_fix[fi];
	char b[128], rel[NAME_MAX + 8];
	struct qerr err;

	char list[WHY_MAX] = "";
	size_t used = 0;

	if (r->arch == NULL)
		return rp_not_fixed(o, "%s", "nothing of the job was archived");
	/* rp_archive_job() archived them control files first. */
	for (i = first; i < first + n; i++) {
		const struct archived *a = &r->arch[i];
		const char *name = plan_str(r->set->plan, a->name);
		int dirfd = rp_place_fd(r->set, a->qdir, a->sub);
		int w;

		if (remove_archived(r, a, dirfd, &err) < 0)
			return rp_not_fixed(o, "%s", err.msg);
		touched(r, &a->st);
		if (fsync_place(r, dirfd, o) < 0)
			return -1;
		rp_rel_path(a->sub, name, rel, sizeof(rel));
		w = snprintf(list + used, sizeof(list) - used, "%s%s%s",
		    used > 0 ? ", " : "", vis(rel, b, sizeof(b)),
		    a->aside ? " (moved aside: too big to copy)" : "");
		if (w > 0 && (size_t)w < sizeof(list) - used)
			used += (size_t)w;
	}
	say(o, "removed the job: %s (archived)", list);
	return 0;
}

/*
 * inert_advice - what a human must do with a job made inert for problem
 * id: supply what is missing, or fix what is wrong, then give the name
 * back (op.me "Recovering a Qf"); an untrusted job is a decision about
 * its owner
 */
static const char *
inert_advice(enum problem_id id, const char *jobid, char *buf, size_t bufsz)
{
	const char *first;
	char v[NAME_MAX + 1];

	switch (id) {
	case PR_2_NO_SENDER:
	case PR_2_EMPTY_SENDER:
		first = "a human must supply the envelope sender: add an S line (S<address>) to it";
		break;
	case PR_2_NO_RECIPIENTS:
	case PR_2_RCPT_NO_COLON:
	case PR_2_RCPT_EMPTY:
		first = "a human must supply its recipients (R lines)";
		break;
	case PR_3_NO_DF:
		return "its body is nowhere; the archive holds what is left";
	default:
		first = "once what is wrong in it is fixed";
		break;
	}
	(void)snprintf(buf, bufsz, "%s, then mqfsck -y --release %s checks it and renames it back to qf",
	    first, esc_str(v, sizeof(v), jobid));
	return buf;
}

/* op_inert - rename the control file to Qf, as sendmail's loseqfile() */
static int
op_inert(struct run *r, enum problem_id id, const struct plan_op *op,
    struct outcome *o)
{
	const char *name = plan_str(r->set->plan, op->src.name);
	int dirfd = rp_place_fd(r->set, op->src.qdir, op->src.sub);
	char lost[NAME_MAX + 1], b[128], b2[128], ra[NAME_MAX + 8];
	char rb[NAME_MAX + 8], advice[NAME_MAX * 4 + 200];
	struct stat st;
	struct qerr err;

	if (op->flags & OPF_IF_NO_DF) {
		int dfd = rp_place_fd(r->set, op->dst.qdir, op->dst.sub);
		struct stat dst;

		if (dfd >= 0 && fstatat(dfd, plan_str(r->set->plan, op->dst.name),
				    &dst, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(dst.st_mode)) {
			o->result = FIXR_COVERED;
			say(o, "not made inert: its data file is back");
			return 0;
		}
	}
	if (!still(r, &op->src, &st, o))
		return -1;
	(void)snprintf(lost, sizeof(lost), "Q%s", name + 1);
	if (sio_rename(r->env->writer, dirfd, name, dirfd, lost, true, &st,
		&err) < 0)
		return rp_not_fixed(o, "%s", err.msg);
	touched(r, &st);
	if (fsync_place(r, dirfd, o) < 0)
		return -1;
	rp_rel_path(op->src.sub, name, ra, sizeof(ra));
	rp_rel_path(op->src.sub, lost, rb, sizeof(rb));
	if (id == PR_1_UNTRUSTED || id == PR_3_UNTRUSTED_TEMP)
		say(o, "renamed %s to %s, every file of the job archived: sendmail will not run it; if its owner is to be trusted, mqfsck -y --adopt-owner %lu takes it back; otherwise it stays out of the queue",
		    vis(ra, b, sizeof(b)), vis(rb, b2, sizeof(b2)),
		    (unsigned long)st.st_uid);
	else
		say(o, "renamed %s to %s, every file of the job archived: sendmail will not run it; %s",
		    vis(ra, b, sizeof(b)), vis(rb, b2, sizeof(b2)),
		    inert_advice(id, name + 2, advice, sizeof(advice)));
	return 0;
}

/* A rewrite's edits, for its message. */
struct edits {
	char said[WHY_MAX];
	size_t used;
};

/* edit_say - note an edit made */
static void
edit_say(struct edits *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
edit_say(struct edits *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (e->used + 3 >= sizeof(e->said))
		return;
	if (e->used > 0) {
		e->said[e->used++] = ',';
		e->said[e->used++] = ' ';
	}
	va_start(ap, fmt);
	n = vsnprintf(e->said + e->used, sizeof(e->said) - e->used, fmt, ap);
	va_end(ap);
	if (n > 0)
		e->used += (size_t)n < sizeof(e->said) - e->used
		    ? (size_t)n : sizeof(e->said) - e->used - 1;
}

/*
 * sendmail_edits - the control file as sendmail's readqf() reads it,
 * written the way queueup() writes one: lines readqf() has no case for
 * (a blank line, an unknown code: it would lose the job) dropped; a T
 * line that is no number, or none, set to the time the queue id records
 * (queue.c assign_queueid(): the second the message came in); K, N and
 * P that are no numbers written as the numbers sendmail reads (atol());
 * CR LF line ends as LF.  Nothing is invented: where a fact is missing
 * (the sender), the problem's fix is to make the job inert instead.
 */
static int
sendmail_edits(struct qf_file *qf, const char *name, time_t near,
    struct edits *e, struct qerr *err)
{
	struct qid_fields f;
	char v[32];
	size_t i;

	for (i = 0; i < qf->terminator; i++) {
		if ((qf->lines[i].flags & QFL_DELETED) ||
		    qf_code_known(qf->lines[i].code))
			continue;
		if (qf_delete_line(qf, i, err) < 0)
			return -1;
		edit_say(e, "dropped line %u, which sendmail cannot read",
		    qf->lines[i].lineno);
	}
	if (qf_has(qf, QF_D_BAD_TIME) || qf_has(qf, QF_D_NO_TIME)) {
		if (!qid_decode(name + 2, strlen(name + 2), &f)) {
			qerr_set(err, EINVAL, "its id records no time to take T from");
			return -1;
		}
		(void)snprintf(v, sizeof(v), "%lld", (long long)qid_time(&f, near));
		if (qf_set_field(qf, 'T', v, "V", err) < 0)
			return -1;
		edit_say(e, "T%s from its queue id", v);
	}
	if (qf_has(qf, QF_D_BAD_NUMBER)) {
		static const char codes[] = "KNP";
		long long vals[3];

		vals[0] = qf->lasttry;
		vals[1] = qf->tries;
		vals[2] = qf->priority;
		for (i = 0; i < 3; i++) {
			bool have = i == 0 ? qf->has_lasttry
			    : i == 1 ? qf->has_tries : qf->has_priority;

			if (!have)
				continue;
			(void)snprintf(v, sizeof(v), "%lld", vals[i]);
			if (qf_set_field(qf, codes[i], v, "VTKN", err) < 0)
				return -1;
		}
		edit_say(e, "K, N and P as the numbers sendmail reads");
	}
	for (i = 0; i < qf->nlines; i++)
		if (qf->lines[i].flags & QFL_CR) {
			if (qf_use_lf(qf, err) < 0)
				return -1;
			edit_say(e, "line ends LF");
			break;
		}
	return 0;
}

/*
 * rewritten_ok - the new bytes are a control file sendmail runs, with
 * none of the defects the rewrite was for
 */
static bool
rewritten_ok(const unsigned char *buf, size_t len, char letter, bool set_i)
{
	static const enum qf_defect_kind gone[] = { QF_D_BAD_CODE,
		QF_D_BAD_TIME, QF_D_NO_TIME, QF_D_BAD_NUMBER, QF_D_BAD_INODE };
	struct qf_parse_opts po;
	struct qf_file qf;
	struct qerr err;
	size_t i;
	bool ok;

	qf_init(&qf);
	memset(&po, 0, sizeof(po));
	po.letter = letter;
	ok = qf_parse(&qf, buf, len, &po, &err) == 0 && qf.terminated &&
	    qf.outcome < QF_CSQ_NO_BODY;
	for (i = 0; ok && i < sizeof(gone) / sizeof(gone[0]); i++)
		ok = !qf_has(&qf, gone[i]) || (gone[i] == QF_D_BAD_INODE && !set_i);
	qf_free(&qf);
	return ok;
}

/* The bytes a rewrite leaves, made in memory (rewrite_bytes()). */
struct rewrite {
	unsigned char *out;
	size_t len;
	struct edits e;
};

/*
 * rewrite_bytes - the control file st (op->src) rewritten: OP_REWRITE_I
 * sets the I line from the df at op->dst; OP_REWRITE makes sendmail's
 * own reading of it (sendmail_edits()), and the I line too with
 * OPF_SET_INODE.  The same file gives the same bytes: step 1 records
 * their digest, step 3 writes them.  -1 with why when they cannot be
 * made.
 */
static int
rewrite_bytes(struct run *r, const struct plan_op *op, const struct stat *st,
    struct rewrite *rw, char *why, size_t whysz)
{
	const char *name = plan_str(r->set->plan, op->src.name);
	const char *dname = plan_str(r->set->plan, op->dst.name);
	int dirfd = rp_place_fd(r->set, op->src.qdir, op->src.sub);
	int ddir = rp_place_fd(r->set, op->dst.qdir, op->dst.sub);
	bool set_i = op->kind == OP_REWRITE_I || (op->flags & OPF_SET_INODE);
	struct sio_buf buf = { NULL, 0, 0 };
	struct qf_parse_opts po;
	struct stat dst;
	struct qerr err;
	struct qf_file qf;
	char b[128];
	int fd = -1, dfd = -1, rc = -1;
	bool trunc = false;

	qf_init(&qf);
	memset(rw, 0, sizeof(*rw));
	if (set_i && (ddir < 0 ||
		(dfd = sio_open_regular(ddir, dname, &dst, &err)) < 0)) {
		(void)snprintf(why, whysz, "its data file %s cannot be opened",
		    vis(dname, b, sizeof(b)));
		goto out;
	}
	if ((fd = sio_open_entry(dirfd, name, st, NULL, &err)) < 0 ||
	    sio_read(fd, &buf, QF_MAX_BYTES, &trunc, &err) < 0 || trunc) {
		(void)snprintf(why, whysz, "%s cannot be read whole",
		    vis(name, b, sizeof(b)));
		goto out;
	}
	memset(&po, 0, sizeof(po));
	po.letter = name[0];
	if (qf_parse(&qf, buf.data, buf.len, &po, &err) < 0 ||
	    (op->kind == OP_REWRITE &&
		sendmail_edits(&qf, name, st->st_mtime, &rw->e, &err) < 0) ||
	    (set_i && qf_set_inode(&qf, (long long)major(dst.st_dev),
			  (long long)minor(dst.st_dev),
			  (unsigned long long)dst.st_ino, &err) < 0)) {
		(void)snprintf(why, whysz, "%s", err.msg);
		goto out;
	}
	if (set_i)
		edit_say(&rw->e, "I%u/%u/%llu, the data file's",
		    major(dst.st_dev), minor(dst.st_dev),
		    (unsigned long long)dst.st_ino);
	/* --rejuvenate: the T line is the repair's time (the one time of
	 * the run, so step 1 and step 3 make the same bytes). */
	if (op->flags & OPF_SET_TIME) {
		char t[32];

		(void)snprintf(t, sizeof(t), "%lld", (long long)r->env->now);
		if (qf_set_field(&qf, 'T', t, "V", &err) < 0) {
			(void)snprintf(why, whysz, "%s", err.msg);
			goto out;
		}
		edit_say(&rw->e, "T%s, the time of the repair", t);
	}
	/* What is written must be what sendmail runs. */
	rw->len = qf_output_size(&qf);
	if ((rw->out = malloc(rw->len + 1)) == NULL ||
	    qf_write_buf(&qf, rw->out, rw->len + 1) != rw->len ||
	    (op->kind == OP_REWRITE &&
		!rewritten_ok(rw->out, rw->len, name[0], set_i))) {
		(void)snprintf(why, whysz, "%s", rw->out == NULL
		    ? "out of memory"
		    : "even rewritten as sendmail reads it, sendmail would not run it: left for a human");
		goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		free(rw->out);
		rw->out = NULL;
	}
	if (fd >= 0)
		(void)close(fd);
	if (dfd >= 0)
		(void)close(dfd);
	sio_buf_free(&buf);
	qf_free(&qf);
	return rc;
}

/* rp_rewrite_digest - the digest of the bytes a rewrite would leave */
int
rp_rewrite_digest(struct run *r, const struct plan_op *op,
    const struct stat *st, char hex[ARC_SHA256_HEX + 1])
{
	struct rewrite rw;
	struct qerr err;
	char why[WHY_MAX];
	int rc;

	if (rewrite_bytes(r, op, st, &rw, why, sizeof(why)) < 0)
		return -1;
	rc = arc_sha256_hex(rw.out, rw.len, hex, &err);
	free(rw.out);
	return rc;
}

/* The fill of sio_replace(): the rewritten control file. */
struct fill_arg {
	const struct rewrite *rw;
	struct qerr err;
};

/* fill_qf - write the rewritten file to fd */
static int
fill_qf(int fd, void *arg)
{
	struct fill_arg *fa = arg;

	return sio_write_all(fd, fa->rw->out, fa->rw->len, &fa->err);
}

/*
 * op_rewrite - rewrite a control file the way sendmail's queueup() does
 * (tf<id> in its directory, fsync, rename over it, fsync the directory),
 * with the bytes whose digest the manifest recorded (so a restore can
 * tell it is still what the repair left).  The old file was archived.
 */
static int
op_rewrite(struct run *r, uint32_t fi, const struct plan_op *op,
    struct outcome *o)
{
	const struct policy *pol = &r->set->pol;
	const char *name = plan_str(r->set->plan, op->src.name);
	int dirfd = rp_place_fd(r->set, op->src.qdir, op->src.sub);
	const struct archived *a = find_archived(r, fi, op->src.qdir,
	    op->src.sub, name);
	char hex[ARC_SHA256_HEX + 1], tmp[NAME_MAX + 1], b[128], why[WHY_MAX];
	struct rewrite rw;
	struct fill_arg fa;
	struct stat st;
	struct qerr err;
	int nfd;

	if (!still(r, &op->src, &st, o))
		return -1;
	if (rewrite_bytes(r, op, &st, &rw, why, sizeof(why)) < 0)
		return rp_not_fixed(o, "%s", why);
	if (a != NULL && a->wrote_sha != 0 &&
	    (arc_sha256_hex(rw.out, rw.len, hex, &err) < 0 ||
		strcmp(hex, plan_str(r->set->plan, a->wrote_sha)) != 0)) {
		free(rw.out);
		return rp_not_fixed(o, "%s would now be rewritten otherwise than the archive recorded: left for the next run",
		    vis(name, b, sizeof(b)));
	}
	/* queueup() rewrites through tf<id> in the qf's own directory. */
	(void)snprintf(tmp, sizeof(tmp), "t%s", name + 1);
	memset(&fa, 0, sizeof(fa));
	fa.rw = &rw;
	nfd = sio_replace(r->env->writer, dirfd, name, tmp, pol->file_mode,
	    pol->expected_owner,
	    pol->check_group ? pol->queue_gid : st.st_gid, fill_qf, &fa, &err);
	free(rw.out);
	if (nfd < 0)
		return rp_not_fixed(o, "%s", err.msg);
	(void)close(nfd);
	say(o, "rewrote %s (%s) through %s, as sendmail does; the old file archived",
	    vis(name, b, sizeof(b)), rw.e.said, tmp);
	return 0;
}

/*
 * rp_promoted_letter - what the tf becomes: sendmail's rewrite renames it to
 * the name its contents call for, hf when it holds a q (quarantine) line
 * (quarantine_queue_item()), qf otherwise; 0 when it cannot be read
 */
char
rp_promoted_letter(int dirfd, const char *name, const struct stat *seen)
{
	struct sio_buf buf = { NULL, 0, 0 };
	struct qf_parse_opts po;
	struct qf_file qf;
	struct qerr err;
	bool trunc = false;
	char letter = 0;
	int fd;

	fd = sio_open_entry(dirfd, name, seen, NULL, &err);
	if (fd < 0)
		return 0;
	qf_init(&qf);
	memset(&po, 0, sizeof(po));
	po.letter = 't';
	if (sio_read(fd, &buf, QF_MAX_BYTES, &trunc, &err) == 0 && !trunc &&
	    qf_parse(&qf, buf.data, buf.len, &po, &err) == 0)
		letter = qf.quarantine.len > 0 ? 'h' : 'q';
	(void)close(fd);
	qf_free(&qf);
	sio_buf_free(&buf);
	return letter;
}

/*
 * op_promote - the tf becomes the control file it was written to be.
 * When that is another name than the old control file's (a quarantine or
 * its release cut short before the rename), the tf gets its own name
 * first and the old control file goes after it (it was archived): a
 * crash in between leaves two control files, whose older the next run
 * removes.
 */
static int
op_promote(struct run *r, const struct plan_op *op, struct outcome *o)
{
	const char *name = plan_str(r->set->plan, op->src.name);
	const char *old = plan_str(r->set->plan, op->dst.name);
	int sfd = rp_place_fd(r->set, op->src.qdir, op->src.sub);
	int dfd = rp_place_fd(r->set, op->dst.qdir, op->dst.sub);
	bool replacing = !(op->flags & OPF_NOREPLACE);
	char b[128], b2[128], ra[NAME_MAX + 8], rb[NAME_MAX + 8];
	char to[NAME_MAX + 1], letter;
	struct stat st, ost;
	struct qerr err;
	bool same;

	if (!still(r, &op->src, &st, o))
		return -1;
	if ((letter = rp_promoted_letter(sfd, name, &st)) == 0)
		return rp_not_fixed(o, "%s can no longer be read whole",
		    vis(name, b, sizeof(b)));
	(void)snprintf(to, sizeof(to), "%c%s", letter, name + 1);
	same = replacing && strcmp(to, old) == 0;
	if (replacing && !same &&
	    (fstatat(dfd, old, &ost, AT_SYMLINK_NOFOLLOW) < 0 ||
		ost.st_ino != op->dst.ino))
		return rp_not_fixed(o, "%s changed", vis(old, b, sizeof(b)));
	if (sio_rename(r->env->writer, sfd, name, dfd, to, !same, &st,
		&err) < 0)
		return rp_not_fixed(o, "%s", err.msg);
	if (fsync_place(r, dfd, o) < 0)
		return -1;
	rp_rel_path(op->src.sub, name, ra, sizeof(ra));
	rp_rel_path(op->dst.sub, to, rb, sizeof(rb));
	say(o, "renamed %s to %s%s", vis(ra, b, sizeof(b)), vis(rb, b2, sizeof(b2)),
	    same ? " (the control file it replaced archived)" : "");
	if (replacing && !same) {
		if (sio_unlink(r->env->writer, dfd, old, &ost, &err) < 0)
			return rp_not_fixed(o, "%s", err.msg);
		if (fsync_place(r, dfd, o) < 0)
			return -1;
		rp_rel_path(op->dst.sub, old, ra, sizeof(ra));
		say(o, "removed %s, which it supersedes (archived)",
		    vis(ra, b, sizeof(b)));
	}
	return 0;
}

/* set_owner_mode - fchown/fchmod an open, verified file where needed */
static int
set_owner_mode(struct run *r, int fd, const struct stat *st, uid_t uid,
    gid_t gid, mode_t mode, struct outcome *o)
{
	struct qerr err;
	bool new_uid = uid != (uid_t)-1 && st->st_uid != uid;
	bool new_gid = gid != (gid_t)-1 && st->st_gid != gid;

	if (new_uid || new_gid) {
		if (sio_fchown(r->env->writer, fd, new_uid ? uid : (uid_t)-1,
			new_gid ? gid : (gid_t)-1, &err) < 0)
			return rp_not_fixed(o, "%s", err.msg);
		if (new_uid)
			say(o, "owner %lu -> %lu", (unsigned long)st->st_uid,
			    (unsigned long)uid);
		if (new_gid)
			say(o, "group %lu -> %lu", (unsigned long)st->st_gid,
			    (unsigned long)gid);
	}
	/* fchmod() after fchown(): chown may clear set-id bits. */
	if (mode != (mode_t)-1 && (st->st_mode & 07777) != mode) {
		if (sio_fchmod(r->env->writer, fd, mode, &err) < 0)
			return rp_not_fixed(o, "%s", err.msg);
		say(o, "mode %04o -> %04o", (unsigned)(st->st_mode & 07777),
		    (unsigned)mode);
	}
	return 0;
}

/*
 * sibling_names - how many dfs of the set's queues are names of st's
 * inode (the links an envelope split made); the table of linked dfs is
 * built once, on the first question
 */
static size_t
sibling_names(struct run *r, const struct stat *st)
{
	const struct index *idx = &r->set->idx;
	struct inomap *m = &r->links[r->si];
	uint32_t j, f, n;

	if (!r->links_built[r->si]) {
		r->links_built[r->si] = true;
		for (j = 1; j < idx->njobs; j++)
			for (f = idx->jobs[j].first; f != 0; f = idx->files[f].next) {
				const struct jfile *jf = &idx->files[f];

				if (jf->letter != 'd' || jf->nlink < 2 ||
				    (jf->flags & JF_LOSTFOUND) ||
				    inomap_put(m, (uint64_t)rp_place_dev(r->set, jf->qdir,
					jf->sub), jf->ino, j) < 0)
					continue;
			}
	}
	(void)inomap_get(m, (uint64_t)st->st_dev, (uint64_t)st->st_ino, &n);
	return n;
}

/*
 * locked_fd - the descriptor the job's lock holds on the file seen (same
 * device and inode), with *st its fstat() now; -1 when the lock holds
 * none (the file is not the job's own, or lost+found's)
 */
static int
locked_fd(const struct run *r, const struct stat *seen, struct stat *st)
{
	const struct job_lock *jl = r->lock;
	size_t i;

	for (i = 0; jl != NULL && i < jl->n; i++)
		if (jl->dev[i] == seen->st_dev && jl->ino[i] == seen->st_ino)
			return fstat(jl->fd[i], st) == 0 && S_ISREG(st->st_mode) &&
				st->st_ino == seen->st_ino
			    ? jl->fd[i] : -1;
	return -1;
}

/* op_owner_mode - a queue file's owner and mode */
static int
op_owner_mode(struct run *r, const struct plan_op *op, struct outcome *o)
{
	const char *name = plan_str(r->set->plan, op->src.name);
	int dirfd = rp_place_fd(r->set, op->src.qdir, op->src.sub), fd, rc;
	struct stat seen, st;
	struct qerr err;
	char b[128];
	bool ours;

	if (!still(r, &op->src, &seen, o))
		return -1;
	if (!S_ISREG(seen.st_mode))
		return rp_not_fixed(o, "%s is not a regular file", vis(name, b, sizeof(b)));
	/* The job's lock has the file open already (fchown() and fchmod()
	 * need no write access); otherwise it is opened here. */
	fd = locked_fd(r, &seen, &st);
	ours = fd < 0;
	if (ours)
		fd = sio_open_entry(dirfd, name, &seen, &st, &err);
	if (fd < 0)
		return rp_not_fixed(o, "%s", err.msg);
	/* A second name may be outside the queue: changing the inode
	 * would change that file too (never written through).  An envelope
	 * split links one df under its sibling jobs' names (split_by_recipient(),
	 * dup_df()): when every name is one of those, it is one body. */
	if (st.st_nlink > 1 &&
	    (name[0] != 'd' || sibling_names(r, &st) != (size_t)st.st_nlink)) {
		if (ours)
			(void)close(fd);
		return rp_not_fixed(o, "%s has other names (hard links) that are not its sibling jobs' data files in the queue: change its owner or mode by hand",
		    vis(name, b, sizeof(b)));
	}
	rc = set_owner_mode(r, fd, &st, op->uid, op->gid, op->mode, o);
	if (ours)
		(void)close(fd);
	touched(r, &st);
	return rc;
}

/* op_dir_owner_mode - the queue directory's owner and mode */
static int
op_dir_owner_mode(struct run *r, const struct plan_op *op, struct outcome *o)
{
	const struct qdir *qd = &r->set->dirs[op->src.qdir];
	struct stat st;

	if (qd->fd < 0 || fstat(qd->fd, &st) < 0 ||
	    st.st_dev != qd->st.st_dev || st.st_ino != qd->st.st_ino)
		return rp_not_fixed(o, "%s", "the queue directory is not the one checked");
	return set_owner_mode(r, qd->fd, &st, op->uid, op->gid, op->mode, o);
}

/* op_move - to where sendmail looks for it, keeping its name */
static int
op_move(struct run *r, const struct plan_op *op, struct outcome *o)
{
	const char *name = plan_str(r->set->plan, op->src.name);
	const char *to = plan_str(r->set->plan, op->dst.name);
	int sfd = rp_place_fd(r->set, op->src.qdir, op->src.sub);
	int dfd = rp_place_fd(r->set, op->dst.qdir, op->dst.sub);
	char a[PATH_MAX], b[PATH_MAX], va[256], vb[256];
	struct stat st;
	struct qerr err;

	if (!still(r, &op->src, &st, o))
		return -1;
	if (dfd < 0)
		return rp_not_fixed(o, "%s", "the directory it belongs in is not open");
	if (sio_rename(r->env->writer, sfd, name, dfd, to, true, &st, &err) < 0)
		return rp_not_fixed(o, "%s", err.sys_errno == EXDEV
			? "the two places are on different file systems: move it by hand"
			: err.msg);
	touched(r, &st);
	if (fsync_place(r, dfd, o) < 0 || fsync_place(r, sfd, o) < 0)
		return -1;
	(void)snprintf(a, sizeof(a), "%s/%s%s", r->set->dirs[op->src.qdir].path,
	    rp_sub_pfx(op->src.sub), name);
	(void)snprintf(b, sizeof(b), "%s/%s%s", r->set->dirs[op->dst.qdir].path,
	    rp_sub_pfx(op->dst.sub), to);
	say(o, "moved %s to %s", vis(a, va, sizeof(va)), vis(b, vb, sizeof(vb)));
	return 0;
}

/* op_recover - back from lost+found; the inode keeps its I line true */
static int
op_recover(struct run *r, const struct plan_op *op, struct outcome *o)
{
	const struct lfdir *lf = &r->set->lfs[op->src.qdir];
	const char *name = plan_str(r->set->plan, op->src.name);
	const char *to = plan_str(r->set->plan, op->dst.name);
	int dfd = rp_place_fd(r->set, op->dst.qdir, op->dst.sub), fd, rc;
	char va[256], vb[256], vc[256], dest[PATH_MAX];
	struct stat st, nst;
	struct qerr err;

	if (dfd < 0 || op->src.qdir >= r->set->nlfs || lf->fd < 0)
		return rp_not_fixed(o, "%s", "the directory it belongs in is not open");
	if (fstatat(lf->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_ino != op->src.ino || st.st_dev != op->src.dev ||
	    !S_ISREG(st.st_mode))
		return rp_not_fixed(o, "%s in lost+found is not the file that was checked",
		    vis(name, va, sizeof(va)));
	rc = sio_rename(r->env->writer, lf->fd, name, dfd, to, true, &st, &err);
	if (rc < 0)
		return rp_not_fixed(o, "%s", err.sys_errno == EXDEV
			? "lost+found is on another file system than the queue: move it by hand"
			: err.msg);
	(void)sio_fsync_dir(lf->fd, &err);
	if (fsync_place(r, dfd, o) < 0)
		return -1;
	(void)snprintf(dest, sizeof(dest), "%s/%s%s",
	    r->set->dirs[op->dst.qdir].path, rp_sub_pfx(op->dst.sub), to);
	say(o, "moved %s/%s back to %s", vis(lf->path, va, sizeof(va)),
	    vis(name, vc, sizeof(vc)), vis(dest, vb, sizeof(vb)));
	/* lost+found keeps an inode's owner and mode; the queue wants its
	 * own (only trusted owners' files were taken). */
	fd = sio_open_regular(dfd, to, &nst, &err);
	if (fd < 0)
		return rp_not_fixed(o, "%s", err.msg);
	rc = nst.st_ino == st.st_ino
	    ? set_owner_mode(r, fd, &nst, op->uid, op->gid, op->mode, o) : -1;
	(void)close(fd);
	return rc;
}

/*
 * op_exchange - two jobs' dfs exchange names (renameat2 RENAME_EXCHANGE):
 * atomic, so at no moment is either job without a df; each name is
 * checked to hold the inode planned first.  A file system without the
 * operation changes nothing.
 */
static int
op_exchange(struct run *r, const struct plan_op *op, struct outcome *o)
{
	const char *a = plan_str(r->set->plan, op->src.name);
	const char *b = plan_str(r->set->plan, op->dst.name);
	int afd = rp_place_fd(r->set, op->src.qdir, op->src.sub);
	int bfd = rp_place_fd(r->set, op->dst.qdir, op->dst.sub);
	char va[128], vb[128];
	struct stat sa, sb;
	struct qerr err;

	if (!still(r, &op->src, &sa, o) || !still(r, &op->dst, &sb, o))
		return -1;
	if (sio_exchange(r->env->writer, afd, a, bfd, b, &sa, &sb, &err) < 0)
		return rp_not_fixed(o, "%s", err.sys_errno == EINVAL
			? "the file system cannot exchange two names at once: exchange them by hand (mv through a third name, with sendmail stopped)"
			: err.msg);
	touched(r, &sa);
	touched(r, &sb);
	if (fsync_place(r, afd, o) < 0 || (bfd != afd && fsync_place(r, bfd, o) < 0))
		return -1;
	say(o, "exchanged %s and %s", vis(a, va, sizeof(va)), vis(b, vb, sizeof(vb)));
	return 0;
}

/* op_move_out - a foreign or non-regular entry leaves the queue */
static int
op_move_out(struct run *r, uint32_t fi, const struct plan_op *op,
    struct outcome *o)
{
	const char *name = plan_str(r->set->plan, op->src.name);
	int dirfd = rp_place_fd(r->set, op->src.qdir, op->src.sub);
	const struct archived *a = find_archived(r, fi, op->src.qdir,
	    op->src.sub, name);
	char b[128], rel[NAME_MAX + 8];
	struct qerr err;
	int rc;

	if (a == NULL)
		return rp_not_fixed(o, "%s was not archived", vis(name, b, sizeof(b)));
	if (S_ISDIR(a->st.st_mode)) {
		rc = sio_rmdir(r->env->writer, dirfd, name, &a->st, &err);
		if (rc < 0 && (err.sys_errno == ENOTEMPTY || err.sys_errno == EEXIST))
			return rp_not_fixed(o, "%s is a directory that is not empty: move it out of the queue by hand",
			    vis(name, b, sizeof(b)));
	} else
		rc = remove_archived(r, a, dirfd, &err);
	if (rc < 0)
		return rp_not_fixed(o, "%s", err.msg);
	touched(r, &a->st);
	if (fsync_place(r, dirfd, o) < 0)
		return -1;
	rp_rel_path(op->src.sub, name, rel, sizeof(rel));
	say(o, "removed %s from the queue (%s archived)", vis(rel, b, sizeof(b)),
	    a->data ? "its bytes" : "what it was");
	return 0;
}

/* rp_apply_fix - step 3 for one fix, its job already locked */
void
rp_apply_fix(struct run *r, uint32_t fi, struct outcome *o)
{
	struct plan *p = r->set->plan;
	const struct plan_fix *fx = &p->fixes[fi];
	uint32_t k;
	int rc = 0;

	o->result = FIXR_FIXED;
	o->what[0] = '\0';
	for (k = 0; k < fx->nops && rc == 0; k++) {
		const struct plan_op *op = &p->ops[fx->first_op + k];
		struct qerr err;

		/* The job's changes are made durable in their order: one
		 * before the next (a job removed control file first never
		 * leaves, after a crash, a qf without its df). */
		if (r->job_dirty && rp_sync_dirty(r, &err) < 0) {
			(void)rp_not_fixed(o, "%s", err.msg);
			break;
		}
		switch (op->kind) {
		case OP_OWNER_MODE:
			rc = op_owner_mode(r, op, o);
			break;
		case OP_DIR_OWNER_MODE:
			rc = op_dir_owner_mode(r, op, o);
			break;
		case OP_RECOVER:
			rc = op_recover(r, op, o);
			break;
		case OP_MOVE:
			rc = op_move(r, op, o);
			break;
		case OP_EXCHANGE:
			rc = op_exchange(r, op, o);
			break;
		case OP_PROMOTE:
			rc = op_promote(r, op, o);
			break;
		case OP_REMOVE:
			rc = op_remove(r, fi, op, o);
			break;
		case OP_REMOVE_JOB:
			rc = op_remove_job(r, fi, o);
			break;
		case OP_REWRITE_I:
		case OP_REWRITE:
			rc = op_rewrite(r, fi, op, o);
			break;
		case OP_INERT:
			rc = op_inert(r, fx->id, op, o);
			break;
		case OP_MOVE_OUT:
			rc = op_move_out(r, fi, op, o);
			break;
		case OP_NKINDS:
			BUG("apply_fix: bad kind");
		}
	}
	if (o->result == FIXR_FIXED && o->what[0] == '\0')
		say(o, "nothing needed changing");
}

/*
 * rp_unlock_job - close (and so release) every lock of the job; a removed
 * file's last close, which frees its blocks, may be left to r's closer
 */
void
rp_unlock_job(struct run *r, struct job_lock *jl)
{
	size_t i;

	for (i = 0; i < jl->n; i++)
		closer_close(r->closer, jl->fd[i]);
	jl->n = 0;
}

/*
 * rp_lock_job - open and lock every file of job j in the queues as sendmail
 * would before working on it, adding to what jl holds; false (with why,
 * and nothing held) when another process holds one
 */
bool
rp_lock_job(struct run *r, uint32_t j, struct job_lock *jl, struct outcome *o)
{
	const struct index *idx = &r->set->idx;
	const struct job *jb = &idx->jobs[j];
	char name[64], b[128];
	struct qerr err;
	struct stat st;
	uint32_t f;
	int fd, state;

	for (f = jb->first; f != 0 && jl->n < MAX_JOB_FILES;
	     f = idx->files[f].next) {
		const struct jfile *jf = &idx->files[f];
		int dirfd = rp_place_fd(r->set, jf->qdir, jf->sub);

		if (jf->flags & JF_LOSTFOUND)
			continue; /* no sendmail works on lost+found */
		rp_job_file_name(jb, jf, name, sizeof(name));
		if (dirfd < 0)
			continue;
		fd = sio_open_regular(dirfd, name, &st, &err);
		if (fd < 0)
			continue; /* gone or swapped: the fixes say so */
		if (st.st_ino != (ino_t)jf->ino) {
			(void)close(fd);
			continue;
		}
		state = sio_lock_job(fd, &err);
		if (state != 0) {
			(void)close(fd);
			rp_unlock_job(r, jl);
			(void)rp_not_fixed(o, state == SIO_LOCKED
				? "%s is locked by another process (sendmail at work): the job was left alone"
				: "%s could not be locked: the job was left alone",
			    vis(name, b, sizeof(b)));
			return false;
		}
		jl->dev[jl->n] = st.st_dev;
		jl->ino[jl->n] = st.st_ino;
		jl->fd[jl->n++] = fd;
	}
	return true;
}

/*
 * rp_lock_partners - an exchange of dfs changes another job too: its files
 * are locked with the job's (fixes order[i..k) of one job)
 */
bool
rp_lock_partners(struct run *r, const uint32_t *order, uint32_t i, uint32_t k,
    struct job_lock *jl, struct outcome *o)
{
	const struct plan *p = r->set->plan;
	uint32_t u, op;

	for (u = i; u < k; u++) {
		const struct plan_fix *fx = &p->fixes[order[u]];

		for (op = 0; op < fx->nops; op++) {
			const struct plan_op *po = &p->ops[fx->first_op + op];

			if (po->kind == OP_EXCHANGE && po->other_job != 0 &&
			    po->other_job != fx->job &&
			    !rp_lock_job(r, po->other_job, jl, o)) {
				rp_unlock_job(r, jl);
				return false;
			}
		}
	}
	return true;
}

/* rp_report - print a fix's outcome and count it */
void
rp_report(struct run *r, uint32_t fi, const struct outcome *o,
    struct repair_summary *rs)
{
	struct plan *p = r->set->plan;
	const struct plan_fix *fx = &p->fixes[fi];
	const struct qdir *qd = &r->set->dirs[fx->qdir < r->set->ndirs ? fx->qdir : 0];

	plan_set_result(p, fi, o->result, o->what);
	if (o->result == FIXR_FIXED || o->result == FIXR_COVERED)
		rs->fixed++;
	else
		rs->not_fixed++;
	r->env->rep.fixed(r->env->rep.cookie, qd->path, fx->id, plan_str(p, fx->idtext),
	    plan_str(p, fx->msg), o->result, o->what);
}

