/*
 * The fuzz input into a socketpair (fuzz_send.h), for the IPC harnesses.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <string.h>

#include "fuzz.h"
#include "fuzz_send.h"

void
fuzz_send_with_fds(int sock, const uint8_t *p, size_t len, int fd,
    unsigned nfds)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	union {
		struct cmsghdr	 hdr;
		unsigned char	 buf[CMSG_SPACE(sizeof(int) * 3)];
	}		 cm;
	struct cmsghdr	*c;
	int		 fds[3] = { fd, fd, fd };

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)(uintptr_t)p;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	FUZZ_ASSERT(sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) ==
	    (ssize_t)len);
}
