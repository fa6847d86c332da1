// links: src/core/unwind.c src/core/loaderlock.c src/core/threads.c src/core/libc.c src/core/interpose.c src/core/self.c
/* Stack capture for the site profiles: the stack starts at the
 * interposer's caller whatever our own frames were. */
#include <stdio.h>

#include "check.h"
#include "threads.h"
#include "unwind.h"

static uintptr_t expected_caller;

__attribute__((noinline)) static int capture_here(uintptr_t *pcs, const void *caller)
{
    return fp_unwind_capture(FP_UNWIND_FRAME_POINTERS, caller, pcs, 16);
}

/* Plays the interposer: its return address is where the stack must
 * start, with capture_here's and the unwinder's frames dropped. */
__attribute__((noinline)) static int interposer(uintptr_t *pcs)
{
    expected_caller = (uintptr_t)__builtin_return_address(0);
    int n = capture_here(pcs, __builtin_return_address(0));
    __asm__ volatile("" ::: "memory"); /* no tail call: keep this frame */
    return n;
}

__attribute__((noinline)) static int program(uintptr_t *pcs)
{
    int n = interposer(pcs);
    __asm__ volatile("" ::: "memory");
    return n;
}

int main(void)
{
    uintptr_t pcs[16];

    fp_threads_register_self(0, NULL); /* stack bounds for the fp walk */
    int n = program(pcs);
    CHECK(n >= 1); /* capture returns a stack */
    /* pcs[0] is the return address into program(), right after the call:
     * the stack starts at the interposer's caller. */
    CHECK(n >= 2 && pcs[0] == expected_caller);
    printf("ok\n");
    return 0;
}
