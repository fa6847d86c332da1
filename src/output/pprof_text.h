/*
 * Profiles as text: Go's debug=1 (legacy) profile texts, which people
 * read and go tool pprof parses, and the symbol lines of Go's
 * /debug/pprof/symbol. The writer module's half (it symbolizes).
 */
#ifndef FLIGHTPROF_PPROF_TEXT_H
#define FLIGHTPROF_PPROF_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "pprof.h"

/*
 * `p`, symbolized against the calling process's mappings, as `header`,
 * one record per sample and `footer`. A record is `record` with each
 * "{i}" replaced by the sample's value i (Go's heap record is
 * "{2}: {3} [{0}: {1}] @"), its location addresses (" 0x..."), a newline,
 * and a line per frame, innermost first: "#\t0xADDR\tFUNCTION\tFILE:LINE",
 * then a blank line. Into *out (fp_mem memory) of *outlen bytes. Returns
 * 0, or -1 with errno.
 */
int fp_pprof_text(struct fp_pprof *p, const char *header, const char *record, const char *footer,
                  char **out, size_t *outlen);

/* For each of addrs[0..n) that is in a known function of this process,
 * the line "0xADDR FUNCTION" (the innermost frame's), after Go's first
 * line "num_symbols: 1". Into *out (fp_mem memory). Returns 0, or -1. */
int fp_pprof_symbol_lines(const uint64_t *addrs, size_t n, char **out, size_t *outlen);

#endif
