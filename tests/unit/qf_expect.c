/*
 * qf_expect.c - test helper: check a parsed control file's defect list
 * against an expectation string (see qf_expect.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qf_expect.h"

/* qf_expect_kinds - found defects equal the expected list */
bool
qf_expect_kinds(const struct qf_file *qf, const char *want, char *why,
    size_t whysz)
{
	uint64_t want_mask = 0;
	char buf[256], *tok, *save = NULL;
	size_t i;
	int k;

	if (strcmp(want, "-") != 0) {
		(void)snprintf(buf, sizeof(buf), "%s", want);
		for (tok = strtok_r(buf, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save)) {
			char *at = strchr(tok, '@');
			unsigned line = 0;
			bool seen = false;

			if (at != NULL) {
				*at = '\0';
				line = (unsigned)strtoul(at + 1, NULL, 10);
			}
			for (k = 0; k < QF_D_NKINDS; k++)
				if (strcmp(qf_defect_info(k)->name, tok) == 0)
					break;
			if (k == QF_D_NKINDS) {
				(void)snprintf(why, whysz, "unknown kind %.64s", tok);
				return false;
			}
			want_mask |= UINT64_C(1) << k;
			for (i = 0; i < qf->ndefects; i++)
				if ((int)qf->defects[i].kind == k &&
				    (line == 0 || qf->defects[i].line == line))
					seen = true;
			if (!seen) {
				(void)snprintf(why, whysz, "missing %.64s@%u", tok,
				    line);
				return false;
			}
		}
	}
	if (qf->defect_kinds != want_mask) {
		for (k = 0; k < QF_D_NKINDS; k++)
			if ((qf->defect_kinds ^ want_mask) & (UINT64_C(1) << k))
				break;
		(void)snprintf(why, whysz, "%s %s",
		    (qf->defect_kinds >> k) & 1 ? "unexpected" : "missing",
		    qf_defect_info(k)->name);
		return false;
	}
	return true;
}
