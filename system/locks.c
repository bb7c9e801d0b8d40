/*
 * locks.c - the set of locked files, read from /proc/locks.
 *
 * Line format (Linux fs/locks.c lock_get_status()):
 *   "1: FLOCK  ADVISORY  WRITE 1234 fd:01:123456 0 EOF"
 *   "2: POSIX  ADVISORY  WRITE 99 08:02:77 0 EOF"
 *   "2: -> POSIX ..."   a waiter, which holds nothing
 * The device is MAJOR:MINOR in hexadecimal, the inode decimal.  Lines
 * that do not parse are skipped: the set can only be missing a lock,
 * which the caller's later real lock (repairs) still catches.
 * Memory: two arrays of the number of locks on the system.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "grow.h"
#include "locks.h"

/* lockset_init - empty */
void
lockset_init(struct lockset *ls)
{
	memset(ls, 0, sizeof(*ls));
}

/* lockset_free - release */
void
lockset_free(struct lockset *ls)
{
	free(ls->dev);
	free(ls->ino);
	lockset_init(ls);
}

/* add - one (dev, ino) pair */
static int
add(struct lockset *ls, uint64_t dev, uint64_t ino)
{
	size_t dcap = ls->cap, icap = ls->cap;

	/* Two arrays of one capacity: each grows the same way. */
	if (grow_array((void **)&ls->dev, &dcap, ls->n + 1, sizeof(*ls->dev),
		64) < 0 ||
	    grow_array((void **)&ls->ino, &icap, ls->n + 1, sizeof(*ls->ino),
		64) < 0)
		return -1;
	ls->cap = dcap;
	ls->dev[ls->n] = dev;
	ls->ino[ls->n] = ino;
	ls->n++;
	return 0;
}

/* number - a number in base `base` ending at `end`; false if none */
static bool
number(const char *p, int base, char end, unsigned long long *v,
    const char **after)
{
	char *e;

	errno = 0;
	*v = strtoull(p, &e, base);
	if (errno != 0 || e == p || *e != end)
		return false;
	*after = e + (end != '\0');
	return true;
}

/* parse_line - the dev and ino of a held lock; false for anything else */
static bool
parse_line(const char *line, uint64_t *dev, uint64_t *ino)
{
	unsigned long long maj, min, i;
	const char *p;
	int field = 0;

	if (strstr(line, "->") != NULL)
		return false;
	/* The sixth field (counting the "N:" as the first) is the file. */
	for (p = line; *p != '\0' && field < 5; field++) {
		p += strcspn(p, " \t");
		p += strspn(p, " \t");
	}
	if (!number(p, 16, ':', &maj, &p) || !number(p, 16, ':', &min, &p) ||
	    !number(p, 10, ' ', &i, &p) || maj > 0xfffff || min > 0xfffff)
		return false;
	*dev = (uint64_t)makedev((unsigned)maj, (unsigned)min);
	*ino = i;
	return true;
}

static const struct lockset *sort_ls; /* for the qsort() comparison */

/* cmp_pair - order of two entries of sort_ls */
static int
cmp_pair(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (sort_ls->dev[i] != sort_ls->dev[j])
		return sort_ls->dev[i] < sort_ls->dev[j] ? -1 : 1;
	if (sort_ls->ino[i] != sort_ls->ino[j])
		return sort_ls->ino[i] < sort_ls->ino[j] ? -1 : 1;
	return 0;
}

/* sort_pairs - sort the pairs for lockset_has() */
static int
sort_pairs(struct lockset *ls)
{
	size_t *order, k;
	uint64_t *nd, *ni;

	if (ls->n < 2)
		return 0;
	order = malloc(ls->n * sizeof(*order));
	nd = malloc(ls->n * sizeof(*nd));
	ni = malloc(ls->n * sizeof(*ni));
	if (order == NULL || nd == NULL || ni == NULL) {
		free(order);
		free(nd);
		free(ni);
		return -1;
	}
	for (k = 0; k < ls->n; k++)
		order[k] = k;
	sort_ls = ls;
	qsort(order, ls->n, sizeof(*order), cmp_pair);
	for (k = 0; k < ls->n; k++) {
		nd[k] = ls->dev[order[k]];
		ni[k] = ls->ino[order[k]];
	}
	free(order);
	free(ls->dev);
	free(ls->ino);
	ls->dev = nd;
	ls->ino = ni;
	ls->cap = ls->n;
	return 0;
}

/* lockset_load - read the held locks */
int
lockset_load(struct lockset *ls, const char *path, struct qerr *err)
{
	char line[512];
	uint64_t dev, ino;
	FILE *f;
	int rc = 0;

	f = fopen(path, "re");
	if (f == NULL) {
		qerr_set(err, errno, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (parse_line(line, &dev, &ino) && add(ls, dev, ino) < 0) {
			qerr_set(err, ENOMEM, "out of memory reading %s", path);
			rc = -1;
			break;
		}
	}
	if (ferror(f) && rc == 0) {
		qerr_set(err, EIO, "%s: read error", path);
		rc = -1;
	}
	(void)fclose(f);
	if (rc == 0 && sort_pairs(ls) < 0) {
		qerr_set(err, ENOMEM, "out of memory reading %s", path);
		rc = -1;
	}
	if (rc == 0)
		ls->loaded = true;
	return rc;
}

/* lockset_has - binary search for (dev, ino) */
bool
lockset_has(const struct lockset *ls, dev_t dev, ino_t ino)
{
	size_t lo = 0, hi = ls->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ls->dev[mid] < (uint64_t)dev ||
		    (ls->dev[mid] == (uint64_t)dev && ls->ino[mid] < (uint64_t)ino))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ls->n && ls->dev[lo] == (uint64_t)dev &&
	    ls->ino[lo] == (uint64_t)ino;
}
