/*
 * floor.c - the I/O floor of a queue check, for the benchmark.
 *
 *   floor DIR
 *
 * Does the least any checker of a sendmail queue directory must do, and
 * nothing else: one readdir() pass over DIR, an
 * fstatat(AT_SYMLINK_NOFOLLOW) of every entry (but "." and ".."), and,
 * for every regular file whose name starts with a control-file prefix
 * (qf, hf, Qf, tf, Tf), open, read to end of file into one reused buffer,
 * close.  No parsing, no sorting, no memory that grows with the queue.
 * Prints the counts and the time taken; exits 1 on any error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define READ_BUF 65536

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

/* scan - the one pass over the directory open as d (fd dirfd) */
static void
scan(DIR *d, int dirfd, struct counts *c)
{
	static char buf[READ_BUF];
	struct stat st;

	for (;;) {
		struct dirent *de;

		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				fail("readdir", "", errno);
			return;
		}
		if (de->d_name[0] == '.' && (de->d_name[1] == '\0' ||
		    (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		c->entries++;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			fail("fstatat", de->d_name, errno);
		if (S_ISREG(st.st_mode) && is_control(de->d_name)) {
			c->bytes += read_file(dirfd, de->d_name, buf,
			    sizeof(buf));
			c->controls++;
		}
	}
}

/* main - floor DIR */
int
main(int argc, char **argv)
{
	struct counts c = { 0, 0, 0 };
	double t0;
	DIR *d;
	int dirfd;

	if (argc != 2) {
		(void)fprintf(stderr, "usage: floor DIR\n");
		return 2;
	}
	t0 = mono();
	dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		fail("open", argv[1], errno);
	if ((d = fdopendir(dirfd)) == NULL)
		fail("fdopendir", argv[1], errno);
	scan(d, dirfd, &c);
	if (closedir(d) < 0)
		fail("closedir", argv[1], errno);
	if (printf("floor: %llu entries, %llu control files read, %llu bytes "
	    "(%.3f s)\n", c.entries, c.controls, c.bytes, mono() - t0) < 0 ||
	    fflush(stdout) == EOF)
		fail("write", "stdout", errno);
	return 0;
}
