/*
 * What a worker tells the master about its backends, since it cannot
 * write the health board: the backend connections it holds are listed in
 * its own scoreboard slot (the master sums them into the board's counts
 * for leastconn and rpxctl status), and each change is announced with
 * IPC_BACKEND_CONN so that the sum need not wait for the master's next
 * second; a server that refused it is reported with IPC_HOLD_OFF, and the
 * master decides whether every worker holds it off (master/board.c).
 * Called by backend.c.
 */
#include <stdint.h>

#include "ipc.h"
#include "log.h"
#include "worker.h"

/* Best effort: a master that is gone or slow costs the count, not the
 * client's request. */
static void
report(struct worker_env *w, uint32_t type, uint32_t server)
{
	struct msgbuf	mb;

	if (w->w_master_gone)
		return;
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, server);
	if (!mb.mb_error && ipc_send(w->w_ipc, type, -1, &mb) == -1)
		log_debug("board: cannot report to the master");
	msgbuf_free(&mb);
}

/* The slot entry of a new connection to server sv of bc, -1 if full. */
int
board_conn_open(struct worker_env *w, const struct backend_conf *bc,
    unsigned sv)
{
	uint32_t	server = bc->be_first_server + sv;
	unsigned	i;

	for (i = 0; i < SS_CONNS; i++)
		if (w->w_slot->ss_conn_server[i] == -1)
			break;
	if (i < SS_CONNS) {
		w->w_slot->ss_conn_pinned[i] = 0;
		w->w_slot->ss_conn_server[i] = (int32_t)server;
	}
	/* Sent even when not counted: it is a turn of the rotation. */
	report(w, IPC_BACKEND_CONN, server);
	return i < SS_CONNS ? (int)i : -1;
}

void
board_conn_close(struct worker_env *w, int conn)
{
	if (conn < 0 || conn >= SS_CONNS)
		return;
	w->w_slot->ss_conn_server[conn] = -1;
	w->w_slot->ss_conn_pinned[conn] = 0;
	report(w, IPC_BACKEND_CONN, BOARD_NO_SERVER);
}

void
board_conn_pin(struct worker_env *w, int conn)
{
	if (conn < 0 || conn >= SS_CONNS)
		return;
	w->w_slot->ss_conn_pinned[conn] = 1;
	report(w, IPC_BACKEND_CONN, BOARD_NO_SERVER);
}

void
board_hold_off(struct worker_env *w, const struct backend_conf *bc,
    unsigned sv)
{
	report(w, IPC_HOLD_OFF, bc->be_first_server + sv);
}
