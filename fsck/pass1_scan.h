/*
 * pass1_scan.h - passes 1 and 2: one walk over a queue directory.
 *
 * Every entry of the directory and of its qf/ df/ xf/ subdirectories is
 * classified and fstatat()'ed once, in byte order of the names; problems
 * of the entry itself (pass 1) and, for control files, of their contents
 * (pass 2) are reported as the walk reaches them; every queue file goes
 * into the index for the job pass.
 */
#ifndef MQ_PASS1_SCAN_H
#define MQ_PASS1_SCAN_H

#include "fsck.h"
#include "locks.h"
#include "qf.h"
#include "sio.h"

/* What the walk reuses from file to file. */
struct scan_env {
	struct lockset locks;	/* snapshot of /proc/locks */
	struct qf_file qf;	/* the reader, reused */
	struct sio_buf buf;	/* the read buffer, reused */
	long *sendmail_pids;	/* live sendmail processes */
	size_t nsendmail;
};

/*
 * pass1_scan - walk queue directory `qi` of `set` (its fd already open)
 * and add its files to set->idx.  Problems go through pr_fix(); what
 * could not be checked goes through ctx_error().
 */
void pass1_scan(struct fsck_ctx *ctx, struct scan_env *env, struct qset *set,
    uint16_t qi);

/*
 * scan_take_facts - job jb takes what pass 3 needs from the control file
 * qf (of letter): its I line, T line and d line (a queue of set)
 */
void scan_take_facts(const struct qset *set, struct job *jb,
    const struct qf_file *qf, char letter);

/* file_locked - whether another process holds a lock on the file: from
 * the /proc/locks snapshot, or by probing fd when there is none */
bool file_locked(const struct scan_env *env, int fd, const struct stat *st);

#endif /* MQ_PASS1_SCAN_H */
