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

/* The most bytes a control file a repair rewrote can have (format/qf.h
 * QF_MAX_BYTES: a rewrite reads no more). */
#define REWRITE_MAX ((int64_t)16 << 20)

/* rs_dir()'s answer, under -n, for a qf/, df/ or xf/ it would make. */
#define DIR_WOULD_MAKE (-2)

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
	bool lostfound;			/* a lost+found files came from */
	bool in_place;			/* the path the archive records: what
					   the repair left is undone */
	bool signed_ok;			/* the archive is signed with the key */
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
	if (!already && r->opts->dry_run)
		say(r, "would restore ", "would-restore", rec, NULL);
	else
		say(r, already ? "already there: " : "restored ",
		    already ? "already-there" : "restored", rec, NULL);
}

/* How a record is undone (rec_changed()). */
enum change { CH_RENAMED_BACK, CH_REVERTED, CH_REPLACED, CH_NCHANGES };

/* Its words: the JSON result, done and under -n, and for people. */
static const struct {
	const char *result, *would, *said, *would_said;
} change_words[CH_NCHANGES] = {
	[CH_RENAMED_BACK] = { "renamed-back", "would-rename-back",
			      "renamed back ", "would rename back " },
	[CH_REVERTED] = { "reverted", "would-revert", "reverted ",
			  "would revert " },
	[CH_REPLACED] = { "replaced", "would-replace", "replaced ",
			  "would replace " },
};

/* rec_changed - a record undone (or, under -n, it would be); more (may
 * be NULL) says from what */
static void
rec_changed(struct restorer *r, struct mf_rec *rec, enum change ch,
    const char *more)
{
	bool dry = r->opts->dry_run;

	rec->state = ST_DONE;
	r->stats->restored++;
	say(r, dry ? change_words[ch].would_said : change_words[ch].said,
	    dry ? change_words[ch].would : change_words[ch].result, rec, more);
}

/* say_json_or - the renamed copy of rec's file (its "wrote" path) was
 * removed, or would be */
static void
say_json_or(struct restorer *r, const char *result, const struct mf_rec *rec)
{
	if (r->opts->json) {
		say_json(r, result, r->tg[rec->w_queue].path, rec->w_path,
		    "what the repair renamed it to; its own name is back");
		return;
	}
	(void)fputs(strcmp(result, "removed") == 0 ? "removed " : "would remove ",
	    r->out);
	ar_print_esc(r->out, r->tg[rec->w_queue].path);
	(void)putc('/', r->out);
	ar_print_esc(r->out, rec->w_path);
	(void)fputs(": what the repair renamed it to; its own name is back\n",
	    r->out);
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
	} else if (r->opts->dry_run) {
		rec_changed(r, rec, CH_RENAMED_BACK, "from " ARC_ASIDE_DIR);
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
		} else if (rec->kind == K_RECORD && rec->w_path == NULL) {
			say(r, "skipped: ", "skipped", rec, "nothing archived (a record "
			    "of a change)");
		} else if (rec->kind == K_RECORD) {
			continue; /* undone by rs_undo() */
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
	/* A lost+found a repair took files from gets them back only if no
	 * one else could have put them there (the rule of pass 4): the
	 * rename fails across file systems anyway. */
	if (t->lostfound && !t->signed_ok) {
		qerr_set(&e, EPERM, "%s", "a lost+found named by an archive "
		    "not signed with this host's key: nothing goes back");
		(void)close(s->fd);
		s->fd = -1;
		return slot_fail(s, &e);
	}
	if (t->lostfound && (!S_ISDIR(t->st.st_mode) ||
	    (t->st.st_uid != 0 && t->st.st_uid != geteuid()) ||
	    (t->st.st_mode & (S_IWGRP | S_IWOTH)) != 0)) {
		qerr_set(&e, EPERM, "%s", "a lost+found others can write, or "
		    "of another owner than root or you: nothing goes back");
		(void)close(s->fd);
		s->fd = -1;
		return slot_fail(s, &e);
	}
	/* A path the archive itself names is trusted only if the caller
	 * knows it as a queue directory. */
	if (!t->lostfound && t->queue_ok != NULL &&
	    !t->queue_ok(&t->st, t->queue_ok_arg)) {
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
	if (s->fd < 0 && e.sys_errno == ENOENT && r->opts->dry_run) {
		s->fd = DIR_WOULD_MAKE;
		if (r->opts->json)
			say_json(r, "would-create-directory", t->path,
			    slot_names[si], NULL);
		else {
			(void)fputs("would create ", r->out);
			ar_print_esc(r->out, t->path);
			(void)fprintf(r->out, "/%s/\n", slot_names[si]);
		}
		return s->fd;
	}
	if (s->fd < 0 && e.sys_errno == ENOENT)
		s->fd = make_sub(r, t, si, &e);
	else if (s->fd >= 0 && !r->opts->dry_run &&
	    finish_sub(r, t, si, s->fd, &e) < 0) {
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
	if (open_sub(r, t, si) == -1) {
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

/* file_refused - the caller's rules refuse rec's file (said); a restore
 * runs as root, and the archive is anyone's data */
static bool
file_refused(struct restorer *r, struct mf_rec *rec, const char *base)
{
	struct arc_file_info fi;
	const char *why;

	if (r->opts->file_ok == NULL)
		return false;
	fi.path = rec->path;
	fi.base = base;
	fi.mode = rec->mode;
	fi.uid = (uid_t)rec->uid;
	fi.gid = (gid_t)rec->gid;
	fi.dir_st = &r->tg[rec->queue].st;
	if ((why = r->opts->file_ok(&fi, r->opts->file_ok_arg)) == NULL)
		return false;
	rec_refuse(r, rec, why);
	return true;
}

/*
 * tmp_name - the name a replacement is written under first, as sendmail's
 * queueup() writes tf<id> before renaming it over qf<id>; false for a
 * name that is not a control file's
 */
static bool
tmp_name(const char *base, char *out, size_t outsz)
{
	if (!is_control(base) || strlen(base) + 1 > outsz)
		return false;
	(void)snprintf(out, outsz, "t%s", base + 1);
	return true;
}

/*
 * stale_tmp - a restore stopped between naming the replacement tf<id>
 * and renaming it over the control file leaves it: a file of exactly the
 * archived bytes (nothing lost: the archive holds them) is removed, so
 * that running again finishes; any other is left, and the name is taken
 */
static int
stale_tmp(struct restorer *r, int dirfd, const char *tmp,
    const struct mf_rec *rec, struct qerr *e)
{
	char hex[ARC_SHA256_HEX + 1];
	struct stat st;
	int64_t size;
	int fd, rc;

	if (fstatat(dirfd, tmp, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode) || st.st_size != rec->size)
		return 0;
	fd = sio_open_entry(dirfd, tmp, &st, NULL, e);
	if (fd < 0)
		return 0;
	rc = hash_fd(fd, r->buf, rec->size, hex, &size, e);
	(void)close(fd);
	if (rc < 0 || size != rec->size || strcmp(hex, rec->sha) != 0)
		return 0;
	return sio_unlink(r->w, dirfd, tmp, &st, e);
}

/*
 * rs_publish - name the finished file: base, never over anything; or,
 * with `over` (the file the repair left there, checked), through
 * tf<id> renamed over it
 */
static int
rs_publish(struct restorer *r, struct sio_tmp *t, int dirfd, const char *base,
    const struct stat *over, const struct mf_rec *rec, struct qerr *e)
{
	char tmp[NAME_MAX + 1];
	struct stat st;

	if (over == NULL)
		return sio_tmp_publish(r->w, t, base, e);
	if (!tmp_name(base, tmp, sizeof(tmp))) {
		qerr_set(e, EINVAL, "not a control file: not replaced");
		return -1;
	}
	if (stale_tmp(r, dirfd, tmp, rec, e) < 0 ||
	    sio_tmp_publish(r->w, t, tmp, e) < 0)
		return -1;
	if (fstat(t->fd, &st) < 0) {
		qerr_set(e, errno, "fstat: %s", strerror(errno));
		return -1;
	}
	if (sio_rename(r->w, dirfd, tmp, dirfd, base, false, &st, e) < 0) {
		struct qerr ue;

		(void)sio_unlink(r->w, dirfd, tmp, &st, &ue);
		return -1;
	}
	return 0;
}

/* rs_finish - owner, mode, times, fsync, name, fsync the directory */
static void
rs_finish(struct restorer *r, struct sio_tmp *t, int dirfd,
    const char *base, struct mf_rec *rec, const struct stat *over)
{
	struct timespec ts[2];
	struct qerr e;

	if (file_refused(r, rec, base))
		return;
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
	if (rs_publish(r, t, dirfd, base, over, rec, &e) < 0) {
		if (e.sys_errno == EEXIST)
			rec_refuse(r, rec, over != NULL ? "its temporary name "
			    "is taken: not replaced" : "appeared while "
			    "restoring: not overwritten");
		else
			rec_fail(r, rec, e.msg);
		return;
	}
	if (sio_fsync_dir(dirfd, &e) < 0)
		rec_fail(r, rec, e.msg);
	else if (over != NULL)
		rec_changed(r, rec, CH_REPLACED, "what the repair wrote");
	else
		rec_done(r, rec, false);
}

/*
 * rs_new - write the entry to an unnamed file; name it if it matches
 * (over: replacing the file the repair left, rs_existing()).  Under -n
 * the entry is only checked against its digest.
 */
static int
rs_new(struct restorer *r, struct archive *ar, int dirfd, const char *base,
    size_t first, size_t n, const struct stat *over, struct qerr *err)
{
	char hex[ARC_SHA256_HEX + 1];
	int64_t total, limit = mf_pending_limit(&r->mf, first, n);
	struct mf_rec *rec = NULL;
	struct sio_tmp t = { -1, -1, false, "" };
	struct qerr e;
	int rc;

	if (!r->opts->dry_run &&
	    sio_tmp_create(r->w, dirfd, ARC_FILE_MODE, &t, &e) < 0) {
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
	if (rec != NULL && r->opts->dry_run) {
		if (file_refused(r, rec, base))
			;
		else if (over != NULL)
			rec_changed(r, rec, CH_REPLACED, "what the repair wrote");
		else
			rec_done(r, rec, false);
	} else if (rec != NULL)
		rs_finish(r, &t, dirfd, base, rec, over);
	if (!r->opts->dry_run)
		sio_tmp_close(&t);
	return rc == -1 ? -1 : 0;
}

/*
 * rewritten_here - the pending record of the n from first whose file the
 * repair rewrote in place, leaving the bytes hex (NULL: any): the
 * archived bytes go back over them
 */
static struct mf_rec *
rewritten_here(const struct restorer *r, size_t first, size_t n,
    const char *hex)
{
	size_t i;

	for (i = first; i < first + n; i++) {
		struct mf_rec *rec = r->mf.byname[i];

		if (rec->kind == K_DATA && rec->state == ST_PENDING &&
		    rec->w_sha != NULL && r->tg[rec->queue].in_place &&
		    rec->w_queue == rec->queue &&
		    strcmp(rec->w_path, rec->path) == 0 &&
		    (hex == NULL || strcmp(rec->w_sha, hex) == 0))
			return rec;
	}
	return NULL;
}

/*
 * rs_existing - the name is taken: the same bytes (already there), the
 * bytes a repair's rewrite left (true: replace them), or refused
 */
static bool
rs_existing(struct restorer *r, int dirfd, const char *base,
    const struct stat *st, size_t first, size_t n)
{
	char hex[ARC_SHA256_HEX + 1];
	int64_t size, limit = mf_pending_limit(&r->mf, first, n);
	struct mf_rec *rec;
	struct qerr e;
	int fd, rc;

	/* A control file a repair rewrote may be longer than any record. */
	if (rewritten_here(r, first, n, NULL) != NULL && limit < REWRITE_MAX)
		limit = REWRITE_MAX;
	if (!S_ISREG(st->st_mode)) {
		refuse_pending(r, first, n, "exists and is not a regular "
		    "file: not overwritten", false);
		return false;
	}
	fd = sio_open_entry(dirfd, base, st, NULL, &e);
	if (fd < 0) {
		refuse_pending(r, first, n, e.msg, true);
		return false;
	}
	rc = hash_fd(fd, r->buf, limit, hex, &size, &e);
	(void)close(fd);
	if (rc < 0) {
		refuse_pending(r, first, n, e.msg, true);
		return false;
	}
	rec = size <= limit ? mf_match(&r->mf, first, n, size, hex) : NULL;
	if (rec != NULL) {
		rec_done(r, rec, true);
		return false;
	}
	if (size <= limit && rewritten_here(r, first, n, hex) != NULL)
		return true;
	refuse_pending(r, first, n, rewritten_here(r, first, n, NULL) != NULL
	    ? "exists with other contents (not what the repair left): not "
	    "overwritten" : "exists with other contents: not overwritten",
	    false);
	return false;
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
	if (dirfd == -1) {
		refuse_pending(r, first, n, why, true);
		return 0;
	}
	if (dirfd >= 0 && fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!rs_existing(r, dirfd, base, &st, first, n))
			return 0;
		return rs_new(r, ar, dirfd, base, first, n, &st, err);
	}
	if (dirfd >= 0 && errno != ENOENT) {
		refuse_pending(r, first, n, strerror(errno), true);
		return 0;
	}
	return rs_new(r, ar, dirfd, base, first, n, NULL, err);
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

/* ------------------------------------------------------------------ */
/* Undoing what a repair left (the records' "wrote" lines, arc.h) */

/* same_place - the repair left rec's file under its own name */
static bool
same_place(const struct mf_rec *rec)
{
	return rec->w_queue == rec->queue && strcmp(rec->w_path, rec->path) == 0;
}

/* is_dir_rec - a record of the queue directory itself (".") */
static bool
is_dir_rec(const struct mf_rec *rec)
{
	return strcmp(rec->path, ".") == 0;
}

/*
 * left_as - st is the very file the repair left: its inode, and (a file)
 * the size and mtime recorded, which renames, chown and chmod keep
 */
static bool
left_as(const struct mf_rec *rec, const struct stat *st)
{
	if (rec->w_ino != 0 && (uint64_t)st->st_ino != rec->w_ino)
		return false;
	if (is_dir_rec(rec))
		return S_ISDIR(st->st_mode);
	/* A cycle of swapped bodies is given back by several exchanges,
	 * one name in two of them: its record's size and mtime are those
	 * of the name's first file, the inode the one the plan moved. */
	if (strcmp(rec->action, "exchange-df") == 0)
		return S_ISREG(st->st_mode);
	return S_ISREG(st->st_mode) && st->st_size == rec->size &&
	    (int64_t)st->st_mtim.tv_sec == rec->mtime_sec &&
	    st->st_mtim.tv_nsec == rec->mtime_nsec;
}

/* meta_was - st has the owner and mode recorded before the repair */
static bool
meta_was(const struct mf_rec *rec, const struct stat *st)
{
	return st->st_uid == rec->uid && st->st_gid == rec->gid &&
	    (st->st_mode & ARC_PERM_MASK) == rec->mode;
}

/* meta_left - st has the owner and mode the repair left */
static bool
meta_left(const struct mf_rec *rec, const struct stat *st)
{
	return st->st_uid == rec->w_uid && st->st_gid == rec->w_gid &&
	    (st->st_mode & ARC_PERM_MASK) == rec->w_mode;
}

/*
 * dir_refused - the queue directory's owner and mode are not put back to
 * what lets others write it or hand it to someone sendmail does not
 * trust: the check that follows would only report it again, and until
 * then anyone could plant jobs
 */
static bool
dir_refused(struct restorer *r, struct mf_rec *rec)
{
	if ((rec->mode & (S_IWGRP | S_IWOTH | S_ISUID)) == 0 &&
	    (rec->uid == 0 || rec->uid == geteuid()))
		return false;
	rec_refuse(r, rec, "the queue directory is not given back an owner "
	    "or mode that lets others write it");
	return true;
}

/* revert_meta - fd (rec's file, checked) gets its recorded owner, mode */
static void
revert_meta(struct restorer *r, struct mf_rec *rec, int fd,
    const char *more)
{
	struct qerr e;

	if (r->opts->dry_run) {
		rec_changed(r, rec, CH_REVERTED, more);
		return;
	}
	if (sio_fchown(r->w, fd, (uid_t)rec->uid, (gid_t)rec->gid, &e) < 0 &&
	    (e.sys_errno != EPERM || geteuid() == 0)) {
		rec_fail(r, rec, e.msg);
		return;
	}
	/* fchmod() after fchown(): chown may clear set-id bits. */
	if (sio_fchmod(r->w, fd, rec->mode, &e) < 0) {
		rec_fail(r, rec, e.msg);
		return;
	}
	rec_changed(r, rec, CH_REVERTED, more);
}

/*
 * A file whose owner and mode several fixes changed (its owner, then its
 * mode), each record with the file as it was before the repair: what the
 * repair left is every change in manifest order, what it was is the
 * first record's.
 */
struct meta_group {
	struct mf_rec *rec[8];
	size_t n;
	uint32_t uid, gid;	/* what the repair left */
	mode_t mode;
};

/* meta_group_of - the pending records of rec's file that change only
 * its owner and mode (rec among them), in manifest order */
static void
meta_group_of(const struct restorer *r, struct mf_rec *rec,
    struct meta_group *g)
{
	size_t first, n, i;

	memset(g, 0, sizeof(*g));
	n = mf_find(&r->mf, rec->queue, rec->path, strlen(rec->path), &first);
	for (i = first; i < first + n && g->n < sizeof(g->rec) / sizeof(g->rec[0]);
	    i++) {
		struct mf_rec *m = r->mf.byname[i];

		if (m->w_path != NULL && m->state == ST_PENDING &&
		    same_place(m) && m->w_sha == NULL)
			g->rec[g->n++] = m;
	}
	if (g->n == 0)
		g->rec[g->n++] = rec;
	g->uid = g->rec[0]->uid;
	g->gid = g->rec[0]->gid;
	g->mode = g->rec[0]->mode;
	for (i = 0; i < g->n; i++) {
		const struct mf_rec *m = g->rec[i];

		if (m->w_uid != m->uid)
			g->uid = m->w_uid;
		if (m->w_gid != m->gid)
			g->gid = m->w_gid;
		if (m->w_mode != m->mode)
			g->mode = m->w_mode;
	}
}

/*
 * undo_meta - a file the repair left in place with another owner or mode
 * (no new bytes): its recorded owner and mode back, if it is still what
 * the repair left
 */
static void
undo_meta(struct restorer *r, struct mf_rec *rec, int dirfd)
{
	const char *base = ar_base_name(rec->path);
	struct meta_group g;
	struct mf_rec *first;
	struct stat st;
	struct qerr e;
	size_t i;
	int fd;

	meta_group_of(r, rec, &g);
	first = g.rec[0];
	if (is_dir_rec(rec))
		fd = dirfd >= 0 ? fcntl(dirfd, F_DUPFD_CLOEXEC, 0) : -1;
	else
		fd = dirfd >= 0 ? sio_open_regular(dirfd, base, &st, &e) : -1;
	if (fd < 0 || fstat(fd, &st) < 0) {
		for (i = 0; i < g.n; i++)
			rec_refuse(r, g.rec[i], "not there any more");
		if (fd >= 0)
			(void)close(fd);
		return;
	}
	if (meta_was(first, &st) && left_as(first, &st)) {
		for (i = 0; i < g.n; i++)
			rec_done(r, g.rec[i], true);
	} else if (!left_as(first, &st) || st.st_uid != g.uid ||
	    st.st_gid != g.gid || (st.st_mode & ARC_PERM_MASK) != g.mode) {
		for (i = 0; i < g.n; i++)
			rec_refuse(r, g.rec[i], "changed since the repair: left "
			    "as it is");
	} else {
		if (!(is_dir_rec(rec) ? dir_refused(r, first)
		    : file_refused(r, first, base)))
			revert_meta(r, first, fd, "owner and mode as they were");
		/* One file, one line: the other records share its fate. */
		for (i = 1; i < g.n; i++)
			g.rec[i]->state = first->state;
	}
	(void)close(fd);
}

/* partner - the other record of an exchange of names with rec, or NULL */
static struct mf_rec *
partner(const struct restorer *r, const struct mf_rec *rec)
{
	size_t first, n, i;

	n = mf_find(&r->mf, rec->w_queue, rec->w_path, strlen(rec->w_path),
	    &first);
	for (i = first; i < first + n; i++) {
		struct mf_rec *p = r->mf.byname[i];

		if (p != rec && p->w_path != NULL && p->state == ST_PENDING &&
		    p->w_queue == rec->queue && strcmp(p->w_path, rec->path) == 0)
			return p;
	}
	return NULL;
}

/*
 * undo_exchange - two files whose names a repair exchanged: exchanged
 * back, if each name still holds the file the repair left there
 */
static void
undo_exchange(struct restorer *r, struct mf_rec *rec, struct mf_rec *p,
    int dirfd, int wfd)
{
	const char *a = ar_base_name(rec->path), *b = ar_base_name(rec->w_path);
	struct stat sa, sb;
	struct qerr e;

	if (fstatat(dirfd, a, &sa, AT_SYMLINK_NOFOLLOW) < 0 ||
	    fstatat(wfd, b, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !left_as(p, &sa) || !left_as(rec, &sb)) {
		rec_refuse(r, rec, "changed since the repair exchanged it: "
		    "left as it is");
		rec_refuse(r, p, "changed since the repair exchanged it: "
		    "left as it is");
		return;
	}
	if (!r->opts->dry_run &&
	    (sio_exchange(r->w, dirfd, a, wfd, b, &sa, &sb, &e) < 0 ||
		sio_fsync_dir(dirfd, &e) < 0 ||
		(wfd != dirfd && sio_fsync_dir(wfd, &e) < 0))) {
		rec_fail(r, rec, e.msg);
		rec_fail(r, p, e.msg);
		return;
	}
	rec->renamed_back = p->renamed_back = true;
	rec_changed(r, rec, CH_RENAMED_BACK, "exchanged back");
	rec_changed(r, p, CH_RENAMED_BACK, "exchanged back");
}

/* lf_name_ok - "#" and digits: what e2fsck names a file in lost+found */
static bool
lf_name_ok(const char *base)
{
	size_t n = strlen(base);

	return n >= 2 && n <= 1 + DEC_DIGITS_MAX && base[0] == '#' &&
	    strspn(base + 1, "0123456789") == n - 1;
}

/*
 * undo_rename - a file the repair renamed (made inert, promoted, moved,
 * exchanged): renamed back, never over anything, if the new name still
 * holds the file the repair left; a data record that cannot be renamed
 * back stays pending, for its archived bytes
 */
static void
undo_rename(struct restorer *r, struct mf_rec *rec, int dirfd)
{
	const char *base = ar_base_name(rec->path), *why = "";
	const char *wbase = ar_base_name(rec->w_path);
	char v[VIS_MAX], more[VIS_MAX + 8];
	struct mf_rec *p;
	struct stat st, wst;
	struct qerr e;
	int wfd = rs_dir(r, rec->w_queue, rec->w_path, &why);

	if (dirfd >= 0 && fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (left_as(rec, &st) && meta_was(rec, &st))
			rec_done(r, rec, true);
		else if (wfd >= 0 && (p = partner(r, rec)) != NULL)
			undo_exchange(r, rec, p, dirfd, wfd);
		else if (rec->kind != K_DATA)
			rec_refuse(r, rec, "a file of that name is there: "
			    "not replaced");
		return;
	}
	if (wfd < 0 || fstatat(wfd, wbase, &wst, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !left_as(rec, &wst) || !meta_left(rec, &wst)) {
		if (rec->kind != K_DATA)
			rec_refuse(r, rec, "not where the repair left it, as "
			    "it left it: left as it is");
		return;
	}
	/* Back into lost+found is not into a queue: the rules for what
	 * may go into one are not asked, but the name is one e2fsck gives
	 * ("#<inode>"), never one a crafted archive chose. */
	if (r->tg[rec->queue].lostfound ? !lf_name_ok(base)
	    : file_refused(r, rec, base)) {
		if (r->tg[rec->queue].lostfound)
			rec_refuse(r, rec, "not a name e2fsck gives in lost+found");
		return;
	}
	if (!r->opts->dry_run &&
	    (dirfd < 0 ||
		sio_rename(r->w, wfd, wbase, dirfd, base, true, &wst, &e) < 0 ||
		sio_fsync_dir(dirfd, &e) < 0 ||
		(wfd != dirfd && sio_fsync_dir(wfd, &e) < 0))) {
		rec_fail(r, rec, dirfd < 0 ? why : e.msg);
		return;
	}
	rec->renamed_back = true;
	(void)snprintf(more, sizeof(more), "from %s",
	    esc_str(v, sizeof(v), rec->w_path));
	if (meta_was(rec, &wst) || r->opts->dry_run) {
		rec_changed(r, rec, CH_RENAMED_BACK, more);
		return;
	}
	{
		int fd = sio_open_regular(dirfd, base, &st, &e);

		if (fd < 0 || st.st_ino != wst.st_ino) {
			rec_fail(r, rec, "renamed back, but its owner and mode "
			    "could not be restored");
			if (fd >= 0)
				(void)close(fd);
			return;
		}
		revert_meta(r, rec, fd, more);
		(void)close(fd);
	}
}

/*
 * rs_undo - every record of one class (control files or not) the repair
 * left changed, last change first: renamed back, or owner and mode
 * reverted; rewritten files go back in the data pass (rs_existing())
 */
static void
rs_undo(struct restorer *r, bool control)
{
	size_t i;

	for (i = r->mf.nrecs; i-- > 0;) {
		struct mf_rec *rec = &r->mf.recs[i];
		const char *why = "";
		int dirfd;

		if (rec->w_path == NULL || rec->state != ST_PENDING ||
		    is_control(ar_base_name(rec->path)) != control ||
		    (same_place(rec) && rec->w_sha != NULL))
			continue;
		/* Restored elsewhere, there is nothing the repair left. */
		if (!r->tg[rec->queue].in_place || !r->tg[rec->w_queue].in_place) {
			if (rec->kind == K_RECORD) {
				rec->state = ST_DONE;
				say(r, "skipped: ", "skipped", rec, "a record of a "
				    "change, undone only in place");
			}
			continue;
		}
		if (!is_dir_rec(rec) && !form_ok(rec->path)) {
			rec_refuse(r, rec, "not of the form <file> or "
			    "{qf,df,xf}/<file>");
			continue;
		}
		dirfd = rs_dir(r, rec->queue, rec->path, &why);
		if (dirfd == -1) {
			rec_fail(r, rec, why);
			continue;
		}
		if (same_place(rec))
			undo_meta(r, rec, dirfd);
		else
			undo_rename(r, rec, dirfd);
	}
}

/*
 * rs_leftovers - a control file the repair renamed (made inert) whose
 * archived bytes went back under its own name: the renamed copy, if it
 * is still exactly those bytes, is removed (sendmail ran neither)
 */
static void
rs_leftovers(struct restorer *r)
{
	char hex[ARC_SHA256_HEX + 1];
	size_t i;

	for (i = 0; i < r->mf.nrecs; i++) {
		struct mf_rec *rec = &r->mf.recs[i];
		const char *why = "", *wbase;
		struct stat st;
		struct qerr e;
		int64_t size;
		int wfd, fd, rc;

		if (rec->kind != K_DATA || rec->w_path == NULL ||
		    rec->w_sha != NULL || same_place(rec) ||
		    rec->state != ST_DONE || rec->renamed_back ||
		    !r->tg[rec->w_queue].in_place)
			continue;
		wbase = ar_base_name(rec->w_path);
		wfd = rs_dir(r, rec->w_queue, rec->w_path, &why);
		if (wfd < 0 || fstatat(wfd, wbase, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || st.st_size != rec->size)
			continue;
		fd = sio_open_entry(wfd, wbase, &st, NULL, &e);
		if (fd < 0)
			continue;
		rc = hash_fd(fd, r->buf, rec->size, hex, &size, &e);
		(void)close(fd);
		if (rc < 0 || size != rec->size || strcmp(hex, rec->sha) != 0)
			continue;
		if (r->opts->dry_run) {
			say_json_or(r, "would-remove", rec);
			continue;
		}
		if (sio_unlink(r->w, wfd, wbase, &st, &e) < 0 ||
		    sio_fsync_dir(wfd, &e) < 0)
			rec_fail(r, rec, e.msg);
		else
			say_json_or(r, "removed", rec);
	}
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

/*
 * queues_under - every queue of the archive is a directory right inside
 * dir (an absolute path), as sendmail's "q*" queue directories are in
 * the one QueueDirectory names: restored in place, each checked as a
 * directory named
 */
static bool
queues_under(const struct manifest *mf, const char *dir)
{
	size_t len = strlen(dir);
	unsigned q;

	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (dir[0] != '/')
		return false;
	for (q = 0; q < mf->nqueues; q++) {
		const char *p = mf->queues[q];

		if (mf->lostfound[q])
			continue;
		if (strncmp(p, dir, len) != 0 || p[len] != '/' ||
		    !file_ok(p + len + 1))
			return false;
	}
	return true;
}

/* real_queues - the queues of the archive that are not lost+found */
static unsigned
real_queues(const struct manifest *mf)
{
	unsigned q, n = 0;

	for (q = 0; q < mf->nqueues; q++)
		n += !mf->lostfound[q];
	return n;
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
		/* Several queues: in place, each in the directory named. */
		r->tg[q].lostfound = r->mf.lostfound[q];
		r->tg[q].path = queue_dir != NULL && !r->tg[q].lostfound &&
		    real_queues(&r->mf) == 1 ? queue_dir : r->mf.queues[q];
		r->tg[q].in_place = strcmp(r->tg[q].path, r->mf.queues[q]) == 0;
		r->tg[q].signed_ok = r->mf.sigstate == ARC_SIG_OK;
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
	if (r.opts->queue_dir != NULL && real_queues(&r.mf) > 1 &&
	    !queues_under(&r.mf, r.opts->queue_dir)) {
		qerr_set(err, EINVAL, "the archive holds %u queues, not all in "
		    "the directory named: it cannot be restored into one "
		    "directory", r.mf.nqueues);
		goto out;
	}
	if (rs_setup(&r, r.opts->queue_dir, r.opts->queue_ok,
	    r.opts->queue_ok_arg, err) < 0)
		goto out;
	rs_records(&r);
	if (rs_pass(&r, fd, PASS_CHECK, err) < 0)
		goto out;
	/* sendmail writes the df before the qf: data files first, renamed
	 * back or written, then control files. */
	rs_undo(&r, false);
	if (rs_pass(&r, fd, PASS_DATA, err) < 0)
		goto out;
	rs_sweep(&r, false);
	rs_undo(&r, true);
	if (rs_pass(&r, fd, PASS_CONTROL, err) < 0)
		goto out;
	rs_sweep(&r, true);
	rs_leftovers(&r);
	(void)fflush(out);
	rc = stats->refused > 0 || stats->failed > 0 ? 1 : 0;
out:
	rs_cleanup(&r);
	return rc;
}
