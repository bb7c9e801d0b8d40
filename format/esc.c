/*
 * esc.c - the one escaping rule for untrusted bytes (esc.h).
 *
 * Every byte that reaches a terminal, syslog, JSON or an archive's
 * manifest from the queue or from an archive (file names, control-file
 * values) goes through here, so no name can move the cursor, change
 * colours, retitle a terminal or forge a line of output or of a
 * manifest.  No allocation; the cut forms use a fixed output buffer.
 */
#include <string.h>

#include "esc.h"

/* esc_one - the escape for byte c into e (at most ESC_MAX bytes); its
 * length */
static size_t
esc_one(unsigned char c, char *e, unsigned flags)
{
	static const char hex[] = "0123456789abcdef";

	if (c == '\\' && (flags & ESC_TEXT) == 0) {
		e[0] = '\\';
		e[1] = '\\';
		return 2;
	}
	if (c == '\\') {
		e[0] = '\\';
		return 1;
	}
	if (c > 0x20 && c < 0x7f) {
		e[0] = (char)c;
		return 1;
	}
	if (c == ' ' && (flags & ESC_FIELD) == 0) {
		e[0] = ' ';
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

/* esc_cut - in[0..inlen) by the rule into out, cut to fit outsz */
static char *
esc_cut(char *out, size_t outsz, const void *in, size_t inlen,
    unsigned flags)
{
	const unsigned char *s = in;
	size_t i, o = 0, total = 0, room;
	bool fits;
	char e[ESC_MAX];

	if (outsz == 0)
		return out;
	for (i = 0; i < inlen && total < outsz; i++)
		total += esc_one(s[i], e, flags);
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
		size_t elen = esc_one(s[i], e, flags);

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

/* esc_bytes - printable rendering of in[0..inlen) */
char *
esc_bytes(char *out, size_t outsz, const void *in, size_t inlen)
{
	return esc_cut(out, outsz, in, inlen, 0);
}

/* esc_text - text already escaped, with any byte outside 0x20..0x7e that
 * slipped in escaped too */
char *
esc_text(char *out, size_t outsz, const char *in)
{
	return esc_cut(out, outsz, in, strlen(in), ESC_TEXT);
}

char *
esc_tail(char *out, size_t outsz, const char *in)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = strlen(in), start = n, need = 0, o = 0, i, elen;
	char e[ESC_MAX];

	if (outsz < 4) {
		if (outsz > 0)
			out[0] = '\0';
		return out;
	}
	for (i = 0; i < n && need < outsz; i++)
		need += esc_one(s[i], e, 0);
	if (need < outsz) {
		start = 0; /* it all fits */
	} else {
		/* Walk back from the end while the escaped tail fits with
		 * "..." and the NUL. */
		need = 0;
		while (start > 0 &&
		    need + (elen = esc_one(s[start - 1], e, 0)) + 4 <= outsz) {
			need += elen;
			start--;
		}
	}
	if (start > 0) {
		memcpy(out, "...", 3);
		o = 3;
	}
	for (i = start; i < n; i++) {
		elen = esc_one(s[i], e, 0);
		memcpy(out + o, e, elen);
		o += elen;
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

size_t
esc_field(char *out, const char *s)
{
	size_t o = 0;

	for (; *s != '\0'; s++)
		o += esc_one((unsigned char)*s, out + o, ESC_FIELD);
	out[o] = '\0';
	return o;
}

void
esc_fputs(FILE *f, const char *s, unsigned flags)
{
	char e[ESC_MAX];
	size_t n;

	for (; *s != '\0'; s++) {
		n = esc_one((unsigned char)*s, e, flags);
		(void)fwrite(e, 1, n, f);
	}
}

/* hexval - the value of hex digit c, or -1 */
static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
esc_decode(char *s)
{
	char *o = s;
	const char *p = s;
	int hi, lo;

	while (*p != '\0') {
		if (*p != '\\') {
			if (*p < ' ' || *p > '~')
				return false;
			*o++ = *p++;
			continue;
		}
		switch (p[1]) {
		case '\\':
			*o++ = '\\';
			p += 2;
			continue;
		case 't':
			*o++ = '\t';
			p += 2;
			continue;
		case 'n':
			*o++ = '\n';
			p += 2;
			continue;
		case 'r':
			*o++ = '\r';
			p += 2;
			continue;
		case 'x':
			break;
		default:
			return false;
		}
		if ((hi = hexval(p[2])) < 0 || (lo = hexval(p[3])) < 0 ||
		    (hi == 0 && lo == 0))
			return false;
		*o++ = (char)(hi << 4 | lo);
		p += 4;
	}
	*o = '\0';
	return true;
}

void
esc_json(FILE *f, const char *s)
{
	char e[ESC_MAX];
	size_t i, n;

	(void)fputc('"', f);
	for (; *s != '\0'; s++) {
		n = esc_one((unsigned char)*s, e, 0);
		for (i = 0; i < n; i++) {
			if (e[i] == '"' || e[i] == '\\')
				(void)fputc('\\', f);
			(void)fputc(e[i], f);
		}
	}
	(void)fputc('"', f);
}

void
esc_json_text(FILE *f, const char *s)
{
	(void)fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			(void)fprintf(f, "\\%c", c);
		else if (c < 0x20 || c > 0x7e)
			(void)fprintf(f, "\\u%04x", c);
		else
			(void)fputc(c, f);
	}
	(void)fputc('"', f);
}
