/*
 * index.c - the job index: arrays of jobs and files, and an
 * open-addressing hash table from queue id to job.
 *
 * Growth doubles each array (realloc() of large blocks is mremap() on
 * glibc, so no copy); the hash table keeps its load at or under one half
 * and is rebuilt on growth.  Index 0 of each array is a sentinel, so a 0
 * link or slot means "none".  Everything is freed by index_free().
 */
#include <stdlib.h>
#include <string.h>

#include "index.h"

/* hash_id - FNV-1a of an id */
static uint32_t
hash_id(const char *id, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)id[i];
		h *= 16777619u;
	}
	return h;
}

/* index_init - an empty index */
void
index_init(struct index *idx)
{
	memset(idx, 0, sizeof(*idx));
}

/* index_free - release everything */
void
index_free(struct index *idx)
{
	free(idx->jobs);
	free(idx->files);
	free(idx->slots);
	index_init(idx);
}

/* grow_array - at least `need` elements of `size` bytes in *p */
static int
grow_array(void **p, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	if (need > UINT32_MAX / 2)
		return -1;
	ncap = *cap == 0 ? 1024 : *cap;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, (size_t)ncap * size);
	if (np == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* same_id - job j has this id */
static bool
same_id(const struct job *j, const char *id, size_t len)
{
	return j->idlen == len && memcmp(j->id, id, len) == 0;
}

/* put_slot - place job j, whose id hashes to h, in a table of n slots */
static void
put_slot(struct index_slot *slots, uint32_t n, uint32_t j, uint32_t h)
{
	uint32_t s = h & (n - 1);

	while (slots[s].job != 0)
		s = (s + 1) & (n - 1);
	slots[s].job = j;
	slots[s].hash = h;
}

/* rehash - a table of n slots holding every job */
static int
rehash(struct index *idx, uint32_t n)
{
	struct index_slot *slots = calloc(n, sizeof(*slots));
	uint32_t j, s;

	if (slots == NULL)
		return -1;
	/* The old table has every job with its hash: no id is hashed again. */
	for (s = 0; s < idx->nslots; s++)
		if ((j = idx->slots[s].job) != 0)
			put_slot(slots, n, j, idx->slots[s].hash);
	free(idx->slots);
	idx->slots = slots;
	idx->nslots = n;
	return 0;
}

/* find_hashed - the job of id, whose hash is h, or 0 */
static uint32_t
find_hashed(const struct index *idx, const char *id, size_t len, uint32_t h)
{
	uint32_t s, j;

	if (idx->nslots == 0)
		return 0;
	s = h & (idx->nslots - 1);
	while ((j = idx->slots[s].job) != 0) {
		if (idx->slots[s].hash == h && same_id(&idx->jobs[j], id, len))
			return j;
		s = (s + 1) & (idx->nslots - 1);
	}
	return 0;
}

/* index_find - the job of id, or 0 */
uint32_t
index_find(const struct index *idx, const char *id, size_t len)
{
	return find_hashed(idx, id, len, hash_id(id, len));
}

/* index_job - find or create the job of id */
uint32_t
index_job(struct index *idx, const char *id, size_t len)
{
	uint32_t j, h;
	struct job *jb;

	if (len > QID_MAX_LEN)
		return 0;
	h = hash_id(id, len);
	j = find_hashed(idx, id, len, h);
	if (j != 0)
		return j;
	if (idx->njobs == 0)
		idx->njobs = 1; /* the sentinel */
	/* Keep the load at or under one half. */
	if ((idx->njobs + 1) * 2 > idx->nslots &&
	    rehash(idx, idx->nslots == 0 ? 2048 : idx->nslots * 2) < 0)
		return 0;
	if (grow_array((void **)&idx->jobs, &idx->jobs_cap, idx->njobs + 1,
		sizeof(*idx->jobs)) < 0)
		return 0;
	j = idx->njobs++;
	jb = &idx->jobs[j];
	memset(jb, 0, sizeof(*jb));
	memcpy(jb->id, id, len);
	jb->idlen = (uint8_t)len;
	jb->datadir = DATADIR_NONE;
	put_slot(idx->slots, idx->nslots, j, h);
	return j;
}

/* index_add_file - chain a copy of *f to job j */
uint32_t
index_add_file(struct index *idx, uint32_t j, const struct jfile *f)
{
	uint32_t n;

	if (j == 0 || j >= idx->njobs)
		return 0;
	if (idx->nfiles == 0)
		idx->nfiles = 1;
	if (grow_array((void **)&idx->files, &idx->files_cap, idx->nfiles + 1,
		sizeof(*idx->files)) < 0)
		return 0;
	n = idx->nfiles++;
	idx->files[n] = *f;
	idx->files[n].next = idx->jobs[j].first;
	idx->jobs[j].first = n;
	idx->jobs[j].letters |= jl_bit((char)f->letter);
	return n;
}

static const struct job *sort_jobs; /* qsort() has no context argument */

/* cmp_jobs - byte order of two jobs' ids */
static int
cmp_jobs(const void *a, const void *b)
{
	const struct job *x = &sort_jobs[*(const uint32_t *)a];
	const struct job *y = &sort_jobs[*(const uint32_t *)b];
	size_t n = x->idlen < y->idlen ? x->idlen : y->idlen;
	int c = memcmp(x->id, y->id, n);

	if (c != 0)
		return c;
	return (int)x->idlen - (int)y->idlen;
}

/* index_sorted - job indexes by id */
uint32_t *
index_sorted(const struct index *idx)
{
	uint32_t n = idx->njobs > 1 ? idx->njobs - 1 : 0, i, *order;

	order = malloc(((size_t)n + 1) * sizeof(*order));
	if (order == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		order[i] = i + 1;
	sort_jobs = idx->jobs;
	if (n > 1)
		qsort(order, n, sizeof(*order), cmp_jobs);
	return order;
}

/* index_bytes - memory held */
size_t
index_bytes(const struct index *idx)
{
	return (size_t)idx->jobs_cap * sizeof(*idx->jobs) +
	    (size_t)idx->files_cap * sizeof(*idx->files) +
	    (size_t)idx->nslots * sizeof(*idx->slots);
}

/* jl_bit - the JL_* bit of a letter */
uint8_t
jl_bit(char letter)
{
	switch (letter) {
	case 'q':
		return JL_Q;
	case 'h':
		return JL_H;
	case 'Q':
		return JL_LOST;
	case 'd':
		return JL_D;
	case 't':
		return JL_T;
	case 'T':
		return JL_TASIDE;
	case 'x':
		return JL_X;
	default:
		return 0;
	}
}
