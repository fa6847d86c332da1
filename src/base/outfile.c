/*
 * Output file names and atomic replacement. Owns no state.
 *
 * Signal context: fp_outfile_open_temp,
 * fp_outfile_write_all, fp_outfile_commit, fp_outfile_write_atomic.
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pattern.h"

static void dir_of(const char *path, char *dir, size_t dirlen)
{
    const char *slash = strrchr(path, '/');

    if (!slash) {
        strcpy(dir, ".");
        return;
    }
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= dirlen)
        n = dirlen - 1;
    memcpy(dir, path, n);
    dir[n] = '\0';
}

int fp_outfile_check_pattern(const char *what, const char *pattern)
{
    char path[PATH_MAX], dir[PATH_MAX];

    if (fp_pattern_expand(pattern, getpid(), (uint64_t)time(NULL), 1, path, sizeof(path)) != 0) {
        fp_log("%s=%s: path too long; %s is off", what, pattern, what);
        return -1;
    }
    if (fp_outfile_dir_writable(path) != 0) {
        dir_of(path, dir, sizeof(dir));
        fp_log("%s=%s: cannot create files in %s: %s; %s is off", what, pattern, dir,
               strerror(errno), what);
        return -1;
    }
    return 0;
}

int fp_outfile_dir_writable(const char *path)
{
    char dir[PATH_MAX];

    dir_of(path, dir, sizeof(dir));
    return access(dir, W_OK | X_OK);
}

int fp_outfile_open_temp(const char *path, char *tmp, size_t tmplen)
{
    char num[21];
    size_t len = 0;

    tmp[0] = '\0';
    if (fp_pattern_append(tmp, tmplen, &len, path) || fp_pattern_append(tmp, tmplen, &len, ".tmp.") ||
        fp_pattern_append(tmp, tmplen, &len, fp_pattern_u64((uint64_t)gettid(), num)))
        return -1;
    return open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

int fp_outfile_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int fp_outfile_commit(int fd, const char *tmp, const char *path)
{
    int failed = close(fd) != 0 || rename(tmp, path) != 0;

    if (failed) {
        int saved = errno;
        unlink(tmp);
        errno = saved;
        return -1;
    }
    return 0;
}

int fp_outfile_write_atomic(const char *path, const void *buf, size_t len)
{
    char tmp[PATH_MAX];
    int fd = fp_outfile_open_temp(path, tmp, sizeof(tmp));

    if (fd < 0)
        return -1;
    if (fp_outfile_write_all(fd, buf, len) != 0) {
        int saved = errno;
        close(fd);
        unlink(tmp);
        errno = saved;
        return -1;
    }
    return fp_outfile_commit(fd, tmp, path);
}
