/*
 * A metrics listener (listener options metrics and metrics-from): it
 * serves the Prometheus text of rpxctl metrics on GET /metrics, in plain
 * HTTP, to the addresses of metrics-from only (loopback when not given),
 * and has no routes, TLS or PROXY header. Called by config_parse.c's
 * fill_listener; only the master links this file.
 */
#include <confuse.h>

#include "config.h"
#include "config_parse.h"

/* Without metrics-from: the host itself only. */
static const char *const loopback[] = { "127.0.0.0/8", "::1" };

static void
fill_from(struct listener_conf *ls, cfg_t *sec, unsigned n)
{
	const char	*why;
	unsigned	 i;

	if (n == 0) {
		for (i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++)
			if (net_prefix_parse(loopback[i],
			    &ls->ls_metrics_from[i], &why) == 0)
				ls->ls_nmetrics_from++;
		return;
	}
	if (n > RPXD_METRICS_FROM_MAX) {
		config_perr(sec->line, "listener \"%s\": metrics-from: more "
		    "than %d entries", ls->ls_name, RPXD_METRICS_FROM_MAX);
		return;
	}
	/* The validator has said what is wrong with a bad entry. */
	for (i = 0; i < n; i++)
		if (net_prefix_parse(cfg_getnstr(sec, "metrics-from", i),
		    &ls->ls_metrics_from[ls->ls_nmetrics_from], &why) == 0)
			ls->ls_nmetrics_from++;
}

int
config_fill_listener_metrics(struct listener_conf *ls, cfg_t *sec)
{
	unsigned	n = cfg_size(sec, "metrics-from");

	ls->ls_metrics = cfg_getbool(sec, "metrics") ? 1 : 0;
	if (!ls->ls_metrics) {
		if (n > 0)
			config_perr(sec->line, "listener \"%s\": metrics-from: "
			    "set without metrics = true", ls->ls_name);
		return 0;
	}
	if (cfg_size(sec, "route") > 0)
		config_perr(sec->line, "listener \"%s\": route: a metrics "
		    "listener has none (it serves /metrics only)",
		    ls->ls_name);
	if (cfg_size(sec, "default-route") > 0)
		config_perr(sec->line, "listener \"%s\": default-route: a "
		    "metrics listener has no routes", ls->ls_name);
	if (ls->ls_ncerts > 0 || cfg_size(sec, "tls") > 0)
		config_perr(sec->line, "listener \"%s\": tls: a metrics "
		    "listener speaks plain HTTP (keep it on loopback or a "
		    "management network)", ls->ls_name);
	if (ls->ls_proxy_protocol)
		config_perr(sec->line, "listener \"%s\": proxy-protocol: not "
		    "on a metrics listener (metrics-from names the scrapers)",
		    ls->ls_name);
	fill_from(ls, sec, n);
	return 1;
}
