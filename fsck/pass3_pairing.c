/*
 * pass3_pairing.c - pass 3's questions about inodes that span jobs,
 * answered in one pass over the index before any job is judged: which
 * data files are linked into more than one job (envelopes split by
 * sendmail's r option share one df), and, for every job whose I line
 * records another inode than its df's (queue.c queueup() writes
 * "I<major>/<minor>/<inode>" of the df), which file holds that body now:
 * none, another job's df in a closed cycle of swapped bodies, the df of
 * an id without a control file (misnamed), or a df another job claims.
 * Memory grows with the jobs that ask, not with the queue; all of it is
 * freed by p3_pairing_free() and p3_shared_free().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "grow.h"
#include "pass3_private.h"
#include "trust.h"

/* p3_shared_build - every df with more than one link */
int
p3_shared_build(const struct qset *set, struct shared *sh)
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
				/* Three arrays of one capacity. */
				size_t dcap = cap, icap = cap, jcap = cap;

				if (grow_array((void **)&sh->dev, &dcap, sh->n + 1,
					sizeof(*sh->dev), 64) < 0 ||
				    grow_array((void **)&sh->ino, &icap, sh->n + 1,
					sizeof(*sh->ino), 64) < 0 ||
				    grow_array((void **)&sh->job, &jcap, sh->n + 1,
					sizeof(*sh->job), 64) < 0)
					return -1;
				cap = dcap;
			}
			sh->dev[sh->n] = (uint64_t)p3_file_dev(set, jf);
			sh->ino[sh->n] = jf->ino;
			sh->job[sh->n] = j;
			sh->n++;
		}
	return 0;
}

/* p3_shared_sibling - another job whose df is the same inode, or 0 */
uint32_t
p3_shared_sibling(const struct shared *sh, uint64_t dev, uint64_t ino, uint32_t j,
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

/* p3_shared_free - release */
void
p3_shared_free(struct shared *sh)
{
	free(sh->dev);
	free(sh->ino);
	free(sh->job);
	memset(sh, 0, sizeof(*sh));
}

/* ------------------------------------------------------------------ */
/* The pairing: whose body each I line names */

/* control_of - the job's control file in the queue whose facts were kept
 * (a qf's over an hf's), or NULL */
static const struct jfile *
control_of(const struct qset *set, const struct job *jb)
{
	const struct jfile *c = NULL;
	uint32_t f;

	if (jb->jflags & JB_LOST_FACTS)
		return NULL;
	for (f = jb->first; f != 0; f = set->idx.files[f].next) {
		const struct jfile *jf = &set->idx.files[f];

		if ((jf->flags & JF_LOSTFOUND) || jf->letter != jb->ctrl ||
		    (jf->letter != 'q' && jf->letter != 'h'))
			continue;
		if (c == NULL || (c->flags & JF_MISPLACED))
			c = jf;
	}
	return c;
}

/* p3_df_at - the job's df in queue directory qi, place sub, or NULL */
const struct jfile *
p3_df_at(const struct qset *set, const struct job *jb, uint16_t qi, uint8_t sub)
{
	uint32_t f;

	for (f = jb->first; f != 0; f = set->idx.files[f].next) {
		const struct jfile *jf = &set->idx.files[f];

		if (jf->letter == 'd' && !(jf->flags & JF_LOSTFOUND) &&
		    jf->qdir == qi && jf->sub == sub)
			return jf;
	}
	return NULL;
}

/* any_df - any df of the job in the queues */
static bool
any_df(const struct qset *set, const struct job *jb)
{
	uint32_t f;

	for (f = jb->first; f != 0; f = set->idx.files[f].next)
		if (set->idx.files[f].letter == 'd' &&
		    !(set->idx.files[f].flags & JF_LOSTFOUND))
			return true;
	return false;
}

/* any_control - a control file of the job anywhere (lost+found too; a
 * complete tf counts: it becomes one) */
static bool
any_control(const struct qset *set, const struct job *jb)
{
	uint32_t f;

	for (f = jb->first; f != 0; f = set->idx.files[f].next) {
		const struct jfile *jf = &set->idx.files[f];

		if (strchr("qhQ", jf->letter) != NULL ||
		    (jf->letter == 't' && (jf->flags & JF_COMPLETE)))
			return true;
	}
	return false;
}

/* pairing_add - job j asks who holds the body its I line records */
static int
pairing_add(struct pairing *pr, uint32_t j, const struct job *jb)
{
	struct unpaired *e;

	if (grow_array((void **)&pr->u, &pr->cap, pr->n + 1, sizeof(*pr->u),
		16) < 0)
		return -1;
	e = &pr->u[pr->n];
	memset(e, 0, sizeof(*e));
	e->job = j;
	e->dev = (uint64_t)makedev(jb->i_major, jb->i_minor);
	e->ino = jb->i_ino;
	e->succ = -1;
	if (inomap_put(&pr->by_job, UINT64_MAX, j, (uint32_t)pr->n + 1) < 0)
		return -1;
	pr->n++;
	return 0;
}

/* p3_pairing_find - the pairing entry of job j, or NULL */
struct unpaired *
p3_pairing_find(const struct pairing *pr, uint32_t j)
{
	uint32_t e = inomap_get(&pr->by_job, UINT64_MAX, j, NULL);

	return e != 0 ? &pr->u[e - 1] : NULL;
}

/* id_less - job a's id sorts before job b's (index_sorted()'s order) */
static bool
id_less(const struct index *idx, uint32_t a, uint32_t b)
{
	const struct job *x = &idx->jobs[a], *y = &idx->jobs[b];
	size_t n = x->idlen < y->idlen ? x->idlen : y->idlen;
	int c = memcmp(x->id, y->id, n);

	return c < 0 || (c == 0 && x->idlen < y->idlen);
}

/* p3_held_for - the pairing entry whose body queue df f holds, or NULL */
const struct unpaired *
p3_held_for(const struct qset *set, const struct pairing *pr,
    const struct jfile *f)
{
	uint32_t e = inomap_get(&pr->held, (uint64_t)p3_file_dev(set, f), f->ino,
	    NULL);

	return e != 0 ? &pr->u[e - 1] : NULL;
}

/* cycle_edge - entry m's body is in one df of one link, its successor's */
static bool
cycle_edge(const struct qset *set, const struct unpaired *m)
{
	return m->succ >= 0 && m->nholders == 1 &&
	    set->idx.files[m->holder].nlink == 1;
}

/*
 * pairing_cycles - follow each entry's successor (the job whose df holds
 * its body): where they close into a cycle of jobs each holding the
 * next's body in a df of one name, the bodies were exchanged, and
 * exchanging the names back gives each its own.  Each entry has one
 * successor, so one walk from every entry not yet seen, marking what it
 * passes, finds every cycle and visits each entry once (a long chain of
 * shifted names costs its length, not its square).  -1: no memory.
 */
static int
pairing_cycles(const struct qset *set, const struct selection *sel,
    struct pairing *pr)
{
	uint32_t *walk = calloc(pr->n, sizeof(*walk)), last;
	size_t i;
	int32_t c, start;

	if (walk == NULL)
		return -1;
	for (i = 0; i < pr->n; i++) {
		if (walk[i] != 0)
			continue;
		/* Walk i: until an edge no cycle takes, or an entry seen. */
		for (c = (int32_t)i; walk[c] == 0; c = pr->u[c].succ) {
			walk[c] = (uint32_t)i + 1;
			if (!cycle_edge(set, &pr->u[c]))
				break;
		}
		/* Back to an entry of this walk, over cycle edges only. */
		if (walk[c] != (uint32_t)i + 1 || !cycle_edge(set, &pr->u[c]))
			continue;
		start = c;
		last = 0;
		do {
			uint32_t j = pr->u[c].job;
			const struct job *jb = &set->idx.jobs[j];

			if (select_wants_job(sel, jb->id, jb->idlen) &&
			    (last == 0 || id_less(&set->idx, last, j)))
				last = j;
			c = pr->u[c].succ;
		} while (c != start);
		do {
			pr->u[c].kind = PAIR_CYCLE;
			pr->u[c].last = last;
			c = pr->u[c].succ;
		} while (c != start);
	}
	free(walk);
	return 0;
}

/*
 * keep_born_holders - a holder counts only if it was born as the body the
 * I line recorded (trust.h body_born_for()): not a reused inode number.
 * The others are forgotten; the kept ones are mapped in pr->held.
 * -1: no memory.
 */
static int
keep_born_holders(const struct qset *set, struct pairing *pr)
{
	const struct index *idx = &set->idx;
	size_t i;

	for (i = 0; i < pr->n; i++) {
		struct unpaired *u = &pr->u[i];
		const struct jfile *h = &idx->files[u->holder], *ctrl;
		struct timespec mt = { 0, 0 };
		char name[64];

		if (u->holder == 0)
			continue;
		ctrl = control_of(set, &idx->jobs[u->job]);
		(void)snprintf(name, sizeof(name), "df%.*s",
		    (int)idx->jobs[u->holder_job].idlen, idx->jobs[u->holder_job].id);
		if (ctrl != NULL) {
			mt.tv_sec = (time_t)ctrl->mtime;
			mt.tv_nsec = (long)ctrl->mtime_ns;
		}
		if (ctrl == NULL ||
		    !body_born_for(p3_file_dirfd(set, h), name,
			(long long)idx->jobs[u->job].ctime_T, &mt,
			BODY_VIA_RENAME)) {
			u->holder = u->holder_job = u->nholders = 0;
			continue;
		}
		if (inomap_put(&pr->held, (uint64_t)p3_file_dev(set, h), h->ino,
			(uint32_t)i + 1) < 0)
			return -1;
	}
	return 0;
}

/*
 * p3_pairing_build - one pass over the jobs: which have a control file whose
 * I line records another inode than their df's (or have no df), and
 * which queue df holds each such inode.  A healthy queue asks nothing.
 */
int
p3_pairing_build(const struct qset *set, const struct selection *sel,
    struct pairing *pr)
{
	const struct index *idx = &set->idx;
	struct inomap asked;
	uint32_t j, f, e;
	size_t i;
	int rc = -1;

	memset(pr, 0, sizeof(*pr));
	inomap_init(&pr->by_job);
	inomap_init(&pr->held);
	inomap_init(&asked);
	for (j = 1; j < idx->njobs; j++) {
		const struct job *jb = &idx->jobs[j];
		const struct jfile *ctrl = control_of(set, jb), *df;
		uint16_t qi;
		uint8_t sub;

		if (ctrl == NULL || !(jb->jflags & JB_HAS_I) ||
		    !p3_expected_df(set, jb, ctrl, &qi, &sub))
			continue;
		df = p3_df_at(set, jb, qi, sub);
		if (df != NULL && df->ino == jb->i_ino &&
		    p3_file_dev(set, df) == makedev(jb->i_major, jb->i_minor))
			continue;
		if (df == NULL && any_df(set, jb))
			continue; /* elsewhere in the queues: df-elsewhere */
		if (pairing_add(pr, j, jb) < 0 ||
		    inomap_put(&asked, pr->u[pr->n - 1].dev, jb->i_ino,
			(uint32_t)pr->n) < 0)
			goto out;
		pr->u[pr->n - 1].own_df = df != NULL
		    ? (uint32_t)(df - idx->files) : 0;
	}
	if (pr->n == 0) {
		rc = 0;
		goto out;
	}
	/* Who holds each inode asked about: a df in the queues. */
	for (j = 1; j < idx->njobs; j++)
		for (f = idx->jobs[j].first; f != 0; f = idx->files[f].next) {
			const struct jfile *jf = &idx->files[f];
			struct unpaired *u;
			uint32_t n;

			if (jf->letter != 'd' || (jf->flags & JF_LOSTFOUND))
				continue;
			e = inomap_get(&asked, (uint64_t)p3_file_dev(set, jf), jf->ino, &n);
			if (e == 0 || j == pr->u[e - 1].job)
				continue;
			u = &pr->u[e - 1];
			if (u->holder == 0) {
				u->holder = f;
				u->holder_job = j;
			}
			u->nholders++;
			(void)n;
		}
	if (keep_born_holders(set, pr) < 0)
		goto out;
	/* Whose df each holder is. */
	for (i = 0; i < pr->n; i++) {
		struct unpaired *u = &pr->u[i];
		const struct job *jb;
		const struct unpaired *k;

		if (u->holder == 0)
			continue;
		jb = &idx->jobs[u->holder_job];
		k = p3_pairing_find(pr, u->holder_job);
		if (k != NULL && u->nholders == 1 &&
		    !(idx->files[u->holder].flags & JF_MISPLACED))
			u->succ = (int32_t)(k - pr->u);
		else if (!any_control(set, jb) && u->nholders == 1 &&
		    !any_df(set, &idx->jobs[u->job]))
			u->kind = PAIR_MISNAMED;
		else
			u->kind = PAIR_CLAIMED;
	}
	if (pairing_cycles(set, sel, pr) < 0)
		goto out;
	/* Outside a cycle, a job whose own df is the body another job's I
	 * line records is not rewritten to match it: a human decides. */
	for (i = 0; i < pr->n; i++) {
		struct unpaired *u = &pr->u[i];

		if (u->kind != PAIR_NONE)
			continue;
		if (u->holder != 0 ||
		    (u->own_df != 0 &&
			p3_held_for(set, pr, &idx->files[u->own_df]) != NULL))
			u->kind = PAIR_CLAIMED;
	}
	rc = 0;
out:
	inomap_free(&asked);
	return rc;
}

/* p3_pairing_free - release */
void
p3_pairing_free(struct pairing *pr)
{
	free(pr->u);
	inomap_free(&pr->by_job);
	inomap_free(&pr->held);
	memset(pr, 0, sizeof(*pr));
}

/* ------------------------------------------------------------------ */
