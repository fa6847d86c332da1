// Names the profile must get right: a static (local) function, a function
// in a dlopen'ed library, C++ templates in a namespace, an inlined helper.
// Usage: cpu_symbols PLUGIN_SO
#include <dlfcn.h>
#include <stdio.h>

#include "burn.h"

namespace geometry {
template <typename T> struct Shape {
    __attribute__((noinline)) T area_work(int units) const
    {
        return static_cast<T>(burn_units(units) & 0xff);
    }
};
} // namespace geometry

static __attribute__((noinline)) void local_static_burner(int units)
{
    burn_units(units);
}

static inline __attribute__((always_inline)) void inlined_helper(int units)
{
    burn_units(units);
}

__attribute__((noinline)) void calls_inlined(int units)
{
    inlined_helper(units);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: cpu_symbols PLUGIN_SO\n");
        return 2;
    }
    void *plugin = dlopen(argv[1], RTLD_NOW);
    if (!plugin) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    auto plugin_hot = reinterpret_cast<void (*)(double)>(dlsym(plugin, "plugin_hot_function"));
    geometry::Shape<double> shape;
    double sum = 0;
    while (process_cpu_seconds() < 2.0) {
        sum += shape.area_work(2);
        local_static_burner(2);
        calls_inlined(2);
    }
    plugin_hot(0.6);
    printf("%g\n", sum > 0 ? 1.0 : 0.0);
    return 0;
}
