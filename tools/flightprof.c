/*
 * flightprof: the command-line front end. Owns the table of subcommands and
 * the usage text; sets up what every subcommand shares (the symbol cache
 * directory, from the same configuration as the library's) and dispatches
 * to one file per subcommand.
 *
 * Signal context: none.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "symcache.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
} commands[] = {
    {"record", cmd_record,
     "record [-o FILE] [--hz N] [--unwind libunwind|fp] [--heap FILE] [--heap-rate N]\n"
     "                   [--mutex FILE] [--block FILE] [--threadcreate FILE]\n"
     "                   [--snapshot PATTERN] -- CMD [ARGS...]"},
    {"snapshot", cmd_snapshot, "snapshot PID [-o FILE] [--timeout SECONDS]"},
    {"ps", cmd_ps, "ps [--all]"},
    {"dump", cmd_dump, "dump FILE"},
    {"convert", cmd_convert, "convert FILE -f chrome|pprof|allocs -o OUT"},
};

static int usage(FILE *out)
{
    fprintf(out, "usage:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  flightprof %s\n", commands[i].usage);
    return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)
        return usage(stdout);
    char symcache_dir[PATH_MAX];
    fp_config_load_symcache(symcache_dir);
    fp_symcache_set_dir(symcache_dir);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "flightprof: unknown command \"%s\"\n", argv[1]);
    return usage(stderr);
}
