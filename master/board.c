/*
 * The master's writes to the health board on the workers' behalf, since
 * workers map it read-only: the connection counts summed from their own
 * scoreboard slots (every second from main.c, at once when a worker says
 * its list changed, and before rpxctl status answers), the round-robin
 * turns, and passive hold-offs of servers that refused a worker, bounded
 * so that one worker cannot take a backend down for everybody. Called by
 * main.c, pool.c (pool_dispatch, the reaper) and control_status.c.
 */
#include <sys/types.h>

#include <string.h>

#include "clock.h"
#include "ipc.h"
#include "log.h"
#include "master.h"

/*
 * What each worker of the running generation adds to the board now, as
 * the master last read it from its slot (never what the slot says at
 * another moment: a slot may change under us, so subtraction uses this
 * copy). counted_gen says on which generation's board it was added.
 */
static int32_t	counted_server[RPXD_SLOTS_MAX][SS_CONNS];
static uint8_t	counted_pinned[RPXD_SLOTS_MAX][SS_CONNS];
static uint32_t	counted_gen[RPXD_SLOTS_MAX];

/* Take slot's share off the board (only if it was added to this one). */
static void
uncount(struct master *m, unsigned slot)
{
	struct hb_server	*hs;
	unsigned		 j;
	int32_t			 s;

	if (counted_gen[slot] != m->m_generation)
		return;
	for (j = 0; j < SS_CONNS; j++) {
		s = counted_server[slot][j];
		counted_server[slot][j] = -1;
		if (s < 0 || (unsigned)s >= m->m_hb.hb_n)
			continue;
		hs = &m->m_hb.hb_servers[s];
		if (hs->hs_active > 0)
			hs->hs_active--;
		if (counted_pinned[slot][j] && hs->hs_pinned > 0)
			hs->hs_pinned--;
	}
	counted_gen[slot] = 0;
}

/* Add slot's share as its slot says now; each entry is read once and
 * checked, so a worker adds at most SS_CONNS to the counts. */
static void
count(struct master *m, unsigned slot)
{
	const struct scoreboard_slot	*ss = scoreboard_slot(&m->m_sb, slot);
	struct hb_server		*hs;
	unsigned			 j;
	int32_t				 s;

	for (j = 0; j < SS_CONNS; j++) {
		s = ss->ss_conn_server[j];
		counted_server[slot][j] = -1;
		counted_pinned[slot][j] = 0;
		if (s < 0 || (unsigned)s >= m->m_hb.hb_n)
			continue;
		hs = &m->m_hb.hb_servers[s];
		counted_server[slot][j] = s;
		hs->hs_active++;
		if (ss->ss_conn_pinned[j] != 0) {
			counted_pinned[slot][j] = 1;
			hs->hs_pinned++;
		}
	}
	counted_gen[slot] = m->m_generation;
}

static int
counts(const struct master *m, unsigned slot)
{
	const struct worker	*wk = &m->m_workers[slot];

	return wk->wk_pid != 0 && wk->wk_generation == m->m_generation;
}

/* The whole sum again: the counts of the running generation's board. */
void
board_sum(struct master *m)
{
	unsigned	i;

	if (m->m_hb.hb_servers == NULL)
		return;
	for (i = 0; i < m->m_hb.hb_n; i++) {
		m->m_hb.hb_servers[i].hs_active = 0;
		m->m_hb.hb_servers[i].hs_pinned = 0;
	}
	for (i = 0; i < m->m_nslots; i++) {
		counted_gen[i] = 0;
		if (counts(m, i))
			count(m, i);
	}
}

/* The worker in slot is gone: its connections with it. */
void
board_worker_gone(struct master *m, unsigned slot)
{
	if (m->m_hb.hb_servers != NULL && slot < m->m_nslots)
		uncount(m, slot);
}

/* The backend whose servers include board index server. */
static const struct backend_conf *
server_backend(const struct rpxd_conf *c, uint32_t server, unsigned *sv)
{
	unsigned	b;

	for (b = 0; b < c->rc_nbackends; b++) {
		const struct backend_conf *be = &c->rc_backends[b];

		if (server >= be->be_first_server &&
		    server - be->be_first_server < be->be_nservers) {
			*sv = server - be->be_first_server;
			return be;
		}
	}
	return NULL;
}

/* IPC_BACKEND_CONN: a turn of the rotation, and the slot read again. */
static void
board_conn(struct master *m, unsigned slot, uint32_t server)
{
	const struct backend_conf	*be;
	struct hb_server		*first;
	unsigned			 sv;

	if (server != BOARD_NO_SERVER &&
	    (be = server_backend(m->m_conf, server, &sv)) != NULL &&
	    (first = healthboard_server(&m->m_hb, be, 0)) != NULL)
		first->hs_rr++;
	uncount(m, slot);
	count(m, slot);
}

/* Is any server of be but sv up by the checks and not held off? */
static int
others_up(const struct master *m, const struct backend_conf *be,
    unsigned sv, int64_t now)
{
	const struct hb_server	*hs;
	unsigned		 i;

	for (i = 0; i < be->be_nservers; i++) {
		if (i == sv || (hs = healthboard_server(&m->m_hb, be, i)) ==
		    NULL)
			continue;
		if (hs->hs_state != HB_DOWN && hs->hs_down_until <= now)
			return 1;
	}
	return 0;
}

/*
 * IPC_HOLD_OFF: the worker holds the server off itself already; every
 * worker does when the master agrees. Bounds: a server held off is not
 * held again (at most one hold-off per down-time), for the backend's
 * down-time, not the worker's; and a backend's last server up is held
 * off only when two different workers report it within a down-time.
 */
static void
board_hold(struct master *m, unsigned slot, uint32_t server)
{
	const struct worker		*wk = &m->m_workers[slot];
	const struct backend_conf	*be;
	struct hb_server		*hs;
	struct hb_report		*rep;
	int64_t				 now = now_ms(), period;
	unsigned			 sv;

	if ((be = server_backend(m->m_conf, server, &sv)) == NULL ||
	    be->be_down_time == 0 ||
	    (hs = healthboard_server(&m->m_hb, be, sv)) == NULL)
		return;
	period = 1000 * (int64_t)be->be_down_time;
	if (hs->hs_state == HB_DOWN || hs->hs_down_until > now)
		return;
	rep = &m->m_hb.hb_reports[server];
	if (!others_up(m, be, sv, now) && (rep->hr_pid == 0 ||
	    rep->hr_pid == wk->wk_pid || now - rep->hr_ms > period)) {
		/* The same worker again neither slides the window nor
		 * fills the log. */
		if (rep->hr_pid == wk->wk_pid && now - rep->hr_ms <= period)
			return;
		rep->hr_pid = wk->wk_pid;
		rep->hr_ms = now;
		log_info("board: backend \"%s\" server %s refused worker %ld; "
		    "not held off for all: it is the backend's last server "
		    "up and no other worker reported it", be->be_name,
		    be->be_servers[sv].sv_name, (long)wk->wk_pid);
		return;
	}
	rep->hr_pid = 0;
	hs->hs_down_until = now + period;
	log_info("board: backend \"%s\" server %s held off for %u s "
	    "(down-time) on worker %ld's report", be->be_name,
	    be->be_servers[sv].sv_name, be->be_down_time, (long)wk->wk_pid);
}

/*
 * A worker's IPC_BACKEND_CONN or IPC_HOLD_OFF. -1 when it is malformed
 * (the caller kills the worker); a worker of an older generation numbers
 * another configuration's servers: its report is ignored.
 */
int
board_dispatch(struct master *m, unsigned slot, struct ipc_msg *msg)
{
	uint32_t	server;

	if (msg->im_fd != -1 || slot >= m->m_nslots ||
	    msgbuf_get_u32(&msg->im_payload, &server) == -1 ||
	    msgbuf_end(&msg->im_payload) == -1)
		return -1;
	if (!counts(m, slot) || m->m_hb.hb_servers == NULL)
		return 0;
	if (server != BOARD_NO_SERVER && server >= m->m_conf->rc_nservers)
		return -1;
	if (msg->im_type == IPC_BACKEND_CONN)
		board_conn(m, slot, server);
	else if (msg->im_type == IPC_HOLD_OFF && server != BOARD_NO_SERVER)
		board_hold(m, slot, server);
	else
		return -1;
	return 0;
}
