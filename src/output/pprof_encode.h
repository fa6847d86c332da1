/*
 * Writing a built pprof profile: symbolized against a process's mappings,
 * encoded and gzip-compressed. The writer module's and the CLI's half of
 * pprof.h (it needs libdw, protobuf-c and zlib).
 */
#ifndef FLIGHTPROF_PPROF_ENCODE_H
#define FLIGHTPROF_PPROF_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "maps.h"
#include "pprof.h"

/*
 * Symbolizes every location against `maps` (NULL: the calling process's own
 * mappings, read now), encodes, gzips and writes the profile to `path`
 * atomically. Every mapping of `maps` becomes a Mapping (IDs 1..n in
 * order), each location a Location with its inline frames as Lines,
 * innermost first. Returns 0 or -1 with errno.
 */
int fp_pprof_write(struct fp_pprof *p, const struct fp_maps *maps, const char *path);

/* As fp_pprof_write, into a malloc'd gzip buffer instead of a file (for
 * the future HTTP endpoint and for tests). */
int fp_pprof_encode(struct fp_pprof *p, const struct fp_maps *maps, uint8_t **out, size_t *outlen);

#endif
