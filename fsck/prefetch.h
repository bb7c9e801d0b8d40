/*
 * prefetch.h - read ahead of pass 1 on worker threads (prefetch.c): the
 * cache filled a window ahead of the scan; the scan and its output are
 * unchanged.
 */
#ifndef MQ_PREFETCH_H
#define MQ_PREFETCH_H

#include <stddef.h>

struct dirlist;
struct prefetch;

/* The default number of worker threads (--scan-threads). */
#define MQ_SCAN_THREADS 16
#define MQ_SCAN_THREADS_MAX 64

/*
 * prefetch_start - nthreads workers over the entries of dl in directory
 * dirfd; NULL (and the scan alone, as it would be anyway) when nthreads
 * is 0, the list is too short to gain, or no thread could be started.
 * dl and dirfd must stay valid until prefetch_stop().
 */
struct prefetch *prefetch_start(int dirfd, const struct dirlist *dl,
    unsigned nthreads);

/* prefetch_advance - the scan has reached entry pos (NULL: nothing) */
void prefetch_advance(struct prefetch *pf, size_t pos);

/* prefetch_stop - stop and join the workers, free (NULL: nothing) */
void prefetch_stop(struct prefetch *pf);

#endif /* MQ_PREFETCH_H */
