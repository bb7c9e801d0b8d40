/*
 * pass1_scan.c - passes 1 and 2: the one walk over a queue directory.
 *
 * For each directory (the queue directory, then its qf/ df/ xf/):
 *  1. read every name with readdir() and sort them, so that the report
 *     does not depend on the file system's order;
 *  2. fstatat(AT_SYMLINK_NOFOLLOW) each entry, classify its name
 *     (qid.c), and check it: symbolic links, non-regular files, names,
 *     owner and mode against the queue's policy, the subdirectory it is
 *     in (queue.c queuename() puts q h Q t T in qf/, d in df/, x in xf/);
 *  3. read each regular control file (q h Q t T) once, with the reader
 *     sendmail's readqf() is restated in (qf.c), and report the defects
 *     of qf and hf files (pass 2); a Qf is a lost job and a tf or Tf a
 *     state, both judged by the job pass;
 *  4. add every queue file to the index.
 *
 * Nothing is opened but regular files, never with O_CREAT or for
 * writing.  A file locked by another process, or young while sendmail
 * may be running, is marked and not judged.
 *
 * Hands on to passes 4 and 3: the job index (set->idx), every queue file
 * with its stat and the facts of its control file; and the plan's fixes
 * for what passes 1 and 2 found.
 * Memory: the names of one directory at a time (freed before the next),
 * the reader and read buffer of struct scan_env (reused), and the index
 * (freed with the set).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arc.h"
#include "dirlist.h"
#include "pass0_qdir.h"
#include "qid.h"
#include "pass1_scan.h"
#include "scanahead.h"
#include "trust.h"

#define LABEL_MAX 1024

static const char *const sub_names[SUB_COUNT + 1] = { "qf", "df", "xf", "" };

/* The directory being walked. */
struct walk {
	struct fsck_ctx *ctx;
	struct scan_env *env;
	struct qset *set;
	struct qdir *qd;
	uint16_t qi;
	int dirfd;		/* the directory holding the entries */
	int sub;		/* SUB_QF/DF/XF, or SUB_COUNT at the top */
};

/* ------------------------------------------------------------------ */
/* Helpers */

/* rel_name - the entry's name relative to the queue directory (cut to
 * fit; names are at most NAME_MAX bytes) */
static void
rel_name(const struct walk *w, const char *name, char *out, size_t outsz)
{
	size_t o = 0, n = strlen(name);

	if (w->sub != SUB_COUNT && outsz > 3) {
		memcpy(out, sub_names[w->sub], 2);
		out[2] = '/';
		o = 3;
	}
	if (n > outsz - 1 - o)
		n = outsz - 1 - o;
	memcpy(out + o, name, n);
	out[o + n] = '\0';
}

/* walk_error - an entry that could not be checked */
static void
walk_error(const struct walk *w, const char *name, const char *why)
{
	char rel[LABEL_MAX], label[LABEL_MAX + 512];

	rel_name(w, name, rel, sizeof(rel));
	(void)snprintf(label, sizeof(label), "%s/%s", w->qd->path, rel);
	ctx_error(w->ctx, label, why);
}

/*
 * young - written within the grace period while sendmail may be running:
 * possibly in flight.  By the last write (mtime), the time sendmail's own
 * age checks read: a file being written has it fresh, while a queue
 * restored from a backup, chowned or renamed has a new ctime only and is
 * judged at once.
 */
static bool
young(const struct fsck_ctx *ctx, const struct stat *st)
{
	return ctx->sendmail_may_run &&
	    (long long)(ctx->now - st->st_mtime) < ctx->opts.grace;
}

/* file_locked - another process holds a lock on the file */
bool
file_locked(const struct scan_env *env, int fd, const struct stat *st)
{
	struct qerr err;

	if (env->locks.loaded)
		return lockset_has(&env->locks, st->st_dev, st->st_ino);
	return fd >= 0 && sio_lock_probe(fd, &err) == SIO_LOCKED;
}

/* expected_sub - where queuename() puts a file of this letter */
static int
expected_sub(const struct qdir *qd, char letter)
{
	int s = letter == 'd' ? SUB_DF : letter == 'x' ? SUB_XF : SUB_QF;

	return qdir_has_sub(qd, s) ? s : SUB_COUNT;
}

/* where_name - a location inside a queue directory, for messages */
static const char *
where_name(int sub)
{
	static const char *const names[SUB_COUNT + 1] = {
		"qf/", "df/", "xf/", "the queue directory itself"
	};

	return names[sub];
}

/* type_name - what a non-regular file is */
static const char *
type_name(mode_t m)
{
	if (S_ISDIR(m))
		return "directory";
	if (S_ISLNK(m))
		return "symbolic link";
	if (S_ISFIFO(m))
		return "FIFO";
	if (S_ISSOCK(m))
		return "socket";
	if (S_ISCHR(m))
		return "character device";
	if (S_ISBLK(m))
		return "block device";
	return "file of unknown type";
}

/* ------------------------------------------------------------------ */
/* Fixes (only when pr_fix() says yes) */

/* op_here - an operation on entry `name` of the directory being walked */
static void
op_here(const struct walk *w, struct plan_op *op, enum op_kind kind,
    const char *name, const struct stat *st)
{
	plan_op_init(op, kind);
	plan_file_set(w->ctx->plan, &op->src, w->qi, (uint8_t)w->sub, name, st);
}

/* plan_here - one operation on an entry of this directory */
static void
plan_here(const struct walk *w, enum problem_id id, const struct pctx *pc,
    uint32_t job, enum op_kind kind, const char *name, const struct stat *st)
{
	struct plan_op op;

	op_here(w, &op, kind, name, st);
	pr_plan(w->ctx, id, pc, job, &op, 1);
}

/* plan_owner_mode - set the owner (uid), group or mode of an entry */
static void
plan_owner_mode(const struct walk *w, enum problem_id id, const struct pctx *pc,
    uint32_t job, const char *name, const struct stat *st, uid_t uid,
    gid_t gid, mode_t mode)
{
	struct plan_op op;

	op_here(w, &op, OP_OWNER_MODE, name, st);
	op.uid = uid;
	op.gid = gid;
	op.mode = mode;
	pr_plan(w->ctx, id, pc, job, &op, 1);
}

/* ------------------------------------------------------------------ */
/* Owner and mode (pass 1) */

/*
 * control_bogus - readqf()'s plausibility check: would sendmail lose this
 * control file to Qf for its owner (*by_owner) or mode?
 */
static bool
control_bogus(const struct walk *w, const struct stat *st, bool *by_owner)
{
	const struct policy *p = &w->set->pol;
	mode_t qsafe = S_IWOTH | S_IWGRP;
	bool bogus;

	if (p->qfm & S_IWGRP)
		qsafe &= ~(mode_t)S_IWGRP;
	/* Foreign only when it runs under RunAsUser (euid != RealUid). */
	bogus = p->runner_switches && st->st_uid != p->runner_uid &&
	    !(p->has_trusted && st->st_uid == p->trusted_uid);
	/* The MSP exception: group-writable queue, same group. */
	if (bogus && p->use_msp && st->st_gid == p->runner_gid)
		bogus = !((p->qfm & S_IWGRP) && (w->qd->st.st_mode & S_IWGRP) &&
		    w->qd->st.st_gid == st->st_gid);
	*by_owner = bogus;
	return bogus || (st->st_mode & qsafe) != 0;
}

/* owner_ok - the file's owner is what the queue's policy expects */
static bool
owner_ok(const struct walk *w, const struct stat *st)
{
	const struct policy *p = &w->set->pol;

	if (st->st_uid == p->expected_owner)
		return true;
	/* MSP files belong to whoever submitted them, in the MSP group. */
	return p->use_msp && (p->qfm & S_IWGRP) && st->st_gid == p->runner_gid;
}

/* group_ok - the file's group is the queue's (when the group may read) */
static bool
group_ok(const struct walk *w, const struct stat *st)
{
	const struct policy *p = &w->set->pol;

	return !p->check_group || st->st_gid == p->queue_gid;
}

/* owner_mode_pctx - the context of an owner or mode problem */
static void
owner_mode_pctx(struct pctx *pc, const char *rel, const struct qname *qn,
    const struct stat *st, uid_t expected)
{
	pctx_init(pc);
	pc->file = rel;
	pc->id = qn->id;
	pc->idlen = qn->id_len;
	pc->num = st->st_mode & 07777;
	pc->uid = st->st_uid;
	pc->uid2 = expected;
}

/* writable_by - who besides the owner may write a file of mode m */
static const char *
writable_by(mode_t m)
{
	return (m & S_IWOTH) ? "anyone" : (m & S_IWGRP) ? "its group" : "its owner";
}

/*
 * check_trust - trust before repair: a qf or hf whose owner is not
 * trusted, or that others may write (readqf()'s qsafe bits), could hold
 * anyone's recipients.  Fixing its owner or mode would make sendmail
 * trust it, so the job is quarantined instead (archived whole, made
 * inert), unless --adopt-owner names its owner.  Returns true when the
 * file is untrusted (reported here, or a Qf, tf or Tf left to pass 3
 * that must never be promoted).
 */
static bool
check_trust(const struct walk *w, const char *name, const char *rel,
    const struct qname *qn, const struct stat *st, uint32_t job)
{
	const struct policy *p = &w->set->pol;
	mode_t m = st->st_mode & 07777, qsafe = S_IWOTH | S_IWGRP;
	struct plan_op op;
	struct pctx pc;

	if (!qname_letter_is_control(qn->letter) || trust_control(p, st))
		return false;
	if (p->qfm & S_IWGRP)
		qsafe &= ~(mode_t)S_IWGRP;
	if (qn->letter != 'q' && qn->letter != 'h')
		return true;
	owner_mode_pctx(&pc, rel, qn, st, p->expected_owner);
	pc.gid = st->st_gid;
	pc.str = !trust_owner(p, st) ? "its owner" : writable_by(m & qsafe);
	if (pr_fix(w->ctx, PR_1_UNTRUSTED, &pc)) {
		op_here(w, &op, OP_INERT, name, st);
		pr_plan(w->ctx, PR_1_UNTRUSTED, &pc, job, &op, 1);
	}
	return true;
}

/*
 * only_untrusted_control - the job of data or transcript file qn has a
 * control file (qf, hf or Qf, in the queue's qf/ if it has one, where
 * sendmail puts them) and none the queue trusts: the job is quarantined,
 * or is about to be (check_trust()).  Its other files are then left as
 * they are, whole: sendmail never runs the job, and a chown or chmod
 * would make what someone else wrote the queue's own for nothing.  At
 * most three fstatat() calls, made only for a file whose owner or mode
 * is wrong.
 */
static bool
only_untrusted_control(const struct walk *w, const struct qname *qn)
{
	static const char letters[] = "qhQ";
	int dfd = w->qd->subfd[SUB_QF] >= 0 ? w->qd->subfd[SUB_QF] : w->qd->fd;
	char name[NAME_MAX + 1];
	struct stat st;
	bool any = false;
	size_t i;

	if (qn->id_len > NAME_MAX - 2)
		return false;
	for (i = 0; i < sizeof(letters) - 1; i++) {
		name[0] = letters[i];
		name[1] = 'f';
		memcpy(name + 2, qn->id, qn->id_len);
		name[2 + qn->id_len] = '\0';
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (trust_control(&w->set->pol, &st))
			return false;
		any = true;
	}
	return any;
}

/*
 * check_owner_mode - pass 1 checks of a regular queue file; returns true
 * when it is an untrusted control file (check_trust())
 */
static bool
check_owner_mode(const struct walk *w, const char *name, const char *rel,
    const struct qname *qn, const struct stat *st, bool prog, uint32_t job)
{
	const struct policy *p = &w->set->pol;
	char letter = qn->letter;
	bool control = letter == 'q' || letter == 'h' || letter == 'Q';
	bool by_owner = false, bogus;
	mode_t want = letter == 'x' ? p->xf_mode : p->file_mode;
	mode_t m = st->st_mode & 07777;
	struct pctx pc;

	if (check_trust(w, name, rel, qn, st, job))
		return true;
	/* A quarantined job's body and transcript stay as they are. */
	if ((letter == 'd' || letter == 'x') &&
	    (m != want || !owner_ok(w, st) || !group_ok(w, st)) &&
	    only_untrusted_control(w, qn))
		return false;
	bogus = control && control_bogus(w, st, &by_owner);
	if (bogus && !by_owner) {
		owner_mode_pctx(&pc, rel, qn, st, p->expected_owner);
		pc.str = (m & S_IWOTH) ? "world" : "group";
		pc.str2 = "sendmail loses it to Qf (\"bogus queue file\") and never runs it";
		if (pr_fix(w->ctx, PR_1_WRITABLE, &pc))
			plan_owner_mode(w, PR_1_WRITABLE, &pc, job, name, st,
			    (uid_t)-1, (gid_t)-1, want);
	} else if (!control && (m & (S_IWOTH | (S_IWGRP & ~want)))) {
		owner_mode_pctx(&pc, rel, qn, st, p->expected_owner);
		pc.str = (m & S_IWOTH) ? "world" : "group";
		pc.str2 = "others can change the message under sendmail";
		if (pr_fix(w->ctx, PR_1_WRITABLE, &pc))
			plan_owner_mode(w, PR_1_WRITABLE, &pc, job, name, st,
			    (uid_t)-1, (gid_t)-1, want);
	} else if (m != want) {
		owner_mode_pctx(&pc, rel, qn, st, p->expected_owner);
		pc.str = (m & ~want & (S_IRGRP | S_IROTH))
		    ? "others can read the message"
		    : "harmless to sendmail, but not what QueueFileMode gives new files";
		pc.num2 = want;
		if (pr_fix(w->ctx, PR_1_MODE, &pc))
			plan_owner_mode(w, PR_1_MODE, &pc, job, name, st, (uid_t)-1,
			    (gid_t)-1, want);
	}
	if (!by_owner && owner_ok(w, st) && group_ok(w, st))
		return false;
	owner_mode_pctx(&pc, rel, qn, st, p->expected_owner);
	if (p->check_group) {
		pc.gid = st->st_gid;
		pc.gid2 = p->queue_gid;
	}
	if (by_owner)
		pc.str = "sendmail loses it to Qf (\"bogus queue file\") and never runs it";
	else if (!owner_ok(w, st) && control && prog)
		pc.str = "sendmail runs it as unsafe (EF_UNSAFE): its program, file and :include: recipients bounce";
	else if (!owner_ok(w, st) && control)
		pc.str = "sendmail runs it as unsafe (EF_UNSAFE): a program, file or :include: recipient would bounce";
	else if (!owner_ok(w, st))
		pc.str = "its owner can change the message under sendmail";
	else
		pc.str = "mailq, running as the queue's group, cannot read it";
	if (pr_fix(w->ctx, PR_1_OWNER, &pc))
		plan_owner_mode(w, PR_1_OWNER, &pc, job, name, st,
		    owner_ok(w, st) ? (uid_t)-1 : p->expected_owner,
		    group_ok(w, st) ? (gid_t)-1 : p->queue_gid, (mode_t)-1);
	return false;
}

/* ------------------------------------------------------------------ */
/* Control files (pass 2) */

/* datadir_ok - a d line names a queue directory of the set */
static bool
datadir_ok(const char *name, size_t len, void *arg)
{
	const struct qset *set = arg;
	size_t i;

	for (i = 0; i < set->ndirs; i++)
		if (strlen(set->dirs[i].qp_name) == len &&
		    memcmp(set->dirs[i].qp_name, name, len) == 0)
			return true;
	return false;
}

/*
 * defect_op - the operation that fixes a defect of the file just read:
 * remove the job (empty, no line break, or cut short before sendmail
 * ever tried it: a new message whose client got no 250, crash window
 * C5), make it inert as sendmail's loseqfile() would, rewrite it as
 * sendmail reads it (a time taken from the queue id; an id that records
 * none leaves nothing to take it from: inert), or rewrite its I line.
 * OP_NKINDS: no fix.
 */
static enum op_kind
defect_op(const struct walk *w, enum problem_id id, const struct qname *qn)
{
	const struct qf_file *qf = &w->env->qf;
	struct qid_fields f;

	switch (problem_get(id)->fix) {
	case FIX_ARCHIVE_REMOVE:
		return OP_REMOVE_JOB;
	case FIX_MAKE_INERT:
		/* A crash cuts a file short, but never makes a line sendmail
		 * cannot read: with one, it is no new message cut short. */
		if (id == PR_2_NO_TERMINATOR && (!qf->has_tries || qf->tries == 0) &&
		    !qf_has(qf, QF_D_BAD_CODE))
			return OP_REMOVE_JOB;
		return OP_INERT;
	case FIX_REWRITE:
		if ((id == PR_2_BAD_TIME || id == PR_2_NO_TIME) &&
		    !qid_decode(qn->id, qn->id_len, &f))
			return OP_INERT;
		return OP_REWRITE;
	case FIX_REWRITE_I:
		return OP_REWRITE_I;
	default:
		return OP_NKINDS;
	}
}

/* op_strength - how much an operation does to a job: the strongest fix
 * of a file's defects covers the others */
static int
op_strength(enum op_kind k)
{
	switch (k) {
	case OP_REMOVE_JOB:
		return 4;
	case OP_INERT:
		return 3;
	case OP_REWRITE:
		return 2;
	case OP_REWRITE_I:
		return 1;
	default:
		return 0;
	}
}

/* is_rewrite - a rewrite of the file, which another rewrite merges with */
static bool
is_rewrite(enum op_kind k)
{
	return k == OP_REWRITE || k == OP_REWRITE_I;
}

/* df_place - where the job's df is, by the d line sendmail just read */
static void
df_place(const struct walk *w, uint16_t *qi, uint8_t *sub)
{
	const struct qf_file *qf = &w->env->qf;
	char dd[256];
	size_t i;

	*qi = w->qi;
	if (qf->datadir.len > 0) {
		(void)qf_span_value(qf, &qf->datadir, dd, sizeof(dd));
		for (i = 0; i < w->set->ndirs; i++)
			if (strcmp(w->set->dirs[i].qp_name, dd) == 0)
				*qi = (uint16_t)i;
	}
	*sub = qdir_has_sub(&w->set->dirs[*qi], SUB_DF) ? SUB_DF : SUB_COUNT;
}

/* plan_defect - the fix of a control file's defect (defect_op()) */
static void
plan_defect(const struct walk *w, enum problem_id id, const struct pctx *pc,
    uint32_t job, const char *name, const struct stat *st,
    const struct qname *qn)
{
	enum op_kind kind = defect_op(w, id, qn);
	struct plan_op op;
	char df[64];
	size_t n = qn->id_len < sizeof(df) - 3 ? qn->id_len : sizeof(df) - 3;
	uint16_t qi;
	uint8_t sub;

	if (kind == OP_NKINDS)
		return;
	op_here(w, &op, kind, name, st);
	if (kind == OP_REWRITE_I) {
		df_place(w, &qi, &sub);
		df[0] = 'd';
		df[1] = 'f';
		memcpy(df + 2, qn->id, n);
		df[2 + n] = '\0';
		plan_file_set(w->ctx->plan, &op.dst, qi, sub, df, NULL);
	}
	pr_plan(w->ctx, id, pc, job, &op, 1);
}

/*
 * report_defects - pass 2: every defect the reader found in a qf or hf.
 * The defect whose fix does the most is reported first, and only it is
 * fixed (asked about): the others are covered by that fix, except that
 * rewrites of the file (sendmail's reading, the I line) go together.
 */
static void
report_defects(const struct walk *w, const char *name, const char *rel,
    const struct stat *st, const struct qname *qn, uint32_t job,
    bool untrusted)
{
	const struct qf_file *qf = &w->env->qf;
	struct pctx pc;
	size_t i, k, more, primary = 0;
	enum op_kind primary_op = OP_NKINDS;
	bool fixed = false;
	int pass;

	for (i = 1; i < qf->ndefects; i++)
		if (op_strength(defect_op(w, (enum problem_id)(PR_2_EMPTY +
			(int)qf->defects[i].kind), qn)) >
		    op_strength(defect_op(w, (enum problem_id)(PR_2_EMPTY +
			(int)qf->defects[primary].kind), qn)))
			primary = i;
	if (qf->ndefects > 0)
		primary_op = defect_op(w, (enum problem_id)(PR_2_EMPTY +
		    (int)qf->defects[primary].kind), qn);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < qf->ndefects; i++) {
			enum problem_id id = (enum problem_id)(PR_2_EMPTY +
			    (int)qf->defects[i].kind);

			if ((pass == 0) != (i == primary))
				continue;
			/* One line per kind: the first, with how many follow. */
			for (k = 0, more = 0; k < qf->ndefects; k++)
				if (qf->defects[k].kind == qf->defects[i].kind) {
					if (k < i)
						break;
					if (k > i)
						more++;
				}
			if (k < i)
				continue;
			pctx_init(&pc);
			pc.num = (long long)more;
			pc.file = rel;
			pc.id = qn->id;
			pc.idlen = qn->id_len;
			pc.line = qf->defects[i].line;
			pc.qf_defect = (int)qf->defects[i].kind;
			pc.letter = qn->letter;
			/* An untrusted file's quarantine covers them all: no
			 * rewrite may lend it the queue's trust.  Two rewrites
			 * of the file make one (plan_add() merges them). */
			pc.covered = (pass == 1 && fixed &&
			    !(is_rewrite(primary_op) &&
				is_rewrite(defect_op(w, id, qn)))) ||
			    untrusted;
			if (pr_fix(w->ctx, id, &pc)) {
				plan_defect(w, id, &pc, job, name, st, qn);
				fixed = true;
			}
		}
}

/* keep_facts - what the job pass needs from a control file */
static void
keep_facts(const struct walk *w, struct job *jb, char letter)
{
	static const char order[] = "TtQhq"; /* later is preferred */
	const struct qf_file *qf = &w->env->qf;
	const char *have = jb->ctrl ? strchr(order, jb->ctrl) : NULL;

	if (have != NULL && strchr(order, letter) < have)
		return;
	scan_take_facts(w->set, jb, qf, letter);
}

/*
 * take_timeout_class - the class sendmail gives the job on its next run
 * and whether a delay warning may still go out: neither is stored in the
 * qf, both come from its headers and flags (headers.c eatheader(),
 * envelope.c dropenvelope()).
 */
static void
take_timeout_class(const struct qset *set, struct job *jb,
    const struct qf_file *qf)
{
	struct qf_precedence prec[QSET_MAX_PREC];
	enum qf_toc toc;
	unsigned i;
	int cls;

	for (i = 0; i < set->pol.nprec; i++) {
		prec[i].name = set->pol.prec_name[i];
		prec[i].value = set->pol.prec_value[i];
	}
	toc = qf_timeout_class(qf, prec, set->pol.nprec, &cls);
	jb->jflags &= (uint8_t) ~(JB_TOC_MASK | JB_WARNS);
	jb->jflags |= (uint8_t)(((unsigned)toc << JB_TOC_SHIFT) & JB_TOC_MASK);
	if (qf_warns(qf, cls))
		jb->jflags |= JB_WARNS;
}

/* scan_take_facts - the facts pass 3 needs from a control file */
void
scan_take_facts(const struct qset *set, struct job *jb,
    const struct qf_file *qf, char letter)
{
	char dd[256];
	size_t i;

	jb->ctrl = (uint8_t)letter;
	jb->jflags &= (uint8_t) ~(JB_HAS_I | JB_DATADIR);
	if (qf->has_inode && qf->inode_major >= 0 && qf->inode_minor >= 0 &&
	    qf->inode_major <= UINT32_MAX && qf->inode_minor <= UINT32_MAX) {
		jb->jflags |= JB_HAS_I;
		jb->i_major = (uint32_t)qf->inode_major;
		jb->i_minor = (uint32_t)qf->inode_minor;
		jb->i_ino = qf->inode;
	}
	jb->ctime_T = qf->has_ctime && qf->ctime > 0 && qf->ctime <= UINT32_MAX
	    ? (uint32_t)qf->ctime : 0;
	take_timeout_class(set, jb, qf);
	jb->datadir = DATADIR_NONE;
	if (qf->datadir.len > 0) {
		jb->jflags |= JB_DATADIR;
		jb->datadir = DATADIR_BAD;
		(void)qf_span_value(qf, &qf->datadir, dd, sizeof(dd));
		for (i = 0; i < set->ndirs; i++)
			if (strcmp(set->dirs[i].qp_name, dd) == 0)
				jb->datadir = (uint16_t)i;
	}
}

/*
 * read_control - judge one control file: read by scanahead.c (lk), or
 * here from fd (closed here); fill the file's flags.
 */
static void
read_control(const struct walk *w, int fd, const struct entry_look *lk,
    const char *name, const struct stat *st, const struct qname *qn,
    struct jfile *jf, bool *prog)
{
	struct scan_env *env = w->env;
	const struct sio_buf *data = &env->buf;
	struct qf_parse_opts o;
	struct qerr err;
	bool truncated = false;

	/* Without a /proc/locks snapshot, a file read ahead was probed on
	 * the worker's descriptor; file_locked() does the rest. */
	if (lk != NULL && !env->locks.loaded ? lk->locked
					     : file_locked(env, fd, st))
		jf->flags |= JF_LOCKED;
	if (lk != NULL) {
		data = &lk->buf;
		truncated = lk->truncated;
		if (lk->read_failed) {
			walk_error(w, name, lk->read_err.msg);
			jf->flags |= JF_UNREAD;
			goto out;
		}
	} else {
		env->buf.len = 0;
		if (st->st_size > 0 && sio_read(fd, &env->buf, QF_MAX_BYTES,
					   &truncated, &err) < 0) {
			walk_error(w, name, err.msg);
			jf->flags |= JF_UNREAD;
			goto out;
		}
	}
	memset(&o, 0, sizeof(o));
	o.letter = qn->letter;
	o.datadir_ok = datadir_ok;
	o.datadir_arg = w->set;
	if (truncated)
		o.file_size = (uint64_t)st->st_size > QF_MAX_BYTES
		    ? (uint64_t)st->st_size : QF_MAX_BYTES + 1;
	if (qf_parse(&env->qf, data->data, data->len, &o, &err) < 0) {
		walk_error(w, name, err.msg);
		jf->flags |= JF_UNREAD;
		goto out;
	}
	jf->flags |= JF_READ;
	if (qf_complete(&env->qf))
		jf->flags |= JF_COMPLETE;
	if (env->qf.outcome < QF_CSQ_ABORT)
		jf->flags |= JF_RUNNABLE;
	*prog = env->qf.prog_rcpt;
out:
	if (lk != NULL) {
		if (lk->close_errno != 0)
			walk_error(w, name, strerror(lk->close_errno));
	} else if (close(fd) < 0)
		walk_error(w, name, strerror(errno));
}

/* ------------------------------------------------------------------ */
/* Entries */

/*
 * index_entry - add a regular queue file to the index; for a control
 * file, judge it as read ahead (lk) or read from fd (which is closed)
 * for pass 2
 */
static void
index_entry(const struct walk *w, int fd, const struct entry_look *lk,
    const char *name, const char *rel,
    const struct stat *st, const struct qname *qn, bool misplaced,
    unsigned long reported_before)
{
	struct index *idx = &w->set->idx;
	struct jfile jf;
	uint32_t j;
	bool prog = false;

	memset(&jf, 0, sizeof(jf));
	jf.ino = (uint64_t)st->st_ino;
	jf.mtime = (uint32_t)st->st_mtim.tv_sec;
	jf.mtime_ns = (uint32_t)st->st_mtim.tv_nsec;
	jf.ctime = (uint32_t)st->st_ctime;
	jf.qdir = w->qi;
	jf.letter = (uint8_t)qn->letter;
	jf.sub = (uint8_t)w->sub;
	jf.nlink = st->st_nlink > 65535 ? 65535 : (uint16_t)st->st_nlink;
	if (st->st_size == 0)
		jf.flags |= JF_EMPTY;
	if (misplaced)
		jf.flags |= JF_MISPLACED;
	if (young(w->ctx, st))
		jf.flags |= JF_YOUNG;
	/* The job first: fixes decided below are the job's. */
	j = index_job(idx, qn->id, qn->id_len);
	if (fd >= 0 || lk != NULL)
		read_control(w, fd, lk, name, st, qn, &jf, &prog);
	else if (qname_letter_is_control(qn->letter))
		jf.flags |= JF_UNREAD;
	else if (w->env->locks.loaded &&
	    lockset_has(&w->env->locks, st->st_dev, st->st_ino))
		jf.flags |= JF_LOCKED;
	if (check_owner_mode(w, name, rel, qn, st, prog, j))
		jf.flags |= JF_UNTRUSTED;
	/* sendmail never links a control file; a second name lets whoever
	 * holds it change the job (a df may be linked: envelope splits,
	 * judged in pass 3). */
	if (qname_letter_is_control(qn->letter) && st->st_nlink > 1) {
		struct pctx pc;

		pctx_init(&pc);
		pc.file = rel;
		pc.id = qn->id;
		pc.idlen = qn->id_len;
		pc.num = (long long)st->st_nlink;
		(void)pr_fix(w->ctx, PR_1_HARD_LINK, &pc);
	}
	if ((qn->letter == 'q' || qn->letter == 'h') && (jf.flags & JF_READ) &&
	    !(jf.flags & (JF_LOCKED | JF_YOUNG)))
		report_defects(w, name, rel, st, qn, j,
		    (jf.flags & JF_UNTRUSTED) != 0);
	if (w->ctx->problems + w->ctx->notices != reported_before)
		jf.flags |= JF_REPORTED;
	if (j == 0 || index_add_file(idx, j, &jf) == 0) {
		walk_error(w, name, "out of memory indexing the queue");
		return;
	}
	if (prog)
		idx->jobs[j].jflags |= JB_PROG_RCPT;
	if (jf.flags & JF_READ)
		keep_facts(w, &idx->jobs[j], qn->letter);
	w->ctx->files++;
	w->qd->nqueue++;
	if (qn->letter == 'q')
		w->qd->nqf++;
}

/*
 * check_job_entry - a name of the form <letter>f<id>; lk, when not NULL,
 * is the control file read ahead (a regular file, its name not too long)
 */
static void
check_job_entry(const struct walk *w, const struct entry_look *lk,
    const char *name, const char *rel, const struct stat *st,
    const struct qname *qn)
{
	const unsigned long before = w->ctx->problems + w->ctx->notices;
	struct pctx pc;
	struct qerr err;
	int want, fd = -1;

	pctx_init(&pc);
	pc.file = rel;
	pc.id = qn->id;
	pc.idlen = qn->id_len;
	if (qn->too_long || !S_ISREG(st->st_mode)) {
		enum problem_id id = qn->too_long ? PR_1_NAME_TOO_LONG
		    : S_ISLNK(st->st_mode) ? PR_1_SYMLINK : PR_1_NOT_REGULAR;

		if (id == PR_1_NOT_REGULAR)
			pc.str = type_name(st->st_mode);
		/* Never opened, never followed: it leaves the queue whole. */
		if (pr_fix(w->ctx, id, &pc))
			plan_here(w, id, &pc,
			    qn->too_long ? 0 : index_find(&w->set->idx, qn->id, qn->id_len),
			    OP_MOVE_OUT, name, st);
		return;
	}
	if (qn->id == NULL || qn->id_format == QID_OTHER)
		(void)pr_fix(w->ctx, PR_1_BAD_ID, &pc);
	want = expected_sub(w->qd, qn->letter);
	if (want != w->sub) {
		/* gatherq() and queuename() look only where `want` says. */
		pc.str = where_name(w->sub);
		pc.str2 = where_name(want);
		if (pr_fix(w->ctx, PR_1_WRONG_SUBDIR, &pc)) {
			struct plan_op op;

			op_here(w, &op, OP_MOVE, name, st);
			plan_file_set(w->ctx->plan, &op.dst, w->qi, (uint8_t)want,
			    name, NULL);
			op.flags = OPF_NOREPLACE;
			pr_plan(w->ctx, PR_1_WRONG_SUBDIR, &pc,
			    index_job(&w->set->idx, qn->id, qn->id_len), &op, 1);
		}
	}
	if (lk == NULL && qname_letter_is_control(qn->letter)) {
		fd = sio_open_entry(w->dirfd, name, st, NULL, &err);
		if (fd < 0 && err.sys_errno == ENOENT)
			return; /* sendmail finished the job meanwhile */
		if (fd < 0)
			walk_error(w, name, err.msg);
	}
	/* Indexed even when misplaced: moved, it is part of its job. */
	index_entry(w, fd, lk, name, rel, st, qn, want != w->sub, before);
}

/*
 * open_subdirs - find qf/ df/ xf/ before anything is judged: queuename()
 * places every file by them, and names like Qf... sort before "qf".
 * A symbolic link there is followed by sendmail (multiqueue_cache()),
 * not by mqfsck; anything else of that name is reported by the walk.
 */
static void
open_subdirs(const struct walk *w)
{
	struct qerr err;
	struct stat st;
	int s, fd;

	for (s = 0; s < SUB_COUNT; s++) {
		w->qd->subfd[s] = -1;
		if (fstatat(w->qd->fd, sub_names[s], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			/* Followed only where sendmail's trust covers it;
			 * otherwise the walk reports it. */
			fd = qdir_open_sublink(&w->set->pol, w->qd, sub_names[s],
			    &w->qd->subst[s], &err);
			if (fd >= 0)
				w->qd->subfd[s] = fd;
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		fd = sio_opendirat(w->qd->fd, sub_names[s], &w->qd->subst[s], &err);
		if (fd < 0) {
			walk_error(w, sub_names[s], err.msg);
			/* queuename() still puts the files there: nothing is
			 * known about them. */
			w->qd->unread |= 1u << s;
			continue;
		}
		w->qd->subfd[s] = fd;
	}
}

/* ours_or_known - entries that belong in a queue directory but are not
 * queue files: lost+found at a mount root, the host status directory */
static bool
ours_or_known(const struct walk *w, const char *name, const struct stat *st)
{
	const struct policy *p = &w->set->pol;

	size_t i;

	if (w->sub != SUB_COUNT)
		return false;
	if (strcmp(name, "lost+found") == 0 && S_ISDIR(st->st_mode) &&
	    w->qd->mount_root)
		return true;
	/* mqfsck's own: files too big to archive, set aside by a repair
	 * (sendmail reads no directory of that name). */
	if (strcmp(name, ARC_ASIDE_DIR) == 0 && S_ISDIR(st->st_mode))
		return true;
	/* Another queue directory of the set (a group under the base). */
	for (i = 0; S_ISDIR(st->st_mode) && i < w->set->ndirs; i++)
		if (w->set->dirs[i].fd >= 0 &&
		    w->set->dirs[i].st.st_dev == st->st_dev &&
		    w->set->dirs[i].st.st_ino == st->st_ino)
			return true;
	return p->host_status_dir[0] != '\0' &&
	    strcmp(name, p->host_status_dir) == 0 && S_ISDIR(st->st_mode);
}

/*
 * entry_stat - the entry as scanahead.c looked it up: its lstat (or, for
 * a control file the listing called regular, the fstat of the file
 * opened and read, with *read set).  Returns false when the entry is gone
 * (sendmail at work) or could not be looked at.
 */
static bool
entry_stat(const struct walk *w, const char *name,
    const struct entry_look *lk, struct stat *st,
    const struct entry_look **read)
{
	*read = NULL;
	switch (lk->state) {
	case ENTRY_READ:
		*read = lk;
		break;
	case ENTRY_STAT:
		break;
	case ENTRY_ERROR:
		walk_error(w, name, strerror(lk->sys_errno));
		return false;
	case ENTRY_SKIP:
	case ENTRY_GONE:
	default:
		return false;
	}
	*st = lk->st;
	return true;
}

/* check_entry - one directory entry, as scanahead.c looked it up */
static void
check_entry(const struct walk *w, const char *name,
    const struct entry_look *lk)
{
	const struct entry_look *read;
	char rel[LABEL_MAX];
	struct qname qn;
	struct stat st;
	struct pctx pc;

	qname_classify(name, strlen(name), &qn);
	if (qn.cls == QN_DOT || !entry_stat(w, name, lk, &st, &read))
		return;
	rel_name(w, name, rel, sizeof(rel));
	if (qn.cls == QN_JOB) {
		check_job_entry(w, read, name, rel, &st, &qn);
		return;
	}
	pctx_init(&pc);
	pc.file = rel;
	if (qn.cls == QN_SUBDIR && w->sub == SUB_COUNT) {
		if (S_ISDIR(st.st_mode))
			return; /* opened by open_subdirs(), walked after */
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n;

			if (w->qd->subfd[name[0] == 'q' ? SUB_QF
				: name[0] == 'd' ? SUB_DF : SUB_XF] < 0) {
				(void)pr_fix(w->ctx, PR_0_SUBDIR_SYMLINK, &pc);
				return;
			}
			/* Followed (open_subdirs()): said with -v. */
			n = readlinkat(w->dirfd, name, target, sizeof(target) - 1);
			target[n > 0 ? n : 0] = '\0';
			pc.str = rel;
			pc.str2 = target;
			(void)pr_fix(w->ctx, PR_0_PATH_LINK, &pc);
			return;
		}
		else {
			pc.str = S_ISREG(st.st_mode) ? "regular file"
						     : type_name(st.st_mode);
			if (pr_fix(w->ctx, PR_1_SUBDIR_NOT_DIR, &pc))
				plan_here(w, PR_1_SUBDIR_NOT_DIR, &pc, 0,
				    OP_MOVE_OUT, name, &st);
		}
		return;
	}
	if (ours_or_known(w, name, &st))
		return;
	if (qn.cls == QN_OBSOLETE) {
		pc.str = qn.letter == 'D'
		    ? "a data file set aside by Debian's clean_queues"
		    : qn.letter == 'l' ? "a lock file of sendmail 5" : "a name file of sendmail 5";
		if (pr_fix(w->ctx, PR_1_OBSOLETE, &pc))
			plan_here(w, PR_1_OBSOLETE, &pc, 0, OP_MOVE_OUT, name, &st);
		return;
	}
	w->qd->nforeign++;
	if (pr_fix(w->ctx, PR_1_FOREIGN, &pc))
		plan_here(w, PR_1_FOREIGN, &pc, 0, OP_MOVE_OUT, name, &st);
}

/* walk_dir - every entry of one directory */
static void
walk_dir(struct walk *w)
{
	struct dirlist dl;
	struct scan_ahead *sa;
	struct qerr err;
	size_t i;

	dirlist_init(&dl);
	if (dirlist_read(w->dirfd, &dl, &err) < 0) {
		walk_error(w, ".", err.msg);
		w->qd->unread |= 1u << w->sub;
	}
	if (!w->ctx->rechecking) {
		static const char *const subname[SUB_COUNT] = { "qf", "df", "xf" };
		char where[1024];

		(void)snprintf(where, sizeof(where), "%s%s%s", w->qd->path,
		    w->sub < SUB_COUNT ? "/" : "",
		    w->sub < SUB_COUNT ? subname[w->sub] : "");
		progress_pass(&w->ctx->progress, PROGRESS_ENTRIES, where,
		    (unsigned long)dl.n);
	}
	/* Looked up ahead on threads (a cold cache at boot, every core
	 * warm), the check after repairs too. */
	sa = scan_ahead_start(w->dirfd, &dl, w->ctx->opts.scan_threads,
	    !w->env->locks.loaded);
	if (sa == NULL && dl.n > 0) {
		walk_error(w, ".", "out of memory for the scan");
		w->qd->unread |= 1u << w->sub;
	}
	for (i = 0; sa != NULL && i < dl.n && !stop_requested(); i++) {
		check_entry(w, dirlist_name(&dl, i), scan_ahead_get(sa, i));
		if (!w->ctx->rechecking)
			progress_step(&w->ctx->progress, (unsigned long)i + 1);
	}
	scan_ahead_stop(sa);
	if (!w->ctx->rechecking)
		progress_end(&w->ctx->progress);
	dirlist_free(&dl);
}

/* pass1_scan - passes 1 and 2 over one queue directory */
void
pass1_scan(struct fsck_ctx *ctx, struct scan_env *env, struct qset *set,
    uint16_t qi)
{
	struct walk w;
	int s;

	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	w.env = env;
	w.set = set;
	w.qd = &set->dirs[qi];
	w.qi = qi;
	w.sub = SUB_COUNT;
	w.dirfd = w.qd->fd;
	open_subdirs(&w);
	w.dirfd = w.qd->fd;
	w.sub = SUB_COUNT;
	walk_dir(&w);
	for (s = 0; s < SUB_COUNT; s++) {
		if (w.qd->subfd[s] < 0)
			continue;
		w.dirfd = w.qd->subfd[s];
		w.sub = s;
		walk_dir(&w);
	}
}
