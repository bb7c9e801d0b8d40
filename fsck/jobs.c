/*
 * jobs.c - pass 3: every job's files against the states sendmail leaves.
 *
 * The legal states (sendmail-queue.md 4.2-4.5): a qf (or hf) with its df
 * beside it (or where its d line says), plus, only while a sendmail
 * works on the job, a locked tf or xf.  Everything else is a crash
 * window (4.4) or damage, judged here in id order:
 *  - a job another process has locked is in use, and one whose files are
 *    younger than the grace period while sendmail may be running is in
 *    flight: neither is judged;
 *  - two control files of one id (R5), control files of one id in two
 *    queue directories, a lost job (Qf);
 *  - a control file without its df (R6, 7.2), or with it elsewhere; an I
 *    line that does not name the df; a df linked from outside the queue;
 *  - a df without any control file (C1, C2, C6, R9);
 *  - a tf beside a control file: empty (R1), partial (R2), complete and
 *    older, or complete and newer (R3); a tf alone; Tf (R8); xf (R7);
 *  - the T line in the future or past Timeout.queuereturn.
 * It allocates the sorted id list and the table of shared data inodes,
 * and frees both.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "jobs.h"
#include "repair.h"

/* What one job has, by kind, with the file sendmail would use first. */
struct jview {
	uint32_t j;
	struct job *jb;
	const struct jfile *q, *h, *lost, *d, *t, *x;
	uint32_t nq, nh, nlost, nd, nt, nx;
	bool locked, young;
};

/* Data files with more than one link, by (dev, ino), for splits. */
struct shared {
	uint64_t *dev, *ino;
	uint32_t *job;
	size_t n;
};

/* file_dev - the device of the directory holding file f */
static dev_t
file_dev(const struct qset *set, const struct jfile *f)
{
	const struct qdir *qd = &set->dirs[f->qdir];

	return f->sub < SUB_COUNT ? qd->subst[f->sub].st_dev : qd->st.st_dev;
}

/* file_dirfd - the directory fd holding file f */
static int
file_dirfd(const struct qset *set, const struct jfile *f)
{
	const struct qdir *qd = &set->dirs[f->qdir];

	return f->sub < SUB_COUNT ? qd->subfd[f->sub] : qd->fd;
}

/* file_name - "qf/qf<id>" or "qf<id>", relative to its queue directory */
static void
file_name(const struct job *jb, const struct jfile *f, char *out, size_t outsz)
{
	static const char *const sub[SUB_COUNT] = { "qf/", "df/", "xf/" };

	(void)snprintf(out, outsz, "%s%cf%.*s", f->sub < SUB_COUNT ? sub[f->sub] : "",
	    (char)f->letter, (int)jb->idlen, jb->id);
}

/* view_of - sort a job's files by kind */
static void
view_of(const struct index *idx, uint32_t j, struct jview *v)
{
	const struct jfile **slot;
	uint32_t f, *count;

	memset(v, 0, sizeof(*v));
	v->j = j;
	v->jb = &idx->jobs[j];
	for (f = v->jb->first; f != 0; f = idx->files[f].next) {
		const struct jfile *jf = &idx->files[f];

		switch (jf->letter) {
		case 'q': slot = &v->q; count = &v->nq; break;
		case 'h': slot = &v->h; count = &v->nh; break;
		case 'Q': slot = &v->lost; count = &v->nlost; break;
		case 'd': slot = &v->d; count = &v->nd; break;
		case 't': slot = &v->t; count = &v->nt; break;
		case 'x': slot = &v->x; count = &v->nx; break;
		default: slot = NULL; count = NULL; break;
		}
		if (jf->flags & JF_LOCKED)
			v->locked = true;
		if (jf->flags & JF_YOUNG)
			v->young = true;
		if (slot == NULL)
			continue;
		/* Prefer a file that is where sendmail looks. */
		if (*slot == NULL || ((*slot)->flags & JF_MISPLACED))
			*slot = jf;
		(*count)++;
	}
}

/* job_pctx - a context naming the job and one of its files */
static void
job_pctx(struct pctx *pc, const struct jview *v, const struct jfile *f,
    char *name, size_t namesz)
{
	pctx_init(pc);
	pc->id = v->jb->id;
	pc->idlen = v->jb->idlen;
	if (f != NULL) {
		file_name(v->jb, f, name, namesz);
		pc->file = name;
	}
}

/* file_of - a plan_file for job file f */
static void
file_of(struct fsck_ctx *ctx, const struct qset *set, const struct jview *v,
    const struct jfile *f, struct plan_file *pf)
{
	char name[64];

	(void)snprintf(name, sizeof(name), "%cf%.*s", (char)f->letter,
	    (int)v->jb->idlen, v->jb->id);
	plan_file_set(ctx->plan, pf, f->qdir, f->sub, name, NULL);
	pf->dev = file_dev(set, f);
	pf->ino = (ino_t)f->ino;
	pf->type = S_IFREG;
}

/* named_place - a plan_file for "<letter>f<id>" at qdir/sub */
static void
named_place(struct fsck_ctx *ctx, const struct jview *v, char letter,
    uint16_t qi, uint8_t sub, struct plan_file *pf)
{
	char name[64];

	(void)snprintf(name, sizeof(name), "%cf%.*s", letter, (int)v->jb->idlen,
	    v->jb->id);
	plan_file_set(ctx->plan, pf, qi, sub, name, NULL);
}

/* plan_file_op - one operation on a job file, maybe with a target */
static void
plan_file_op(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, enum problem_id id, const struct pctx *pc,
    enum op_kind kind, const struct jfile *f, const struct plan_op *tmpl)
{
	struct plan_op op;

	if (tmpl != NULL)
		op = *tmpl;
	else
		plan_op_init(&op, kind);
	op.kind = kind;
	file_of(ctx, set, v, f, &op.src);
	repair_plan(ctx, id, pc, v->j, &op, 1);
}

/* id_pid - the PID an 8.12+ id encodes, or -1 */
static long
id_pid(const struct job *jb)
{
	struct qid_fields fl;

	if (!qid_decode(jb->id, jb->idlen, &fl))
		return -1;
	return (long)fl.pid;
}

/* in_flight - the job may be sendmail's work in progress */
static bool
in_flight(const struct fsck_ctx *ctx, const struct scan_env *env,
    const struct jview *v)
{
	long pid;
	size_t i;

	if (v->young)
		return true;
	/* The PID in the id is the process that accepted the message
	 * (sendmail-queue.md 5.3 item 4): if it is a live sendmail, the
	 * transaction may still be running.  PIDs are reused: a hint. */
	if (!ctx->sendmail_may_run || (pid = id_pid(v->jb)) <= 0)
		return false;
	for (i = 0; i < env->nsendmail; i++)
		if (env->sendmail_pids[i] == pid)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */

/* shared_build - every df with more than one link */
static int
shared_build(const struct qset *set, struct shared *sh)
{
	const struct index *idx = &set->idx;
	size_t cap = 0;
	uint32_t j, f;

	memset(sh, 0, sizeof(*sh));
	for (j = 1; j < idx->njobs; j++)
		for (f = idx->jobs[j].first; f != 0; f = idx->files[f].next) {
			const struct jfile *jf = &idx->files[f];

			if (jf->letter != 'd' || jf->nlink < 2)
				continue;
			if (sh->n == cap) {
				size_t nc = cap ? cap * 2 : 64;
				uint64_t *nd = realloc(sh->dev, nc * sizeof(*nd));
				uint64_t *ni;
				uint32_t *nj;

				if (nd == NULL)
					return -1;
				sh->dev = nd;
				if ((ni = realloc(sh->ino, nc * sizeof(*ni))) == NULL)
					return -1;
				sh->ino = ni;
				if ((nj = realloc(sh->job, nc * sizeof(*nj))) == NULL)
					return -1;
				sh->job = nj;
				cap = nc;
			}
			sh->dev[sh->n] = (uint64_t)file_dev(set, jf);
			sh->ino[sh->n] = jf->ino;
			sh->job[sh->n] = j;
			sh->n++;
		}
	return 0;
}

/* shared_sibling - another job whose df is the same inode, or 0 */
static uint32_t
shared_sibling(const struct shared *sh, uint64_t dev, uint64_t ino, uint32_t j,
    const struct index *idx, bool want_control)
{
	size_t i;

	/* Shared data files are few (envelope splits): a linear look. */
	for (i = 0; i < sh->n; i++) {
		uint8_t l;

		if (sh->dev[i] != dev || sh->ino[i] != ino || sh->job[i] == j)
			continue;
		l = idx->jobs[sh->job[i]].letters;
		if (!want_control || (l & (JL_Q | JL_H | JL_LOST)))
			return sh->job[i];
	}
	return 0;
}

/* shared_free - release */
static void
shared_free(struct shared *sh)
{
	free(sh->dev);
	free(sh->ino);
	free(sh->job);
	memset(sh, 0, sizeof(*sh));
}

/* want_add - append a job to a list for pass 4 */
static void
want_add(uint32_t **list, size_t *n, size_t *cap, uint32_t j)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		uint32_t *nl = realloc(*list, nc * sizeof(*nl));

		if (nl == NULL)
			return; /* pass 4 then just finds less */
		*list = nl;
		*cap = nc;
	}
	(*list)[(*n)++] = j;
}

/* lf_wants_free - release */
void
lf_wants_free(struct lf_wants *w)
{
	free(w->missing_df);
	free(w->orphan_df);
	memset(w, 0, sizeof(*w));
}

/* ------------------------------------------------------------------ */

/* newer - file a was modified after file b */
static bool
newer(const struct jfile *a, const struct jfile *b)
{
	return a->mtime > b->mtime ||
	    (a->mtime == b->mtime && a->mtime_ns > b->mtime_ns);
}

/* check_control_files - two control files, two queues, a lost job */
static void
check_control_files(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v)
{
	const struct index *idx = &set->idx;
	char n1[64], n2[64];
	const struct jfile *a = v->q != NULL ? v->q : v->h, *b = NULL;
	const char *why = NULL;
	struct pctx pc;
	uint32_t f;

	if (v->q != NULL && v->h != NULL) {
		b = v->h;
		why = "normal runs deliver the qf and -qQ runs the hf: the quarantined message is delivered, twice";
	} else if (a != NULL && v->lost != NULL) {
		b = v->lost;
		why = "sendmail runs the live one; the Qf is a stale copy of the same job";
	}
	if (b != NULL) {
		job_pctx(&pc, v, a, n1, sizeof(n1));
		file_name(v->jb, b, n2, sizeof(n2));
		pc.str2 = n2;
		pc.str = why;
		/* Keep the newer (R5: the rename's target was written last). */
		if (pr_fix(ctx, PR_3_TWO_CONTROL, &pc))
			plan_file_op(ctx, set, v, PR_3_TWO_CONTROL, &pc, OP_REMOVE,
			    newer(a, b) ? b : a, NULL);
	}
	/* Control files of one id in two queue directories. */
	for (f = v->jb->first; f != 0; f = idx->files[f].next) {
		const struct jfile *jf = &idx->files[f];

		if (a == NULL || jf->qdir == a->qdir || jf->letter == 'x' ||
		    jf->letter == 'd')
			continue;
		job_pctx(&pc, v, a, n1, sizeof(n1));
		pc.str = set->dirs[jf->qdir].path;
		(void)pr_fix(ctx, PR_3_ID_TWO_QUEUES, &pc);
		break;
	}
	if (a == NULL && v->lost != NULL) {
		job_pctx(&pc, v, v->lost, n1, sizeof(n1));
		(void)pr_fix(ctx, PR_3_LOST_JOB, &pc);
	}
}

/* expected_df - the queue directory and place of the job's df */
static bool
expected_df(const struct qset *set, const struct jview *v,
    const struct jfile *ctrl, uint16_t *qi, uint8_t *sub)
{
	const struct qdir *qd;

	if (v->jb->datadir == DATADIR_BAD)
		return false; /* reported in pass 2: sendmail loses the job */
	*qi = v->jb->datadir != DATADIR_NONE ? v->jb->datadir : ctrl->qdir;
	qd = &set->dirs[*qi];
	*sub = qdir_has_sub(qd, SUB_DF) ? SUB_DF : SUB_COUNT;
	return true;
}

/* check_inode - the control file's I line against its df */
static void
check_inode(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, const struct jfile *ctrl, const struct jfile *df)
{
	char n1[64], rec[80], is[80];
	dev_t dev = file_dev(set, df);
	struct pctx pc;

	if (!(v->jb->jflags & JB_HAS_I) || v->jb->ctrl != ctrl->letter)
		return;
	if (v->jb->i_ino == df->ino && v->jb->i_major == major(dev) &&
	    v->jb->i_minor == minor(dev))
		return;
	job_pctx(&pc, v, ctrl, n1, sizeof(n1));
	(void)snprintf(rec, sizeof(rec), "%u/%u/%llu", v->jb->i_major,
	    v->jb->i_minor, (unsigned long long)v->jb->i_ino);
	(void)snprintf(is, sizeof(is), "%u/%u/%llu", major(dev), minor(dev),
	    (unsigned long long)df->ino);
	pc.str = rec;
	pc.str2 = is;
	pc.covered = ctx->plan != NULL && plan_job_disposed(ctx->plan, v->j);
	if (pr_fix(ctx, PR_3_INODE_MISMATCH, &pc)) {
		struct plan_op op;

		plan_op_init(&op, OP_NKINDS);
		file_of(ctx, set, v, df, &op.dst);
		plan_file_op(ctx, set, v, PR_3_INODE_MISMATCH, &pc, OP_REWRITE_I,
		    ctrl, &op);
	}
}

/* check_df_of_control - a control file and its data file */
static void
check_df_of_control(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, const struct shared *sh, struct lf_wants *wants)
{
	const struct index *idx = &set->idx;
	const struct jfile *ctrl = v->q != NULL ? v->q : v->h, *df = NULL;
	char n1[64], n2[64];
	struct pctx pc;
	uint16_t qi;
	uint8_t sub;
	uint32_t f;

	if (ctrl == NULL || (ctrl->flags & JF_EMPTY) ||
	    !expected_df(set, v, ctrl, &qi, &sub))
		return;
	/* Where the df would be could not be read, or is not checked. */
	if ((set->dirs[qi].unread & (1u << sub)) || !set->dirs[qi].reachable)
		return;
	for (f = v->jb->first; f != 0; f = idx->files[f].next) {
		const struct jfile *jf = &idx->files[f];

		if (jf->letter == 'd' && jf->qdir == qi && jf->sub == sub)
			df = jf;
	}
	if (df == NULL) {
		job_pctx(&pc, v, ctrl, n1, sizeof(n1));
		if (v->d != NULL && (v->d->flags & JF_MISPLACED))
			return; /* pass 1 said where it is and where it goes */
		if (v->d != NULL) {
			pc.str = set->dirs[qi].path;
			file_name(v->jb, v->d, n2, sizeof(n2));
			pc.str2 = set->dirs[v->d->qdir].path;
			if (pr_fix(ctx, PR_3_DF_ELSEWHERE, &pc)) {
				struct plan_op op;

				plan_op_init(&op, OP_NKINDS);
				named_place(ctx, v, 'd', qi, sub, &op.dst);
				op.flags = OPF_NOREPLACE;
				plan_file_op(ctx, set, v, PR_3_DF_ELSEWHERE, &pc,
				    OP_MOVE, v->d, &op);
			}
			return;
		}
		/* Never let sendmail run it: inert, unless pass 4 finds the
		 * df in lost+found and puts it back first. */
		pc.covered = ctx->plan != NULL && plan_job_disposed(ctx->plan, v->j);
		if (pr_fix(ctx, PR_3_NO_DF, &pc)) {
			struct plan_op op;

			plan_op_init(&op, OP_NKINDS);
			named_place(ctx, v, 'd', qi, sub, &op.dst);
			op.flags = OPF_IF_NO_DF;
			plan_file_op(ctx, set, v, PR_3_NO_DF, &pc, OP_INERT, ctrl,
			    &op);
		}
		if (v->jb->jflags & JB_HAS_I)
			want_add(&wants->missing_df, &wants->nmissing,
			    &wants->capmissing, v->j);
		return;
	}
	check_inode(ctx, set, v, ctrl, df);
	if (df->nlink > 1 &&
	    shared_sibling(sh, (uint64_t)file_dev(set, df), df->ino, v->j, idx,
		false) == 0) {
		job_pctx(&pc, v, df, n1, sizeof(n1));
		pc.num = df->nlink;
		(void)pr_fix(ctx, PR_1_HARD_LINK, &pc);
	}
}

/* df_size - the current size of a job's df (0 if it cannot be had) */
static long long
df_size(const struct qset *set, const struct job *jb, const struct jfile *df)
{
	char base[QID_MAX_LEN + 3];
	struct stat st;

	(void)snprintf(base, sizeof(base), "df%.*s", (int)jb->idlen, jb->id);
	if (fstatat(file_dirfd(set, df), base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return (long long)st.st_size;
}

/* check_orphan_df - a data file no control file owns */
static void
check_orphan_df(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, const struct shared *sh, struct lf_wants *wants)
{
	const struct index *idx = &set->idx;
	char n1[64], extra[160] = "";
	struct pctx pc;
	uint32_t sib;
	size_t i;

	if (v->d == NULL || v->q != NULL || v->h != NULL || v->lost != NULL ||
	    (v->t != NULL && (v->t->flags & JF_COMPLETE)))
		return;
	/* A control file could hide where it could not be read. */
	for (i = 0; i < set->ndirs; i++)
		if (set->dirs[i].selected &&
		    (!set->dirs[i].reachable || (set->dirs[i].unread &
			(1u << SUB_QF | 1u << SUB_COUNT))))
			return;
	job_pctx(&pc, v, v->d, n1, sizeof(n1));
	pc.num = (long long)(ctx->now - (time_t)v->d->mtime);
	pc.num2 = df_size(set, v->jb, v->d);
	/* An envelope split links one df under several ids (4.5). */
	if (v->d->nlink > 1 &&
	    (sib = shared_sibling(sh, (uint64_t)file_dev(set, v->d), v->d->ino,
		 v->j, idx, true)) != 0)
		(void)snprintf(extra, sizeof(extra),
		    "; its data is also the data file of job %.*s, so this name holds nothing else",
		    (int)idx->jobs[sib].idlen, idx->jobs[sib].id);
	pc.str = extra;
	if (pr_fix(ctx, PR_3_ORPHAN_DF, &pc)) {
		struct plan_op op;
		const struct qdir *qd = &set->dirs[v->d->qdir];

		/* Unless pass 4 brings its control file back first. */
		plan_op_init(&op, OP_NKINDS);
		named_place(ctx, v, 'q', v->d->qdir,
		    qdir_has_sub(qd, SUB_QF) ? SUB_QF : SUB_COUNT, &op.dst);
		op.flags = OPF_IF_ORPHAN;
		plan_file_op(ctx, set, v, PR_3_ORPHAN_DF, &pc, OP_REMOVE, v->d,
		    &op);
	}
	want_add(&wants->orphan_df, &wants->norphan, &wants->caporphan, v->j);
}

/* check_tf_alone - a tf without any control file */
static void
check_tf_alone(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, const struct jfile *jf, struct pctx *pc)
{
	struct plan_op op;

	if (!(jf->flags & JF_COMPLETE)) {
		pc->str = (jf->flags & JF_EMPTY) ? "an empty" : "a partial";
		if (pr_fix(ctx, PR_3_TF_ALONE_PARTIAL, pc))
			plan_file_op(ctx, set, v, PR_3_TF_ALONE_PARTIAL, pc,
			    OP_REMOVE, jf, NULL);
		return;
	}
	/* Promoted only beside its df: a qf without one would be delivered
	 * as garbage, so a tf alone without a df becomes a lost job. */
	if (!pr_fix(ctx, PR_3_TF_ALONE, pc))
		return;
	plan_op_init(&op, OP_NKINDS);
	named_place(ctx, v, 'q', jf->qdir, jf->sub, &op.dst);
	op.flags = OPF_NOREPLACE;
	plan_file_op(ctx, set, v, PR_3_TF_ALONE, pc,
	    v->d != NULL ? OP_PROMOTE : OP_INERT, jf, &op);
}

/* check_temp_files - a tf beside a control file, or alone; Tf; xf */
static void
check_temp_files(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v)
{
	const struct index *idx = &set->idx;
	const struct jfile *ctrl = v->q != NULL ? v->q : v->h;
	char n1[64], n2[64];
	struct pctx pc;
	uint32_t f;

	for (f = v->jb->first; f != 0; f = idx->files[f].next) {
		const struct jfile *jf = &idx->files[f];
		enum problem_id id;

		job_pctx(&pc, v, jf, n1, sizeof(n1));
		if (jf->letter == 'T') {
			if (pr_fix(ctx, PR_3_TF_ASIDE, &pc))
				plan_file_op(ctx, set, v, PR_3_TF_ASIDE, &pc,
				    OP_REMOVE, jf, NULL);
			continue;
		}
		if (jf->letter == 'x') {
			id = ctrl != NULL || v->lost != NULL || v->t != NULL
			    ? PR_3_XF_STALE : PR_3_XF_ORPHAN;
			if (pr_fix(ctx, id, &pc))
				plan_file_op(ctx, set, v, id, &pc, OP_REMOVE, jf,
				    NULL);
			continue;
		}
		if (jf->letter != 't')
			continue;
		if (ctrl == NULL && v->lost == NULL) {
			check_tf_alone(ctx, set, v, jf, &pc);
			continue;
		}
		if (ctrl == NULL)
			ctrl = v->lost;
		file_name(v->jb, ctrl, n2, sizeof(n2));
		pc.str2 = n2;
		if (jf->flags & JF_EMPTY)
			id = PR_3_TF_EMPTY;
		else if (!(jf->flags & JF_COMPLETE))
			id = PR_3_TF_PARTIAL;
		else if (jf->mtime > ctrl->mtime ||
		    (jf->mtime == ctrl->mtime && jf->mtime_ns > ctrl->mtime_ns))
			id = PR_3_TF_NEWER;
		else
			id = PR_3_TF_OLDER;
		if (!pr_fix(ctx, id, &pc))
			continue;
		/* R3: promote the complete, newer tf (what sendmail meant),
		 * or keep the qf (what sendmail will do); never a lost job. */
		if (id == PR_3_TF_NEWER && ctx->opts.tf_newer == TF_NEWER_PROMOTE &&
		    ctrl->letter != 'Q') {
			struct plan_op op;

			plan_op_init(&op, OP_NKINDS);
			file_of(ctx, set, v, ctrl, &op.dst);
			plan_file_op(ctx, set, v, id, &pc, OP_PROMOTE, jf, &op);
		} else
			plan_file_op(ctx, set, v, id, &pc, OP_REMOVE, jf, NULL);
	}
}

/* check_times - the T line: in the future, or past queuereturn */
static void
check_times(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v)
{
	const struct jfile *ctrl = v->q != NULL ? v->q : v->h;
	long long t = v->jb->ctime_T, now = (long long)ctx->now;
	char n1[64];
	struct pctx pc;

	if (ctrl == NULL || t == 0 || v->jb->ctrl != ctrl->letter)
		return;
	job_pctx(&pc, v, ctrl, n1, sizeof(n1));
	/* Five minutes of clock skew between machines is no news. */
	if (t > now + 300) {
		pc.num = t - now;
		(void)pr_fix(ctx, PR_3_TIME_FUTURE, &pc);
	} else if (set->pol.queuereturn > 0 &&
	    now - t > set->pol.queuereturn) {
		pc.num = now - t;
		pc.num2 = set->pol.queuereturn;
		(void)pr_fix(ctx, PR_3_EXPIRED, &pc);
	}
}

/* list_job - -v: the job, its files, and whether anything was found */
static void
list_job(struct fsck_ctx *ctx, const struct qset *set, const struct jview *v,
    unsigned long findings)
{
	const struct index *idx = &set->idx;
	char files[512] = "", name[64];
	size_t o = 0;
	uint32_t f;

	const char *l;

	/* Control files first, as sendmail thinks of a job. */
	for (l = "qhQdtTx"; *l != '\0'; l++)
		for (f = v->jb->first; f != 0; f = idx->files[f].next) {
			int n;

			if (idx->files[f].letter != (uint8_t)*l)
				continue;
			if (idx->files[f].flags & JF_REPORTED)
				findings++; /* by passes 1 and 2 */
			file_name(v->jb, &idx->files[f], name, sizeof(name));
			n = snprintf(files + o, sizeof(files) - o, "%s%s",
			    o ? " " : "", name);
			if (n < 0 || (size_t)n >= sizeof(files) - o)
				break;
			o += (size_t)n;
		}
	(void)fprintf(ctx->out, "%s: job %.*s: %s: %s\n",
	    ctx->qd != NULL ? ctx->qd->path : "mqfsck", (int)v->jb->idlen,
	    v->jb->id, files,
	    findings == 0 ? "ok" : "findings above");
}

/* judge_job - one job */
static void
judge_job(struct fsck_ctx *ctx, const struct scan_env *env,
    const struct qset *set, uint32_t j, const struct shared *sh,
    struct lf_wants *wants)
{
	struct jview v;
	struct pctx pc;
	char n1[64];
	unsigned long before;

	view_of(&set->idx, j, &v);
	ctx->jobs++;
	if (v.locked || in_flight(ctx, env, &v)) {
		const struct jfile *f = v.q != NULL ? v.q : v.h != NULL ? v.h
		    : v.d != NULL ? v.d : &set->idx.files[v.jb->first];

		job_pctx(&pc, &v, f, n1, sizeof(n1));
		pc.num = ctx->opts.grace;
		if (v.locked) {
			ctx->in_use++;
			(void)pr_fix(ctx, PR_3_IN_USE, &pc);
		} else {
			ctx->in_flight++;
			(void)pr_fix(ctx, PR_3_IN_FLIGHT, &pc);
		}
		return;
	}
	before = ctx->problems + ctx->notices;
	check_control_files(ctx, set, &v);
	check_df_of_control(ctx, set, &v, sh, wants);
	check_orphan_df(ctx, set, &v, sh, wants);
	check_temp_files(ctx, set, &v);
	check_times(ctx, set, &v);
	if (ctx->opts.verbose && ctx->opts.format == OUT_HUMAN &&
	    !ctx->rechecking)
		list_job(ctx, set, &v, ctx->problems + ctx->notices - before);
}

/* first_queue - the set's first queue checked, naming its jobs pass */
static const char *
first_queue(const struct qset *set)
{
	size_t i;

	for (i = 0; i < set->ndirs; i++)
		if (set->dirs[i].reachable)
			return set->dirs[i].path;
	return "-";
}

/* jobs_pass - pass 3 over the set */
void
jobs_pass(struct fsck_ctx *ctx, const struct scan_env *env, struct qset *set,
    struct lf_wants *wants)
{
	struct shared sh;
	uint32_t *order, i, n;

	if (set->idx.njobs < 2)
		return;
	memset(&sh, 0, sizeof(sh));
	order = index_sorted(&set->idx);
	if (order == NULL || shared_build(set, &sh) < 0) {
		ctx_error(ctx, set->source, "out of memory judging the jobs");
		shared_free(&sh);
		free(order);
		return;
	}
	n = set->idx.njobs - 1;
	ctx->qd = NULL;
	if (!ctx->rechecking)
		progress_pass(&ctx->progress, PROGRESS_JOBS, first_queue(set), n);
	for (i = 0; i < n && !mq_interrupted; i++) {
		const struct job *jb = &set->idx.jobs[order[i]];
		const struct jfile *f = &set->idx.files[jb->first];

		/* Messages name the queue directory of the job's first file. */
		ctx->qd = &set->dirs[f->qdir];
		judge_job(ctx, env, set, order[i], &sh, wants);
		if (!ctx->rechecking)
			progress_step(&ctx->progress, (unsigned long)i + 1);
	}
	if (!ctx->rechecking)
		progress_end(&ctx->progress);
	ctx->qd = NULL;
	shared_free(&sh);
	free(order);
}
