/* Spends CPU in three functions in the ratio 60/30/10, interleaved in
 * small slices so that the split holds at any sampling phase.
 * Usage: cpu_split [SECONDS] (default 3). */
#include <stdio.h>
#include <stdlib.h>

#include "burn.h"

__attribute__((noinline)) void work_sixty(void) { burn_units(6); }
__attribute__((noinline)) void work_thirty(void) { burn_units(3); }
__attribute__((noinline)) void work_ten(void) { burn_units(1); }

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 3.0;

    while (process_cpu_seconds() < seconds) {
        work_sixty();
        work_thirty();
        work_ten();
    }
    printf("done\n");
    return 0;
}
