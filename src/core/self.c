/*
 * The calling thread's own state (self.h): owns the TLS block and the
 * cached tid.
 *
 * Signal context: fp_self_tid.
 */
#include "self.h"

#include <unistd.h>

__thread struct fp_self fp_self_tls __attribute__((tls_model("initial-exec")));

int fp_self_tid(void)
{
    struct fp_self *self = fp_self();

    if (!self->tid)
        self->tid = gettid();
    return self->tid;
}
