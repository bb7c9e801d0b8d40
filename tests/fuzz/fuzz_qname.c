/*
 * fuzz_qname.c - libFuzzer target for queue file name classification and
 * id decoding (format/qid.c): any bytes, no crash, no read past the name,
 * and the classification is self-consistent.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - abort, naming the broken promise, unless cond */
#define check(cond) check_at((cond), __LINE__, #cond)

static void
check_at(int cond, int line, const char *what)
{
	if (!cond) {
		(void)fprintf(stderr, "%s:%d: broken: %s\n", __FILE__, line, what);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qname qn;
	struct qid_fields f;
	char *name;

	/* A copy of exactly `size` bytes, so ASan sees any over-read. */
	name = malloc(size > 0 ? size : 1);
	check(name != NULL);
	if (size > 0)
		memcpy(name, data, size);
	qname_classify(name, size, &qn);
	check(qn.too_long == (size > QNAME_MAX_LEN));
	if (qn.id != NULL) {
		check(qn.id == name + 2 && qn.id_len == size - 2);
		check(qn.cls == QN_JOB || qn.cls == QN_OBSOLETE);
	}
	if (qn.id_format == QID_V812 || qn.id_format == QID_V810) {
		check(qid_decode(qn.id, qn.id_len, &f));
		check(f.mon >= 0 && f.mon < 12 && f.mday >= 1 && f.mday <= 31);
		check(f.hour < 24 && f.min < 60 && f.sec < 62);
		check(f.envelope >= 0 && f.envelope < 3600);
		(void)qid_time(&f, (time_t)1795411634);
		(void)qid_time(&f, (time_t)0);
	} else if (qn.id != NULL)
		check(!qid_decode(qn.id, qn.id_len, &f));
	free(name);
	return 0;
}
