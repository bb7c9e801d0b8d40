/*
 * check.c - one pass over a queue directory, reading every control file.
 *
 * The directory is opened with sio_open_path() (no symbolic link on the
 * way is followed) and read once with readdir(); every entry is
 * fstatat(AT_SYMLINK_NOFOLLOW)'ed relative to the directory fd, and only
 * regular files are ever opened.  The qf/ df/ xf/ subdirectories that
 * sendmail's multiqueue_cache() looks for are read the same way.
 *
 * A control file (q h Q t T) that another process has locked is in use
 * by sendmail (gatherq() and readqf() skip it too) and is not judged.
 * Nothing here opens anything for writing: this checker has no writer.
 *
 * Memory: one read buffer (up to QF_MAX_BYTES) and one struct qf_file,
 * reused for every control file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "esc.h"
#include "qf.h"
#include "qid.h"
#include "sio.h"

#define NAME_ESC 96		/* room for an escaped file name */
#define LABEL_MAX 1024

struct checker {
	const struct check_opts *opts;
	struct check_totals *totals;
	struct qf_file qf;
	struct sio_buf buf;
	int status;
};

/* label_of - "<queue>/<subdir>/<name>" with the name escaped, for messages */
static void
label_of(char *out, size_t outsz, const char *dir, const char *name)
{
	char esc[NAME_ESC];

	(void)snprintf(out, outsz, "%s/%s", dir, esc_str(esc, sizeof(esc), name));
}

/* report_error - an operational error: the file could not be checked */
static void
report_error(struct checker *c, const char *label, const struct qerr *err)
{
	(void)fprintf(stderr, "mqfsck: %s: %s\n", label, err->msg);
	c->totals->errors++;
	c->status |= FSCK_ERROR;
}

/* report_problem - one line per problem */
static void
report_problem(struct checker *c, const char *label, const char *what)
{
	(void)printf("%s: %s\n", label, what);
	c->totals->problems++;
	c->status |= FSCK_UNCORRECTED;
}

/* report_defects - every defect the reader found in a control file */
static void
report_defects(struct checker *c, const char *label)
{
	const struct qf_file *qf = &c->qf;
	char line[1024];
	size_t i;

	for (i = 0; i < qf->ndefects; i++) {
		const struct qf_defect_info *d = qf_defect_info(qf->defects[i].kind);
		char where[32] = "";

		if (qf->defects[i].line != 0)
			(void)snprintf(where, sizeof(where), "line %u: ",
			    qf->defects[i].line);
		/* sendmail never runs a tf or Tf itself (queue.c gatherq()). */
		(void)snprintf(line, sizeof(line), "%s%s: %s; sendmail%s: %s",
		    where, d->name, d->what,
		    qf->letter == 't' || qf->letter == 'T'
			? " (were it the qf)" : "",
		    d->sendmail);
		report_problem(c, label, line);
	}
	if (qf->ndefects_total > qf->ndefects) {
		(void)snprintf(line, sizeof(line), "%zu more defects not listed",
		    qf->ndefects_total - qf->ndefects);
		report_problem(c, label, line);
	}
}

/* check_control - read and judge one control file */
static void
check_control(struct checker *c, int dirfd, const char *dir, const char *name,
    const struct stat *seen, char letter)
{
	char label[LABEL_MAX];
	struct qf_parse_opts o;
	struct qerr err;
	struct stat st;
	bool truncated = false;
	int fd, locked;

	label_of(label, sizeof(label), dir, name);
	fd = sio_open_entry(dirfd, name, seen, &st, &err);
	if (fd < 0) {
		if (err.sys_errno == ENOENT) {
			if (c->opts->verbose)
				(void)printf("%s: vanished while checking (done by sendmail)\n",
				    label);
			return;
		}
		report_error(c, label, &err);
		return;
	}
	locked = sio_lock_probe(fd, &err);
	if (locked != SIO_UNLOCKED) {
		if (locked < 0)
			report_error(c, label, &err);
		else {
			c->totals->in_use++;
			if (c->opts->verbose)
				(void)printf("%s: in use by sendmail (locked): not checked\n",
				    label);
		}
		goto out;
	}
	if (sio_read(fd, &c->buf, QF_MAX_BYTES, &truncated, &err) < 0) {
		report_error(c, label, &err);
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.letter = letter;
	if (truncated)
		o.file_size = st.st_size > 0 ? (uint64_t)st.st_size : QF_MAX_BYTES + 1;
	if (qf_parse(&c->qf, c->buf.data, c->buf.len, &o, &err) < 0) {
		report_error(c, label, &err);
		goto out;
	}
	c->totals->control_files++;
	report_defects(c, label);
	if (c->opts->verbose && c->qf.ndefects_total == 0)
		(void)printf("%s: ok\n", label);
out:
	if (close(fd) < 0) {
		qerr_set(&err, errno, "close: %s", strerror(errno));
		report_error(c, label, &err);
	}
}

/* check_entry - one directory entry; returns 1 if it is a subdirectory to
 * read next */
static int
check_entry(struct checker *c, int dirfd, const char *dir, const char *name)
{
	char label[LABEL_MAX];
	struct qname qn;
	struct stat st;
	struct qerr err;

	qname_classify(name, strlen(name), &qn);
	if (qn.cls == QN_DOT)
		return 0;
	c->totals->entries++;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0; /* removed since readdir(): sendmail at work */
		label_of(label, sizeof(label), dir, name);
		qerr_set(&err, errno, "fstatat: %s", strerror(errno));
		report_error(c, label, &err);
		return 0;
	}
	if (qn.cls == QN_SUBDIR && S_ISDIR(st.st_mode))
		return 1;
	if (qn.cls != QN_JOB || !qname_letter_is_control(qn.letter))
		return 0;
	if (!S_ISREG(st.st_mode)) {
		/* gatherq(): "is not a regular file"; never opened here. */
		label_of(label, sizeof(label), dir, name);
		report_problem(c, label,
		    S_ISLNK(st.st_mode)
			? "control file is a symbolic link; mqfsck does not follow it"
			: "control file is not a regular file");
		return 0;
	}
	check_control(c, dirfd, dir, name, &st, qn.letter);
	return 0;
}

/*
 * struct names - the entries of one directory, so that they can be checked
 * (and reported) in byte order whatever order the file system returns
 * them in.  One arena of NUL-terminated names plus their offsets.
 */
struct names {
	char *arena;
	size_t used, cap;
	size_t *off;
	size_t n, offcap;
};

/* names_add - keep a copy of name; -1 on ENOMEM */
static int
names_add(struct names *nm, const char *name)
{
	size_t len = strlen(name) + 1;

	if (nm->used + len > nm->cap) {
		size_t ncap = nm->cap ? nm->cap * 2 : 4096;
		char *na;

		while (ncap < nm->used + len)
			ncap *= 2;
		if ((na = realloc(nm->arena, ncap)) == NULL)
			return -1;
		nm->arena = na;
		nm->cap = ncap;
	}
	if (nm->n == nm->offcap) {
		size_t ncap = nm->offcap ? nm->offcap * 2 : 256;
		size_t *no = realloc(nm->off, ncap * sizeof(*no));

		if (no == NULL)
			return -1;
		nm->off = no;
		nm->offcap = ncap;
	}
	memcpy(nm->arena + nm->used, name, len);
	nm->off[nm->n++] = nm->used;
	nm->used += len;
	return 0;
}

static const char *sort_arena; /* qsort() has no context argument */

/* cmp_names - byte order of two names in sort_arena */
static int
cmp_names(const void *a, const void *b)
{
	return strcmp(sort_arena + *(const size_t *)a,
	    sort_arena + *(const size_t *)b);
}

/* read_names - every entry name of dirfd, sorted; 0 or -1 with err */
static int
read_names(int dirfd, struct names *nm, struct qerr *err)
{
	struct dirent *de;
	int dupfd, rc = 0;
	DIR *d;

	dupfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (dupfd < 0 || (d = fdopendir(dupfd)) == NULL) {
		qerr_set(err, errno, "cannot read the directory: %s",
		    strerror(errno));
		if (dupfd >= 0)
			(void)close(dupfd);
		return -1;
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (names_add(nm, de->d_name) < 0) {
			qerr_set(err, ENOMEM, "out of memory listing the directory");
			rc = -1;
			break;
		}
		errno = 0;
	}
	if (rc == 0 && errno != 0) {
		qerr_set(err, errno, "readdir: %s", strerror(errno));
		rc = -1;
	}
	if (closedir(d) < 0 && rc == 0) {
		qerr_set(err, errno, "closedir: %s", strerror(errno));
		rc = -1;
	}
	sort_arena = nm->arena;
	if (nm->n > 1)
		qsort(nm->off, nm->n, sizeof(*nm->off), cmp_names);
	return rc;
}

/* check_dir - read one directory of the queue */
static void
check_dir(struct checker *c, int dirfd, const char *dir, int depth)
{
	struct names nm;
	char subs[3] = { 0 };	/* first letters of qf/ df/ xf/ found */
	int nsubs = 0, subfd;
	size_t i;
	struct qerr err;

	memset(&nm, 0, sizeof(nm));
	if (read_names(dirfd, &nm, &err) < 0)
		report_error(c, dir, &err);
	for (i = 0; i < nm.n; i++) {
		/* Only the top level has subdirectories (queuename()). */
		if (check_entry(c, dirfd, dir, nm.arena + nm.off[i]) == 1 &&
		    depth == 0 && nsubs < 3)
			subs[nsubs++] = nm.arena[nm.off[i]];
	}
	free(nm.arena);
	free(nm.off);
	for (i = 0; i < (size_t)nsubs; i++) {
		char sub[LABEL_MAX];
		const char subname[3] = { subs[i], 'f', '\0' };

		(void)snprintf(sub, sizeof(sub), "%s/%s", dir, subname);
		subfd = sio_opendirat(dirfd, subname, NULL, &err);
		if (subfd < 0) {
			report_error(c, sub, &err);
			continue;
		}
		check_dir(c, subfd, sub, depth + 1);
		(void)close(subfd);
	}
}

/* check_queue - check one queue directory */
int
check_queue(const char *path, const struct check_opts *opts,
    struct check_totals *totals)
{
	struct checker c;
	struct qerr err;
	int dirfd;

	memset(&c, 0, sizeof(c));
	c.opts = opts;
	c.totals = totals;
	qf_init(&c.qf);
	dirfd = sio_open_path(path, NULL, NULL, &err);
	if (dirfd < 0) {
		report_error(&c, path, &err);
		return c.status;
	}
	check_dir(&c, dirfd, path, 0);
	if (close(dirfd) < 0) {
		qerr_set(&err, errno, "close: %s", strerror(errno));
		report_error(&c, path, &err);
	}
	qf_free(&c.qf);
	sio_buf_free(&c.buf);
	return c.status;
}
