/*
 * inomap.h - a small hash map from a file's (device, inode) to a number
 * (a job or a file of the index), for the questions pass 3 and lost+found
 * ask about inodes: which job's I line records this inode, which file
 * holds the inode this I line records.  Sized by what is asked, not by
 * the queue: empty for a healthy queue.
 */
#ifndef MQ_INOMAP_H
#define MQ_INOMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct inoslot {
	uint64_t dev, ino;
	uint32_t val;		/* the first value put; 0: empty slot */
	uint32_t n;		/* how many values were put for the key */
};

struct inomap {
	struct inoslot *slots;
	size_t cap;		/* a power of two, or 0 */
	size_t used;
};

/* inomap_init - empty */
void inomap_init(struct inomap *m);

/* inomap_free - release; it may be reused after inomap_init() */
void inomap_free(struct inomap *m);

/*
 * inomap_put - record val (not 0) for (dev, ino): the first value put
 * stays, later ones are counted.  Returns 0, or -1 when memory runs out.
 */
int inomap_put(struct inomap *m, uint64_t dev, uint64_t ino, uint32_t val);

/* inomap_get - the first value put for (dev, ino), 0 if none; *n (may be
 * NULL) how many were put */
uint32_t inomap_get(const struct inomap *m, uint64_t dev, uint64_t ino,
    uint32_t *n);

#endif /* MQ_INOMAP_H */
