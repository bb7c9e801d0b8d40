/*
 * esc.h - make arbitrary bytes safe to print: file names and control-file
 * values from a hostile queue can hold control characters, terminal
 * escapes and invalid UTF-8.
 */
#ifndef MQ_ESC_H
#define MQ_ESC_H

#include <stddef.h>

/*
 * esc_bytes - write in[0..inlen) to out as printable ASCII: bytes 0x20 to
 * 0x7e as themselves except backslash (\\), and \t \n \r and \xNN for the
 * rest.  The result is NUL-terminated and cut to fit outsz, ending in
 * "..." when cut (never in the middle of an escape).  Returns out.
 */
char *esc_bytes(char *out, size_t outsz, const void *in, size_t inlen);

/* esc_str - esc_bytes() of a NUL-terminated string */
char *esc_str(char *out, size_t outsz, const char *in);

#endif /* MQ_ESC_H */
