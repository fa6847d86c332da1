/* Times one flight-recorder snapshot of a full window: fills the recorder
 * (FLIGHTPROF_RECORDER_SIZE, e.g. 64MiB) with allocation events from two
 * threads, then writes a snapshot to argv[1] through the API and prints
 * "snapshot_ms=T bytes=N".
 * Usage: rec_snapbench SNAPSHOT [PAIRS_PER_THREAD] */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

static long pairs = 1500000;

static void *churn(void *arg)
{
    for (long i = 0; i < pairs; i++) {
        void *volatile block = malloc(16 + (size_t)(i % 1024)); /* volatile: not optimised out */
        free(block);
    }
    return arg;
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
    int (*snapshot)(const char *) = (int (*)(const char *))dlsym(RTLD_DEFAULT, "flightprof_snapshot");
    pthread_t t[2];
    struct stat st;

    if (argc < 2 || !snapshot) {
        fprintf(stderr, "rec_snapbench: needs flightprof preloaded and a path\n");
        return 2;
    }
    if (argc > 2)
        pairs = atol(argv[2]);
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, churn, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    double t0 = now_ms();
    if (snapshot(argv[1]) != 0) {
        perror("flightprof_snapshot");
        return 1;
    }
    double t1 = now_ms();
    if (stat(argv[1], &st) != 0)
        return 1;
    printf("snapshot_ms=%.1f bytes=%lld\n", t1 - t0, (long long)st.st_size);
    return 0;
}
