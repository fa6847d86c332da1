/*
 * Interned strings, on a hash index. Owns no global state.
 *
 * Signal context: none.
 */
#include "strtab.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "hash.h"
#include "mem.h"

static bool string_eq(const void *ctx, uint32_t entry, const void *key)
{
    const struct fp_strtab *t = ctx;

    return strcmp(t->v[entry], key) == 0;
}

int64_t fp_strtab_intern(struct fp_strtab *t, const char *s)
{
    uint64_t hash = fp_hash_bytes(FP_HASH_SEED, s, strlen(s));
    uint32_t found = fp_hashidx_find(&t->index, hash, string_eq, t, s);

    if (found != FP_HASHIDX_NONE)
        return found;
    if (fp_array_reserve(&t->v, &t->cap, t->n + 1, sizeof(*t->v)) != 0)
        return -1;
    char *copy = fp_mem_strdup(s);
    if (!copy || fp_hashidx_add(&t->index, hash, (uint32_t)t->n) != 0) {
        fp_mem_free(copy);
        return -1;
    }
    t->v[t->n] = copy;
    return (int64_t)t->n++;
}

void fp_strtab_free(struct fp_strtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        fp_mem_free(t->v[i]);
    fp_mem_free(t->v);
    fp_hashidx_free(&t->index);
    *t = (struct fp_strtab){0};
}
