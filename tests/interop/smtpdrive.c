/*
 * smtpdrive.c - hold an SMTP dialogue with `sendmail -bs` over its stdin
 * and stdout, and record which messages sendmail acknowledged.
 *
 * Usage: smtpdrive SCRIPT TRANSCRIPT -- command [arg ...]
 *
 * SCRIPT, one instruction a line:
 *   > TEXT        send the command TEXT, read the reply
 *   = N FILE [USEC]  send DATA; on a 354 reply, send FILE (LF line ends
 *                 become CRLF, lines starting with '.' are dot-stuffed)
 *                 and the final ".", read the reply; if it is 2xx, the
 *                 message N was acknowledged.  With USEC, wait that many
 *                 microseconds after each 4096 bytes (a slow client).
 * TRANSCRIPT receives, as they happen (one write(2) each, so that a
 * SIGKILL loses nothing already received): "C: " + each command sent,
 * "S: " + each reply line, and "ACK N" after the 2xx reply to the end of
 * a message's data.  The greeting is read first.  If sendmail closes the
 * connection, the dialogue stops.  Exit status: the command's, or 3 when
 * the dialogue could not be completed, 2 on a usage or system error.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int tfd = -1;		/* transcript */
static FILE *to_sm;		/* sendmail's stdin */
static FILE *from_sm;		/* sendmail's stdout */

/* note - append one line to the transcript with a single write */
static void note(const char *prefix, const char *text)
{
	char buf[2048];
	int n = snprintf(buf, sizeof buf, "%s%s\n", prefix, text);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof buf)
		n = (int)sizeof buf - 1;
	if (write(tfd, buf, (size_t)n) < 0)
		perror("smtpdrive: transcript");
}

/* reply - read one (possibly multi-line) reply; its code, or -1 on EOF */
static int reply(char *last, size_t lastsz)
{
	char line[2048];

	for (;;) {
		if (fgets(line, sizeof line, from_sm) == NULL) {
			note("E: ", "connection closed");
			return -1;
		}
		line[strcspn(line, "\r\n")] = '\0';
		note("S: ", line);
		if (strlen(line) < 4 || line[3] != '-') {
			snprintf(last, lastsz, "%s", line);
			return atoi(line);
		}
	}
}

/* send_line - send one command line with CRLF */
static int send_line(const char *text)
{
	note("C: ", text);
	if (fprintf(to_sm, "%s\r\n", text) < 0 || fflush(to_sm) != 0)
		return -1;
	return 0;
}

/* send_data - send a file as message data, then the final dot; wait
 * usec microseconds after each 4096 bytes */
static int send_data(const char *path, long usec)
{
	FILE *f = fopen(path, "r");
	struct timespec ts = { usec / 1000000, (usec % 1000000) * 1000 };
	char line[8192];
	long sent = 0;
	int bol = 1;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		size_t n = strlen(line);
		int nl = n > 0 && line[n - 1] == '\n';

		if (nl)
			line[--n] = '\0';
		if (bol && line[0] == '.')
			fputc('.', to_sm);
		fwrite(line, 1, n, to_sm);
		if (nl)
			fputs("\r\n", to_sm);
		bol = nl;
		sent += (long)n + 2;
		if (usec > 0 && sent >= 4096) {
			if (fflush(to_sm) != 0)
				break;
			nanosleep(&ts, NULL);
			sent = 0;
		}
	}
	fclose(f);
	if (!bol)
		fputs("\r\n", to_sm);
	fputs(".\r\n", to_sm);
	return fflush(to_sm) == 0 ? 0 : -1;
}

/* dialogue - run the script; 0 when it ran to its end */
static int dialogue(FILE *script)
{
	char line[4096], last[2048];

	if (reply(last, sizeof last) != 220)
		return -1;
	while (fgets(line, sizeof line, script) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '>' && line[1] == ' ') {
			if (send_line(line + 2) < 0 || reply(last,
			    sizeof last) < 0)
				return -1;
		} else if (line[0] == '=' && line[1] == ' ') {
			char *num = line + 2, *file = strchr(num, ' '), *pace;
			long usec = 0;
			int code;

			if (file == NULL)
				return -1;
			*file++ = '\0';
			pace = strchr(file, ' ');
			if (pace != NULL) {
				*pace++ = '\0';
				usec = atol(pace);
			}
			if (send_line("DATA") < 0)
				return -1;
			code = reply(last, sizeof last);
			if (code < 0)
				return -1;
			if (code != 354)
				continue;
			if (send_data(file, usec) < 0)
				return -1;
			code = reply(last, sizeof last);
			if (code < 0)
				return -1;
			if (code >= 200 && code < 300)
				note("ACK ", num);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int in[2], out[2], status, ok;
	FILE *script;
	pid_t pid;

	if (argc < 5 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr, "usage: smtpdrive SCRIPT TRANSCRIPT -- "
		    "command [arg ...]\n");
		return 2;
	}
	script = fopen(argv[1], "r");
	if (script == NULL) {
		perror(argv[1]);
		return 2;
	}
	tfd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (tfd < 0) {
		perror(argv[2]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (pipe(in) < 0 || pipe(out) < 0) {
		perror("smtpdrive: pipe");
		return 2;
	}
	pid = fork();
	if (pid < 0) {
		perror("smtpdrive: fork");
		return 2;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execvp(argv[4], argv + 4);
		perror(argv[4]);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	to_sm = fdopen(in[1], "w");
	from_sm = fdopen(out[0], "r");
	if (to_sm == NULL || from_sm == NULL) {
		perror("smtpdrive: fdopen");
		return 2;
	}
	alarm(600);
	ok = dialogue(script) == 0;
	fclose(to_sm);
	while (fgetc(from_sm) != EOF)
		;
	fclose(from_sm);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 2;
	if (!ok)
		return 3;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
