/*
 * Checking a parsed configuration and resolving its names: backends of
 * routes, default routes, users and groups, listener and server addresses,
 * duplicates and routes that can never match. Errors name file and line.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "config_err.h"
#include "log.h"

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

void
config_err(struct config_err *ce, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	ce->ce_count++;
	if (ce->ce_used + 2 >= ce->ce_len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(ce->ce_buf + ce->ce_used, ce->ce_len - ce->ce_used - 1,
	    fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	ce->ce_used += (size_t)n;
	if (ce->ce_used > ce->ce_len - 2)
		ce->ce_used = ce->ce_len - 2;
	ce->ce_buf[ce->ce_used++] = '\n';
	ce->ce_buf[ce->ce_used] = '\0';
}

void
config_defaults(struct rpxd_conf *c)
{
	strcpy(c->rc_user, "nobody");
	c->rc_group[0] = '\0';
	strcpy(c->rc_chroot, "/var/empty");
	strcpy(c->rc_pidfile, "/var/run/rpxd.pid");
	c->rc_facility = LOG_DAEMON;
	c->rc_log_level = LOG_LEVEL_BRIEF;
	c->rc_min_spare = 4;
	c->rc_max_spare = 16;
	c->rc_max_workers = 256;
	c->rc_max_connections_per_worker = 0;
	c->rc_shutdown_timeout = 30;
	c->rc_client_header_timeout = 30;
	c->rc_client_idle_timeout = 120;
	c->rc_backend_connect_timeout = 5;
	c->rc_backend_timeout = 3600;
	c->rc_idle_timeout = 3600;
	c->rc_max_request_line = 16384;
	c->rc_max_header_line = 81920;
	c->rc_max_head = 131072;
	c->rc_max_headers = 200;
}

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
		config_err(ce, "%s: user: \"%s\" is root; workers must run "
		    "unprivileged", c->rc_file, c->rc_user);
	c->rc_uid = pw->pw_uid;
	c->rc_gid = pw->pw_gid;
	if (c->rc_group[0] == '\0')
		return;
	if ((gr = getgrnam(c->rc_group)) == NULL)
		config_err(ce, "%s: group: unknown group \"%s\"", c->rc_file,
		    c->rc_group);
	else
		c->rc_gid = gr->gr_gid;
}

static void
check_chroot(const struct rpxd_conf *c, struct config_err *ce)
{
	struct stat	st;

	if (stat(c->rc_chroot, &st) == -1)
		return;		/* the master creates it */
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		config_err(ce, "%s: chroot: %s must be a directory owned by "
		    "root and not writable by group or others", c->rc_file,
		    c->rc_chroot);
}

/* "host:port" or "[v6]:port" into host and port; -1 if malformed. */
static int
split_host_port(const char *s, char *host, size_t hostlen, uint16_t *port)
{
	const char	*colon;
	char		*end;
	long		 p;
	size_t		 hl;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':')
			return -1;
		hl = (size_t)(close - s - 1);
		s++;
		colon = close + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL ||
		    memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= hostlen)
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	p = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || p < 1 || p > 65535)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

static int
resolve(const char *host, uint16_t port, int flags,
    struct sockaddr_storage *ss, socklen_t *len, const char **why)
{
	struct addrinfo	 hints, *res;
	char		 serv[8];
	int		 rv;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = flags;
	snprintf(serv, sizeof(serv), "%u", port);
	if ((rv = getaddrinfo(host, serv, &hints, &res)) != 0) {
		*why = gai_strerror(rv);
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void
check_backends(struct rpxd_conf *c, struct config_err *ce)
{
	unsigned	 i, j;
	const char	*why;

	for (i = 0; i < c->rc_nbackends; i++) {
		struct backend_conf *be = &c->rc_backends[i];

		for (j = 0; j < i; j++)
			if (strcmp(c->rc_backends[j].be_name, be->be_name) == 0)
				config_err(ce, "%s:%u: backend \"%s\": defined "
				    "twice (first at line %u)", c->rc_file,
				    be->be_line, be->be_name,
				    c->rc_backends[j].be_line);
		for (j = 0; j < be->be_nservers; j++) {
			struct server_conf *sv = &be->be_servers[j];

			if (split_host_port(sv->sv_name, sv->sv_host,
			    sizeof(sv->sv_host), &sv->sv_port) == -1) {
				config_err(ce, "%s:%u: backend \"%s\": server: "
				    "\"%s\" is not host:port with a port from "
				    "1 to 65535", c->rc_file, be->be_line,
				    be->be_name, sv->sv_name);
				continue;
			}
			if (resolve(sv->sv_host, sv->sv_port, 0, &sv->sv_addr,
			    &sv->sv_addrlen, &why) == -1)
				config_err(ce, "%s:%u: backend \"%s\": server: "
				    "cannot resolve \"%s\": %s", c->rc_file,
				    be->be_line, be->be_name, sv->sv_host, why);
		}
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

/* Same hosts, in any order? */
static int
same_hosts(const struct route_conf *a, const struct route_conf *b)
{
	unsigned	i, j;

	if (a->rt_nhosts != b->rt_nhosts)
		return 0;
	for (i = 0; i < a->rt_nhosts; i++) {
		for (j = 0; j < b->rt_nhosts; j++)
			if (strcmp(a->rt_hosts[i], b->rt_hosts[j]) == 0)
				break;
		if (j == b->rt_nhosts)
			return 0;
	}
	return 1;
}

static void
check_routes(struct rpxd_conf *c, struct listener_conf *ls,
    struct config_err *ce)
{
	unsigned	i, j;
	int		be;

	for (i = 0; i < ls->ls_nroutes; i++) {
		struct route_conf *rt = &ls->ls_routes[i];

		if ((be = find_backend(c, rt->rt_backend_name)) == -1)
			config_err(ce, "%s:%u: route \"%s\": backend: \"%s\" "
			    "is not defined", c->rc_file, rt->rt_line,
			    rt->rt_name, rt->rt_backend_name);
		else
			rt->rt_backend = (unsigned)be;
		for (j = 0; j < i; j++) {
			const struct route_conf *o = &ls->ls_routes[j];

			if (strcmp(o->rt_name, rt->rt_name) == 0)
				config_err(ce, "%s:%u: route \"%s\": defined "
				    "twice in listener \"%s\"", c->rc_file,
				    rt->rt_line, rt->rt_name, ls->ls_name);
			else if (same_hosts(o, rt) &&
			    strcmp(o->rt_path, rt->rt_path) == 0 &&
			    o->rt_path_icase == rt->rt_path_icase)
				config_err(ce, "%s:%u: route \"%s\": can never "
				    "match: route \"%s\" (line %u) has the same "
				    "hosts and path", c->rc_file, rt->rt_line,
				    rt->rt_name, o->rt_name, o->rt_line);
		}
		if (strcmp(ls->ls_default_route_name, rt->rt_name) == 0)
			ls->ls_default_route = (int)i;
	}
	if (ls->ls_default_route_name[0] != '\0' && ls->ls_default_route == -1)
		config_err(ce, "%s:%u: listener \"%s\": default-route: \"%s\" "
		    "is not a route of this listener", c->rc_file, ls->ls_line,
		    ls->ls_name, ls->ls_default_route_name);
}

static void
check_listener_address(struct rpxd_conf *c, struct listener_conf *ls,
    struct config_err *ce)
{
	char		 addr[RPXD_HOST_MAX];
	const char	*why, *a = ls->ls_address;
	size_t		 len = strlen(a);

	if (strcmp(a, "*") == 0)
		a = "0.0.0.0";
	else if (a[0] == '[' && len > 2 && a[len - 1] == ']') {
		memcpy(addr, a + 1, len - 2);
		addr[len - 2] = '\0';
		a = addr;
	}
	if (resolve(a, ls->ls_port, AI_NUMERICHOST | AI_PASSIVE,
	    &ls->ls_addr, &ls->ls_addrlen, &why) == -1)
		config_err(ce, "%s:%u: listener \"%s\": address: \"%s\" is not "
		    "an IPv4 or IPv6 address", c->rc_file, ls->ls_line,
		    ls->ls_name, ls->ls_address);
}

static void
check_listeners(struct rpxd_conf *c, struct config_err *ce)
{
	unsigned	i, j;

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
				    "and port already used by listener \"%s\"",
				    c->rc_file, ls->ls_line, ls->ls_name,
				    o->ls_name);
		}
		check_routes(c, ls, ce);
	}
}

int
config_check(struct rpxd_conf *c, char *err, size_t errlen)
{
	struct config_err	ce;

	config_err_init(&ce, err, errlen);
	check_user(c, &ce);
	check_chroot(c, &ce);
	check_backends(c, &ce);
	check_listeners(c, &ce);
	return ce.ce_count ? -1 : 0;
}
