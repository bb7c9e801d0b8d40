/*
 * fold.c - logical lines as sendmail's util.c fgetfolded() reads them,
 * for the control-file reader (qf.c) and the configuration reader
 * (cf.c) alike.
 */
#include <string.h>

#include "fold.h"

/* fold_line - where the logical line starting at b[pos] ends */
size_t
fold_line(const unsigned char *b, size_t n, size_t pos, unsigned *nlf,
    unsigned *flags)
{
	const unsigned char *nl;

	*nlf = 0;
	*flags = 0;
	for (;;) {
		nl = memchr(b + pos, '\n', n - pos);
		if (nl == NULL) {
			*flags |= FOLD_NO_EOL;
			return n;
		}
		pos = (size_t)(nl - b) + 1;
		(*nlf)++;
		/* A line starting with SPACE or TAB continues this one. */
		if (pos < n && (b[pos] == ' ' || b[pos] == '\t')) {
			*flags |= FOLD_FOLDED;
			continue;
		}
		return pos;
	}
}

/* fold_cook - CR LF as LF, the final LF dropped */
size_t
fold_cook(const unsigned char *raw, size_t n, unsigned char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (raw[i] == '\r' && i + 1 < n && raw[i + 1] == '\n')
			continue;
		out[o++] = raw[i];
	}
	if (o > 0 && out[o - 1] == '\n')
		o--;
	return o;
}
