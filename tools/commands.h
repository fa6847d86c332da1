/* The flightprof CLI's subcommands, one file each (tools/cmd_NAME.c).
 * Each returns the process exit status. */
#ifndef FLIGHTPROF_COMMANDS_H
#define FLIGHTPROF_COMMANDS_H

int cmd_record(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_convert(int argc, char **argv);

#endif
