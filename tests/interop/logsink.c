/*
 * logsink.c - a private syslog for the interop tests: binds a datagram
 * socket (the private /dev/log of a test namespace) and appends every
 * message it receives, one a line, to a file.
 *
 * Usage: logsink SOCKET OUTFILE
 *
 * On SIGTERM it reads what is still queued on the socket, then exits 0,
 * so that nothing sendmail logged before the end of a step is lost.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

/* on_term - ask the main loop to drain the socket and exit */
static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* put_all - write all of buf to fd, or exit */
static void put_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			perror("logsink: write");
			exit(1);
		}
		buf += w;
		n -= (size_t)w;
	}
}

/* store - one datagram as one line: trailing newlines and NULs dropped,
 * embedded newlines turned into spaces */
static void store(int out, char *buf, ssize_t n)
{
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\n' || buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\n';
	put_all(out, buf, (size_t)n + 1);
}

int main(int argc, char **argv)
{
	static char buf[65536 + 1];
	struct sockaddr_un sa;
	struct sigaction act;
	int s, out;

	if (argc != 3) {
		fprintf(stderr, "usage: logsink SOCKET OUTFILE\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof sa.sun_path) {
		fprintf(stderr, "logsink: socket path too long\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	memset(&act, 0, sizeof act);
	act.sa_handler = on_term;
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s < 0) {
		perror("logsink: socket");
		return 1;
	}
	unlink(argv[1]);
	if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("logsink: bind");
		return 1;
	}
	chmod(argv[1], 0666);
	for (;;) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		int r = poll(&p, 1, stop ? 0 : 200);
		if (r < 0 && errno != EINTR) {
			perror("logsink: poll");
			return 1;
		}
		if (r <= 0) {
			if (stop)
				break;
			continue;
		}
		ssize_t n = recv(s, buf, sizeof buf - 1, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			perror("logsink: recv");
			return 1;
		}
		store(out, buf, n);
	}
	close(out);
	unlink(argv[1]);
	return 0;
}
