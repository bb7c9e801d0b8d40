/*
 * main.c - mqfsck: check sendmail mail queues.
 *
 * Thin: process hygiene, options, one check per queue directory, the
 * summary and an fsck(8) exit status.  The checking is in check.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define MQFSCK_VERSION "0.1"

/* usage - print the synopsis; exit with `status` */
static void
usage(FILE *f, int status)
{
	(void)fprintf(f,
	    "usage: mqfsck [-nqv] queue_dir ...\n"
	    "  -n  check only, change nothing (the default)\n"
	    "  -q  report problems only, no summary\n"
	    "  -v  also list every control file read\n"
	    "exit status: 0 clean, 4 problems left, 8 operational error,\n"
	    "             16 usage\n");
	exit(status);
}

/*
 * std_fds_open - make sure fds 0-2 are open, so that no file mqfsck opens
 * can become stdout or stderr by accident.
 */
static void
std_fds_open(void)
{
	int fd;

	for (;;) {
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			exit(FSCK_ERROR);
		if (fd > 2) {
			(void)close(fd);
			return;
		}
		/* fd 0, 1 or 2 was closed: keep it open on /dev/null. */
		if (fcntl(fd, F_SETFD, 0) < 0)
			exit(FSCK_ERROR);
	}
}

int
main(int argc, char **argv)
{
	struct check_opts opts;
	struct check_totals totals;
	struct timespec t0, t1;
	int ch, i, status = FSCK_OK;

	std_fds_open();
	(void)umask(077);
	if (getuid() != geteuid() || getgid() != getegid()) {
		(void)fprintf(stderr, "mqfsck: refusing to run set-uid or set-gid\n");
		return FSCK_ERROR;
	}
	memset(&opts, 0, sizeof(opts));
	memset(&totals, 0, sizeof(totals));
	while ((ch = getopt(argc, argv, "hnqvV")) != -1) {
		switch (ch) {
		case 'n':
			break;
		case 'q':
			opts.quiet = true;
			break;
		case 'v':
			opts.verbose = true;
			break;
		case 'V':
			(void)printf("mqfsck %s\n", MQFSCK_VERSION);
			return FSCK_OK;
		case 'h':
			usage(stdout, FSCK_OK);
			break;
		default:
			usage(stderr, FSCK_USAGE);
		}
	}
	if (optind >= argc)
		usage(stderr, FSCK_USAGE);

	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = optind; i < argc; i++)
		status |= check_queue(argv[i], &opts, &totals);
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!opts.quiet)
		(void)printf("mqfsck: %lu entries, %lu control files read, "
		    "%lu in use, %lu problems, %lu errors (%.3f s)\n",
		    totals.entries, totals.control_files, totals.in_use,
		    totals.problems, totals.errors,
		    (double)(t1.tv_sec - t0.tv_sec) +
			(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	if (fflush(stdout) != 0) {
		(void)fprintf(stderr, "mqfsck: writing the report: %s\n",
		    strerror(errno));
		status |= FSCK_ERROR;
	}
	return status;
}
