/*
 * Output file names and atomic replacement. Owns no state.
 *
 * Signal context: fp_outfile_expand, fp_outfile_open_temp,
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

static int append(char *out, size_t outlen, size_t *len, const char *s)
{
    size_t n = strlen(s);

    if (*len + n >= outlen) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
    return 0;
}

int fp_outfile_expand(const char *pattern, pid_t pid, uint64_t unix_time, uint64_t seq,
                      char *out, size_t outlen)
{
    size_t len = 0;
    char num[21];

    if (outlen == 0) {
        errno = ENAMETOOLONG;
        return -1;
    }
    out[0] = '\0';
    for (const char *p = pattern; *p; p++) {
        char piece[2] = {*p, '\0'};
        const char *s = piece;
        if (*p == '%' && p[1]) {
            switch (*++p) {
            case 'p': s = fp_log_u64((uint64_t)pid, num); break;
            case 't': s = fp_log_u64(unix_time, num); break;
            case 'n': s = fp_log_u64(seq, num); break;
            case '%': s = "%"; break;
            default: piece[1] = *p; break; /* unknown: kept as written */
            }
        }
        if (append(out, outlen, &len, s) != 0)
            return -1;
    }
    return 0;
}

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

    if (fp_outfile_expand(pattern, getpid(), (uint64_t)time(NULL), 1, path, sizeof(path)) != 0) {
        fp_log("%s=%s: path too long; %s is off", what, pattern, what);
        return -1;
    }
    dir_of(path, dir, sizeof(dir));
    if (access(dir, W_OK | X_OK) != 0) {
        fp_log("%s=%s: cannot create files in %s: %s; %s is off", what, pattern, dir,
               strerror(errno), what);
        return -1;
    }
    return 0;
}

int fp_outfile_open_temp(const char *path, char *tmp, size_t tmplen)
{
    char num[21];
    size_t len = 0;

    tmp[0] = '\0';
    if (append(tmp, tmplen, &len, path) || append(tmp, tmplen, &len, ".tmp.") ||
        append(tmp, tmplen, &len, fp_log_u64((uint64_t)gettid(), num)))
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
