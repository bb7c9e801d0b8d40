/*
 * qf_edit.c - edit a control file read by qf.c and write it back: a
 * changed or deleted line, the I line set, line ends made LF; every line
 * not edited is written byte for byte as it was read (sendmail rewrites
 * a qf whole, queue.c queueup(); so does mqfsck, through a temporary file
 * the caller renames into place).
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qf_private.h"

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
	if (qfp_grow((void **)&qf->arena, &qf->arena_cap, qf->arena_len + n, 1,
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
	const unsigned char *b = qfp_line_bytes(qf, ln);

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
		if (qfp_grow((void **)&qf->lines, &qf->lines_cap, qf->nlines + 1,
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
		b = qfp_line_bytes(qf, ln);
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

