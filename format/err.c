/*
 * err.c - failure records for the library layers, and BUG().
 *
 * qerr_set() formats into a fixed buffer: a reason can never grow memory
 * or overrun, whatever bytes a hostile file name contributes.  Names are
 * expected to be escaped by the caller before they reach a message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

/* qerr_set - record errno and a formatted reason */
void
qerr_set(struct qerr *err, int sys_errno, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->sys_errno = sys_errno;
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

/* qerr_clear - reset to "no error" */
void
qerr_clear(struct qerr *err)
{
	if (err == NULL)
		return;
	err->sys_errno = 0;
	err->msg[0] = '\0';
}

/* bug_at - report a programming error and abort */
void
bug_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	(void)fprintf(stderr, "BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	(void)fputc('\n', stderr);
	abort();
}
