/*
 * closer.c - the last close() of removed files, on threads of its own.
 *
 * Removing a file with unlinkat() only takes its name away while the job's
 * lock still has it open; its blocks are freed at the last close().  On
 * ext4 mounted with -o discard that close waits for the device to discard
 * the freed blocks (ext4_evict_inode -> ext4_free_blocks ->
 * blkdev_issue_discard), about 0.1 ms per file on a virtual disk: step 3
 * spent more time waiting there than working.  Such descriptors are handed
 * here and closed by a few threads at once, which the device serves side
 * by side.
 *
 * Only descriptors of files that have no name left are handed over
 * (closer_close() checks st_nlink == 0): no one can open such a
 * file again, so the lock a pending close still holds cannot stand in the
 * way of anyone, mqfsck's own later locks included.  Every other
 * descriptor is closed at once, so a lock on a file that still exists is
 * released exactly when step 3 releases it.
 *
 * Bounded: at most CLOSER_QUEUE descriptors wait; a full queue makes the
 * caller wait for room.  closer_finish() returns when every handed
 * descriptor is closed.
 */
#include "closer.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLOSER_QUEUE 256
#define CLOSER_THREADS_MAX 8

struct closer {
	pthread_mutex_t mu;
	pthread_cond_t room;	/* a slot freed, or the end */
	pthread_cond_t work;	/* a descriptor queued, or the end */
	int fds[CLOSER_QUEUE];
	size_t head, count;
	bool ending;
	pthread_t tid[CLOSER_THREADS_MAX];
	unsigned nthreads;
};

/* closing - a thread's loop: take a descriptor, close it, until the end */
static void *
closing(void *arg)
{
	struct closer *c = arg;

	(void)pthread_mutex_lock(&c->mu);
	for (;;) {
		int fd;

		while (c->count == 0 && !c->ending)
			(void)pthread_cond_wait(&c->work, &c->mu);
		if (c->count == 0)
			break;
		fd = c->fds[c->head];
		c->head = (c->head + 1) % CLOSER_QUEUE;
		c->count--;
		(void)pthread_cond_signal(&c->room);
		(void)pthread_mutex_unlock(&c->mu);
		(void)close(fd);
		(void)pthread_mutex_lock(&c->mu);
	}
	(void)pthread_mutex_unlock(&c->mu);
	return NULL;
}

struct closer *
closer_start(unsigned nthreads)
{
	struct closer *c;

	if (nthreads == 0)
		return NULL;
	if (nthreads > CLOSER_THREADS_MAX)
		nthreads = CLOSER_THREADS_MAX;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c);
		return NULL;
	}
	if (pthread_cond_init(&c->room, NULL) != 0 ||
	    pthread_cond_init(&c->work, NULL) != 0) {
		/* Destroying a condition that was never made is undefined:
		 * give up on threads altogether (callers close inline). */
		(void)pthread_mutex_destroy(&c->mu);
		free(c);
		return NULL;
	}
	for (; c->nthreads < nthreads; c->nthreads++)
		if (pthread_create(&c->tid[c->nthreads], NULL, closing, c) != 0)
			break;
	if (c->nthreads == 0) {
		closer_finish(c);
		return NULL;
	}
	return c;
}

void
closer_close(struct closer *c, int fd)
{
	struct stat st;

	if (c == NULL || fstat(fd, &st) < 0 || st.st_nlink != 0) {
		(void)close(fd);
		return;
	}
	(void)pthread_mutex_lock(&c->mu);
	while (c->count == CLOSER_QUEUE)
		(void)pthread_cond_wait(&c->room, &c->mu);
	c->fds[(c->head + c->count) % CLOSER_QUEUE] = fd;
	c->count++;
	(void)pthread_cond_signal(&c->work);
	(void)pthread_mutex_unlock(&c->mu);
}

void
closer_finish(struct closer *c)
{
	unsigned i;

	if (c == NULL)
		return;
	(void)pthread_mutex_lock(&c->mu);
	c->ending = true;
	(void)pthread_cond_broadcast(&c->work);
	(void)pthread_mutex_unlock(&c->mu);
	for (i = 0; i < c->nthreads; i++)
		(void)pthread_join(c->tid[i], NULL);
	(void)pthread_cond_destroy(&c->work);
	(void)pthread_cond_destroy(&c->room);
	(void)pthread_mutex_destroy(&c->mu);
	free(c);
}
