/*
 * Unit tests for the IPC framing (ipc.c) and typed payloads (msgbuf.c):
 * a descriptor really crosses a socketpair, and every malformed frame is
 * refused rather than trusted.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
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
	return s;
}
