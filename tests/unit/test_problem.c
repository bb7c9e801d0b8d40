/*
 * test_problem.c - the problem table (model/problems.def) keeps its
 * promises: codes sorted and unique, names unique and stable in form,
 * pass 2 exactly the reader's defects, flags that make sense together,
 * templates that use only fields pr_expand() knows; and messages escape
 * what comes from the queue.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "fsck.h"
#include "problem.h"
#include "qf.h"

static void
test_codes_sorted_unique(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < PR_COUNT; i++) {
		const struct problem *p = problem_get((enum problem_id)i);
		const char *c;

		assert_int_equal(p->id, i);
		if (i > 0)
			assert_true(problem_get((enum problem_id)(i - 1))->code <
			    p->code);
		assert_true((p->code >> 16) <= 4);
		assert_true((p->code & 0xffff) != 0);
		assert_true(strlen(p->name) > 0);
		for (c = p->name; *c != '\0'; c++)
			assert_true((*c >= 'a' && *c <= 'z') ||
			    (*c >= '0' && *c <= '9') || *c == '-');
		for (j = i + 1; j < PR_COUNT; j++)
			assert_string_not_equal(p->name,
			    problem_get((enum problem_id)j)->name);
	}
}

/* Pass 2 is the reader's defect table, one for one. */
static void
test_pass2_is_the_reader(void **state)
{
	int k, n = 0, i;

	(void)state;
	for (k = 0; k < QF_D_NKINDS; k++) {
		const struct problem *p =
		    problem_get((enum problem_id)(PR_2_EMPTY + k));

		assert_int_equal(p->code, 0x020001u + (unsigned)k);
		assert_string_equal(p->name, qf_defect_info(k)->name);
		assert_null(p->tmpl);
	}
	for (i = 0; i < PR_COUNT; i++)
		if ((problem_get((enum problem_id)i)->code >> 16) == 2)
			n++;
	assert_int_equal(n, QF_D_NKINDS);
}

static void
test_flags_consistent(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < PR_COUNT; i++) {
		const struct problem *p = problem_get((enum problem_id)i);

		if (p->flags & PRF_NO_FIX) {
			assert_int_equal(p->fix, FIX_NONE);
			assert_false(p->flags & (PRF_NOTICE | PRF_PREEN_OK));
		}
		if (p->fix == FIX_NONE)
			assert_true(p->flags & (PRF_NOTICE | PRF_NO_FIX));
		if (p->flags & PRF_PREEN_OK)
			assert_true(p->fix != FIX_NONE);
		if (p->flags & PRF_VERBOSE)
			assert_true(p->flags & PRF_NOTICE);
		/* A fix that removes, renames or rewrites mail archives it
		 * first; the others (owner, mode, a move keeping the name)
		 * are only recorded: the flag says which, for the manual. */
		assert_int_equal((p->flags & PRF_DESTRUCTIVE) != 0,
		    p->fix == FIX_ARCHIVE_REMOVE || p->fix == FIX_MAKE_INERT ||
			p->fix == FIX_KEEP_NEWER || p->fix == FIX_RESOLVE_TF ||
			p->fix == FIX_PROMOTE || p->fix == FIX_MOVE_OUT ||
			p->fix == FIX_REWRITE_I || p->fix == FIX_QUARANTINE ||
			p->fix == FIX_REWRITE);
		assert_non_null(fix_name(p->fix));
	}
}

static void
test_templates_known_fields(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < PR_COUNT; i++) {
		const char *t = problem_get((enum problem_id)i)->tmpl;

		for (; t != NULL && *t != '\0'; t++) {
			if (*t != '%')
				continue;
			t++;
			assert_non_null(strchr("afilnNoOtsSuU%", *t));
		}
	}
}

static void
test_durations(void **state)
{
	char b[32];

	(void)state;
	fmt_duration(45, b, sizeof(b));
	assert_string_equal(b, "45 s");
	fmt_duration(600, b, sizeof(b));
	assert_string_equal(b, "10 min");
	fmt_duration(7200, b, sizeof(b));
	assert_string_equal(b, "2 h");
	fmt_duration(872515, b, sizeof(b));
	assert_string_equal(b, "10 d 2 h");
	fmt_duration(-45, b, sizeof(b));
	assert_string_equal(b, "45 s");
}

/* Names from the queue reach the message escaped. */
static void
test_expand_escapes(void **state)
{
	struct fsck_ctx ctx;
	struct pctx pc;
	char msg[512];

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	pctx_init(&pc);
	pc.file = "qf\033[2J\nforged";
	pr_expand(&ctx, PR_1_SYMLINK, &pc, msg, sizeof(msg));
	assert_non_null(strstr(msg, "qf\\x1b[2J\\nforged is a symbolic link"));
	assert_null(strchr(msg, '\033'));
	assert_null(strchr(msg, '\n'));
	pctx_init(&pc);
	pc.file = "df1";
	pc.num = 0644;
	pc.num2 = 0640;
	pc.str = "others can read the message";
	pr_expand(&ctx, PR_1_MODE, &pc, msg, sizeof(msg));
	assert_string_equal(msg,
	    "df1 has mode 0644, expected 0640: others can read the message");
	/* Pass 2: the reader's words, with the line. */
	pctx_init(&pc);
	pc.file = "qf1";
	pc.line = 6;
	pc.qf_defect = QF_D_BAD_CODE;
	pc.letter = 'q';
	pr_expand(&ctx, PR_2_BAD_CODE, &pc, msg, sizeof(msg));
	assert_non_null(strstr(msg, "qf1 line 6: line with an unknown code"));
	assert_non_null(strstr(msg, "sendmail: \"bad line\""));
	/* %a: the advice, escaped like every other field. */
	pctx_init(&pc);
	pc.str = "/srv";
	pc.str2 = "world";
	pc.num = 0777;
	pc.advice = "run \"chmod go-w /srv\x07\"";
	pr_expand(&ctx, PR_0_PATH_WRITABLE, &pc, msg, sizeof(msg));
	assert_string_equal(msg,
	    "/srv is world-writable (mode 0777): others can replace the queue "
	    "under sendmail; run \"chmod go-w /srv\\x07\"");
}

/* A message never overruns its buffer. */
static void
test_expand_cut(void **state)
{
	struct fsck_ctx ctx;
	struct pctx pc;
	char msg[16];

	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	pctx_init(&pc);
	pc.file = "qf6AN5RExD003747";
	pr_expand(&ctx, PR_3_NO_DF, &pc, msg, sizeof(msg));
	assert_int_equal(strlen(msg), sizeof(msg) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codes_sorted_unique),
		cmocka_unit_test(test_pass2_is_the_reader),
		cmocka_unit_test(test_flags_consistent),
		cmocka_unit_test(test_templates_known_fields),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_expand_escapes),
		cmocka_unit_test(test_expand_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
