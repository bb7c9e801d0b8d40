/*
 * esc.c - printable renderings of untrusted bytes.
 *
 * Every byte that reaches a terminal or a log from the queue (file names,
 * control-file values) goes through here, so no name can move the
 * cursor, change colours or forge a line of output.  Fixed output buffer,
 * no allocation.
 */
#include <stdbool.h>
#include <string.h>

#include "esc.h"

/* esc_one - the escape for byte c into e (at most 4 bytes); its length */
static size_t
esc_one(unsigned char c, char *e)
{
	static const char hex[] = "0123456789abcdef";

	if (c == '\\') {
		e[0] = '\\';
		e[1] = '\\';
		return 2;
	}
	if (c >= 0x20 && c < 0x7f) {
		e[0] = (char)c;
		return 1;
	}
	e[0] = '\\';
	if (c == '\t' || c == '\n' || c == '\r') {
		e[1] = (char)(c == '\t' ? 't' : c == '\n' ? 'n' : 'r');
		return 2;
	}
	e[1] = 'x';
	e[2] = hex[c >> 4];
	e[3] = hex[c & 15];
	return 4;
}

/* esc_bytes - printable rendering of in[0..inlen) */
char *
esc_bytes(char *out, size_t outsz, const void *in, size_t inlen)
{
	const unsigned char *s = in;
	size_t i, o = 0, total = 0, room;
	bool fits;
	char e[4];

	if (outsz == 0)
		return out;
	for (i = 0; i < inlen && total < outsz; i++)
		total += esc_one(s[i], e);
	/*
	 * If it all fits, write it all; otherwise stop at an escape boundary
	 * that leaves room for "..." and the NUL.
	 */
	fits = i == inlen && total < outsz;
	if (!fits && outsz < 4) {
		out[0] = '\0'; /* not even "..." fits */
		return out;
	}
	room = fits ? outsz - 1 : outsz - 4;
	for (i = 0; i < inlen; i++) {
		size_t elen = esc_one(s[i], e);

		if (o + elen > room)
			break;
		memcpy(out + o, e, elen);
		o += elen;
	}
	if (i < inlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

/* esc_str - printable rendering of a C string */
char *
esc_str(char *out, size_t outsz, const char *in)
{
	return esc_bytes(out, outsz, in, strlen(in));
}
