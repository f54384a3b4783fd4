/*
 * rpxctl show config: the running configuration with every default filled
 * in, either in rpxd.conf syntax (rpxd -n accepts it) or as JSON. Secrets
 * never appear: key files are named, not read.
 */
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "log.h"

/* One writer for both forms: sections become nested blocks or objects,
 * groups of sections become nothing or arrays. */
struct emit {
	struct strbuf	*e_sb;
	struct json	 e_js;
	int		 e_json;
	int		 e_depth;
};

static void
e_indent(struct emit *e)
{
	int	i;

	for (i = 0; i < e->e_depth; i++)
		strbuf_add(e->e_sb, "\t", 1);
}

static void
e_str(struct emit *e, const char *key, const char *v)
{
	if (e->e_json) {
		json_str(&e->e_js, key, v);
		return;
	}
	e_indent(e);
	strbuf_printf(e->e_sb, "%s = ", key);
	strbuf_conf_str(e->e_sb, v);
	strbuf_add(e->e_sb, "\n", 1);
}

/* An option with no default: left out when unset. */
static void
e_opt(struct emit *e, const char *key, const char *v)
{
	if (v[0] != '\0')
		e_str(e, key, v);
	else if (e->e_json)
		json_null(&e->e_js, key);
}

static void
e_int(struct emit *e, const char *key, long long v)
{
	if (e->e_json) {
		json_int(&e->e_js, key, v);
		return;
	}
	e_indent(e);
	strbuf_printf(e->e_sb, "%s = %lld\n", key, v);
}

static void
e_bool(struct emit *e, const char *key, int v)
{
	if (e->e_json) {
		json_bool(&e->e_js, key, v);
		return;
	}
	e_indent(e);
	strbuf_printf(e->e_sb, "%s = %s\n", key, v ? "true" : "false");
}

static void
e_list_begin(struct emit *e, const char *key)
{
	if (e->e_json) {
		json_array(&e->e_js, key);
		return;
	}
	e_indent(e);
	strbuf_printf(e->e_sb, "%s = {", key);
}

static void
e_list_str(struct emit *e, unsigned i, const char *v)
{
	if (e->e_json) {
		json_str(&e->e_js, NULL, v);
		return;
	}
	if (i > 0)
		strbuf_add(e->e_sb, ", ", 2);
	strbuf_conf_str(e->e_sb, v);
}

static void
e_list_int(struct emit *e, unsigned i, long long v)
{
	if (e->e_json) {
		json_int(&e->e_js, NULL, v);
		return;
	}
	strbuf_printf(e->e_sb, "%s%lld", i > 0 ? ", " : "", v);
}

static void
e_list_end(struct emit *e)
{
	if (e->e_json)
		json_end(&e->e_js, ']');
	else
		strbuf_add(e->e_sb, "}\n", 2);
}

static void
e_group(struct emit *e, const char *kind)
{
	if (e->e_json)
		json_array(&e->e_js, kind);
}

static void
e_group_end(struct emit *e)
{
	if (e->e_json)
		json_end(&e->e_js, ']');
}

/* A section; title NULL for an untitled one (tls, health-check), which
 * JSON shows as an object member. */
static void
e_section(struct emit *e, const char *kind, const char *title)
{
	if (e->e_json) {
		json_object(&e->e_js, title != NULL ? NULL : kind);
		if (title != NULL)
			json_str(&e->e_js, "name", title);
		return;
	}
	strbuf_add(e->e_sb, "\n", e->e_depth == 0);
	e_indent(e);
	strbuf_printf(e->e_sb, "%s ", kind);
	if (title != NULL) {
		strbuf_conf_str(e->e_sb, title);
		strbuf_add(e->e_sb, " ", 1);
	}
	strbuf_add(e->e_sb, "{\n", 2);
	e->e_depth++;
}

static void
e_section_end(struct emit *e)
{
	if (e->e_json) {
		json_end(&e->e_js, '}');
		return;
	}
	e->e_depth--;
	e_indent(e);
	strbuf_add(e->e_sb, "}\n", 2);
}

static void
show_globals(struct emit *e, const struct rpxd_conf *c)
{
	const char	*name;
	unsigned	 i;

	e_str(e, "user", c->rc_user);
	e_str(e, "group", c->rc_group);
	e_str(e, "chroot", c->rc_chroot);
	e_str(e, "pidfile", c->rc_pidfile);
	e_str(e, "control-socket", c->rc_control_socket);
	e_str(e, "syslog-socket", c->rc_syslog_socket);
	e_str(e, "syslog-tag", c->rc_syslog_tag);
	e_str(e, "syslog-facility", log_facility_name(c->rc_facility));
	e_str(e, "log-level", log_level_name(c->rc_log_level));
	e_opt(e, "ntlm-users", c->rc_ntlm_users);
	e_str(e, "ntlm-domain", c->rc_ntlm_domain);
	e_str(e, "ntlm-source", config_ntlm_source_name(c->rc_ntlm_source));
	e_str(e, "winbind-privileged-group", c->rc_winbind_group);
	e_opt(e, "negotiate-keytab", c->rc_negotiate_keytab);
	e_opt(e, "tls-ticket-key-file", c->rc_ticket_key_file);
	e_opt(e, "balance-key-file", c->rc_balance_key_file);
	e_bool(e, "check-extended-protection", c->rc_check_ep);
	for (i = 0; (name = config_int_name(i)) != NULL; i++)
		e_int(e, name, config_int_get(c, i));
}

static void
show_health(struct emit *e, const struct health_conf *hc)
{
	unsigned	i;

	e_section(e, "health-check", NULL);
	e_str(e, "path", hc->hc_path);
	e_opt(e, "host", hc->hc_host);
	if (hc->hc_nstatus > 0) {
		e_list_begin(e, "status");
		for (i = 0; i < hc->hc_nstatus; i++)
			e_list_int(e, i, hc->hc_status[i]);
		e_list_end(e);
	}
	e_opt(e, "body", hc->hc_body);
	e_int(e, "interval", hc->hc_interval);
	e_int(e, "timeout", hc->hc_timeout);
	e_int(e, "rise", hc->hc_rise);
	e_int(e, "fall", hc->hc_fall);
	e_section_end(e);
}

static void
show_backend(struct emit *e, const struct backend_conf *be)
{
	unsigned	i;

	e_section(e, "backend", be->be_name);
	e_list_begin(e, "server");
	for (i = 0; i < be->be_nservers; i++)
		e_list_str(e, i, be->be_servers[i].sv_name);
	e_list_end(e);
	e_bool(e, "tls", be->be_tls);
	e_bool(e, "verify", be->be_verify);
	e_opt(e, "ca-file", be->be_ca_file);
	e_opt(e, "verify-name", be->be_verify_name);
	e_opt(e, "sni", be->be_sni);
	e_opt(e, "client-certificate", be->be_client_cert);
	e_opt(e, "client-key", be->be_client_key);
	e_str(e, "balance", config_balance_name(be->be_balance));
	e_opt(e, "sticky-cookie", be->be_sticky_cookie);
	e_int(e, "down-time", be->be_down_time);
	if (be->be_health.hc_enabled)
		show_health(e, &be->be_health);
	e_section_end(e);
}

static void
show_tls(struct emit *e, const struct listener_conf *ls)
{
	unsigned	i;

	e_section(e, "tls", NULL);
	e_group(e, "certificate");
	for (i = 0; i < ls->ls_ncerts; i++) {
		e_section(e, "certificate", ls->ls_certs[i].ct_file);
		e_str(e, "key", ls->ls_certs[i].ct_key_file);
		e_opt(e, "ocsp-response", ls->ls_certs[i].ct_ocsp_file);
		e_bool(e, "ocsp-fetch", ls->ls_certs[i].ct_ocsp_fetch);
		/* the configured URL, or the AIA's */
		e_opt(e, "ocsp-responder", ls->ls_certs[i].ct_ocsp_url);
		e_section_end(e);
	}
	e_group_end(e);
	e_str(e, "protocols", ls->ls_protocols);
	e_str(e, "ciphers", ls->ls_ciphers);
	e_str(e, "ciphersuites", ls->ls_ciphersuites);
	e_str(e, "curves", ls->ls_curves);
	e_int(e, "hsts", ls->ls_hsts);
	e_bool(e, "hsts-include-subdomains", ls->ls_hsts_subdomains);
	e_bool(e, "tls-tickets", ls->ls_tls_tickets);
	e_section_end(e);
}

static void
show_route(struct emit *e, const struct route_conf *rt)
{
	unsigned	i;

	e_section(e, "route", rt->rt_name);
	if (rt->rt_nhosts > 0) {
		e_list_begin(e, "host");
		for (i = 0; i < rt->rt_nhosts; i++)
			e_list_str(e, i, rt->rt_hosts[i]);
		e_list_end(e);
	} else if (e->e_json)
		json_null(&e->e_js, "host");	/* any host */
	e_str(e, "path", rt->rt_path);
	e_bool(e, "path-case-insensitive", rt->rt_path_icase);
	e_opt(e, "backend", rt->rt_backend_name);
	e_str(e, "host-header", rt->rt_host_mode == HOST_HEADER_REWRITE ?
	    "rewrite" : "preserve");
	e_opt(e, "host-rewrite", rt->rt_host_rewrite);
	e_int(e, "backend-timeout", rt->rt_backend_timeout);
	e_int(e, "idle-timeout", rt->rt_idle_timeout);
	e_bool(e, "redirect-https", rt->rt_redirect_https);
	e_int(e, "redirect-port", rt->rt_redirect_port);
	e_str(e, "auth", config_auth_name(rt->rt_auth));
	/* the parser refuses it with any other auth */
	e_opt(e, "auth-header", AUTH_BY_PROXY(rt->rt_auth) ?
	    rt->rt_auth_header : "");
	e_opt(e, "ntlm-source", AUTH_BY_PROXY(rt->rt_auth) ?
	    config_ntlm_source_name(rt->rt_ntlm_source) : "");
	if (rt->rt_ngroups > 0) {
		e_list_begin(e, "require-group");
		for (i = 0; i < rt->rt_ngroups; i++)
			e_list_str(e, i, rt->rt_groups[i]);
		e_list_end(e);
	} else if (e->e_json)
		json_null(&e->e_js, "require-group");	/* none */
	e_opt(e, "delegate", rt->rt_delegate);	/* "": none */
	e_bool(e, "access-log", rt->rt_access_log);
	e_section_end(e);
}

static void
show_listener(struct emit *e, const struct listener_conf *ls)
{
	unsigned	i;

	e_section(e, "listener", ls->ls_name);
	e_str(e, "address", ls->ls_address);
	e_int(e, "port", ls->ls_port);
	e_opt(e, "default-route", ls->ls_default_route_name);
	e_bool(e, "access-log", ls->ls_access_log);
	e_bool(e, "proxy-protocol", ls->ls_proxy_protocol);
	if (ls->ls_nproxy_from > 0) {
		char	np[64];

		e_list_begin(e, "proxy-protocol-from");
		for (i = 0; i < ls->ls_nproxy_from; i++) {
			net_prefix_format(&ls->ls_proxy_from[i], np,
			    sizeof(np));
			e_list_str(e, i, np);
		}
		e_list_end(e);
	} else if (e->e_json)
		json_null(&e->e_js, "proxy-protocol-from");
	e_bool(e, "metrics", ls->ls_metrics);
	if (ls->ls_nmetrics_from > 0) {
		char	np[64];

		e_list_begin(e, "metrics-from");
		for (i = 0; i < ls->ls_nmetrics_from; i++) {
			net_prefix_format(&ls->ls_metrics_from[i], np,
			    sizeof(np));
			e_list_str(e, i, np);
		}
		e_list_end(e);
	} else if (e->e_json)
		json_null(&e->e_js, "metrics-from");
	if (ls->ls_ncerts > 0)
		show_tls(e, ls);
	e_group(e, "route");
	for (i = 0; i < ls->ls_nroutes; i++)
		show_route(e, &ls->ls_routes[i]);
	e_group_end(e);
	e_section_end(e);
}

void
control_show_config(const struct rpxd_conf *c, int json, struct strbuf *out)
{
	struct emit	e;
	unsigned	i;

	memset(&e, 0, sizeof(e));
	e.e_sb = out;
	e.e_json = json;
	json_init(&e.e_js, out);
	if (json)
		json_object(&e.e_js, NULL);
	else
		strbuf_printf(out, "# the running configuration, from %s, "
		    "with every default\n", c->rc_file);
	show_globals(&e, c);
	e_group(&e, "backend");
	for (i = 0; i < c->rc_nbackends; i++)
		show_backend(&e, &c->rc_backends[i]);
	e_group_end(&e);
	e_group(&e, "listener");
	for (i = 0; i < c->rc_nlisteners; i++)
		show_listener(&e, &c->rc_listeners[i]);
	e_group_end(&e);
	if (json) {
		json_end(&e.e_js, '}');
		strbuf_add(out, "\n", 1);
	}
}
