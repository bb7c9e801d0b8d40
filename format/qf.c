/*
 * qf.c - read, judge, edit and write sendmail 8.17 control files.
 *
 * The reader is a restatement, line by line, of what sendmail does with
 * the bytes; each rule names the function it follows:
 *  - util.c fgetfolded(): logical lines.  CR LF reads as LF, a lone CR is
 *    an ordinary byte, a physical line starting with SPACE or TAB is
 *    joined to the previous one (the LF kept), the final LF is dropped, a
 *    last line without LF still counts.  LineNumber counts LFs.
 *  - queue.c readqf(): the switch on the first byte; fields are read as C
 *    strings (a NUL ends them); atoi()/atol() for numbers; the first line
 *    that fails (unknown code, V > 8, bad A/B/d, "From ", data after the
 *    terminator) makes loseqfile() rename the file to Qf; no LF at all
 *    clears the job; no terminator is "incomplete queue file read".
 *  - queue.c gatherq(): a q line met before both P and T hides a qf from
 *    every normal queue run.
 *  - headers.c dochompheader(): which H lines are syntax errors.
 *  - macro.c macid_parse(), savemail.c xtextok(), util.c check_bodytype().
 *
 * Memory: lines[] (16 bytes a logical line), a scratch buffer as long as
 * the longest folded or CR line, and the edit arena; all reused between
 * files and released by qf_free().  No input can make the reader use more
 * than QF_MAX_LINES lines or look past the bytes it was given.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qf.h"

/* clang-format off */
static const struct qf_defect_info defect_table[QF_D_NKINDS] = {
[QF_D_EMPTY] = { "empty", QF_CSQ_DELETED,
    "control file is empty",
    "skipped while younger than 10 minutes (by ctime), then qf and df are deleted" },
[QF_D_NO_NEWLINE] = { "no-newline", QF_CSQ_DELETED,
    "control file has no line break at all",
    "treated as empty: qf and df are deleted at once" },
[QF_D_TOO_LARGE] = { "too-large", QF_CSQ_UNCHECKED,
    "control file is larger than mqfsck reads (16 MiB), so it was not judged",
    "reads control files of any size" },
[QF_D_BAD_CODE] = { "bad-line", QF_CSQ_LOST,
    "line with an unknown code (or blank, or starting with white space)",
    "\"bad line\": the job is renamed to Qf and never run" },
[QF_D_VERSION_TOO_NEW] = { "version-too-new", QF_CSQ_LOST,
    "queue file version above 8",
    "\"unsupported queue file version\": renamed to Qf" },
[QF_D_BAD_AUTH] = { "bad-auth", QF_CSQ_LOST,
    "A (AUTH=) value is not xtext",
    "SECURITY ALERT: renamed to Qf" },
[QF_D_BAD_BODYTYPE] = { "bad-bodytype", QF_CSQ_LOST,
    "B (body type) is not 7BIT or 8BITMIME",
    "SECURITY ALERT: renamed to Qf" },
[QF_D_FROM_LINE] = { "from-line", QF_CSQ_LOST,
    "line starting \"From \"",
    "SECURITY ALERT \"bogus qf line\": renamed to Qf" },
[QF_D_BAD_DATADIR] = { "bad-datadir", QF_CSQ_LOST,
    "d line names no configured queue directory",
    "\"bogus queue file directory\": renamed to Qf" },
[QF_D_AFTER_TERMINATOR] = { "after-terminator", QF_CSQ_LOST,
    "data after the final '.' line",
    "SECURITY ALERT \"extra or bogus data\": renamed to Qf" },
[QF_D_NO_TERMINATOR] = { "no-terminator", QF_CSQ_SKIPPED,
    "no final '.' line: the file is truncated",
    "\"incomplete queue file read\" on every run; never delivered, never cleaned" },
[QF_D_QUARANTINE_HIDDEN] = { "quarantine-hidden", QF_CSQ_SKIPPED,
    "q (quarantine) line before P and T in a qf",
    "hidden from every queue run and from mailq" },
[QF_D_NO_SENDER] = { "no-sender", QF_CSQ_ABORT,
    "no S (sender) line",
    "the queue run aborts on an assertion; every job after it waits" },
[QF_D_NO_RECIPIENTS] = { "no-recipients", QF_CSQ_DELETED,
    "no usable R (recipient) line",
    "the job counts as done: qf and df are deleted without a log line" },
[QF_D_RCPT_NO_COLON] = { "rcpt-no-colon", QF_CSQ_ALTERED,
    "R line without ':'",
    "the recipient is dropped silently" },
[QF_D_RCPT_EMPTY] = { "rcpt-empty", QF_CSQ_ALTERED,
    "R line with an empty address",
    "the recipient is dropped" },
[QF_D_EMPTY_SENDER] = { "empty-sender", QF_CSQ_ALTERED,
    "S line with no address",
    "the sender becomes the user running the queue (root)" },
[QF_D_DUPLICATE_SENDER] = { "duplicate-sender", QF_CSQ_ALTERED,
    "more than one S line",
    "the last one becomes the sender" },
[QF_D_NO_VERSION] = { "no-version", QF_CSQ_ALTERED,
    "no V (version) line",
    "R lines are read in the pre-8.7 format: the flags become part of the address" },
[QF_D_BAD_VERSION] = { "bad-version", QF_CSQ_ALTERED,
    "V line is not a version from 1 to 8",
    "read as atoi() reads it; below 1, R lines are read in the pre-8.7 format" },
[QF_D_VERSION_LATE] = { "version-late", QF_CSQ_ALTERED,
    "R or C lines before the V line",
    "those lines are read in the pre-8.7 format" },
[QF_D_NO_TIME] = { "no-time", QF_CSQ_ALTERED,
    "no T (creation time) line",
    "the message age restarts at the next run" },
[QF_D_BAD_TIME] = { "bad-time", QF_CSQ_ALTERED,
    "T line is not a number",
    "the creation time becomes what atol() makes of it (0 bounces at once)" },
[QF_D_QUARANTINE_IN_QF] = { "quarantine-in-qf", QF_CSQ_ALTERED,
    "q (quarantine) line in a qf",
    "not delivered: the next run rewrites the job as hf" },
[QF_D_HEADER_SYNTAX] = { "header-syntax", QF_CSQ_ALTERED,
    "H line with a header syntax error",
    "\"header syntax error\": the header is dropped" },
[QF_D_HEADER_NAME_LONG] = { "header-name-long", QF_CSQ_ALTERED,
    "H line with a field name over 100 bytes",
    "the header is dropped silently" },
[QF_D_BAD_DELIVER_BY] = { "bad-deliver-by", QF_CSQ_ALTERED,
    "! (Deliver-By) line is not <flag> <seconds>",
    "the Deliver-By deadline or mode is garbage" },
[QF_D_NUL_BYTE] = { "nul-byte", QF_CSQ_ALTERED,
    "NUL byte inside a line",
    "the line is read only up to the NUL" },
[QF_D_FOLDED_FIELD] = { "folded-field", QF_CSQ_ALTERED,
    "continuation line after a line that is not a header",
    "the line break becomes part of the value" },
[QF_D_DUPLICATE] = { "duplicate-line", QF_CSQ_COSMETIC,
    "a line that appears once is repeated",
    "the last one counts" },
[QF_D_NO_PRIORITY] = { "no-priority", QF_CSQ_COSMETIC,
    "no P (priority) line",
    "sorted last in queue runs, then rewritten as P0" },
[QF_D_NO_LASTTRY] = { "no-lasttry", QF_CSQ_COSMETIC,
    "no K (last attempt) line",
    "taken as 0 and rewritten" },
[QF_D_NO_TRIES] = { "no-tries", QF_CSQ_COSMETIC,
    "no N (attempts) line",
    "taken as 0 and rewritten" },
[QF_D_BAD_NUMBER] = { "bad-number", QF_CSQ_COSMETIC,
    "K, N or P line is not a number",
    "read as what atol() makes of it" },
[QF_D_BAD_INODE] = { "bad-inode", QF_CSQ_COSMETIC,
    "I line is not <major>/<minor>/<inode>",
    "ignored (sendmail rewrites it from the df)" },
[QF_D_BAD_MACRO] = { "bad-macro", QF_CSQ_COSMETIC,
    "$ line with a bad macro name",
    "syserr; the macro is not restored" },
[QF_D_DANGLING_RCPT_INFO] = { "dangling-rcpt-info", QF_CSQ_COSMETIC,
    "Q or r line not followed by its R line",
    "ignored" },
[QF_D_HELD_NO_REASON] = { "held-no-reason", QF_CSQ_COSMETIC,
    "quarantined (hf) control file without a q line",
    "run only by -qQ, which keeps it as hf" },
};

static const char *const consequence_names[] = {
	[QF_CSQ_NONE] = "none",
	[QF_CSQ_COSMETIC] = "cosmetic",
	[QF_CSQ_ALTERED] = "altered",
	[QF_CSQ_NO_BODY] = "no-body",
	[QF_CSQ_ABORT] = "abort",
	[QF_CSQ_DELETED] = "deleted",
	[QF_CSQ_SKIPPED] = "skipped",
	[QF_CSQ_LOST] = "lost",
	[QF_CSQ_UNCHECKED] = "unchecked",
};
/* clang-format on */

/* qf_defect_info - static facts about a defect kind */
const struct qf_defect_info *
qf_defect_info(enum qf_defect_kind kind)
{
	if ((unsigned)kind >= QF_D_NKINDS)
		BUG("qf_defect_info: kind %d", (int)kind);
	return &defect_table[kind];
}

/* qf_consequence_name - short name of a consequence */
const char *
qf_consequence_name(enum qf_consequence csq)
{
	if ((unsigned)csq > QF_CSQ_UNCHECKED)
		BUG("qf_consequence_name: %d", (int)csq);
	return consequence_names[csq];
}

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

enum header_verdict { HDR_OK, HDR_SYNTAX, HDR_NAME_LONG };

/* header_check - headers.c dochompheader() with CHHDR_QUEUE on v[0..n) */
static enum header_verdict
header_check(const unsigned char *v, size_t n)
{
	size_t p = 0, name;
	const unsigned char *q;

	if (n > 0 && v[0] == '?') {
		q = memchr(v + 1, '?', n - 1);
		if (q == NULL)
			return HDR_SYNTAX;
		if (!header_cond_ok(v + 1, (size_t)(q - (v + 1))))
			return HDR_SYNTAX;
		p = (size_t)(q - v) + 1;
	}
	name = p;
	while (p < n && v[p] > 0x20 && v[p] < 0x7f && v[p] != ':')
		p++;
	if (p == name)
		return HDR_SYNTAX;
	name = p - name;
	while (p < n && c_isspace(v[p]))
		p++;
	if (p >= n || v[p] != ':')
		return HDR_SYNTAX;
	if (name > 100)
		return HDR_NAME_LONG;
	return HDR_OK;
}

/* ------------------------------------------------------------------ */
/* Lines */

/* grow - make *p hold at least `need` elements of `size` bytes */
static int
grow(void **p, size_t *cap, size_t need, size_t size, struct qerr *err)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	ncap = *cap == 0 ? 64 : *cap;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * size);
	if (np == NULL) {
		qerr_set(err, ENOMEM, "out of memory reading a control file");
		return -1;
	}
	*p = np;
	*cap = ncap;
	return 0;
}

/* line_bytes - raw bytes of logical line i */
static const unsigned char *
line_bytes(const struct qf_file *qf, const struct qf_line *ln)
{
	return (ln->flags & QFL_ARENA) ? qf->arena + ln->off : qf->buf + ln->off;
}

/*
 * cook - fgetfolded()'s result for raw[0..n): CR LF as LF, final LF
 * dropped.  Returns a pointer to the cooked bytes (raw itself when
 * nothing changes) and their length, or NULL when memory runs out.
 */
static const unsigned char *
cook(struct qf_file *qf, const unsigned char *raw, size_t n, bool has_cr,
    size_t *outlen)
{
	size_t i, o = 0;

	if (!has_cr) {
		*outlen = (n > 0 && raw[n - 1] == '\n') ? n - 1 : n;
		return raw;
	}
	if (n > qf->scratch_cap) {
		unsigned char *np = realloc(qf->scratch, n);

		if (np == NULL)
			return NULL;
		qf->scratch = np;
		qf->scratch_cap = n;
	}
	for (i = 0; i < n; i++) {
		if (raw[i] == '\r' && i + 1 < n && raw[i + 1] == '\n')
			continue;
		qf->scratch[o++] = raw[i];
	}
	if (o > 0 && qf->scratch[o - 1] == '\n')
		o--;
	*outlen = o;
	return qf->scratch;
}

/* first_code - the line code of raw logical line raw[0..n) */
static unsigned char
first_code(const unsigned char *raw, size_t n)
{
	if (n == 0 || (n == 1 && raw[0] == '\n') ||
	    (n == 2 && raw[0] == '\r' && raw[1] == '\n'))
		return 0; /* blank line: readqf() sees code NUL */
	if (raw[0] == '\r' && n > 1 && raw[1] == '\n')
		return '\n';
	return raw[0];
}

/*
 * split_lines - cut the input into logical lines as fgetfolded() does.
 * Returns 0, 1 when the line limit is reached, -1 on ENOMEM.
 */
static int
split_lines(struct qf_file *qf, struct qerr *err)
{
	const unsigned char *b = qf->buf, *nl;
	size_t pos = 0, start, n = qf->len;
	uint32_t phys = 1, startline;
	unsigned char flags;
	struct qf_line *ln;

	while (pos < n) {
		start = pos;
		startline = phys;
		flags = 0;
		for (;;) {
			nl = memchr(b + pos, '\n', n - pos);
			if (nl == NULL) {
				pos = n;
				flags |= QFL_NO_EOL;
				break;
			}
			pos = (size_t)(nl - b) + 1;
			phys++;
			if (pos < n && (b[pos] == ' ' || b[pos] == '\t')) {
				flags |= QFL_FOLDED;
				continue;
			}
			break;
		}
		if (memchr(b + start, '\r', pos - start) != NULL)
			flags |= QFL_CR;
		if (memchr(b + start, '\0', pos - start) != NULL)
			flags |= QFL_NUL;
		if (qf->nlines >= QF_MAX_LINES)
			return 1;
		if (grow((void **)&qf->lines, &qf->lines_cap, qf->nlines + 1,
			sizeof(*qf->lines), err) < 0)
			return -1;
		ln = &qf->lines[qf->nlines++];
		ln->off = (uint32_t)start;
		ln->len = (uint32_t)(pos - start);
		ln->lineno = startline;
		ln->code = first_code(b + start, pos - start);
		ln->flags = flags;
		ln->spare = 0;
	}
	qf->nphys = phys - 1;
	return 0;
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
	if (j->torn && defect_table[kind].consequence != QF_CSQ_LOST)
		return;
	qf->defect_kinds |= UINT64_C(1) << kind;
	qf->ndefects_total++;
	if (qf->ndefects < QF_MAX_DEFECTS) {
		qf->defects[qf->ndefects].kind = kind;
		qf->defects[qf->ndefects].line = line;
		qf->ndefects++;
	}
	/* readqf() stops at the first line it loses the file on. */
	if (defect_table[kind].consequence == QF_CSQ_LOST && !j->lost) {
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
	switch (header_check(v, n)) {
	case HDR_SYNTAX:
		add_defect(j, QF_D_HEADER_SYNTAX, ln->lineno);
		break;
	case HDR_NAME_LONG:
		add_defect(j, QF_D_HEADER_NAME_LONG, ln->lineno);
		break;
	case HDR_OK:
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
		cooked = cook(qf, line_bytes(qf, ln), ln->len,
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
			    defect_table[qf->defects[i].kind].consequence;

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

/* ------------------------------------------------------------------ */
/* Public reading interface */

/* qf_init - an empty qf_file */
void
qf_init(struct qf_file *qf)
{
	memset(qf, 0, sizeof(*qf));
}

/* qf_free - release allocations */
void
qf_free(struct qf_file *qf)
{
	free(qf->lines);
	free(qf->arena);
	free(qf->scratch);
	qf_init(qf);
}

/* reset - forget the previous file, keep the allocations */
static void
reset(struct qf_file *qf)
{
	struct qf_line *lines = qf->lines;
	unsigned char *arena = qf->arena, *scratch = qf->scratch;
	size_t lines_cap = qf->lines_cap, arena_cap = qf->arena_cap;
	size_t scratch_cap = qf->scratch_cap;

	memset(qf, 0, sizeof(*qf));
	qf->lines = lines;
	qf->lines_cap = lines_cap;
	qf->arena = arena;
	qf->arena_cap = arena_cap;
	qf->scratch = scratch;
	qf->scratch_cap = scratch_cap;
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
	reset(qf);
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
	r = split_lines(qf, err);
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

/* qf_has - a defect of this kind was found */
bool
qf_has(const struct qf_file *qf, enum qf_defect_kind kind)
{
	if ((unsigned)kind >= QF_D_NKINDS)
		BUG("qf_has: kind %d", (int)kind);
	return (qf->defect_kinds & (UINT64_C(1) << kind)) != 0;
}

/* qf_complete - terminated and readable to the end without being lost */
bool
qf_complete(const struct qf_file *qf)
{
	enum qf_defect_kind k;

	if (!qf->terminated || qf_has(qf, QF_D_TOO_LARGE))
		return false;
	for (k = 0; k < QF_D_NKINDS; k++)
		if (qf_has(qf, k) && defect_table[k].consequence == QF_CSQ_LOST)
			return false;
	return true;
}

/* value_into - cook raw[0..n) and copy its value (after the code) out */
static size_t
value_into(const unsigned char *raw, size_t n, char *out, size_t outsz)
{
	size_t i, o = 0, total = 0, end = n;

	if (end > 0 && raw[end - 1] == '\n') {
		end--;
		if (end > 0 && raw[end - 1] == '\r')
			end--;
	}
	for (i = 1; i < end; i++) {
		if (raw[i] == '\r' && i + 1 < end && raw[i + 1] == '\n')
			continue;
		if (outsz > 0 && o + 1 < outsz)
			out[o++] = (char)raw[i];
		total++;
	}
	if (outsz > 0)
		out[o] = '\0';
	return total;
}

/* qf_span_value - the cooked value of a field line */
size_t
qf_span_value(const struct qf_file *qf, const struct qf_span *span, char *out,
    size_t outsz)
{
	if (span->len == 0) {
		if (outsz > 0)
			out[0] = '\0';
		return 0;
	}
	if ((size_t)span->off + span->len > qf->len)
		BUG("qf_span_value: span outside the input");
	return value_into(qf->buf + span->off, span->len, out, outsz);
}

/* qf_line_value - the cooked value of logical line `index` */
size_t
qf_line_value(const struct qf_file *qf, size_t index, char *out, size_t outsz)
{
	const struct qf_line *ln;

	if (index >= qf->nlines)
		BUG("qf_line_value: line %zu of %zu", index, qf->nlines);
	ln = &qf->lines[index];
	return value_into(line_bytes(qf, ln), ln->len, out, outsz);
}

/* qf_header - an accepted H line, taken apart */
bool
qf_header(const struct qf_file *qf, size_t index, struct qf_header *out)
{
	const struct qf_line *ln;
	const unsigned char *b, *q;
	size_t n, p = 1;

	if (index >= qf->nlines)
		BUG("qf_header: line %zu of %zu", index, qf->nlines);
	ln = &qf->lines[index];
	if (ln->code != 'H' || (ln->flags & (QFL_NUL | QFL_DELETED)))
		return false;
	b = line_bytes(qf, ln);
	n = ln->len;
	if (n > 0 && b[n - 1] == '\n')
		n--;
	if (n > 0 && b[n - 1] == '\r')
		n--;
	/* The syntax check works on the cooked line; an accepted header's
	 * condition and name are on its first physical line. */
	if (header_check(b + 1, n - 1) != HDR_OK)
		return false;
	memset(out, 0, sizeof(*out));
	if (n > 1 && b[1] == '?') {
		q = memchr(b + 2, '?', n - 2);
		out->cond = (const char *)b + 2;
		out->cond_len = (size_t)(q - (b + 2));
		p = (size_t)(q - b) + 1;
	}
	out->name = (const char *)b + p;
	while (p < n && b[p] > 0x20 && b[p] < 0x7f && b[p] != ':')
		p++;
	out->name_len = (size_t)((const char *)b + p - out->name);
	while (p < n && b[p] != ':')
		p++;
	out->value = (const char *)b + p + 1;
	out->value_len = n - p - 1;
	return true;
}

/* ------------------------------------------------------------------ */
/* Edits and writing */

/* editable - edits need every byte of the file in lines[] */
static bool
editable(const struct qf_file *qf, struct qerr *err)
{
	if (!qf->terminated || qf_has(qf, QF_D_TOO_LARGE)) {
		qerr_set(err, EINVAL,
		    "control file is not complete: it cannot be edited");
		return false;
	}
	return true;
}

/* arena_put - append bytes to the edit arena; returns their offset */
static int
arena_put(struct qf_file *qf, const char *data, size_t n, uint32_t *off,
    struct qerr *err)
{
	if (qf->arena_len + n > UINT32_MAX) {
		qerr_set(err, EFBIG, "control file edits too large");
		return -1;
	}
	if (grow((void **)&qf->arena, &qf->arena_cap, qf->arena_len + n, 1,
		err) < 0)
		return -1;
	memcpy(qf->arena + qf->arena_len, data, n);
	*off = (uint32_t)qf->arena_len;
	qf->arena_len += n;
	return 0;
}

/* line_break - the break ending line ln: "\r\n", "\n" or "" */
static const char *
line_break(const struct qf_file *qf, const struct qf_line *ln)
{
	const unsigned char *b = line_bytes(qf, ln);

	if (ln->len >= 2 && b[ln->len - 2] == '\r' && b[ln->len - 1] == '\n')
		return "\r\n";
	if (ln->len >= 1 && b[ln->len - 1] == '\n')
		return "\n";
	return "";
}

/*
 * field_place - where line `code` goes: the index of the last such line
 * before the terminator (*replace true), else where queueup() writes it:
 * after the leading lines whose codes it writes first (`before`)
 */
static size_t
field_place(const struct qf_file *qf, unsigned char code, const char *before,
    bool *replace)
{
	size_t i, at = qf->nlines;

	/* The line sendmail would read last is the one to replace. */
	for (i = 0; i < qf->terminator; i++)
		if (!(qf->lines[i].flags & QFL_DELETED) && qf->lines[i].code == code)
			at = i;
	*replace = at != qf->nlines;
	if (*replace)
		return at;
	for (at = 0; at < qf->terminator; at++) {
		unsigned char c = qf->lines[at].code;

		if ((qf->lines[at].flags & QFL_DELETED) == 0 &&
		    (c == 0 || strchr(before, c) == NULL))
			break;
	}
	return at;
}

/*
 * qf_set_field - make the file's `code` line say `value`: the line
 * sendmail reads last is replaced in place; without one, a line is put
 * where queueup() writes it, after the leading lines of codes `before`.
 * Its line break copies its neighbour's (LF, or CR LF in a CR LF file).
 */
int
qf_set_field(struct qf_file *qf, char code, const char *value,
    const char *before, struct qerr *err)
{
	size_t at, vlen = strlen(value), tlen;
	const char *brk;
	char *text;
	bool replace;
	uint32_t off;
	struct qf_line nl;
	int rc;

	if (!editable(qf, err))
		return -1;
	at = field_place(qf, (unsigned char)code, before, &replace);
	if (!replace) {
		/*
		 * A line starting with SPACE or TAB would continue the new
		 * line (fgetfolded()); only a file's first line can start so,
		 * and such a file is one sendmail loses anyway.
		 */
		if (qf->lines[at].code == ' ' || qf->lines[at].code == '\t') {
			qerr_set(err, EINVAL,
			    "no place for a %c line before a continuation line",
			    code);
			return -1;
		}
		brk = line_break(qf, &qf->lines[at > 0 ? at - 1 : at]);
		if (brk[0] == '\0')
			brk = "\n"; /* a line follows: it needs a break */
	} else
		brk = line_break(qf, &qf->lines[at]);
	if (memchr(value, '\n', vlen) != NULL || vlen > 4096) {
		qerr_set(err, EINVAL, "a %c line value must be one short line",
		    code);
		return -1;
	}
	tlen = 1 + vlen + strlen(brk);
	if ((text = malloc(tlen + 1)) == NULL) {
		qerr_set(err, ENOMEM, "out of memory");
		return -1;
	}
	text[0] = code;
	memcpy(text + 1, value, vlen);
	memcpy(text + 1 + vlen, brk, tlen - 1 - vlen);
	text[tlen] = '\0';
	off = 0;
	rc = arena_put(qf, text, tlen, &off, err);
	free(text);
	if (rc < 0)
		return -1;
	memset(&nl, 0, sizeof(nl));
	nl.off = off;
	nl.len = (uint32_t)tlen;
	nl.code = (unsigned char)code;
	nl.flags = QFL_ARENA | (brk[0] == '\r' ? QFL_CR : 0);
	if (replace) {
		nl.lineno = qf->lines[at].lineno;
		qf->lines[at] = nl;
	} else {
		if (grow((void **)&qf->lines, &qf->lines_cap, qf->nlines + 1,
			sizeof(*qf->lines), err) < 0)
			return -1;
		memmove(&qf->lines[at + 1], &qf->lines[at],
		    (qf->nlines - at) * sizeof(*qf->lines));
		nl.lineno = qf->lines[at + 1].lineno;
		qf->lines[at] = nl;
		qf->nlines++;
		qf->terminator++;
	}
	qf->edited = true;
	return 0;
}

/* qf_set_inode - write the I line as queueup() would */
int
qf_set_inode(struct qf_file *qf, long long major, long long minor,
    unsigned long long inode, struct qerr *err)
{
	char text[96];
	int n;

	n = snprintf(text, sizeof(text), "%lld/%lld/%llu", major, minor, inode);
	if (n < 0 || (size_t)n >= sizeof(text))
		BUG("qf_set_inode: I line does not fit");
	/* queueup() order: V T K N P d, then I. */
	if (qf_set_field(qf, 'I', text, "VTKNPd", err) < 0)
		return -1;
	qf->has_inode = true;
	qf->inode_major = major;
	qf->inode_minor = minor;
	qf->inode = inode;
	return 0;
}

/*
 * qf_use_lf - every CR LF line break becomes LF, as sendmail writes
 * them; fgetfolded() reads a CR LF as LF, so sendmail reads the file the
 * same.  A lone CR, which it keeps, stays, and so does the break after
 * one (an LF there would make it a CR LF).
 */
int
qf_use_lf(struct qf_file *qf, struct qerr *err)
{
	size_t i, k, o;
	unsigned char *tmp;

	if (!editable(qf, err))
		return -1;
	for (i = 0; i < qf->nlines; i++) {
		struct qf_line *ln = &qf->lines[i];
		const unsigned char *b;
		bool lone = false;
		uint32_t off;

		if (!(ln->flags & QFL_CR) || (ln->flags & QFL_DELETED))
			continue;
		if ((tmp = malloc(ln->len)) == NULL) {
			qerr_set(err, ENOMEM, "out of memory");
			return -1;
		}
		b = line_bytes(qf, ln);
		for (k = 0, o = 0; k < ln->len; k++) {
			/* A CR LF becomes LF, unless a lone CR (which sendmail
			 * keeps) is right before it: "\r\r\n" reads as a CR
			 * and a line end, and "\r\n" would not. */
			if (b[k] == '\r' && k + 1 < ln->len && b[k + 1] == '\n' &&
			    !(k > 0 && b[k - 1] == '\r'))
				continue;
			if (b[k] == '\r')
				lone = true;
			tmp[o++] = b[k];
		}
		if (arena_put(qf, (const char *)tmp, o, &off, err) < 0) {
			free(tmp);
			return -1;
		}
		free(tmp);
		ln->off = off;
		ln->len = (uint32_t)o;
		ln->flags = (unsigned char)((ln->flags | QFL_ARENA) &
		    ~(lone ? 0 : QFL_CR));
		qf->edited = true;
	}
	return 0;
}

/* qf_delete_line - drop a logical line from the output */
int
qf_delete_line(struct qf_file *qf, size_t index, struct qerr *err)
{
	if (!editable(qf, err))
		return -1;
	if (index >= qf->nlines)
		BUG("qf_delete_line: line %zu of %zu", index, qf->nlines);
	if (index == qf->terminator) {
		qerr_set(err, EINVAL, "the terminator line cannot be deleted");
		return -1;
	}
	qf->lines[index].flags |= QFL_DELETED;
	qf->edited = true;
	return 0;
}

/* qf_output_size - bytes the file has with its edits */
size_t
qf_output_size(const struct qf_file *qf)
{
	size_t i, n = 0;

	if (!qf->edited)
		return qf->len;
	for (i = 0; i < qf->nlines; i++)
		if ((qf->lines[i].flags & QFL_DELETED) == 0)
			n += qf->lines[i].len;
	return n;
}

/* qf_write - the file's bytes, through a sink */
int
qf_write(const struct qf_file *qf,
    int (*sink)(void *arg, const void *data, size_t len), void *arg)
{
	size_t i, run_start = 0, run_len = 0;
	const struct qf_line *ln;

	if (!qf->edited)
		return qf->len == 0 ? 0 : sink(arg, qf->buf, qf->len);
	/* Coalesce adjacent unedited lines into one write. */
	for (i = 0; i < qf->nlines; i++) {
		ln = &qf->lines[i];
		if ((ln->flags & (QFL_ARENA | QFL_DELETED)) == 0 &&
		    run_len > 0 && run_start + run_len == ln->off) {
			run_len += ln->len;
			continue;
		}
		if (run_len > 0 && sink(arg, qf->buf + run_start, run_len) < 0)
			return -1;
		run_len = 0;
		if (ln->flags & QFL_DELETED)
			continue;
		if (ln->flags & QFL_ARENA) {
			if (sink(arg, qf->arena + ln->off, ln->len) < 0)
				return -1;
			continue;
		}
		run_start = ln->off;
		run_len = ln->len;
	}
	if (run_len > 0 && sink(arg, qf->buf + run_start, run_len) < 0)
		return -1;
	return 0;
}

struct bufsink {
	unsigned char *out;
	size_t cap, used;
};

/* buf_sink - qf_write() sink into a fixed buffer */
static int
buf_sink(void *arg, const void *data, size_t len)
{
	struct bufsink *b = arg;

	if (len > b->cap - b->used)
		return -1;
	memcpy(b->out + b->used, data, len);
	b->used += len;
	return 0;
}

/* qf_write_buf - the file's bytes into out[0..cap) */
size_t
qf_write_buf(const struct qf_file *qf, unsigned char *out, size_t cap)
{
	struct bufsink b;

	b.out = out;
	b.cap = cap;
	b.used = 0;
	if (qf_write(qf, buf_sink, &b) < 0)
		return (size_t)-1;
	return b.used;
}
