/*
 * How a child (worker or health checker) ended, in words for the log.
 */
#ifndef RPXD_CHILD_STATUS_H
#define RPXD_CHILD_STATUS_H

/* "exited with status 1", "killed by signal 31 (SIGSYS: a system call
 * outside the sandbox)"; a static buffer, valid until the next call. */
const char	*child_status(int status);

#endif
