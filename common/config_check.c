/*
 * Checking a parsed configuration and resolving its names: the user and
 * group of the workers, listener and server addresses, the backends of
 * routes, default routes, duplicates and routes that can never match.
 * Errors name file and line (the line of the section). Also the error
 * collector that config_parse.c shares (config_err.h). Master only.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "healthboard.h"
#include "config_err.h"

void
config_err_init(struct config_err *ce, char *buf, size_t len)
{
	ce->ce_buf = buf;
	ce->ce_len = len;
	ce->ce_used = 0;
	ce->ce_count = 0;
	if (len > 0)
		buf[0] = '\0';
}

/* Appends one line; what does not fit is cut, but still counted. */
void
config_err(struct config_err *ce, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	ce->ce_count++;
	if (ce->ce_len < 2 || ce->ce_used + 2 >= ce->ce_len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(ce->ce_buf + ce->ce_used, ce->ce_len - ce->ce_used - 1,
	    fmt, ap);
	va_end(ap);
	if (n < 0) {
		ce->ce_buf[ce->ce_used] = '\0';
		return;
	}
	ce->ce_used += (size_t)n;
	if (ce->ce_used > ce->ce_len - 2)
		ce->ce_used = ce->ce_len - 2;
	ce->ce_buf[ce->ce_used++] = '\n';
	ce->ce_buf[ce->ce_used] = '\0';
}

/* config_parse.c has checked both with the option's line already. */
static void
check_user(struct rpxd_conf *c, struct config_err *ce)
{
	struct passwd	*pw;
	struct group	*gr;

	if ((pw = getpwnam(c->rc_user)) == NULL) {
		config_err(ce, "%s: user: unknown user \"%s\"", c->rc_file,
		    c->rc_user);
		return;
	}
	if (pw->pw_uid == 0)
		config_err(ce, "%s: user: \"%s\" has uid 0; workers must not "
		    "run as root", c->rc_file, c->rc_user);
	c->rc_uid = pw->pw_uid;
	c->rc_gid = pw->pw_gid;
	if (c->rc_group[0] == '\0')
		return;
	if ((gr = getgrnam(c->rc_group)) == NULL)
		config_err(ce, "%s: group: unknown group \"%s\"", c->rc_file,
		    c->rc_group);
	else
		c->rc_gid = gr->gr_gid;
	if (c->rc_gid == 0)	/* config_parse.c said where already */
		config_err(ce, "%s: user: \"%s\" would run with gid 0",
		    c->rc_file, c->rc_user);
}

/* "host:port" or "[v6]:port" into host and port; why not, or NULL. */
static const char *
split_host_port(const char *s, char *host, size_t hostlen, uint16_t *port)
{
	const char	*colon, *close;
	char		*end;
	long		 p;
	size_t		 hl;

	if (s[0] == '[') {
		if ((close = strchr(s, ']')) == NULL || close[1] != ':')
			return "is not \"host:port\" or \"[IPv6]:port\"";
		hl = (size_t)(close - s - 1);
		s++;
		colon = close + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL ||
		    memchr(s, ':', (size_t)(colon - s)) != NULL)
			return "is not \"host:port\" (IPv6: \"[address]:port\")";
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= hostlen)
		return "has no host or too long a host";
	memcpy(host, s, hl);
	host[hl] = '\0';
	p = strtol(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || p < 1 ||
	    p > 65535)
		return "has a port out of range (1 to 65535)";
	*port = (uint16_t)p;
	return NULL;
}

/* The first address of host:port; why not, or NULL. */
static const char *
resolve(const char *host, uint16_t port, int flags,
    struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo	 hints, *res;
	char		 serv[8];
	int		 rv;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = flags;
	snprintf(serv, sizeof(serv), "%u", port);
	if ((rv = getaddrinfo(host, serv, &hints, &res)) != 0)
		return gai_strerror(rv);
	if (res->ai_addrlen > sizeof(*ss) || (res->ai_family != AF_INET &&
	    res->ai_family != AF_INET6)) {
		freeaddrinfo(res);
		return "not an IPv4 or IPv6 address";
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return NULL;
}

static void
check_servers(const struct rpxd_conf *c, struct backend_conf *be,
    struct config_err *ce)
{
	unsigned	 j;
	const char	*why;

	if (be->be_nservers == 0 || be->be_nservers > RPXD_MAX_SERVERS)
		config_err(ce, "%s:%u: backend \"%s\": server: needs 1 to %d "
		    "servers", c->rc_file, be->be_line, be->be_name,
		    RPXD_MAX_SERVERS);
	for (j = 0; j < be->be_nservers; j++) {
		struct server_conf *sv = &be->be_servers[j];

		if ((why = split_host_port(sv->sv_name, sv->sv_host,
		    sizeof(sv->sv_host), &sv->sv_port)) != NULL)
			config_err(ce, "%s:%u: backend \"%s\": server: \"%s\" %s",
			    c->rc_file, be->be_line, be->be_name, sv->sv_name,
			    why);
		else if ((why = resolve(sv->sv_host, sv->sv_port,
		    0, &sv->sv_addr, &sv->sv_addrlen)) != NULL)
			config_err(ce, "%s:%u: backend \"%s\": server: \"%s\": "
			    "cannot resolve \"%s\": %s", c->rc_file, be->be_line,
			    be->be_name, sv->sv_name, sv->sv_host, why);
	}
}

static void
check_backends(struct rpxd_conf *c, struct config_err *ce)
{
	unsigned	i, j;

	if (c->rc_nbackends > RPXD_MAX_BACKENDS)
		config_err(ce, "%s: backend: more than %d backends", c->rc_file,
		    RPXD_MAX_BACKENDS);
	for (i = 0; i < c->rc_nbackends; i++) {
		struct backend_conf *be = &c->rc_backends[i];

		for (j = 0; j < i; j++)
			if (strcmp(c->rc_backends[j].be_name, be->be_name) == 0)
				config_err(ce, "%s:%u: backend \"%s\": defined "
				    "twice (first at line %u)", c->rc_file,
				    be->be_line, be->be_name,
				    c->rc_backends[j].be_line);
		check_servers(c, be, ce);
	}
}

static int
find_backend(const struct rpxd_conf *c, const char *name)
{
	unsigned	i;

	for (i = 0; i < c->rc_nbackends; i++)
		if (strcmp(c->rc_backends[i].be_name, name) == 0)
			return (int)i;
	return -1;
}

static int
has_host(const struct route_conf *rt, const char *h)
{
	unsigned	i;

	for (i = 0; i < rt->rt_nhosts; i++)
		if (strcmp(rt->rt_hosts[i], h) == 0)
			return 1;
	return 0;
}

/* The same set of hosts, in any order (none: any host)? */
static int
same_hosts(const struct route_conf *a, const struct route_conf *b)
{
	unsigned	i;

	for (i = 0; i < a->rt_nhosts; i++)
		if (!has_host(b, a->rt_hosts[i]))
			return 0;
	for (i = 0; i < b->rt_nhosts; i++)
		if (!has_host(a, b->rt_hosts[i]))
			return 0;
	return 1;
}

/*
 * Does the earlier route e take every request that the later route r
 * matches? Equal specificity goes to the first route in the file.
 */
static int
shadows(const struct route_conf *e, const struct route_conf *r)
{
	if (!same_hosts(e, r))
		return 0;
	if (e->rt_path_icase)
		return strcasecmp(e->rt_path, r->rt_path) == 0;
	return !r->rt_path_icase && strcmp(e->rt_path, r->rt_path) == 0;
}

static void
check_route(struct rpxd_conf *c, struct listener_conf *ls, unsigned i,
    struct config_err *ce)
{
	struct route_conf	*rt = &ls->ls_routes[i];
	const struct route_conf	*o;
	unsigned		 j;
	int			 be;

	if (rt->rt_redirect_https) {
		rt->rt_backend = RPXD_NO_BACKEND;
		if (ls->ls_ncerts > 0)
			config_err(ce, "%s:%u: listener \"%s\": route \"%s\": "
			    "redirect-https: the listener is TLS already",
			    c->rc_file, rt->rt_line, ls->ls_name, rt->rt_name);
	} else if ((be = find_backend(c, rt->rt_backend_name)) == -1)
		config_err(ce, "%s:%u: listener \"%s\": route \"%s\": backend: "
		    "\"%s\" is not defined", c->rc_file, rt->rt_line,
		    ls->ls_name, rt->rt_name, rt->rt_backend_name);
	else
		rt->rt_backend = (unsigned)be;
	for (j = 0; j < i; j++) {
		o = &ls->ls_routes[j];
		if (strcmp(o->rt_name, rt->rt_name) == 0) {
			config_err(ce, "%s:%u: listener \"%s\": route \"%s\": "
			    "defined twice (first at line %u)", c->rc_file,
			    rt->rt_line, ls->ls_name, rt->rt_name, o->rt_line);
			break;
		}
		if (shadows(o, rt)) {
			config_err(ce, "%s:%u: listener \"%s\": route \"%s\": "
			    "can never match: route \"%s\" (line %u) has the "
			    "same hosts and path and comes first", c->rc_file,
			    rt->rt_line, ls->ls_name, rt->rt_name, o->rt_name,
			    o->rt_line);
			break;
		}
	}
	if (strcmp(ls->ls_default_route_name, rt->rt_name) == 0 &&
	    ls->ls_default_route == -1)
		ls->ls_default_route = (int)i;
}

static void
check_routes(struct rpxd_conf *c, struct listener_conf *ls,
    struct config_err *ce)
{
	unsigned	i;

	if ((ls->ls_nroutes == 0 && !ls->ls_metrics) ||
	    ls->ls_nroutes > RPXD_MAX_ROUTES)
		config_err(ce, "%s:%u: listener \"%s\": route: needs 1 to %d "
		    "routes", c->rc_file, ls->ls_line, ls->ls_name,
		    RPXD_MAX_ROUTES);
	ls->ls_default_route = -1;
	for (i = 0; i < ls->ls_nroutes; i++)
		check_route(c, ls, i, ce);
	if (ls->ls_default_route_name[0] != '\0' && ls->ls_default_route == -1)
		config_err(ce, "%s:%u: listener \"%s\": default-route: \"%s\" "
		    "is not a route of this listener", c->rc_file, ls->ls_line,
		    ls->ls_name, ls->ls_default_route_name);
}

/* An IPv4 or IPv6 literal, "[IPv6]", or "*" for every IPv4 address. */
static void
check_listener_address(const struct rpxd_conf *c, struct listener_conf *ls,
    struct config_err *ce)
{
	char		 addr[RPXD_HOST_MAX];
	const char	*a = ls->ls_address;
	size_t		 len = strlen(a);

	if (strcmp(a, "*") == 0)
		a = "0.0.0.0";
	else if (a[0] == '[' && len > 2 && a[len - 1] == ']') {
		memcpy(addr, a + 1, len - 2);
		addr[len - 2] = '\0';
		if (strchr(addr, ':') == NULL)
			a = "not IPv6";
		else
			a = addr;
	}
	if (ls->ls_port == 0)
		config_err(ce, "%s:%u: listener \"%s\": port: must be 1 to 65535",
		    c->rc_file, ls->ls_line, ls->ls_name);
	if (resolve(a, ls->ls_port, AI_NUMERICHOST | AI_PASSIVE,
	    &ls->ls_addr, &ls->ls_addrlen) != NULL)
		config_err(ce, "%s:%u: listener \"%s\": address: \"%s\" is not "
		    "an IPv4 or IPv6 address (or \"*\")", c->rc_file,
		    ls->ls_line, ls->ls_name, ls->ls_address);
}

static void
check_listeners(struct rpxd_conf *c, struct config_err *ce)
{
	unsigned	i, j;

	if (c->rc_nlisteners == 0 || c->rc_nlisteners > RPXD_MAX_LISTENERS)
		config_err(ce, "%s: listener: needs 1 to %d listeners",
		    c->rc_file, RPXD_MAX_LISTENERS);
	for (i = 0; i < c->rc_nlisteners; i++) {
		struct listener_conf *ls = &c->rc_listeners[i];

		check_listener_address(c, ls, ce);
		for (j = 0; j < i; j++) {
			const struct listener_conf *o = &c->rc_listeners[j];

			if (strcmp(o->ls_name, ls->ls_name) == 0)
				config_err(ce, "%s:%u: listener \"%s\": defined "
				    "twice (first at line %u)", c->rc_file,
				    ls->ls_line, ls->ls_name, o->ls_line);
			else if (o->ls_addrlen == ls->ls_addrlen &&
			    ls->ls_addrlen != 0 && memcmp(&o->ls_addr,
			    &ls->ls_addr, ls->ls_addrlen) == 0)
				config_err(ce, "%s:%u: listener \"%s\": address "
				    "%s port %u: already used by listener \"%s\" "
				    "(line %u)", c->rc_file, ls->ls_line,
				    ls->ls_name, ls->ls_address, ls->ls_port,
				    o->ls_name, o->ls_line);
		}
		check_routes(c, ls, ce);
	}
}

int
config_any_route(const struct rpxd_conf *c,
    int (*match)(const struct route_conf *, const void *), const void *arg)
{
	unsigned	i, j;

	for (i = 0; i < c->rc_nlisteners; i++)
		for (j = 0; j < c->rc_listeners[i].ls_nroutes; j++)
			if (match(&c->rc_listeners[i].ls_routes[j], arg))
				return 1;
	return 0;
}

int
config_check(struct rpxd_conf *c, char *err, size_t errlen)
{
	struct config_err	ce;

	config_err_init(&ce, err, errlen);
	check_user(c, &ce);
	check_backends(c, &ce);
	check_listeners(c, &ce);
	healthboard_index(c);
	return ce.ce_count ? -1 : 0;
}
