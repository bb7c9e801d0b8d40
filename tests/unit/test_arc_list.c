/*
 * test_arc_list.c - the archive a repair writes before it changes
 * anything: listing (repair/arc_list.c): every record with its digest checked, human and JSON, hostile special entries shown escaped.
 *
 * The scratch queue and helpers are arc_fixture.c's.
 */
/* O_TMPFILE, to know what sio_tmp_create() will do here. */
#define _GNU_SOURCE 1

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "scratch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "arc_fixture.h"

/* ------------------------------------------------------------------ */
/* Listing */

static void
test_list(void **state)
{
	struct scratch *sc = *state;
	char name[NAME_BUF], line[2 * PATH_MAX], hex[ARC_SHA256_HEX + 1];
	struct sio_writer *w;
	unsigned char *p;
	struct qerr err;
	char *text;
	size_t i;
	int fd;

	populate(sc);
	w = sio_writer_new(&err);
	assert_non_null(w);
	assert_int_equal(make_archive(sc, w, true, name, sizeof(name)), 0);
	sio_writer_free(w);
	fd = open_archive(sc, name);

	assert_int_equal(run_list(fd, false, &text, &err), 0);
	/* A record a line, and the note that it is not signed. */
	assert_int_equal(count_in(text, "\n"), NSAMPLES + 3 + 1);
	assert_true(contains(text, "note: its manifest is not signed"));
	assert_int_equal(count_in(text, " ok\n"), NSAMPLES);
	p = gen(&samples[0]);
	sha_hex(p, samples[0].size, hex);
	free(p);
	(void)snprintf(line, sizeof(line), "030001 no-df make-inert data 0640 "
	    "%u:%u 1234 %s/df/dfA0001 sha256:%.12s ok\n",
	    geteuid() == 0 ? 1001U : (unsigned)getuid(),
	    geteuid() == 0 ? 1002U : (unsigned)getgid(), sc->q, hex);
	assert_true(contains(text, line));
	assert_true(contains(text, "- two\\x20words archive data 0660 "));
	assert_true(contains(text, "/dfB\\x01\\x20\\xff\\\\x sha256:"));
	assert_true(contains(text, "030002 df-orphan \\x2d data "));
	assert_true(contains(text, " symlink 0777 "));
	assert_true(contains(text, "/qf/qfLINK - -\n"));
	assert_true(contains(text, "/dfFIFO - -\n"));
	assert_true(contains(text, "chmod record 0600 "));
	free(text);

	assert_int_equal(run_list(fd, true, &text, &err), 0);
	assert_int_equal(count_in(text, "{\"schema\":\"mqfsck/2\",\"type\":"
	    "\"archived\",\"queue\":\""), NSAMPLES + 3);
	assert_int_equal(count_in(text, ",\"verified\":true}\n"), NSAMPLES);
	assert_int_equal(count_in(text, ",\"verified\":null}\n"), 3);
	assert_true(contains(text, "\"file\":\"dfB\\\\x01 \\\\xff\\\\\\\\x\","
	    "\"kind\":\"data\",\"mode\":\"0644\""));
	assert_true(contains(text, "\"mtime\":\"1600000000.123456789\","
	    "\"sha256\":\""));
	assert_true(contains(text, "\"code\":null,\"name\":\"two words\""));
	/* The manifest's six hex digits, written as the report writes codes. */
	assert_true(contains(text, "\"code\":\"0x030002\",\"name\":\"df-orphan\""));
	assert_true(contains(text, "\"action\":\"-\""));
	assert_true(contains(text, "\"kind\":\"symlink\""));
	assert_true(contains(text, "\"sha256\":null"));
	for (i = 0; text[i] != '\0'; i++)
		assert_true((unsigned char)text[i] >= 0x20 || text[i] == '\n');
	free(text);
	assert_int_equal(close(fd), 0);
}

static void
test_hostile_specials_listed(void **state)
{
	struct scratch *sc = *state;
	static const struct craft c[] = {
		{ "0/dfDEV", AE_IFCHR, NULL },
		{ "0/qf/qfLINK", AE_IFLNK, "../../../etc/passwd" },
		{ "0/dfDIR", AE_IFDIR, NULL },
	};
	static const char mf[] = "mqfsck-archive 1\nhost h\ncreated "
	    "2023-11-14T22:13:20Z\nqueue 0 /q\n"
	    "file 0 dfDEV chardev 0600 0 0 0 1.000000000 - - - -\n"
	    "file 0 qf/qfLINK symlink 0777 0 0 19 1.000000000 - - - -\n"
	    "file 0 dfDIR dir 0700 0 0 0 1.000000000 - - - -\n"
	    "end 3\n";
	struct arc_restore_stats rs;
	char *text;
	int fd;

	fd = craft(sc, "specials.tar.gz", c, sizeof(c) / sizeof(c[0]), mf,
	    true);
	assert_int_equal(hostile_restore(sc, fd, &rs, &text), 1);
	assert_int_equal(rs.refused, 3);
	assert_int_equal(rs.restored + rs.failed, 0);
	assert_true(contains(text, "/dfDEV: not restored (chardev, recorded "
	    "only)\n"));
	assert_true(contains(text, "/qf/qfLINK: not restored (symlink, "));
	assert_true(contains(text, "/dfDIR: not restored (dir, recorded "));
	free(text);
	assert_int_equal(dir_size(sc, "out"), 0);
	assert_int_equal(close(fd), 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_list),
		T(test_hostile_specials_listed),
	};

	/* A fault setting inherited from the caller would kill the tests
	 * that make writers. */
	if (unsetenv(FAULT_ENV) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
