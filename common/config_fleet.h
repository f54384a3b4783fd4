/*
 * Secrets that every rpxd of a fleet shares, read by the master at each
 * load from the files the configuration names: tls-ticket-key-file (the
 * session-ticket keys, so a client resumes on any instance) and
 * balance-key-file (the key of source balancing and sticky cookies, so
 * every instance picks the same server for a client).
 */
#ifndef RPXD_CONFIG_FLEET_H
#define RPXD_CONFIG_FLEET_H

#include <stddef.h>

#include "config.h"

#define TICKET_FILE_LINE_MAX	256	/* base64 of 80 bytes is 108 */

/* Loads both when configured; -1 with err naming file, line and why. */
int	fleet_keys_load(struct rpxd_conf *c, char *err, size_t errlen);
/* The keys of a ticket key file; -1 with err (also for rpxctl). */
int	ticket_file_read(const char *path, unsigned char
	    keys[][80], unsigned max, unsigned *n, char *err, size_t errlen);

#endif
