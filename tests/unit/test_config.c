/*
 * Unit tests for the configuration: the shipped example loads, the
 * defaults, each class of error reported as "file:line: option: what",
 * and the wire format round-trips and refuses truncated or corrupted
 * payloads.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "msgbuf.h"
#include "unit.h"

#ifdef TEST_TOP
#define EXAMPLE_CONF	TEST_TOP "/etc/rpxd.conf"
#else
#define EXAMPLE_CONF	TEST_DATA "/../../../etc/rpxd.conf"
#endif

static char	path[64];
static char	err[8192];

/* Write text to a temporary file; path holds its name. */
static const char *
conf_file(const char *text)
{
	int	fd;

	strcpy(path, "/tmp/rpxd-unit.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(path), -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static struct rpxd_conf *
load(const char *text)
{
	struct rpxd_conf	*c = config_load(conf_file(text), err,
				    sizeof(err));

	unlink(path);
	return c;
}

#define BE	"backend \"b\" { server = { \"127.0.0.1:8080\" } }\n"
#define LS(x)	"listener \"l\" {\n port = 80\n" x "}\n"
#define RT(x)	" route \"r\" {\n  backend = \"b\"\n" x " }\n"
#define RT2(x)	" route \"s\" {\n  backend = \"b\"\n" x " }\n"

struct bad {
	const char	*text;
	int		 line;
	const char	*w1, *w2;
};

/* Lines: BE is line 1, "listener" line 2, "port" 3, then x from line 4;
 * in RT(x) "route" is at line 4, "backend" 5, x from 6. */
static const struct bad bads[] = {
	/* libconfuse's own errors */
	{ BE LS("") "bogus = 1\n", 5, "bogus", NULL },
	{ BE LS(RT("  bogus = 1\n")), 6, "bogus", NULL },
	{ BE LS("") "listener {\n", 0, "listener", NULL },
	/* listener */
	{ BE LS(" address = \"1.2.3.4.5\"\n"), 2, "address", "1.2.3.4.5" },
	{ BE LS(" address = \"example.com\"\n"), 2, "address", "bad" },
	{ BE "listener \"l\" {\n port = 0\n}\n", 3, "port", "out of range" },
	{ BE "listener \"l\" {\n port = 65536\n}\n", 3, "port", "65536" },
	{ BE "listener \"l\" {\n address = \"::1\"\n}\n", 2, "port",
	    "required" },
	{ BE LS("") LS(""), 5, "listener", "duplicate" },
	{ BE LS("") "listener \"m\" {\n port = 80\n}\n", 5, "address",
	    "same address" },
	{ BE LS(" address = \"[::1]\"\n") "listener \"m\" {\n port = 80\n"
	    " address = \"::1\"\n}\n", 6, "\"m\"", "\"l\"" },
	/* backends and servers */
	{ BE LS(RT("  backend = \"nope\"\n")), 4, "backend", "\"nope\"" },
	{ BE BE LS(""), 2, "backend", "duplicate" },
	{ BE "backend \"c\" {\n}\n" LS(""), 2, "server", "no server" },
	{ "backend \"b\" {\n server = { \"127.0.0.1\" }\n}\n" LS(""), 2,
	    "server", "no port" },
	{ "backend \"b\" {\n server = { \"127.0.0.1:0\" }\n}\n" LS(""), 2,
	    "server", "65535" },
	{ "backend \"b\" {\n server = { \"h:99999\" }\n}\n" LS(""), 2,
	    "server", "65535" },
	{ "backend \"b\" {\n server = { \"no-such-host.invalid:80\" }\n}\n"
	    LS(""), 1, "server", "cannot resolve" },
	/* routes */
	{ BE LS(RT("") RT("")), 7, "route", "duplicate" },
	{ BE LS(RT("  host = { \"a.example\", \"b.example\" }\n")
	    RT2("  host = { \"B.example\", \"a.example\" }\n")), 8,
	    "\"s\" can never match", "\"r\"" },
	{ BE LS(RT("  path = \"Ucwa\"\n")), 6, "path", "bad path" },
	{ BE LS(RT("  path = \"/a*b\"\n")), 6, "path", "bad path" },
	{ BE LS(RT("  path = \"/*/x\"\n")), 6, "path", "bad path" },
	{ BE LS(RT("  host = { \"a.*.example\" }\n")), 6, "host",
	    "bad host pattern" },
	{ BE LS(RT("  host = { \"*.com\" }\n")), 6, "host", "*.com" },
	{ BE LS(RT("  host-header = \"drop\"\n")), 6, "host-header", "drop" },
	{ BE LS(RT("  host-header = \"rewrite\"\n")), 6, "host-header",
	    "host-rewrite" },
	{ BE LS(RT("  host-rewrite = \"x.example\"\n")), 6, "host-rewrite",
	    "not \"rewrite\"" },
	{ BE LS(" default-route = \"x\"\n"), 2, "default-route", "\"x\"" },
	{ BE LS(" route \"r\" {\n }\n"), 4, "backend", "required" },
	/* process */
	{ "user = \"no-such-user-rpxd\"\n" BE LS(""), 1, "user", "unknown" },
	{ "user = \"root\"\n" BE LS(""), 1, "user", "root" },
	{ "\ngroup = \"no-such-group-rpxd\"\n" BE LS(""), 2, "group",
	    "unknown" },
	{ "chroot = \"var/empty\"\n" BE LS(""), 1, "chroot", "absolute" },
	{ "syslog-facility = \"nope\"\n" BE LS(""), 1, "syslog-facility",
	    "unknown" },
	{ "log-level = \"loud\"\n" BE LS(""), 1, "log-level", "loud" },
	/* pool and limits */
	{ "min-spare-workers = 0\n" BE LS(""), 1, "min-spare-workers", NULL },
	{ "min-spare-workers = 20\n" BE LS(""), 1, "min-spare-workers",
	    "max-spare-workers" },
	{ "max-spare-workers = 300\n" BE LS(""), 1, "max-spare-workers",
	    "max-workers" },
	{ "max-workers = 0\n" BE LS(""), 1, "max-workers", "out of range" },
	{ "max-workers = 5000\n" BE LS(""), 1, "max-workers", "1024" },
	{ "max-workers = -1\n" BE LS(""), 1, "max-workers", "out of range" },
	{ "shutdown-timeout = 0\n" BE LS(""), 1, "shutdown-timeout", "0" },
	{ "\n\nidle-timeout = 0\n" BE LS(""), 3, "idle-timeout", "timeout" },
	{ "backend-connect-timeout = 0\n" BE LS(""), 1,
	    "backend-connect-timeout", "timeout" },
	{ "max-header-line = 200000\n" BE LS(""), 1, "max-header-line",
	    "max-head" },
	{ "max-request-line = 200000\n" BE LS(""), 1, "max-request-line",
	    "max-head" },
	{ "max-head = 1000\n" BE LS(""), 1, "max-head", "1024" },
	{ "max-headers = 0\n" BE LS(""), 1, "max-headers", NULL },
	{ "max-headers = 10001\n" BE LS(""), 1, "max-headers", "10000" },
	/* nothing published */
	{ BE, 1, "listener", "no listener" },
};

START_TEST(test_error)
{
	const struct bad	*b = &bads[_i];
	char			 prefix[128];

	ck_assert_ptr_null(load(b->text));
	if (b->line > 0)	/* 0: a syntax error, libconfuse's line */
		snprintf(prefix, sizeof(prefix), "%s:%d: ", path, b->line);
	else
		snprintf(prefix, sizeof(prefix), "%s:", path);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0 ||
	    strstr(err, prefix) != NULL, "case %d: no '%s' in '%s'", _i,
	    prefix, err);
	ck_assert_msg(strstr(err, b->w1) != NULL, "case %d: no '%s' in '%s'",
	    _i, b->w1, err);
	if (b->w2 != NULL)
		ck_assert_msg(strstr(err, b->w2) != NULL,
		    "case %d: no '%s' in '%s'", _i, b->w2, err);
}
END_TEST

START_TEST(test_error_missing_file)
{
	ck_assert_ptr_null(config_load("/nonexistent/rpxd.conf", err,
	    sizeof(err)));
	ck_assert_str_eq(err, "/nonexistent/rpxd.conf: cannot open: "
	    "No such file or directory");
}
END_TEST

START_TEST(test_error_several)
{
	ck_assert_ptr_null(load("max-headers = 0\nmax-head = 10\n" BE
	    LS("")));
	ck_assert_ptr_nonnull(strchr(err, '\n'));
	ck_assert_ptr_nonnull(strstr(err, "max-headers"));
	ck_assert_ptr_nonnull(strstr(err, "max-head:"));
}
END_TEST

START_TEST(test_example_loads)
{
	struct rpxd_conf	*c;
	const struct listener_conf *ls;
	const struct route_conf	*rt;
	const struct sockaddr_in *sin;

	c = config_load(EXAMPLE_CONF, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->rc_file, EXAMPLE_CONF);
	ck_assert_str_eq(c->rc_user, "nobody");
	ck_assert_str_eq(c->rc_chroot, "/var/empty");
	ck_assert_str_eq(c->rc_pidfile, "/var/run/rpxd.pid");
	ck_assert_uint_ne(c->rc_uid, 0);
	ck_assert_uint_eq(c->rc_nbackends, 1);
	ck_assert_str_eq(c->rc_backends[0].be_name, "lync-frontend");
	ck_assert_uint_eq(c->rc_backends[0].be_nservers, 1);
	ck_assert_str_eq(c->rc_backends[0].be_servers[0].sv_name,
	    "127.0.0.1:8080");
	ck_assert_uint_eq(c->rc_nlisteners, 1);
	ls = &c->rc_listeners[0];
	ck_assert_uint_eq(ls->ls_port, 80);
	sin = (const struct sockaddr_in *)(const void *)&ls->ls_addr;
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(ntohs(sin->sin_port), 80);
	ck_assert_uint_eq(sin->sin_addr.s_addr, htonl(INADDR_ANY));
	ck_assert_uint_eq(ls->ls_nroutes, 3);
	ck_assert_int_eq(ls->ls_default_route, 1);
	rt = &ls->ls_routes[0];
	ck_assert_str_eq(rt->rt_path, "/Ucwa/*");
	ck_assert_int_eq(rt->rt_path_icase, 1);
	ck_assert_str_eq(ls->ls_routes[1].rt_hosts[1], "meet.example.com");
	ck_assert_str_eq(ls->ls_routes[1].rt_hosts[2], "dialin.example.com");
	rt = &ls->ls_routes[2];
	ck_assert_str_eq(rt->rt_hosts[0], "lyncdiscover.example.com");
	ck_assert_int_eq(rt->rt_host_mode, HOST_HEADER_REWRITE);
	ck_assert_uint_eq(rt->rt_backend, 0);
	config_free(c);
}
END_TEST

START_TEST(test_defaults)
{
	struct rpxd_conf	*c, d;
	const struct route_conf	*rt;

	c = load(BE LS(RT("")));
	ck_assert_msg(c != NULL, "%s", err);
	config_defaults(&d);
	ck_assert_str_eq(c->rc_user, "nobody");
	ck_assert_str_eq(c->rc_group, "");
	ck_assert_str_eq(c->rc_chroot, "/var/empty");
	ck_assert_str_eq(c->rc_pidfile, "/var/run/rpxd.pid");
	ck_assert_int_eq(c->rc_facility, LOG_DAEMON);
	ck_assert_int_eq(c->rc_log_level, LOG_LEVEL_BRIEF);
	ck_assert_uint_eq(c->rc_min_spare, 4);
	ck_assert_uint_eq(c->rc_max_spare, 16);
	ck_assert_uint_eq(c->rc_max_workers, 256);
	ck_assert_uint_eq(c->rc_max_connections_per_worker, 0);
	ck_assert_uint_eq(c->rc_shutdown_timeout, 30);
	ck_assert_uint_eq(c->rc_client_header_timeout, 30);
	ck_assert_uint_eq(c->rc_client_idle_timeout, 120);
	ck_assert_uint_eq(c->rc_backend_connect_timeout, 5);
	ck_assert_uint_eq(c->rc_backend_timeout, 3600);
	ck_assert_uint_eq(c->rc_idle_timeout, 3600);
	ck_assert_uint_eq(c->rc_max_request_line, 16384);
	ck_assert_uint_eq(c->rc_max_header_line, 81920);
	ck_assert_uint_eq(c->rc_max_head, 131072);
	ck_assert_uint_eq(c->rc_max_headers, 200);
	for (unsigned i = 0; i < CONFIG_GLOBAL_INTS; i++)
		ck_assert_uint_eq(config_int_get(c, i), config_int_get(&d, i));
	ck_assert_str_eq(c->rc_listeners[0].ls_address, "127.0.0.1");
	ck_assert_int_eq(c->rc_listeners[0].ls_default_route, -1);
	ck_assert_uint_eq(c->rc_listeners[0].ls_line, 2);
	ck_assert_uint_eq(c->rc_backends[0].be_line, 1);
	rt = &c->rc_listeners[0].ls_routes[0];
	ck_assert_uint_eq(rt->rt_line, 4);
	ck_assert_uint_eq(rt->rt_nhosts, 0);
	ck_assert_str_eq(rt->rt_path, "/*");
	ck_assert_int_eq(rt->rt_path_icase, 0);
	ck_assert_int_eq(rt->rt_host_mode, HOST_HEADER_PRESERVE);
	ck_assert_uint_eq(rt->rt_backend_timeout, 0);
	ck_assert_uint_eq(rt->rt_idle_timeout, 0);
	config_free(c);
	config_free(NULL);
}
END_TEST

START_TEST(test_ipv6_and_wildcard)
{
	struct rpxd_conf	*c;

	c = load("backend \"b\" { server = { \"[::1]:8080\", "
	    "\"localhost:81\" } }\n"
	    "listener \"a\" { address = \"[::1]\" port = 8000 }\n"
	    "listener \"b\" { address = \"::1\" port = 8001 }\n"
	    "listener \"c\" { address = \"*\" port = 8000 route \"r\" {"
	    " host = { \"*.Example.COM\" } backend = \"b\" } }\n");
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_int_eq(c->rc_listeners[0].ls_addr.ss_family, AF_INET6);
	ck_assert_int_eq(c->rc_listeners[1].ls_addr.ss_family, AF_INET6);
	ck_assert_int_eq(c->rc_listeners[2].ls_addr.ss_family, AF_INET);
	ck_assert_str_eq(c->rc_listeners[2].ls_routes[0].rt_hosts[0],
	    "*.example.com");
	ck_assert_str_eq(c->rc_backends[0].be_servers[0].sv_host, "::1");
	ck_assert_uint_eq(c->rc_backends[0].be_servers[0].sv_port, 8080);
	ck_assert_str_eq(c->rc_backends[0].be_servers[0].sv_name,
	    "[::1]:8080");
	ck_assert_uint_eq(c->rc_backends[0].be_servers[0].sv_addrlen,
	    sizeof(struct sockaddr_in6));
	ck_assert_uint_ne(c->rc_backends[0].be_servers[1].sv_addrlen, 0);
	config_free(c);
}
END_TEST

static struct rpxd_conf *
rich_conf(void)
{
	struct rpxd_conf	*c;

	c = load("log-level = \"debug\"\nsyslog-facility = \"local3\"\n"
	    "max-workers = 100\nmax-spare-workers = 10\n"
	    "backend \"a\" { server = { \"127.0.0.1:1\", \"[::1]:2\" } }\n"
	    "backend \"b\" { server = { \"127.0.0.2:3\" } }\n"
	    "listener \"l\" { port = 81 default-route = \"s\"\n"
	    " route \"r\" { host = { \"x.example\", \"*.y.example\" }"
	    " path = \"/p/*\" path-case-insensitive = true backend = \"b\""
	    " host-header = \"rewrite\" host-rewrite = \"in.example\""
	    " backend-timeout = 7 idle-timeout = 9 }\n"
	    " route \"s\" { backend = \"a\" } }\n"
	    "listener \"m\" { address = \"::1\" port = 82 }\n");
	ck_assert_msg(c != NULL, "%s", err);
	return c;
}

START_TEST(test_wire_round_trip)
{
	struct rpxd_conf	*c = rich_conf(), *d;
	struct msgbuf		 mb;
	unsigned		 i, j, k;

	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	ck_assert_ptr_nonnull(d = config_decode(&mb));
	ck_assert_str_eq(d->rc_file, c->rc_file);
	ck_assert_str_eq(d->rc_user, c->rc_user);
	ck_assert_str_eq(d->rc_group, c->rc_group);
	ck_assert_uint_eq(d->rc_uid, c->rc_uid);
	ck_assert_uint_eq(d->rc_gid, c->rc_gid);
	ck_assert_str_eq(d->rc_chroot, c->rc_chroot);
	ck_assert_str_eq(d->rc_pidfile, c->rc_pidfile);
	ck_assert_int_eq(d->rc_facility, LOG_LOCAL3);
	ck_assert_int_eq(d->rc_log_level, LOG_LEVEL_DEBUG);
	for (i = 0; i < CONFIG_GLOBAL_INTS; i++)
		ck_assert_uint_eq(config_int_get(d, i), config_int_get(c, i));
	ck_assert_uint_eq(d->rc_max_workers, 100);
	ck_assert_uint_eq(d->rc_nbackends, c->rc_nbackends);
	for (i = 0; i < c->rc_nbackends; i++) {
		const struct backend_conf *a = &c->rc_backends[i],
		    *b = &d->rc_backends[i];

		ck_assert_str_eq(b->be_name, a->be_name);
		ck_assert_uint_eq(b->be_line, a->be_line);
		ck_assert_uint_eq(b->be_nservers, a->be_nservers);
		for (j = 0; j < a->be_nservers; j++) {
			const struct server_conf *x = &a->be_servers[j],
			    *y = &b->be_servers[j];

			ck_assert_str_eq(y->sv_name, x->sv_name);
			ck_assert_str_eq(y->sv_host, x->sv_host);
			ck_assert_uint_eq(y->sv_port, x->sv_port);
			ck_assert_uint_eq(y->sv_addrlen, x->sv_addrlen);
			ck_assert_mem_eq(&y->sv_addr, &x->sv_addr,
			    x->sv_addrlen);
		}
	}
	ck_assert_uint_eq(d->rc_nlisteners, 2);
	for (i = 0; i < c->rc_nlisteners; i++) {
		const struct listener_conf *a = &c->rc_listeners[i],
		    *b = &d->rc_listeners[i];

		ck_assert_str_eq(b->ls_name, a->ls_name);
		ck_assert_uint_eq(b->ls_line, a->ls_line);
		ck_assert_str_eq(b->ls_address, a->ls_address);
		ck_assert_uint_eq(b->ls_port, a->ls_port);
		ck_assert_uint_eq(b->ls_addrlen, a->ls_addrlen);
		ck_assert_mem_eq(&b->ls_addr, &a->ls_addr, a->ls_addrlen);
		ck_assert_int_eq(b->ls_default_route, a->ls_default_route);
		ck_assert_str_eq(b->ls_default_route_name,
		    a->ls_default_route_name);
		ck_assert_uint_eq(b->ls_nroutes, a->ls_nroutes);
		for (j = 0; j < a->ls_nroutes; j++) {
			const struct route_conf *x = &a->ls_routes[j],
			    *y = &b->ls_routes[j];

			ck_assert_str_eq(y->rt_name, x->rt_name);
			ck_assert_uint_eq(y->rt_line, x->rt_line);
			ck_assert_uint_eq(y->rt_nhosts, x->rt_nhosts);
			for (k = 0; k < x->rt_nhosts; k++)
				ck_assert_str_eq(y->rt_hosts[k],
				    x->rt_hosts[k]);
			ck_assert_str_eq(y->rt_path, x->rt_path);
			ck_assert_int_eq(y->rt_path_icase, x->rt_path_icase);
			ck_assert_str_eq(y->rt_backend_name,
			    x->rt_backend_name);
			ck_assert_uint_eq(y->rt_backend, x->rt_backend);
			ck_assert_int_eq(y->rt_host_mode, x->rt_host_mode);
			ck_assert_str_eq(y->rt_host_rewrite,
			    x->rt_host_rewrite);
			ck_assert_uint_eq(y->rt_backend_timeout,
			    x->rt_backend_timeout);
			ck_assert_uint_eq(y->rt_idle_timeout,
			    x->rt_idle_timeout);
		}
	}
	ck_assert_int_eq(d->rc_listeners[0].ls_default_route, 1);
	ck_assert_uint_eq(d->rc_listeners[0].ls_routes[0].rt_backend, 1);
	ck_assert_uint_eq(d->rc_listeners[0].ls_routes[0].rt_idle_timeout, 9);
	msgbuf_free(&mb);
	config_free(d);
	config_free(c);
}
END_TEST

/* A copy of the first len bytes of mb, attached for reading. */
static void
copy_prefix(struct msgbuf *rd, const struct msgbuf *mb, size_t len)
{
	unsigned char	*p = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(p);
	memcpy(p, mb->mb_data, len);
	msgbuf_init(rd);
	msgbuf_attach(rd, p, len);
}

START_TEST(test_wire_truncated)
{
	struct rpxd_conf	*c = rich_conf();
	struct msgbuf		 mb, rd;
	size_t			 len;

	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	for (len = 0; len < mb.mb_len; len++) {
		copy_prefix(&rd, &mb, len);
		ck_assert_msg(config_decode(&rd) == NULL, "length %zu", len);
		msgbuf_free(&rd);
	}
	/* One byte too many. */
	msgbuf_put_u32(&mb, 0);
	copy_prefix(&rd, &mb, mb.mb_len);
	ck_assert_ptr_null(config_decode(&rd));
	msgbuf_free(&rd);
	msgbuf_free(&mb);
	config_free(c);
}
END_TEST

/* Offset of the backend count: everything before it, encoded again. */
static size_t
backend_count_offset(const struct rpxd_conf *c)
{
	struct msgbuf	mb;
	unsigned	i;
	size_t		off;

	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, 1);
	msgbuf_put_str(&mb, c->rc_file);
	msgbuf_put_str(&mb, c->rc_user);
	msgbuf_put_str(&mb, c->rc_group);
	msgbuf_put_u64(&mb, 0);
	msgbuf_put_u64(&mb, 0);
	msgbuf_put_str(&mb, c->rc_chroot);
	msgbuf_put_str(&mb, c->rc_pidfile);
	msgbuf_put_u32(&mb, 0);
	msgbuf_put_u32(&mb, 0);
	for (i = 0; i < CONFIG_GLOBAL_INTS; i++)
		msgbuf_put_u32(&mb, 0);
	off = mb.mb_len;
	msgbuf_free(&mb);
	return off;
}

START_TEST(test_wire_corrupted)
{
	struct rpxd_conf	*c = rich_conf();
	struct msgbuf		 mb, rd;
	size_t			 off = backend_count_offset(c);
	uint32_t		 v, bad[] = { 3, 1000, RPXD_MAX_BACKENDS + 1,
				    UINT32_MAX };
	unsigned		 i;

	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	memcpy(&v, mb.mb_data + off, sizeof(v));
	ck_assert_uint_eq(v, 2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		copy_prefix(&rd, &mb, mb.mb_len);
		memcpy(rd.mb_data + off, &bad[i], sizeof(bad[i]));
		ck_assert_msg(config_decode(&rd) == NULL, "count %u", bad[i]);
		msgbuf_free(&rd);
	}
	/* A wrong version. */
	copy_prefix(&rd, &mb, mb.mb_len);
	rd.mb_data[0] ^= 0xff;
	ck_assert_ptr_null(config_decode(&rd));
	msgbuf_free(&rd);
	/* An untouched copy still decodes. */
	copy_prefix(&rd, &mb, mb.mb_len);
	ck_assert_ptr_nonnull(c->rc_listeners);
	{
		struct rpxd_conf *d = config_decode(&rd);

		ck_assert_ptr_nonnull(d);
		config_free(d);
	}
	msgbuf_free(&rd);
	msgbuf_free(&mb);
	config_free(c);
}
END_TEST

Suite *
suite_config(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");

	tcase_add_test(tc, test_example_loads);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_ipv6_and_wildcard);
	tcase_add_loop_test(tc, test_error, 0,
	    (int)(sizeof(bads) / sizeof(bads[0])));
	tcase_add_test(tc, test_error_missing_file);
	tcase_add_test(tc, test_error_several);
	tcase_add_test(tc, test_wire_round_trip);
	tcase_add_test(tc, test_wire_truncated);
	tcase_add_test(tc, test_wire_corrupted);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
