/*
 * A master for unit suites: a configuration loaded from text, a
 * scoreboard, the worker table and the health board, without processes,
 * so that a suite can fill slots the way workers would and read them
 * back through the master's own code.
 */
#ifndef RPXD_FAKE_MASTER_H
#define RPXD_FAKE_MASTER_H

#include <sys/types.h>
#include <stdint.h>

#include "master.h"

/* Loads conf_text (fails the test on an error); a scoreboard of slots. */
void	fake_master_load(struct master *, const char *conf_text,
	    unsigned slots);
void	fake_master_free(struct master *);
/* Slot i, zeroed and initialised, held by a worker pid of generation gen. */
struct scoreboard_slot *fake_master_worker(struct master *, unsigned i,
	    pid_t pid, uint32_t gen);

#endif
