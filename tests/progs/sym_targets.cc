// Code whose symbolization is known, for the symbolizer and pprof tests:
// each probe prints one line
//   LABEL ADDRESS FUNCTION FILE LINE CALLER CALL_LINE
// where ADDRESS is the location address of the probe's call site (return
// address - 1), FUNCTION/FILE/LINE what it must symbolize to, and
// CALLER/CALL_LINE the function an inlined FUNCTION was inlined into and
// the line of that call ("-" and 0 when not inlined). Then "ready", and
// the program waits for stdin to close so its maps can be read.
// Usage: sym_targets SYM_PLUGIN SYM_NODEBUG
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

typedef void (*probe_fn)(const char *, const char *, const char *, int, const char *, int);

static volatile int sink;

extern "C" __attribute__((noinline)) void sym_probe(const char *label, const char *function,
                                                    const char *file, int line,
                                                    const char *caller, int call_line)
{
    uintptr_t addr = (uintptr_t)__builtin_return_address(0) - 1;

    printf("%s %#lx %s %s %d %s %d\n", label, (unsigned long)addr, function, file, line, caller,
           call_line);
    sink = sink + 1;
}

static __attribute__((noinline)) void local_static()
{
    sym_probe("static", "local_static", __FILE__, __LINE__, "-", 0);
    sink = sink + 1;
}

static inline __attribute__((always_inline)) void inlined_leaf(int call_line)
{
    sym_probe("inlined", "inlined_leaf", __FILE__, __LINE__, "calls_inline", call_line);
    sink = sink + 1;
}

__attribute__((noinline)) void calls_inline()
{
    inlined_leaf(__LINE__);
    sink = sink + 1;
}

namespace geo {
template <typename T> struct Box {
    __attribute__((noinline)) T volume(T side) const
    {
        sym_probe("template", "geo::Box<double>::volume", __FILE__, __LINE__, "-", 0);
        sink = sink + 1;
        return side * side * side;
    }
};
} // namespace geo

static int run_plugin(const char *path, const char *entry)
{
    void *lib = dlopen(path, RTLD_NOW);
    if (!lib) {
        fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
        return -1;
    }
    auto run = reinterpret_cast<void (*)(probe_fn)>(dlsym(lib, entry));
    if (!run) {
        fprintf(stderr, "dlsym %s: %s\n", entry, dlerror());
        return -1;
    }
    run(sym_probe);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: sym_targets SYM_PLUGIN SYM_NODEBUG\n");
        return 2;
    }
    sym_probe("main", "main", __FILE__, __LINE__, "-", 0);
    local_static();
    calls_inline();
    geo::Box<double> box;
    sink = sink + (int)box.volume(2.0);
    if (run_plugin(argv[1], "sym_plugin_run") != 0 || run_plugin(argv[2], "sym_nodebug_run") != 0)
        return 1;
    printf("ready\n");
    fflush(stdout);
    while (getchar() != EOF)
        ;
    return 0;
}
