/*
 * Outputs written before death by SIGTERM or SIGINT, when the program
 * leaves them at their default disposition.
 */
#ifndef FLIGHTPROF_TERMINATE_H
#define FLIGHTPROF_TERMINATE_H

/*
 * Holds SIGTERM and SIGINT while the program leaves them at the default
 * (death), so that outputs get written before dying. The program sees
 * SIG_DFL; one that installs its own handler (or SIG_IGN) gets the signal
 * at once, and flightprof takes it back if the program restores SIG_DFL
 * (sigview.h). Called once at load when any output is configured.
 */
void fp_terminate_init(void);

#endif
