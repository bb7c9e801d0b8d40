/*
 * holdlock.c - hold an exclusive flock(2) on a file, the way sendmail
 * locks the queue files it works on, until killed.
 *
 * Usage: holdlock FILE READYFILE
 *
 * Opens FILE read-only, takes LOCK_EX (waiting for it), creates
 * READYFILE, then sleeps until a signal ends it.  The caller stops it
 * (kill -STOP) to play a hung sendmail, and kills it by its pid at the end.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd, r;

	if (argc != 3) {
		fprintf(stderr, "usage: holdlock FILE READYFILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	if (flock(fd, LOCK_EX) < 0) {
		perror("holdlock: flock");
		return 1;
	}
	r = open(argv[2], O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (r < 0) {
		perror(argv[2]);
		return 1;
	}
	close(r);
	for (;;)
		pause();
}
