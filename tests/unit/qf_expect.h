/*
 * qf_expect.h - test helper: compare a parsed control file's defects
 * with an expectation written "kind@line,kind,..." ("-" for none).
 */
#ifndef MQ_QF_EXPECT_H
#define MQ_QF_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

#include "qf.h"

/*
 * qf_expect_kinds - true when the set of defect kinds found equals the
 * kinds listed in `want`, and each kind given with @LINE was found on that
 * physical line.  Otherwise false, with the first difference in why.
 */
bool qf_expect_kinds(const struct qf_file *qf, const char *want, char *why,
    size_t whysz);

#endif /* MQ_QF_EXPECT_H */
