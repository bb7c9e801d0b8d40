/*
 * arc_gzip.c - the archive's gzip stream, compressed on a thread of its
 * own while the repair reads, hashes and formats the next files.
 *
 * libarchive writes the pax stream uncompressed into gz_write(), which
 * copies it into blocks; a full block goes to the compressing thread,
 * which deflates it (zlib, level 6, with the gzip wrapper: the file is a
 * .tar.gz as any gzip reads it) and writes the result to the archive's
 * file.  That is how `tar czf` works (tar and gzip are two processes),
 * and it takes the compression, the larger part of archiving, off the
 * path of the repair.  Bounded: GZ_BLOCKS blocks of GZ_BLOCK bytes in
 * flight and one output buffer.  A failure of the thread (a full disk)
 * is kept and returned by the next gz_write() and by gz_finish(): the
 * archive is then broken and nothing is changed (arc_commit() fails).
 * The thread blocks every signal; it touches only the fd it was given.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "arc_private.h"

#define GZ_BLOCK ((size_t)256 * 1024)
#define GZ_BLOCKS 4
#define GZ_LEVEL 6		/* gzip's default, as tar czf's */

struct gz {
	int fd;
	z_stream z;
	bool z_ready;		/* deflateInit2() done */
	unsigned char *out;	/* GZ_BLOCK bytes, the thread's */
	unsigned char *alloc[GZ_BLOCKS]; /* the blocks, owned */
	unsigned char *cur;	/* the block being filled (not queued) */
	size_t cur_len;
	pthread_t tid;
	bool started;
	/* Under mu: a ring of full blocks (head .. head + nfull), and the
	 * free blocks. */
	pthread_mutex_t mu;
	unsigned char *ring[GZ_BLOCKS];
	size_t len[GZ_BLOCKS];
	pthread_cond_t changed;
	size_t head, nfull;
	unsigned char *free_list[GZ_BLOCKS];
	size_t nfree;
	bool finishing;		/* no more blocks: end the stream */
	bool done;		/* the thread has ended */
	int fail_errno;		/* the thread's first failure, 0: none */
	char fail_msg[QERR_MSG_MAX];
};

/* put_all - write n bytes to fd */
static int
put_all(int fd, const unsigned char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* squeeze - deflate n bytes at p (flush: Z_NO_FLUSH or Z_FINISH) and
 * write what comes out; an errno (why says what failed), or 0 */
static int
squeeze(struct gz *g, unsigned char *p, size_t n, int flush, char *why,
    size_t whysz)
{
	int zr;

	g->z.next_in = p;
	g->z.avail_in = (uInt)n;
	do {
		g->z.next_out = g->out;
		g->z.avail_out = (uInt)GZ_BLOCK;
		zr = deflate(&g->z, flush);
		if (zr == Z_STREAM_ERROR) {
			(void)snprintf(why, whysz,
			    "compress the archive: zlib stream error");
			return EIO;
		}
		if (put_all(g->fd, g->out, GZ_BLOCK - g->z.avail_out) < 0) {
			int e = errno;

			(void)snprintf(why, whysz, "write the archive: %s",
			    strerror(e));
			return e;
		}
	} while (g->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

/* compressor - deflate the full blocks in order until told to finish */
static void *
compressor(void *arg)
{
	struct gz *g = arg;
	unsigned char *b;
	char why[QERR_MSG_MAX];
	size_t n;
	bool failed, last;
	int e;

	(void)pthread_mutex_lock(&g->mu);
	for (;;) {
		while (g->nfull == 0 && !g->finishing)
			(void)pthread_cond_wait(&g->changed, &g->mu);
		last = g->nfull == 0;	/* and finishing */
		b = last ? NULL : g->ring[g->head];
		n = last ? 0 : g->len[g->head];
		failed = g->fail_errno != 0;
		(void)pthread_mutex_unlock(&g->mu);
		/* After a failure the blocks are only given back, so that
		 * the writer never waits for a thread that does nothing. */
		e = failed ? 0 : squeeze(g, b, n, last ? Z_FINISH : Z_NO_FLUSH,
		    why, sizeof(why));
		(void)pthread_mutex_lock(&g->mu);
		if (e != 0 && g->fail_errno == 0) {
			g->fail_errno = e;
			(void)snprintf(g->fail_msg, sizeof(g->fail_msg), "%s", why);
		}
		if (last)
			break;
		g->free_list[g->nfree++] = b;
		g->head = (g->head + 1) % GZ_BLOCKS;
		g->nfull--;
		(void)pthread_cond_broadcast(&g->changed);
	}
	g->done = true;
	(void)pthread_cond_broadcast(&g->changed);
	(void)pthread_mutex_unlock(&g->mu);
	return NULL;
}

/* failure - the thread's failure into err; -1, or 0 when none */
static int
failure(struct gz *g, struct qerr *err)
{
	int e;

	(void)pthread_mutex_lock(&g->mu);
	e = g->fail_errno;
	if (e != 0)
		qerr_set(err, e, "%s", g->fail_msg);
	(void)pthread_mutex_unlock(&g->mu);
	return e != 0 ? -1 : 0;
}

struct gz *
gz_start(int fd, struct qerr *err)
{
	struct gz *g;
	sigset_t all, old;
	size_t i;
	int rc;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		qerr_set(err, ENOMEM, "out of memory starting the archive");
		return NULL;
	}
	g->fd = fd;
	(void)pthread_mutex_init(&g->mu, NULL);
	(void)pthread_cond_init(&g->changed, NULL);
	g->out = malloc(GZ_BLOCK);
	for (i = 0; i < GZ_BLOCKS; i++)
		if ((g->alloc[i] = malloc(GZ_BLOCK)) != NULL && i > 0)
			g->free_list[g->nfree++] = g->alloc[i];
	g->cur = g->alloc[0];
	if (g->out == NULL || g->nfree != GZ_BLOCKS - 1 || g->cur == NULL) {
		qerr_set(err, ENOMEM, "out of memory starting the archive");
		gz_free(g);
		return NULL;
	}
	/* windowBits 15 + 16: a gzip header and trailer around the
	 * deflate stream. */
	if (deflateInit2(&g->z, GZ_LEVEL, Z_DEFLATED, 15 + 16, 8,
		Z_DEFAULT_STRATEGY) != Z_OK) {
		qerr_set(err, ENOMEM, "start compressing the archive: %s",
		    g->z.msg != NULL ? g->z.msg : "zlib failed");
		gz_free(g);
		return NULL;
	}
	g->z_ready = true;
	/* Signals (SIGINT, SIGTERM, the time limit's) stay the main
	 * thread's. */
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&g->tid, NULL, compressor, g);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		qerr_set(err, rc, "start the archive's compression: %s",
		    strerror(rc));
		gz_free(g);
		return NULL;
	}
	g->started = true;
	return g;
}

/* queue_cur - hand the block being filled to the thread, take a free one */
static void
queue_cur(struct gz *g)
{
	(void)pthread_mutex_lock(&g->mu);
	g->ring[(g->head + g->nfull) % GZ_BLOCKS] = g->cur;
	g->len[(g->head + g->nfull) % GZ_BLOCKS] = g->cur_len;
	g->nfull++;
	(void)pthread_cond_broadcast(&g->changed);
	while (g->nfree == 0)
		(void)pthread_cond_wait(&g->changed, &g->mu);
	g->cur = g->free_list[--g->nfree];
	g->cur_len = 0;
	(void)pthread_mutex_unlock(&g->mu);
}

int
gz_write(struct gz *g, const void *p, size_t n, struct qerr *err)
{
	const unsigned char *s = p;
	size_t k;

	if (failure(g, err) < 0)
		return -1;
	while (n > 0) {
		k = GZ_BLOCK - g->cur_len;
		if (k > n)
			k = n;
		memcpy(g->cur + g->cur_len, s, k);
		g->cur_len += k;
		s += k;
		n -= k;
		if (g->cur_len == GZ_BLOCK)
			queue_cur(g);
	}
	return 0;
}

int
gz_finish(struct gz *g, struct qerr *err)
{
	if (!g->started)
		return failure(g, err);
	if (g->cur_len > 0)
		queue_cur(g);
	(void)pthread_mutex_lock(&g->mu);
	g->finishing = true;
	(void)pthread_cond_broadcast(&g->changed);
	(void)pthread_mutex_unlock(&g->mu);
	(void)pthread_join(g->tid, NULL);
	g->started = false;
	return failure(g, err);
}

void
gz_free(struct gz *g)
{
	size_t i;

	if (g == NULL)
		return;
	if (g->started) {
		/* Not finished (a failure elsewhere): end the thread; what
		 * it writes goes into the unnamed file, never published. */
		(void)pthread_mutex_lock(&g->mu);
		g->fail_errno = g->fail_errno != 0 ? g->fail_errno : ECANCELED;
		g->finishing = true;
		(void)pthread_cond_broadcast(&g->changed);
		(void)pthread_mutex_unlock(&g->mu);
		(void)pthread_join(g->tid, NULL);
	}
	if (g->z_ready)
		(void)deflateEnd(&g->z);
	free(g->out);
	for (i = 0; i < GZ_BLOCKS; i++)
		free(g->alloc[i]);
	(void)pthread_cond_destroy(&g->changed);
	(void)pthread_mutex_destroy(&g->mu);
	free(g);
}
