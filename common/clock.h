/*
 * The one clock for deadlines and for the health board's hold-offs: every
 * process (master, workers, health checker, key holders) reads the same
 * monotonic milliseconds, so their times compare.
 */
#ifndef RPXD_CLOCK_H
#define RPXD_CLOCK_H

#include <stdint.h>

int64_t	now_ms(void);	/* CLOCK_MONOTONIC, in milliseconds */

#endif
