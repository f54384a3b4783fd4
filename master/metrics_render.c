/*
 * rpxctl metrics as Prometheus text: every family with its HELP and TYPE
 * lines, in a fixed order, from the master's state (metrics.h). rpxd(8),
 * METRICS, lists the same families; tests/unit/test_metrics.c renders a
 * state by hand. Called by metrics.c.
 */
#include <stdio.h>

#include "metrics.h"

static const char *const class_names[MB_CLASSES] = {
	"1xx", "2xx", "3xx", "4xx", "5xx"
};
static const char *const tls_failure_names[MB_TLS_FAILURES] = {
	"timeout", "closed", "http", "protocol", "alert", "other"
};
static const char *const refused_names[MB_REFUSED_REASONS] = {
	"proxy_protocol", "metrics_address"
};
/* As rpxctl -j status names them (master/limits.c). */
static const char *const limited_names[LIMIT_REASONS] = {
	"per_address", "pressure_head", "pressure_idle"
};
static const char *const ntlm_names[MX_NTLM_RESULTS] = {
	"ok", "failed", "locked", "unavailable"
};
static const char *const worker_state_names[MX_WS_STATES] = {
	"starting", "idle", "busy", "stopping"
};

static void
render_process(const struct mx_state *st, struct strbuf *out)
{
	mx_family(out, "rpxd_start_time_seconds", "gauge", "When the master "
	    "started (Unix time); counters start from zero then.");
	mx_sample(out, "rpxd_start_time_seconds", NULL, 0,
	    (unsigned long long)(st->st_start_time > 0 ? st->st_start_time :
	    0));
	mx_family(out, "rpxd_generation", "gauge", "The configuration "
	    "generation serving now (one more at each reload).");
	mx_sample(out, "rpxd_generation", NULL, 0, st->st_generation);
}

static void
route_labels(const struct mx_state *st, const struct mx_route *r,
    struct mx_label *l)
{
	l[0] = (struct mx_label){ "listener",
	    st->st_listeners[r->mr_listener].ml_name };
	l[1] = (struct mx_label){ "route", r->mr_name };
}

/* The per-route figures that are one sample each. */
enum route_value { RV_IN, RV_OUT, RV_ACTIVE };

static unsigned long long
route_value(const struct mx_route *r, enum route_value v)
{
	switch (v) {
	case RV_IN:
		return r->mr_in;
	case RV_OUT:
		return r->mr_out;
	case RV_ACTIVE:
		return r->mr_active;
	}
	return 0;
}

static void
render_route_value(const struct mx_state *st, struct strbuf *out,
    const char *name, const char *type, const char *help, enum route_value v)
{
	struct mx_label	 l[2];
	unsigned	 i;

	mx_family(out, name, type, help);
	for (i = 0; i < st->st_nroutes; i++) {
		route_labels(st, &st->st_routes[i], l);
		mx_sample(out, name, l, 2, route_value(&st->st_routes[i], v));
	}
}

static void
render_requests(const struct mx_state *st, struct strbuf *out)
{
	struct mx_label	 l[3];
	unsigned	 i, k;

	mx_family(out, "rpxd_requests_total", "counter", "Requests answered, "
	    "by listener, route (empty: none matched) and status class.");
	for (i = 0; i < st->st_nroutes; i++) {
		route_labels(st, &st->st_routes[i], l);
		for (k = 0; k < MB_CLASSES; k++) {
			l[2] = (struct mx_label){ "code", class_names[k] };
			mx_sample(out, "rpxd_requests_total", l, 3,
			    st->st_routes[i].mr_class[k]);
		}
	}
	render_route_value(st, out, "rpxd_request_bytes_total", "counter",
	    "Bytes received from clients in requests (heads and bodies), "
	    "counted when a request ends.", RV_IN);
	render_route_value(st, out, "rpxd_response_bytes_total", "counter",
	    "Bytes sent to clients in responses (heads and bodies), counted "
	    "when a request ends.", RV_OUT);
	render_route_value(st, out, "rpxd_route_connections", "gauge",
	    "Client connections served now, by the route of their current "
	    "request.", RV_ACTIVE);
}

static void
render_listeners(const struct mx_state *st, struct strbuf *out)
{
	struct mx_label	 l;
	unsigned	 i;

	mx_family(out, "rpxd_listener_connections", "gauge", "Client "
	    "connections served now, by listener.");
	for (i = 0; i < st->st_nlisteners; i++) {
		l = (struct mx_label){ "listener", st->st_listeners[i].ml_name };
		mx_sample(out, "rpxd_listener_connections", &l, 1,
		    st->st_listeners[i].ml_active);
	}
	mx_family(out, "rpxd_listen_queue_connections", "gauge", "Connections "
	    "waiting in a listener's accept queue for a free worker.");
	for (i = 0; i < st->st_nlisteners; i++) {
		if (!st->st_listeners[i].ml_current)
			continue;
		l = (struct mx_label){ "listener", st->st_listeners[i].ml_name };
		mx_sample(out, "rpxd_listen_queue_connections", &l, 1,
		    st->st_listeners[i].ml_waiting);
	}
}

static void
render_pool(const struct mx_state *st, struct strbuf *out)
{
	struct mx_label	 l;
	unsigned	 i;

	mx_family(out, "rpxd_pool_workers", "gauge", "Worker processes, by "
	    "state (all generations).");
	for (i = 0; i < MX_WS_STATES; i++) {
		l = (struct mx_label){ "state", worker_state_names[i] };
		mx_sample(out, "rpxd_pool_workers", &l, 1, st->st_workers[i]);
	}
	mx_family(out, "rpxd_pool_workers_max", "gauge", "max-workers of the "
	    "running configuration.");
	mx_sample(out, "rpxd_pool_workers_max", NULL, 0, st->st_workers_max);
	mx_family(out, "rpxd_pool_pressure", "gauge", "1 while the pool is "
	    "in pressure mode (pressure-threshold).");
	mx_sample(out, "rpxd_pool_pressure", NULL, 0, st->st_pressure != 0);
	mx_family(out, "rpxd_refused_connections_total", "counter",
	    "Connections refused, or closed before their next request, by "
	    "reason.");
	for (i = 0; i < LIMIT_REASONS; i++) {
		l = (struct mx_label){ "reason", limited_names[i] };
		mx_sample(out, "rpxd_refused_connections_total", &l, 1,
		    st->st_limited[i]);
	}
	for (i = 0; i < MB_REFUSED_REASONS; i++) {
		l = (struct mx_label){ "reason", refused_names[i] };
		mx_sample(out, "rpxd_refused_connections_total", &l, 1,
		    st->st_refused[i]);
	}
}

static void
server_labels(const struct mx_server *v, struct mx_label *l)
{
	l[0] = (struct mx_label){ "backend", v->mv_backend };
	l[1] = (struct mx_label){ "server", v->mv_server };
}

/* The gauges of a server that come from the health board. */
enum board_gauge { BG_UP, BG_HELD_OFF, BG_CONNECTIONS, BG_PINNED };

static unsigned
board_value(const struct mx_server *v, enum board_gauge g)
{
	switch (g) {
	case BG_UP:
		return v->mv_up != 0;
	case BG_HELD_OFF:
		return v->mv_held_off != 0;
	case BG_CONNECTIONS:
		return v->mv_active;
	case BG_PINNED:
		return v->mv_pinned;
	}
	return 0;
}

static void
render_board_gauge(const struct mx_state *st, struct strbuf *out,
    const char *name, const char *help, enum board_gauge g)
{
	struct mx_label	 l[2];
	unsigned	 i;

	mx_family(out, name, "gauge", help);
	for (i = 0; i < st->st_nservers; i++) {
		const struct mx_server *v = &st->st_servers[i];

		if (!v->mv_board)
			continue;
		server_labels(v, l);
		mx_sample(out, name, l, 2, board_value(v, g));
	}
}

static void
render_checks(const struct mx_state *st, struct strbuf *out)
{
	struct mx_label	 l[3];
	unsigned	 i;

	mx_family(out, "rpxd_server_checks_total", "counter", "Active health "
	    "checks of a server, by result.");
	for (i = 0; i < st->st_nservers; i++) {
		const struct mx_server *v = &st->st_servers[i];

		if (!v->mv_board || !v->mv_checked)
			continue;
		server_labels(v, l);
		l[2] = (struct mx_label){ "result", "ok" };
		mx_sample(out, "rpxd_server_checks_total", l, 3,
		    v->mv_checks - v->mv_check_failures);
		l[2] = (struct mx_label){ "result", "failed" };
		mx_sample(out, "rpxd_server_checks_total", l, 3,
		    v->mv_check_failures);
	}
	mx_family(out, "rpxd_server_check_status", "gauge", "HTTP status of "
	    "a server's last health check; 0 when it failed or none ran.");
	for (i = 0; i < st->st_nservers; i++) {
		const struct mx_server *v = &st->st_servers[i];

		if (!v->mv_board || !v->mv_checked)
			continue;
		server_labels(v, l);
		mx_sample(out, "rpxd_server_check_status", l, 2,
		    v->mv_last_status);
	}
}

static void
render_servers(const struct mx_state *st, struct strbuf *out)
{
	struct mx_label	 l[2];
	unsigned	 i;

	render_board_gauge(st, out, "rpxd_server_up", "1 while the health "
	    "checks have a server up (or it has none), 0 while down.",
	    BG_UP);
	render_board_gauge(st, out, "rpxd_server_held_off", "1 while a "
	    "server is skipped for down-time after it failed a connection.",
	    BG_HELD_OFF);
	render_checks(st, out);
	render_board_gauge(st, out, "rpxd_server_connections", "Backend "
	    "connections open to a server now (all workers).",
	    BG_CONNECTIONS);
	render_board_gauge(st, out, "rpxd_server_pinned_connections",
	    "Backend connections to a server pinned to their client "
	    "(NTLM/Negotiate).", BG_PINNED);
	mx_family(out, "rpxd_server_failures_total", "counter", "Connections "
	    "to a server that failed (connect or TLS handshake).");
	for (i = 0; i < st->st_nservers; i++) {
		server_labels(&st->st_servers[i], l);
		mx_sample(out, "rpxd_server_failures_total", l, 2,
		    st->st_servers[i].mv_failures);
	}
}

static void
render_tls(const struct mx_state *st, struct strbuf *out)
{
	struct mx_label	 l;
	unsigned	 i;

	mx_family(out, "rpxd_tls_handshakes_total", "counter", "TLS "
	    "handshakes with clients completed.");
	mx_sample(out, "rpxd_tls_handshakes_total", NULL, 0, st->st_tls_done);
	mx_family(out, "rpxd_tls_resumptions_total", "counter", "Of the "
	    "completed handshakes, those that resumed a session.");
	mx_sample(out, "rpxd_tls_resumptions_total", NULL, 0,
	    st->st_tls_resumed);
	mx_family(out, "rpxd_tls_handshake_failures_total", "counter", "TLS "
	    "handshakes with clients that failed, by reason.");
	for (i = 0; i < MB_TLS_FAILURES; i++) {
		l = (struct mx_label){ "reason", tls_failure_names[i] };
		mx_sample(out, "rpxd_tls_handshake_failures_total", &l, 1,
		    st->st_tls_failed[i]);
	}
}

static void
render_keys(const struct mx_state *st, struct strbuf *out)
{
	const char		*name = "rpxd_key_service_round_trip_seconds";
	struct mx_label		 l;
	unsigned long long	 n = 0;
	char			 le[32];
	unsigned		 i;

	mx_family(out, name, "histogram", "Round trips of the workers' "
	    "signature requests to the key holders.");
	for (i = 0; i < MB_KEY_BUCKETS; i++) {
		n += st->st_key_bucket[i];
		if (i < MB_KEY_BUCKETS - 1)
			snprintf(le, sizeof(le), "%g",
			    mb_key_bounds_us[i] / 1e6);
		else
			snprintf(le, sizeof(le), "+Inf");
		l = (struct mx_label){ "le", le };
		mx_sample(out, "rpxd_key_service_round_trip_seconds_bucket",
		    &l, 1, n);
	}
	mx_sample_double(out, "rpxd_key_service_round_trip_seconds_sum",
	    NULL, 0, (double)st->st_key_sum_us / 1e6);
	mx_sample(out, "rpxd_key_service_round_trip_seconds_count", NULL, 0,
	    n);
	mx_family(out, "rpxd_key_service_failures_total", "counter",
	    "Signature requests that got no signature (timeout, refusal, "
	    "key holder gone).");
	mx_sample(out, "rpxd_key_service_failures_total", NULL, 0,
	    st->st_key_failed);
}

static void
render_ntlm(const struct mx_state *st, struct strbuf *out)
{
	struct mx_label	 l;
	unsigned	 i;

	mx_family(out, "rpxd_ntlm_logins_total", "counter", "auth = ntlm "
	    "logins checked by the master, by result (locked: refused "
	    "unchecked after auth-failure-limit; unavailable: no verdict "
	    "from the domain, answered 503).");
	for (i = 0; i < MX_NTLM_RESULTS; i++) {
		l = (struct mx_label){ "result", ntlm_names[i] };
		mx_sample(out, "rpxd_ntlm_logins_total", &l, 1, st->st_ntlm[i]);
	}
}

void
mx_render(const struct mx_state *st, struct strbuf *out)
{
	render_process(st, out);
	render_requests(st, out);
	render_listeners(st, out);
	render_pool(st, out);
	render_servers(st, out);
	render_tls(st, out);
	render_keys(st, out);
	render_ntlm(st, out);
}
