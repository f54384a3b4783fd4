/*
 * The Extended Protection check's half in the health checker: the master
 * asks for the leaf certificate of one backend server (IPC_CERT_FETCH,
 * master/epcheck.c); this connects, shakes hands with the backend's TLS
 * settings (its SNI name, no verification: the certificate is wanted
 * even from a server the workers would refuse), and sends the DER leaf
 * back (IPC_CERT_ANSWER), or why there is none. backend-connect-timeout
 * bounds connect and handshake together; at most CERT_FETCHES_MAX run at
 * once, the others wait their turn. Called by main.c's loop.
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
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "health.h"
#include "ipc.h"
#include "log.h"
#include "tls_backend.h"
#include "tls_pem.h"

struct cert_fetch {
	uint32_t	 cf_id;		/* the master's; 0: none asked */
	unsigned	 cf_be;
	unsigned	 cf_sv;
	int		 cf_fd;		/* -1: not started */
	SSL		*cf_ssl;
	int		 cf_connecting;
	short		 cf_events;
	int		 cf_pfd;	/* its poll entry; -1: none */
	int64_t		 cf_deadline;
};

static const struct rpxd_conf	*cf_conf;
static SSL_CTX			**cf_ctxs;	/* per TLS backend */
static struct cert_fetch	*cf_all;	/* per server (board index) */
static unsigned			 cf_n, cf_running;
static int			 cf_ipc = -1;

/* Contexts for every TLS backend, before the chroot. */
void
cert_fetch_init(const struct rpxd_conf *c, int ipc)
{
	unsigned	i;

	cf_conf = c;
	cf_ipc = ipc;
	cf_n = c->rc_nservers;
	if ((cf_ctxs = calloc(c->rc_nbackends + 1, sizeof(*cf_ctxs))) ==
	    NULL || (cf_all = calloc(cf_n + 1, sizeof(*cf_all))) == NULL)
		fatal("health: calloc");
	for (i = 0; i < cf_n; i++)
		cf_all[i].cf_fd = -1;
	for (i = 0; i < c->rc_nbackends; i++) {
		if (!c->rc_backends[i].be_tls)
			continue;
		if ((cf_ctxs[i] = tls_backend_ctx(&c->rc_backends[i])) == NULL)
			fatalx("health: backend \"%s\": %s",
			    c->rc_backends[i].be_name,
			    tls_error_string(TLS_PEER_GONE));
		SSL_CTX_set_verify(cf_ctxs[i], SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_session_cache_mode(cf_ctxs[i], SSL_SESS_CACHE_OFF);
	}
}

static void
answer(uint32_t id, int ok, const char *why, const unsigned char *der,
    size_t len)
{
	fetch_answer(cf_ipc, IPC_CERT_ANSWER, id, ok, why, der, len);
}

static void
fetch_end(struct cert_fetch *f)
{
	if (f->cf_ssl != NULL)
		SSL_free(f->cf_ssl);
	if (f->cf_fd != -1) {
		close(f->cf_fd);
		cf_running--;
	}
	*f = (struct cert_fetch){ .cf_fd = -1, .cf_pfd = -1 };
}

static void	fetch_fail(struct cert_fetch *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
fetch_fail(struct cert_fetch *f, const char *fmt, ...)
{
	char	why[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	answer(f->cf_id, 0, why, NULL, 0);
	fetch_end(f);
}

/* The handshake is done: the peer's leaf, as DER, bounded. */
static void
fetch_done(struct cert_fetch *f)
{
	X509		*x = SSL_get1_peer_certificate(f->cf_ssl);
	unsigned char	*der = NULL;
	int		 len;

	if (x == NULL) {
		fetch_fail(f, "the server presented no certificate");
		return;
	}
	len = i2d_X509(x, &der);
	X509_free(x);
	if (len <= 0 || len > EP_CERT_DER_MAX) {
		OPENSSL_free(der);
		fetch_fail(f, "its certificate is not DER of at most %u bytes",
		    EP_CERT_DER_MAX);
		return;
	}
	answer(f->cf_id, 1, "", der, (size_t)len);
	OPENSSL_free(der);
	fetch_end(f);
}

static void
fetch_handshake(struct cert_fetch *f)
{
	int	rv;

	ERR_clear_error();
	if ((rv = SSL_do_handshake(f->cf_ssl)) == 1) {
		fetch_done(f);
		return;
	}
	switch (SSL_get_error(f->cf_ssl, rv)) {
	case SSL_ERROR_WANT_READ:
		f->cf_events = POLLIN;
		return;
	case SSL_ERROR_WANT_WRITE:
		f->cf_events = POLLOUT;
		return;
	}
	fetch_fail(f, "TLS handshake: %s", tls_error_string(TLS_PEER_GONE));
}

static void
fetch_start(struct cert_fetch *f, int64_t now)
{
	const struct backend_conf	*be = &cf_conf->rc_backends[f->cf_be];
	const struct server_conf	*sv = &be->be_servers[f->cf_sv];

	f->cf_deadline = now + (int64_t)cf_conf->rc_backend_connect_timeout *
	    1000;
	if ((f->cf_fd = socket(sv->sv_addr.ss_family, SOCK_STREAM, 0)) == -1) {
		fetch_fail(f, "socket: %s", strerror(errno));
		return;
	}
	cf_running++;
	if (fcntl(f->cf_fd, F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(f->cf_fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    (f->cf_ssl = SSL_new(cf_ctxs[f->cf_be])) == NULL ||
	    SSL_set_fd(f->cf_ssl, f->cf_fd) != 1 ||
	    tls_backend_names(f->cf_ssl, be, sv) == -1) {
		fetch_fail(f, "cannot set up the connection");
		return;
	}
	SSL_set_connect_state(f->cf_ssl);
	if (connect(f->cf_fd, (const struct sockaddr *)&sv->sv_addr,
	    sv->sv_addrlen) == 0)
		fetch_handshake(f);
	else if (errno == EINPROGRESS || errno == EINTR) {
		f->cf_connecting = 1;
		f->cf_events = POLLOUT;
	} else
		fetch_fail(f, "connect: %s", strerror(errno));
}

/* An IPC_CERT_FETCH: u32 id, u32 backend, u32 server; -1 if malformed
 * (the master is trusted: fatal). A server already asked for is asked
 * again under the new id: the older answer is one the master dropped. */
int
cert_fetch_request(struct msgbuf *mb)
{
	uint32_t		 id, bi, si;
	const struct backend_conf *be;
	struct cert_fetch	*f;

	if (msgbuf_get_u32(mb, &id) == -1 || id == 0 ||
	    msgbuf_get_u32(mb, &bi) == -1 || bi >= cf_conf->rc_nbackends ||
	    msgbuf_get_u32(mb, &si) == -1 || msgbuf_end(mb) == -1)
		return -1;
	be = &cf_conf->rc_backends[bi];
	if (si >= be->be_nservers || be->be_first_server + si >= cf_n ||
	    cf_ctxs[bi] == NULL)
		return -1;
	f = &cf_all[be->be_first_server + si];
	if (f->cf_id != 0)
		fetch_end(f);
	f->cf_id = id;
	f->cf_be = bi;
	f->cf_sv = si;
	return 0;
}

/* Start what waits while there is room; the poll entries of those in
 * flight, from pfd; how many. */
unsigned
cert_fetch_pollfds(struct pollfd *pfd, int64_t *due)
{
	int64_t		now = now_ms();
	unsigned	i, n = 0;

	for (i = 0; i < cf_n && cf_running < CERT_FETCHES_MAX; i++)
		if (cf_all[i].cf_id != 0 && cf_all[i].cf_fd == -1)
			fetch_start(&cf_all[i], now);
	for (i = 0; i < cf_n; i++) {
		struct cert_fetch *f = &cf_all[i];

		f->cf_pfd = -1;
		if (f->cf_id == 0 || f->cf_fd == -1)
			continue;
		f->cf_pfd = (int)n;
		pfd[n++] = (struct pollfd){ .fd = f->cf_fd,
		    .events = f->cf_events };
		if (f->cf_deadline < *due)
			*due = f->cf_deadline;
	}
	return n;
}

/* After poll: carry on with what cert_fetch_pollfds put in pfd. */
void
cert_fetch_run(const struct pollfd *pfd, int64_t now)
{
	unsigned	i;
	int		err;
	socklen_t	len;

	for (i = 0; i < cf_n; i++) {
		struct cert_fetch *f = &cf_all[i];
		short rev;

		if (f->cf_id == 0 || f->cf_fd == -1)
			continue;
		rev = f->cf_pfd != -1 ? pfd[f->cf_pfd].revents : 0;
		f->cf_pfd = -1;
		if (rev != 0 && f->cf_connecting) {
			f->cf_connecting = 0;
			err = 0;
			len = sizeof(err);
			if (getsockopt(f->cf_fd, SOL_SOCKET, SO_ERROR, &err,
			    &len) == -1)
				err = errno;
			if (err != 0) {
				fetch_fail(f, "connect: %s", strerror(err));
				continue;
			}
		}
		if (rev != 0)
			fetch_handshake(f);
		if (f->cf_id != 0 && f->cf_fd != -1 && now >= f->cf_deadline)
			fetch_fail(f, "no handshake within %u s "
			    "(backend-connect-timeout)",
			    cf_conf->rc_backend_connect_timeout);
	}
}

void
cert_fetch_abort(void)
{
	unsigned	i;

	for (i = 0; i < cf_n; i++)
		if (cf_all[i].cf_id != 0)
			fetch_end(&cf_all[i]);
}
