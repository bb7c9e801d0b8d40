/*
 * qid.h - queue file names and queue ids, as sendmail 8.17 makes them.
 *
 * A queue file is named <letter>f<id> (sendmail.h "Queue related items").
 * qname_classify() tells what any directory entry name is; qid_decode()
 * takes apart an 8.12+ id into the UTC time, envelope number and PID that
 * queue.c assign_queueid() packed into it.  Nothing here touches the file
 * system; every function accepts arbitrary bytes.
 */
#ifndef MQ_QID_H
#define MQ_QID_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/*
 * gatherq() skips a name of MAXQFNAME (21) characters or more with a
 * LOG_ALERT "too long" (conf.h MAXQFNAME), so letter, 'f' and id together
 * are at most 20 characters and an id at most 18.
 */
#define QNAME_MAX_LEN 20
#define QID_MAX_LEN (QNAME_MAX_LEN - 2)

/* File-type letters (sendmail.h NORMQF_LETTER ... XSCRPT_LETTER). */
#define QL_CONTROL 'q'	 /* qf: control file of a job */
#define QL_HELD 'h'	 /* hf: quarantined control file (8.13+) */
#define QL_LOST 'Q'	 /* Qf: control file set aside by loseqfile() */
#define QL_DATA 'd'	 /* df: message body */
#define QL_TEMP 't'	 /* tf: control file being rewritten */
#define QL_TEMP_ASIDE 'T' /* Tf: stale tf renamed by queueup()'s retry loop */
#define QL_XSCRIPT 'x'	 /* xf: transcript */

enum qname_class {
	QN_FOREIGN = 0, /* nothing sendmail creates or reads */
	QN_DOT,		/* "." or ".." */
	QN_SUBDIR,	/* exactly "qf", "df" or "xf": sendmail's subdirectories */
	QN_JOB,		/* <q d t x h Q T>f<id>: a file of a job */
	QN_OBSOLETE,	/* lf, nf (sendmail 4.x/5.x), Df (Debian clean_queues) */
};

enum qid_format {
	QID_NONE = 0, /* the name has no id part */
	QID_V812,     /* 8.12 and later: YMDhms, 2 envelope chars, PID >= 6 digits */
	QID_V810,     /* 8.10/8.11: YMDhms, 1 envelope char, PID >= 5 digits */
	QID_V87,      /* 8.7 to 8.9: [A-X][A-~][A-Z] then PID >= 5 digits */
	QID_V5,	      /* before 8.7: "AA" then PID >= 5 digits */
	QID_OTHER,    /* none of these; a qf of this name is still a job */
};

struct qname {
	enum qname_class cls;
	char letter;		  /* type letter (QN_JOB, QN_OBSOLETE), else 0 */
	const char *id;		  /* id part, pointing into the name; NULL if none */
	size_t id_len;		  /* bytes of id */
	enum qid_format id_format;
	bool too_long;		  /* over QNAME_MAX_LEN: gatherq() skips it */
};

/*
 * qname_classify - say what directory entry `name` (len bytes, any
 * bytes at all) is.  The result points into `name`.
 */
void qname_classify(const char *name, size_t len, struct qname *out);

/* qname_letter_is_control - q, h, Q, t, T: files holding control lines */
bool qname_letter_is_control(char letter);

/* What an 8.12+ (or 8.10) id encodes, all fields in UTC. */
struct qid_fields {
	int year60;		/* tm_year % 60 (tm_year counts from 1900) */
	int mon;		/* 0-11 */
	int mday;		/* 1-31 */
	int hour;		/* 0-23 */
	int min;		/* 0-59 */
	int sec;		/* 0-61 (60, 61: leap seconds) */
	int envelope;		/* 0-3599 for 8.12+, 0-59 for 8.10 */
	unsigned long long pid;	/* PID of the process that made the id */
};

/*
 * qid_decode - take apart an id of format QID_V812 or QID_V810.
 * Returns false (out untouched) for any other bytes.
 */
bool qid_decode(const char *id, size_t len, struct qid_fields *out);

/*
 * qid_time - the id's creation time.  The id keeps the year only modulo
 * 60, so the year chosen is the one that puts the time closest to `near`
 * (a file's mtime, or now).
 */
time_t qid_time(const struct qid_fields *f, time_t near);

/* qid_format_name - "8.12+", "8.10", ... for messages */
const char *qid_format_name(enum qid_format fmt);

#endif /* MQ_QID_H */
