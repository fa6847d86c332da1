/* Keeps 1000 blocks of 1 KiB (keep_for_signal), sends itself SIGNAL,
 * waits up to 5 s for FILE to appear, then leaves with _exit(0), so that
 * only a signal-triggered write can have produced FILE.
 * Usage: heap_signal SIGNAL FILE */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void *kept[1000];

__attribute__((noinline)) void keep_for_signal(void)
{
    for (int i = 0; i < 1000; i++) {
        kept[i] = malloc(1024);
        memset(kept[i], 1, 1024);
    }
}

int main(int argc, char **argv)
{
    struct timespec tick = {0, 10000000};

    if (argc != 3)
        return 2;
    keep_for_signal();
    raise(atoi(argv[1]));
    for (int i = 0; i < 500 && access(argv[2], F_OK) != 0; i++)
        nanosleep(&tick, NULL);
    /* give a write in progress time to finish the rename */
    nanosleep(&tick, NULL);
    _exit(access(argv[2], F_OK) == 0 ? 0 : 1);
}
