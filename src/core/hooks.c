/*
 * Which wrappers are live (hooks.h): owns the per-family words.
 *
 * Signal context: fp_hooks_feeds (a load).
 */
#include "hooks.h"

_Atomic unsigned fp_hooks[FP_HOOK_FAMILIES];

void fp_hooks_enable(unsigned requests)
{
    for (int f = 0; f < FP_HOOK_FAMILIES; f++)
        atomic_store(&fp_hooks[f], (requests >> (FP_FEED_BITS * f)) & ((1u << FP_FEED_BITS) - 1));
}
