/*
 * Symbolization from ELF and DWARF (libdw): function names (demangled),
 * source files and lines, inlined frames; .symtab/.dynsym names when there
 * is no DWARF; separate debug info found by build-id. Runs when a profile
 * is written or a snapshot converted, never in a signal handler.
 */
#ifndef FLIGHTPROF_SYMBOLIZE_H
#define FLIGHTPROF_SYMBOLIZE_H

#include <stdbool.h>
#include <stdint.h>

#include "maps.h"

struct fp_symbolizer;

/* The most frames one address can stand for (its inlined calls). */
#define FP_INLINE_FRAMES_MAX 64

/* One source-level frame. Strings belong to the symbolizer. */
struct fp_frame {
    const char *function;    /* demangled name without its parameter list,
                                as pprof shows C++ names ("ns::Box<int>::get");
                                never NULL when returned */
    const char *system_name; /* mangled (linkage) name, or same as function */
    const char *file;        /* "" when unknown */
    int64_t start_line;      /* line of the function's declaration, 0 if unknown */
    int64_t line;            /* 0 if unknown */
};

/* What symbolization found for a mapping, for pprof's has_* flags. */
struct fp_mapping_symbols {
    bool has_functions, has_filenames, has_line_numbers, has_inline_frames;
};

/*
 * Creates a symbolizer for the mappings in `maps` (which must outlive it).
 * A mapping whose file's build-id differs from the recorded one is not
 * symbolized and is reported once on stderr.
 */
struct fp_symbolizer *fp_symbolizer_new(const struct fp_maps *maps);

/*
 * Symbolizes the location address `addr` (see unwind.h) into at most `max`
 * frames, innermost (most deeply inlined) first, the physical function
 * last. Returns the number of frames, 0 when nothing is known.
 */
int fp_symbolize(struct fp_symbolizer *sym, uint64_t addr, struct fp_frame *frames, int max);

/* The flags for mapping `index` of the maps passed to fp_symbolizer_new:
 * each is set when at least one address symbolized so far in the mapping
 * got that information (pprof's own meaning: it re-symbolizes a mapping
 * only when none is set). has_inline_frames: DWARF was consulted. */
struct fp_mapping_symbols fp_symbolizer_mapping(struct fp_symbolizer *sym, size_t index);

void fp_symbolizer_free(struct fp_symbolizer *sym);

/* Demangles a C++ (Itanium ABI) name into a malloc'd string, or returns
 * NULL when `name` is not mangled. */
char *fp_demangle(const char *name);

#endif
