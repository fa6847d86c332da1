/*
 * The one place that looks up the definitions flightprof's wrappers
 * forward to, and libc.c's wall calls. It lives in core/ beside the wall,
 * below every engine, because both sides of the wall use it.
 *
 * Signal context: none.
 */
#include "interpose.h"

#include <dlfcn.h>

#include "log.h"
#include "self.h"

void *fp_interpose_resolve(const char *name)
{
    /* dlsym allocates; the allocator wrappers see the internal scope and
     * stay out of the way (serving a bootstrap buffer if they are the ones
     * resolving). */
    fp_internal_enter();
    void *fn = dlsym(RTLD_NEXT, name);
    fp_internal_leave();
    if (!fn)
        fp_log("cannot find the next definition of %s: %s", name, dlerror());
    return fn;
}
