// links: src/core/loaderlock.c src/core/libc.c src/core/interpose.c src/core/self.c
/* The loader-lock probe finds glibc's locks: idle when nothing loads,
 * busy inside dl_iterate_phdr, and busy at some point while another thread
 * keeps loading and unloading a library. */
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "loaderlock.h"

static atomic_bool stop;

static int busy_inside(struct dl_phdr_info *info, size_t size, void *seen)
{
    (void)info;
    (void)size;
    *(bool *)seen = fp_loaderlock_busy();
    return 1;
}

static void *load_unload(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        void *h = dlopen("libutil.so.1", RTLD_NOW | RTLD_LOCAL);
        if (h)
            dlclose(h);
    }
    return NULL;
}

int main(void)
{
    bool seen = false;
    long busy = 0;
    pthread_t loader;

    CHECK(fp_loaderlock_init() == 0);
    CHECK(!fp_loaderlock_busy());
    dl_iterate_phdr(busy_inside, &seen);
    CHECK(seen);
    CHECK(!fp_loaderlock_busy());

    pthread_create(&loader, NULL, load_unload, NULL);
    for (long i = 0; i < 50000000 && busy < 1000; i++)
        busy += fp_loaderlock_busy();
    atomic_store(&stop, true);
    pthread_join(loader, NULL);
    CHECK(busy >= 1000); /* dlopen/dlclose hold the load lock most of the time */
    CHECK(!fp_loaderlock_busy());
    return 0;
}
