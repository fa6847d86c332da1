/*
 * The program's view of held signals. Owns, per signal, how it is held,
 * flightprof's own disposition for it and the program's view.
 *
 * Each view is an immutable record from a pool, published by one atomic
 * store, so a handler and a concurrent sigaction (even one called from a
 * handler) never see half a record. A program that changes held signals'
 * dispositions more often than the pool allows gets the signal for real
 * from then on (a chained signal then loses its crash snapshots).
 *
 * Signal context: fp_sigview_sigaction, fp_sigview_program,
 * fp_sigview_reset, fp_sigview_drop.
 */
#include "sigview.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "libc.h"

#define VIEW_POOL 1024

struct held {
    _Atomic int policy; /* 0: not held (the program's disposition is real) */
    /* While the program has a yielded signal: flightprof takes it back
     * when the program sets SIG_DFL. */
    _Atomic bool yielded;
    _Atomic(const struct sigaction *) view;
    struct sigaction ours;
    void (*released)(int sig);
};

static struct held held[NSIG];
static struct sigaction view_pool[VIEW_POOL];
static _Atomic unsigned view_pool_used;
static const struct sigaction default_action = {.sa_handler = SIG_DFL};

static struct held *slot(int sig)
{
    return sig > 0 && sig < NSIG ? &held[sig] : NULL;
}

/* A record for `act` from the pool, or NULL when it is used up. */
static const struct sigaction *new_view(const struct sigaction *act)
{
    unsigned n = atomic_fetch_add(&view_pool_used, 1);

    if (n >= VIEW_POOL)
        return NULL;
    view_pool[n] = *act;
    return &view_pool[n];
}

static bool is_default(const struct sigaction *act)
{
    return act->sa_handler == SIG_DFL;
}

int fp_sigview_hold(int sig, fp_sigview_handler handler, int flags, enum fp_sigview_policy policy,
                    void (*released)(int sig))
{
    struct held *h = slot(sig);
    struct sigaction cur, ours;

    if (!h) {
        errno = EINVAL;
        return -1;
    }
    if (atomic_load(&h->policy)) {
        if (!atomic_load(&h->yielded))
            return 0; /* already ours */
        errno = EBUSY;
        return -1;
    }
    if (fp_libc_sigaction(sig, NULL, &cur) != 0)
        return -1;
    if (policy == FP_SIGVIEW_YIELD && !is_default(&cur)) {
        errno = EBUSY;
        return -1;
    }
    const struct sigaction *view = new_view(&cur);
    if (!view) {
        errno = ENOMEM;
        return -1;
    }
    /* Every handler of flightprof's: siginfo, restarted system calls (a
     * program must never see EINTR because of us), nothing else masked. */
    memset(&ours, 0, sizeof(ours));
    ours.sa_sigaction = handler;
    ours.sa_flags = SA_SIGINFO | SA_RESTART | flags;
    sigemptyset(&ours.sa_mask);
    h->ours = ours;
    h->released = released;
    atomic_store(&h->view, view);
    if (fp_libc_sigaction(sig, &ours, NULL) != 0)
        return -1;
    atomic_store(&h->yielded, false);
    atomic_store(&h->policy, policy);
    return 0;
}

/* The program sets SIG_DFL on a yielded signal: flightprof's again. */
static bool take_back(struct held *h, int sig, const struct sigaction *act, struct sigaction *old,
                      int *rc)
{
    const struct sigaction *view = new_view(act);

    if (!view)
        return false;
    atomic_store(&h->view, view);
    *rc = fp_libc_sigaction(sig, &h->ours, old);
    if (*rc == 0)
        atomic_store(&h->yielded, false);
    return true;
}

bool fp_sigview_sigaction(int sig, const struct sigaction *act, struct sigaction *old, int *rc)
{
    struct held *h = slot(sig);
    int policy = h ? atomic_load(&h->policy) : 0;

    if (!policy)
        return false;
    if (atomic_load(&h->yielded))
        return act && is_default(act) && take_back(h, sig, act, old, rc);
    const struct sigaction *cur = atomic_load(&h->view);
    if (act) {
        bool hand_over = policy == FP_SIGVIEW_YIELD && !is_default(act);
        const struct sigaction *next = hand_over ? NULL : new_view(act);
        if (!next) {
            /* The program takes the signal for real; the holder lets go
             * first (the sampler disarms its timers before the program's
             * handler could see their signals). */
            if (policy == FP_SIGVIEW_YIELD)
                atomic_store(&h->yielded, true);
            else
                atomic_store(&h->policy, 0);
            if (hand_over && h->released)
                h->released(sig);
            *rc = fp_libc_sigaction(sig, act, NULL);
            if (*rc == 0 && old)
                *old = *cur;
            return true;
        }
        atomic_store(&h->view, next);
    }
    if (old)
        *old = *cur;
    *rc = 0;
    return true;
}

const struct sigaction *fp_sigview_program(int sig)
{
    struct held *h = slot(sig);

    if (!h || !atomic_load(&h->policy) || atomic_load(&h->yielded))
        return NULL;
    return atomic_load(&h->view);
}

void fp_sigview_reset(int sig)
{
    struct held *h = slot(sig);

    if (h && atomic_load(&h->policy))
        atomic_store(&h->view, &default_action);
}

void fp_sigview_drop(int sig, const struct sigaction *act)
{
    struct held *h = slot(sig);

    if (h)
        atomic_store(&h->policy, 0);
    fp_libc_sigaction(sig, act, NULL);
}
