/*
 * The snapshot format's names for its event kinds (snapfmt.h), shared by
 * the library's metrics and the CLI's reader. Owns nothing.
 *
 * Signal context: none.
 */
#include "snapfmt.h"

#include <stddef.h>

const char *fp_snap_kind_name(unsigned kind)
{
    static const char *const names[FP_EV_KIND_COUNT] = {
        [FP_EV_THREAD_START] = "thread-start", [FP_EV_THREAD_EXIT] = "thread-exit",
        [FP_EV_THREAD_NAME] = "thread-name",   [FP_EV_ALLOC] = "alloc",
        [FP_EV_REALLOC] = "realloc",           [FP_EV_FREE] = "free",
        [FP_EV_MUNMAP] = "munmap",             [FP_EV_LOCK_WAIT] = "lock-wait",
        [FP_EV_WAIT] = "wait",                 [FP_EV_CPU_SAMPLE] = "cpu-sample",
        [FP_EV_FORK] = "fork",                 [FP_EV_EXEC] = "exec",
        [FP_EV_EXIT] = "exit",                 [FP_EV_SIGNAL] = "signal",
        [FP_EV_LOG] = "log",                   [FP_EV_REGION_BEGIN] = "region-begin",
        [FP_EV_REGION_END] = "region-end",
    };
    return kind < FP_EV_KIND_COUNT && names[kind] ? names[kind] : "?";
}
