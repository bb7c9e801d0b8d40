/*
 * test_plan.c - the plan of fixes the passes hand to the repair: what a
 * fix keeps (its id, message, operations), an operation two fixes of one
 * job share made once, two rewrites of one control file merged into one,
 * a job removed making its earlier fixes moot, the order fixes are
 * applied in, a plan that ran out of room refusing more, and the
 * operations a problem's fix kind may plan (plan_fix_allows()).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "plan.h"

/* an operation of kind on file `name` of the top of queue 0 */
static struct plan_op
op_on(struct plan *p, enum op_kind kind, const char *name)
{
	struct plan_op op;
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_dev = 8;
	st.st_ino = 1000 + (ino_t)strlen(name);
	st.st_mode = S_IFREG | 0600;
	plan_op_init(&op, kind);
	plan_file_set(p, &op.src, 0, 3, name, &st);
	return op;
}

static void
test_arena(void **state)
{
	struct plan p;
	uint32_t off, off2;
	int i;

	(void)state;
	plan_init(&p);
	assert_string_equal(plan_str(&p, 0), "");
	off = plan_intern(&p, "qfAB12345678xyz", 12);
	assert_int_not_equal(off, 0);
	assert_string_equal(plan_str(&p, off), "qfAB12345678");
	/* A string of the arena interned again while the arena grows (the
	 * archive step records plan_str() names): still read right. */
	for (i = 0; i < 2000; i++) {
		off2 = plan_intern(&p, plan_str(&p, off), strlen(plan_str(&p, off)));
		assert_int_not_equal(off2, 0);
		assert_string_equal(plan_str(&p, off2), "qfAB12345678");
	}
	plan_free(&p);
	/* A freed plan is empty and can be used again. */
	assert_int_equal(p.nfixes, 0);
	assert_string_equal(plan_str(&p, 0), "");
	plan_free(&p);
}

static void
test_fix_keeps_what_it_was_given(void **state)
{
	struct plan p;
	struct plan_op ops[2];
	long i;

	(void)state;
	plan_init(&p);
	ops[0] = op_on(&p, OP_REMOVE, "dfAB12345678");
	ops[1] = op_on(&p, OP_REMOVE_JOB, "qfAB12345678");
	ops[1].mode = 0600;
	i = plan_add(&p, PR_3_ORPHAN_DF, 7, 2, "AB12345678", 10,
	    "the message", ops, 2);
	assert_int_equal(i, 0);
	assert_int_equal(p.nfixes, 1);
	assert_int_equal(p.fixes[0].id, PR_3_ORPHAN_DF);
	assert_int_equal(p.fixes[0].job, 7);
	assert_int_equal(p.fixes[0].qdir, 2);
	assert_int_equal(p.fixes[0].nops, 2);
	assert_int_equal(p.fixes[0].result, FIXR_PENDING);
	assert_string_equal(plan_str(&p, p.fixes[0].idtext), "AB12345678");
	assert_string_equal(plan_str(&p, p.fixes[0].msg), "the message");
	assert_string_equal(plan_str(&p, p.ops[p.fixes[0].first_op].src.name),
	    "dfAB12345678");
	assert_int_equal(p.ops[p.fixes[0].first_op].src.type, S_IFREG);
	assert_int_equal(p.ops[p.fixes[0].first_op + 1].mode, 0600);
	/* No id, no message. */
	i = plan_add(&p, PR_3_ORPHAN_DF, 0, 0, NULL, 0, NULL, ops, 1);
	assert_int_equal(i, 1);
	assert_int_equal(p.fixes[1].idtext, 0);
	assert_int_equal(p.fixes[1].msg, 0);
	plan_set_result(&p, 1, FIXR_FIXED, "removed");
	assert_int_equal(p.fixes[1].result, FIXR_FIXED);
	assert_string_equal(plan_str(&p, p.fixes[1].what), "removed");
	/* Out of range: nothing happens. */
	plan_set_result(&p, 99, FIXR_FIXED, "x");
	plan_free(&p);
}

static void
test_same_operation_once_per_job(void **state)
{
	struct plan p;
	struct plan_op op, other;

	(void)state;
	plan_init(&p);
	op = op_on(&p, OP_REMOVE, "xfAB12345678");
	assert_int_equal(plan_add(&p, PR_3_ORPHAN_DF, 5, 0, NULL, 0, NULL, &op, 1), 0);
	/* The same removal for the same job: covered, no operation. */
	assert_int_equal(plan_add(&p, PR_3_XF_STALE, 5, 0, NULL, 0, NULL, &op, 1), 1);
	assert_int_equal(p.fixes[1].nops, 0);
	assert_int_equal(p.fixes[1].result, FIXR_COVERED);
	/* For another job it is its own. */
	assert_int_equal(plan_add(&p, PR_3_ORPHAN_DF, 6, 0, NULL, 0, NULL, &op, 1), 2);
	assert_int_equal(p.fixes[2].nops, 1);
	/* Without a job nothing is shared. */
	assert_int_equal(plan_add(&p, PR_3_ORPHAN_DF, 0, 0, NULL, 0, NULL, &op, 1), 3);
	assert_int_equal(plan_add(&p, PR_3_ORPHAN_DF, 0, 0, NULL, 0, NULL, &op, 1), 4);
	assert_int_equal(p.fixes[4].nops, 1);
	/* Two mode changes of one file to different modes are two. */
	op = op_on(&p, OP_OWNER_MODE, "qfAB12345678");
	op.mode = 0600;
	other = op;
	other.mode = 0640;
	assert_int_equal(plan_add(&p, PR_1_OWNER, 5, 0, NULL, 0, NULL, &op, 1), 5);
	assert_int_equal(plan_add(&p, PR_1_OWNER, 5, 0, NULL, 0, NULL, &other, 1), 6);
	assert_int_equal(p.fixes[6].nops, 1);
	assert_int_equal(plan_add(&p, PR_1_OWNER, 5, 0, NULL, 0, NULL, &other, 1), 7);
	assert_int_equal(p.fixes[7].result, FIXR_COVERED);
	plan_free(&p);
}

static void
test_rewrites_merge(void **state)
{
	struct plan p;
	struct plan_op ri, rw;
	struct plan_op *first;

	(void)state;
	plan_init(&p);
	ri = op_on(&p, OP_REWRITE_I, "qfAB12345678");
	ri.dst = op_on(&p, OP_REMOVE, "dfAB12345678").src;
	rw = op_on(&p, OP_REWRITE, "qfAB12345678");
	assert_int_equal(plan_add(&p, PR_2_BAD_TIME, 3, 0, NULL, 0, NULL, &rw, 1), 0);
	assert_int_equal(plan_add(&p, PR_2_BAD_INODE, 3, 0, NULL, 0, NULL, &ri, 1), 1);
	/* One rewrite that does both: the file is replaced only once. */
	assert_int_equal(p.fixes[1].result, FIXR_COVERED);
	first = &p.ops[p.fixes[0].first_op];
	assert_int_equal(first->kind, OP_REWRITE);
	assert_true((first->flags & OPF_SET_INODE) != 0);
	assert_string_equal(plan_str(&p, first->dst.name), "dfAB12345678");
	plan_free(&p);

	/* The other way round: the I-line rewrite becomes a full one. */
	plan_init(&p);
	ri = op_on(&p, OP_REWRITE_I, "qfAB12345678");
	ri.dst = op_on(&p, OP_REMOVE, "dfAB12345678").src;
	rw = op_on(&p, OP_REWRITE, "qfAB12345678");
	assert_int_equal(plan_add(&p, PR_2_BAD_INODE, 3, 0, NULL, 0, NULL, &ri, 1), 0);
	assert_int_equal(plan_add(&p, PR_2_BAD_TIME, 3, 0, NULL, 0, NULL, &rw, 1), 1);
	first = &p.ops[p.fixes[0].first_op];
	assert_int_equal(first->kind, OP_REWRITE);
	assert_true((first->flags & OPF_SET_INODE) != 0);
	assert_string_equal(plan_str(&p, first->dst.name), "dfAB12345678");
	plan_free(&p);
}

static void
test_job_removed_covers_the_rest(void **state)
{
	struct plan p;
	struct plan_op op;

	(void)state;
	plan_init(&p);
	op = op_on(&p, OP_OWNER_MODE, "qfAB12345678");
	op.mode = 0600;
	assert_false(plan_job_disposed(&p, 9));
	assert_int_equal(plan_add(&p, PR_1_OWNER, 9, 0, NULL, 0, NULL, &op, 1), 0);
	assert_false(plan_job_disposed(&p, 9));
	op = op_on(&p, OP_REMOVE_JOB, "qfAB12345678");
	assert_int_equal(plan_add(&p, PR_2_EMPTY, 9, 0, NULL, 0, NULL, &op, 1), 1);
	assert_true(plan_job_disposed(&p, 9));
	assert_int_equal(p.fixes[0].result, FIXR_COVERED);
	assert_string_equal(plan_str(&p, p.fixes[0].what),
	    "the whole job is removed (below)");
	assert_int_equal(p.fixes[1].result, FIXR_PENDING);
	/* Anything planned later for the job is covered by the removal. */
	op = op_on(&p, OP_REMOVE, "dfAB12345678");
	assert_int_equal(plan_add(&p, PR_3_ORPHAN_DF, 9, 0, NULL, 0, NULL, &op, 1), 2);
	assert_int_equal(p.fixes[2].result, FIXR_COVERED);
	/* Another job is untouched. */
	assert_false(plan_job_disposed(&p, 10));
	assert_false(plan_job_disposed(&p, 0));
	plan_free(&p);
}

static void
test_inert_to_remove(void **state)
{
	struct plan p;
	struct plan_op op;

	(void)state;
	plan_init(&p);
	op = op_on(&p, OP_INERT, "qfAB12345678");
	assert_false(plan_inert_to_remove(&p, 4, "qfAB12345678"));
	assert_int_equal(plan_add(&p, PR_3_NO_DF, 4, 0, NULL, 0, NULL, &op, 1), 0);
	assert_true(plan_job_disposed(&p, 4));
	assert_false(plan_inert_to_remove(&p, 4, "hfAB12345678"));
	assert_false(plan_inert_to_remove(&p, 5, "qfAB12345678"));
	assert_true(plan_inert_to_remove(&p, 4, "qfAB12345678"));
	assert_int_equal(p.ops[p.fixes[0].first_op].kind, OP_REMOVE);
	/* Once a removal it is no longer an inert rename. */
	assert_false(plan_inert_to_remove(&p, 4, "qfAB12345678"));
	plan_free(&p);
}

static void
test_order(void **state)
{
	struct plan p;
	struct plan_op rm, mode, job;
	/* job 1 is applied after job 2 */
	const uint32_t rank[3] = { 0, 2, 1 };
	uint32_t *order;

	(void)state;
	plan_init(&p);
	rm = op_on(&p, OP_REMOVE, "dfAB12345678");
	mode = op_on(&p, OP_OWNER_MODE, "qfAB12345678");
	mode.mode = 0600;
	job = op_on(&p, OP_DIR_OWNER_MODE, ".");
	job.mode = 0700;
	assert_int_equal(plan_add(&p, PR_3_ORPHAN_DF, 1, 0, NULL, 0, NULL, &rm, 1), 0);
	assert_int_equal(plan_add(&p, PR_1_OWNER, 1, 0, NULL, 0, NULL, &mode, 1), 1);
	assert_int_equal(plan_add(&p, PR_3_ORPHAN_DF, 2, 0, NULL, 0, NULL, &rm, 1), 2);
	assert_int_equal(plan_add(&p, PR_0_QDIR_MODE, 0, 0, NULL, 0, NULL, &job, 1), 3);
	assert_int_equal(plan_add(&p, PR_1_OWNER, 0, 0, NULL, 0, NULL, &mode, 1), 4);
	order = plan_order(&p, rank);
	assert_non_null(order);
	/* No job first (by kind, then as decided), then job 2, then job 1
	 * with its owner change before its removal. */
	assert_int_equal(order[0], 4);
	assert_int_equal(order[1], 3);
	assert_int_equal(order[2], 2);
	assert_int_equal(order[3], 1);
	assert_int_equal(order[4], 0);
	free(order);
	plan_free(&p);
}

static void
test_too_many_operations_fail(void **state)
{
	struct plan p;
	struct plan_op ops[65];
	size_t k;

	(void)state;
	plan_init(&p);
	for (k = 0; k < 65; k++)
		ops[k] = op_on(&p, OP_REMOVE, "dfAB12345678");
	assert_int_equal(plan_add(&p, PR_3_ORPHAN_DF, 1, 0, NULL, 0, NULL, ops, 65), -1);
	assert_true(p.failed);
	/* A failed plan takes nothing more: it is incomplete. */
	assert_int_equal(plan_add(&p, PR_3_ORPHAN_DF, 1, 0, NULL, 0, NULL, ops, 1), -1);
	assert_int_equal(p.nfixes, 0);
	plan_free(&p);
}

static void
test_fix_kind_bounds_operations(void **state)
{
	struct plan p;
	struct plan_op op;
	int fix;

	(void)state;
	plan_init(&p);
	/* An orphan df is removed, never exchanged or rewritten. */
	op = op_on(&p, OP_EXCHANGE, "dfAB12345678");
	assert_int_equal(plan_add(&p, PR_3_ORPHAN_DF, 1, 0, NULL, 0, NULL, &op, 1),
	    PLAN_NOT_ALLOWED);
	op = op_on(&p, OP_REWRITE, "qfAB12345678");
	assert_int_equal(plan_add(&p, PR_3_ORPHAN_DF, 1, 0, NULL, 0, NULL, &op, 1),
	    PLAN_NOT_ALLOWED);
	/* A problem with no fix plans nothing at all. */
	op = op_on(&p, OP_REMOVE, "dfAB12345678");
	assert_int_equal(plan_add(&p, PR_0_PATH_SYMLINK, 1, 0, NULL, 0, NULL, &op, 1),
	    PLAN_NOT_ALLOWED);
	/* Refused whole, and the plan is not marked failed. */
	assert_int_equal(p.nfixes, 0);
	assert_int_equal(p.nops, 0);
	assert_false(p.failed);
	assert_int_equal(plan_add(&p, PR_3_ORPHAN_DF, 1, 0, NULL, 0, NULL, &op, 1), 0);
	/* Every fix kind but none may make something; none makes nothing. */
	for (fix = 0; fix < FIX_NKINDS; fix++) {
		int k, n = 0;

		for (k = 0; k < OP_NKINDS; k++)
			n += plan_fix_allows((enum fix_kind)fix, (enum op_kind)k);
		if (fix == FIX_NONE)
			assert_int_equal(n, 0);
		else
			assert_true(n > 0);
	}
	assert_false(plan_fix_allows(FIX_NKINDS, OP_REMOVE));
	assert_false(plan_fix_allows(FIX_MOVE, OP_NKINDS));
	plan_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_fix_keeps_what_it_was_given),
		cmocka_unit_test(test_same_operation_once_per_job),
		cmocka_unit_test(test_rewrites_merge),
		cmocka_unit_test(test_job_removed_covers_the_rest),
		cmocka_unit_test(test_inert_to_remove),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_too_many_operations_fail),
		cmocka_unit_test(test_fix_kind_bounds_operations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
