/*
 * The executable mappings of a process, with the GNU build-id of each file:
 * what pprof's Mapping messages and offline symbolization need.
 */
#ifndef FLIGHTPROF_MAPS_H
#define FLIGHTPROF_MAPS_H

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

struct fp_mapping {
    uint64_t start, limit;  /* runtime addresses [start, limit) */
    uint64_t offset;        /* file offset of start */
    char *path;             /* as /proc/PID/maps shows it; "[vdso]" etc. */
    char *build_id;         /* lowercase hex, "" when the file has none */
};

struct fp_maps {
    struct fp_mapping *v;
    size_t n;
};

/* Opens the calling process's maps for reading. Through the calling
 * thread: once the main thread has ended (pthread_exit with others still
 * running), /proc/self names the dead leader, whose maps read as empty.
 * /proc/thread-self needs Linux 3.17; older kernels get /proc/self.
 * Returns the descriptor or -1. Async-signal-safe. */
static inline int fp_maps_open_self(void)
{
    int fd = open("/proc/thread-self/maps", O_RDONLY | O_CLOEXEC);

    if (fd < 0 && errno == ENOENT)
        fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    return fd;
}

/* The memfd name of flightprof's writer module (writer.c). */
#define FP_WRITER_MEMFD "flightprof-writer"

/* Whether a /proc/PID/maps path is the writer module's, which no profile
 * or snapshot lists: the module is flightprof's, loaded to write them. */
static inline bool fp_maps_is_writer(const char *path)
{
    static const char name[] = "/memfd:" FP_WRITER_MEMFD " ";

    return strncmp(path, name, sizeof(name) - 1) == 0;
}

/* Reads the executable mappings of the calling process (file-backed ones
 * and [vdso]), sorted by start, each with its build-id. Returns 0 or -1
 * with errno: a failed read, or a list without a single executable
 * mapping (EIO), is an error, not a shorter list. Not async-signal-safe. */
int fp_maps_read_self(struct fp_maps *out);

/* The same for another process (e.g. a child a test starts). Its [vdso]
 * is given this process's vDSO build-id: one kernel, one vDSO. */
int fp_maps_read_pid(pid_t pid, struct fp_maps *out);

/* Appends one mapping (copying the strings); for maps recorded elsewhere,
 * e.g. in a snapshot. Keeps the array sorted. Returns 0 or -1. */
int fp_maps_add(struct fp_maps *maps, uint64_t start, uint64_t limit, uint64_t offset,
                const char *path, const char *build_id);

/* The mapping containing `addr`, or NULL. */
const struct fp_mapping *fp_maps_find(const struct fp_maps *maps, uint64_t addr);

/* Whether `addr` is in a mapping of libflightprof.so: the CLI leaves such
 * frames out of the program's stacks it shows, as the library does. */
bool fp_maps_in_flightprof(const struct fp_maps *maps, uint64_t addr);

/* The GNU build-id of an ELF image (libelf handle) as a malloc'd lowercase
 * hex string, "" when it has none; NULL when out of memory. */
struct Elf;
char *fp_maps_elf_build_id(struct Elf *elf);

/* This process's vDSO image and its size, or NULL when there is none. */
const void *fp_maps_vdso_image(size_t *size);

void fp_maps_free(struct fp_maps *maps);

#endif
