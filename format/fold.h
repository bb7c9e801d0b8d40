/*
 * fold.h - sendmail's one rule for reading logical lines, util.c
 * fgetfolded(), which readqf() uses for control files and readcf() for
 * the configuration: a physical line that starts with SPACE or TAB
 * continues the one before it (the LF between them kept), CR LF reads as
 * LF, a lone CR is an ordinary byte, the final LF is dropped, and a last
 * line without LF still counts.
 */
#ifndef MQ_FOLD_H
#define MQ_FOLD_H

#include <stddef.h>

#define FOLD_NO_EOL 0x01	/* the input ended without its LF */
#define FOLD_FOLDED 0x02	/* more than one physical line */

/*
 * fold_line - the logical line that starts at b[pos] (pos < n): returns
 * its end, just past the LF of its last physical line (or n); *nlf is
 * the number of LFs in it, *flags FOLD_* bits.
 */
size_t fold_line(const unsigned char *b, size_t n, size_t pos,
    unsigned *nlf, unsigned *flags);

/*
 * fold_cook - raw[0..n), a logical line as fold_line() cut it, as
 * fgetfolded() returns it: each CR LF as LF, the final LF dropped.
 * Writes at most n bytes to out (which may be raw itself) and returns
 * how many.
 */
size_t fold_cook(const unsigned char *raw, size_t n, unsigned char *out);

#endif /* MQ_FOLD_H */
