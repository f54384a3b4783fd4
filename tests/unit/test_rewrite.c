/*
 * Unit tests for rewrite.c: what the backend and the client see of a
 * message head after the proxy has rewritten it.
 */
#include <stdio.h>
#include <string.h>

#include "base64.h"
#include "unit.h"
#include "worker.h"

static struct http_header	hdrs[64];
static char			outmem[8192];
static struct buf		out;
static struct route_conf	route;
static struct server_conf	server;
static struct fwd_ctx		ctx;

static const struct http_limits limits = {
	16384, 81920, 131072, 64
};

static void
rw_setup(void)
{
	memset(&route, 0, sizeof(route));
	memset(&server, 0, sizeof(server));
	strcpy(server.sv_name, "10.0.0.5:8080");
	ctx.fc_client_ip = "192.0.2.7";
	ctx.fc_proto = "http";
	ctx.fc_route = &route;
	ctx.fc_server = &server;
	buf_init(&out, sizeof(outmem) - 1);
}

static void
rw_teardown(void)
{
	buf_release(&out);
}

/* What out holds, NUL-terminated, in outmem. */
static const char *
out_text(void)
{
	if (out.b_len > 0)
		memcpy(outmem, out.b_data + out.b_off, out.b_len);
	outmem[out.b_len] = '\0';
	return outmem;
}

/* Parse req, rewrite it, return the NUL-terminated result. */
static const char *
rewrite_req(const char *req)
{
	struct http_message	msg;
	long			rv;

	memset(&msg, 0, sizeof(msg));
	rv = http_parse_request(req, strlen(req), &limits, &msg, hdrs, 64);
	ck_assert_msg(rv > 0, "parse failed: %ld %s", rv,
	    msg.hm_error ? msg.hm_error : "");
	ck_assert_int_eq(rewrite_request(&msg, &ctx, &out), 0);
	return out_text();
}

static const char *
rewrite_resp(const char *resp, int rechunk, int close)
{
	struct http_message	msg;
	long			rv;

	memset(&msg, 0, sizeof(msg));
	rv = http_parse_response(resp, strlen(resp), &limits, &msg, hdrs, 64);
	ck_assert_msg(rv > 0, "parse failed: %ld", rv);
	ck_assert_int_eq(rewrite_response(&msg, resp, rechunk, close, NULL, &out),
	    0);
	return out_text();
}

START_TEST(test_host_preserved)
{
	const char *r = rewrite_req("GET /a?b=1 HTTP/1.1\r\n"
	    "Host: LyncWeb.example.com:80\r\nAccept: */*\r\n\r\n");

	ck_assert_ptr_nonnull(strstr(r, "GET /a?b=1 HTTP/1.1\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nHost: LyncWeb.example.com:80\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nAccept: */*\r\n"));
	ck_assert_ptr_nonnull(strstr(r,
	    "\r\nX-Forwarded-Host: LyncWeb.example.com:80\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nX-Forwarded-Proto: http\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nX-Forwarded-For: 192.0.2.7\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\r\nForwarded: for=192.0.2.7;"
	    "proto=http;host=\"LyncWeb.example.com:80\"\r\n"));
	ck_assert_int_eq(strcmp(r + strlen(r) - 4, "\r\n\r\n"), 0);
}
END_TEST

START_TEST(test_host_rewritten)
{
	const char *r;

	route.rt_host_mode = HOST_HEADER_REWRITE;
	strcpy(route.rt_host_rewrite, "fe01.corp.local");
	r = rewrite_req("GET / HTTP/1.1\r\nHost: meet.example.com\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, "\r\nHost: fe01.corp.local\r\n"));
	ck_assert_ptr_null(strstr(r, "\r\nHost: meet.example.com\r\n"));
	/* The original name still reaches the backend, as X-Forwarded-Host. */
	ck_assert_ptr_nonnull(strstr(r, "X-Forwarded-Host: meet.example.com"));
}
END_TEST

START_TEST(test_xff_appended_and_spoofed_proto_replaced)
{
	const char *r = rewrite_req("GET / HTTP/1.1\r\nHost: a\r\n"
	    "X-Forwarded-For: 198.51.100.1\r\nX-Forwarded-Proto: https\r\n"
	    "X-Forwarded-Host: evil\r\n\r\n");

	ck_assert_ptr_nonnull(strstr(r,
	    "X-Forwarded-For: 198.51.100.1, 192.0.2.7\r\n"));
	ck_assert_ptr_null(strstr(r, "X-Forwarded-Proto: https"));
	ck_assert_ptr_null(strstr(r, "evil"));
}
END_TEST

START_TEST(test_ipv6_forwarded)
{
	const char *r;

	ctx.fc_client_ip = "2001:db8::1";
	r = rewrite_req("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, "Forwarded: for=\"[2001:db8::1]\""));
	ck_assert_ptr_nonnull(strstr(r, "X-Forwarded-For: 2001:db8::1\r\n"));
}
END_TEST

START_TEST(test_hop_by_hop_removed)
{
	const char *r = rewrite_req("GET / HTTP/1.1\r\nHost: a\r\n"
	    "Connection: keep-alive, X-Secret, Content-Length, Host\r\n"
	    "Keep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\n"
	    "TE: trailers\r\nX-Secret: 1\r\nX-Other: 2\r\n\r\n");

	ck_assert_ptr_null(strstr(r, "Connection"));
	ck_assert_ptr_null(strstr(r, "Keep-Alive"));
	ck_assert_ptr_null(strstr(r, "TE:"));
	ck_assert_ptr_null(strstr(r, "X-Secret"));
	ck_assert_ptr_nonnull(strstr(r, "X-Other: 2\r\n"));
	/* Naming Host in Connection cannot strip it. */
	ck_assert_ptr_nonnull(strstr(r, "\r\nHost: a\r\n"));
}
END_TEST

START_TEST(test_framing_normalized)
{
	const char *r = rewrite_req("POST /u HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 5\r\nContent-Length: 5\r\n\r\n");
	const char *first = strstr(r, "Content-Length: 5\r\n");

	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_null(strstr(first + 1, "Content-Length"));
	out.b_len = 0;
	r = rewrite_req("POST /u HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, "Transfer-Encoding: chunked\r\n"));
	ck_assert_ptr_null(strstr(r, "Content-Length"));
}
END_TEST

START_TEST(test_absolute_form)
{
	const char *r = rewrite_req("GET http://a.example.com/x?y HTTP/1.1\r\n"
	    "Host: a.example.com\r\n\r\n");

	ck_assert_ptr_nonnull(strstr(r, "GET /x?y HTTP/1.1\r\n"));
	out.b_len = 0;
	r = rewrite_req("GET http://a.example.com HTTP/1.1\r\n"
	    "Host: a.example.com\r\n\r\n");
	ck_assert_ptr_nonnull(strstr(r, "GET / HTTP/1.1\r\n"));
}
END_TEST

START_TEST(test_http10_request)
{
	const char *r = rewrite_req("GET / HTTP/1.0\r\nExpect: 100-continue\r\n"
	    "\r\n");

	ck_assert_ptr_nonnull(strstr(r, "GET / HTTP/1.1\r\n"));
	/* No Host from the client: the server's name is sent. */
	ck_assert_ptr_nonnull(strstr(r, "\r\nHost: 10.0.0.5:8080\r\n"));
	ck_assert_ptr_null(strstr(r, "Expect"));
}
END_TEST

START_TEST(test_upgrade)
{
	const char *r = rewrite_req("GET /ws HTTP/1.1\r\nHost: a\r\n"
	    "Connection: Upgrade\r\nUpgrade: websocket\r\n"
	    "Sec-WebSocket-Key: abc\r\n\r\n");

	ck_assert_ptr_nonnull(strstr(r, "Connection: upgrade\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "Upgrade: websocket\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "Sec-WebSocket-Key: abc\r\n"));
	out.b_len = 0;
	r = rewrite_req("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, "
	    "HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMA\r\n\r\n");
	ck_assert_ptr_null(strstr(r, "Upgrade"));
	ck_assert_ptr_null(strstr(r, "HTTP2-Settings"));
}
END_TEST

START_TEST(test_response_rechunk_and_close)
{
	const char *r = rewrite_resp("HTTP/1.1 200 Fine Thanks\r\n"
	    "Transfer-Encoding: chunked\r\nContent-Length: 10\r\n"
	    "Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\nX-Keep: 2\r\n\r\n",
	    1, 1);

	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 200 Fine Thanks\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "Transfer-Encoding: chunked\r\n"));
	ck_assert_ptr_null(strstr(r, "Content-Length"));
	ck_assert_ptr_null(strstr(r, "X-Hop"));
	ck_assert_ptr_nonnull(strstr(r, "X-Keep: 2\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "Connection: close\r\n"));
}
END_TEST

START_TEST(test_response_dechunked_for_http10)
{
	const char *r = rewrite_resp("HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 0, 1);

	ck_assert_ptr_null(strstr(r, "Transfer-Encoding"));
	ck_assert_ptr_null(strstr(r, "Content-Length"));
	ck_assert_ptr_nonnull(strstr(r, "Connection: close\r\n"));
}
END_TEST

START_TEST(test_response_length_and_101)
{
	const char *r = rewrite_resp("HTTP/1.1 404 Not Found\r\n"
	    "Content-Length: 3\r\nKeep-Alive: timeout=5\r\n\r\n", 0, 0);

	ck_assert_ptr_nonnull(strstr(r, "HTTP/1.1 404 Not Found\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "Content-Length: 3\r\n"));
	ck_assert_ptr_null(strstr(r, "Keep-Alive"));
	ck_assert_ptr_null(strstr(r, "Connection"));
	out.b_len = 0;
	r = rewrite_resp("HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: xyz\r\n\r\n", 0, 1);
	ck_assert_ptr_nonnull(strstr(r, "Upgrade: websocket\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "Connection: upgrade\r\n"));
	ck_assert_ptr_null(strstr(r, "Connection: close"));
	ck_assert_ptr_nonnull(strstr(r, "Sec-WebSocket-Accept: xyz\r\n"));
}
END_TEST

/*
 * A Kerberos login's reply token (mutual authentication): base64 in
 * WWW-Authenticate: Negotiate on the response, in one piece also when it
 * is encoded in several; none on a backend's 401.
 */
START_TEST(test_response_negotiate_token)
{
	static const char	ok[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Length: 0\r\n\r\n";
	static const char	denied[] = "HTTP/1.1 401 No\r\n"
	    "WWW-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n";
	unsigned char		tok[NEGOTIATE_REPLY_MAX];
	char			want[2 * NEGOTIATE_REPLY_MAX], *p;
	struct resp_extra	add;
	struct http_message	msg;
	size_t			i;

	memset(&add, 0, sizeof(add));
	add.re_negotiate = (const unsigned char *)"\xa1\x07\x30\x05\xa0"
	    "\x03\x0a\x01\x00";
	add.re_negotiate_len = 9;
	memset(&msg, 0, sizeof(msg));
	ck_assert_int_gt(http_parse_response(ok, strlen(ok), &limits, &msg,
	    hdrs, 64), 0);
	ck_assert_int_eq(rewrite_response(&msg, ok, 0, 0, &add, &out), 0);
	ck_assert_ptr_nonnull(strstr(out_text(),
	    "\r\nWWW-Authenticate: Negotiate oQcwBaADCgEA\r\n"));
	/* The largest token: 1024 bytes, six pieces of 192 and a rest. */
	for (i = 0; i < sizeof(tok); i++)
		tok[i] = (unsigned char)(i * 7 + 3);
	add.re_negotiate = tok;
	add.re_negotiate_len = sizeof(tok);
	p = want + sprintf(want, "\r\nWWW-Authenticate: Negotiate ");
	ck_assert_int_eq(base64_encode(tok, sizeof(tok), p,
	    sizeof(want) - (size_t)(p - want), &i), 0);
	strcat(want, "\r\n");
	out.b_len = 0;
	ck_assert_int_eq(rewrite_response(&msg, ok, 0, 0, &add, &out), 0);
	ck_assert_ptr_nonnull(strstr(out_text(), want));
	/* Not on the backend's own 401. */
	memset(&msg, 0, sizeof(msg));
	ck_assert_int_gt(http_parse_response(denied, strlen(denied), &limits,
	    &msg, hdrs, 64), 0);
	out.b_len = 0;
	ck_assert_int_eq(rewrite_response(&msg, denied, 0, 0, &add, &out), 0);
	ck_assert_ptr_null(strstr(out_text(), "Negotiate"));
	ck_assert_ptr_nonnull(strstr(out_text(), "WWW-Authenticate: Basic"));
}
END_TEST

/*
 * auth = ntlm, negotiate and none: the client's identity header goes in every
 * spelling a CGI-style backend folds into one (case, '_' for '-'); only
 * rpxd's own reaches the backend, and passthrough leaves them alone.
 */
static const char	spoofed_identity[] = "GET / HTTP/1.1\r\nHost: a\r\n"
    "X-Authenticated-User: CORP\\a\r\nX_Authenticated_User: CORP\\b\r\n"
    "x_authenticated-USER: CORP\\c\r\nX-Authenticated-Users: keep\r\n"
    "X-Authenticated_User2: keep2\r\n\r\n";

START_TEST(test_identity_header_spellings)
{
	const char	*r;
	int		 mode;

	strcpy(route.rt_auth_header, "X-Authenticated-User");
	for (mode = AUTH_NONE; mode <= AUTH_NEGOTIATE; mode++) {
		route.rt_auth = mode;
		ctx.fc_identity = AUTH_BY_PROXY(mode) ? "RPXTEST\\alice" : NULL;
		out.b_len = 0;
		r = rewrite_req(spoofed_identity);
		ck_assert_ptr_null(strstr(r, "CORP"));
		ck_assert_ptr_nonnull(strstr(r,
		    "\r\nX-Authenticated-Users: keep\r\n"));
		ck_assert_ptr_nonnull(strstr(r,
		    "\r\nX-Authenticated_User2: keep2\r\n"));
		if (AUTH_BY_PROXY(mode))
			ck_assert_ptr_nonnull(strstr(r, "\r\n"
			    "X-Authenticated-User: RPXTEST\\alice\r\n"));
		else
			ck_assert_ptr_null(strstr(r, "uthenticated-User:"));
	}
	route.rt_auth = AUTH_PASSTHROUGH;
	out.b_len = 0;
	r = rewrite_req(spoofed_identity);
	ck_assert_ptr_nonnull(strstr(r, "X_Authenticated_User: CORP\\b"));
}
END_TEST

START_TEST(test_rewrite_overflow_fails)
{
	char	req[4096];

	out.b_max = 100;
	snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: a\r\nX: %0200d"
	    "\r\n\r\n", 0);
	{
		struct http_message	msg;

		memset(&msg, 0, sizeof(msg));
		ck_assert_int_gt(http_parse_request(req, strlen(req), &limits,
		    &msg, hdrs, 64), 0);
		ck_assert_int_eq(rewrite_request(&msg, &ctx, &out), -1);
	}
}
END_TEST

Suite *
suite_rewrite(void)
{
	Suite	*s = suite_create("rewrite");
	TCase	*tc = tcase_create("heads");

	tcase_add_checked_fixture(tc, rw_setup, rw_teardown);
	tcase_add_test(tc, test_host_preserved);
	tcase_add_test(tc, test_host_rewritten);
	tcase_add_test(tc, test_xff_appended_and_spoofed_proto_replaced);
	tcase_add_test(tc, test_ipv6_forwarded);
	tcase_add_test(tc, test_hop_by_hop_removed);
	tcase_add_test(tc, test_framing_normalized);
	tcase_add_test(tc, test_absolute_form);
	tcase_add_test(tc, test_http10_request);
	tcase_add_test(tc, test_upgrade);
	tcase_add_test(tc, test_response_rechunk_and_close);
	tcase_add_test(tc, test_response_dechunked_for_http10);
	tcase_add_test(tc, test_response_length_and_101);
	tcase_add_test(tc, test_rewrite_overflow_fails);
	tcase_add_test(tc, test_identity_header_spellings);
	tcase_add_test(tc, test_response_negotiate_token);
	suite_add_tcase(s, tc);
	return s;
}
