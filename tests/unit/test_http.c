/*
 * Unit tests for http_parse.c: every valid request form and every class
 * of malformed or ambiguous head, with the exact status it must get.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "unit.h"

/* The configuration defaults (config_free.c). */
static const struct http_limits lim = { 16384, 81920, 131072, 200 };
static struct http_header	hdrs[256];
static struct http_message	msg;

static long
req(const char *s)
{
	return http_parse_request(s, strlen(s), &lim, &msg, hdrs, 256);
}

static long
resp(const char *s)
{
	return http_parse_response(s, strlen(s), &lim, &msg, hdrs, 256);
}

/* msg's field value for name as a C string (static buffer), or NULL. */
static const char *
value_of(const char *name)
{
	static char			 v[256];
	const struct http_header	*h = http_find_header(&msg, name);

	if (h == NULL || h->hh_valuelen >= sizeof(v))
		return NULL;
	memcpy(v, h->hh_value, h->hh_valuelen);
	v[h->hh_valuelen] = '\0';
	return v;
}

START_TEST(test_simple_get)
{
	const char	*s = "GET /a/b?c=d HTTP/1.1\r\nHost: x.example.com\r\n"
			    "Accept:  text/plain  \r\n\r\nNEXT";

	ck_assert_int_eq(req(s), (long)strlen(s) - 4);
	ck_assert_uint_eq(msg.hm_headlen, strlen(s) - 4);
	ck_assert_int_eq(msg.hm_minor, 1);
	ck_assert_int_eq(msg.hm_form, TARGET_ORIGIN);
	ck_assert_uint_eq(msg.hm_methodlen, 3);
	ck_assert_int_eq(memcmp(msg.hm_method, "GET", 3), 0);
	ck_assert_uint_eq(msg.hm_targetlen, 8);
	ck_assert_int_eq(memcmp(msg.hm_target, "/a/b?c=d", 8), 0);
	ck_assert_uint_eq(msg.hm_pathlen, 8);
	ck_assert_ptr_null(msg.hm_authority);
	ck_assert_uint_eq(msg.hm_nheaders, 2);
	ck_assert_uint_eq(msg.hm_hostlen, 13);
	ck_assert_int_eq(memcmp(msg.hm_host, "x.example.com", 13), 0);
	ck_assert_uint_eq(hdrs[1].hh_namelen, 6);
	ck_assert_str_eq(value_of("accept"), "text/plain");	/* no OWS */
	ck_assert_int_eq(http_request_body(&msg), BODY_NONE);
	ck_assert(!msg.hm_chunked && !msg.hm_has_length);
	ck_assert(!msg.hm_conn_close && !msg.hm_expect_continue);
}
END_TEST

START_TEST(test_field_values)
{
	/* HTAB and obs-text are field-value bytes; "a:b" has no OWS. */
	ck_assert_int_eq(req("GET / HTTP/1.1\r\nHost:a\r\nX-T: \tx\ty\t\r\n"
	    "X-U: caf\xc3\xa9\r\nX-E:\r\nX-S:    \r\n\r\n"), 66);
	ck_assert_str_eq(value_of("Host"), "a");
	ck_assert_str_eq(value_of("x-t"), "x\ty");
	ck_assert_str_eq(value_of("X-U"), "caf\xc3\xa9");
	ck_assert_str_eq(value_of("X-E"), "");
	ck_assert_str_eq(value_of("X-S"), "");
	ck_assert_ptr_null(http_find_header(&msg, "X-Missing"));
	ck_assert_ptr_null(http_find_header(&msg, "X"));
	/* Any token is a field name. */
	ck_assert_int_gt(req("GET / HTTP/1.1\r\nHost: a\r\n!#$%&'*+-.^_`|~09az"
	    "AZ: v\r\n\r\n"), 0);
	ck_assert_uint_eq(msg.hm_nheaders, 2);
}
END_TEST

START_TEST(test_incomplete)
{
	static const char *const partial[] = {
		"", "G", "GET", "GET ", "GET / HTT", "GET / HTTP/1.1",
		"GET / HTTP/1.1\r", "GET / HTTP/1.1\r\n",
		"GET / HTTP/1.1\r\nHost: a", "GET / HTTP/1.1\r\nHost: a\r",
		"GET / HTTP/1.1\r\nHost: a\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n\r", "\r", "\r\n", "\r\n\r\n\r",
	};
	size_t	i;

	for (i = 0; i < sizeof(partial) / sizeof(partial[0]); i++)
		ck_assert_msg(req(partial[i]) == 0, "prefix %zu", i);
	/* Incomplete responses too. */
	ck_assert_int_eq(resp("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"), 0);
	ck_assert_int_eq(resp("HTTP/1.1 2"), 0);
}
END_TEST

/* Every prefix of a head is incomplete; the whole head parses. */
START_TEST(test_byte_by_byte)
{
	const char	*s = "\r\nPOST /up?x=1 HTTP/1.1\r\nHost: a.example\r\n"
			    "Content-Length: 12\r\nConnection: keep-alive\r\n"
			    "\r\n"
			    "body bytes..";
	size_t		 head = strlen(s) - 12, n;
	char		*copy;

	for (n = 0; n < head; n++) {
		copy = malloc(n + 1);	/* exact size: ASan sees overreads */
		memcpy(copy, s, n);
		ck_assert_msg(http_parse_request(copy, n, &lim, &msg, hdrs,
		    256) == 0, "prefix of %zu bytes", n);
		free(copy);
	}
	ck_assert_int_eq(req(s), (long)head);
	ck_assert_int_eq(http_request_body(&msg), BODY_LENGTH);
	ck_assert(msg.hm_length == 12);
	ck_assert(msg.hm_conn_keepalive);
}
END_TEST

START_TEST(test_request_forms)
{
	/* Leading empty lines are skipped and counted. */
	ck_assert_int_eq(req("\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n"
	    "\r\n"), 35);
	ck_assert_uint_eq(msg.hm_headlen, 35);
	ck_assert_int_eq(memcmp(msg.hm_method, "GET", 3), 0);
	/* Any token method: Outlook Anywhere and WebDAV. */
	ck_assert_int_eq(req("RPC_IN_DATA /rpc/rpcproxy.dll HTTP/1.1\r\n"
	    "Host: a\r\nContent-Length: 1073741824\r\n\r\n"), 79);
	ck_assert_uint_eq(msg.hm_methodlen, 11);
	ck_assert_int_eq(http_request_body(&msg), BODY_LENGTH);
	ck_assert(msg.hm_length == 1073741824ULL);
	ck_assert_int_eq(req("RPC_OUT_DATA /rpc HTTP/1.1\r\nHost: a\r\n\r\n"),
	    39);
	ck_assert_int_gt(req("PROPFIND /dav HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
	ck_assert_int_gt(req("X-MS-ENUMATTS /x HTTP/1.1\r\nHost: a\r\n\r\n"),
	    0);
	/* asterisk-form */
	ck_assert_int_eq(req("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), 31);
	ck_assert_int_eq(msg.hm_form, TARGET_ASTERISK);
	ck_assert_ptr_null(msg.hm_path);
	/* authority-form */
	ck_assert_int_gt(req("CONNECT a.example.com:443 HTTP/1.1\r\n"
	    "Host: a.example.com:443\r\n\r\n"), 0);
	ck_assert_int_eq(msg.hm_form, TARGET_AUTHORITY);
	ck_assert_uint_eq(msg.hm_authoritylen, 17);
	ck_assert_int_eq(memcmp(msg.hm_authority, "a.example.com:443", 17), 0);
	ck_assert_int_gt(req("CONNECT [::1]:8443 HTTP/1.1\r\nHost: x\r\n\r\n"),
	    0);
	ck_assert_int_eq(msg.hm_form, TARGET_AUTHORITY);
	/* absolute-form, scheme case-insensitive */
	ck_assert_int_gt(req("GET hTTp://A.example.com:80/p?q HTTP/1.1\r\n"
	    "Host: a.example.com\r\n\r\n"), 0);
	ck_assert_int_eq(msg.hm_form, TARGET_ABSOLUTE);
	ck_assert_uint_eq(msg.hm_authoritylen, 16);
	ck_assert_int_eq(memcmp(msg.hm_authority, "A.example.com:80", 16), 0);
	ck_assert_uint_eq(msg.hm_pathlen, 4);
	ck_assert_int_eq(memcmp(msg.hm_path, "/p?q", 4), 0);
	ck_assert_int_gt(req("GET HTTPS://a HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
	ck_assert_int_eq(msg.hm_form, TARGET_ABSOLUTE);
	ck_assert_uint_eq(msg.hm_authoritylen, 1);
	ck_assert_uint_eq(msg.hm_pathlen, 0);	/* empty path, not "/" */
	/* Visible ASCII other than '#' is allowed in a target. */
	ck_assert_int_gt(req("GET /a\"<>\\^`{|}~%zz HTTP/1.1\r\nHost: a\r\n"
	    "\r\n"), 0);
	/* HTTP/1.0: no Host needed. */
	ck_assert_int_eq(req("GET / HTTP/1.0\r\n\r\n"), 18);
	ck_assert_int_eq(msg.hm_minor, 0);
	ck_assert_ptr_null(msg.hm_host);
}
END_TEST

struct bad_case {
	const char	*raw;
	size_t		 len;	/* sizeof: a case may hold a NUL */
	long		 status;
};
#define C(raw, status)	{ raw, sizeof(raw) - 1, status }

static const struct bad_case bad_requests[] = {
	/* line endings */
	C("GET / HTTP/1.1\nHost: a\r\n\r\n", -400),		/* bare LF */
	C("GET / HTTP/1.1\r\nHost: a\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\n\n", -400),
	C("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nX: a\nY: b\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", -400),/* bare CR */
	C("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", -400),
	C("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nX\r: b\r\n\r\n", -400),
	C("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	/* request line */
	C("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", -400),
	C(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET /\tHTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET / \r\nHost: a\r\n\r\n", -400),
	C("GET /\r\nHost: a\r\n\r\n", -400),
	C("GET\r\nHost: a\r\n\r\n", -400),
	C("G@T / HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("G\xc3\x89T / HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	/* version */
	C("GET / HTTP/2.0\r\nHost: a\r\n\r\n", -505),
	C("GET / HTTP/1.2\r\nHost: a\r\n\r\n", -505),
	C("GET / HTTP/3.0\r\nHost: a\r\n\r\n", -505),
	C("GET / HTTP/0.9\r\nHost: a\r\n\r\n", -505),
	C("GET / HTTP/1.10\r\nHost: a\r\n\r\n", -400),
	C("GET / HTTP/11\r\nHost: a\r\n\r\n", -400),
	C("GET / HTTP/1.\r\nHost: a\r\n\r\n", -400),
	C("GET / HTTP/1.x\r\nHost: a\r\n\r\n", -400),
	C("GET / http/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET / HTTPS/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET / HTTP/1.1x\r\nHost: a\r\n\r\n", -400),
	/* request-target */
	C("GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET /\x00 HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET a HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET a.example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET * HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("OPTIONS *x HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("options * HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET http://u@a/ HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET http:// HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET http:/a/ HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET http://a?q HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("CONNECT / HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("CONNECT a: HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("CONNECT :443 HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("CONNECT a:44x HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("CONNECT a:443443 HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("CONNECT u@a:443 HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("CONNECT http://a:443/ HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	/* field lines */
	C("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\n Host: a\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost : a\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nX\x01: b\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nX\"y: b\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nX y: b\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nX: b\x7f\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nX: b\x00z\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nX: b\x1b[0m\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nX: \x0b" "b\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", -400),
	/* Host */
	C("GET / HTTP/1.1\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost:\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost:  \t \r\n\r\n", -400),
	C("GET http://a/ HTTP/1.1\r\n\r\n", -400),
	/* Content-Length */
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5,\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5.0\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \"5\"\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "99999999999999999999\r\n\r\n", -400),		/* 20 digits */
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "9223372036854775808\r\n\r\n", -400),	/* > INT64_MAX */
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "18446744073709551621\r\n\r\n", -400),		/* wraps to 5 */
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Content-Length: 5\r\nContent-Length: 7\r\n\r\n", -400),
	/* smuggling: Transfer-Encoding */
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 0\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n"
	    "\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0b" "chunked"
	    "\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\x0b"
	    "\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0c" "chunked"
	    "\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked"
	    "\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\n Transfer-Encoding: chunked"
	    "\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip"
	    "\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked"
	    "\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n",
	    -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked\r\n\r\n",
	    -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n", -400),
	C("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", -400),
	C("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
	    -501),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked"
	    "\r\n\r\n", -501),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", -501),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n",
	    -501),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked"
	    "\r\n\r\n", -501),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunk"
	    "\r\n\r\n", -501),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\""
	    "\r\n\r\n", -501),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1"
	    "\r\n\r\n", -501),
	/* Expect */
	C("GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", -417),
	C("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue, x\r\n\r\n",
	    -417),
	C("GET / HTTP/1.1\r\nHost: a\r\nExpect:\r\n\r\n", -417),
};

START_TEST(test_bad_requests)
{
	const struct bad_case	*c = &bad_requests[_i];
	long			 rv;

	rv = http_parse_request(c->raw, c->len, &lim, &msg, hdrs, 256);
	ck_assert_msg(rv == c->status, "case %d: got %ld want %ld (%s)", _i,
	    rv, c->status, msg.hm_error ? msg.hm_error : "");
	if (c->status != 0)
		ck_assert_ptr_nonnull(msg.hm_error);
}
END_TEST

START_TEST(test_framing_ok)
{
	ck_assert_int_gt(req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5"
	    "\r\nContent-Length: 5\r\n\r\n"), 0);
	ck_assert(msg.hm_has_length && msg.hm_length == 5);
	ck_assert_int_eq(http_request_body(&msg), BODY_LENGTH);
	ck_assert_int_gt(req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "7, 7,7\r\n\r\n"), 0);
	ck_assert(msg.hm_has_length && msg.hm_length == 7);
	ck_assert_int_gt(req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "007\r\nContent-Length: 7\r\n\r\n"), 0);
	ck_assert(msg.hm_length == 7);
	ck_assert_int_gt(req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "9223372036854775807\r\n\r\n"), 0);
	ck_assert(msg.hm_length == 9223372036854775807ULL);
	ck_assert_int_gt(req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "0\r\n\r\n"), 0);
	ck_assert(msg.hm_has_length && msg.hm_length == 0);
	ck_assert_int_eq(http_request_body(&msg), BODY_NONE);
	/* Odd spacing and case around "chunked" is still chunked. */
	ck_assert_int_gt(req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:"
	    " Chunked \r\n\r\n"), 0);
	ck_assert(msg.hm_chunked && !msg.hm_has_length);
	ck_assert_int_eq(http_request_body(&msg), BODY_CHUNKED);
	ck_assert_int_gt(req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:"
	    "\tCHUNKED\t\r\n\r\n"), 0);
	ck_assert_int_eq(http_request_body(&msg), BODY_CHUNKED);
	ck_assert_int_gt(req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:"
	    "chunked\r\n\r\n"), 0);
	ck_assert_int_eq(http_request_body(&msg), BODY_CHUNKED);
	/* Connection tokens from every field. */
	ck_assert_int_gt(req("GET / HTTP/1.1\r\nHost: a\r\nConnection: "
	    "keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
	    "Expect: 100-Continue\r\n\r\n"), 0);
	ck_assert(msg.hm_conn_upgrade && msg.hm_conn_keepalive &&
	    !msg.hm_conn_close && msg.hm_has_upgrade && msg.hm_expect_continue);
	ck_assert_int_gt(req("GET / HTTP/1.1\r\nHost: a\r\nConnection: x\r\n"
	    "connection: CLOSE\r\n\r\n"), 0);
	ck_assert(msg.hm_conn_close && !msg.hm_conn_keepalive &&
	    !msg.hm_conn_upgrade && !msg.hm_has_upgrade);
	ck_assert_int_gt(req("GET / HTTP/1.1\r\nHost: a\r\nConnection: "
	    "closed, keep-alive2\r\n\r\n"), 0);
	ck_assert(!msg.hm_conn_close && !msg.hm_conn_keepalive);
	ck_assert_int_gt(req("GET / HTTP/1.1\r\nHost: a\r\nExpect:  "
	    "100-continue \r\n\r\n"), 0);
	ck_assert(msg.hm_expect_continue);
	/* HTTP/1.0 ignores Expect. */
	ck_assert_int_gt(req("GET / HTTP/1.0\r\nExpect: odd\r\n\r\n"), 0);
	ck_assert(!msg.hm_expect_continue);
	ck_assert_int_gt(req("GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n"),
	    0);
	ck_assert(!msg.hm_expect_continue);
	/* A request has no body unless it says so. */
	ck_assert_int_gt(req("POST / HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
	ck_assert_int_eq(http_request_body(&msg), BODY_NONE);
}
END_TEST

/* A request with a header line of hl bytes and a pad line; total len. */
static char *
big_request(size_t line, size_t pad, size_t *len)
{
	char	*s = malloc(line + pad + 128);
	size_t	 n;

	n = (size_t)sprintf(s, "GET / HTTP/1.1\r\nHost: a\r\n");
	n += (size_t)sprintf(s + n, "Authorization: Negotiate ");
	memset(s + n, 'Y', line - 25);
	n += line - 25;
	if (pad > 0) {
		n += (size_t)sprintf(s + n, "\r\nX-Pad: ");
		memset(s + n, 'p', pad - 7);
		n += pad - 7;
	}
	memcpy(s + n, "\r\n\r\n", 4);
	*len = n + 4;
	return s;
}

/* Kerberos tokens: 64 KiB lines, 96 KiB heads, arriving in pieces. */
START_TEST(test_big_heads)
{
	static const struct http_limits l = { 8192, 65536 + 1024, 131072, 100 };
	size_t	 len, n;
	char	*s;

	s = big_request(65536, 0, &len);
	ck_assert_int_eq(http_parse_request(s, len, &l, &msg, hdrs, 256),
	    (long)len);
	ck_assert_uint_eq(hdrs[1].hh_valuelen, 65536 - 15);
	free(s);
	s = big_request(65536, 33000, &len);
	ck_assert_uint_gt(len, 96 * 1024);
	ck_assert_int_eq(http_parse_request(s, len, &l, &msg, hdrs, 256),
	    (long)len);
	ck_assert_uint_eq(msg.hm_nheaders, 3);
	/* Arriving in pieces, as the worker reads it. */
	for (n = 0; n < len; n += 1400)
		ck_assert_int_eq(http_parse_request(s, n, &l, &msg, hdrs, 256),
		    0);
	ck_assert_int_eq(http_parse_request(s, len - 1, &l, &msg, hdrs, 256),
	    0);
	free(s);
}
END_TEST

/* Each limit: exactly at the limit passes, one byte more is refused. */
START_TEST(test_limits)
{
	static const struct http_limits l = { 100, 200, 1000, 5 };
	char	s[4096];
	size_t	n;
	int	i;

	/* Request line of 100 bytes: "GET /aaa... HTTP/1.1". */
	n = (size_t)sprintf(s, "GET /");
	memset(s + n, 'a', 100 - 14);
	n += 100 - 14;
	n += (size_t)sprintf(s + n, " HTTP/1.1\r\nHost: a\r\n\r\n");
	ck_assert_int_eq(http_parse_request(s, n, &l, &msg, hdrs, 256),
	    (long)n);
	/* 100 bytes and a CR so far: may still be fine. */
	ck_assert_int_eq(http_parse_request(s, 101, &l, &msg, hdrs, 256), 0);
	memmove(s + 1, s, n);
	s[0] = 'X';
	ck_assert_int_eq(http_parse_request(s, n + 1, &l, &msg, hdrs, 256),
	    -414);
	ck_assert_ptr_nonnull(msg.hm_error);
	/* Detected before the line is complete. */
	ck_assert_int_eq(http_parse_request(s, 101, &l, &msg, hdrs, 256), -414);
	ck_assert_int_eq(http_parse_request(s, 100, &l, &msg, hdrs, 256), 0);
	/* Header line of 200 bytes, then 201. */
	n = (size_t)sprintf(s, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	memset(s + n, 'b', 197);
	n += 197;
	ck_assert_int_eq(http_parse_request(s, n, &l, &msg, hdrs, 256), 0);
	memcpy(s + n, "\r\n\r\n", 4);
	ck_assert_int_eq(http_parse_request(s, n + 4, &l, &msg, hdrs, 256),
	    (long)n + 4);
	ck_assert_int_eq(http_parse_request(s, n + 1, &l, &msg, hdrs, 256), 0);
	s[n] = 'b';
	ck_assert_int_eq(http_parse_request(s, n + 1, &l, &msg, hdrs, 256),
	    -431);
	memcpy(s + n + 1, "\r\n\r\n", 4);
	ck_assert_int_eq(http_parse_request(s, n + 5, &l, &msg, hdrs, 256),
	    -431);
	/* 5 fields pass, 6 do not; nor more than the array holds. */
	n = (size_t)sprintf(s, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 0; i < 4; i++)
		n += (size_t)sprintf(s + n, "X%d: v\r\n", i);
	memcpy(s + n, "\r\n", 2);
	ck_assert_int_eq(http_parse_request(s, n + 2, &l, &msg, hdrs, 256),
	    (long)n + 2);
	ck_assert_int_eq(http_parse_request(s, n + 2, &l, &msg, hdrs, 4),
	    -431);
	n += (size_t)sprintf(s + n, "X9: v\r\n\r\n");
	ck_assert_int_eq(http_parse_request(s, n, &l, &msg, hdrs, 256), -431);
}
END_TEST

/* "GET / HTTP/1.1", Host, then fields of at most 155 bytes: total len. */
static size_t
head_of(char *s, size_t len)
{
	size_t	n, k;

	n = (size_t)sprintf(s, "GET / HTTP/1.1\r\nHost: a\r\n");
	while (n < len - 2) {
		k = len - 2 - n > 155 ? 155 : len - 2 - n;
		ck_assert_uint_ge(k, 5);
		n += (size_t)sprintf(s + n, "X: ");
		memset(s + n, 'v', k - 5);
		n += k - 5;
		n += (size_t)sprintf(s + n, "\r\n");
	}
	memcpy(s + n, "\r\n", 2);
	return n + 2;
}

START_TEST(test_head_limit)
{
	static const struct http_limits l = { 100, 200, 1000, 100 };
	char	s[4096];

	ck_assert_uint_eq(head_of(s, 1000), 1000);
	ck_assert_int_eq(http_parse_request(s, 1000, &l, &msg, hdrs, 256),
	    1000);
	/* Bytes after the head do not count. */
	memset(s + 1000, 'z', 500);
	ck_assert_int_eq(http_parse_request(s, 1500, &l, &msg, hdrs, 256),
	    1000);
	ck_assert_uint_eq(head_of(s, 1001), 1001);
	ck_assert_int_eq(http_parse_request(s, 1001, &l, &msg, hdrs, 256),
	    -431);
	ck_assert_ptr_nonnull(msg.hm_error);
	/* Incomplete: fine up to the limit, refused beyond it. */
	ck_assert_int_eq(http_parse_request(s, 999, &l, &msg, hdrs, 256), 0);
	ck_assert_int_eq(http_parse_request(s, 1000, &l, &msg, hdrs, 256), 0);
	memset(s + 990, 'v', 20);
	ck_assert_int_eq(http_parse_request(s, 1000, &l, &msg, hdrs, 256), 0);
	ck_assert_int_eq(http_parse_request(s, 1001, &l, &msg, hdrs, 256),
	    -431);
	/* Skipped empty lines count in the head. */
	memcpy(s, "\r\n\r\n", 4);
	ck_assert_uint_eq(head_of(s + 4, 996), 996);
	ck_assert_int_eq(http_parse_request(s, 1000, &l, &msg, hdrs, 256),
	    1000);
	memcpy(s, "\r\n\r\n", 4);
	ck_assert_uint_eq(head_of(s + 4, 997), 997);
	ck_assert_int_eq(http_parse_request(s, 1001, &l, &msg, hdrs, 256),
	    -431);
}
END_TEST

START_TEST(test_responses)
{
	ck_assert_int_eq(resp("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"
	    "abc"), 38);
	ck_assert_int_eq(msg.hm_status, 200);
	ck_assert_int_eq(msg.hm_minor, 1);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_LENGTH);
	ck_assert(msg.hm_length == 3);
	ck_assert_int_eq(http_response_body(&msg, 1), BODY_NONE);
	ck_assert_int_eq(resp("HTTP/1.1 200\r\n\r\n"), 16);
	ck_assert_int_eq(msg.hm_status, 200);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_CLOSE);
	ck_assert_int_eq(resp("HTTP/1.1 404 \r\n\r\n"), 17);
	ck_assert_int_eq(msg.hm_status, 404);
	ck_assert_int_eq(resp("HTTP/1.0 200 Fine, th\xe4nks\tall\r\n\r\n"), 33);
	ck_assert_int_eq(msg.hm_minor, 0);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_CLOSE);
	ck_assert_int_gt(resp("HTTP/1.0 304 Not Modified\r\nContent-Length: 9"
	    "\r\n\r\n"), 0);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_NONE);
	ck_assert_int_gt(resp("HTTP/1.1 204 No Content\r\n\r\n"), 0);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_NONE);
	ck_assert_int_gt(resp("HTTP/1.1 100 Continue\r\n\r\n"), 0);
	ck_assert_int_eq(msg.hm_status, 100);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_NONE);
	ck_assert_int_gt(resp("HTTP/1.1 101 Switching Protocols\r\n"
	    "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n"), 0);
	ck_assert(msg.hm_conn_upgrade && msg.hm_has_upgrade);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_NONE);
	ck_assert_int_gt(resp("HTTP/1.1 599 X\r\nContent-Length: 0\r\n\r\n"),
	    0);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_NONE);
	ck_assert_int_gt(resp("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n"
	    "Connection: close\r\n\r\n"), 0);
	ck_assert(msg.hm_conn_close && msg.hm_length == 2);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_LENGTH);
	/* TE + CL in a response: TE wins, CL is ignored. */
	ck_assert_int_gt(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
	    "\r\nContent-Length: 10\r\n\r\n"), 0);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_CHUNKED);
	ck_assert(msg.hm_chunked && !msg.hm_has_length);
	ck_assert_int_eq(http_response_body(&msg, 1), BODY_NONE);
	/* Responses carry no Host checks and ignore Expect. */
	ck_assert_int_gt(resp("HTTP/1.1 200 OK\r\nHost: a\r\nHost: b\r\n"
	    "Expect: x\r\n\r\n"), 0);
	ck_assert_ptr_null(msg.hm_host);
}
END_TEST

static const struct bad_case bad_responses[] = {
	C("HTTP/1.1 20 OK\r\n\r\n", -502),
	C("HTTP/1.1 2000 OK\r\n\r\n", -502),
	C("HTTP/1.1 200OK\r\n\r\n", -502),
	C("HTTP/1.1  200 OK\r\n\r\n", -502),
	C("HTTP/1.1 2x0 OK\r\n\r\n", -502),
	C("HTTP/1.1 099 OK\r\n\r\n", -502),
	C("HTTP/1.1 600 OK\r\n\r\n", -502),
	C("HTTP/1.1 700 OK\r\n\r\n", -502),
	C("HTTP/2.0 200 OK\r\n\r\n", -502),
	C("HTTP/1.2 200 OK\r\n\r\n", -502),
	C("http/1.1 200 OK\r\n\r\n", -502),
	C("HTTP/1.1\r\n\r\n", -502),
	C("ICY 200 OK\r\n\r\n", -502),
	C("\r\nHTTP/1.1 200 OK\r\n\r\n", -502),
	C("HTTP/1.1 200 OK\nX: y\r\n\r\n", -502),
	C("HTTP/1.1 200 OK\r\nX: y\n\r\n", -502),
	C("HTTP/1.1 200 O\rK\r\n\r\n", -502),
	C("HTTP/1.1 200 O\x01K\r\n\r\n", -502),
	C("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n", -502),
	C("HTTP/1.1 200 OK\r\nX: y\r\n z\r\n\r\n", -502),
	C("HTTP/1.1 200 OK\r\nX : y\r\n\r\n", -502),
	C("HTTP/1.1 200 OK\r\nX: \x00\r\n\r\n", -502),
	C("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	    -502),
	C("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", -502),
	C("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", -502),
	C("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", -502),
	C("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", -502),
	C("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", -502),
	C("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", -502),
	C("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", -502),
};

START_TEST(test_bad_responses)
{
	const struct bad_case	*c = &bad_responses[_i];
	long			 rv;

	rv = http_parse_response(c->raw, c->len, &lim, &msg, hdrs, 256);
	ck_assert_msg(rv == c->status, "case %d: got %ld want %ld (%s)", _i,
	    rv, c->status, msg.hm_error ? msg.hm_error : "");
	ck_assert_ptr_nonnull(msg.hm_error);
}
END_TEST

START_TEST(test_response_limits)
{
	static const struct http_limits l = { 30, 40, 200, 2 };

	ck_assert_int_eq(http_parse_response("HTTP/1.1 200 OK 123456789012345",
	    31, &l, &msg, hdrs, 256), -502);
	ck_assert_int_eq(resp("HTTP/1.1 200 OK\r\n\r\n"), 19);
	ck_assert_int_eq(http_parse_response("HTTP/1.1 200 OK\r\nX: 12345678"
	    "90123456789012345678901234567890\r\n\r\n", 74, &l, &msg, hdrs,
	    256), -502);
	ck_assert_int_eq(http_parse_response("HTTP/1.1 200 OK\r\nA: 1\r\n"
	    "B: 2\r\nC: 3\r\n\r\n", 41, &l, &msg, hdrs, 256), -502);
	ck_assert_ptr_nonnull(msg.hm_error);
}
END_TEST

START_TEST(test_helpers)
{
	static const int codes[] = { 100, 101, 200, 201, 202, 203, 204, 205,
	    206, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404,
	    405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417,
	    421, 426, 428, 429, 431, 500, 501, 502, 503, 504, 505 };
	struct http_header	h = { "content-LENGTH", 14, "1", 1 };
	size_t			i;

	ck_assert(http_list_has_token("keep-alive, Upgrade", 19, "upgrade"));
	ck_assert(!http_list_has_token("keep-alive, Upgrades", 20, "upgrade"));
	ck_assert(!http_list_has_token("keep-alive, Upgrade", 18, "upgrade"));
	ck_assert(http_list_has_token(" close ", 7, "close"));
	ck_assert(http_list_has_token("a,\tclose\t,b", 11, "close"));
	ck_assert(http_list_has_token("a,,close", 8, "CLOSE"));
	ck_assert(!http_list_has_token("", 0, "close"));
	ck_assert(!http_list_has_token("cl ose", 6, "close"));
	ck_assert(!http_list_has_token("\"close\"", 7, "close"));
	ck_assert(http_header_is(&h, "Content-Length"));
	ck_assert(!http_header_is(&h, "Content-Lengt"));
	ck_assert(!http_header_is(&h, "Content-Lengths"));
	ck_assert(http_is_tchar('!') && http_is_tchar('~') &&
	    http_is_tchar('z'));
	ck_assert(!http_is_tchar(':') && !http_is_tchar(' ') &&
	    !http_is_tchar('\0') && !http_is_tchar(0x80) &&
	    !http_is_tchar('"'));
	ck_assert_int_eq(http_hexval('f'), 15);
	ck_assert_int_eq(http_hexval('A'), 10);
	ck_assert_int_eq(http_hexval('g'), -1);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		ck_assert_msg(strcmp(http_reason(codes[i]), "Unknown") != 0,
		    "no reason for %d", codes[i]);
	ck_assert_str_eq(http_reason(404), "Not Found");
	ck_assert_str_eq(http_reason(431), "Request Header Fields Too Large");
	ck_assert_str_eq(http_reason(299), "Unknown");
	ck_assert_str_eq(http_reason(0), "Unknown");
	ck_assert_str_eq(http_reason(-1), "Unknown");
}
END_TEST

Suite *
suite_http(void)
{
	Suite	*s = suite_create("http");
	TCase	*tc = tcase_create("parse");

	tcase_add_test(tc, test_simple_get);
	tcase_add_test(tc, test_field_values);
	tcase_add_test(tc, test_incomplete);
	tcase_add_test(tc, test_byte_by_byte);
	tcase_add_test(tc, test_request_forms);
	tcase_add_loop_test(tc, test_bad_requests, 0,
	    sizeof(bad_requests) / sizeof(bad_requests[0]));
	tcase_add_test(tc, test_framing_ok);
	tcase_add_test(tc, test_big_heads);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_head_limit);
	tcase_add_test(tc, test_responses);
	tcase_add_loop_test(tc, test_bad_responses, 0,
	    sizeof(bad_responses) / sizeof(bad_responses[0]));
	tcase_add_test(tc, test_response_limits);
	tcase_add_test(tc, test_helpers);
	suite_add_tcase(s, tc);
	return s;
}
