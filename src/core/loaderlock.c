/*
 * Locating glibc's loader write lock (GL(dl_load_write_lock), inside the
 * GLIBC_PRIVATE object _rtld_global) without depending on glibc's private
 * layout: while our dl_iterate_phdr callback runs, this thread holds that
 * recursive mutex, so it is the one pthread mutex in _rtld_global whose
 * owner is our tid; once dl_iterate_phdr returns, it is free again. A word
 * that passes both checks is the lock.
 *
 * The load lock (GL(dl_load_lock), held for all of dlopen and dlclose) is
 * declared just before it in glibc (2.34 to 2.36 at least: load lock,
 * write lock, TLS lock, each a recursive pthread_mutex_t). It is taken
 * only if the mutex there is indeed a recursive one; otherwise only the
 * write lock is watched.
 *
 * Owns `write_lock` and `load_lock`, written once by fp_loaderlock_init
 * before any sampling.
 *
 * Signal context: fp_loaderlock_busy.
 */
#include "loaderlock.h"

#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "libc.h"
#include "self.h"

#define MAX_CANDIDATES 8

/* The first five ints of glibc's x86-64 pthread_mutex_t (40 bytes in
 * all): lock word, recursion count, owner tid, users, kind. */
struct mutex_head {
    int lock;
    unsigned count;
    int owner;
    unsigned nusers;
    int kind;
};

#define MUTEX_SIZE 40
#define MUTEX_KIND_RECURSIVE 1 /* PTHREAD_MUTEX_RECURSIVE_NP */

static const int *write_lock, *load_lock;

struct scan {
    const char *base;
    size_t size;
    int tid;
    const struct mutex_head *found[MAX_CANDIDATES];
    int nfound;
};

static int find_held_mutexes(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct scan *s = arg;

    (void)info;
    (void)size;
    for (size_t off = 0; off + sizeof(struct mutex_head) <= s->size; off += sizeof(int)) {
        const struct mutex_head *m = (const struct mutex_head *)(s->base + off);
        if (m->owner == s->tid && m->lock != 0 && m->count >= 1 && s->nfound < MAX_CANDIDATES)
            s->found[s->nfound++] = m;
    }
    return 1; /* one object is enough: the lock is held for the whole call */
}

int fp_loaderlock_init(void)
{
    struct scan s = {.tid = fp_self_tid()};
    const ElfW(Sym) *sym = NULL;
    Dl_info info;
    void *rtld_global = dlsym(RTLD_DEFAULT, "_rtld_global");

    if (!rtld_global || !dladdr1(rtld_global, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym)
        return -1;
    s.base = rtld_global;
    s.size = sym->st_size;
    fp_libc_dl_iterate_phdr(find_held_mutexes, &s);
    const struct mutex_head *match = NULL;
    for (int i = 0; i < s.nfound; i++) {
        if (s.found[i]->lock != 0 || s.found[i]->owner != 0)
            continue; /* still held now: not the one dl_iterate_phdr took */
        if (match)
            return -1; /* ambiguous: do not guess */
        match = s.found[i];
    }
    if (!match)
        return -1;
    write_lock = &match->lock;
    if ((const char *)match - s.base >= MUTEX_SIZE) {
        const struct mutex_head *before = (const void *)((const char *)match - MUTEX_SIZE);
        if ((before->kind & 0x7f) == MUTEX_KIND_RECURSIVE)
            load_lock = &before->lock;
    }
    return 0;
}

static bool taken(const int *word)
{
    return word && __atomic_load_n(word, __ATOMIC_RELAXED) != 0;
}

bool fp_loaderlock_busy(void)
{
    return taken(write_lock) || taken(load_lock);
}
