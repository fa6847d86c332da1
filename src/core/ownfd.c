/*
 * Moving flightprof's own descriptors high. Owns nothing.
 *
 * Signal context: fp_ownfd_move.
 */
#include "ownfd.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

/* The lowest number used: 128 below the soft limit (or below 1024, which
 * select() users need to stay under), half the limit when it is small. */
static int floor_fd(void)
{
    struct rlimit rl;
    long top = 1024;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)top)
        top = (long)rl.rlim_cur;
    return (int)(top > 256 ? top - 128 : top / 2);
}

int fp_ownfd_move(int fd)
{
    if (fd < 0)
        return fd;
    int floor = floor_fd();
    if (fd >= floor)
        return fd;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, floor);
    if (high < 0)
        return fd;
    close(fd);
    return high;
}
