/*
 * The process ends when its last thread ends, however it ends:
 *   main-exit   main calls pthread_exit at once
 *   worker      main calls pthread_exit; a worker burns CPU, then returns
 *   fork-child  a thread forks; in the child that thread (the child's only
 *               one) returns from its start routine
 * Each mode prints what it did; the exit status must be 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void burn(void)
{
    volatile double x = 0;

    for (long i = 0; i < 30000000; i++)
        x += (double)i;
}

static void *worker(void *arg)
{
    (void)arg;
    burn();
    printf("worker done\n");
    fflush(stdout);
    return NULL;
}

static void *forker(void *arg)
{
    (void)arg;
    pid_t pid = fork();
    if (pid == 0) {
        burn();
        printf("child thread returns\n");
        fflush(stdout);
        return NULL; /* the child's last thread: the child exits 0 */
    }
    int status;
    waitpid(pid, &status, 0);
    printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    fflush(stdout);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "main-exit";
    pthread_t t;

    if (strcmp(mode, "worker") == 0) {
        pthread_create(&t, NULL, worker, NULL);
    } else if (strcmp(mode, "fork-child") == 0) {
        pthread_create(&t, NULL, forker, NULL);
        pthread_join(t, NULL);
        return 0;
    }
    pthread_exit(NULL);
}
