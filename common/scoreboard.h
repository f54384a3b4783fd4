/*
 * The shared scoreboard: one slot per worker in an anonymous shared mapping
 * that the master creates and passes to each worker as a descriptor. A
 * worker writes only its own slot; the master reads them all to size the
 * prefork pool without asking the workers.
 */
#ifndef RPXD_SCOREBOARD_H
#define RPXD_SCOREBOARD_H

#include <sys/types.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

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
};

struct scoreboard {
	int			 sb_fd;
	size_t			 sb_size;
	struct scoreboard_slot	*sb_slots;	/* RPXD_MAX_WORKERS */
};

int	scoreboard_create(struct scoreboard *sb);	/* master */
int	scoreboard_attach(struct scoreboard *sb, int fd);	/* worker */
void	scoreboard_close(struct scoreboard *sb);
void	scoreboard_set_state(struct scoreboard_slot *slot,
	    enum worker_state state);
const char *worker_state_name(uint32_t state);
/* A descriptor for an anonymous shared mapping (also healthboard.c). */
int	shared_anon_fd(const char *what);

#endif
