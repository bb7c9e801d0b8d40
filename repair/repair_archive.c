/*
 * repair_archive.c - step 1 of a repair: every file a fix will remove,
 * rewrite, rename or change goes into the archive first (arc.h), whole
 * jobs together, each file once; a file too big to copy, or sparse, is
 * recorded and moved aside within its file system instead (nothing lost,
 * no cost that grows with its size).  What is archived is remembered
 * (struct archived), so that step 3 changes a file only while it is
 * still exactly what the archive holds.
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
#include "grow.h"
#include "qid.h"
#include "repair_private.h"

/* Step 1: archive */

/* arc_queue - the archive's number for queue directory qdir */
static int
arc_queue(struct run *r, uint16_t qdir, unsigned *n, struct qerr *err)
{
	unsigned *map = r->arcq[r->si];

	if (qdir >= r->set->ndirs) {
		qerr_set(err, EINVAL, "no such queue directory");
		return -1;
	}
	if (map[qdir] == 0) {
		unsigned k;

		if (arc_add_queue(r->arc, r->set->dirs[qdir].abspath, &k, err) < 0)
			return -1;
		map[qdir] = k + 1;
	}
	*n = map[qdir] - 1;
	return 0;
}

/* arc_lf_queue - the archive's number for lost+found lfi of the set */
static int
arc_lf_queue(struct run *r, uint16_t lfi, unsigned *n, struct qerr *err)
{
	unsigned *map = r->arcq[r->si] + r->set->ndirs;

	if (lfi >= r->set->nlfs) {
		qerr_set(err, EINVAL, "no such lost+found");
		return -1;
	}
	if (map[lfi] == 0) {
		unsigned k;

		if (arc_add_lostfound(r->arc, r->set->lfs[lfi].abspath, &k,
		    err) < 0)
			return -1;
		map[lfi] = k + 1;
	}
	*n = map[lfi] - 1;
	return 0;
}

/* What each operation does, in the manifest. */
static const char *const op_names[OP_NKINDS] = {
	[OP_OWNER_MODE] = "owner-mode",
	[OP_DIR_OWNER_MODE] = "owner-mode",
	[OP_RECOVER] = "recover-from-lost+found",
	[OP_MOVE] = "move",
	[OP_EXCHANGE] = "exchange-df",
	[OP_PROMOTE] = "promote-tf",
	[OP_REMOVE] = "remove",
	[OP_REMOVE_JOB] = "remove-job",
	[OP_REWRITE_I] = "rewrite-i-line",
	[OP_REWRITE] = "rewrite",
	[OP_INERT] = "make-inert",
	[OP_MOVE_OUT] = "move-out",
};

/* meta_of - the manifest fields of a file that operation `kind` of fix
 * fi changes (action: its name, unless `action` is given) */
static int
meta_of(struct run *r, uint32_t fi, enum op_kind kind, uint16_t qdir,
    const char *rel, struct arc_meta *m, char *code, size_t codesz,
    struct qerr *err)
{
	const struct plan_fix *fx = &r->set->plan->fixes[fi];
	const struct problem *p = problem_get(fx->id);

	memset(m, 0, sizeof(*m));
	if (arc_queue(r, qdir, &m->queue, err) < 0)
		return -1;
	(void)snprintf(code, codesz, "%06x", p->code);
	m->path = rel;
	m->code = code;
	m->problem = p->name;
	m->action = op_names[kind];
	return 0;
}

/*
 * What a fix leaves of a file (its manifest "wrote" line, arc.h), in the
 * repair's terms; the archive's follow from the file's stat.
 */
struct leaves {
	uint16_t qdir;
	uint8_t sub;
	const char *name;	/* its name after the fix; "." the directory */
	mode_t mode;		/* (mode_t)-1: as it was */
	uid_t uid;		/* (uid_t)-1: as it was */
	gid_t gid;		/* (gid_t)-1: as it was */
	bool new_file;		/* written anew: its inode is not known */
	ino_t ino;		/* the inode the plan moves there, 0: the
				   file's now */
	const char *sha;	/* the new bytes' SHA-256, NULL: the same */
};

/* wrote_of - the archive's "wrote" of lv for the file st; rel its path */
static int
wrote_of(struct run *r, const struct leaves *lv, const struct stat *st,
    struct arc_wrote *w, char *rel, size_t relsz, struct qerr *err)
{
	if (arc_queue(r, lv->qdir, &w->queue, err) < 0)
		return -1;
	if (strcmp(lv->name, ".") == 0)
		(void)snprintf(rel, relsz, ".");
	else
		rp_rel_path(lv->sub, lv->name, rel, relsz);
	w->path = rel;
	w->mode = lv->mode != (mode_t)-1 ? lv->mode : st->st_mode & 07777;
	w->uid = lv->uid != (uid_t)-1 ? lv->uid : st->st_uid;
	w->gid = lv->gid != (gid_t)-1 ? lv->gid : st->st_gid;
	w->ino = lv->new_file ? 0 : lv->ino != 0 ? lv->ino : st->st_ino;
	w->sha = lv->sha;
	return 0;
}

/* leaves_init - a file a fix renames to (qdir, sub, name), as it is */
static void
leaves_init(struct leaves *lv, uint16_t qdir, uint8_t sub, const char *name)
{
	memset(lv, 0, sizeof(*lv));
	lv->qdir = qdir;
	lv->sub = sub;
	lv->name = name;
	lv->mode = (mode_t)-1;
	lv->uid = (uid_t)-1;
	lv->gid = (gid_t)-1;
}

/* push_archived - remember an archived file for step 3 */
static int
push_archived(struct run *r, uint32_t fi, uint16_t qdir, uint8_t sub,
    const char *name, const struct stat *st, bool data)
{
	struct archived *a;

	if (grow_array((void **)&r->arch, &r->caparch, r->narch + 1,
		sizeof(*r->arch), 64) < 0)
		return -1;
	a = &r->arch[r->narch];
	a->fix = fi;
	a->set = (uint16_t)r->si;
	a->qdir = qdir;
	a->sub = sub;
	a->data = data;
	a->aside = false;
	a->wrote_sha = 0;
	a->name = plan_intern(r->set->plan, name, strlen(name));
	a->st = *st;
	if (a->name == 0)
		return -1;
	r->narch++;
	return 0;
}

/*
 * rp_archived_before - the file is in the archive already, for another fix
 * of the same job: fix fi records it too, without a second copy
 */
bool
rp_archived_before(struct run *r, uint32_t fi, uint16_t qdir, uint8_t sub,
    const char *name, ino_t seen_ino)
{
	size_t i;

	for (i = r->job_first; i < r->narch; i++) {
		const struct archived *a = &r->arch[i];

		if (a->set != r->si || a->qdir != qdir || a->sub != sub ||
		    !a->data || (seen_ino != 0 && a->st.st_ino != seen_ino) ||
		    strcmp(plan_str(r->set->plan, a->name), name) != 0)
			continue;
		{
			struct stat st = a->st; /* push may move r->arch */

			return push_archived(r, fi, qdir, sub, name, &st, true) == 0;
		}
	}
	return false;
}

/*
 * too_big_to_copy - a file whose copy would cost more than the run may
 * spend: bigger than MQ_COPY_MAX, or sparse (fewer blocks than half its
 * size: sendmail writes a df from start to end, so holes are someone
 * else's doing, and reading them costs as much as data).  Such a file is
 * never read: it is recorded, and moved aside on its own file system
 * (O(1), nothing lost) where a copy would have been removed.
 */
static bool
too_big_to_copy(const struct stat *st)
{
	return st->st_size > MQ_COPY_MAX ||
	    (st->st_size > MQ_SPARSE_MIN &&
	     (long long)st->st_blocks * 512 < (long long)st->st_size / 2);
}

/*
 * archive_aside - a file too big to copy (too_big_to_copy()): its record
 * in the manifest ("moved-aside", or the action given, for a file that
 * stays where it is), and the mark that step 3 moves it aside
 */
static int
archive_aside(struct run *r, uint32_t fi, enum op_kind kind, uint16_t qdir,
    uint8_t sub, const char *name, const struct stat *st, const char *action,
    const struct leaves *lv, struct qerr *err)
{
	char rel[NAME_MAX + 8], code[16], wrel[NAME_MAX + 8];
	struct arc_wrote w;
	struct arc_meta m;

	rp_rel_path(sub, name, rel, sizeof(rel));
	if (meta_of(r, fi, kind, qdir, rel, &m, code, sizeof(code), err) < 0)
		return -1;
	m.action = action != NULL ? action : "moved-aside";
	if (lv != NULL && action != NULL) {
		if (wrote_of(r, lv, st, &w, wrel, sizeof(wrel), err) < 0)
			return -1;
		m.wrote = &w;
	}
	if (arc_add_record(r->arc, &m, st, err) < 0)
		return -1;
	if (push_archived(r, fi, qdir, sub, name, st, false) < 0) {
		qerr_set(err, ENOMEM, "out of memory");
		return -1;
	}
	r->arch[r->narch - 1].aside = action == NULL;
	return 0;
}

/*
 * archive_data - the bytes of a regular file (fix fi's), which must be
 * the file the check saw (ino, when known)
 */
static int
archive_data(struct run *r, uint32_t fi, enum op_kind kind, uint16_t qdir,
    uint8_t sub, const char *name, ino_t seen_ino, const char *action,
    const struct leaves *lv, struct qerr *err)
{
	int dirfd = rp_place_fd(r->set, qdir, sub), fd;
	char rel[NAME_MAX + 8], code[16], wrel[NAME_MAX + 8];
	struct stat st, fst;
	struct arc_wrote w;
	struct arc_meta m;

	if (dirfd < 0) {
		qerr_set(err, ENOENT, "its directory is not open");
		return -1;
	}
	if (rp_archived_before(r, fi, qdir, sub, name, seen_ino))
		return 0;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		qerr_set(err, errno, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (seen_ino != 0 && st.st_ino != seen_ino)) {
		qerr_set(err, ESTALE, "%s changed since it was checked", name);
		return -1;
	}
	if (too_big_to_copy(&st))
		return archive_aside(r, fi, kind, qdir, sub, name, &st, action,
		    lv, err);
	r->want_bytes += (unsigned long long)st.st_size;
	fd = sio_open_entry(dirfd, name, &st, &fst, err);
	if (fd < 0)
		return -1;
	rp_rel_path(sub, name, rel, sizeof(rel));
	if (meta_of(r, fi, kind, qdir, rel, &m, code, sizeof(code), err) < 0) {
		(void)close(fd);
		return -1;
	}
	if (action != NULL)
		m.action = action;
	if (lv != NULL) {
		if (wrote_of(r, lv, &fst, &w, wrel, sizeof(wrel), err) < 0) {
			(void)close(fd);
			return -1;
		}
		m.wrote = &w;
	}
	if (arc_add_file(r->arc, &m, fd, &fst, NULL, err) < 0) {
		(void)close(fd);
		return -1;
	}
	(void)close(fd);
	if (push_archived(r, fi, qdir, sub, name, &fst, true) < 0) {
		qerr_set(err, ENOMEM, "out of memory");
		return -1;
	}
	return 0;
}

/* archive_special - what a non-regular entry is (for MOVE_OUT) */
static int
archive_special(struct run *r, uint32_t fi, const struct plan_file *pf,
    struct qerr *err)
{
	int dirfd = rp_place_fd(r->set, pf->qdir, pf->sub);
	const char *name = plan_str(r->set->plan, pf->name);
	char rel[NAME_MAX + 8], code[16], target[PATH_MAX];
	struct arc_meta m;
	struct stat st;
	ssize_t n;

	if (dirfd < 0 || fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		qerr_set(err, dirfd < 0 ? ENOENT : errno, "%s: %s", name,
		    strerror(dirfd < 0 ? ENOENT : errno));
		return -1;
	}
	if (S_ISREG(st.st_mode))
		return archive_data(r, fi, OP_MOVE_OUT, pf->qdir, pf->sub, name,
		    pf->ino, NULL, NULL, err);
	if ((pf->ino != 0 && st.st_ino != pf->ino) ||
	    (st.st_mode & S_IFMT) != pf->type) {
		qerr_set(err, ESTALE, "%s changed since it was checked", name);
		return -1;
	}
	target[0] = '\0';
	if (S_ISLNK(st.st_mode)) {
		/* readlinkat() reads the link itself; nothing is followed. */
		n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0) {
			qerr_set(err, errno, "readlink %s: %s", name, strerror(errno));
			return -1;
		}
		target[n] = '\0';
	}
	rp_rel_path(pf->sub, name, rel, sizeof(rel));
	if (meta_of(r, fi, OP_MOVE_OUT, pf->qdir, rel, &m, code, sizeof(code),
		err) < 0 ||
	    arc_add_special(r->arc, &m, &st, S_ISLNK(st.st_mode) ? target : NULL,
		err) < 0)
		return -1;
	if (push_archived(r, fi, pf->qdir, pf->sub, name, &st, false) < 0) {
		qerr_set(err, ENOMEM, "out of memory");
		return -1;
	}
	return 0;
}

/* archive_record - a manifest record of a file that is not removed */
static int
archive_record(struct run *r, uint32_t fi, const struct plan_op *op,
    const struct leaves *lv, struct qerr *err)
{
	const struct plan_file *pf = &op->src;
	const char *name = plan_str(r->set->plan, pf->name);
	char rel[PATH_MAX], code[16], wrel[PATH_MAX];
	struct arc_wrote w;
	struct arc_meta m;
	struct stat st;
	uint16_t qdir = pf->qdir;
	int rc, lfd;

	if (op->kind == OP_DIR_OWNER_MODE) {
		rc = fstat(r->set->dirs[qdir].fd, &st);
		(void)snprintf(rel, sizeof(rel), ".");
	} else if (pf->sub == SUB_LOSTFOUND) {
		/* Recorded where it is, in its lost+found; its "wrote" line
		 * says which queue file it becomes. */
		qdir = op->dst.qdir;
		(void)snprintf(rel, sizeof(rel), "%s", name);
		lfd = rp_place_fd(r->set, pf->qdir, pf->sub);
		rc = lfd < 0 ? -1 : fstatat(lfd, name, &st, AT_SYMLINK_NOFOLLOW);
	} else {
		int dirfd = rp_place_fd(r->set, pf->qdir, pf->sub);

		rc = dirfd < 0 ? -1 : fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW);
		rp_rel_path(pf->sub, name, rel, sizeof(rel));
	}
	if (rc < 0) {
		qerr_set(err, errno, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (meta_of(r, fi, op->kind, qdir, rel, &m, code, sizeof(code), err) < 0)
		return -1;
	if (pf->sub == SUB_LOSTFOUND &&
	    arc_lf_queue(r, pf->qdir, &m.queue, err) < 0)
		return -1;
	if (lv != NULL) {
		if (wrote_of(r, lv, &st, &w, wrel, sizeof(wrel), err) < 0)
			return -1;
		m.wrote = &w;
	}
	return arc_add_record(r->arc, &m, &st, err);
}

/*
 * rp_archive_job - every file of job j in the queue, control files first:
 * for OP_REMOVE_JOB all of them go; for OP_INERT (skip: the control file
 * made inert, archived by the caller) the others stay with the job, and
 * the archive holds the whole message, whatever becomes of it
 */
int
rp_archive_job(struct run *r, uint32_t fi, uint32_t j, enum op_kind kind,
    const struct plan_file *skip, struct qerr *err)
{
	const struct index *idx = &r->set->idx;
	const struct job *jb = &idx->jobs[j];
	char name[64];
	uint32_t f;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (f = jb->first; f != 0; f = idx->files[f].next) {
			const struct jfile *jf = &idx->files[f];

			if (rp_is_control((char)jf->letter) != (pass == 0) ||
			    (jf->flags & JF_LOSTFOUND))
				continue;
			rp_job_file_name(jb, jf, name, sizeof(name));
			if (skip != NULL && skip->qdir == jf->qdir &&
			    skip->sub == jf->sub &&
			    strcmp(plan_str(r->set->plan, skip->name), name) == 0)
				continue;
			if (archive_data(r, fi, kind, jf->qdir, jf->sub, name,
				(ino_t)jf->ino,
				kind == OP_INERT ? "kept-with-inert-job" : NULL,
				NULL, err) < 0) {
				if (err->sys_errno == ENOENT)
					continue; /* gone already */
				return -1;
			}
		}
	return 0;
}

/*
 * archive_rewrite - a control file a fix rewrites: its bytes, and what
 * the rewrite will leave (the new bytes' digest, which step 3 checks
 * again; sio_replace() gives it the queue's owner and mode)
 */
static int
archive_rewrite(struct run *r, uint32_t fi, const struct plan_op *op,
    struct qerr *err)
{
	const struct policy *pol = &r->set->pol;
	const char *name = plan_str(r->set->plan, op->src.name);
	char hex[ARC_SHA256_HEX + 1];
	struct leaves lv;
	struct stat st;
	int dirfd = rp_place_fd(r->set, op->src.qdir, op->src.sub);
	size_t before = r->narch;

	leaves_init(&lv, op->src.qdir, op->src.sub, name);
	/* Where the new bytes cannot be made now, step 3 cannot make them
	 * either: the file is archived without a "wrote" line. */
	if (dirfd >= 0 && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    rp_rewrite_digest(r, op, &st, hex) == 0) {
		lv.new_file = true;
		lv.sha = hex;
		lv.mode = pol->file_mode;
		lv.uid = pol->expected_owner != (uid_t)-1 ? pol->expected_owner
		    : geteuid();
		lv.gid = pol->check_group ? pol->queue_gid : st.st_gid;
	}
	if (archive_data(r, fi, op->kind, op->src.qdir, op->src.sub, name,
	    op->src.ino, NULL, lv.sha != NULL ? &lv : NULL, err) < 0)
		return -1;
	if (lv.sha != NULL && r->narch > before) {
		r->arch[r->narch - 1].wrote_sha = plan_intern(r->set->plan, hex,
		    strlen(hex));
		if (r->arch[r->narch - 1].wrote_sha == 0) {
			qerr_set(err, ENOMEM, "out of memory");
			return -1;
		}
	}
	return 0;
}

/* archive_promote - the tf, renamed to the control file it was written
 * to be, and the control file it replaces */
static int
archive_promote(struct run *r, uint32_t fi, const struct plan_op *op,
    struct qerr *err)
{
	struct plan *p = r->set->plan;
	const char *name = plan_str(p, op->src.name);
	int sfd = rp_place_fd(r->set, op->src.qdir, op->src.sub);
	struct leaves lv;
	struct stat st;
	char to[NAME_MAX + 1], letter = 0;

	if (sfd >= 0 && fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		letter = rp_promoted_letter(sfd, name, &st);
	(void)snprintf(to, sizeof(to), "%c%s", letter, name + 1);
	leaves_init(&lv, op->dst.qdir, op->dst.sub, to);
	if (archive_record(r, fi, op, letter != 0 ? &lv : NULL, err) < 0)
		return -1;
	/* The control file it replaces. */
	if (!(op->flags & OPF_NOREPLACE))
		return archive_data(r, fi, op->kind, op->dst.qdir, op->dst.sub,
		    plan_str(p, op->dst.name), op->dst.ino, NULL, NULL, err);
	return 0;
}

/* archive_op - step 1 for one operation of fix fi */
static int
archive_op(struct run *r, uint32_t fi, const struct plan_op *op,
    struct qerr *err)
{
	struct plan *p = r->set->plan;
	const struct plan_fix *fx = &p->fixes[fi];
	const char *name = plan_str(p, op->src.name);
	char lost[NAME_MAX + 1];
	struct leaves lv;
	int rc = 0;

	switch (op->kind) {
	case OP_REMOVE:
		return archive_data(r, fi, op->kind, op->src.qdir, op->src.sub,
		    name, op->src.ino, NULL, NULL, err);
	case OP_REWRITE_I:
	case OP_REWRITE:
		return archive_rewrite(r, fi, op, err);
	case OP_INERT:
		/* A job made inert is archived whole; its control file
		 * becomes Qf<id> (repair_apply.c op_inert()). */
		(void)snprintf(lost, sizeof(lost), "Q%s", name + 1);
		leaves_init(&lv, op->src.qdir, op->src.sub, lost);
		rc = archive_data(r, fi, op->kind, op->src.qdir, op->src.sub,
		    name, op->src.ino, NULL, &lv, err);
		if (rc == 0 && fx->job != 0)
			rc = rp_archive_job(r, fi, fx->job, OP_INERT, &op->src, err);
		return rc;
	case OP_REMOVE_JOB:
		return rp_archive_job(r, fi, fx->job, OP_REMOVE_JOB, NULL, err);
	case OP_PROMOTE:
		return archive_promote(r, fi, op, err);
	case OP_MOVE_OUT:
		return archive_special(r, fi, &op->src, err);
	case OP_OWNER_MODE:
	case OP_DIR_OWNER_MODE:
		leaves_init(&lv, op->src.qdir, op->src.sub,
		    op->kind == OP_DIR_OWNER_MODE ? "." : name);
		lv.mode = op->mode;
		lv.uid = op->uid;
		lv.gid = op->gid;
		return archive_record(r, fi, op, &lv, err);
	case OP_RECOVER:
		/* The queue file it becomes, with the queue's owner and
		 * mode. */
		leaves_init(&lv, op->dst.qdir, op->dst.sub,
		    plan_str(p, op->dst.name));
		lv.mode = op->mode;
		lv.uid = op->uid;
		lv.gid = op->gid;
		return archive_record(r, fi, op, &lv, err);
	case OP_MOVE:
		leaves_init(&lv, op->dst.qdir, op->dst.sub,
		    plan_str(p, op->dst.name));
		return archive_record(r, fi, op, &lv, err);
	case OP_EXCHANGE:
		/* Both names: the exchange is recorded, nothing lost. */
		/* A name in two exchanges of a cycle holds, by then, the
		 * inode the plan says, not the one it holds now. */
		leaves_init(&lv, op->dst.qdir, op->dst.sub,
		    plan_str(p, op->dst.name));
		lv.ino = op->src.ino;
		rc = archive_record(r, fi, op, &lv, err);
		if (rc == 0) {
			struct plan_op other = *op;

			other.src = op->dst;
			leaves_init(&lv, op->src.qdir, op->src.sub, name);
			lv.ino = op->dst.ino;
			rc = archive_record(r, fi, &other, &lv, err);
		}
		return rc;
	case OP_NKINDS:
		break;
	}
	BUG("archive_op: bad kind");
	return -1;
}

/* rp_archive_fix - step 1 for one fix */
int
rp_archive_fix(struct run *r, uint32_t fi, struct qerr *err)
{
	struct plan *p = r->set->plan;
	const struct plan_fix *fx = &p->fixes[fi];
	uint32_t k;

	for (k = 0; k < fx->nops; k++)
		if (archive_op(r, fi, &p->ops[fx->first_op + k], err) < 0)
			return -1;
	return 0;
}
