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
	memset(out, 0, sizeof(out));
	return route_host_normalize(h, strlen(h), out, sizeof(out));
}

START_TEST(test_host_normalize)
{
	ck_assert_int_eq(host("LyncWeb.Example.COM:443"), 0);
	ck_assert_str_eq(out, "lyncweb.example.com");
	ck_assert_int_eq(host("example.com."), 0);
	ck_assert_str_eq(out, "example.com");
	ck_assert_int_eq(host("Example.com.:8080"), 0);
	ck_assert_str_eq(out, "example.com");
	ck_assert_int_eq(host("[2001:DB8::1]:8080"), 0);
	ck_assert_str_eq(out, "[2001:db8::1]");
	ck_assert_int_eq(host("[::ffff:192.0.2.1]"), 0);
	ck_assert_str_eq(out, "[::ffff:192.0.2.1]");
	ck_assert_int_eq(host("192.0.2.1:80"), 0);
	ck_assert_str_eq(out, "192.0.2.1");
	ck_assert_int_eq(host("a"), 0);
	ck_assert_str_eq(out, "a");
	ck_assert_int_eq(host("my_host-1.local"), 0);
	ck_assert_str_eq(out, "my_host-1.local");
	ck_assert_int_eq(host("a:0"), 0);
	ck_assert_int_eq(host("a:65535"), 0);
	ck_assert_int_eq(host("a:00443"), 0);
	ck_assert_str_eq(out, "a");
}
END_TEST

static const char *const bad_hosts[] = {
	"", ".", "..", ".a", "a..", "a..b", "a.b..", ":80", "a b", " a", "a ",
	"a\t", "a/b", "a\\b", "a@b", "u@a:80", "a%2eb", "a?b", "a#b", "a,b",
	"a;b", "a*b", "*.example.com", "caf\xc3\xa9.example", "a\x7f",
	"a:", "a:8x", "a:99999", "a:65536", "a:123456", "a:-1", "a:+1",
	"a:1:2", "a: 80", "[::1", "[::g]", "[]", "[::1]x", "[::1]:",
	"[::1]:99999", "[1.2.3.4]", "[[::1]]", "::1", "[::1]]",
};

START_TEST(test_bad_hosts)
{
	ck_assert_msg(host(bad_hosts[_i]) == -1, "host \"%s\" accepted",
	    bad_hosts[_i]);
}
END_TEST

START_TEST(test_host_outlen)
{
	char	small[4];

	ck_assert_int_eq(route_host_normalize("abc:80", 6, small, 4), 0);
	ck_assert_str_eq(small, "abc");
	ck_assert_int_eq(route_host_normalize("abcd", 4, small, 4), -1);
	ck_assert_int_eq(route_host_normalize("abc.", 4, small, 4), 0);
	ck_assert_str_eq(small, "abc");
	ck_assert_int_eq(route_host_normalize("a", 1, small, 0), -1);
	/* The length given is what counts, not a NUL. */
	ck_assert_int_eq(route_host_normalize("ab:80", 2, small, 4), 0);
	ck_assert_str_eq(small, "ab");
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
	ck_assert_int_eq(path("/a/..b/c./...d/.e"), 0);
	ck_assert_str_eq(out, "/a/..b/c./...d/.e");
	ck_assert_int_eq(path("/"), 0);
	ck_assert_str_eq(out, "/");
	ck_assert_int_eq(path("//a//b/"), 0);
	ck_assert_str_eq(out, "//a//b/");
	ck_assert_int_eq(path("/%41%62%7e%7E"), 0);
	ck_assert_str_eq(out, "/Ab~~");
	ck_assert_int_eq(path("/caf%C3%A9"), 0);
	ck_assert_str_eq(out, "/caf\xc3\xa9");
	ck_assert_int_eq(path("/%25zz"), 0);	/* once, not twice */
	ck_assert_str_eq(out, "/%zz");
	/* The query is not ours to check. */
	ck_assert_int_eq(path("/a?%zz/../\\"), 0);
	ck_assert_str_eq(out, "/a");
	ck_assert_int_eq(path("/a%3Fb?c"), 0);
	ck_assert_str_eq(out, "/a?b");
	ck_assert_int_eq(path("/a;b=c/d;e"), 0);
	ck_assert_str_eq(out, "/a;b=c/d;e");
	ck_assert_int_eq(path("/a/...;x"), 0);
}
END_TEST

static const char *const bad_paths[] = {
	/* dot segments, plain and encoded */
	"/a/../b", "/a/./b", "/..", "/.", "/a/..", "/a/.", "/../a", "/./a",
	"/a/..?x", "/a/.?x", "/%2e%2e/x", "/.%2E/", "/%2e/", "/a/%2E",
	"/a%2f..%2fb", "/a%2F.%2Fb",
	/* path parameters that Tomcat and Jetty drop */
	"/a/..;/b", "/a/..;x=y/b", "/a/.;/b", "/a/%2e%2e%3b/b", "/..;",
	/* backslashes, which IIS reads as '/' */
	"/a\\b", "/a%5cb", "/a%5Cb", "/a%5c..%5cb", "/\\",
	/* NUL and control bytes */
	"/a%00b", "/a%0d%0a", "/a%01", "/a%1f", "/a%1F", "/a%7f", "/a%09",
	"/a\x01", "/a\x7f",
	/* malformed escapes */
	"/a%zz", "/a%z1", "/a%1z", "/a%4", "/a%", "/%", "/a%4?x", "/a%?xx",
	"/a%%41", "/a%u002e", "/a%+1", "/a% 1",
	/* not a path */
	"", "a", "?x", "*", "%2fa", "http://a/",
};

START_TEST(test_bad_paths)
{
	ck_assert_msg(path(bad_paths[_i]) == -1, "path \"%s\" accepted",
	    bad_paths[_i]);
}
END_TEST

START_TEST(test_path_outlen)
{
	char		 small[4];
	const char	*why = NULL;

	ck_assert_int_eq(route_path_decode("/ab", 3, small, 4, &why), 0);
	ck_assert_str_eq(small, "/ab");
	ck_assert_int_eq(route_path_decode("/%41b", 5, small, 4, &why), 0);
	ck_assert_str_eq(small, "/Ab");
	ck_assert_int_eq(route_path_decode("/abc", 4, small, 4, &why), -1);
	ck_assert_str_eq(why, "path too long");
	why = NULL;
	ck_assert_int_eq(route_path_decode("/", 1, small, 0, &why), -1);
	ck_assert_ptr_nonnull(why);
	/* Only len bytes are read: "/a/.." cut after "/a/." is still bad,
	   cut after "/a/" is fine. */
	ck_assert_int_eq(route_path_decode("/a/..", 4, out, sizeof(out), &why),
	    -1);
	ck_assert_int_eq(route_path_decode("/a/..", 3, out, sizeof(out), &why),
	    0);
	ck_assert_str_eq(out, "/a/");
	ck_assert_int_eq(route_path_decode("/a%41", 4, out, sizeof(out), &why),
	    -1);
}
END_TEST

START_TEST(test_path_matches)
{
	ck_assert(route_path_matches("/*", 0, "/"));
	ck_assert(route_path_matches("/*", 0, "/anything/at/all"));
	ck_assert(route_path_matches("/Ucwa/*", 0, "/Ucwa"));
	ck_assert(route_path_matches("/Ucwa/*", 0, "/Ucwa/"));
	ck_assert(route_path_matches("/Ucwa/*", 0, "/Ucwa/v1"));
	ck_assert(!route_path_matches("/Ucwa/*", 0, "/Ucwax"));
	ck_assert(!route_path_matches("/Ucwa/*", 0, "/Ucw"));
	ck_assert(!route_path_matches("/Ucwa/*", 0, "/"));
	ck_assert(!route_path_matches("/Ucwa/*", 0, "/ucwa/v1"));
	ck_assert(!route_path_matches("/Ucwa/*", 0, "/x/Ucwa/v1"));
	ck_assert(route_path_matches("/Ucwa/*", 1, "/UCWA/v1"));
	ck_assert(route_path_matches("/Ucwa/*", 1, "/ucwa"));
	ck_assert(!route_path_matches("/Ucwa/*", 1, "/ucwax"));
	ck_assert(route_path_matches("/a/b/*", 0, "/a/b/c/d"));
	ck_assert(!route_path_matches("/a/b/*", 0, "/a/bc"));
	ck_assert(route_path_matches("/exact", 0, "/exact"));
	ck_assert(!route_path_matches("/exact", 0, "/exact/"));
	ck_assert(!route_path_matches("/exact", 0, "/exac"));
	ck_assert(!route_path_matches("/exact", 0, "/Exact"));
	ck_assert(route_path_matches("/exact", 1, "/EXACT"));
	ck_assert(!route_path_matches("/exact", 1, "/EXACTx"));
	ck_assert(route_path_matches("/", 0, "/"));
	ck_assert(!route_path_matches("/", 0, "/a"));
}
END_TEST

static char	hosts_a[2][RPXD_HOST_MAX] = { "lyncweb.example.com",
		    "meet.example.com" };
static char	hosts_w[1][RPXD_HOST_MAX] = { "*.example.com" };
static char	hosts_mixed[2][RPXD_HOST_MAX] = { "*.example.org",
		    "dialin.example.com" };

static void
set_route(struct route_conf *rt, unsigned nhosts, char (*hosts)[RPXD_HOST_MAX],
    const char *pattern, int icase)
{
	memset(rt, 0, sizeof(*rt));
	rt->rt_nhosts = nhosts;
	rt->rt_hosts = hosts;
	strcpy(rt->rt_path, pattern);
	rt->rt_path_icase = icase;
}

START_TEST(test_route_match)
{
	struct route_conf	rt[5];
	struct listener_conf	ls;

	memset(&ls, 0, sizeof(ls));
	set_route(&rt[0], 0, NULL, "/*", 0);		/* any host */
	set_route(&rt[1], 1, hosts_w, "/*", 0);		/* wildcard */
	set_route(&rt[2], 2, hosts_a, "/*", 0);		/* exact */
	set_route(&rt[3], 2, hosts_a, "/Ucwa/*", 1);
	set_route(&rt[4], 2, hosts_a, "/Ucwa", 0);	/* exact beats prefix */
	ls.ls_routes = rt;
	ls.ls_nroutes = 5;
	ls.ls_default_route = -1;
	ck_assert_int_eq(route_match(&ls, "lyncweb.example.com", "/x"), 2);
	ck_assert_int_eq(route_match(&ls, "lyncweb.example.com", "/ucwa/a"), 3);
	ck_assert_int_eq(route_match(&ls, "meet.example.com", "/Ucwa/a"), 3);
	ck_assert_int_eq(route_match(&ls, "meet.example.com", "/Ucwa"), 4);
	ck_assert_int_eq(route_match(&ls, "meet.example.com", "/ucwa"), 3);
	ck_assert_int_eq(route_match(&ls, "dialin.example.com", "/x"), 1);
	ck_assert_int_eq(route_match(&ls, "dialin.example.com", "/Ucwa"), 1);
	ck_assert_int_eq(route_match(&ls, "a.b.example.com", "/x"), 1);
	ck_assert_int_eq(route_match(&ls, "example.com", "/x"), 0);
	ck_assert_int_eq(route_match(&ls, ".example.com", "/x"), 0);
	ck_assert_int_eq(route_match(&ls, "xexample.com", "/x"), 0);
	ck_assert_int_eq(route_match(&ls, "example.com.evil", "/x"), 0);
	ck_assert_int_eq(route_match(&ls, NULL, "/x"), 0);
	ck_assert_int_eq(route_match(&ls, "", "/x"), 0);
	/* Without the catch-all, the default route answers, or nothing. */
	ls.ls_routes = rt + 1;
	ls.ls_nroutes = 4;
	ck_assert_int_eq(route_match(&ls, "other.org", "/x"), -1);
	ck_assert_int_eq(route_match(&ls, NULL, "/x"), -1);
	ls.ls_default_route = 2;
	ck_assert_int_eq(route_match(&ls, "other.org", "/x"), 2);
	ls.ls_nroutes = 0;
	ck_assert_int_eq(route_match(&ls, "lyncweb.example.com", "/x"), 2);
}
END_TEST

/* Host rank first, then the longer prefix, exactness, then order. */
START_TEST(test_route_rank)
{
	struct route_conf	rt[8];
	struct listener_conf	ls;

	memset(&ls, 0, sizeof(ls));
	ls.ls_routes = rt;
	ls.ls_default_route = 7;
	set_route(&rt[0], 0, NULL, "/a/b/c/*", 0);	/* any host, long */
	set_route(&rt[1], 1, hosts_w, "/a/b/*", 0);	/* wildcard, medium */
	set_route(&rt[2], 2, hosts_a, "/a/*", 0);	/* exact host, short */
	set_route(&rt[3], 2, hosts_a, "/a/*", 0);	/* same: later loses */
	set_route(&rt[4], 2, hosts_mixed, "/a/b/c/*", 0);
	set_route(&rt[5], 2, hosts_mixed, "/a/b/c", 0);
	set_route(&rt[6], 2, hosts_mixed, "/a/b/cd/*", 0);
	ls.ls_nroutes = 7;
	/* Exact host beats a wildcard or any host with a longer prefix. */
	ck_assert_int_eq(route_match(&ls, "lyncweb.example.com", "/a/b/c/d"),
	    2);
	/* A wildcard beats any host with a longer prefix. */
	ck_assert_int_eq(route_match(&ls, "x.example.com", "/a/b/c/d"), 1);
	ck_assert_int_eq(route_match(&ls, "x.example.com", "/a/x"), 7);
	ck_assert_int_eq(route_match(&ls, "x.example.net", "/a/b/c/d"), 0);
	ck_assert_int_eq(route_match(&ls, "x.example.net", "/a/b"), 7);
	/* Same host rank (exact via "dialin"): longest prefix, then exact
	   path over a prefix of the same length. */
	ck_assert_int_eq(route_match(&ls, "dialin.example.com", "/a/b/c/d"),
	    4);
	ck_assert_int_eq(route_match(&ls, "dialin.example.com", "/a/b/c"), 5);
	ck_assert_int_eq(route_match(&ls, "dialin.example.com", "/a/b/cd"), 6);
	/* Nothing exact for "/a/b": the wildcard "*.example.com" is next. */
	ck_assert_int_eq(route_match(&ls, "dialin.example.com", "/a/b"), 1);
	/* The wildcard of the same route ranks as a wildcard. */
	ck_assert_int_eq(route_match(&ls, "w.example.org", "/a/b/c"), 5);
	ck_assert_int_eq(route_match(&ls, "example.org", "/a/b/c"), 0);
	/* Order breaks a full tie. */
	ck_assert_int_eq(route_match(&ls, "meet.example.com", "/a"), 2);
	rt[2].rt_nhosts = 1;	/* only lyncweb now */
	ck_assert_int_eq(route_match(&ls, "meet.example.com", "/a"), 3);
}
END_TEST

Suite *
suite_route(void)
{
	Suite	*s = suite_create("route");
	TCase	*tc = tcase_create("route");

	tcase_add_test(tc, test_host_normalize);
	tcase_add_loop_test(tc, test_bad_hosts, 0,
	    sizeof(bad_hosts) / sizeof(bad_hosts[0]));
	tcase_add_test(tc, test_host_outlen);
	tcase_add_test(tc, test_path_decode);
	tcase_add_loop_test(tc, test_bad_paths, 0,
	    sizeof(bad_paths) / sizeof(bad_paths[0]));
	tcase_add_test(tc, test_path_outlen);
	tcase_add_test(tc, test_path_matches);
	tcase_add_test(tc, test_route_match);
	tcase_add_test(tc, test_route_rank);
	suite_add_tcase(s, tc);
	return s;
}
