/*
 * test_esc.c - printable renderings of untrusted bytes (format/esc.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "esc.h"

static void
test_plain_and_escapes(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(esc_str(out, sizeof(out), "qf6AN5RExD003747"),
	    "qf6AN5RExD003747");
	assert_string_equal(esc_str(out, sizeof(out), "a b\\c"), "a b\\\\c");
	assert_string_equal(esc_str(out, sizeof(out), "\t\n\r"), "\\t\\n\\r");
	assert_string_equal(esc_bytes(out, sizeof(out), "q\0f\x1b[2J\xff", 8),
	    "q\\x00f\\x1b[2J\\xff");
	assert_string_equal(esc_bytes(out, sizeof(out), "", 0), "");
}

static void
test_cut_between_escapes(void **state)
{
	char out[8];
	size_t n;

	(void)state;
	/* 7 usable bytes: 4 of text and "..." */
	assert_string_equal(esc_str(out, sizeof(out), "abcdefghij"), "abcd...");
	/* An escape never gets cut in half. */
	assert_string_equal(esc_str(out, sizeof(out), "a\x01\x02\x03"), "a...");
	/* Exactly fitting input gets no "...". */
	assert_string_equal(esc_str(out, sizeof(out), "abcdefg"), "abcdefg");
	n = strlen(esc_str(out, 4, "abcdef"));
	assert_int_equal(n, 3);
	assert_string_equal(out, "...");
	assert_string_equal(esc_str(out, 3, "abcdef"), "");
	assert_string_equal(esc_str(out, 3, "ab"), "ab");
	out[0] = 'x';
	(void)esc_str(out, 0, "abc");
	assert_int_equal(out[0], 'x');
}

/* Any byte value comes out as printable ASCII without a NUL inside. */
static void
test_every_byte(void **state)
{
	unsigned char in[256];
	char out[1100];
	size_t i, n;

	(void)state;
	for (i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	(void)esc_bytes(out, sizeof(out), in, sizeof(in));
	n = strlen(out);
	assert_true(n > 256);
	for (i = 0; i < n; i++)
		assert_true(out[i] >= 0x20 && out[i] < 0x7f);
	assert_null(strstr(out, "..."));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_escapes),
		cmocka_unit_test(test_cut_between_escapes),
		cmocka_unit_test(test_every_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
