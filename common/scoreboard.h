/*
 * The shared scoreboard: one slot per worker in an anonymous shared mapping
 * that the master creates and passes to each worker as a descriptor. Every
 * slot is a page of its own: a worker maps only its own slot's page
 * (scoreboard_attach_slot) and closes the descriptor before it serves, so
 * it cannot reach another slot. The master maps them all to size the
 * prefork pool and to sum connection counts, and treats what it reads as
 * hostile (master/board_read.c).
 */
#ifndef RPXD_SCOREBOARD_H
#define RPXD_SCOREBOARD_H

#include <sys/types.h>
#include <stdint.h>
#include <time.h>

#include "addrboard.h"
#include "config.h"
#include "metrics_board.h"

enum worker_state {
	WS_FREE = 0,	/* slot unused */
	WS_STARTING,	/* spawned, not yet accepting */
	WS_IDLE,	/* waiting in accept */
	WS_BUSY,	/* serving a connection */
	WS_STOPPING	/* told to stop, finishing */
};

/* ss_stop: a reload's stop waits for an idle client's next request; a
 * shutdown's closes idle keep-alive connections within a second. */
#define SS_STOP_RELOAD		1
#define SS_STOP_SHUTDOWN	2

/* Backend connections a worker holds at once: the current one and a
 * pinned one parked (backend_park()), and room to spare. */
#define SS_CONNS		4

struct scoreboard_slot {
	volatile pid_t		 ss_pid;
	volatile uint32_t	 ss_generation;
	volatile uint32_t	 ss_state;	/* enum worker_state */
	volatile uint32_t	 ss_stop;	/* set by the master with IPC_STOP:
						   read between requests;
						   SS_STOP_SHUTDOWN when
						   rpxd stops */
	volatile uint64_t	 ss_connections;	/* served */
	volatile uint64_t	 ss_requests;
	volatile int64_t	 ss_since;	/* time of the last state change */
	volatile int32_t	 ss_listener;	/* current, -1 if none */
	volatile int32_t	 ss_route;
	volatile uint64_t	 ss_log_dropped;	/* log lines it could not
						   send (log_dropped()) */
	char			 ss_client[48];	/* "addr:port" */
	/* The backend connections it holds now (leastconn and rpxctl
	 * status, summed by the master each second): the health board
	 * index of the server, -1 for none, and whether it is pinned. */
	volatile int32_t	 ss_conn_server[SS_CONNS];
	volatile uint32_t	 ss_conn_pinned[SS_CONNS];
	/* Its client's address key and its keep-alive waits, for the
	 * per-address limit and pressure mode (addrboard.h). */
	struct slot_limits	 ss_lim;
	/* What it served, for rpxctl metrics (metrics_board.h). */
	struct metrics_slot	 ss_metrics;
};

struct scoreboard {
	int			 sb_fd;
	unsigned		 sb_slots;	/* the master's: how many */
	size_t			 sb_size;
	size_t			 sb_stride;	/* a slot's page(s) */
	unsigned char		*sb_base;	/* the master: every slot; a
						   worker: its own only */
};

/* The master: room for slots workers (at most RPXD_SLOTS_MAX); grown
 * (never shrunk) by a reload that raises max-workers. 0, or -1 and errno. */
int	scoreboard_create(struct scoreboard *sb, unsigned slots);
int	scoreboard_grow(struct scoreboard *sb, unsigned slots);
/* The slots a configuration needs: its workers, and as many again for
 * the generations still finishing their connections after a reload. */
unsigned scoreboard_slots_for(unsigned max_workers);
/* The worker: map slot's page alone and close fd, whatever happens. */
int	scoreboard_attach_slot(struct scoreboard *sb, int fd, unsigned slot,
	    struct scoreboard_slot **ss);
void	scoreboard_close(struct scoreboard *sb);
/* The master's view of slot i (i < sb_slots). */
struct scoreboard_slot *scoreboard_slot(const struct scoreboard *sb,
	    unsigned i);
size_t	scoreboard_stride(void);
void	scoreboard_slot_init(struct scoreboard_slot *ss);
void	scoreboard_set_state(struct scoreboard_slot *slot,
	    enum worker_state state);
const char *worker_state_name(uint32_t state);
/* A descriptor for an anonymous shared mapping (also healthboard.c). */
int	shared_anon_fd(const char *what);
/* The same with a read-only descriptor too: 0, or -1 and errno. */
int	shared_anon_pair(const char *what, int *rw, int *ro);

#endif
