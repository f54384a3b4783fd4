/*
 * libFuzzer harness: the IPC framing's receive path (common/ipc.c), which
 * the master runs on what workers and the health checker send, and every
 * child on what the master sends. The input is written into one end of a
 * real socketpair, with descriptors attached to its first bytes if the
 * fuzzer asks, and ipc_recv reads the other end, non-blocking so that a
 * partial frame cannot hang the run. Payloads are read the way the master
 * reads an IPC_NTLM_CHECK. No received descriptor may leak.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "fuzz_send.h"
#include "ipc.h"

#define INPUT_MAX	65536	/* fits the socket buffer: no blocking */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the master does with an IPC_NTLM_CHECK payload (ntlm_check.c). */
static void
read_payload(struct ipc_msg *msg)
{
	char		s[256];
	unsigned char	b[4096];
	uint32_t	n;

	if (msgbuf_get_str(&msg->im_payload, s, sizeof(s)) == -1 ||
	    msgbuf_get_bytes(&msg->im_payload, b, 8) == -1 ||
	    msgbuf_get_str(&msg->im_payload, s, sizeof(s)) == -1 ||
	    msgbuf_get_str(&msg->im_payload, s, sizeof(s)) == -1 ||
	    msgbuf_get_u32(&msg->im_payload, &n) == -1 || n > sizeof(b) ||
	    msgbuf_get_bytes(&msg->im_payload, b, n) == -1)
		return;
	(void)msgbuf_end(&msg->im_payload);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_msg	msg;
	int		sp[2], probe, fd, rv;
	unsigned	nfds, first, i;
	int		stay;

	/* Byte 0: descriptors with the first bytes (0-3), and whether the
	 * writer closes (EOF) or stays (EAGAIN); byte 1: how many bytes
	 * the first send carries; the rest is the stream. */
	if (size < 2 || size > INPUT_MAX)
		return 0;
	nfds = data[0] & 3;
	stay = data[0] & 4;
	first = data[1];
	data += 2;
	size -= 2;
	FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	FUZZ_ASSERT(fcntl(sp[1], F_SETFL, O_NONBLOCK) == 0);
	FUZZ_ASSERT((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) != -1);
	if (first > size)
		first = (unsigned)size;
	if (first == 0)
		nfds = 0;
	fuzz_send_with_fds(sp[0], data, first, fd, nfds);
	if (size > first)
		FUZZ_ASSERT(send(sp[0], data + first, size - first,
		    MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)(size - first));
	close(fd);
	if (!stay)
		shutdown(sp[0], SHUT_WR);
	/* Every whole message, until the end or a bad frame; each takes
	 * a 12-byte header of the stream, so this loop is bounded. */
	for (i = 0; i <= size / 12; i++) {
		if ((rv = ipc_recv(sp[1], &msg)) != 1)
			break;
		FUZZ_ASSERT(msg.im_type > IPC_NONE &&
		    msg.im_type < IPC_TYPE_MAX);
		(void)ipc_type_name(msg.im_type);
		read_payload(&msg);
		ipc_msg_free(&msg);
	}
	close(sp[0]);
	close(sp[1]);
	/* Whatever arrived and was refused was closed: the lowest free
	 * descriptor is the socketpair's first again. */
	FUZZ_ASSERT((probe = open("/dev/null", O_RDONLY | O_CLOEXEC)) ==
	    sp[0]);
	close(probe);
	return 0;
}
