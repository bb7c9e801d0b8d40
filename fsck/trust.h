/*
 * trust.h - who could have written a queue file, decided before any
 * repair (wave 2's "trust before repair"): a fix never makes a file
 * that someone untrusted could have written a file sendmail trusts.
 */
#ifndef MQ_TRUST_H
#define MQ_TRUST_H

#include <stdbool.h>
#include <sys/stat.h>

#include "fsck.h"
#include "sio.h"

/*
 * trust_owner - whoever owns the file is trusted with the queue: root,
 * the queue runner, TrustedUser, --owner's and --adopt-owner's user; and
 * for the MSP (UseMSP with a group-writable QueueFileMode) the user who
 * submitted it, in the queue runner's group (readqf()'s MSP exception,
 * sendmail-queue.md 6.1)
 */
bool trust_owner(const struct policy *p, const struct stat *st);

/*
 * trust_control - a control file (qf hf Qf tf Tf) is the queue's own:
 * its owner is trusted and no one else may write it (readqf()'s qsafe
 * bits: group write only when QueueFileMode has it, never world write),
 * unless --adopt-owner names its owner
 */
bool trust_control(const struct policy *p, const struct stat *st);

/* how a candidate body came to the name it has */
enum body_route {
	/* e2fsck linked it into lost+found (which need not touch its times) */
	BODY_VIA_FSCK,
	/* it has another job's name, or another directory, than the one
	 * collect() made it under: a rename or link moved it since */
	BODY_VIA_RENAME
};

/*
 * body_born_for - whether entry `name` of dirfd can be the data file an
 * I line recorded: an inode number is reused once its file is gone (a
 * restore on the same file system recreates every file, often on the
 * numbers the old ones had), so the number alone proves nothing.
 * collect() makes the df as the message comes in and writes all of it
 * before queueup() writes a control file, and a rewrite records the df
 * it found (readqf() fstat()s it); a restore recreates the df, and a
 * copy writes it, after that.  So the file must have been created, and
 * last written, no later than the control file recording it was last
 * written (ctrl_mtime, to the nanosecond: a creation time comes from the
 * kernel's coarse clock and can equal the time of a write made just
 * before it, so the write time is what tells a copy made in that tick);
 * created around when the job came in (T; 0 if not known): from 5
 * minutes before to an hour after; and not in a directory that was
 * itself made after the job came in (a queue directory is there before
 * the mail put into it; a file moved in keeps its older creation time).
 * A body that came by rename (BODY_VIA_RENAME) was renamed or linked
 * after the control file recorded it under its own name, which set its
 * change time: one last changed before the control file was written was
 * made where it is (a restore that copies the data files first).
 * A file system that keeps no creation time gives no such evidence:
 * false.
 */
bool body_born_for(int dirfd, const char *name, long long ctime_T,
    const struct timespec *ctrl_mtime, enum body_route route);

#endif /* MQ_TRUST_H */
