/*
 * Unit tests for the configuration: the shipped example loads, each class
 * of error is reported as "file:line: option: what", and the wire format
 * round-trips and refuses every truncated or corrupted payload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "msgbuf.h"
#include "unit.h"

static char	path[64];
static char	err[4096];

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

/* The error text must start "file:line:" and contain every word. */
static void
expect_error(const char *text, int line, const char *w1, const char *w2)
{
	char	prefix[128];

	ck_assert_ptr_null(load(text));
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	ck_assert_msg(strstr(err, prefix) != NULL, "no '%s' in '%s'", prefix,
	    err);
	ck_assert_msg(strstr(err, w1) != NULL, "no '%s' in '%s'", w1, err);
	if (w2 != NULL)
		ck_assert_msg(strstr(err, w2) != NULL, "no '%s' in '%s'", w2,
		    err);
}

#define BE	"backend \"b\" { server = { \"127.0.0.1:8080\" } }\n"
#define LS(x)	"listener \"l\" {\n port = 80\n" x "}\n"

START_TEST(test_example_loads)
{
	struct rpxd_conf	*c = config_load(TEST_TOP "/etc/rpxd.conf",
				    err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->rc_nlisteners, 1);
	ck_assert_uint_eq(c->rc_listeners[0].ls_port, 80);
	ck_assert_uint_ge(c->rc_listeners[0].ls_nroutes, 3);
	ck_assert_str_eq(c->rc_listeners[0].ls_routes[0].rt_hosts[0],
	    "lyncweb.example.com");
	config_free(c);
}
END_TEST

START_TEST(test_defaults_and_values)
{
	struct rpxd_conf *c = load(BE LS(" route \"r\" {\n backend = \"b\"\n"
	    " host = { \"LyncWeb.Example.com\", \"*.example.com\" }\n"
	    " path = \"/Ucwa/*\"\n path-case-insensitive = true\n"
	    " host-header = \"rewrite\"\n host-rewrite = \"fe.corp.local\"\n"
	    " idle-timeout = 1800\n }\n"));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->rc_min_spare, 4);
	ck_assert_uint_eq(c->rc_max_workers, 256);
	ck_assert_uint_eq(c->rc_client_header_timeout, 30);
	ck_assert_uint_eq(c->rc_backend_timeout, 3600);
	ck_assert_uint_eq(c->rc_max_header_line, 81920);
	ck_assert_uint_eq(c->rc_max_head, 131072);
	ck_assert_str_eq(c->rc_chroot, "/var/empty");
	ck_assert_str_eq(c->rc_listeners[0].ls_routes[0].rt_hosts[0],
	    "lyncweb.example.com");
	ck_assert_int_eq(c->rc_listeners[0].ls_routes[0].rt_path_icase, 1);
	ck_assert_int_eq(c->rc_listeners[0].ls_routes[0].rt_host_mode,
	    HOST_HEADER_REWRITE);
	ck_assert_uint_eq(c->rc_listeners[0].ls_routes[0].rt_idle_timeout,
	    1800);
	ck_assert_int_eq(c->rc_listeners[0].ls_default_route, -1);
	config_free(c);
}
END_TEST

START_TEST(test_errors)
{
	expect_error("usr = \"x\"\n", 1, "usr", NULL);
	expect_error(BE LS(" address = \"not-an-ip\"\n route \"r\" { backend "
	    "= \"b\" }\n"), 4, "address", "not-an-ip");
	expect_error(BE "listener \"l\" {\n port = 70000\n}\n", 3, "port",
	    "70000");
	expect_error(BE LS(" route \"r\" {\n backend = \"nowhere\"\n }\n"), 5,
	    "backend", "nowhere");
	expect_error(BE BE LS(" route \"r\" { backend = \"b\" }\n"), 2,
	    "duplicate", "'b'");
	expect_error("backend \"b\" { server = { \"127.0.0.1\" } }\n"
	    LS(" route \"r\" { backend = \"b\" }\n"), 1, "server", "127.0.0.1");
	expect_error(BE LS(" route \"r\" { backend = \"b\" }\n") LS(" route "
	    "\"r\" { backend = \"b\" }\n"), 6, "duplicate", "'l'");
	expect_error(BE LS(" route \"r\" { backend = \"b\" }\n route \"r\" {"
	    " backend = \"b\" }\n"), 5, "duplicate", "'r'");
	expect_error(BE LS(" route \"r\" { backend = \"b\" }\n")
	    "listener \"m\" {\n port = 80\n route \"r\" { backend = \"b\" }\n"
	    "}\n", 7, "already used", "\"l\"");
	expect_error(BE LS(" route \"a\" { backend = \"b\" host = { \"x.org\","
	    " \"y.org\" } }\n route \"c\" { backend = \"b\" host = { \"y.org\","
	    " \"x.org\" } }\n"), 5, "never match", "\"a\"");
	expect_error(BE LS(" route \"r\" { backend = \"b\"\n path = \"/a*b\""
	    " }\n"), 5, "path", "/a*b");
	expect_error(BE LS(" route \"r\" { backend = \"b\"\n host = { \"*.com\""
	    " } }\n"), 5, "host", "*.com");
	expect_error(BE LS(" route \"r\" { backend = \"b\"\n host-header = "
	    "\"keep\" }\n"), 5, "host-header", "keep");
	expect_error(BE LS(" route \"r\" { backend = \"b\"\n host-header = "
	    "\"rewrite\" }\n"), 4, "host-rewrite", "missing");
	expect_error(BE LS(" default-route = \"zz\"\n route \"r\" { backend ="
	    " \"b\" }\n"), 3, "default-route", "zz");
	expect_error("max-spare-workers = 2\n" BE LS(" route \"r\" { backend "
	    "= \"b\" }\n"), 1, "max-spare-workers", "larger");
	expect_error("max-workers = 0\n", 1, "max-workers", "0");
	expect_error("client-idle-timeout = 0\n", 1, "client-idle-timeout",
	    NULL);
	expect_error("max-head = 2048\n" BE LS(" route \"r\" { backend = "
	    "\"b\" }\n"), 1, "max-header-line", "max-head");
	expect_error("syslog-facility = \"kern9\"\n", 1, "syslog-facility",
	    "kern9");
	expect_error("chroot = \"var/empty\"\n", 1, "chroot", "absolute");
}
END_TEST

START_TEST(test_errors_without_line)
{
	ck_assert_ptr_null(load("user = \"no-such-user-rpxd\"\n" BE
	    LS(" route \"r\" { backend = \"b\" }\n")));
	ck_assert_ptr_nonnull(strstr(err, "unknown user"));
	ck_assert_ptr_null(load("user = \"root\"\n" BE
	    LS(" route \"r\" { backend = \"b\" }\n")));
	ck_assert_ptr_nonnull(strstr(err, "root"));
	ck_assert_ptr_null(load(BE));
	ck_assert_ptr_nonnull(strstr(err, "listener"));
	ck_assert_ptr_null(config_load("/nonexistent/rpxd.conf", err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/rpxd.conf: cannot open"));
}
END_TEST

static struct rpxd_conf *
sample(void)
{
	struct rpxd_conf *c = load("backend \"a\" { server = { \"127.0.0.1:81\","
	    " \"[::1]:82\" } }\n" BE "listener \"l\" {\n address = \"::1\"\n"
	    " port = 8000\n default-route = \"s\"\n route \"r\" { backend = "
	    "\"b\" host = { \"x.org\", \"*.y.org\" } path = \"/p/*\" }\n"
	    " route \"s\" { backend = \"a\" host-header = \"rewrite\" "
	    "host-rewrite = \"in.local\" backend-timeout = 7 }\n}\n");

	ck_assert_msg(c != NULL, "%s", err);
	return c;
}

START_TEST(test_wire_round_trip)
{
	struct rpxd_conf	*c = sample(), *d;
	struct msgbuf		 mb;
	const struct route_conf	*r;

	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	ck_assert_ptr_nonnull(d = config_decode(&mb));
	ck_assert_uint_eq(d->rc_uid, c->rc_uid);
	ck_assert_uint_eq(d->rc_max_head, c->rc_max_head);
	ck_assert_uint_eq(d->rc_nbackends, 2);
	ck_assert_uint_eq(d->rc_backends[0].be_nservers, 2);
	ck_assert_str_eq(d->rc_backends[0].be_servers[1].sv_name, "[::1]:82");
	ck_assert_int_eq(memcmp(&d->rc_backends[0].be_servers[1].sv_addr,
	    &c->rc_backends[0].be_servers[1].sv_addr,
	    c->rc_backends[0].be_servers[1].sv_addrlen), 0);
	ck_assert_int_eq(memcmp(&d->rc_listeners[0].ls_addr,
	    &c->rc_listeners[0].ls_addr, c->rc_listeners[0].ls_addrlen), 0);
	ck_assert_int_eq(d->rc_listeners[0].ls_default_route, 1);
	r = &d->rc_listeners[0].ls_routes[0];
	ck_assert_str_eq(r->rt_hosts[1], "*.y.org");
	ck_assert_str_eq(r->rt_path, "/p/*");
	ck_assert_uint_eq(r->rt_backend, 1);
	r = &d->rc_listeners[0].ls_routes[1];
	ck_assert_str_eq(r->rt_host_rewrite, "in.local");
	ck_assert_uint_eq(r->rt_backend_timeout, 7);
	config_free(d);
	config_free(c);
	msgbuf_free(&mb);
}
END_TEST

START_TEST(test_wire_truncated_and_corrupt)
{
	struct rpxd_conf	*c = sample();
	struct msgbuf		 mb, rd;
	unsigned char		*copy;
	size_t			 len;

	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	for (len = 0; len < mb.mb_len; len++) {
		msgbuf_init(&rd);
		copy = malloc(len + 1);
		memcpy(copy, mb.mb_data, len);
		msgbuf_attach(&rd, copy, len);
		ck_assert_msg(config_decode(&rd) == NULL, "length %zu", len);
		msgbuf_free(&rd);
	}
	/* Trailing garbage, a wrong version, a huge count. */
	msgbuf_init(&rd);
	copy = malloc(mb.mb_len + 1);
	memcpy(copy, mb.mb_data, mb.mb_len);
	copy[mb.mb_len] = 0;
	msgbuf_attach(&rd, copy, mb.mb_len + 1);
	ck_assert_ptr_null(config_decode(&rd));
	msgbuf_free(&rd);
	copy = malloc(mb.mb_len);
	memcpy(copy, mb.mb_data, mb.mb_len);
	copy[0] ^= 0xff;
	msgbuf_attach(&rd, copy, mb.mb_len);
	ck_assert_ptr_null(config_decode(&rd));
	msgbuf_free(&rd);
	config_free(c);
	msgbuf_free(&mb);
}
END_TEST

Suite *
suite_config(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("config");

	tcase_add_test(tc, test_example_loads);
	tcase_add_test(tc, test_defaults_and_values);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_errors_without_line);
	tcase_add_test(tc, test_wire_round_trip);
	tcase_add_test(tc, test_wire_truncated_and_corrupt);
	suite_add_tcase(s, tc);
	return s;
}
