/* Burns CPU until killed. */
#include <stdio.h>

#include "burn.h"

__attribute__((noinline)) void burn_until_killed(void)
{
    for (;;)
        burn_units(1);
}

int main(void)
{
    printf("started\n");
    fflush(stdout);
    burn_until_killed();
}
