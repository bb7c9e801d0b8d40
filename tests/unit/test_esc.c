/*
 * test_esc.c - printable renderings of untrusted bytes (format/esc.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
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

/* The field form escapes the space too; decoding gives back every byte
 * (but NUL, which no name holds) in either form. */
static void
test_field_and_decode(void **state)
{
	char in[256], out[256 * ESC_MAX + 1], cut[2048];
	size_t i, n;

	(void)state;
	n = esc_field(out, "a b\\c\t\x1b");
	assert_string_equal(out, "a\\x20b\\\\c\\t\\x1b");
	assert_int_equal(n, strlen(out));
	assert_true(esc_decode(out));
	assert_string_equal(out, "a b\\c\t\x1b");
	for (i = 1; i < 256; i++)
		in[i - 1] = (char)i;
	in[255] = '\0';
	(void)esc_field(out, in);
	assert_null(strchr(out, ' '));
	for (i = 0; out[i] != '\0'; i++)
		assert_true(out[i] > 0x20 && out[i] < 0x7f);
	assert_true(esc_decode(out));
	assert_memory_equal(out, in, 256);
	/* The display form decodes as well. */
	(void)esc_str(cut, sizeof(cut), in);
	assert_true(esc_decode(cut));
	assert_memory_equal(cut, in, 256);
	/* What the rule never writes is refused. */
	strcpy(out, "a\\x00b");
	assert_false(esc_decode(out));
	strcpy(out, "a\\q");
	assert_false(esc_decode(out));
	strcpy(out, "a\\x4");
	assert_false(esc_decode(out));
	strcpy(out, "a\x1b");
	assert_false(esc_decode(out));
	strcpy(out, "tail\\");
	assert_false(esc_decode(out));
}

/* esc_text keeps escaped text as it is and escapes what slipped in. */
static void
test_text(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(esc_text(out, sizeof(out), "qf\\x1b[2J: no df"),
	    "qf\\x1b[2J: no df");
	assert_string_equal(esc_text(out, sizeof(out), "raw \x1b]0;x\x07"),
	    "raw \\x1b]0;x\\x07");
}

/* esc_tail keeps the end of what does not fit. */
static void
test_tail(void **state)
{
	char out[10];

	(void)state;
	assert_string_equal(esc_tail(out, sizeof(out), "/a/b/qf1"), "/a/b/qf1");
	/* Exactly fitting: 9 bytes and the NUL, no "...". */
	assert_string_equal(esc_tail(out, sizeof(out), "123456789"), "123456789");
	assert_string_equal(esc_tail(out, sizeof(out), "/var/spool/qf1"),
	    "...ol/qf1");
	/* An escape is kept whole or not at all. */
	assert_string_equal(esc_tail(out, sizeof(out), "/var/sp\x1b/q"),
	    "...\\x1b/q");
	assert_string_equal(esc_tail(out, sizeof(out), "/var/sp\x1bqq/"),
	    "...qq/");
	assert_string_equal(esc_tail(out, 4, "abcdef"), "...");
	assert_string_equal(esc_tail(out, 3, "abcdef"), "");
}

/* read_all - what f holds, as a string */
static void
read_all(FILE *f, char *buf, size_t bufsz)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, bufsz - 1, f);
	buf[n] = '\0';
}

/* JSON: ASCII only, quotes and backslashes quoted, raw bytes by the rule. */
static void
test_json(void **state)
{
	char buf[512];
	FILE *f = tmpfile();

	(void)state;
	assert_non_null(f);
	esc_json(f, "q\"f\\\x1b\xc2\x9b\xc3\xa9 x");
	(void)fputc('|', f);
	esc_json_text(f, "say \"\\x1b\"\x07");
	read_all(f, buf, sizeof(buf));
	assert_string_equal(buf,
	    "\"q\\\"f\\\\\\\\\\\\x1b\\\\xc2\\\\x9b\\\\xc3\\\\xa9 x\"|"
	    "\"say \\\"\\\\x1b\\\"\\u0007\"");
	(void)fclose(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_escapes),
		cmocka_unit_test(test_cut_between_escapes),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_field_and_decode),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_tail),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
