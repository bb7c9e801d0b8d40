/*
 * queues.c - which queues to check, and what their configuration implies.
 *
 * A configuration file is read as sendmail reads it (format/cf.c), with
 * the -o overrides set first, so that like sendmail's -O they stick.  Its
 * queue directories are those of queue.c setup_queues() and
 * multiqueue_cache(): every group's directory (Path=, or QueueDirectory
 * as it stood when the Q line was read), a trailing '*' matching the
 * directories of the parent whose names start with the prefix; the
 * qp_name of each is its path below the base directory ("." for the base
 * itself), which is what d lines name.
 *
 * The policy: QueueFileMode and TempFileMode as files get them (sendmail
 * runs with umask 022, relaxed to 002 while it creates a file when
 * QueueFileMode is group-writable: queue.c OPEN_TF, collect.c); the queue
 * runner is RunAsUser, or root; TrustedUser; UseMSP; DontBlameSendmail's
 * TrustStickyBit and GroupWritableDirPathSafe; the largest queuereturn.
 *
 * Everything allocated here hangs off the returned sets and is freed by
 * queues_free().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cf.h"
#include "dirlist.h"
#include "paths.h"
#include "queues.h"

#define DEFAULT_MTA_CF MQ_SYSCONFDIR "/mail/sendmail.cf"
#define DEFAULT_MSP_CF MQ_SYSCONFDIR "/mail/submit.cf"

/* A configuration and where it came from. */
struct config {
	const char *source;
	struct cf cf;
};

/* ------------------------------------------------------------------ */
/* Reading configurations */


/* apply_override - one -o/-O setting (queues.h): "=Xvalue" is option
 * letter X (sendmail's -oXvalue), anything else "Name=value" (-O) */
static int
apply_override(struct cf *cf, const char *s, struct qerr *err)
{
	char letter[2];

	if (s[0] == '=' && s[1] != '\0') {
		letter[0] = s[1];
		letter[1] = '\0';
		return cf_set_option(cf, letter, s + 2, err);
	}
	return cf_set_option_arg(cf, s, err);
}

/* read_config - parse file `path` (a system file, not the queue) */
static int
read_config(const char *path, const struct queue_opts *qo, struct cf *cf,
    struct qerr *err)
{
	struct sio_buf buf = { 0 };
	struct stat st;
	bool truncated = false;
	int fd, rc = -1;
	size_t i;

	cf_init(cf);
	for (i = 0; i < qo->noverrides; i++)
		if (apply_override(cf, qo->overrides[i], err) < 0)
			return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		qerr_set(err, errno, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		qerr_set(err, EINVAL, "not a regular file");
		goto out;
	}
	if (sio_read(fd, &buf, CF_MAX_BYTES, &truncated, err) < 0)
		goto out;
	if (truncated) {
		qerr_set(err, EFBIG, "larger than %zu bytes", CF_MAX_BYTES);
		goto out;
	}
	rc = cf_parse(cf, (const char *)buf.data, buf.len, path, err);
out:
	(void)close(fd);
	sio_buf_free(&buf);
	return rc;
}

/* defaults_config - sendmail's built-in defaults plus the overrides */
static int
defaults_config(const struct queue_opts *qo, struct cf *cf, struct qerr *err)
{
	size_t i;

	cf_init(cf);
	for (i = 0; i < qo->noverrides; i++)
		if (apply_override(cf, qo->overrides[i], err) < 0)
			return -1;
	return 0;
}

/* copy_span - src[0..n) into dst as a string; false if it does not fit */
static bool
copy_span(char *dst, size_t dstsz, const char *src, size_t n)
{
	if (n >= dstsz)
		return false;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return true;
}

/* join_path - dir "/" name into out; false if it does not fit */
static bool
join_path(char *out, size_t outsz, const char *dir, const char *name)
{
	size_t d = strlen(dir), n = strlen(name);
	bool slash = d > 0 && dir[d - 1] == '/';

	size_t o = 0, i;

	if (d + !slash + n >= outsz)
		return false;
	for (i = 0; i < d; i++)
		out[o++] = dir[i];
	if (!slash)
		out[o++] = '/';
	for (i = 0; i <= n; i++) /* with the NUL */
		out[o++] = name[i];
	return true;
}

/* ------------------------------------------------------------------ */
/* Users */

/* lookup_user - a user name or number to uid (and primary gid) */
static bool
lookup_user(const char *s, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;
	char *end;
	unsigned long v;

	if (s == NULL || *s == '\0')
		return false;
	if (*s == '#')
		s++; /* sendmail accepts #uid */
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno == 0 && *end == '\0' && end != s) {
		*uid = (uid_t)v;
		pw = getpwuid(*uid);
		*gid = pw != NULL ? pw->pw_gid : (gid_t)v;
		return true;
	}
	pw = getpwnam(s);
	if (pw == NULL)
		return false;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return true;
}

/* lookup_group - a group name or number to gid */
static bool
lookup_group(const char *s, gid_t *gid)
{
	struct group *gr;
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno == 0 && *end == '\0' && end != s) {
		*gid = (gid_t)v;
		return true;
	}
	gr = getgrnam(s);
	if (gr == NULL)
		return false;
	*gid = gr->gr_gid;
	return true;
}

/* umasked - the mode sendmail's open() gives a file of mode `m` */
static mode_t
umasked(mode_t m, mode_t qfm)
{
	return m & ~(mode_t)((qfm & S_IWGRP) ? 002 : 022);
}

/*
 * queue_group - the group of a queue whose files the group may read:
 * sendmail's MSP group "smmsp" where the system has one (sendmail's own
 * installation, Debian's update_sys: the MTA queue smmta:smmsp 2750 with
 * files root:smmsp 0640, so that mailq, running set-group-ID smmsp, reads
 * it; the client queue smmsp:smmsp 2770), else the queue runner's group
 */
static gid_t
queue_group(gid_t runner_gid)
{
	struct group *gr = getgrnam("smmsp");

	return gr != NULL ? gr->gr_gid : runner_gid;
}

/*
 * dir_layout - the queue directory's expected mode: the owner's rwx, the
 * group's r-x (and w when QueueFileMode is group-writable, the MSP) when
 * QueueFileMode gives the group access, nothing for others; set-group-ID
 * when the queue's group is not the runner's own, for only then do
 * files sendmail creates need it to get the queue's group (a directory
 * that lost it, after a restore, gives them root's)
 */
static void
dir_layout(struct policy *p)
{
	p->check_group = (p->qfm & 0070) != 0;
	p->dir_mode = S_IRWXU;
	if (p->check_group)
		p->dir_mode |= S_IRGRP | S_IXGRP | (p->qfm & S_IWGRP);
	p->dir_setgid = p->check_group && p->queue_gid != p->runner_gid;
	if (p->dir_setgid)
		p->dir_mode |= S_ISGID;
}

/* make_policy - what the configuration implies */
static int
make_policy(struct fsck_ctx *ctx, const char *source, const struct cf *cf,
    const struct queue_opts *qo, const char *first_dir, struct policy *p)
{
	gid_t g;
	int t;

	memset(p, 0, sizeof(*p));
	p->qfm = cf->queue_file_mode;
	p->file_mode = umasked(cf->queue_file_mode, cf->queue_file_mode);
	p->xf_mode = umasked(cf->temp_file_mode, cf->queue_file_mode);
	p->runner_uid = 0;
	p->runner_gid = 0;
	if (cf->run_as_user != NULL) {
		if (!lookup_user(cf->run_as_user, &p->runner_uid, &p->runner_gid))
			ctx_error(ctx, source, "RunAsUser names no known user");
		else
			p->runner_switches = true;
		if (cf->run_as_group != NULL &&
		    !lookup_group(cf->run_as_group, &p->runner_gid))
			ctx_error(ctx, source, "RunAsUser names no known group");
	}
	if (cf->trusted_user != NULL) {
		p->has_trusted = lookup_user(cf->trusted_user, &p->trusted_uid, &g);
		if (!p->has_trusted)
			ctx_error(ctx, source, "TrustedUser names no known user");
	}
	p->use_msp = cf->use_msp;
	p->trust_sticky = (cf->dont_blame & CF_DBS_TRUSTSTICKYBIT) != 0;
	p->group_writable_ok =
	    (cf->dont_blame & CF_DBS_GROUPWRITABLEDIRPATHSAFE) != 0;
	p->expected_owner = p->runner_uid;
	p->dir_owner = p->has_trusted ? p->trusted_uid : p->runner_uid;
	p->queue_gid = queue_group(p->runner_gid);
	if (qo->owner != NULL) {
		struct stat st;

		p->owner_override = true;
		if (strcmp(qo->owner, "queue-dir") == 0) {
			/* A queue that is not there has no owner to take: the
			 * user running mqfsck stands in, and pass 0 says why. */
			bool there = first_dir != NULL && stat(first_dir, &st) == 0;

			p->expected_owner = there ? st.st_uid : geteuid();
			g = there ? st.st_gid : getegid();
		} else if (!lookup_user(qo->owner, &p->expected_owner, &g)) {
			ctx_error(ctx, qo->owner, "--owner names no known user");
			return -1;
		}
		p->runner_uid = p->expected_owner;
		p->runner_gid = g;
		p->queue_gid = g;
		p->dir_owner = p->expected_owner;
		p->runner_switches = false;
	}
	if (qo->adopt != NULL) {
		if (!lookup_user(qo->adopt, &p->adopt_uid, &g)) {
			ctx_error(ctx, qo->adopt, "--adopt-owner names no known user");
			return -1;
		}
		p->has_adopt = true;
	}
	dir_layout(p);
	/* Timeouts per class; the P lines that choose a job's class. */
	_Static_assert(QSET_TOC_N == CF_TOC_N, "one timeout class list");
	_Static_assert(QSET_MAX_PREC == CF_MAX_PRECEDENCES, "one P line limit");
	for (t = 0; t < CF_TOC_N; t++) {
		p->queue_return[t] = cf->queue_return[t];
		p->queue_warn[t] = cf->queue_warn[t];
	}
	p->nprec = 0;
	for (t = 0; t < (int)cf->nprecedences; t++) {
		const struct cf_precedence *pr = &cf->precedences[t];

		if (strlen(pr->name) >= sizeof(p->prec_name[0]))
			continue;
		(void)snprintf(p->prec_name[p->nprec], sizeof(p->prec_name[0]),
		    "%s", pr->name);
		p->prec_value[p->nprec++] = pr->value;
	}
	p->max_queue_run_size = cf->max_queue_run_size;
	p->min_free_blocks = cf->min_free_blocks;
	(void)snprintf(p->pidfile, sizeof(p->pidfile), "%s",
	    cf->pid_file != NULL ? cf->pid_file : CF_DEFAULT_PIDFILE);
	if (cf->host_status_dir != NULL && cf->host_status_dir[0] != '/')
		(void)copy_span(p->host_status_dir, sizeof(p->host_status_dir),
		    cf->host_status_dir, strcspn(cf->host_status_dir, "/"));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Queue directories */

/*
 * queues_abspath - path made absolute from the current directory (which
 * getcwd() gives without symbolic links), without "." components or
 * repeated slashes.  ".." is kept: the walk refuses it.  NULL on ENOMEM
 * or a path too long.
 */
char *
queues_abspath(const char *path)
{
	char cwd[PATH_MAX], *out, *o;
	const char *parts[2], *p;
	size_t n, k;

	if (path[0] == '/')
		cwd[0] = '\0';
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	parts[0] = cwd;
	parts[1] = path;
	n = strlen(cwd) + strlen(path) + 3;
	if ((out = malloc(n)) == NULL)
		return NULL;
	o = out;
	for (k = 0; k < 2; k++) {
		for (p = parts[k]; *p != '\0';) {
			size_t len;

			while (*p == '/')
				p++;
			len = strcspn(p, "/");
			if (len > 0 && !(len == 1 && p[0] == '.')) {
				*o++ = '/';
				memcpy(o, p, len);
				o += len;
			}
			p += len;
		}
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	return out;
}

/* add_dir - append a queue directory of a queue group to a set, once */
static int
add_dir(struct qset *set, const char *path, const char *qp_name,
    const char *group)
{
	struct qdir *nd, *qd;
	size_t i;
	int s;

	for (i = 0; i < set->ndirs; i++)
		if (strcmp(set->dirs[i].path, path) == 0)
			return 0;
	if (set->ndirs >= 0xfff0)
		return -1; /* qdir indexes are 16 bits */
	nd = realloc(set->dirs, (set->ndirs + 1) * sizeof(*nd));
	if (nd == NULL)
		return -1;
	set->dirs = nd;
	qd = &set->dirs[set->ndirs];
	memset(qd, 0, sizeof(*qd));
	qd->fd = -1;
	qd->lockfd = -1;
	for (s = 0; s < SUB_COUNT; s++)
		qd->subfd[s] = -1;
	qd->selected = true;
	(void)snprintf(qd->group, sizeof(qd->group), "%s", group);
	qd->path = strdup(path);
	qd->abspath = queues_abspath(path);
	qd->qp_name = strdup(qp_name);
	if (qd->path == NULL || qd->abspath == NULL || qd->qp_name == NULL) {
		free(qd->path);
		free(qd->abspath);
		free(qd->qp_name);
		return -1;
	}
	set->ndirs++;
	return 0;
}

/* qp_name_of - the path below the base, "." for the base itself */
static const char *
qp_name_of(const char *path, const char *base)
{
	size_t n = strlen(base);

	if (strncmp(path, base, n) == 0 && path[n] != '\0')
		return path + n;
	return ".";
}

/* add_wildcard - the directories of parent starting with prefix */
static int
add_wildcard(struct qset *set, const char *parent, const char *prefix,
    const char *base, const char *group)
{
	struct dirlist dl;
	struct qerr err;
	struct stat st;
	char path[PATH_MAX];
	size_t i, n, plen = strlen(prefix);
	int fd, rc = 0;

	fd = sio_open_path(parent, NULL, NULL, &err);
	if (fd < 0)
		return 0; /* pass 0 of the directory itself says why */
	dirlist_init(&dl);
	if (dirlist_read(fd, &dl, &err) == 0) {
		for (i = 0; i < dl.n && rc == 0; i++) {
			const char *name = dirlist_name(&dl, i);

			/* chkqdir(): a directory, or a symlink to one (pass 0
			 * reports the symlink mqfsck will not follow). */
			if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
			    strncmp(name, prefix, plen) != 0 ||
			    fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !(S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode)))
				continue;
			if (!join_path(path, sizeof(path), parent, name))
				continue; /* longer than any path sendmail takes */
			n = set->ndirs;
			rc = add_dir(set, path, qp_name_of(path, base), group);
			if (rc == 0 && set->ndirs > n)
				set->dirs[set->ndirs - 1].wild = true;
		}
	}
	dirlist_free(&dl);
	(void)close(fd);
	return rc;
}

/* config_dirs - every queue directory of a configuration */
static int
config_dirs(const struct cf *cf, struct qset *set, struct qerr *err)
{
	char base[PATH_MAX], prefix[NAME_MAX + 1], parent[PATH_MAX];
	bool wild;
	size_t g, n;

	if (cf->queue_directory == NULL) {
		qerr_set(err, EINVAL, "QueueDirectory (Q) option must be set");
		return -1;
	}
	if (cf_queue_base(cf, base, sizeof(base), prefix, sizeof(prefix), &wild,
		err) < 0)
		return -1;
	free(set->base);
	if ((set->base = strdup(base)) == NULL)
		goto nomem;
	for (g = 0; g < cf->ngroups; g++) {
		const char *dir = cf->groups[g].qdir;

		if (dir == NULL)
			continue;
		n = strlen(dir);
		if (n > 0 && dir[n - 1] == '*') {
			const char *slash = strrchr(dir, '/');

			if (slash == NULL)
				continue;
			if (!copy_span(parent, sizeof(parent), dir,
				(size_t)(slash - dir + 1)) ||
			    !copy_span(prefix, sizeof(prefix), slash + 1,
				n - 1 - (size_t)(slash - dir + 1)))
				continue;
			if (add_wildcard(set, parent, prefix, base,
				cf->groups[g].name) < 0)
				goto nomem;
		} else if (add_dir(set, dir, qp_name_of(dir, base),
			       cf->groups[g].name) < 0)
			goto nomem;
	}
	return 0;
nomem:
	qerr_set(err, ENOMEM, "out of memory");
	return -1;
}

/* ------------------------------------------------------------------ */
/* Sets */

/* new_set - append an empty set */
static struct qset *
new_set(struct qset **sets, size_t *nsets, const char *source)
{
	struct qset *ns = realloc(*sets, (*nsets + 1) * sizeof(**sets));

	if (ns == NULL)
		return NULL;
	*sets = ns;
	memset(&ns[*nsets], 0, sizeof(ns[*nsets]));
	ns[*nsets].source = strdup(source);
	index_init(&ns[*nsets].idx);
	if (ns[*nsets].source == NULL)
		return NULL;
	return &ns[(*nsets)++];
}

/* same_dir - the two paths are one directory (without following links) */
static bool
same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return lstat(a, &sa) == 0 && lstat(b, &sb) == 0 && S_ISDIR(sa.st_mode) &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* load_configs - the configurations to use: -c, or the defaults present */
static int
load_configs(struct fsck_ctx *ctx, const struct queue_opts *qo,
    struct config **cfgs, size_t *ncfgs)
{
	static const char *const defaults[] = { DEFAULT_MTA_CF, DEFAULT_MSP_CF };
	const char *const *list = qo->configs;
	size_t n = qo->nconfigs, i;
	struct qerr err;
	struct config *c;

	*cfgs = NULL;
	*ncfgs = 0;
	if (qo->no_config)
		return 0;
	if (n == 0) {
		list = defaults;
		n = 2;
	}
	*cfgs = calloc(n, sizeof(**cfgs));
	if (*cfgs == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		c = &(*cfgs)[*ncfgs];
		if (read_config(list[i], qo, &c->cf, &err) < 0) {
			cf_free(&c->cf);
			/* A default configuration that is absent is no error. */
			if (qo->nconfigs == 0 && err.sys_errno == ENOENT)
				continue;
			ctx_error(ctx, list[i], err.msg);
			continue;
		}
		c->source = list[i];
		(*ncfgs)++;
	}
	return 0;
}

/*
 * set_of_config - a set with every queue directory of a configuration;
 * with `only`, just the directory that is `only` is selected for
 * checking (the others are still known, so that d lines are judged
 * against all of them).  A configuration gets one set.
 */
static int
set_of_config(struct fsck_ctx *ctx, const struct queue_opts *qo,
    const struct config *c, const char *only, struct qset **sets,
    size_t *nsets)
{
	struct qset *set = NULL;
	struct qerr err;
	size_t i, k;
	bool fresh = false;

	for (i = 0; i < *nsets; i++)
		if (strcmp((*sets)[i].source, c->source) == 0)
			set = &(*sets)[i];
	if (set == NULL) {
		if ((set = new_set(sets, nsets, c->source)) == NULL)
			return -1;
		if (config_dirs(&c->cf, set, &err) < 0) {
			ctx_error(ctx, c->source, err.msg);
			return 0;
		}
		if (make_policy(ctx, c->source, &c->cf, qo,
			set->ndirs > 0 ? set->dirs[0].path : NULL, &set->pol) < 0)
			return -1;
		fresh = true;
	}
	if (only == NULL)
		return 0;
	for (k = 0; k < set->ndirs; k++) {
		bool match = same_dir(only, set->dirs[k].path);

		if (fresh)
			set->dirs[k].selected = match;
		else if (match)
			set->dirs[k].selected = true;
	}
	return 0;
}

/* set_of_dir - a named directory that is no configuration's queue */
static int
set_of_dir(struct fsck_ctx *ctx, const struct queue_opts *qo,
    const struct config *cfgs, size_t ncfgs, const char *dir,
    struct qset **sets, size_t *nsets)
{
	const struct cf *cf;
	struct cf defaults;
	struct qerr err;
	struct qset *set;
	int rc;

	/* A named directory that no configuration lists is judged by the
	 * first configuration: the one -c named first, or by default
	 * sendmail.cf, the MTA's, whose queue a copy or a restore usually
	 * is: what "sendmail -OQueueDirectory=dir" would apply to it.  Only
	 * without any configuration, sendmail's built-in defaults. */
	if (ncfgs > 0) {
		cf = &cfgs[0].cf;
		set = new_set(sets, nsets, cfgs[0].source);
	} else {
		if (defaults_config(qo, &defaults, &err) < 0) {
			ctx_error(ctx, "-o", err.msg);
			cf_free(&defaults);
			ctx->status |= FSCK_USAGE;
			return -1;
		}
		cf = &defaults;
		set = new_set(sets, nsets, "built-in defaults");
	}
	rc = set == NULL || add_dir(set, dir, ".", CF_DEFAULT_GROUP) < 0 ||
		(set->base = strdup(dir)) == NULL
	    ? -1 : make_policy(ctx, set->source, cf, qo, dir, &set->pol);
	if (cf == &defaults)
		cf_free(&defaults);
	return rc;
}

/* free_dirs - release a set's queue directories and their base */
static void
free_dirs(struct qset *set)
{
	size_t i;

	for (i = 0; i < set->ndirs; i++) {
		free(set->dirs[i].path);
		free(set->dirs[i].abspath);
		free(set->dirs[i].qp_name);
		free(set->dirs[i].mount_path);
	}
	free(set->dirs);
	set->dirs = NULL;
	set->ndirs = 0;
	free(set->base);
	set->base = NULL;
}

/* queues_free - release every set */
void
queues_free(struct qset *sets, size_t nsets)
{
	size_t i;

	for (i = 0; i < nsets; i++) {
		free_dirs(&sets[i]);
		free(sets[i].source);
		index_free(&sets[i].idx);
	}
	free(sets);
}

/* queues_resolve - the sets of queues to check */
int
queues_resolve(struct fsck_ctx *ctx, const struct queue_opts *qo,
    struct qset **sets, size_t *nsets)
{
	struct config *cfgs = NULL;
	size_t ncfgs = 0, i, c, k;
	int rc = 0;

	*sets = NULL;
	*nsets = 0;
	if (load_configs(ctx, qo, &cfgs, &ncfgs) < 0)
		rc = -1;
	/* No configuration, no directory, but -o QueueDirectory=...: the
	 * built-in defaults with that queue, as sendmail -O would run. */
	if (rc == 0 && ncfgs == 0 && qo->ndirs == 0 && qo->noverrides > 0) {
		struct qerr err;

		cfgs = calloc(1, sizeof(*cfgs));
		if (cfgs == NULL || defaults_config(qo, &cfgs[0].cf, &err) < 0) {
			ctx_error(ctx, "-o", cfgs == NULL ? "out of memory" : err.msg);
			ctx->status |= FSCK_USAGE;
			rc = -1;
		} else if (cfgs[0].cf.queue_directory != NULL) {
			cfgs[0].source = "built-in defaults";
			ncfgs = 1;
		} else
			cf_free(&cfgs[0].cf);
	}
	for (c = 0; rc == 0 && qo->ndirs == 0 && c < ncfgs; c++)
		rc = set_of_config(ctx, qo, &cfgs[c], NULL, sets, nsets);
	for (i = 0; rc == 0 && i < qo->ndirs; i++) {
		struct qset tmp;
		bool found = false;

		/* Is it one of a configuration's queue directories? */
		for (c = 0; c < ncfgs && !found; c++) {
			struct qerr err;

			memset(&tmp, 0, sizeof(tmp));
			if (config_dirs(&cfgs[c].cf, &tmp, &err) == 0)
				for (k = 0; k < tmp.ndirs && !found; k++)
					found = same_dir(qo->dirs[i], tmp.dirs[k].path);
			if (found)
				rc = set_of_config(ctx, qo, &cfgs[c], qo->dirs[i],
				    sets, nsets);
			free_dirs(&tmp);
		}
		if (!found)
			rc = set_of_dir(ctx, qo, cfgs, ncfgs, qo->dirs[i], sets,
			    nsets);
	}
	if (rc == 0 && *nsets == 0) {
		ctx_error(ctx, "mqfsck",
		    "no queue to check: name a queue directory, or a configuration with -c");
		ctx->status |= FSCK_USAGE;
		rc = -1;
	}
	for (c = 0; c < ncfgs; c++)
		cf_free(&cfgs[c].cf);
	free(cfgs);
	if (rc < 0) {
		queues_free(*sets, *nsets);
		*sets = NULL;
		*nsets = 0;
	}
	return rc;
}
