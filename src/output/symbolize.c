/*
 * Symbolization with libdwfl: one Dwfl session per symbolizer, each mapping
 * reported lazily as an ELF module at its load bias, answers cached per
 * address. Owns the session, its interned strings and the cache (separate
 * debug files are found by debuginfo.c); one thread at a time uses a
 * symbolizer.
 *
 * Signal context: none.
 */
#include "symbolize.h"

#include <dlfcn.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "array.h"
#include "debuginfo.h"
#include "hash.h"
#include "hashidx.h"
#include "log.h"
#include "mem.h"
#include "outfile.h"
#include "strtab.h"
#include "symcache.h"

#define VDSO_NAME "[vdso]"
#define PAGE_BITS 12 /* mappings start on (at least) 4 KiB boundaries */

/* MODULE_NONE: this mapping cannot be symbolized; MODULE_BAD_FILE: no
 * mapping of its file can (unreadable, or not the file profiled). */
enum module_state { MODULE_UNTRIED, MODULE_READY, MODULE_NONE, MODULE_BAD_FILE };

/* A function symbol from .symtab/.dynsym; `name` belongs to libdwfl. */
struct symbol {
    uint64_t start, size;
    const char *name;
    int rank; /* binding: global over weak over local, for aliases */
};

struct module { /* one per mapping */
    enum module_state state;
    Dwfl_Module *dwfl_module;
    GElf_Addr bias;
    struct fp_symcache *symcache; /* NULL when not caching */
    bool owns_symcache;           /* false in a file's other mappings */
    struct fp_mapping_symbols found;
    /* Sorted by start, loaded on first use: dwfl_module_addrinfo scans
     * every symbol on each call. */
    struct symbol *symbols;
    size_t nsymbols;
    bool symbols_loaded;
};

/* A frame as cached: strings are indices into `strings`. */
struct stored_frame {
    int64_t function, system_name, file;
    int64_t start_line, line;
};

struct cached_addr {
    uint64_t addr;
    uint32_t first, n; /* frames[first, first + n) */
};

struct fp_symbolizer {
    const struct fp_maps *maps;
    Dwfl *dwfl;
    struct module *modules;
    struct fp_strtab strings;
    struct stored_frame *frames;
    size_t nframes, frames_cap;
    struct cached_addr *cache;
    size_t ncache, cache_cap;
    struct fp_hashidx cache_index;
};

/* ---- C++ names -------------------------------------------------------- */

typedef char *(*cxa_demangle_fn)(const char *, char *, size_t *, int *);
static cxa_demangle_fn cxa_demangle; /* set once by find_demangler */
static pthread_once_t demangler_once = PTHREAD_ONCE_INIT;

/* libstdc++ is not linked (C programs should not load it at start-up); a
 * C++ program already has it, and a C one loads it only when a mangled
 * name turns up. */
static void find_demangler(void)
{
    void *fn = dlsym(RTLD_DEFAULT, "__cxa_demangle");

    if (!fn) {
        void *lib = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
        fn = lib ? dlsym(lib, "__cxa_demangle") : NULL;
    }
    cxa_demangle = (cxa_demangle_fn)fn;
}

char *fp_demangle(const char *name)
{
    int status = -1;

    if (strncmp(name, "_Z", 2) != 0)
        return NULL;
    pthread_once(&demangler_once, find_demangler);
    char *out = cxa_demangle ? cxa_demangle(name, NULL, NULL, &status) : NULL;
    if (status != 0) {
        fp_mem_free(out);
        return NULL;
    }
    return out;
}

static size_t strip_qualifiers(const char *name, size_t end)
{
    static const char *const quals[] = {" const", " volatile", " &&", " &"};

    for (size_t i = 0; i < sizeof(quals) / sizeof(quals[0]); i++) {
        size_t n = strlen(quals[i]);
        if (end >= n && memcmp(name + end - n, quals[i], n) == 0)
            return strip_qualifiers(name, end - n);
    }
    return end;
}

/* Cuts the parameter list and the qualifiers after it from a demangled
 * name, in place, keeping a " [clone .x]" suffix: pprof's own demangler
 * shows C++ names this way by default, and `-list area_work` or
 * `-focus 'ns::f$'` are what users type. */
static void drop_parameters(char *name)
{
    char *clone = strstr(name, " [clone ");
    size_t tail = clone ? (size_t)(clone - name) : strlen(name);
    size_t end = strip_qualifiers(name, tail);
    int depth = 0;

    if (end == 0 || name[end - 1] != ')')
        return;
    for (size_t i = end; i-- > 0;) {
        depth += name[i] == ')';
        if (name[i] == '(' && --depth == 0) {
            memmove(name + i, name + tail, strlen(name + tail) + 1);
            return;
        }
    }
}

/* ---- strings and frames ----------------------------------------------- */

static int64_t intern(struct fp_symbolizer *sym, const char *s)
{
    return fp_strtab_intern(&sym->strings, s ? s : "");
}

/* DWARF file names are absolute or relative to the CU's directory. */
static int64_t intern_path(struct fp_symbolizer *sym, Dwarf_Die *cu, const char *file)
{
    Dwarf_Attribute attr;
    const char *dir = cu ? dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr)) : NULL;
    char path[PATH_MAX];

    if (!file || file[0] == '/' || !dir)
        return intern(sym, file);
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    return intern(sym, path);
}

/* Appends a frame as it will be shown; returns 0 or -1. */
static int store_frame(struct fp_symbolizer *sym, const char *function, const char *system,
                       int64_t file, int64_t start_line, int64_t line)
{
    if (fp_array_reserve(&sym->frames, &sym->frames_cap, sym->nframes + 1,
                         sizeof(*sym->frames)) != 0)
        return -1;
    struct stored_frame *f = &sym->frames[sym->nframes];
    f->function = intern(sym, function);
    f->system_name = intern(sym, system);
    f->file = file;
    f->start_line = start_line;
    f->line = line;
    if (f->function < 0 || f->system_name < 0 || f->file < 0)
        return -1;
    sym->nframes++;
    return 0;
}

static struct fp_frame frame_at(const struct fp_symbolizer *sym, size_t index)
{
    const struct stored_frame *f = &sym->frames[index];

    return (struct fp_frame){
        .function = fp_strtab_get(&sym->strings, f->function),
        .system_name = fp_strtab_get(&sym->strings, f->system_name),
        .file = fp_strtab_get(&sym->strings, f->file),
        .start_line = f->start_line,
        .line = f->line,
    };
}

/* Appends a frame for a function known by its linkage name `system` (may
 * be NULL) and source name `name` (may be NULL); returns 0 or -1. */
static int add_frame(struct fp_symbolizer *sym, const char *system, const char *name,
                     int64_t file, int64_t start_line, int64_t line)
{
    char *demangled = system ? fp_demangle(system) : NULL;

    if (demangled)
        drop_parameters(demangled);
    const char *shown = demangled ? demangled : name ? name : system;
    int rc = store_frame(sym, shown, system ? system : shown, file, start_line, line);
    fp_mem_free(demangled);
    return rc;
}

/* ---- DWARF ------------------------------------------------------------ */

static const char *symtab_name(struct module *mod, uint64_t addr);

static void die_names(Dwarf_Die *die, const char **system, const char **name)
{
    Dwarf_Attribute attr;

    *system = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
    if (!*system)
        *system = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
    *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &attr));
}

/* Where the inlined subroutine `die` was called from. */
static void call_site(Dwarf_Die *cu, Dwarf_Die *die, const char **file, int *line)
{
    Dwarf_Attribute attr;
    Dwarf_Word index = 0, call_line = 0;
    Dwarf_Files *files;
    size_t nfiles;

    *file = NULL;
    if (dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &index) == 0 &&
        dwarf_getsrcfiles(cu, &files, &nfiles) == 0 && index < nfiles)
        *file = dwarf_filesrc(files, index, NULL, NULL);
    dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &call_line);
    *line = (int)call_line;
}

/*
 * The DIEs that contain `dwarf_addr`, innermost first, as nested in the
 * code: dwarf_getscopes continues from an inlined subroutine into its
 * abstract definition, so the chain is rebuilt from the innermost DIE's
 * parents, which are the inlined subroutines and the function they are
 * inlined into. Returns the number of DIEs in *scopes (malloc'd).
 */
static int code_scopes(Dwarf_Die *cu, Dwarf_Addr dwarf_addr, Dwarf_Die **scopes)
{
    Dwarf_Die *found = NULL;
    int n = dwarf_getscopes(cu, dwarf_addr, &found);

    *scopes = NULL;
    if (n > 0)
        n = dwarf_getscopes_die(&found[0], scopes);
    fp_mem_free(found);
    return n;
}

/*
 * Adds the source-level frames at `addr` from the DWARF scopes around it:
 * each inlined subroutine, innermost first, then the enclosing function.
 * `file`/`line` come from the line table; each outer frame's position is
 * its callee's call site. Returns the number of frames, or -1.
 */
static int add_dwarf_frames(struct fp_symbolizer *sym, struct module *mod, Dwarf_Die *cu,
                            uint64_t addr, Dwarf_Addr dwarf_addr, const char *file, int line)
{
    Dwarf_Die *scopes;
    int nscopes = code_scopes(cu, dwarf_addr, &scopes);
    int added = 0;

    for (int i = 0; i < nscopes; i++) {
        int tag = dwarf_tag(&scopes[i]);
        if (tag != DW_TAG_subprogram && tag != DW_TAG_inlined_subroutine)
            continue;
        const char *system, *name;
        int start_line = 0;
        die_names(&scopes[i], &system, &name);
        if (!system && !name)
            system = symtab_name(mod, addr);
        if (!system && !name)
            continue; /* an anonymous scope: its code shows in its caller */
        dwarf_decl_line(&scopes[i], &start_line);
        /* The function's file is where it is defined; the line table's
         * file is the fallback for functions without one. */
        const char *decl_file = dwarf_decl_file(&scopes[i]);
        int64_t function_file = intern_path(sym, cu, decl_file ? decl_file : file);
        if (add_frame(sym, system, name, function_file, start_line, line) != 0) {
            added = -1;
            break;
        }
        added++;
        if (tag == DW_TAG_subprogram)
            break;
        call_site(cu, &scopes[i], &file, &line);
    }
    fp_mem_free(scopes);
    return added;
}

/* ---- modules ---------------------------------------------------------- */

/* This process's vDSO as a file libdwfl can read. */
static int vdso_file(void)
{
    size_t size;
    const void *image = fp_maps_vdso_image(&size);
    int fd = image ? memfd_create("flightprof-vdso", MFD_CLOEXEC) : -1;

    if (fd >= 0 && fp_outfile_write_all(fd, image, size) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int open_image(const struct fp_mapping *m)
{
    if (strcmp(m->path, VDSO_NAME) == 0)
        return vdso_file();
    return m->path[0] == '/' ? open(m->path, O_RDONLY | O_CLOEXEC) : -1;
}

/*
 * The load bias of the ELF file mapped by `m`, from the executable PT_LOAD
 * segment that holds the mapping's file offset: that segment's first byte
 * is at bias + p_vaddr, and the mapping starts at the page holding it.
 */
static int load_bias(Elf *elf, const struct fp_mapping *m, GElf_Addr *bias)
{
    size_t nphdr;

    if (elf_getphdrnum(elf, &nphdr) != 0)
        return -1;
    for (size_t i = 0; i < nphdr; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
            continue;
        uint64_t first_page = ph.p_offset >> PAGE_BITS << PAGE_BITS;
        if (m->offset >= first_page && m->offset < ph.p_offset + ph.p_filesz) {
            *bias = m->start - m->offset + ph.p_offset - ph.p_vaddr;
            return 0;
        }
    }
    return -1;
}

/* Checks that the file is the one profiled (else -2) and finds its bias
 * (else -1). */
static int check_image(int fd, const struct fp_mapping *m, GElf_Addr *bias)
{
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    char *build_id = fp_maps_elf_build_id(elf);
    int rc = -2;

    if (!elf || !build_id)
        goto out;
    if (m->build_id[0] && build_id[0] && strcmp(m->build_id, build_id) != 0)
        fp_log("%s has build-id %s, not %s as when profiled: its addresses are left unsymbolized",
               m->path, build_id, m->build_id);
    else
        rc = load_bias(elf, m, bias);
out:
    fp_mem_free(build_id);
    elf_end(elf);
    return rc;
}

/* Makes `mod` a view of `other`'s module (same file, same bias). */
static void share_module(struct module *mod, const struct module *other)
{
    mod->state = MODULE_READY;
    mod->dwfl_module = other->dwfl_module;
    mod->bias = other->bias;
    mod->symcache = other->symcache;
}

/*
 * Mappings of one file at one bias (its executable segments, or one
 * segment split by mprotect) share a module; a copy of a file's code
 * mapped at another address (Node maps V8's builtins a second time) gets
 * a module of its own at its own bias. Mappings are loaded in whatever
 * order samples need them, so every other mapping of the file is looked
 * at, not only earlier ones: libdwfl frees a module that is reported
 * again with the same range from another descriptor, and the mapping that
 * had reported it first was left with a dangling module.
 */
static void load_module(struct fp_symbolizer *sym, size_t index)
{
    const struct fp_mapping *m = &sym->maps->v[index];
    struct module *mod = &sym->modules[index];
    const struct module *same_file = NULL;
    GElf_Addr bias;

    mod->state = MODULE_NONE;
    for (size_t i = 0; i < sym->maps->n; i++) {
        const struct module *other = &sym->modules[i];
        if (i == index || other->state == MODULE_UNTRIED || strcmp(sym->maps->v[i].path, m->path) != 0)
            continue;
        if (other->state == MODULE_BAD_FILE) {
            mod->state = MODULE_BAD_FILE; /* and it has been reported */
            return;
        }
        if (other->state != MODULE_READY)
            continue;
        same_file = other;
        GElf_Addr elf_bias;
        Elf *elf = dwfl_module_getelf(other->dwfl_module, &elf_bias);
        if (elf && load_bias(elf, m, &bias) == 0 && bias == other->bias) {
            share_module(mod, other);
            return;
        }
    }
    int fd = open_image(m);
    if (fd < 0) {
        mod->state = MODULE_BAD_FILE;
        return;
    }
    int rc = check_image(fd, m, &bias);
    if (rc != 0) {
        if (rc == -2)
            mod->state = MODULE_BAD_FILE;
        close(fd);
        return;
    }
    dwfl_report_begin_add(sym->dwfl);
    mod->dwfl_module = dwfl_report_elf(sym->dwfl, m->path, m->path, fd, bias, true);
    dwfl_report_end(sym->dwfl, NULL, NULL);
    if (!mod->dwfl_module) {
        close(fd); /* libdwfl owns it only on success */
        return;
    }
    mod->state = MODULE_READY;
    mod->bias = bias;
    /* The cache is keyed by file address, the same at every bias. */
    mod->symcache = same_file ? same_file->symcache : fp_symcache_open(m->build_id);
    mod->owns_symcache = !same_file;
}

/* ---- symbolizing ------------------------------------------------------ */

static int symbol_order(const void *a, const void *b)
{
    const struct symbol *x = a, *y = b;

    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->rank - y->rank;
}

static int binding_rank(const GElf_Sym *s)
{
    switch (GELF_ST_BIND(s->st_info)) {
    case STB_GLOBAL:
        return 2;
    case STB_WEAK:
        return 1;
    default:
        return 0;
    }
}

static void load_symbols(struct module *mod)
{
    Dwfl_Module *dm = mod->dwfl_module;
    int n = dwfl_module_getsymtab(dm);

    mod->symbols_loaded = true;
    if (n <= 0 || !(mod->symbols = fp_mem_calloc((size_t)n, sizeof(*mod->symbols))))
        return;
    for (int i = 1; i < n; i++) {
        GElf_Sym s;
        GElf_Addr addr;
        const char *name = dwfl_module_getsym_info(dm, i, &s, &addr, NULL, NULL, NULL);
        int type = GELF_ST_TYPE(s.st_info);
        if (!name || !name[0] || s.st_shndx == SHN_UNDEF ||
            (type != STT_FUNC && type != STT_GNU_IFUNC))
            continue;
        mod->symbols[mod->nsymbols++] = (struct symbol){addr, s.st_size, name, binding_rank(&s)};
    }
    qsort(mod->symbols, mod->nsymbols, sizeof(*mod->symbols), symbol_order);
}

/* The name of the function symbol containing `addr` (the nearest one
 * before it when its size is unknown), or NULL. */
static const char *symtab_name(struct module *mod, uint64_t addr)
{
    size_t lo = 0, hi;

    if (!mod->symbols_loaded)
        load_symbols(mod);
    hi = mod->nsymbols;
    while (lo < hi) { /* first symbol starting after addr */
        size_t mid = lo + (hi - lo) / 2;
        if (mod->symbols[mid].start <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct symbol *s = &mod->symbols[lo - 1];
    return s->size == 0 || addr < s->start + s->size ? s->name : NULL;
}

/* Adds the frames of `addr` in module `mod` from DWARF or the symbol
 * table; returns how many, or -1. *flags gets FP_SYMCACHE_DWARF when
 * DWARF was consulted. */
static int add_frames(struct fp_symbolizer *sym, struct module *mod, uint64_t addr, unsigned *flags)
{
    Dwfl_Module *dm = mod->dwfl_module;
    Dwfl_Line *dl = dwfl_module_getsrc(dm, addr);
    int line = 0;
    const char *file = dl ? dwfl_lineinfo(dl, NULL, &line, NULL, NULL, NULL) : NULL;
    Dwarf_Addr dwarf_bias;
    Dwarf_Die *cu = dwfl_module_addrdie(dm, addr, &dwarf_bias);
    int n = cu ? add_dwarf_frames(sym, mod, cu, addr, addr - dwarf_bias, file, line) : 0;
    const char *name = n == 0 ? symtab_name(mod, addr) : NULL;

    *flags = cu ? FP_SYMCACHE_DWARF : 0;
    if (name) {
        /* No DWARF function here: the symbol table's name, and the line
         * table's position if there is one. */
        int64_t f = intern_path(sym, cu, file);
        n = add_frame(sym, name, NULL, f, 0, line) == 0 ? 1 : -1;
    }
    return n;
}

/* Appends frames[0..n) (from the symbol cache); returns n or -1. */
static int store_frames(struct fp_symbolizer *sym, const struct fp_frame *frames, int n)
{
    for (int i = 0; i < n; i++)
        if (store_frame(sym, frames[i].function, frames[i].system_name, intern(sym, frames[i].file),
                        frames[i].start_line, frames[i].line) != 0)
            return -1;
    return n;
}

/* Hands the last n frames to the symbol cache as `offset`'s. */
static void cache_frames(struct fp_symbolizer *sym, struct module *mod, uint64_t offset, int n,
                         unsigned flags)
{
    struct fp_frame frames[FP_SYMCACHE_MAX_FRAMES];

    if (n > FP_SYMCACHE_MAX_FRAMES)
        return;
    for (int i = 0; i < n; i++)
        frames[i] = frame_at(sym, sym->nframes - (size_t)n + (size_t)i);
    fp_symcache_put(mod->symcache, offset, frames, n, flags);
}

/* Adds the frames of `addr` in module `mod`, from the symbol cache when
 * it has them; returns how many, or -1. */
static int module_frames(struct fp_symbolizer *sym, struct module *mod, uint64_t addr)
{
    struct fp_frame cached[FP_SYMCACHE_MAX_FRAMES];
    uint64_t offset = addr - mod->bias;
    unsigned flags = 0;
    int n = mod->symcache ? fp_symcache_get(mod->symcache, offset, cached,
                                            FP_SYMCACHE_MAX_FRAMES, &flags) : -1;

    if (n >= 0) {
        n = store_frames(sym, cached, n);
    } else {
        n = add_frames(sym, mod, addr, &flags);
        if (n >= 0 && mod->symcache)
            cache_frames(sym, mod, offset, n, flags);
    }
    if (n > 0) {
        const struct stored_frame *inner = &sym->frames[sym->nframes - (size_t)n];
        mod->found.has_functions = true;
        mod->found.has_filenames |= inner->file != 0;
        mod->found.has_line_numbers |= inner->line != 0;
        mod->found.has_inline_frames |= (flags & FP_SYMCACHE_DWARF) != 0;
    }
    return n;
}

static bool cached_eq(const void *ctx, uint32_t entry, const void *key)
{
    const struct fp_symbolizer *sym = ctx;

    return sym->cache[entry].addr == *(const uint64_t *)key;
}

/* The cache entry of `addr`, symbolizing it on first use; NULL when out
 * of memory. */
static const struct cached_addr *lookup(struct fp_symbolizer *sym, uint64_t addr)
{
    uint64_t hash = fp_hash_u64(addr);
    uint32_t found = fp_hashidx_find(&sym->cache_index, hash, cached_eq, sym, &addr);

    if (found != FP_HASHIDX_NONE)
        return &sym->cache[found];
    if (fp_array_reserve(&sym->cache, &sym->cache_cap, sym->ncache + 1, sizeof(*sym->cache)) != 0)
        return NULL;
    struct cached_addr *c = &sym->cache[sym->ncache];
    const struct fp_mapping *m = fp_maps_find(sym->maps, addr);
    int n = 0;
    c->addr = addr;
    c->first = (uint32_t)sym->nframes;
    if (m) {
        struct module *mod = &sym->modules[m - sym->maps->v];
        if (mod->state == MODULE_UNTRIED)
            load_module(sym, (size_t)(m - sym->maps->v));
        if (mod->state == MODULE_READY)
            n = module_frames(sym, mod, addr);
    }
    if (n < 0) {
        sym->nframes = c->first;
        return NULL;
    }
    c->n = (uint32_t)n;
    if (fp_hashidx_add(&sym->cache_index, hash, (uint32_t)sym->ncache) != 0)
        return NULL;
    sym->ncache++;
    return c;
}

int fp_symbolize(struct fp_symbolizer *sym, uint64_t addr, struct fp_frame *frames, int max)
{
    const struct cached_addr *c = lookup(sym, addr);
    int n = c ? (int)c->n : 0;

    if (n > max)
        n = max;
    for (int i = 0; i < n; i++)
        frames[i] = frame_at(sym, c->first + (size_t)i);
    return n;
}

struct fp_mapping_symbols fp_symbolizer_mapping(struct fp_symbolizer *sym, size_t index)
{
    return sym->modules[index].found;
}

struct fp_symbolizer *fp_symbolizer_new(const struct fp_maps *maps)
{
    struct fp_symbolizer *sym = fp_mem_calloc(1, sizeof(*sym));

    if (!sym)
        return NULL;
    sym->maps = maps;
    sym->modules = fp_mem_calloc(maps->n ? maps->n : 1, sizeof(*sym->modules));
    sym->dwfl = dwfl_begin(fp_debuginfo_callbacks());
    /* String 0 is "", so a zero index means "no file". */
    if (!sym->modules || !sym->dwfl || intern(sym, "") != 0) {
        fp_symbolizer_free(sym);
        return NULL;
    }
    return sym;
}

void fp_symbolizer_free(struct fp_symbolizer *sym)
{
    if (!sym)
        return;
    if (sym->dwfl)
        dwfl_end(sym->dwfl);
    for (size_t i = 0; sym->modules && i < sym->maps->n; i++) {
        fp_mem_free(sym->modules[i].symbols);
        if (sym->modules[i].owns_symcache)
            fp_symcache_close(sym->modules[i].symcache);
    }
    fp_mem_free(sym->modules);
    fp_strtab_free(&sym->strings);
    fp_mem_free(sym->frames);
    fp_mem_free(sym->cache);
    fp_hashidx_free(&sym->cache_index);
    fp_mem_free(sym);
}
