/*
 * prefetch.c - read ahead of pass 1: worker threads look up, and for
 * control files read, the entries of a directory listing a window ahead
 * of the scan, so that a disk that serves many requests at once (most
 * virtual and network disks, an SSD) does so while the page cache is
 * cold, as at boot after a crash.  The scan itself is unchanged and runs
 * alone in the main thread, in its order: it finds the inodes and the
 * control files' pages cached.  Nothing the workers see is used, so the
 * output cannot depend on their timing; a file that changes in between
 * is judged as the scan finds it, as before.
 *
 * What a worker does is what the scan does first (stat_entry()), nothing
 * more: an fstatat() without following links, or, for a control file the
 * listing calls regular, sio_open_regular() (O_NOFOLLOW, O_NONBLOCK,
 * fstat() says regular) and posix_fadvise(WILLNEED), so that the kernel
 * reads its pages in the background; nothing is read into memory.  No
 * writes, no locks taken (flock() locks belong to an open file
 * description, so closing the worker's descriptor leaves the scan's and
 * sendmail's alone).  The window bounds how far ahead of the scan the
 * cache is filled, so a huge queue does not evict what the scan has yet
 * to read.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirlist.h"
#include "prefetch.h"
#include "qid.h"
#include "sio.h"

#define PREFETCH_WINDOW 4096	/* entries ahead of the scan */
#define PREFETCH_STEP 1024	/* the scan says where it is this often */
#define PREFETCH_CHUNK 32	/* entries a worker takes at once */

struct prefetch {
	pthread_mutex_t mu;
	pthread_cond_t more;	/* the scan moved on, or stop */
	const struct dirlist *dl;
	int dirfd;
	size_t next;		/* the next entry a worker takes */
	size_t scan_pos;	/* where the scan is */
	bool stop;
	unsigned nthreads;
	pthread_t *tids;
};

/* touch - bring one entry's inode, and a control file's pages, into the
 * cache, choosing as stat_entry() does; errors are the scan's to say */
static void
touch(int dirfd, const char *name, unsigned char dtype)
{
	struct qname qn;
	struct stat st;
	struct qerr err;
	int fd;

	qname_classify(name, strlen(name), &qn);
	if (dtype == DT_REG && qn.cls == QN_JOB && !qn.too_long &&
	    qname_letter_is_control(qn.letter)) {
		fd = sio_open_regular(dirfd, name, &st, &err);
		if (fd < 0)
			return;
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
		(void)close(fd);
		return;
	}
	(void)fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW);
}

/* worker - take entries in order until the list ends or stop */
static void *
worker(void *arg)
{
	struct prefetch *pf = arg;
	size_t i, j, end;

	for (;;) {
		(void)pthread_mutex_lock(&pf->mu);
		while (!pf->stop && pf->next < pf->dl->n &&
		    pf->next >= pf->scan_pos + PREFETCH_WINDOW)
			(void)pthread_cond_wait(&pf->more, &pf->mu);
		if (pf->stop || pf->next >= pf->dl->n) {
			(void)pthread_mutex_unlock(&pf->mu);
			break;
		}
		i = pf->next;
		end = i + PREFETCH_CHUNK < pf->dl->n ? i + PREFETCH_CHUNK
						      : pf->dl->n;
		pf->next = end;
		(void)pthread_mutex_unlock(&pf->mu);
		for (j = i; j < end; j++)
			touch(pf->dirfd, dirlist_name(pf->dl, j),
			    dirlist_type(pf->dl, j));
	}
	return NULL;
}

struct prefetch *
prefetch_start(int dirfd, const struct dirlist *dl, unsigned nthreads)
{
	struct prefetch *pf;
	sigset_t all, old;
	unsigned i;

	if (nthreads == 0 || dl->n < 2)
		return NULL;
	if ((pf = calloc(1, sizeof(*pf))) == NULL)
		return NULL;
	if ((pf->tids = calloc(nthreads, sizeof(*pf->tids))) == NULL) {
		free(pf);
		return NULL;
	}
	(void)pthread_mutex_init(&pf->mu, NULL);
	(void)pthread_cond_init(&pf->more, NULL);
	pf->dl = dl;
	pf->dirfd = dirfd;
	/* Signals (SIGINT, SIGTERM, the time limit's) stay the main
	 * thread's: the workers block them all. */
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&pf->tids[i], NULL, worker, pf) != 0)
			break;
		pf->nthreads++;
	}
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pf->nthreads == 0) {
		prefetch_stop(pf);
		return NULL;
	}
	return pf;
}

void
prefetch_advance(struct prefetch *pf, size_t pos)
{
	if (pf == NULL || pos % PREFETCH_STEP != 0)
		return;
	(void)pthread_mutex_lock(&pf->mu);
	pf->scan_pos = pos;
	(void)pthread_cond_broadcast(&pf->more);
	(void)pthread_mutex_unlock(&pf->mu);
}

void
prefetch_stop(struct prefetch *pf)
{
	unsigned i;

	if (pf == NULL)
		return;
	(void)pthread_mutex_lock(&pf->mu);
	pf->stop = true;
	(void)pthread_cond_broadcast(&pf->more);
	(void)pthread_mutex_unlock(&pf->mu);
	for (i = 0; i < pf->nthreads; i++)
		(void)pthread_join(pf->tids[i], NULL);
	(void)pthread_cond_destroy(&pf->more);
	(void)pthread_mutex_destroy(&pf->mu);
	free(pf->tids);
	free(pf);
}
