/*
 * pass3_jobs.c - pass 3: every job, all of its files wherever they are (the
 * queue directories, their subdirectories, lost+found), against the
 * states sendmail leaves.
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
 *  - a control file without its df (R6, 7.2), or with it elsewhere: in
 *    another queue directory, in lost+found (by the inode its I line
 *    records), under another job's name (swapped bodies, a misnamed df);
 *    an I line that does not name the df; a df linked from outside;
 *  - a df without any control file (C1, C2, C6, R9), unless a control
 *    file anywhere (lost+found too) names its id, or an I line its inode;
 *  - a tf beside a control file: empty (R1), partial (R2), complete and
 *    older, or complete and newer (R3); a tf alone; Tf (R8); xf (R7);
 *  - the T line in the future, past Timeout.queuereturn, or past
 *    Timeout.queuewarn with no warning sent (per timeout class).
 * Before the jobs are judged one at a time, one pass over the index
 * answers the questions about inodes that span jobs (struct pairing):
 * which data file holds the body each I line names, when that is not
 * the job's own df.  Its memory grows with the jobs that ask, not with
 * the queue.  It allocates the sorted id list, the table of shared data
 * inodes and the pairing, and frees them.
 * Hands on to the repair (repair/): the plan, one list of fixes per job.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "esc.h"
#include "pass3_private.h"
#include "pass4_lostfound.h"
#include "report.h"
#include "shape.h"
#include "show.h"
#include "trust.h"

/* p3_file_dev - the device of the directory holding file f */
dev_t
p3_file_dev(const struct qset *set, const struct jfile *f)
{
	const struct qdir *qd;

	if (f->sub == SUB_LOSTFOUND)
		return set->lfs[f->qdir].st.st_dev;
	qd = &set->dirs[f->qdir];
	return f->sub < SUB_COUNT ? qd->subst[f->sub].st_dev : qd->st.st_dev;
}

/* p3_file_dirfd - the directory fd holding file f */
int
p3_file_dirfd(const struct qset *set, const struct jfile *f)
{
	const struct qdir *qd;

	if (f->sub == SUB_LOSTFOUND)
		return set->lfs[f->qdir].fd;
	qd = &set->dirs[f->qdir];
	return f->sub < SUB_COUNT ? qd->subfd[f->sub] : qd->fd;
}

/* p3_job_files - see pass3_private.h */
size_t
p3_job_files(const struct qset *set, const struct job *jb,
    const struct jfile **out, size_t max, unsigned long *reported)
{
	const struct index *idx = &set->idx;
	size_t n = 0;
	const char *l;
	uint32_t f;

	for (l = "qhQdtTx"; *l != '\0'; l++)
		for (f = jb->first; f != 0; f = idx->files[f].next) {
			if (idx->files[f].letter != (uint8_t)*l)
				continue;
			if (reported != NULL &&
			    (idx->files[f].flags & JF_REPORTED))
				(*reported)++;
			if (n < max)
				out[n++] = &idx->files[f];
		}
	return n;
}

/* file_name - "qf/qf<id>" or "qf<id>", relative to its queue directory;
 * "lost+found/#123" for a file found there */
static void
file_name(const struct qset *set, const struct job *jb, const struct jfile *f,
    char *out, size_t outsz)
{
	static const char *const sub[SUB_COUNT] = { "qf/", "df/", "xf/" };

	if (f->sub == SUB_LOSTFOUND) {
		(void)snprintf(out, outsz, "lost+found/%s",
		    lf_name(set, (uint32_t)(f - set->idx.files)));
		return;
	}
	(void)snprintf(out, outsz, "%s%cf%.*s", f->sub < SUB_COUNT ? sub[f->sub] : "",
	    (char)f->letter, (int)jb->idlen, jb->id);
}

/* p3_read_control - see pass3_private.h */
int
p3_read_control(const struct qset *set, const struct job *jb,
    const struct jfile *f, char letter, struct qf_file *qf,
    struct sio_buf *buf, struct stat *st, bool *cut, struct qerr *err)
{
	struct qf_parse_opts po;
	char name[300];
	int fd, rc;

	qf_init(qf);
	*cut = false;
	if (f->sub == SUB_LOSTFOUND)
		(void)snprintf(name, sizeof(name), "%s",
		    lf_name(set, (uint32_t)(f - set->idx.files)));
	else
		(void)snprintf(name, sizeof(name), "%cf%.*s", (char)f->letter,
		    (int)jb->idlen, jb->id);
	fd = sio_open_regular(p3_file_dirfd(set, f), name, st, err);
	if (fd < 0)
		return -1;
	rc = sio_read(fd, buf, QF_MAX_BYTES, cut, err);
	(void)close(fd);
	if (rc < 0)
		return -1;
	memset(&po, 0, sizeof(po));
	po.letter = letter;
	return qf_parse(qf, buf->data, buf->len, &po, err);
}

/* view_of - sort a job's files by kind */
static void
view_of(const struct qset *set, uint32_t j, struct jview *v)
{
	const struct index *idx = &set->idx;
	const struct jfile **slot;
	uint32_t f, *count;

	memset(v, 0, sizeof(*v));
	v->set = set;
	v->j = j;
	v->jb = &idx->jobs[j];
	for (f = v->jb->first; f != 0; f = idx->files[f].next) {
		const struct jfile *jf = &idx->files[f];

		if (jf->flags & JF_LOSTFOUND) {
			if (jf->flags & JF_UNTRUSTED) {
				v->nlq_untrusted++;
				continue;
			}
			if (jf->letter == 'd') {
				v->ld = v->ld != NULL ? v->ld : jf;
				v->nld++;
			} else {
				v->lq = v->lq != NULL ? v->lq : jf;
				v->nlq++;
			}
			continue;
		}
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
		file_name(v->set, v->jb, f, name, namesz);
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
	pf->dev = p3_file_dev(set, f);
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
	pr_plan(ctx, id, pc, v->j, &op, 1);
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

/* newer - file a was modified after file b */
static bool
newer(const struct jfile *a, const struct jfile *b)
{
	return a->mtime > b->mtime ||
	    (a->mtime == b->mtime && a->mtime_ns > b->mtime_ns);
}

/*
 * drop_control - remove control file `drop`, keeping `keep`.  An
 * untrusted qf or hf is already quarantined by pass 1 (made inert as Qf,
 * its job archived); beside a trusted control file the job is that
 * file's, so the quarantine removes the untrusted one instead of
 * renaming it (archived either way).
 */
static void
drop_control(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, const struct pctx *pc, const struct jfile *drop,
    const struct jfile *keep)
{
	char name[64];

	if ((drop->letter == 'q' || drop->letter == 'h') &&
	    (drop->flags & JF_UNTRUSTED)) {
		(void)snprintf(name, sizeof(name), "%cf%.*s", (char)drop->letter,
		    (int)v->jb->idlen, v->jb->id);
		if (!(keep->flags & JF_UNTRUSTED))
			(void)plan_inert_to_remove(ctx->plan, v->j, name);
		return;
	}
	plan_file_op(ctx, set, v, PR_3_TWO_CONTROL, pc, OP_REMOVE, drop, NULL);
}

/* check_control_files - two control files, two queues, a lost job */
static void
check_control_files(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v)
{
	const struct index *idx = &set->idx;
	char n1[64], n2[64];
	const struct jfile *a = v->q != NULL ? v->q : v->h, *b = NULL, *drop;
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
		file_name(v->set, v->jb, b, n2, sizeof(n2));
		pc.str2 = n2;
		pc.str = why;
		/* Keep the newer (R5: the rename's target was written last),
		 * unless someone untrusted could have written one of them:
		 * then that one goes, whatever its time says (a planted newer
		 * Qf or hf never displaces the queue's own qf).  One the
		 * quarantine of pass 1 already takes out is left to it. */
		drop = newer(a, b) ? b : a;
		if ((a->flags ^ b->flags) & JF_UNTRUSTED) {
			drop = (a->flags & JF_UNTRUSTED) ? a : b;
			pc.str = "one of them could have been written by someone sendmail does not trust, and only that one goes, whatever the times say";
		}
		if (pr_fix(ctx, PR_3_TWO_CONTROL, &pc))
			drop_control(ctx, set, v, &pc, drop,
			    drop == a ? b : a);
	}
	/* Control files of one id in two queue directories. */
	for (f = v->jb->first; f != 0; f = idx->files[f].next) {
		const struct jfile *jf = &idx->files[f];

		if (a == NULL || jf->qdir == a->qdir || jf->letter == 'x' ||
		    jf->letter == 'd' || (jf->flags & JF_LOSTFOUND))
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

/* p3_expected_df - the queue directory and place of the job's df */
bool
p3_expected_df(const struct qset *set, const struct job *jb,
    const struct jfile *ctrl, uint16_t *qi, uint8_t *sub)
{
	const struct qdir *qd;

	if (jb->datadir == DATADIR_BAD)
		return false; /* reported in pass 2: sendmail loses the job */
	*qi = jb->datadir != DATADIR_NONE ? jb->datadir : ctrl->qdir;
	qd = &set->dirs[*qi];
	*sub = qdir_has_sub(qd, SUB_DF) ? SUB_DF : SUB_COUNT;
	return true;
}

/*
 * check_inode - the control file's I line against its df.  It is
 * rewritten only where the whole job moved (another device, or an inode
 * no data file has): never to match a body that belongs to another job
 * (check_pairing()), or when the body it names is in lost+found.
 */
static void
check_inode(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, const struct jfile *ctrl, const struct jfile *df,
    const struct pairing *pr)
{
	char n1[64], rec[80], is[80];
	dev_t dev = p3_file_dev(set, df);
	const struct unpaired *u = p3_pairing_find(pr, v->j);
	struct pctx pc;

	if (!(v->jb->jflags & JB_HAS_I) || v->jb->ctrl != ctrl->letter ||
	    (v->jb->jflags & JB_LOST_FACTS) || (u != NULL && u->kind != PAIR_NONE) ||
	    v->nld > 0)
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
	pc.covered = (ctx->plan != NULL && plan_job_disposed(ctx->plan, v->j)) ||
	    (ctrl->flags & JF_UNTRUSTED);
	if (pr_fix(ctx, PR_3_INODE_MISMATCH, &pc)) {
		struct plan_op op;

		plan_op_init(&op, OP_NKINDS);
		file_of(ctx, set, v, df, &op.dst);
		plan_file_op(ctx, set, v, PR_3_INODE_MISMATCH, &pc, OP_REWRITE_I,
		    ctrl, &op);
	}
}

/* job_of - the pairing entry's job */
static const struct job *
job_of(const struct qset *set, const struct unpaired *u)
{
	return &set->idx.jobs[u->job];
}

/* df_file_of - a plan_file for the df of job jb, named df<id>, that is
 * (now) at the place of index file at */
static void
df_file_of(struct fsck_ctx *ctx, const struct qset *set, const struct job *jb,
    const struct jfile *at, struct plan_file *pf)
{
	char name[64];

	(void)snprintf(name, sizeof(name), "df%.*s", (int)jb->idlen, jb->id);
	plan_file_set(ctx->plan, pf, at->qdir, at->sub, name, NULL);
	pf->dev = p3_file_dev(set, at);
	pf->type = S_IFREG;
}

/*
 * plan_exchanges - give the dfs of a cycle of jobs back.  In the cycle
 * J0 -> J1 -> ... -> J(n-1) -> J0 (J0 the job that gets the fix), the
 * name df<J(k+1)> holds J(k)'s body.  Exchanging df<J(k)> and
 * df<J(k+1)> for k = 0 .. n-2 (renameat2 RENAME_EXCHANGE) gives df<J(k)>
 * its own body and passes on the one it held, which is J0's first inode:
 * at every step every job has a df, and a rerun after a crash finds the
 * shorter cycle left.
 */
static void
plan_exchanges(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, const struct pairing *pr, const struct pctx *pc)
{
	const struct unpaired *u0 = p3_pairing_find(pr, v->j), *u = u0, *next;
	const struct jfile *name_k = v->d;
	const struct job *job_k = v->jb;
	struct plan_op ops[64];
	size_t n = 0;

	if (u0 == NULL || v->d == NULL)
		return;
	while (u->succ >= 0 && n < sizeof(ops) / sizeof(ops[0])) {
		const struct jfile *holder = &set->idx.files[u->holder];

		next = &pr->u[u->succ];
		if (next == u0)
			break;
		plan_op_init(&ops[n], OP_EXCHANGE);
		df_file_of(ctx, set, job_k, name_k, &ops[n].src);
		ops[n].src.ino = (ino_t)v->d->ino;
		df_file_of(ctx, set, job_of(set, next), holder, &ops[n].dst);
		ops[n].dst.ino = (ino_t)holder->ino;
		ops[n].other_job = next->job;
		n++;
		name_k = holder;
		job_k = job_of(set, next);
		u = next;
	}
	if (n > 0)
		pr_plan(ctx, PR_3_DF_SWAPPED, pc, v->j, ops, n);
}

/*
 * check_pairing - the body the job's I line records is not its df's
 * (p3_pairing_build()): in another job's df, swapped (a closed cycle, given
 * back by exchanges), under the name of an id no control file has (moved
 * back), or otherwise claimed (a human decides which body is whose)
 */
static void
check_pairing(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, const struct pairing *pr, const struct jfile *ctrl,
    const struct jfile *df, uint16_t qi, uint8_t sub)
{
	const struct unpaired *u = p3_pairing_find(pr, v->j), *prev = NULL, *c;
	char n1[64], holder[64], other[QID_MAX_LEN + 1], why[256];
	const struct job *hj;
	struct plan_op op;
	struct pctx pc;
	size_t i;

	if (u == NULL || u->kind == PAIR_NONE)
		return;
	hj = &set->idx.jobs[u->holder_job];
	holder[0] = '\0';
	if (u->holder != 0)
		file_name(set, hj, &set->idx.files[u->holder], holder,
		    sizeof(holder));
	job_pctx(&pc, v, df != NULL ? df : ctrl, n1, sizeof(n1));
	pc.str2 = holder;
	switch (u->kind) {
	case PAIR_CYCLE:
		/* The job whose body this job's df holds. */
		for (i = 0; i < pr->n && prev == NULL; i++)
			if (pr->u[i].succ >= 0 && &pr->u[pr->u[i].succ] == u)
				prev = &pr->u[i];
		(void)snprintf(other, sizeof(other), "%.*s",
		    prev != NULL ? (int)job_of(set, prev)->idlen : 1,
		    prev != NULL ? job_of(set, prev)->id : "?");
		pc.str = other;
		/*
		 * The cycle's last job (judged, and repaired, last) gets the
		 * fix: plan_order() runs every other job's fixes of the cycle
		 * before it, and each job's owner and mode fixes before its
		 * renames, so they find the dfs they checked under the names
		 * they checked them, before the exchanges move them.
		 */
		pc.covered = u->last != v->j && ctx->plan != NULL;
		if (pr_fix(ctx, PR_3_DF_SWAPPED, &pc) && u->last == v->j)
			plan_exchanges(ctx, set, v, pr, &pc);
		break;
	case PAIR_MISNAMED:
		if (pr_fix(ctx, PR_3_DF_MISNAMED, &pc)) {
			plan_op_init(&op, OP_MOVE);
			df_file_of(ctx, set, hj, &set->idx.files[u->holder], &op.src);
			op.src.ino = (ino_t)set->idx.files[u->holder].ino;
			named_place(ctx, v, 'd', qi, sub, &op.dst);
			op.flags = OPF_NOREPLACE;
			pr_plan(ctx, PR_3_DF_MISNAMED, &pc, v->j, &op, 1);
		}
		break;
	case PAIR_CLAIMED:
	case PAIR_NONE:
		c = u->own_df != 0 ? p3_held_for(set, pr, &set->idx.files[u->own_df])
				   : NULL;
		if (u->holder != 0)
			(void)snprintf(why, sizeof(why),
			    "its I line records the inode of %s, the data file of job %.*s",
			    holder, (int)hj->idlen, hj->id);
		else
			(void)snprintf(why, sizeof(why),
			    "it is the body the I line of job %.*s records, not the one its own records",
			    c != NULL ? (int)job_of(set, c)->idlen : 1,
			    c != NULL ? job_of(set, c)->id : "?");
		pc.str = why;
		(void)pr_fix(ctx, PR_3_DF_CLAIMED, &pc);
		break;
	}
}

/* lf_target - a queue directory of the set on lost+found lf's file
 * system (a rename cannot leave it), the job's own where it has one */
static bool
lf_target(const struct qset *set, const struct jview *v, uint16_t lf,
    uint16_t *qi)
{
	dev_t dev = set->lfs[lf].st.st_dev;
	size_t i;

	if (v->jb->datadir < set->ndirs && set->dirs[v->jb->datadir].reachable &&
	    set->dirs[v->jb->datadir].st.st_dev == dev) {
		*qi = v->jb->datadir;
		return true;
	}
	for (i = 0; i < set->ndirs; i++)
		if (set->dirs[i].reachable && set->dirs[i].st.st_dev == dev) {
			*qi = (uint16_t)i;
			return true;
		}
	return false;
}

/* dest_sub - where a file of this letter goes in queue directory qi */
static uint8_t
dest_sub(const struct qset *set, char letter, uint16_t qi)
{
	int s = letter == 'd' ? SUB_DF : SUB_QF;

	return qdir_has_sub(&set->dirs[qi], s) ? (uint8_t)s : SUB_COUNT;
}

/* dest_name - "<queue>/[df/]df<id>": where a recovered file goes */
static void
dest_name(const struct qset *set, const struct job *jb, char letter,
    uint16_t qi, char *out, size_t outsz)
{
	static const char *const subs[SUB_COUNT + 1] = { "qf/", "df/", "xf/", "" };

	(void)snprintf(out, outsz, "%s/%s%cf%.*s", set->dirs[qi].path,
	    subs[dest_sub(set, letter, qi)], letter, (int)jb->idlen, jb->id);
}

/* recover_op - an operation moving lost file f back as <letter>f<id> */
static void
recover_op(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, const struct jfile *f, char letter, uint16_t qi,
    struct plan_op *op)
{
	const struct policy *pol = &set->pol;

	plan_op_init(op, OP_RECOVER);
	plan_file_set(ctx->plan, &op->src, f->qdir, SUB_LOSTFOUND,
	    lf_name(set, (uint32_t)(f - set->idx.files)), NULL);
	op->src.dev = p3_file_dev(set, f);
	op->src.ino = (ino_t)f->ino;
	op->src.type = S_IFREG;
	named_place(ctx, v, letter, qi, dest_sub(set, letter, qi), &op->dst);
	op->flags = OPF_NOREPLACE;
	/* Only trusted files were taken from lost+found (pass4_lostfound.c):
	 * their owner may become the queue's. */
	op->uid = pol->expected_owner;
	op->gid = pol->check_group ? pol->queue_gid : (gid_t)-1;
	op->mode = pol->file_mode;
}

/* lost_name - the lost+found name of the view's file f */
static const char *
lost_name(const struct jview *v, const struct jfile *f)
{
	return lf_name(v->set, (uint32_t)(f - v->set->idx.files));
}

/* lf_ambiguous - lost+found holds files of the job that mqfsck cannot
 * place: it says what a human must decide, and leaves them */
static void
lf_ambiguous(struct fsck_ctx *ctx, const struct jview *v, const char *name,
    const char *why)
{
	struct pctx pc;
	char n1[64];

	job_pctx(&pc, v, NULL, n1, sizeof(n1));
	pc.str = name;
	pc.str2 = why;
	(void)pr_fix(ctx, PR_4_LF_AMBIGUOUS, &pc);
}

/* recover_ctrl - a lost control file goes back beside the job's df in
 * the queue: paired by the inode its I line records, or without one by
 * the id, as sendmail pairs them */
static void
recover_ctrl(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v)
{
	bool by_i = (v->jb->jflags & JB_HAS_I) != 0;
	enum problem_id id = by_i ? PR_4_LF_QF : PR_4_LF_QF_BY_ID;
	char n1[64], dest[1024];
	struct plan_op op;
	struct pctx pc;

	if (by_i && (v->jb->i_ino != v->d->ino ||
			makedev(v->jb->i_major, v->jb->i_minor) !=
			    p3_file_dev(set, v->d))) {
		lf_ambiguous(ctx, v, lost_name(v, v->lq),
		    "its I line records another inode than the job's data file in the queue: which body is its needs a human");
		return;
	}
	job_pctx(&pc, v, v->d, n1, sizeof(n1));
	pc.str = lost_name(v, v->lq);
	dest_name(set, v->jb, (char)v->lq->letter, v->d->qdir, dest, sizeof(dest));
	pc.str2 = dest;
	if (pr_fix(ctx, id, &pc)) {
		recover_op(ctx, set, v, v->lq, (char)v->lq->letter, v->d->qdir, &op);
		pr_plan(ctx, id, &pc, v->j, &op, 1);
	}
}

/* recover_job - a job all in lost+found, paired by the inode its control
 * file's I line records: its df, then its control file */
static void
recover_job(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v)
{
	char n1[64], dest[1024], dest2[1024], both[2100];
	struct plan_op ops[2];
	struct pctx pc;
	uint16_t qi;

	if (v->lq == NULL || v->ld == NULL)
		return;
	if (!lf_target(set, v, v->lq->qdir, &qi)) {
		lf_ambiguous(ctx, v, lost_name(v, v->lq),
		    "no queue directory of this configuration is on lost+found's file system");
		return;
	}
	job_pctx(&pc, v, NULL, n1, sizeof(n1));
	pc.str = lost_name(v, v->lq);
	pc.str2 = lost_name(v, v->ld);
	dest_name(set, v->jb, (char)v->lq->letter, qi, dest, sizeof(dest));
	dest_name(set, v->jb, 'd', qi, dest2, sizeof(dest2));
	(void)snprintf(both, sizeof(both), "%s and %s", dest, dest2);
	pc.file = both;
	if (pr_fix(ctx, PR_4_LF_JOB, &pc)) {
		recover_op(ctx, set, v, v->ld, 'd', qi, &ops[0]);
		recover_op(ctx, set, v, v->lq, (char)v->lq->letter, qi, &ops[1]);
		pr_plan(ctx, PR_4_LF_JOB, &pc, v->j, ops, 2);
	}
}

/*
 * check_lost - the job's files in lost+found, judged with the rest of
 * it: its df goes back beside its control file; its control file beside
 * its df; both together when both are there; a control file whose df is
 * nowhere stays, and what cannot be told apart is left for a human.  A
 * df goes back before its control file, as sendmail writes them and
 * qtool moves them.
 */
static void
check_lost(struct fsck_ctx *ctx, const struct qset *set, const struct jview *v)
{
	const struct jfile *ctrl = v->q != NULL ? v->q : v->h != NULL ? v->h
						    : v->lost;
	char n1[64], n2[64], dest[1024], why[200];
	struct plan_op op;
	struct pctx pc;
	uint16_t qi;
	uint8_t sub;

	if (v->nlq == 0 && v->nld == 0)
		return;
	if (v->nld > 0 && v->d != NULL) {
		file_name(set, v->jb, v->d, n2, sizeof(n2));
		(void)snprintf(why, sizeof(why),
		    "it has the inode the I line records, but %s is in the queue under the job's name: which is its body needs a human",
		    n2);
		lf_ambiguous(ctx, v, lost_name(v, v->ld), why);
		return;
	}
	if (ctrl != NULL) {
		/* A control file in lost+found beside one in the queue is an
		 * old copy: the queue's is sendmail's, and it is left. */
		if (v->nld == 0 || !p3_expected_df(set, v->jb, ctrl, &qi, &sub))
			return;
		job_pctx(&pc, v, ctrl, n1, sizeof(n1));
		pc.str = lost_name(v, v->ld);
		dest_name(set, v->jb, 'd', qi, dest, sizeof(dest));
		pc.str2 = dest;
		if (pr_fix(ctx, PR_4_LF_DF, &pc)) {
			recover_op(ctx, set, v, v->ld, 'd', qi, &op);
			pr_plan(ctx, PR_4_LF_DF, &pc, v->j, &op, 1);
		}
		return;
	}
	if (v->nlq > 1 || v->nld > 1) {
		lf_ambiguous(ctx, v, lost_name(v, v->lq),
		    "lost+found holds more than one control file or data file of this job");
		return;
	}
	if (v->d != NULL) {
		recover_ctrl(ctx, set, v);
		return;
	}
	if (v->nld == 0) {
		job_pctx(&pc, v, NULL, n1, sizeof(n1));
		pc.str = lost_name(v, v->lq);
		pc.str2 = (v->jb->jflags & JB_HAS_I)
		    ? "no file has the inode its I line records"
		    : "it has no I line to find it by (sendmail writes one only after a queue run)";
		(void)pr_fix(ctx, PR_4_LF_QF_NO_DF, &pc);
		return;
	}
	recover_job(ctx, set, v);
}

/* check_df_of_control - a control file and its data file */
static void
check_df_of_control(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, const struct shared *sh, const struct pairing *pr)
{
	const struct index *idx = &set->idx;
	const struct jfile *ctrl = v->q != NULL ? v->q : v->h, *df = NULL;
	char n1[64], n2[64];
	struct pctx pc;
	uint16_t qi;
	uint8_t sub;

	if (ctrl == NULL || (ctrl->flags & JF_EMPTY) ||
	    !p3_expected_df(set, v->jb, ctrl, &qi, &sub))
		return;
	/* Where the df would be could not be read, or is not checked. */
	if ((set->dirs[qi].unread & (1u << sub)) || !set->dirs[qi].reachable)
		return;
	df = p3_df_at(set, v->jb, qi, sub);
	if (df == NULL) {
		job_pctx(&pc, v, ctrl, n1, sizeof(n1));
		if (v->d != NULL && (v->d->flags & JF_MISPLACED))
			return; /* pass 1 said where it is and where it goes */
		if (v->d != NULL) {
			pc.str = set->dirs[qi].path;
			file_name(v->set, v->jb, v->d, n2, sizeof(n2));
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
		/* Never let sendmail run it: inert, unless its df comes back
		 * first (from lost+found, or from under another name). */
		pc.covered = ctx->plan != NULL && plan_job_disposed(ctx->plan, v->j);
		if (pr_fix(ctx, PR_3_NO_DF, &pc)) {
			struct plan_op op;

			plan_op_init(&op, OP_NKINDS);
			named_place(ctx, v, 'd', qi, sub, &op.dst);
			op.flags = OPF_IF_NO_DF;
			plan_file_op(ctx, set, v, PR_3_NO_DF, &pc, OP_INERT, ctrl,
			    &op);
		}
		check_pairing(ctx, set, v, pr, ctrl, NULL, qi, sub);
		return;
	}
	check_pairing(ctx, set, v, pr, ctrl, df, qi, sub);
	check_inode(ctx, set, v, ctrl, df, pr);
	if (df->nlink > 1 &&
	    p3_shared_sibling(sh, (uint64_t)p3_file_dev(set, df), df->ino, v->j, idx,
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
	if (fstatat(p3_file_dirfd(set, df), base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	return (long long)st.st_size;
}

/* check_orphan_df - a data file no control file owns */
static void
check_orphan_df(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, const struct shared *sh, const struct pairing *pr)
{
	const struct index *idx = &set->idx;
	char n1[64], extra[320] = "";
	struct pctx pc;
	uint32_t sib;
	size_t i;

	/* Not while anything names its job: a control file anywhere
	 * (lost+found too), or an I line its inode (check_pairing()). */
	if (v->d == NULL || v->q != NULL || v->h != NULL || v->lost != NULL ||
	    v->nlq > 0 || v->nlq_untrusted > 0 ||
	    (v->t != NULL && (v->t->flags & JF_COMPLETE)) ||
	    p3_held_for(set, pr, v->d) != NULL)
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
	    (sib = p3_shared_sibling(sh, (uint64_t)p3_file_dev(set, v->d), v->d->ino,
		 v->j, idx, true)) != 0)
		(void)snprintf(extra, sizeof(extra),
		    "; its data is also the data file of job %.*s, so this name holds nothing else",
		    (int)idx->jobs[sib].idlen, idx->jobs[sib].id);
	/* lost+found holds a control file of no known job: it may be this
	 * body's, and a human says (pass4_lostfound.c). */
	if (set->lf_unknown) {
		static const char why[] = "; lost+found holds a control file that names no job, which may be its: it stays until a human decides";
		size_t used = strlen(extra);

		if (used + sizeof(why) <= sizeof(extra))
			memcpy(extra + used, why, sizeof(why));
	}
	pc.str = extra;
	if (pr_fix(ctx, PR_3_ORPHAN_DF, &pc) && !set->lf_unknown) {
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

/*
 * check_untrusted_tf - a tf someone untrusted could have written.
 * sendmail writes its tf as it writes the qf (the queue's owner,
 * QueueFileMode), so such a tf is not sendmail's work, or not any more:
 * promoting it would hand the job to whoever wrote it.  Beside a control
 * file it is removed (archived; the job is the control file's); alone it
 * becomes a lost job (Qf, the whole job archived), like an untrusted qf,
 * for an administrator to adopt or not.
 */
static void
check_untrusted_tf(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, const struct jfile *jf, struct pctx *pc)
{
	const struct jfile *ctrl = v->q != NULL ? v->q : v->h != NULL ? v->h
	    : v->lost;
	char name[64];
	struct plan_op op;
	struct stat st;
	mode_t m;

	(void)snprintf(name, sizeof(name), "tf%.*s", (int)v->jb->idlen,
	    v->jb->id);
	if (fstatat(p3_file_dirfd(set, jf), name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode))
		return; /* gone since pass 1: nothing to judge */
	m = st.st_mode & 07777;
	pc->uid = st.st_uid;
	pc->gid = st.st_gid;
	pc->num = m;
	pc->str = !trust_owner(&set->pol, &st) ? "its owner"
	    : (m & S_IWOTH) ? "anyone" : "its group";
	pc->str2 = ctrl != NULL
	    ? "it is archived and removed; the job stays its control file's"
	    : "the job is quarantined (archived whole, made inert as Qf); --adopt-owner with -y takes it as the queue's own";
	if (!pr_fix(ctx, PR_3_UNTRUSTED_TEMP, pc))
		return;
	if (ctrl != NULL) {
		plan_file_op(ctx, set, v, PR_3_UNTRUSTED_TEMP, pc, OP_REMOVE, jf,
		    NULL);
		return;
	}
	plan_op_init(&op, OP_NKINDS);
	named_place(ctx, v, 'Q', jf->qdir, jf->sub, &op.dst);
	plan_file_op(ctx, set, v, PR_3_UNTRUSTED_TEMP, pc, OP_INERT, jf, &op);
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
		if (jf->flags & JF_UNTRUSTED) {
			check_untrusted_tf(ctx, set, v, jf, &pc);
			continue;
		}
		if (ctrl == NULL && v->lost == NULL) {
			check_tf_alone(ctx, set, v, jf, &pc);
			continue;
		}
		if (ctrl == NULL)
			ctrl = v->lost;
		file_name(v->set, v->jb, ctrl, n2, sizeof(n2));
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

/*
 * check_times - the T line: in the future, past the job's
 * Timeout.queuereturn (sendmail bounces it), or past its
 * Timeout.queuewarn with no warning sent (sendmail sends one).  The
 * class comes from the job's headers as sendmail reads them on each run
 * (headers.c eatheader()); the limits are envelope.c dropenvelope()'s:
 * now >= T + timeout, a timeout of 0 or "now" aside.
 */
static void
check_times(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v)
{
	const struct jfile *ctrl = v->q != NULL ? v->q : v->h;
	long long t = v->jb->ctime_T, now = (long long)ctx->now;
	unsigned toc = (v->jb->jflags & JB_TOC_MASK) >> JB_TOC_SHIFT;
	long long ret = set->pol.queue_return[toc];
	long long warn = set->pol.queue_warn[toc];
	char n1[64];
	struct pctx pc;

	if (ctrl == NULL || t == 0 || v->jb->ctrl != ctrl->letter)
		return;
	job_pctx(&pc, v, ctrl, n1, sizeof(n1));
	pc.str = qf_toc_name((enum qf_toc)toc);
	/* Five minutes of clock skew between machines is no news. */
	if (t > now + 300) {
		pc.num = t - now;
		(void)pr_fix(ctx, PR_3_TIME_FUTURE, &pc);
	} else if (ret > 0 && now - t >= ret) {
		pc.num = now - t;
		pc.num2 = ret;
		(void)pr_fix(ctx, PR_3_EXPIRED, &pc);
	} else if (warn > 0 && now - t >= warn &&
	    (v->jb->jflags & JB_WARNS) != 0) {
		pc.num = now - t;
		pc.num2 = warn;
		(void)pr_fix(ctx, PR_3_DELAY_WARNING, &pc);
	}
}


/* refuse_request - --release or --rejuvenate cannot be done: why */
static void
refuse_request(struct fsck_ctx *ctx, const struct jview *v,
    const char *what, const char *why)
{
	struct pctx pc;

	job_pctx(&pc, v, NULL, NULL, 0);
	pc.str = what;
	pc.str2 = why;
	(void)pr_fix(ctx, PR_3_REQUEST_REFUSED, &pc);
}

/*
 * runs_as_written - the lost control file f, read again as a qf: whole,
 * and sendmail would run it as written (no defect past a cosmetic one:
 * readqf() would not abort, drop or alter it)
 */
static bool
runs_as_written(const struct qset *set, const struct jview *v,
    const struct jfile *f)
{
	struct sio_buf buf = { 0 };
	struct qf_file qf;
	struct qerr err;
	bool cut, ok;

	ok = p3_read_control(set, v->jb, f, 'q', &qf, &buf, NULL, &cut,
	    &err) == 0 && !cut && qf.terminated &&
	    qf.outcome <= QF_CSQ_COSMETIC;
	qf_free(&qf);
	sio_buf_free(&buf);
	return ok;
}

/*
 * check_release - --release ID: a lost job (Qf) goes back to qf, by a
 * rename that replaces nothing, only when sendmail would run it as the
 * admin means: no other control file, the Qf the queue's own (trusted,
 * closed to others), read whole as a qf sendmail runs as written, and
 * its data file in the queue.  Otherwise refused, with why.
 */
static void
check_release(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v)
{
	const struct jfile *f = v->lost;
	struct plan_op op;
	struct pctx pc;
	char n1[64], to[64];
	const char *why = NULL;

	if (f == NULL)
		why = "it has no Qf: it is not a lost job";
	else if (v->q != NULL || v->h != NULL)
		why = "it has a qf or hf already";
	else if (v->nlost > 1)
		why = "it has a Qf in more than one place";
	else if (f->flags & JF_LOSTFOUND)
		why = "its Qf is in lost+found";
	else if (f->flags & JF_UNTRUSTED)
		why = "its Qf could have been written by someone sendmail does not trust";
	else if (v->d == NULL)
		why = "its data file is not in the queue: sendmail would deliver \"<<< No Message Collected >>>\"";
	else if (!(f->flags & JF_COMPLETE) || !runs_as_written(set, v, f))
		why = "its Qf does not read as a control file sendmail runs as written (mqfsck -n --show shows it; fix it by hand first)";
	if (why != NULL) {
		refuse_request(ctx, v, "release", why);
		return;
	}
	job_pctx(&pc, v, f, n1, sizeof(n1));
	(void)snprintf(to, sizeof(to), "qf%.*s", (int)v->jb->idlen, v->jb->id);
	pc.str = to;
	if (!pr_fix(ctx, PR_3_RELEASE, &pc))
		return;
	plan_op_init(&op, OP_NKINDS);
	named_place(ctx, v, 'q', f->qdir, f->sub, &op.dst);
	plan_file_op(ctx, set, v, PR_3_RELEASE, &pc, OP_MOVE, f, &op);
}

/*
 * check_rejuvenate - --rejuvenate ID: the job's qf gets the repair's
 * time as its T line, rewritten as sendmail's queueup() writes it
 */
static void
check_rejuvenate(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v)
{
	const struct jfile *f = v->q;
	struct plan_op op;
	struct pctx pc;
	char n1[64];
	const char *why = NULL;

	if (f == NULL)
		why = v->h != NULL ? "it is quarantined (hf): release it first"
		    : "it has no qf";
	else if (f->flags & JF_UNTRUSTED)
		why = "its qf could have been written by someone sendmail does not trust";
	else if (!(f->flags & JF_COMPLETE))
		why = "its qf is not complete";
	else if (v->jb->ctrl != 'q' || v->jb->ctime_T == 0)
		why = "its qf has no T line sendmail reads";
	if (why != NULL) {
		refuse_request(ctx, v, "rejuvenate", why);
		return;
	}
	job_pctx(&pc, v, f, n1, sizeof(n1));
	pc.num = (long long)ctx->now - (long long)v->jb->ctime_T;
	if (!pr_fix(ctx, PR_3_REJUVENATE, &pc))
		return;
	plan_op_init(&op, OP_NKINDS);
	op.flags = OPF_SET_TIME;
	plan_file_op(ctx, set, v, PR_3_REJUVENATE, &pc, OP_REWRITE, f, &op);
}

/*
 * check_requests - what the admin asked of this job by name: --release,
 * --rejuvenate (never in the check after repairs); a job busy (in use,
 * in flight: why) is refused
 */
static void
check_requests(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, const char *busy)
{
	bool rel = ctx->opts.release.nids > 0 &&
	    select_has_job(&ctx->opts.release, v->jb->id, v->jb->idlen);
	bool rej = ctx->opts.rejuvenate.nids > 0 &&
	    select_has_job(&ctx->opts.rejuvenate, v->jb->id, v->jb->idlen);

	if (ctx->rechecking || (!rel && !rej))
		return;
	if (busy != NULL) {
		if (rel)
			refuse_request(ctx, v, "release", busy);
		if (rej)
			refuse_request(ctx, v, "rejuvenate", busy);
		return;
	}
	if (rel)
		check_release(ctx, set, v);
	if (rej)
		check_rejuvenate(ctx, set, v);
}


/*
 * job_record - --json: the job's record (its files, control first, as
 * sendmail thinks of a job; what was found; its T line and class)
 */
static void
job_record(struct fsck_ctx *ctx, const struct qset *set,
    const struct jview *v, const char *state, unsigned long findings)
{
	const struct jfile *files[16];
	char names[16][64];
	struct report_job j;
	size_t i, n;

	memset(&j, 0, sizeof(j));
	j.id = v->jb->id;
	j.idlen = v->jb->idlen;
	n = p3_job_files(set, v->jb, files, 16, &findings);
	for (i = 0; i < n; i++) {
		file_name(set, v->jb, files[i], names[i], sizeof(names[0]));
		j.names[i] = names[i];
	}
	j.nnames = n;
	j.state = findings > 0 && strcmp(state, "ok") == 0 ? "findings" : state;
	j.findings = findings;
	j.ctime = v->jb->ctime_T;
	j.toc = qf_toc_name(
	    (enum qf_toc)((v->jb->jflags & JB_TOC_MASK) >> JB_TOC_SHIFT));
	report_job(ctx, &j);
}

/* How a job came out of pass 3, for its record and its --show. */
enum job_state { JOB_JUDGED, JOB_IN_USE, JOB_IN_FLIGHT };

/*
 * job_views - after a job is judged (or found in use or in flight): its
 * JSON record, and with --show its view for a human, for the jobs --job
 * names (all when none); nothing in the check after repairs
 */
static void
job_views(struct fsck_ctx *ctx, const struct qset *set, const struct jview *v,
    enum job_state st, unsigned long findings)
{
	static const char *const json_state[] = { "ok", "in-use",
		"in-flight" };
	static const char *const words[] = { "judged",
		"in use (a sendmail holds it): not judged",
		"in flight (young while a sendmail may run): not judged" };

	if (ctx->rechecking || (!out_records(ctx->opts.format) &&
	    !ctx->opts.show && ctx->shape == NULL) ||
	    !select_wants_job(&ctx->opts.sel, v->jb->id, v->jb->idlen))
		return;
	if (ctx->shape != NULL)
		shape_job(ctx->shape, set, v, ctx->now);
	if (out_records(ctx->opts.format) && !ctx->opts.shape)
		job_record(ctx, set, v, json_state[st], findings);
	if (ctx->opts.show)
		show_job(ctx, set, v, words[st], findings);
}

/* list_job - -v: the job, its files, and whether anything was found */
static void
list_job(struct fsck_ctx *ctx, const struct qset *set, const struct jview *v,
    unsigned long findings)
{
	char files[512] = "", name[64], safe[256], qpath[512], idtext[128];
	const struct jfile *jf[64];
	size_t o = 0, i, n;
	int k;

	/* Control files first, as sendmail thinks of a job. */
	n = p3_job_files(set, v->jb, jf, sizeof(jf) / sizeof(jf[0]), &findings);
	for (i = 0; i < n; i++) {
		/* A lost+found name is anyone's bytes. */
		file_name(set, v->jb, jf[i], name, sizeof(name));
		k = snprintf(files + o, sizeof(files) - o, "%s%s", o ? " " : "",
		    esc_str(safe, sizeof(safe), name));
		if (k < 0 || (size_t)k >= sizeof(files) - o)
			break;
		o += (size_t)k;
	}
	/* The id is a file name's bytes: anyone's. */
	(void)fprintf(ctx->out, "%s: job %s: %s: %s\n",
	    ctx->qd != NULL ? esc_str(qpath, sizeof(qpath), ctx->qd->path)
			    : "mqfsck",
	    esc_bytes(idtext, sizeof(idtext), v->jb->id, v->jb->idlen), files,
	    findings == 0 ? "ok" : "findings above");
}

/* judge_job - one job */
static void
judge_job(struct fsck_ctx *ctx, const struct scan_env *env,
    const struct qset *set, uint32_t j, const struct shared *sh,
    const struct pairing *pr)
{
	struct jview v;
	struct pctx pc;
	struct queue_tally *t;
	char n1[64];
	unsigned long before;

	view_of(set, j, &v);
	ctx->jobs++;
	if ((t = ctx_tally(ctx, ctx->qd != NULL ? ctx->qd->path : NULL,
		 true)) != NULL) {
		t->jobs++;
		if (v.jb->letters & JL_LOST)
			t->lost++;
		if (v.jb->letters & JL_H)
			t->held++;
		if (v.jb->ctime_T > 0 &&
		    (t->oldest == 0 || v.jb->ctime_T < t->oldest))
			t->oldest = v.jb->ctime_T;
	}
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
		check_requests(ctx, set, &v, v.locked ? "a sendmail holds it"
		    : "it is in flight (young while a sendmail may run)");
		job_views(ctx, set, &v, v.locked ? JOB_IN_USE : JOB_IN_FLIGHT,
		    0);
		return;
	}
	before = ctx->problems + ctx->notices;
	check_control_files(ctx, set, &v);
	check_df_of_control(ctx, set, &v, sh, pr);
	check_lost(ctx, set, &v);
	check_orphan_df(ctx, set, &v, sh, pr);
	check_temp_files(ctx, set, &v);
	check_times(ctx, set, &v);
	check_requests(ctx, set, &v, NULL);
	if (ctx->opts.verbose && ctx->opts.format == OUT_HUMAN &&
	    !ctx->rechecking)
		list_job(ctx, set, &v, ctx->problems + ctx->notices - before);
	job_views(ctx, set, &v, JOB_JUDGED, ctx->problems + ctx->notices - before);
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

/* job_queue - the queue directory naming a job in messages: that of its
 * first file in the queues, or, for a job all in lost+found, the first
 * on that file system */
static const struct qdir *
job_queue(const struct qset *set, const struct job *jb)
{
	uint32_t f;

	for (f = jb->first; f != 0; f = set->idx.files[f].next)
		if (!(set->idx.files[f].flags & JF_LOSTFOUND))
			return &set->dirs[set->idx.files[f].qdir];
	return jb->first != 0
	    ? lf_queue(set, &set->lfs[set->idx.files[jb->first].qdir]) : NULL;
}

/* pass3_jobs - pass 3 over the set */
void
pass3_jobs(struct fsck_ctx *ctx, const struct scan_env *env, struct qset *set)
{
	struct pairing pr;
	struct shared sh;
	uint32_t *order, i, n;

	if (set->idx.njobs < 2)
		return;
	memset(&sh, 0, sizeof(sh));
	memset(&pr, 0, sizeof(pr));
	order = index_sorted(&set->idx);
	if (order == NULL || p3_shared_build(set, &sh) < 0 ||
	    p3_pairing_build(set, &ctx->opts.sel, &pr) < 0) {
		ctx_error(ctx, set->source, "out of memory judging the jobs");
		p3_shared_free(&sh);
		p3_pairing_free(&pr);
		free(order);
		return;
	}
	n = set->idx.njobs - 1;
	ctx->qd = NULL;
	if (!ctx->rechecking)
		progress_pass(&ctx->progress, PROGRESS_JOBS, first_queue(set), n);
	for (i = 0; i < n && !stop_requested(); i++) {
		/* Messages name the queue directory of the job's first file. */
		ctx->qd = job_queue(set, &set->idx.jobs[order[i]]);
		judge_job(ctx, env, set, order[i], &sh, &pr);
		if (!ctx->rechecking)
			progress_step(&ctx->progress, (unsigned long)i + 1);
	}
	if (!ctx->rechecking)
		progress_end(&ctx->progress);
	ctx->qd = NULL;
	p3_shared_free(&sh);
	p3_pairing_free(&pr);
	free(order);
}

