/*
 * One health check as a non-blocking state machine: connect to the
 * server's address, TLS handshake when the backend has tls, send the GET,
 * read the response into its verdict (verdict.c) until the verdict has
 * enough, the server closes, or the check's timeout. Every step that
 * would block returns to main.c's poll loop, so a slow server never holds
 * up another's check. The result goes to the board (board.c).
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
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "health.h"
#include "log.h"
#include "tls_backend.h"
#include "tls_pem.h"
#include "verdict.h"

#define READ_PIECE	16384

static void	check_read(struct check *ck);

/* Host: the configured one, else the server's "host:port" without a
 * default port. */
static void
request_build(struct check *ck)
{
	const struct backend_conf	*be = ck->ck_be;
	const struct server_conf	*sv = &be->be_servers[ck->ck_sv];
	char				 host[sizeof(sv->sv_name)], *colon;
	int				 n;

	if (be->be_health.hc_host[0] != '\0')
		snprintf(host, sizeof(host), "%s", be->be_health.hc_host);
	else {
		snprintf(host, sizeof(host), "%s", sv->sv_name);
		if (sv->sv_port == (be->be_tls ? 443 : 80) &&
		    (colon = strrchr(host, ':')) != NULL)
			*colon = '\0';
	}
	n = snprintf(ck->ck_req, sizeof(ck->ck_req), "GET %s HTTP/1.1\r\n"
	    "Host: %s\r\nUser-Agent: rpxd-health\r\nConnection: close\r\n"
	    "\r\n", be->be_health.hc_path, host);
	if (n < 0 || (size_t)n >= sizeof(ck->ck_req))
		fatalx("health: backend \"%s\": request too long", be->be_name);
	ck->ck_reqlen = (size_t)n;
}

void
check_init(struct check *ck, const struct backend_conf *be, unsigned sv,
    struct hb_server *hs, SSL_CTX *ctx, const struct http_limits *lim,
    int64_t first)
{
	memset(ck, 0, sizeof(*ck));
	ck->ck_be = be;
	ck->ck_sv = sv;
	ck->ck_hs = hs;
	ck->ck_ctx = ctx;
	ck->ck_lim = lim;
	ck->ck_fd = -1;
	ck->ck_next = first;
	request_build(ck);
}

/* Back to idle; nothing is recorded. */
void
check_abort(struct check *ck)
{
	if (ck->ck_ssl != NULL)
		SSL_free(ck->ck_ssl);
	if (ck->ck_fd != -1)
		close(ck->ck_fd);
	free(ck->ck_verdict);
	ERR_clear_error();
	ck->ck_ssl = NULL;
	ck->ck_fd = -1;
	ck->ck_verdict = NULL;
	ck->ck_state = CK_IDLE;
	ck->ck_events = 0;
}

static void
finish(struct check *ck, int ok, unsigned status, const char *why)
{
	board_record(ck->ck_hs, ck->ck_be, ck->ck_sv, ok, status, why,
	    time(NULL));
	check_abort(ck);
}

static void	fail(struct check *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
fail(struct check *ck, const char *fmt, ...)
{
	char	why[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	finish(ck, 0, 0, why);
}

/* The response is read as far as it needs to be: the verdict says. */
static void
judge(struct check *ck)
{
	char	why[512];
	int	ok = verdict_result(ck->ck_verdict, why, sizeof(why));

	finish(ck, ok, (unsigned)ck->ck_verdict->v_status, why);
}

/* Wait for what an SSL call wants; 0, or -1 when it failed for good. */
static int
tls_want(struct check *ck, int rv)
{
	switch (SSL_get_error(ck->ck_ssl, rv)) {
	case SSL_ERROR_WANT_READ:
		ck->ck_events = POLLIN;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		ck->ck_events = POLLOUT;
		return 0;
	default:
		return -1;
	}
}

static void
check_send(struct check *ck)
{
	ssize_t	n;
	int	rv;

	ck->ck_state = CK_SEND;
	while (ck->ck_reqoff < ck->ck_reqlen) {
		if (ck->ck_ssl != NULL) {
			ERR_clear_error();
			rv = SSL_write(ck->ck_ssl, ck->ck_req + ck->ck_reqoff,
			    (int)(ck->ck_reqlen - ck->ck_reqoff));
			if (rv <= 0) {
				if (tls_want(ck, rv) == -1)
					fail(ck, "send: %s", tls_error_string(
					    "connection closed or reset"));
				return;
			}
			n = rv;
		} else {
			n = write(ck->ck_fd, ck->ck_req + ck->ck_reqoff,
			    ck->ck_reqlen - ck->ck_reqoff);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					ck->ck_events = POLLOUT;
				else
					fail(ck, "send: %s", strerror(errno));
				return;
			}
		}
		ck->ck_reqoff += (size_t)n;
	}
	ck->ck_state = CK_READ;
	check_read(ck);
}

static void
check_handshake(struct check *ck)
{
	int	rv;

	ck->ck_state = CK_HANDSHAKE;
	ERR_clear_error();
	if ((rv = SSL_do_handshake(ck->ck_ssl)) == 1)
		check_send(ck);
	else if (tls_want(ck, rv) == -1)
		fail(ck, "TLS handshake: %s", tls_backend_failure(ck->ck_ssl));
}

static void
connected(struct check *ck)
{
	if (ck->ck_ctx == NULL) {
		check_send(ck);
		return;
	}
	if ((ck->ck_ssl = health_tls_new(ck->ck_ctx, ck->ck_be, ck->ck_sv,
	    ck->ck_fd)) == NULL) {
		fail(ck, "TLS: %s", tls_error_string("cannot set up"));
		return;
	}
	check_handshake(ck);
}

static void
check_connect_done(struct check *ck)
{
	int		err = 0;
	socklen_t	len = sizeof(err);

	if (getsockopt(ck->ck_fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0)
		fail(ck, "connect: %s", strerror(err));
	else
		connected(ck);
}

/*
 * One read: > 0 bytes, 0 at the end of the stream, -1 to wait (events
 * set), -2 on an error (why set).
 */
static ssize_t
read_some(struct check *ck, char *buf, size_t len, const char **why)
{
	ssize_t	n;
	int	rv, e;

	if (ck->ck_ssl == NULL) {
		while ((n = read(ck->ck_fd, buf, len)) == -1 && errno == EINTR)
			;
		if (n >= 0)
			return n;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			ck->ck_events = POLLIN;
			return -1;
		}
		*why = strerror(errno);
		return -2;
	}
	ERR_clear_error();
	if ((rv = SSL_read(ck->ck_ssl, buf, (int)len)) > 0)
		return rv;
	e = SSL_get_error(ck->ck_ssl, rv);
	if (e == SSL_ERROR_ZERO_RETURN ||
	    (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0))
		return 0;
	if (tls_want(ck, rv) == 0)
		return -1;
	*why = e == SSL_ERROR_SYSCALL && errno != 0 ? strerror(errno) :
	    tls_error_string(TLS_PEER_GONE);
	return -2;
}

static void
check_read(struct check *ck)
{
	char		 buf[READ_PIECE];
	const char	*why = NULL;
	ssize_t		 n;

	for (;;) {
		errno = 0;
		if ((n = read_some(ck, buf, sizeof(buf), &why)) == -1)
			return;
		/* A reset after the head still leaves a verdict. */
		if (n == -2 && ck->ck_verdict->v_status == 0) {
			fail(ck, "read: %s", why);
			return;
		}
		if (n <= 0 || verdict_feed(ck->ck_verdict, buf, (size_t)n)) {
			judge(ck);
			return;
		}
	}
}

static void
check_start(struct check *ck, int64_t now)
{
	const struct health_conf	*hc = &ck->ck_be->be_health;
	const struct server_conf	*sv = &ck->ck_be->be_servers[ck->ck_sv];
	int64_t				 period;

	/* The period runs from start to start; a late one does not bunch. */
	period = 1000 * (int64_t)hc->hc_interval;
	ck->ck_next = ck->ck_next + period > now ? ck->ck_next + period :
	    now + period;
	ck->ck_deadline = now + 1000 * (int64_t)hc->hc_timeout;
	ck->ck_reqoff = 0;
	if ((ck->ck_verdict = malloc(sizeof(*ck->ck_verdict))) == NULL) {
		log_warn("health: backend \"%s\" server %s: check skipped",
		    ck->ck_be->be_name, sv->sv_name);
		return;
	}
	verdict_init(ck->ck_verdict, hc, ck->ck_lim);
	ck->ck_state = CK_CONNECT;
	if ((ck->ck_fd = socket(sv->sv_addr.ss_family, SOCK_STREAM, 0)) == -1 ||
	    fcntl(ck->ck_fd, F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(ck->ck_fd, F_SETFD, FD_CLOEXEC) == -1) {
		fail(ck, "socket: %s", strerror(errno));
		return;
	}
	if (connect(ck->ck_fd, (const struct sockaddr *)&sv->sv_addr,
	    sv->sv_addrlen) == 0)
		connected(ck);
	else if (errno == EINPROGRESS || errno == EINTR)
		ck->ck_events = POLLOUT;
	else
		fail(ck, "connect: %s", strerror(errno));
}

void
check_run(struct check *ck, short revents, int64_t now)
{
	if (ck->ck_state == CK_IDLE) {
		if (now >= ck->ck_next)
			check_start(ck, now);
		return;
	}
	if (revents != 0) {
		ck->ck_events = 0;
		switch (ck->ck_state) {
		case CK_CONNECT:
			check_connect_done(ck);
			break;
		case CK_HANDSHAKE:
			check_handshake(ck);
			break;
		case CK_SEND:
			check_send(ck);
			break;
		case CK_READ:
			check_read(ck);
			break;
		}
	}
	if (ck->ck_state != CK_IDLE && now >= ck->ck_deadline)
		fail(ck, "timeout after %u s", ck->ck_be->be_health.hc_timeout);
}

int64_t
check_due(const struct check *ck)
{
	return ck->ck_state == CK_IDLE ? ck->ck_next : ck->ck_deadline;
}
