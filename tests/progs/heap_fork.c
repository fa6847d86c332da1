/* fork in a multi-threaded program that allocates: four threads allocate
 * and free without pause while the main thread forks CHILDREN times; each
 * child allocates and frees (through the same wrappers and locks) and
 * exits. A deadlock shows as a timeout. Usage: heap_fork [CHILDREN] */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static atomic_int stop;

static void *churn(void *arg)
{
    unsigned n = (unsigned)(uintptr_t)arg;
    void *window[32] = {0};

    while (!atomic_load(&stop)) {
        n = n * 1103515245u + 12345u;
        free(window[n % 32]);
        window[n % 32] = malloc(16 + (n >> 16) % 8192);
    }
    for (int i = 0; i < 32; i++)
        free(window[i]);
    return NULL;
}

__attribute__((noinline)) void child_allocates(void)
{
    for (int i = 0; i < 1000; i++) {
        char *p = malloc(100 + (size_t)i);
        if (!p)
            _exit(3);
        memset(p, 1, 100);
        p = realloc(p, 5000);
        free(p);
    }
}

int main(int argc, char **argv)
{
    int children = argc > 1 ? atoi(argv[1]) : 20;
    pthread_t threads[4];

    for (int i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, churn, (void *)(uintptr_t)(i + 1));
    for (int i = 0; i < children; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            child_allocates();
            exit(0);
        }
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "heap_fork: child %d failed (status %#x)\n", i, status);
            return 1;
        }
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    printf("ok\n");
    return 0;
}
