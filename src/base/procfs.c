/*
 * /proc files, read whole. Owns nothing.
 *
 * Signal context: fp_procfs_read, fp_procfs_stat_fields (open, read and
 * close only).
 */
#include "procfs.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

ssize_t fp_procfs_read(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t got = 0;
    ssize_t n;

    if (fd < 0)
        return -1;
    while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
        got += (size_t)n;
    close(fd);
    buf[got] = '\0';
    return (ssize_t)got;
}

int fp_procfs_stat_fields(const char *path, char *buf, size_t len, char **fields, int max)
{
    int n = 0;

    if (fp_procfs_read(path, buf, len) <= 0)
        return -1;
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return -1;
    for (p += 2; *p && *p != '\n' && n < max;) {
        fields[n++] = p;
        while (*p && *p != ' ' && *p != '\n')
            p++;
        if (*p)
            *p++ = '\0';
        while (*p == ' ')
            p++;
    }
    return n;
}
