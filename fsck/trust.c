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

/* body_born_for - the file can be the df an I line recorded */
bool
body_born_for(int dirfd, const char *name, long long ctime_T,
    const struct timespec *ctrl_mtime)
{
	struct timespec bt;
	struct qerr err;

	if (sio_birth_time(dirfd, name, &bt, &err) != 0)
		return false;
	if (bt.tv_sec > ctrl_mtime->tv_sec ||
	    (bt.tv_sec == ctrl_mtime->tv_sec && bt.tv_nsec > ctrl_mtime->tv_nsec))
		return false;
	return ctime_T <= 0 || ((long long)bt.tv_sec >= ctime_T - 300 &&
	    (long long)bt.tv_sec <= ctime_T + 3600);
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
