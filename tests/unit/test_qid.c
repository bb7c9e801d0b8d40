/*
 * test_qid.c - queue file names and ids (format/qid.c).
 *
 * Table-driven: names as sendmail 8.17 and its predecessors make them,
 * and the look-alikes a hostile or damaged queue can hold.  The decoded
 * ids are the ones the corpus's stat listings and CASE files explain.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "qid.h"

struct name_case {
	const char *name;
	size_t len;		/* 0: strlen(name) */
	enum qname_class cls;
	char letter;
	const char *id;		/* NULL: no id part */
	enum qid_format fmt;
	bool too_long;
};

static const struct name_case name_cases[] = {
	/* What 8.17 writes. */
	{ "qf6AN5RExD003747", 0, QN_JOB, 'q', "6AN5RExD003747", QID_V812, false },
	{ "df6AN5RExD003747", 0, QN_JOB, 'd', "6AN5RExD003747", QID_V812, false },
	{ "tf6AN5RExD003747", 0, QN_JOB, 't', "6AN5RExD003747", QID_V812, false },
	{ "Tf6AN5RExD003747", 0, QN_JOB, 'T', "6AN5RExD003747", QID_V812, false },
	{ "xf6AN5RExD003747", 0, QN_JOB, 'x', "6AN5RExD003747", QID_V812, false },
	{ "hf6AN5RExD003747", 0, QN_JOB, 'h', "6AN5RExD003747", QID_V812, false },
	{ "Qf6AN5RExD003747", 0, QN_JOB, 'Q', "6AN5RExD003747", QID_V812, false },
	/* A 7-digit PID (Linux pid_max 4194304), and the longest legal id. */
	{ "qf6AN5RExD4194303", 0, QN_JOB, 'q', "6AN5RExD4194303", QID_V812, false },
	{ "qf6AN5RExD0123456789", 0, QN_JOB, 'q', "6AN5RExD0123456789", QID_V812, false },
	/* One byte over MAXQFNAME: gatherq() skips it. */
	{ "qf6AN5RExD01234567890", 0, QN_JOB, 'q', "6AN5RExD01234567890", QID_OTHER, true },
	/* Leap second (y) and the envelope limits. */
	{ "qf6AN5Ryxx003747", 0, QN_JOB, 'q', "6AN5Ryxx003747", QID_V812, false },
	/* Older formats. */
	{ "qff4NBAbc12345", 0, QN_JOB, 'q', "f4NBAbc12345", QID_V810, false },
	{ "qfKAA12345", 0, QN_JOB, 'q', "KAA12345", QID_V87, false },
	{ "dfK~A12345", 0, QN_JOB, 'd', "K~A12345", QID_V87, false },
	{ "qfAA12345", 0, QN_JOB, 'q', "AA12345", QID_V5, false },
	/* Impossible dates and fields: not an id sendmail made. */
	{ "qf61U5RExD003747", 0, QN_JOB, 'q', "61U5RExD003747", QID_OTHER, false }, /* Feb 30 */
	{ "qf6CN5RExD003747", 0, QN_JOB, 'q', "6CN5RExD003747", QID_OTHER, false }, /* month 12 */
	{ "qf6A05RExD003747", 0, QN_JOB, 'q', "6A05RExD003747", QID_OTHER, false }, /* day 0 */
	{ "qf6ANORExD003747", 0, QN_JOB, 'q', "6ANORExD003747", QID_OTHER, false }, /* hour 24 */
	{ "qf6AN5yExD003747", 0, QN_JOB, 'q', "6AN5yExD003747", QID_OTHER, false }, /* minute 60 */
	{ "qf6AN5RExD00374", 0, QN_JOB, 'q', "6AN5RExD00374", QID_OTHER, false },   /* 5-digit PID */
	{ "qf6AN5RExD00374a", 0, QN_JOB, 'q', "6AN5RExD00374a", QID_OTHER, false },
	{ "qfhello", 0, QN_JOB, 'q', "hello", QID_OTHER, false },
	{ "qf", 0, QN_SUBDIR, 0, NULL, QID_NONE, false },
	{ "df", 0, QN_SUBDIR, 0, NULL, QID_NONE, false },
	{ "xf", 0, QN_SUBDIR, 0, NULL, QID_NONE, false },
	{ "hf", 0, QN_JOB, 'h', NULL, QID_NONE, false },
	{ "Qf", 0, QN_JOB, 'Q', NULL, QID_NONE, false },
	/* Obsolete and Debian names. */
	{ "lfAA12345", 0, QN_OBSOLETE, 'l', "AA12345", QID_V5, false },
	{ "nfAA12345", 0, QN_OBSOLETE, 'n', "AA12345", QID_V5, false },
	{ "Df6AN5RExD003747", 0, QN_OBSOLETE, 'D', "6AN5RExD003747", QID_V812, false },
	/* Foreign names. */
	{ ".", 0, QN_DOT, 0, NULL, QID_NONE, false },
	{ "..", 0, QN_DOT, 0, NULL, QID_NONE, false },
	{ "...", 0, QN_FOREIGN, 0, NULL, QID_NONE, false },
	{ ".hoststat", 0, QN_FOREIGN, 0, NULL, QID_NONE, false },
	{ "lost+found", 0, QN_FOREIGN, 0, NULL, QID_NONE, false },
	{ "q1", 0, QN_FOREIGN, 0, NULL, QID_NONE, false },
	{ "af6AN5RExD003747", 0, QN_FOREIGN, 0, NULL, QID_NONE, false },
	{ "QF6AN5RExD003747", 0, QN_FOREIGN, 0, NULL, QID_NONE, false },
	{ "q", 0, QN_FOREIGN, 0, NULL, QID_NONE, false },
	{ "", 0, QN_FOREIGN, 0, NULL, QID_NONE, false },
	/* Control bytes and bytes a file system can hold in a name. */
	{ "qf\n\t\x01", 0, QN_JOB, 'q', "\n\t\x01", QID_OTHER, false },
	{ "qf\xff\xfe", 0, QN_JOB, 'q', "\xff\xfe", QID_OTHER, false },
	/* An embedded NUL (never in a real name, but the classifier must
	 * take any bytes): the length says where the name ends. */
	{ "qf6AN\0RExD003747", 16, QN_JOB, 'q', "6AN\0RExD003747", QID_OTHER, false },
};

static void
test_classify_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = &name_cases[i];
		size_t len = c->len ? c->len : strlen(c->name);
		struct qname qn;

		qname_classify(c->name, len, &qn);
		if (qn.cls != c->cls || qn.letter != c->letter ||
		    qn.id_format != c->fmt || qn.too_long != c->too_long)
			fail_msg("case %zu (%s): class %d letter %d fmt %d long %d",
			    i, c->name, (int)qn.cls, qn.letter,
			    (int)qn.id_format, (int)qn.too_long);
		if (c->id == NULL) {
			assert_null(qn.id);
			assert_int_equal(qn.id_len, 0);
		} else {
			assert_non_null(qn.id);
			assert_int_equal(qn.id_len, len - 2);
			assert_memory_equal(qn.id, c->id, qn.id_len);
			assert_ptr_equal(qn.id, c->name + 2);
		}
	}
}

static void
test_control_letters(void **state)
{
	const char *yes = "qhQtT", *no = "dxlnD\0";
	size_t i;

	(void)state;
	for (i = 0; yes[i] != '\0'; i++)
		assert_true(qname_letter_is_control(yes[i]));
	for (i = 0; i < 6; i++)
		assert_false(qname_letter_is_control(no[i]));
}

/* The worked example of sendmail-queue.md 1.4: 2026-11-23 05:27:14 UTC. */
static void
test_decode_worked_example(void **state)
{
	struct qid_fields f;
	const char *id = "6AN5RExD003747";

	(void)state;
	assert_true(qid_decode(id, strlen(id), &f));
	assert_int_equal(f.year60, 6);
	assert_int_equal(f.mon, 10);
	assert_int_equal(f.mday, 23);
	assert_int_equal(f.hour, 5);
	assert_int_equal(f.min, 27);
	assert_int_equal(f.sec, 14);
	assert_int_equal(f.envelope, 59 * 60 + 13);
	assert_int_equal(f.pid, 3747);
	/* date -u -d '2026-11-23 05:27:14' +%s */
	assert_int_equal(qid_time(&f, (time_t)1795000000), 1795411634);
	/* The year is kept modulo 60: read 29 years later the id still
	 * means 2026, read 31 years later it means 2086. */
	assert_int_equal(qid_time(&f, (time_t)1795411634 + 29LL * 31556952),
	    1795411634);
	assert_int_equal(qid_time(&f, (time_t)1795411634 + 31LL * 31556952),
	    1795411634 + 21915LL * 86400);
}

/* Ids from the corpus whose T lines give the time (05-I-line, 01-queue-only). */
static void
test_decode_matches_T_lines(void **state)
{
	static const struct {
		const char *id;
		long long t;
		int envelope;
		unsigned long long pid;
	} cases[] = {
		{ "6AN5bEkN011665", 1795412234, 46 * 60 + 23, 11665 },
		{ "6AN5birc012641", 1795412265, 53 * 60 + 38, 12641 },
		{ "6AN6HTlg012759", 0, 47 * 60 + 42, 12759 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct qid_fields f;
		long long t;

		assert_true(qid_decode(cases[i].id, strlen(cases[i].id), &f));
		assert_int_equal(f.envelope, cases[i].envelope);
		assert_int_equal(f.pid, cases[i].pid);
		if (cases[i].t == 0)
			continue;
		t = (long long)qid_time(&f, (time_t)cases[i].t);
		/* The id is made a moment before T is taken. */
		assert_true(t <= cases[i].t && cases[i].t - t < 5);
	}
}

static void
test_decode_v810_and_refusals(void **state)
{
	struct qid_fields f;

	(void)state;
	assert_true(qid_decode("f4NBAbc12345", 12, &f));
	assert_int_equal(f.year60, 41);
	assert_int_equal(f.envelope, 38);
	assert_int_equal(f.pid, 12345);
	memset(&f, 0x55, sizeof(f));
	assert_false(qid_decode("KAA12345", 8, &f));
	assert_false(qid_decode("", 0, &f));
	assert_false(qid_decode("6AN5RExD00374", 13, &f));
	/* A refused id leaves the output untouched. */
	assert_int_equal(f.year60, 0x55555555);
}

static void
test_format_names(void **state)
{
	(void)state;
	assert_string_equal(qid_format_name(QID_V812), "8.12+");
	assert_string_equal(qid_format_name(QID_OTHER), "nonstandard");
	assert_string_equal(qid_format_name(QID_NONE), "none");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_table),
		cmocka_unit_test(test_control_letters),
		cmocka_unit_test(test_decode_worked_example),
		cmocka_unit_test(test_decode_matches_T_lines),
		cmocka_unit_test(test_decode_v810_and_refusals),
		cmocka_unit_test(test_format_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
