/*
 * Forks from freshly created threads, with a large heap so that each fork takes milliseconds: a CPU sample is then likely
 * to land inside fork(), where glibc holds the allocator's locks. Prints
 * the number of children that exited 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 4
#define ROUNDS 2
#define FORKS 4
#define HEAP_MB 512

/* Nearly all of this thread's CPU time is spent in fork(), so its first
 * sample almost surely lands there. */
static void *forker(void *arg)
{
    int *ok = arg;

    for (int i = 0; i < FORKS; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            void *p = malloc(64); /* the child's allocator must work */
            free(p);
            _exit(0);
        }
        int status;
        if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status))
            __atomic_fetch_add(ok, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

int main(void)
{
    char *heap = malloc((size_t)HEAP_MB << 20);
    int ok = 0;

    /* Small pages: fork then copies many page-table entries. */
    madvise((void *)((uintptr_t)heap & ~(uintptr_t)4095), (size_t)HEAP_MB << 20, MADV_NOHUGEPAGE);
    memset(heap, 1, (size_t)HEAP_MB << 20); /* touched: fork copies its page tables */
    for (int r = 0; r < ROUNDS; r++) {
        pthread_t t[THREADS];
        for (int i = 0; i < THREADS; i++)
            pthread_create(&t[i], NULL, forker, &ok);
        for (int i = 0; i < THREADS; i++)
            pthread_join(t[i], NULL);
    }
    printf("%d of %d children ok\n", ok, THREADS * ROUNDS * FORKS);
    free(heap);
    return 0;
}
