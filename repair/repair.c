/*
 * repair.c - make the repairs of a run: nothing lost, nothing half done.
 *
 * The check leaves each set of queues a plan (plan.h).  Here, in three
 * steps over every set (step 1 is repair_archive.c, step 3
 * repair_apply.c; this file plans, names places, and runs the steps):
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
 *     directory).  A change is made durable (an fsync of the directory
 *     it changed) before the job's next change, and before the job's
 *     locks are released: jobs go in batches of up to 64, whose locks
 *     are held until one fsync per changed directory ends the batch.
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
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "esc.h"
#include "qf.h"
#include "qid.h"
#include "repair_private.h"

const char *const sub_prefix[SUB_COUNT + 1] = { "qf/", "df/", "xf/",
	"" };

/* ------------------------------------------------------------------ */
/* Places and names */

/* rp_place_fd - the directory fd of a place, or -1 */
int
rp_place_fd(const struct qset *set, uint16_t qdir, uint8_t sub)
{
	const struct qdir *qd;

	if (sub == SUB_LOSTFOUND)
		return qdir < set->nlfs ? set->lfs[qdir].fd : -1;
	if (qdir >= set->ndirs)
		return -1;
	qd = &set->dirs[qdir];
	return sub < SUB_COUNT ? qd->subfd[sub] : qd->fd;
}

/* rp_sub_pfx - "qf/", "df/", "xf/" or "" (the top, lost+found) */
const char *
rp_sub_pfx(uint8_t sub)
{
	return sub_prefix[sub <= SUB_COUNT ? sub : SUB_COUNT];
}

/* rp_place_dev - the device of a place's directory */
dev_t
rp_place_dev(const struct qset *set, uint16_t qdir, uint8_t sub)
{
	const struct qdir *qd;

	if (sub == SUB_LOSTFOUND)
		return qdir < set->nlfs ? set->lfs[qdir].st.st_dev : 0;
	if (qdir >= set->ndirs)
		return 0;
	qd = &set->dirs[qdir];
	return sub < SUB_COUNT ? qd->subst[sub].st_dev : qd->st.st_dev;
}

/* rp_rel_path - "qf/qf<id>" or "qf<id>" */
void
rp_rel_path(uint8_t sub, const char *name, char *out, size_t outsz)
{
	(void)snprintf(out, outsz, "%s%s", rp_sub_pfx(sub), name);
}

/* rp_job_file_name - the entry name of a job's file */
void
rp_job_file_name(const struct job *jb, const struct jfile *jf, char *out,
    size_t outsz)
{
	(void)snprintf(out, outsz, "%cf%.*s", (char)jf->letter, (int)jb->idlen,
	    jb->id);
}

/* rp_is_control - a control-file letter: removed before the job's data */
bool
rp_is_control(char letter)
{
	return letter == 'q' || letter == 'h' || letter == 'Q' ||
	    letter == 't' || letter == 'T';
}

/* rp_same_as_archived - the entry is still exactly what was archived */
bool
rp_same_as_archived(const struct stat *now, const struct stat *was)
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
		const char *stopping = NULL;

		/* Fixes of one job are together: a file two of them archive
		 * goes into the archive once (rp_archived_before()). */
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
		if (r->job_first == r->narch)
			stopping = r->env->rep.stop(r->env->rep.cookie);
		if (stopping != NULL) {
			o.what[0] = '\0';
			(void)rp_not_fixed(&o, "%s before this job was archived: a rerun makes the fix",
			    stopping);
			plan_set_result(p, fi, FIXR_NOT_FIXED, o.what);
			continue;
		}
		qerr_clear(&err);
		if (rp_archive_fix(r, fi, &err) < 0) {
			o.what[0] = '\0';
			(void)rp_not_fixed(&o, "it could not be archived, so it was left as it is: %s",
			    err.msg);
			plan_set_result(p, fi, FIXR_NOT_FIXED, o.what);
		}
		r->narch_fix[fi] = r->narch - r->first_arch[fi];
	}
}

/*
 * Step 3 takes jobs in batches: each job locked, checked and changed in
 * turn, its locks kept; then one fsync() of every directory the batch
 * changed, and only then are the batch's locks released.  So no sendmail
 * works on a job before its changes are durable, as when each change was
 * followed by its own fsync(), at one fsync() per directory per batch.
 * Bounded by jobs and by descriptors held.
 */
#define BATCH_JOBS 64
#define BATCH_FDS 256

struct batch {
	struct job_lock held[BATCH_JOBS];
	size_t n;		/* jobs held */
	size_t fds;		/* descriptors held */
};

/* batch_end - make the batch's changes durable, then release its locks */
static void
batch_end(struct run *r, struct batch *b)
{
	struct qerr err;
	size_t i;

	if (rp_sync_dirty(r, &err) < 0)
		r->env->rep.error(r->env->rep.cookie, "mqfsck",
		    "an fsync of a queue directory after repairs failed: the changes reported just before may not survive a crash (a rerun finds and makes them again)");
	for (i = 0; i < b->n; i++)
		rp_unlock_job(r, &b->held[i]);
	b->n = b->fds = 0;
}

/*
 * apart - a job repaired in a batch of its own: its fixes change another
 * job's files (an exchange of dfs), or one of its files has other names
 * (an envelope split's df under its siblings' names).  In a batch, its
 * lock would meet the batch's own on the same inode and be taken for
 * another process's.
 */
static bool
apart(const struct run *r, const uint32_t *order, uint32_t i, uint32_t k,
    uint32_t job)
{
	const struct plan *p = r->set->plan;
	const struct index *idx = &r->set->idx;
	uint32_t u, op, f;

	for (f = idx->jobs[job].first; f != 0; f = idx->files[f].next)
		if (idx->files[f].nlink > 1)
			return true;
	for (u = i; u < k; u++) {
		const struct plan_fix *fx = &p->fixes[order[u]];

		for (op = 0; op < fx->nops; op++)
			if (p->ops[fx->first_op + op].kind == OP_EXCHANGE)
				return true;
	}
	return false;
}

/* apply_job - the fixes order[i..k) of one job, locked (or not) */
static void
apply_job(struct run *r, const uint32_t *order, uint32_t i, uint32_t k,
    bool locked, const struct outcome *lockfail, struct repair_summary *rs)
{
	struct plan *p = r->set->plan;
	struct outcome o;
	uint32_t u;

	/* Under the lock, before anything of the job changes: every file
	 * archived must still be what was archived. */
	for (u = i; locked && u < k; u++)
		if (p->fixes[order[u]].result == FIXR_PENDING &&
		    !rp_unchanged(r, order[u], &o))
			plan_set_result(p, order[u], FIXR_NOT_FIXED, o.what);
	r->job_dirty = false;	/* no order between two jobs' changes */
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
			o = *lockfail;
		else
			rp_apply_fix(r, fi, &o);
		rp_report(r, fi, &o, rs);
		r->env->rep.progress_step(r->env->rep.cookie, ++r->done);
	}
}

/* apply_set - step 3 for one set, job by job, in batches */
static void
apply_set(struct run *r, const uint32_t *order, struct repair_summary *rs)
{
	struct plan *p = r->set->plan;
	struct batch *b;
	struct outcome lockfail;
	uint32_t i = 0, k, job;
	const char *stopping;
	bool locked, alone;

	if ((b = calloc(1, sizeof(*b))) == NULL) {
		r->env->rep.error(r->env->rep.cookie, "mqfsck", "out of memory");
		return;
	}
	while (i < p->nfixes) {
		struct job_lock *jl;

		/* The fixes of one job are together in the order. */
		job = p->fixes[order[i]].job;
		for (k = i; k < p->nfixes && p->fixes[order[k]].job == job; k++)
			;
		if (job == 0)
			k = i + 1; /* no job: each on its own */
		alone = job != 0 && apart(r, order, i, k, job);
		if (alone)
			batch_end(r, b);
		jl = &b->held[b->n];
		/* A signal stops the run between two jobs, never inside one. */
		stopping = r->env->rep.stop(r->env->rep.cookie);
		jl->n = 0;
		if (stopping != NULL) {
			lockfail.what[0] = '\0';
			(void)rp_not_fixed(&lockfail, "%s before this job was repaired: a rerun makes the fix",
			    stopping);
			locked = false;
		} else
			locked = job == 0 || (rp_lock_job(r, job, jl, &lockfail) &&
			    rp_lock_partners(r, order, i, k, jl, &lockfail));
		r->lock = job != 0 && locked ? jl : NULL;
		apply_job(r, order, i, k, locked, &lockfail, rs);
		r->lock = NULL;
		i = k;
		if (job != 0 && locked) {
			b->fds += jl->n;
			b->n++;
		}
		if (alone || b->n == BATCH_JOBS ||
		    b->fds + MAX_JOB_FILES > BATCH_FDS)
			batch_end(r, b);
	}
	batch_end(r, b);
	free(b);
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
archive_dir_open(const struct repair_env *env, const char *path, struct qerr *err)
{
	struct stat st;
	int fd;

	fd = sio_open_path_make(env->writer, path, 0700, err);
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
fail_all(const struct repair_env *env, struct qset *sets, size_t nsets,
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
			env->rep.fixed(env->rep.cookie, sets[i].dirs[fx->qdir < sets[i].ndirs ? fx->qdir : 0].path,
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
		rp_report(r, k, &o, rs);
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
		/* Queues, then lost+found directories. */
		r->arcq[i] = calloc(sets[i].ndirs + sets[i].nlfs + 1,
		    sizeof(**r->arcq));
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

/* Threads that make removed files' last close(): closer.c says why. */
#define CLOSER_THREADS 2

/* apply_all - step 3 over every set */
static void
apply_all(struct run *r, struct qset *sets, size_t nsets, uint32_t **orders,
    struct repair_summary *rs)
{
	size_t i;

	r->closer = closer_start(CLOSER_THREADS);
	for (i = 0; i < nsets; i++) {
		if (orders[i] == NULL)
			continue;
		r->set = &sets[i];
		r->si = i;
		r->first_arch = r->set_first[i];
		r->narch_fix = r->set_n[i];
		apply_set(r, orders[i], rs);
	}
	closer_finish(r->closer);
	r->closer = NULL;
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
sign_with_key(const struct repair_env *env, struct arc *a)
{
	const char *path = env->key_path != NULL ? env->key_path
						 : ARC_DEFAULT_KEY;
	unsigned char key[ARC_KEY_LEN];
	char why[600];
	struct qerr err;

	if (arc_key_load(env->writer, path, key, &err) == 0) {
		arc_set_key(a, key);
		OPENSSL_cleanse(key, sizeof(key));
		return;
	}
	(void)snprintf(why, sizeof(why),
	    "%s; the archive is not signed, and --restore will want --restore-unverified",
	    err.msg);
	env->rep.warn(env->rep.cookie, path, why);
}

/*
 * archive_failed - say that the archive in adir could not be written
 * (why), with the space the files to archive need and the space the
 * file system has
 */
static void
archive_failed(const struct repair_env *env, const char *adir, int adirfd,
    const char *why, unsigned long long want)
{
	char msg[QERR_MSG_MAX + 200], space[120] = "";
	struct statvfs vfs;

	if (fstatvfs(adirfd, &vfs) == 0)
		(void)snprintf(space, sizeof(space), ", %llu bytes are free there",
		    (unsigned long long)vfs.f_bavail *
			(unsigned long long)vfs.f_frsize);
	(void)snprintf(msg, sizeof(msg),
	    "the archive could not be written (%s): the files to archive need about %llu bytes before compression%s; nothing was changed",
	    why, want, space);
	env->rep.error(env->rep.cookie, adir, msg);
}

/* repair_sets - archive, commit, apply */
unsigned long
repair_sets(const struct repair_env *env, struct qset *sets, size_t nsets,
    struct repair_summary *rs)
{
	const char *adir = env->archive_dir != NULL ? env->archive_dir
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
	if (total == 0 || env->writer == NULL)
		return 0;
	for (i = 0; i < nsets; i++)
		if (sets[i].plan != NULL && sets[i].plan->failed) {
			fail_all(env, sets, nsets,
			    "out of memory while planning: nothing was changed", rs);
			return 0;
		}
	refuse_fixes(sets, nsets);
	if (!any_pending(sets, nsets)) {
		r.env = env;
		for (i = 0; i < nsets; i++)
			if (sets[i].plan != NULL)
				report_all(&r, sets, i, rs);
		return 0;
	}
	adirfd = archive_dir_open(env, adir, &err);
	if (adirfd >= 0 && inside_a_queue(adirfd, sets, nsets)) {
		qerr_set(&err, EINVAL, "%s is inside a queue directory", adir);
		(void)close(adirfd);
		adirfd = -1;
	}
	if (adirfd < 0) {
		env->rep.error(env->rep.cookie, adir, err.msg);
		fail_all(env, sets, nsets,
		    "no archive could be written, so nothing was changed", rs);
		return 0;
	}
	if (gethostname(host, sizeof(host)) < 0)
		(void)snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	r.env = env;
	r.arc = arc_create(env->writer, adirfd, host, env->now, &err);
	if (r.arc != NULL)
		sign_with_key(env, r.arc);
	r.arcq = calloc(nsets, sizeof(*r.arcq));
	r.set_first = calloc(nsets, sizeof(*r.set_first));
	r.set_n = calloc(nsets, sizeof(*r.set_n));
	r.links = calloc(nsets, sizeof(*r.links));
	r.links_built = calloc(nsets, sizeof(*r.links_built));
	orders = calloc(nsets, sizeof(*orders));
	if (r.arc == NULL || r.arcq == NULL || orders == NULL ||
	    r.set_first == NULL || r.set_n == NULL || r.links == NULL ||
	    r.links_built == NULL) {
		env->rep.error(env->rep.cookie, adir, r.arc == NULL ? err.msg : "out of memory");
		fail_all(env, sets, nsets,
		    "no archive could be written, so nothing was changed", rs);
		goto out;
	}
	/* Step 1: archive every set. */
	if (archive_all(&r, sets, nsets, orders) < 0) {
		env->rep.error(env->rep.cookie, "mqfsck", "out of memory");
		fail_all(env, sets, nsets, "out of memory: nothing was changed", rs);
		goto out;
	}
	/* An archive that could not be written (a full disk, a read-only or
	 * failing file system) is an operational error, whatever the fixes
	 * it had taken: nothing is changed. */
	if (arc_failure(r.arc) != NULL) {
		archive_failed(env, adir, adirfd, arc_failure(r.arc),
		    r.want_bytes);
		fail_all(env, sets, nsets,
		    "the archive could not be written, so nothing was changed", rs);
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
		env->rep.error(env->rep.cookie, adir, err.msg);
		fail_all(env, sets, nsets,
		    "the archive could not be completed, so nothing was changed", rs);
		goto out;
	}
	(void)snprintf(rs->archive, sizeof(rs->archive), "%s/%s",
	    strcmp(adir, "/") == 0 ? "" : adir, name);
	/* Step 3: apply. */
	env->rep.progress_begin(env->rep.cookie, adir, (unsigned long)total);
	apply_all(&r, sets, nsets, orders, rs);
	env->rep.progress_end(env->rep.cookie);
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

