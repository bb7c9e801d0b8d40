/*
 * shape.c - --shape: where a clogged queue is stuck, as Postfix's
 * qshape(1) shows it: jobs by recipient domain and by age.  A job counts
 * once in each domain it still has recipients in (sendmail's queueup()
 * writes an R line per recipient not yet delivered), in the column of
 * its age: the time its T line records (queue.c: e_ctime, when the
 * message came in), else its control file's mtime.  Only jobs sendmail
 * runs (qf) are shaped; quarantined (hf) and lost (Qf) jobs are counted
 * below the table.  The control file is read again here: only --shape
 * pays for it.  Memory is bounded: at most SHAPE_MAX_DOMAINS domains,
 * the rest in one row.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arc.h"
#include "esc.h"
#include "pass3_private.h"
#include "qf.h"
#include "shape.h"
#include "sio.h"

#define SHAPE_MAX_DOMAINS 100000	/* rows kept; more go to "other" */
#define SHAPE_DOMAIN_MAX 256		/* bytes of a domain kept */
#define SHAPE_OTHER "(other domains)"
#define SHAPE_LOCAL "(local)"

/* qshape's columns: ages up to 5, 10, ... 1280 minutes, and older. */
static const unsigned bucket_minutes[SHAPE_BUCKETS - 1] = {
	5, 10, 20, 40, 80, 160, 320, 640, 1280
};

struct shape_row {
	char *domain;
	unsigned long total;
	unsigned long by_age[SHAPE_BUCKETS];
	unsigned long last_job;	/* the job that counted here last, + 1 */
};

struct shape {
	struct shape_row *rows;	/* open addressing on the domain */
	size_t nrows, cap;
	struct shape_row other;	/* past SHAPE_MAX_DOMAINS */
	struct shape_row all;	/* every job once */
	unsigned long jobs;	/* jobs shaped, for last_job */
	unsigned long held, lost, unread;
};

/* hash - FNV-1a of a domain */
static size_t
hash(const char *s)
{
	size_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* grow - twice the table; false on ENOMEM (the row goes to "other") */
static bool
grow(struct shape *sh)
{
	size_t ncap = sh->cap == 0 ? 256 : sh->cap * 2, i;
	struct shape_row *n = calloc(ncap, sizeof(*n));

	if (n == NULL)
		return false;
	for (i = 0; i < sh->cap; i++) {
		size_t k;

		if (sh->rows[i].domain == NULL)
			continue;
		for (k = hash(sh->rows[i].domain) & (ncap - 1);
		    n[k].domain != NULL; k = (k + 1) & (ncap - 1))
			;
		n[k] = sh->rows[i];
	}
	free(sh->rows);
	sh->rows = n;
	sh->cap = ncap;
	return true;
}

/* row_of - the row of a domain, made if new */
static struct shape_row *
row_of(struct shape *sh, const char *domain)
{
	size_t k;

	if (sh->cap > 0)
		for (k = hash(domain) & (sh->cap - 1); sh->rows[k].domain != NULL;
		    k = (k + 1) & (sh->cap - 1))
			if (strcmp(sh->rows[k].domain, domain) == 0)
				return &sh->rows[k];
	if (sh->nrows >= SHAPE_MAX_DOMAINS ||
	    ((sh->nrows + 1) * 2 > sh->cap && !grow(sh)))
		return &sh->other;
	for (k = hash(domain) & (sh->cap - 1); sh->rows[k].domain != NULL;
	    k = (k + 1) & (sh->cap - 1))
		;
	if ((sh->rows[k].domain = strdup(domain)) == NULL)
		return &sh->other;
	sh->nrows++;
	return &sh->rows[k];
}

/* count - the job (number job + 1) of age column b in row, once */
static void
count(struct shape_row *row, unsigned long job, unsigned b)
{
	if (row->last_job == job)
		return;
	row->last_job = job;
	row->total++;
	row->by_age[b]++;
}

/* bucket - the column of an age in seconds */
static unsigned
bucket(long long age)
{
	unsigned b;

	for (b = 0; b < SHAPE_BUCKETS - 1; b++)
		if (age <= (long long)bucket_minutes[b] * 60)
			return b;
	return SHAPE_BUCKETS - 1;
}

/*
 * domain_of - the domain of an R line's address ("<user@Example.COM>",
 * after the flags and ':'), lower-cased into out; SHAPE_LOCAL without one
 */
static void
domain_of(const char *val, char *out, size_t outsz)
{
	const char *colon = strchr(val, ':'), *at, *end;
	size_t n, i;

	val = colon != NULL ? colon + 1 : val;
	at = strrchr(val, '@');
	if (at == NULL || at[1] == '\0') {
		(void)snprintf(out, outsz, "%s", SHAPE_LOCAL);
		return;
	}
	at++;
	end = at + strcspn(at, "> \t");
	n = (size_t)(end - at) < outsz - 1 ? (size_t)(end - at) : outsz - 1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)at[i]);
	out[n] = '\0';
	if (n == 0)
		(void)snprintf(out, outsz, "%s", SHAPE_LOCAL);
}

/* shape_new - see shape.h */
struct shape *
shape_new(void)
{
	return calloc(1, sizeof(struct shape));
}

/* shape_free - see shape.h */
void
shape_free(struct shape *sh)
{
	size_t i;

	if (sh == NULL)
		return;
	for (i = 0; i < sh->cap; i++)
		free(sh->rows[i].domain);
	free(sh->rows);
	free(sh);
}

/* shape_job - see shape.h */
void
shape_job(struct shape *sh, const struct qset *set, const struct jview *v,
    time_t now)
{
	char val[1024], domain[SHAPE_DOMAIN_MAX];
	struct sio_buf buf = { 0 };
	struct qf_file qf;
	struct qerr err;
	struct stat st;
	bool cut = false;
	unsigned long job;
	unsigned b;
	size_t i;

	if (sh == NULL)
		return;
	if (v->q == NULL) {
		sh->held += v->h != NULL;
		sh->lost += v->h == NULL && v->lost != NULL;
		return;
	}
	if (p3_read_control(set, v->jb, v->q, 'q', &qf, &buf, &st, &cut,
	    &err) < 0) {
		sh->unread++;
		goto out;
	}
	job = ++sh->jobs;
	b = bucket((long long)now - (qf.has_ctime && qf.ctime > 0
	    ? (long long)qf.ctime : (long long)st.st_mtime));
	count(&sh->all, job, b);
	for (i = 0; i < qf.nlines; i++) {
		if (qf.lines[i].code != 'R' || (qf.lines[i].flags & QFL_DELETED))
			continue;
		(void)qf_line_value(&qf, i, val, sizeof(val));
		domain_of(val, domain, sizeof(domain));
		count(row_of(sh, domain), job, b);
	}
out:
	qf_free(&qf);
	sio_buf_free(&buf);
}

/* A row in the order of the table. */
struct shape_key {
	const struct shape_row *row;
};

/* row_cmp - most jobs first, then by name */
static int
row_cmp(const void *x, const void *y)
{
	const struct shape_row *a = ((const struct shape_key *)x)->row;
	const struct shape_row *b = ((const struct shape_key *)y)->row;

	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return strcmp(a->domain, b->domain);
}

/* print_row - one line of the table, or its JSON record; domain NULL:
 * the total */
static void
print_row(FILE *o, const struct shape_row *row, const char *domain, bool json)
{
	char safe[SHAPE_DOMAIN_MAX * 4 + 1];
	unsigned b;

	if (json) {
		(void)fprintf(o, "{\"schema\":\"%s\",\"type\":\"shape\",\"domain\":",
		    MQ_JSON_SCHEMA);
		if (domain == NULL)
			(void)fputs("null", o);	/* every domain: the total */
		else
			esc_json(o, domain);
		(void)fprintf(o, ",\"total\":%lu,\"by_age\":{", row->total);
		for (b = 0; b < SHAPE_BUCKETS; b++) {
			if (b < SHAPE_BUCKETS - 1)
				(void)fprintf(o, "%s\"%u\":%lu", b > 0 ? "," : "",
				    bucket_minutes[b], row->by_age[b]);
			else
				(void)fprintf(o, ",\"%u+\":%lu",
				    bucket_minutes[b - 1], row->by_age[b]);
		}
		(void)fputs("}}\n", o);
		return;
	}
	(void)fprintf(o, "%30s %6lu", domain == NULL ? "TOTAL"
	    : esc_str(safe, sizeof(safe), domain), row->total);
	for (b = 0; b < SHAPE_BUCKETS; b++)
		(void)fprintf(o, " %5lu", row->by_age[b]);
	(void)fputc('\n', o);
}

/* shape_print - see shape.h */
void
shape_print(const struct shape *sh, FILE *o, bool json, unsigned long max_rows)
{
	struct shape_key *order;
	size_t i, n = 0;
	unsigned b;

	if (sh == NULL)
		return;
	order = sh->nrows > 0 ? calloc(sh->nrows, sizeof(*order)) : NULL;
	for (i = 0; order != NULL && i < sh->cap; i++)
		if (sh->rows[i].domain != NULL)
			order[n++].row = &sh->rows[i];
	if (n > 1)
		qsort(order, n, sizeof(*order), row_cmp);
	if (!json) {
		(void)fprintf(o, "%30s %6s", "domain (age in minutes)", "T");
		for (b = 0; b < SHAPE_BUCKETS - 1; b++)
			(void)fprintf(o, " %5u", bucket_minutes[b]);
		(void)fprintf(o, " %4u+\n", bucket_minutes[SHAPE_BUCKETS - 2]);
	}
	print_row(o, &sh->all, NULL, json);
	for (i = 0; i < n && (max_rows == 0 || i < max_rows); i++)
		print_row(o, order[i].row, order[i].row->domain, json);
	if (sh->other.total > 0)
		print_row(o, &sh->other, SHAPE_OTHER, json);
	if (!json && i < n)
		(void)fprintf(o, "%30s (%zu more domains not shown: --max-lines 0 shows all)\n",
		    "", n - i);
	if (!json && (sh->held > 0 || sh->lost > 0 || sh->unread > 0))
		(void)fprintf(o, "not shaped: %lu quarantined (hf), %lu lost (Qf), %lu unreadable\n",
		    sh->held, sh->lost, sh->unread);
	free(order);
}
