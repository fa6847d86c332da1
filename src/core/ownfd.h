/*
 * Where flightprof's own descriptors live: high, out of the range that
 * open() hands the program, so that its numbering is unchanged (a program
 * that opens a file still gets 3) and a dup2 onto a low number or a shell's
 * "exec 3>file" never lands on one of ours.
 */
#ifndef FLIGHTPROF_OWNFD_H
#define FLIGHTPROF_OWNFD_H

/* Moves `fd` (close-on-exec) to the top of the descriptor range and
 * returns its new number; returns `fd` unchanged if there is no room up
 * there, and a negative `fd` as it is. Async-signal-safe. */
int fp_ownfd_move(int fd);

#endif
