/*
 * libunwind without file descriptors. libunwind 1.6 checks that an
 * address is readable by writing one byte of it into a pipe it opens at
 * its first use, and reopens the pipe whenever reading it fails. In a
 * profiled program those two descriptors would be the program's to find:
 * counted by programs that list their descriptors, closed by daemons and
 * by closerange(), then reused for the program's own files, which
 * libunwind would read from and write into. So while flightprof unwinds,
 * libunwind's pipe is a pair of numbers that no descriptor can have, and
 * its validation write becomes a read of the address that cannot fault.
 */
#ifndef FLIGHTPROF_INTERPOSE_FD_H
#define FLIGHTPROF_INTERPOSE_FD_H

/* Resolves the real pipe2 the wrapper forwards to (it is reached from
 * signal handlers, where resolving is not allowed; syscall forwards
 * through libc.h). Called once before libunwind is first used. */
void fp_interpose_fd_init(void);

#endif
