/*
 * lostfound.c - pass 4: queue files that e2fsck (or an administrator)
 * put in lost+found.
 *
 * e2fsck reconnects a file whose directory entry was lost as
 * lost+found/#<inode>, keeping its inode; sendmail records a job's df
 * inode in the qf's I line (queue.c queueup(): "I%ld/%ld/%llu").  So, on
 * the file system of each queue:
 *  - a regular file whose device and inode are those the I line of a qf
 *    without its df records is that df;
 *  - a file that reads as a complete control file belongs to the job
 *    whose df its I line names, or to the job its first Received header
 *    names ("... id <queue id>;", written by this sendmail) if that job
 *    has no control file.
 * Each match is reported as recoverable, with where it would go.  Only
 * regular files are opened, with the same safe I/O as the queue; the
 * directory is read once.  lost+found is not searched recursively.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dirlist.h"
#include "jobs.h"
#include "qid.h"
#include "repair.h"

struct lf_walk {
	struct fsck_ctx *ctx;
	struct scan_env *env;
	struct qset *set;
	const struct lf_wants *wants;
	int lfd;		/* lost+found */
	dev_t dev;		/* its file system */
	const struct qdir *qd;	/* a queue directory on that file system */
	const char *path;	/* lost+found, for the repair */
};

/* plan_recover - move lost+found/name back to letter f<id> at qi */
static void
plan_recover(const struct lf_walk *lw, enum problem_id id,
    const struct pctx *pc, uint32_t job, const char *name,
    const struct stat *st, char letter, const char *idtext, size_t idlen,
    uint16_t qi)
{
	const struct qdir *qd = &lw->set->dirs[qi];
	int s = letter == 'd' ? SUB_DF : SUB_QF;
	struct plan *p = lw->ctx->plan;
	char dest[64];
	struct plan_op op;

	plan_op_init(&op, OP_NKINDS);
	op.kind = OP_RECOVER;
	plan_file_set(p, &op.src, PLACE_LOST_FOUND, SUB_COUNT, name, st);
	if (idlen > sizeof(dest) - 3)
		idlen = sizeof(dest) - 3;
	dest[0] = letter;
	dest[1] = 'f';
	memcpy(dest + 2, idtext, idlen);
	dest[2 + idlen] = '\0';
	plan_file_set(p, &op.dst, qi, qdir_has_sub(qd, s) ? (uint8_t)s : SUB_COUNT,
	    dest, NULL);
	op.flags = OPF_NOREPLACE;
	op.uid = lw->set->pol.expected_owner;
	op.mode = letter == 'd' || letter == 'q' ? lw->set->pol.file_mode
						 : (mode_t)-1;
	op.lf_dir = plan_intern(p, lw->path, strlen(lw->path));
	repair_plan(lw->ctx, id, pc, job, &op, 1);
}

/* dest_name - where a job's file goes back: "<queue>/[df/]df<id>" */
static void
dest_name(const struct qset *set, const struct job *jb, char letter,
    uint16_t qi, char *out, size_t outsz)
{
	const struct qdir *qd = &set->dirs[qi];
	int s = letter == 'd' ? SUB_DF : SUB_QF;

	(void)snprintf(out, outsz, "%s/%s%cf%.*s", qd->path,
	    qdir_has_sub(qd, s) ? (s == SUB_DF ? "df/" : "qf/") : "", letter,
	    (int)jb->idlen, jb->id);
}

/* ctrl_of - a control file of the job, or 0 */
static uint32_t
ctrl_of(const struct index *idx, const struct job *jb)
{
	uint32_t f;

	for (f = jb->first; f != 0; f = idx->files[f].next)
		if (strchr("qhQ", idx->files[f].letter) != NULL)
			return f;
	return 0;
}

/* match_missing_df - the file is the df a qf misses */
static bool
match_missing_df(const struct lf_walk *lw, const char *name,
    const struct stat *st)
{
	const struct index *idx = &lw->set->idx;
	char fname[64], dest[1024];
	struct pctx pc;
	size_t i;

	for (i = 0; i < lw->wants->nmissing; i++) {
		const struct job *jb = &idx->jobs[lw->wants->missing_df[i]];
		uint32_t c = ctrl_of(idx, jb);

		if (c == 0 || jb->i_ino != (uint64_t)st->st_ino ||
		    makedev(jb->i_major, jb->i_minor) != st->st_dev)
			continue;
		(void)snprintf(fname, sizeof(fname), "%cf%.*s",
		    (char)idx->files[c].letter, (int)jb->idlen, jb->id);
		dest_name(lw->set, jb, 'd',
		    jb->datadir < lw->set->ndirs ? jb->datadir
						  : idx->files[c].qdir,
		    dest, sizeof(dest));
		pctx_init(&pc);
		pc.id = jb->id;
		pc.idlen = jb->idlen;
		pc.file = fname;
		pc.str = name;
		pc.str2 = dest;
		if (pr_fix(lw->ctx, PR_4_LF_DF, &pc))
			plan_recover(lw, PR_4_LF_DF, &pc, lw->wants->missing_df[i],
			    name, st, 'd', jb->id, jb->idlen,
			    jb->datadir < lw->set->ndirs ? jb->datadir
							  : idx->files[c].qdir);
		return true;
	}
	return false;
}

/* received_id - the id in the first Received header ("... id X;") */
static bool
received_id(const struct qf_file *qf, char *id, size_t idsz)
{
	struct qf_header h;
	size_t i, k, n;

	for (i = 0; i < qf->nlines; i++) {
		if (!qf_header(qf, i, &h) || h.name_len != 8 ||
		    strncasecmp(h.name, "Received", 8) != 0)
			continue;
		for (k = 0; k + 4 <= h.value_len; k++) {
			const char *v = h.value + k;

			if ((k > 0 && v[-1] != ' ' && v[-1] != '\t' &&
				v[-1] != '\n') ||
			    memcmp(v, "id ", 3) != 0)
				continue;
			v += 3;
			for (n = 0; n < idsz - 1 && k + 3 + n < h.value_len &&
			     ((v[n] >= '0' && v[n] <= '9') ||
				 (v[n] >= 'A' && v[n] <= 'Z') ||
				 (v[n] >= 'a' && v[n] <= 'z'));
			     n++)
				id[n] = v[n];
			id[n] = '\0';
			return n > 0;
		}
		return false; /* only this host's own, the first, counts */
	}
	return false;
}

/* df_job_of_inode - the job whose df is (dev, ino) and has no control */
static uint32_t
df_job_of_inode(const struct lf_walk *lw, dev_t dev, uint64_t ino)
{
	const struct index *idx = &lw->set->idx;
	size_t i;

	for (i = 0; i < lw->wants->norphan; i++) {
		const struct job *jb = &idx->jobs[lw->wants->orphan_df[i]];
		uint32_t f;

		for (f = jb->first; f != 0; f = idx->files[f].next) {
			const struct jfile *jf = &idx->files[f];
			const struct qdir *qd = &lw->set->dirs[jf->qdir];
			dev_t d = jf->sub < SUB_COUNT ? qd->subst[jf->sub].st_dev
						      : qd->st.st_dev;

			if (jf->letter == 'd' && jf->ino == ino && d == dev)
				return lw->wants->orphan_df[i];
		}
	}
	return 0;
}

/* report_qf - a control file in lost+found that belongs to job j */
static void
report_qf(const struct lf_walk *lw, const char *name, const struct stat *st,
    uint32_t j, enum problem_id id, const char *idtext, size_t idlen)
{
	uint16_t qi = (uint16_t)(lw->qd - lw->set->dirs);
	const struct index *idx = &lw->set->idx;
	char fname[64] = "", dest[1024];
	struct pctx pc;

	pctx_init(&pc);
	if (j != 0) {
		const struct job *jb = &idx->jobs[j];
		uint32_t f = jb->first;

		(void)snprintf(fname, sizeof(fname), "df%.*s", (int)jb->idlen,
		    jb->id);
		dest_name(lw->set, jb, 'q', idx->files[f].qdir, dest, sizeof(dest));
		pc.id = jb->id;
		pc.idlen = jb->idlen;
		qi = idx->files[f].qdir;
	} else {
		const struct qdir *qd = lw->qd;
		char idb[QID_MAX_LEN + 1];

		if (idlen > QID_MAX_LEN)
			idlen = QID_MAX_LEN;
		memcpy(idb, idtext, idlen);
		idb[idlen] = '\0';
		(void)snprintf(dest, sizeof(dest), "%s/%sqf%s", qd->path,
		    qdir_has_sub(qd, SUB_QF) ? "qf/" : "", idb);
		pc.id = idtext;
		pc.idlen = idlen;
	}
	pc.file = fname;
	pc.str = name;
	pc.str2 = dest;
	if (pr_fix(lw->ctx, id, &pc))
		plan_recover(lw, id, &pc, j, name, st, 'q', pc.id, pc.idlen, qi);
}

/* match_control - the file reads as a control file of a job here */
static void
match_control(struct lf_walk *lw, const char *name, const struct stat *st)
{
	struct qf_file *qf = &lw->env->qf;
	struct qf_parse_opts o;
	struct qerr err;
	char id[QID_MAX_LEN + 1];
	uint32_t j;
	int fd;

	if (st->st_size <= 2 || (uint64_t)st->st_size > QF_MAX_BYTES)
		return;
	fd = sio_open_entry(lw->lfd, name, st, NULL, &err);
	if (fd < 0)
		return;
	lw->env->buf.len = 0;
	if (sio_read(fd, &lw->env->buf, QF_MAX_BYTES, NULL, &err) < 0 ||
	    lw->env->buf.len < 2 || lw->env->buf.data[0] != 'V') {
		(void)close(fd);
		return;
	}
	(void)close(fd);
	memset(&o, 0, sizeof(o));
	o.letter = 'q';
	if (qf_parse(qf, lw->env->buf.data, lw->env->buf.len, &o, &err) < 0 ||
	    !qf->terminated || qf->nrcpt == 0)
		return;
	if (qf->has_inode && qf->inode_major >= 0 && qf->inode_minor >= 0 &&
	    (j = df_job_of_inode(lw, makedev((unsigned)qf->inode_major,
					 (unsigned)qf->inode_minor),
		 qf->inode)) != 0) {
		report_qf(lw, name, st, j, PR_4_LF_QF, NULL, 0);
		return;
	}
	if (!received_id(qf, id, sizeof(id)))
		return;
	{
		struct qname qn;
		char fname[QID_MAX_LEN + 3];

		(void)snprintf(fname, sizeof(fname), "qf%s", id);
		qname_classify(fname, strlen(fname), &qn);
		if (qn.id_format != QID_V812 && qn.id_format != QID_V810)
			return;
	}
	j = index_find(&lw->set->idx, id, strlen(id));
	if (j != 0 && ctrl_of(&lw->set->idx, &lw->set->idx.jobs[j]) != 0)
		return; /* the job has its control file: a stale copy */
	report_qf(lw, name, st, j, PR_4_LF_QF_BY_ID, id, strlen(id));
}

/* walk_lostfound - every regular file of one lost+found */
static void
walk_lostfound(struct lf_walk *lw, const char *label)
{
	struct dirlist dl;
	struct qerr err;
	struct stat st;
	size_t i;

	dirlist_init(&dl);
	if (dirlist_read(lw->lfd, &dl, &err) < 0)
		ctx_error(lw->ctx, label, err.msg);
	for (i = 0; i < dl.n; i++) {
		const char *name = dirlist_name(&dl, i);

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		    fstatat(lw->lfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (!match_missing_df(lw, name, &st))
			match_control(lw, name, &st);
	}
	dirlist_free(&dl);
}

/* lostfound_dir - the directory --lost-found names */
static void
lostfound_dir(struct fsck_ctx *ctx, struct scan_env *env, struct qset *set,
    const struct lf_wants *wants)
{
	struct lf_walk lw;
	struct qerr err;
	size_t i;

	memset(&lw, 0, sizeof(lw));
	for (i = 0; i < set->ndirs && lw.qd == NULL; i++)
		if (set->dirs[i].reachable)
			lw.qd = &set->dirs[i];
	if (lw.qd == NULL)
		return;
	lw.lfd = sio_open_path(ctx->opts.lost_found, NULL, NULL, &err);
	if (lw.lfd < 0) {
		ctx_error(ctx, ctx->opts.lost_found, err.msg);
		return;
	}
	lw.ctx = ctx;
	lw.env = env;
	lw.set = set;
	lw.wants = wants;
	lw.dev = lw.qd->st.st_dev;
	lw.path = ctx->opts.lost_found;
	ctx->qd = lw.qd;
	walk_lostfound(&lw, ctx->opts.lost_found);
	(void)close(lw.lfd);
	ctx->qd = NULL;
}

/* lostfound_pass - pass 4 over every file system of the set */
void
lostfound_pass(struct fsck_ctx *ctx, struct scan_env *env, struct qset *set,
    const struct lf_wants *wants)
{
	struct lf_walk lw;
	struct qerr err;
	char label[1024];
	size_t i, k;
	int rootfd;

	if (ctx->opts.lost_found != NULL) {
		lostfound_dir(ctx, env, set, wants);
		return;
	}
	for (i = 0; i < set->ndirs; i++) {
		struct qdir *qd = &set->dirs[i];

		if (!qd->reachable || qd->mount_path == NULL)
			continue;
		/* Once per file system. */
		for (k = 0; k < i; k++)
			if (set->dirs[k].reachable &&
			    set->dirs[k].st.st_dev == qd->st.st_dev)
				break;
		if (k < i)
			continue;
		rootfd = sio_open_path(qd->mount_path, NULL, NULL, &err);
		if (rootfd < 0)
			continue;
		memset(&lw, 0, sizeof(lw));
		lw.lfd = sio_opendirat(rootfd, "lost+found", NULL, &err);
		(void)close(rootfd);
		if (lw.lfd < 0) {
			/* lost+found is not the queue: not searching it (as a
			 * user who may not) leaves the queue checked. */
			if (err.sys_errno != ENOENT)
				ctx_warn(ctx, qd->mount_path,
				    "lost+found could not be searched for lost queue files");
			continue;
		}
		lw.ctx = ctx;
		lw.env = env;
		lw.set = set;
		lw.wants = wants;
		lw.dev = qd->st.st_dev;
		lw.qd = qd;
		ctx->qd = qd;
		(void)snprintf(label, sizeof(label), "%s/lost+found",
		    strcmp(qd->mount_path, "/") == 0 ? "" : qd->mount_path);
		lw.path = label;
		walk_lostfound(&lw, label);
		(void)close(lw.lfd);
		ctx->qd = NULL;
	}
}
