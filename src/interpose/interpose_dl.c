/*
 * Marks the windows in which a thread iterates the loader's list of
 * objects (dl_iterate_phdr, which exception unwinders and libunwind call
 * while holding the loader's write lock). A sample landing there must not
 * run libunwind, whose own dl_iterate_phdr could deadlock (gperftools
 * issues 1188 and 1583); the unwinder sees fp_self()->in_loader and walks
 * frame pointers instead. Samples landing inside the dynamic loader itself
 * (dlopen, dlclose, lazy binding) are caught by the unwinder's PC check.
 *
 * dlopen is deliberately not wrapped: glibc finds the RUNPATH and
 * namespace for dlopen from its caller's address, so a wrapper would
 * change which libraries the program loads.
 *
 * Signal context: none.
 */
#include <link.h>

#include "interpose.h"
#include "libc.h"

/* fp_libc_dl_iterate_phdr marks the window, for the program's calls and
 * flightprof's alike. */
FP_EXPORT int dl_iterate_phdr(int (*callback)(struct dl_phdr_info *, size_t, void *), void *data)
{
    return fp_libc_dl_iterate_phdr(callback, data);
}
