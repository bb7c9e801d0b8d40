/*
 * plan.c - the list of repairs decided during the check (plan.h).
 *
 * Arrays grow by doubling; names and texts live in one arena addressed
 * by 32-bit offsets, so growth never leaves a dangling pointer.  A plan
 * that ran out of memory is marked failed and its owner repairs nothing:
 * a partial plan could archive less than it changes.
 */
#include <stdlib.h>
#include <string.h>

#include "plan.h"

#define ARENA_MIN 4096
#define FIXES_MIN 64

/* plan_init - an empty plan */
void
plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
}

/* plan_free - release */
void
plan_free(struct plan *p)
{
	free(p->fixes);
	free(p->ops);
	free(p->arena);
	free(p->job_last);
	plan_init(p);
}

/* plan_str - a string of the arena ("" for offset 0) */
const char *
plan_str(const struct plan *p, uint32_t off)
{
	if (off == 0 || p->arena == NULL)
		return "";
	return p->arena + off;
}

/* grow - room for `need` elements of `size` bytes in *v */
static bool
grow(void **v, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t ncap;
	void *nv;

	if (need <= *cap)
		return true;
	if (need > UINT32_MAX / 2)
		return false;
	ncap = *cap ? *cap : FIXES_MIN;
	while (ncap < need)
		ncap *= 2;
	nv = realloc(*v, (size_t)ncap * size);
	if (nv == NULL)
		return false;
	*v = nv;
	*cap = ncap;
	return true;
}

/* plan_intern - copy n bytes into the arena, NUL-ended.  s may be a
 * string of the arena itself (plan_str()): it is found again after the
 * arena grows. */
uint32_t
plan_intern(struct plan *p, const char *s, size_t n)
{
	const uintptr_t at = (uintptr_t)s, base = (uintptr_t)p->arena;
	const bool inside = at >= base && at - base < p->cap;
	size_t off;

	if (p->used == 0)
		p->used = 1; /* offset 0 means "none" */
	if (p->used + n + 1 > UINT32_MAX) {
		p->failed = true;
		return 0;
	}
	if (p->used + n + 1 > p->cap) {
		size_t ncap = p->cap ? p->cap : ARENA_MIN;
		char *na;

		while (ncap < p->used + n + 1)
			ncap *= 2;
		if ((na = realloc(p->arena, ncap)) == NULL) {
			p->failed = true;
			return 0;
		}
		if (p->cap == 0)
			na[0] = '\0';
		p->arena = na;
		p->cap = ncap;
		if (inside)
			s = na + (at - base);
	}
	off = p->used;
	memcpy(p->arena + off, s, n);
	p->arena[off + n] = '\0';
	p->used += n + 1;
	return (uint32_t)off;
}

/* plan_op_init - an operation that changes no owner, group or mode */
void
plan_op_init(struct plan_op *op, enum op_kind kind)
{
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->uid = (uid_t)-1;
	op->gid = (gid_t)-1;
	op->mode = (mode_t)-1;
}

/* plan_file_set - a plan_file from a name and its fstatat() */
void
plan_file_set(struct plan *p, struct plan_file *f, uint16_t qdir, uint8_t sub,
    const char *name, const struct stat *st)
{
	memset(f, 0, sizeof(*f));
	f->qdir = qdir;
	f->sub = sub;
	f->name = plan_intern(p, name, strlen(name));
	if (st != NULL) {
		f->dev = st->st_dev;
		f->ino = st->st_ino;
		f->type = st->st_mode & S_IFMT;
	}
}

/* same_file - two operations name the same file */
static bool
same_file(const struct plan *p, const struct plan_file *a,
    const struct plan_file *b)
{
	return a->qdir == b->qdir && a->sub == b->sub &&
	    strcmp(plan_str(p, a->name), plan_str(p, b->name)) == 0;
}

/* is_rewrite - an operation that rewrites a control file */
static bool
is_rewrite(enum op_kind k)
{
	return k == OP_REWRITE_I || k == OP_REWRITE;
}

/*
 * merge_rewrite - a control file rewritten by two fixes is rewritten
 * once, doing both (a second rewrite would find the file replaced): the
 * first fix's operation takes in the second's
 */
static void
merge_rewrite(struct plan_op *into, const struct plan_op *op)
{
	/* The I line's df is dst of a REWRITE_I, or of a REWRITE that has
	 * OPF_SET_INODE. */
	bool into_i = into->kind == OP_REWRITE_I || (into->flags & OPF_SET_INODE);
	bool op_i = op->kind == OP_REWRITE_I || (op->flags & OPF_SET_INODE);

	if (!into_i && op_i)
		into->dst = op->dst;
	if (into_i || op_i)
		into->flags |= OPF_SET_INODE;
	into->flags |= op->flags & OPF_SET_TIME;
	if (op->kind == OP_REWRITE)
		into->kind = OP_REWRITE;
}

/* has_op - another fix of the job already does op, or removes the job
 * (a rewrite of a file another fix rewrites is merged into that one) */
static bool
has_op(struct plan *p, uint32_t job, const struct plan_op *op)
{
	uint32_t f, k;

	if (job == 0 || job >= p->njob_last)
		return false;
	for (f = p->job_last[job]; f != 0; f = p->fixes[f - 1].next_of_job) {
		const struct plan_fix *fx = &p->fixes[f - 1];

		for (k = 0; k < fx->nops; k++) {
			struct plan_op *o = &p->ops[fx->first_op + k];

			/* A job that is removed needs nothing else. */
			if (o->kind == OP_REMOVE_JOB)
				return true;
			if (is_rewrite(o->kind) && is_rewrite(op->kind) &&
			    same_file(p, &o->src, &op->src)) {
				merge_rewrite(o, op);
				return true;
			}
			if (o->kind != op->kind)
				continue;
			/* Two owner or mode changes of one file are two. */
			if (same_file(p, &o->src, &op->src) && o->uid == op->uid &&
			    o->gid == op->gid &&
			    o->mode == op->mode)
				return true;
		}
	}
	return false;
}

/* link_job - chain fix i to its job */
static bool
link_job(struct plan *p, uint32_t job, uint32_t i)
{
	if (job == 0)
		return true;
	if (job >= p->njob_last) {
		uint32_t n = p->njob_last ? p->njob_last : 1024, old = p->njob_last;
		uint32_t *nj;

		while (n <= job) {
			if (n > UINT32_MAX / 2)
				return false;
			n *= 2;
		}
		if ((nj = realloc(p->job_last, (size_t)n * sizeof(*nj))) == NULL)
			return false;
		memset(nj + old, 0, (size_t)(n - old) * sizeof(*nj));
		p->job_last = nj;
		p->njob_last = n;
	}
	p->fixes[i].next_of_job = p->job_last[job];
	p->job_last[job] = i + 1;
	return true;
}

/* The operations each fix kind of the problem table may plan: a pass
 * that plans anything else for a problem is wrong, and nothing of that
 * fix is made (plan_add() says PLAN_NOT_ALLOWED). */
#define OPB(k) (1u << (k))
static const unsigned fix_ops[FIX_NKINDS] = {
	[FIX_NONE] = 0,
	[FIX_ARCHIVE_REMOVE] = OPB(OP_REMOVE) | OPB(OP_REMOVE_JOB),
	/* A file cut short that holds no delivery yet is removed whole. */
	[FIX_MAKE_INERT] = OPB(OP_INERT) | OPB(OP_REMOVE_JOB),
	[FIX_REWRITE_I] = OPB(OP_REWRITE_I),
	[FIX_OWNER_MODE] = OPB(OP_OWNER_MODE) | OPB(OP_DIR_OWNER_MODE),
	[FIX_MOVE] = OPB(OP_MOVE),
	[FIX_MOVE_OUT] = OPB(OP_MOVE_OUT),
	/* Promote the tf, or keep the qf and remove the tf (--tf-newer). */
	[FIX_RESOLVE_TF] = OPB(OP_PROMOTE) | OPB(OP_REMOVE),
	/* A tf without its df is made inert, not promoted. */
	[FIX_PROMOTE] = OPB(OP_PROMOTE) | OPB(OP_INERT),
	[FIX_KEEP_NEWER] = OPB(OP_REMOVE),
	[FIX_RECOVER] = OPB(OP_RECOVER),
	/* The control file made inert; an untrusted temporary file goes. */
	[FIX_QUARANTINE] = OPB(OP_INERT) | OPB(OP_REMOVE),
	/* A T line cannot be made up for a job whose id has no time in it:
	 * then it is made inert. */
	[FIX_REWRITE] = OPB(OP_REWRITE) | OPB(OP_INERT),
	[FIX_EXCHANGE] = OPB(OP_EXCHANGE),
};

/* plan_fix_allows - fix kind `fix` may plan operation `op` */
bool
plan_fix_allows(enum fix_kind fix, enum op_kind op)
{
	if ((unsigned)fix >= FIX_NKINDS || (unsigned)op >= OP_NKINDS)
		return false;
	return (fix_ops[fix] & OPB(op)) != 0;
}

/* plan_add - a fix and its operations */
long
plan_add(struct plan *p, enum problem_id id, uint32_t job, uint16_t qdir,
    const char *idtext, size_t idlen, const char *msg,
    const struct plan_op *ops, size_t nops)
{
	struct plan_fix *fx;
	uint32_t i;
	size_t k;

	for (k = 0; k < nops; k++)
		if (!plan_fix_allows(problem_get(id)->fix, ops[k].kind))
			return PLAN_NOT_ALLOWED;
	if (p->failed || nops > 64 ||
	    !grow((void **)&p->fixes, &p->capfixes, p->nfixes + 1,
		sizeof(*p->fixes)) ||
	    !grow((void **)&p->ops, &p->capops, p->nops + (uint32_t)nops,
		sizeof(*p->ops))) {
		p->failed = true;
		return -1;
	}
	i = p->nfixes;
	fx = &p->fixes[i];
	memset(fx, 0, sizeof(*fx));
	fx->id = id;
	fx->job = job;
	fx->qdir = qdir;
	fx->seq = i;
	fx->first_op = p->nops;
	for (k = 0; k < nops; k++) {
		if (has_op(p, job, &ops[k]))
			continue;
		p->ops[p->nops++] = ops[k];
		fx->nops++;
	}
	if (fx->nops == 0)
		fx->result = FIXR_COVERED;
	/* Removing the job makes what was planned for it before moot. */
	if (fx->nops == 1 && p->ops[fx->first_op].kind == OP_REMOVE_JOB &&
	    job != 0 && job < p->njob_last) {
		uint32_t f;

		for (f = p->job_last[job]; f != 0; f = p->fixes[f - 1].next_of_job)
			plan_set_result(p, f - 1, FIXR_COVERED,
			    "the whole job is removed (below)");
	}
	if (idtext != NULL)
		fx->idtext = plan_intern(p, idtext, idlen);
	if (msg != NULL)
		fx->msg = plan_intern(p, msg, strlen(msg));
	p->nfixes++;
	if (!link_job(p, job, i) || p->failed) {
		p->failed = true;
		return -1;
	}
	return (long)i;
}

/* plan_job_disposed - the job is already removed or made inert */
bool
plan_job_disposed(const struct plan *p, uint32_t j)
{
	uint32_t f, k;

	if (j == 0 || j >= p->njob_last)
		return false;
	for (f = p->job_last[j]; f != 0; f = p->fixes[f - 1].next_of_job) {
		const struct plan_fix *fx = &p->fixes[f - 1];

		for (k = 0; k < fx->nops; k++) {
			enum op_kind kind = p->ops[fx->first_op + k].kind;

			if (kind == OP_REMOVE_JOB || kind == OP_INERT)
				return true;
		}
	}
	return false;
}

/* plan_inert_to_remove - make job j's inert rename of `name` a removal */
bool
plan_inert_to_remove(struct plan *p, uint32_t j, const char *name)
{
	uint32_t f, k;

	if (j == 0 || j >= p->njob_last)
		return false;
	for (f = p->job_last[j]; f != 0; f = p->fixes[f - 1].next_of_job) {
		const struct plan_fix *fx = &p->fixes[f - 1];

		for (k = 0; k < fx->nops; k++) {
			struct plan_op *o = &p->ops[fx->first_op + k];

			if (o->kind == OP_INERT &&
			    strcmp(plan_str(p, o->src.name), name) == 0) {
				o->kind = OP_REMOVE;
				return true;
			}
		}
	}
	return false;
}

/* plan_set_result - the outcome of a fix */
void
plan_set_result(struct plan *p, uint32_t i, enum fix_result r,
    const char *what)
{
	if (i >= p->nfixes)
		return;
	p->fixes[i].result = r;
	p->fixes[i].what = what != NULL ? plan_intern(p, what, strlen(what)) : 0;
}

/* The sort needs the plan and the ranks: qsort() has no context. */
static const struct plan *order_plan;
static const uint32_t *order_rank;

/* first_kind - the earliest operation kind of a fix */
static int
first_kind(const struct plan_fix *fx)
{
	int k = OP_NKINDS;
	uint32_t i;

	for (i = 0; i < fx->nops; i++)
		if ((int)order_plan->ops[fx->first_op + i].kind < k)
			k = (int)order_plan->ops[fx->first_op + i].kind;
	return k;
}

/* cmp_fixes - by job rank, then operation kind, then decision order */
static int
cmp_fixes(const void *a, const void *b)
{
	const struct plan_fix *x = &order_plan->fixes[*(const uint32_t *)a];
	const struct plan_fix *y = &order_plan->fixes[*(const uint32_t *)b];
	uint32_t rx = x->job != 0 ? order_rank[x->job] : 0;
	uint32_t ry = y->job != 0 ? order_rank[y->job] : 0;
	int kx, ky;

	if (rx != ry)
		return rx < ry ? -1 : 1;
	kx = first_kind(x);
	ky = first_kind(y);
	if (kx != ky)
		return kx < ky ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* plan_order - the order fixes are applied in */
uint32_t *
plan_order(const struct plan *p, const uint32_t *rank)
{
	uint32_t *order = malloc(((size_t)p->nfixes + 1) * sizeof(*order)), i;

	if (order == NULL)
		return NULL;
	for (i = 0; i < p->nfixes; i++)
		order[i] = i;
	order_plan = p;
	order_rank = rank;
	if (p->nfixes > 1)
		qsort(order, p->nfixes, sizeof(*order), cmp_fixes);
	return order;
}
