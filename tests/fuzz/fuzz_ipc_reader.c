/*
 * libFuzzer harness: the master's reader of workers and of the health
 * checker (common/ipc_reader.c with the bounds of ipc_bounds.c). The
 * input is written into one end of a real socketpair, in two sends with
 * descriptors on the first if the fuzzer asks, and the reader takes the
 * other end as the master does, one call per readable event. Properties:
 * a message is of a type its peer may send, within its bound, with a
 * descriptor exactly when its type carries one; the reader never blocks
 * and ends in a message, AGAIN, EOF or ERROR; no descriptor leaks.
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
#include "ipc_reader.h"

#define INPUT_MAX	65536	/* fits the socket buffer: no blocking */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_reader	 r;
	struct ipc_msg		 msg;
	const struct ipc_bounds	*b;
	enum ipc_read		 rv = IPC_READ_AGAIN;
	int			 sp[2], probe, fd, stay;
	unsigned		 nfds, first, i;

	/* Byte 0: descriptors with the first send (0-3), whether the writer
	 * stays (no EOF), and whose bounds (worker or checker); byte 1: the
	 * bytes of the first send; the rest is the stream. */
	if (size < 2 || size > INPUT_MAX)
		return 0;
	nfds = data[0] & 3;
	stay = data[0] & 4;
	b = data[0] & 8 ? &ipc_bounds_health : &ipc_bounds_worker;
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
	ipc_reader_init(&r, b);
	/* Each call reads at least a byte or ends: bounded by the input. */
	for (i = 0; i <= size + 2; i++) {
		rv = ipc_reader_read(&r, sp[1], &msg, 1000);
		if (rv != IPC_READ_MSG)
			break;
		FUZZ_ASSERT(msg.im_type > IPC_NONE &&
		    msg.im_type < IPC_TYPE_MAX);
		FUZZ_ASSERT(b->ib_types[msg.im_type].ib_allowed);
		FUZZ_ASSERT(msg.im_payload.mb_len <=
		    b->ib_types[msg.im_type].ib_max);
		FUZZ_ASSERT((msg.im_fd != -1) ==
		    (b->ib_types[msg.im_type].ib_nfds == 1));
		ipc_msg_free(&msg);
	}
	FUZZ_ASSERT(rv != IPC_READ_MSG);
	if (rv == IPC_READ_AGAIN && ipc_reader_deadline(&r) != 0)
		FUZZ_ASSERT(ipc_reader_expired(&r, 1000 +
		    IPC_PARTIAL_TIMEOUT_MS));
	ipc_reader_reset(&r);
	close(sp[0]);
	close(sp[1]);
	/* Whatever arrived and was refused was closed: the lowest free
	 * descriptor is the socketpair's first again. */
	FUZZ_ASSERT((probe = open("/dev/null", O_RDONLY | O_CLOEXEC)) ==
	    sp[0]);
	close(probe);
	return 0;
}
