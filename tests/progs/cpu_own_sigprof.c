/* A program that does its own SIGPROF sampling, as another profiler
 * would. flightprof must step aside: the program's handler gets its
 * signals, its output and exit status are its own. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "burn.h"

static volatile sig_atomic_t ticks;

static void on_prof(int sig)
{
    (void)sig;
    ticks++;
}

int main(void)
{
    struct sigaction sa;
    struct itimerval it = {{0, 10000}, {0, 10000}};

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_prof;
    sigaction(SIGPROF, &sa, NULL);
    setitimer(ITIMER_PROF, &it, NULL);
    while (process_cpu_seconds() < 1.0)
        burn_units(1);
    printf("own sampler ran: %s\n", ticks > 20 ? "yes" : "no");
    return ticks > 20 ? 0 : 1;
}
