/*
 * pipe2 and syscall wrappers that serve libunwind's memory validation
 * (see interpose_fd.h). Outside flightprof's unwinder (fp_self()->
 * in_unwinder) they forward every call unchanged.
 *
 * Signal context: pipe2 and syscall (libunwind runs in the SIGPROF and
 * crash handlers).
 */
#include "interpose_fd.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "interpose.h"
#include "libc.h"
#include "self.h"
#include "unwind.h"

/* The descriptors libunwind is given. Negative, so that its read() and
 * close() of them fail with EBADF and touch nothing. */
#define VALIDATE_READ_FD (-2)
#define VALIDATE_WRITE_FD (-3)

static __typeof__(pipe2) *FP_REAL(pipe2);

void fp_interpose_fd_init(void)
{
    FP_RESOLVE(pipe2);
}

static int in_unwinder(void)
{
    return fp_self()->in_unwinder;
}

FP_EXPORT int pipe2(int fds[2], int flags)
{
    if (in_unwinder()) {
        fds[0] = VALIDATE_READ_FD;
        fds[1] = VALIDATE_WRITE_FD;
        return 0;
    }
    return FP_RESOLVE(pipe2)(fds, flags);
}

/* What write(2) of one byte at `addr` would have said about it: 1 if it
 * can be read, else -1. */
static long validate(uintptr_t addr)
{
    return fp_unwind_readable(addr) ? 1 : -1;
}

/* Six arguments are always read, as glibc's own syscall() does: the
 * callee cannot know how many were passed. Reading the unpassed ones is
 * what AddressSanitizer would report. */
FP_EXPORT __attribute__((no_sanitize_address)) long syscall(long number, ...)
{
    va_list ap;
    long a[6];

    va_start(ap, number);
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    /* The descriptor was passed as an int: only its low half is defined. */
    if (number == SYS_write && (int)a[0] == VALIDATE_WRITE_FD && in_unwinder())
        return validate((uintptr_t)a[1]);
    return fp_libc_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
