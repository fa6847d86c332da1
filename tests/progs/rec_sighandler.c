/* A program with its own handlers for fatal signals, for the crash hook
 * that must let them run. Modes (argv[1]):
 *   handled    a SIGSEGV handler (installed with sigaction, SA_SIGINFO)
 *              makes a PROT_NONE page writable and returns, 100 times, as
 *              a GC's write barrier would; sigaction reads back that
 *              handler. Prints "handled 100", exits 0.
 *   resethand  a SA_RESETHAND handler says so on stderr and returns: the
 *              fault happens again at the default disposition (SIGSEGV).
 *   reraise    a signal() handler resets SIGSEGV to SIG_DFL and raises it.
 *   ignored    SIGSEGV ignored, then raised: nothing happens. Prints
 *              "survived", exits 0.
 *   longjmp    a SIGABRT handler leaves abort() with siglongjmp. Prints
 *              "escaped", exits 0.
 * Usage: rec_sighandler MODE */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char *page;
static long page_size;
static volatile sig_atomic_t faults;
static sigjmp_buf escape;

static void unprotect(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    if ((char *)si->si_addr < page || (char *)si->si_addr >= page + page_size)
        _exit(90); /* a fault this program did not expect */
    faults++;
    mprotect(page, (size_t)page_size, PROT_READ | PROT_WRITE);
}

static void say_and_return(int sig)
{
    (void)sig;
    static const char msg[] = "handler ran\n";
    write(2, msg, sizeof(msg) - 1);
}

static void reraise(int sig)
{
    signal(sig, SIG_DFL);
    raise(sig);
}

static void leave(int sig)
{
    siglongjmp(escape, sig);
}

static int handled(void)
{
    struct sigaction sa = {.sa_sigaction = unprotect, .sa_flags = SA_SIGINFO}, seen;

    page_size = sysconf(_SC_PAGESIZE);
    page = mmap(NULL, (size_t)page_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED)
        return 1;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, NULL) != 0 || sigaction(SIGSEGV, NULL, &seen) != 0 ||
        seen.sa_sigaction != unprotect || !(seen.sa_flags & SA_SIGINFO)) {
        fprintf(stderr, "rec_sighandler: sigaction does not read back the handler\n");
        return 1;
    }
    for (int i = 0; i < 100; i++) {
        ((volatile char *)page)[i] = (char)i; /* faults, then succeeds */
        mprotect(page, (size_t)page_size, PROT_NONE);
    }
    printf("handled %d\n", (int)faults);
    return 0;
}

static void fault(void)
{
    *(volatile int *)(uintptr_t)0x4321 = 1;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";

    if (strcmp(mode, "handled") == 0)
        return handled();
    if (strcmp(mode, "resethand") == 0) {
        struct sigaction sa = {.sa_handler = say_and_return, .sa_flags = SA_RESETHAND};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGSEGV, &sa, NULL);
        fault();
    } else if (strcmp(mode, "reraise") == 0) {
        signal(SIGSEGV, reraise);
        fault();
    } else if (strcmp(mode, "ignored") == 0) {
        signal(SIGSEGV, SIG_IGN);
        raise(SIGSEGV);
        printf("survived\n");
        return 0;
    } else if (strcmp(mode, "longjmp") == 0) {
        signal(SIGABRT, leave);
        if (sigsetjmp(escape, 1) == 0)
            abort();
        printf("escaped\n");
        return 0;
    }
    fprintf(stderr, "usage: rec_sighandler handled|resethand|reraise|ignored|longjmp\n");
    return 2;
}
