/*
 * What a program sees of its file descriptors. Prints, in order:
 *   the descriptors open after some CPU work, threads and allocations
 *   (flightprof's collectors busy meanwhile);
 *   after close_range(3, ~0): what open() returns, and that a file written
 *   then (while samples keep flightprof busy) holds exactly what the
 *   program wrote;
 *   a daemon's view: with 0-2 closed, a forked child's open()s return 0, 1, 2.
 * Run plain and preloaded, the output must be identical.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void burn(long n)
{
    volatile double x = 0;

    for (long i = 0; i < n; i++)
        x += (double)i;
}

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++)
        free(malloc(1000 + i));
    burn(20000000);
    return NULL;
}

/* The open descriptors, as a comma list, without the one used to list. */
static void list_fds(char *out, size_t len)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    size_t n = 0;

    out[0] = '\0';
    while (d && (e = readdir(d))) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] == '.' || fd == dirfd(d))
            continue;
        n += (size_t)snprintf(out + n, len - n, "%s%d", n ? "," : "", fd);
    }
    if (d)
        closedir(d);
}

int main(void)
{
    char fds[512], path[64], buf[64];
    pthread_t t;

    pthread_create(&t, NULL, worker, NULL);
    burn(20000000);
    pthread_join(t, NULL);
    list_fds(fds, sizeof(fds));
    printf("open: %s\n", fds);

    syscall(SYS_close_range, 3u, ~0u, 0u);
    snprintf(path, sizeof(path), "/tmp/rel_fds.%d", getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    int fd2 = open("/dev/null", O_RDONLY);
    printf("after close_range: open() gives %d and %d\n", fd, fd2);
    fflush(stdout);
    for (int i = 0; i < 5; i++) {
        if (write(fd, "data\n", 5) != 5)
            return 1;
        burn(10000000);
    }
    burn(10000000);
    ssize_t n = pread(fd, buf, sizeof(buf), 0);
    printf("file holds %zd bytes, %s\n", n,
           n == 25 && memcmp(buf, "data\ndata\ndata\ndata\ndata\n", 25) == 0 ? "as written" : "CHANGED");
    unlink(path);
    fflush(stdout);

    /* A daemon: 0-2 closed, then fork; the child's first opens are 0-2. */
    int out = dup(1);
    close(0);
    close(1);
    close(2);
    pid_t pid = fork();
    if (pid == 0) {
        int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY),
            c = open("/dev/null", O_RDONLY);
        burn(10000000);
        dprintf(out, "daemon child: open() gives %d, %d, %d\n", a, b, c);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    dprintf(out, "daemon child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
