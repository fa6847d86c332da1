/*
 * The flightprof CLI's subcommands, one file each (tools/cmd_NAME.c),
 * dispatched by flightprof.c. Each returns the process exit status.
 *
 * Signal context: none (declarations only).
 */
#ifndef FLIGHTPROF_COMMANDS_H
#define FLIGHTPROF_COMMANDS_H

int cmd_record(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_convert(int argc, char **argv);

#endif
