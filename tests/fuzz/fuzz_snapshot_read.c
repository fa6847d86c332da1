/*
 * libFuzzer target for the snapshot reader (tools/snapshot_read.c) and the
 * Chrome converter that consumes its output: any bytes must either be
 * rejected with a message or decode into events every accessor and the
 * converter can walk. Built and run by `make fuzz`.
 * Symbolization is left out: it would open the files a fuzzed mapping
 * table names.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert.h"
#include "snapshot_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Touches every decoded field the accessors promise, so the sanitizers see
 * any pointer into the file that is out of bounds. */
static void walk(const struct fp_sread *snap)
{
    const struct fp_sread_info *info = fp_sread_info(snap);
    volatile size_t sink = strlen(info->executable);
    for (int i = 0; i < info->crash_depth; i++)
        sink += info->crash_pcs[i];
    for (size_t i = 0; i < fp_sread_map_count(snap); i++)
        sink += strlen(fp_sread_map(snap, i)->path) + strlen(fp_sread_map(snap, i)->build_id);
    for (size_t i = 0; i < fp_sread_thread_count(snap); i++)
        sink += strlen(fp_sread_thread(snap, i)->name);
    for (size_t i = 0; i < fp_sread_event_count(snap); i++) {
        const struct fp_sread_ev *ev = fp_sread_event(snap, i);
        sink += strlen(fp_snap_kind_name(ev->kind));
        if (ev->kind == FP_EV_CPU_SAMPLE)
            for (int k = 0; k < ev->u.cpu.depth; k++)
                sink += ev->u.cpu.pcs[k];
        else if (ev->kind == FP_EV_LOG)
            sink += strlen(ev->u.log.category) + strlen(ev->u.log.message);
        else if (ev->kind == FP_EV_EXEC || ev->kind == FP_EV_REGION_BEGIN)
            sink += strlen(ev->u.text.str);
        else if (ev->kind == FP_EV_THREAD_NAME)
            sink += strlen(ev->u.thread_name.name);
        if (i > 0 && fp_sread_event(snap, i - 1)->time_ns > ev->time_ns)
            abort(); /* the reader promises oldest first */
    }
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    char err[256];
    struct convert_src src;

    if (!devnull && !(devnull = fopen("/dev/null", "w")))
        abort();
    struct fp_sread *snap = fp_sread_parse(data, size, err, sizeof(err));
    if (!snap) {
        if (!err[0] || !memchr(err, '\0', sizeof(err)))
            abort(); /* a rejection must say why */
        return 0;
    }
    walk(snap);
    if (convert_src_init(&src, snap, false) == 0)
        convert_chrome(&src, devnull);
    convert_src_free(&src);
    fp_sread_close(snap);
    return 0;
}
