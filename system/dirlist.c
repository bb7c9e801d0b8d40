/*
 * dirlist.c - read a directory's names once and sort them.
 *
 * Memory: one arena of names and one array of 32-bit offsets, 4 bytes
 * plus the name a entry, and for a moment a copy of the names
 * (in_sorted_order()); freed by dirlist_free().  A directory whose names
 * exceed 4 GiB is refused (ENOMEM) rather than overflowing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dirlist.h"
#include "grow.h"

/* dirlist_init - empty */
void
dirlist_init(struct dirlist *dl)
{
	memset(dl, 0, sizeof(*dl));
}

/* dirlist_free - release */
void
dirlist_free(struct dirlist *dl)
{
	free(dl->arena);
	free(dl->off);
	dirlist_init(dl);
}

/* dirlist_name - the i-th name */
const char *
dirlist_name(const struct dirlist *dl, size_t i)
{
	if (i >= dl->n)
		BUG("dirlist_name: %zu of %zu", i, dl->n);
	return dl->arena + dl->off[i];
}

/* dirlist_type - the d_type of the i-th name */
unsigned char
dirlist_type(const struct dirlist *dl, size_t i)
{
	if (i >= dl->n)
		BUG("dirlist_type: %zu of %zu", i, dl->n);
	/* The type is stored just before the name in the arena. */
	return (unsigned char)dl->arena[dl->off[i] - 1];
}

/* add - keep a copy of name, after its d_type byte */
static int
add(struct dirlist *dl, const char *name, unsigned char type)
{
	size_t len = strlen(name) + 2;

	if (dl->used + len > UINT32_MAX)
		return -1;
	if (grow_array((void **)&dl->arena, &dl->cap, dl->used + len, 1,
		65536) < 0 ||
	    grow_array((void **)&dl->off, &dl->offcap, dl->n + 1,
		sizeof(*dl->off), 4096) < 0)
		return -1;
	dl->arena[dl->used] = (char)type;
	memcpy(dl->arena + dl->used + 1, name, len - 1);
	dl->off[dl->n++] = (uint32_t)dl->used + 1;
	dl->used += len;
	return 0;
}

/*
 * Sorting.  Names in a big queue share long prefixes ("qf6AN8D0If..."),
 * so a comparison sort spends its time in strcmp() going over the same
 * bytes again and again.  Multikey quicksort (Bentley and Sedgewick,
 * "Fast algorithms for sorting and searching strings", 1997) looks at
 * each byte position once per partition instead.  It sorts the offsets
 * in place, so it needs no memory beyond the stack, whose depth stays
 * O(log n): the two smaller of the three parts are sorted by recursion,
 * the largest by the loop.  A hostile directory cannot make it
 * quadratic: past a depth budget a part is handed to qsort(), whose
 * glibc merge sort is O(n log n) whatever the input.
 */

static const char *sort_arena; /* qsort() has no context argument */
static size_t sort_depth;      /* the byte position already equal */

#define MKQ_SMALL 12 /* parts this small: insertion sort */

/* cmp_from_depth - byte order of two names that agree before sort_depth */
static int
cmp_from_depth(const void *a, const void *b)
{
	return strcmp(sort_arena + *(const uint32_t *)a + sort_depth,
	    sort_arena + *(const uint32_t *)b + sort_depth);
}

/* ch - byte d of name o (0 past its end) */
static inline unsigned char
ch(const char *arena, uint32_t o, size_t d)
{
	return (unsigned char)arena[o + d];
}

/* swap_off - exchange two offsets */
static inline void
swap_off(uint32_t *v, size_t i, size_t j)
{
	uint32_t t = v[i];

	v[i] = v[j];
	v[j] = t;
}

/* insertion_sort - small parts, comparing from byte d */
static void
insertion_sort(const char *arena, uint32_t *v, size_t n, size_t d)
{
	size_t i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(arena + v[j - 1] + d,
		    arena + v[j] + d) > 0; j--)
			swap_off(v, j - 1, j);
}

/* mkqsort - sort v[0..n) whose names agree on their first d bytes */
static void
mkqsort(const char *arena, uint32_t *v, size_t n, size_t d, unsigned budget)
{
	while (n > MKQ_SMALL) {
		size_t lt, gt = n, i, nlt, neq, ngt;
		unsigned char p;

		if (budget == 0) {
			sort_arena = arena;
			sort_depth = d;
			qsort(v, n, sizeof(*v), cmp_from_depth);
			return;
		}
		budget--;
		/* Pivot: the median of three bytes. */
		{
			unsigned char a = ch(arena, v[0], d),
				      b = ch(arena, v[n / 2], d),
				      c = ch(arena, v[n - 1], d);
			size_t m = (a < b) ? ((b < c) ? n / 2 : (a < c) ? n - 1 : 0)
					   : ((a < c) ? 0 : (b < c) ? n - 1 : n / 2);

			swap_off(v, 0, m);
		}
		p = ch(arena, v[0], d);
		/* Dutch flag: [0,lt) < p, [lt,i) == p, [gt,n) > p. */
		lt = 0;
		i = 0;
		while (i < gt) {
			unsigned char c = ch(arena, v[i], d);

			if (c < p)
				swap_off(v, lt++, i++);
			else if (c > p)
				swap_off(v, i, --gt);
			else
				i++;
		}
		nlt = lt;
		neq = gt - lt;
		ngt = n - gt;
		/* Recurse on the two smaller parts, loop on the largest. */
		if (nlt >= neq && nlt >= ngt) {
			if (p != 0)
				mkqsort(arena, v + lt, neq, d + 1, budget);
			mkqsort(arena, v + gt, ngt, d, budget);
			n = nlt;
		} else if (ngt >= neq) {
			mkqsort(arena, v, nlt, d, budget);
			if (p != 0)
				mkqsort(arena, v + lt, neq, d + 1, budget);
			v += gt;
			n = ngt;
		} else {
			mkqsort(arena, v, nlt, d, budget);
			mkqsort(arena, v + gt, ngt, d, budget);
			if (p == 0)
				return; /* equal names end here */
			v += lt;
			n = neq;
			d++;
		}
	}
	insertion_sort(arena, v, n, d);
}

/* sort_names - the offsets in byte order of their names */
static void
sort_names(struct dirlist *dl)
{
	unsigned budget = 0;
	size_t n;

	/* About 4 log2(n) partitions per byte position, then qsort(). */
	for (n = dl->n; n > 1; n >>= 1)
		budget += 4;
	budget += 256 + 16;	/* a partition per byte of a long name */
	mkqsort(dl->arena, dl->off, dl->n, 0, budget);
}

/*
 * in_sorted_order - the names rewritten in the arena in their sorted
 * order.  The listing comes in the file system's order (a hash order on
 * ext4), so after the sort, walking the names in order would jump about
 * an arena of tens of megabytes in a big queue, a cache miss at every
 * name, twice (the scan's thread and the walk); in order, they are read
 * one after the other.  The sorted copy is made in pages of its own
 * (mmap), copied back over the arena and unmapped: through malloc(),
 * freeing a block that large would make glibc raise its mmap threshold
 * to it, and every later allocation below that size would come from the
 * heap (measured: peak RSS 36 MiB instead of 28 for a 100k-job queue).
 * Without the memory the names stay where they are.
 */
static void
in_sorted_order(struct dirlist *dl)
{
	char *copy;
	size_t i, used = 0, len;

	if (dl->n < 2)
		return;
	copy = mmap(NULL, dl->used, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (copy == MAP_FAILED)
		return;
	for (i = 0; i < dl->n; i++) {
		/* The d_type byte, the name, its NUL. */
		const char *from = dl->arena + dl->off[i] - 1;

		len = strlen(from + 1) + 2;
		memcpy(copy + used, from, len);
		dl->off[i] = (uint32_t)used + 1;
		used += len;
	}
	memcpy(dl->arena, copy, used);
	(void)munmap(copy, dl->used);
}

/* dirlist_read - every name, sorted */
int
dirlist_read(int dirfd, struct dirlist *dl, struct qerr *err)
{
	struct dirent *de;
	int dupfd, rc = 0;
	DIR *d;

	dupfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (dupfd < 0 || (d = fdopendir(dupfd)) == NULL) {
		qerr_set(err, errno, "cannot read the directory: %s",
		    strerror(errno));
		if (dupfd >= 0)
			(void)close(dupfd);
		return -1;
	}
	/* The duplicate shares the offset of dirfd: start from the top. */
	rewinddir(d);
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (add(dl, de->d_name, de->d_type) < 0) {
			qerr_set(err, ENOMEM, "out of memory listing the directory");
			rc = -1;
			break;
		}
		errno = 0;
	}
	if (rc == 0 && errno != 0) {
		qerr_set(err, errno, "readdir: %s", strerror(errno));
		rc = -1;
	}
	if (closedir(d) < 0 && rc == 0) {
		qerr_set(err, errno, "closedir: %s", strerror(errno));
		rc = -1;
	}
	sort_names(dl);
	in_sorted_order(dl);
	return rc;
}
