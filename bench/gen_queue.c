/*
 * gen_queue.c - make a large, clean sendmail 8.17 queue for the benchmark.
 *
 *   gen_queue DIR N [SEED]
 *
 * Writes N jobs into DIR (created 0750 if missing; refused unless empty),
 * each a df<id> and a qf<id> in the V8 format that sendmail 8.17's
 * queueup() writes for a job that has already been tried and deferred:
 *
 *   V8 T K N P I M F $_ ${daemon_flags} S A, then r/R per recipient (2 or
 *   3), then the H lines (Return-Path with the 0x81 macro byte, a Received
 *   header folded over three lines, Date, Message-Id, Subject, From, To,
 *   MIME headers) and the "." terminator.
 *
 * The df is written first and fstat()ed, and the qf then records its
 * device and inode on the I line, as sendmail does after a queue run.
 * Ids are 8.12+ ids (queue.c assign_queueid()): the job's creation time
 * (UTC) in base 62, two base-60 envelope characters, the PID with %06d.
 * The jobs' times are spread over the three days before "now" (well
 * inside Debian's Timeout.queuereturn of 5 days, so none has expired), and
 * the (second, PID) pair of every job is unique, so every id is unique.
 * Bodies are 1-2 KiB of text.
 *
 * Everything (ids, times, recipients, texts) is a function of SEED (0 if
 * omitted) and of "now", which is SOURCE_DATE_EPOCH when that is set (for
 * byte-identical queues) and the clock otherwise; the inode numbers on the
 * I lines are whatever the file system hands out.  Files are created with
 * O_EXCL, mode 0640 (umask 027), and never fsync()ed.  The time taken is
 * printed at the end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define HOST "vm.localdomain"
#define MTA_VERSION "8.17.1.9/8.17.1.9/Debian-2+deb12u2"
#define WINDOW_SECS (3L * 86400) /* jobs are spread over the last 3 days */
#define MAX_PER_SEC 64		 /* jobs sharing one second, at most */
#define POOL_LINES 4096		 /* lines of body text to cut bodies from */
#define BODY_MIN 1024
#define BODY_MAX 2048
#define QF_BUF 8192
#define DF_BUF 4096
#define RETRY_FACTOR 90000L	 /* sendmail.cf RetryFactor */
#define RCPT_FACTOR 30000L	 /* sendmail.cf RecipientFactor */

static const char *const users[] = {
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
	"ivan", "judy", "mallory", "niaj", "olivia", "peggy", "rupert",
	"sybil", "trent", "victor", "walter", "yolanda", "zoe", "backup",
	"billing", "noreply", "reports", "support", "www-data", "nagios",
};

static const char *const domains[] = {
	"example.com", "example.net", "example.org", "mail.example.com",
	"lists.example.org", "corp.example.net", "example.co.uk",
	"sub.example.com", "partner.example", "customer.example",
};

/* Deferral reasons for the M line: text, the first domain, text. */
static const char *const reasons[][2] = {
	{ "Connection refused by mx.", "." },
	{ "Connection timed out with mx1.", "." },
	{ "451 4.7.1 Greylisted, please try again later (", ")" },
	{ "452 4.2.2 Mailbox full at ", "" },
	{ "421 4.3.2 Service not available, closing channel (", ")" },
	{ "", ": Name server timeout" },
};

static const char *const subjects[] = {
	"Nightly backup report", "Invoice", "Re: meeting notes",
	"Your order has shipped", "Weekly statistics", "Disk usage warning",
	"Cron <root@vm> run-parts /etc/cron.daily", "Password expiry notice",
	"Re: Re: quarterly figures", "Delivery status", "Build failed",
	"Mailing list digest",
};

static const char *const words[] = {
	"the", "queue", "message", "server", "delivery", "report", "is",
	"of", "and", "to", "a", "in", "for", "on", "with", "was", "this",
	"that", "backup", "completed", "files", "disk", "usage", "percent",
	"please", "find", "attached", "summary", "below", "regards", "week",
	"total", "errors", "warnings", "host", "job", "started", "finished",
	"at", "by", "from", "invoice", "order", "number", "payment", "due",
	"thanks", "meeting", "tomorrow", "agenda", "item", "review", "notes",
};

static const char *const wday[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

static const char *const mon[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

static const char qid_chars[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A growable-free output buffer: appends past the end are an error. */
struct obuf {
	char *p;
	size_t len, cap;
};

/* Text the bodies are cut from, and where each of its lines starts. */
struct pool {
	char *text;
	size_t len;
	size_t starts[POOL_LINES];
};

static uint64_t rng_state;

/* rng - next value of a splitmix64 generator */
static uint64_t
rng(void)
{
	uint64_t z;

	rng_state += UINT64_C(0x9E3779B97F4A7C15);
	z = rng_state;
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* pick - a value in [0, n) */
static size_t
pick(size_t n)
{
	return (size_t)(rng() % n);
}

static void die(int e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static void put(struct obuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* die - print a message (with errno text if e != 0) and exit 1 */
static void
die(int e, const char *fmt, ...)
{
	va_list ap;

	(void)fputs("gen_queue: ", stderr);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (e != 0)
		(void)fprintf(stderr, ": %s", strerror(e));
	(void)fputc('\n', stderr);
	exit(1);
}

/* put - append printf output to b; running out of room is a bug */
static void
put(struct obuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		die(0, "internal error: buffer of %zu bytes too small", b->cap);
	b->len += (size_t)n;
}

/* put_bytes - append n raw bytes to b */
static void
put_bytes(struct obuf *b, const char *s, size_t n)
{
	if (n >= b->cap - b->len)
		die(0, "internal error: buffer of %zu bytes too small", b->cap);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* parse_u64 - a decimal number, or exit with a usage message */
static uint64_t
parse_u64(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		die(0, "bad %s: %s", what, s);
	return (uint64_t)v;
}

/* now_secs - SOURCE_DATE_EPOCH if set, else the clock */
static time_t
now_secs(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t;

	if (sde != NULL && *sde != '\0')
		return (time_t)parse_u64(sde, "SOURCE_DATE_EPOCH");
	t = time(NULL);
	if (t == (time_t)-1)
		die(errno, "time");
	return t;
}

/* mono - CLOCK_MONOTONIC in seconds */
static double
mono(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		die(errno, "clock_gettime");
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* prepare_dir - create dir, or make sure the existing one is empty */
static void
prepare_dir(const char *dir)
{
	DIR *d;
	struct dirent *de;

	if (mkdir(dir, 0750) == 0)
		return;
	if (errno != EEXIST)
		die(errno, "mkdir %s", dir);
	if ((d = opendir(dir)) == NULL)
		die(errno, "opendir %s", dir);
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			die(0, "%s is not empty (found %s); refusing", dir,
			    de->d_name);
		errno = 0;
	}
	if (errno != 0)
		die(errno, "readdir %s", dir);
	if (closedir(d) < 0)
		die(errno, "closedir %s", dir);
}

/* make_pool - POOL_LINES lines of 40-76 characters of words */
static void
make_pool(struct pool *pl)
{
	size_t cap = (size_t)POOL_LINES * 80, i;
	struct obuf b;

	if ((b.p = malloc(cap)) == NULL)
		die(errno, "malloc");
	b.len = 0;
	b.cap = cap;
	for (i = 0; i < POOL_LINES; i++) {
		size_t start = b.len, target = 40 + pick(37);

		pl->starts[i] = start;
		for (;;) {
			const char *w = words[pick(NELEM(words))];
			size_t wl = strlen(w);

			if (b.len - start + wl + 1 > target &&
			    b.len > start)
				break;
			if (b.len > start)
				put_bytes(&b, " ", 1);
			put_bytes(&b, w, wl);
		}
		put_bytes(&b, "\n", 1);
	}
	pl->text = b.p;
	pl->len = b.len;
}

/* make_qid - the 8.12+ id of a job made at t by pid with envelope seq */
static void
make_qid(char *out, size_t outsz, const struct tm *tm, unsigned seq,
    unsigned pid)
{
	int n = snprintf(out, outsz, "%c%c%c%c%c%c%c%c%06u",
	    qid_chars[tm->tm_year % 60], qid_chars[tm->tm_mon],
	    qid_chars[tm->tm_mday], qid_chars[tm->tm_hour],
	    qid_chars[tm->tm_min], qid_chars[tm->tm_sec % 62],
	    qid_chars[seq / 60], qid_chars[seq % 60], pid);

	if (n < 0 || (size_t)n >= outsz)
		die(0, "internal error: id buffer too small");
}

/* arpa_date - "Mon, 23 Nov 2026 05:38:05 GMT" */
static void
arpa_date(char *out, size_t outsz, const struct tm *tm)
{
	int n = snprintf(out, outsz, "%s, %d %s %d %02d:%02d:%02d GMT",
	    wday[tm->tm_wday], tm->tm_mday, mon[tm->tm_mon],
	    tm->tm_year + 1900, tm->tm_hour, tm->tm_min, tm->tm_sec);

	if (n < 0 || (size_t)n >= outsz)
		die(0, "internal error: date buffer too small");
}

/* write_all - write n bytes, retrying short writes and EINTR */
static void
write_all(int fd, const char *p, size_t n, const char *name)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			die(errno, "write %s", name);
		}
		p += w;
		n -= (size_t)w;
	}
}

/* create_file - O_EXCL-create name in dirfd with the bytes of b */
static int
create_file(int dirfd, const char *name, const struct obuf *b)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0640);

	if (fd < 0)
		die(errno, "create %s", name);
	write_all(fd, b->p, b->len, name);
	return fd;
}

/* close_file - close(2), which must succeed */
static void
close_file(int fd, const char *name)
{
	if (close(fd) < 0)
		die(errno, "close %s", name);
}

/* make_body - the df: a greeting, then 1-2 KiB cut from the text pool */
static void
make_body(struct obuf *b, const struct pool *pl, const char *rcpt_user,
    const char *qid)
{
	size_t target = BODY_MIN + pick(BODY_MAX - BODY_MIN);
	size_t line = pick(POOL_LINES / 2), from, to;

	b->len = 0;
	put(b, "Hello %s,\n\nreference %s\n\n", rcpt_user, qid);
	from = to = pl->starts[line];
	while (line < POOL_LINES && to - from + b->len < target)
		to = ++line < POOL_LINES ? pl->starts[line] : pl->len;
	put_bytes(b, pl->text + from, to - from);
	put(b, "\n-- \n%s\n", "sent by the benchmark generator");
}

/* Everything that varies from one job to the next. */
struct job {
	time_t t;
	struct tm tm;
	char qid[32];
	char date[64];
	const char *sender;
	const char *rcpt_user[3];
	const char *rcpt_dom[3];
	unsigned nrcpt;
};

/* make_qf - the control file of job j whose df has status st */
static void
make_qf(struct obuf *b, const struct job *j, const struct stat *st,
    time_t now, size_t body_len)
{
	unsigned tries = 1 + (unsigned)pick(8), i;
	time_t lasttry = j->t + (time_t)pick((size_t)(now - j->t) + 1);
	long prio = (long)body_len + (long)j->nrcpt * RCPT_FACTOR +
	    (long)tries * RETRY_FACTOR;
	const char *const *reason = reasons[pick(NELEM(reasons))];

	b->len = 0;
	put(b, "V8\nT%lld\nK%lld\nN%u\nP%ld\nI%ld/%ld/%llu\n"
	    "MDeferred: %s%s%s\n",
	    (long long)j->t, (long long)lasttry, tries, prio,
	    (long)major(st->st_dev), (long)minor(st->st_dev),
	    (unsigned long long)st->st_ino, reason[0], j->rcpt_dom[0],
	    reason[1]);
	put(b, "Fs\n$_%s@localhost\n${daemon_flags}c u\nS%s\nA%s@" HOST "\n",
	    j->sender, j->sender, j->sender);
	for (i = 0; i < j->nrcpt; i++)
		put(b, "rRFC822; %s@%s\nRPFD:%s@%s\n", j->rcpt_user[i],
		    j->rcpt_dom[i], j->rcpt_user[i], j->rcpt_dom[i]);
	put(b, "H?P?Return-Path: <\x81g>\n");
	put(b, "H??Received: (from %s@localhost)\n"
	    "\tby " HOST " (" MTA_VERSION ") id %s;\n\t%s\n",
	    j->sender, j->qid, j->date);
	put(b, "H?D?Date: %s\n", j->date);
	put(b, "H?M?Message-Id: <%04d%02d%02d%02d%02d.%s@" HOST ">\n",
	    j->tm.tm_year + 1900, j->tm.tm_mon + 1, j->tm.tm_mday,
	    j->tm.tm_hour, j->tm.tm_min, j->qid);
	put(b, "H??Subject: %s #%u\n", subjects[pick(NELEM(subjects))],
	    (unsigned)pick(100000));
	put(b, "H??From: %s@" HOST "\n", j->sender);
	put(b, "H??To: ");
	for (i = 0; i < j->nrcpt; i++)
		put(b, "%s%s@%s", i > 0 ? ", " : "", j->rcpt_user[i],
		    j->rcpt_dom[i]);
	put(b, "\nH??MIME-Version: 1.0\n"
	    "H??Content-Type: text/plain; charset=us-ascii\n.\n");
}

/*
 * pick_pid - a PID for a job made in the current second, different from
 * the `nused` PIDs already used in that second.
 */
static unsigned
pick_pid(const unsigned *used, size_t nused)
{
	for (;;) {
		/* Mostly 4-6 digit PIDs, sometimes 7 (pid_max 4194304). */
		unsigned pid = pick(16) == 0 ? 1000000 + (unsigned)pick(3194304)
					     : 300 + (unsigned)pick(99700);
		size_t i = 0;

		while (i < nused && used[i] != pid)
			i++;
		if (i == nused)
			return pid;
	}
}

/* make_job - choose everything about a job made at t by pid */
static void
make_job(struct job *j, time_t t, unsigned pid)
{
	unsigned k;

	j->t = t;
	if (gmtime_r(&j->t, &j->tm) == NULL)
		die(errno, "gmtime_r");
	make_qid(j->qid, sizeof(j->qid), &j->tm, (unsigned)pick(3600), pid);
	arpa_date(j->date, sizeof(j->date), &j->tm);
	j->sender = users[pick(NELEM(users))];
	j->nrcpt = 2 + (unsigned)pick(2);
	for (k = 0; k < j->nrcpt; k++) {
		unsigned m;

		do {	/* distinct addresses; the lists are static strings */
			j->rcpt_user[k] = users[pick(NELEM(users))];
			j->rcpt_dom[k] = domains[pick(NELEM(domains))];
			for (m = 0; m < k; m++)
				if (j->rcpt_user[m] == j->rcpt_user[k] &&
				    j->rcpt_dom[m] == j->rcpt_dom[k])
					break;
		} while (m < k);
	}
}

/* main - gen_queue DIR N [SEED] */
int
main(int argc, char **argv)
{
	static char qfmem[QF_BUF], dfmem[DF_BUF];
	struct obuf qf = { qfmem, 0, sizeof(qfmem) };
	struct obuf df = { dfmem, 0, sizeof(dfmem) };
	static struct pool pl;
	unsigned used[MAX_PER_SEC];
	size_t nused = 0;
	uint64_t n, seed = 0, i;
	time_t now, start, cur_sec = (time_t)-1;
	long window;
	double t0;
	int dirfd;

	if (argc < 3 || argc > 4) {
		(void)fprintf(stderr, "usage: gen_queue DIR N [SEED]\n");
		return 2;
	}
	n = parse_u64(argv[2], "N");
	if (n == 0 || n > 100000000)
		die(0, "N must be 1 to 100000000");
	if (argc == 4)
		seed = parse_u64(argv[3], "SEED");
	t0 = mono();
	now = now_secs();
	/* Keep at most MAX_PER_SEC jobs in any one second. */
	window = WINDOW_SECS;
	if ((uint64_t)window * MAX_PER_SEC / 2 < n)
		window = (long)(n * 2 / MAX_PER_SEC) + 1;
	start = now - window;
	rng_state = seed * UINT64_C(0x2545F4914F6CDD1D) + 1;
	(void)umask(027);
	prepare_dir(argv[1]);
	if ((dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die(errno, "open %s", argv[1]);
	make_pool(&pl);

	for (i = 0; i < n; i++) {
		struct job j = { 0 };
		struct stat st;
		char name[48];
		unsigned pid;
		time_t t;
		int fd, len;

		/* Job i's second; its PID must be new in that second. */
		t = start + (time_t)((double)i * (double)window / (double)n);
		if (t != cur_sec) {
			cur_sec = t;
			nused = 0;
		}
		if (nused == MAX_PER_SEC)
			die(0, "internal error: too many jobs in one second");
		pid = pick_pid(used, nused);
		used[nused++] = pid;
		make_job(&j, t, pid);

		make_body(&df, &pl, j.rcpt_user[0], j.qid);
		len = snprintf(name, sizeof(name), "df%s", j.qid);
		if (len < 0 || (size_t)len >= sizeof(name))
			die(0, "internal error: name buffer too small");
		fd = create_file(dirfd, name, &df);
		if (fstat(fd, &st) < 0)
			die(errno, "fstat %s", name);
		close_file(fd, name);

		make_qf(&qf, &j, &st, now, df.len);
		name[0] = 'q';
		fd = create_file(dirfd, name, &qf);
		close_file(fd, name);
	}
	if (close(dirfd) < 0)
		die(errno, "close %s", argv[1]);
	free(pl.text);
	if (printf("gen_queue: %" PRIu64 " jobs (%" PRIu64 " files) in %s "
	    "in %.3f s\n", n, 2 * n, argv[1], mono() - t0) < 0 ||
	    fflush(stdout) == EOF)
		die(errno, "stdout");
	return 0;
}
