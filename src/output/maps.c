/*
 * The executable mappings of a process and the GNU build-ids of their
 * files. Owns nothing global: every struct fp_maps belongs to its caller.
 *
 * Signal context: none.
 */
#include "maps.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <elfutils/libdwelf.h>
#include <inttypes.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "mem.h"

#define VDSO_NAME "[vdso]"

char *fp_maps_elf_build_id(struct Elf *elf)
{
    const unsigned char *id;
    ssize_t n = elf ? dwelf_elf_gnu_build_id(elf, (const void **)&id) : -1;

    if (n <= 0)
        return fp_mem_strdup("");
    char *hex = fp_mem_alloc(2 * (size_t)n + 1);
    if (!hex)
        return NULL;
    for (ssize_t i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", id[i]);
    return hex;
}

const void *fp_maps_vdso_image(size_t *size)
{
    const unsigned char *image = (const void *)getauxval(AT_SYSINFO_EHDR);
    const ElfW(Ehdr) *eh = (const void *)image;

    if (!image || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return NULL;
    /* The image ends with its section headers or its last loaded byte. */
    uint64_t end = eh->e_shoff + (uint64_t)eh->e_shnum * eh->e_shentsize;
    const ElfW(Phdr) *ph = (const void *)(image + eh->e_phoff);
    for (int i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && ph[i].p_offset + ph[i].p_filesz > end)
            end = ph[i].p_offset + ph[i].p_filesz;
    *size = end;
    return image;
}

static char *file_build_id(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return fp_mem_strdup("");
    elf_version(EV_CURRENT);
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    char *hex = fp_maps_elf_build_id(elf);
    elf_end(elf);
    close(fd);
    return hex;
}

static char *vdso_build_id(void)
{
    size_t size;
    const void *image = fp_maps_vdso_image(&size);

    if (!image)
        return fp_mem_strdup("");
    elf_version(EV_CURRENT);
    Elf *elf = elf_memory((char *)image, size);
    char *hex = fp_maps_elf_build_id(elf);
    elf_end(elf);
    return hex;
}

/* The build-id of `path`, reusing the previous mapping's when it is the
 * same file (a file usually has one executable mapping, sometimes more). */
static char *build_id_for(const struct fp_maps *maps, const char *path)
{
    for (size_t i = maps->n; i-- > 0;)
        if (strcmp(maps->v[i].path, path) == 0)
            return fp_mem_strdup(maps->v[i].build_id);
    return strcmp(path, VDSO_NAME) == 0 ? vdso_build_id() : file_build_id(path);
}

static size_t insert_position(const struct fp_maps *maps, uint64_t start)
{
    size_t lo = 0, hi = maps->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (maps->v[mid].start < start)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Inserts a mapping whose strings are already owned (freed on failure). */
static int insert_owned(struct fp_maps *maps, struct fp_mapping m)
{
    struct fp_mapping *v = fp_mem_realloc(maps->v, (maps->n + 1) * sizeof(*v));

    if (!v || !m.path || !m.build_id) {
        fp_mem_free(m.path);
        fp_mem_free(m.build_id);
        if (v)
            maps->v = v;
        errno = ENOMEM;
        return -1;
    }
    maps->v = v;
    size_t at = insert_position(maps, m.start);
    memmove(&v[at + 1], &v[at], (maps->n - at) * sizeof(*v));
    v[at] = m;
    maps->n++;
    return 0;
}

int fp_maps_add(struct fp_maps *maps, uint64_t start, uint64_t limit, uint64_t offset,
                const char *path, const char *build_id)
{
    struct fp_mapping m = {
        .start = start, .limit = limit, .offset = offset,
        .path = fp_mem_strdup(path), .build_id = fp_mem_strdup(build_id ? build_id : ""),
    };
    return insert_owned(maps, m);
}

/* Parses one line of /proc/PID/maps; returns 1 for a mapping to keep. */
static int parse_line(char *line, struct fp_mapping *m)
{
    char perms[8];
    int path_at = 0;

    if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %*s %*u %n", &m->start, &m->limit,
               perms, &m->offset, &path_at) < 4 || !path_at)
        return 0;
    char *path = line + path_at;
    path[strcspn(path, "\n")] = '\0';
    if (strchr(perms, 'x') == NULL)
        return 0;
    if (path[0] != '/' && strcmp(path, VDSO_NAME) != 0)
        return 0;
    if (fp_maps_is_writer(path))
        return 0;
    m->path = path;
    return 1;
}

/* Reads from `fd` (closed here), or fails if it is -1. */
static int read_maps(int fd, struct fp_maps *out)
{
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;

    *out = (struct fp_maps){0};
    if (!f) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int saved = 0;
    while (rc == 0) {
        errno = 0;
        if (getline(&line, &cap, f) <= 0) {
            /* A failed read or allocation is not the end of the list: a
             * profile would name no binary (a process has at least one). */
            if (!feof(f) || out->n == 0) {
                rc = -1;
                saved = errno ? errno : EIO;
            }
            break;
        }
        struct fp_mapping m;
        if (!parse_line(line, &m))
            continue;
        m.build_id = build_id_for(out, m.path);
        m.path = fp_mem_strdup(m.path);
        if ((rc = insert_owned(out, m)) != 0)
            saved = ENOMEM;
    }
    fp_mem_free(line);
    fclose(f);
    if (rc != 0) {
        fp_maps_free(out);
        errno = saved;
    }
    return rc;
}

int fp_maps_read_self(struct fp_maps *out)
{
    return read_maps(fp_maps_open_self(), out);
}

int fp_maps_read_pid(pid_t pid, struct fp_maps *out)
{
    char path[64];

    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    return read_maps(open(path, O_RDONLY | O_CLOEXEC), out);
}

const struct fp_mapping *fp_maps_find(const struct fp_maps *maps, uint64_t addr)
{
    size_t at = insert_position(maps, addr + 1); /* first start > addr */

    if (at == 0)
        return NULL;
    const struct fp_mapping *m = &maps->v[at - 1];
    return addr < m->limit ? m : NULL;
}

bool fp_maps_in_flightprof(const struct fp_maps *maps, uint64_t addr)
{
    const struct fp_mapping *m = fp_maps_find(maps, addr);
    const char *base = m && m->path ? strrchr(m->path, '/') : NULL;

    return base && strcmp(base + 1, "libflightprof.so") == 0;
}

void fp_maps_free(struct fp_maps *maps)
{
    for (size_t i = 0; i < maps->n; i++) {
        fp_mem_free(maps->v[i].path);
        fp_mem_free(maps->v[i].build_id);
    }
    fp_mem_free(maps->v);
    *maps = (struct fp_maps){0};
}
