/*
 * A program the endpoint tests serve from. Waits in nanosleep, treating
 * EINTR as fatal (the endpoint must never signal the program's threads),
 * until the file argv[1] exists; with "fork", a child then reports how
 * many sockets it holds (it must hold none of the parent's endpoint);
 * last it prints the descriptor open() returns (3 with or without
 * flightprof) and exits 7.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int count_sockets(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    char path[64], target[64];
    int n = 0;

    while (d && (e = readdir(d))) {
        snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
        ssize_t len = readlink(path, target, sizeof(target) - 1);
        if (len > 0 && strncmp(target, "socket:", 7) == 0)
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    for (int i = 0; i < 3000 && access(argv[1], F_OK) != 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        if (nanosleep(&ts, NULL) != 0) {
            fprintf(stderr, "nanosleep: %s\n", strerror(errno));
            return 99;
        }
    }
    if (argc > 2 && strcmp(argv[2], "fork") == 0) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            printf("child sockets %d\n", count_sockets());
            exit(0);
        }
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
            return 98;
    }
    printf("first fd %d\n", open("/dev/null", O_RDONLY));
    return 7;
}
