/*
 * Where does the program's own fatal-signal handler run? Installs a
 * SIGSEGV handler and faults; the handler says whether it runs on the
 * thread's own stack or on the program's alternate stack, then re-raises
 * with SIG_DFL. Usage: rel_crash_stack plain|onstack
 *   plain    handler without SA_ONSTACK: runs on the faulting stack
 *   onstack  the program's sigaltstack and SA_ONSTACK: runs there
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uintptr_t stack_lo, stack_hi, alt_lo, alt_hi;

static void say(const char *s)
{
    ssize_t unused = write(1, s, strlen(s));
    (void)unused;
}

static void on_segv(int sig)
{
    volatile char here;
    uintptr_t a = (uintptr_t)&here;

    if (a >= stack_lo && a < stack_hi)
        say("handler runs on the thread's stack\n");
    else if (a >= alt_lo && a < alt_hi)
        say("handler runs on the program's alternate stack\n");
    else
        say("handler runs on a stack the program does not know\n");
    signal(sig, SIG_DFL);
    raise(sig);
}

int main(int argc, char **argv)
{
    pthread_attr_t attr;
    void *addr;
    size_t size;
    struct sigaction sa;

    pthread_getattr_np(pthread_self(), &attr);
    pthread_attr_getstack(&attr, &addr, &size);
    stack_lo = (uintptr_t)addr;
    stack_hi = stack_lo + size;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_segv;
    if (argc > 1 && strcmp(argv[1], "onstack") == 0) {
        stack_t ss = {.ss_sp = malloc(1 << 16), .ss_size = 1 << 16};
        alt_lo = (uintptr_t)ss.ss_sp;
        alt_hi = alt_lo + ss.ss_size;
        sigaltstack(&ss, NULL);
        sa.sa_flags = SA_ONSTACK;
    }
    sigaction(SIGSEGV, &sa, NULL);
    *(volatile int *)(uintptr_t)8 = 1;
    return 0;
}
