/*
 * arc_restore.c - --restore: put archived files back.  The archive may
 * be hostile and the restore runs as root, so every entry is checked
 * first (its record, its digest), then data and transcript files are
 * written, then control files.  No entry name is trusted as a path: a
 * file goes back only as "<file>" or "{qf,df,xf}/<file>" under its queue
 * directory (the one named, or the manifest's, each checked by the
 * caller's queue_ok), opened without following symbolic links
 * (format/sio.c), never over an existing name, and only if the caller's
 * file_ok accepts what the record says of it.  Files moved aside (too
 * big to copy) are renamed back from mqfsck-aside/.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "arc_private.h"
#include "esc.h"

/* ------------------------------------------------------------------ */
/* arc_restore */

enum { SLOT_TOP, SLOT_QF, SLOT_DF, SLOT_XF, NSLOTS };
static const char *const slot_names[NSLOTS] = { "", "qf", "df", "xf" };

enum pass { PASS_CHECK, PASS_DATA, PASS_CONTROL };

/* A directory files are restored into, opened once. */
struct slot {
	int fd;				/* -1: not open */
	bool tried;
	char why[QERR_MSG_MAX];		/* why it could not be opened */
};

struct target {
	const char *path;		/* the queue directory */
	struct stat st;			/* its fstat() */
	struct slot slot[NSLOTS];
	arc_queue_ok_fn queue_ok;	/* the directory must pass it */
	void *queue_ok_arg;
	bool named;			/* named on the command line */
};

struct restorer {
	struct sio_writer *w;
	const struct arc_restore_opts *opts;
	struct manifest mf;
	struct target *tg;		/* one per queue */
	FILE *out;
	struct arc_restore_stats *stats;
	unsigned char *buf;		/* ARC_CHUNK bytes */
	enum pass pass;
};

/*
 * say_json - one restore record: {"schema", "type":"restore", "result",
 * "queue", "file", "why"}; queue NULL for an entry no record names
 */
static void
say_json(const struct restorer *r, const char *result, const char *queue,
    const char *file, const char *why)
{
	(void)fprintf(r->out, "{\"schema\":\"%s\",\"type\":\"restore\","
	    "\"result\":\"%s\",\"queue\":", JSON_SCHEMA, result);
	if (queue != NULL)
		esc_json(r->out, queue);
	else
		(void)fputs("null", r->out);
	(void)fputs(",\"file\":", r->out);
	esc_json(r->out, file);
	(void)fputs(",\"why\":", r->out);
	if (why != NULL)
		esc_json(r->out, why);
	else
		(void)fputs("null", r->out);
	(void)fputs("}\n", r->out);
}

/* say - "<prefix><queue>/<path>[: why]", or its JSON record of result */
static void
say(const struct restorer *r, const char *prefix, const char *result,
    const struct mf_rec *rec, const char *why)
{
	REQUIRE(rec->queue < r->mf.nqueues);
	if (r->opts->json) {
		say_json(r, result, r->tg[rec->queue].path, rec->path, why);
		return;
	}
	(void)fputs(prefix, r->out);
	ar_print_esc(r->out, r->tg[rec->queue].path);
	(void)putc('/', r->out);
	ar_print_esc(r->out, rec->path);
	if (why != NULL)
		(void)fprintf(r->out, ": %s", why);
	(void)putc('\n', r->out);
}

/* rec_refuse - a record is not restored, on purpose */
static void
rec_refuse(struct restorer *r, struct mf_rec *rec, const char *why)
{
	rec->state = ST_REFUSED;
	r->stats->refused++;
	say(r, "refused: ", "refused", rec, why);
}

/* rec_fail - a record could not be restored */
static void
rec_fail(struct restorer *r, struct mf_rec *rec, const char *why)
{
	rec->state = ST_FAILED;
	r->stats->failed++;
	say(r, "FAILED: ", "failed", rec, why);
}

/* rec_done - a record is restored, or was there already */
static void
rec_done(struct restorer *r, struct mf_rec *rec, bool already)
{
	rec->state = ST_DONE;
	if (already)
		r->stats->already++;
	else
		r->stats->restored++;
	say(r, already ? "already there: " : "restored ",
	    already ? "already-there" : "restored", rec, NULL);
}

/* entry_refuse - an entry no record accounts for */
static void
entry_refuse(struct restorer *r, const char *name, const char *why)
{
	r->stats->refused++;
	if (r->opts->json) {
		say_json(r, "refused", NULL, name, why);
		return;
	}
	(void)fputs("refused: ", r->out);
	ar_print_esc(r->out, name);
	(void)fprintf(r->out, ": %s\n", why);
}

/* refuse_pending - every pending data record of the n from first */
static void
refuse_pending(struct restorer *r, size_t first, size_t n, const char *why,
    bool failed)
{
	size_t i;

	for (i = first; i < first + n; i++) {
		struct mf_rec *rec = r->mf.byname[i];

		if (rec->kind != K_DATA || rec->state != ST_PENDING)
			continue;
		if (failed)
			rec_fail(r, rec, why);
		else
			rec_refuse(r, rec, why);
	}
}

/* file_ok - a single name: non-empty, no '/', not "." or ".." */
static bool
file_ok(const char *s)
{
	return strchr(s, '/') == NULL && ar_component_ok(s, strlen(s));
}

/* sub_slot - the slot of "qf/", "df/" or "xf/" that path starts with */
static int
sub_slot(const char *path)
{
	int s;

	for (s = SLOT_QF; s < NSLOTS; s++)
		if (strncmp(path, slot_names[s], KIND_LEN) == 0 &&
		    path[KIND_LEN] == '/')
			return s;
	return -1;
}

/* form_ok - path is "<file>" or "{qf,df,xf}/<file>" */
static bool
form_ok(const char *path)
{
	if (strchr(path, '/') == NULL)
		return file_ok(path);
	return sub_slot(path) >= 0 && file_ok(path + KIND_LEN + 1);
}

/* is_control - a control file's name: sendmail reads it to run a job */
static bool
is_control(const char *base)
{
	static const char *const prefixes[] = { "qf", "hf", "Qf", "tf", "Tf" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(base, prefixes[i], KIND_LEN) == 0)
			return true;
	return false;
}

/* name_why - why an entry name no record accounts for is refused */
static const char *
name_why(const char *name)
{
	const char *p = name;

	if (name[0] == '/')
		return "an absolute path";
	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return "\"..\" in the name";
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	p = name + strspn(name, "0123456789");
	if (p == name || *p != '/' || !form_ok(p + 1))
		return "not of the form <N>/<file> or <N>/{qf,df,xf}/<file>";
	return "not in the manifest";
}

static int rs_dir(struct restorer *r, unsigned q, const char *path,
    const char **why);

/*
 * rs_aside - a file a repair moved aside (too big to copy; record
 * action "moved-aside"): renamed back from the aside directory of its
 * queue, if it is still the file recorded (size, mtime), never over
 * anything
 */
static void
rs_aside(struct restorer *r, struct mf_rec *rec)
{
	char stamp[ARC_STAMP_BUF], prefix[KIND_LEN + 2] = "", an[NAME_MAX + 1];
	const char *why = "", *base = strrchr(rec->path, '/');
	struct stat st;
	struct qerr e;
	size_t i, o = 0;
	int dirfd, afd;

	for (i = 0; r->mf.created[i] != '\0' && o + 1 < sizeof(stamp); i++)
		if (r->mf.created[i] != '-' && r->mf.created[i] != ':')
			stamp[o++] = r->mf.created[i];
	stamp[o] = '\0';
	if (base != NULL && base - rec->path == KIND_LEN) {
		memcpy(prefix, rec->path, KIND_LEN); /* "df/" (form_ok()) */
		prefix[KIND_LEN] = '/';
		prefix[KIND_LEN + 1] = '\0';
	}
	base = base != NULL ? base + 1 : rec->path;
	if (!form_ok(rec->path) || !ar_aside_name(stamp, prefix, base, an,
	    sizeof(an))) {
		rec_refuse(r, rec, "not of the form <file> or {qf,df,xf}/<file>");
		return;
	}
	if ((dirfd = rs_dir(r, rec->queue, rec->path, &why)) < 0) {
		rec_fail(r, rec, why);
		return;
	}
	afd = sio_opendirat(r->tg[rec->queue].slot[SLOT_TOP].fd, ARC_ASIDE_DIR,
	    NULL, &e);
	if (afd < 0 || fstatat(afd, an, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_size == rec->size &&
		    st.st_mtim.tv_sec == rec->mtime_sec)
			rec_done(r, rec, true); /* back already */
		else
			rec_fail(r, rec, "moved aside, but not in " ARC_ASIDE_DIR
			    " any more");
		if (afd >= 0)
			(void)close(afd);
		return;
	}
	if (!S_ISREG(st.st_mode) || st.st_size != rec->size ||
	    st.st_mtim.tv_sec != rec->mtime_sec ||
	    st.st_mtim.tv_nsec != rec->mtime_nsec) {
		rec_refuse(r, rec, "the file in " ARC_ASIDE_DIR " is not the one "
		    "set aside (size or mtime): left there");
	} else if (sio_rename(r->w, afd, an, dirfd, base, true, &st, &e) < 0 ||
	    sio_fsync_dir(dirfd, &e) < 0 || sio_fsync_dir(afd, &e) < 0) {
		rec_fail(r, rec, e.sys_errno == EEXIST
		    ? "a file of that name is there: not replaced" : e.msg);
	} else
		rec_done(r, rec, false);
	(void)close(afd);
}

/* rs_records - what the records alone decide, in manifest order */
static void
rs_records(struct restorer *r)
{
	char why[VIS_MAX];
	size_t i;

	for (i = 0; i < r->mf.nrecs; i++) {
		struct mf_rec *rec = &r->mf.recs[i];

		if (rec->kind == K_RECORD &&
		    strcmp(rec->action, "moved-aside") == 0) {
			rs_aside(r, rec);
		} else if (rec->kind == K_RECORD) {
			say(r, "skipped: ", "skipped", rec, "nothing archived (a record "
			    "of a change)");
		} else if (rec->kind != K_DATA) {
			(void)snprintf(why, sizeof(why), "not restored (%s, "
			    "recorded only)", ar_kind_names[rec->kind]);
			rec_refuse(r, rec, why);
		} else if (!form_ok(rec->path)) {
			rec_refuse(r, rec, "not of the form <file> or "
			    "{qf,df,xf}/<file>");
		}
	}
}

/* rs_check - check one entry before anything is written */
static void
rs_check(struct restorer *r, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);
	char why[VIS_MAX];
	size_t first = 0, n;
	bool regular = ar_entry_regular(e);

	if (name == NULL) {
		entry_refuse(r, "", "an entry without a name");
		return;
	}
	if (strcmp(name, MANIFEST_NAME) == 0 || strcmp(name, SIG_NAME) == 0)
		return;
	n = mf_entry_records(&r->mf, e, &first);
	if (n == 0) {
		(void)snprintf(why, sizeof(why), "%s (%s)", name_why(name),
		    ar_entry_what(e));
		entry_refuse(r, name, why);
		return;
	}
	if (mf_has_kind(&r->mf, first, n, regular ? K_DATA : ar_entry_kind(e)))
		return;
	(void)snprintf(why, sizeof(why), "archived as %s, which the manifest "
	    "does not say", ar_entry_what(e));
	if (!regular && mf_has_kind(&r->mf, first, n, K_DATA))
		refuse_pending(r, first, n, why, false);
	else
		entry_refuse(r, name, why);
}

/* slot_fail - remember why a directory could not be had */
static int
slot_fail(struct slot *s, const struct qerr *e)
{
	(void)snprintf(s->why, sizeof(s->why), "%s", e->msg);
	return -1;
}

/* open_top - the queue directory, walked without following links */
static int
open_top(struct target *t)
{
	struct slot *s = &t->slot[SLOT_TOP];
	struct qerr e;

	if (s->tried)
		return s->fd;
	s->tried = true;
	s->fd = sio_open_path(t->path, NULL, NULL, &e);
	if (s->fd < 0)
		return slot_fail(s, &e);
	if (fstat(s->fd, &t->st) < 0) {
		qerr_set(&e, errno, "fstat: %s", strerror(errno));
		(void)close(s->fd);
		s->fd = -1;
		return slot_fail(s, &e);
	}
	/* A path the archive itself names is trusted only if the caller
	 * knows it as a queue directory. */
	if (t->queue_ok != NULL && !t->queue_ok(&t->st, t->queue_ok_arg)) {
		qerr_set(&e, EPERM, "%s", t->named
		    ? "not a directory a queue can be in (a system directory, or one others can write or own)"
		    : "not a queue directory of the configuration (name the directory to restore into)");
		(void)close(s->fd);
		s->fd = -1;
		return slot_fail(s, &e);
	}
	return s->fd;
}

/* own_dir - give a directory we made the queue directory's owner */
static int
own_dir(struct restorer *r, const struct target *t, int fd, struct qerr *e)
{
	mode_t mode = t->st.st_mode & ARC_PERM_MASK;

	if (sio_fchown(r->w, fd, t->st.st_uid, t->st.st_gid, e) < 0 &&
	    (e->sys_errno != EPERM || geteuid() == 0))
		return -1;
	/* fchmod: mkdir's mode went through the umask. */
	return sio_fchmod(r->w, fd, mode, e);
}

/* make_sub - make a missing qf/, df/ or xf/ like its queue directory */
static int
make_sub(struct restorer *r, struct target *t, int si, struct qerr *e)
{
	const char *name = slot_names[si];
	int top = t->slot[SLOT_TOP].fd, fd;
	bool made;

	made = sio_mkdirat(r->w, top, name, t->st.st_mode & ARC_PERM_MASK,
	    e) == 0;
	if (!made && e->sys_errno != EEXIST)
		return -1;
	fd = sio_opendirat(top, name, NULL, e);
	if (fd < 0 || !made)
		return fd;
	if (own_dir(r, t, fd, e) < 0 || sio_fsync_dir(top, e) < 0) {
		(void)close(fd);
		return -1;
	}
	if (r->opts->json)
		say_json(r, "created-directory", t->path, name, NULL);
	else {
		(void)fputs("created ", r->out);
		ar_print_esc(r->out, t->path);
		(void)fprintf(r->out, "/%s/\n", name);
	}
	return fd;
}

/* dir_empty - directory fd has no entry but "." and ".." */
static bool
dir_empty(int fd)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	bool empty = true;
	DIR *d;

	if (dfd < 0)
		return false;
	d = fdopendir(dfd);
	if (d == NULL) {
		(void)close(dfd);
		return false;
	}
	while (empty && (de = readdir(d)) != NULL)
		empty = strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0;
	(void)closedir(d);
	return empty;
}

/*
 * finish_sub - an empty qf/, df/ or xf/ whose owner or mode is not the
 * queue directory's is what a restore interrupted between sio_mkdirat()
 * and own_dir() leaves: finish it, so that running again completes.
 */
static int
finish_sub(struct restorer *r, const struct target *t, int si, int fd,
    struct qerr *e)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		qerr_set(e, errno, "fstat %s: %s", slot_names[si],
		    strerror(errno));
		return -1;
	}
	if ((st.st_uid == t->st.st_uid && st.st_gid == t->st.st_gid &&
	    (st.st_mode & ARC_PERM_MASK) == (t->st.st_mode & ARC_PERM_MASK)) ||
	    !dir_empty(fd))
		return 0;
	if (own_dir(r, t, fd, e) < 0)
		return -1;
	if (r->opts->json)
		say_json(r, "finished-directory", t->path, slot_names[si], NULL);
	else {
		(void)fputs("finished ", r->out);
		ar_print_esc(r->out, t->path);
		(void)fprintf(r->out, "/%s/\n", slot_names[si]);
	}
	return 0;
}

/* open_sub - qf/, df/ or xf/ of a queue directory, made if missing */
static int
open_sub(struct restorer *r, struct target *t, int si)
{
	struct slot *s = &t->slot[si];
	struct qerr e;

	if (s->tried)
		return s->fd;
	s->tried = true;
	s->fd = sio_opendirat(t->slot[SLOT_TOP].fd, slot_names[si], NULL, &e);
	if (s->fd < 0 && e.sys_errno == ENOENT)
		s->fd = make_sub(r, t, si, &e);
	else if (s->fd >= 0 && finish_sub(r, t, si, s->fd, &e) < 0) {
		(void)close(s->fd);
		s->fd = -1;
	}
	if (s->fd < 0)
		return slot_fail(s, &e);
	return s->fd;
}

/* rs_dir - the directory path goes into; *why when there is none */
static int
rs_dir(struct restorer *r, unsigned q, const char *path, const char **why)
{
	struct target *t = &r->tg[q];
	int si = sub_slot(path);

	if (open_top(t) < 0) {
		*why = t->slot[SLOT_TOP].why;
		return -1;
	}
	if (si < 0)
		return t->slot[SLOT_TOP].fd;
	if (open_sub(r, t, si) < 0) {
		*why = t->slot[si].why;
		return -1;
	}
	return t->slot[si].fd;
}

/* hash_fd - SHA-256 of fd's bytes; stops past limit (*size > limit) */
static int
hash_fd(int fd, unsigned char *buf, int64_t limit,
    char hex[ARC_SHA256_HEX + 1], int64_t *size, struct qerr *err)
{
	EVP_MD_CTX *ctx = ar_md_begin(err);

	*size = 0;
	if (ctx == NULL)
		return -1;
	while (*size <= limit) {
		ssize_t n = read(fd, buf, ARC_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			qerr_set(err, errno, "read: %s", strerror(errno));
			EVP_MD_CTX_free(ctx);
			return -1;
		}
		if (n == 0)
			break;
		*size += n;
		if (ar_md_update(ctx, buf, (size_t)n, err) < 0) {
			EVP_MD_CTX_free(ctx);
			return -1;
		}
	}
	return ar_md_end(ctx, hex, err);
}

/* rs_existing - the name is taken: the same bytes, or refused */
static void
rs_existing(struct restorer *r, int dirfd, const char *base,
    const struct stat *st, size_t first, size_t n)
{
	char hex[ARC_SHA256_HEX + 1];
	int64_t size, limit = mf_pending_limit(&r->mf, first, n);
	struct mf_rec *rec;
	struct qerr e;
	int fd, rc;

	if (!S_ISREG(st->st_mode)) {
		refuse_pending(r, first, n, "exists and is not a regular "
		    "file: not overwritten", false);
		return;
	}
	fd = sio_open_entry(dirfd, base, st, NULL, &e);
	if (fd < 0) {
		refuse_pending(r, first, n, e.msg, true);
		return;
	}
	rc = hash_fd(fd, r->buf, limit, hex, &size, &e);
	(void)close(fd);
	if (rc < 0) {
		refuse_pending(r, first, n, e.msg, true);
		return;
	}
	rec = size <= limit ? mf_match(&r->mf, first, n, size, hex) : NULL;
	if (rec != NULL)
		rec_done(r, rec, true);
	else
		refuse_pending(r, first, n, "exists with other contents: "
		    "not overwritten", false);
}

/* rs_finish - owner, mode, times, fsync, name, fsync the directory */
static void
rs_finish(struct restorer *r, struct sio_tmp *t, int dirfd,
    const char *base, struct mf_rec *rec)
{
	struct timespec ts[2];
	struct qerr e;
	const char *why;

	/* The caller's rules for what may go back (a restore runs as
	 * root, and the archive is anyone's data). */
	if (r->opts->file_ok != NULL) {
		struct arc_file_info fi;

		fi.path = rec->path;
		fi.base = base;
		fi.mode = rec->mode;
		fi.uid = (uid_t)rec->uid;
		fi.gid = (gid_t)rec->gid;
		fi.dir_st = &r->tg[rec->queue].st;
		if ((why = r->opts->file_ok(&fi, r->opts->file_ok_arg)) != NULL) {
			rec_refuse(r, rec, why);
			return;
		}
	}
	if (sio_fchown(r->w, t->fd, (uid_t)rec->uid, (gid_t)rec->gid,
	    &e) < 0) {
		if (e.sys_errno != EPERM || geteuid() == 0) {
			rec_fail(r, rec, e.msg);
			return;
		}
		say(r, "note: ", "note", rec, "owner not restored (not root)");
	}
	ts[0].tv_sec = ts[1].tv_sec = (time_t)rec->mtime_sec;
	ts[0].tv_nsec = ts[1].tv_nsec = rec->mtime_nsec;
	if (sio_fchmod(r->w, t->fd, rec->mode, &e) < 0 ||
	    sio_futimens(r->w, t->fd, ts, &e) < 0) {
		rec_fail(r, rec, e.msg);
		return;
	}
	if (sio_fsync_retry(t->fd) < 0) {
		rec_fail(r, rec, strerror(errno));
		return;
	}
	if (sio_tmp_publish(r->w, t, base, &e) < 0) {
		if (e.sys_errno == EEXIST)
			rec_refuse(r, rec, "appeared while restoring: not "
			    "overwritten");
		else
			rec_fail(r, rec, e.msg);
		return;
	}
	if (sio_fsync_dir(dirfd, &e) < 0)
		rec_fail(r, rec, e.msg);
	else
		rec_done(r, rec, false);
}

/* rs_new - write the entry to an unnamed file; name it if it matches */
static int
rs_new(struct restorer *r, struct archive *ar, int dirfd, const char *base,
    size_t first, size_t n, struct qerr *err)
{
	char hex[ARC_SHA256_HEX + 1];
	int64_t total, limit = mf_pending_limit(&r->mf, first, n);
	struct mf_rec *rec = NULL;
	struct sio_tmp t;
	struct qerr e;
	int rc;

	if (sio_tmp_create(r->w, dirfd, ARC_FILE_MODE, &t, &e) < 0) {
		refuse_pending(r, first, n, e.msg, true);
		return 0;
	}
	rc = ar_copy_entry(ar, t.fd, limit, r->buf, hex, &total, err, &e);
	if (rc == -2)
		refuse_pending(r, first, n, e.msg, true);
	if (rc == 0 && total <= limit)
		rec = mf_match(&r->mf, first, n, total, hex);
	if (rc == 0 && rec == NULL)
		mf_mark_bad(&r->mf, first, n);
	if (rec != NULL)
		rs_finish(r, &t, dirfd, base, rec);
	sio_tmp_close(&t);
	return rc == -1 ? -1 : 0;
}

/* rs_file - restore one regular entry named (q, path) */
static int
rs_file(struct restorer *r, struct archive *ar, struct archive_entry *e,
    unsigned q, const char *path, size_t first, size_t n, struct qerr *err)
{
	const char *base = ar_base_name(path), *why = NULL;
	struct stat st;
	int dirfd;

	/* An entry whose size no pending record has is not written. */
	if (!archive_entry_size_is_set(e) ||
	    !mf_pending_size(&r->mf, first, n, archive_entry_size(e))) {
		mf_mark_bad(&r->mf, first, n);
		return 0;
	}
	dirfd = rs_dir(r, q, path, &why);
	if (dirfd < 0) {
		refuse_pending(r, first, n, why, true);
		return 0;
	}
	if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		rs_existing(r, dirfd, base, &st, first, n);
		return 0;
	}
	if (errno != ENOENT) {
		refuse_pending(r, first, n, strerror(errno), true);
		return 0;
	}
	return rs_new(r, ar, dirfd, base, first, n, err);
}

/* data_missing - the df of control file base (queue q) is not back */
static bool
data_missing(const struct restorer *r, unsigned q, const char *base)
{
	static const char *const dirs[] = { "", "qf/", "df/" };
	char name[PATH_MAX];
	size_t d, first, i;

	for (d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		size_t n;

		(void)snprintf(name, sizeof(name), "%sdf%s", dirs[d],
		    base + KIND_LEN);
		n = mf_find(&r->mf, q, name, strlen(name), &first);
		for (i = first; i < first + n; i++) {
			const struct mf_rec *rec = r->mf.byname[i];

			if (rec->kind == K_DATA && rec->state != ST_DONE)
				return true;
		}
	}
	return false;
}

/* rs_write - restore a regular entry if it belongs to this pass */
static int
rs_write(struct restorer *r, struct archive *ar, struct archive_entry *e,
    struct qerr *err)
{
	const char *name = archive_entry_pathname(e), *path;
	size_t first = 0, n, len;
	bool control;
	unsigned q;

	if (name == NULL || !ar_entry_regular(e) ||
	    !mf_entry_split(&r->mf, name, false, &q, &path, &len) ||
	    !form_ok(path))
		return 0;
	n = mf_find(&r->mf, q, path, len, &first);
	if (mf_pending_limit(&r->mf, first, n) < 0)
		return 0;
	control = is_control(ar_base_name(path));
	if (control != (r->pass == PASS_CONTROL))
		return 0;
	/* sendmail writes the df before the qf: no qf without its df. */
	if (control && data_missing(r, q, ar_base_name(path))) {
		refuse_pending(r, first, n, "its data file was not restored",
		    false);
		return 0;
	}
	return rs_file(r, ar, e, q, path, first, n, err);
}

/* rs_pass - one reading of the archive */
static int
rs_pass(struct restorer *r, int fd, enum pass pass, struct qerr *err)
{
	struct archive_entry *e;
	struct archive *ar = ar_rd_open(fd, err);
	int n;

	if (ar == NULL)
		return -1;
	r->pass = pass;
	while ((n = ar_rd_next(ar, &e, err)) == 1) {
		if (pass == PASS_CHECK)
			rs_check(r, e);
		else if (rs_write(r, ar, e, err) < 0) {
			n = -1;
			break;
		}
	}
	(void)archive_read_free(ar);
	return n;
}

/* rs_sweep - data records of a pass that no entry restored */
static void
rs_sweep(struct restorer *r, bool control)
{
	size_t i;

	for (i = 0; i < r->mf.nrecs; i++) {
		struct mf_rec *rec = &r->mf.recs[i];

		if (rec->kind != K_DATA || rec->state != ST_PENDING ||
		    is_control(ar_base_name(rec->path)) != control)
			continue;
		rec_fail(r, rec, rec->bad_seen ? "digest mismatch: not "
		    "restored" : "not in the archive");
	}
}

/* rs_setup - targets and a buffer */
static int
rs_setup(struct restorer *r, const char *queue_dir, arc_queue_ok_fn queue_ok,
    void *queue_ok_arg, struct qerr *err)
{
	unsigned q;
	int s;

	r->buf = malloc(ARC_CHUNK);
	r->tg = calloc(r->mf.nqueues + 1, sizeof(*r->tg));
	if (r->buf == NULL || r->tg == NULL)
		return ar_nomem(err);
	for (q = 0; q < r->mf.nqueues; q++) {
		r->tg[q].path = queue_dir != NULL ? queue_dir : r->mf.queues[q];
		REQUIRE(r->tg[q].path != NULL);
		r->tg[q].queue_ok = queue_ok;
		r->tg[q].queue_ok_arg = queue_ok_arg;
		r->tg[q].named = queue_dir != NULL;
		for (s = 0; s < NSLOTS; s++)
			r->tg[q].slot[s].fd = -1;
	}
	return 0;
}

/* rs_cleanup - close and free what the restore took */
static void
rs_cleanup(struct restorer *r)
{
	unsigned q;
	int s;

	for (q = 0; r->tg != NULL && q < r->mf.nqueues; q++)
		for (s = 0; s < NSLOTS; s++)
			if (r->tg[q].slot[s].fd >= 0)
				(void)close(r->tg[q].slot[s].fd);
	free(r->tg);
	free(r->buf);
	mf_free(&r->mf);
}

/* arc_restore - put the archived regular files back */
int
arc_restore(struct sio_writer *w, int fd, const struct arc_restore_opts *opts,
    FILE *out, struct arc_restore_stats *stats, struct qerr *err)
{
	static const struct arc_restore_opts none;
	struct arc_restore_stats local;
	struct restorer r;
	int rc = -1;

	REQUIRE(w != NULL);
	REQUIRE(out != NULL);
	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	memset(&r, 0, sizeof(r));
	r.w = w;
	r.opts = opts != NULL ? opts : &none;
	r.out = out;
	r.stats = stats;
	if (mf_load(fd, &r.mf, r.opts->key, err) < 0)
		return -1;
	if (r.mf.sigstate != ARC_SIG_OK && !r.opts->unverified_ok) {
		qerr_set(err, EPERM, "%s: nothing restored; if you know where it comes from, --restore-unverified restores it (its files checked against its own digests only)",
		    ar_sig_words(r.mf.sigstate));
		mf_free(&r.mf);
		return -1;
	}
	if (r.opts->queue_dir != NULL && r.mf.nqueues > 1) {
		qerr_set(err, EINVAL, "the archive holds %u queues: it cannot "
		    "be restored into one directory", r.mf.nqueues);
		goto out;
	}
	if (rs_setup(&r, r.opts->queue_dir, r.opts->queue_ok,
	    r.opts->queue_ok_arg, err) < 0)
		goto out;
	rs_records(&r);
	if (rs_pass(&r, fd, PASS_CHECK, err) < 0 ||
	    rs_pass(&r, fd, PASS_DATA, err) < 0)
		goto out;
	rs_sweep(&r, false);
	if (rs_pass(&r, fd, PASS_CONTROL, err) < 0)
		goto out;
	rs_sweep(&r, true);
	(void)fflush(out);
	rc = stats->refused > 0 || stats->failed > 0 ? 1 : 0;
out:
	rs_cleanup(&r);
	return rc;
}
