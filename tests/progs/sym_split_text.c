/* One file's code in several executable mappings at one load bias, as
 * Node's binary is mapped: the page holding split_hot is made writable as
 * well, which splits this binary's text mapping in three. Profiling starts
 * only then, so the first address of this binary that is symbolized is in
 * the later mapping (split_hot, the leaf) and the next in the earlier one
 * (main, its caller): both must be named.
 * Usage: sym_split_text OUTPUT */
// build: -lflightprof
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#include "../../include/flightprof.h"
#include "burn.h"

#define PAGE 4096u

/* Alone at the start of its page, so that main is outside it. */
__attribute__((noinline, aligned(PAGE))) void split_hot(double seconds)
{
    while (thread_cpu_seconds() < seconds)
        burn_units(1);
}

/* Where gcc -O2 puts main anyway: before all of .text, below split_hot. */
__attribute__((section(".text.startup"))) int main(int argc, char **argv)
{
    uintptr_t page = (uintptr_t)split_hot & ~(uintptr_t)(PAGE - 1);

    if (argc != 2) {
        fprintf(stderr, "usage: sym_split_text OUTPUT\n");
        return 2;
    }
    if ((uintptr_t)main >= page) {
        fprintf(stderr, "sym_split_text: main is not below split_hot's page\n");
        return 2;
    }
    if (mprotect((void *)page, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) {
        perror("sym_split_text: mprotect");
        return 2;
    }
    if (flightprof_cpu_start(argv[1], 100) != 0) {
        perror("sym_split_text: flightprof_cpu_start");
        return 1;
    }
    split_hot(thread_cpu_seconds() + 0.3);
    if (flightprof_cpu_stop() != 0) {
        perror("sym_split_text: flightprof_cpu_stop");
        return 1;
    }
    return 0;
}
