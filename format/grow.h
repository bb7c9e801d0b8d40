/*
 * grow.h - the one way arrays grow here: capacity counted in elements,
 * doubled from a first size, the byte count checked for overflow, the
 * array left as it was when memory runs out.
 */
#ifndef MQ_GROW_H
#define MQ_GROW_H

#include <stddef.h>

/*
 * grow_array - room for at least `need` elements of `size` bytes in *p,
 * of capacity *cap elements (0 with *p NULL for none yet): the capacity
 * doubles from `first` until it holds `need`.  Returns 0, or -1 with *p
 * and *cap unchanged (no memory, or the size would overflow).
 */
int grow_array(void **p, size_t *cap, size_t need, size_t size,
    size_t first);

#endif /* MQ_GROW_H */
