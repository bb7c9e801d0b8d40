/*
 * test_dirlist.c - reading a directory's names in byte order
 * (system/dirlist.c): every name once, sorted as strcmp() sorts, with
 * readdir()'s type kept with its name, whatever the names look like
 * (long shared prefixes as in a big queue, bytes above 0x7f, names of
 * 255 bytes, prefixes of one another), and the names laid out in their
 * sorted order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirlist.h"

struct scratch {
	char path[PATH_MAX];
	int dfd;
};

/* setup - a scratch directory */
static int
setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));
	const char *tmp = getenv("TMPDIR");

	if (s == NULL)
		return -1;
	(void)snprintf(s->path, sizeof(s->path), "%s/mq-dirlist.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(s->path) == NULL ||
	    (s->dfd = open(s->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

/* teardown - remove the scratch directory and what it holds */
static int
teardown(void **state)
{
	struct scratch *s = *state;
	struct dirent *de;
	DIR *d = fdopendir(s->dfd);

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if (unlinkat(dirfd(d), de->d_name, 0) < 0)
				(void)unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
		}
		(void)closedir(d);
	}
	(void)rmdir(s->path);
	free(s);
	return 0;
}

/* touch - create an empty file */
static void
touch(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	(void)close(fd);
}

/* check_sorted - every name of the list, in strcmp() order, n of them
 * besides "." and ".."; and laid out in that order, each after the
 * previous one's NUL and its own d_type byte (what makes a walk in order
 * read memory in order) */
static void
check_sorted(const struct dirlist *dl, size_t n)
{
	size_t i, seen = 0;

	for (i = 0; i < dl->n; i++) {
		const char *name = dirlist_name(dl, i);

		if (i > 0) {
			const char *prev = dirlist_name(dl, i - 1);

			assert_true(strcmp(prev, name) < 0);
			assert_ptr_equal(prev + strlen(prev) + 2, name);
		}
		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0)
			seen++;
	}
	assert_int_equal(seen, n);
}

/* Names like those of a queue of many jobs: long shared prefixes. */
static void
test_queue_like_names(void **state)
{
	struct scratch *s = *state;
	static const char letters[] = "dqtxhQT";
	struct dirlist dl;
	struct qerr err;
	char name[64];
	unsigned r = 12345;
	size_t i, n = 0;

	for (i = 0; i < 3000; i++) {
		r = r * 1103515245u + 12345u;
		(void)snprintf(name, sizeof(name), "%cf6AN%c%c%c%c%05u",
		    letters[(r >> 8) % 7], "0123456789AB"[(r >> 12) % 12],
		    'A' + (int)((r >> 16) % 26), 'a' + (int)((r >> 20) % 26),
		    '0' + (int)((r >> 24) % 10), (r >> 4) % 100000);
		if (faccessat(s->dfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		touch(s->dfd, name);
		n++;
	}
	dirlist_init(&dl);
	assert_int_equal(dirlist_read(s->dfd, &dl, &err), 0);
	check_sorted(&dl, n);
	for (i = 0; i < dl.n; i++) {
		const char *nm = dirlist_name(&dl, i);

		if (strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0)
			assert_int_equal(dirlist_type(&dl, i), DT_DIR);
		else
			assert_int_equal(dirlist_type(&dl, i), DT_REG);
	}
	dirlist_free(&dl);
}

/* Prefixes of one another, high bytes, the longest names there are. */
static void
test_awkward_names(void **state)
{
	struct scratch *s = *state;
	struct dirlist dl;
	struct qerr err;
	char name[NAME_MAX + 1];
	size_t i, n = 0;

	for (i = 1; i <= NAME_MAX; i += 7) {
		memset(name, 'q', i);
		name[i] = '\0';
		touch(s->dfd, name);
		n++;
		name[i - 1] = (char)0xff;
		touch(s->dfd, name);
		n++;
		name[i - 1] = (char)0x01;
		touch(s->dfd, name);
		n++;
	}
	assert_int_equal(mkdirat(s->dfd, "qf", 0700), 0);
	n++;
	dirlist_init(&dl);
	assert_int_equal(dirlist_read(s->dfd, &dl, &err), 0);
	check_sorted(&dl, n);
	for (i = 0; i < dl.n; i++)
		if (strcmp(dirlist_name(&dl, i), "qf") == 0)
			assert_int_equal(dirlist_type(&dl, i), DT_DIR);
	dirlist_free(&dl);
}

/* Many names that agree on everything but their last byte, and many
 * equal bytes at each position: the partitions the sort must handle. */
static void
test_shared_prefix_fanout(void **state)
{
	struct scratch *s = *state;
	struct dirlist dl;
	struct qerr err;
	char name[80];
	size_t i, n = 0;

	for (i = 0; i < 2000; i++) {
		(void)snprintf(name, sizeof(name),
		    "qfAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%04zu",
		    (i * 7919) % 10000);
		touch(s->dfd, name);
		n++;
	}
	dirlist_init(&dl);
	assert_int_equal(dirlist_read(s->dfd, &dl, &err), 0);
	check_sorted(&dl, n);
	dirlist_free(&dl);
}

/* An empty directory has just "." and "..". */
static void
test_empty(void **state)
{
	struct scratch *s = *state;
	struct dirlist dl;
	struct qerr err;

	dirlist_init(&dl);
	assert_int_equal(dirlist_read(s->dfd, &dl, &err), 0);
	assert_int_equal(dl.n, 2);
	assert_string_equal(dirlist_name(&dl, 0), ".");
	assert_string_equal(dirlist_name(&dl, 1), "..");
	dirlist_free(&dl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_queue_like_names, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_awkward_names, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_shared_prefix_fanout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
