/*
 * qf_judge.c - judge a control file split into lines (qf.c) the way
 * sendmail reads it: queue.c readqf()'s switch on each line's first byte,
 * gatherq()'s q-line rule, headers.c dochompheader(), macro.c
 * macid_parse(), savemail.c xtextok(), util.c check_bodytype(); each rule
 * below names the one it follows.  Records the defects and the outcome
 * (qf->outcome) by replaying sendmail's reading order.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qf_private.h"

/* ------------------------------------------------------------------ */
/* C-library behaviour that readqf() relies on, restated for byte spans */

/* c_isspace - isspace() in the C locale */
static bool
c_isspace(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	    c == '\r';
}

/* c_isdigit - isdigit() */
static bool
c_isdigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* c_isxdigit - isascii() && isxdigit() */
static bool
c_isxdigit(unsigned char c)
{
	return c_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* c_isalnum - isascii() && isalnum() */
static bool
c_isalnum(unsigned char c)
{
	return c_isdigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * c_strtol - what strtol(s, NULL, 10) returns for s[0..n) (n stops at
 * the first NUL); *strict says whether the field is exactly -?[0-9]+ with
 * no overflow, i.e. what sendmail writes with "%ld".
 */
static long
c_strtol(const unsigned char *s, size_t n, bool *strict)
{
	size_t i = 0;
	bool neg = false, any = false, overflow = false, sign = false;
	unsigned long acc = 0, lim, d;

	while (i < n && c_isspace(s[i]))
		i++;
	*strict = i == 0;
	if (i < n && (s[i] == '+' || s[i] == '-')) {
		neg = s[i] == '-';
		sign = s[i] == '+';
		i++;
	}
	lim = neg ? (unsigned long)LONG_MAX + 1UL : (unsigned long)LONG_MAX;
	for (; i < n && c_isdigit(s[i]); i++) {
		any = true;
		d = (unsigned long)(s[i] - '0');
		if (overflow || acc > (lim - d) / 10)
			overflow = true;
		else
			acc = acc * 10 + d;
	}
	*strict = *strict && !sign && any && !overflow && i == n;
	if (!any)
		return 0;
	if (overflow)
		return neg ? LONG_MIN : LONG_MAX;
	if (neg)
		return acc == (unsigned long)LONG_MAX + 1UL ? LONG_MIN
							   : -(long)acc;
	return (long)acc;
}

/*
 * c_atoi - glibc's atoi() is (int)strtol(): the low 32 bits of the long,
 * read as signed.  "V4294967304" is therefore version 8 to sendmail.
 */
static int
c_atoi(const unsigned char *s, size_t n, bool *strict)
{
	long v = c_strtol(s, n, strict);
	uint32_t low = (uint32_t)(unsigned long)v;

	/* A value that only fits by wrapping is not what "%d" wrote. */
	if (v < INT_MIN || v > INT_MAX)
		*strict = false;
	if (low <= (uint32_t)INT_MAX)
		return (int)low;
	return -(int)(UINT32_MAX - low) - 1;
}

/* cstr_len - length of s[0..n) read as a C string */
static size_t
cstr_len(const unsigned char *s, size_t n)
{
	const unsigned char *z = memchr(s, '\0', n);

	return z == NULL ? n : (size_t)(z - s);
}

/* xtext_ok - savemail.c xtextok(): '!'..'~' except '=', "+XX" escapes */
static bool
xtext_ok(const unsigned char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '+') {
			if (i + 2 >= n || !c_isxdigit(s[i + 1]) ||
			    !c_isxdigit(s[i + 2]))
				return false;
			i += 2;
		} else if (s[i] < '!' || s[i] > '~' || s[i] == '=')
			return false;
	}
	return true;
}

/* eq_nocase - s[0..n) equals the lower-case ASCII word w, ignoring case */
static bool
eq_nocase(const unsigned char *s, size_t n, const char *w)
{
	size_t i;

	if (strlen(w) != n)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		if (c != (unsigned char)w[i])
			return false;
	}
	return true;
}

/*
 * macro_id_ok - macro.c macid_parse() on s[0..n): whether it yields a
 * macro id without a syserr.  *consumed is how far it read (for the
 * header-condition rule below).
 */
static bool
macro_id_ok(const unsigned char *s, size_t n, size_t *consumed)
{
	size_t i, valid = 0;
	bool ok = true;

	*consumed = 0;
	if (n == 0 || (s[0] == '{' && n >= 2 && s[1] == '}'))
		return false;
	if (s[0] != '{') {
		*consumed = 1;
		return true;
	}
	/* MAXMACNAMELEN is 25: up to 25 valid characters, then '}'. */
	for (i = 1; i < n && s[i] != '}' && valid < 25; i++) {
		if (c_isalnum(s[i]) || s[i] == '_')
			valid++;
		else
			ok = false; /* "Invalid macro/class character" */
	}
	if (i >= n || s[i] != '}')
		return false; /* unbalanced, or name too long */
	*consumed = i + 1;
	return ok;
}

/* header_cond_ok - the ?...? condition of an H line, cond[0..n) */
static bool
header_cond_ok(const unsigned char *c, size_t n)
{
	size_t i, used;

	if (n > 0 && c[0] == 0x81) {
		/* MACROEXPAND then exactly one macro character */
		return n == 2;
	}
	if (n > 0 && c[0] == '$') {
		if (n == 1)
			return false; /* ?$? */
		/*
		 * $x.  (A byte of 0x80 or more here makes sendmail step past
		 * the condition by the length of a macro name and fail an
		 * assertion; it is reported as a syntax error all the same.)
		 */
		if (c[1] != '{')
			return n == 2 && c[1] < 0x80;
		/*
		 * ${name}: dochompheader() advances by strlen(macname()) + 2
		 * for a long name and by 1 otherwise, then wants the end.
		 * A one-character ${x} therefore fails, as in sendmail.
		 */
		if (macro_id_ok(c + 1, n - 1, &used) && used >= 4)
			return 1 + used == n;
		return n == 2;
	}
	/* Mailer-flag letters; dochompheader() wants them all ASCII. */
	for (i = 0; i < n; i++)
		if (c[i] >= 0x80)
			return false;
	return true;
}

/* qfp_header_check - headers.c dochompheader() with CHHDR_QUEUE on v[0..n) */
enum qfp_header_verdict
qfp_header_check(const unsigned char *v, size_t n)
{
	size_t p = 0, name;
	const unsigned char *q;

	if (n > 0 && v[0] == '?') {
		q = memchr(v + 1, '?', n - 1);
		if (q == NULL)
			return QFP_HDR_SYNTAX;
		if (!header_cond_ok(v + 1, (size_t)(q - (v + 1))))
			return QFP_HDR_SYNTAX;
		p = (size_t)(q - v) + 1;
	}
	name = p;
	while (p < n && v[p] > 0x20 && v[p] < 0x7f && v[p] != ':')
		p++;
	if (p == name)
		return QFP_HDR_SYNTAX;
	name = p - name;
	while (p < n && c_isspace(v[p]))
		p++;
	if (p >= n || v[p] != ':')
		return QFP_HDR_SYNTAX;
	if (name > 100)
		return QFP_HDR_NAME_LONG;
	return QFP_HDR_OK;
}

/* ------------------------------------------------------------------ */
/* Judgement */

struct judge {
	struct qf_file *qf;
	const struct qf_parse_opts *opts;
	bool seen_p, seen_t;	/* for gatherq()'s q-line rule */
	bool lost;		/* a line sendmail loses the file on was met */
	enum qf_defect_kind lost_kind;
	uint32_t lost_line;
	uint32_t rcpt_before_version; /* R or C lines before any V line */
	uint32_t pending_orcpt;	      /* line of a Q not yet used by an R, or 0 */
	uint32_t pending_frcpt;	      /* line of an r not yet used by an R, or 0 */
	bool torn;		      /* judging the cut last line of a truncated file */
	unsigned seen_once;	      /* bit per one-per-file code met */
};

/* add_defect - record a defect of `kind` starting on physical line `line` */
static void
add_defect(struct judge *j, enum qf_defect_kind kind, uint32_t line)
{
	struct qf_file *qf = j->qf;

	/*
	 * The cut last line of a truncated file is read by readqf() like any
	 * other, so a line that loses the file still counts; its lesser
	 * defects are only the truncation itself.
	 */
	if (j->torn && qf_defect_info(kind)->consequence != QF_CSQ_LOST)
		return;
	qf->defect_kinds |= UINT64_C(1) << kind;
	qf->ndefects_total++;
	if (qf->ndefects < QF_MAX_DEFECTS) {
		qf->defects[qf->ndefects].kind = kind;
		qf->defects[qf->ndefects].line = line;
		qf->ndefects++;
	}
	/* readqf() stops at the first line it loses the file on. */
	if (qf_defect_info(kind)->consequence == QF_CSQ_LOST && !j->lost) {
		j->lost = true;
		j->lost_kind = kind;
		j->lost_line = line;
	}
}

/* span_of - a qf_span for logical line ln */
static struct qf_span
span_of(const struct qf_line *ln)
{
	struct qf_span s;

	s.off = ln->off;
	s.len = ln->len;
	s.lineno = ln->lineno;
	return s;
}

/* once - note a one-per-file code; report it when repeated */
static void
once(struct judge *j, unsigned bit, enum qf_defect_kind kind, uint32_t line)
{
	if (j->seen_once & bit)
		add_defect(j, kind, line);
	j->seen_once |= bit;
}

enum {
	ONCE_V = 1u << 0,
	ONCE_T = 1u << 1,
	ONCE_K = 1u << 2,
	ONCE_N = 1u << 3,
	ONCE_P = 1u << 4,
	ONCE_D = 1u << 5,
	ONCE_I = 1u << 6,
	ONCE_B = 1u << 7,
	ONCE_Q = 1u << 8,
	ONCE_F = 1u << 9,
	ONCE_S = 1u << 10,
	ONCE_Z = 1u << 11,
	ONCE_A = 1u << 12,
	ONCE_BY = 1u << 13,
};

/* judge_number - K, N, P, T: strict "%ld" or a defect */
static long
judge_number(struct judge *j, const unsigned char *v, size_t n,
    enum qf_defect_kind bad, uint32_t line)
{
	bool strict;
	long val = c_strtol(v, n, &strict);

	if (!strict)
		add_defect(j, bad, line);
	return val;
}

/* judge_inode - I<major>/<minor>/<inode> ("%ld/%ld/%llu") */
static void
judge_inode(struct judge *j, const unsigned char *v, size_t n, uint32_t line)
{
	struct qf_file *qf = j->qf;
	const unsigned char *s1, *s2;
	bool ok1, ok2, ok3;
	long maj, min, ino;

	s1 = memchr(v, '/', n);
	s2 = s1 == NULL ? NULL : memchr(s1 + 1, '/', n - (size_t)(s1 + 1 - v));
	if (s1 == NULL || s2 == NULL) {
		qf->has_inode = false;
		add_defect(j, QF_D_BAD_INODE, line);
		return;
	}
	maj = c_strtol(v, (size_t)(s1 - v), &ok1);
	min = c_strtol(s1 + 1, (size_t)(s2 - s1 - 1), &ok2);
	ino = c_strtol(s2 + 1, (size_t)(v + n - s2 - 1), &ok3);
	/* %llu: an inode over LONG_MAX is legal; accept all-digit values. */
	if (!ok3 && n - (size_t)(s2 + 1 - v) > 0) {
		const unsigned char *d = s2 + 1;
		size_t dn = (size_t)(v + n - d), i;
		unsigned long long acc = 0;
		bool digits = dn <= 20;

		for (i = 0; digits && i < dn; i++) {
			if (!c_isdigit(d[i]) ||
			    acc > (ULLONG_MAX - (unsigned)(d[i] - '0')) / 10)
				digits = false;
			else
				acc = acc * 10 + (unsigned)(d[i] - '0');
		}
		if (digits) {
			ok3 = true;
			qf->inode = acc;
		}
	} else if (ok3) {
		if (ino < 0)
			ok3 = false;
		else
			qf->inode = (unsigned long long)ino;
	}
	if (!(ok1 && ok2 && ok3)) {
		qf->has_inode = false;
		add_defect(j, QF_D_BAD_INODE, line);
		return;
	}
	qf->has_inode = true;
	qf->inode_major = maj;
	qf->inode_minor = min;
}

/* judge_deliver_by - "!<flag byte> <seconds>" (srvrsmtp.c BY= parsing) */
static void
judge_deliver_by(struct judge *j, const unsigned char *v, size_t n,
    uint32_t line)
{
	struct qf_file *qf = j->qf;
	bool strict = false;
	unsigned char flag = n > 0 ? v[0] : 0;

	qf->deliver_by_flags = flag;
	qf->deliver_by_secs = n > 2 ? c_strtol(v + 2, n - 2, &strict) : 0;
	/* DLVR_NOTIFY 0x01 or DLVR_RETURN 0x02, optionally DLVR_TRACE 0x10. */
	if (n < 3 || v[1] != ' ' || !strict ||
	    !(flag == 0x01 || flag == 0x02 || flag == 0x11 || flag == 0x12))
		add_defect(j, QF_D_BAD_DELIVER_BY, line);
}

/* judge_rcpt - R line: would readqf() make a recipient of it? */
static void
judge_rcpt(struct judge *j, const unsigned char *v, size_t n, uint32_t line)
{
	struct qf_file *qf = j->qf;
	const unsigned char *addr = v;
	size_t alen = n, i;

	/* readqf() hands the pending Q and r to this R and clears them. */
	qf->nrcpt++;
	j->pending_orcpt = 0;
	j->pending_frcpt = 0;
	if (!j->qf->has_version || j->qf->version < 1) {
		if (!j->qf->has_version)
			j->rcpt_before_version++;
	} else {
		const unsigned char *colon = memchr(v, ':', n);

		if (colon == NULL) {
			add_defect(j, QF_D_RCPT_NO_COLON, line);
			return;
		}
		addr = colon + 1;
		alen = n - (size_t)(addr - v);
	}
	for (i = 0; i < alen && c_isspace(addr[i]); i++)
		continue;
	if (i == alen) {
		add_defect(j, QF_D_RCPT_EMPTY, line);
		return;
	}
	qf->nrcpt_usable++;
	while (i < alen && addr[i] == '"')
		i++;
	if (i < alen && (addr[i] == '|' || addr[i] == '/' ||
			    (alen - i >= 9 && memcmp(addr + i, ":include:", 9) == 0)))
		qf->prog_rcpt = true;
}

/*
 * Line rules: one function per line code, as readqf()'s switch has one
 * case per code.  v[0..n) is the value (the bytes after the code) as a C
 * string would see it.
 */
typedef void line_judge_fn(struct judge *j, const struct qf_line *ln,
    const unsigned char *v, size_t n);

/* jl_auth - A: AUTH= parameter, must pass xtextok() */
static void
jl_auth(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	once(j, ONCE_A, QF_D_DUPLICATE, ln->lineno);
	j->qf->auth = span_of(ln);
	if (!xtext_ok(v, n))
		add_defect(j, QF_D_BAD_AUTH, ln->lineno);
}

/* jl_bodytype - B: check_bodytype() wants 7BIT or 8BITMIME */
static void
jl_bodytype(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	once(j, ONCE_B, QF_D_DUPLICATE, ln->lineno);
	j->qf->bodytype = span_of(ln);
	if (!eq_nocase(v, n, "7bit") && !eq_nocase(v, n, "8bitmime"))
		add_defect(j, QF_D_BAD_BODYTYPE, ln->lineno);
}

/* jl_ctluser - C: controlling user; setctluser() reads it by version */
static void
jl_ctluser(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	(void)ln, (void)v, (void)n;
	if (!j->qf->has_version)
		j->rcpt_before_version++;
}

/* jl_datadir - d: must name a configured queue directory */
static void
jl_datadir(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	const struct qf_parse_opts *o = j->opts;

	once(j, ONCE_D, QF_D_DUPLICATE, ln->lineno);
	j->qf->datadir = span_of(ln);
	if (n == 0 ||
	    (o->datadir_ok != NULL &&
		!o->datadir_ok((const char *)v, n, o->datadir_arg)))
		add_defect(j, QF_D_BAD_DATADIR, ln->lineno);
}

/* jl_flags - F: envelope flags; a "From " line is a spoof */
static void
jl_flags(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	static const char letters[] = "wr8bdnse";
	size_t i;

	if (n >= 4 && memcmp(v, "rom ", 4) == 0) {
		add_defect(j, QF_D_FROM_LINE, ln->lineno);
		return;
	}
	once(j, ONCE_F, QF_D_DUPLICATE, ln->lineno);
	for (i = 0; i < n; i++) {
		const char *at = v[i] != 0 ? strchr(letters, v[i]) : NULL;

		if (at != NULL)
			j->qf->envflags |= 1u << (at - letters);
	}
}

/* jl_quarantine - q: a reason; in a qf, gatherq() may hide the job */
static void
jl_quarantine(struct judge *j, const struct qf_line *ln,
    const unsigned char *v, size_t n)
{
	(void)v, (void)n;
	once(j, ONCE_Q, QF_D_DUPLICATE, ln->lineno);
	j->qf->quarantine = span_of(ln);
	if (j->opts->letter != 'q')
		return;
	if (!(j->seen_p && j->seen_t))
		add_defect(j, QF_D_QUARANTINE_HIDDEN, ln->lineno);
	else
		add_defect(j, QF_D_QUARANTINE_IN_QF, ln->lineno);
}

/* jl_header - H: chompheader() with CHHDR_QUEUE */
static void
jl_header(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	j->qf->nheaders++;
	switch (qfp_header_check(v, n)) {
	case QFP_HDR_SYNTAX:
		add_defect(j, QF_D_HEADER_SYNTAX, ln->lineno);
		break;
	case QFP_HDR_NAME_LONG:
		add_defect(j, QF_D_HEADER_NAME_LONG, ln->lineno);
		break;
	case QFP_HDR_OK:
		break;
	}
}

/* jl_inode - I: ignored by readqf(), kept for pairing */
static void
jl_inode(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	once(j, ONCE_I, QF_D_DUPLICATE, ln->lineno);
	j->qf->inode_line = span_of(ln);
	judge_inode(j, v, n, ln->lineno);
}

/* jl_lasttry - K: atol() */
static void
jl_lasttry(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	once(j, ONCE_K, QF_D_DUPLICATE, ln->lineno);
	j->qf->has_lasttry = true;
	j->qf->lasttry = judge_number(j, v, n, QF_D_BAD_NUMBER, ln->lineno);
}

/* jl_tries - N: atoi() */
static void
jl_tries(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	bool strict;

	once(j, ONCE_N, QF_D_DUPLICATE, ln->lineno);
	j->qf->has_tries = true;
	j->qf->tries = c_atoi(v, n, &strict);
	if (!strict)
		add_defect(j, QF_D_BAD_NUMBER, ln->lineno);
}

/* jl_priority - P: atol(); gatherq() stops reading once it has P and T */
static void
jl_priority(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	once(j, ONCE_P, QF_D_DUPLICATE, ln->lineno);
	j->qf->has_priority = true;
	j->qf->priority = judge_number(j, v, n, QF_D_BAD_NUMBER, ln->lineno);
	j->seen_p = true;
}

/* jl_orcpt - Q: ORCPT of the next R; a second Q replaces the first */
static void
jl_orcpt(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	(void)v, (void)n;
	if (j->pending_orcpt != 0)
		add_defect(j, QF_D_DANGLING_RCPT_INFO, j->pending_orcpt);
	j->pending_orcpt = ln->lineno;
}

/* jl_frcpt - r: final recipient of the next R */
static void
jl_frcpt(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	(void)v, (void)n;
	if (j->pending_frcpt != 0)
		add_defect(j, QF_D_DANGLING_RCPT_INFO, j->pending_frcpt);
	j->pending_frcpt = ln->lineno;
}

/* jl_rcpt - R: a recipient */
static void
jl_rcpt(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	judge_rcpt(j, v, n, ln->lineno);
}

/* jl_sender - S: setsender(); an empty one becomes the invoking user */
static void
jl_sender(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	size_t i;

	once(j, ONCE_S, QF_D_DUPLICATE_SENDER, ln->lineno);
	j->qf->sender = span_of(ln);
	for (i = 0; i < n && c_isspace(v[i]); i++)
		continue;
	if (i == n)
		add_defect(j, QF_D_EMPTY_SENDER, ln->lineno);
}

/* jl_ctime - T: atol() */
static void
jl_ctime(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	once(j, ONCE_T, QF_D_DUPLICATE, ln->lineno);
	j->qf->has_ctime = true;
	j->qf->ctime = judge_number(j, v, n, QF_D_BAD_TIME, ln->lineno);
	j->seen_t = true;
}

/* jl_version - V: atoi(); above QF_VERSION the file is lost */
static void
jl_version(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	struct qf_file *qf = j->qf;
	bool strict;

	once(j, ONCE_V, QF_D_DUPLICATE, ln->lineno);
	qf->version = c_atoi(v, n, &strict);
	qf->has_version = true;
	if (qf->version > QF_SENDMAIL_VERSION)
		add_defect(j, QF_D_VERSION_TOO_NEW, ln->lineno);
	else if (!strict || qf->version < 1)
		add_defect(j, QF_D_BAD_VERSION, ln->lineno);
	if (j->rcpt_before_version > 0)
		add_defect(j, QF_D_VERSION_LATE, ln->lineno);
	j->rcpt_before_version = 0;
}

/* jl_envid - Z: ENVID=, not validated by sendmail */
static void
jl_envid(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	(void)v, (void)n;
	once(j, ONCE_Z, QF_D_DUPLICATE, ln->lineno);
	j->qf->envid = span_of(ln);
}

/* jl_deliver_by - !: Deliver-By (it then falls into the $ case) */
static void
jl_deliver_by(struct judge *j, const struct qf_line *ln,
    const unsigned char *v, size_t n)
{
	once(j, ONCE_BY, QF_D_DUPLICATE, ln->lineno);
	j->qf->deliver_by = span_of(ln);
	judge_deliver_by(j, v, n, ln->lineno);
}

/* jl_macro - $: a saved macro; macid_parse() must accept the name */
static void
jl_macro(struct judge *j, const struct qf_line *ln, const unsigned char *v,
    size_t n)
{
	size_t used;

	if (!macro_id_ok(v, n, &used))
		add_defect(j, QF_D_BAD_MACRO, ln->lineno);
}

struct line_rule {
	line_judge_fn *judge;	/* NULL: the value is not looked at */
	bool known;		/* readqf() has a case for the code */
	bool ignored;		/* readqf() ignores the value altogether */
};

/* clang-format off */
static const struct line_rule line_rules[256] = {
	['A'] = { jl_auth, true, false },
	['B'] = { jl_bodytype, true, false },
	['C'] = { jl_ctluser, true, false },
	['D'] = { NULL, true, true },	/* obsolete data file name */
	['d'] = { jl_datadir, true, false },
	['E'] = { NULL, true, true },	/* obsolete errors-to */
	['F'] = { jl_flags, true, false },
	['q'] = { jl_quarantine, true, false },
	['H'] = { jl_header, true, false },
	['I'] = { jl_inode, true, true },	/* regenerated from the df */
	['K'] = { jl_lasttry, true, false },
	['L'] = { NULL, true, true },	/* Solaris Content-Length */
	['M'] = { NULL, true, true },	/* status message */
	['N'] = { jl_tries, true, false },
	['P'] = { jl_priority, true, false },
	['Q'] = { jl_orcpt, true, false },
	['r'] = { jl_frcpt, true, false },
	['R'] = { jl_rcpt, true, false },
	['S'] = { jl_sender, true, false },
	['T'] = { jl_ctime, true, false },
	['V'] = { jl_version, true, false },
	['Z'] = { jl_envid, true, false },
	['!'] = { jl_deliver_by, true, false },
	['$'] = { jl_macro, true, false },
};
/* clang-format on */

/* qf_code_known - readqf() has a case for the line code */
bool
qf_code_known(unsigned char code)
{
	return line_rules[code].known;
}

/*
 * judge_line - one logical line (not the terminator).  `cooked` is the
 * whole logical line, code first, `full` bytes long; `clen` is its length
 * up to any NUL byte, which is all readqf() sees.
 */
static void
judge_line(struct judge *j, const struct qf_line *ln,
    const unsigned char *cooked, size_t clen, size_t full)
{
	const struct line_rule *rule = &line_rules[ln->code];

	if (!rule->known) {
		/* readqf(): "bad line"; a blank line is code NUL. */
		add_defect(j, QF_D_BAD_CODE, ln->lineno);
		return;
	}
	if (rule->judge != NULL)
		rule->judge(j, ln, cooked + 1, clen > 0 ? clen - 1 : 0);
	if (rule->ignored)
		return;
	if (full != clen)
		add_defect(j, QF_D_NUL_BYTE, ln->lineno);
	if ((ln->flags & QFL_FOLDED) && ln->code != 'H')
		add_defect(j, QF_D_FOLDED_FIELD, ln->lineno);
}

/* judge_file - walk the lines in readqf() order, then the whole file */
static int
judge_file(struct qf_file *qf, const struct qf_parse_opts *opts,
    struct qerr *err)
{
	struct judge j;
	size_t i, clen, full;
	const unsigned char *cooked;
	const struct qf_line *ln;

	memset(&j, 0, sizeof(j));
	j.qf = qf;
	j.opts = opts;
	for (i = 0; i < qf->nlines; i++) {
		ln = &qf->lines[i];
		if (qf->terminated) {
			/* Only the first line after '.' is ever read. */
			add_defect(&j, QF_D_AFTER_TERMINATOR, ln->lineno);
			break;
		}
		if (ln->code == '.') {
			qf->terminated = true;
			qf->terminator = i;
			continue;
		}
		cooked = qfp_cook(qf, qfp_line_bytes(qf, ln), ln->len,
		    (ln->flags & QFL_CR) != 0, &full);
		if (cooked == NULL) {
			qerr_set(err, ENOMEM, "out of memory reading a control file");
			return -1;
		}
		clen = (ln->flags & QFL_NUL) ? cstr_len(cooked, full) : full;
		j.torn = (ln->flags & QFL_NO_EOL) != 0;
		judge_line(&j, ln, cooked, clen, full);
		j.torn = false;
	}

	/* readqf(): "If we haven't read any lines" -- no LF in the file. */
	if (qf->nphys == 0)
		add_defect(&j, QF_D_NO_NEWLINE, 0);
	if (!qf->terminated) {
		add_defect(&j, QF_D_NO_TERMINATOR, qf->nphys + 1);
	} else {
		/* Lines sendmail always writes; missing ones are not implied
		 * by a truncation, so only a complete file is judged here. */
		if (!qf->has_version)
			add_defect(&j, QF_D_NO_VERSION, 0);
		if (!qf->has_ctime)
			add_defect(&j, QF_D_NO_TIME, 0);
		if (!qf->has_lasttry)
			add_defect(&j, QF_D_NO_LASTTRY, 0);
		if (!qf->has_tries)
			add_defect(&j, QF_D_NO_TRIES, 0);
		if (!qf->has_priority)
			add_defect(&j, QF_D_NO_PRIORITY, 0);
		if (qf->sender.len == 0)
			add_defect(&j, QF_D_NO_SENDER, 0);
		if (qf->nrcpt_usable == 0)
			add_defect(&j, QF_D_NO_RECIPIENTS, 0);
		if (j.pending_orcpt != 0)
			add_defect(&j, QF_D_DANGLING_RCPT_INFO, j.pending_orcpt);
		if (j.pending_frcpt != 0)
			add_defect(&j, QF_D_DANGLING_RCPT_INFO, j.pending_frcpt);
		if (opts->letter == 'h' && qf->quarantine.len == 0)
			add_defect(&j, QF_D_HELD_NO_REASON, 0);
	}

	/*
	 * The outcome, in the order sendmail meets things: gatherq() hides a
	 * qf with an early q line; readqf() loses the file on the first bad
	 * line, then clears a file without LF, then gives up on an
	 * unterminated one; a job without recipients is dropped before any
	 * delivery; without a sender, delivery asserts.
	 */
	if (qf_has(qf, QF_D_QUARANTINE_HIDDEN))
		qf->outcome = QF_CSQ_SKIPPED,
		qf->outcome_kind = QF_D_QUARANTINE_HIDDEN;
	else if (j.lost)
		qf->outcome = QF_CSQ_LOST, qf->outcome_kind = j.lost_kind,
		qf->outcome_line = j.lost_line;
	else if (qf_has(qf, QF_D_NO_NEWLINE))
		qf->outcome = QF_CSQ_DELETED, qf->outcome_kind = QF_D_NO_NEWLINE;
	else if (qf_has(qf, QF_D_NO_TERMINATOR))
		qf->outcome = QF_CSQ_SKIPPED,
		qf->outcome_kind = QF_D_NO_TERMINATOR;
	else if (qf_has(qf, QF_D_NO_RECIPIENTS))
		qf->outcome = QF_CSQ_DELETED,
		qf->outcome_kind = QF_D_NO_RECIPIENTS;
	else if (qf_has(qf, QF_D_NO_SENDER))
		qf->outcome = QF_CSQ_ABORT, qf->outcome_kind = QF_D_NO_SENDER;
	else {
		enum qf_consequence worst = QF_CSQ_NONE;

		for (i = 0; i < qf->ndefects; i++) {
			enum qf_consequence c =
			    qf_defect_info(qf->defects[i].kind)->consequence;

			if (c > worst) {
				worst = c;
				qf->outcome_kind = qf->defects[i].kind;
				qf->outcome_line = qf->defects[i].line;
			}
		}
		qf->outcome = worst;
	}
	if (qf->outcome != QF_CSQ_NONE && qf->outcome_line == 0) {
		for (i = 0; i < qf->ndefects; i++)
			if (qf->defects[i].kind == qf->outcome_kind) {
				qf->outcome_line = qf->defects[i].line;
				break;
			}
	}
	return 0;
}

/* qf_parse - read and judge a control file */
int
qf_parse(struct qf_file *qf, const unsigned char *buf, size_t len,
    const struct qf_parse_opts *opts, struct qerr *err)
{
	static const struct qf_parse_opts none;
	struct judge j;
	int r;

	if (opts == NULL)
		opts = &none;
	if (buf == NULL && len != 0)
		BUG("qf_parse: NULL buffer of %zu bytes", len);
	qfp_reset(qf);
	qf->buf = buf;
	qf->len = len;
	qf->letter = opts->letter;

	memset(&j, 0, sizeof(j));
	j.qf = qf;
	j.opts = opts;
	if (len == 0 && opts->file_size == 0) {
		add_defect(&j, QF_D_EMPTY, 0);
		qf->outcome = QF_CSQ_DELETED;
		qf->outcome_kind = QF_D_EMPTY;
		return 0;
	}
	if (len > QF_MAX_BYTES || opts->file_size > QF_MAX_BYTES ||
	    (opts->file_size != 0 && opts->file_size != len)) {
		add_defect(&j, QF_D_TOO_LARGE, 0);
		qf->outcome = QF_CSQ_UNCHECKED;
		qf->outcome_kind = QF_D_TOO_LARGE;
		qf->nlines = 0;
		return 0;
	}
	r = qfp_split_lines(qf, err);
	if (r < 0)
		return -1;
	if (r > 0) {
		qf->nlines = 0;
		add_defect(&j, QF_D_TOO_LARGE, 0);
		qf->outcome = QF_CSQ_UNCHECKED;
		qf->outcome_kind = QF_D_TOO_LARGE;
		return 0;
	}
	return judge_file(qf, opts, err);
}
