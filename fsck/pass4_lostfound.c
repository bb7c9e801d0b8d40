/*
 * pass4_lostfound.c - lost+found: queue files that e2fsck (or an administrator)
 * put there, taken into the index as files of their jobs before pass 3,
 * so that every decision is about a whole job wherever its files are (a
 * df is never taken for an orphan while its control file sits in
 * lost+found; a lost qf goes back only with its body).
 *
 * e2fsck reconnects a file whose directory entry was lost as
 * lost+found/#<inode>, keeping its inode, owner and mode; sendmail
 * records a job's df inode in the qf's I line (queue.c queueup():
 * "I%ld/%ld/%llu").  So, on the file system of each queue:
 *  - a regular file that reads as a complete control file is the control
 *    file of the job its own words name: the id of its first Received
 *    header ("... id <queue id>;", written by this sendmail), else the
 *    one in sendmail's Message-Id ("<date.id@host>", $t.$i@$j);
 *  - any other regular file whose device and inode are the ones the I
 *    line of a job without a df in the queue records (that job's control
 *    file in the queue, or the one just found here) is that job's df.
 * Nothing else there is looked at.  Only a lost+found no one but root can
 * change is searched, only files a trusted user owns are taken (and a
 * control file only if no one else may write it: trust.h), only regular
 * files are opened, with the same safe I/O as the queue; a file is read
 * only when its first byte is the 'V' sendmail writes first.  The
 * directory is read once and not searched recursively.  What becomes of
 * the files is pass 3's to decide (pass3_jobs.c).
 * Hands on to pass 3: the files taken, as files of their jobs in the
 * index (set->lfs names the directories).
 * Memory: one directory's names at a time; what the index holds of
 * lost+found is freed by lostfound_free().
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
#include "grow.h"
#include "inomap.h"
#include "pass4_lostfound.h"
#include "qid.h"
#include "queues.h"
#include "pass1_scan.h"
#include "trust.h"

/* One lost+found being searched. */
struct lf_scan {
	struct fsck_ctx *ctx;
	struct scan_env *env;
	struct qset *set;
	uint16_t lfi;		/* its index in set->lfs */
	struct dirlist dl;
	unsigned char *taken;	/* per entry: taken as a control file */
};

/* ------------------------------------------------------------------ */
/* Names and claims */

/* lf_name - the entry name in lost+found of index file f, or "?" */
const char *
lf_name(const struct qset *set, uint32_t f)
{
	size_t lo = 0, hi = set->nlfnames;

	/* Added in increasing file order: a binary search. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (set->lfnames[mid].file == f)
			return set->lfnames[mid].name;
		if (set->lfnames[mid].file < f)
			lo = mid + 1;
		else
			hi = mid;
	}
	return "?";
}

/* add_name - remember the entry name of file f */
static int
add_name(struct qset *set, uint32_t f, const char *name)
{
	if (grow_array((void **)&set->lfnames, &set->caplfnames,
		set->nlfnames + 1, sizeof(*set->lfnames), 16) < 0)
		return -1;
	if ((set->lfnames[set->nlfnames].name = strdup(name)) == NULL)
		return -1;
	set->lfnames[set->nlfnames++].file = f;
	return 0;
}

/* claimed - another set of this run took the file already */
static bool
claimed(const struct fsck_ctx *ctx, const struct stat *st)
{
	size_t i;

	for (i = 0; i < ctx->nlf_claimed; i++)
		if (ctx->lf_claimed[i].dev == st->st_dev &&
		    ctx->lf_claimed[i].ino == st->st_ino)
			return true;
	return false;
}

/* claim - this set takes the file */
static int
claim(struct fsck_ctx *ctx, const struct stat *st)
{
	if (grow_array((void **)&ctx->lf_claimed, &ctx->caplf_claimed,
		ctx->nlf_claimed + 1, sizeof(*ctx->lf_claimed), 16) < 0)
		return -1;
	ctx->lf_claimed[ctx->nlf_claimed].dev = st->st_dev;
	ctx->lf_claimed[ctx->nlf_claimed].ino = st->st_ino;
	ctx->nlf_claimed++;
	return 0;
}

/* add_file - file `name` of lost+found becomes file `letter` of job j */
static uint32_t
add_file(struct lf_scan *ls, uint32_t j, const char *name,
    const struct stat *st, char letter, uint16_t flags)
{
	struct jfile jf;
	uint32_t f;

	memset(&jf, 0, sizeof(jf));
	jf.ino = (uint64_t)st->st_ino;
	jf.mtime = (uint32_t)st->st_mtim.tv_sec;
	jf.mtime_ns = (uint32_t)st->st_mtim.tv_nsec;
	jf.ctime = (uint32_t)st->st_ctime;
	jf.qdir = ls->lfi;
	jf.sub = SUB_LOSTFOUND;
	jf.letter = (uint8_t)letter;
	jf.nlink = st->st_nlink > 65535 ? 65535 : (uint16_t)st->st_nlink;
	jf.flags = (uint16_t)(JF_LOSTFOUND | flags);
	f = index_add_file(&ls->set->idx, j, &jf);
	if (f == 0 || add_name(ls->set, f, name) < 0 || claim(ls->ctx, st) < 0) {
		ctx_error(ls->ctx, ls->set->lfs[ls->lfi].path,
		    "out of memory indexing lost+found");
		return 0;
	}
	return f;
}

/* ------------------------------------------------------------------ */
/* Control files */

/* id_ok - bytes that make a queue id sendmail would have made */
static bool
id_ok(const char *id, size_t n)
{
	char name[QID_MAX_LEN + 3];
	struct qname qn;

	if (n == 0 || n > QID_MAX_LEN)
		return false;
	name[0] = 'q';
	name[1] = 'f';
	memcpy(name + 2, id, n);
	qname_classify(name, n + 2, &qn);
	return qn.cls == QN_JOB && qn.id_format != QID_OTHER &&
	    qn.id_format != QID_NONE;
}

/* take_id - the longest run of id characters at v (len bytes) */
static size_t
take_id(const char *v, size_t len, char *id, size_t idsz)
{
	size_t n = 0;

	while (n < len && n < idsz - 1 &&
	    ((v[n] >= '0' && v[n] <= '9') || (v[n] >= 'A' && v[n] <= 'Z') ||
		(v[n] >= 'a' && v[n] <= 'z'))) {
		id[n] = v[n];
		n++;
	}
	id[n] = '\0';
	return n;
}

/* received_id - the id in the first Received header ("... id X;"): the
 * one this host's sendmail wrote when it took the message in */
static bool
received_id(const struct qf_file *qf, char *id, size_t idsz)
{
	struct qf_header h;
	size_t i, k;

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
			return id_ok(id, take_id(v + 3, h.value_len - k - 3, id,
			    idsz));
		}
		return false; /* only this host's own, the first, counts */
	}
	return false;
}

/* msgid_id - the id in a Message-Id sendmail made: "<$t.$i@$j>" */
static bool
msgid_id(const struct qf_file *qf, char *id, size_t idsz)
{
	struct qf_header h;
	size_t i, k;

	for (i = 0; i < qf->nlines; i++) {
		if (!qf_header(qf, i, &h) || h.name_len != 10 ||
		    strncasecmp(h.name, "Message-Id", 10) != 0)
			continue;
		for (k = 0; k < h.value_len && h.value[k] != '<'; k++)
			;
		for (; k < h.value_len && h.value[k] != '.' && h.value[k] != '@' &&
		     h.value[k] != '>'; k++)
			;
		if (k >= h.value_len || h.value[k] != '.')
			return false;
		k++;
		if (!id_ok(id, take_id(h.value + k, h.value_len - k, id, idsz)))
			return false;
		k += strlen(id);
		return k < h.value_len && h.value[k] == '@';
	}
	return false;
}

/* keep_lost_facts - a job with no control file in the queue takes the
 * facts pass 3 needs (I line, T, d line) from the one found here */
static void
keep_lost_facts(struct qset *set, struct job *jb, const struct qf_file *qf)
{
	if (jb->ctrl != 0)
		return;
	scan_take_facts(set, jb, qf, qf->quarantine.len > 0 ? 'h' : 'q');
	jb->jflags |= JB_LOST_FACTS;
}

/* has_queue_files - the job has files in the set's queues */
static bool
has_queue_files(const struct index *idx, uint32_t j)
{
	uint32_t f;

	for (f = idx->jobs[j].first; f != 0; f = idx->files[f].next)
		if (!(idx->files[f].flags & JF_LOSTFOUND))
			return true;
	return false;
}

/* lf_pctx - a context naming a file of lost+found */
static void
lf_pctx(const struct lf_scan *ls, struct pctx *pc, const char *name,
    const char *id, size_t idlen)
{
	pctx_init(pc);
	pc->str = name;
	pc->str2 = ls->set->lfs[ls->lfi].path;
	pc->id = id;
	pc->idlen = idlen;
}

/*
 * read_control - whether entry `name` (regular, st) reads as a complete
 * control file with recipients; it is then parsed in ls->env->qf
 */
static bool
read_control(struct lf_scan *ls, const char *name, const struct stat *st,
    struct stat *fst)
{
	struct scan_env *env = ls->env;
	struct qf_parse_opts o;
	struct qerr err;
	bool trunc = false;
	char first = 0;
	int fd;

	if (st->st_size <= 2 || (uint64_t)st->st_size > QF_MAX_BYTES)
		return false;
	fd = sio_open_entry(ls->set->lfs[ls->lfi].fd, name, st, fst, &err);
	if (fd < 0)
		return false;
	/* sendmail writes the V line first: nothing else is read. */
	if (pread(fd, &first, 1, 0) != 1 || first != 'V') {
		(void)close(fd);
		return false;
	}
	env->buf.len = 0;
	if (sio_read(fd, &env->buf, QF_MAX_BYTES, &trunc, &err) < 0 || trunc) {
		(void)close(fd);
		return false;
	}
	(void)close(fd);
	memset(&o, 0, sizeof(o));
	o.letter = 'q';
	return qf_parse(&env->qf, env->buf.data, env->buf.len, &o, &err) == 0 &&
	    env->qf.terminated && env->qf.nrcpt > 0;
}

/* take_control - entry i of lost+found, if it is a control file of a job */
static void
take_control(struct lf_scan *ls, size_t i, const char *name,
    const struct stat *st)
{
	const struct policy *pol = &ls->set->pol;
	const struct qf_file *qf = &ls->env->qf;
	char id[QID_MAX_LEN + 1], id2[QID_MAX_LEN + 1];
	struct stat fst;
	struct pctx pc;
	uint32_t j;
	bool by_received, untrusted;

	if (!read_control(ls, name, st, &fst) || claimed(ls->ctx, &fst))
		return;
	by_received = received_id(qf, id, sizeof(id));
	/* No id, or two ids sendmail wrote that disagree (not this host's
	 * doing): no orphan df goes while it is there. */
	if ((!by_received && !msgid_id(qf, id, sizeof(id))) ||
	    (by_received && msgid_id(qf, id2, sizeof(id2)) &&
		strcmp(id, id2) != 0)) {
		lf_pctx(ls, &pc, name, NULL, 0);
		(void)pr_fix(ls->ctx, PR_4_LF_UNKNOWN, &pc);
		ls->set->lf_unknown = true;
		ls->taken[i] = 1;
		return;
	}
	untrusted = !trust_control(pol, &fst);
	if (untrusted) {
		lf_pctx(ls, &pc, name, id, strlen(id));
		pc.uid = fst.st_uid;
		pc.num = fst.st_mode & 07777;
		(void)pr_fix(ls->ctx, PR_4_LF_UNTRUSTED, &pc);
		ls->taken[i] = 1;
	}
	j = index_find(&ls->set->idx, id, strlen(id));
	/* A job this set has nothing of: only if it is written the way
	 * this configuration writes files (the MTA's 0640, the MSP's 0660:
	 * a file system may hold the queues of both). */
	if ((j == 0 || !has_queue_files(&ls->set->idx, j)) &&
	    (fst.st_mode & 0777) != (pol->file_mode & 0777))
		return;
	if (j == 0 && (j = index_job(&ls->set->idx, id, strlen(id))) == 0) {
		ctx_error(ls->ctx, ls->set->lfs[ls->lfi].path,
		    "out of memory indexing lost+found");
		return;
	}
	/* An untrusted one only keeps its job's df from being removed. */
	if (add_file(ls, j, name, &fst, qf->quarantine.len > 0 ? 'h' : 'q',
		untrusted ? JF_UNTRUSTED
			  : JF_READ | (qf_complete(qf) ? JF_COMPLETE : 0)) == 0)
		return;
	if (!untrusted)
		keep_lost_facts(ls->set, &ls->set->idx.jobs[j], qf);
	ls->taken[i] = 1;
}

/* ------------------------------------------------------------------ */
/* Data files */

/* dev_of_queues - a device one of the set's queue directories is on */
static bool
dev_of_queues(const struct qset *set, dev_t dev)
{
	size_t i;

	for (i = 0; i < set->ndirs; i++)
		if (set->dirs[i].reachable && set->dirs[i].st.st_dev == dev)
			return true;
	return false;
}

/*
 * wanted_dfs - the I lines of jobs with a control file but no df in the
 * queue of the inode it records, by (device, inode).  An I line naming a device that no queue
 * is on (the file system came back under another device number, as an
 * LVM or a loop device may) is put in under lost+found's own device as
 * well: inode numbers belong to the file system.
 */
static int
wanted_dfs(const struct qset *set, dev_t lfdev, struct inomap *m)
{
	const struct index *idx = &set->idx;
	uint32_t j, f;

	for (j = 1; j < idx->njobs; j++) {
		const struct job *jb = &idx->jobs[j];
		dev_t dev;
		bool has_df = false;

		if (!(jb->jflags & JB_HAS_I))
			continue;
		dev = makedev(jb->i_major, jb->i_minor);
		for (f = jb->first; f != 0 && !has_df; f = idx->files[f].next)
			has_df = idx->files[f].letter == 'd' &&
			    !(idx->files[f].flags & JF_LOSTFOUND) &&
			    idx->files[f].ino == jb->i_ino;
		if (has_df)
			continue;
		if (inomap_put(m, (uint64_t)dev, jb->i_ino, j) < 0)
			return -1;
		if (dev != lfdev && !dev_of_queues(set, dev) &&
		    inomap_put(m, (uint64_t)lfdev, jb->i_ino, j) < 0)
			return -1;
	}
	return 0;
}

/*
 * born_for - the file was born as the df job jb's control file recorded
 * (trust.h body_born_for()), not a later file on a reused inode number
 */
static bool
born_for(const struct lf_scan *ls, const char *name, const struct job *jb)
{
	const struct index *idx = &ls->set->idx;
	struct timespec mt = { 0, 0 };
	uint32_t f;

	/* The control file whose facts the job has: the one written last. */
	for (f = jb->first; f != 0; f = idx->files[f].next) {
		const struct jfile *jf = &idx->files[f];

		if (jf->letter == jb->ctrl &&
		    ((time_t)jf->mtime > mt.tv_sec ||
			((time_t)jf->mtime == mt.tv_sec &&
			    (long)jf->mtime_ns > mt.tv_nsec))) {
			mt.tv_sec = (time_t)jf->mtime;
			mt.tv_nsec = (long)jf->mtime_ns;
		}
	}
	return mt.tv_sec != 0 && body_born_for(ls->set->lfs[ls->lfi].fd, name,
	    (long long)jb->ctime_T, &mt, BODY_VIA_FSCK);
}

/* take_data - entry `name`, if it is the df a job's I line records */
static void
take_data(struct lf_scan *ls, const struct inomap *m, const char *name,
    const struct stat *st)
{
	struct pctx pc;
	uint32_t j, n;

	j = inomap_get(m, (uint64_t)st->st_dev, (uint64_t)st->st_ino, &n);
	if (j == 0 || claimed(ls->ctx, st) ||
	    !born_for(ls, name, &ls->set->idx.jobs[j]))
		return;
	if (!trust_owner(&ls->set->pol, st)) {
		const struct job *jb = &ls->set->idx.jobs[j];

		lf_pctx(ls, &pc, name, jb->id, jb->idlen);
		pc.uid = st->st_uid;
		pc.num = st->st_mode & 07777;
		(void)pr_fix(ls->ctx, PR_4_LF_UNTRUSTED, &pc);
		return;
	}
	(void)add_file(ls, j, name, st, 'd', 0);
}

/* ------------------------------------------------------------------ */
/* The directories */

/* scan_one - every regular file of one lost+found, controls first */
static void
scan_one(struct lf_scan *ls)
{
	struct lfdir *lf = &ls->set->lfs[ls->lfi];
	struct inomap m;
	struct qerr err;
	struct stat st;
	size_t i;

	dirlist_init(&ls->dl);
	if (dirlist_read(lf->fd, &ls->dl, &err) < 0)
		ctx_error(ls->ctx, lf->path, err.msg);
	ls->taken = calloc(ls->dl.n + 1, 1);
	if (ls->taken == NULL) {
		ctx_error(ls->ctx, lf->path, "out of memory");
		dirlist_free(&ls->dl);
		return;
	}
	for (i = 0; i < ls->dl.n && !stop_requested(); i++) {
		const char *name = ls->dl.n > 0 ? dirlist_name(&ls->dl, i) : "";

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
		    fstatat(lf->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode)) {
			ls->taken[i] = 1;
			continue;
		}
		take_control(ls, i, name, &st);
	}
	inomap_init(&m);
	if (wanted_dfs(ls->set, lf->st.st_dev, &m) < 0)
		ctx_error(ls->ctx, lf->path, "out of memory");
	for (i = 0; m.used > 0 && i < ls->dl.n && !stop_requested(); i++) {
		const char *name = dirlist_name(&ls->dl, i);

		if (ls->taken[i] ||
		    fstatat(lf->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		take_data(ls, &m, name, &st);
	}
	inomap_free(&m);
	free(ls->taken);
	ls->taken = NULL;
	dirlist_free(&ls->dl);
}

/* lf_trusted - a lost+found no one but a trusted user can change (e2fsck
 * makes it root's, 0700); another's could hold anyone's files */
static bool
lf_trusted(const struct policy *pol, const struct stat *st)
{
	return (st->st_uid == 0 || st->st_uid == pol->runner_uid ||
		   (pol->owner_override && st->st_uid == pol->expected_owner)) &&
	    !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* add_lf - open lost+found `path` (fd) for the set; fd is taken */
static void
add_lf(struct fsck_ctx *ctx, struct qset *set, const char *path, int fd)
{
	struct lfdir *nl;
	struct stat st;
	size_t i;

	if (fstat(fd, &st) < 0) {
		ctx_warn(ctx, path, strerror(errno));
		(void)close(fd);
		return;
	}
	for (i = 0; i < set->nlfs; i++)
		if (set->lfs[i].st.st_dev == st.st_dev &&
		    set->lfs[i].st.st_ino == st.st_ino) {
			(void)close(fd);
			return;
		}
	if (!lf_trusted(&set->pol, &st)) {
		ctx_warn(ctx, path,
		    "others can write this lost+found: its files are not taken for queue files");
		(void)close(fd);
		return;
	}
	nl = set->nlfs < 0xfff0 ? realloc(set->lfs, (set->nlfs + 1) * sizeof(*nl))
				: NULL;
	if (nl == NULL || (nl[set->nlfs].path = strdup(path)) == NULL ||
	    (nl[set->nlfs].abspath = queues_abspath(path)) == NULL) {
		if (nl != NULL) {
			free(nl[set->nlfs].path);
			set->lfs = nl;
		}
		ctx_error(ctx, path, "out of memory");
		(void)close(fd);
		return;
	}
	set->lfs = nl;
	nl[set->nlfs].fd = fd;
	nl[set->nlfs].st = st;
	set->nlfs++;
}

/* open_lfs - the lost+found of each queue's file system, or --lost-found */
static void
open_lfs(struct fsck_ctx *ctx, struct qset *set)
{
	struct qerr err;
	char label[1024];
	size_t i, k;
	int rootfd, fd;

	if (ctx->opts.lost_found != NULL) {
		fd = sio_open_path(ctx->opts.lost_found, NULL, NULL, &err);
		if (fd < 0)
			ctx_error(ctx, ctx->opts.lost_found, err.msg);
		else
			add_lf(ctx, set, ctx->opts.lost_found, fd);
		return;
	}
	for (i = 0; i < set->ndirs; i++) {
		const struct qdir *qd = &set->dirs[i];

		if (!qd->reachable || qd->mount_path == NULL)
			continue;
		for (k = 0; k < i; k++) /* once per file system */
			if (set->dirs[k].reachable &&
			    set->dirs[k].st.st_dev == qd->st.st_dev)
				break;
		if (k < i)
			continue;
		rootfd = sio_open_path(qd->mount_path, NULL, NULL, &err);
		if (rootfd < 0)
			continue;
		fd = sio_opendirat(rootfd, "lost+found", NULL, &err);
		(void)close(rootfd);
		(void)snprintf(label, sizeof(label), "%s/lost+found",
		    strcmp(qd->mount_path, "/") == 0 ? "" : qd->mount_path);
		if (fd < 0) {
			/* lost+found is not the queue: not searching it (as a
			 * user who may not) leaves the queue checked. */
			if (err.sys_errno != ENOENT)
				ctx_warn(ctx, label,
				    "lost+found could not be searched for lost queue files");
			continue;
		}
		add_lf(ctx, set, label, fd);
	}
}

/* lf_queue - the queue directory messages about a lost+found name: the
 * first on its file system, else the first checked */
const struct qdir *
lf_queue(const struct qset *set, const struct lfdir *lf)
{
	size_t i;

	for (i = 0; i < set->ndirs; i++)
		if (set->dirs[i].reachable && set->dirs[i].st.st_dev == lf->st.st_dev)
			return &set->dirs[i];
	for (i = 0; i < set->ndirs; i++)
		if (set->dirs[i].reachable)
			return &set->dirs[i];
	return NULL;
}

/* pass4_lostfound - take the queue files of lost+found into the index */
void
pass4_lostfound(struct fsck_ctx *ctx, struct scan_env *env, struct qset *set)
{
	struct lf_scan ls;
	size_t i;

	open_lfs(ctx, set);
	for (i = 0; i < set->nlfs && !stop_requested(); i++) {
		memset(&ls, 0, sizeof(ls));
		ls.ctx = ctx;
		ls.env = env;
		ls.set = set;
		ls.lfi = (uint16_t)i;
		ctx->qd = lf_queue(set, &set->lfs[i]);
		scan_one(&ls);
	}
	ctx->qd = NULL;
}

/* lostfound_free - close and forget the set's lost+found */
void
lostfound_free(struct qset *set)
{
	size_t i;

	for (i = 0; i < set->nlfs; i++) {
		if (set->lfs[i].fd >= 0)
			(void)close(set->lfs[i].fd);
		free(set->lfs[i].path);
		free(set->lfs[i].abspath);
	}
	free(set->lfs);
	set->lfs = NULL;
	set->nlfs = 0;
	for (i = 0; i < set->nlfnames; i++)
		free(set->lfnames[i].name);
	free(set->lfnames);
	set->lfnames = NULL;
	set->nlfnames = set->caplfnames = 0;
	set->lf_unknown = false;
}
