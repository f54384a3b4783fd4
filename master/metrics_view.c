/*
 * The gauges of rpxctl metrics, read at the moment it renders: workers by
 * state, the connections each listener and route serves now (from the
 * busy workers' slots, numbered by their own generation's layout),
 * each listener's accept queue (backlog.c), each server of the running
 * configuration as the health board has it, and what the per-address
 * limit and pressure mode (limits.c, pressure.c) refused and whether
 * pressure is on. Slots and board are
 * written by less trusted processes: a state or index out of range
 * counts nowhere, and board values are taken as numbers only. Called by
 * metrics.c.
 */
#include <time.h>

#include "clock.h"
#include "master.h"
#include "metrics.h"
#include "pool_limits.h"
#include "winbind.h"

static enum mx_worker_state
worker_state(const struct worker *wk, uint32_t state)
{
	if (state == WS_BUSY)
		return MX_WS_BUSY;
	if (wk->wk_stopping || state == WS_STOPPING)
		return MX_WS_STOPPING;
	if (state == WS_IDLE)
		return MX_WS_IDLE;
	if (state == WS_STARTING)
		return MX_WS_STARTING;
	return MX_WS_BUSY;	/* a state no worker writes: not available */
}

static void
view_workers(struct master *m, struct mx_state *st)
{
	const struct scoreboard_slot	*ss;
	const struct worker		*wk;
	enum mx_worker_state		 ws;
	unsigned			 i;
	int				 r;

	for (i = 0; i < MX_WS_STATES; i++)
		st->st_workers[i] = 0;
	for (i = 0; i < st->st_nlisteners; i++)
		st->st_listeners[i].ml_active = 0;
	for (i = 0; i < st->st_nroutes; i++)
		st->st_routes[i].mr_active = 0;
	for (i = 0; i < m->m_nslots; i++) {
		wk = &m->m_workers[i];
		if (wk->wk_pid <= 0)
			continue;
		ss = scoreboard_slot(&m->m_sb, i);
		ws = worker_state(wk, ss->ss_state);
		st->st_workers[ws]++;
		if (ws != MX_WS_BUSY || (r = metrics_route_of(wk->wk_generation,
		    ss->ss_listener, ss->ss_route)) < 0)
			continue;
		st->st_routes[r].mr_active++;
		st->st_listeners[st->st_routes[r].mr_listener].ml_active++;
	}
}

static void
view_queues(struct master *m, struct mx_state *st)
{
	unsigned	i;
	int		l;

	for (i = 0; i < st->st_nlisteners; i++)
		st->st_listeners[i].ml_waiting = 0;
	if (m->m_listen_fds == NULL)
		return;
	for (i = 0; i < m->m_conf->rc_nlisteners; i++)
		if ((l = metrics_listener_of(m->m_generation, i)) >= 0 &&
		    m->m_listen_fds[i] != -1)
			st->st_listeners[l].ml_waiting +=
			    listener_queue(m->m_listen_fds[i]);
}

static void
view_server(struct mx_server *v, const struct hb_server *hs,
    const struct backend_conf *be, int64_t now)
{
	uint32_t	state = hs->hs_state;
	uint64_t	checks = hs->hs_checks, failures = hs->hs_check_failures;

	v->mv_board = 1;
	v->mv_up = state == HB_UP;
	v->mv_held_off = hs->hs_down_until > now;
	v->mv_checked = be->be_health.hc_enabled;
	v->mv_checks = checks;
	v->mv_check_failures = failures > checks ? checks : failures;
	v->mv_last_status = hs->hs_last_status;
	v->mv_active = hs->hs_active;
	v->mv_pinned = hs->hs_pinned;
}

static void
view_servers(struct master *m, struct mx_state *st)
{
	const struct rpxd_conf	*c = m->m_conf;
	const struct hb_server	*hs;
	int64_t			 now = now_ms();
	unsigned		 b, s, i;
	int			 v;

	for (i = 0; i < st->st_nservers; i++)
		st->st_servers[i].mv_board = 0;
	for (b = 0; b < c->rc_nbackends; b++)
		for (s = 0; s < c->rc_backends[b].be_nservers; s++) {
			i = c->rc_backends[b].be_first_server + s;
			if ((v = metrics_server_of(m->m_generation, i)) >= 0 &&
			    (hs = healthboard_server(&m->m_hb,
			    &c->rc_backends[b], s)) != NULL)
				view_server(&st->st_servers[v], hs,
				    &c->rc_backends[b], now);
		}
}

void
metrics_view(struct master *m, struct mx_state *st)
{
	struct winbind_counts	wc;
	unsigned		i;

	view_workers(m, st);
	view_queues(m, st);
	view_servers(m, st);
	for (i = 0; i < LIMIT_REASONS; i++)
		st->st_limited[i] = limits_refused((enum limit_reason)i);
	st->st_pressure = pressure_active();
	winbind_counts(&wc);
	st->st_domain_busy = wc.wc_busy;
	st->st_domain_idle = wc.wc_running - wc.wc_busy;
	st->st_domain_queued = wc.wc_queued;
	st->st_workers_max = m->m_conf->rc_max_workers;
	st->st_start_time = (long long)m->m_started;
	st->st_generation = m->m_generation;
}
