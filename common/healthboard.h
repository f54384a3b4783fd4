/*
 * The health board: one entry per server of every backend, in a shared
 * mapping that the master makes for each configuration it loads. The
 * health checker (rpxd-health) writes the check results, workers write
 * passive failures and their connection counts (leastconn), and every
 * worker reads it to pick a server, so all of them agree without asking
 * each other.
 */
#ifndef RPXD_HEALTHBOARD_H
#define RPXD_HEALTHBOARD_H

#include <sys/types.h>
#include <stdint.h>

#include "config.h"

#define HB_KEY_SIZE	16	/* the source-hash key */

enum hb_state {
	HB_UP = 0,	/* the default until a check says otherwise */
	HB_DOWN = 1
};

struct hb_server {
	volatile uint32_t	 hs_state;	/* enum hb_state, by checks */
	volatile uint32_t	 hs_active;	/* connections now, all workers */
	volatile int64_t	 hs_down_until;	/* ms (now_ms clock): passive */
	volatile uint32_t	 hs_last_status;	/* of the last check, 0:
							   none or failed */
	volatile uint32_t	 hs_run;	/* successes (up) or failures
						   (down) in a row */
	volatile uint64_t	 hs_checks;
	volatile int64_t	 hs_changed;	/* time() of the last change */
	volatile uint32_t	 hs_rr;		/* in a backend's first server
						   only: the next turn of its
						   round robin, shared by all
						   workers */
	volatile uint32_t	 hs_pinned;	/* of hs_active: pinned to a
						   client (auth passthrough) */
};

struct healthboard {
	int			 hb_fd;
	size_t			 hb_size;
	unsigned		 hb_n;
	struct hb_server	*hb_servers;
};

/* Number the servers of all backends (be_first_server, rc_nservers). */
void	 healthboard_index(struct rpxd_conf *c);
int	 healthboard_create(struct healthboard *hb, unsigned nservers);
int	 healthboard_attach(struct healthboard *hb, int fd, unsigned nservers);
void	 healthboard_close(struct healthboard *hb);
/* The entry of server sv of backend be; NULL without a board. */
struct hb_server *healthboard_server(const struct healthboard *hb,
	    const struct backend_conf *be, unsigned sv);
/* Keep the state of servers that are in both configurations (reload). */
void	 healthboard_carry(struct healthboard *to, const struct rpxd_conf *tc,
	    const struct healthboard *from, const struct rpxd_conf *fc);

#endif
