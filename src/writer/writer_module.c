/*
 * The writer module's entry point (writer.h): the one symbol the module
 * exports. Owns the host's callbacks for the duration of a write.
 *
 * Signal context: none.
 */
#include "writer.h"

#include "mem.h"
#include "pprof_encode.h"
#include "symcache.h"
#include "writer_log.h"

static int pprof_write(struct fp_pprof *p, const char *path, const struct fp_writer_host *host)
{
    fp_mem_use(host->allocator);
    fp_writer_log_set_host(host);
    fp_symcache_set_dir(host->symcache_dir);
    return fp_pprof_write(p, NULL, path);
}

__attribute__((visibility("default"))) const struct fp_writer_api flightprof_writer_api = {
    .abi = FP_WRITER_ABI,
    .pprof_write = pprof_write,
};
