/*
 * The program's view of the signals flightprof holds. While flightprof's
 * handler is installed for a signal, sigaction() and signal() read and set
 * a record of what the program asked for instead of the real disposition,
 * so the program sees exactly what it would see without flightprof.
 *
 * Two ways of holding a signal:
 * - FP_SIGVIEW_CHAIN (the fatal signals): flightprof's handler stays
 *   installed whatever the program sets, and runs the program's handler
 *   itself (see crash.c).
 * - FP_SIGVIEW_YIELD (SIGTERM/SIGINT flushing, the snapshot and heap
 *   signals, SIGPROF): held only while the program leaves the signal at
 *   SIG_DFL. When the program installs a handler or SIG_IGN, that becomes
 *   the real disposition at once and the holder is told (`released`);
 *   when it sets SIG_DFL again, flightprof takes the signal back.
 */
#ifndef FLIGHTPROF_SIGVIEW_H
#define FLIGHTPROF_SIGVIEW_H

#include <signal.h>
#include <stdbool.h>

enum fp_sigview_policy { FP_SIGVIEW_CHAIN = 1, FP_SIGVIEW_YIELD };

/* flightprof's handlers: all take siginfo. */
typedef void (*fp_sigview_handler)(int sig, siginfo_t *info, void *ucontext);

/*
 * Installs `handler` for `sig` (SA_SIGINFO | SA_RESTART | `flags`, no
 * other signal masked) and starts keeping the program's view of it,
 * which begins as the disposition found. With FP_SIGVIEW_YIELD nothing is
 * installed unless the program has the signal at SIG_DFL (or flightprof
 * already holds it): returns -1 with errno EBUSY then. `released` (may be
 * NULL) runs, in the thread that called sigaction, when the program takes
 * a yielded signal. Returns 0, or -1 with errno. Not for handlers.
 */
int fp_sigview_hold(int sig, fp_sigview_handler handler, int flags, enum fp_sigview_policy policy,
                    void (*released)(int sig));

/*
 * sigaction for the program: if flightprof holds `sig`, reads and sets the
 * program's view (or hands the signal over, see above) and returns true
 * with sigaction's result in *rc; returns false for signals it does not
 * hold (the caller makes the real call). Async-signal-safe (the program
 * may call sigaction from a handler) except for what `released` does.
 */
bool fp_sigview_sigaction(int sig, const struct sigaction *act, struct sigaction *old, int *rc);

/* The program's current view of a held signal, NULL if `sig` is not held.
 * Async-signal-safe. */
const struct sigaction *fp_sigview_program(int sig);

/* Sets the program's view of a held signal to SIG_DFL, as the kernel does
 * for SA_RESETHAND. Async-signal-safe. */
void fp_sigview_reset(int sig);

/* Stops holding `sig` and installs `act` for real (not SIG_DFL only:
 * whatever the caller needs for what comes next). Async-signal-safe. */
void fp_sigview_drop(int sig, const struct sigaction *act);

#endif
