/*
 * test_inomap.c - the (device, inode) map pass 3 and lost+found ask their
 * inode questions with: first value kept, later ones counted, growth
 * that loses nothing, and keys that differ in one half only kept apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "inomap.h"

static void
test_empty(void **state)
{
	struct inomap m;
	uint32_t n = 7;

	(void)state;
	inomap_init(&m);
	assert_int_equal(inomap_get(&m, 1, 2, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(inomap_get(&m, 1, 2, NULL), 0);
	inomap_free(&m);
}

static void
test_first_value_counted(void **state)
{
	struct inomap m;
	uint32_t n;

	(void)state;
	inomap_init(&m);
	assert_int_equal(inomap_put(&m, 2049, 100, 5), 0);
	assert_int_equal(inomap_put(&m, 2049, 100, 9), 0);
	assert_int_equal(inomap_put(&m, 2049, 100, 11), 0);
	assert_int_equal(inomap_get(&m, 2049, 100, &n), 5);
	assert_int_equal(n, 3);
	assert_int_equal(m.used, 1);
	/* 0 is "none": it cannot be put. */
	assert_int_equal(inomap_put(&m, 1, 1, 0), -1);
	inomap_free(&m);
}

static void
test_halves_apart(void **state)
{
	struct inomap m;

	(void)state;
	inomap_init(&m);
	/* Same inode on two devices, same device with two inodes, and the
	 * two halves exchanged. */
	assert_int_equal(inomap_put(&m, 1, 42, 1), 0);
	assert_int_equal(inomap_put(&m, 2, 42, 2), 0);
	assert_int_equal(inomap_put(&m, 1, 43, 3), 0);
	assert_int_equal(inomap_put(&m, 42, 1, 4), 0);
	assert_int_equal(inomap_get(&m, 1, 42, NULL), 1);
	assert_int_equal(inomap_get(&m, 2, 42, NULL), 2);
	assert_int_equal(inomap_get(&m, 1, 43, NULL), 3);
	assert_int_equal(inomap_get(&m, 42, 1, NULL), 4);
	assert_int_equal(inomap_get(&m, 2, 43, NULL), 0);
	inomap_free(&m);
}

static void
test_growth_keeps_all(void **state)
{
	struct inomap m;
	uint64_t i;
	uint32_t n;

	(void)state;
	inomap_init(&m);
	for (i = 1; i <= 100000; i++)
		assert_int_equal(inomap_put(&m, i % 7, i * 4096, (uint32_t)i), 0);
	assert_int_equal(m.used, 100000);
	assert_true(m.used * 2 <= m.cap);
	for (i = 1; i <= 100000; i++) {
		assert_int_equal(inomap_get(&m, i % 7, i * 4096, &n), (uint32_t)i);
		assert_int_equal(n, 1);
	}
	assert_int_equal(inomap_get(&m, 0, 4096, NULL), 0);
	/* Reused after free. */
	inomap_free(&m);
	assert_int_equal(inomap_put(&m, UINT64_MAX, UINT64_MAX, 1), 0);
	assert_int_equal(inomap_get(&m, UINT64_MAX, UINT64_MAX, NULL), 1);
	inomap_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_first_value_counted),
		cmocka_unit_test(test_halves_apart),
		cmocka_unit_test(test_growth_keeps_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
