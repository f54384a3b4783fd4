/*
 * Unit tests for the configuration (common/config_*.c): the shipped
 * example and a file that sets every option load with the right values,
 * each class of error is reported as "file:line: option: what", and the
 * wire format round-trips and refuses truncated or corrupted payloads.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "msgbuf.h"
#include "unit.h"

#ifndef TEST_DATA
#define TEST_DATA	TEST_TOP "/tests/unit/data"
#endif
#define EXAMPLE_CONF	TEST_DATA "/../../../etc/rpxd.conf"
#define FULL_CONF	TEST_DATA "/full.conf"

static char	path[64];
static char	err[16384];

/* Write text to a temporary file; path holds its name. */
static const char *
conf_file(const char *text)
{
	size_t	len = strlen(text);
	int	fd;

	snprintf(path, sizeof(path), "/tmp/rpxd-unit.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(path), -1);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
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

static struct rpxd_conf *
load_ok(const char *text)
{
	struct rpxd_conf	*c = load(text);

	ck_assert_msg(c != NULL, "refused: %s", err);
	return c;
}

/*
 * The file must be refused with a message "path:line: " that holds every
 * word (a NULL-terminated list).
 */
static void
expect_error(const char *text, int line, ...)
{
	char		 prefix[128];
	const char	*w;
	va_list		 ap;

	ck_assert_msg(load(text) == NULL, "accepted:\n%s", text);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	ck_assert_msg(strstr(err, prefix) != NULL, "no '%s' in '%s'", prefix,
	    err);
	va_start(ap, line);
	while ((w = va_arg(ap, const char *)) != NULL)
		ck_assert_msg(strstr(err, w) != NULL, "no '%s' in '%s'", w, err);
	va_end(ap);
}

/* Line 1 a backend; a listener on lines 2-3 (name, port), then x. */
#define BE	"backend \"b\" { server = { \"127.0.0.1:8080\" } }\n"
#define LS(x)	"listener \"l\" {\n port = 80\n" x "}\n"
#define RT	" route \"r\" { backend = \"b\" }\n"
#define OK	BE LS(RT)

START_TEST(test_example_loads)
{
	struct rpxd_conf	*c = config_load(EXAMPLE_CONF, err, sizeof(err));
	const struct listener_conf *ls;
	unsigned		 i, rewrite = 0, icase = 0;

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->rc_nbackends, 1);
	ck_assert_str_eq(c->rc_backends[0].be_name, "lync-frontend");
	ck_assert_str_eq(c->rc_backends[0].be_servers[0].sv_name,
	    "127.0.0.1:8080");
	ck_assert_uint_eq(c->rc_nlisteners, 1);
	ls = &c->rc_listeners[0];
	ck_assert_uint_eq(ls->ls_port, 80);
	ck_assert_uint_eq(ls->ls_nroutes, 3);
	ck_assert_int_eq(ls->ls_default_route, -1);	/* nope.example.com */
	ck_assert_uint_eq(ls->ls_routes[0].rt_nhosts, 4);
	ck_assert_str_eq(ls->ls_routes[0].rt_hosts[0], "lyncweb.example.com");
	ck_assert_str_eq(ls->ls_routes[0].rt_hosts[3],
	    "lyncdiscover.example.com");
	for (i = 0; i < ls->ls_nroutes; i++) {
		if (ls->ls_routes[i].rt_host_mode == HOST_HEADER_REWRITE)
			rewrite++;
		if (ls->ls_routes[i].rt_path_icase &&
		    strcmp(ls->ls_routes[i].rt_path, "/Ucwa/*") == 0)
			icase++;
	}
	ck_assert_uint_eq(rewrite, 1);
	ck_assert_uint_eq(icase, 1);
	config_free(c);
}
END_TEST

START_TEST(test_full_values)
{
	struct rpxd_conf	*c = config_load(FULL_CONF, err, sizeof(err));
	const struct listener_conf *ls;
	const struct route_conf	*rt;
	const struct sockaddr_in6 *s6;
	struct passwd		*pw = getpwnam("nobody");
	struct group		*gr = getgrnam("nogroup");

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->rc_file, FULL_CONF);
	ck_assert_str_eq(c->rc_user, "nobody");
	ck_assert_str_eq(c->rc_group, "nogroup");
	ck_assert_ptr_nonnull(pw);
	ck_assert_uint_eq(c->rc_uid, pw->pw_uid);
	ck_assert_ptr_nonnull(gr);
	ck_assert_uint_eq(c->rc_gid, gr->gr_gid);
	ck_assert_str_eq(c->rc_chroot, "/nonexistent/rpxd-chroot");
	ck_assert_str_eq(c->rc_pidfile, "/nonexistent/rpxd.pid");
	ck_assert_int_eq(c->rc_facility, LOG_LOCAL3);
	ck_assert_int_eq(c->rc_log_level, LOG_LEVEL_DEBUG);
	ck_assert_uint_eq(c->rc_min_spare, 3);
	ck_assert_uint_eq(c->rc_max_spare, 9);
	ck_assert_uint_eq(c->rc_max_workers, 77);
	ck_assert_uint_eq(c->rc_max_connections_per_worker, 1000);
	ck_assert_uint_eq(c->rc_shutdown_timeout, 45);
	ck_assert_uint_eq(c->rc_client_header_timeout, 11);
	ck_assert_uint_eq(c->rc_client_idle_timeout, 99);
	ck_assert_uint_eq(c->rc_backend_connect_timeout, 7);
	ck_assert_uint_eq(c->rc_backend_timeout, 3700);
	ck_assert_uint_eq(c->rc_idle_timeout, 3800);
	ck_assert_uint_eq(c->rc_max_request_line, 8000);
	ck_assert_uint_eq(c->rc_max_header_line, 70000);
	ck_assert_uint_eq(c->rc_max_head, 200000);
	ck_assert_uint_eq(c->rc_max_headers, 150);

	/* Backends, with the lines of the sections despite the comments. */
	ck_assert_uint_eq(c->rc_nbackends, 2);
	ck_assert_str_eq(c->rc_backends[0].be_name, "fe");
	ck_assert_uint_eq(c->rc_backends[0].be_line, 29);
	ck_assert_uint_eq(c->rc_backends[0].be_nservers, 2);
	ck_assert_str_eq(c->rc_backends[0].be_servers[1].sv_host, "::1");
	ck_assert_uint_eq(c->rc_backends[0].be_servers[1].sv_port, 8081);
	ck_assert_uint_eq(c->rc_backends[0].be_servers[1].sv_addr.ss_family,
	    AF_INET6);
	ck_assert_uint_eq(c->rc_backends[0].be_servers[1].sv_addrlen,
	    sizeof(struct sockaddr_in6));
	ck_assert_uint_eq(c->rc_backends[0].be_servers[0].sv_addrlen,
	    sizeof(struct sockaddr_in));
	ck_assert_uint_eq(c->rc_backends[1].be_line, 34);
	ck_assert_str_eq(c->rc_backends[1].be_servers[1].sv_host, "localhost");
	ck_assert_uint_eq(c->rc_backends[1].be_servers[1].sv_port, 81);

	ck_assert_uint_eq(c->rc_nlisteners, 2);
	ls = &c->rc_listeners[0];
	ck_assert_str_eq(ls->ls_name, "v4");
	ck_assert_uint_eq(ls->ls_line, 41);
	ck_assert_str_eq(ls->ls_address, "*");
	ck_assert_uint_eq(ls->ls_addr.ss_family, AF_INET);
	ck_assert_uint_eq(ntohs(((const struct sockaddr_in *)(const void *)
	    &ls->ls_addr)->sin_port), 80);
	ck_assert_uint_eq(ls->ls_nroutes, 3);
	ck_assert_int_eq(ls->ls_default_route, 2);
	ck_assert_str_eq(ls->ls_default_route_name, "rest");
	rt = &ls->ls_routes[0];
	ck_assert_uint_eq(rt->rt_line, 46);
	ck_assert_str_eq(rt->rt_hosts[0], "lyncweb.example.com");
	ck_assert_str_eq(rt->rt_hosts[1], "*.meet.example.com");
	ck_assert_str_eq(rt->rt_path, "/*");
	ck_assert_int_eq(rt->rt_path_icase, 0);
	ck_assert_uint_eq(rt->rt_backend, 0);
	ck_assert_int_eq(rt->rt_host_mode, HOST_HEADER_PRESERVE);
	ck_assert_uint_eq(rt->rt_backend_timeout, 0);
	rt = &ls->ls_routes[1];
	ck_assert_uint_eq(rt->rt_line, 51);
	ck_assert_str_eq(rt->rt_path, "/Ucwa/*");
	ck_assert_int_eq(rt->rt_path_icase, 1);
	ck_assert_uint_eq(rt->rt_backend_timeout, 1800);
	ck_assert_uint_eq(rt->rt_idle_timeout, 1900);
	rt = &ls->ls_routes[2];
	ck_assert_uint_eq(rt->rt_nhosts, 0);
	ck_assert_str_eq(rt->rt_path, "/exact");
	ck_assert_str_eq(rt->rt_backend_name, "wac");
	ck_assert_uint_eq(rt->rt_backend, 1);
	ck_assert_int_eq(rt->rt_host_mode, HOST_HEADER_REWRITE);
	ck_assert_str_eq(rt->rt_host_rewrite, "wac.corp.example.local:8443");
	ls = &c->rc_listeners[1];
	ck_assert_uint_eq(ls->ls_line, 68);
	ck_assert_uint_eq(ls->ls_routes[0].rt_line, 71);
	s6 = (const struct sockaddr_in6 *)(const void *)&ls->ls_addr;
	ck_assert_uint_eq(s6->sin6_family, AF_INET6);
	ck_assert_uint_eq(ntohs(s6->sin6_port), 8443);
	ck_assert_int_eq(memcmp(&s6->sin6_addr, &in6addr_loopback,
	    sizeof(s6->sin6_addr)), 0);
	config_free(c);
}
END_TEST

/* A file that sets nothing global gets what config_defaults() sets. */
START_TEST(test_defaults)
{
	struct rpxd_conf	*c = load_ok(OK), d;
	unsigned		 i;

	memset(&d, 0, sizeof(d));
	config_defaults(&d);
	for (i = 0; i < CONFIG_GLOBAL_INTS; i++)
		ck_assert_uint_eq(config_int_get(c, i), config_int_get(&d, i));
	ck_assert_str_eq(c->rc_user, d.rc_user);
	ck_assert_str_eq(c->rc_group, "");
	ck_assert_str_eq(c->rc_chroot, "/var/empty");
	ck_assert_str_eq(c->rc_pidfile, "/var/run/rpxd.pid");
	ck_assert_int_eq(c->rc_facility, LOG_DAEMON);
	ck_assert_str_eq(c->rc_syslog_socket, "/dev/log");
	ck_assert_str_eq(c->rc_syslog_tag, "rpxd");
	ck_assert_int_eq(c->rc_log_level, LOG_LEVEL_BRIEF);
	ck_assert_uint_eq(d.rc_min_spare, 4);
	ck_assert_uint_eq(d.rc_max_spare, 16);
	ck_assert_uint_eq(d.rc_max_workers, 256);
	ck_assert_uint_eq(d.rc_max_connections_per_worker, 0);
	ck_assert_uint_eq(d.rc_shutdown_timeout, 30);
	ck_assert_uint_eq(d.rc_client_header_timeout, 30);
	ck_assert_uint_eq(d.rc_client_idle_timeout, 120);
	ck_assert_uint_eq(d.rc_backend_connect_timeout, 5);
	/* Long polls and heartbeats are not cut; Negotiate tokens fit. */
	ck_assert_uint_ge(d.rc_backend_timeout, 3540);
	ck_assert_uint_ge(d.rc_idle_timeout, 3540);
	ck_assert_uint_ge(d.rc_max_header_line, 64 * 1024);
	ck_assert_uint_ge(d.rc_max_head, 96 * 1024);
	ck_assert_uint_eq(d.rc_max_headers, 200);
	/* Route defaults. */
	ck_assert_str_eq(c->rc_listeners[0].ls_address, "0.0.0.0");
	ck_assert_str_eq(c->rc_listeners[0].ls_routes[0].rt_path, "/*");
	ck_assert_int_eq(c->rc_listeners[0].ls_routes[0].rt_path_icase, 0);
	ck_assert_int_eq(c->rc_listeners[0].ls_routes[0].rt_host_mode,
	    HOST_HEADER_PRESERVE);
	ck_assert_uint_eq(c->rc_listeners[0].ls_routes[0].rt_nhosts, 0);
	ck_assert_uint_eq(c->rc_listeners[0].ls_line, 2);
	ck_assert_uint_eq(c->rc_listeners[0].ls_routes[0].rt_line, 4);
	ck_assert_uint_eq(c->rc_backends[0].be_line, 1);
	config_free(c);
	config_free(NULL);
}
END_TEST

/* Lines stay right after every kind of comment. */
START_TEST(test_lines_after_comments)
{
	expect_error("# one\n# two\n// three\n/* four\nfive */\n"
	    "max-workers = 0 # six\n", 6, "max-workers", "out of range", NULL);
	expect_error("user = \"nobody\" # 1\n  # 2\n/* 3 */ bogus = 1\n", 3,
	    "bogus: unknown option", NULL);
	expect_error(BE LS(" # a comment\n route \"r\" {\n host = { \"a.org\","
	    " # x\n \"b..org\" }\n backend = \"b\" }\n"), 7, "host",
	    "b..org", NULL);
	/* '#' inside a quoted string is no comment. */
	expect_error(BE LS(" route \"r\" {\n backend = \"b\"\n path = \"/a#b\" "
	    "}\n"), 6, "path", "/a#b", NULL);
	expect_error("/* never closed\n", 1, "unterminated", NULL);
}
END_TEST

/* The len bytes of text are refused with exactly "path" then want. */
static void
expect_exact(const char *text, size_t len, const char *want)
{
	struct rpxd_conf	*c;
	char			 full[512];
	int			 fd;

	snprintf(path, sizeof(path), "/tmp/rpxd-unit.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(path), -1);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	c = config_load(path, err, sizeof(err));
	unlink(path);
	ck_assert_msg(c == NULL, "accepted:\n%s", text);
	snprintf(full, sizeof(full), "%s%s\n", path, want);
	ck_assert_str_eq(err, full);
}

/* Issue 16: the line where the mistake is, not one before or after. */
START_TEST(test_error_lines)
{
	static const char	nul[] = "user = \"nobody\"\n\nmax-workers = 8\0\n";
	static const char	q1[] = "user = \"nobody\nbackend \"b\" {\n"
				    " server = { \"127.0.0.1:1\" }\n}\n";
	static const char	q6[] = "user = \"nobody\"\n"
				    "# a comment with a \" quote\n"
				    BE LS(RT)
				    "syslog-socket = \"/dev/log\n"
				    "syslog-tag = \"rpxd\"\n"
				    "pidfile = \"/run/rpxd.pid\"\n";
	static const char	qeof[] = OK "syslog-tag = 'rpxd";

	expect_exact(nul, sizeof(nul) - 1,
	    ":3: syntax error: a NUL byte (the file must be text)");
	expect_exact(q1, sizeof(q1) - 1, ":1: syntax error: string not "
	    "closed (no \" before the end of the line)");
	expect_exact(q6, sizeof(q6) - 1, ":8: syntax error: string not "
	    "closed (no \" before the end of the line)");
	expect_exact(qeof, sizeof(qeof) - 1, ":6: syntax error: string not "
	    "closed (no ' before the end of the line)");
	/* An escaped quote does not close a string; the next one does. */
	expect_error("syslog-tag = \"rp\\\"xd\" # \"\n" OK, 1,
	    "syslog-tag: \"rp\"xd\" must be", NULL);
}
END_TEST

START_TEST(test_syntax_errors)
{
	ck_assert_ptr_null(config_load("/nonexistent/rpxd.conf", err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/rpxd.conf: cannot "
	    "open"));
	ck_assert_ptr_null(config_load("/tmp", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/tmp: cannot read"));
	expect_error("usr = \"x\"\n", 1, "usr: unknown option", NULL);
	expect_error(BE LS(" route \"r\" {\n backend = \"b\"\n bogus = 1\n }\n"),
	    6, "bogus: unknown option in route \"r\"", NULL);
	expect_error(BE LS(" prot = 80\n" RT), 4, "prot: unknown option", NULL);
	expect_error(BE "listener \"l\" {\n port = 80\n" RT, 2, "syntax error",
	    "never closed", NULL);
	expect_error(BE LS(RT) "}\n", 6, "syntax error", NULL);
	expect_error(BE "listener \"l\" {\n port = \"http\"\n" RT "}\n", 3,
	    "port", "integer", NULL);
	expect_error(BE LS(" route \"r\" {\n backend = \"b\"\n "
	    "path-case-insensitive = maybe\n }\n"), 6, "path-case-insensitive",
	    NULL);
	expect_error("user \"nobody\"\n", 1, "user", NULL);
	expect_error(BE "listener {\n port = 80\n" RT "}\n", 2, "listener",
	    "name", NULL);
	expect_error(BE "listener \"bad name\" {\n port = 80\n" RT "}\n", 2,
	    "listener \"bad name\"", "name", NULL);
}
END_TEST

START_TEST(test_listener_errors)
{
	expect_error(BE LS(" address = \"not-an-ip\"\n" RT), 2, "listener \"l\"",
	    "address", "not-an-ip", NULL);
	expect_error(BE LS(" address = \"10.0.0.300\"\n" RT), 2, "address",
	    "10.0.0.300", NULL);
	expect_error(BE LS(" address = \"[10.0.0.1]\"\n" RT), 2, "address",
	    NULL);
	expect_error(BE "listener \"l\" {\n port = 0\n" RT "}\n", 3, "port",
	    "0 is out of range", NULL);
	expect_error(BE "listener \"l\" {\n port = 70000\n" RT "}\n", 3, "port",
	    "70000", NULL);
	expect_error(BE "listener \"l\" {\n" RT "}\n", 2, "listener \"l\"",
	    "port: missing", NULL);
	expect_error(BE LS(""), 2, "listener \"l\"", "route", "none", NULL);
	expect_error(BE LS(RT) LS(RT), 6, "listener \"l\"", "defined twice",
	    "line 2", NULL);
	expect_error(BE LS(RT) "listener \"m\" {\n port = 80\n address = \"*\"\n"
	    RT "}\n", 6, "listener \"m\"", "already used", "\"l\"", NULL);
	expect_error(BE "listener \"l\" {\n port = 80\n address = \"::1\"\n" RT
	    "}\nlistener \"m\" {\n port = 80\n address = \"[::1]\"\n" RT "}\n",
	    7, "listener \"m\"", "already used", NULL);
	expect_error(BE LS(" default-route = \"zz\"\n" RT), 2, "default-route",
	    "\"zz\"", NULL);
	expect_error(BE, 1, "listener: none", NULL);
	/* Different ports, or IPv4 and IPv6: no conflict. */
	config_free(load_ok(BE LS(RT) "listener \"m\" {\n port = 81\n" RT "}\n"
	    "listener \"n\" {\n port = 80\n address = \"::\"\n" RT "}\n"));
}
END_TEST

START_TEST(test_backend_errors)
{
	expect_error(BE LS(" route \"r\" {\n backend = \"nowhere\"\n }\n"), 4,
	    "route \"r\"", "backend", "\"nowhere\" is not defined", NULL);
	expect_error(BE BE LS(RT), 2, "backend \"b\"", "defined twice",
	    "line 1", NULL);
	expect_error("backend \"b\" { }\n" LS(RT), 1, "backend \"b\"",
	    "server: missing", NULL);
	expect_error("backend \"b\" { server = { \"nohost\" } }\n" LS(RT), 1,
	    "backend \"b\"", "server", "\"nohost\"", NULL);
	expect_error("backend \"b\" { server = { \"host:0\" } }\n" LS(RT), 1,
	    "server", "\"host:0\"", "port", NULL);
	expect_error("backend \"b\" { server = { \"host:99999\" } }\n" LS(RT),
	    1, "server", "\"host:99999\"", "port", NULL);
	expect_error("backend \"b\" { server = { \"host:http\" } }\n" LS(RT),
	    1, "server", "\"host:http\"", NULL);
	expect_error("backend \"b\" { server = { \"::1:80\" } }\n" LS(RT), 1,
	    "server", "\"::1:80\"", NULL);
	expect_error("backend \"b\" {\n server = { \"127.0.0.1:80\",\n "
	    "\"no-such-host.invalid:80\" } }\n" LS(RT), 1, "backend \"b\"",
	    "server", "no-such-host.invalid", "resolve", NULL);
	expect_error("backend \"b\" { server = { \"\" } }\n" LS(RT), 1,
	    "server", NULL);
}
END_TEST

START_TEST(test_route_errors)
{
	expect_error(BE LS(RT RT), 5, "route \"r\"", "defined twice", NULL);
	expect_error(BE LS(" route \"r\" { }\n"), 4, "route \"r\"",
	    "backend: missing", NULL);
	/* Same hosts in another order, same path: the second never wins. */
	expect_error(BE LS(" route \"a\" { backend = \"b\" host = { \"x.org\","
	    " \"y.org\" } }\n route \"c\" { backend = \"b\" host = { \"Y.org\","
	    " \"x.org\" } }\n"), 5, "route \"c\"", "never match", "\"a\"",
	    "line 4", NULL);
	expect_error(BE LS(RT " route \"s\" {\n backend = \"b\"\n path = \"/*\""
	    " }\n"), 5, "route \"s\"", "never match", "\"r\"", NULL);
	expect_error(BE LS(" route \"a\" { backend = \"b\" path = \"/U/*\" "
	    "path-case-insensitive = true }\n route \"c\" { backend = \"b\" "
	    "path = \"/u/*\" path-case-insensitive = true }\n"), 5,
	    "never match", NULL);
	/* A different host set, path or case-sensitivity can match. */
	config_free(load_ok(BE LS(" route \"a\" { backend = \"b\" host = { "
	    "\"x.org\", \"x.org\" } }\n route \"c\" { backend = \"b\" host = {"
	    " \"x.org\", \"y.org\" } }\n route \"d\" { backend = \"b\" }\n"
	    " route \"e\" { backend = \"b\" path = \"/a\" }\n"
	    " route \"f\" { backend = \"b\" path = \"/A\" }\n"
	    " route \"g\" { backend = \"b\" path = \"/a\" "
	    "path-case-insensitive = true }\n")));

	expect_error(BE LS(" route \"r\" { backend = \"b\"\n path = \"/a*b\""
	    " }\n"), 5, "path", "\"/a*b\"", NULL);
	expect_error(BE LS(" route \"r\" { backend = \"b\"\n path = \"Ucwa/*\""
	    " }\n"), 5, "path", "start with", NULL);
	expect_error(BE LS(" route \"r\" { backend = \"b\"\n path = \"/a b\""
	    " }\n"), 5, "path", "space", NULL);
	expect_error(BE LS(" route \"r\" { backend = \"b\"\n path = \"/*/x\""
	    " }\n"), 5, "path", NULL);
	expect_error(BE LS(" route \"r\" { backend = \"b\"\n path = \"/a*\""
	    " }\n"), 5, "path", NULL);
	expect_error(BE LS(" route \"r\" { backend = \"b\"\n path = \"/a/../b\""
	    " }\n"), 5, "path", "segment", NULL);
	expect_error(BE LS(" route \"r\" { backend = \"b\"\n path = \"/a?b\""
	    " }\n"), 5, "path", NULL);

	expect_error(BE LS(" route \"r\" { backend = \"b\"\n host = { \"*.com\""
	    " } }\n"), 5, "host", "\"*.com\"", "two labels", NULL);
	expect_error(BE LS(" route \"r\" { backend = \"b\"\n host = { \"a.org\","
	    "\n \"a*.example.com\" } }\n"), 6, "host", "a*.example.com", NULL);
	expect_error(BE LS(" route \"r\" { backend = \"b\"\n host = { \"a b\""
	    " } }\n"), 5, "host", NULL);
	expect_error(BE LS(" route \"r\" { backend = \"b\"\n host = { \"a.org.\""
	    " } }\n"), 5, "host", NULL);
	expect_error(BE LS(" route \"r\" { backend = \"b\"\n host = { \"a:80\""
	    " } }\n"), 5, "host", NULL);

	expect_error(BE LS(" route \"r\" { backend = \"b\"\n host-header = "
	    "\"keep\" }\n"), 5, "host-header", "\"keep\"", NULL);
	expect_error(BE LS(" route \"r\" {\n backend = \"b\"\n host-header = "
	    "\"rewrite\" }\n"), 4, "route \"r\"", "host-rewrite", "missing",
	    NULL);
	expect_error(BE LS(" route \"r\" {\n backend = \"b\"\n host-rewrite = "
	    "\"in.local\" }\n"), 4, "route \"r\"", "host-rewrite", "only",
	    NULL);
	expect_error(BE LS(" route \"r\" {\n backend = \"b\"\n host-header = "
	    "\"rewrite\"\n host-rewrite = \"*.in.local\" }\n"), 7,
	    "host-rewrite", NULL);
	expect_error(BE LS(" route \"r\" {\n backend = \"b\"\n idle-timeout = "
	    "-1 }\n"), 6, "idle-timeout", "out of range", NULL);
	expect_error(BE LS(" route \"r\" {\n backend = \"b c\" }\n"), 5,
	    "backend", "not a name", NULL);
}
END_TEST

START_TEST(test_global_errors)
{
	static const char *timeouts[] = { "shutdown-timeout",
	    "client-header-timeout", "client-idle-timeout",
	    "backend-connect-timeout", "backend-timeout", "idle-timeout" };
	char		text[512];
	size_t		i;

	expect_error("user = \"no-such-user-rpxd\"\n" OK, 1, "user",
	    "unknown user", "no-such-user-rpxd", NULL);
	expect_error("user = \"\"\n" OK, 1, "user", "unknown user", NULL);
	expect_error("\nuser = \"root\"\n" OK, 2, "user", "root", NULL);
	expect_error("group = \"no-such-group-rpxd\"\n" OK, 1, "group",
	    "unknown group", NULL);
	expect_error("\n\ngroup = \"root\"\n" OK, 3, "group: \"root\" is gid 0",
	    NULL);
	expect_error("max-spare-workers = 3\n" OK, 1, "min-spare-workers: 4 is "
	    "larger than max-spare-workers (3)", NULL);
	expect_error("max-spare-workers = 30\n\nmax-workers = 20\n" OK, 3,
	    "max-spare-workers", "larger than max-workers", NULL);
	expect_error("max-workers = 0\n" OK, 1, "max-workers", "out of range",
	    NULL);
	expect_error("max-workers = 262145\n" OK, 1, "max-workers", "262145",
	    NULL);
	expect_error("min-spare-workers = 0\n" OK, 1, "min-spare-workers",
	    NULL);
	for (i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
		snprintf(text, sizeof(text), "%s = 0\n" OK, timeouts[i]);
		expect_error(text, 1, timeouts[i], "out of range", NULL);
	}
	expect_error("max-head = 2048\n" OK, 1, "max-header-line",
	    "larger than max-head", NULL);
	expect_error("max-head = 65536\nmax-header-line = 1024\n"
	    "max-request-line = 65537\n" OK, 3, "max-request-line",
	    "larger than max-head", NULL);
	expect_error("max-head = 1000\n" OK, 1, "max-head", "out of range",
	    NULL);
	expect_error("max-headers = 0\n" OK, 1, "max-headers", NULL);
	expect_error("max-headers = 10001\n" OK, 1, "max-headers", NULL);
	expect_error("syslog-facility = \"kern9\"\n" OK, 1, "syslog-facility",
	    "kern9", NULL);
	expect_error("syslog-socket = \"dev/log\"\n" OK, 1, "syslog-socket",
	    "absolute", NULL);
	expect_error("syslog-tag = \"rp xd\"\n" OK, 1, "syslog-tag",
	    "rp xd", NULL);
	expect_error("syslog-tag = \"\"\n" OK, 1, "syslog-tag", NULL);
	expect_error("log-level = \"loud\"\n" OK, 1, "log-level", "loud", NULL);
	expect_error("chroot = \"var/empty\"\n" OK, 1, "chroot", "absolute",
	    NULL);
	expect_error("pidfile = \"rpxd.pid\"\n" OK, 1, "pidfile", "absolute",
	    NULL);
	/* A chroot that does not exist yet is fine: the master makes it. */
	config_free(load_ok("chroot = \"/nonexistent/rpxd\"\n" OK));
}
END_TEST

START_TEST(test_chroot_checks)
{
	char	dir[] = "/tmp/rpxd-chroot.XXXXXX", text[256];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(text, sizeof(text), "chroot = \"%s\"\n" OK, dir);
	if (geteuid() == 0) {
		ck_assert_int_eq(chmod(dir, 0755), 0);
		config_free(load_ok(text));
		ck_assert_int_eq(chmod(dir, 0775), 0);
		expect_error(text, 1, "chroot", "writable", NULL);
		ck_assert_int_eq(chmod(dir, 0757), 0);
		expect_error(text, 1, "chroot", "writable", NULL);
		ck_assert_int_eq(chmod(dir, 0755), 0);
		ck_assert_int_eq(chown(dir, 65534, 65534), 0);
	}
	expect_error(text, 1, "chroot", "owned by root", NULL);
	ck_assert_int_eq(rmdir(dir), 0);
	expect_error("chroot = \"/etc/passwd\"\n" OK, 1, "chroot",
	    "not a directory", NULL);
}
END_TEST

/* Every problem is reported at once, one line each. */
START_TEST(test_many_errors)
{
	const char	*p;
	int		 lines = 0;

	ck_assert_ptr_null(load("max-workers = 0\nlog-level = \"x\"\n" BE
	    LS(" route \"r\" {\n path = \"x\"\n host-header = \"y\"\n }\n")));
	for (p = err; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	ck_assert_int_ge(lines, 4);
	ck_assert_ptr_nonnull(strstr(err, ":1: max-workers"));
	ck_assert_ptr_nonnull(strstr(err, ":2: log-level"));
	ck_assert_ptr_nonnull(strstr(err, ":7: path"));
	ck_assert_ptr_nonnull(strstr(err, ":8: host-header"));
	/* A small buffer gets a cut, terminated message. */
	ck_assert_ptr_null(config_load("/nonexistent/rpxd.conf", err, 8));
	ck_assert_uint_eq(strlen(err), 7);
	ck_assert_ptr_null(config_load("/nonexistent/rpxd.conf", err, 1));
	ck_assert_str_eq(err, "");
}
END_TEST

/* A growing text buffer for generated files. */
struct text {
	char	*t;
	size_t	 len, cap;
};

static void add(struct text *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
add(struct text *t, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->t + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		ck_assert_int_ge(n, 0);
		if ((size_t)n < t->cap - t->len)
			break;
		t->cap = (t->cap + (size_t)n) * 2;
		ck_assert_ptr_nonnull(t->t = realloc(t->t, t->cap));
	}
	t->len += (size_t)n;
}

START_TEST(test_too_many)
{
	struct text	t = { malloc(4096), 0, 4096 };
	int		i;

	ck_assert_ptr_nonnull(t.t);
	add(&t, BE "listener \"l\" {\n port = 80\n route \"r\" {\n backend = "
	    "\"b\"\n host = {");
	for (i = 0; i <= RPXD_MAX_HOSTS; i++)
		add(&t, "%s\"h%d.org\"", i ? "," : "", i);
	add(&t, "}\n }\n}\n");
	expect_error(t.t, 4, "host", "more than 256", NULL);

	t.len = 0;
	add(&t, BE "listener \"l\" {\n port = 80\n");
	for (i = 0; i <= RPXD_MAX_ROUTES; i++)
		add(&t, " route \"r%d\" { backend = \"b\" path = \"/%d\" }\n", i,
		    i);
	add(&t, "}\n");
	expect_error(t.t, 2, "route", "more than 1024", NULL);

	t.len = 0;
	add(&t, "backend \"b\" { server = {");
	for (i = 0; i <= RPXD_MAX_SERVERS; i++)
		add(&t, "%s\"127.0.0.1:%d\"", i ? "," : "", i + 1);
	add(&t, "} }\n" LS(RT));
	expect_error(t.t, 1, "server", "more than 256", NULL);

	t.len = 0;
	for (i = 0; i <= RPXD_MAX_BACKENDS; i++)
		add(&t, "backend \"b%d\" { server = { \"127.0.0.1:80\" } }\n", i);
	add(&t, "listener \"l\" { port = 80 " RT "}\n");
	expect_error(t.t, RPXD_MAX_BACKENDS + 1, "backend", "more than 1024",
	    NULL);

	t.len = 0;
	add(&t, BE);
	for (i = 0; i <= RPXD_MAX_LISTENERS; i++)
		add(&t, "listener \"l%d\" { port = %d route \"r\" { backend = "
		    "\"b\" } }\n", i, 1000 + i);
	expect_error(t.t, RPXD_MAX_LISTENERS + 2, "listener", "more than 256",
	    NULL);
	free(t.t);
}
END_TEST

/* A configuration built by hand, as other tests do, passes the check. */
START_TEST(test_check_by_hand)
{
	struct rpxd_conf	*c = calloc(1, sizeof(*c));
	struct listener_conf	*ls;
	struct backend_conf	*be;

	ck_assert_ptr_nonnull(c);
	config_defaults(c);
	snprintf(c->rc_file, sizeof(c->rc_file), "by-hand");
	c->rc_nbackends = 1;
	be = c->rc_backends = calloc(1, sizeof(*be));
	snprintf(be->be_name, sizeof(be->be_name), "b");
	be->be_nservers = 1;
	be->be_servers = calloc(1, sizeof(*be->be_servers));
	snprintf(be->be_servers[0].sv_name, sizeof(be->be_servers[0].sv_name),
	    "127.0.0.1:8080");
	c->rc_nlisteners = 1;
	ls = c->rc_listeners = calloc(1, sizeof(*ls));
	snprintf(ls->ls_name, sizeof(ls->ls_name), "l");
	snprintf(ls->ls_address, sizeof(ls->ls_address), "127.0.0.1");
	ls->ls_port = 8000;
	ls->ls_nroutes = 1;
	ls->ls_routes = calloc(1, sizeof(*ls->ls_routes));
	snprintf(ls->ls_routes[0].rt_name, sizeof(ls->ls_routes[0].rt_name),
	    "r");
	snprintf(ls->ls_routes[0].rt_path, sizeof(ls->ls_routes[0].rt_path),
	    "/*");
	snprintf(ls->ls_routes[0].rt_backend_name,
	    sizeof(ls->ls_routes[0].rt_backend_name), "b");
	ck_assert_msg(config_check(c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(be->be_servers[0].sv_port, 8080);
	ck_assert_uint_eq(be->be_servers[0].sv_addr.ss_family, AF_INET);
	ck_assert_uint_eq(ls->ls_addrlen, sizeof(struct sockaddr_in));
	ck_assert_int_eq(ls->ls_default_route, -1);
	snprintf(ls->ls_routes[0].rt_backend_name,
	    sizeof(ls->ls_routes[0].rt_backend_name), "x");
	ck_assert_int_eq(config_check(c, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "by-hand:0: listener \"l\": route "
	    "\"r\": backend: \"x\" is not defined"));
	config_free(c);
}
END_TEST

static void
assert_addr_eq(const struct sockaddr_storage *a, socklen_t al,
    const struct sockaddr_storage *b, socklen_t bl)
{
	ck_assert_uint_eq(al, bl);
	ck_assert_int_eq(memcmp(a, b, al), 0);
}

static void
assert_route_eq(const struct route_conf *a, const struct route_conf *b)
{
	unsigned	k;

	ck_assert_str_eq(a->rt_name, b->rt_name);
	ck_assert_uint_eq(a->rt_line, b->rt_line);
	ck_assert_uint_eq(a->rt_nhosts, b->rt_nhosts);
	for (k = 0; k < a->rt_nhosts; k++)
		ck_assert_str_eq(a->rt_hosts[k], b->rt_hosts[k]);
	ck_assert_str_eq(a->rt_path, b->rt_path);
	ck_assert_int_eq(a->rt_path_icase, b->rt_path_icase);
	ck_assert_str_eq(a->rt_backend_name, b->rt_backend_name);
	ck_assert_uint_eq(a->rt_backend, b->rt_backend);
	ck_assert_int_eq(a->rt_host_mode, b->rt_host_mode);
	ck_assert_str_eq(a->rt_host_rewrite, b->rt_host_rewrite);
	ck_assert_uint_eq(a->rt_backend_timeout, b->rt_backend_timeout);
	ck_assert_uint_eq(a->rt_idle_timeout, b->rt_idle_timeout);
}

/* Every field of every struct. */
static void
assert_conf_eq(const struct rpxd_conf *a, const struct rpxd_conf *b)
{
	unsigned	i, j;

	ck_assert_str_eq(a->rc_file, b->rc_file);
	ck_assert_str_eq(a->rc_user, b->rc_user);
	ck_assert_str_eq(a->rc_group, b->rc_group);
	ck_assert_uint_eq(a->rc_uid, b->rc_uid);
	ck_assert_uint_eq(a->rc_gid, b->rc_gid);
	ck_assert_str_eq(a->rc_chroot, b->rc_chroot);
	ck_assert_str_eq(a->rc_pidfile, b->rc_pidfile);
	ck_assert_int_eq(a->rc_facility, b->rc_facility);
	ck_assert_str_eq(a->rc_syslog_socket, b->rc_syslog_socket);
	ck_assert_str_eq(a->rc_syslog_tag, b->rc_syslog_tag);
	ck_assert_int_eq(a->rc_log_level, b->rc_log_level);
	for (i = 0; i < CONFIG_GLOBAL_INTS; i++)
		ck_assert_uint_eq(config_int_get(a, i), config_int_get(b, i));
	ck_assert_uint_eq(a->rc_nbackends, b->rc_nbackends);
	for (i = 0; i < a->rc_nbackends; i++) {
		const struct backend_conf *x = &a->rc_backends[i],
		    *y = &b->rc_backends[i];

		ck_assert_str_eq(x->be_name, y->be_name);
		ck_assert_uint_eq(x->be_line, y->be_line);
		ck_assert_uint_eq(x->be_nservers, y->be_nservers);
		for (j = 0; j < x->be_nservers; j++) {
			ck_assert_str_eq(x->be_servers[j].sv_name,
			    y->be_servers[j].sv_name);
			ck_assert_str_eq(x->be_servers[j].sv_host,
			    y->be_servers[j].sv_host);
			ck_assert_uint_eq(x->be_servers[j].sv_port,
			    y->be_servers[j].sv_port);
			assert_addr_eq(&x->be_servers[j].sv_addr,
			    x->be_servers[j].sv_addrlen,
			    &y->be_servers[j].sv_addr,
			    y->be_servers[j].sv_addrlen);
		}
	}
	ck_assert_uint_eq(a->rc_nlisteners, b->rc_nlisteners);
	for (i = 0; i < a->rc_nlisteners; i++) {
		const struct listener_conf *x = &a->rc_listeners[i],
		    *y = &b->rc_listeners[i];

		ck_assert_str_eq(x->ls_name, y->ls_name);
		ck_assert_uint_eq(x->ls_line, y->ls_line);
		ck_assert_str_eq(x->ls_address, y->ls_address);
		ck_assert_uint_eq(x->ls_port, y->ls_port);
		assert_addr_eq(&x->ls_addr, x->ls_addrlen, &y->ls_addr,
		    y->ls_addrlen);
		ck_assert_int_eq(x->ls_default_route, y->ls_default_route);
		ck_assert_str_eq(x->ls_default_route_name,
		    y->ls_default_route_name);
		ck_assert_uint_eq(x->ls_nroutes, y->ls_nroutes);
		for (j = 0; j < x->ls_nroutes; j++)
			assert_route_eq(&x->ls_routes[j], &y->ls_routes[j]);
	}
}

static struct rpxd_conf *
full(void)
{
	struct rpxd_conf	*c = config_load(FULL_CONF, err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	return c;
}

/* Decode a copy of the first len bytes of src. */
static struct rpxd_conf *
decode_copy(const unsigned char *src, size_t len)
{
	struct msgbuf		 rd;
	struct rpxd_conf	*d;
	unsigned char		*copy = malloc(len + 1);

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, src, len);
	msgbuf_init(&rd);
	msgbuf_attach(&rd, copy, len);
	d = config_decode(&rd);
	msgbuf_free(&rd);
	return d;
}

START_TEST(test_wire_round_trip)
{
	struct rpxd_conf	*c = full(), *d, *e;
	struct msgbuf		 mb;

	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	ck_assert_ptr_nonnull(d = decode_copy(mb.mb_data, mb.mb_len));
	assert_conf_eq(c, d);
	config_free(d);
	msgbuf_free(&mb);

	/* And the example, whose one listener has no default route. */
	ck_assert_ptr_nonnull(e = config_load(EXAMPLE_CONF, err, sizeof(err)));
	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(e, &mb), 0);
	ck_assert_ptr_nonnull(d = decode_copy(mb.mb_data, mb.mb_len));
	assert_conf_eq(e, d);
	config_free(d);
	config_free(e);
	msgbuf_free(&mb);
	config_free(c);
}
END_TEST

/* Every global number the parser accepts as 0 crosses to the workers as
 * 0: a template refusing its configuration would start no worker. */
START_TEST(test_wire_zero_ints)
{
	struct rpxd_conf	*c, *d;
	struct msgbuf		 mb;
	const char		*name;
	char			 text[4096];
	unsigned		 i;

	for (i = 0; (name = config_int_name(i)) != NULL; i++) {
		snprintf(text, sizeof(text), "%s = 0\n" OK, name);
		if ((c = load(text)) == NULL)
			continue;	/* 0 is out of its range */
		msgbuf_init(&mb);
		ck_assert_int_eq(config_encode(c, &mb), 0);
		d = decode_copy(mb.mb_data, mb.mb_len);
		ck_assert_msg(d != NULL, "%s = 0 is accepted but does not "
		    "cross to the workers", name);
		config_free(d);
		config_free(c);
		msgbuf_free(&mb);
	}
}
END_TEST

/* max-connections-per-address and pressure-threshold may be 0 (no limit,
 * never under pressure), and cross to the workers so; out of range is
 * an error at its line. */
START_TEST(test_limit_options)
{
	struct rpxd_conf	*c, *d;
	struct msgbuf		 mb;

	c = load_ok("max-connections-per-address = 0\npressure-threshold = 0\n"
	    "pressure-head-timeout = 3\n" OK);
	ck_assert_uint_eq(c->rc_max_conns_per_addr, 0);
	ck_assert_uint_eq(c->rc_pressure_threshold, 0);
	ck_assert_uint_eq(c->rc_pressure_head_timeout, 3);
	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	ck_assert_ptr_nonnull(d = decode_copy(mb.mb_data, mb.mb_len));
	ck_assert_uint_eq(d->rc_max_conns_per_addr, 0);
	ck_assert_uint_eq(d->rc_pressure_threshold, 0);
	ck_assert_uint_eq(d->rc_pressure_head_timeout, 3);
	config_free(d);
	msgbuf_free(&mb);
	config_free(c);
	c = load_ok(OK);
	ck_assert_uint_eq(c->rc_max_conns_per_addr, 512);
	ck_assert_uint_eq(c->rc_pressure_threshold, 90);
	ck_assert_uint_eq(c->rc_pressure_head_timeout, 5);
	config_free(c);
	expect_error("\nmax-connections-per-address = -1\n" OK, 2,
	    "max-connections-per-address: -1 is out of range (0 to 1048576)",
	    NULL);
	expect_error("pressure-threshold = 101\n" OK, 1,
	    "pressure-threshold: 101 is out of range (0 to 100)", NULL);
	expect_error("\n\npressure-head-timeout = 0\n" OK, 3,
	    "pressure-head-timeout: 0 is out of range (1 to 86400)", NULL);
	expect_error("pressure-head-timeout = \"5s\"\n" OK, 1,
	    "pressure-head-timeout", NULL);
}
END_TEST

/* backend-idle-*: 0 turns reuse off and crosses the wire to the workers;
 * out of range is refused at its line. */
START_TEST(test_backend_idle)
{
	struct rpxd_conf	*c, *d;
	struct msgbuf		 mb;

	c = load_ok(OK);
	ck_assert_uint_eq(c->rc_backend_idle_conns, 4);
	ck_assert_uint_eq(c->rc_backend_idle_timeout, 15);
	config_free(c);
	c = load_ok("backend-idle-connections = 0\nbackend-idle-timeout = 0\n"
	    OK);
	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	ck_assert_ptr_nonnull(d = decode_copy(mb.mb_data, mb.mb_len));
	ck_assert_uint_eq(d->rc_backend_idle_conns, 0);
	ck_assert_uint_eq(d->rc_backend_idle_timeout, 0);
	config_free(d);
	msgbuf_free(&mb);
	config_free(c);
	expect_error("max-workers = 8\nbackend-idle-connections = 65\n" OK, 2,
	    "backend-idle-connections", NULL);
	expect_error("backend-idle-timeout = 3601\n" OK, 1,
	    "backend-idle-timeout", NULL);
	expect_error("backend-idle-timeout = -1\n" OK, 1,
	    "backend-idle-timeout", NULL);
}
END_TEST

START_TEST(test_wire_truncated)
{
	struct rpxd_conf	*c = full();
	struct msgbuf		 mb;
	unsigned char		*longer;
	size_t			 len;

	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	for (len = 0; len < mb.mb_len; len++)
		ck_assert_msg(decode_copy(mb.mb_data, len) == NULL, "length %zu "
		    "of %zu decoded", len, mb.mb_len);
	/* One byte too many is refused as well. */
	ck_assert_ptr_nonnull(longer = calloc(1, mb.mb_len + 1));
	memcpy(longer, mb.mb_data, mb.mb_len);
	ck_assert_ptr_null(decode_copy(longer, mb.mb_len + 1));
	free(longer);
	msgbuf_free(&mb);
	config_free(c);
}
END_TEST

/* Where the encodings of a and b first differ. */
static size_t
first_diff(const struct msgbuf *a, const struct msgbuf *b)
{
	size_t	i;

	for (i = 0; i < a->mb_len && i < b->mb_len; i++)
		if (a->mb_data[i] != b->mb_data[i])
			return i;
	return i;
}

/* Encode c, with u32 v written at off; it must not decode. */
static void
expect_refused(const struct msgbuf *mb, size_t off, uint32_t v)
{
	unsigned char	*p = malloc(mb->mb_len);

	ck_assert_ptr_nonnull(p);
	memcpy(p, mb->mb_data, mb->mb_len);
	memcpy(p + off, &v, sizeof(v));
	ck_assert_msg(decode_copy(p, mb->mb_len) == NULL, "0x%x at %zu "
	    "decoded", v, off);
	free(p);
}

/* The offset of a u32 field: change it in c and see what moves. */
static size_t
field_offset(struct rpxd_conf *c, const struct msgbuf *mb, unsigned *field)
{
	struct msgbuf	other;
	unsigned	saved = *field;
	size_t		off;

	*field ^= 0x5a5a5a5a;
	msgbuf_init(&other);
	ck_assert_int_eq(config_encode(c, &other), 0);
	*field = saved;
	off = first_diff(mb, &other);
	msgbuf_free(&other);
	ck_assert_uint_lt(off, mb->mb_len);
	return off;
}

START_TEST(test_wire_corrupt)
{
	struct rpxd_conf	*c = full(), *d;
	struct msgbuf		 mb;
	struct listener_conf	*ls = &c->rc_listeners[0];
	struct backend_conf	*be = &c->rc_backends[0];
	unsigned char		*p;
	size_t			 off, i;

	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	expect_refused(&mb, 0, 6);				/* old version */
	expect_refused(&mb, 0, 8);
	/* Counts: huge, over the limit, or more than the bytes left. */
	off = field_offset(c, &mb, &be->be_line) - 4 - 4 - strlen("fe");
	expect_refused(&mb, off, UINT32_MAX);			/* nbackends */
	expect_refused(&mb, off, RPXD_MAX_BACKENDS + 1);
	expect_refused(&mb, off, RPXD_MAX_BACKENDS);
	expect_refused(&mb, off, 0);
	off = field_offset(c, &mb, &be->be_line) + 4;
	expect_refused(&mb, off, RPXD_MAX_SERVERS);		/* nservers */
	expect_refused(&mb, off, 0);
	off = field_offset(c, &mb, &ls->ls_routes[0].rt_line) + 4;
	expect_refused(&mb, off, RPXD_MAX_HOSTS);		/* nhosts */
	expect_refused(&mb, off, UINT32_MAX);
	/* An index out of range, a bad mode. */
	off = field_offset(c, &mb, &ls->ls_routes[0].rt_backend);
	expect_refused(&mb, off, 2);
	off = field_offset(c, &mb, &ls->ls_routes[0].rt_backend_timeout) -
	    strlen(ls->ls_routes[0].rt_host_rewrite) - 4 - 4;
	expect_refused(&mb, off, 2);				/* host mode */
	off = field_offset(c, &mb, &ls->ls_line) + 4 + 4 +
	    strlen(ls->ls_address) + 4 + 4 + sizeof(struct sockaddr_in);
	expect_refused(&mb, off, 3);				/* default */
	expect_refused(&mb, off, 0x7fffffff);
	/* Address lengths and families that do not agree. */
	off = field_offset(c, &mb, &ls->ls_line) + 4 + 4 +
	    strlen(ls->ls_address) + 4;
	expect_refused(&mb, off, sizeof(struct sockaddr_in6));
	expect_refused(&mb, off, sizeof(struct sockaddr_storage) + 1);
	expect_refused(&mb, off, 0);
	expect_refused(&mb, off, UINT32_MAX);
	ls->ls_addr.ss_family = AF_INET6;	/* with sockaddr_in's length */
	msgbuf_free(&mb);
	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	ck_assert_ptr_null(decode_copy(mb.mb_data, mb.mb_len));
	ls->ls_addr.ss_family = AF_INET;
	/* Global limits a worker sizes buffers with. */
	c->rc_max_head = 100;
	msgbuf_free(&mb);
	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	ck_assert_ptr_null(decode_copy(mb.mb_data, mb.mb_len));
	c->rc_max_head = 200000;

	/* Any byte set to 0xff: refused or decoded, never a crash. */
	msgbuf_free(&mb);
	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	ck_assert_ptr_nonnull(p = malloc(mb.mb_len));
	for (i = 0; i < mb.mb_len; i++) {
		memcpy(p, mb.mb_data, mb.mb_len);
		p[i] = 0xff;
		config_free(decode_copy(p, mb.mb_len));
	}
	/* And the unchanged payload still decodes. */
	ck_assert_ptr_nonnull(d = decode_copy(mb.mb_data, mb.mb_len));
	config_free(d);
	free(p);
	msgbuf_free(&mb);
	config_free(c);
}
END_TEST


/* Pools and authentication (config_pool.c): values, defaults, errors. */
START_TEST(test_pool_values)
{
	struct rpxd_conf	*c;
	const struct backend_conf *b;
	const struct route_conf	*r;
	char			 users[64], text[2048];
	static const char	 line[] = "alice:RPXTEST:"
				    "a4f49c406510bdcab6824ee7c30fd852\n";
	int			 fd;

	/* mkstemp makes the file 0600, as the users file must be. */
	snprintf(users, sizeof(users), "/tmp/rpxd-users.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(users), -1);
	ck_assert_int_eq(write(fd, line, sizeof(line) - 1),
	    (ssize_t)sizeof(line) - 1);
	close(fd);
	snprintf(text, sizeof(text), "ntlm-users = \"%s\"\n%s", users,
	    "ntlm-domain = \"corp\"\n"
	    "auth-failure-limit = 0\n"
	    "backend \"b\" { server = { \"127.0.0.1:8080\", \"127.0.0.1:8081\" }"
	    "\n balance = \"source\" sticky-cookie = \"SRV\" down-time = 0\n"
	    " health-check { path = \"/owa/healthcheck.htm\" status = { 200,"
	    " 401 } body = \"200 OK\" interval = 4 timeout = 2 rise = 1 "
	    "fall = 5 host = \"owa.example.com\" }\n}\n"
	    "backend \"c\" { server = { \"127.0.0.1:9000\" } }\n"
	    LS(" route \"r\" { backend = \"b\" auth = \"ntlm\" auth-header = "
	    "\"X-User\" }\n route \"s\" { backend = \"c\" path = \"/s/*\" "
	    "auth = \"none\" }\n"));
	c = load_ok(text);
	b = &c->rc_backends[0];
	ck_assert_int_eq(b->be_balance, BALANCE_SOURCE);
	ck_assert_str_eq(b->be_sticky_cookie, "SRV");
	ck_assert_uint_eq(b->be_down_time, 0);
	ck_assert_int_eq(b->be_health.hc_enabled, 1);
	ck_assert_str_eq(b->be_health.hc_path, "/owa/healthcheck.htm");
	ck_assert_str_eq(b->be_health.hc_host, "owa.example.com");
	ck_assert_uint_eq(b->be_health.hc_nstatus, 2);
	ck_assert_uint_eq(b->be_health.hc_status[1], 401);
	ck_assert_str_eq(b->be_health.hc_body, "200 OK");
	ck_assert_uint_eq(b->be_health.hc_interval, 4);
	ck_assert_uint_eq(b->be_health.hc_timeout, 2);
	ck_assert_uint_eq(b->be_health.hc_rise, 1);
	ck_assert_uint_eq(b->be_health.hc_fall, 5);
	/* The health board numbers the servers of all backends. */
	ck_assert_uint_eq(c->rc_nservers, 3);
	ck_assert_uint_eq(c->rc_backends[1].be_first_server, 2);
	ck_assert_int_eq(c->rc_backends[1].be_health.hc_enabled, 0);
	ck_assert_int_eq(c->rc_backends[1].be_balance, BALANCE_ROUNDROBIN);
	ck_assert_uint_eq(c->rc_backends[1].be_down_time, 10);
	r = &c->rc_listeners[0].ls_routes[0];
	ck_assert_int_eq(r->rt_auth, AUTH_NTLM);
	ck_assert_str_eq(r->rt_auth_header, "X-User");
	r = &c->rc_listeners[0].ls_routes[1];
	ck_assert_int_eq(r->rt_auth, AUTH_NONE);
	ck_assert_str_eq(c->rc_ntlm_users, users);
	ck_assert_ptr_nonnull(c->rc_users);
	ck_assert_str_eq(c->rc_ntlm_domain, "CORP");
	ck_assert_uint_eq(c->rc_auth_failure_limit, 0);
	ck_assert_uint_eq(c->rc_auth_failure_delay, 3);
	config_free(c);

	snprintf(text, sizeof(text), "ntlm-users = \"%s\"\n%s", users,
	    BE LS(" route \"r\" { backend = \"b\" auth = \"ntlm\" }\n"));
	c = load_ok(text);
	ck_assert_str_eq(c->rc_listeners[0].ls_routes[0].rt_auth_header,
	    "X-Authenticated-User");
	ck_assert_int_eq(c->rc_backends[0].be_health.hc_enabled, 0);
	config_free(c);
	/* The users file is checked at load: here, its mode. */
	ck_assert_int_eq(chmod(users, 0644), 0);
	ck_assert_ptr_null(load(text));
	ck_assert_msg(strstr(err, users) != NULL, "%s", err);
	unlink(users);
	c = load_ok("backend \"b\" { server = { \"127.0.0.1:8080\" }\n"
	    " health-check { }\n}\n" LS(RT));
	ck_assert_int_eq(c->rc_backends[0].be_health.hc_enabled, 1);
	ck_assert_str_eq(c->rc_backends[0].be_health.hc_path, "/");
	ck_assert_uint_eq(c->rc_backends[0].be_health.hc_nstatus, 0);
	ck_assert_uint_eq(c->rc_backends[0].be_health.hc_interval, 10);
	ck_assert_uint_eq(c->rc_backends[0].be_health.hc_fall, 3);
	config_free(c);
}
END_TEST

#define BE_OPEN	"backend \"b\" {\n server = { \"127.0.0.1:8080\" }\n"

START_TEST(test_pool_errors)
{
	expect_error(BE_OPEN " balance = \"random\"\n}\n" LS(RT), 3, "balance",
	    "\"random\"", "roundrobin", NULL);
	expect_error(BE_OPEN " sticky-cookie = \"a b\"\n}\n" LS(RT), 3,
	    "sticky-cookie", "\"a b\"", NULL);
	expect_error(BE_OPEN " down-time = 5000\n}\n" LS(RT), 3, "down-time",
	    "out of range", NULL);
	expect_error(BE_OPEN " health-check {\n path = \"owa\"\n }\n}\n" LS(RT),
	    4, "path", "\"owa\"", NULL);
	expect_error(BE_OPEN " health-check {\n status = { 200, 99 }\n }\n}\n"
	    LS(RT), 4, "status", "99", NULL);
	expect_error(BE_OPEN " health-check {\n interval = 0\n }\n}\n" LS(RT),
	    4, "interval", "out of range", NULL);
	expect_error(BE_OPEN " health-check {\n body = \"\"\n }\n}\n" LS(RT),
	    4, "body", NULL);
	expect_error(BE_OPEN " health-check {\n nosuch = 1\n }\n}\n" LS(RT),
	    4, "nosuch", "unknown option", NULL);
	expect_error(BE_OPEN " health-check { interval = 2 timeout = 3 }\n}\n"
	    LS(RT), 1, "backend \"b\"", "timeout", "longer than interval",
	    NULL);
	expect_error(BE LS(" route \"r\" {\n backend = \"b\"\n auth = \"basic\""
	    "\n }\n"), 6, "auth", "\"basic\"", NULL);
	expect_error(BE LS(" route \"r\" {\n backend = \"b\"\n auth-header = "
	    "\"X-User\"\n }\n"), 4, "route \"r\"", "auth-header", "only with",
	    NULL);
	expect_error("ntlm-users = \"/x\"\n" BE LS(" route \"r\" {\n backend = "
	    "\"b\"\n auth = \"ntlm\"\n auth-header = \"Authorization\"\n }\n"),
	    8, "auth-header", "\"Authorization\"", NULL);
	expect_error(BE LS(" route \"r\" {\n backend = \"b\"\n auth = \"ntlm\""
	    "\n }\n"), 4, "route \"r\"", "needs the global ntlm-users", NULL);
	expect_error("ntlm-users = \"relative\"\n" BE LS(RT), 1, "ntlm-users",
	    "absolute", NULL);
	expect_error("ntlm-domain = \"much-too-long-name\"\n" BE LS(RT), 1,
	    "ntlm-domain", NULL);
	expect_error("auth-failure-delay = 0\n" BE LS(RT), 1,
	    "auth-failure-delay", "out of range", NULL);
}
END_TEST

Suite *
suite_config(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("parse");
	TCase	*tw = tcase_create("wire");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_example_loads);
	tcase_add_test(tc, test_full_values);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_lines_after_comments);
	tcase_add_test(tc, test_syntax_errors);
	tcase_add_test(tc, test_error_lines);
	tcase_add_test(tc, test_listener_errors);
	tcase_add_test(tc, test_backend_errors);
	tcase_add_test(tc, test_route_errors);
	tcase_add_test(tc, test_global_errors);
	tcase_add_test(tc, test_chroot_checks);
	tcase_add_test(tc, test_many_errors);
	tcase_add_test(tc, test_too_many);
	tcase_add_test(tc, test_check_by_hand);
	tcase_add_test(tc, test_pool_values);
	tcase_add_test(tc, test_pool_errors);
	suite_add_tcase(s, tc);
	tcase_set_timeout(tw, 60);
	tcase_add_test(tw, test_wire_round_trip);
	tcase_add_test(tw, test_wire_zero_ints);
	tcase_add_test(tw, test_limit_options);
	tcase_add_test(tw, test_wire_truncated);
	tcase_add_test(tw, test_backend_idle);
	tcase_add_test(tw, test_wire_corrupt);
	suite_add_tcase(s, tw);
	return s;
}
