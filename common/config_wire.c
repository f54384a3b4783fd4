/*
 * The configuration as the master sends it to a worker (master/pool.c,
 * worker/worker.c): every field, in order, with msgbuf's typed helpers,
 * after a format version. The decoder trusts nothing: counts are bounded
 * by the RPXD_MAX_* limits and by the bytes left before anything is
 * allocated, indexes, ports and address lengths are checked, and the
 * payload must be consumed exactly.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "healthboard.h"
#include "log.h"
#include "msgbuf.h"

#define CONFIG_WIRE_VERSION	7
#define NO_ROUTE		UINT32_MAX	/* ls_default_route -1 */

/* The fewest bytes each element can take, to bound counts by what is
 * left: a string is at least its u32 length. */
#define MIN_HOST	4
#define MIN_ADDR	(4 + sizeof(struct sockaddr_in))
#define MIN_SERVER	(4 + 4 + 4 + MIN_ADDR)	/* name host port addr */
#define MIN_BACKEND	(4 + 4 + 4)		/* name line nservers */
#define MIN_ROUTE	(4 * 11)
#define MIN_LISTENER	(4 * 7 + MIN_ADDR)	/* 7 fields and the address */

/* Sanity bounds for the global integers: what config_parse.c allows. */
#define HEAD_MIN	1024u
#define HEAD_MAX	(1u << 22)
#define LINE_MIN	64u
#define HEADERS_MAX	10000u

static void
put_addr(struct msgbuf *mb, const struct sockaddr_storage *ss, socklen_t len)
{
	msgbuf_put_u32(mb, (uint32_t)len);
	msgbuf_put_bytes(mb, ss, len);
}

static void
put_route(struct msgbuf *mb, const struct route_conf *rt)
{
	unsigned	i;

	msgbuf_put_str(mb, rt->rt_name);
	msgbuf_put_u32(mb, rt->rt_line);
	msgbuf_put_u32(mb, rt->rt_nhosts);
	for (i = 0; i < rt->rt_nhosts; i++)
		msgbuf_put_str(mb, rt->rt_hosts[i]);
	msgbuf_put_str(mb, rt->rt_path);
	msgbuf_put_u32(mb, (uint32_t)rt->rt_path_icase);
	msgbuf_put_str(mb, rt->rt_backend_name);
	msgbuf_put_u32(mb, rt->rt_backend);
	msgbuf_put_u32(mb, (uint32_t)rt->rt_host_mode);
	msgbuf_put_str(mb, rt->rt_host_rewrite);
	msgbuf_put_u32(mb, rt->rt_backend_timeout);
	msgbuf_put_u32(mb, rt->rt_idle_timeout);
	msgbuf_put_u32(mb, (uint32_t)rt->rt_redirect_https);
	msgbuf_put_u32(mb, rt->rt_redirect_port);
	msgbuf_put_u32(mb, (uint32_t)rt->rt_auth);
	msgbuf_put_str(mb, rt->rt_auth_header);
	msgbuf_put_u32(mb, (uint32_t)rt->rt_access_log);
	msgbuf_put_u32(mb, (uint32_t)rt->rt_ntlm_source);
	msgbuf_put_u32(mb, rt->rt_ngroups);
	for (i = 0; i < rt->rt_ngroups; i++)
		msgbuf_put_str(mb, rt->rt_groups[i]);
	msgbuf_put_str(mb, rt->rt_delegate);
}

/* Public bytes only: private keys travel in their own message. */
static void
put_blob(struct msgbuf *mb, const struct blob *b)
{
	msgbuf_put_u32(mb, (uint32_t)b->bl_len);
	if (b->bl_len > 0)
		msgbuf_put_bytes(mb, b->bl_data, b->bl_len);
}

static void
put_backend_tls(struct msgbuf *mb, const struct backend_conf *be)
{
	msgbuf_put_u32(mb, (uint32_t)be->be_tls);
	msgbuf_put_u32(mb, (uint32_t)be->be_verify);
	msgbuf_put_str(mb, be->be_ca_file);
	msgbuf_put_str(mb, be->be_verify_name);
	msgbuf_put_str(mb, be->be_sni);
	msgbuf_put_str(mb, be->be_client_cert);
	put_blob(mb, &be->be_ca_pem);
	put_blob(mb, &be->be_client_cert_pem);
}

static void
put_backend_pool(struct msgbuf *mb, const struct backend_conf *be)
{
	const struct health_conf	*h = &be->be_health;
	unsigned			 i;

	msgbuf_put_u32(mb, (uint32_t)be->be_balance);
	msgbuf_put_str(mb, be->be_sticky_cookie);
	msgbuf_put_u32(mb, be->be_down_time);
	msgbuf_put_u32(mb, (uint32_t)h->hc_enabled);
	msgbuf_put_u32(mb, h->hc_line);
	msgbuf_put_str(mb, h->hc_path);
	msgbuf_put_str(mb, h->hc_host);
	msgbuf_put_u32(mb, h->hc_nstatus);
	for (i = 0; i < h->hc_nstatus; i++)
		msgbuf_put_u32(mb, h->hc_status[i]);
	msgbuf_put_str(mb, h->hc_body);
	msgbuf_put_u32(mb, h->hc_interval);
	msgbuf_put_u32(mb, h->hc_timeout);
	msgbuf_put_u32(mb, h->hc_rise);
	msgbuf_put_u32(mb, h->hc_fall);
}

static void
put_listener_tls(struct msgbuf *mb, const struct listener_conf *ls)
{
	unsigned	i;

	msgbuf_put_u32(mb, ls->ls_tls_line);
	msgbuf_put_u32(mb, ls->ls_ncerts);
	for (i = 0; i < ls->ls_ncerts; i++) {
		msgbuf_put_str(mb, ls->ls_certs[i].ct_file);
		msgbuf_put_u32(mb, ls->ls_certs[i].ct_line);
		put_blob(mb, &ls->ls_certs[i].ct_chain_pem);
		put_blob(mb, &ls->ls_certs[i].ct_ocsp_der);
		msgbuf_put_u64(mb, (uint64_t)ls->ls_certs[i].ct_ocsp_next);
	}
	msgbuf_put_str(mb, ls->ls_protocols);
	msgbuf_put_str(mb, ls->ls_ciphers);
	msgbuf_put_str(mb, ls->ls_ciphersuites);
	msgbuf_put_str(mb, ls->ls_curves);
	msgbuf_put_u32(mb, ls->ls_hsts);
	msgbuf_put_u32(mb, (uint32_t)ls->ls_hsts_subdomains);
	msgbuf_put_u32(mb, (uint32_t)ls->ls_access_log);
	msgbuf_put_u32(mb, (uint32_t)ls->ls_tls_tickets);
	msgbuf_put_u32(mb, (uint32_t)ls->ls_proxy_protocol);
	msgbuf_put_u32(mb, ls->ls_nproxy_from);
	for (i = 0; i < ls->ls_nproxy_from; i++)
		msgbuf_put_bytes(mb, &ls->ls_proxy_from[i],
		    sizeof(ls->ls_proxy_from[i]));
}

static void
put_backend(struct msgbuf *mb, const struct backend_conf *be)
{
	unsigned	j;

	msgbuf_put_str(mb, be->be_name);
	msgbuf_put_u32(mb, be->be_line);
	msgbuf_put_u32(mb, be->be_nservers);
	for (j = 0; j < be->be_nservers; j++) {
		const struct server_conf *sv = &be->be_servers[j];

		msgbuf_put_str(mb, sv->sv_name);
		msgbuf_put_str(mb, sv->sv_host);
		msgbuf_put_u32(mb, sv->sv_port);
		put_addr(mb, &sv->sv_addr, sv->sv_addrlen);
	}
	put_backend_tls(mb, be);
	put_backend_pool(mb, be);
}

static void
put_listener(struct msgbuf *mb, const struct listener_conf *ls)
{
	unsigned	j;

	msgbuf_put_str(mb, ls->ls_name);
	msgbuf_put_u32(mb, ls->ls_line);
	msgbuf_put_str(mb, ls->ls_address);
	msgbuf_put_u32(mb, ls->ls_port);
	put_addr(mb, &ls->ls_addr, ls->ls_addrlen);
	msgbuf_put_u32(mb, ls->ls_default_route < 0 ? NO_ROUTE :
	    (uint32_t)ls->ls_default_route);
	msgbuf_put_str(mb, ls->ls_default_route_name);
	msgbuf_put_u32(mb, ls->ls_nroutes);
	for (j = 0; j < ls->ls_nroutes; j++)
		put_route(mb, &ls->ls_routes[j]);
	put_listener_tls(mb, ls);
	msgbuf_put_u32(mb, (uint32_t)ls->ls_metrics);
	msgbuf_put_u32(mb, ls->ls_nmetrics_from);
	for (j = 0; j < ls->ls_nmetrics_from; j++)
		msgbuf_put_bytes(mb, &ls->ls_metrics_from[j],
		    sizeof(ls->ls_metrics_from[j]));
}

int
config_encode(const struct rpxd_conf *c, struct msgbuf *mb)
{
	unsigned	 i;

	msgbuf_put_u32(mb, CONFIG_WIRE_VERSION);
	msgbuf_put_str(mb, c->rc_file);
	msgbuf_put_str(mb, c->rc_user);
	msgbuf_put_str(mb, c->rc_group);
	msgbuf_put_u32(mb, (uint32_t)c->rc_uid);
	msgbuf_put_u32(mb, (uint32_t)c->rc_gid);
	msgbuf_put_str(mb, c->rc_chroot);
	msgbuf_put_str(mb, c->rc_pidfile);
	msgbuf_put_u32(mb, (uint32_t)c->rc_facility);
	msgbuf_put_str(mb, c->rc_syslog_socket);
	msgbuf_put_str(mb, c->rc_syslog_tag);
	msgbuf_put_u32(mb, (uint32_t)c->rc_log_level);
	msgbuf_put_str(mb, c->rc_ntlm_domain);
	msgbuf_put_u32(mb, (uint32_t)c->rc_winbind_gid);
	msgbuf_put_str(mb, c->rc_negotiate_keytab);
	for (i = 0; i < CONFIG_GLOBAL_INTS; i++)
		msgbuf_put_u32(mb, config_int_get(c, i));
	msgbuf_put_u32(mb, c->rc_nbackends);
	for (i = 0; i < c->rc_nbackends; i++)
		put_backend(mb, &c->rc_backends[i]);
	msgbuf_put_u32(mb, c->rc_nlisteners);
	for (i = 0; i < c->rc_nlisteners; i++)
		put_listener(mb, &c->rc_listeners[i]);
	return mb->mb_error ? -1 : 0;
}

static int
get_uint(struct msgbuf *mb, unsigned *v, unsigned min, unsigned max)
{
	uint32_t	x;

	if (msgbuf_get_u32(mb, &x) == -1 || x < min || x > max) {
		mb->mb_error = 1;
		return -1;
	}
	*v = x;
	return 0;
}

/* A count, bounded by max and by what the payload can still hold. */
static int
get_count(struct msgbuf *mb, unsigned *n, unsigned min, unsigned max,
    size_t min_each)
{
	if (get_uint(mb, n, min, max) == -1 ||
	    (size_t)*n * min_each > mb->mb_len - mb->mb_off) {
		mb->mb_error = 1;
		return -1;
	}
	return 0;
}

/* An IPv4 or IPv6 socket address whose length fits its family. */
static int
get_addr(struct msgbuf *mb, struct sockaddr_storage *ss, socklen_t *len)
{
	unsigned	l;

	memset(ss, 0, sizeof(*ss));
	if (get_uint(mb, &l, sizeof(struct sockaddr_in), sizeof(*ss)) == -1 ||
	    msgbuf_get_bytes(mb, ss, l) == -1)
		return -1;
	*len = (socklen_t)l;
	if ((ss->ss_family == AF_INET && l == sizeof(struct sockaddr_in)) ||
	    (ss->ss_family == AF_INET6 && l == sizeof(struct sockaddr_in6)))
		return 0;
	mb->mb_error = 1;
	return -1;
}

/* require-group: only on a route rpxd logs clients in to, each name
 * non-empty. */
static int
get_groups(struct msgbuf *mb, struct route_conf *rt)
{
	unsigned	i;

	if (get_count(mb, &rt->rt_ngroups, 0, RPXD_GROUPS_MAX, 5) == -1 ||
	    (rt->rt_ngroups > 0 && !AUTH_BY_PROXY(rt->rt_auth)))
		return -1;
	if (rt->rt_ngroups > 0 && (rt->rt_groups = calloc(rt->rt_ngroups,
	    sizeof(*rt->rt_groups))) == NULL)
		return -1;
	for (i = 0; i < rt->rt_ngroups; i++)
		if (msgbuf_get_str(mb, rt->rt_groups[i],
		    RPXD_GROUP_NAME_MAX) == -1 || rt->rt_groups[i][0] == '\0')
			return -1;
	/* delegate: likewise only where rpxd logs clients in. */
	if (msgbuf_get_str(mb, rt->rt_delegate, sizeof(rt->rt_delegate)) ==
	    -1 || (rt->rt_delegate[0] != '\0' && !AUTH_BY_PROXY(rt->rt_auth)))
		return -1;
	return 0;
}

static int
get_hosts(struct msgbuf *mb, struct route_conf *rt)
{
	unsigned	i;

	if (get_count(mb, &rt->rt_nhosts, 0, RPXD_MAX_HOSTS, MIN_HOST) == -1)
		return -1;
	if (rt->rt_nhosts > 0 && (rt->rt_hosts = calloc(rt->rt_nhosts,
	    sizeof(*rt->rt_hosts))) == NULL)
		return -1;
	for (i = 0; i < rt->rt_nhosts; i++)
		if (msgbuf_get_str(mb, rt->rt_hosts[i], RPXD_HOST_MAX) == -1)
			return -1;
	return 0;
}

static int
get_route(struct msgbuf *mb, struct route_conf *rt, unsigned nbackends)
{
	unsigned	u;

	if (msgbuf_get_str(mb, rt->rt_name, sizeof(rt->rt_name)) == -1 ||
	    get_uint(mb, &rt->rt_line, 0, UINT32_MAX) == -1 ||
	    get_hosts(mb, rt) == -1 ||
	    msgbuf_get_str(mb, rt->rt_path, sizeof(rt->rt_path)) == -1 ||
	    rt->rt_path[0] != '/' || get_uint(mb, &u, 0, 1) == -1)
		return -1;
	rt->rt_path_icase = (int)u;
	if (msgbuf_get_str(mb, rt->rt_backend_name,
	    sizeof(rt->rt_backend_name)) == -1 ||
	    get_uint(mb, &rt->rt_backend, 0, UINT32_MAX) == -1 ||
	    (rt->rt_backend != RPXD_NO_BACKEND &&
	    rt->rt_backend >= nbackends) ||
	    get_uint(mb, &u, HOST_HEADER_PRESERVE, HOST_HEADER_REWRITE) == -1)
		return -1;
	rt->rt_host_mode = (int)u;
	if (msgbuf_get_str(mb, rt->rt_host_rewrite,
	    sizeof(rt->rt_host_rewrite)) == -1 ||
	    (rt->rt_host_mode == HOST_HEADER_REWRITE &&
	    rt->rt_host_rewrite[0] == '\0'))
		return -1;
	if (get_uint(mb, &rt->rt_backend_timeout, 0, UINT32_MAX) == -1 ||
	    get_uint(mb, &rt->rt_idle_timeout, 0, UINT32_MAX) == -1 ||
	    get_uint(mb, &u, 0, 1) == -1)
		return -1;
	rt->rt_redirect_https = (int)u;
	/* A route has a backend unless it redirects, and then it has none. */
	if ((rt->rt_backend == RPXD_NO_BACKEND) != rt->rt_redirect_https)
		return -1;
	if (get_uint(mb, &rt->rt_redirect_port, 0, 65535) == -1 ||
	    get_uint(mb, &u, AUTH_PASSTHROUGH, AUTH_NEGOTIATE) == -1)
		return -1;
	rt->rt_auth = (int)u;
	if (msgbuf_get_str(mb, rt->rt_auth_header,
	    sizeof(rt->rt_auth_header)) == -1 ||
	    (AUTH_BY_PROXY(rt->rt_auth) && rt->rt_auth_header[0] == '\0') ||
	    get_uint(mb, &u, 0, 1) == -1)
		return -1;
	rt->rt_access_log = (int)u;
	if (get_uint(mb, &u, NTLM_SOURCE_FILE, NTLM_SOURCE_WINBIND) == -1)
		return -1;
	rt->rt_ntlm_source = (int)u;
	return get_groups(mb, rt);
}

static int
get_blob(struct msgbuf *mb, struct blob *b)
{
	unsigned	len;

	if (get_uint(mb, &len, 0, RPXD_PEM_MAX) == -1 ||
	    len > mb->mb_len - mb->mb_off) {
		mb->mb_error = 1;
		return -1;
	}
	if (len == 0)
		return 0;
	if ((b->bl_data = malloc(len)) == NULL)
		return -1;
	b->bl_len = len;
	return msgbuf_get_bytes(mb, b->bl_data, len);
}

static int
get_backend_tls(struct msgbuf *mb, struct backend_conf *be)
{
	unsigned	u, v;

	if (get_uint(mb, &u, 0, 1) == -1 || get_uint(mb, &v, 0, 1) == -1)
		return -1;
	be->be_tls = (int)u;
	be->be_verify = (int)v;
	if (msgbuf_get_str(mb, be->be_ca_file, sizeof(be->be_ca_file)) == -1 ||
	    msgbuf_get_str(mb, be->be_verify_name,
	    sizeof(be->be_verify_name)) == -1 ||
	    msgbuf_get_str(mb, be->be_sni, sizeof(be->be_sni)) == -1 ||
	    msgbuf_get_str(mb, be->be_client_cert,
	    sizeof(be->be_client_cert)) == -1 ||
	    get_blob(mb, &be->be_ca_pem) == -1 ||
	    get_blob(mb, &be->be_client_cert_pem) == -1)
		return -1;
	/* A TLS backend that verifies comes with its CA certificates. */
	if (be->be_tls && be->be_verify && be->be_ca_pem.bl_len == 0)
		return -1;
	return 0;
}

static int
get_health(struct msgbuf *mb, struct health_conf *h)
{
	unsigned	i, u;

	if (get_uint(mb, &u, 0, 1) == -1 ||
	    get_uint(mb, &h->hc_line, 0, UINT32_MAX) == -1 ||
	    msgbuf_get_str(mb, h->hc_path, sizeof(h->hc_path)) == -1 ||
	    msgbuf_get_str(mb, h->hc_host, sizeof(h->hc_host)) == -1 ||
	    get_uint(mb, &h->hc_nstatus, 0, RPXD_HEALTH_STATUS_MAX) == -1)
		return -1;
	h->hc_enabled = (int)u;
	for (i = 0; i < h->hc_nstatus; i++)
		if (get_uint(mb, &h->hc_status[i], 100, 599) == -1)
			return -1;
	if (msgbuf_get_str(mb, h->hc_body, sizeof(h->hc_body)) == -1 ||
	    get_uint(mb, &h->hc_interval, 0, UINT32_MAX) == -1 ||
	    get_uint(mb, &h->hc_timeout, 0, UINT32_MAX) == -1 ||
	    get_uint(mb, &h->hc_rise, 0, UINT32_MAX) == -1 ||
	    get_uint(mb, &h->hc_fall, 0, UINT32_MAX) == -1)
		return -1;
	/* An enabled check has a path and counts that make sense. */
	if (h->hc_enabled && (h->hc_path[0] != '/' || h->hc_interval == 0 ||
	    h->hc_timeout == 0 || h->hc_rise == 0 || h->hc_fall == 0))
		return -1;
	return 0;
}

static int
get_backend_pool(struct msgbuf *mb, struct backend_conf *be)
{
	unsigned	u;

	if (get_uint(mb, &u, BALANCE_ROUNDROBIN, BALANCE_SOURCE) == -1)
		return -1;
	be->be_balance = (int)u;
	if (msgbuf_get_str(mb, be->be_sticky_cookie,
	    sizeof(be->be_sticky_cookie)) == -1 ||
	    get_uint(mb, &be->be_down_time, 0, 86400) == -1)
		return -1;
	return get_health(mb, &be->be_health);
}

static int
get_listener_tls(struct msgbuf *mb, struct listener_conf *ls)
{
	unsigned	i, u;
	uint64_t	next;

	if (get_uint(mb, &ls->ls_tls_line, 0, UINT32_MAX) == -1 ||
	    get_count(mb, &ls->ls_ncerts, 0, RPXD_MAX_CERTS, 16) == -1)
		return -1;
	if (ls->ls_ncerts > 0 && (ls->ls_certs = calloc(ls->ls_ncerts,
	    sizeof(*ls->ls_certs))) == NULL)
		return -1;
	for (i = 0; i < ls->ls_ncerts; i++) {
		struct cert_conf *ct = &ls->ls_certs[i];

		if (msgbuf_get_str(mb, ct->ct_file, sizeof(ct->ct_file)) == -1 ||
		    get_uint(mb, &ct->ct_line, 0, UINT32_MAX) == -1 ||
		    get_blob(mb, &ct->ct_chain_pem) == -1 ||
		    ct->ct_chain_pem.bl_len == 0 ||
		    get_blob(mb, &ct->ct_ocsp_der) == -1 ||
		    msgbuf_get_u64(mb, &next) == -1 || next > INT64_MAX)
			return -1;
		ct->ct_ocsp_next = (int64_t)next;
	}
	if (msgbuf_get_str(mb, ls->ls_protocols,
	    sizeof(ls->ls_protocols)) == -1 ||
	    msgbuf_get_str(mb, ls->ls_ciphers, sizeof(ls->ls_ciphers)) == -1 ||
	    msgbuf_get_str(mb, ls->ls_ciphersuites,
	    sizeof(ls->ls_ciphersuites)) == -1 ||
	    msgbuf_get_str(mb, ls->ls_curves, sizeof(ls->ls_curves)) == -1 ||
	    get_uint(mb, &ls->ls_hsts, 0, UINT32_MAX) == -1 ||
	    get_uint(mb, &u, 0, 1) == -1)
		return -1;
	ls->ls_hsts_subdomains = (int)u;
	if (get_uint(mb, &u, 0, 1) == -1)
		return -1;
	ls->ls_access_log = (int)u;
	if (get_uint(mb, &u, 0, 1) == -1)
		return -1;
	ls->ls_tls_tickets = (int)u;
	if (get_uint(mb, &u, 0, 1) == -1 ||
	    get_uint(mb, &ls->ls_nproxy_from, 0, RPXD_PROXY_FROM_MAX) == -1)
		return -1;
	ls->ls_proxy_protocol = (int)u;
	for (i = 0; i < ls->ls_nproxy_from; i++) {
		struct net_prefix *np = &ls->ls_proxy_from[i];

		if (msgbuf_get_bytes(mb, np, sizeof(*np)) == -1 ||
		    (np->np_family != AF_INET && np->np_family != AF_INET6) ||
		    np->np_bits > (np->np_family == AF_INET ? 32 : 128))
			return -1;
	}
	return 0;
}

static int
get_backend(struct msgbuf *mb, struct backend_conf *be)
{
	unsigned	j, port;

	if (msgbuf_get_str(mb, be->be_name, sizeof(be->be_name)) == -1 ||
	    get_uint(mb, &be->be_line, 0, UINT32_MAX) == -1 ||
	    get_count(mb, &be->be_nservers, 1, RPXD_MAX_SERVERS,
	    MIN_SERVER) == -1 ||
	    (be->be_servers = calloc(be->be_nservers,
	    sizeof(*be->be_servers))) == NULL)
		return -1;
	for (j = 0; j < be->be_nservers; j++) {
		struct server_conf *sv = &be->be_servers[j];

		if (msgbuf_get_str(mb, sv->sv_name, sizeof(sv->sv_name)) == -1 ||
		    msgbuf_get_str(mb, sv->sv_host, sizeof(sv->sv_host)) == -1 ||
		    get_uint(mb, &port, 1, 65535) == -1 ||
		    get_addr(mb, &sv->sv_addr, &sv->sv_addrlen) == -1)
			return -1;
		sv->sv_port = (uint16_t)port;
	}
	if (get_backend_tls(mb, be) == -1)
		return -1;
	return get_backend_pool(mb, be);
}

/* A metrics listener has no routes, no TLS and no PROXY header; any
 * other listener has routes. */
static int
get_listener_metrics(struct msgbuf *mb, struct listener_conf *ls)
{
	unsigned	i, u;

	if (get_uint(mb, &u, 0, 1) == -1 ||
	    get_uint(mb, &ls->ls_nmetrics_from, 0, RPXD_METRICS_FROM_MAX) == -1)
		return -1;
	ls->ls_metrics = (int)u;
	if (ls->ls_metrics ? ls->ls_nroutes != 0 || ls->ls_ncerts != 0 ||
	    ls->ls_proxy_protocol || ls->ls_nmetrics_from == 0 :
	    ls->ls_nroutes == 0 || ls->ls_nmetrics_from != 0)
		return -1;
	for (i = 0; i < ls->ls_nmetrics_from; i++) {
		struct net_prefix *np = &ls->ls_metrics_from[i];

		if (msgbuf_get_bytes(mb, np, sizeof(*np)) == -1 ||
		    (np->np_family != AF_INET && np->np_family != AF_INET6) ||
		    np->np_bits > (np->np_family == AF_INET ? 32 : 128))
			return -1;
	}
	return 0;
}

static int
get_listener(struct msgbuf *mb, struct listener_conf *ls, unsigned nbackends)
{
	unsigned	j, port, def;

	if (msgbuf_get_str(mb, ls->ls_name, sizeof(ls->ls_name)) == -1 ||
	    get_uint(mb, &ls->ls_line, 0, UINT32_MAX) == -1 ||
	    msgbuf_get_str(mb, ls->ls_address, sizeof(ls->ls_address)) == -1 ||
	    get_uint(mb, &port, 1, 65535) == -1 ||
	    get_addr(mb, &ls->ls_addr, &ls->ls_addrlen) == -1 ||
	    get_uint(mb, &def, 0, UINT32_MAX) == -1 ||
	    msgbuf_get_str(mb, ls->ls_default_route_name,
	    sizeof(ls->ls_default_route_name)) == -1 ||
	    get_count(mb, &ls->ls_nroutes, 0, RPXD_MAX_ROUTES, MIN_ROUTE) == -1)
		return -1;
	ls->ls_port = (uint16_t)port;
	if (def != NO_ROUTE && def >= ls->ls_nroutes)
		return -1;
	ls->ls_default_route = def == NO_ROUTE ? -1 : (int)def;
	if ((ls->ls_routes = calloc(ls->ls_nroutes,
	    sizeof(*ls->ls_routes))) == NULL)
		return -1;
	for (j = 0; j < ls->ls_nroutes; j++)
		if (get_route(mb, &ls->ls_routes[j], nbackends) == -1)
			return -1;
	if (get_listener_tls(mb, ls) == -1)
		return -1;
	return get_listener_metrics(mb, ls);
}

/* The global integers: in range, and the ones that size buffers sane. */
static int
get_globals(struct msgbuf *mb, struct rpxd_conf *c)
{
	unsigned	i;

	for (i = 0; i < CONFIG_GLOBAL_INTS; i++)
		if (get_uint(mb, config_int_ref(c, i), 0, UINT32_MAX) == -1)
			return -1;
	/* Only max-connections-per-worker, auth-failure-limit,
	 * key-holders, max-connections-per-address, pressure-threshold,
	 * the backend-idle options and early-response-body-max may be 0. */
	for (i = 0; i < CONFIG_GLOBAL_INTS; i++)
		if (config_int_get(c, i) == 0 && config_int_ref(c, i) !=
		    &c->rc_max_connections_per_worker &&
		    config_int_ref(c, i) != &c->rc_auth_failure_limit &&
		    config_int_ref(c, i) != &c->rc_key_holders &&
		    config_int_ref(c, i) != &c->rc_max_conns_per_addr &&
		    config_int_ref(c, i) != &c->rc_pressure_threshold &&
		    config_int_ref(c, i) != &c->rc_backend_idle_conns &&
		    config_int_ref(c, i) != &c->rc_backend_idle_timeout &&
		    config_int_ref(c, i) != &c->rc_early_body_max)
			return -1;
	if (c->rc_backend_idle_conns > RPXD_MAX_IDLE_CONNS)
		return -1;
	if (c->rc_max_workers > RPXD_MAX_WORKERS ||
	    c->rc_min_spare > c->rc_max_spare ||
	    c->rc_max_spare > c->rc_max_workers ||
	    c->rc_max_head < HEAD_MIN || c->rc_max_head > HEAD_MAX ||
	    c->rc_max_request_line < LINE_MIN ||
	    c->rc_max_request_line > c->rc_max_head ||
	    c->rc_max_header_line < LINE_MIN ||
	    c->rc_max_header_line > c->rc_max_head ||
	    c->rc_max_headers > HEADERS_MAX)
		return -1;
	return 0;
}

static int
get_process(struct msgbuf *mb, struct rpxd_conf *c)
{
	unsigned	u;

	if (get_uint(mb, &u, CONFIG_WIRE_VERSION, CONFIG_WIRE_VERSION) == -1 ||
	    msgbuf_get_str(mb, c->rc_file, sizeof(c->rc_file)) == -1 ||
	    msgbuf_get_str(mb, c->rc_user, sizeof(c->rc_user)) == -1 ||
	    msgbuf_get_str(mb, c->rc_group, sizeof(c->rc_group)) == -1 ||
	    get_uint(mb, &u, 0, UINT32_MAX) == -1)
		return -1;
	c->rc_uid = (uid_t)u;
	if (get_uint(mb, &u, 0, UINT32_MAX) == -1)
		return -1;
	c->rc_gid = (gid_t)u;
	if (msgbuf_get_str(mb, c->rc_chroot, sizeof(c->rc_chroot)) == -1 ||
	    c->rc_chroot[0] != '/' ||
	    msgbuf_get_str(mb, c->rc_pidfile, sizeof(c->rc_pidfile)) == -1 ||
	    get_uint(mb, &u, 0, INT32_MAX) == -1 ||
	    strcmp(log_facility_name((int)u), "unknown") == 0)
		return -1;
	c->rc_facility = (int)u;
	if (msgbuf_get_str(mb, c->rc_syslog_socket,
	    sizeof(c->rc_syslog_socket)) == -1 ||
	    c->rc_syslog_socket[0] != '/' ||
	    msgbuf_get_str(mb, c->rc_syslog_tag,
	    sizeof(c->rc_syslog_tag)) == -1 || c->rc_syslog_tag[0] == '\0' ||
	    get_uint(mb, &u, LOG_LEVEL_BRIEF, LOG_LEVEL_DEBUG) == -1)
		return -1;
	c->rc_log_level = (int)u;
	if (msgbuf_get_str(mb, c->rc_ntlm_domain,
	    sizeof(c->rc_ntlm_domain)) == -1 ||
	    get_uint(mb, &u, 0, UINT32_MAX) == -1)
		return -1;
	c->rc_winbind_gid = (gid_t)u;
	if (msgbuf_get_str(mb, c->rc_negotiate_keytab,
	    sizeof(c->rc_negotiate_keytab)) == -1 ||
	    (c->rc_negotiate_keytab[0] != '\0' &&
	    c->rc_negotiate_keytab[0] != '/'))
		return -1;
	return 0;
}

struct rpxd_conf *
config_decode(struct msgbuf *mb)
{
	struct rpxd_conf	*c;
	unsigned		 i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (get_process(mb, c) == -1 || get_globals(mb, c) == -1 ||
	    get_count(mb, &c->rc_nbackends, 0, RPXD_MAX_BACKENDS,
	    MIN_BACKEND) == -1 ||
	    (c->rc_backends = calloc(c->rc_nbackends + 1,
	    sizeof(*c->rc_backends))) == NULL)
		goto fail;
	for (i = 0; i < c->rc_nbackends; i++)
		if (get_backend(mb, &c->rc_backends[i]) == -1)
			goto fail;
	if (get_count(mb, &c->rc_nlisteners, 1, RPXD_MAX_LISTENERS,
	    MIN_LISTENER) == -1 ||
	    (c->rc_listeners = calloc(c->rc_nlisteners,
	    sizeof(*c->rc_listeners))) == NULL)
		goto fail;
	for (i = 0; i < c->rc_nlisteners; i++)
		if (get_listener(mb, &c->rc_listeners[i], c->rc_nbackends) == -1)
			goto fail;
	if (msgbuf_end(mb) == 0) {
		healthboard_index(c);
		return c;
	}
fail:
	config_free(c);
	return NULL;
}
