/*
 * How a child (worker, health checker, key holder) ended, in words for the
 * log, and how long to wait before starting one like it again.
 */
#ifndef RPXD_CHILD_STATUS_H
#define RPXD_CHILD_STATUS_H

#include <time.h>

/* "exited with status 1", "killed by signal 31 (SIGSYS: a system call
 * outside the sandbox)"; a static buffer, valid until the next call. */
const char	*child_status(int status);

/* No fork storm: a child that ran less than stable seconds counts as one
 * more failure in a row (*failures), and the next start waits 1, 2, 4 ...
 * up to max seconds; a longer run starts the count again. */
unsigned	 child_holdoff(unsigned *failures, time_t ran_for, time_t stable,
		    unsigned max);

#endif
