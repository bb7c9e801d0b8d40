/*
 * test_qf.c - the control-file reader and writer (format/qf.c).
 *
 * Table-driven: a healthy file as sendmail 8.17 writes it, and one
 * mutation per row, each with what sendmail does about it (its outcome)
 * and the exact defects expected.  The expectations restate
 * shared/docs/sendmail-queue.md 3.1-3.7 and Appendix A, which were
 * verified against the real binary.  Then the API: field values, value
 * cooking, edits, limits and reuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qf.h"
#include "qf_expect.h"

/* A complete qf as queueup() writes it, in three parts to splice into. */
#define HEAD "V8\nT1795411634\nK0\nN0\nP30064\n"	 /* lines 1-5 */
#define ENV "$_root@localhost\nSalice@example.com\n" /* lines 6-7 */
#define RCPT "rRFC822; bob@example.org\nRPFD:bob@example.org\n" /* 8-9 */
#define HDRS                                                                  \
	"H?P?Return-Path: <\x81g>\n"                                          \
	"H??Received: (from root@localhost)\n"                               \
	"\tby vm (8.17.1.9/8.17.1.9) id 6AN5RExD003747;\n"                   \
	"\tMon, 23 Nov 2026 05:27:14 GMT\n"                                  \
	"H??Subject: test\n" /* lines 10-14 */
#define TERM ".\n"	     /* line 15 */
#define GOOD HEAD ENV RCPT HDRS TERM

struct qf_case {
	const char *name;
	const char *text;
	size_t len;		/* 0: strlen(text) */
	char letter;
	const char *outcome;
	const char *kinds;
};

/* clang-format off */
static const struct qf_case cases[] = {
	{ "healthy", GOOD, 0, 'q', "none", "-" },
	{ "healthy hf with reason", HEAD "qheld\n" ENV RCPT HDRS TERM, 0, 'h', "none", "-" },
	{ "healthy tf", GOOD, 0, 't', "none", "-" },
	{ "empty", "", 0, 'q', "deleted", "empty" },
	/* Size and line breaks (readqf(), fgetfolded()). */
	{ "no newline at all", "V8", 0, 'q', "deleted", "no-newline,no-terminator" },
	{ "terminator only, no newline", ".", 0, 'q', "deleted",
	  "no-newline,no-version,no-time,no-lasttry,no-tries,no-priority,no-sender,no-recipients" },
	{ "unknown line, no newline", "X", 0, 'q', "lost", "bad-line@1,no-newline,no-terminator" },
	{ "truncated mid-line", HEAD ENV RCPT "H??Subj", 0, 'q', "skipped", "no-terminator@10" },
	{ "truncated at a line end", HEAD ENV, 0, 'q', "skipped", "no-terminator@8" },
	/* readqf() reads the cut line too: a cut AUTH escape loses the file. */
	{ "truncated in an A escape", HEAD ENV "Aa+4", 0, 'q', "lost", "bad-auth@8,no-terminator@8" },
	{ "terminator without final LF", HEAD ENV RCPT HDRS ".", 0, 'q', "none", "-" },
	{ ".garbage is a terminator", HEAD ENV RCPT HDRS ".garbage\n", 0, 'q', "none", "-" },
	{ "CRLF line ends", "V8\r\nT1795411634\r\nK0\r\nN0\r\nP1\r\nSa@b\r\nRPFD:c@d\r\n"
	  "H??Subject: x\r\n\tfolded\r\n.\r\n", 0, 'q', "none", "-" },
	/* Codes that make sendmail lose the file (Qf). */
	{ "unknown code", HEAD "Xbogus line\n" ENV RCPT HDRS TERM, 0, 'q', "lost", "bad-line@6" },
	{ "G line of _FFR_QUEUEDELAY", HEAD "G1\n" ENV RCPT HDRS TERM, 0, 'q', "lost", "bad-line@6" },
	{ "blank line", HEAD "\n" ENV RCPT HDRS TERM, 0, 'q', "lost", "bad-line@6" },
	{ "CRLF blank line", HEAD "\r\n" ENV RCPT HDRS TERM, 0, 'q', "lost", "bad-line@6" },
	{ "leading white space", " V8\nT1\nK0\nN0\nP1\n" ENV RCPT HDRS TERM, 0, 'q', "lost",
	  "bad-line@1,no-version" },
	{ "NUL-led line", HEAD "\0x\n" ENV RCPT HDRS TERM, sizeof(HEAD "\0x\n" ENV RCPT HDRS TERM) - 1,
	  'q', "lost", "bad-line@6" },
	{ "V9", "V9\nT1795411634\nK0\nN0\nP30064\n" ENV RCPT HDRS TERM, 0, 'q', "lost",
	  "version-too-new@1" },
	{ "V99999999999 (atoi keeps the low 32 bits)", "V99999999999\nT1\nK0\nN0\nP1\n" ENV RCPT HDRS TERM,
	  0, 'q', "lost", "version-too-new@1" },
	{ "bad AUTH xtext", HEAD ENV "Aa=b\n" RCPT HDRS TERM, 0, 'q', "lost", "bad-auth@8" },
	{ "AUTH escape cut short", HEAD ENV "Aa+4\n" RCPT HDRS TERM, 0, 'q', "lost", "bad-auth@8" },
	{ "AUTH 8-bit", HEAD ENV "A\xc3\xa9\n" RCPT HDRS TERM, 0, 'q', "lost", "bad-auth@8" },
	{ "bad body type", HEAD "BBOGUSTYPE\n" ENV RCPT HDRS TERM, 0, 'q', "lost", "bad-bodytype@6" },
	{ "empty body type", HEAD "B\n" ENV RCPT HDRS TERM, 0, 'q', "lost", "bad-bodytype@6" },
	{ "From line", HEAD "From alice Mon Nov 23\n" ENV RCPT HDRS TERM, 0, 'q', "lost", "from-line@6" },
	{ "d line naming no queue directory", HEAD "d/nonexistent/dir\n" ENV RCPT HDRS TERM, 0, 'q',
	  "lost", "bad-datadir@6" },
	{ "empty d line", HEAD "d\n" ENV RCPT HDRS TERM, 0, 'q', "lost", "bad-datadir@6" },
	{ "data after the terminator", GOOD "Hinjected: header\n", 0, 'q', "lost", "after-terminator@16" },
	{ "blank line after the terminator", GOOD "\n", 0, 'q', "lost", "after-terminator@16" },
	{ "first bad line decides", HEAD "Xa\n" ENV RCPT HDRS, 0, 'q', "lost", "bad-line@6,no-terminator" },
	/* A continuation line after '.' joins the terminator (fgetfolded()). */
	{ "continuation after the terminator", GOOD "\tmore\n", 0, 'q', "none", "-" },
	/* gatherq() and the q line. */
	{ "q before P and T hides a qf", "V8\nqhold\nT1\nK0\nN0\nP1\n" ENV RCPT HDRS TERM, 0, 'q',
	  "skipped", "quarantine-hidden@2" },
	{ "hidden beats lost", "V8\nqhold\nXbad\nT1\nK0\nN0\nP1\n" ENV RCPT HDRS TERM, 0, 'q',
	  "skipped", "quarantine-hidden@2,bad-line@3" },
	{ "q after P and T", HEAD "qhold\n" ENV RCPT HDRS TERM, 0, 'q', "altered", "quarantine-in-qf@6" },
	{ "q early in an hf is fine", "V8\nqhold\nT1\nK0\nN0\nP1\n" ENV RCPT HDRS TERM, 0, 'h', "none", "-" },
	{ "hf without q", GOOD, 0, 'h', "cosmetic", "held-no-reason" },
	/* Sender and recipients. */
	{ "no S", HEAD "$_root@localhost\n" RCPT HDRS TERM, 0, 'q', "abort", "no-sender" },
	{ "no R", HEAD ENV HDRS TERM, 0, 'q', "deleted", "no-recipients" },
	{ "no R and no S: dropped before delivery", HEAD HDRS TERM, 0, 'q', "deleted",
	  "no-recipients,no-sender" },
	{ "R without colon", HEAD ENV "RPFDbob@example.org\n" HDRS TERM, 0, 'q', "deleted",
	  "rcpt-no-colon@8,no-recipients" },
	{ "one of two R lines without colon", HEAD ENV "RPFD\n" RCPT HDRS TERM, 0, 'q', "altered",
	  "rcpt-no-colon@8" },
	{ "R with empty address", HEAD ENV "RPFD:  \n" RCPT HDRS TERM, 0, 'q', "altered", "rcpt-empty@8" },
	{ "empty S", HEAD "S\n" RCPT HDRS TERM, 0, 'q', "altered", "empty-sender@6" },
	{ "two S", HEAD ENV "Smallory@example.com\n" RCPT HDRS TERM, 0, 'q', "altered",
	  "duplicate-sender@8" },
	/* Version. */
	{ "no V", "T1\nK0\nN0\nP1\n" ENV RCPT HDRS TERM, 0, 'q', "altered", "no-version" },
	{ "V0", "V0\nT1\nK0\nN0\nP1\n" ENV RCPT HDRS TERM, 0, 'q', "altered", "bad-version@1" },
	{ "V-1", "V-1\nT1\nK0\nN0\nP1\n" ENV RCPT HDRS TERM, 0, 'q', "altered", "bad-version@1" },
	{ "V4294967304 reads as 8", "V4294967304\nT1\nK0\nN0\nP1\n" ENV RCPT HDRS TERM, 0, 'q',
	  "altered", "bad-version@1" },
	{ "V after R", "T1\nK0\nN0\nP1\n" ENV RCPT "V8\n" HDRS TERM, 0, 'q', "altered",
	  "version-late@9" },
	{ "old version V4 is fine", "V4\nT1\nK0\nN0\nP1\n" ENV RCPT HDRS TERM, 0, 'q', "none", "-" },
	/* Times and numbers. */
	{ "no T", "V8\nK0\nN0\nP1\n" ENV RCPT HDRS TERM, 0, 'q', "altered", "no-time" },
	{ "T not a number", "V8\nTsoon\nK0\nN0\nP1\n" ENV RCPT HDRS TERM, 0, 'q', "altered", "bad-time@2" },
	{ "no K N P", "V8\nT1\n" ENV RCPT HDRS TERM, 0, 'q', "cosmetic", "no-lasttry,no-tries,no-priority" },
	{ "K N P not numbers", "V8\nT1\nKx\nN1x\nP+5\n" ENV RCPT HDRS TERM, 0, 'q', "cosmetic",
	  "bad-number@3,bad-number@4,bad-number@5" },
	{ "negative P is what %ld writes", "V8\nT1\nK0\nN0\nP-1770\n" ENV RCPT HDRS TERM, 0, 'q', "none", "-" },
	{ "duplicate T", HEAD "T5\n" ENV RCPT HDRS TERM, 0, 'q', "cosmetic", "duplicate-line@6" },
	/* I line (ignored by readqf()). */
	{ "I line", HEAD "I254/0/11077492\n" ENV RCPT HDRS TERM, 0, 'q', "none", "-" },
	{ "I line with two fields", HEAD "I254/0\n" ENV RCPT HDRS TERM, 0, 'q', "cosmetic", "bad-inode@6" },
	{ "I line not numbers", HEAD "Iabc\n" ENV RCPT HDRS TERM, 0, 'q', "cosmetic", "bad-inode@6" },
	{ "I line largest inode", HEAD "I254/0/18446744073709551615\n" ENV RCPT HDRS TERM, 0, 'q',
	  "none", "-" },
	/* Headers (dochompheader()). */
	{ "header without closing ?", HEAD ENV RCPT "H?P Return-Path: x\n" TERM, 0, 'q', "altered",
	  "header-syntax@10" },
	{ "header without colon", HEAD ENV RCPT "H??NoColonHere\n" TERM, 0, 'q', "altered",
	  "header-syntax@10" },
	{ "header without name", HEAD ENV RCPT "H??: value\n" TERM, 0, 'q', "altered",
	  "header-syntax@10" },
	{ "header macro conditions", HEAD ENV RCPT "H?$j?X-A: 1\nH?${if_addr}?X-B: 2\n"
	  "H?\x81j?X-C: 3\nHOld-Style: 4\nH??Spaced : 5\n" TERM, 0, 'q', "none", "-" },
	{ "header ${x} one-letter braces", HEAD ENV RCPT "H?${x}?X-A: 1\n" TERM, 0, 'q', "altered",
	  "header-syntax@10" },
	{ "header ?$? and 8-bit flags", HEAD ENV RCPT "H?$?X-A: 1\nH?P\xe9?X-B: 2\n" TERM, 0, 'q',
	  "altered", "header-syntax@10,header-syntax@11" },
	{ "header name of 101 bytes", HEAD ENV RCPT "H??"
	  "X-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  ": v\n" TERM, 0, 'q', "altered", "header-name-long@10" },
	{ "header name of 100 bytes", HEAD ENV RCPT "H??"
	  "X-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  ": v\n" TERM, 0, 'q', "none", "-" },
	/* Deliver-By. */
	{ "deliver-by N", HEAD ENV "!\x01 86400\n" RCPT HDRS TERM, 0, 'q', "none", "-" },
	{ "deliver-by R trace, negative", HEAD ENV "!\x12 -60\n" RCPT HDRS TERM, 0, 'q', "none", "-" },
	{ "deliver-by letter flag", HEAD ENV "!R 86400\n" RCPT HDRS TERM, 0, 'q', "altered",
	  "bad-deliver-by@8" },
	{ "deliver-by cut", HEAD ENV "!\x01\n" RCPT HDRS TERM, 0, 'q', "altered", "bad-deliver-by@8" },
	/* Macros (macid_parse()). */
	{ "macros", HEAD "$rESMTP\n${daemon_flags}c u\n${aaaaaaaaaaaaaaaaaaaaaaaaa}25\n" ENV RCPT HDRS TERM,
	  0, 'q', "none", "-" },
	{ "bad macros", HEAD "$\n${}x\n${open\n${a-b}x\n${aaaaaaaaaaaaaaaaaaaaaaaaaa}26\n" ENV RCPT HDRS TERM,
	  0, 'q', "cosmetic", "bad-macro@6,bad-macro@7,bad-macro@8,bad-macro@9,bad-macro@10" },
	/* NUL bytes and folding outside headers. */
	{ "NUL in S", HEAD "Sal\0ice\n" RCPT HDRS TERM, sizeof(HEAD "Sal\0ice\n" RCPT HDRS TERM) - 1,
	  'q', "altered", "nul-byte@6" },
	{ "NUL in an M line is ignored", HEAD "Mm\0m\n" ENV RCPT HDRS TERM,
	  sizeof(HEAD "Mm\0m\n" ENV RCPT HDRS TERM) - 1, 'q', "none", "-" },
	{ "folded S", HEAD "Salice\n bob\n" RCPT HDRS TERM, 0, 'q', "altered", "folded-field@6" },
	{ "folded M is ignored", HEAD "Mdeferred\n\treason\n" ENV RCPT HDRS TERM, 0, 'q', "none", "-" },
	{ "lone CR in a value", HEAD "Sali\rce\n" RCPT HDRS TERM, 0, 'q', "none", "-" },
	/* Q and r belong to the next R. */
	{ "two Q for one R", HEAD ENV "Qrfc822;x\nQrfc822;y\n" RCPT HDRS TERM, 0, 'q', "cosmetic",
	  "dangling-rcpt-info@8" },
	{ "r after the last R", HEAD ENV RCPT "rRFC822; z\n" HDRS TERM, 0, 'q', "cosmetic",
	  "dangling-rcpt-info@10" },
	/* Obsolete codes that readqf() accepts and ignores. */
	{ "D E L M lines", HEAD "Ddf123\nEerr@x\nL42\nMmessage\n" ENV RCPT HDRS TERM, 0, 'q', "none", "-" },
	/* A whole-line Solaris/other vendor letter that is not known. */
	{ "Y line", HEAD "Y1\n" ENV RCPT HDRS TERM, 0, 'q', "lost", "bad-line@6" },
};
/* clang-format on */

/* datadir_dot - a plain queue: the only qp_name is "." */
static bool
datadir_dot(const char *name, size_t len, void *arg)
{
	(void)arg;
	return len == 1 && name[0] == '.';
}

static void
test_table(void **state)
{
	struct qf_file qf;
	struct qf_parse_opts o;
	struct qerr err;
	size_t i, bad = 0;
	char why[256];

	(void)state;
	qf_init(&qf);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct qf_case *c = &cases[i];
		size_t len = c->len ? c->len : strlen(c->text);
		unsigned char out[4096];

		memset(&o, 0, sizeof(o));
		o.letter = c->letter;
		o.datadir_ok = datadir_dot;
		assert_int_equal(qf_parse(&qf, (const unsigned char *)c->text, len,
				     &o, &err),
		    0);
		if (strcmp(qf_consequence_name(qf.outcome), c->outcome) != 0) {
			print_error("%s: outcome %s, want %s\n", c->name,
			    qf_consequence_name(qf.outcome), c->outcome);
			bad++;
		} else if (!qf_expect_kinds(&qf, c->kinds, why, sizeof(why))) {
			print_error("%s: %s\n", c->name, why);
			bad++;
		} else if (qf_write_buf(&qf, out, sizeof(out)) != len ||
		    memcmp(out, c->text, len) != 0) {
			print_error("%s: does not write back\n", c->name);
			bad++;
		}
	}
	qf_free(&qf);
	assert_int_equal(bad, 0);
}

/* parse_text - parse a literal as a qf */
static void
parse_text(struct qf_file *qf, const char *text, size_t len)
{
	struct qf_parse_opts o = { 0 };
	struct qerr err;

	o.letter = 'q';
	assert_int_equal(qf_parse(qf, (const unsigned char *)text,
			     len ? len : strlen(text), &o, &err),
	    0);
}

static void
test_fields(void **state)
{
	static const char text[] = "V8\nT1795411634\nK1795412000\nN3\nP-30064\n"
				   "d.\nI254/0/11077492\nB8BITMIME\nFwr8bdns\n"
				   "Zenv-1\nAjoe+40x\n!\x12 60\n" ENV RCPT
				   "RPFD:carol@example.net\n" HDRS TERM;
	struct qf_file qf;
	char v[128];

	(void)state;
	qf_init(&qf);
	parse_text(&qf, text, 0);
	assert_int_equal(qf.outcome, QF_CSQ_NONE);
	assert_int_equal(qf.version, 8);
	assert_int_equal(qf.ctime, 1795411634);
	assert_int_equal(qf.lasttry, 1795412000);
	assert_int_equal(qf.tries, 3);
	assert_true(qf.priority == -30064);
	assert_true(qf.has_inode);
	assert_int_equal(qf.inode_major, 254);
	assert_int_equal(qf.inode_minor, 0);
	assert_int_equal(qf.inode, 11077492);
	assert_int_equal(qf.envflags,
	    QF_F_WARNING | QF_F_RESPONSE | QF_F_8BIT | QF_F_DELETE_BCC |
		QF_F_RET_PARAM | QF_F_NO_BODY_RETN | QF_F_SPLIT);
	assert_int_equal(qf.deliver_by_flags, 0x12);
	assert_int_equal(qf.deliver_by_secs, 60);
	assert_int_equal(qf.nrcpt, 2);
	assert_int_equal(qf.nrcpt_usable, 2);
	assert_int_equal(qf.nheaders, 3);
	assert_true(qf.terminated);
	assert_int_equal(qf_span_value(&qf, &qf.sender, v, sizeof(v)), 17);
	assert_string_equal(v, "alice@example.com");
	assert_int_equal(qf.sender.lineno, 14);
	(void)qf_span_value(&qf, &qf.datadir, v, sizeof(v));
	assert_string_equal(v, ".");
	(void)qf_span_value(&qf, &qf.bodytype, v, sizeof(v));
	assert_string_equal(v, "8BITMIME");
	(void)qf_span_value(&qf, &qf.envid, v, sizeof(v));
	assert_string_equal(v, "env-1");
	(void)qf_span_value(&qf, &qf.quarantine, v, sizeof(v));
	assert_string_equal(v, "");
	qf_free(&qf);
}

/* Values are cooked as fgetfolded() returns them. */
static void
test_values_cooked(void **state)
{
	static const char text[] = "V8\r\nT1\r\nK0\r\nN0\r\nP1\r\nSa@b\r\nRPFD:c@d\r\n"
				   "H??Received: from x\r\n\tby y\r\n.\r\n";
	struct qf_file qf;
	char v[64];
	size_t i;

	(void)state;
	qf_init(&qf);
	parse_text(&qf, text, 0);
	assert_int_equal(qf.outcome, QF_CSQ_NONE);
	(void)qf_span_value(&qf, &qf.sender, v, sizeof(v));
	assert_string_equal(v, "a@b");
	for (i = 0; i < qf.nlines; i++)
		if (qf.lines[i].code == 'H')
			break;
	assert_true(i < qf.nlines);
	assert_true(qf.lines[i].flags & QFL_FOLDED);
	assert_true(qf.lines[i].flags & QFL_CR);
	assert_int_equal(qf_line_value(&qf, i, v, sizeof(v)), 24);
	assert_string_equal(v, "??Received: from x\n\tby y");
	/* Cut to fit, NUL-terminated, full length returned. */
	assert_int_equal(qf_line_value(&qf, i, v, 5), 24);
	assert_string_equal(v, "??Re");
	qf_free(&qf);
}

static void
test_headers(void **state)
{
	static const char text[] = HEAD ENV RCPT HDRS "HOld: style\n"
				   "H?${if_addr}?X-If:  two spaces\n"
				   "H??Bad header\n" TERM;
	struct qf_header h;
	struct qf_file qf;
	size_t i, found = 0;

	(void)state;
	qf_init(&qf);
	parse_text(&qf, text, 0);
	for (i = 0; i < qf.nlines; i++) {
		if (!qf_header(&qf, i, &h)) {
			assert_true(qf.lines[i].code != 'H' ||
			    qf.lines[i].lineno == 17);
			continue;
		}
		found++;
		switch (qf.lines[i].lineno) {
		case 10:
			assert_int_equal(h.cond_len, 1);
			assert_memory_equal(h.cond, "P", 1);
			assert_int_equal(h.name_len, 11);
			assert_memory_equal(h.name, "Return-Path", 11);
			assert_int_equal(h.value_len, 5);
			assert_memory_equal(h.value, " <\x81g>", 5);
			break;
		case 11:
			assert_int_equal(h.cond_len, 0);
			assert_non_null(h.cond);
			assert_memory_equal(h.name, "Received", 8);
			/* Continuation lines belong to the value. */
			assert_int_equal(h.value_len,
			    strlen(" (from root@localhost)\n\tby vm "
				   "(8.17.1.9/8.17.1.9) id 6AN5RExD003747;\n"
				   "\tMon, 23 Nov 2026 05:27:14 GMT"));
			break;
		case 15:
			assert_null(h.cond);
			assert_memory_equal(h.name, "Old", 3);
			assert_int_equal(h.value_len, 6);
			break;
		case 16:
			assert_int_equal(h.cond_len, 10);
			assert_memory_equal(h.cond, "${if_addr}", 10);
			assert_int_equal(h.name_len, 4);
			assert_memory_equal(h.value, "  two spaces", 12);
			break;
		default:
			break;
		}
	}
	assert_int_equal(found, 5);
	qf_free(&qf);
}

/* write_out - qf's bytes into a malloc'ed buffer */
static unsigned char *
write_out(const struct qf_file *qf, size_t *n)
{
	unsigned char *out;

	*n = qf_output_size(qf);
	out = malloc(*n + 1);
	assert_non_null(out);
	assert_int_equal(qf_write_buf(qf, out, *n), *n);
	return out;
}

static void
test_set_inode_insert(void **state)
{
	struct qf_file qf;
	struct qerr err;
	unsigned char *out;
	size_t n;
	static const char want[] = HEAD "I254/1/42\n" ENV RCPT HDRS TERM;

	(void)state;
	qf_init(&qf);
	parse_text(&qf, GOOD, 0);
	assert_int_equal(qf_set_inode(&qf, 254, 1, 42, &err), 0);
	out = write_out(&qf, &n);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
	/* A second edit replaces the line just inserted. */
	assert_int_equal(qf_set_inode(&qf, 8, 3, 7, &err), 0);
	free(out);
	out = write_out(&qf, &n);
	assert_int_equal(n, strlen(HEAD "I8/3/7\n" ENV RCPT HDRS TERM));
	assert_memory_equal(out, HEAD "I8/3/7\n" ENV RCPT HDRS TERM, n);
	free(out);
	qf_free(&qf);
}

static void
test_set_inode_replace_and_after_d(void **state)
{
	struct qf_file qf;
	struct qerr err;
	unsigned char *out;
	size_t n;
	static const char with_d[] = HEAD "dq1\n" ENV RCPT HDRS TERM;
	static const char with_i[] = HEAD "I9/9/12345\nB7BIT\n" ENV RCPT HDRS TERM;

	(void)state;
	qf_init(&qf);
	parse_text(&qf, with_d, 0);
	assert_int_equal(qf_set_inode(&qf, 254, 0, 5, &err), 0);
	out = write_out(&qf, &n);
	assert_memory_equal(out, HEAD "dq1\nI254/0/5\n" ENV RCPT HDRS TERM, n);
	free(out);
	parse_text(&qf, with_i, 0);
	assert_int_equal(qf_set_inode(&qf, 254, 0, 5, &err), 0);
	out = write_out(&qf, &n);
	assert_int_equal(n, strlen(HEAD "I254/0/5\nB7BIT\n" ENV RCPT HDRS TERM));
	assert_memory_equal(out, HEAD "I254/0/5\nB7BIT\n" ENV RCPT HDRS TERM, n);
	free(out);
	qf_free(&qf);
}

/* A file whose only line is an unterminated '.' still gets a whole line. */
static void
test_set_inode_before_bare_terminator(void **state)
{
	struct qf_file qf;
	struct qerr err;
	unsigned char *out;
	size_t n;

	(void)state;
	qf_init(&qf);
	parse_text(&qf, ".", 0);
	assert_int_equal(qf_set_inode(&qf, 1, 2, 3, &err), 0);
	out = write_out(&qf, &n);
	assert_int_equal(n, 8);
	assert_memory_equal(out, "I1/2/3\n.", 8);
	free(out);
	qf_free(&qf);
}

static void
test_set_inode_crlf(void **state)
{
	static const char text[] = "V8\r\nT1\r\nK0\r\nN0\r\nP1\r\nSa@b\r\nRPFD:c@d\r\n.\r\n";
	static const char want[] = "V8\r\nT1\r\nK0\r\nN0\r\nP1\r\nI1/2/3\r\nSa@b\r\nRPFD:c@d\r\n.\r\n";
	struct qf_file qf;
	struct qerr err;
	unsigned char *out;
	size_t n;

	(void)state;
	qf_init(&qf);
	parse_text(&qf, text, 0);
	assert_int_equal(qf_set_inode(&qf, 1, 2, 3, &err), 0);
	out = write_out(&qf, &n);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
	free(out);
	qf_free(&qf);
}

static void
test_set_field(void **state)
{
	/* T replaced in place; a missing T goes right after V. */
	static const char bad_t[] = "V8\nTabc\nK0\nN0\nP1\nSa@b\nRPFD:c@d\n.\n";
	static const char want[] = "V8\nT42\nK0\nN0\nP1\nSa@b\nRPFD:c@d\n.\n";
	static const char no_t[] = "V8\nK0\nN0\nP1\nSa@b\nRPFD:c@d\n.\n";
	struct qf_file qf;
	struct qerr err;
	unsigned char *out;
	size_t n;

	(void)state;
	qf_init(&qf);
	parse_text(&qf, bad_t, 0);
	assert_true(qf_has(&qf, QF_D_BAD_TIME));
	assert_int_equal(qf_set_field(&qf, 'T', "42", "V", &err), 0);
	out = write_out(&qf, &n);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
	free(out);
	parse_text(&qf, no_t, 0);
	assert_int_equal(qf_set_field(&qf, 'T', "42", "V", &err), 0);
	out = write_out(&qf, &n);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
	free(out);
	/* A value with a line break would make two lines: refused. */
	parse_text(&qf, no_t, 0);
	assert_int_equal(qf_set_field(&qf, 'T', "4\nRx:y", "V", &err), -1);
	assert_int_equal(err.sys_errno, EINVAL);
	qf_free(&qf);
}

static void
test_use_lf(void **state)
{
	/* CR LF breaks, a folded header, and a lone CR inside a value. */
	static const char text[] = "V8\r\nT1\r\nK0\r\nN0\r\nP1\r\nSa@b\r\n"
	    "RPFD:c@d\r\nH??Subject: a\r\n\tb\rc\r\n.\r\n";
	static const char want[] = "V8\nT1\nK0\nN0\nP1\nSa@b\n"
	    "RPFD:c@d\nH??Subject: a\n\tb\rc\n.\n";
	struct qf_file qf, again;
	struct qerr err;
	unsigned char *out;
	size_t n;

	(void)state;
	qf_init(&qf);
	qf_init(&again);
	parse_text(&qf, text, 0);
	assert_int_equal(qf_use_lf(&qf, &err), 0);
	out = write_out(&qf, &n);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(out, want, n);
	/* sendmail reads both the same: same fields, no new defect. */
	parse_text(&again, (const char *)want, 0);
	assert_int_equal(again.nlines, qf.nlines);
	assert_int_equal(again.ndefects, 0);
	assert_int_equal(again.nrcpt_usable, 1);
	free(out);
	qf_free(&again);
	qf_free(&qf);
}

static void
test_code_known(void **state)
{
	const char *c;

	(void)state;
	for (c = "VTKNPdIBqMF$SZA!CQrRHDEL"; *c != '\0'; c++)
		assert_true(qf_code_known((unsigned char)*c));
	for (c = "XGYx \t.0"; *c != '\0'; c++)
		assert_false(qf_code_known((unsigned char)*c));
	assert_false(qf_code_known(0));
}

static void
test_edits_refused_on_incomplete(void **state)
{
	struct qf_file qf;
	struct qerr err;

	(void)state;
	qf_init(&qf);
	parse_text(&qf, HEAD ENV, 0);
	assert_int_equal(qf_set_inode(&qf, 1, 2, 3, &err), -1);
	assert_int_equal(err.sys_errno, EINVAL);
	assert_int_equal(qf_delete_line(&qf, 0, &err), -1);
	parse_text(&qf, GOOD, 0);
	assert_int_equal(qf_delete_line(&qf, qf.terminator, &err), -1);
	/* No I line can go before a first line that starts with a space. */
	parse_text(&qf, " x\n" GOOD, 0);
	assert_true(qf.terminated);
	assert_int_equal(qf_set_inode(&qf, 1, 2, 3, &err), -1);
	qf_free(&qf);
}

static void
test_delete_line(void **state)
{
	struct qf_file qf;
	struct qerr err;
	unsigned char *out;
	size_t n;

	(void)state;
	qf_init(&qf);
	parse_text(&qf, HEAD "Mold message\n" ENV RCPT HDRS TERM, 0);
	assert_int_equal(qf.lines[5].code, 'M');
	assert_int_equal(qf_delete_line(&qf, 5, &err), 0);
	out = write_out(&qf, &n);
	assert_int_equal(n, strlen(GOOD));
	assert_memory_equal(out, GOOD, n);
	free(out);
	qf_free(&qf);
}

/* failing_sink - a sink that refuses after `budget` calls */
static int
failing_sink(void *arg, const void *data, size_t len)
{
	int *budget = arg;

	(void)data, (void)len;
	return (*budget)-- > 0 ? 0 : -1;
}

static void
test_write_failures(void **state)
{
	struct qf_file qf;
	struct qerr err;
	unsigned char small[10];
	int budget = 0;

	(void)state;
	qf_init(&qf);
	parse_text(&qf, GOOD, 0);
	assert_int_equal(qf_write(&qf, failing_sink, &budget), -1);
	assert_int_equal(qf_write_buf(&qf, small, sizeof(small)), (size_t)-1);
	assert_int_equal(qf_set_inode(&qf, 1, 1, 1, &err), 0);
	budget = 1;
	assert_int_equal(qf_write(&qf, failing_sink, &budget), -1);
	qf_free(&qf);
}

static void
test_too_large(void **state)
{
	struct qf_file qf;
	struct qf_parse_opts o = { 0 };
	struct qerr err;
	unsigned char *big;
	size_t n = (size_t)QF_MAX_LINES + 1, i;

	(void)state;
	qf_init(&qf);
	/* The caller stopped reading at the cap: file_size says more. */
	o.letter = 'q';
	o.file_size = (uint64_t)QF_MAX_BYTES + 1;
	assert_int_equal(qf_parse(&qf, (const unsigned char *)GOOD,
			     strlen(GOOD), &o, &err),
	    0);
	assert_int_equal(qf.outcome, QF_CSQ_UNCHECKED);
	assert_true(qf_has(&qf, QF_D_TOO_LARGE));
	assert_false(qf_complete(&qf));
	assert_int_equal(qf_set_inode(&qf, 1, 1, 1, &err), -1);
	/* More logical lines than the reader keeps. */
	big = malloc(2 * n);
	assert_non_null(big);
	for (i = 0; i < n; i++) {
		big[2 * i] = 'M';
		big[2 * i + 1] = '\n';
	}
	o.file_size = 0;
	assert_int_equal(qf_parse(&qf, big, 2 * n, &o, &err), 0);
	assert_int_equal(qf.outcome, QF_CSQ_UNCHECKED);
	assert_int_equal(qf.ndefects_total, 1);
	assert_true(qf.lines_cap <= (size_t)QF_MAX_LINES);
	free(big);
	qf_free(&qf);
}

/* Many defects: the list is capped, the count and the kinds are exact. */
static void
test_defect_cap(void **state)
{
	char *text;
	size_t i, len = 0;
	struct qf_file qf;

	(void)state;
	text = malloc(100 * 3 + 1);
	assert_non_null(text);
	for (i = 0; i < 100; i++) {
		text[len++] = 'X';
		text[len++] = 'x';
		text[len++] = '\n';
	}
	text[len] = '\0';
	qf_init(&qf);
	parse_text(&qf, text, len);
	assert_int_equal(qf.ndefects, QF_MAX_DEFECTS);
	assert_int_equal(qf.ndefects_total, 101); /* + no-terminator */
	assert_true(qf_has(&qf, QF_D_NO_TERMINATOR));
	assert_int_equal(qf.outcome, QF_CSQ_LOST);
	assert_int_equal(qf.outcome_line, 1);
	free(text);
	qf_free(&qf);
}

/* A qf_file reused for a second file keeps nothing of the first. */
static void
test_reuse(void **state)
{
	struct qf_file qf;

	(void)state;
	qf_init(&qf);
	parse_text(&qf, "Xa\nXb\nV9\n", 0);
	assert_int_equal(qf.outcome, QF_CSQ_LOST);
	parse_text(&qf, GOOD, 0);
	assert_int_equal(qf.outcome, QF_CSQ_NONE);
	assert_int_equal(qf.ndefects, 0);
	assert_int_equal(qf.defect_kinds, 0);
	assert_int_equal(qf.version, 8);
	assert_false(qf.edited);
	qf_free(&qf);
}

static void
test_complete(void **state)
{
	struct qf_file qf;

	(void)state;
	qf_init(&qf);
	parse_text(&qf, GOOD, 0);
	assert_true(qf_complete(&qf));
	parse_text(&qf, HEAD ENV, 0);
	assert_false(qf_complete(&qf));
	parse_text(&qf, GOOD "X\n", 0);
	assert_false(qf_complete(&qf));
	/* Defects sendmail survives do not make a tf incomplete. */
	parse_text(&qf, HEAD "S\n" RCPT HDRS TERM, 0);
	assert_true(qf_complete(&qf));
	qf_free(&qf);
}

/* Every defect kind has a distinct name and a description. */
static void
test_defect_table(void **state)
{
	int a, b;

	(void)state;
	for (a = 0; a < QF_D_NKINDS; a++) {
		const struct qf_defect_info *ia = qf_defect_info(a);

		assert_non_null(ia->name);
		assert_non_null(ia->what);
		assert_non_null(ia->sendmail);
		assert_true(ia->consequence != QF_CSQ_NONE);
		assert_true(ia->consequence != QF_CSQ_NO_BODY);
		for (b = a + 1; b < QF_D_NKINDS; b++)
			assert_string_not_equal(ia->name, qf_defect_info(b)->name);
	}
	assert_true(QF_D_NKINDS <= 64);
}

/* The man page documents every defect kind under its name. */
static void
test_man_page_lists_every_defect(void **state)
{
	static char page[65536];
	char want[128];
	size_t n;
	FILE *f;
	int k;

	(void)state;
	f = fopen("man/mqfsck.8", "re");
	assert_non_null(f);
	n = fread(page, 1, sizeof(page) - 1, f);
	(void)fclose(f);
	page[n] = '\0';
	for (k = 0; k < QF_D_NKINDS; k++) {
		/* The PROBLEMS section: one pass-2 problem per defect. */
		(void)snprintf(want, sizeof(want), "\n.It Sy %s Pq Li 0x02%04x\n",
		    qf_defect_info(k)->name, k + 1);
		if (strstr(page, want) == NULL)
			fail_msg("man/mqfsck.8 lacks %s", want + 1);
	}
}

/* class_of - the timeout class of a qf with these flags, sender and
 * headers, under Debian's P lines */
static enum qf_toc
class_of(const char *flags, const char *sender, const char *hdrs, int *cls,
    bool *warns)
{
	static const struct qf_precedence debian[] = {
		{ "first-class", 0 }, { "special-delivery", 100 },
		{ "list", -30 }, { "bulk", -60 }, { "junk", -100 },
	};
	static char text[2048];
	struct qf_file qf;
	enum qf_toc toc;

	(void)snprintf(text, sizeof(text),
	    "V8\nT1795411634\nK0\nN0\nP30000\nF%s\nS%s\n"
	    "RPFD:bob@example.org\n%s.\n",
	    flags, sender, hdrs);
	qf_init(&qf);
	parse_text(&qf, text, 0);
	toc = qf_timeout_class(&qf, debian, sizeof(debian) / sizeof(debian[0]),
	    cls);
	*warns = qf_warns(&qf, *cls);
	qf_free(&qf);
	return toc;
}

/* The timeout class and delay warnings, as eatheader() and
 * dropenvelope() decide them on every run. */
static void
test_timeout_class(void **state)
{
	int cls;
	bool w;

	(void)state;
	assert_int_equal(class_of("", "alice@example.com", "H??Subject: x\n",
			     &cls, &w), QF_TOC_NORMAL);
	assert_true(w);
	/* Precedence: through the P lines, case-insensitively; the first
	 * header of the name decides; an unknown name is 0. */
	assert_int_equal(class_of("", "a@b", "H??Precedence: BULK\n", &cls, &w),
	    QF_TOC_NONURGENT);
	assert_int_equal(cls, -60);
	assert_false(w);	/* negative precedence: no warning */
	assert_int_equal(class_of("", "a@b",
			     "H??Precedence: special-delivery\n"
			     "H??Precedence: junk\n", &cls, &w),
	    QF_TOC_URGENT);
	assert_int_equal(class_of("", "a@b", "H??Precedence: nosuch\n", &cls, &w),
	    QF_TOC_NORMAL);
	/* Only one leading space is dropped: "  bulk" is no P line's name. */
	assert_int_equal(class_of("", "a@b", "H??Precedence:  bulk\n", &cls, &w),
	    QF_TOC_NORMAL);
	/* A DSN by its Content-Type (comments and quotes as MIME has them). */
	assert_int_equal(class_of("", "a@b",
			     "H??Content-Type: multipart/report (x);\n"
			     "\treport-type=\"delivery-status\"; boundary=z\n",
			     &cls, &w),
	    QF_TOC_DSN);
	assert_int_equal(class_of("", "a@b",
			     "H??Content-Type: multipart/report; "
			     "report-type=disposition-notification\n", &cls, &w),
	    QF_TOC_NORMAL);
	assert_int_equal(class_of("", "a@b",
			     "H??Content-Type: multipart/mixed; "
			     "report-type=delivery-status\n", &cls, &w),
	    QF_TOC_NORMAL);
	/* Priority: overrides; r alone makes a DSN. */
	assert_int_equal(class_of("", "a@b",
			     "H??Precedence: junk\nH??Priority: urgent\n", &cls,
			     &w), QF_TOC_URGENT);
	assert_int_equal(class_of("", "a@b", "H??Priority: Non-Urgent\n", &cls,
			     &w), QF_TOC_NONURGENT);
	assert_true(w);	/* Priority: does not stop warnings; e_class does */
	assert_int_equal(class_of("r", "a@b", "", &cls, &w), QF_TOC_DSN);
	assert_false(w);
	assert_int_equal(class_of("r", "a@b", "H??Priority: odd\n", &cls, &w),
	    QF_TOC_DSN);
	assert_int_equal(class_of("r", "a@b", "H??Priority: normal\n", &cls, &w),
	    QF_TOC_NORMAL);
	/* Warnings: not twice (w), not to <>, owner-*, *-request. */
	(void)class_of("w", "a@b", "", &cls, &w);
	assert_false(w);
	(void)class_of("", "<>", "", &cls, &w);
	assert_false(w);
	(void)class_of("", "Owner-list@b", "", &cls, &w);
	assert_false(w);
	(void)class_of("", "list-REQUEST", "", &cls, &w);
	assert_false(w);
	(void)class_of("", "-request", "", &cls, &w);
	assert_true(w);	/* eight bytes: too short to end in it */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_values_cooked),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_set_inode_insert),
		cmocka_unit_test(test_set_inode_replace_and_after_d),
		cmocka_unit_test(test_set_inode_crlf),
		cmocka_unit_test(test_set_inode_before_bare_terminator),
		cmocka_unit_test(test_set_field),
		cmocka_unit_test(test_use_lf),
		cmocka_unit_test(test_code_known),
		cmocka_unit_test(test_edits_refused_on_incomplete),
		cmocka_unit_test(test_delete_line),
		cmocka_unit_test(test_write_failures),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_defect_cap),
		cmocka_unit_test(test_reuse),
		cmocka_unit_test(test_complete),
		cmocka_unit_test(test_defect_table),
		cmocka_unit_test(test_man_page_lists_every_defect),
		cmocka_unit_test(test_timeout_class),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
