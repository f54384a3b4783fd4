/*
 * ocsp-fetch in the health checker: the master sends a responder's
 * address, Host, path and a DER OCSP request (IPC_OCSP_FETCH); this
 * posts it over plain HTTP (RFC 6960 appendix A) without blocking, reads
 * the answer within a deadline and a size bound, and sends the body back
 * (IPC_OCSP_ANSWER) for the master to check. Nothing here trusts the
 * responder: the master checks what comes back. Called by main.c's loop.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "health.h"
#include "ipc.h"
#include "log.h"
#include "ocsp.h"

#define FETCH_TIMEOUT_MS	10000
#define FETCH_HEAD_MAX		8192	/* the answer's status line, headers */
#define FETCH_IN_MAX		(FETCH_HEAD_MAX + OCSP_DER_MAX)

struct fetch {
	uint32_t	 f_id;		/* the master's; 0: slot free */
	int		 f_fd;
	short		 f_events;
	int		 f_pfd;		/* its poll entry; -1: none yet */
	int		 f_connecting;
	int64_t		 f_deadline;
	unsigned char	*f_out;		/* the POST: head and DER */
	size_t		 f_outlen, f_outoff;
	unsigned char	*f_in;		/* the answer */
	size_t		 f_inlen;
};

static struct fetch	fetches[OCSP_FETCHES_MAX];
static int		fetch_ipc = -1;

/*
 * The answer to a fetch the master asked for (IPC_OCSP_ANSWER, and
 * IPC_CERT_ANSWER from cert_fetch.c): u32 id, u32 ok, str why, u32 len,
 * len bytes of body.
 */
void
fetch_answer(int ipc, uint32_t type, uint32_t id, int ok, const char *why,
    const unsigned char *body, size_t len)
{
	struct msgbuf	mb;

	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, id);
	msgbuf_put_u32(&mb, (uint32_t)ok);
	msgbuf_put_str(&mb, why);
	msgbuf_put_u32(&mb, (uint32_t)len);
	if (len > 0)
		msgbuf_put_bytes(&mb, body, len);
	if (ipc_send(ipc, type, -1, &mb) == -1)
		log_warn("health: cannot send the master a %s message",
		    ipc_type_name(type));
	msgbuf_free(&mb);
}

static void
answer(uint32_t id, int ok, const char *why, const unsigned char *body,
    size_t len)
{
	fetch_answer(fetch_ipc, IPC_OCSP_ANSWER, id, ok, why, body, len);
}

static void
fetch_end(struct fetch *f)
{
	if (f->f_fd != -1)
		close(f->f_fd);
	free(f->f_out);
	free(f->f_in);
	memset(f, 0, sizeof(*f));
	f->f_fd = -1;
}

static void	fetch_fail(struct fetch *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
fetch_fail(struct fetch *f, const char *fmt, ...)
{
	char	why[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	answer(f->f_id, 0, why, NULL, 0);
	fetch_end(f);
}

/* The whole answer is in: a 200 with a body of at most OCSP_DER_MAX
 * bytes, its Content-Length (if any) right. */
static void
fetch_judge(struct fetch *f)
{
	char		 head[FETCH_HEAD_MAX + 1], *end, *cl;
	size_t		 hlen, blen;
	unsigned	 status;

	if ((end = memmem(f->f_in, f->f_inlen, "\r\n\r\n", 4)) == NULL) {
		fetch_fail(f, "the answer ended before its head did");
		return;
	}
	hlen = (size_t)((unsigned char *)end - f->f_in) + 4;
	blen = f->f_inlen - hlen;
	memcpy(head, f->f_in, hlen);
	head[hlen] = '\0';
	if (memchr(head, '\0', hlen) != NULL ||
	    sscanf(head, "HTTP/1.%*1[01] %3u", &status) != 1) {
		fetch_fail(f, "the answer is not HTTP/1.x");
		return;
	}
	if (status != 200) {
		fetch_fail(f, "the responder answered HTTP %u", status);
		return;
	}
	for (cl = head; (cl = strchr(cl, '\n')) != NULL; cl++)
		if (strncasecmp(cl + 1, "transfer-encoding:", 18) == 0) {
			fetch_fail(f, "a chunked answer to HTTP/1.0");
			return;
		} else if (strncasecmp(cl + 1, "content-length:", 15) == 0 &&
		    strtoul(cl + 16, NULL, 10) != blen) {
			fetch_fail(f, "the answer is shorter than its "
			    "Content-Length");
			return;
		}
	if (blen == 0 || blen > OCSP_DER_MAX) {
		fetch_fail(f, "the body is empty or longer than %u bytes",
		    OCSP_DER_MAX);
		return;
	}
	answer(f->f_id, 1, "", f->f_in + hlen, blen);
	fetch_end(f);
}

/* Send what is left of the POST, then read until the responder closes. */
static void
fetch_io(struct fetch *f)
{
	ssize_t	n;

	while (f->f_outoff < f->f_outlen) {
		n = send(f->f_fd, f->f_out + f->f_outoff,
		    f->f_outlen - f->f_outoff, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			f->f_events = POLLOUT;
			return;
		}
		if (n == -1) {
			fetch_fail(f, "send: %s", strerror(errno));
			return;
		}
		f->f_outoff += (size_t)n;
	}
	for (;;) {
		if (f->f_inlen == FETCH_IN_MAX) {
			fetch_fail(f, "the answer is longer than %u bytes",
			    FETCH_IN_MAX);
			return;
		}
		n = read(f->f_fd, f->f_in + f->f_inlen,
		    FETCH_IN_MAX - f->f_inlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			f->f_events = POLLIN;
			return;
		}
		if (n == -1) {
			fetch_fail(f, "read: %s", strerror(errno));
			return;
		}
		if (n == 0) {
			fetch_judge(f);
			return;
		}
		f->f_inlen += (size_t)n;
	}
}

/* The POST of RFC 6960 appendix A.1, HTTP/1.0: the answer is not
 * chunked and ends when the responder closes. */
static int
fetch_build(struct fetch *f, const char *host, const char *path,
    const unsigned char *der, size_t len)
{
	char	head[RPXD_PATH_MAX + RPXD_HOST_MAX + 256];
	int	n;

	n = snprintf(head, sizeof(head), "POST %s HTTP/1.0\r\nHost: %s\r\n"
	    "User-Agent: rpxd-health\r\nContent-Type: "
	    "application/ocsp-request\r\nAccept: application/ocsp-response\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n", path, host,
	    len);
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    (f->f_out = malloc((size_t)n + len)) == NULL ||
	    (f->f_in = malloc(FETCH_IN_MAX)) == NULL)
		return -1;
	memcpy(f->f_out, head, (size_t)n);
	memcpy(f->f_out + n, der, len);
	f->f_outlen = (size_t)n + len;
	return 0;
}

static void
fetch_start(struct fetch *f, const struct sockaddr_storage *ss,
    socklen_t sslen)
{
	f->f_deadline = now_ms() + FETCH_TIMEOUT_MS;
	if ((f->f_fd = socket(ss->ss_family, SOCK_STREAM, 0)) == -1 ||
	    fcntl(f->f_fd, F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(f->f_fd, F_SETFD, FD_CLOEXEC) == -1) {
		fetch_fail(f, "socket: %s", strerror(errno));
		return;
	}
	if (connect(f->f_fd, (const struct sockaddr *)ss, sslen) == 0)
		fetch_io(f);
	else if (errno == EINPROGRESS || errno == EINTR) {
		f->f_connecting = 1;
		f->f_events = POLLOUT;
	} else
		fetch_fail(f, "connect: %s", strerror(errno));
}

/* An IPC_OCSP_FETCH; -1 if malformed (the master is trusted: fatal). */
int
ocsp_fetch_request(int ipc, struct msgbuf *mb)
{
	struct sockaddr_storage	 ss;
	char			 host[RPXD_HOST_MAX + 8], path[RPXD_PATH_MAX];
	unsigned char		*der;
	uint32_t		 id, sslen, len;
	unsigned		 i;

	fetch_ipc = ipc;
	memset(&ss, 0, sizeof(ss));
	if (msgbuf_get_u32(mb, &id) == -1 || id == 0 ||
	    msgbuf_get_u32(mb, &sslen) == -1 || sslen > sizeof(ss) ||
	    msgbuf_get_bytes(mb, &ss, sslen) == -1 ||
	    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) ||
	    msgbuf_get_str(mb, host, sizeof(host)) == -1 ||
	    msgbuf_get_str(mb, path, sizeof(path)) == -1 ||
	    msgbuf_get_u32(mb, &len) == -1 || len == 0 ||
	    len > OCSP_DER_MAX || len != mb->mb_len - mb->mb_off)
		return -1;
	der = (unsigned char *)mb->mb_data + mb->mb_off;
	for (i = 0; i < OCSP_FETCHES_MAX && fetches[i].f_id != 0; i++)
		;
	if (i == OCSP_FETCHES_MAX) {
		answer(id, 0, "too many fetches at once", NULL, 0);
		return 0;
	}
	fetches[i].f_fd = -1;
	fetches[i].f_pfd = -1;
	fetches[i].f_id = id;
	if (fetch_build(&fetches[i], host, path, der, len) == -1) {
		fetch_fail(&fetches[i], "out of memory");
		return 0;
	}
	fetch_start(&fetches[i], &ss, (socklen_t)sslen);
	return 0;
}

/* The poll entries of the fetches in flight, from pfd; how many. */
unsigned
ocsp_fetch_pollfds(struct pollfd *pfd, int64_t *due)
{
	unsigned	i, n = 0;

	for (i = 0; i < OCSP_FETCHES_MAX; i++) {
		if (fetches[i].f_id == 0)
			continue;
		fetches[i].f_pfd = (int)n;
		pfd[n++] = (struct pollfd){ .fd = fetches[i].f_fd,
		    .events = fetches[i].f_events };
		if (fetches[i].f_deadline < *due)
			*due = fetches[i].f_deadline;
	}
	return n;
}

/* After poll: carry on with what ocsp_fetch_pollfds put in pfd. */
void
ocsp_fetch_run(const struct pollfd *pfd, int64_t now)
{
	unsigned	i;
	int		err;
	socklen_t	len = sizeof(err);

	for (i = 0; i < OCSP_FETCHES_MAX; i++) {
		struct fetch *f = &fetches[i];
		short rev;

		if (f->f_id == 0)
			continue;
		rev = f->f_pfd != -1 ? pfd[f->f_pfd].revents : 0;
		f->f_pfd = -1;
		if (rev != 0 && f->f_connecting) {
			f->f_connecting = 0;
			err = 0;
			if (getsockopt(f->f_fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) == -1)
				err = errno;
			if (err != 0) {
				fetch_fail(f, "connect: %s", strerror(err));
				continue;
			}
		}
		if (rev != 0)
			fetch_io(f);
		if (f->f_id != 0 && now >= f->f_deadline)
			fetch_fail(f, "no answer within %d s",
			    FETCH_TIMEOUT_MS / 1000);
	}
}

void
ocsp_fetch_abort(void)
{
	unsigned	i;

	for (i = 0; i < OCSP_FETCHES_MAX; i++)
		if (fetches[i].f_id != 0)
			fetch_end(&fetches[i]);
}
