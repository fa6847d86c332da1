/* A shared library the symbol test dlopens. */
#include "../burn.h"

__attribute__((noinline)) void plugin_hot_function(double seconds)
{
    double until = process_cpu_seconds() + seconds;

    while (process_cpu_seconds() < until)
        burn_units(1);
}
