/*
 * Framing of master <-> worker messages (see ipc.h). One sendmsg carries
 * the header, the start of the payload and the descriptor; the receiver
 * checks every header field before it trusts the payload length.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"

static const char *const ipc_names[IPC_TYPE_MAX] = {
	[IPC_NONE] = "none",
	[IPC_CONFIG] = "config",
	[IPC_TLS_KEY] = "tls key",
	[IPC_LISTENER] = "listener",
	[IPC_START] = "start",
	[IPC_STOP] = "stop",
	[IPC_TICKET_KEYS] = "ticket keys",
	[IPC_BALANCE] = "health board",
	[IPC_NTLM_CHECK] = "ntlm check",
	[IPC_NTLM_RESULT] = "ntlm result",
	[IPC_KEY_CLIENT] = "key client",
	[IPC_LOG_LEVEL] = "log level",
	[IPC_NTLM_CHALLENGE] = "ntlm challenge",
	[IPC_NTLM_NONCE] = "ntlm nonce",
	[IPC_OCSP_FETCH] = "ocsp fetch",
	[IPC_OCSP_ANSWER] = "ocsp answer",
	[IPC_OCSP] = "ocsp response",
	[IPC_BACKEND_CONN] = "backend connection",
	[IPC_HOLD_OFF] = "hold-off",
	[IPC_TEMPLATE] = "template",
	[IPC_SPAWN_KEYS] = "spawn-keys",
	[IPC_SPAWN_STDERR] = "spawn-stderr",
	[IPC_SPAWN_LOG] = "spawn-log",
	[IPC_SPAWN] = "spawn",
	[IPC_SPAWNED] = "spawned",
	[IPC_REAPED] = "reaped",
	[IPC_ADDRBOARD] = "address board",
	[IPC_LIMITED] = "limited",
	[IPC_CLOSE_WAIT] = "close wait",
	[IPC_PRESSURE] = "pressure",
	[IPC_METRICS] = "metrics snapshot",
	[IPC_CERT_FETCH] = "certificate fetch",
	[IPC_CERT_ANSWER] = "certificate answer",
	[IPC_WINBIND_GROUPS] = "winbind groups",
	[IPC_WINBIND_CHECK] = "winbind check",
	[IPC_WINBIND_ANSWER] = "winbind answer",
	[IPC_NEGOTIATE_CHECK] = "negotiate check",
};

const char *
ipc_type_name(uint32_t type)
{
	if (type >= IPC_TYPE_MAX || ipc_names[type] == NULL)
		return "unknown";
	return ipc_names[type];
}

static int
write_all(int sock, const unsigned char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = send(sock, p, len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/* Called after part of a frame went: a full socket
			 * now cuts the stream (see ipc.h). */
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				errno = ENOBUFS;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
ipc_send(int sock, uint32_t type, int fd, const struct msgbuf *payload)
{
	struct ipc_header	 hdr;
	struct msghdr		 mh;
	struct iovec		 iov[2];
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(sizeof(int))];
	}			 cmsgbuf;
	struct cmsghdr		*cmsg;
	size_t			 len = payload ? payload->mb_len : 0;
	ssize_t			 n;

	if (payload != NULL && payload->mb_error) {
		errno = ENOMEM;
		return -1;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.ih_type = type;
	hdr.ih_len = (uint32_t)len;
	hdr.ih_nfds = fd >= 0 ? 1 : 0;

	memset(&mh, 0, sizeof(mh));
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = len ? payload->mb_data : NULL;
	iov[1].iov_len = len;
	mh.msg_iov = iov;
	mh.msg_iovlen = len ? 2 : 1;
	if (fd >= 0) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		mh.msg_control = cmsgbuf.buf;
		mh.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	/* A stream socket may take less: finish header and payload. */
	if ((size_t)n < sizeof(hdr)) {
		if (write_all(sock, (unsigned char *)&hdr + n,
		    sizeof(hdr) - (size_t)n) == -1)
			return -1;
		n = 0;
	} else
		n -= (ssize_t)sizeof(hdr);
	if (len > (size_t)n)
		return write_all(sock, payload->mb_data + n, len - (size_t)n);
	return 0;
}

static int
read_all(int sock, unsigned char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = read(sock, p, len);
		if (n == 0) {
			errno = EPIPE;
			return -1;
		}
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The descriptors that came with the first bytes; -1 if more than one. */
int
ipc_take_fds(struct msghdr *mh, int *fd, int *nfds)
{
	struct cmsghdr	*cmsg;
	int		 bad = 0;
	size_t		 i, n;
	int		 got;

	*fd = -1;
	*nfds = 0;
	for (cmsg = CMSG_FIRSTHDR(mh); cmsg; cmsg = CMSG_NXTHDR(mh, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&got, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (*fd == -1 && !bad)
				*fd = got;
			else {
				close(got);
				bad = 1;
			}
			(*nfds)++;
		}
	}
	if (mh->msg_flags & MSG_CTRUNC)
		bad = 1;
	return bad ? -1 : 0;
}

int
ipc_recv(int sock, struct ipc_msg *msg)
{
	struct ipc_header	 hdr;
	struct msghdr		 mh;
	struct iovec		 iov;
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(sizeof(int) * 4)];
	}			 cmsgbuf;
	unsigned char		*data = NULL;
	ssize_t			 n;
	int			 nfds;

	memset(msg, 0, sizeof(*msg));
	msg->im_fd = -1;
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = &hdr;
	iov.iov_len = sizeof(hdr);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cmsgbuf.buf;
	mh.msg_controllen = sizeof(cmsgbuf.buf);
	/* Close-on-exec as it arrives: no fcntl, which a key holder's
	 * sandbox does not allow. */
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n == -1 && errno == EINTR);
	/* A peer that exits with our last message unread resets the
	 * socket: before a header that is its end, like EOF. */
	if (n == 0 || (n == -1 && errno == ECONNRESET))
		return 0;
	if (n == -1)
		return -1;
	if (ipc_take_fds(&mh, &msg->im_fd, &nfds) == -1)
		goto fail;
	if ((size_t)n < sizeof(hdr) && read_all(sock,
	    (unsigned char *)&hdr + n, sizeof(hdr) - (size_t)n) == -1)
		goto fail;
	if (hdr.ih_type == IPC_NONE || hdr.ih_type >= IPC_TYPE_MAX ||
	    hdr.ih_len > MSGBUF_MAX || hdr.ih_nfds > 1 ||
	    (int)hdr.ih_nfds != nfds) {
		errno = EBADMSG;
		goto fail;
	}
	if (hdr.ih_len > 0) {
		if ((data = malloc(hdr.ih_len)) == NULL)
			goto fail;
		if (read_all(sock, data, hdr.ih_len) == -1)
			goto fail;
	}
	msg->im_type = hdr.ih_type;
	msgbuf_attach(&msg->im_payload, data, hdr.ih_len);
	return 1;
fail:
	free(data);
	ipc_msg_free(msg);
	return -1;
}

void
ipc_msg_free(struct ipc_msg *msg)
{
	if (msg->im_fd != -1)
		close(msg->im_fd);
	msg->im_fd = -1;
	msgbuf_free(&msg->im_payload);
}

/* IPC_LOG_LEVEL, as every child takes it: -1 if malformed. */
int
ipc_log_level(struct ipc_msg *msg)
{
	uint32_t	level;

	if (msg->im_type != IPC_LOG_LEVEL || msg->im_fd != -1 ||
	    msgbuf_get_u32(&msg->im_payload, &level) == -1 ||
	    msgbuf_end(&msg->im_payload) == -1 || level > LOG_LEVEL_DEBUG)
		return -1;
	log_set_level((int)level);
	return 0;
}
