/*
 * What a worker tells the master about its backends, since it cannot
 * write the health board: the backend connections it holds are listed in
 * its own scoreboard slot (the master sums them into the board's counts
 * for leastconn and rpxctl status every second, and before status
 * answers), and a change that cannot wait for that sum is announced with
 * IPC_BACKEND_CONN (report_now()); a server that refused it is reported
 * with IPC_HOLD_OFF, and the master decides whether every worker holds
 * it off (master/board.c). Called by backend.c and backend_idle.c.
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

/*
 * Must the master hear of this change now? Each message wakes it, and
 * with kept backend connections every client connection opens (takes)
 * and closes (keeps) one, so only what the second's sum comes too late
 * for is sent: a new connection is a turn of a round-robin rotation
 * that the next connection of any worker follows, and leastconn picks
 * by the counts. A backend of one server has neither rotation nor
 * choice, and balance = source needs no count.
 */
static int
report_now(const struct backend_conf *bc, int opened)
{
	if (bc->be_nservers < 2)
		return 0;
	if (bc->be_balance == BALANCE_LEASTCONN)
		return 1;
	return opened && bc->be_balance != BALANCE_SOURCE;
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
	if (report_now(bc, 1))
		report(w, IPC_BACKEND_CONN, server);
	return i < SS_CONNS ? (int)i : -1;
}

/* Connection conn (of backend be) closed or kept idle. */
void
board_conn_close(struct worker_env *w, int be, int conn)
{
	if (conn < 0 || conn >= SS_CONNS)
		return;
	w->w_slot->ss_conn_server[conn] = -1;
	w->w_slot->ss_conn_pinned[conn] = 0;
	if (be >= 0 && (unsigned)be < w->w_conf->rc_nbackends &&
	    report_now(&w->w_conf->rc_backends[be], 0))
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
