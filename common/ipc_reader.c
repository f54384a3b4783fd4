/*
 * Non-blocking reassembly of IPC frames from a less trusted peer (see
 * ipc_reader.h); used by the master for its workers and its health
 * checker. Each recvmsg asks for no more than the rest of the current
 * frame, so descriptors (which travel with a frame's first bytes) and
 * frame boundaries never mix between two messages.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc_reader.h"

#define HDR	((uint32_t)sizeof(struct ipc_header))

void
ipc_reader_init(struct ipc_reader *r, const struct ipc_bounds *b)
{
	memset(r, 0, sizeof(*r));
	r->ir_bounds = b;
	r->ir_fd = -1;
}

void
ipc_reader_reset(struct ipc_reader *r)
{
	free(r->ir_data);
	if (r->ir_fd != -1)
		close(r->ir_fd);
	r->ir_data = NULL;
	r->ir_fd = -1;
	r->ir_since = 0;
	r->ir_got = 0;
	memset(&r->ir_hdr, 0, sizeof(r->ir_hdr));
}

static enum ipc_read
reader_fail(struct ipc_reader *r, const char *why, int err)
{
	r->ir_why = why;
	/* Keep the header for ipc_reader_describe; drop the rest. */
	free(r->ir_data);
	r->ir_data = NULL;
	if (r->ir_fd != -1)
		close(r->ir_fd);
	r->ir_fd = -1;
	r->ir_since = 0;
	errno = err;
	return IPC_READ_ERROR;
}

/* Descriptors that came with these bytes: only with a frame's first
 * bytes, at most one; anything else is closed and refused. */
static const char *
reader_take_fds(struct ipc_reader *r, struct msghdr *mh, int first)
{
	int	fd, nfds, rv = ipc_take_fds(mh, &fd, &nfds);

	if (!first && fd != -1) {
		close(fd);
		return "a descriptor in the middle of a frame";
	}
	if (first)
		r->ir_fd = fd;
	if (nfds > 1)
		return "more than one descriptor";
	return rv == -1 ? "more descriptors than fit" : NULL;
}

/* The header is in: is it one this peer may send? */
static const char *
reader_check_header(struct ipc_reader *r)
{
	const struct ipc_header	*h = &r->ir_hdr;
	const struct ipc_bound	*b;

	if (h->ih_type >= IPC_TYPE_MAX ||
	    !(b = &r->ir_bounds->ib_types[h->ih_type])->ib_allowed)
		return "a message type it may not send";
	if (h->ih_len > b->ib_max)
		return "a payload longer than its type allows";
	if (h->ih_nfds != b->ib_nfds)
		return "a descriptor count its type does not carry";
	if ((r->ir_fd != -1) != (h->ih_nfds == 1))
		return "descriptors other than its header announces";
	if (h->ih_len > 0 && (r->ir_data = malloc(h->ih_len)) == NULL)
		return "no memory for its payload";
	return NULL;
}

/* One recvmsg for the rest of the header or payload; its byte count,
 * 0 at EOF, -1 with errno set. */
static ssize_t
reader_recv(struct ipc_reader *r, int sock, const char **why)
{
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(sizeof(int) * 4)];
	}		 cmsgbuf;
	struct msghdr	 mh;
	struct iovec	 iov;
	ssize_t		 n;

	if (r->ir_got < HDR) {
		iov.iov_base = (unsigned char *)&r->ir_hdr + r->ir_got;
		iov.iov_len = HDR - r->ir_got;
	} else {
		iov.iov_base = r->ir_data + (r->ir_got - HDR);
		iov.iov_len = r->ir_hdr.ih_len - (r->ir_got - HDR);
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf.buf;
	mh.msg_controllen = sizeof(cmsgbuf.buf);
	do
		n = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		*why = reader_take_fds(r, &mh, r->ir_got == 0);
	return n;
}

enum ipc_read
ipc_reader_read(struct ipc_reader *r, int sock, struct ipc_msg *msg,
    int64_t now)
{
	const char	*why = NULL;
	ssize_t		 n;

	memset(msg, 0, sizeof(*msg));
	msg->im_fd = -1;
	r->ir_why = NULL;
	while (r->ir_got < HDR || r->ir_got - HDR < r->ir_hdr.ih_len) {
		n = reader_recv(r, sock, &why);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return IPC_READ_AGAIN;
		/* A reset before a frame is the peer's end, like EOF. */
		if (r->ir_got == 0 &&
		    (n == 0 || (n == -1 && errno == ECONNRESET)))
			return IPC_READ_EOF;
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			return reader_fail(r, "closed in the middle of a frame",
			    EPIPE);
		if (n == -1)
			return reader_fail(r, "cannot be read", errno);
		if (r->ir_got == 0)
			r->ir_since = now != 0 ? now : 1;
		r->ir_got += (uint32_t)n;
		if (why == NULL && r->ir_got == HDR)
			why = reader_check_header(r);
		if (why != NULL)
			return reader_fail(r, why, EBADMSG);
	}
	msg->im_type = r->ir_hdr.ih_type;
	msg->im_fd = r->ir_fd;
	msgbuf_attach(&msg->im_payload, r->ir_data, r->ir_hdr.ih_len);
	r->ir_data = NULL;
	r->ir_fd = -1;
	ipc_reader_reset(r);
	return IPC_READ_MSG;
}

int64_t
ipc_reader_deadline(const struct ipc_reader *r)
{
	return r->ir_since == 0 ? 0 : r->ir_since + IPC_PARTIAL_TIMEOUT_MS;
}

int
ipc_reader_expired(const struct ipc_reader *r, int64_t now)
{
	return r->ir_since != 0 && now >= ipc_reader_deadline(r);
}

void
ipc_reader_describe(const struct ipc_reader *r, char *buf, size_t len)
{
	const struct ipc_header	*h = &r->ir_hdr;

	if (r->ir_got < HDR)
		snprintf(buf, len, "%s after %u of the %u bytes of a header",
		    r->ir_why ? r->ir_why : "a partial frame", r->ir_got, HDR);
	else
		snprintf(buf, len, "%s: type %u (%s), %u payload bytes "
		    "announced, %u received, %u descriptor(s)",
		    r->ir_why ? r->ir_why : "a partial frame", h->ih_type,
		    ipc_type_name(h->ih_type), h->ih_len, r->ir_got - HDR,
		    h->ih_nfds);
}

void
ipc_reader_offence(const struct ipc_reader *r, int stalled, char *buf,
    size_t len)
{
	char	what[160];

	ipc_reader_describe(r, what, sizeof(what));
	if (stalled)
		snprintf(buf, len, "sent a partial frame and stalled for %d "
		    "ms (%s)", IPC_PARTIAL_TIMEOUT_MS, what);
	else
		snprintf(buf, len, "sent a bad frame (%s)", what);
}
