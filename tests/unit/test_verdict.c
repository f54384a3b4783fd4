/*
 * Unit tests for health/verdict.c: expected statuses (a list, or 200 to
 * 399), the body text in plain, until-close and chunked bodies, fed at
 * once or byte by byte, oversized responses, and the reason of each
 * failure as the log shows it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "verdict.h"

/* The configuration defaults (config_free.c). */
static const struct http_limits	lim = { 16384, 81920, 131072, 200 };
static struct health_conf	hc;
static struct verdict		v;
static char			why[512];

static void
conf(const char *body, unsigned nstatus, const unsigned *status)
{
	memset(&hc, 0, sizeof(hc));
	hc.hc_enabled = 1;
	snprintf(hc.hc_path, sizeof(hc.hc_path), "/");
	snprintf(hc.hc_body, sizeof(hc.hc_body), "%s", body);
	hc.hc_nstatus = nstatus;
	if (nstatus > 0)
		memcpy(hc.hc_status, status, nstatus * sizeof(*status));
}

/*
 * Feed len bytes of s in pieces of step bytes (each its own allocation,
 * so ASan sees a read past it) until the verdict has enough; returns the
 * verdict and leaves the reason in why. *done: enough before the end.
 */
static int
judge_len(const char *s, size_t len, size_t step, int *done)
{
	size_t	off = 0, n;
	char	*piece;
	int	enough = 0;

	verdict_init(&v, &hc, &lim);
	while (off < len && !enough) {
		n = len - off < step ? len - off : step;
		piece = malloc(n);
		memcpy(piece, s + off, n);
		enough = verdict_feed(&v, piece, n);
		free(piece);
		off += n;
	}
	if (done != NULL)
		*done = enough;
	why[0] = '\0';
	return verdict_result(&v, why, sizeof(why));
}

static int
judge(const char *s, size_t step)
{
	return judge_len(s, strlen(s), step, NULL);
}

static const size_t	steps[] = { 1, 2, 3, 7, 64, 100000 };
#define NSTEPS		(sizeof(steps) / sizeof(steps[0]))

START_TEST(test_status_default_range)
{
	conf("", 0, NULL);
	ck_assert(verdict_status_ok(&hc, 200));
	ck_assert(verdict_status_ok(&hc, 302));
	ck_assert(verdict_status_ok(&hc, 399));
	ck_assert(!verdict_status_ok(&hc, 199));
	ck_assert(!verdict_status_ok(&hc, 401));
	ck_assert(!verdict_status_ok(&hc, 500));
	ck_assert_int_eq(judge("HTTP/1.1 301 Moved\r\nLocation: /x\r\n"
	    "Content-Length: 0\r\n\r\n", 5), 1);
	ck_assert_int_eq(judge("HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n"
	    "\r\n", 5), 0);
	ck_assert_str_eq(why, "status 500 (expected 200 to 399)");
	ck_assert_int_eq(judge("HTTP/1.0 401 No\r\n\r\n", 100), 0);
	ck_assert_str_eq(why, "status 401 (expected 200 to 399)");
}
END_TEST

START_TEST(test_status_list)
{
	static const unsigned	only401[] = { 401 };
	static const unsigned	two[] = { 200, 401 };
	size_t			i;

	conf("", 1, only401);
	for (i = 0; i < NSTEPS; i++) {
		ck_assert_int_eq(judge("HTTP/1.1 401 Unauthorized\r\n"
		    "WWW-Authenticate: NTLM\r\nContent-Length: 0\r\n\r\n",
		    steps[i]), 1);
		ck_assert_int_eq(judge("HTTP/1.1 200 OK\r\nContent-Length: 2"
		    "\r\n\r\nok", steps[i]), 0);
		ck_assert_str_eq(why, "status 200 (expected 401)");
	}
	conf("", 2, two);
	ck_assert(verdict_status_ok(&hc, 200));
	ck_assert(verdict_status_ok(&hc, 401));
	ck_assert(!verdict_status_ok(&hc, 302));
	ck_assert_int_eq(judge("HTTP/1.1 403 Forbidden\r\n\r\n", 100), 0);
	ck_assert_str_eq(why, "status 403 (expected 200, 401)");
}
END_TEST

/* Enough after the head when no body text is asked for, or the status
 * is already wrong: a check need not read a large body. */
START_TEST(test_decided_after_head)
{
	static const char	resp[] = "HTTP/1.1 200 OK\r\n"
				    "Content-Length: 1000000\r\n\r\nabc";
	int			done;

	conf("", 0, NULL);
	ck_assert_int_eq(judge_len(resp, sizeof(resp) - 1, 1, &done), 1);
	ck_assert(done);
	conf("abc", 1, (const unsigned[]){ 204 });
	ck_assert_int_eq(judge_len(resp, sizeof(resp) - 1, 1, &done), 0);
	ck_assert(done);
	ck_assert_str_eq(why, "status 200 (expected 204)");
}
END_TEST

START_TEST(test_body_content_length)
{
	static const char	ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 12"
				    "\r\n\r\n<p>200 OK</p>trailing junk";
	static const char	no[] = "HTTP/1.1 200 OK\r\nContent-Length: 7"
				    "\r\n\r\n<p>200 OK</p>";
	size_t			i;
	int			done;

	conf("200 OK", 0, NULL);
	for (i = 0; i < NSTEPS; i++) {
		ck_assert_int_eq(judge(ok, steps[i]), 1);
		/* the text lies past Content-Length: not in the body */
		ck_assert_int_eq(judge_len(no, sizeof(no) - 1, steps[i],
		    &done), 0);
		ck_assert(done);
		ck_assert_str_eq(why, "body does not contain \"200 OK\"");
	}
}
END_TEST

START_TEST(test_body_until_close)
{
	static const char	ok[] = "HTTP/1.0 200 OK\r\n\r\nsome text, "
				    "then 200 OK and more";
	static const char	no[] = "HTTP/1.0 200 OK\r\n\r\nsome text";
	size_t			i;
	int			done;

	conf("200 OK", 0, NULL);
	for (i = 0; i < NSTEPS; i++) {
		ck_assert_int_eq(judge(ok, steps[i]), 1);
		/* not done until the server closes; then the result */
		ck_assert_int_eq(judge_len(no, sizeof(no) - 1, steps[i],
		    &done), 0);
		ck_assert(!done);
		ck_assert_str_eq(why, "body does not contain \"200 OK\"");
	}
}
END_TEST

/* The text spans chunks, and so reads; the framing is not part of it. */
START_TEST(test_body_chunked)
{
	static const char	ok[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
				    "chunked\r\n\r\n5\r\nall i\r\n3;x=y\r\ns w"
				    "\r\n4\r\nell!\r\n0\r\nX-T: 1\r\n\r\n";
	static const char	framed[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding:"
				    " chunked\r\n\r\n4\r\nall \r\n7\r\nis well"
				    "\r\n0\r\n\r\n";
	static const char	split[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding:"
				    " chunked\r\n\r\n6\r\nall is\r\n5\r\n well"
				    "\r\n0\r\n\r\n";
	static const char	no[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
				    "chunked\r\n\r\n3\r\nall\r\n8\r\n is good"
				    "\r\n0\r\n\r\n";
	size_t			i;
	int			done;

	conf("all is well", 0, NULL);
	for (i = 0; i < NSTEPS; i++) {
		ck_assert_int_eq(judge(ok, steps[i]), 1);
		ck_assert_int_eq(judge(framed, steps[i]), 1);
		ck_assert_int_eq(judge(split, steps[i]), 1);
		ck_assert_int_eq(judge_len(no, sizeof(no) - 1, steps[i],
		    &done), 0);
		ck_assert(done);	/* the last chunk ends it */
		ck_assert_str_eq(why, "body does not contain \"all is well\"");
	}
	/* the chunk-size line is not body: "3\r\nall" must not match */
	conf("3\r\nall", 0, NULL);
	ck_assert_int_eq(judge(no, 5), 0);
}
END_TEST

START_TEST(test_body_bad_chunked)
{
	conf("all is well", 0, NULL);
	ck_assert_int_eq(judge("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
	    "\r\n\r\nzz\r\nall is well\r\n0\r\n\r\n", 3), 0);
	ck_assert_str_eq(why, "bad chunked body: invalid chunk size");
}
END_TEST

/* A body text past the first VERDICT_READ_MAX bytes is not seen; one
 * before them is, and the rest of a large response is not read. */
START_TEST(test_oversized_response)
{
	const char	*head = "HTTP/1.1 200 OK\r\nContent-Length: 200000"
			    "\r\n\r\n";
	size_t		 hl = strlen(head), len = hl + 200000;
	char		*r = malloc(len);
	int		 done;

	memcpy(r, head, hl);
	memset(r + hl, 'x', len - hl);
	memcpy(r + hl + 100000, "200 OK", 6);
	conf("200 OK", 0, NULL);
	ck_assert_int_eq(judge_len(r, len, 4096, &done), 0);
	ck_assert(done);
	ck_assert_uint_eq(v.v_read, VERDICT_READ_MAX);
	ck_assert_str_eq(why, "body does not contain \"200 OK\" in its first "
	    "65536 bytes");
	/* near the limit, split across two reads */
	memcpy(r + VERDICT_READ_MAX - 10, "200 OK", 6);
	ck_assert_int_eq(judge_len(r, len, VERDICT_READ_MAX - 7, &done), 1);
	ck_assert(done);
	ck_assert_uint_lt(v.v_read, len);
	free(r);
}
END_TEST

START_TEST(test_oversized_head)
{
	static const struct http_limits	small = { 16384, 8192, 131072, 200 };
	size_t				len = 70000, i;
	char				*r = malloc(len);

	snprintf(r, len, "HTTP/1.1 200 OK\r\nX-Big: ");
	for (i = strlen(r); i < len; i++)
		r[i] = 'a';
	conf("", 0, NULL);
	/* over the configured limits: malformed, as a worker sees it */
	verdict_init(&v, &hc, &small);
	ck_assert_int_eq(verdict_feed(&v, r, len), 1);
	ck_assert_int_eq(verdict_result(&v, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "bad response: header line too long");
	/* within them (the defaults), but over what a check reads */
	ck_assert_int_eq(judge_len(r, len, 8192, NULL), 0);
	ck_assert_str_eq(why, "response head larger than 65536 bytes");
	free(r);
}
END_TEST

START_TEST(test_closed_and_malformed)
{
	conf("", 0, NULL);
	ck_assert_int_eq(judge("", 1), 0);
	ck_assert_str_eq(why, "closed before a response");
	ck_assert_int_eq(judge("HTTP/1.1 200 OK\r\nContent-", 1), 0);
	ck_assert_str_eq(why, "closed within the response head");
	ck_assert_int_eq(judge("SSH-2.0-OpenSSH_9.6\r\n\r\n", 4), 0);
	ck_assert_uint_eq(strncmp(why, "bad response: ", 14), 0);
	ck_assert_int_eq(judge("HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
	    4), 0);
	ck_assert_str_eq(why, "bad response: bare LF in head");
}
END_TEST

/* 1xx interim responses (103 Early Hints) come before the real one. */
START_TEST(test_interim_response)
{
	size_t	i;

	conf("ok", 0, NULL);
	for (i = 0; i < NSTEPS; i++)
		ck_assert_int_eq(judge("HTTP/1.1 103 Early Hints\r\nLink: </s>"
		    "\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		    steps[i]), 1);
	ck_assert_int_eq(v.v_status, 200);
}
END_TEST

Suite *
suite_verdict(void)
{
	Suite	*s = suite_create("verdict");
	TCase	*tc = tcase_create("verdict");

	tcase_add_test(tc, test_status_default_range);
	tcase_add_test(tc, test_status_list);
	tcase_add_test(tc, test_decided_after_head);
	tcase_add_test(tc, test_body_content_length);
	tcase_add_test(tc, test_body_until_close);
	tcase_add_test(tc, test_body_chunked);
	tcase_add_test(tc, test_body_bad_chunked);
	tcase_add_test(tc, test_oversized_response);
	tcase_add_test(tc, test_oversized_head);
	tcase_add_test(tc, test_closed_and_malformed);
	tcase_add_test(tc, test_interim_response);
	suite_add_tcase(s, tc);
	return s;
}
