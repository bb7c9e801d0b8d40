/*
 * measure.c - run one command and record what it cost, for the benchmark.
 *
 *   measure [-l LABEL] [-o FILE] [-t SECONDS] OUTFILE -- CMD [ARG ...]
 *
 * Runs CMD (fork, execvp) with stdin from /dev/null and stdout and stderr
 * to /dev/null, or both to FILE (truncated) with -o; waits for it with
 * wait4(); appends one line to OUTFILE:
 *
 *   [label=LABEL ]wall=S user=S sys=S maxrss_kib=K status=X
 *
 * wall is CLOCK_MONOTONIC from just before fork() to just after wait4();
 * user, sys and maxrss_kib are the child's rusage (ru_maxrss: peak
 * resident set of the command and its waited-for descendants, KiB).  X
 * is the exit status, "signal:N", or "timeout".  With -t the command runs
 * in its own process group, which is sent SIGKILL after SECONDS.
 *
 * The exit status of measure is the command's: its exit status,
 * 128 + signal number, 124 on timeout, 126/127 if it could not be
 * executed, 125 if measure itself failed.  No GNU time is needed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EX_TIMEOUT 124
#define EX_SELF 125
#define EX_NOEXEC 126
#define EX_NOTFOUND 127

static volatile sig_atomic_t timed_out;
static volatile pid_t child_pgid;

/* fail - measure's own failure: say why, exit EX_SELF */
static void
fail(const char *what, int e)
{
	(void)fprintf(stderr, "measure: %s: %s\n", what, strerror(e));
	exit(EX_SELF);
}

/* usage - the synopsis, exit EX_SELF */
static void
usage(void)
{
	(void)fprintf(stderr, "usage: measure [-l LABEL] [-o FILE] "
	    "[-t SECONDS] OUTFILE -- CMD [ARG ...]\n");
	exit(EX_SELF);
}

/* on_alarm - the time limit is up: kill the command's process group */
static void
on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	(void)kill(-child_pgid, SIGKILL);
}

/* mono - CLOCK_MONOTONIC as a timespec */
static struct timespec
mono(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		fail("clock_gettime", errno);
	return ts;
}

/* secs_between - b - a in seconds */
static double
secs_between(struct timespec a, struct timespec b)
{
	return (double)(b.tv_sec - a.tv_sec) +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

/* tv_secs - a timeval in seconds */
static double
tv_secs(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* run_child - in the child: redirect, maybe detach, exec; never returns */
static void
run_child(int nullfd, int outfd, int errfd, int own_group, char **cmd)
{
	int e;

	if (own_group && setpgid(0, 0) < 0)
		goto bad;
	if (dup2(nullfd, STDIN_FILENO) < 0 ||
	    dup2(outfd, STDOUT_FILENO) < 0 ||
	    dup2(outfd, STDERR_FILENO) < 0)
		goto bad;
	(void)execvp(cmd[0], cmd);
bad:
	e = errno;
	/* errfd is measure's stderr, kept (close-on-exec) for this. */
	(void)dprintf(errfd, "measure: %s: %s\n", cmd[0], strerror(e));
	_exit(e == ENOENT ? EX_NOTFOUND : EX_NOEXEC);
}

/* parse_secs - a positive whole number of seconds for -t */
static unsigned
parse_secs(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v == 0 || v > 86400 ||
	    s[0] == '-')
		usage();
	return (unsigned)v;
}

/* main - measure [-l LABEL] [-o FILE] [-t SECONDS] OUTFILE -- CMD ... */
int
main(int argc, char **argv)
{
	const char *label = NULL, *outname = "/dev/null", *record;
	unsigned limit = 0;
	struct timespec t0, t1;
	struct sigaction sa;
	struct rusage ru;
	char line[2048], status[32];
	int i = 1, recfd, nullfd, outfd, errfd, wst, n, ret;
	pid_t pid;

	for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i += 2) {
		if (i + 1 >= argc || argv[i][2] != '\0')
			usage();
		switch (argv[i][1]) {
		case 'l':
			label = argv[i + 1];
			break;
		case 'o':
			outname = argv[i + 1];
			break;
		case 't':
			limit = parse_secs(argv[i + 1]);
			break;
		default:
			usage();
		}
	}
	if (i + 2 >= argc || strcmp(argv[i + 1], "--") != 0)
		usage();
	record = argv[i];

	recfd = open(record, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (recfd < 0)
		fail(record, errno);
	if ((nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		fail("/dev/null", errno);
	outfd = open(outname, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (outfd < 0)
		fail(outname, errno);
	if ((errfd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)) < 0)
		fail("dup of stderr", errno);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	if (sigemptyset(&sa.sa_mask) < 0 || sigaction(SIGALRM, &sa, NULL) < 0)
		fail("sigaction", errno);

	t0 = mono();
	if ((pid = fork()) < 0)
		fail("fork", errno);
	if (pid == 0)
		run_child(nullfd, outfd, errfd, limit > 0, argv + i + 2);
	if (limit > 0) {
		/* Also here, so the group exists before the alarm can fire. */
		if (setpgid(pid, pid) < 0 && errno != EACCES && errno != ESRCH)
			fail("setpgid", errno);
		child_pgid = pid;
		(void)alarm(limit);
	}
	while (wait4(pid, &wst, 0, &ru) < 0)
		if (errno != EINTR)
			fail("wait4", errno);
	t1 = mono();
	(void)alarm(0);

	if (timed_out) {
		ret = EX_TIMEOUT;
		n = snprintf(status, sizeof(status), "timeout");
	} else if (WIFSIGNALED(wst)) {
		ret = 128 + WTERMSIG(wst);
		n = snprintf(status, sizeof(status), "signal:%d",
		    WTERMSIG(wst));
	} else {
		ret = WEXITSTATUS(wst);
		n = snprintf(status, sizeof(status), "%d", ret);
	}
	if (n < 0 || (size_t)n >= sizeof(status))
		fail("snprintf", EOVERFLOW);
	n = snprintf(line, sizeof(line),
	    "%s%s%swall=%.6f user=%.6f sys=%.6f maxrss_kib=%ld status=%s\n",
	    label != NULL ? "label=" : "", label != NULL ? label : "",
	    label != NULL ? " " : "", secs_between(t0, t1),
	    tv_secs(ru.ru_utime), tv_secs(ru.ru_stime), ru.ru_maxrss, status);
	if (n < 0 || (size_t)n >= sizeof(line))
		fail("record line too long", EOVERFLOW);
	if (write(recfd, line, (size_t)n) != n)
		fail(record, errno);
	if (close(recfd) < 0)
		fail(record, errno);
	return ret;
}
