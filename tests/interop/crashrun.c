/*
 * crashrun.c - run one step of an interop test and, if asked, kill it
 * with SIGKILL at a chosen moment, then wait until every process it
 * started is gone.
 *
 * Usage: crashrun [-d usec] [-e events] [-w dir]... [-s startfile]
 *                 [-t seconds] [-r report] -- command [arg ...]
 *
 *   -s startfile  the start is when this file appears (the step creates
 *                 it just before the operation under test); default:
 *                 when the command is started
 *   -w dir        count the file events (create, write, close after
 *                 writing, rename, delete) in this directory from the
 *                 start on, a run of identical ones as one; repeatable
 *   -e events     the kill clock starts at the events-th file event
 *                 instead of at the start
 *   -d usec       send SIGKILL this many microseconds after the clock
 *                 starts (default: never; with -e alone: at once)
 *   -t seconds    kill it anyway after this long (default 300)
 *   -r report     write one line: "exited N", "signaled N", "killed" or
 *                 "timeout", the microseconds from the start to the end
 *                 (or the kill), and the number of file events seen
 *
 * The command is meant to be `unshare --pid --fork --kill-child ...`:
 * SIGKILL to its process group kills unshare and the namespace's first
 * process, and the kernel then kills everything else in the namespace.
 * If crashrun itself dies, the kernel kills the command (and so the
 * namespace) with it.  crashrun is a child subreaper, so it can wait
 * for all of them: when wait() says there are no children left, nothing
 * it started still runs or still writes.
 *
 * Exit status: the command's (128 + N when signal N ended it), 137 when
 * crashrun killed it as asked, 124 on a timeout, 2 on a usage or system
 * error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXWATCH 16
#define EVENTS (IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | \
    IN_MOVED_TO | IN_DELETE)

/* now_us - monotonic time in microseconds */
static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/* usage - print the synopsis and exit 2 */
static void usage(void)
{
	fprintf(stderr, "usage: crashrun [-d usec] [-e events] [-w dir]... "
	    "[-s startfile] [-t seconds] [-r report] -- command [arg ...]\n");
	exit(2);
}

/*
 * count_events - read what inotify has queued; the number of events that
 * differ from the one before them (in kind or file name).  The kernel
 * merges repeated identical events that are not read yet, so only these
 * changes count the same from one run to the next: "df created", "df
 * written", "qf created", "qf written", "tf renamed"...
 */
static long count_events(int ino)
{
	static unsigned lastmask;
	static char lastname[256];
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	long n = 0;

	if (ino < 0)
		return 0;
	for (;;) {
		ssize_t len = read(ino, buf, sizeof buf);
		if (len <= 0)
			break;
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev =
			    (const struct inotify_event *)p;
			const char *name = ev->len > 0 ? ev->name : "";

			if (!(ev->mask & IN_Q_OVERFLOW) &&
			    (ev->mask != lastmask ||
			    strcmp(name, lastname) != 0)) {
				n++;
				lastmask = ev->mask;
				snprintf(lastname, sizeof lastname, "%s", name);
			}
			p += sizeof *ev + ev->len;
		}
	}
	return n;
}

/* wait_a_little - sleep up to 100 us, waking early on a file event */
static void wait_a_little(int ino)
{
	struct timespec ts = { 0, 100000 };

	if (ino >= 0) {
		struct pollfd p = { .fd = ino, .events = POLLIN };
		ppoll(&p, 1, &ts, NULL);
	} else {
		nanosleep(&ts, NULL);
	}
}

int main(int argc, char **argv)
{
	long long delay = -1, timeout = 300LL * 1000000LL;
	long long t0, tstart, tclock = -1, tend = 0;
	long kevents = -1, events = 0;
	const char *startfile = NULL, *report = NULL, *how = NULL;
	const char *watch[MAXWATCH];
	int nwatch = 0, ino = -1, c, status = 0, code = 0, started;
	pid_t child, parent;

	while ((c = getopt(argc, argv, "d:e:w:s:t:r:")) != -1) {
		switch (c) {
		case 'd':
			delay = atoll(optarg);
			break;
		case 'e':
			kevents = atol(optarg);
			break;
		case 'w':
			if (nwatch == MAXWATCH)
				usage();
			watch[nwatch++] = optarg;
			break;
		case 's':
			startfile = optarg;
			break;
		case 't':
			timeout = atoll(optarg) * 1000000LL;
			break;
		case 'r':
			report = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	if (kevents >= 0 && delay < 0)
		delay = 0;
	parent = getppid();
	/* If whoever started us dies, so do we, and with us the step. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0L, 0L, 0L) < 0 ||
	    prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) < 0) {
		perror("crashrun: prctl");
		return 2;
	}
	if (getppid() != parent)
		return 2;
	if (nwatch > 0) {
		ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (ino < 0) {
			perror("crashrun: inotify_init1");
			return 2;
		}
		for (int i = 0; i < nwatch; i++)
			if (inotify_add_watch(ino, watch[i], EVENTS) < 0) {
				perror(watch[i]);
				return 2;
			}
	}
	child = fork();
	if (child < 0) {
		perror("crashrun: fork");
		return 2;
	}
	if (child == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0L, 0L, 0L);
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		_exit(127);
	}
	setpgid(child, child);
	t0 = tstart = now_us();
	started = startfile == NULL;
	if (started && kevents <= 0)
		tclock = tstart;
	for (;;) {
		pid_t r = waitpid(child, &status, WNOHANG);
		long long t = now_us();

		if (r == child) {
			how = WIFEXITED(status) ? "exited" : "signaled";
			code = WIFEXITED(status) ? WEXITSTATUS(status)
			    : WTERMSIG(status);
			tend = t;
			break;
		}
		if (!started && access(startfile, F_OK) == 0) {
			started = 1;
			tstart = t;
			count_events(ino);	/* none belong to the step yet */
			if (kevents <= 0)
				tclock = t;
		}
		if (started) {
			events += count_events(ino);
			if (tclock < 0 && events >= kevents)
				tclock = t;
		}
		if (tclock >= 0 && delay >= 0 && t - tclock >= delay) {
			how = "killed";
			tend = t;
			break;
		}
		if (t - t0 >= timeout) {
			how = "timeout";
			tend = t;
			break;
		}
		wait_a_little(started ? ino : -1);
	}
	if (strcmp(how, "killed") == 0 || strcmp(how, "timeout") == 0) {
		kill(-child, SIGKILL);
		kill(child, SIGKILL);
	}
	/* Reap the child and everything re-parented to us, until none is
	 * left. */
	for (;;) {
		pid_t r = wait(NULL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
	}
	if (started)
		events += count_events(ino);
	if (report != NULL) {
		FILE *f = fopen(report, "w");
		if (f == NULL) {
			perror(report);
			return 2;
		}
		if (strcmp(how, "exited") == 0 || strcmp(how, "signaled") == 0)
			fprintf(f, "%s %d %lld %ld\n", how, code,
			    started ? tend - tstart : 0LL, events);
		else
			fprintf(f, "%s %lld %ld\n", how,
			    started ? tend - tstart : 0LL, events);
		fclose(f);
	}
	if (strcmp(how, "exited") == 0)
		return code;
	if (strcmp(how, "signaled") == 0)
		return 128 + code;
	return strcmp(how, "timeout") == 0 ? 124 : 137;
}
