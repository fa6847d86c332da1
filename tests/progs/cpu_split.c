/* Spends CPU in three functions in the ratio 60/30/10. Each slice of work
 * goes to a function picked at random with those odds, so the split
 * cannot alias with the kernel's tick (a fixed 6:3:1 rotation would).
 * Usage: cpu_split [SECONDS] (default 3). */
#include <stdio.h>
#include <stdlib.h>

#include "burn.h"

__attribute__((noinline)) void work_sixty(void) { burn_units(1); }
__attribute__((noinline)) void work_thirty(void) { burn_units(1); }
__attribute__((noinline)) void work_ten(void) { burn_units(1); }

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;
    uint64_t rng = 0x9e3779b97f4a7c15ull;

    while (process_cpu_seconds() < seconds) {
        for (int i = 0; i < 20; i++) {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            unsigned pick = (unsigned)(rng % 10);
            if (pick < 6)
                work_sixty();
            else if (pick < 9)
                work_thirty();
            else
                work_ten();
        }
    }
    printf("done\n");
    return 0;
}
