/*
 * qf_class.c - what a control file's headers and envelope make of its
 * timeouts, as sendmail decides them again on every queue run: the
 * timeout class (headers.c eatheader()) and whether a delay warning may
 * go out (envelope.c dropenvelope()).  Neither is stored in the qf.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "qf.h"

/* A header's value as hvalue() returns it: chompheader() drops one
 * leading space; the final line break is not part of it. */
static void
header_value(const struct qf_header *h, const char **v, size_t *n)
{
	*v = h->value;
	*n = h->value_len;
	if (*n > 0 && **v == ' ') {
		(*v)++;
		(*n)--;
	}
}

/* The headers eatheader() looks up, by hvalue(): the first of each name. */
enum class_header { CH_PRECEDENCE, CH_CONTENT_TYPE, CH_PRIORITY, CH_N };

struct found {
	const char *v;
	size_t n;
	bool have;
};

/* first_headers - one pass over the H lines: the first of each name
 * (case-insensitive) that qf_header() accepts */
static void
first_headers(const struct qf_file *qf, struct found out[CH_N])
{
	static const char *const names[CH_N] = { "precedence", "content-type",
		"priority" };
	struct qf_header h;
	size_t i, k, left = CH_N;

	memset(out, 0, CH_N * sizeof(out[0]));
	for (i = 0; i < qf->nlines && left > 0; i++) {
		if (qf->lines[i].code != 'H' || !qf_header(qf, i, &h))
			continue;
		for (k = 0; k < CH_N; k++)
			if (!out[k].have && h.name_len == strlen(names[k]) &&
			    strncasecmp(h.name, names[k], h.name_len) == 0) {
				header_value(&h, &out[k].v, &out[k].n);
				out[k].have = true;
				left--;
			}
	}
}

static bool
equals_nocase(const char *v, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(v, word, n) == 0;
}

/* RFC 2045 tspecials: each is a token of its own (MimeTokenTab). */
static bool
is_tspecial(char c)
{
	return c != '\0' && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static bool
is_lws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * next_token - prescan() with MimeTokenTab, as far as eatheader() needs
 * it: white space and (comments) separate tokens, a tspecial is one
 * token, a "quoted string" is one token without its quotes, anything
 * else runs to the next separator.  Returns false at the end.
 */
static bool
next_token(const char **p, const char *end, const char **tok, size_t *len)
{
	const char *s = *p;
	int depth;

	for (;;) {
		while (s < end && is_lws(*s))
			s++;
		if (s >= end || *s != '(')
			break;
		for (depth = 0; s < end; s++) {
			if (*s == '\\' && s + 1 < end)
				s++;
			else if (*s == '(')
				depth++;
			else if (*s == ')' && --depth == 0) {
				s++;
				break;
			}
		}
	}
	if (s >= end) {
		*p = s;
		return false;
	}
	if (*s == '"') {
		*tok = ++s;
		while (s < end && *s != '"')
			s += *s == '\\' && s + 1 < end ? 2 : 1;
		*len = (size_t)(s - *tok);
		*p = s < end ? s + 1 : s;
		return true;
	}
	*tok = s;
	if (is_tspecial(*s))
		s++;
	else
		while (s < end && !is_lws(*s) && !is_tspecial(*s))
			s++;
	*len = (size_t)(s - *tok);
	*p = s;
	return true;
}

/* A multipart/report whose report-type is delivery-status: a DSN. */
static bool
is_dsn_report(const char *v, size_t n)
{
	const char *p = v, *end = v + n, *t;
	size_t tl;

	if (!next_token(&p, end, &t, &tl) || !equals_nocase(t, tl, "multipart") ||
	    !next_token(&p, end, &t, &tl) || !equals_nocase(t, tl, "/") ||
	    !next_token(&p, end, &t, &tl) || !equals_nocase(t, tl, "report"))
		return false;
	/* The first report-type parameter decides. */
	while (next_token(&p, end, &t, &tl)) {
		if (!equals_nocase(t, tl, ";"))
			continue;
		if (!next_token(&p, end, &t, &tl))
			return false;
		if (!equals_nocase(t, tl, "report-type"))
			continue;
		if (!next_token(&p, end, &t, &tl) || !equals_nocase(t, tl, "="))
			continue;
		return next_token(&p, end, &t, &tl) &&
		    equals_nocase(t, tl, "delivery-status");
	}
	return false;
}

/* qf_toc_name - see qf.h */
const char *
qf_toc_name(enum qf_toc toc)
{
	static const char *const names[] = { "normal", "urgent", "non-urgent",
		"dsn" };

	return (unsigned)toc < sizeof(names) / sizeof(names[0]) ? names[toc]
								 : "normal";
}

/* qf_timeout_class - see qf.h */
enum qf_toc
qf_timeout_class(const struct qf_file *qf, const struct qf_precedence *prec,
    size_t nprec, int *class_out)
{
	enum qf_toc toc = QF_TOC_NORMAL;
	bool response = (qf->envflags & QF_F_RESPONSE) != 0;
	struct found hdr[CH_N];
	const struct found *f;
	size_t i;
	int cls = 0;

	first_headers(qf, hdr);
	/* priencode(): the first P line of that name; an unknown one is 0. */
	f = &hdr[CH_PRECEDENCE];
	if (f->have)
		for (i = 0; i < nprec; i++)
			if (prec[i].name != NULL &&
			    equals_nocase(f->v, f->n, prec[i].name)) {
				cls = prec[i].value;
				break;
			}
	if (cls < 0)
		toc = QF_TOC_NONURGENT;
	else if (cls > 0)
		toc = QF_TOC_URGENT;
	f = &hdr[CH_CONTENT_TYPE];
	if (f->have && is_dsn_report(f->v, f->n))
		toc = QF_TOC_DSN;
	f = &hdr[CH_PRIORITY];
	if (f->have) {
		if (equals_nocase(f->v, f->n, "urgent"))
			toc = QF_TOC_URGENT;
		else if (equals_nocase(f->v, f->n, "normal"))
			toc = QF_TOC_NORMAL;
		else if (equals_nocase(f->v, f->n, "non-urgent"))
			toc = QF_TOC_NONURGENT;
		else if (response)
			toc = QF_TOC_DSN;
	} else if (response)
		toc = QF_TOC_DSN;
	if (class_out != NULL)
		*class_out = cls;
	return toc;
}

/* qf_warns - see qf.h */
bool
qf_warns(const struct qf_file *qf, int e_class)
{
	char s[512];
	size_t n;

	if ((qf->envflags & (QF_F_WARNING | QF_F_RESPONSE)) != 0 || e_class < 0 ||
	    qf->sender.len == 0)
		return false;
	n = qf_span_value(qf, &qf->sender, s, sizeof(s));
	if (n >= sizeof(s))
		n = sizeof(s) - 1;
	if (n == 0 || strcmp(s, "<>") == 0 || strncasecmp(s, "owner-", 6) == 0)
		return false;
	return n <= 8 || strcasecmp(s + n - 8, "-request") != 0;
}
