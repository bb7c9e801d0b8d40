/*
 * qid.c - classify queue directory entry names and decode queue ids.
 *
 * Facts relied on (sendmail 8.17, queue.c and sendmail.h):
 *  - gatherq() takes any name whose first two bytes are <mode letter>'f'
 *    as a job and never validates the id; so an odd id is reported, but a
 *    qf with one is still a job.
 *  - assign_queueid() (8.12+) writes YMDhms in base 62 from gmtime(),
 *    the year as tm_year % 60, two base-60 envelope characters and the
 *    PID with "%06d"; 8.10/8.11 wrote one envelope character and "%05d".
 *  - "qf", "df", "xf" are the subdirectory names multiqueue_cache() looks
 *    for; gatherq() skips non-regular entries of exactly those names (and
 *    "hf", "Qf") silently.
 * No allocation; every function is total over arbitrary bytes.
 */
#include <string.h>

#include "qid.h"

/* b62 - value of a base-62 id character (0-9 A-Z a-z), or -1 */
static int
b62(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 36;
	return -1;
}

/* in_range - base-62 value of c is in [lo, hi] */
static bool
in_range(unsigned char c, int lo, int hi)
{
	int v = b62(c);

	return v >= lo && v <= hi;
}

/* all_digits - s[0..n) are decimal digits and n is in [min, max] */
static bool
all_digits(const unsigned char *s, size_t n, size_t min, size_t max)
{
	size_t i;

	if (n < min || n > max)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/*
 * date_ok - day of month possible for the month in some year.  The year
 * is known only modulo 60, so February allows 29.
 */
static bool
date_ok(int mon, int mday)
{
	static const unsigned char mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return mon >= 0 && mon < 12 && mday >= 1 && mday <= mdays[mon];
}

/* time_part_ok - positions 0-5: Y M D h m s as assign_queueid() writes */
static bool
time_part_ok(const unsigned char *s, int max_sec)
{
	return in_range(s[0], 0, 59) && in_range(s[1], 0, 11) &&
	    in_range(s[2], 1, 31) && in_range(s[3], 0, 23) &&
	    in_range(s[4], 0, 59) && in_range(s[5], 0, max_sec) &&
	    date_ok(b62(s[1]), b62(s[2]));
}

/* id_format - which id grammar, if any, s[0..n) follows */
static enum qid_format
id_format(const unsigned char *s, size_t n)
{
	if (n == 0)
		return QID_NONE;
	/* 8.12+: 8 characters, then at least 6 PID digits. */
	if (n >= 14 && n <= QID_MAX_LEN && time_part_ok(s, 61) &&
	    in_range(s[6], 0, 59) && in_range(s[7], 0, 59) &&
	    all_digits(s + 8, n - 8, 6, QID_MAX_LEN - 8))
		return QID_V812;
	/* 8.10/8.11: 7 base-60 characters, then at least 5 PID digits. */
	if (n >= 12 && n <= QID_MAX_LEN && time_part_ok(s, 59) &&
	    in_range(s[6], 0, 59) && all_digits(s + 7, n - 7, 5, QID_MAX_LEN - 7))
		return QID_V810;
	/* 8.7-8.9: hour letter A-X, then A-~, then A-Z, then the PID. */
	if (n >= 8 && s[0] >= 'A' && s[0] <= 'X' && s[1] >= 'A' &&
	    s[1] <= '~' && s[2] >= 'A' && s[2] <= 'Z' &&
	    all_digits(s + 3, n - 3, 5, QID_MAX_LEN - 3))
		return QID_V87;
	/* 4.x, 5.x and 8.6: "AA" and the PID. */
	if (n >= 7 && s[0] == 'A' && s[1] == 'A' &&
	    all_digits(s + 2, n - 2, 5, QID_MAX_LEN - 2))
		return QID_V5;
	return QID_OTHER;
}

/* qname_letter_is_control - letters of files that hold control lines */
bool
qname_letter_is_control(char letter)
{
	return letter == QL_CONTROL || letter == QL_HELD ||
	    letter == QL_LOST || letter == QL_TEMP || letter == QL_TEMP_ASIDE;
}

/* job_letter - letters sendmail 8.17 gives queue files */
static bool
job_letter(unsigned char c)
{
	return c != '\0' && strchr("qdtxhQT", c) != NULL;
}

/* qname_classify - what a directory entry name is */
void
qname_classify(const char *name, size_t len, struct qname *out)
{
	const unsigned char *s = (const unsigned char *)name;

	memset(out, 0, sizeof(*out));
	out->too_long = len > QNAME_MAX_LEN;
	if ((len == 1 && s[0] == '.') ||
	    (len == 2 && s[0] == '.' && s[1] == '.')) {
		out->cls = QN_DOT;
		return;
	}
	if (len < 2 || s[1] != 'f') {
		out->cls = QN_FOREIGN;
		return;
	}
	if (len == 2 && (s[0] == 'q' || s[0] == 'd' || s[0] == 'x')) {
		out->cls = QN_SUBDIR;
		return;
	}
	if (job_letter(s[0]))
		out->cls = QN_JOB;
	else if (s[0] == 'l' || s[0] == 'n' || s[0] == 'D')
		out->cls = QN_OBSOLETE;
	else {
		out->cls = QN_FOREIGN;
		return;
	}
	out->letter = (char)s[0];
	if (len > 2) {
		out->id = name + 2;
		out->id_len = len - 2;
	}
	out->id_format = id_format(s + 2, len - 2);
}

/* qid_decode - the fields of an 8.12+ or 8.10 id */
bool
qid_decode(const char *id, size_t len, struct qid_fields *out)
{
	const unsigned char *s = (const unsigned char *)id;
	enum qid_format fmt = id_format(s, len);
	size_t i, pid_at;
	unsigned long long pid = 0;

	if (fmt != QID_V812 && fmt != QID_V810)
		return false;
	out->year60 = b62(s[0]);
	out->mon = b62(s[1]);
	out->mday = b62(s[2]);
	out->hour = b62(s[3]);
	out->min = b62(s[4]);
	out->sec = b62(s[5]);
	if (fmt == QID_V812) {
		out->envelope = b62(s[6]) * 60 + b62(s[7]);
		pid_at = 8;
	} else {
		out->envelope = b62(s[6]);
		pid_at = 7;
	}
	/* At most 10 digits (QID_MAX_LEN - 8): no overflow is possible. */
	for (i = pid_at; i < len; i++)
		pid = pid * 10 + (unsigned long long)(s[i] - '0');
	out->pid = pid;
	return true;
}

/*
 * days_from_civil - days since 1970-01-01 of a proleptic Gregorian date
 * (Howard Hinnant's public-domain algorithm, restated).
 */
static long long
days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153LL * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* epoch_of - seconds since the epoch of the fields in calendar year y */
static long long
epoch_of(const struct qid_fields *f, long long y)
{
	return days_from_civil(y, f->mon + 1, f->mday) * 86400LL +
	    f->hour * 3600LL + f->min * 60LL + f->sec;
}

/* qid_time - the id's time, with the 60-year ambiguity resolved near `near` */
time_t
qid_time(const struct qid_fields *f, time_t near)
{
	long long near_year, base, best = 0, t, diff, best_diff = -1;
	int k;

	/* Calendar year of `near`, roughly; exactness is not needed since
	 * the candidates are 60 years apart. */
	near_year = 1970 + (long long)near / 31556952LL;
	base = 1900 + f->year60 + 60 * ((near_year - 1900 - f->year60) / 60);
	for (k = -1; k <= 1; k++) {
		t = epoch_of(f, base + 60LL * k);
		diff = t > (long long)near ? t - (long long)near
					   : (long long)near - t;
		if (best_diff < 0 || diff < best_diff) {
			best_diff = diff;
			best = t;
		}
	}
	return (time_t)best;
}

/* qid_format_name - short name of an id grammar */
const char *
qid_format_name(enum qid_format fmt)
{
	switch (fmt) {
	case QID_NONE:
		return "none";
	case QID_V812:
		return "8.12+";
	case QID_V810:
		return "8.10";
	case QID_V87:
		return "8.7";
	case QID_V5:
		return "pre-8.7";
	case QID_OTHER:
		return "nonstandard";
	}
	return "nonstandard";
}
