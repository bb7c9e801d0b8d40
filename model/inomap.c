/*
 * inomap.c - (device, inode) to number (inomap.h): open addressing with
 * linear probing, kept at most half full, doubled and rebuilt on growth.
 */
#include <stdlib.h>
#include <string.h>

#include "inomap.h"

/* slot_of - the home slot of a key (a 64-bit mix of both halves) */
static size_t
slot_of(uint64_t dev, uint64_t ino, size_t cap)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ull ^ (dev + 0x632be59bd9b4e019ull);

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (size_t)h & (cap - 1);
}

/* inomap_init - empty */
void
inomap_init(struct inomap *m)
{
	memset(m, 0, sizeof(*m));
}

/* inomap_free - release */
void
inomap_free(struct inomap *m)
{
	free(m->slots);
	inomap_init(m);
}

/* find - the slot of a key, or the empty slot where it would go */
static struct inoslot *
find(const struct inomap *m, uint64_t dev, uint64_t ino)
{
	size_t i = slot_of(dev, ino, m->cap);

	while (m->slots[i].val != 0 &&
	    (m->slots[i].dev != dev || m->slots[i].ino != ino))
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

/* rehash - double the table */
static int
rehash(struct inomap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64, i;
	struct inoslot *old = m->slots;
	size_t ocap = m->cap;

	if (ncap > SIZE_MAX / 2 / sizeof(*old))
		return -1;
	m->slots = calloc(ncap, sizeof(*m->slots));
	if (m->slots == NULL) {
		m->slots = old;
		return -1;
	}
	m->cap = ncap;
	for (i = 0; i < ocap; i++)
		if (old[i].val != 0)
			*find(m, old[i].dev, old[i].ino) = old[i];
	free(old);
	return 0;
}

/* inomap_put - record a value for a key */
int
inomap_put(struct inomap *m, uint64_t dev, uint64_t ino, uint32_t val)
{
	struct inoslot *s;

	if (val == 0)
		return -1;
	if ((m->used + 1) * 2 > m->cap && rehash(m) < 0)
		return -1;
	s = find(m, dev, ino);
	if (s->val != 0) {
		s->n++;
		return 0;
	}
	s->dev = dev;
	s->ino = ino;
	s->val = val;
	s->n = 1;
	m->used++;
	return 0;
}

/* inomap_get - the first value of a key */
uint32_t
inomap_get(const struct inomap *m, uint64_t dev, uint64_t ino, uint32_t *n)
{
	const struct inoslot *s;

	if (n != NULL)
		*n = 0;
	if (m->cap == 0)
		return 0;
	s = find(m, dev, ino);
	if (s->val != 0 && n != NULL)
		*n = s->n;
	return s->val;
}
