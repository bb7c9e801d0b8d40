/*
 * cf_queue.c - the Q lines of sendmail.cf (readcf.c makequeue()): a
 * queue group's name, its Path with the wildcard, Flags, Runners, Jobs,
 * Interval, Nice, recipients; and where the queues are (queue.c
 * setup_queues(): the base directory and its prefix).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_private.h"
#include "esc.h"

/* A Q line being read. */
struct qline {
	char *path;	 /* owned until installed */
	int runners;	 /* -1: not given */
	int maxrcpt;
	char flags[256]; /* at most 255 distinct non-NUL bytes */
	size_t nflags;
};

/*
 * munch - readcf.c munchstring(): copy a Q field value up to an unquoted
 * delim, dropping '"' (which toggles quoting) and reading backslash
 * escapes (\r \n \f \b, anything else literally).  Like sendmail it
 * stops copying when its MAXLINE buffer is full and the scan resumes
 * there.  Returns where the scan stopped.
 */
static const char *
munch(const char *p, char *out, size_t outsz, int delim)
{
	size_t q = 0;
	bool backslash = false, quoted = false;

	for (; *p != '\0' && q < outsz - 1; p++) {
		if (backslash) {
			backslash = false;
			if (*p == 'r')
				out[q++] = '\r';
			else if (*p == 'n')
				out[q++] = '\n';
			else if (*p == 'f')
				out[q++] = '\f';
			else if (*p == 'b')
				out[q++] = '\b';
			else
				out[q++] = *p;
		} else if (*p == '\\')
			backslash = true;
		else if (*p == '"')
			quoted = !quoted;
		else if (quoted || *p != delim)
			out[q++] = *p;
		else
			break;
	}
	out[q] = '\0';
	return p;
}

/* add_flags - F= letters into the set, each once; white space ignored */
static void
add_flags(char *set, size_t *n, const char *val)
{
	for (; *val != '\0'; val++)
		if (!is_space((unsigned char)*val) && strchr(set, *val) == NULL)
			set[(*n)++] = *val;
	set[*n] = '\0';
}

/* q_int - R= and r=, read with atoi() */
static int
q_int(const struct ctx *c, const char *what, const char *val, int *out)
{
	long v;

	if (!cfp_read_long(val, INT_MIN, INT_MAX, &v))
		return cfp_bad_value(c, what, val, "a number");
	*out = (int)v;
	return 0;
}

/*
 * q_field - one "X=value" of a Q line, by the first byte of its name.
 * I=, J= and N= are not kept; an unknown letter is ignored, as sendmail
 * goes on after "unknown queue equate".
 */
static int
q_field(const struct ctx *c, const char *gname, int code, const char *val,
    struct qline *q)
{
	char e[72];
	int i = 0;

	switch (code) {
	case 'P':
		if (*val == '\0')
			return cfp_fail(c, EINVAL, "queue %s: empty path name",
			    esc_str(e, sizeof(e), gname));
		free(q->path);
		q->path = cfp_dup_str(c, val);
		return q->path == NULL ? -1 : 0;
	case 'F':
		add_flags(q->flags, &q->nflags, val);
		return 0;
	case 'R':
		if (q_int(c, "R=", val, &i) < 0)
			return -1;
		/* No more runners than MaxQueueChildren allows. */
		if (c->cf->max_queue_children > 0 &&
		    i > c->cf->max_queue_children)
			i = c->cf->max_queue_children;
		q->runners = i;
		return 0;
	case 'r':
		return q_int(c, "r=", val, &q->maxrcpt);
	default:
		return 0;
	}
}

/*
 * q_fields - makequeue()'s field loop: skip commas and white space; the
 * field's first byte is its code; the name runs to '=' (a ',' or the
 * end first is "`=' expected", and so is a trailing comma); white space
 * after '=' is skipped; the value is munched up to the next ','.
 */
static int
q_fields(const struct ctx *c, const char *gname, const char *p,
    struct qline *q)
{
	char e[72];
	char val[SM_MAXLINE];
	int code;

	while (*p != '\0') {
		while (*p == ',' || is_space((unsigned char)*p))
			p++;
		code = (unsigned char)*p;
		while (*p != '\0' && *p != '=' && *p != ',')
			p++;
		if (*p != '=')
			return cfp_fail(c, EINVAL, "queue %s: `=' expected",
			    esc_str(e, sizeof(e), gname));
		for (p++; is_space((unsigned char)*p); p++)
			continue;
		p = munch(p, val, sizeof(val), ',');
		if (q_field(c, gname, code, val, q) < 0)
			return -1;
	}
	return 0;
}

/* cfp_group_free - release what a defined group owns */
void
cfp_group_free(struct cf_group *g)
{
	if (!g->defined)
		return;
	free(g->name);
	free(g->path);
	free(g->qdir);
	free(g->flags);
}

/*
 * q_install - the end of makequeue(): the group limit (checked before
 * the name is looked up, so even a redefinition fails once 50 exist),
 * the directory (P=, or a copy of QueueDirectory, which must be set by
 * then), the default runner count, then replace a group of the same
 * name (case ignored) in place or add one.
 */
static int
q_install(const struct ctx *c, const char *name, struct qline *q)
{
	struct cf *cf = c->cf;
	struct cf_group g;
	char e[72];
	size_t i;

	if (cf->ngroups >= CF_MAX_GROUPS)
		return cfp_fail(c, EINVAL, "too many queue groups defined (%d max)",
		    CF_MAX_GROUPS);
	if (q->path == NULL &&
	    (cf->queue_directory == NULL || *cf->queue_directory == '\0'))
		return cfp_fail(c, EINVAL,
		    "queue %s: QueueDirectory must be set before queue groups",
		    esc_str(e, sizeof(e), name));
	memset(&g, 0, sizeof(g));
	g.name = cfp_dup_str(c, name);
	g.qdir = cfp_dup_str(c, q->path != NULL ? q->path : cf->queue_directory);
	g.flags = cfp_dup_str(c, q->flags);
	g.path = q->path;
	q->path = NULL;
	g.defined = true;
	g.line = c->line;
	g.maxrcpt = q->maxrcpt;
	g.runners = q->runners;
	if (g.runners < 0)
		g.runners = cf->max_runners_per_queue > 0
				? cf->max_runners_per_queue
				: 1;
	if (g.name == NULL || g.qdir == NULL || g.flags == NULL) {
		cfp_group_free(&g);
		return -1;
	}
	for (i = 0; i < cf->ngroups && !case_eq(cf->groups[i].name, name); i++)
		continue;
	if (i == cf->ngroups)
		cf->ngroups++;
	else
		cfp_group_free(&cf->groups[i]);
	cf->groups[i] = g;
	return 0;
}

/*
 * cfp_queue_line - a Q line, as queue.c makequeue() reads it: the name runs
 * to the first ',', white space or the end (that one byte is dropped);
 * nothing at all after the Q is "name required", while a line starting
 * with a space or comma defines a group with an empty name, as sendmail
 * does.
 */
int
cfp_queue_line(const struct ctx *c, char *s)
{
	struct qline q;
	char *line = s + 1, *p;
	int rc;

	if (*line == '\0')
		return cfp_fail(c, EINVAL, "name required for queue");
	for (p = line; *p != '\0' && *p != ',' && !is_space((unsigned char)*p);
	     p++)
		continue;
	if (*p != '\0')
		*p++ = '\0';
	memset(&q, 0, sizeof(q));
	q.runners = -1;
	rc = q_fields(c, line, p, &q);
	if (rc == 0)
		rc = q_install(c, line, &q);
	free(q.path);
	return rc;
}

/* cf_queue_base - setup_queues()'s base directory and wildcard prefix */
int
cf_queue_base(const struct cf *cf, char *base, size_t basesz, char *prefix,
    size_t prefixsz, bool *wildcard, struct qerr *err)
{
	struct ctx c = { NULL, NULL, 0, false, err };
	const char *q, *slash;
	size_t len, blen, plen;

	if (cf == NULL || base == NULL || prefix == NULL || wildcard == NULL)
		BUG("cf_queue_base: null argument");
	q = cf->queue_directory;
	if (q == NULL || *q == '\0')
		return cfp_fail(&c, EINVAL, "QueueDirectory is not set");
	len = strlen(q);
	if (len >= SM_MAXPATHLEN - 1)
		return cfp_fail(&c, ENAMETOOLONG,
		    "QueueDirectory: path too long: %zu, max %d", len,
		    SM_MAXPATHLEN - 1);
	*wildcard = q[len - 1] == '*';
	if (*wildcard) {
		slash = strrchr(q, '/');
		if (slash == NULL)
			return cfp_fail(&c, EINVAL,
			    "QueueDirectory: can not wildcard a relative path");
		blen = (size_t)(slash - q) + 1;
		plen = len - 1 - blen;
	} else {
		blen = len + (q[len - 1] != '/');
		plen = 0;
	}
	if (blen + 1 > basesz || plen + 1 > prefixsz)
		return cfp_fail(&c, ERANGE, "QueueDirectory: buffer too small");
	memcpy(base, q, blen < len ? blen : len);
	base[blen - 1] = '/';
	base[blen] = '\0';
	memcpy(prefix, q + blen, plen);
	prefix[plen] = '\0';
	return 0;
}

/* cf_group_find - a group by name, case ignored */
const struct cf_group *
cf_group_find(const struct cf *cf, const char *name)
{
	size_t i;

	for (i = 0; i < cf->ngroups; i++)
		if (case_eq(cf->groups[i].name, name))
			return &cf->groups[i];
	return NULL;
}
