/*
 * The writer module's entry point (writer.h): the one symbol the module
 * exports. Owns the host's callbacks for the duration of a write.
 *
 * Signal context: none.
 */
#include "writer.h"

#include "mem.h"
#include "pprof_encode.h"
#include "pprof_text.h"
#include "symcache.h"
#include "writer_log.h"

/* Every entry first takes the host's settings for what it calls. */
static void use_host(const struct fp_writer_host *host)
{
    fp_mem_use(host->allocator);
    fp_writer_log_set_host(host);
    fp_symcache_set_dir(host->symcache_dir);
}

static int pprof_write(struct fp_pprof *p, const char *path, const struct fp_writer_host *host)
{
    use_host(host);
    return fp_pprof_write(p, NULL, path);
}

static int pprof_encode(struct fp_pprof *p, uint8_t **out, size_t *outlen,
                        const struct fp_writer_host *host)
{
    use_host(host);
    return fp_pprof_encode(p, NULL, out, outlen);
}

static int pprof_text(struct fp_pprof *p, const char *header, const char *record, const char *footer,
                      char **out, size_t *outlen, const struct fp_writer_host *host)
{
    use_host(host);
    return fp_pprof_text(p, header, record, footer, out, outlen);
}

static int symbol_lines(const uint64_t *addrs, size_t n, char **out, size_t *outlen,
                        const struct fp_writer_host *host)
{
    use_host(host);
    return fp_pprof_symbol_lines(addrs, n, out, outlen);
}

__attribute__((visibility("default"))) const struct fp_writer_api flightprof_writer_api = {
    .abi = FP_WRITER_ABI,
    .pprof_write = pprof_write,
    .pprof_encode = pprof_encode,
    .pprof_text = pprof_text,
    .symbol_lines = symbol_lines,
};
