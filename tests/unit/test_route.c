/*
 * Unit tests for route.c: Host normalization, path decoding refusals, and
 * which route wins.
 */
#include <string.h>

#include "route.h"
#include "unit.h"

static char	out[1024];

static int
host(const char *h)
{
	return route_host_normalize(h, strlen(h), out, sizeof(out));
}

START_TEST(test_host_normalize)
{
	ck_assert_int_eq(host("LyncWeb.Example.COM:443"), 0);
	ck_assert_str_eq(out, "lyncweb.example.com");
	ck_assert_int_eq(host("example.com."), 0);
	ck_assert_str_eq(out, "example.com");
	ck_assert_int_eq(host("[2001:DB8::1]:8080"), 0);
	ck_assert_str_eq(out, "[2001:db8::1]");
	ck_assert_int_eq(host("192.0.2.1"), 0);
	ck_assert_int_eq(host(""), -1);
	ck_assert_int_eq(host("a b"), -1);
	ck_assert_int_eq(host("a:99999"), -1);
	ck_assert_int_eq(host("a:"), -1);
	ck_assert_int_eq(host("a:8x"), -1);
	ck_assert_int_eq(host("[::1"), -1);
	ck_assert_int_eq(host("[::g]"), -1);
	ck_assert_int_eq(host("a/b"), -1);
	ck_assert_int_eq(host(".a"), -1);
}
END_TEST

static int
path(const char *p)
{
	const char	*why = NULL;
	int		 rv = route_path_decode(p, strlen(p), out, sizeof(out),
			    &why);

	if (rv == -1)
		ck_assert_ptr_nonnull(why);
	return rv;
}

START_TEST(test_path_decode)
{
	ck_assert_int_eq(path("/Ucwa/v1%2Fx?q=../../a"), 0);
	ck_assert_str_eq(out, "/Ucwa/v1/x");
	ck_assert_int_eq(path("/a/..b/c."), 0);
	ck_assert_int_eq(path("/"), 0);
	ck_assert_int_eq(path("/a/../b"), -1);
	ck_assert_int_eq(path("/a/./b"), -1);
	ck_assert_int_eq(path("/.."), -1);
	ck_assert_int_eq(path("/a/.."), -1);
	ck_assert_int_eq(path("/%2e%2e/x"), -1);
	ck_assert_int_eq(path("/.%2E/"), -1);
	ck_assert_int_eq(path("/a%5c..%5cb"), -1);
	ck_assert_int_eq(path("/a\\b"), -1);
	ck_assert_int_eq(path("/a%00b"), -1);
	ck_assert_int_eq(path("/a%0d%0a"), -1);
	ck_assert_int_eq(path("/a%zz"), -1);
	ck_assert_int_eq(path("/a%4"), -1);
	ck_assert_int_eq(path("/a%"), -1);
	ck_assert_int_eq(path("a"), -1);
}
END_TEST

START_TEST(test_path_matches)
{
	ck_assert(route_path_matches("/*", 0, "/anything"));
	ck_assert(route_path_matches("/Ucwa/*", 0, "/Ucwa"));
	ck_assert(route_path_matches("/Ucwa/*", 0, "/Ucwa/v1"));
	ck_assert(!route_path_matches("/Ucwa/*", 0, "/Ucwax"));
	ck_assert(!route_path_matches("/Ucwa/*", 0, "/ucwa/v1"));
	ck_assert(route_path_matches("/Ucwa/*", 1, "/UCWA/v1"));
	ck_assert(route_path_matches("/exact", 0, "/exact"));
	ck_assert(!route_path_matches("/exact", 0, "/exact/"));
}
END_TEST

static char	hosts_a[2][RPXD_HOST_MAX] = { "lyncweb.example.com",
		    "meet.example.com" };
static char	hosts_w[1][RPXD_HOST_MAX] = { "*.example.com" };

START_TEST(test_route_match)
{
	struct route_conf	rt[5];
	struct listener_conf	ls;

	memset(rt, 0, sizeof(rt));
	memset(&ls, 0, sizeof(ls));
	strcpy(rt[0].rt_path, "/*");		/* any host */
	rt[1].rt_nhosts = 1;			/* wildcard */
	rt[1].rt_hosts = hosts_w;
	strcpy(rt[1].rt_path, "/*");
	rt[2].rt_nhosts = 2;			/* exact */
	rt[2].rt_hosts = hosts_a;
	strcpy(rt[2].rt_path, "/*");
	rt[3].rt_nhosts = 2;
	rt[3].rt_hosts = hosts_a;
	strcpy(rt[3].rt_path, "/Ucwa/*");
	rt[3].rt_path_icase = 1;
	rt[4].rt_nhosts = 2;
	rt[4].rt_hosts = hosts_a;
	strcpy(rt[4].rt_path, "/Ucwa");		/* exact beats prefix */
	ls.ls_routes = rt;
	ls.ls_nroutes = 5;
	ls.ls_default_route = -1;
	ck_assert_int_eq(route_match(&ls, "lyncweb.example.com", "/x"), 2);
	ck_assert_int_eq(route_match(&ls, "lyncweb.example.com", "/ucwa/a"), 3);
	ck_assert_int_eq(route_match(&ls, "meet.example.com", "/Ucwa"), 4);
	ck_assert_int_eq(route_match(&ls, "dialin.example.com", "/x"), 1);
	ck_assert_int_eq(route_match(&ls, "a.b.example.com", "/x"), 1);
	ck_assert_int_eq(route_match(&ls, "example.com", "/x"), 0);
	ck_assert_int_eq(route_match(&ls, NULL, "/x"), 0);
	/* Without the catch-all, the default route answers, or nothing. */
	ls.ls_routes = rt + 1;
	ls.ls_nroutes = 4;
	ck_assert_int_eq(route_match(&ls, "other.org", "/x"), -1);
	ls.ls_default_route = 2;
	ck_assert_int_eq(route_match(&ls, "other.org", "/x"), 2);
}
END_TEST

Suite *
suite_route(void)
{
	Suite	*s = suite_create("route");
	TCase	*tc = tcase_create("route");

	tcase_add_test(tc, test_host_normalize);
	tcase_add_test(tc, test_path_decode);
	tcase_add_test(tc, test_path_matches);
	tcase_add_test(tc, test_route_match);
	suite_add_tcase(s, tc);
	return s;
}
