/*
 * scanahead.c - the system calls of pass 1, made ahead of the walk.
 *
 * For each entry of a directory listing, what the walk needs before it
 * can judge it: its lstat, or, for a control file the listing calls
 * regular, the file opened as a regular file (one name lookup), its
 * fstat, its lock when asked, its bytes, and the close.  Worker threads
 * do this a bounded window ahead of the walk, so that a disk that serves
 * many requests at once (most virtual and network disks, an SSD) does so
 * while the page cache is cold, as at boot after a crash, and so that a
 * warm check uses both cores; the walk takes the results in the
 * listing's order and judges, reports and indexes alone, in the main
 * thread, as it always did.  With no threads the walk asks for each
 * entry as it reaches it and the same function looks it up then: one
 * way to look, whatever the number of threads, so the output cannot
 * depend on it.  (A file that changes meanwhile is judged as it was
 * found, as with any scan.)
 *
 * Workers only look: sio_open_regular() (O_NOFOLLOW, O_NONBLOCK, fstat()
 * says regular), read, close; no writes, no locks kept (the probe, when
 * there is no /proc/locks snapshot, takes and drops a shared flock on
 * the worker's own descriptor, as the walk would on its own).  Signals
 * stay the main thread's.  Bounded: WINDOW entries ahead of the walk and
 * BYTES_BUDGET bytes of file contents held; a control file that does not
 * fit is left unread (ENTRY_STAT) and the walk reads it itself.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dirlist.h"
#include "qf.h"
#include "qid.h"
#include "scanahead.h"

#define WINDOW 1024		/* entries looked up ahead of the walk */
#define CHUNK 16		/* entries a worker takes at once */
#define BYTES_BUDGET ((size_t)32 * 1024 * 1024) /* file bytes held */
#define KEEP_CAP 4096		/* a slot's buffer kept for reuse up to this */

struct slot {
	struct entry_look look;
	atomic_bool done;	/* look is filled (release by its writer) */
};

struct scan_ahead {
	const struct dirlist *dl;
	int dirfd;
	bool probe_locks;
	unsigned nthreads;	/* 0: looked up when asked */
	size_t nslots;		/* WINDOW, or 1 without threads */
	struct slot *slots;
	atomic_size_t held;	/* bytes of buffers held by the slots */
	pthread_t *tids;
	/* Under mu: */
	pthread_mutex_t mu;
	pthread_cond_t room;	/* the walk moved on, or stop */
	pthread_cond_t ready;	/* an entry the walk waits for is done */
	size_t next;		/* the next entry a worker takes */
	size_t released;	/* entries before this are the walk's no more */
	unsigned idle;		/* workers waiting for room */
	bool walk_waits;
	bool stop;
};

/* reserve - count n more bytes of buffers against the budget; false (and
 * nothing counted) when they do not fit */
static bool
reserve(struct scan_ahead *sa, size_t n)
{
	size_t cur = atomic_load_explicit(&sa->held, memory_order_relaxed);

	do {
		if (n > BYTES_BUDGET || cur > BYTES_BUDGET - n)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&sa->held, &cur,
	    cur + n, memory_order_relaxed, memory_order_relaxed));
	return true;
}

/* unreserve - n bytes of buffers given back */
static void
unreserve(struct scan_ahead *sa, size_t n)
{
	(void)atomic_fetch_sub_explicit(&sa->held, n, memory_order_relaxed);
}

/*
 * read_opened - the control file open on fd: its lock (when asked), its
 * bytes (when the budget has room), the close.  False when it was not
 * read (closed; the walk opens and reads it itself).
 */
static bool
read_opened(struct scan_ahead *sa, int fd, struct entry_look *lk)
{
	struct qerr err;
	size_t want, had = lk->buf.cap;

	if (lk->st.st_size > 0) {
		want = (uint64_t)lk->st.st_size >= QF_MAX_BYTES ? QF_MAX_BYTES
		    : (size_t)lk->st.st_size + 1;
		if (want > had && !reserve(sa, want - had)) {
			(void)close(fd);
			return false;
		}
		if (want > had)
			had = want;	/* reserved */
	}
	if (sa->probe_locks)
		lk->locked = sio_lock_probe(fd, &err) == SIO_LOCKED;
	if (lk->st.st_size > 0 &&
	    sio_read_sized(fd, &lk->buf, QF_MAX_BYTES, (size_t)lk->st.st_size,
		&lk->truncated, &lk->read_err) < 0)
		lk->read_failed = true;
	/* The file may have grown while it was read: count what is held. */
	if (lk->buf.cap > had)
		(void)atomic_fetch_add_explicit(&sa->held, lk->buf.cap - had,
		    memory_order_relaxed);
	else if (lk->buf.cap < had)
		unreserve(sa, had - lk->buf.cap);
	if (close(fd) < 0)
		lk->close_errno = errno;
	return true;
}

/*
 * look_up - entry i of the listing, as the walk's stat_entry() chose
 * before this module existed: a control file the listing calls regular is
 * opened at once (one name lookup fewer, the type checked on the open
 * file); anything else, or a control file that is not what the listing
 * said, is lstat'ed.
 */
static void
look_up(struct scan_ahead *sa, size_t i, struct entry_look *lk)
{
	const char *name = dirlist_name(sa->dl, i);
	struct qname qn;
	struct qerr err;
	int fd;

	lk->sys_errno = 0;
	lk->locked = lk->read_failed = lk->truncated = false;
	lk->close_errno = 0;
	lk->buf.len = 0;
	qname_classify(name, strlen(name), &qn);
	if (qn.cls == QN_DOT) {
		lk->state = ENTRY_SKIP;
		return;
	}
	if (dirlist_type(sa->dl, i) == DT_REG && qn.cls == QN_JOB &&
	    !qn.too_long && qname_letter_is_control(qn.letter)) {
		fd = sio_open_regular(sa->dirfd, name, &lk->st, &err);
		if (fd >= 0) {
			lk->state = read_opened(sa, fd, lk) ? ENTRY_READ
							    : ENTRY_STAT;
			return;
		}
		if (err.sys_errno == ENOENT) {
			lk->state = ENTRY_GONE;
			return;
		}
		/* Not what the listing said (swapped since): look again. */
	}
	if (fstatat(sa->dirfd, name, &lk->st, AT_SYMLINK_NOFOLLOW) < 0) {
		lk->sys_errno = errno;
		lk->state = errno == ENOENT ? ENTRY_GONE : ENTRY_ERROR;
		return;
	}
	lk->state = ENTRY_STAT;
}

/* worker - take chunks of entries in order, within the window */
static void *
worker(void *arg)
{
	struct scan_ahead *sa = arg;
	size_t i, j, end, n = sa->dl->n;

	(void)pthread_mutex_lock(&sa->mu);
	for (;;) {
		while (!sa->stop && sa->next < n &&
		    sa->next + CHUNK > sa->released + sa->nslots) {
			sa->idle++;
			(void)pthread_cond_wait(&sa->room, &sa->mu);
			sa->idle--;
		}
		if (sa->stop || sa->next >= n)
			break;
		i = sa->next;
		end = i + CHUNK < n ? i + CHUNK : n;
		sa->next = end;
		(void)pthread_mutex_unlock(&sa->mu);
		for (j = i; j < end; j++) {
			struct slot *s = &sa->slots[j % sa->nslots];

			look_up(sa, j, &s->look);
			atomic_store_explicit(&s->done, true,
			    memory_order_release);
		}
		(void)pthread_mutex_lock(&sa->mu);
		if (sa->walk_waits)
			(void)pthread_cond_broadcast(&sa->ready);
	}
	(void)pthread_mutex_unlock(&sa->mu);
	return NULL;
}

struct scan_ahead *
scan_ahead_start(int dirfd, const struct dirlist *dl, unsigned nthreads,
    bool probe_locks)
{
	struct scan_ahead *sa;
	sigset_t all, old;
	unsigned t;
	size_t i;

	/* No more workers than chunks: a short listing (every fixture)
	 * still goes through a worker, as a long one does. */
	if (nthreads > (dl->n + CHUNK - 1) / CHUNK)
		nthreads = (unsigned)((dl->n + CHUNK - 1) / CHUNK);
	if ((sa = calloc(1, sizeof(*sa))) == NULL)
		return NULL;
	sa->dl = dl;
	sa->dirfd = dirfd;
	sa->probe_locks = probe_locks;
	sa->nslots = nthreads > 0 ? WINDOW : 1;
	atomic_init(&sa->held, 0);
	if ((sa->slots = calloc(sa->nslots, sizeof(*sa->slots))) == NULL ||
	    (nthreads > 0 &&
		(sa->tids = calloc(nthreads, sizeof(*sa->tids))) == NULL)) {
		free(sa->slots);
		free(sa);
		return NULL;
	}
	for (i = 0; i < sa->nslots; i++)
		atomic_init(&sa->slots[i].done, false);
	(void)pthread_mutex_init(&sa->mu, NULL);
	(void)pthread_cond_init(&sa->room, NULL);
	(void)pthread_cond_init(&sa->ready, NULL);
	if (nthreads == 0)
		return sa;
	/* Signals (SIGINT, SIGTERM, the time limit's) stay the main
	 * thread's: the workers block them all. */
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_BLOCK, &all, &old);
	for (t = 0; t < nthreads; t++) {
		if (pthread_create(&sa->tids[t], NULL, worker, sa) != 0)
			break;
		sa->nthreads++;
	}
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (sa->nthreads == 0) {
		/* None started: one slot, looked up when asked. */
		sa->nslots = 1;
	}
	return sa;
}

/* release - entry i is the walk's no more: its slot may be refilled */
static void
release(struct scan_ahead *sa, size_t i)
{
	struct slot *s = &sa->slots[i % sa->nslots];

	if (s->look.buf.cap > KEEP_CAP) {
		unreserve(sa, s->look.buf.cap);
		sio_buf_free(&s->look.buf);
	}
	atomic_store_explicit(&s->done, false, memory_order_relaxed);
	if (sa->nthreads == 0 || (i + 1) % CHUNK != 0)
		return;
	/* A chunk's worth of room: say so to idle workers.  The mutex
	 * publishes the cleared slots with `released`. */
	(void)pthread_mutex_lock(&sa->mu);
	sa->released = i + 1;
	if (sa->idle > 0)
		(void)pthread_cond_broadcast(&sa->room);
	(void)pthread_mutex_unlock(&sa->mu);
}

const struct entry_look *
scan_ahead_get(struct scan_ahead *sa, size_t i)
{
	struct slot *s;

	if (i > 0)
		release(sa, i - 1);
	s = &sa->slots[i % sa->nslots];
	if (sa->nthreads == 0) {
		look_up(sa, i, &s->look);
		return &s->look;
	}
	if (!atomic_load_explicit(&s->done, memory_order_acquire)) {
		(void)pthread_mutex_lock(&sa->mu);
		sa->walk_waits = true;
		while (!atomic_load_explicit(&s->done, memory_order_acquire))
			(void)pthread_cond_wait(&sa->ready, &sa->mu);
		sa->walk_waits = false;
		(void)pthread_mutex_unlock(&sa->mu);
	}
	return &s->look;
}

void
scan_ahead_stop(struct scan_ahead *sa)
{
	unsigned t;
	size_t i;

	if (sa == NULL)
		return;
	(void)pthread_mutex_lock(&sa->mu);
	sa->stop = true;
	(void)pthread_cond_broadcast(&sa->room);
	(void)pthread_mutex_unlock(&sa->mu);
	for (t = 0; t < sa->nthreads; t++)
		(void)pthread_join(sa->tids[t], NULL);
	for (i = 0; i < sa->nslots; i++)
		sio_buf_free(&sa->slots[i].look.buf);
	(void)pthread_cond_destroy(&sa->ready);
	(void)pthread_cond_destroy(&sa->room);
	(void)pthread_mutex_destroy(&sa->mu);
	free(sa->tids);
	free(sa->slots);
	free(sa);
}
