/*
 * qf_private.h - what the control-file reader's three files share (qf.c
 * reads and splits lines, qf_judge.c judges them, qf_edit.c edits and
 * writes): nothing outside format/qf*.c includes it.
 */
#ifndef MQ_QF_PRIVATE_H
#define MQ_QF_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include "qf.h"

/* qfp_grow - make *p hold at least `need` elements of `size` bytes */
int qfp_grow(void **p, size_t *cap, size_t need, size_t size,
    struct qerr *err);

/* qfp_line_bytes - raw bytes of logical line ln (the input or the arena) */
const unsigned char *qfp_line_bytes(const struct qf_file *qf,
    const struct qf_line *ln);

/* qfp_cook - util.c fgetfolded()'s result for raw[0..n): CR LF as LF,
 * the final LF dropped; NULL when memory runs out */
const unsigned char *qfp_cook(struct qf_file *qf, const unsigned char *raw,
    size_t n, bool has_cr, size_t *outlen);

/* qfp_split_lines - the input cut into logical lines as fgetfolded()
 * does: 0, 1 at the line limit, -1 on ENOMEM */
int qfp_split_lines(struct qf_file *qf, struct qerr *err);

/* qfp_reset - forget the previous file, keep the allocations */
void qfp_reset(struct qf_file *qf);

/* What headers.c dochompheader() (CHHDR_QUEUE) makes of an H line. */
enum qfp_header_verdict { QFP_HDR_OK, QFP_HDR_SYNTAX, QFP_HDR_NAME_LONG };

/* qfp_header_check - the verdict on the H line's value v[0..n) */
enum qfp_header_verdict qfp_header_check(const unsigned char *v, size_t n);

#endif /* MQ_QF_PRIVATE_H */
