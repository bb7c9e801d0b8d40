/*
 * logsys.h - problems and fixes to syslog (facility mail), under -p or
 * with --syslog, so that what a boot-time run found and did is in the
 * mail log beside what sendmail logs about the same jobs.
 */
#ifndef MQ_LOGSYS_H
#define MQ_LOGSYS_H

#include <stdbool.h>

enum logsys_kind {
	LOGSYS_PROBLEM,		/* a problem found: warning */
	LOGSYS_NOTICE,		/* a notice found: notice */
	LOGSYS_FIXED,		/* a fix made: notice */
	LOGSYS_NOT_FIXED,	/* a fix that could not be made: err */
	LOGSYS_ERROR,		/* something could not be checked: err */
	LOGSYS_SUMMARY,		/* the last line: info */
	LOGSYS_UNEXPECTED,	/* -p: a human is needed: crit */
};

/* logsys_open - start logging (openlog, ident "mqfsck", facility mail) */
void logsys_open(void);

/* logsys_on - logging was started */
bool logsys_on(void);

/* logsys - one line (printable text, as the report prints it) */
void logsys(enum logsys_kind kind, const char *line);

/* logsys_close - closelog */
void logsys_close(void);

#endif /* MQ_LOGSYS_H */
