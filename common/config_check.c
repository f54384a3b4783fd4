/*
 * Checking a parsed configuration: names resolved to indexes, uid/gid,
 * server and listener addresses, and the cross checks between sections.
 * Also the error collector shared with config_parse.c (config_err.h).
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

#include "config.h"
#include "config_err.h"

void
config_err_init(struct config_err *ce, char *buf, size_t len)
{
	ce->ce_buf = buf;
	ce->ce_len = len;
	ce->ce_used = 0;
	ce->ce_count = 0;
	if (buf != NULL && len > 0)
		buf[0] = '\0';
}

void
config_err(struct config_err *ce, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	ce->ce_count++;
	if (ce->ce_buf == NULL || ce->ce_len == 0 ||
	    ce->ce_used + 1 >= ce->ce_len)
		return;
	if (ce->ce_used > 0) {
		ce->ce_buf[ce->ce_used++] = '\n';
		ce->ce_buf[ce->ce_used] = '\0';
	}
	va_start(ap, fmt);
	n = vsnprintf(ce->ce_buf + ce->ce_used, ce->ce_len - ce->ce_used,
	    fmt, ap);
	va_end(ap);
	if (n < 0)
		ce->ce_buf[ce->ce_used] = '\0';
	else if ((size_t)n >= ce->ce_len - ce->ce_used)
		ce->ce_used = ce->ce_len - 1;
	else
		ce->ce_used += (size_t)n;
}

/* The line of a global option in the file (last setting), 0 if absent. */
static int
global_line(const char *file, const char *opt)
{
	FILE	*fp;
	char	 buf[4096];
	const char *p;
	size_t	 olen = strlen(opt);
	int	 line = 0, found = 0, depth = 0;

	if ((fp = fopen(file, "r")) == NULL)
		return 0;
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		line++;
		p = buf + strspn(buf, " \t");
		if (depth == 0 && strncmp(p, opt, olen) == 0) {
			p += olen;
			p += strspn(p, " \t");
			if (*p == '=')
				found = line;
		}
		for (p = buf; *p != '\0' && *p != '#'; p++) {
			if (*p == '{')
				depth++;
			else if (*p == '}' && depth > 0)
				depth--;
		}
	}
	fclose(fp);
	return found;
}

static void gerr(struct config_err *, const struct rpxd_conf *,
    const char *, const char *, ...) __attribute__((format(printf, 4, 5)));

static void
gerr(struct config_err *ce, const struct rpxd_conf *c, const char *opt,
    const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	config_err(ce, "%s:%d: %s: %s", c->rc_file, global_line(c->rc_file,
	    opt), opt, msg);
}

static void
check_process(struct rpxd_conf *c, struct config_err *ce)
{
	struct passwd	*pw;
	struct group	*gr;

	if ((pw = getpwnam(c->rc_user)) == NULL)
		gerr(ce, c, "user", "unknown user \"%s\"", c->rc_user);
	else if (pw->pw_uid == 0)
		gerr(ce, c, "user", "\"%s\" is root (uid 0); workers must not "
		    "run as root", c->rc_user);
	else {
		c->rc_uid = pw->pw_uid;
		c->rc_gid = pw->pw_gid;
	}
	if (c->rc_group[0] != '\0') {
		if ((gr = getgrnam(c->rc_group)) == NULL)
			gerr(ce, c, "group", "unknown group \"%s\"",
			    c->rc_group);
		else
			c->rc_gid = gr->gr_gid;
	}
	if (c->rc_chroot[0] != '/')
		gerr(ce, c, "chroot", "\"%s\" is not an absolute path",
		    c->rc_chroot);
}

static int
resolve(const char *host, uint16_t port, int flags,
    struct sockaddr_storage *ss, socklen_t *sslen, const char **why)
{
	struct addrinfo	 hints, *res;
	char		 serv[8];
	int		 rv;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = flags | AI_NUMERICSERV;
	snprintf(serv, sizeof(serv), "%u", (unsigned)port);
	if ((rv = getaddrinfo(host, serv, &hints, &res)) != 0) {
		*why = gai_strerror(rv);
		return -1;
	}
	if (res->ai_addrlen > sizeof(*ss)) {
		freeaddrinfo(res);
		*why = "address too long";
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void
check_backends(struct rpxd_conf *c, struct config_err *ce)
{
	unsigned	 i, j;
	const char	*why;

	if (c->rc_nbackends > RPXD_MAX_BACKENDS) {
		config_err(ce, "%s:0: backend: more than %u backends",
		    c->rc_file, RPXD_MAX_BACKENDS);
		return;
	}
	for (i = 0; i < c->rc_nbackends; i++) {
		struct backend_conf	*be = &c->rc_backends[i];

		for (j = 0; j < i; j++)
			if (strcmp(c->rc_backends[j].be_name, be->be_name) ==
			    0)
				config_err(ce, "%s:%u: backend: duplicate "
				    "backend \"%s\" (first at line %u)",
				    c->rc_file, be->be_line, be->be_name,
				    c->rc_backends[j].be_line);
		if (be->be_nservers == 0)
			config_err(ce, "%s:%u: server: backend \"%s\" has no "
			    "server", c->rc_file, be->be_line, be->be_name);
		if (be->be_nservers > RPXD_MAX_SERVERS)
			config_err(ce, "%s:%u: server: more than %u servers",
			    c->rc_file, be->be_line, RPXD_MAX_SERVERS);
		for (j = 0; j < be->be_nservers &&
		    j < RPXD_MAX_SERVERS; j++) {
			struct server_conf	*sv = &be->be_servers[j];

			if (sv->sv_port == 0 || sv->sv_host[0] == '\0') {
				config_err(ce, "%s:%u: server: bad server "
				    "\"%s\" in backend \"%s\"", c->rc_file,
				    be->be_line, sv->sv_name, be->be_name);
				continue;
			}
			if (resolve(sv->sv_host, sv->sv_port, 0, &sv->sv_addr,
			    &sv->sv_addrlen, &why) == -1)
				config_err(ce, "%s:%u: server: cannot resolve "
				    "\"%s\" in backend \"%s\": %s", c->rc_file,
				    be->be_line, sv->sv_name, be->be_name,
				    why);
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

static int
host_in(const struct route_conf *rt, const char *h)
{
	unsigned	i;

	for (i = 0; i < rt->rt_nhosts; i++)
		if (strcmp(rt->rt_hosts[i], h) == 0)
			return 1;
	return 0;
}

/* The same set of hosts, in any order. */
static int
same_hosts(const struct route_conf *a, const struct route_conf *b)
{
	unsigned	i;

	for (i = 0; i < a->rt_nhosts; i++)
		if (!host_in(b, a->rt_hosts[i]))
			return 0;
	for (i = 0; i < b->rt_nhosts; i++)
		if (!host_in(a, b->rt_hosts[i]))
			return 0;
	return 1;
}

static void
check_routes(struct rpxd_conf *c, struct listener_conf *ls,
    struct config_err *ce)
{
	unsigned	 i, j;
	int		 b;

	if (ls->ls_nroutes > RPXD_MAX_ROUTES) {
		config_err(ce, "%s:%u: route: more than %u routes",
		    c->rc_file, ls->ls_line, RPXD_MAX_ROUTES);
		return;
	}
	for (i = 0; i < ls->ls_nroutes; i++) {
		struct route_conf	*rt = &ls->ls_routes[i];

		if (rt->rt_nhosts > RPXD_MAX_HOSTS)
			config_err(ce, "%s:%u: host: more than %u hosts",
			    c->rc_file, rt->rt_line, RPXD_MAX_HOSTS);
		if ((b = find_backend(c, rt->rt_backend_name)) == -1)
			config_err(ce, "%s:%u: backend: route \"%s\" names "
			    "undefined backend \"%s\"", c->rc_file,
			    rt->rt_line, rt->rt_name, rt->rt_backend_name);
		else
			rt->rt_backend = (unsigned)b;
		for (j = 0; j < i; j++) {
			const struct route_conf	*o = &ls->ls_routes[j];

			if (strcmp(o->rt_name, rt->rt_name) == 0) {
				config_err(ce, "%s:%u: route: duplicate route "
				    "\"%s\" in listener \"%s\" (first at line "
				    "%u)", c->rc_file, rt->rt_line,
				    rt->rt_name, ls->ls_name, o->rt_line);
				break;
			}
			if (strcmp(o->rt_path, rt->rt_path) == 0 &&
			    o->rt_path_icase == rt->rt_path_icase &&
			    same_hosts(o, rt)) {
				config_err(ce, "%s:%u: route: route \"%s\" can "
				    "never match: route \"%s\" (line %u) has "
				    "the same hosts and path", c->rc_file,
				    rt->rt_line, rt->rt_name, o->rt_name,
				    o->rt_line);
				break;
			}
		}
	}
	ls->ls_default_route = -1;
	if (ls->ls_default_route_name[0] != '\0') {
		for (i = 0; i < ls->ls_nroutes; i++)
			if (strcmp(ls->ls_routes[i].rt_name,
			    ls->ls_default_route_name) == 0) {
				ls->ls_default_route = (int)i;
				break;
			}
		if (ls->ls_default_route == -1)
			config_err(ce, "%s:%u: default-route: listener \"%s\" "
			    "has no route \"%s\"", c->rc_file, ls->ls_line,
			    ls->ls_name, ls->ls_default_route_name);
	}
}

static void
check_listeners(struct rpxd_conf *c, struct config_err *ce)
{
	unsigned	 i, j;
	char		 host[RPXD_HOST_MAX];
	const char	*a, *why;
	size_t		 len;

	if (c->rc_nlisteners == 0) {
		config_err(ce, "%s:1: listener: no listener defined",
		    c->rc_file);
		return;
	}
	if (c->rc_nlisteners > RPXD_MAX_LISTENERS) {
		config_err(ce, "%s:0: listener: more than %u listeners",
		    c->rc_file, RPXD_MAX_LISTENERS);
		return;
	}
	for (i = 0; i < c->rc_nlisteners; i++) {
		struct listener_conf	*ls = &c->rc_listeners[i];

		for (j = 0; j < i; j++)
			if (strcmp(c->rc_listeners[j].ls_name,
			    ls->ls_name) == 0)
				config_err(ce, "%s:%u: listener: duplicate "
				    "listener \"%s\" (first at line %u)",
				    c->rc_file, ls->ls_line, ls->ls_name,
				    c->rc_listeners[j].ls_line);
		a = ls->ls_address;
		len = strlen(a);
		if (strcmp(a, "*") == 0)
			a = "0.0.0.0";
		else if (len >= 2 && a[0] == '[' && a[len - 1] == ']') {
			memcpy(host, a + 1, len - 2);
			host[len - 2] = '\0';
			a = host;
		}
		if (ls->ls_port == 0)
			config_err(ce, "%s:%u: port: listener \"%s\" has no "
			    "valid port", c->rc_file, ls->ls_line,
			    ls->ls_name);
		else if (resolve(a, ls->ls_port, AI_NUMERICHOST | AI_PASSIVE,
		    &ls->ls_addr, &ls->ls_addrlen, &why) == -1)
			config_err(ce, "%s:%u: address: bad listener address "
			    "\"%s\" in listener \"%s\": %s", c->rc_file,
			    ls->ls_line, ls->ls_address, ls->ls_name, why);
		else
			for (j = 0; j < i; j++) {
				const struct listener_conf *o =
				    &c->rc_listeners[j];

				if (o->ls_addrlen == ls->ls_addrlen &&
				    memcmp(&o->ls_addr, &ls->ls_addr,
				    ls->ls_addrlen) == 0) {
					config_err(ce, "%s:%u: address: "
					    "listener \"%s\" uses the same "
					    "address and port as listener "
					    "\"%s\" (line %u)", c->rc_file,
					    ls->ls_line, ls->ls_name,
					    o->ls_name, o->ls_line);
					break;
				}
			}
		check_routes(c, ls, ce);
	}
}

int
config_check(struct rpxd_conf *c, char *err, size_t errlen)
{
	struct config_err	ce;

	config_err_init(&ce, err, errlen);
	check_process(c, &ce);
	check_backends(c, &ce);
	check_listeners(c, &ce);
	return ce.ce_count > 0 ? -1 : 0;
}
