/* A small "server" for the snapshot-trigger tests: two named worker
 * threads allocate, sleep and log until the file argv[2] exists; argv[1] is
 * created once they run. Prints "served N" at exit (N > 0) and exits 0.
 * Usage: rec_server READY_FILE STOP_FILE */
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *stop_file;
static _Atomic long served;
void *volatile last_request; /* keeps the allocation from being optimised out */

static void *worker(void *name)
{
    void (*log_fn)(const char *, const char *) =
        (void (*)(const char *, const char *))dlsym(RTLD_DEFAULT, "flightprof_log");

    pthread_setname_np(pthread_self(), name);
    while (access(stop_file, F_OK) != 0) {
        last_request = malloc(4000);
        free(last_request);
        if (log_fn)
            log_fn("server", "request served");
        atomic_fetch_add(&served, 1);
        usleep(2000);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t t[2];

    if (argc != 3)
        return 2;
    stop_file = argv[2];
    pthread_create(&t[0], NULL, worker, "handler-a");
    pthread_create(&t[1], NULL, worker, "handler-b");
    close(open(argv[1], O_WRONLY | O_CREAT, 0644));
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    printf("served %d\n", atomic_load(&served) > 0);
    return 0;
}
