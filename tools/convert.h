/*
 * `flightprof convert`: turning a snapshot (tools/snapshot_read.h) into
 * other formats. cmd_convert.c parses the command line and prepares a
 * struct convert_src; each output format has its own file.
 * Signal context: none.
 */
#ifndef FLIGHTPROF_CONVERT_H
#define FLIGHTPROF_CONVERT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "maps.h"
#include "snapshot_read.h"
#include "symbolize.h"

struct convert_names; /* cache of convert_describe() results */

/* What every converter reads. */
struct convert_src {
    const struct fp_sread *snap;
    const struct fp_sread_info *info;
    struct fp_maps maps;       /* the snapshot's recorded mappings */
    struct fp_symbolizer *sym; /* over `maps`; NULL: addresses stay unnamed */
    struct convert_names *names;
    const char **renamed;      /* per thread-table entry: the last name a
                                  thread-name event gave it, or NULL */
    int64_t cpu_period_ns;     /* of the CPU samples: the snapshot's, else
                                  that of FLIGHTPROF_HZ's default */
};

/*
 * Prepares `src` for `snap`: its mappings, and a symbolizer over them when
 * `symbolize` (offline, from the files the mappings name; a build-id
 * mismatch is reported by the symbolizer). Returns 0, or -1 out of memory.
 */
int convert_src_init(struct convert_src *src, const struct fp_sread *snap, bool symbolize);
void convert_src_free(struct convert_src *src);

/* The name to show for thread `tid`: its name in the thread table, else
 * the last name a thread-name event gave it, else "tid N" (written into
 * buf). */
const char *convert_thread_name(const struct convert_src *src, int tid, char *buf, size_t len);

/* A recorded code address as a pprof location address: return addresses
 * (every entry of a stack but an exact leaf PC) point after the call, so
 * step back into it. */
static inline uint64_t convert_location(uint64_t pc, bool exact)
{
    return exact || pc == 0 ? pc : pc - 1;
}

/*
 * A recorded stack as location addresses in out[0..returned) (each as
 * convert_location), leaving out return addresses into flightprof's own
 * library (the trampoline at the base of every thread), as the library's
 * profiles do; an exact leaf stays.
 */
int convert_stack(const struct convert_src *src, const uint64_t *pcs, int depth, bool leaf_exact,
                  uint64_t *out);

/*
 * "function (file:line)" for a location address, one line per inlined
 * frame, innermost first; "0xADDR (path+0xOFFSET)" or "0xADDR" when it
 * cannot be symbolized. The string belongs to src and stays valid until
 * the next call; NULL only when out of memory.
 */
const char *convert_describe(const struct convert_src *src, uint64_t loc);

/* The output formats. Each returns 0, or -1 after one fp_log() line. */
int convert_chrome(const struct convert_src *src, FILE *out);
int convert_cpu_profile(const struct convert_src *src, const char *path);
int convert_allocs_profile(const struct convert_src *src, const char *path);

#endif
