/*
 * grow.c - growing arrays (grow.h): every table mqfsck builds from what
 * a queue holds grows through here, so its bounds are checked once.
 */
#include <stdint.h>
#include <stdlib.h>

#include "grow.h"

/* grow_array - room for `need` elements of `size` bytes in *p */
int
grow_array(void **p, size_t *cap, size_t need, size_t size, size_t first)
{
	size_t ncap;
	void *np;

	if (need <= *cap)
		return 0;
	if (size == 0 || first == 0)
		return -1;
	ncap = *cap > 0 ? *cap : first;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / size)
		return -1;
	np = realloc(*p, ncap * size);
	if (np == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}
