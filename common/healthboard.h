/*
 * The health board: one entry per server of every backend, in a shared
 * mapping that the master makes for each configuration it loads. The
 * health checker (rpxd-health) writes the check results; the master
 * writes the passive hold-offs workers report (IPC_HOLD_OFF, bounded:
 * master/board.c), the round-robin turns (IPC_RR_TURN) and the connection
 * counts it sums from the workers' own scoreboard slots each second.
 * Workers get a read-only descriptor: they read the board to pick a
 * server, and cannot change it.
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
	volatile uint32_t	 hs_active;	/* connections now, all workers
						   of the generation: summed by
						   the master each second */
	volatile int64_t	 hs_down_until;	/* ms (now_ms clock): passive
						   hold-off, set by the master */
	volatile uint32_t	 hs_last_status;	/* of the last check, 0:
							   none or failed */
	volatile uint32_t	 hs_run;	/* successes (up) or failures
						   (down) in a row */
	volatile uint64_t	 hs_checks;
	volatile int64_t	 hs_changed;	/* time() of the last change */
	volatile uint32_t	 hs_rr;		/* in a backend's first server
						   only: the turns of its round
						   robin the pool has taken,
						   counted by the master */
	volatile uint32_t	 hs_pinned;	/* of hs_active: pinned to a
						   client (auth passthrough) */
	volatile uint64_t	 hs_check_failures;	/* of hs_checks */
};

/* The master's own memory, per server: the last worker that reported
 * it refusing, for the rule that one worker alone never holds off a
 * backend's last server up (master/board.c). */
struct hb_report {
	pid_t			 hr_pid;
	int64_t			 hr_ms;
};

struct healthboard {
	int			 hb_fd;		/* read-write: the checker's */
	int			 hb_rofd;	/* read-only: the workers' */
	size_t			 hb_size;
	unsigned		 hb_n;
	struct hb_server	*hb_servers;
	struct hb_report	*hb_reports;	/* the master's only */
};

/* Number the servers of all backends (be_first_server, rc_nservers). */
void	 healthboard_index(struct rpxd_conf *c);
int	 healthboard_create(struct healthboard *hb, unsigned nservers);
/* Map the board (read-only unless writable) and close fd. */
int	 healthboard_attach(struct healthboard *hb, int fd, unsigned nservers,
	    int writable);
void	 healthboard_close(struct healthboard *hb);
/* The entry of server sv of backend be; NULL without a board. */
struct hb_server *healthboard_server(const struct healthboard *hb,
	    const struct backend_conf *be, unsigned sv);
/* Keep the state of servers that are in both configurations (reload). */
void	 healthboard_carry(struct healthboard *to, const struct rpxd_conf *tc,
	    const struct healthboard *from, const struct rpxd_conf *fc);

#endif
