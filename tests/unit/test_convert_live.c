// links: tools/convert_live.c
/* The live-heap table of `flightprof convert`: random adds and removes
 * (with many colliding pointers) checked against a plain array. */
#include <stdio.h>
#include <stdlib.h>

#include "../../tools/convert_live.h"

#define NPTRS 3000

int main(void)
{
    static uint64_t model[NPTRS]; /* size + 1 of the live allocation, 0 if none */
    struct convert_live live = {0};
    uint64_t bytes = 0;
    srandom(7);
    for (int step = 0; step < 400000; step++) {
        int k = (int)(random() % NPTRS);
        /* 16-byte aligned and clustered: long probe runs. */
        uint64_t ptr = 0x10000 + (uint64_t)k * 16;
        if (random() % 3) {
            uint64_t size = (uint64_t)(random() % 5000);
            if (convert_live_add(&live, ptr, size) != 0) {
                fprintf(stderr, "out of memory\n");
                return 1;
            }
            if (model[k])
                bytes -= model[k] - 1;
            model[k] = size + 1;
            bytes += size;
        } else {
            convert_live_remove(&live, ptr);
            if (model[k])
                bytes -= model[k] - 1;
            model[k] = 0;
        }
        if (live.bytes != bytes) {
            fprintf(stderr, "step %d: table says %llu live bytes, model %llu\n", step,
                    (unsigned long long)live.bytes, (unsigned long long)bytes);
            return 1;
        }
    }
    size_t n = 0;
    for (int k = 0; k < NPTRS; k++)
        n += model[k] != 0;
    if (n != live.used) {
        fprintf(stderr, "table holds %zu entries, model %zu\n", live.used, n);
        return 1;
    }
    convert_live_remove(&live, 0x1); /* unknown pointer: no change */
    convert_live_add(&live, 0, 100);  /* null: ignored */
    if (live.bytes != bytes)
        return 1;
    convert_live_free(&live);
    return 0;
}
