/*
 * The bookkeeping of the idle backend connections a worker keeps between
 * client connections (backend_idle.c): which are kept, which one a
 * request gets, which are pushed out by the cap and which have been idle
 * too long. No I/O here: the caller checks, uses and closes the
 * connections; the unit tests drive it with made-up descriptors.
 */
#ifndef RPXD_IDLE_CACHE_H
#define RPXD_IDLE_CACHE_H

#include <stdint.h>

#include "config.h"

#define IDLE_CACHE_MAX	RPXD_MAX_IDLE_CONNS

/* A kept connection: the descriptor and SSL object (NULL: plain) as the
 * worker left them, and what it may be used for again. */
struct idle_conn {
	int		 ic_fd;
	void		*ic_ssl;
	unsigned	 ic_be;		/* backend index */
	unsigned	 ic_sv;		/* server index within the backend */
	unsigned	 ic_id;		/* the log's bconn number, kept */
	int64_t		 ic_since;	/* ms (now_ms()), idle since */
};

struct idle_cache {
	struct idle_conn	 ic_conns[IDLE_CACHE_MAX];	/* oldest first */
	unsigned		 ic_n;
	unsigned		 ic_cap;	/* 0: nothing is kept */
	int64_t			 ic_timeout_ms;
};

/* cap is clamped to IDLE_CACHE_MAX; cap or timeout_s 0 keeps nothing. */
void	 idle_cache_init(struct idle_cache *c, unsigned cap,
	    unsigned timeout_s);
int	 idle_cache_enabled(const struct idle_cache *c);
/*
 * Keep conn (its ic_since set by the caller). 1 when another had to go
 * to make room, the oldest, copied to *out for the caller to close (or
 * conn itself when nothing is kept); 0 otherwise.
 */
int	 idle_cache_put(struct idle_cache *c, const struct idle_conn *conn,
	    struct idle_conn *out);
/* The most recently kept connection to server sv of backend be that is
 * not past the timeout at now, taken out into *out: 1, or 0 if none. */
int	 idle_cache_take(struct idle_cache *c, unsigned be, unsigned sv,
	    int64_t now, struct idle_conn *out);
/* One connection past the timeout at now, taken out: 1, or 0 if none. */
int	 idle_cache_expire(struct idle_cache *c, int64_t now,
	    struct idle_conn *out);
/* One connection, any, taken out (to close them all): 1, or 0. */
int	 idle_cache_pop(struct idle_cache *c, struct idle_conn *out);
/* Milliseconds from now until the next one expires (0: one has), -1
 * when none is kept. */
int64_t	 idle_cache_wait_ms(const struct idle_cache *c, int64_t now);

#endif
