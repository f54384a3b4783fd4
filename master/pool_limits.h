/*
 * What master/limits.c (the per-address counts, the address board, the
 * refusals) and master/pressure.c (pressure mode) share: the census of
 * the pool that one pass over the scoreboard makes every pool tick.
 */
#ifndef RPXD_POOL_LIMITS_H
#define RPXD_POOL_LIMITS_H

#include <stdint.h>

#include "addrboard.h"
#include "master.h"

/* A worker of the running generation idle between two requests of a
 * keep-alive connection, as its slot says. */
struct idle_wait {
	unsigned	 iw_slot;
	uint32_t	 iw_seq;
	int64_t		 iw_since;	/* now_ms() */
};

/* A busy worker's connection with a client key, as its slot says. */
struct keyed_conn {
	unsigned	 kc_slot;
	struct addr_key	 kc_key;
	int64_t		 kc_accepted;	/* now_ms() */
	uint32_t	 kc_wait;	/* SL_WAIT_* */
	uint32_t	 kc_seq;
};

struct census {
	unsigned		 ce_total;	/* workers of the generation */
	unsigned		 ce_idle;	/* idle or starting */
	unsigned		 ce_busy;
	unsigned		 ce_nwaits;
	struct idle_wait	*ce_waits;	/* RPXD_MAX_WORKERS of room */
	unsigned		 ce_nconns;
	struct keyed_conn	*ce_conns;	/* RPXD_MAX_WORKERS of room */
	uint32_t		 ce_most;	/* the largest count of one key */
};

/* limits.c: count every live worker's client key into t and fill c. */
void	 limits_census(struct master *m, struct addr_table *t,
	    struct census *c);
/* Ask the worker in slot to close its wait seq (IPC_CLOSE_WAIT), once:
 * 0 if asked now, -1 if asked already or it could not be sent. */
int	 limits_ask_close(struct master *m, unsigned slot, uint32_t seq,
	    enum limit_reason reason, uint32_t held);
int	 limits_was_asked(const struct master *m, unsigned slot, uint32_t seq);
/* The connections refused or closed for reason so far (metrics). */
unsigned long long limits_refused(enum limit_reason reason);

/* pressure.c */
void	 pressure_tick(struct master *m, const struct census *c);
int	 pressure_active(void);
void	 pressure_note(enum limit_reason reason);

#endif
