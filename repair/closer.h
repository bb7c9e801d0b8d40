/*
 * closer.h - the last close() of removed files, on threads of its own
 * (see closer.c for why).
 */
#ifndef MQ_CLOSER_H
#define MQ_CLOSER_H

#include <stdbool.h>

struct closer;

/*
 * closer_start - nthreads threads (at most 8) that close what they are
 * handed; NULL when nthreads is 0 or threads cannot be made (then
 * closer_close() closes at once)
 */
struct closer *closer_start(unsigned nthreads);

/*
 * closer_close - fd closed: by c's threads when its file has no name left
 * (st_nlink 0: no one can open it again, so the lock it holds matters to
 * no one), at once otherwise or when c is NULL
 */
void closer_close(struct closer *c, int fd);

/* closer_finish - every descriptor handed to c closed, its threads ended */
void closer_finish(struct closer *c);

#endif
