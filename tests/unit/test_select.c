/*
 * test_select.c - the selection of problems and jobs (fsck/select.c):
 * codes by name and number, --only with --skip, queue ids checked,
 * sorted and deduplicated, IDs read as postsuper(1) reads them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "select.h"

static void
test_codes(void **state)
{
	struct selection sel;

	(void)state;
	memset(&sel, 0, sizeof(sel));
	/* Nothing given: everything. */
	assert_true(select_problem(&sel, PR_3_ORPHAN_DF, NULL, 0));
	assert_int_equal(select_code(&sel, "orphan-df", true), 0);
	assert_int_equal(select_code(&sel, "0x030001", true), 0);
	assert_int_equal(select_code(&sel, "030010", true), 0);
	assert_int_equal(select_code(&sel, "no-such", true), -1);
	assert_int_equal(select_code(&sel, "0x", true), -1);
	assert_int_equal(select_code(&sel, "999999", false), -1);
	assert_int_equal(select_code(&sel, "", false), -1);
	assert_true(select_problem(&sel, PR_3_ORPHAN_DF, NULL, 0));
	assert_true(select_problem(&sel, PR_3_NO_DF, NULL, 0));
	assert_true(select_problem(&sel, PR_3_EXPIRED, NULL, 0));
	assert_false(select_problem(&sel, PR_3_TF_EMPTY, NULL, 0));
	/* --skip wins over --only. */
	assert_int_equal(select_code(&sel, "no-df", false), 0);
	assert_false(select_problem(&sel, PR_3_NO_DF, NULL, 0));
	select_free(&sel);
}

static void
test_jobs(void **state)
{
	struct selection sel;

	(void)state;
	memset(&sel, 0, sizeof(sel));
	assert_int_equal(select_job(&sel, "6AN5aaaa000006"), 0);
	assert_int_equal(select_job(&sel, "6AN5aaaa000002"), 0);
	assert_int_equal(select_job(&sel, "6AN5aaaa000006"), 0);
	assert_int_equal(select_job(&sel, "../etc"), -1);
	assert_int_equal(select_job(&sel, ""), -1);
	assert_int_equal(select_job(&sel, "a b"), -1);
	assert_int_equal(select_job(&sel, "0123456789012345678"), -1);
	select_done(&sel);
	assert_int_equal(sel.nids, 2);
	assert_true(select_has_job(&sel, "6AN5aaaa000002", 14));
	assert_true(select_has_job(&sel, "6AN5aaaa000006xyz", 14));
	assert_false(select_has_job(&sel, "6AN5aaaa00000", 13));
	assert_false(select_has_job(&sel, "6AN5aaaa0000066", 15));
	/* Bytes after a NUL are not read past the id's length. */
	assert_false(select_has_job(&sel, "6AN5aaaa000002\0x", 16));
	/* A job not named is out; a finding about no job is in. */
	assert_true(select_problem(&sel, PR_3_ORPHAN_DF, "6AN5aaaa000006", 14));
	assert_false(select_problem(&sel, PR_3_ORPHAN_DF, "6AN5aaaa000007", 14));
	assert_true(select_problem(&sel, PR_0_QDIR_MODE, NULL, 0));
	assert_true(select_wants_job(&sel, "6AN5aaaa000006", 14));
	assert_false(select_wants_job(&sel, "6AN5aaaa000007", 14));
	select_free(&sel);
	/* Without --job, every job. */
	memset(&sel, 0, sizeof(sel));
	select_done(&sel);
	assert_true(select_wants_job(&sel, "6AN5aaaa000007", 14));
	select_free(&sel);
}

/* ids_from - select_jobs_from() of a string */
static int
ids_from(struct selection *sel, const char *text, size_t max,
    unsigned long *bad)
{
	FILE *f = tmpfile();
	int rc;

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0 || text[0] == '\0', 1);
	rewind(f);
	rc = select_jobs_from(sel, f, max, bad);
	(void)fclose(f);
	return rc;
}

static void
test_ids_from_stdin(void **state)
{
	struct selection sel;
	unsigned long bad;
	char longline[400];

	(void)state;
	memset(&sel, 0, sizeof(sel));
	assert_int_equal(ids_from(&sel, " a1 \n\n\tb2\r\nc3", 10, &bad), 0);
	select_done(&sel);
	assert_int_equal(sel.nids, 3);
	assert_true(select_has_job(&sel, "c3", 2));
	select_free(&sel);
	/* An empty list selects no job at all. */
	memset(&sel, 0, sizeof(sel));
	assert_int_equal(ids_from(&sel, "", 10, &bad), 0);
	assert_true(sel.jobs_given);
	assert_false(select_problem(&sel, PR_3_NO_DF, "a1", 2));
	select_free(&sel);
	memset(&sel, 0, sizeof(sel));
	assert_int_equal(ids_from(&sel, "a1\nb2 c3\n", 10, &bad), -1);
	assert_int_equal(bad, 2);
	select_free(&sel);
	memset(&sel, 0, sizeof(sel));
	assert_int_equal(ids_from(&sel, "a1\nb2\nc3\n", 2, &bad), -1);
	assert_int_equal(bad, 0);
	select_free(&sel);
	memset(&sel, 0, sizeof(sel));
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	assert_int_equal(ids_from(&sel, longline, 10, &bad), -1);
	assert_int_equal(bad, 1);
	select_free(&sel);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_jobs),
		cmocka_unit_test(test_ids_from_stdin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
