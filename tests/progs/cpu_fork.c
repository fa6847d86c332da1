/* A parent that forks two children: one works and exits, the other execs
 * this program again at once. Each of the three processes burns CPU in
 * its own function.
 * Usage: cpu_fork | cpu_fork exec */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "burn.h"

__attribute__((noinline)) static void burn_for(double seconds)
{
    double until = process_cpu_seconds() + seconds;

    while (process_cpu_seconds() < until)
        burn_units(1);
}

__attribute__((noinline)) void parent_work(void) { burn_for(0.6); }
__attribute__((noinline)) void forked_child_work(void) { burn_for(0.6); }
__attribute__((noinline)) void execed_work(void) { burn_for(0.6); }

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        execed_work();
        return 0;
    }
    pid_t worker = fork();
    if (worker == 0) {
        forked_child_work();
        return 0;
    }
    pid_t execer = fork();
    if (execer == 0) {
        execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
        perror("execl");
        return 1;
    }
    parent_work();
    int status1, status2;
    waitpid(worker, &status1, 0);
    waitpid(execer, &status2, 0);
    return status1 == 0 && status2 == 0 ? 0 : 1;
}
