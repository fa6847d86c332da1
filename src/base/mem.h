/*
 * flightprof's own heap memory. It comes from the allocator the program's
 * malloc calls finally reach (its own malloc if it defines one, else the
 * one after flightprof's wrappers), never through those wrappers: memory
 * crosses between flightprof and the libraries it calls (libdw, libelf,
 * protobuf-c, glibc's strdup or getline) in both directions, so both
 * sides must allocate and free from one allocator, and flightprof's own
 * blocks must not reach its heap profile or recorder. The lowest layer
 * with self.h: it depends on nothing of flightprof's.
 */
#ifndef FLIGHTPROF_MEM_H
#define FLIGHTPROF_MEM_H

#include <stddef.h>

/* An allocator, as the writer module is handed its host's. */
struct fp_mem_allocator {
    void *(*alloc)(size_t size);
    void *(*alloc_zeroed)(size_t n, size_t size);
    void *(*resize)(void *p, size_t size);
    void (*release)(void *p);
};

/* malloc, calloc, realloc, free and strdup, on that allocator. Not for
 * signal handlers. */
void *fp_mem_alloc(size_t size);
void *fp_mem_calloc(size_t n, size_t size);
void *fp_mem_realloc(void *p, size_t size);
void fp_mem_free(void *p);
char *fp_mem_strdup(const char *s);

/* The allocator in use, found on first use. */
const struct fp_mem_allocator *fp_mem_allocator(void);

/* Makes `a` (which outlives every use) the allocator: the library's at
 * load (libc.h), the host's in the writer module (writer.h). Memory
 * already handed out must come from the same allocator. */
void fp_mem_use(const struct fp_mem_allocator *a);

#endif
