/*
 * gen.c - deterministic random numbers and test messages for the interop
 * tests.
 *
 * Usage:
 *   gen rand SEED COUNT
 *       COUNT pseudo-random numbers in [0, 2^31), one a line, from the
 *       string SEED (splitmix64 seeded with the FNV-1a hash of SEED).
 *   gen msg SEED MARKER BODYBYTES HEADERBYTES FROM TO MSGFILE BODYFILE
 *       a message for sendmail: From, To, Subject (naming MARKER),
 *       X-Trial-Id: MARKER, about HEADERBYTES of X-Filler headers (some
 *       folded), a blank line, and a body of about BODYBYTES: the line
 *       "BODY-MARKER", random lines of 0 to 76 printable characters
 *       (some starting with '.', for SMTP dot-stuffing), and last the
 *       line "END-MARKER".  BODYFILE receives the body alone, exactly as
 *       a delivery program should see it after the header.
 *   gen pace USEC
 *       copy stdin to stdout 4096 bytes at a time, waiting USEC
 *       microseconds after each piece: a slow client, so that sendmail
 *       writes its df over a long time.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t state;

/* seed_from - seed the generator from a string */
static void seed_from(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	state = h;
}

/* next - splitmix64 */
static uint64_t next(void)
{
	uint64_t z = (state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* below - a number in [0, n) */
static unsigned long below(unsigned long n)
{
	return n == 0 ? 0 : (unsigned long)(next() % n);
}

/* randline - a random line of len printable characters into buf */
static void randline(char *buf, size_t len)
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789     ,.-";

	for (size_t i = 0; i < len; i++)
		buf[i] = set[below(sizeof set - 1)];
	buf[len] = '\0';
	if (len > 0 && below(12) == 0)
		buf[0] = '.';
	if (len > 1 && buf[0] == '.' && below(4) == 0)
		buf[1] = '.';
	if (strncmp(buf, "From ", 5) == 0)
		buf[0] = 'f';
}

/* must_open - fopen for writing, or exit */
static FILE *must_open(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	return f;
}

/* put - write a string to both files (body2 may be NULL) */
static void put(FILE *a, FILE *b, const char *s)
{
	fputs(s, a);
	if (b != NULL)
		fputs(s, b);
}

/* cmd_msg - the "msg" command */
static int cmd_msg(char **av)
{
	const char *marker = av[1];
	long body = atol(av[2]), hdr = atol(av[3]);
	FILE *m, *b;
	char line[256];
	long n;

	seed_from(av[0]);
	m = must_open(av[6]);
	b = must_open(av[7]);
	fprintf(m, "From: %s\nTo: %s\nSubject: interop test %s\n"
	    "X-Trial-Id: %s\n", av[4], av[5], marker, marker);
	for (n = 0; hdr > 0; n++) {
		size_t len = 40 + below(160);

		randline(line, len);
		line[0] = 'x';
		if (below(3) == 0) {
			fprintf(m, "X-Filler-%ld: %.*s\n\t%s\n", n,
			    (int)(len / 2), line, line + len / 2);
		} else {
			fprintf(m, "X-Filler-%ld: %s\n", n, line);
		}
		hdr -= (long)len + 16;
	}
	fputs("\n", m);
	snprintf(line, sizeof line, "BODY-%s\n", marker);
	put(m, b, line);
	n = (long)strlen(line) + (long)strlen(marker) + 5;
	while (n < body) {
		size_t len = below(77);

		if ((long)len > body - n)
			len = (size_t)(body - n);
		randline(line, len);
		strcat(line, "\n");
		put(m, b, line);
		n += (long)len + 1;
	}
	snprintf(line, sizeof line, "END-%s\n", marker);
	put(m, b, line);
	if (fclose(m) != 0 || fclose(b) != 0) {
		perror("gen: write");
		return 1;
	}
	return 0;
}

/* cmd_pace - the "pace" command */
static int cmd_pace(long usec)
{
	char buf[4096];
	struct timespec ts = { usec / 1000000, (usec % 1000000) * 1000 };
	ssize_t n;

	while ((n = read(0, buf, sizeof buf)) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(1, buf + off, (size_t)(n - off));
			if (w < 0)
				return 1;
			off += w;
		}
		nanosleep(&ts, NULL);
	}
	return n < 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "rand") == 0) {
		long count = atol(argv[3]);

		seed_from(argv[2]);
		for (long i = 0; i < count; i++)
			printf("%" PRIu64 "\n", next() >> 33);
		return 0;
	}
	if (argc == 10 && strcmp(argv[1], "msg") == 0)
		return cmd_msg(argv + 2);
	if (argc == 3 && strcmp(argv[1], "pace") == 0)
		return cmd_pace(atol(argv[2]));
	fprintf(stderr, "usage: gen rand SEED COUNT\n"
	    "       gen msg SEED MARKER BODYBYTES HEADERBYTES FROM TO "
	    "MSGFILE BODYFILE\n"
	    "       gen pace USEC\n");
	return 2;
}
