/*
 * Separate debug info for libdwfl: the search on local files (build-id
 * path, .gnu_debuglink), each candidate proven to belong to the module,
 * and the uncompressed copies of compressed debug files, kept in the
 * symbol cache directory as BUILD_ID.debug. Owns nothing between calls.
 *
 * A copy is made, once per build-id, by the first process that needs the
 * file: its bytes are copied to a private temporary file, every
 * SHF_COMPRESSED section is inflated there by libelf, and the result is
 * renamed into place, so readers see a whole copy or none. A copy is used
 * only while its build-id is the module's; one that does not match, or a
 * copy that cannot be made (no cache directory, too little disk), leaves
 * libdwfl with the compressed file, as before.
 *
 * Signal context: none.
 */
#include "debuginfo.h"

#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <zlib.h>

#include "mem.h"
#include "outfile.h"
#include "symcache.h"

#define DEBUG_ROOT "/usr/lib/debug"
/* Longer build-ids than any linker writes (SHA-1: 20 bytes) are ignored. */
#define BUILD_ID_MAX 64
/* Bigger debug sections stay compressed: libdw inflates them in memory
 * anyway, but a copy would take this much of the user's disk. */
#define MAX_COPY_SIZE (1ull << 30)
/* A copy is made only if the file system keeps this much free after it. */
#define MIN_FREE_AFTER (256ull << 20)

/*
 * Separate debug info comes from local files only. libdwfl's standard
 * callbacks end, when nothing local is found, in debuginfod_begin, which
 * loads libdebuginfod and libcurl (and their TLS libraries) into the host
 * and initialises them even with DEBUGINFOD_URLS unset; at exit, after the
 * host's own atexit handlers have torn OpenSSL down, that crashes (CPython
 * with `ssl`, Node). A profiler has no business opening network clients
 * inside the program it measures anyway.
 */

/* Every module is reported with an open file, so libdwfl never needs to
 * find one; dwfl_build_id_find_elf would ask debuginfod when it fails. */
static int no_find_elf(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                       char **file_name, Elf **elfp)
{
    (void)mod;
    (void)userdata;
    (void)modname;
    (void)base;
    (void)file_name;
    (void)elfp;
    errno = ENOENT;
    return -1;
}

/* The CRC-32 of the whole file on `fd` (what .gnu_debuglink records:
 * zlib's polynomial and initial value); -1 on a read error. */
static int file_crc32(int fd, uint32_t *out)
{
    enum { CHUNK = 64 << 10 };
    unsigned char *buf = fp_mem_alloc(CHUNK);
    uLong crc = crc32(0, Z_NULL, 0);
    off_t at = 0;
    ssize_t n;

    if (!buf)
        return -1;
    while ((n = pread(fd, buf, CHUNK, at)) > 0 || (n < 0 && errno == EINTR)) {
        if (n < 0)
            continue;
        crc = crc32(crc, buf, (uInt)n);
        at += n;
    }
    fp_mem_free(buf);
    *out = (uint32_t)crc;
    return n < 0 ? -1 : 0;
}

/*
 * Whether the file on `fd` is `mod`'s debug file, checked as libdw checks
 * it: by build-id when the module has one, else by the CRC its
 * .gnu_debuglink records. A name alone proves nothing (a stale .debug file
 * left next to a rebuilt binary would give wrong lines), so a module with
 * neither is never matched.
 */
static bool debug_file_matches(Dwfl_Module *mod, int fd, bool have_crc, GElf_Word crc)
{
    const unsigned char *want;
    GElf_Addr vaddr;
    int want_len = dwfl_module_build_id(mod, &want, &vaddr);

    if (want_len > 0) {
        Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
        const void *got;
        ssize_t got_len = elf ? dwelf_elf_gnu_build_id(elf, &got) : -1;
        bool same = got_len == want_len && memcmp(got, want, (size_t)want_len) == 0;
        elf_end(elf);
        return same;
    }
    uint32_t file_crc;
    return have_crc && file_crc32(fd, &file_crc) == 0 && file_crc == crc;
}

/* The candidate debug files of one module: what they must match. */
struct debug_search {
    Dwfl_Module *mod;
    struct stat self; /* the module's own file, never its own debug file */
    bool have_crc;
    GElf_Word crc;
    char path[PATH_MAX]; /* the last candidate tried */
};

/* Opens the file named by `fmt` if it is the module's debug file and not
 * the module's own file under another name; -1 otherwise. */
static int __attribute__((format(printf, 2, 3))) try_debug_file(struct debug_search *s,
                                                                 const char *fmt, ...)
{
    va_list ap;
    struct stat st;

    va_start(ap, fmt);
    int len = vsnprintf(s->path, sizeof(s->path), fmt, ap);
    va_end(ap);
    if (len < 0 || len >= (int)sizeof(s->path))
        return -1;
    int fd = open(s->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        (st.st_dev == s->self.st_dev && st.st_ino == s->self.st_ino) ||
        !debug_file_matches(s->mod, fd, s->have_crc, s->crc)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* libdwfl asks again, with the absolute name as `debuglink`, for the dwz
 * file a debug file shares with others: that one is found by its own
 * build-id or not at all, and never copied (the copy is named after the
 * module's build-id). */
static bool dwz_lookup(const char *debuglink)
{
    return debuglink && strchr(debuglink, '/');
}

/* `mod`'s build-id as lowercase hex into out; false when it has none. */
static bool build_id_hex(Dwfl_Module *mod, char out[2 * BUILD_ID_MAX + 1])
{
    const unsigned char *id;
    GElf_Addr vaddr;
    int len = dwfl_module_build_id(mod, &id, &vaddr);

    if (len <= 0 || len > BUILD_ID_MAX)
        return false;
    for (int i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", id[i]);
    return true;
}

/*
 * The local search, libdwfl's standard one minus debuginfod. First the
 * build-id path (/usr/lib/debug/.build-id/NN/REST.debug), then the
 * .gnu_debuglink name (or BASENAME.debug) next to the file, in its .debug/
 * subdirectory, and under /usr/lib/debug/ at the file's directory and at
 * each of its tails (/usr/lib/debug/usr/lib/x86_64-linux-gnu/, then
 * .../lib/x86_64-linux-gnu/, ... down to /usr/lib/debug/ itself), as libdw
 * does, so that a debug file installed for a /lib path is found for the
 * merged /usr/lib one.
 *
 * The build-id path is tried here rather than with
 * dwfl_build_id_find_debuginfo: that one also hands libdwfl its own handle
 * on the file it found, which libdwfl then uses whatever descriptor this
 * callback returns, so the uncompressed copy would never be read.
 */
static int find_local(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                      const char *file_name, const char *debuglink, GElf_Word crc,
                      char **debuginfo_file_name)
{
    if (dwz_lookup(debuglink))
        return dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink,
                                            crc, debuginfo_file_name);

    struct debug_search *s = fp_mem_calloc(1, sizeof(*s));
    char id[2 * BUILD_ID_MAX + 1];
    int fd = -1;

    if (!s)
        return -1;
    s->mod = mod;
    s->have_crc = debuglink != NULL;
    s->crc = crc;
    /* Mappings name absolute, canonical paths (from /proc/self/maps). */
    const char *slash = file_name && file_name[0] == '/' ? strrchr(file_name, '/') : NULL;
    bool have_self = slash && stat(file_name, &s->self) == 0;
    if (build_id_hex(mod, id))
        fd = try_debug_file(s, DEBUG_ROOT "/.build-id/%.2s/%s.debug", id, id + 2);

    char name[NAME_MAX + 1];
    int dirlen = slash ? (int)(slash - file_name) : 0;
    if (fd < 0 && have_self &&
        snprintf(name, sizeof(name), "%s%s", debuglink ? debuglink : slash + 1,
                 debuglink ? "" : ".debug") < (int)sizeof(name)) {
        fd = try_debug_file(s, "%.*s/%s", dirlen, file_name, name);
        if (fd < 0)
            fd = try_debug_file(s, "%.*s/.debug/%s", dirlen, file_name, name);
        /* The tail file_name[at, dirlen) starts at a slash, or is empty. */
        for (int at = 0; fd < 0;) {
            fd = try_debug_file(s, DEBUG_ROOT "%.*s/%s", dirlen - at, file_name + at, name);
            if (at == dirlen)
                break;
            do
                at++;
            while (at < dirlen && file_name[at] != '/');
        }
    }
    if (fd >= 0 && !(*debuginfo_file_name = fp_mem_strdup(s->path))) {
        close(fd);
        fd = -1;
    }
    fp_mem_free(s);
    return fd;
}

/* ---- uncompressed copies --------------------------------------------- */

/* The total inflated size of the SHF_COMPRESSED sections of `elf`: 0
 * when there are none (or the file is unreadable as ELF). */
static uint64_t compressed_size(Elf *elf)
{
    uint64_t total = 0;

    for (Elf_Scn *scn = NULL; elf && (scn = elf_nextscn(elf, scn));) {
        GElf_Shdr shdr;
        GElf_Chdr chdr;

        if (!gelf_getshdr(scn, &shdr))
            return 0;
        if (!(shdr.sh_flags & SHF_COMPRESSED))
            continue;
        if (!gelf_getchdr(scn, &chdr))
            return 0;
        total += chdr.ch_size;
    }
    return total;
}

static int copy_bytes(int from, int to)
{
    struct stat st;
    off_t at = 0;

    if (fstat(from, &st) != 0)
        return -1;
    while (at < st.st_size) {
        ssize_t n = sendfile(to, from, &at, (size_t)(st.st_size - at));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
    }
    return 0;
}

/* Inflates every compressed section of the ELF file open for reading and
 * writing on `fd`, in place. */
static int inflate_sections(int fd)
{
    Elf *elf = elf_begin(fd, ELF_C_RDWR, NULL);
    int rc = elf ? 0 : -1;

    for (Elf_Scn *scn = NULL; rc == 0 && (scn = elf_nextscn(elf, scn));) {
        GElf_Shdr shdr;

        if (!gelf_getshdr(scn, &shdr))
            rc = -1;
        else if ((shdr.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
            rc = -1;
    }
    if (rc == 0 && elf_update(elf, ELF_C_WRITE) < 0)
        rc = -1;
    elf_end(elf);
    return rc;
}

/* Writes the uncompressed copy of the debug file on `fd` to `path`;
 * `size` is what its sections inflate to. */
static void make_copy(int fd, const char *path, uint64_t size)
{
    char tmp[PATH_MAX];
    struct statvfs vfs;

    if (fp_symcache_make_dir() != 0 || statvfs(fp_symcache_dir(), &vfs) != 0 ||
        (uint64_t)vfs.f_bavail * vfs.f_frsize < size * 2 + MIN_FREE_AFTER ||
        snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)gettid()) >= (int)sizeof(tmp))
        return;
    int out = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (out < 0)
        return;
    if (copy_bytes(fd, out) != 0 || inflate_sections(out) != 0) {
        close(out);
        unlink(tmp);
        return;
    }
    fp_outfile_commit(out, tmp, path);
}

/* The uncompressed copy of `mod`'s debug file open on `fd` (named
 * *name), made if missing, in place of that file: on success `fd` is
 * closed and *name replaced. Otherwise returns `fd` untouched. */
static int uncompressed(Dwfl_Module *mod, int fd, char **name)
{
    const char *dir = fp_symcache_dir();
    char id[2 * BUILD_ID_MAX + 1], path[PATH_MAX];

    if (!dir[0] || !build_id_hex(mod, id) ||
        snprintf(path, sizeof(path), "%s/%s.debug", dir, id) >= (int)sizeof(path))
        return fd;
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    uint64_t size = compressed_size(elf);
    elf_end(elf);
    if (size == 0 || size > MAX_COPY_SIZE)
        return fd;
    int copy = open(path, O_RDONLY | O_CLOEXEC);
    if (copy < 0 && errno == ENOENT) {
        make_copy(fd, path, size);
        copy = open(path, O_RDONLY | O_CLOEXEC);
    }
    char *copy_name = copy >= 0 ? fp_mem_strdup(path) : NULL;
    if (!copy_name || !debug_file_matches(mod, copy, false, 0)) {
        if (copy >= 0)
            close(copy);
        fp_mem_free(copy_name);
        return fd;
    }
    close(fd);
    fp_mem_free(*name);
    *name = copy_name;
    return copy;
}

/* Dwfl_Callbacks.find_debuginfo: the local file, uncompressed if it can
 * be. */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                          const char *file_name, const char *debuglink, GElf_Word crc,
                          char **debuginfo_file_name)
{
    int fd = find_local(mod, userdata, modname, base, file_name, debuglink, crc,
                        debuginfo_file_name);

    return fd >= 0 && !dwz_lookup(debuglink) ? uncompressed(mod, fd, debuginfo_file_name) : fd;
}

static char *debuginfo_path; /* NULL: libdwfl's default, for the build-id path */
static const Dwfl_Callbacks dwfl_callbacks = {
    .find_elf = no_find_elf,
    .find_debuginfo = find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = &debuginfo_path,
};


const Dwfl_Callbacks *fp_debuginfo_callbacks(void)
{
    return &dwfl_callbacks;
}
