/*
 * test_corpus.c - every control file written by real sendmail 8.17 in the
 * shared corpus (vendored in tests/corpus/files by tests/corpus/import.sh):
 *  - parses, and sendmail's outcome and the exact set of defect kinds are
 *    those tests/corpus/MANIFEST derives from the corpus's own case notes;
 *  - writes back byte for byte;
 *  - after qf_set_inode(), differs from the original only in its I line,
 *    and reads back with the new inode.
 * MQ_CORPUS_DIR overrides the location (default tests/corpus).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qf.h"
#include "qf_expect.h"

#define MAX_ENTRIES 1024

struct entry {
	char outcome[32];
	char kinds[256];
	char datadirs[128];
	char path[512];
};

static struct entry entries[MAX_ENTRIES];
static size_t nentries;
static const char *corpus_dir;

/* read_file - whole file into a malloc'ed buffer */
static unsigned char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	unsigned char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		(void)fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	(void)fclose(f);
	*len = (size_t)n;
	return buf;
}

/* load_manifest - group setup: read MANIFEST */
static int
load_manifest(void **state)
{
	char path[1024], line[1024];
	FILE *f;

	(void)state;
	corpus_dir = getenv("MQ_CORPUS_DIR");
	if (corpus_dir == NULL)
		corpus_dir = "tests/corpus";
	(void)snprintf(path, sizeof(path), "%s/MANIFEST", corpus_dir);
	f = fopen(path, "re");
	if (f == NULL) {
		print_error("cannot open %s\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL && nentries < MAX_ENTRIES) {
		struct entry *e = &entries[nentries];

		if (sscanf(line, "%31s %255s %127s %511s", e->outcome, e->kinds,
			e->datadirs, e->path) == 4)
			nentries++;
	}
	(void)fclose(f);
	return nentries > 0 ? 0 : -1;
}

/* datadir_ok - a d line names one of the comma-separated qp_names */
static bool
datadir_ok(const char *name, size_t len, void *arg)
{
	const char *list = arg, *p = list;

	while (*p != '\0') {
		size_t n = strcspn(p, ",");

		if (n == len && memcmp(p, name, len) == 0)
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

/* letter_of - the control-file letter of a path's file name */
static char
letter_of(const char *path)
{
	const char *base = strrchr(path, '/');

	return (char)(base == NULL ? path[0] : base[1]);
}

/* without_I - copy buf minus its lines starting with 'I' */
static size_t
without_I(const unsigned char *buf, size_t len, unsigned char *out)
{
	size_t i = 0, o = 0;

	while (i < len) {
		const unsigned char *nl = memchr(buf + i, '\n', len - i);
		size_t end = nl == NULL ? len : (size_t)(nl - buf) + 1;

		if (buf[i] != 'I') {
			memcpy(out + o, buf + i, end - i);
			o += end - i;
		}
		i = end;
	}
	return o;
}

/* check_inode_edit - a new I line changes nothing else */
static bool
check_inode_edit(struct qf_file *qf, const unsigned char *orig, size_t len,
    const struct qf_parse_opts *o, char *why, size_t whysz)
{
	struct qf_file re;
	struct qerr err;
	unsigned char *out = NULL, *a = NULL, *b = NULL;
	size_t n, na, nb;
	bool ok = false;

	if (qf_set_inode(qf, 254, 0, 18446744073709551615ULL, &err) < 0) {
		(void)snprintf(why, whysz, "qf_set_inode: %.200s", err.msg);
		return false;
	}
	n = qf_output_size(qf);
	out = malloc(n + 1);
	a = malloc(len + 1);
	b = malloc(n + 1);
	qf_init(&re);
	if (out == NULL || a == NULL || b == NULL)
		goto done;
	if (qf_write_buf(qf, out, n) != n) {
		(void)snprintf(why, whysz, "qf_write_buf size");
		goto done;
	}
	na = without_I(orig, len, a);
	nb = without_I(out, n, b);
	if (na != nb || memcmp(a, b, na) != 0) {
		(void)snprintf(why, whysz, "bytes other than the I line changed");
		goto done;
	}
	if (qf_parse(&re, out, n, o, &err) < 0 || !re.has_inode ||
	    re.inode_major != 254 || re.inode_minor != 0 ||
	    re.inode != 18446744073709551615ULL) {
		(void)snprintf(why, whysz, "edited file does not read back");
		goto done;
	}
	if (re.outcome != qf->outcome) {
		(void)snprintf(why, whysz, "edit changed the outcome");
		goto done;
	}
	ok = true;
done:
	qf_free(&re);
	free(out);
	free(a);
	free(b);
	return ok;
}

/* check_entry - one file against its manifest line */
static bool
check_entry(struct qf_file *qf, const struct entry *e, char *why, size_t whysz)
{
	char path[1024];
	struct qf_parse_opts o = { 0 };
	struct qerr err;
	unsigned char *buf, *out = NULL;
	size_t len;
	bool ok = false;

	(void)snprintf(path, sizeof(path), "%s/files/%s", corpus_dir, e->path);
	buf = read_file(path, &len);
	if (buf == NULL) {
		(void)snprintf(why, whysz, "cannot read");
		return false;
	}
	o.letter = letter_of(e->path);
	o.datadir_ok = datadir_ok;
	o.datadir_arg = (void *)(uintptr_t)e->datadirs;
	if (qf_parse(qf, buf, len, &o, &err) < 0) {
		(void)snprintf(why, whysz, "qf_parse: %.200s", err.msg);
		goto done;
	}
	if (strcmp(qf_consequence_name(qf->outcome), e->outcome) != 0) {
		(void)snprintf(why, whysz, "outcome %s, want %s",
		    qf_consequence_name(qf->outcome), e->outcome);
		goto done;
	}
	if (!qf_expect_kinds(qf, e->kinds, why, whysz))
		goto done;
	out = malloc(len + 1);
	if (out == NULL || qf_write_buf(qf, out, len + 1) != len ||
	    memcmp(out, buf, len) != 0) {
		(void)snprintf(why, whysz, "does not write back byte for byte");
		goto done;
	}
	if (qf->terminated && !check_inode_edit(qf, buf, len, &o, why, whysz))
		goto done;
	ok = true;
done:
	free(out);
	free(buf);
	return ok;
}

static void
test_corpus_files(void **state)
{
	struct qf_file qf;
	size_t i, bad = 0, edited = 0;
	char why[256];

	(void)state;
	qf_init(&qf);
	for (i = 0; i < nentries; i++) {
		if (!check_entry(&qf, &entries[i], why, sizeof(why))) {
			print_error("%s: %s\n", entries[i].path, why);
			bad++;
		} else if (qf.terminated)
			edited++;
	}
	qf_free(&qf);
	print_message("# %zu corpus control files, %zu edited and re-read\n",
	    nentries, edited);
	assert_int_equal(bad, 0);
	/* The corpus has 345 control files; 268 of them complete. */
	assert_true(nentries >= 345);
	assert_true(edited >= 268);
}

/* The healthy cases of the corpus have no defect at all. */
static void
test_healthy_have_no_defects(void **state)
{
	size_t i, healthy = 0;

	(void)state;
	for (i = 0; i < nentries; i++) {
		if (strncmp(entries[i].path, "0", 1) != 0 ||
		    strncmp(entries[i].path, "07-", 3) == 0 ||
		    strncmp(entries[i].path, "08-", 3) == 0)
			continue;
		if (strcmp(entries[i].path,
			"02-smtp-bs/c-deliverby/queue/qf6AN5bird012641") == 0)
			continue;
		assert_string_equal(entries[i].outcome, "none");
		assert_string_equal(entries[i].kinds, "-");
		healthy++;
	}
	assert_true(healthy >= 90);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_files),
		cmocka_unit_test(test_healthy_have_no_defects),
	};

	return cmocka_run_group_tests(tests, load_manifest, NULL);
}
