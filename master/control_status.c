/*
 * rpxctl status: the generation, every worker (from the scoreboard), the
 * health checker, the key holders and every backend server (from the
 * health board), as a table for a person or as JSON. Both maps are
 * written by less trusted processes: everything read from them goes
 * through board_read.c.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "log.h"
#include "master.h"
#include "winbind.h"

/* "3d04h", "2h05m", "4m10s", "12s": short enough for a table. */
static const char *
duration(long long s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
	else
		snprintf(buf, len, "%llds", s);
	return buf;
}

#define CLIENT_FIELD	sizeof(((struct scoreboard_slot *)0)->ss_client)

/* What status shows of a worker, for the table and JSON alike. */
struct worker_view {
	const char	*wv_state;	/* "stopping" once told, unless busy */
	const char	*wv_listener;	/* NULL unless busy */
	const char	*wv_route;	/* NULL unless busy */
	const char	*wv_client;	/* NULL unless busy; raw bytes */
	const char	*wv_client_text;	/* the same, escaped */
	char		 wv_client_buf[CLIENT_FIELD + 1];
	char		 wv_client_esc[BOARD_TEXT_SIZE(CLIENT_FIELD)];
};

/*
 * The listener and route are named only for a worker of this generation:
 * older ones number another configuration's. The client address is
 * copied out of the shared slot, which the worker may be rewriting.
 */
static void
worker_view(const struct master *m, unsigned slot, struct worker_view *v)
{
	const struct rpxd_conf		*c = m->m_conf;
	const struct worker		*wk = &m->m_workers[slot];
	const struct scoreboard_slot	*ss = scoreboard_slot(&m->m_sb, slot);
	int32_t				 li = ss->ss_listener;
	int32_t				 ri = ss->ss_route;
	int				 busy = ss->ss_state == WS_BUSY;

	v->wv_state = wk->wk_stopping && !busy ? "stopping" :
	    worker_state_name(ss->ss_state);
	v->wv_listener = v->wv_route = v->wv_client = NULL;
	v->wv_client_text = NULL;
	if (!busy)
		return;
	board_string(ss->ss_client, CLIENT_FIELD, v->wv_client_buf);
	board_text(v->wv_client_buf, v->wv_client_esc,
	    sizeof(v->wv_client_esc));
	if (v->wv_client_buf[0] != '\0') {
		v->wv_client = v->wv_client_buf;
		v->wv_client_text = v->wv_client_esc;
	}
	if (wk->wk_generation != m->m_generation || li < 0 ||
	    (unsigned)li >= c->rc_nlisteners)
		return;
	v->wv_listener = c->rc_listeners[li].ls_name;
	if (ri >= 0 && (unsigned)ri < c->rc_listeners[li].ls_nroutes)
		v->wv_route = c->rc_listeners[li].ls_routes[ri].rt_name;
}

/* A string member, or null; ascii for one from a shared map. */
static void
json_str_or_null(struct json *js, const char *key, const char *v, int ascii)
{
	if (v == NULL)
		json_null(js, key);
	else if (ascii)
		json_str_ascii(js, key, v);
	else
		json_str(js, key, v);
}

/* What the workers see of a server: a check's verdict, or a passive hold
 * after a failed connection, or up. */
static const char *
server_state(const struct hb_server *hs, int64_t now)
{
	uint32_t	state;

	if (hs == NULL)
		return "unknown";
	if ((state = hs->hs_state) == HB_DOWN)
		return "down";
	if (state != HB_UP)
		return "invalid";
	if (hs->hs_down_until > now)
		return "held-back";
	return "up";
}

static unsigned long long
log_dropped_all(const struct master *m)
{
	unsigned long long	n = log_dropped();
	unsigned		i;

	for (i = 0; i < m->m_nslots; i++)
		if (m->m_workers[i].wk_pid != 0)
			n = board_add(n,
			    scoreboard_slot(&m->m_sb, i)->ss_log_dropped);
	return n;
}

static void
status_json(struct master *m, struct strbuf *out)
{
	const struct rpxd_conf	*c = m->m_conf;
	struct json		 js;
	time_t			 now = time(NULL);
	int64_t			 ms = now_ms();
	struct worker_view	 v;
	int64_t			 since;
	unsigned		 i, b, s;

	json_init(&js, out);
	json_object(&js, NULL);
	json_int(&js, "pid", (long long)getpid());
	json_int(&js, "generation", m->m_generation);
	json_str(&js, "config", m->m_conf_file);
	json_int(&js, "started", (long long)m->m_started);
	json_int(&js, "uptime", (long long)(now - m->m_started));
	json_str(&js, "log_level", log_level_name(c->rc_log_level));
	json_int(&js, "log_dropped", board_count(log_dropped_all(m)));
	json_bool(&js, "stopping", m->m_stopping);
	json_int(&js, "listen_queue", m->m_waiting);
	pressure_status_json(m, &js);
	limits_status_json(m, &js);
	winbind_status_json(m, &js);
	json_array(&js, "workers");
	for (i = 0; i < m->m_nslots; i++) {
		const struct worker *wk = &m->m_workers[i];
		const struct scoreboard_slot *ss = scoreboard_slot(&m->m_sb, i);

		if (wk->wk_pid == 0)
			continue;
		worker_view(m, i, &v);
		json_object(&js, NULL);
		json_int(&js, "pid", wk->wk_pid);
		json_int(&js, "generation", wk->wk_generation);
		json_str(&js, "state", v.wv_state);
		json_bool(&js, "stopping", wk->wk_stopping);
		json_int(&js, "connections", board_count(ss->ss_connections));
		json_int(&js, "requests", board_count(ss->ss_requests));
		since = ss->ss_since;
		json_int(&js, "since", board_time(since, now));
		json_int(&js, "for", board_age(now, since));
		json_str_or_null(&js, "client", v.wv_client, 1);
		json_str_or_null(&js, "listener", v.wv_listener, 0);
		json_str_or_null(&js, "route", v.wv_route, 0);
		json_int(&js, "log_dropped", board_count(ss->ss_log_dropped));
		json_end(&js, '}');
	}
	json_end(&js, ']');
	json_object(&js, "health_checker");
	json_int(&js, "pid", m->m_health.hp_pid);
	json_end(&js, '}');
	json_array(&js, "key_holders");
	for (i = 0; i < KEYHOLDER_SLOTS; i++) {
		const struct keyholder *kh = &m->m_keyholders[i];

		if (kh->kh_pid == 0)
			continue;
		json_object(&js, NULL);
		json_int(&js, "pid", kh->kh_pid);
		json_int(&js, "generation", kh->kh_generation);
		json_end(&js, '}');
	}
	json_end(&js, ']');
	json_array(&js, "backends");
	for (b = 0; b < c->rc_nbackends; b++) {
		const struct backend_conf *be = &c->rc_backends[b];

		json_object(&js, NULL);
		json_str(&js, "name", be->be_name);
		json_bool(&js, "health_check", be->be_health.hc_enabled);
		json_array(&js, "servers");
		for (s = 0; s < be->be_nservers; s++) {
			const struct hb_server *hs =
			    healthboard_server(&m->m_hb, be, s);

			json_object(&js, NULL);
			json_str(&js, "name", be->be_servers[s].sv_name);
			json_str(&js, "state", server_state(hs, ms));
			if (hs != NULL) {
				json_int(&js, "active", hs->hs_active);
				json_int(&js, "pinned", hs->hs_pinned);
				json_int(&js, "checks",
				    board_count(hs->hs_checks));
				json_int(&js, "last_check_status",
				    hs->hs_last_status);
				json_int(&js, "in_a_row", hs->hs_run);
				json_int(&js, "changed",
				    board_time(hs->hs_changed, now));
			}
			json_end(&js, '}');
		}
		json_end(&js, ']');
		json_end(&js, '}');
	}
	json_end(&js, ']');
	json_end(&js, '}');
	strbuf_add(out, "\n", 1);
}

static void
status_workers(struct master *m, struct strbuf *out, time_t now)
{
	struct worker_view	v;
	char			d[32];
	unsigned		i;

	strbuf_printf(out, "\n%-8s %-4s %-9s %9s %9s %7s  %-16s %-16s %s\n",
	    "WORKER", "GEN", "STATE", "REQUESTS", "CONNS", "FOR", "LISTENER",
	    "ROUTE", "CLIENT");
	for (i = 0; i < m->m_nslots; i++) {
		const struct worker *wk = &m->m_workers[i];
		const struct scoreboard_slot *ss = scoreboard_slot(&m->m_sb, i);

		if (wk->wk_pid == 0)
			continue;
		worker_view(m, i, &v);
		strbuf_printf(out, "%-8ld %-4u %-9s %9llu %9llu %7s  %-16s "
		    "%-16s %s\n", (long)wk->wk_pid, wk->wk_generation,
		    v.wv_state,
		    (unsigned long long)ss->ss_requests,
		    (unsigned long long)ss->ss_connections,
		    duration(board_age(now, ss->ss_since), d, sizeof(d)),
		    v.wv_listener != NULL ? v.wv_listener : "-",
		    v.wv_route != NULL ? v.wv_route : "-",
		    v.wv_client_text != NULL ? v.wv_client_text : "-");
	}
}

static void
status_backends(struct master *m, struct strbuf *out, time_t now)
{
	const struct rpxd_conf	*c = m->m_conf;
	int64_t			 ms = now_ms();
	char			 d[32], check[32];
	unsigned		 b, s;

	strbuf_printf(out, "\n%-24s %-32s %-9s %-10s %6s %6s %8s\n", "BACKEND",
	    "SERVER", "STATE", "CHECK", "ACTIVE", "PINNED", "CHANGED");
	for (b = 0; b < c->rc_nbackends; b++) {
		const struct backend_conf *be = &c->rc_backends[b];

		for (s = 0; s < be->be_nservers; s++) {
			const struct hb_server *hs =
			    healthboard_server(&m->m_hb, be, s);

			if (!be->be_health.hc_enabled || hs == NULL)
				snprintf(check, sizeof(check), "-");
			else if (hs->hs_checks == 0)
				snprintf(check, sizeof(check), "pending");
			else if (hs->hs_last_status == 0)
				snprintf(check, sizeof(check), "failed");
			else
				snprintf(check, sizeof(check), "%u",
				    hs->hs_last_status);
			strbuf_printf(out, "%-24s %-32s %-9s %-10s %6u %6u "
			    "%8s\n", s == 0 ? be->be_name : "",
			    be->be_servers[s].sv_name,
			    server_state(hs, ms), check,
			    hs != NULL ? hs->hs_active : 0,
			    hs != NULL ? hs->hs_pinned : 0,
			    hs != NULL && hs->hs_changed != 0 ?
			    duration(board_age(now, hs->hs_changed), d,
			    sizeof(d)) : "-");
		}
	}
}

void
control_status(struct master *m, int json, struct strbuf *out)
{
	const struct rpxd_conf	*c = m->m_conf;
	time_t			 now = time(NULL);
	char			 d[32];
	unsigned		 i, n = 0, busy = 0, holders = 0;

	board_sum(m);	/* the counts as of now, not of the last second */
	if (json) {
		status_json(m, out);
		return;
	}
	for (i = 0; i < m->m_nslots; i++) {
		if (m->m_workers[i].wk_pid == 0)
			continue;
		n++;
		if (scoreboard_slot(&m->m_sb, i)->ss_state == WS_BUSY)
			busy++;
	}
	for (i = 0; i < KEYHOLDER_SLOTS; i++)
		if (m->m_keyholders[i].kh_pid != 0)
			holders++;
	strbuf_printf(out, "rpxd pid %ld, generation %u, up %s%s\n",
	    (long)getpid(), m->m_generation,
	    duration(now - m->m_started, d, sizeof(d)),
	    m->m_stopping ? ", STOPPING" : "");
	strbuf_printf(out, "config %s, log level %s, log lines dropped "
	    "%llu\n", m->m_conf_file, log_level_name(c->rc_log_level),
	    log_dropped_all(m));
	strbuf_printf(out, "workers %u (%u busy, max %u), %u connection(s) "
	    "waiting in the listen queues, health checker %s, key holders "
	    "%u\n", n, busy, c->rc_max_workers, m->m_waiting,
	    m->m_health.hp_pid != 0 ? "running" : "none", holders);
	pressure_status_text(m, out);
	limits_status_text(m, out);
	winbind_status_text(m, out);
	status_workers(m, out, now);
	status_backends(m, out, now);
}
