/* A program that sets its process title the way Redis's setproctitle does:
 * it copies its environment elsewhere (getenv keeps working), then zeroes
 * the whole argv + environ area and writes the title at argv[0], so that
 * /proc/PID/environ no longer shows FLIGHTPROF_SNAPSHOT. Then it creates
 * READY (holding its pid) and waits until STOP exists. With "fork", a
 * child forked after the title is set writes its pid to READY.child and
 * waits for STOP.child; the parent waits for it before exiting.
 * Usage: rel_title READY STOP [fork] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void set_title(int argc, char **argv, const char *title)
{
    char *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
    size_t n = 0;

    while (environ[n])
        n++;
    char **copy = calloc(n + 1, sizeof(*copy));
    for (size_t i = 0; i < n; i++) {
        if (environ[i] == end)
            end += strlen(environ[i]) + 1;
        copy[i] = strdup(environ[i]);
    }
    environ = copy;
    memset(argv[0], 0, (size_t)(end - argv[0]));
    snprintf(argv[0], (size_t)(end - argv[0]), "%s", title);
}

static void wait_for(const char *path)
{
    while (access(path, F_OK) != 0)
        usleep(10000);
}

static void announce(const char *path)
{
    char tmp[4096], pid[32];
    int len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

    /* Renamed into place so that the test never reads it half written. */
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, pid, (size_t)len) != len || close(fd) != 0 || rename(tmp, path) != 0)
        exit(3);
}

int main(int argc, char **argv)
{
    char child_ready[4096], child_stop[4096];

    if (argc < 3)
        return 2;
    const char *ready = argv[1], *stop = argv[2];
    int fork_child = argc > 3 && strcmp(argv[3], "fork") == 0;
    snprintf(child_ready, sizeof(child_ready), "%s.child", ready);
    snprintf(child_stop, sizeof(child_stop), "%s.child", stop);
    /* The strings above are copies: set_title overwrites argv. */
    char *ready_copy = strdup(ready), *stop_copy = strdup(stop);
    set_title(argc, argv, "rel_title: serving");
    pid_t child = -1;
    if (fork_child) {
        child = fork();
        if (child == 0) {
            announce(child_ready);
            wait_for(child_stop);
            return 0;
        }
    }
    announce(ready_copy);
    wait_for(stop_copy);
    int status = 0;
    if (child > 0 && (waitpid(child, &status, 0) != child || status != 0))
        return 1;
    return 0;
}
