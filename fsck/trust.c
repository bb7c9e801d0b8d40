/*
 * trust.c - who could have written a queue file (trust.h).
 *
 * sendmail's readqf() loses a control file that others may write (its
 * qsafe bits) and runs one its queue runner does not own as unsafe
 * (EF_UNSAFE: program, file and :include: recipients bounce).  mqfsck
 * goes by the same facts, one step earlier: a file someone untrusted
 * could have written is never chowned or chmodded into that trust.
 */
#include "trust.h"

/* trust_owner - the owner is trusted with the queue */
bool
trust_owner(const struct policy *p, const struct stat *st)
{
	uid_t u = st->st_uid;

	if (u == 0 || u == p->runner_uid || u == p->expected_owner ||
	    (p->has_trusted && u == p->trusted_uid) ||
	    (p->has_adopt && u == p->adopt_uid))
		return true;
	return p->use_msp && (p->qfm & S_IWGRP) && st->st_gid == p->runner_gid;
}

/* ts_after - a is later than b */
static bool
ts_after(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/* body_born_for - the file can be the df an I line recorded */
bool
body_born_for(int dirfd, const char *name, long long ctime_T,
    const struct timespec *ctrl_mtime, enum body_route route)
{
	struct sio_times file, dir;
	struct qerr err;

	if (sio_entry_times(dirfd, name, &file, &err) != 0)
		return false;
	/* Made, or written, after the control file that records it. */
	if (ts_after(&file.birth, ctrl_mtime) || ts_after(&file.modify, ctrl_mtime))
		return false;
	/* Moved under this name, but not changed since the record. */
	if (route == BODY_VIA_RENAME && ts_after(ctrl_mtime, &file.change))
		return false;
	if (ctime_T <= 0)
		return true;
	if ((long long)file.birth.tv_sec < ctime_T - 300 ||
	    (long long)file.birth.tv_sec > ctime_T + 3600)
		return false;
	/* Made in a directory that was itself made after the job came in. */
	return sio_entry_times(dirfd, NULL, &dir, &err) != 0 ||
	    (long long)dir.birth.tv_sec <= ctime_T ||
	    ts_after(&dir.birth, &file.birth);
}

/* trust_control - a control file only trusted users could have written */
bool
trust_control(const struct policy *p, const struct stat *st)
{
	mode_t qsafe = S_IWOTH | S_IWGRP;

	if (p->qfm & S_IWGRP)
		qsafe &= ~(mode_t)S_IWGRP;
	if (!trust_owner(p, st))
		return false;
	return !(st->st_mode & qsafe) ||
	    (p->has_adopt && st->st_uid == p->adopt_uid);
}
