/*
 * logsys.c - problems and fixes to syslog, facility mail.
 *
 * Each problem and each fix goes to syslog as the same line the report
 * prints (queue, code, name, id, message), already escaped, so a line
 * of the mail log can be found in the report and back.  The priorities
 * say what a log watcher should care about: a problem is a warning, a
 * fix made a notice, a fix that failed or something that could not be
 * checked an error, and -p's "run mqfsck manually" critical, since the
 * boot then waits for a human.  LOG_NDELAY opens the socket at once,
 * before any repair starts, and LOG_PID names the run.
 */
#include <syslog.h>

#include "logsys.h"

static bool opened;

void
logsys_open(void)
{
	if (opened)
		return;
	openlog("mqfsck", LOG_PID | LOG_NDELAY, LOG_MAIL);
	opened = true;
}

bool
logsys_on(void)
{
	return opened;
}

void
logsys(enum logsys_kind kind, const char *line)
{
	static const int prio[] = {
		[LOGSYS_PROBLEM] = LOG_WARNING,
		[LOGSYS_NOTICE] = LOG_NOTICE,
		[LOGSYS_FIXED] = LOG_NOTICE,
		[LOGSYS_NOT_FIXED] = LOG_ERR,
		[LOGSYS_ERROR] = LOG_ERR,
		[LOGSYS_SUMMARY] = LOG_INFO,
		[LOGSYS_UNEXPECTED] = LOG_CRIT,
	};

	if (!opened)
		return;
	syslog(prio[kind], "%s", line);
}

void
logsys_close(void)
{
	if (!opened)
		return;
	closelog();
	opened = false;
}
