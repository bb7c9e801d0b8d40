/*
 * progress.c - progress lines on -C FD and a bar on a terminal.
 *
 * The lines follow e2fsck's -C FD: "PASS CURRENT TOTAL WHERE", which
 * front ends such as fsck(8) and boot splash screens already read.  They
 * are written when the thousandths done change, never on a clock, so a
 * run writes the same lines each time.  The bar goes to stderr, only
 * when it is a terminal, from the start with -C 0, else once the run
 * has taken a second (a check of a small queue shows none); it is
 * redrawn at most five times a second and cleared before any report
 * line, so the report on stdout reads the same with or without it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "esc.h"
#include "progress.h"

#define BAR_DELAY_MS 1000	/* PROGRESS_BAR_AUTO: not before this */
#define BAR_REDRAW_MS 200
#define BAR_WIDTH 20
#define TICKS_PER_CLOCK 256	/* steps between two reads of the clock */

static const char *const pass_words[] = { "", "entries", "jobs", "repairs" };

/* ms_since - milliseconds from a to b */
static long long
ms_since(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000;
}

void
progress_init(struct progress *pg, int fd, enum progress_bar bar)
{
	memset(pg, 0, sizeof(*pg));
	pg->fd = fd > 0 ? fd : -1;
	pg->bar = bar != PROGRESS_BAR_NONE && isatty(STDERR_FILENO) ? bar
								    : PROGRESS_BAR_NONE;
	pg->active = pg->fd >= 0 || pg->bar != PROGRESS_BAR_NONE;
	pg->permille = -1;
	(void)clock_gettime(CLOCK_MONOTONIC, &pg->start);
}

/* write_line - one line to the -C descriptor; a descriptor that fails
 * is given up, the run goes on */
static void
write_line(struct progress *pg)
{
	char line[400];
	size_t off = 0, len;
	int n;

	n = snprintf(line, sizeof(line), "%d %lu %lu %s\n", (int)pg->pass,
	    pg->cur, pg->total, pg->where);
	if (n < 0)
		return;
	len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
	while (off < len) {
		ssize_t w = write(pg->fd, line + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			pg->fd = -1;
			pg->active = pg->bar != PROGRESS_BAR_NONE;
			return;
		}
		off += (size_t)w;
	}
}

/* draw - the bar, on one line of stderr */
static void
draw(struct progress *pg, const struct timespec *now)
{
	char bar[BAR_WIDTH + 1];
	long long ms = ms_since(&pg->pass_start, now);
	unsigned long pct = pg->total ? pg->cur * 100 / pg->total : 100;
	unsigned long rate = ms > 0 ? (unsigned long)((double)pg->cur * 1000.0 / (double)ms)
				    : 0;
	size_t i, fill = pg->total ? (size_t)(pg->cur * BAR_WIDTH / pg->total) : BAR_WIDTH;

	for (i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[BAR_WIDTH] = '\0';
	/* Fits 80 columns but for a long WHERE; "\033[K" clears the rest. */
	(void)fprintf(stderr, "\rmqfsck: %-7s [%s] %3lu%% %lu/%lu %lu/s %.30s\033[K",
	    pass_words[pg->pass], bar, pct, pg->cur, pg->total, rate, pg->where);
	(void)fflush(stderr);
	pg->shown = true;
	pg->last_draw = *now;
}

void
progress_pass(struct progress *pg, enum progress_pass pass, const char *where,
    unsigned long total)
{
	if (!pg->active)
		return;
	pg->pass = pass;
	pg->total = total;
	pg->cur = 0;
	pg->permille = -1;
	pg->tick = 0;
	(void)esc_str(pg->where, sizeof(pg->where), where);
	(void)clock_gettime(CLOCK_MONOTONIC, &pg->pass_start);
	progress_slow(pg, 0);
}

void
progress_slow(struct progress *pg, unsigned long cur)
{
	struct timespec now;
	long pm;

	pg->cur = cur > pg->total ? pg->total : cur;
	if (pg->fd >= 0) {
		pm = pg->total ? (long)(pg->cur * 1000 / pg->total) : 1000;
		if (pm != pg->permille) {
			pg->permille = pm;
			write_line(pg);
		}
	}
	if (pg->bar == PROGRESS_BAR_NONE)
		return;
	/* The clock is read every TICKS_PER_CLOCK steps, not each. */
	if (cur != 0 && cur != pg->total && ++pg->tick < TICKS_PER_CLOCK)
		return;
	pg->tick = 0;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (pg->bar == PROGRESS_BAR_AUTO && !pg->shown &&
	    ms_since(&pg->start, &now) < BAR_DELAY_MS)
		return;
	if (pg->shown && ms_since(&pg->last_draw, &now) < BAR_REDRAW_MS &&
	    cur != pg->total)
		return;
	draw(pg, &now);
}

void
progress_end(struct progress *pg)
{
	if (!pg->active || pg->pass == 0)
		return;
	if (pg->fd >= 0 && pg->permille != 1000) {
		pg->cur = pg->total;
		pg->permille = 1000;
		write_line(pg);
	}
	pg->pass = 0;
}

void
progress_clear(struct progress *pg)
{
	if (!pg->shown)
		return;
	(void)fputs("\r\033[K", stderr);
	(void)fflush(stderr);
	pg->shown = false;
}
