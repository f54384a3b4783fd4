/*
 * The configuration as a pointer-free message for the workers. Decoding
 * trusts nothing: counts are bounded by RPXD_MAX_* and by the bytes left
 * before anything is allocated, addresses and indexes are checked.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "msgbuf.h"

#define CONFIG_WIRE_VERSION	1

static void
put_addr(struct msgbuf *mb, const struct sockaddr_storage *ss,
    socklen_t len)
{
	msgbuf_put_u32(mb, (uint32_t)len);
	msgbuf_put_bytes(mb, ss, len);
}

int
config_encode(const struct rpxd_conf *c, struct msgbuf *mb)
{
	unsigned	 i, j, k;

	msgbuf_put_u32(mb, CONFIG_WIRE_VERSION);
	msgbuf_put_str(mb, c->rc_file);
	msgbuf_put_str(mb, c->rc_user);
	msgbuf_put_str(mb, c->rc_group);
	msgbuf_put_u64(mb, (uint64_t)c->rc_uid);
	msgbuf_put_u64(mb, (uint64_t)c->rc_gid);
	msgbuf_put_str(mb, c->rc_chroot);
	msgbuf_put_str(mb, c->rc_pidfile);
	msgbuf_put_u32(mb, (uint32_t)c->rc_facility);
	msgbuf_put_u32(mb, (uint32_t)c->rc_log_level);
	for (i = 0; i < CONFIG_GLOBAL_INTS; i++)
		msgbuf_put_u32(mb, config_int_get(c, i));

	msgbuf_put_u32(mb, c->rc_nbackends);
	for (i = 0; i < c->rc_nbackends; i++) {
		const struct backend_conf	*be = &c->rc_backends[i];

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
		const struct listener_conf	*ls = &c->rc_listeners[i];

		msgbuf_put_str(mb, ls->ls_name);
		msgbuf_put_u32(mb, ls->ls_line);
		msgbuf_put_str(mb, ls->ls_address);
		msgbuf_put_u32(mb, ls->ls_port);
		put_addr(mb, &ls->ls_addr, ls->ls_addrlen);
		msgbuf_put_u32(mb, (uint32_t)ls->ls_default_route);
		msgbuf_put_str(mb, ls->ls_default_route_name);
		msgbuf_put_u32(mb, ls->ls_nroutes);
		for (j = 0; j < ls->ls_nroutes; j++) {
			const struct route_conf	*rt = &ls->ls_routes[j];

			msgbuf_put_str(mb, rt->rt_name);
			msgbuf_put_u32(mb, rt->rt_line);
			msgbuf_put_u32(mb, rt->rt_nhosts);
			for (k = 0; k < rt->rt_nhosts; k++)
				msgbuf_put_str(mb, rt->rt_hosts[k]);
			msgbuf_put_str(mb, rt->rt_path);
			msgbuf_put_u32(mb, (uint32_t)rt->rt_path_icase);
			msgbuf_put_str(mb, rt->rt_backend_name);
			msgbuf_put_u32(mb, rt->rt_backend);
			msgbuf_put_u32(mb, (uint32_t)rt->rt_host_mode);
			msgbuf_put_str(mb, rt->rt_host_rewrite);
			msgbuf_put_u32(mb, rt->rt_backend_timeout);
			msgbuf_put_u32(mb, rt->rt_idle_timeout);
		}
	}
	return mb->mb_error ? -1 : 0;
}

/* A count no larger than max and than what the bytes left can hold, each
 * element taking at least min bytes. */
static int
get_count(struct msgbuf *mb, unsigned max, size_t min, unsigned *n)
{
	uint32_t	v;

	if (msgbuf_get_u32(mb, &v) == -1)
		return -1;
	if (v > max || (size_t)v * min > mb->mb_len - mb->mb_off) {
		mb->mb_error = 1;
		return -1;
	}
	*n = v;
	return 0;
}

static int
get_uint(struct msgbuf *mb, unsigned *dst)
{
	uint32_t	v;

	if (msgbuf_get_u32(mb, &v) == -1)
		return -1;
	*dst = v;
	return 0;
}

static int
get_addr(struct msgbuf *mb, struct sockaddr_storage *ss, socklen_t *len)
{
	uint32_t	l;

	if (msgbuf_get_u32(mb, &l) == -1)
		return -1;
	if (l > sizeof(*ss) || msgbuf_get_bytes(mb, ss, l) == -1)
		return -1;
	if (!(ss->ss_family == AF_INET && l == sizeof(struct sockaddr_in)) &&
	    !(ss->ss_family == AF_INET6 && l == sizeof(struct sockaddr_in6)))
		return -1;
	*len = (socklen_t)l;
	return 0;
}

static int
decode_route(struct msgbuf *mb, struct route_conf *rt, unsigned nbackends)
{
	unsigned	n, k;
	uint32_t	v;

	if (msgbuf_get_str(mb, rt->rt_name, sizeof(rt->rt_name)) == -1 ||
	    get_uint(mb, &rt->rt_line) == -1 ||
	    get_count(mb, RPXD_MAX_HOSTS, 4, &n) == -1)
		return -1;
	if (n > 0) {
		if ((rt->rt_hosts = calloc(n, sizeof(*rt->rt_hosts))) == NULL)
			return -1;
		rt->rt_nhosts = n;
		for (k = 0; k < n; k++)
			if (msgbuf_get_str(mb, rt->rt_hosts[k],
			    sizeof(rt->rt_hosts[k])) == -1)
				return -1;
	}
	if (msgbuf_get_str(mb, rt->rt_path, sizeof(rt->rt_path)) == -1 ||
	    msgbuf_get_u32(mb, &v) == -1 || v > 1)
		return -1;
	rt->rt_path_icase = (int)v;
	if (msgbuf_get_str(mb, rt->rt_backend_name,
	    sizeof(rt->rt_backend_name)) == -1 ||
	    get_uint(mb, &rt->rt_backend) == -1 ||
	    rt->rt_backend >= nbackends ||
	    msgbuf_get_u32(mb, &v) == -1 ||
	    (v != HOST_HEADER_PRESERVE && v != HOST_HEADER_REWRITE))
		return -1;
	rt->rt_host_mode = (int)v;
	if (msgbuf_get_str(mb, rt->rt_host_rewrite,
	    sizeof(rt->rt_host_rewrite)) == -1 ||
	    get_uint(mb, &rt->rt_backend_timeout) == -1 ||
	    get_uint(mb, &rt->rt_idle_timeout) == -1)
		return -1;
	return 0;
}

static int
decode_listener(struct msgbuf *mb, struct listener_conf *ls,
    unsigned nbackends)
{
	unsigned	n, j;
	uint32_t	v;

	if (msgbuf_get_str(mb, ls->ls_name, sizeof(ls->ls_name)) == -1 ||
	    get_uint(mb, &ls->ls_line) == -1 ||
	    msgbuf_get_str(mb, ls->ls_address, sizeof(ls->ls_address)) == -1 ||
	    msgbuf_get_u32(mb, &v) == -1 || v == 0 || v > 65535)
		return -1;
	ls->ls_port = (uint16_t)v;
	if (get_addr(mb, &ls->ls_addr, &ls->ls_addrlen) == -1 ||
	    msgbuf_get_u32(mb, &v) == -1)
		return -1;
	ls->ls_default_route = (int32_t)v;
	if (msgbuf_get_str(mb, ls->ls_default_route_name,
	    sizeof(ls->ls_default_route_name)) == -1 ||
	    get_count(mb, RPXD_MAX_ROUTES, 4, &n) == -1)
		return -1;
	if (ls->ls_default_route < -1 ||
	    (ls->ls_default_route >= 0 && (unsigned)ls->ls_default_route >= n))
		return -1;
	if (n > 0) {
		if ((ls->ls_routes = calloc(n, sizeof(*ls->ls_routes))) == NULL)
			return -1;
		ls->ls_nroutes = n;
		for (j = 0; j < n; j++)
			if (decode_route(mb, &ls->ls_routes[j], nbackends) ==
			    -1)
				return -1;
	}
	return 0;
}

static int
decode_backend(struct msgbuf *mb, struct backend_conf *be)
{
	unsigned	n, j;
	uint32_t	v;

	if (msgbuf_get_str(mb, be->be_name, sizeof(be->be_name)) == -1 ||
	    get_uint(mb, &be->be_line) == -1 ||
	    get_count(mb, RPXD_MAX_SERVERS, 4, &n) == -1)
		return -1;
	if (n == 0)
		return 0;
	if ((be->be_servers = calloc(n, sizeof(*be->be_servers))) == NULL)
		return -1;
	be->be_nservers = n;
	for (j = 0; j < n; j++) {
		struct server_conf	*sv = &be->be_servers[j];

		if (msgbuf_get_str(mb, sv->sv_name, sizeof(sv->sv_name)) ==
		    -1 ||
		    msgbuf_get_str(mb, sv->sv_host, sizeof(sv->sv_host)) ==
		    -1 ||
		    msgbuf_get_u32(mb, &v) == -1 || v == 0 || v > 65535)
			return -1;
		sv->sv_port = (uint16_t)v;
		if (get_addr(mb, &sv->sv_addr, &sv->sv_addrlen) == -1)
			return -1;
	}
	return 0;
}

struct rpxd_conf *
config_decode(struct msgbuf *mb)
{
	struct rpxd_conf	*c;
	uint32_t		 v;
	uint64_t		 u;
	unsigned		 i, n;

	if (msgbuf_get_u32(mb, &v) == -1 || v != CONFIG_WIRE_VERSION)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (msgbuf_get_str(mb, c->rc_file, sizeof(c->rc_file)) == -1 ||
	    msgbuf_get_str(mb, c->rc_user, sizeof(c->rc_user)) == -1 ||
	    msgbuf_get_str(mb, c->rc_group, sizeof(c->rc_group)) == -1 ||
	    msgbuf_get_u64(mb, &u) == -1)
		goto fail;
	c->rc_uid = (uid_t)u;
	if ((uint64_t)c->rc_uid != u || msgbuf_get_u64(mb, &u) == -1)
		goto fail;
	c->rc_gid = (gid_t)u;
	if ((uint64_t)c->rc_gid != u ||
	    msgbuf_get_str(mb, c->rc_chroot, sizeof(c->rc_chroot)) == -1 ||
	    msgbuf_get_str(mb, c->rc_pidfile, sizeof(c->rc_pidfile)) == -1 ||
	    msgbuf_get_u32(mb, &v) == -1 || v > INT32_MAX)
		goto fail;
	c->rc_facility = (int)v;
	if (msgbuf_get_u32(mb, &v) == -1 || v > LOG_LEVEL_DEBUG)
		goto fail;
	c->rc_log_level = (int)v;
	for (i = 0; i < CONFIG_GLOBAL_INTS; i++)
		if (get_uint(mb, config_int_ref(c, i)) == -1)
			goto fail;

	if (get_count(mb, RPXD_MAX_BACKENDS, 8, &n) == -1)
		goto fail;
	if (n > 0) {
		if ((c->rc_backends = calloc(n, sizeof(*c->rc_backends))) ==
		    NULL)
			goto fail;
		c->rc_nbackends = n;
		for (i = 0; i < n; i++)
			if (decode_backend(mb, &c->rc_backends[i]) == -1)
				goto fail;
	}
	if (get_count(mb, RPXD_MAX_LISTENERS, 8, &n) == -1)
		goto fail;
	if (n > 0) {
		if ((c->rc_listeners = calloc(n, sizeof(*c->rc_listeners))) ==
		    NULL)
			goto fail;
		c->rc_nlisteners = n;
		for (i = 0; i < n; i++)
			if (decode_listener(mb, &c->rc_listeners[i],
			    c->rc_nbackends) == -1)
				goto fail;
	}
	if (msgbuf_end(mb) != 0)
		goto fail;
	return c;
fail:
	config_free(c);
	return NULL;
}
