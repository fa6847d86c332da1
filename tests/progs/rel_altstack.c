/*
 * A signal handler of the program's that runs on a small alternate stack
 * (8 KiB above a guard page, as a program may size it) and burns CPU
 * there: CPU samples land on that stack, where a full unwind does not
 * fit. Prints "ok" and exits 0 if nothing overflowed.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ALT_BYTES (8u << 10)

static volatile double sink;

__attribute__((noinline)) static void burn_in_handler(void)
{
    for (long i = 0; i < 150000000; i++)
        sink += (double)i;
}

static void on_usr1(int sig)
{
    (void)sig;
    burn_in_handler();
}

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    char *mem = mmap(NULL, (size_t)page + ALT_BYTES, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct sigaction sa;

    if (mem == MAP_FAILED || mprotect(mem, (size_t)page, PROT_NONE) != 0)
        return 2;
    stack_t ss = {.ss_sp = mem + page, .ss_size = ALT_BYTES};
    if (sigaltstack(&ss, NULL) != 0)
        return 2;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("ok\n");
    return 0;
}
