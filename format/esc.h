/*
 * esc.h - the one escaping rule for untrusted bytes: file names and
 * control-file values from a hostile queue, and names read back from an
 * archive, can hold control characters, terminal escapes (CSI, OSC, C1)
 * and invalid UTF-8.  Everything mqfsck writes for a terminal, syslog,
 * JSON or an archive's manifest goes through here.
 *
 * The rule: a byte from 0x20 to 0x7e stands for itself, except the
 * backslash, written "\\"; tab, newline and carriage return are "\t",
 * "\n" and "\r"; every other byte is "\xNN" (two lower-case hex digits).
 * With ESC_FIELD a space is "\x20" too, for space-separated fields (the
 * manifest, --list).  The result is printable ASCII, and esc_decode()
 * gives back the original bytes.
 */
#ifndef MQ_ESC_H
#define MQ_ESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define ESC_FIELD 1u	/* a space as \x20: the text is one field */
#define ESC_TEXT 2u	/* the text is escaped already: a backslash stays */
#define ESC_MAX 4	/* the longest escape of one byte ("\xNN") */

/*
 * esc_bytes - write in[0..inlen) to out by the rule.  The result is
 * NUL-terminated and cut to fit outsz, ending in "..." when cut (never in
 * the middle of an escape).  Returns out.
 */
char *esc_bytes(char *out, size_t outsz, const void *in, size_t inlen);

/* esc_str - esc_bytes() of a NUL-terminated string */
char *esc_str(char *out, size_t outsz, const char *in);

/* esc_tail - like esc_str(), but when cut the end is kept, behind "...":
 * in a path the failing component is last */
char *esc_tail(char *out, size_t outsz, const char *in);

/*
 * esc_text - like esc_str(), for text that is escaped already (messages
 * built from esc_*() pieces and fixed words): a backslash stays as it
 * is, so nothing is escaped twice, and any other byte the rule would
 * escape still is (a piece that missed its escape cannot reach a
 * terminal raw)
 */
char *esc_text(char *out, size_t outsz, const char *in);

/* esc_field - the whole escape of s with ESC_FIELD, into out, which has
 * room for ESC_MAX * strlen(s) + 1 bytes; returns the length written */
size_t esc_field(char *out, const char *s);

/* esc_fputs - s escaped by the rule (flags: ESC_FIELD or 0) on f */
void esc_fputs(FILE *f, const char *s, unsigned flags);

/* esc_decode - undo the rule in place (either form of a space); false if
 * s holds anything the rule never writes, or an escaped NUL */
bool esc_decode(char *s);

/*
 * esc_json - s (raw bytes) as a JSON string: the rule, then JSON's own
 * quoting of '"' and '\'.  The output is ASCII; a reader decodes the JSON
 * string, then the rule.
 */
void esc_json(FILE *f, const char *s);

/* esc_json_text - a JSON string of text that is already escaped (printable
 * ASCII: messages built from esc_*() pieces): only '"' and '\' quoted;
 * any other byte outside 0x20..0x7e still comes out as \u00NN */
void esc_json_text(FILE *f, const char *s);

#endif /* MQ_ESC_H */
