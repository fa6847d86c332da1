/*
 * Growable arrays. Owns no state.
 *
 * Signal context: none.
 */
#include "array.h"

#include <stdlib.h>

#include "mem.h"

int fp_array_reserve(void *vp, size_t *cap, size_t need, size_t size)
{
    void **v = vp;

    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    void *nv = fp_mem_realloc(*v, ncap * size);
    if (!nv)
        return -1;
    *v = nv;
    *cap = ncap;
    return 0;
}
