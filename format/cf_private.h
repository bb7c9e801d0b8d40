/*
 * cf_private.h - what the configuration reader's files share (cf.c the
 * options and the line reader, cf_values.c option values and timeouts,
 * cf_queue.c the Q lines and where the queues are): nothing outside
 * format/cf*.c includes it.
 */
#ifndef MQ_CF_PRIVATE_H
#define MQ_CF_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#include "cf.h"
#include "err.h"

/* sendmail's MAXPATHLEN on Linux (PATH_MAX), for setup_queues(). */
#define SM_MAXPATHLEN 4096

/* readcf.c munchstring() unquotes into a MAXLINE (2048) buffer. */
#define SM_MAXLINE 2048

/* Where a setting comes from, for messages and stickiness. */
struct ctx {
	struct cf *cf;
	const char *file; /* NULL: the command line (cf_set_option) */
	unsigned line;
	bool sticky;	  /* from the command line */
	struct qerr *err;
};

/* is_space - SM_ISSPACE(): ASCII white space, locale aside */
static inline bool
is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* is_digit - ASCII decimal digit */
static inline bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* is_alnum - ASCII letter or digit (the word bytes of option lists) */
static inline bool
is_alnum(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* is_punct - ASCII punctuation, as ispunct() in the C locale */
static inline bool
is_punct(int c)
{
	return c > ' ' && c < 0x7f && !is_alnum(c);
}

/* lower - ASCII tolower, as sendmail's case-insensitive compares fold */
static inline int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* case_eq_n - a[0..n) and b[0..n) equal, case ignored; stops at a NUL */
static inline bool
case_eq_n(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return false;
		if (a[i] == '\0')
			return true;
	}
	return true;
}

/* case_eq - a and b equal, case ignored (SM_STRCASEEQ) */
static inline bool
case_eq(const char *a, const char *b)
{
	size_t na = strlen(a);

	return na == strlen(b) && case_eq_n(a, b, na);
}

/* cfp_fail - fill c->err with "<where>: <reason>" and return -1 */
int cfp_fail(const struct ctx *c, int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* cfp_bad_value - the message for a value a kept option cannot use */
int cfp_bad_value(const struct ctx *c, const char *opt, const char *val,
    const char *what);

/* cfp_dup_str - strdup() reporting ENOMEM through c */
char *cfp_dup_str(const struct ctx *c, const char *s);

/* cfp_set_str - replace *slot by a copy of s; a static default is not
 * freed */
int cfp_set_str(const struct ctx *c, char **slot, const char *s);

/*
 * cfp_queue_line - a Q line, as queue.c makequeue() reads it: the name runs
 * to the first ',', white space or the end (that one byte is dropped);
 * nothing at all after the Q is "name required", while a line starting
 * with a space or comma defines a group with an empty name, as sendmail
 * does.
 */
int cfp_queue_line(const struct ctx *c, char *s);

/* cfp_group_free - release what a defined group owns */
void cfp_group_free(struct cf_group *g);

/*
 * cfp_read_long - a number as atol()/atoi() would read it (leading white
 * space, a sign, digits; empty is 0), but refusing the trailing bytes
 * they ignore and values outside [min, max].
 */
bool cfp_read_long(const char *s, long min, long max, long *out);

/* cfp_atoi - atoi(): the leading number, 0 if none; clamped to int */
int cfp_atoi(const char *s);

/*
 * cfp_read_bool - util.c atobool(): true when empty or starting with t, T, y
 * or Y; anything else, "1" and "on" included, is false.
 */
bool cfp_read_bool(const char *s);

/*
 * cfp_read_mode - util.c atooct() & 0777: octal digits only (empty is 0);
 * sendmail stops at anything else, here it is refused.  Only the low
 * nine bits are kept, so no length of digits can overflow.
 */
bool cfp_read_mode(const char *s, mode_t *out);

/*
 * cfp_set_timeout - readcf.c settimeout(): queuewarn values default to hours,
 * queuereturn values to days.  A name sendmail does not know is ignored
 * in a file ("invalid timeout") and refused on the command line.
 */
int cfp_set_timeout(const struct ctx *c, const char *name, const char *val);

/*
 * cfp_init_timeouts - readcf.c inittimeouts(): "Timeout" without a
 * suboption takes a comma-separated list.  An entry starting with a digit
 * is the old syntax for the SMTP timeouts (not kept); otherwise the name
 * ends at the first ':', or failing that the first '='; an entry with
 * neither is skipped.
 */
int cfp_init_timeouts(const struct ctx *c, char *val);

/* cfp_apply_queuetimeout - option T "return[/warn]": the warning is set
 * first */
int cfp_apply_queuetimeout(const struct ctx *c, char *val);

/*
 * cfp_read_time - convtime.c convtime(): "now" (case ignored) is CF_TIME_NOW;
 * otherwise an optional '-', then numbers each followed by a unit w, d,
 * h, m or s, the last one's unit optional (then `units'); "4h30m", "5d",
 * "90".  A number without digits counts 0 ("d" is 0 days).  sendmail
 * complains "Invalid time unit" about any other byte and goes on with
 * the default unit; here that is refused, as is a sum that overflows.
 */
bool cfp_read_time(const char *s, int units, long long *out);

#endif /* MQ_CF_PRIVATE_H */
