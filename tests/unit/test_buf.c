/*
 * The worker's growable buffers (worker/buf.c), a read into one
 * (worker/io.c) and the field arrays of parsed heads (worker/conn_mem.c):
 * nothing allocated until used, growth by doubling that keeps the
 * content, refusal past the maximum, and shrinking back.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "worker.h"

/* Byte i of the test pattern: not periodic in any power of two. */
static char
pat(size_t i)
{
	return (char)('a' + (i * 7 + i / 251) % 26);
}

static void
fill(char *p, size_t off, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = pat(off + i);
}

/* b holds pattern bytes from..from+b_len. */
static void
assert_pattern(const struct buf *b, size_t from)
{
	size_t	i;

	for (i = 0; i < b->b_len; i++)
		if (b->b_data[b->b_off + i] != pat(from + i))
			ck_abort_msg("byte %zu of %zu differs", i, b->b_len);
}

/* Appends n pattern bytes (continuing at *next) in one piece. */
static int
append_pattern(struct buf *b, size_t *next, size_t n)
{
	char	*p = malloc(n);
	int	 rv;

	ck_assert_ptr_nonnull(p);
	fill(p, *next, n);
	rv = buf_append(b, p, n);
	if (rv == 0)
		*next += n;
	free(p);
	return rv;
}

START_TEST(buf_starts_empty)
{
	struct buf	b;

	buf_init(&b, 200000);
	ck_assert_ptr_null(b.b_data);
	ck_assert_uint_eq(b.b_cap, 0);
	ck_assert_uint_eq(buf_space(&b), 200000);
	ck_assert_int_eq(buf_append(&b, "", 0), 0);
	ck_assert_ptr_null(b.b_data);
	buf_release(&b);
}
END_TEST

START_TEST(buf_grows_by_doubling_and_keeps_content)
{
	struct buf	b;
	size_t		next = 0;

	buf_init(&b, 196608);
	ck_assert_int_eq(append_pattern(&b, &next, 10), 0);
	ck_assert_uint_eq(b.b_cap, BUF_MIN);
	ck_assert_int_eq(append_pattern(&b, &next, BUF_MIN), 0);
	ck_assert_uint_eq(b.b_cap, 2 * BUF_MIN);
	assert_pattern(&b, 0);
	/* One large piece jumps straight to the size that holds it. */
	ck_assert_int_eq(append_pattern(&b, &next, 50000), 0);
	ck_assert_uint_eq(b.b_cap, 16 * BUF_MIN);
	assert_pattern(&b, 0);
	ck_assert_uint_eq(b.b_len, 10 + BUF_MIN + 50000);
	buf_release(&b);
	ck_assert_ptr_null(b.b_data);
	ck_assert_uint_eq(b.b_max, 196608);
}
END_TEST

START_TEST(buf_refuses_past_max)
{
	struct buf	 b;
	size_t		 next = 0, len;
	const char	*data;

	/* Not a power of two: the last step is clamped to it. */
	buf_init(&b, 100000);
	while (next + 7000 <= 100000)
		ck_assert_int_eq(append_pattern(&b, &next, 7000), 0);
	ck_assert_int_eq(append_pattern(&b, &next, 100000 - next), 0);
	ck_assert_uint_eq(b.b_cap, 100000);
	ck_assert_uint_eq(b.b_len, 100000);
	ck_assert_uint_eq(buf_space(&b), 0);
	data = b.b_data;
	len = b.b_len;
	ck_assert_int_eq(buf_append(&b, "x", 1), -1);
	ck_assert_int_eq(buf_reserve(&b, 1), -1);
	ck_assert_int_eq(buf_grow(&b), -1);
	ck_assert_int_eq(buf_printf(&b, "%d", 1), -1);
	ck_assert_ptr_eq(b.b_data, data);
	ck_assert_uint_eq(b.b_len, len);
	assert_pattern(&b, 0);
	/* Room made by consuming can be used again, up to max. */
	buf_consume(&b, 30000);
	ck_assert_int_eq(buf_reserve(&b, 30001), -1);
	ck_assert_int_eq(append_pattern(&b, &next, 30000), 0);
	assert_pattern(&b, 30000);
	ck_assert_uint_eq(b.b_cap, 100000);
	buf_release(&b);
}
END_TEST

START_TEST(buf_small_max)
{
	struct buf	b;
	size_t		next = 0;

	buf_init(&b, 100);
	ck_assert_int_eq(append_pattern(&b, &next, 60), 0);
	ck_assert_uint_eq(b.b_cap, 100);
	ck_assert_int_eq(append_pattern(&b, &next, 41), -1);
	ck_assert_int_eq(append_pattern(&b, &next, 40), 0);
	assert_pattern(&b, 0);
	buf_shrink(&b);		/* small: kept */
	ck_assert_uint_eq(b.b_cap, 100);
	buf_release(&b);
}
END_TEST

START_TEST(buf_reserve_compacts_before_growing)
{
	struct buf	 b;
	size_t		 next = 0;
	const char	*data;

	buf_init(&b, 65536);
	ck_assert_int_eq(append_pattern(&b, &next, 4000), 0);
	buf_consume(&b, 3000);
	data = b.b_data;
	/* 1000 bytes at offset 3000: 3000 more fit once moved to the front. */
	ck_assert_int_eq(buf_reserve(&b, 3000), 0);
	ck_assert_ptr_eq(b.b_data, data);
	ck_assert_uint_eq(b.b_off, 0);
	ck_assert_uint_eq(b.b_cap, BUF_MIN);
	assert_pattern(&b, 3000);
	ck_assert_int_eq(buf_reserve(&b, BUF_MIN), 0);
	ck_assert_uint_eq(b.b_cap, 2 * BUF_MIN);
	assert_pattern(&b, 3000);
	buf_release(&b);
}
END_TEST

START_TEST(buf_shrinks_back)
{
	struct buf	b;
	size_t		next = 0;

	buf_init(&b, 196608);
	ck_assert_int_eq(append_pattern(&b, &next, 100000), 0);
	ck_assert_uint_eq(b.b_cap, 32 * BUF_MIN);
	/* Content larger than BUF_MIN: kept where it is. */
	buf_consume(&b, 90000);
	buf_shrink(&b);
	ck_assert_uint_eq(b.b_cap, 32 * BUF_MIN);
	/* Content that fits: moves to a BUF_MIN allocation, intact. */
	buf_consume(&b, 9000);
	buf_shrink(&b);
	ck_assert_uint_eq(b.b_cap, BUF_MIN);
	ck_assert_uint_eq(b.b_off, 0);
	ck_assert_uint_eq(b.b_len, 1000);
	assert_pattern(&b, 99000);
	/* An empty small one keeps nothing either (issue 14: a quiet
	 * connection holds no buffer); it grows again when used. */
	buf_reset(&b);
	buf_shrink(&b);
	ck_assert_uint_eq(b.b_cap, 0);
	ck_assert_ptr_null(b.b_data);
	/* An empty large one keeps nothing; it grows again when used. */
	ck_assert_int_eq(append_pattern(&b, &next, 20000), 0);
	buf_reset(&b);
	buf_shrink(&b);
	ck_assert_ptr_null(b.b_data);
	ck_assert_uint_eq(b.b_cap, 0);
	ck_assert_uint_eq(buf_space(&b), 196608);
	ck_assert_int_eq(append_pattern(&b, &next, 5), 0);
	ck_assert_uint_eq(b.b_cap, BUF_MIN);
	assert_pattern(&b, next - 5);
	buf_release(&b);
}
END_TEST

START_TEST(buf_printf_grows)
{
	struct buf	 b;
	char		*big = malloc(10001);

	ck_assert_ptr_nonnull(big);
	memset(big, 'q', 10000);
	big[10000] = '\0';
	buf_init(&b, 20000);
	ck_assert_int_eq(buf_printf(&b, "%s:%d;", "head", 42), 0);
	ck_assert_uint_eq(b.b_cap, BUF_MIN);
	ck_assert_int_eq(buf_printf(&b, "<%s>", big), 0);
	ck_assert_uint_eq(b.b_len, 8 + 10002);
	ck_assert_int_eq(memcmp(b.b_data, "head:42;<qqq", 12), 0);
	ck_assert_int_eq(b.b_data[b.b_len - 1], '>');
	/* Does not fit (with vsnprintf's NUL): refused, nothing added. */
	ck_assert_int_eq(buf_printf(&b, "%s", big), -1);
	ck_assert_uint_eq(b.b_len, 8 + 10002);
	buf_release(&b);
	free(big);
}
END_TEST

START_TEST(buf_prepare_bounded)
{
	struct buf	b;

	buf_init(&b, 10000);
	ck_assert_uint_eq(buf_prepare(&b, 0), 0);
	ck_assert_ptr_null(b.b_data);
	ck_assert_uint_eq(buf_prepare(&b, 6000), 6000);
	ck_assert_uint_ge(b.b_cap, 6000);
	ck_assert_uint_eq(b.b_cap, 2 * BUF_MIN);
	b.b_len = 8000;		/* as if appended */
	ck_assert_uint_eq(buf_prepare(&b, 6000), 2000);
	ck_assert_uint_eq(b.b_cap, 10000);
	buf_release(&b);
}
END_TEST

/* A non-blocking socketpair: [0] for io, [1] the peer. */
static void
pair(int sv[2])
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_ne(fcntl(sv[0], F_SETFL, O_NONBLOCK), -1);
}

START_TEST(io_read_grows_while_the_peer_has_more)
{
	struct io	 io;
	int		 sv[2];
	size_t		 total = 150000, sent = 0, got = 0;
	char		*src = malloc(total);
	ssize_t		 n;

	ck_assert_ptr_nonnull(src);
	fill(src, 0, total);
	pair(sv);
	memset(&io, 0, sizeof(io));
	buf_init(&io.io_in, 100000);
	io_init(&io, sv[0]);
	ck_assert_ptr_null(io.io_in.b_data);
	/* Nothing to read: nothing allocated beyond the first step. */
	ck_assert_int_eq(io_read(&io), -2);
	ck_assert_uint_le(io.io_in.b_cap, BUF_MIN);
	while (got < 100000) {
		if (sent < total && (n = write(sv[1], src + sent,
		    total - sent)) > 0)
			sent += (size_t)n;
		n = io_read(&io);
		ck_assert_msg(n > 0 || n == -2, "io_read %zd", n);
		if (n > 0)
			got += (size_t)n;
	}
	/* Full at its max: no more reads, and the bytes are in order. */
	ck_assert_uint_eq(io.io_in.b_cap, 100000);
	ck_assert_uint_eq(io.io_in.b_len, 100000);
	ck_assert_int_eq(io_read(&io), -2);
	assert_pattern(&io.io_in, 0);
	/* Drained and shrunk, it reads the rest into small pieces again. */
	if (sent < total)	/* the peer's socket has room for it now */
		ck_assert_int_eq(write(sv[1], src + sent, total - sent),
		    (ssize_t)(total - sent));
	buf_reset(&io.io_in);
	buf_shrink(&io.io_in);
	io.io_rfull = 0;
	ck_assert_int_eq(io_read(&io), BUF_MIN);
	assert_pattern(&io.io_in, 100000);
	ck_assert_uint_eq(io.io_in.b_cap, BUF_MIN);
	buf_release(&io.io_in);
	close(sv[0]);
	close(sv[1]);
	free(src);
}
END_TEST

START_TEST(io_read_small_message_stays_small)
{
	struct io	io;
	int		sv[2];

	pair(sv);
	memset(&io, 0, sizeof(io));
	buf_init(&io.io_in, 100000);
	io_init(&io, sv[0]);
	ck_assert_int_eq(write(sv[1], "GET / HTTP/1.1\r\n\r\n", 18), 18);
	ck_assert_int_eq(io_read(&io), 18);
	ck_assert_int_eq(io_read(&io), -2);
	ck_assert_uint_eq(io.io_in.b_cap, BUF_MIN);
	close(sv[1]);
	ck_assert_int_eq(io_read(&io), 0);
	ck_assert_int_eq(io.io_eof, 1);
	ck_assert_uint_eq(io.io_in.b_cap, BUF_MIN);
	buf_release(&io.io_in);
	close(sv[0]);
}
END_TEST

/* A request head with nfields X-N fields, in w's client buffer. */
static void
request_with_fields(struct worker_env *w, unsigned nfields)
{
	unsigned	i;

	buf_reset(&w->w_client.io_in);
	ck_assert_int_eq(buf_printf(&w->w_client.io_in,
	    "GET / HTTP/1.1\r\nHost: a\r\n"), 0);
	for (i = 1; i < nfields; i++)
		ck_assert_int_eq(buf_printf(&w->w_client.io_in,
		    "X-%u: v%u\r\n", i, i), 0);
	ck_assert_int_eq(buf_printf(&w->w_client.io_in, "\r\n"), 0);
}

START_TEST(field_arrays_grow_to_max_headers)
{
	static struct worker_env	w;
	static struct rpxd_conf		c;
	struct http_message		req;
	long				rv;

	memset(&w, 0, sizeof(w));
	c.rc_max_head = 131072;
	w.w_conf = &c;
	w.w_limits = (struct http_limits){ 16384, 81920, 131072, 100 };
	conn_mem_init(&w);
	ck_assert_ptr_null(w.w_req_headers.hv_v);
	request_with_fields(&w, 3);
	ck_assert_int_gt(conn_parse_request(&w, &req), 0);
	ck_assert_uint_eq(req.hm_nheaders, 3);
	ck_assert_uint_eq(w.w_req_headers.hv_cap, HDRS_MIN);
	/* 100 fields: 32, 64, then max-headers itself. */
	request_with_fields(&w, 100);
	ck_assert_int_gt(conn_parse_request(&w, &req), 0);
	ck_assert_uint_eq(req.hm_nheaders, 100);
	ck_assert_uint_eq(w.w_req_headers.hv_cap, 100);
	ck_assert_ptr_eq(req.hm_headers, w.w_req_headers.hv_v);
	ck_assert_int_eq(strncmp(req.hm_headers[99].hh_value, "v99", 3), 0);
	request_with_fields(&w, 101);
	memset(&req, 0, sizeof(req));
	rv = conn_parse_request(&w, &req);
	ck_assert_int_eq(rv, -431);
	ck_assert_str_eq(req.hm_error, "too many header fields");
	ck_assert_uint_eq(w.w_req_headers.hv_cap, 100);
	/* Quiet: nothing kept, neither the array nor the empty buffer. */
	buf_reset(&w.w_client.io_in);
	conn_mem_trim(&w, 0);
	ck_assert_uint_eq(w.w_req_headers.hv_cap, 0);
	ck_assert_ptr_null(w.w_req_headers.hv_v);
	ck_assert_uint_eq(w.w_client.io_in.b_cap, 0);
	ck_assert_ptr_null(w.w_client.io_in.b_data);
	/* ... and parsing after it starts at the first size again. */
	request_with_fields(&w, 3);
	memset(&req, 0, sizeof(req));
	ck_assert_int_gt(conn_parse_request(&w, &req), 0);
	ck_assert_uint_eq(req.hm_nheaders, 3);
	ck_assert_uint_eq(w.w_req_headers.hv_cap, HDRS_MIN);
	free(w.w_req_headers.hv_v);
	buf_release(&w.w_client.io_in);
}
END_TEST

Suite *
suite_buf(void)
{
	Suite	*s = suite_create("buf");
	TCase	*tc = tcase_create("buffers");

	tcase_add_test(tc, buf_starts_empty);
	tcase_add_test(tc, buf_grows_by_doubling_and_keeps_content);
	tcase_add_test(tc, buf_refuses_past_max);
	tcase_add_test(tc, buf_small_max);
	tcase_add_test(tc, buf_reserve_compacts_before_growing);
	tcase_add_test(tc, buf_shrinks_back);
	tcase_add_test(tc, buf_printf_grows);
	tcase_add_test(tc, buf_prepare_bounded);
	tcase_add_test(tc, io_read_grows_while_the_peer_has_more);
	tcase_add_test(tc, io_read_small_message_stays_small);
	tcase_add_test(tc, field_arrays_grow_to_max_headers);
	suite_add_tcase(s, tc);
	return s;
}
