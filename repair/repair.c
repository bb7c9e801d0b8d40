/*
 * repair.c - make the repairs of a run: nothing lost, nothing half done.
 *
 * The check leaves each set of queues a plan (plan.h).  Here, in three
 * steps over every set:
 *
 *  1. Archive.  Every file a fix removes, renames or rewrites is opened
 *     (never following a link, checked to be the file the check saw) and
 *     its bytes go into the run's archive with their SHA-256; symbolic
 *     links and other non-regular files go in as what they are; owner,
 *     mode and move fixes are recorded in the manifest.  A file that
 *     cannot be archived leaves its fix undone.
 *  2. Commit.  The archive is finished, fsync()ed, named and its
 *     directory fsync()ed.  If that fails, nothing at all is changed.
 *  3. Apply, job by job in id order.  The job's files are opened and
 *     locked the way sendmail locks them (flock LOCK_EX|LOCK_NB after a
 *     probe that also sees fcntl locks, sendmail-queue.md 5.3): a job
 *     another process holds is left alone, and while mqfsck holds it no
 *     queue run can start on it.  Every archived file is looked at again
 *     and must be exactly what was archived (device, inode, size, mtime,
 *     ctime): otherwise its fix is not made.  Then the operations run,
 *     each one rename, unlink, fchown or fchmod through format/sio.c (a
 *     rewrite is sendmail's own: tf, fsync, rename, fsync of the
 *     directory), each followed by an fsync of the directory it changed.
 *
 * Order within a job (plan.h's enum op_kind): owner and mode first (so a
 * file renamed later keeps them), then what brings files back (lost+found,
 * moves), then removals of temporary files, then rewrites, then making the
 * job inert, then removing it.  A job is removed control file first, so
 * that a crash in between leaves an orphaned df (harmless, removed by the
 * next run) and never a qf without its df (sendmail would deliver it as
 * "<<< No Message Collected >>>").  Every state an interrupted run leaves
 * is one the next run's check classifies and finishes: the fault-injection
 * test stops this code after each mutating call in turn and checks that.
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

#include "arc.h"
#include "inomap.h"
#include "esc.h"
#include "qf.h"
#include "qid.h"
#include "repair.h"

#define MAX_JOB_FILES 64	/* files of one job locked at once */
#define WHY_MAX 512

/* Files bigger than this are moved aside, not copied into the archive. */
#define MQ_COPY_MAX ((off_t)64 << 20)
/* A file bigger than this with fewer blocks than half its size is
 * sparse: moved aside too, its holes never read. */
#define MQ_SPARSE_MIN ((off_t)1 << 20)

static const char *const sub_prefix[SUB_COUNT + 1] = { "qf/", "df/", "xf/",
	"" };

/* A file whose bytes (or what it is) went into the archive. */
struct archived {
	uint32_t fix;
	uint16_t set;		/* index of its set */
	uint16_t qdir;
	uint8_t sub;
	bool data;		/* its bytes, to be removed or replaced */
	bool aside;		/* too big to copy: recorded, and moved into
				   ARC_ASIDE_DIR instead of removed */
	uint32_t name;		/* plan arena */
	struct stat st;		/* as archived */
};

struct run {
	struct fsck_ctx *ctx;
	struct qset *set;	/* being worked on */
	size_t si;
	struct arc *arc;
	unsigned **arcq;	/* per set, per qdir: archive queue + 1 */
	struct archived *arch;
	size_t narch, caparch;
	size_t *first_arch;	/* per fix of the current set: its archived */
	size_t *narch_fix;	/* files are arch[first_arch .. + narch_fix) */
	size_t **set_first;	/* first_arch and narch_fix of every set */
	size_t **set_n;
	size_t job_first;	/* arch[job_first ..]: the current job's */
	struct inomap *links;	/* per set: dfs with several names */
	bool *links_built;
	unsigned long done;	/* fixes reported, for the progress */
};

/* ------------------------------------------------------------------ */
/* Planning (called from the check) */

/* repair_plan - add the fix pr_fix() said yes to */
void
repair_plan(struct fsck_ctx *ctx, enum problem_id id, const struct pctx *pc,
    uint32_t job, const struct plan_op *ops, size_t nops)
{
	uint16_t qi = 0;

	if (ctx->plan == NULL)
		BUG("repair_plan without a plan");
	if (ctx->qd != NULL && ctx->set != NULL)
		qi = (uint16_t)(ctx->qd - ctx->set->dirs);
	if (plan_add(ctx->plan, id, job, qi, pc->id,
		pc->id != NULL ? pc->idlen : 0,
		ctx->opts.fixmode == FIXMODE_PREEN ? ctx->last_msg : NULL, ops,
		nops) < 0)
		ctx_error(ctx, "mqfsck", "out of memory planning the repairs: none will be made");
}

/* ------------------------------------------------------------------ */
/* Places and names */

/* place_fd - the directory fd of a place, or -1 */
static int
place_fd(const struct qset *set, uint16_t qdir, uint8_t sub)
{
	const struct qdir *qd;

	if (sub == SUB_LOSTFOUND)
		return qdir < set->nlfs ? set->lfs[qdir].fd : -1;
	if (qdir >= set->ndirs)
		return -1;
	qd = &set->dirs[qdir];
	return sub < SUB_COUNT ? qd->subfd[sub] : qd->fd;
}

/* sub_pfx - "qf/", "df/", "xf/" or "" (the top, lost+found) */
static const char *
sub_pfx(uint8_t sub)
{
	return sub_prefix[sub <= SUB_COUNT ? sub : SUB_COUNT];
}

/* place_dev - the device of a place's directory */
static dev_t
place_dev(const struct qset *set, uint16_t qdir, uint8_t sub)
{
	const struct qdir *qd;

	if (sub == SUB_LOSTFOUND)
		return qdir < set->nlfs ? set->lfs[qdir].st.st_dev : 0;
	if (qdir >= set->ndirs)
		return 0;
	qd = &set->dirs[qdir];
	return sub < SUB_COUNT ? qd->subst[sub].st_dev : qd->st.st_dev;
}

/* rel_path - "qf/qf<id>" or "qf<id>" */
static void
rel_path(uint8_t sub, const char *name, char *out, size_t outsz)
{
	(void)snprintf(out, outsz, "%s%s", sub_pfx(sub), name);
}

/* job_file_name - the entry name of a job's file */
static void
job_file_name(const struct job *jb, const struct jfile *jf, char *out,
    size_t outsz)
{
	(void)snprintf(out, outsz, "%cf%.*s", (char)jf->letter, (int)jb->idlen,
	    jb->id);
}

/* is_control - a control-file letter: removed before the job's data */
static bool
is_control(char letter)
{
	return letter == 'q' || letter == 'h' || letter == 'Q' ||
	    letter == 't' || letter == 'T';
}

/* same_as_archived - the entry is still exactly what was archived */
static bool
same_as_archived(const struct stat *now, const struct stat *was)
{
	return now->st_dev == was->st_dev && now->st_ino == was->st_ino &&
	    now->st_size == was->st_size &&
	    now->st_mtim.tv_sec == was->st_mtim.tv_sec &&
	    now->st_mtim.tv_nsec == was->st_mtim.tv_nsec &&
	    now->st_ctim.tv_sec == was->st_ctim.tv_sec &&
	    now->st_ctim.tv_nsec == was->st_ctim.tv_nsec &&
	    (now->st_mode & S_IFMT) == (was->st_mode & S_IFMT);
}

/* ------------------------------------------------------------------ */
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

/* push_archived - remember an archived file for step 3 */
static int
push_archived(struct run *r, uint32_t fi, uint16_t qdir, uint8_t sub,
    const char *name, const struct stat *st, bool data)
{
	struct archived *a;

	if (r->narch == r->caparch) {
		size_t nc = r->caparch ? r->caparch * 2 : 64;
		struct archived *na = realloc(r->arch, nc * sizeof(*na));

		if (na == NULL)
			return -1;
		r->arch = na;
		r->caparch = nc;
	}
	a = &r->arch[r->narch];
	a->fix = fi;
	a->set = (uint16_t)r->si;
	a->qdir = qdir;
	a->sub = sub;
	a->data = data;
	a->aside = false;
	a->name = plan_intern(r->set->plan, name, strlen(name));
	a->st = *st;
	if (a->name == 0)
		return -1;
	r->narch++;
	return 0;
}

/*
 * archived_before - the file is in the archive already, for another fix
 * of the same job: fix fi records it too, without a second copy
 */
static bool
archived_before(struct run *r, uint32_t fi, uint16_t qdir, uint8_t sub,
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
    struct qerr *err)
{
	char rel[NAME_MAX + 8], code[16];
	struct arc_meta m;

	rel_path(sub, name, rel, sizeof(rel));
	if (meta_of(r, fi, kind, qdir, rel, &m, code, sizeof(code), err) < 0)
		return -1;
	m.action = action != NULL ? action : "moved-aside";
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
    struct qerr *err)
{
	int dirfd = place_fd(r->set, qdir, sub), fd;
	char rel[NAME_MAX + 8], code[16];
	struct stat st, fst;
	struct arc_meta m;

	if (dirfd < 0) {
		qerr_set(err, ENOENT, "its directory is not open");
		return -1;
	}
	if (archived_before(r, fi, qdir, sub, name, seen_ino))
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
		    err);
	fd = sio_open_entry(dirfd, name, &st, &fst, err);
	if (fd < 0)
		return -1;
	rel_path(sub, name, rel, sizeof(rel));
	if (meta_of(r, fi, kind, qdir, rel, &m, code, sizeof(code), err) < 0) {
		(void)close(fd);
		return -1;
	}
	if (action != NULL)
		m.action = action;
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
	int dirfd = place_fd(r->set, pf->qdir, pf->sub);
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
		    pf->ino, NULL, err);
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
	rel_path(pf->sub, name, rel, sizeof(rel));
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
    struct qerr *err)
{
	const struct plan_file *pf = &op->src;
	const char *name = plan_str(r->set->plan, pf->name);
	char rel[PATH_MAX], code[16];
	struct arc_meta m;
	struct stat st;
	uint16_t qdir = pf->qdir;
	int rc, lfd;

	if (op->kind == OP_DIR_OWNER_MODE) {
		rc = fstat(r->set->dirs[qdir].fd, &st);
		(void)snprintf(rel, sizeof(rel), ".");
	} else if (pf->sub == SUB_LOSTFOUND) {
		/* Recorded as the queue file it becomes. */
		qdir = op->dst.qdir;
		rel_path(op->dst.sub, plan_str(r->set->plan, op->dst.name), rel,
		    sizeof(rel));
		lfd = place_fd(r->set, pf->qdir, pf->sub);
		rc = lfd < 0 ? -1 : fstatat(lfd, name, &st, AT_SYMLINK_NOFOLLOW);
	} else {
		int dirfd = place_fd(r->set, pf->qdir, pf->sub);

		rc = dirfd < 0 ? -1 : fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW);
		rel_path(pf->sub, name, rel, sizeof(rel));
	}
	if (rc < 0) {
		qerr_set(err, errno, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (meta_of(r, fi, op->kind, qdir, rel, &m, code, sizeof(code), err) < 0)
		return -1;
	return arc_add_record(r->arc, &m, &st, err);
}

/*
 * archive_job - every file of job j in the queue, control files first:
 * for OP_REMOVE_JOB all of them go; for OP_INERT (skip: the control file
 * made inert, archived by the caller) the others stay with the job, and
 * the archive holds the whole message, whatever becomes of it
 */
static int
archive_job(struct run *r, uint32_t fi, uint32_t j, enum op_kind kind,
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

			if (is_control((char)jf->letter) != (pass == 0) ||
			    (jf->flags & JF_LOSTFOUND))
				continue;
			job_file_name(jb, jf, name, sizeof(name));
			if (skip != NULL && skip->qdir == jf->qdir &&
			    skip->sub == jf->sub &&
			    strcmp(plan_str(r->set->plan, skip->name), name) == 0)
				continue;
			if (archive_data(r, fi, kind, jf->qdir, jf->sub, name,
				(ino_t)jf->ino,
				kind == OP_INERT ? "kept-with-inert-job" : NULL,
				err) < 0) {
				if (err->sys_errno == ENOENT)
					continue; /* gone already */
				return -1;
			}
		}
	return 0;
}

/* archive_fix - step 1 for one fix */
static int
archive_fix(struct run *r, uint32_t fi, struct qerr *err)
{
	struct plan *p = r->set->plan;
	const struct plan_fix *fx = &p->fixes[fi];
	uint32_t k;

	for (k = 0; k < fx->nops; k++) {
		const struct plan_op *op = &p->ops[fx->first_op + k];
		const char *name = plan_str(p, op->src.name);
		int rc = 0;

		switch (op->kind) {
		case OP_REMOVE:
		case OP_REWRITE_I:
		case OP_REWRITE:
			rc = archive_data(r, fi, op->kind, op->src.qdir,
			    op->src.sub, name, op->src.ino, NULL, err);
			break;
		case OP_INERT:
			/* A job made inert is archived whole. */
			rc = archive_data(r, fi, op->kind, op->src.qdir,
			    op->src.sub, name, op->src.ino, NULL, err);
			if (rc == 0 && fx->job != 0)
				rc = archive_job(r, fi, fx->job, OP_INERT, &op->src,
				    err);
			break;
		case OP_REMOVE_JOB:
			rc = archive_job(r, fi, fx->job, OP_REMOVE_JOB, NULL, err);
			break;
		case OP_PROMOTE:
			rc = archive_record(r, fi, op, err);
			/* The control file it replaces. */
			if (rc == 0 && !(op->flags & OPF_NOREPLACE))
				rc = archive_data(r, fi, op->kind, op->dst.qdir,
				    op->dst.sub, plan_str(p, op->dst.name),
				    op->dst.ino, NULL, err);
			break;
		case OP_MOVE_OUT:
			rc = archive_special(r, fi, &op->src, err);
			break;
		case OP_OWNER_MODE:
		case OP_DIR_OWNER_MODE:
		case OP_MOVE:
		case OP_RECOVER:
			rc = archive_record(r, fi, op, err);
			break;
		case OP_EXCHANGE:
			/* Both names: the exchange is recorded, nothing lost. */
			rc = archive_record(r, fi, op, err);
			if (rc == 0) {
				struct plan_op other = *op;

				other.src = op->dst;
				rc = archive_record(r, fi, &other, err);
			}
			break;
		case OP_NKINDS:
			BUG("archive_fix: bad kind");
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Step 3: apply */

/* Why a fix was not made, or what it did. */
struct outcome {
	enum fix_result result;
	char what[WHY_MAX];
};

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

/* not_fixed - the outcome: not made, and why */
static int
not_fixed(struct outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
not_fixed(struct outcome *o, const char *fmt, ...)
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

/* fsync_place - make a change in a directory durable */
static int
fsync_place(struct run *r, int dirfd, struct outcome *o)
{
	struct qerr err;

	if (sio_fsync_dir(dirfd, &err) < 0)
		return not_fixed(o, "%s", err.msg);
	(void)r;
	return 0;
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

/* unchanged - every file fix fi archived is still exactly as archived */
static bool
unchanged(struct run *r, uint32_t fi, struct outcome *o)
{
	size_t i, first = r->first_arch[fi], n = r->narch_fix[fi];
	char b[128];

	if (r->arch == NULL)
		return true; /* nothing was archived */
	for (i = first; i < first + n; i++) {
		const struct archived *a = &r->arch[i];
		const char *name = plan_str(r->set->plan, a->name);
		int dirfd = place_fd(r->set, a->qdir, a->sub);
		struct stat st;

		if (dirfd < 0 ||
		    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			(void)not_fixed(o, "%s is gone since it was archived",
			    vis(name, b, sizeof(b)));
			return false;
		}
		if (!same_as_archived(&st, &a->st)) {
			(void)not_fixed(o, "%s changed after it was archived: left as it is",
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
		dirfd = place_fd(r->set, a->qdir, a->sub);
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
	int dirfd = place_fd(r->set, pf->qdir, pf->sub);
	char b[128];

	if (dirfd < 0 || fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0) {
		(void)not_fixed(o, "%s is gone", vis(name, b, sizeof(b)));
		return false;
	}
	if ((pf->ino != 0 && st->st_ino != pf->ino) ||
	    (pf->type != 0 && (st->st_mode & S_IFMT) != pf->type)) {
		(void)not_fixed(o, "%s is not the file that was checked: left as it is",
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

	if (sio_mkdirat(r->ctx->writer, top, ARC_ASIDE_DIR, 0700, err) < 0 &&
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
		return sio_unlink(r->ctx->writer, dirfd, name, &a->st, err);
	if (a->sub > SUB_COUNT ||
	    !arc_aside_name(r->arc, sub_prefix[a->sub], name, to, sizeof(to))) {
		qerr_set(err, ENAMETOOLONG, "%s: name too long to set aside",
		    name);
		return -1;
	}
	if ((afd = aside_dir(r, a->qdir, err)) < 0)
		return -1;
	rc = sio_rename(r->ctx->writer, dirfd, name, afd, to, true, &a->st,
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
	int dirfd = place_fd(r->set, op->src.qdir, op->src.sub);
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
		int cfd = place_fd(r->set, op->dst.qdir, op->dst.sub);
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
			return not_fixed(o, "%s", err.msg);
	} else if (sio_unlink(r->ctx->writer, dirfd, name, &st, &err) < 0)
		return not_fixed(o, "%s", err.msg);
	touched(r, &st);
	if (fsync_place(r, dirfd, o) < 0)
		return -1;
	rel_path(op->src.sub, name, rel, sizeof(rel));
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
		return not_fixed(o, "%s", "nothing of the job was archived");
	/* archive_job() archived them control files first. */
	for (i = first; i < first + n; i++) {
		const struct archived *a = &r->arch[i];
		const char *name = plan_str(r->set->plan, a->name);
		int dirfd = place_fd(r->set, a->qdir, a->sub);
		int w;

		if (remove_archived(r, a, dirfd, &err) < 0)
			return not_fixed(o, "%s", err.msg);
		touched(r, &a->st);
		if (fsync_place(r, dirfd, o) < 0)
			return -1;
		rel_path(a->sub, name, rel, sizeof(rel));
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
inert_advice(enum problem_id id)
{
	switch (id) {
	case PR_2_NO_SENDER:
	case PR_2_EMPTY_SENDER:
		return "a human must supply the envelope sender: add an S line (S<address>) to it, then rename it back to qf";
	case PR_2_NO_RECIPIENTS:
	case PR_2_RCPT_NO_COLON:
	case PR_2_RCPT_EMPTY:
		return "a human must supply its recipients (R lines), then rename it back to qf";
	case PR_3_NO_DF:
		return "its body is nowhere; the archive holds what is left";
	default:
		return "once what is wrong in it is fixed, rename it back to qf";
	}
}

/* op_inert - rename the control file to Qf, as sendmail's loseqfile() */
static int
op_inert(struct run *r, enum problem_id id, const struct plan_op *op,
    struct outcome *o)
{
	const char *name = plan_str(r->set->plan, op->src.name);
	int dirfd = place_fd(r->set, op->src.qdir, op->src.sub);
	char lost[NAME_MAX + 1], b[128], b2[128], ra[NAME_MAX + 8];
	char rb[NAME_MAX + 8];
	struct stat st;
	struct qerr err;

	if (op->flags & OPF_IF_NO_DF) {
		int dfd = place_fd(r->set, op->dst.qdir, op->dst.sub);
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
	if (sio_rename(r->ctx->writer, dirfd, name, dirfd, lost, true, &st,
		&err) < 0)
		return not_fixed(o, "%s", err.msg);
	touched(r, &st);
	if (fsync_place(r, dirfd, o) < 0)
		return -1;
	rel_path(op->src.sub, name, ra, sizeof(ra));
	rel_path(op->src.sub, lost, rb, sizeof(rb));
	if (id == PR_1_UNTRUSTED || id == PR_3_UNTRUSTED_TEMP)
		say(o, "renamed %s to %s, every file of the job archived: sendmail will not run it; if its owner is to be trusted, mqfsck -y --adopt-owner %lu takes it back; otherwise it stays out of the queue",
		    vis(ra, b, sizeof(b)), vis(rb, b2, sizeof(b2)),
		    (unsigned long)st.st_uid);
	else
		say(o, "renamed %s to %s, every file of the job archived: sendmail will not run it; %s",
		    vis(ra, b, sizeof(b)), vis(rb, b2, sizeof(b2)),
		    inert_advice(id));
	return 0;
}

/* The fill of sio_replace(): the edited control file. */
struct fill_arg {
	const struct qf_file *qf;
	int fd;
	struct qerr err;
};

/* fill_sink - qf_write()'s sink */
static int
fill_sink(void *arg, const void *data, size_t len)
{
	struct fill_arg *fa = arg;

	return sio_write_all(fa->fd, data, len, &fa->err);
}

/* fill_qf - write the edited file to fd */
static int
fill_qf(int fd, void *arg)
{
	struct fill_arg *fa = arg;

	fa->fd = fd;
	return qf_write(fa->qf, fill_sink, fa);
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

/*
 * op_rewrite - rewrite a control file the way sendmail's queueup() does
 * (tf<id> in its directory, fsync, rename over it, fsync the directory):
 * OP_REWRITE_I sets the I line from the df at op->dst; OP_REWRITE makes
 * sendmail's own reading of it (sendmail_edits()), and the I line too
 * with OPF_SET_INODE.  The old file was archived.
 */
static int
op_rewrite(struct run *r, const struct plan_op *op, struct outcome *o)
{
	const struct policy *pol = &r->set->pol;
	const char *name = plan_str(r->set->plan, op->src.name);
	const char *dname = plan_str(r->set->plan, op->dst.name);
	int dirfd = place_fd(r->set, op->src.qdir, op->src.sub);
	int ddir = place_fd(r->set, op->dst.qdir, op->dst.sub);
	bool set_i = op->kind == OP_REWRITE_I || (op->flags & OPF_SET_INODE);
	struct sio_buf buf = { NULL, 0, 0 };
	struct qf_parse_opts po;
	struct fill_arg fa;
	struct stat st, dst;
	struct qerr err;
	struct qf_file qf;
	struct edits e;
	char tmp[NAME_MAX + 1], b[128];
	unsigned char *out = NULL;
	size_t outlen;
	int fd = -1, dfd = -1, nfd = -1, rc = -1;
	bool trunc = false;

	qf_init(&qf);
	memset(&e, 0, sizeof(e));
	if (!still(r, &op->src, &st, o))
		goto out;
	if (set_i && (ddir < 0 ||
		(dfd = sio_open_regular(ddir, dname, &dst, &err)) < 0)) {
		(void)not_fixed(o, "its data file %s cannot be opened",
		    vis(dname, b, sizeof(b)));
		goto out;
	}
	if ((fd = sio_open_entry(dirfd, name, &st, NULL, &err)) < 0 ||
	    sio_read(fd, &buf, QF_MAX_BYTES, &trunc, &err) < 0 || trunc) {
		(void)not_fixed(o, "%s cannot be read whole", vis(name, b, sizeof(b)));
		goto out;
	}
	memset(&po, 0, sizeof(po));
	po.letter = name[0];
	if (qf_parse(&qf, buf.data, buf.len, &po, &err) < 0 ||
	    (op->kind == OP_REWRITE &&
		sendmail_edits(&qf, name, st.st_mtime, &e, &err) < 0) ||
	    (set_i && qf_set_inode(&qf, (long long)major(dst.st_dev),
			  (long long)minor(dst.st_dev),
			  (unsigned long long)dst.st_ino, &err) < 0)) {
		(void)not_fixed(o, "%s", err.msg);
		goto out;
	}
	if (set_i)
		edit_say(&e, "I%u/%u/%llu, the data file's", major(dst.st_dev),
		    minor(dst.st_dev), (unsigned long long)dst.st_ino);
	/* What is written must be what sendmail runs. */
	outlen = qf_output_size(&qf);
	if ((out = malloc(outlen + 1)) == NULL ||
	    qf_write_buf(&qf, out, outlen + 1) != outlen ||
	    (op->kind == OP_REWRITE &&
		!rewritten_ok(out, outlen, name[0], set_i))) {
		(void)not_fixed(o, "%s", out == NULL ? "out of memory"
		    : "even rewritten as sendmail reads it, sendmail would not run it: left for a human");
		goto out;
	}
	/* queueup() rewrites through tf<id> in the qf's own directory. */
	(void)snprintf(tmp, sizeof(tmp), "t%s", name + 1);
	memset(&fa, 0, sizeof(fa));
	fa.qf = &qf;
	nfd = sio_replace(r->ctx->writer, dirfd, name, tmp, pol->file_mode,
	    pol->expected_owner,
	    pol->check_group ? pol->queue_gid : st.st_gid, fill_qf, &fa, &err);
	if (nfd < 0) {
		(void)not_fixed(o, "%s", err.msg);
		goto out;
	}
	say(o, "rewrote %s (%s) through %s, as sendmail does; the old file archived",
	    vis(name, b, sizeof(b)), e.said, tmp);
	rc = 0;
out:
	free(out);
	if (nfd >= 0)
		(void)close(nfd);
	if (fd >= 0)
		(void)close(fd);
	if (dfd >= 0)
		(void)close(dfd);
	sio_buf_free(&buf);
	qf_free(&qf);
	return rc;
}

/*
 * promoted_letter - what the tf becomes: sendmail's rewrite renames it to
 * the name its contents call for, hf when it holds a q (quarantine) line
 * (quarantine_queue_item()), qf otherwise; 0 when it cannot be read
 */
static char
promoted_letter(int dirfd, const char *name, const struct stat *seen)
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
	int sfd = place_fd(r->set, op->src.qdir, op->src.sub);
	int dfd = place_fd(r->set, op->dst.qdir, op->dst.sub);
	bool replacing = !(op->flags & OPF_NOREPLACE);
	char b[128], b2[128], ra[NAME_MAX + 8], rb[NAME_MAX + 8];
	char to[NAME_MAX + 1], letter;
	struct stat st, ost;
	struct qerr err;
	bool same;

	if (!still(r, &op->src, &st, o))
		return -1;
	if ((letter = promoted_letter(sfd, name, &st)) == 0)
		return not_fixed(o, "%s can no longer be read whole",
		    vis(name, b, sizeof(b)));
	(void)snprintf(to, sizeof(to), "%c%s", letter, name + 1);
	same = replacing && strcmp(to, old) == 0;
	if (replacing && !same &&
	    (fstatat(dfd, old, &ost, AT_SYMLINK_NOFOLLOW) < 0 ||
		ost.st_ino != op->dst.ino))
		return not_fixed(o, "%s changed", vis(old, b, sizeof(b)));
	if (sio_rename(r->ctx->writer, sfd, name, dfd, to, !same, &st,
		&err) < 0)
		return not_fixed(o, "%s", err.msg);
	if (fsync_place(r, dfd, o) < 0)
		return -1;
	rel_path(op->src.sub, name, ra, sizeof(ra));
	rel_path(op->dst.sub, to, rb, sizeof(rb));
	say(o, "renamed %s to %s%s", vis(ra, b, sizeof(b)), vis(rb, b2, sizeof(b2)),
	    same ? " (the control file it replaced archived)" : "");
	if (replacing && !same) {
		if (sio_unlink(r->ctx->writer, dfd, old, &ost, &err) < 0)
			return not_fixed(o, "%s", err.msg);
		if (fsync_place(r, dfd, o) < 0)
			return -1;
		rel_path(op->dst.sub, old, ra, sizeof(ra));
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
		if (sio_fchown(r->ctx->writer, fd, new_uid ? uid : (uid_t)-1,
			new_gid ? gid : (gid_t)-1, &err) < 0)
			return not_fixed(o, "%s", err.msg);
		if (new_uid)
			say(o, "owner %lu -> %lu", (unsigned long)st->st_uid,
			    (unsigned long)uid);
		if (new_gid)
			say(o, "group %lu -> %lu", (unsigned long)st->st_gid,
			    (unsigned long)gid);
	}
	/* fchmod() after fchown(): chown may clear set-id bits. */
	if (mode != (mode_t)-1 && (st->st_mode & 07777) != mode) {
		if (sio_fchmod(r->ctx->writer, fd, mode, &err) < 0)
			return not_fixed(o, "%s", err.msg);
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
				    inomap_put(m, (uint64_t)place_dev(r->set, jf->qdir,
					jf->sub), jf->ino, j) < 0)
					continue;
			}
	}
	(void)inomap_get(m, (uint64_t)st->st_dev, (uint64_t)st->st_ino, &n);
	return n;
}

/* op_owner_mode - a queue file's owner and mode */
static int
op_owner_mode(struct run *r, const struct plan_op *op, struct outcome *o)
{
	const char *name = plan_str(r->set->plan, op->src.name);
	int dirfd = place_fd(r->set, op->src.qdir, op->src.sub), fd, rc;
	struct stat seen, st;
	struct qerr err;
	char b[128];

	if (!still(r, &op->src, &seen, o))
		return -1;
	if (!S_ISREG(seen.st_mode))
		return not_fixed(o, "%s is not a regular file", vis(name, b, sizeof(b)));
	fd = sio_open_entry(dirfd, name, &seen, &st, &err);
	if (fd < 0)
		return not_fixed(o, "%s", err.msg);
	/* A second name may be outside the queue: changing the inode
	 * would change that file too (never written through).  An envelope
	 * split links one df under its sibling jobs' names (split_by_recipient(),
	 * dup_df()): when every name is one of those, it is one body. */
	if (st.st_nlink > 1 &&
	    (name[0] != 'd' || sibling_names(r, &st) != (size_t)st.st_nlink)) {
		(void)close(fd);
		return not_fixed(o, "%s has other names (hard links) that are not its sibling jobs' data files in the queue: change its owner or mode by hand",
		    vis(name, b, sizeof(b)));
	}
	rc = set_owner_mode(r, fd, &st, op->uid, op->gid, op->mode, o);
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
		return not_fixed(o, "%s", "the queue directory is not the one checked");
	return set_owner_mode(r, qd->fd, &st, op->uid, op->gid, op->mode, o);
}

/* op_move - to where sendmail looks for it, keeping its name */
static int
op_move(struct run *r, const struct plan_op *op, struct outcome *o)
{
	const char *name = plan_str(r->set->plan, op->src.name);
	const char *to = plan_str(r->set->plan, op->dst.name);
	int sfd = place_fd(r->set, op->src.qdir, op->src.sub);
	int dfd = place_fd(r->set, op->dst.qdir, op->dst.sub);
	char a[PATH_MAX], b[PATH_MAX], va[256], vb[256];
	struct stat st;
	struct qerr err;

	if (!still(r, &op->src, &st, o))
		return -1;
	if (dfd < 0)
		return not_fixed(o, "%s", "the directory it belongs in is not open");
	if (sio_rename(r->ctx->writer, sfd, name, dfd, to, true, &st, &err) < 0)
		return not_fixed(o, "%s", err.sys_errno == EXDEV
			? "the two places are on different file systems: move it by hand"
			: err.msg);
	touched(r, &st);
	if (fsync_place(r, dfd, o) < 0 || fsync_place(r, sfd, o) < 0)
		return -1;
	(void)snprintf(a, sizeof(a), "%s/%s%s", r->set->dirs[op->src.qdir].path,
	    sub_pfx(op->src.sub), name);
	(void)snprintf(b, sizeof(b), "%s/%s%s", r->set->dirs[op->dst.qdir].path,
	    sub_pfx(op->dst.sub), to);
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
	int dfd = place_fd(r->set, op->dst.qdir, op->dst.sub), fd, rc;
	char va[256], vb[256], vc[256], dest[PATH_MAX];
	struct stat st, nst;
	struct qerr err;

	if (dfd < 0 || op->src.qdir >= r->set->nlfs || lf->fd < 0)
		return not_fixed(o, "%s", "the directory it belongs in is not open");
	if (fstatat(lf->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    st.st_ino != op->src.ino || st.st_dev != op->src.dev ||
	    !S_ISREG(st.st_mode))
		return not_fixed(o, "%s in lost+found is not the file that was checked",
		    vis(name, va, sizeof(va)));
	rc = sio_rename(r->ctx->writer, lf->fd, name, dfd, to, true, &st, &err);
	if (rc < 0)
		return not_fixed(o, "%s", err.sys_errno == EXDEV
			? "lost+found is on another file system than the queue: move it by hand"
			: err.msg);
	(void)sio_fsync_dir(lf->fd, &err);
	if (fsync_place(r, dfd, o) < 0)
		return -1;
	(void)snprintf(dest, sizeof(dest), "%s/%s%s",
	    r->set->dirs[op->dst.qdir].path, sub_pfx(op->dst.sub), to);
	say(o, "moved %s/%s back to %s", vis(lf->path, va, sizeof(va)),
	    vis(name, vc, sizeof(vc)), vis(dest, vb, sizeof(vb)));
	/* lost+found keeps an inode's owner and mode; the queue wants its
	 * own (only trusted owners' files were taken). */
	fd = sio_open_regular(dfd, to, &nst, &err);
	if (fd < 0)
		return not_fixed(o, "%s", err.msg);
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
	int afd = place_fd(r->set, op->src.qdir, op->src.sub);
	int bfd = place_fd(r->set, op->dst.qdir, op->dst.sub);
	char va[128], vb[128];
	struct stat sa, sb;
	struct qerr err;

	if (!still(r, &op->src, &sa, o) || !still(r, &op->dst, &sb, o))
		return -1;
	if (sio_exchange(r->ctx->writer, afd, a, bfd, b, &sa, &sb, &err) < 0)
		return not_fixed(o, "%s", err.sys_errno == EINVAL
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
	int dirfd = place_fd(r->set, op->src.qdir, op->src.sub);
	const struct archived *a = find_archived(r, fi, op->src.qdir,
	    op->src.sub, name);
	char b[128], rel[NAME_MAX + 8];
	struct qerr err;
	int rc;

	if (a == NULL)
		return not_fixed(o, "%s was not archived", vis(name, b, sizeof(b)));
	if (S_ISDIR(a->st.st_mode)) {
		rc = sio_rmdir(r->ctx->writer, dirfd, name, &a->st, &err);
		if (rc < 0 && (err.sys_errno == ENOTEMPTY || err.sys_errno == EEXIST))
			return not_fixed(o, "%s is a directory that is not empty: move it out of the queue by hand",
			    vis(name, b, sizeof(b)));
	} else
		rc = remove_archived(r, a, dirfd, &err);
	if (rc < 0)
		return not_fixed(o, "%s", err.msg);
	touched(r, &a->st);
	if (fsync_place(r, dirfd, o) < 0)
		return -1;
	rel_path(op->src.sub, name, rel, sizeof(rel));
	say(o, "removed %s from the queue (%s archived)", vis(rel, b, sizeof(b)),
	    a->data ? "its bytes" : "what it was");
	return 0;
}

/* apply_fix - step 3 for one fix, its job already locked */
static void
apply_fix(struct run *r, uint32_t fi, struct outcome *o)
{
	struct plan *p = r->set->plan;
	const struct plan_fix *fx = &p->fixes[fi];
	uint32_t k;
	int rc = 0;

	o->result = FIXR_FIXED;
	o->what[0] = '\0';
	for (k = 0; k < fx->nops && rc == 0; k++) {
		const struct plan_op *op = &p->ops[fx->first_op + k];

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
			rc = op_rewrite(r, op, o);
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

/* A job's files, opened and locked while its fixes are made. */
struct job_lock {
	int fd[MAX_JOB_FILES];
	size_t n;
};

/* unlock_job - close (and so release) every lock of the job */
static void
unlock_job(struct job_lock *jl)
{
	size_t i;

	for (i = 0; i < jl->n; i++)
		(void)close(jl->fd[i]);
	jl->n = 0;
}

/*
 * lock_job - open and lock every file of job j in the queues as sendmail
 * would before working on it, adding to what jl holds; false (with why,
 * and nothing held) when another process holds one
 */
static bool
lock_job(struct run *r, uint32_t j, struct job_lock *jl, struct outcome *o)
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
		int dirfd = place_fd(r->set, jf->qdir, jf->sub);

		if (jf->flags & JF_LOSTFOUND)
			continue; /* no sendmail works on lost+found */
		job_file_name(jb, jf, name, sizeof(name));
		if (dirfd < 0)
			continue;
		fd = sio_open_regular(dirfd, name, &st, &err);
		if (fd < 0)
			continue; /* gone or swapped: the fixes say so */
		if (st.st_ino != (ino_t)jf->ino) {
			(void)close(fd);
			continue;
		}
		state = sio_lock_probe(fd, &err);
		if (state == SIO_UNLOCKED)
			state = sio_lock_ex(fd, &err);
		if (state != 0) {
			(void)close(fd);
			unlock_job(jl);
			(void)not_fixed(o, state == SIO_LOCKED
				? "%s is locked by another process (sendmail at work): the job was left alone"
				: "%s could not be locked: the job was left alone",
			    vis(name, b, sizeof(b)));
			return false;
		}
		jl->fd[jl->n++] = fd;
	}
	return true;
}

/*
 * lock_partners - an exchange of dfs changes another job too: its files
 * are locked with the job's (fixes order[i..k) of one job)
 */
static bool
lock_partners(struct run *r, const uint32_t *order, uint32_t i, uint32_t k,
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
			    !lock_job(r, po->other_job, jl, o)) {
				unlock_job(jl);
				return false;
			}
		}
	}
	return true;
}

/* report - print a fix's outcome and count it */
static void
report(struct run *r, uint32_t fi, const struct outcome *o,
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
	pr_fixed(r->ctx, qd->path, fx->id, plan_str(p, fx->idtext),
	    plan_str(p, fx->msg), o->result, o->what);
}

/* ------------------------------------------------------------------ */
/* The steps over every set */

/* job_ranks - per job, its place in id order (1-based; 0: none) */
static uint32_t *
job_ranks(const struct qset *set)
{
	uint32_t *order, *rank, i, n;

	n = set->idx.njobs > 1 ? set->idx.njobs - 1 : 0;
	rank = calloc((size_t)set->idx.njobs + 1, sizeof(*rank));
	if (rank == NULL)
		return NULL;
	order = index_sorted(&set->idx);
	if (order == NULL) {
		free(rank);
		return NULL;
	}
	for (i = 0; i < n; i++)
		rank[order[i]] = i + 1;
	free(order);
	return rank;
}

/* archive_set - step 1 for one set: fix fi's archived files are
 * r->arch[first_arch[fi] .. + narch_fix[fi]) */
static void
archive_set(struct run *r, const uint32_t *order)
{
	struct plan *p = r->set->plan;
	struct outcome o;
	struct qerr err;
	uint32_t i;

	for (i = 0; i < p->nfixes; i++) {
		uint32_t fi = order[i];

		/* Fixes of one job are together: a file two of them archive
		 * goes into the archive once (archived_before()). */
		if (i == 0 || p->fixes[fi].job == 0 ||
		    p->fixes[fi].job != p->fixes[order[i - 1]].job)
			r->job_first = r->narch;
		r->first_arch[fi] = r->narch;
		r->narch_fix[fi] = 0;
		if (p->fixes[fi].result != FIXR_PENDING)
			continue;
		/* Stopped (a signal, the time limit): what is not archived
		 * is not changed.  Checked between jobs: a job's files go
		 * into the archive together. */
		if (r->job_first == r->narch && stop_requested()) {
			o.what[0] = '\0';
			(void)not_fixed(&o, "%s before this job was archived: a rerun makes the fix",
			    stop_why());
			plan_set_result(p, fi, FIXR_NOT_FIXED, o.what);
			continue;
		}
		qerr_clear(&err);
		if (archive_fix(r, fi, &err) < 0) {
			o.what[0] = '\0';
			(void)not_fixed(&o, "it could not be archived, so it was left as it is: %s",
			    err.msg);
			plan_set_result(p, fi, FIXR_NOT_FIXED, o.what);
		}
		r->narch_fix[fi] = r->narch - r->first_arch[fi];
	}
}

/* apply_set - step 3 for one set, job by job */
static void
apply_set(struct run *r, const uint32_t *order, struct repair_summary *rs)
{
	struct plan *p = r->set->plan;
	struct job_lock jl = { { 0 }, 0 };
	struct outcome o, lockfail;
	uint32_t i = 0, k, u, job;
	bool locked;

	while (i < p->nfixes) {
		/* The fixes of one job are together in the order. */
		job = p->fixes[order[i]].job;
		for (k = i; k < p->nfixes && p->fixes[order[k]].job == job; k++)
			;
		if (job == 0)
			k = i + 1; /* no job: each on its own */
		/* A signal stops the run between two jobs, never inside one. */
		if (stop_requested()) {
			lockfail.what[0] = '\0';
			(void)not_fixed(&lockfail, "%s before this job was repaired: a rerun makes the fix",
			    stop_why());
			locked = false;
		} else {
			jl.n = 0;
			locked = job == 0 || (lock_job(r, job, &jl, &lockfail) &&
			    lock_partners(r, order, i, k, &jl, &lockfail));
		}
		/* Under the lock, before anything of the job changes: every
		 * file archived must still be what was archived. */
		for (u = i; locked && u < k; u++)
			if (p->fixes[order[u]].result == FIXR_PENDING &&
			    !unchanged(r, order[u], &o))
				plan_set_result(p, order[u], FIXR_NOT_FIXED, o.what);
		for (; i < k; i++) {
			uint32_t fi = order[i];
			const struct plan_fix *fx = &p->fixes[fi];

			if (fx->result == FIXR_NOT_FIXED) {
				o.result = FIXR_NOT_FIXED;
				(void)snprintf(o.what, sizeof(o.what), "%s",
				    plan_str(p, fx->what));
			} else if (fx->result == FIXR_COVERED) {
				o.result = FIXR_COVERED;
				(void)snprintf(o.what, sizeof(o.what), "%s",
				    fx->what != 0 ? plan_str(p, fx->what)
						  : "done by another fix of this job");
			} else if (!locked)
				o = lockfail;
			else
				apply_fix(r, fi, &o);
			report(r, fi, &o, rs);
			progress_step(&r->ctx->progress, ++r->done);
		}
		if (job != 0 && locked)
			unlock_job(&jl);
	}
}

/*
 * parents_safe - every directory above the archive directory fd is
 * root's or the runner's, and no one else may write it unless it is
 * sticky (then no one else can rename or remove what is ours): otherwise
 * someone else could swap the archive directory for their own between
 * the archive and the change (sendmail's safedirpath() rule, applied to
 * where mail is kept aside).  Walked up by "..", so a relative -a is
 * checked up to the root too.
 */
static bool
parents_safe(int fd, struct qerr *err)
{
	struct stat st, up_st;
	int cur = fcntl(fd, F_DUPFD_CLOEXEC, 0), up, depth;
	bool ok = cur >= 0;

	for (depth = 0; ok && depth < 256; depth++) {
		if (fstat(cur, &st) < 0)
			break;
		up = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (up < 0 || fstat(up, &up_st) < 0 ||
		    (up_st.st_dev == st.st_dev && up_st.st_ino == st.st_ino)) {
			if (up >= 0)
				(void)close(up);
			break; /* the root */
		}
		(void)close(cur);
		cur = up;
		if ((up_st.st_uid != 0 && up_st.st_uid != geteuid()) ||
		    ((up_st.st_mode & (S_IWGRP | S_IWOTH)) &&
		     !(up_st.st_mode & S_ISVTX))) {
			qerr_set(err, EPERM,
			    "a directory above it (up %d) is owned by uid %lu with mode %04o: someone else could replace the archive; choose another with -a",
			    depth + 1, (unsigned long)up_st.st_uid,
			    (unsigned)(up_st.st_mode & 07777));
			ok = false;
		}
	}
	if (cur >= 0)
		(void)close(cur);
	return ok;
}

/* archive_dir_open - the archive directory, made (0700) if missing */
static int
archive_dir_open(struct fsck_ctx *ctx, const char *path, struct qerr *err)
{
	struct stat st;
	int fd;

	fd = sio_open_path_make(ctx->writer, path, 0700, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() ||
	    (st.st_mode & 077) != 0) {
		qerr_set(err, EPERM,
		    "%s must belong to the user running mqfsck and be closed to others (mode 0700): the archive holds mail",
		    path);
		(void)close(fd);
		return -1;
	}
	if (!parents_safe(fd, err)) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* inside_a_queue - the archive directory is in one of the queues */
static bool
inside_a_queue(int adirfd, const struct qset *sets, size_t nsets)
{
	struct stat st, parent;
	int fd = fcntl(adirfd, F_DUPFD_CLOEXEC, 0), up, depth;
	size_t i, k;
	bool inside = false;

	for (depth = 0; fd >= 0 && depth < 256 && !inside; depth++) {
		if (fstat(fd, &st) < 0)
			break;
		for (i = 0; i < nsets; i++)
			for (k = 0; k < sets[i].ndirs; k++)
				if (sets[i].dirs[k].fd >= 0 &&
				    sets[i].dirs[k].st.st_dev == st.st_dev &&
				    sets[i].dirs[k].st.st_ino == st.st_ino)
					inside = true;
		up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (up < 0 || fstat(up, &parent) < 0 ||
		    (parent.st_dev == st.st_dev && parent.st_ino == st.st_ino)) {
			if (up >= 0)
				(void)close(up);
			break; /* the root */
		}
		(void)close(fd);
		fd = up;
	}
	if (fd >= 0)
		(void)close(fd);
	return inside;
}

/* fail_all - nothing is changed: say so for every pending fix */
static void
fail_all(struct fsck_ctx *ctx, struct qset *sets, size_t nsets,
    const char *why, struct repair_summary *rs)
{
	size_t i;
	uint32_t k;

	for (i = 0; i < nsets; i++) {
		struct plan *p = sets[i].plan;

		if (p == NULL)
			continue;
		for (k = 0; k < p->nfixes; k++) {
			const struct plan_fix *fx = &p->fixes[k];

			rs->not_fixed++;
			pr_fixed(ctx, sets[i].dirs[fx->qdir < sets[i].ndirs ? fx->qdir : 0].path,
			    fx->id, plan_str(p, fx->idtext), plan_str(p, fx->msg),
			    FIXR_NOT_FIXED, why);
		}
	}
}

/* any_pending - a fix is still to be made after step 1 */
static bool
any_pending(const struct qset *sets, size_t nsets)
{
	size_t i;
	uint32_t k;

	for (i = 0; i < nsets; i++)
		for (k = 0; sets[i].plan != NULL && k < sets[i].plan->nfixes; k++)
			if (sets[i].plan->fixes[k].result == FIXR_PENDING)
				return true;
	return false;
}

/* report_all - the outcome of every fix of set i, none made */
static void
report_all(struct run *r, struct qset *sets, size_t i,
    struct repair_summary *rs)
{
	struct plan *p = sets[i].plan;
	struct outcome o;
	uint32_t k;

	r->set = &sets[i];
	for (k = 0; k < p->nfixes; k++) {
		o.result = p->fixes[k].result;
		(void)snprintf(o.what, sizeof(o.what), "%s",
		    plan_str(p, p->fixes[k].what));
		report(r, k, &o, rs);
	}
}

/* archive_all - step 1 over every set, in the order fixes are applied */
static int
archive_all(struct run *r, struct qset *sets, size_t nsets, uint32_t **orders)
{
	uint32_t *rank;
	size_t i;

	for (i = 0; i < nsets; i++) {
		struct plan *p = sets[i].plan;

		if (p == NULL || p->nfixes == 0)
			continue;
		r->set = &sets[i];
		r->si = i;
		r->arcq[i] = calloc(sets[i].ndirs + 1, sizeof(**r->arcq));
		rank = job_ranks(&sets[i]);
		orders[i] = rank != NULL ? plan_order(p, rank) : NULL;
		free(rank);
		r->first_arch = calloc(p->nfixes + 1, sizeof(*r->first_arch));
		r->narch_fix = calloc(p->nfixes + 1, sizeof(*r->narch_fix));
		/* Kept per set for step 3 (and freed with it). */
		r->set_first[i] = r->first_arch;
		r->set_n[i] = r->narch_fix;
		if (r->arcq[i] == NULL || orders[i] == NULL ||
		    r->first_arch == NULL || r->narch_fix == NULL)
			return -1;
		archive_set(r, orders[i]);
	}
	r->first_arch = NULL;
	r->narch_fix = NULL;
	return 0;
}

/* apply_all - step 3 over every set */
static void
apply_all(struct run *r, struct qset *sets, size_t nsets, uint32_t **orders,
    struct repair_summary *rs)
{
	size_t i;

	for (i = 0; i < nsets; i++) {
		if (orders[i] == NULL)
			continue;
		r->set = &sets[i];
		r->si = i;
		r->first_arch = r->set_first[i];
		r->narch_fix = r->set_n[i];
		apply_set(r, orders[i], rs);
	}
	r->first_arch = NULL;
	r->narch_fix = NULL;
}

/*
 * refuse_fixes - a fix of a set that is not to be repaired, or in a
 * queue directory that is not (qd->refuse: main.c), is not made
 */
static void
refuse_fixes(struct qset *sets, size_t nsets)
{
	char why[300];
	size_t i;
	uint32_t k;

	for (i = 0; i < nsets; i++) {
		struct plan *p = sets[i].plan;

		for (k = 0; p != NULL && k < p->nfixes; k++) {
			const struct qdir *qd = &sets[i].dirs[p->fixes[k].qdir <
			    sets[i].ndirs ? p->fixes[k].qdir : 0];
			const char *r = qd->refuse;

			if (r == NULL && sets[i].refused)
				r = "another queue of its configuration is not one to repair";
			if (r == NULL || p->fixes[k].result != FIXR_PENDING)
				continue;
			(void)snprintf(why, sizeof(why),
			    "not repaired as a queue: %s", r);
			plan_set_result(p, k, FIXR_NOT_FIXED, why);
		}
	}
}

/*
 * sign_with_key - the archive's manifest is signed with the host key
 * (made on first use), so --restore can tell this host's archives from
 * anyone else's; without a key the archive is written unsigned, with a
 * warning: the mail comes first
 */
static void
sign_with_key(struct fsck_ctx *ctx, struct arc *a)
{
	const char *path = ctx->opts.key_path != NULL ? ctx->opts.key_path
						      : ARC_DEFAULT_KEY;
	unsigned char key[ARC_KEY_LEN];
	char why[600];
	struct qerr err;

	if (arc_key_load(ctx->writer, path, key, &err) == 0) {
		arc_set_key(a, key);
		OPENSSL_cleanse(key, sizeof(key));
		return;
	}
	(void)snprintf(why, sizeof(why),
	    "%s; the archive is not signed, and --restore will want --restore-unverified",
	    err.msg);
	ctx_warn(ctx, path, why);
}

/* repair_sets - archive, commit, apply */
unsigned long
repair_sets(struct fsck_ctx *ctx, struct qset *sets, size_t nsets,
    struct repair_summary *rs)
{
	const char *adir = ctx->opts.archive_dir != NULL ? ctx->opts.archive_dir
							 : DEFAULT_ARCHIVE_DIR;
	uint32_t **orders = NULL;
	char host[256], name[256];
	struct qerr err;
	struct run r;
	size_t i, total = 0;
	int adirfd = -1;

	memset(rs, 0, sizeof(*rs));
	memset(&r, 0, sizeof(r));
	for (i = 0; i < nsets; i++)
		if (sets[i].plan != NULL && !sets[i].plan->failed)
			total += sets[i].plan->nfixes;
	if (total == 0 || ctx->writer == NULL)
		return 0;
	for (i = 0; i < nsets; i++)
		if (sets[i].plan != NULL && sets[i].plan->failed) {
			fail_all(ctx, sets, nsets,
			    "out of memory while planning: nothing was changed", rs);
			return 0;
		}
	refuse_fixes(sets, nsets);
	if (!any_pending(sets, nsets)) {
		r.ctx = ctx;
		for (i = 0; i < nsets; i++)
			if (sets[i].plan != NULL)
				report_all(&r, sets, i, rs);
		return 0;
	}
	adirfd = archive_dir_open(ctx, adir, &err);
	if (adirfd >= 0 && inside_a_queue(adirfd, sets, nsets)) {
		qerr_set(&err, EINVAL, "%s is inside a queue directory", adir);
		(void)close(adirfd);
		adirfd = -1;
	}
	if (adirfd < 0) {
		ctx_error(ctx, adir, err.msg);
		fail_all(ctx, sets, nsets,
		    "no archive could be written, so nothing was changed", rs);
		return 0;
	}
	if (gethostname(host, sizeof(host)) < 0)
		(void)snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	r.ctx = ctx;
	r.arc = arc_create(ctx->writer, adirfd, host, ctx->now, &err);
	if (r.arc != NULL)
		sign_with_key(ctx, r.arc);
	r.arcq = calloc(nsets, sizeof(*r.arcq));
	r.set_first = calloc(nsets, sizeof(*r.set_first));
	r.set_n = calloc(nsets, sizeof(*r.set_n));
	r.links = calloc(nsets, sizeof(*r.links));
	r.links_built = calloc(nsets, sizeof(*r.links_built));
	orders = calloc(nsets, sizeof(*orders));
	if (r.arc == NULL || r.arcq == NULL || orders == NULL ||
	    r.set_first == NULL || r.set_n == NULL || r.links == NULL ||
	    r.links_built == NULL) {
		ctx_error(ctx, adir, r.arc == NULL ? err.msg : "out of memory");
		fail_all(ctx, sets, nsets,
		    "no archive could be written, so nothing was changed", rs);
		goto out;
	}
	/* Step 1: archive every set. */
	if (archive_all(&r, sets, nsets, orders) < 0) {
		ctx_error(ctx, "mqfsck", "out of memory");
		fail_all(ctx, sets, nsets, "out of memory: nothing was changed", rs);
		goto out;
	}
	/* Step 2: commit, unless every fix failed to archive. */
	if (!any_pending(sets, nsets)) {
		for (i = 0; i < nsets; i++)
			if (orders[i] != NULL)
				report_all(&r, sets, i, rs);
		goto out;
	}
	rs->archived = arc_count(r.arc);
	if (arc_commit(r.arc, name, sizeof(name), &err) < 0) {
		ctx_error(ctx, adir, err.msg);
		fail_all(ctx, sets, nsets,
		    "the archive could not be completed, so nothing was changed", rs);
		goto out;
	}
	(void)snprintf(rs->archive, sizeof(rs->archive), "%s/%s",
	    strcmp(adir, "/") == 0 ? "" : adir, name);
	/* Step 3: apply. */
	progress_pass(&ctx->progress, PROGRESS_REPAIRS, adir, (unsigned long)total);
	apply_all(&r, sets, nsets, orders, rs);
	progress_end(&ctx->progress);
out:
	for (i = 0; i < nsets; i++) {
		free(orders != NULL ? orders[i] : NULL);
		free(r.arcq != NULL ? r.arcq[i] : NULL);
		free(r.set_first != NULL ? r.set_first[i] : NULL);
		free(r.set_n != NULL ? r.set_n[i] : NULL);
	}
	free(r.set_first);
	free(r.set_n);
	for (i = 0; r.links != NULL && i < nsets; i++)
		inomap_free(&r.links[i]);
	free(r.links);
	free(r.links_built);
	free(orders);
	free(r.arcq);
	free(r.arch);
	arc_free(r.arc);
	(void)close(adirfd);
	return rs->fixed;
}
