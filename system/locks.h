/*
 * locks.h - which files other processes hold locks on, from /proc/locks.
 *
 * sendmail marks a job in use with flock() (Debian's HASFLOCK build) or
 * fcntl() locks (sendmail-queue.md 5.1, 5.3 item 3).  Probing every file
 * with flock() would cost three system calls a file; /proc/locks lists
 * every lock on the system with its device and inode, so one read of it
 * answers for the whole queue.  Where /proc/locks cannot be read the
 * caller probes files itself (sio_lock_probe()).
 */
#ifndef MQ_LOCKS_H
#define MQ_LOCKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct lockset {
	uint64_t *dev;		/* sorted pairs: dev[i], ino[i] */
	uint64_t *ino;
	size_t n, cap;
	bool loaded;		/* false: nothing known, probe instead */
};

/* lockset_init - empty */
void lockset_init(struct lockset *ls);

/*
 * lockset_load - add the locks listed in `path` (normally /proc/locks;
 * held locks only, not waiters).  Returns 0, or -1 with err set when the
 * file cannot be read (ls->loaded stays as it was).
 */
int lockset_load(struct lockset *ls, const char *path, struct qerr *err);

/* lockset_has - whether a lock is held on (dev, ino) */
bool lockset_has(const struct lockset *ls, dev_t dev, ino_t ino);

/* lockset_free - release it */
void lockset_free(struct lockset *ls);

#endif /* MQ_LOCKS_H */
