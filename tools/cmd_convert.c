/* Placeholder: replaced when the flight recorder's tools land. */
#include <stdio.h>

#include "commands.h"

int cmd_convert(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "flightprof: convert is not available yet\n");
    return 2;
}
