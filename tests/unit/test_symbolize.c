/* The symbolizer and the maps reader against real code: a PIE program's
 * static, inlined and C++ template functions, a dlopen'ed library with and
 * one without debug info (symbolized from another process's maps, as a
 * snapshot is), this test's own code, libc and the vDSO; build-id
 * mismatches; demangling. */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>

#include "symbolize.h"
#include "test_symbol_child.h"

#define MAX_FRAMES 8

static void check_probe(struct fp_symbolizer *sym, const struct probe *p)
{
    struct fp_frame f[MAX_FRAMES];
    int n = fp_symbolize(sym, p->addr, f, MAX_FRAMES);
    int inlined = strcmp(p->caller, "-") != 0;

    fprintf(stderr, "%s: %d frames", p->label, n);
    for (int i = 0; i < n; i++)
        fprintf(stderr, " | %s [%s] %s:%lld (from %lld)", f[i].function, f[i].system_name,
                f[i].file, (long long)f[i].line, (long long)f[i].start_line);
    fprintf(stderr, "\n");
    CHECK(n == 1 + inlined);
    CHECK(strcmp(f[0].function, p->function) == 0);
    if (strcmp(p->file, "-") == 0) {
        CHECK(f[0].file[0] == '\0' && f[0].line == 0 && f[0].start_line == 0);
    } else {
        CHECK(f[0].file[0] == '/' && same_file_name(f[0].file, p->file));
        CHECK(f[0].line == p->line);
        CHECK(f[0].start_line > 0 && f[0].start_line < p->line);
    }
    if (inlined) {
        CHECK(strcmp(f[1].function, p->caller) == 0);
        CHECK(f[1].line == p->call_line);
        CHECK(same_file_name(f[1].file, p->file));
    }
    /* Cached: the same strings again. */
    struct fp_frame again[MAX_FRAMES];
    CHECK(fp_symbolize(sym, p->addr, again, MAX_FRAMES) == n);
    CHECK(again[0].function == f[0].function && again[0].line == f[0].line);
}

static size_t mapping_index(const struct fp_maps *maps, unsigned long addr)
{
    const struct fp_mapping *m = fp_maps_find(maps, addr);

    CHECK(m != NULL);
    return (size_t)(m - maps->v);
}

static void check_child(const struct child *c)
{
    struct fp_symbolizer *sym = fp_symbolizer_new(&c->maps);
    static const char *const labels[] = {"main", "static", "inlined", "template",
                                         "plugin_run", "plugin_static", "nodebug_static"};

    CHECK(sym != NULL);
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        check_probe(sym, child_probe(c, labels[i]));

    struct fp_frame f[MAX_FRAMES];
    CHECK(fp_symbolize(sym, child_probe(c, "template")->addr, f, MAX_FRAMES) == 1);
    CHECK(strncmp(f[0].system_name, "_ZNK3geo3BoxIdE6volumeEd", 24) == 0);
    CHECK(fp_symbolize(sym, child_probe(c, "plugin_run")->addr, f, MAX_FRAMES) == 1);
    CHECK(strcmp(f[0].system_name, "sym_plugin_run") == 0);
    CHECK(fp_symbolize(sym, 16, f, MAX_FRAMES) == 0);

    struct fp_mapping_symbols exe =
        fp_symbolizer_mapping(sym, mapping_index(&c->maps, child_probe(c, "main")->addr));
    CHECK(exe.has_functions && exe.has_filenames && exe.has_line_numbers && exe.has_inline_frames);
    struct fp_mapping_symbols nodebug =
        fp_symbolizer_mapping(sym, mapping_index(&c->maps, child_probe(c, "nodebug_static")->addr));
    CHECK(nodebug.has_functions && !nodebug.has_filenames && !nodebug.has_line_numbers &&
          !nodebug.has_inline_frames);
    fp_symbolizer_free(sym);
}

/* Runs `sym` over every probe of the program with stderr captured;
 * returns how many lines were logged. */
static int count_logged_lines(struct fp_symbolizer *sym, const struct child *c, int *frames)
{
    char path[] = "/tmp/fp-test-symbolize-XXXXXX", buf[4096];
    int fd = mkstemp(path), saved = dup(2), lines = 0;
    struct fp_frame f[MAX_FRAMES];

    CHECK(fd >= 0 && saved >= 0);
    unlink(path);
    dup2(fd, 2);
    *frames = 0;
    for (int i = 0; i < c->nprobes; i++)
        if (strstr(c->probes[i].file, "sym_targets"))
            *frames += fp_symbolize(sym, c->probes[i].addr, f, MAX_FRAMES);
    dup2(saved, 2);
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    fprintf(stderr, "logged: %s", buf);
    for (char *s = buf; (s = strstr(s, "flightprof: ")); s++)
        lines++;
    close(fd);
    close(saved);
    return lines;
}

static void check_build_id_mismatch(const struct child *c)
{
    struct fp_maps maps = {0};
    const char *exe_path = fp_maps_find(&c->maps, child_probe(c, "main")->addr)->path;
    int frames;

    for (size_t i = 0; i < c->maps.n; i++) {
        const struct fp_mapping *m = &c->maps.v[i];
        int is_exe = strcmp(m->path, exe_path) == 0;
        CHECK(strlen(m->build_id) == 40 || strcmp(m->path, "[vdso]") == 0 || !is_exe);
        CHECK(fp_maps_add(&maps, m->start, m->limit, m->offset, m->path,
                          is_exe ? "0123456789abcdef0123456789abcdef01234567" : m->build_id) == 0);
    }
    struct fp_symbolizer *sym = fp_symbolizer_new(&maps);
    CHECK(count_logged_lines(sym, c, &frames) == 1);
    CHECK(frames == 0);
    struct fp_mapping_symbols flags =
        fp_symbolizer_mapping(sym, mapping_index(&maps, child_probe(c, "main")->addr));
    CHECK(!flags.has_functions && !flags.has_filenames);
    /* The other mappings are still symbolized. */
    struct fp_frame f[MAX_FRAMES];
    CHECK(fp_symbolize(sym, child_probe(c, "plugin_static")->addr, f, MAX_FRAMES) == 1);
    fp_symbolizer_free(sym);
    fp_maps_free(&maps);
}

static __attribute__((noinline)) int own_function(int x)
{
    return x * 3 + 1;
}

static void check_self(void)
{
    struct fp_maps maps;
    struct fp_frame f[MAX_FRAMES];

    CHECK(fp_maps_read_self(&maps) == 0);
    for (size_t i = 1; i < maps.n; i++)
        CHECK(maps.v[i - 1].start < maps.v[i].start);
    struct fp_symbolizer *sym = fp_symbolizer_new(&maps);
    CHECK(sym != NULL);

    CHECK(fp_symbolize(sym, (uintptr_t)own_function, f, MAX_FRAMES) == 1);
    CHECK(strcmp(f[0].function, "own_function") == 0);
    CHECK(same_file_name(f[0].file, __FILE__) && f[0].start_line > 0);

    uintptr_t libc_fn = (uintptr_t)dlsym(RTLD_DEFAULT, "getpid");
    CHECK(libc_fn && fp_symbolize(sym, libc_fn, f, MAX_FRAMES) >= 1);
    fprintf(stderr, "getpid: %s\n", f[0].function);
    CHECK(strstr(f[0].function, "getpid") != NULL);

    void *vdso = dlopen("linux-vdso.so.1", RTLD_LAZY | RTLD_NOLOAD);
    uintptr_t vdso_fn = vdso ? (uintptr_t)dlsym(vdso, "__vdso_clock_gettime") : 0;
    if (vdso_fn) {
        const struct fp_mapping *m = fp_maps_find(&maps, vdso_fn);
        CHECK(m && strcmp(m->path, "[vdso]") == 0 && m->build_id[0]);
        CHECK(fp_symbolize(sym, vdso_fn, f, MAX_FRAMES) >= 1);
        fprintf(stderr, "vdso: %s\n", f[0].function);
        CHECK(strstr(f[0].function, "clock_gettime") != NULL);
    }
    fp_symbolizer_free(sym);
    fp_maps_free(&maps);
}

static void check_maps_add(void)
{
    struct fp_maps maps = {0};

    CHECK(fp_maps_add(&maps, 0x3000, 0x4000, 0, "/c", "cc") == 0);
    CHECK(fp_maps_add(&maps, 0x1000, 0x2000, 0x1000, "/a", NULL) == 0);
    CHECK(fp_maps_add(&maps, 0x2000, 0x3000, 0, "/b", "bb") == 0);
    CHECK(maps.n == 3 && strcmp(maps.v[0].path, "/a") == 0 && strcmp(maps.v[2].path, "/c") == 0);
    CHECK(strcmp(maps.v[0].build_id, "") == 0);
    CHECK(fp_maps_find(&maps, 0xfff) == NULL);
    CHECK(fp_maps_find(&maps, 0x1000) == &maps.v[0]);
    CHECK(fp_maps_find(&maps, 0x2fff) == &maps.v[1]);
    CHECK(fp_maps_find(&maps, 0x4000) == NULL);
    fp_maps_free(&maps);
}

static void check_demangle(void)
{
    char *s = fp_demangle("_ZNK3geo3BoxIdE6volumeEd");

    CHECK(s && strcmp(s, "geo::Box<double>::volume(double) const") == 0);
    free(s);
    CHECK(fp_demangle("main") == NULL);
    CHECK(fp_demangle("_Zgarbage") == NULL);
}

int main(void)
{
    struct child c;

    check_maps_add();
    check_demangle();
    check_self();
    child_run(&c, NULL);
    check_child(&c);
    check_build_id_mismatch(&c);
    fp_maps_free(&c.maps);
    return 0;
}
