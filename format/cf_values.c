/*
 * cf_values.c - the values of sendmail.cf options as readcf.c reads
 * them: numbers (atoi()/strtol()), modes (octal), booleans (atobool()),
 * durations (convtime(): "1d2h", a unit per option), and the Timeout
 * options (settimeout()), of which the queue ones are kept.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_private.h"
#include "esc.h"

/*
 * The timeouts of readcf.c TimeOutTab.  Only the queue ones are kept;
 * the rest are listed so that cf_set_option() can tell a valid name from
 * a typo.  The codes of a class-less name and its normal and urgent
 * variants are consecutive because settimeout() makes the class-less
 * name sticky for exactly those three (its "addopts" of 2), not for
 * non-urgent or dsn.
 */
enum to_code {
	TO_OTHER = -1,
	TO_QW_ALL = 0,
	TO_QW_NORMAL,
	TO_QW_URGENT,
	TO_QW_NONURGENT,
	TO_QW_DSN,
	TO_QR_ALL,
	TO_QR_NORMAL,
	TO_QR_URGENT,
	TO_QR_NONURGENT,
	TO_QR_DSN,
};

/* clang-format off */
static const struct {
	const char *name;
	int code;
} to_tab[] = {
	{ "initial", TO_OTHER }, { "mail", TO_OTHER }, { "rcpt", TO_OTHER },
	{ "datainit", TO_OTHER }, { "datablock", TO_OTHER },
	{ "datafinal", TO_OTHER }, { "command", TO_OTHER },
	{ "rset", TO_OTHER }, { "helo", TO_OTHER }, { "quit", TO_OTHER },
	{ "misc", TO_OTHER }, { "ident", TO_OTHER },
	{ "fileopen", TO_OTHER }, { "connect", TO_OTHER },
	{ "iconnect", TO_OTHER },
	{ "queuewarn", TO_QW_ALL }, { "queuewarn.*", TO_QW_ALL },
	{ "queuewarn.normal", TO_QW_NORMAL },
	{ "queuewarn.urgent", TO_QW_URGENT },
	{ "queuewarn.non-urgent", TO_QW_NONURGENT },
	{ "queuereturn", TO_QR_ALL }, { "queuereturn.*", TO_QR_ALL },
	{ "queuereturn.normal", TO_QR_NORMAL },
	{ "queuereturn.urgent", TO_QR_URGENT },
	{ "queuereturn.non-urgent", TO_QR_NONURGENT },
	{ "hoststatus", TO_OTHER }, { "resolver.retrans", TO_OTHER },
	{ "resolver.retrans.normal", TO_OTHER },
	{ "resolver.retrans.first", TO_OTHER },
	{ "resolver.retry", TO_OTHER }, { "resolver.retry.normal", TO_OTHER },
	{ "resolver.retry.first", TO_OTHER }, { "control", TO_OTHER },
	{ "lhlo", TO_OTHER }, { "auth", TO_OTHER }, { "starttls", TO_OTHER },
	{ "aconnect", TO_OTHER },
	{ "queuewarn.dsn", TO_QW_DSN }, { "queuereturn.dsn", TO_QR_DSN },
};
/* clang-format on */

/*
 * cfp_read_long - a number as atol()/atoi() would read it (leading white
 * space, a sign, digits; empty is 0), but refusing the trailing bytes
 * they ignore and values outside [min, max].
 */
bool
cfp_read_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	while (is_space((unsigned char)*s))
		s++;
	if (*s == '\0') {
		*out = 0;
		return true;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno == ERANGE || v < min || v > max)
		return false;
	*out = v;
	return true;
}

/*
 * cfp_atoi - atoi(): leading white space, a sign, the digits up to the
 * first other byte (none: 0); clamped to int where atoi() would overflow.
 */
int
cfp_atoi(const char *s)
{
	long long v = 0;
	bool neg = false;

	while (is_space((unsigned char)*s))
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++)
		if (v <= (long long)INT_MAX + 1)
			v = v * 10 + (*s - '0');
	if (neg)
		v = -v;
	if (v > INT_MAX)
		return INT_MAX;
	return v < INT_MIN ? INT_MIN : (int)v;
}

/*
 * cfp_read_mode - util.c atooct() & 0777: octal digits only (empty is 0);
 * sendmail stops at anything else, here it is refused.  Only the low
 * nine bits are kept, so no length of digits can overflow.
 */
bool
cfp_read_mode(const char *s, mode_t *out)
{
	unsigned v = 0;

	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '7')
			return false;
		v = ((v << 3) | (unsigned)(*s - '0')) & 0777;
	}
	*out = (mode_t)v;
	return true;
}

/* unit_seconds - seconds in one convtime() unit, 0 if c is none */
static long long
unit_seconds(int c)
{
	switch (c) {
	case 'w':
		return 7LL * 24 * 3600;
	case 'd':
		return 24LL * 3600;
	case 'h':
		return 3600;
	case 'm':
		return 60;
	case 's':
		return 1;
	default:
		return 0;
	}
}

/*
 * cfp_read_time - convtime.c convtime(): "now" (case ignored) is CF_TIME_NOW;
 * otherwise an optional '-', then numbers each followed by a unit w, d,
 * h, m or s, the last one's unit optional (then `units'); "4h30m", "5d",
 * "90".  A number without digits counts 0 ("d" is 0 days).  sendmail
 * complains "Invalid time unit" about any other byte and goes on with
 * the default unit; here that is refused, as is a sum that overflows.
 */
bool
cfp_read_time(const char *s, int units, long long *out)
{
	const long long cap = LLONG_MAX / 2;
	long long total = 0, t, mult;
	bool neg = false;

	if (case_eq(s, "now")) {
		*out = CF_TIME_NOW;
		return true;
	}
	if (*s == '-') {
		neg = true;
		s++;
	}
	while (*s != '\0') {
		for (t = 0; is_digit((unsigned char)*s); s++) {
			if (t > (cap - 9) / 10)
				return false;
			t = t * 10 + (*s - '0');
		}
		mult = unit_seconds(*s == '\0' ? units : (unsigned char)*s);
		if (mult == 0 || t > (cap - total) / mult)
			return false;
		total += t * mult;
		if (*s != '\0')
			s++;
	}
	*out = neg ? -total : total;
	return true;
}

/*
 * cfp_read_bool - util.c atobool(): true when empty or starting with t, T, y
 * or Y; anything else, "1" and "on" included, is false.
 */
bool
cfp_read_bool(const char *s)
{
	return *s == '\0' || strchr("tTyY", *s) != NULL;
}

/* to_lookup - index in to_tab of a timeout name (case ignored), or -1 */
static int
to_lookup(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(to_tab) / sizeof(to_tab[0]); i++)
		if (case_eq(to_tab[i].name, name))
			return (int)i;
	return -1;
}

/* store_time - one queue timeout into its class or, class-less, all */
static void
store_time(struct cf *cf, int code, long long v)
{
	bool warn = code <= TO_QW_DSN;
	int base = warn ? TO_QW_ALL : TO_QR_ALL;
	long long *vals = warn ? cf->queue_warn : cf->queue_return;
	bool *has = warn ? cf->has_queue_warn : cf->has_queue_return;
	int cls, i;

	if (code == base) {
		for (i = 0; i < CF_TOC_N; i++) {
			vals[i] = v;
			has[i] = true;
		}
		return;
	}
	if (code == base + 1)
		cls = CF_TOC_NORMAL;
	else if (code == base + 2)
		cls = CF_TOC_URGENT;
	else if (code == base + 3)
		cls = CF_TOC_NONURGENT;
	else
		cls = CF_TOC_DSN;
	vals[cls] = v;
	has[cls] = true;
}

/*
 * cfp_set_timeout - readcf.c settimeout(): queuewarn values default to hours,
 * queuereturn values to days.  A name sendmail does not know is ignored
 * in a file ("invalid timeout") and refused on the command line.
 */
int
cfp_set_timeout(const struct ctx *c, const char *name, const char *val)
{
	char e[72];
	int i = to_lookup(name), code;
	long long v;
	unsigned bits;

	if (i < 0) {
		if (c->file != NULL)
			return 0;
		return cfp_fail(c, EINVAL, "Timeout.%s: no such timeout",
		    esc_str(e, sizeof(e), name));
	}
	code = to_tab[i].code;
	if (code == TO_OTHER)
		return 0;
	if (!c->sticky && (c->cf->sticky_timeout & (1u << code)) != 0)
		return 0;
	if (!cfp_read_time(val, code <= TO_QW_DSN ? 'h' : 'd', &v))
		return cfp_bad_value(c, "Timeout", val, "a time");
	store_time(c->cf, code, v);
	if (c->sticky) {
		bits = 1u << code;
		if (code == TO_QW_ALL || code == TO_QR_ALL)
			bits |= 6u << code;
		c->cf->sticky_timeout |= bits;
	}
	return 0;
}

/*
 * cfp_init_timeouts - readcf.c inittimeouts(): "Timeout" without a
 * suboption takes a comma-separated list.  An entry starting with a digit
 * is the old syntax for the SMTP timeouts (not kept); otherwise the name
 * ends at the first ':', or failing that the first '='; an entry with
 * neither is skipped.
 */
int
cfp_init_timeouts(const struct ctx *c, char *val)
{
	char *p, *q;

	for (;; val = p) {
		while (is_space((unsigned char)*val))
			val++;
		if (*val == '\0')
			return 0;
		p = val + strcspn(val, ",");
		if (*p != '\0')
			*p++ = '\0';
		if (is_digit((unsigned char)*val))
			continue;
		q = strchr(val, ':');
		if (q == NULL)
			q = strchr(val, '=');
		if (q == NULL)
			continue;
		*q++ = '\0';
		if (cfp_set_timeout(c, val, q) < 0)
			return -1;
	}
}

/* cfp_apply_queuetimeout - option T "return[/warn]": the warning is set first */
int
cfp_apply_queuetimeout(const struct ctx *c, char *val)
{
	char *slash = strchr(val, '/');

	if (slash != NULL) {
		*slash = '\0';
		if (cfp_set_timeout(c, "queuewarn", slash + 1) < 0)
			return -1;
	}
	return cfp_set_timeout(c, "queuereturn", val);
}
