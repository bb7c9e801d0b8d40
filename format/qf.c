/*
 * qf.c - read sendmail 8.17 control files: split into logical lines, then
 * judged (qf_judge.c), read back by field; edits and writing are in
 * qf_edit.c.
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

#include "fold.h"
#include "grow.h"
#include "qf_private.h"

/* The facts of each defect kind, from the one list (qf_defects.def). */
static const struct qf_defect_info defect_table[QF_D_NKINDS] = {
#define QF_DEFECT(kind, code, name, csq, what, sendmail, flags, fix) \
	[QF_D_##kind] = { name, csq, what, sendmail },
#include "qf_defects.def"
#undef QF_DEFECT
};

/* clang-format off */
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
/* Lines */

/* qfp_grow - make *p hold at least `need` elements of `size` bytes */
int
qfp_grow(void **p, size_t *cap, size_t need, size_t size, struct qerr *err)
{
	if (grow_array(p, cap, need, size, 64) == 0)
		return 0;
	qerr_set(err, ENOMEM, "out of memory reading a control file");
	return -1;
}

/* qfp_line_bytes - raw bytes of logical line i */
const unsigned char *
qfp_line_bytes(const struct qf_file *qf, const struct qf_line *ln)
{
	return (ln->flags & QFL_ARENA) ? qf->arena + ln->off : qf->buf + ln->off;
}

/*
 * qfp_cook - fgetfolded()'s result for raw[0..n): CR LF as LF, final LF
 * dropped.  Returns a pointer to the cooked bytes (raw itself when
 * nothing changes) and their length, or NULL when memory runs out.
 */
const unsigned char *
qfp_cook(struct qf_file *qf, const unsigned char *raw, size_t n, bool has_cr,
    size_t *outlen)
{
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
	*outlen = fold_cook(raw, n, qf->scratch);
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
 * qfp_split_lines - cut the input into logical lines as fgetfolded() does.
 * Returns 0, 1 when the line limit is reached, -1 on ENOMEM.
 */
int
qfp_split_lines(struct qf_file *qf, struct qerr *err)
{
	const unsigned char *b = qf->buf;
	size_t pos = 0, start, n = qf->len;
	uint32_t phys = 1, startline;
	unsigned char flags;
	unsigned nlf, fold;
	struct qf_line *ln;

	while (pos < n) {
		start = pos;
		startline = phys;
		pos = fold_line(b, n, pos, &nlf, &fold);
		phys += nlf;
		flags = (unsigned char)(((fold & FOLD_NO_EOL) ? QFL_NO_EOL : 0) |
		    ((fold & FOLD_FOLDED) ? QFL_FOLDED : 0));
		if (memchr(b + start, '\r', pos - start) != NULL)
			flags |= QFL_CR;
		if (memchr(b + start, '\0', pos - start) != NULL)
			flags |= QFL_NUL;
		if (qf->nlines >= QF_MAX_LINES)
			return 1;
		if (qfp_grow((void **)&qf->lines, &qf->lines_cap, qf->nlines + 1,
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

/* qfp_reset - forget the previous file, keep the allocations */
void
qfp_reset(struct qf_file *qf)
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
	return value_into(qfp_line_bytes(qf, ln), ln->len, out, outsz);
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
	b = qfp_line_bytes(qf, ln);
	n = ln->len;
	if (n > 0 && b[n - 1] == '\n')
		n--;
	if (n > 0 && b[n - 1] == '\r')
		n--;
	/* The syntax check works on the cooked line; an accepted header's
	 * condition and name are on its first physical line. */
	if (qfp_header_check(b + 1, n - 1) != QFP_HDR_OK)
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

