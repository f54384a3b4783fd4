/*
 * Unit tests for the IPC framing (ipc.c), the master's non-blocking
 * reader of less trusted peers (ipc_reader.c, ipc_bounds.c) and typed
 * payloads (msgbuf.c): a descriptor really crosses a socketpair, a frame
 * fed in pieces comes out whole, and every malformed frame is refused
 * rather than trusted, as soon as its header shows it.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "ipc_reader.h"
#include "unit.h"

static int	sp[2];

static void
ipc_setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
}

static void
ipc_teardown(void)
{
	close(sp[0]);
	close(sp[1]);
}

START_TEST(test_ipc_fd_passing)
{
	struct msgbuf	mb;
	struct ipc_msg	msg;
	int		p[2];
	uint32_t	v;
	char		s[16], c;

	ck_assert_int_eq(pipe(p), 0);
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, 7);
	msgbuf_put_str(&mb, "hello");
	ck_assert_int_eq(ipc_send(sp[0], IPC_LISTENER, p[1], &mb), 0);
	msgbuf_free(&mb);
	close(p[1]);
	ck_assert_int_eq(ipc_recv(sp[1], &msg), 1);
	ck_assert_uint_eq(msg.im_type, IPC_LISTENER);
	ck_assert_int_ne(msg.im_fd, -1);
	ck_assert_int_eq(msgbuf_get_u32(&msg.im_payload, &v), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(msgbuf_get_str(&msg.im_payload, s, sizeof(s)), 0);
	ck_assert_str_eq(s, "hello");
	ck_assert_int_eq(msgbuf_end(&msg.im_payload), 0);
	/* The received descriptor is the pipe's write end. */
	ck_assert_int_eq(write(msg.im_fd, "x", 1), 1);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'x');
	ipc_msg_free(&msg);
	close(p[0]);
}
END_TEST

START_TEST(test_ipc_large_payload)
{
	struct msgbuf	mb;
	struct ipc_msg	msg;
	unsigned char	*big = malloc(1 << 20), *got = malloc(1 << 20);
	pid_t		 pid;

	memset(big, 0xa5, 1 << 20);
	msgbuf_init(&mb);
	msgbuf_put_bytes(&mb, big, 1 << 20);
	/* Larger than the socket buffer: a child sends while we read. */
	if ((pid = fork()) == 0) {
		_exit(ipc_send(sp[0], IPC_CONFIG, -1, &mb) == 0 ? 0 : 1);
	}
	ck_assert_int_eq(ipc_recv(sp[1], &msg), 1);
	ck_assert_int_eq(msgbuf_get_bytes(&msg.im_payload, got, 1 << 20), 0);
	ck_assert_int_eq(memcmp(big, got, 1 << 20), 0);
	ck_assert_int_eq(msgbuf_end(&msg.im_payload), 0);
	ipc_msg_free(&msg);
	msgbuf_free(&mb);
	free(big);
	free(got);
}
END_TEST

START_TEST(test_ipc_eof)
{
	struct ipc_msg	msg;

	close(sp[0]);
	sp[0] = -1;
	ck_assert_int_eq(ipc_recv(sp[1], &msg), 0);
}
END_TEST

static void
send_raw_header(uint32_t type, uint32_t len, uint32_t nfds)
{
	uint32_t	hdr[3] = { type, len, nfds };

	ck_assert_int_eq(write(sp[0], hdr, sizeof(hdr)), sizeof(hdr));
}

START_TEST(test_ipc_bad_type)
{
	struct ipc_msg	msg;

	send_raw_header(IPC_TYPE_MAX + 3, 0, 0);
	ck_assert_int_eq(ipc_recv(sp[1], &msg), -1);
}
END_TEST

START_TEST(test_ipc_type_none)
{
	struct ipc_msg	msg;

	send_raw_header(IPC_NONE, 0, 0);
	ck_assert_int_eq(ipc_recv(sp[1], &msg), -1);
}
END_TEST

START_TEST(test_ipc_oversized)
{
	struct ipc_msg	msg;

	send_raw_header(IPC_CONFIG, MSGBUF_MAX + 1, 0);
	ck_assert_int_eq(ipc_recv(sp[1], &msg), -1);
}
END_TEST

START_TEST(test_ipc_missing_fd)
{
	struct ipc_msg	msg;

	send_raw_header(IPC_LISTENER, 0, 1);
	ck_assert_int_eq(ipc_recv(sp[1], &msg), -1);
}
END_TEST

START_TEST(test_ipc_unexpected_fd)
{
	struct ipc_msg	msg;
	struct msgbuf	mb;
	int		p[2];

	/* A frame that says "no descriptor" but carries one. */
	ck_assert_int_eq(pipe(p), 0);
	msgbuf_init(&mb);
	ck_assert_int_eq(ipc_send(sp[0], IPC_STOP, p[0], &mb), 0);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(ipc_recv(sp[1], &msg), 1);
	ck_assert_int_ne(msg.im_fd, -1);	/* receiver must check */
	ipc_msg_free(&msg);
	/* And a header lying about it is refused. */
	ck_assert_int_eq(pipe(p), 0);
	{
		uint32_t	 hdr[3] = { IPC_STOP, 0, 0 };
		struct msghdr	 mh;
		struct iovec	 iov = { hdr, sizeof(hdr) };
		union {
			struct cmsghdr	h;
			unsigned char	b[CMSG_SPACE(sizeof(int))];
		}		 cm;
		struct cmsghdr	*c;

		memset(&mh, 0, sizeof(mh));
		memset(&cm, 0, sizeof(cm));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &p[0], sizeof(int));
		ck_assert_int_eq(sendmsg(sp[0], &mh, 0), (ssize_t)sizeof(hdr));
	}
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(ipc_recv(sp[1], &msg), -1);
}
END_TEST

START_TEST(test_ipc_truncated_payload)
{
	struct ipc_msg	msg;

	send_raw_header(IPC_CONFIG, 100, 0);
	ck_assert_int_eq(write(sp[0], "abc", 3), 3);
	close(sp[0]);
	sp[0] = -1;
	ck_assert_int_eq(ipc_recv(sp[1], &msg), -1);
}
END_TEST

START_TEST(test_msgbuf_checks)
{
	struct msgbuf	mb, rd;
	unsigned char	*copy;
	char		 small[4], s[16];
	uint32_t	 v;
	uint64_t	 w;

	msgbuf_init(&mb);
	msgbuf_put_str(&mb, "toolong");
	msgbuf_put_u64(&mb, 42);
	msgbuf_init(&rd);
	copy = malloc(mb.mb_len);
	memcpy(copy, mb.mb_data, mb.mb_len);
	msgbuf_attach(&rd, copy, mb.mb_len);
	/* A string longer than the destination fails and sticks. */
	ck_assert_int_eq(msgbuf_get_str(&rd, small, sizeof(small)), -1);
	ck_assert_int_eq(msgbuf_get_u64(&rd, &w), -1);
	ck_assert_int_eq(msgbuf_end(&rd), -1);
	msgbuf_free(&rd);

	/* Reading past the end fails; leftovers make msgbuf_end fail. */
	copy = malloc(mb.mb_len);
	memcpy(copy, mb.mb_data, mb.mb_len);
	msgbuf_attach(&rd, copy, mb.mb_len);
	ck_assert_int_eq(msgbuf_get_str(&rd, s, sizeof(s)), 0);
	ck_assert_int_eq(msgbuf_end(&rd), -1);
	ck_assert_int_eq(msgbuf_get_u64(&rd, &w), 0);
	ck_assert_uint_eq(w, 42);
	ck_assert_int_eq(msgbuf_end(&rd), 0);
	ck_assert_int_eq(msgbuf_get_u32(&rd, &v), -1);
	msgbuf_free(&rd);
	msgbuf_free(&mb);

	/* An embedded NUL in a string is refused. */
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, 3);
	msgbuf_put_bytes(&mb, "a\0b", 3);
	copy = malloc(mb.mb_len);
	memcpy(copy, mb.mb_data, mb.mb_len);
	msgbuf_attach(&rd, copy, mb.mb_len);
	ck_assert_int_eq(msgbuf_get_str(&rd, s, sizeof(s)), -1);
	msgbuf_free(&rd);
	msgbuf_free(&mb);
}
END_TEST

/* A well-formed IPC_NTLM_CHECK frame, as worker/auth_ntlm.c sends it. */
static size_t
ntlm_check_frame(unsigned char *buf, size_t size)
{
	struct msgbuf		mb;
	struct ipc_header	h;
	size_t			len;

	msgbuf_init(&mb);
	msgbuf_put_str(&mb, "192.0.2.1");
	msgbuf_put_bytes(&mb, "12345678", 8);
	msgbuf_put_str(&mb, "user");
	msgbuf_put_str(&mb, "DOMAIN");
	msgbuf_put_u32(&mb, 3);
	msgbuf_put_bytes(&mb, "abc", 3);
	h = (struct ipc_header){ IPC_NTLM_CHECK, (uint32_t)mb.mb_len, 0 };
	ck_assert_uint_le(sizeof(h) + mb.mb_len, size);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), mb.mb_data, mb.mb_len);
	len = sizeof(h) + mb.mb_len;
	msgbuf_free(&mb);
	return len;
}

static enum ipc_read
reader_read(struct ipc_reader *r, struct ipc_msg *msg, int64_t now)
{
	return ipc_reader_read(r, sp[1], msg, now);
}

START_TEST(test_reader_split_feeds)
{
	static const size_t	 cuts[] = { 1, 5, 6, 3, 2, 7 };
	struct ipc_reader	 r;
	struct ipc_msg		 msg;
	unsigned char		 frame[256];
	size_t			 len, off = 0, i, n;
	char			 s[16];

	len = ntlm_check_frame(frame, sizeof(frame));
	ipc_reader_init(&r, &ipc_bounds_worker);
	ck_assert_int_eq(reader_read(&r, &msg, 1000), IPC_READ_AGAIN);
	ck_assert_int_eq(ipc_reader_deadline(&r), 0);
	/* In pieces that cut the header and the payload anywhere. */
	for (i = 0; off < len; i++) {
		n = i < sizeof(cuts) / sizeof(cuts[0]) ? cuts[i] : len - off;
		if (n > len - off)
			n = len - off;
		ck_assert_int_eq(write(sp[0], frame + off, n), (ssize_t)n);
		off += n;
		if (off < len) {
			ck_assert_int_eq(reader_read(&r, &msg,
			    1000 + (int64_t)i), IPC_READ_AGAIN);
			/* The deadline runs from the first byte. */
			ck_assert_int_eq(ipc_reader_deadline(&r),
			    1000 + IPC_PARTIAL_TIMEOUT_MS);
		}
	}
	ck_assert_int_eq(reader_read(&r, &msg, 1100), IPC_READ_MSG);
	ck_assert_uint_eq(msg.im_type, IPC_NTLM_CHECK);
	ck_assert_int_eq(msg.im_fd, -1);
	ck_assert_int_eq(msgbuf_get_str(&msg.im_payload, s, sizeof(s)), 0);
	ck_assert_str_eq(s, "192.0.2.1");
	ipc_msg_free(&msg);
	ck_assert_int_eq(ipc_reader_deadline(&r), 0);
	ck_assert_ptr_null(r.ir_data);

	/* Two frames in one write come out one by one, then nothing. */
	memcpy(frame + len, frame, len);
	ck_assert_int_eq(write(sp[0], frame, 2 * len), (ssize_t)(2 * len));
	ck_assert_int_eq(reader_read(&r, &msg, 2000), IPC_READ_MSG);
	ipc_msg_free(&msg);
	ck_assert_int_eq(reader_read(&r, &msg, 2000), IPC_READ_MSG);
	ipc_msg_free(&msg);
	ck_assert_int_eq(reader_read(&r, &msg, 2000), IPC_READ_AGAIN);
	/* The peer closes between frames: its end, not an error. */
	close(sp[0]);
	sp[0] = -1;
	ck_assert_int_eq(reader_read(&r, &msg, 2000), IPC_READ_EOF);
}
END_TEST

START_TEST(test_reader_oversize_header)
{
	struct ipc_reader	r;
	struct ipc_msg		msg;
	char			what[200];

	ipc_reader_init(&r, &ipc_bounds_worker);
	/* Refused on the header alone: no payload byte is awaited. */
	send_raw_header(IPC_NTLM_CHECK, 16u * 1024 * 1024, 0);
	ck_assert_int_eq(reader_read(&r, &msg, 1), IPC_READ_ERROR);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_ptr_null(r.ir_data);
	ipc_reader_describe(&r, what, sizeof(what));
	ck_assert_ptr_nonnull(strstr(what, "longer than its type allows"));
	ck_assert_ptr_nonnull(strstr(what, "16777216"));
	ipc_reader_reset(&r);
	/* One byte over the type's bound is as bad. */
	send_raw_header(IPC_NTLM_CHECK,
	    ipc_bounds_worker.ib_types[IPC_NTLM_CHECK].ib_max + 1, 0);
	ck_assert_int_eq(reader_read(&r, &msg, 1), IPC_READ_ERROR);
	ipc_reader_reset(&r);
}
END_TEST

START_TEST(test_reader_bad_type)
{
	struct ipc_reader	r;
	struct ipc_msg		msg;
	char			what[200];

	/* A type only the master sends, a type nobody sends, none. */
	ipc_reader_init(&r, &ipc_bounds_worker);
	send_raw_header(IPC_CONFIG, 1000, 0);
	ck_assert_int_eq(reader_read(&r, &msg, 1), IPC_READ_ERROR);
	ipc_reader_describe(&r, what, sizeof(what));
	ck_assert_ptr_nonnull(strstr(what, "may not send"));
	ipc_reader_reset(&r);
	send_raw_header(IPC_TYPE_MAX + 7, 0, 0);
	ck_assert_int_eq(reader_read(&r, &msg, 1), IPC_READ_ERROR);
	ipc_reader_reset(&r);
	send_raw_header(IPC_NONE, 0, 0);
	ck_assert_int_eq(reader_read(&r, &msg, 1), IPC_READ_ERROR);
	ipc_reader_reset(&r);
	/* The health checker may send nothing at all. */
	ipc_reader_init(&r, &ipc_bounds_health);
	send_raw_header(IPC_NTLM_CHECK, 10, 0);
	ck_assert_int_eq(reader_read(&r, &msg, 1), IPC_READ_ERROR);
	ipc_reader_reset(&r);
	/* A worker's check claiming a descriptor it does not carry. */
	ipc_reader_init(&r, &ipc_bounds_worker);
	send_raw_header(IPC_NTLM_CHECK, 0, 1);
	ck_assert_int_eq(reader_read(&r, &msg, 1), IPC_READ_ERROR);
	ipc_reader_reset(&r);
}
END_TEST

START_TEST(test_reader_partial_then_eof)
{
	struct ipc_reader	r;
	struct ipc_msg		msg;
	char			what[200];

	ipc_reader_init(&r, &ipc_bounds_worker);
	send_raw_header(IPC_NTLM_CHECK, 100, 0);
	ck_assert_int_eq(write(sp[0], "abc", 3), 3);
	ck_assert_int_eq(reader_read(&r, &msg, 5000), IPC_READ_AGAIN);
	ck_assert_ptr_nonnull(r.ir_data);	/* only while in progress */
	/* The deadline: not a millisecond early. */
	ck_assert(!ipc_reader_expired(&r, 5000 + IPC_PARTIAL_TIMEOUT_MS - 1));
	ck_assert(ipc_reader_expired(&r, 5000 + IPC_PARTIAL_TIMEOUT_MS));
	ipc_reader_describe(&r, what, sizeof(what));
	ck_assert_ptr_nonnull(strstr(what, "100 payload bytes announced, "
	    "3 received"));
	close(sp[0]);
	sp[0] = -1;
	ck_assert_int_eq(reader_read(&r, &msg, 5001), IPC_READ_ERROR);
	ck_assert_int_eq(errno, EPIPE);
	ck_assert_ptr_null(r.ir_data);
	ipc_reader_reset(&r);
	ck_assert(!ipc_reader_expired(&r, 99999));
}
END_TEST

START_TEST(test_reader_partial_header)
{
	struct ipc_reader	r;
	struct ipc_msg		msg;

	ipc_reader_init(&r, &ipc_bounds_health);
	ck_assert_int_eq(write(sp[0], "\011\0\0", 3), 3);
	ck_assert_int_eq(reader_read(&r, &msg, 7), IPC_READ_AGAIN);
	ck_assert(ipc_reader_expired(&r, 7 + IPC_PARTIAL_TIMEOUT_MS));
	close(sp[0]);
	sp[0] = -1;
	ck_assert_int_eq(reader_read(&r, &msg, 8), IPC_READ_ERROR);
	ipc_reader_reset(&r);
}
END_TEST

/* sendmsg of len bytes at p with descriptor fd. */
static void
send_with_fd(const void *p, size_t len, int fd)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	union {
		struct cmsghdr	h;
		unsigned char	b[CMSG_SPACE(sizeof(int))];
	}		 cm;
	struct cmsghdr	*c;

	memset(&mh, 0, sizeof(mh));
	memset(&cm, 0, sizeof(cm));
	memcpy(&iov.iov_base, &p, sizeof(p));
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.b;
	mh.msg_controllen = sizeof(cm.b);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	ck_assert_int_eq(sendmsg(sp[0], &mh, 0), (ssize_t)len);
}

static const struct ipc_bounds bounds_with_fd = {
	.ib_types = {
		[IPC_LISTENER] = { .ib_allowed = 1, .ib_nfds = 1,
		    .ib_max = 4 },
	}
};

START_TEST(test_reader_descriptors)
{
	struct ipc_reader	r;
	struct ipc_msg		msg;
	uint32_t		hdr[4] = { IPC_NTLM_CHECK, 4, 1, 7 };
	int			p[2], fd;

	ck_assert_int_eq(pipe(p), 0);
	/* A worker's check with a descriptor: refused, and closed. */
	ipc_reader_init(&r, &ipc_bounds_worker);
	send_with_fd(hdr, 12, p[0]);
	ck_assert_int_eq(reader_read(&r, &msg, 1), IPC_READ_ERROR);
	ck_assert_int_eq(r.ir_fd, -1);
	ipc_reader_reset(&r);
	close(sp[0]);
	close(sp[1]);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);

	/* Where a type carries one, it comes out with its message, also
	 * when the header arrives in two pieces. */
	ipc_reader_init(&r, &bounds_with_fd);
	hdr[0] = IPC_LISTENER;
	send_with_fd(hdr, 5, p[0]);
	ck_assert_int_eq(reader_read(&r, &msg, 1), IPC_READ_AGAIN);
	ck_assert_int_eq(write(sp[0], (char *)hdr + 5, 11), 11);
	ck_assert_int_eq(reader_read(&r, &msg, 1), IPC_READ_MSG);
	ck_assert_int_ne(msg.im_fd, -1);
	ck_assert_int_ne(fcntl(msg.im_fd, F_GETFD) & FD_CLOEXEC, 0);
	fd = msg.im_fd;
	ipc_msg_free(&msg);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);	/* freed with it */

	/* A descriptor after a frame's first bytes is refused. */
	ck_assert_int_eq(write(sp[0], hdr, 6), 6);
	ck_assert_int_eq(reader_read(&r, &msg, 1), IPC_READ_AGAIN);
	send_with_fd((char *)hdr + 6, 10, p[0]);
	ck_assert_int_eq(reader_read(&r, &msg, 1), IPC_READ_ERROR);
	ipc_reader_reset(&r);
	close(p[0]);
	close(p[1]);
}
END_TEST

Suite *
suite_ipc(void)
{
	Suite	*s = suite_create("ipc");
	TCase	*tc = tcase_create("framing");

	tcase_add_checked_fixture(tc, ipc_setup, ipc_teardown);
	tcase_add_test(tc, test_ipc_fd_passing);
	tcase_add_test(tc, test_ipc_large_payload);
	tcase_add_test(tc, test_ipc_eof);
	tcase_add_test(tc, test_ipc_bad_type);
	tcase_add_test(tc, test_ipc_type_none);
	tcase_add_test(tc, test_ipc_oversized);
	tcase_add_test(tc, test_ipc_missing_fd);
	tcase_add_test(tc, test_ipc_unexpected_fd);
	tcase_add_test(tc, test_ipc_truncated_payload);
	tcase_add_test(tc, test_msgbuf_checks);
	suite_add_tcase(s, tc);
	tc = tcase_create("reader");
	tcase_add_checked_fixture(tc, ipc_setup, ipc_teardown);
	tcase_add_test(tc, test_reader_split_feeds);
	tcase_add_test(tc, test_reader_oversize_header);
	tcase_add_test(tc, test_reader_bad_type);
	tcase_add_test(tc, test_reader_partial_then_eof);
	tcase_add_test(tc, test_reader_partial_header);
	tcase_add_test(tc, test_reader_descriptors);
	suite_add_tcase(s, tc);
	return s;
}
