/*
 * Unit tests for http_parse.c: every valid request form and every class
 * of malformed or ambiguous head, with the exact status it must get.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "unit.h"

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

START_TEST(test_simple_get)
{
	const char	*s = "GET /a/b?c=d HTTP/1.1\r\nHost: x.example.com\r\n"
			    "Accept:  text/plain  \r\n\r\nNEXT";

	ck_assert_int_eq(req(s), (long)strlen(s) - 4);
	ck_assert_int_eq(msg.hm_minor, 1);
	ck_assert_int_eq(msg.hm_form, TARGET_ORIGIN);
	ck_assert_int_eq((int)msg.hm_nheaders, 2);
	ck_assert_int_eq(strncmp(msg.hm_host, "x.example.com", msg.hm_hostlen), 0);
	ck_assert_uint_eq(hdrs[1].hh_valuelen, 10);	/* OWS trimmed */
	ck_assert_int_eq(http_request_body(&msg), BODY_NONE);
}
END_TEST

START_TEST(test_incomplete)
{
	ck_assert_int_eq(req("GET / HTTP/1.1\r\nHost: a\r\n"), 0);
	ck_assert_int_eq(req("GET / HTT"), 0);
	ck_assert_int_eq(req(""), 0);
	ck_assert_int_eq(req("GET / HTTP/1.1\r\nHost: a\r\n\r"), 0);
}
END_TEST

START_TEST(test_leading_crlf_and_methods)
{
	ck_assert_int_gt(req("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
	ck_assert_int_gt(req("RPC_IN_DATA /rpc/rpcproxy.dll HTTP/1.1\r\n"
	    "Host: a\r\nContent-Length: 1073741824\r\n\r\n"), 0);
	ck_assert_int_eq(http_request_body(&msg), BODY_LENGTH);
	ck_assert(msg.hm_length == 1073741824ULL);
	ck_assert_int_gt(req("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
	ck_assert_int_eq(msg.hm_form, TARGET_ASTERISK);
	ck_assert_int_gt(req("CONNECT a.example.com:443 HTTP/1.1\r\n"
	    "Host: a.example.com:443\r\n\r\n"), 0);
	ck_assert_int_eq(msg.hm_form, TARGET_AUTHORITY);
	ck_assert_int_gt(req("GET http://A.example.com:80/p?q HTTP/1.1\r\n"
	    "Host: a.example.com\r\n\r\n"), 0);
	ck_assert_int_eq(msg.hm_form, TARGET_ABSOLUTE);
	ck_assert_int_eq(strncmp(msg.hm_authority, "A.example.com:80", 16), 0);
	ck_assert_uint_eq(msg.hm_authoritylen, 16);
	ck_assert_int_eq(strncmp(msg.hm_path, "/p?q", msg.hm_pathlen), 0);
	ck_assert_int_gt(req("GET / HTTP/1.0\r\n\r\n"), 0);
	ck_assert_int_eq(msg.hm_minor, 0);
}
END_TEST

struct bad_case {
	const char	*raw;
	size_t		 len;	/* sizeof: a case may hold a NUL */
	long		 status;
};
#define C(raw, status)	{ raw, sizeof(raw) - 1, status }

static const struct bad_case bad_requests[] = {
	C("GET / HTTP/1.1\nHost: a\r\n\r\n", -400),		/* bare LF */
	C("GET / HTTP/1.1\r\nHost: a\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", -400),	/* bare CR */
	C("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost : a\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nX\x01: b\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nX: b\x7f\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nX: b\x00z\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", -400),
	C("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", -400),
	C("G@T / HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\n\r\n", -400),			/* no Host */
	C("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost:\r\n\r\n", -400),
	C("GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET a HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET * HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET http://u@a/ HTTP/1.1\r\nHost: a\r\n\r\n", -400),
	C("GET / HTTP/2.0\r\nHost: a\r\n\r\n", -505),
	C("GET / HTTP/1.2\r\nHost: a\r\n\r\n", -505),
	C("GET / HTTP/1.10\r\nHost: a\r\n\r\n", -400),
	C("GET / http/1.1\r\nHost: a\r\n\r\n", -400),
	/* framing */
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Content-Length: 6\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "99999999999999999999\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
	    -501),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked"
	    "\r\n\r\n", -501),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip"
	    "\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0b" "chunked"
	    "\r\n\r\n", -400),
	C("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked"
	    "\r\n\r\n", -501),
	C("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", -400),
	C("GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", -417),
};

START_TEST(test_bad_requests)
{
	const struct bad_case	*c = &bad_requests[_i];
	long			 rv;

	rv = http_parse_request(c->raw, c->len, &lim, &msg, hdrs, 256);
	ck_assert_msg(rv == c->status, "case %d: got %ld want %ld (%s)", _i,
	    rv, c->status, msg.hm_error ? msg.hm_error : "");
	ck_assert_ptr_nonnull(msg.hm_error);
}
END_TEST

START_TEST(test_framing_ok)
{
	ck_assert_int_gt(req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5"
	    "\r\nContent-Length: 5\r\n\r\n"), 0);
	ck_assert(msg.hm_has_length && msg.hm_length == 5);
	ck_assert_int_gt(req("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
	    "7, 7\r\n\r\n"), 0);
	ck_assert(msg.hm_length == 7);
	ck_assert_int_gt(req("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:"
	    " Chunked \r\n\r\n"), 0);
	ck_assert_int_eq(http_request_body(&msg), BODY_CHUNKED);
	ck_assert_int_gt(req("GET / HTTP/1.1\r\nHost: a\r\nConnection: "
	    "keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
	    "Expect: 100-Continue\r\n\r\n"), 0);
	ck_assert(msg.hm_conn_upgrade && msg.hm_conn_keepalive &&
	    !msg.hm_conn_close && msg.hm_has_upgrade && msg.hm_expect_continue);
	/* HTTP/1.0 ignores Expect. */
	ck_assert_int_gt(req("GET / HTTP/1.0\r\nExpect: odd\r\n\r\n"), 0);
	ck_assert(!msg.hm_expect_continue);
}
END_TEST

START_TEST(test_limits)
{
	size_t	 n = 110000;
	char	*s = malloc(n + 200);
	int	 len;

	/* A 64 KiB Negotiate line and a 96 KiB head pass. */
	len = sprintf(s, "GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Negotiate ");
	memset(s + len, 'Y', 65536);
	len += 65536;
	len += sprintf(s + len, "\r\nX-Pad: ");
	memset(s + len, 'p', 33000);
	len += 33000;
	len += sprintf(s + len, "\r\n\r\n");
	ck_assert_int_gt(len, 96 * 1024);
	ck_assert_int_eq(http_parse_request(s, (size_t)len, &lim, &msg, hdrs,
	    256), len);
	/* A long request line: 414, even before it is complete. */
	memcpy(s, "GET /", 5);
	memset(s + 5, 'a', 17000);
	ck_assert_int_eq(http_parse_request(s, 17005, &lim, &msg, hdrs, 256),
	    -414);
	/* A header line over the limit: 431, complete or not. */
	len = sprintf(s, "GET / HTTP/1.1\r\nX: ");
	memset(s + len, 'a', 82000);
	ck_assert_int_eq(http_parse_request(s, (size_t)len + 82000, &lim, &msg,
	    hdrs, 256), -431);
	memcpy(s + len + 82000, "\r\n\r\n", 4);
	ck_assert_int_eq(http_parse_request(s, (size_t)len + 82004, &lim, &msg,
	    hdrs, 256), -431);
	free(s);
}
END_TEST

START_TEST(test_too_many_headers)
{
	char	s[8192];
	int	len, i;

	len = sprintf(s, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 0; i < 210; i++)
		len += sprintf(s + len, "X%d: v\r\n", i);
	len += sprintf(s + len, "\r\n");
	ck_assert_int_eq(req(s), -431);
}
END_TEST

START_TEST(test_responses)
{
	ck_assert_int_gt(resp("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"), 0);
	ck_assert_int_eq(msg.hm_status, 200);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_LENGTH);
	ck_assert_int_eq(http_response_body(&msg, 1), BODY_NONE);
	ck_assert_int_gt(resp("HTTP/1.1 200\r\n\r\n"), 0);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_CLOSE);
	ck_assert_int_gt(resp("HTTP/1.0 304 Not Modified\r\nContent-Length: 9"
	    "\r\n\r\n"), 0);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_NONE);
	ck_assert_int_gt(resp("HTTP/1.1 204 No Content\r\n\r\n"), 0);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_NONE);
	ck_assert_int_gt(resp("HTTP/1.1 100 Continue\r\n\r\n"), 0);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_NONE);
	ck_assert_int_gt(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 10\r\n\r\n"), 0);
	ck_assert_int_eq(http_response_body(&msg, 0), BODY_CHUNKED);
	ck_assert(!msg.hm_has_length);
	ck_assert_int_eq(resp("HTTP/1.1 20 OK\r\n\r\n"), -502);
	ck_assert_int_eq(resp("HTTP/1.1 700 OK\r\n\r\n"), -502);
	ck_assert_int_eq(resp("HTTP/2.0 200 OK\r\n\r\n"), -502);
	ck_assert_int_eq(resp("HTTP/1.1 200 OK\nX: y\r\n\r\n"), -502);
	ck_assert_int_eq(resp("HTTP/1.1 200 OK\r\nX: y\r\n z\r\n\r\n"), -502);
	ck_assert_int_eq(resp("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
	    "Content-Length: 2\r\n\r\n"), -502);
	ck_assert_int_eq(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip"
	    "\r\n\r\n"), -502);
	ck_assert_int_eq(resp("HTTP/1.1 200 OK\r\nX : y\r\n\r\n"), -502);
}
END_TEST

START_TEST(test_helpers)
{
	ck_assert(http_list_has_token("keep-alive, Upgrade", 19, "upgrade"));
	ck_assert(!http_list_has_token("keep-alive, Upgrades", 20, "upgrade"));
	ck_assert(http_list_has_token(" close ", 7, "close"));
	ck_assert_str_eq(http_reason(404), "Not Found");
	ck_assert_str_eq(http_reason(299), "Unknown");
}
END_TEST

Suite *
suite_http(void)
{
	Suite	*s = suite_create("http");
	TCase	*tc = tcase_create("parse");

	tcase_add_test(tc, test_simple_get);
	tcase_add_test(tc, test_incomplete);
	tcase_add_test(tc, test_leading_crlf_and_methods);
	tcase_add_loop_test(tc, test_bad_requests, 0,
	    sizeof(bad_requests) / sizeof(bad_requests[0]));
	tcase_add_test(tc, test_framing_ok);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_too_many_headers);
	tcase_add_test(tc, test_responses);
	tcase_add_test(tc, test_helpers);
	suite_add_tcase(s, tc);
	return s;
}
