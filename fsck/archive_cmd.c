/*
 * archive_cmd.c - mqfsck --list and --restore: the commands around
 * repair/arc_list.c and arc_restore.c.  An archive is data anyone may
 * have handed over, and a restore runs as root: the archive file must be
 * root's or the caller's and closed to others; files go back only into
 * a queue directory of the configuration, or one named and checked like
 * a queue; and only names sendmail gives queue files, without set-id
 * bits, and no control file someone untrusted could have written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arc.h"
#include "archive_cmd.h"
#include "grow.h"
#include "pass0_qdir.h"
#include "qid.h"
#include "queues.h"
#include "sio.h"

/* open_archive - an archive file named by path, never through a link */
static int
open_archive(const char *path, struct qerr *err)
{
	char *dir = strdup(path), *slash;
	const char *base;
	int dfd, fd;
	struct stat st;

	if (dir == NULL) {
		qerr_set(err, ENOMEM, "out of memory");
		return -1;
	}
	slash = strrchr(dir, '/');
	if (slash == NULL) {
		base = path;
		dfd = sio_open_path(".", NULL, NULL, err);
	} else {
		base = path + (slash - dir) + 1;
		*slash = '\0';
		dfd = sio_open_path(slash == dir ? "/" : dir, NULL, NULL, err);
	}
	free(dir);
	if (dfd < 0)
		return -1;
	fd = sio_open_regular(dfd, base, &st, err);
	(void)close(dfd);
	/* Written by mqfsck as root (or this user) and closed to others:
	 * an archive anyone could have written is not one to restore. */
	if (fd >= 0 && ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)) {
		(void)close(fd);
		qerr_set(err, EPERM,
		    "the archive must belong to root or to you, and be writable by no one else");
		return -1;
	}
	return fd;
}

#define MQ_MAX_TRUSTED 8

/* The queue directories of the configuration, for a restore. */
struct known_queues {
	dev_t *dev;
	ino_t *ino;
	size_t n;
	uid_t trusted[MQ_MAX_TRUSTED];	/* TrustedUser of each configuration */
	size_t ntrusted;
};

/* known_queue - the directory is one of the configuration's queues */
static bool
known_queue(const struct stat *st, void *arg)
{
	const struct known_queues *kq = arg;
	size_t i;

	for (i = 0; i < kq->n; i++)
		if (kq->dev[i] == st->st_dev && kq->ino[i] == st->st_ino)
			return true;
	return false;
}

/*
 * named_dir_ok - a directory named to --restore into is checked like a
 * queue directory: not one of the system's, not world-writable, owned by
 * root, the runner or a system account (Debian's smmta and smmsp)
 */
static bool
named_dir_ok(const struct stat *st, void *arg)
{
	(void)arg;
	return qdir_system_dir(st) == NULL && !(st->st_mode & S_IWOTH) &&
	    (st->st_uid == 0 || st->st_uid == geteuid() ||
	     st->st_uid < MQ_FIRST_HUMAN_UID);
}

/*
 * restorable - why an archived file must not be restored, or NULL.  An
 * archive is data anyone may have handed over, and a restore runs as
 * root: only names sendmail gives queue files go back; no set-id or
 * sticky bit; no control file others could write (readqf()'s qsafe:
 * sendmail would refuse it, or run what anyone wrote into it once a
 * careless fix made it trusted), nor one of an owner other than root,
 * the runner or the queue directory's owner (the next check would
 * quarantine it).
 */
static const char *
restorable(const struct arc_file_info *fi, void *arg)
{
	struct qname qn;
	const struct known_queues *kq = arg;
	bool control, trusted = false;
	size_t i;

	for (i = 0; i < kq->ntrusted; i++)
		trusted = trusted || kq->trusted[i] == fi->uid;
	if (strcmp(fi->base, ".") == 0)
		return NULL;	/* the queue directory: arc_restore.c's rule */
	qname_classify(fi->base, strlen(fi->base), &qn);
	if (qn.cls != QN_JOB && qn.cls != QN_OBSOLETE)
		return "not the name of a sendmail queue file: not restored";
	if (fi->mode & (S_ISUID | S_ISGID | S_ISVTX))
		return "set-user-ID, set-group-ID or sticky bit, which no queue file has: not restored";
	control = qn.cls == QN_JOB && qname_letter_is_control(qn.letter);
	if (control && (fi->mode & (S_IWGRP | S_IWOTH)))
		return "a control file others could write, which sendmail does not trust: not restored";
	if (control && fi->uid != 0 && fi->uid != geteuid() &&
	    fi->uid != fi->dir_st->st_uid && !trusted)
		return "a control file of an owner sendmail does not trust: not restored";
	return NULL;
}

/* known_queue_add - the directory at abspath, if it opens, is known */
static void
known_queue_add(struct known_queues *kq, const char *abspath, size_t *cap)
{
	struct qerr err;
	struct stat st;
	int fd = sio_open_path(abspath, NULL, NULL, &err);

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0) {
		/* Two arrays of one capacity. */
		size_t dcap = *cap, icap = *cap;

		if (grow_array((void **)&kq->dev, &dcap, kq->n + 1,
			sizeof(*kq->dev), 16) == 0 &&
		    grow_array((void **)&kq->ino, &icap, kq->n + 1,
			sizeof(*kq->ino), 16) == 0) {
			*cap = dcap;
			kq->dev[kq->n] = st.st_dev;
			kq->ino[kq->n] = st.st_ino;
			kq->n++;
		}
	}
	(void)close(fd);
}

/* known_queues_load - every queue directory the configurations name, and
 * their TrustedUser */
static void
known_queues_load(const struct archive_cmd *cmd, struct known_queues *kq)
{
	struct fsck_ctx ctx;
	struct qset *sets = NULL;
	size_t nsets = 0, i, k, cap = 0;

	memset(kq, 0, sizeof(*kq));
	memset(&ctx, 0, sizeof(ctx));
	ctx.opts = *cmd->fo;
	ctx.out = stdout;
	if (queues_resolve(&ctx, cmd->qo, &sets, &nsets) < 0)
		return;
	for (i = 0; i < nsets; i++) {
		if (sets[i].pol.has_trusted && kq->ntrusted < MQ_MAX_TRUSTED)
			kq->trusted[kq->ntrusted++] = sets[i].pol.trusted_uid;
		for (k = 0; k < sets[i].ndirs; k++)
			known_queue_add(kq, sets[i].dirs[k].abspath, &cap);
	}
	queues_free(sets, nsets);
}

int
archive_cmd(const struct archive_cmd *cmd)
{
	struct arc_restore_stats stats;
	struct sio_writer *w;
	struct qerr err, kerr;
	const char *path = cmd->list != NULL ? cmd->list : cmd->restore;
	unsigned char key[ARC_KEY_LEN];
	bool keyed;
	int fd, rc;

	if (path == NULL)
		BUG("archive_cmd: neither --list nor --restore");
	if (cmd->list != NULL && cmd->restore != NULL) {
		(void)fprintf(stderr, "mqfsck: --list and --restore exclude each other\n");
		rc = FSCK_USAGE;
		goto out;
	}
	if (cmd->qo->ndirs > (cmd->restore != NULL ? 1u : 0u)) {
		(void)fprintf(stderr, "mqfsck: --%s takes %s\n",
		    cmd->list != NULL ? "list" : "restore",
		    cmd->list != NULL ? "no queue directory"
				    : "at most one queue directory");
		rc = FSCK_USAGE;
		goto out;
	}
	fd = open_archive(path, &err);
	if (fd < 0) {
		(void)fprintf(stderr, "mqfsck: %s: %s\n", path, err.msg);
		rc = FSCK_ERROR;
		goto out;
	}
	keyed = arc_key_load(NULL, cmd->fo->key_path != NULL ? cmd->fo->key_path
					: ARC_DEFAULT_KEY, key, &kerr) == 0;
	if (cmd->list != NULL)
		rc = arc_list(fd, stdout, cmd->fo->format == OUT_JSON,
		    keyed ? key : NULL, &err);
	else if ((w = sio_writer_new(&err)) == NULL)
		rc = -1;
	else {
		struct known_queues kq;
		struct arc_restore_opts ro;
		char *qdir;

		/* Without a directory named, only the configuration's queue
		 * directories are restored into: an archive is data. */
		memset(&kq, 0, sizeof(kq));
		known_queues_load(cmd, &kq);
		memset(&stats, 0, sizeof(stats));
		memset(&ro, 0, sizeof(ro));
		/* Absolute: a directory holding several queues is matched
		 * against the paths the archive records. */
		qdir = cmd->qo->ndirs > 0 ? queues_abspath(cmd->qo->dirs[0])
		    : NULL;
		ro.queue_dir = qdir != NULL ? qdir : cmd->qo->ndirs > 0
		    ? cmd->qo->dirs[0] : NULL;
		ro.queue_ok = cmd->qo->ndirs > 0 ? named_dir_ok : known_queue;
		ro.queue_ok_arg = &kq;
		ro.file_ok = restorable;
		ro.file_ok_arg = &kq;
		ro.key = keyed ? key : NULL;
		ro.unverified_ok = cmd->fo->restore_unverified;
		ro.json = cmd->fo->format == OUT_JSON;
		ro.dry_run = cmd->dry_run;
		rc = arc_restore(w, fd, &ro, stdout, &stats, &err);
		free(kq.dev);
		free(kq.ino);
		free(qdir);
		sio_writer_free(w);
		if (rc >= 0 && cmd->fo->format == OUT_HUMAN)
			(void)printf("mqfsck: %zu %s, %zu already there, %zu refused, %zu failed%s\n",
			    stats.restored, cmd->dry_run ? "would be restored"
			    : "restored", stats.already, stats.refused,
			    stats.failed, cmd->dry_run ? " (-n: nothing changed)" : "");
		else if (rc >= 0 && cmd->fo->format == OUT_JSON)
			(void)printf("{\"schema\":\"" MQ_JSON_SCHEMA "\",\"type\":\"restore-summary\","
			    "\"restored\":%zu,\"already_there\":%zu,\"refused\":%zu,"
			    "\"failed\":%zu,\"dry_run\":%s,\"exit\":%d}\n",
			    stats.restored, stats.already, stats.refused,
			    stats.failed, cmd->dry_run ? "true" : "false",
			    rc == 0 ? FSCK_OK : FSCK_UNCORRECTED);
	}
	(void)close(fd);
	if (rc < 0)
		(void)fprintf(stderr, "mqfsck: %s: %s\n", path, err.msg);
	rc = rc < 0 ? FSCK_ERROR : rc == 0 ? FSCK_OK : FSCK_UNCORRECTED;
out:
	if (fflush(stdout) != 0)
		return FSCK_ERROR;
	return rc;
}
