/*
 * floor.c - the I/O floor of a queue check, for the benchmark.
 *
 *   floor [-j THREADS] DIR
 *
 * Does the least any checker of a sendmail queue directory must do, and
 * nothing else: one readdir() pass over DIR, an
 * fstatat(AT_SYMLINK_NOFOLLOW) of every entry (but "." and ".."), and,
 * for every regular file whose name starts with a control-file prefix
 * (qf, hf, Qf, tf, Tf), open, read to end of file into one reused buffer,
 * close.  No parsing, no sorting, no memory that grows with the queue.
 *
 * With -j THREADS (more than 1), the threaded floor: the directory is
 * still read by one thread, in order, but the per-entry work (fstatat,
 * open, read, close) is done by THREADS worker threads, which take
 * batches of names from a bounded queue; memory stays bounded (the
 * batches in flight).  A disk that serves many requests at once (most
 * virtual and network disks) is then kept busy; a cold-cache check can
 * do no better than this without changing what it reads.
 *
 * Prints the counts and the time taken; exits 1 on any error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READ_BUF 65536
#define BATCH 512		/* names per batch handed to a worker */
#define MAX_THREADS 256
#define NAME_MAX_BYTES 256	/* d_name's size on Linux */

/* Totals of one pass. */
struct counts {
	unsigned long long entries;	/* readdir() entries, less . and .. */
	unsigned long long controls;	/* control files read */
	unsigned long long bytes;	/* bytes read from them */
};

/* fail - print what failed and why, exit 1 */
static void
fail(const char *what, const char *name, int e)
{
	(void)fprintf(stderr, "floor: %s %s: %s\n", what, name, strerror(e));
	exit(1);
}

/* mono - CLOCK_MONOTONIC in seconds */
static double
mono(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		fail("clock_gettime", "", errno);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* is_control - the name starts with qf, hf, Qf, tf or Tf */
static int
is_control(const char *name)
{
	return name[0] != '\0' && strchr("qhQtT", name[0]) != NULL &&
	    name[1] == 'f';
}

/* read_file - open name in dirfd, read it to EOF, close; bytes read */
static unsigned long long
read_file(int dirfd, const char *name, char *buf, size_t bufsz)
{
	unsigned long long total = 0;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		fail("open", name, errno);
	for (;;) {
		ssize_t r = read(fd, buf, bufsz);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fail("read", name, errno);
		}
		if (r == 0)
			break;
		total += (unsigned long long)r;
	}
	if (close(fd) < 0)
		fail("close", name, errno);
	return total;
}

/* skip_dot - "." and ".." */
static int
skip_dot(const char *n)
{
	return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

/* next_name - the next entry's name ("." and ".." skipped), NULL at the
 * end of the directory */
static const char *
next_name(DIR *d)
{
	struct dirent *de;

	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				fail("readdir", "", errno);
			return NULL;
		}
		if (!skip_dot(de->d_name))
			return de->d_name;
	}
}

/* entry - the per-entry work: fstatat, and read a control file */
static void
entry(int dirfd, const char *name, char *buf, size_t bufsz,
    struct counts *c)
{
	struct stat st;

	c->entries++;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		fail("fstatat", name, errno);
	if (S_ISREG(st.st_mode) && is_control(name)) {
		c->bytes += read_file(dirfd, name, buf, bufsz);
		c->controls++;
	}
}

/* A batch of names, and the bounded queue of batches between the
 * reading thread and the workers. */
struct batch {
	int n;
	char names[BATCH][NAME_MAX_BYTES];
};

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_take;
	struct batch **ring;	/* full batches, nring slots */
	struct batch **spare;	/* empty batches, nring slots */
	int nring, head, count, nspare;
	int done;		/* the directory has been read */
	int dirfd;
};

/* pool_take - the next full batch, or NULL when there is none left */
static struct batch *
pool_take(struct pool *p)
{
	struct batch *b = NULL;

	pthread_mutex_lock(&p->mu);
	while (p->count == 0 && !p->done)
		pthread_cond_wait(&p->can_take, &p->mu);
	if (p->count > 0) {
		b = p->ring[p->head];
		p->head = (p->head + 1) % p->nring;
		p->count--;
	}
	pthread_mutex_unlock(&p->mu);
	return b;
}

/* pool_give_back - an emptied batch returns to the spares */
static void
pool_give_back(struct pool *p, struct batch *b)
{
	pthread_mutex_lock(&p->mu);
	p->spare[p->nspare++] = b;
	pthread_cond_signal(&p->can_put);
	pthread_mutex_unlock(&p->mu);
}

/* pool_get_spare - an empty batch for the reader (waits for one) */
static struct batch *
pool_get_spare(struct pool *p)
{
	struct batch *b;

	pthread_mutex_lock(&p->mu);
	while (p->nspare == 0)
		pthread_cond_wait(&p->can_put, &p->mu);
	b = p->spare[--p->nspare];
	pthread_mutex_unlock(&p->mu);
	b->n = 0;
	return b;
}

/* pool_put - a full batch for the workers */
static void
pool_put(struct pool *p, struct batch *b)
{
	pthread_mutex_lock(&p->mu);
	p->ring[(p->head + p->count) % p->nring] = b;
	p->count++;
	pthread_cond_signal(&p->can_take);
	pthread_mutex_unlock(&p->mu);
}

struct worker {
	pthread_t tid;
	struct pool *pool;
	struct counts c;
};

/* work - a worker thread: batches until there are none */
static void *
work(void *arg)
{
	struct worker *w = arg;
	char *buf = malloc(READ_BUF);
	struct batch *b;

	if (buf == NULL)
		fail("malloc", "", errno);
	while ((b = pool_take(w->pool)) != NULL) {
		for (int i = 0; i < b->n; i++)
			entry(w->pool->dirfd, b->names[i], buf, READ_BUF,
			    &w->c);
		pool_give_back(w->pool, b);
	}
	free(buf);
	return NULL;
}

/* scan_threaded - read the directory in order, the entries' work on
 * nthreads workers; two batches in flight per worker at most */
static void
scan_threaded(DIR *d, int dirfd, int nthreads, struct counts *c)
{
	struct pool p;
	struct worker *w;
	struct batch *b;
	const char *name;
	int i, nb = 2 * nthreads + 1;

	memset(&p, 0, sizeof(p));
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.can_put, NULL);
	pthread_cond_init(&p.can_take, NULL);
	p.dirfd = dirfd;
	p.nring = nb;
	p.ring = calloc((size_t)nb, sizeof(*p.ring));
	p.spare = calloc((size_t)nb, sizeof(*p.spare));
	w = calloc((size_t)nthreads, sizeof(*w));
	if (p.ring == NULL || p.spare == NULL || w == NULL)
		fail("calloc", "", errno);
	for (i = 0; i < nb; i++)
		if ((p.spare[p.nspare++] = malloc(sizeof(struct batch))) == NULL)
			fail("malloc", "", errno);
	for (i = 0; i < nthreads; i++) {
		w[i].pool = &p;
		if ((errno = pthread_create(&w[i].tid, NULL, work, &w[i])) != 0)
			fail("pthread_create", "", errno);
	}
	b = pool_get_spare(&p);
	while ((name = next_name(d)) != NULL) {
		(void)snprintf(b->names[b->n++], NAME_MAX_BYTES, "%s", name);
		if (b->n == BATCH) {
			pool_put(&p, b);
			b = pool_get_spare(&p);
		}
	}
	if (b->n > 0)
		pool_put(&p, b);
	else
		pool_give_back(&p, b);
	pthread_mutex_lock(&p.mu);
	p.done = 1;
	pthread_cond_broadcast(&p.can_take);
	pthread_mutex_unlock(&p.mu);
	for (i = 0; i < nthreads; i++) {
		if ((errno = pthread_join(w[i].tid, NULL)) != 0)
			fail("pthread_join", "", errno);
		c->entries += w[i].c.entries;
		c->controls += w[i].c.controls;
		c->bytes += w[i].c.bytes;
	}
	for (i = 0; i < p.nspare; i++)
		free(p.spare[i]);
	free(p.ring);
	free(p.spare);
	free(w);
}

/* scan - the one pass over the directory open as d (fd dirfd) */
static void
scan(DIR *d, int dirfd, struct counts *c)
{
	static char buf[READ_BUF];
	const char *name;

	while ((name = next_name(d)) != NULL)
		entry(dirfd, name, buf, sizeof(buf), c);
}

/* main - floor [-j THREADS] DIR */
int
main(int argc, char **argv)
{
	struct counts c = { 0, 0, 0 };
	const char *dir;
	double t0;
	DIR *d;
	int dirfd, nthreads = 1;

	if (argc == 4 && strcmp(argv[1], "-j") == 0) {
		char *end;
		long n = strtol(argv[2], &end, 10);

		if (*end != '\0' || n < 1 || n > MAX_THREADS) {
			(void)fprintf(stderr, "floor: -j takes 1 to %d\n",
			    MAX_THREADS);
			return 2;
		}
		nthreads = (int)n;
		dir = argv[3];
	} else if (argc == 2) {
		dir = argv[1];
	} else {
		(void)fprintf(stderr, "usage: floor [-j THREADS] DIR\n");
		return 2;
	}
	t0 = mono();
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		fail("open", dir, errno);
	if ((d = fdopendir(dirfd)) == NULL)
		fail("fdopendir", dir, errno);
	if (nthreads > 1)
		scan_threaded(d, dirfd, nthreads, &c);
	else
		scan(d, dirfd, &c);
	if (closedir(d) < 0)
		fail("closedir", dir, errno);
	if (printf("floor: %d thread%s, %llu entries, %llu control files "
	    "read, %llu bytes (%.3f s)\n", nthreads, nthreads == 1 ? "" : "s",
	    c.entries, c.controls, c.bytes, mono() - t0) < 0 ||
	    fflush(stdout) == EOF)
		fail("write", "stdout", errno);
	return 0;
}
