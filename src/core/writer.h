/*
 * The writer module: what writing a profile needs and a running program
 * does not (symbolization with libdw and libelf, protobuf-c encoding,
 * zlib). It is built as its own shared object, carried inside
 * libflightprof.so, and loaded by writer.c on the first profile write, so
 * that a process that never writes one (a fork child, or a short exec'd
 * program that was never sampled) neither loads those libraries nor pays
 * for their mappings at every fork.
 *
 * The interface between the two is this header: libflightprof.so and its
 * module are built from the same sources, and the ABI number only guards
 * against a module image from another build.
 */
#ifndef FLIGHTPROF_WRITER_H
#define FLIGHTPROF_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "pprof.h"

#define FP_WRITER_ABI 4
#define FP_WRITER_SYMBOL "flightprof_writer_api"

/* What the module needs from the library that loaded it. */
struct fp_writer_host {
    const char *symcache_dir;           /* "" when the cache is off */
    /* The library's allocator (mem.h): the profile the module is handed
     * and the memory it hands back must come from one allocator. */
    const struct fp_mem_allocator *allocator;
    void (*log)(const char *message);   /* an error or warning line */
    void (*log_info)(const char *message);
};

struct fp_writer_api {
    unsigned abi; /* FP_WRITER_ABI */
    /* fp_pprof_write(p, NULL, path), with the host's symbol cache and
     * log. Returns 0 or -1 with errno. */
    int (*pprof_write)(struct fp_pprof *p, const char *path, const struct fp_writer_host *host);
    /* fp_pprof_encode(p, NULL, out, outlen): the gzipped profile in
     * memory from the host's allocator. Returns 0 or -1 with errno. */
    int (*pprof_encode)(struct fp_pprof *p, uint8_t **out, size_t *outlen,
                        const struct fp_writer_host *host);
    /* fp_pprof_text and fp_pprof_symbol_lines (pprof_text.h), into the
     * host's memory. Return 0 or -1 with errno. */
    int (*pprof_text)(struct fp_pprof *p, const char *header, const char *record, const char *footer,
                      char **out, size_t *outlen, const struct fp_writer_host *host);
    int (*symbol_lines)(const uint64_t *addrs, size_t n, char **out, size_t *outlen,
                        const struct fp_writer_host *host);
};

/* Library side (writer.c). The end of every profile write: writes `p`
 * (which may be NULL, when fp_pprof_new failed) to `path` unless `failed`
 * (an add ran out of memory), or, with `skip_empty`, unless it has no
 * sample; logs one line naming the `what` profile if it was not written,
 * and frees `p`. Returns 0 or -1 with errno. */
int fp_writer_write_and_free(struct fp_pprof *p, bool failed, bool skip_empty, const char *what,
                             const char *path);

/* As fp_writer_write_and_free, into *out (fp_mem memory, *outlen bytes)
 * instead of a file, for the endpoint; an empty profile is encoded too.
 * Logs nothing: the caller answers the failure. Returns 0, or -1 with
 * errno and *why set to what went wrong. */
int fp_writer_encode_and_free(struct fp_pprof *p, bool failed, uint8_t **out, size_t *outlen,
                              const char **why);

/* The same, as Go's debug=1 text (fp_pprof_text's arguments). */
int fp_writer_text_and_free(struct fp_pprof *p, bool failed, const char *header, const char *record,
                            const char *footer, char **out, size_t *outlen, const char **why);

/* Go's /debug/pprof/symbol answer for addrs[0..n) (fp_pprof_symbol_lines).
 * Returns 0, or -1 with errno and *why set. */
int fp_writer_symbol_lines(const uint64_t *addrs, size_t n, char **out, size_t *outlen,
                           const char **why);

#endif
