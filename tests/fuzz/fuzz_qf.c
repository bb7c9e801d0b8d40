/*
 * fuzz_qf.c - libFuzzer target for the control-file reader and writer.
 *
 * Beyond "no crash, no out-of-bounds read" (ASan/UBSan), every input must
 * keep the reader's promises: the unedited file writes back byte for byte;
 * a complete file takes a new I line, and what is written then reads back
 * with that inode and the same outcome; rewritten as sendmail reads it
 * (unreadable lines dropped, LF line ends, a new T), it reads back with
 * none of those defects; every value accessor stays inside its buffer.  A broken promise aborts, which libFuzzer reports.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char letters[] = "qhQtT";

/* check - abort, naming the broken promise, unless cond */
#define check(cond) check_at((cond), __LINE__, #cond)

static void
check_at(int cond, int line, const char *what)
{
	if (!cond) {
		(void)fprintf(stderr, "%s:%d: broken: %s\n", __FILE__, line, what);
		abort();
	}
}

/* datadir_ok - accept "." and "q1" as the configured queue directories */
static bool
datadir_ok(const char *name, size_t len, void *arg)
{
	(void)arg;
	return (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == 'q' && name[1] == '1');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct qf_file qf, re;
	static int ready;
	struct qf_parse_opts o;
	struct qerr err;
	unsigned char *out;
	size_t n, i;
	char value[64];
	enum qf_consequence before;

	if (!ready) {
		qf_init(&qf);
		qf_init(&re);
		ready = 1;
	}
	memset(&o, 0, sizeof(o));
	/* The first byte picks the file letter; the rest is the file. */
	o.letter = size > 0 ? letters[data[0] % 5] : 'q';
	o.datadir_ok = datadir_ok;
	if (size > 0) {
		data++;
		size--;
	}
	if (qf_parse(&qf, data, size, &o, &err) < 0)
		return 0;
	check(qf.ndefects <= QF_MAX_DEFECTS);
	check(qf.ndefects <= qf.ndefects_total);
	check((qf.outcome == QF_CSQ_NONE) == (qf.ndefects_total == 0));
	if (qf_has(&qf, QF_D_TOO_LARGE))
		return 0;
	for (i = 0; i < qf.nlines; i++) {
		struct qf_header h;
		const char *lo = (const char *)data, *hi = lo + size;

		(void)qf_line_value(&qf, i, value, sizeof(value));
		if (qf_header(&qf, i, &h)) {
			check(qf.lines[i].code == 'H');
			check(h.name >= lo && h.name + h.name_len <= hi);
			check(h.value >= lo && h.value + h.value_len <= hi);
			check(h.cond == NULL ||
			    (h.cond >= lo && h.cond + h.cond_len <= hi));
			check(h.name_len > 0);
		}
	}
	(void)qf_span_value(&qf, &qf.sender, value, sizeof(value));
	(void)qf_span_value(&qf, &qf.inode_line, value, sizeof(value));

	out = malloc(size + 64);
	check(out != NULL);
	n = qf_write_buf(&qf, out, size + 64);
	check(n == size && memcmp(out, data, size) == 0);
	if (qf.terminated) {
		before = qf.outcome;
		if (qf_set_inode(&qf, 254, 1, 4242, &err) < 0) {
			/* Refused only where sendmail loses the file. */
			check(!qf_complete(&qf));
			free(out);
			return 0;
		}
		n = qf_write_buf(&qf, out, size + 64);
		check(n != (size_t)-1 && n == qf_output_size(&qf));
		check(qf_parse(&re, out, n, &o, &err) == 0);
		check(re.has_inode && re.inode == 4242 && re.inode_major == 254);
		/* A new I line changes nothing sendmail acts on, unless the
		 * old I line was itself what sendmail objected to. */
		if (!qf_has(&qf, QF_D_NUL_BYTE) && !qf_has(&qf, QF_D_DUPLICATE))
			check(re.outcome == before ||
			    (before == QF_CSQ_COSMETIC &&
				re.outcome == QF_CSQ_NONE));
		/* sendmail's reading written back (repair.c sendmail_edits()):
		 * without the lines it cannot read, with LF line ends and a
		 * new T, the file reads back with none of those defects. */
		for (i = 0; i < qf.terminator; i++)
			if (!(qf.lines[i].flags & QFL_DELETED) &&
			    !qf_code_known(qf.lines[i].code))
				check(qf_delete_line(&qf, i, &err) == 0);
		check(qf_set_field(&qf, 'T', "1795411634", "V", &err) == 0 ||
		    qf.lines[0].code == ' ' || qf.lines[0].code == '\t');
		check(qf_use_lf(&qf, &err) == 0);
		n = qf_output_size(&qf);
		free(out);
		out = malloc(n + 1);
		check(out != NULL);
		check(qf_write_buf(&qf, out, n + 1) == n);
		check(qf_parse(&re, out, n, &o, &err) == 0);
		check(!qf_has(&re, QF_D_BAD_CODE));
		for (i = 0; i + 1 < n; i++)
			check(!(out[i] == '\r' && out[i + 1] == '\n') ||
			    (i > 0 && out[i - 1] == '\r'));
		/* ...and sendmail reads every line it kept the same. */
		{
			size_t k = 0;
			char v2[64];

			for (i = 0; i < qf.nlines; i++) {
				if (qf.lines[i].flags & QFL_DELETED)
					continue;
				check(k < re.nlines);
				(void)qf_line_value(&qf, i, value, sizeof(value));
				(void)qf_line_value(&re, k, v2, sizeof(v2));
				check(strcmp(value, v2) == 0);
				k++;
			}
			check(k == re.nlines);
		}
	}
	free(out);
	return 0;
}
