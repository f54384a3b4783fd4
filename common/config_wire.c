/*
 * The configuration as the master sends it to a worker: every field, in
 * order, with msgbuf's typed helpers. The decoder trusts nothing: counts
 * are bounded before anything is allocated, indexes and address lengths
 * are checked, and the payload must be consumed exactly.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "msgbuf.h"

#define CONFIG_WIRE_VERSION	1

static void
put_addr(struct msgbuf *mb, const struct sockaddr_storage *ss, socklen_t len)
{
	msgbuf_put_u32(mb, (uint32_t)len);
	msgbuf_put_bytes(mb, ss, len);
}

static int
get_addr(struct msgbuf *mb, struct sockaddr_storage *ss, socklen_t *len)
{
	uint32_t	l;

	memset(ss, 0, sizeof(*ss));
	if (msgbuf_get_u32(mb, &l) == -1 || l > sizeof(*ss) ||
	    msgbuf_get_bytes(mb, ss, l) == -1)
		return -1;
	*len = (socklen_t)l;
	if (l == 0)
		return 0;	/* not resolved: never used */
	if ((ss->ss_family == AF_INET && l == sizeof(struct sockaddr_in)) ||
	    (ss->ss_family == AF_INET6 && l == sizeof(struct sockaddr_in6)))
		return 0;
	return -1;
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
}

int
config_encode(const struct rpxd_conf *c, struct msgbuf *mb)
{
	unsigned	 i, j;

	msgbuf_put_u32(mb, CONFIG_WIRE_VERSION);
	msgbuf_put_str(mb, c->rc_file);
	msgbuf_put_str(mb, c->rc_user);
	msgbuf_put_str(mb, c->rc_group);
	msgbuf_put_u32(mb, (uint32_t)c->rc_uid);
	msgbuf_put_u32(mb, (uint32_t)c->rc_gid);
	msgbuf_put_str(mb, c->rc_chroot);
	msgbuf_put_str(mb, c->rc_pidfile);
	msgbuf_put_u32(mb, (uint32_t)c->rc_facility);
	msgbuf_put_u32(mb, (uint32_t)c->rc_log_level);
	for (i = 0; i < CONFIG_GLOBAL_INTS; i++)
		msgbuf_put_u32(mb, config_int_get(c, i));
	msgbuf_put_u32(mb, c->rc_nbackends);
	for (i = 0; i < c->rc_nbackends; i++) {
		const struct backend_conf *be = &c->rc_backends[i];

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
	}
	msgbuf_put_u32(mb, c->rc_nlisteners);
	for (i = 0; i < c->rc_nlisteners; i++) {
		const struct listener_conf *ls = &c->rc_listeners[i];

		msgbuf_put_str(mb, ls->ls_name);
		msgbuf_put_u32(mb, ls->ls_line);
		msgbuf_put_str(mb, ls->ls_address);
		msgbuf_put_u32(mb, ls->ls_port);
		put_addr(mb, &ls->ls_addr, ls->ls_addrlen);
		msgbuf_put_u32(mb, (uint32_t)ls->ls_default_route);
		msgbuf_put_str(mb, ls->ls_default_route_name);
		msgbuf_put_u32(mb, ls->ls_nroutes);
		for (j = 0; j < ls->ls_nroutes; j++)
			put_route(mb, &ls->ls_routes[j]);
	}
	return mb->mb_error ? -1 : 0;
}

/* A count, bounded by max and by what the payload can still hold. */
static int
get_count(struct msgbuf *mb, unsigned *n, unsigned max, size_t min_each)
{
	uint32_t	v;

	if (msgbuf_get_u32(mb, &v) == -1 || v > max ||
	    (size_t)v * min_each > mb->mb_len - mb->mb_off)
		return -1;
	*n = v;
	return 0;
}

static int
get_u32_as(struct msgbuf *mb, unsigned *v)
{
	uint32_t	x;

	if (msgbuf_get_u32(mb, &x) == -1)
		return -1;
	*v = x;
	return 0;
}

static int
get_route(struct msgbuf *mb, struct route_conf *rt, unsigned nbackends)
{
	unsigned	i, u;

	if (msgbuf_get_str(mb, rt->rt_name, sizeof(rt->rt_name)) == -1 ||
	    get_u32_as(mb, &rt->rt_line) == -1 ||
	    get_count(mb, &rt->rt_nhosts, RPXD_MAX_HOSTS, 4) == -1)
		return -1;
	if (rt->rt_nhosts > 0 && (rt->rt_hosts = calloc(rt->rt_nhosts,
	    sizeof(*rt->rt_hosts))) == NULL)
		return -1;
	for (i = 0; i < rt->rt_nhosts; i++)
		if (msgbuf_get_str(mb, rt->rt_hosts[i], RPXD_HOST_MAX) == -1)
			return -1;
	if (msgbuf_get_str(mb, rt->rt_path, sizeof(rt->rt_path)) == -1 ||
	    get_u32_as(mb, &u) == -1 || u > 1)
		return -1;
	rt->rt_path_icase = (int)u;
	if (msgbuf_get_str(mb, rt->rt_backend_name,
	    sizeof(rt->rt_backend_name)) == -1 ||
	    get_u32_as(mb, &rt->rt_backend) == -1 ||
	    rt->rt_backend >= nbackends || get_u32_as(mb, &u) == -1 || u > 1)
		return -1;
	rt->rt_host_mode = (int)u;
	return msgbuf_get_str(mb, rt->rt_host_rewrite,
	    sizeof(rt->rt_host_rewrite)) == -1 ||
	    get_u32_as(mb, &rt->rt_backend_timeout) == -1 ||
	    get_u32_as(mb, &rt->rt_idle_timeout) == -1 ? -1 : 0;
}

static int
get_backend(struct msgbuf *mb, struct backend_conf *be)
{
	unsigned	j, port;

	if (msgbuf_get_str(mb, be->be_name, sizeof(be->be_name)) == -1 ||
	    get_u32_as(mb, &be->be_line) == -1 ||
	    get_count(mb, &be->be_nservers, RPXD_MAX_SERVERS, 16) == -1)
		return -1;
	if (be->be_nservers > 0 && (be->be_servers = calloc(be->be_nservers,
	    sizeof(*be->be_servers))) == NULL)
		return -1;
	for (j = 0; j < be->be_nservers; j++) {
		struct server_conf *sv = &be->be_servers[j];

		if (msgbuf_get_str(mb, sv->sv_name, sizeof(sv->sv_name)) == -1 ||
		    msgbuf_get_str(mb, sv->sv_host, sizeof(sv->sv_host)) == -1 ||
		    get_u32_as(mb, &port) == -1 || port > 65535 ||
		    get_addr(mb, &sv->sv_addr, &sv->sv_addrlen) == -1)
			return -1;
		sv->sv_port = (uint16_t)port;
	}
	return 0;
}

static int
get_listener(struct msgbuf *mb, struct listener_conf *ls, unsigned nbackends)
{
	unsigned	j, port, def;

	if (msgbuf_get_str(mb, ls->ls_name, sizeof(ls->ls_name)) == -1 ||
	    get_u32_as(mb, &ls->ls_line) == -1 ||
	    msgbuf_get_str(mb, ls->ls_address, sizeof(ls->ls_address)) == -1 ||
	    get_u32_as(mb, &port) == -1 || port > 65535 ||
	    get_addr(mb, &ls->ls_addr, &ls->ls_addrlen) == -1 ||
	    get_u32_as(mb, &def) == -1 ||
	    msgbuf_get_str(mb, ls->ls_default_route_name,
	    sizeof(ls->ls_default_route_name)) == -1 ||
	    get_count(mb, &ls->ls_nroutes, RPXD_MAX_ROUTES, 40) == -1)
		return -1;
	ls->ls_port = (uint16_t)port;
	ls->ls_default_route = (int)def;
	if (ls->ls_default_route < -1 ||
	    (ls->ls_default_route >= 0 &&
	    (unsigned)ls->ls_default_route >= ls->ls_nroutes))
		return -1;
	if (ls->ls_nroutes > 0 && (ls->ls_routes = calloc(ls->ls_nroutes,
	    sizeof(*ls->ls_routes))) == NULL)
		return -1;
	for (j = 0; j < ls->ls_nroutes; j++)
		if (get_route(mb, &ls->ls_routes[j], nbackends) == -1)
			return -1;
	return 0;
}

struct rpxd_conf *
config_decode(struct msgbuf *mb)
{
	struct rpxd_conf	*c;
	unsigned		 i, u;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (get_u32_as(mb, &u) == -1 || u != CONFIG_WIRE_VERSION ||
	    msgbuf_get_str(mb, c->rc_file, sizeof(c->rc_file)) == -1 ||
	    msgbuf_get_str(mb, c->rc_user, sizeof(c->rc_user)) == -1 ||
	    msgbuf_get_str(mb, c->rc_group, sizeof(c->rc_group)) == -1 ||
	    get_u32_as(mb, &u) == -1)
		goto fail;
	c->rc_uid = (uid_t)u;
	if (get_u32_as(mb, &u) == -1)
		goto fail;
	c->rc_gid = (gid_t)u;
	if (msgbuf_get_str(mb, c->rc_chroot, sizeof(c->rc_chroot)) == -1 ||
	    msgbuf_get_str(mb, c->rc_pidfile, sizeof(c->rc_pidfile)) == -1 ||
	    get_u32_as(mb, &u) == -1)
		goto fail;
	c->rc_facility = (int)u;
	if (get_u32_as(mb, &u) == -1 || u > 2)
		goto fail;
	c->rc_log_level = (int)u;
	for (i = 0; i < CONFIG_GLOBAL_INTS; i++)
		if (get_u32_as(mb, config_int_ref(c, i)) == -1)
			goto fail;
	if (c->rc_max_headers == 0 || c->rc_max_headers > 10000 ||
	    c->rc_max_head < 1024 || c->rc_max_head > (1u << 22) ||
	    get_count(mb, &c->rc_nbackends, RPXD_MAX_BACKENDS, 12) == -1 ||
	    (c->rc_backends = calloc(c->rc_nbackends + 1,
	    sizeof(*c->rc_backends))) == NULL)
		goto fail;
	for (i = 0; i < c->rc_nbackends; i++)
		if (get_backend(mb, &c->rc_backends[i]) == -1)
			goto fail;
	if (get_count(mb, &c->rc_nlisteners, RPXD_MAX_LISTENERS, 32) == -1 ||
	    c->rc_nlisteners == 0 ||
	    (c->rc_listeners = calloc(c->rc_nlisteners,
	    sizeof(*c->rc_listeners))) == NULL)
		goto fail;
	for (i = 0; i < c->rc_nlisteners; i++)
		if (get_listener(mb, &c->rc_listeners[i], c->rc_nbackends) == -1)
			goto fail;
	if (msgbuf_end(mb) == 0)
		return c;
fail:
	config_free(c);
	return NULL;
}
