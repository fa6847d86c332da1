/* Flight-recorder stress: THREADS workers named stress-K each make ITERS
 * allocations of 16 + i bytes (i = 0, 1, ...: sizes grow, so their order
 * can be checked in a snapshot), freeing the previous one, and take a
 * shared mutex every 8 iterations. Meanwhile the main thread takes NSNAP
 * snapshots through the API (DIR/live-N.fr); after joining, DIR/final.fr.
 * Usage: rec_stress THREADS ITERS DIR NSNAP */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static long iters;
static pthread_mutex_t shared = PTHREAD_MUTEX_INITIALIZER;
static _Atomic long progress;
static volatile long counter;

static void *worker(void *arg)
{
    char name[16];
    char *prev = NULL;

    snprintf(name, sizeof(name), "stress-%d", (int)(long)arg);
    pthread_setname_np(pthread_self(), name);
    for (long i = 0; i < iters; i++) {
        char *p = malloc(16 + (size_t)i);
        p[0] = (char)i;
        free(prev);
        prev = p;
        if (i % 8 == 0) {
            pthread_mutex_lock(&shared);
            counter++;
            pthread_mutex_unlock(&shared);
        }
        atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
    }
    free(prev);
    return NULL;
}

int main(int argc, char **argv)
{
    int (*snapshot)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT, "flightprof_snapshot");
    pthread_t t[64];
    char path[4096];

    if (argc != 5 || !snapshot)
        return 2;
    int threads = atoi(argv[1]), nsnap = atoi(argv[4]);
    iters = atol(argv[2]);
    if (threads < 1 || threads > 64)
        return 2;
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, worker, (void *)(long)i);
    long total = iters * threads;
    for (int n = 1; n <= nsnap; n++) {
        while (atomic_load(&progress) < total * n / (nsnap + 1))
            usleep(1000);
        snprintf(path, sizeof(path), "%s/live-%d.fr", argv[3], n);
        if (snapshot(path) != 0)
            perror("flightprof_snapshot");
    }
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    snprintf(path, sizeof(path), "%s/final.fr", argv[3]);
    if (snapshot(path) != 0)
        perror("flightprof_snapshot");
    return 0;
}
