/*
 * TLS to backends: one client SSL_CTX per backend with tls = yes, with the
 * rules of common/tls_backend.c (versions, verification, names, SNI,
 * ALPN), an optional client certificate, and one resumable session kept
 * per server. Called by worker.c at start-up and backend.c per
 * connection.
 */
#include <stdlib.h>

#include <openssl/ssl.h>

#include "ipc.h"
#include "log.h"
#include "tls.h"
#include "tls_backend.h"
#include "tls_pem.h"
#include "worker.h"

struct tls_backend {
	SSL_CTX		*tb_ctx;	/* NULL: plain backend */
	SSL_SESSION	**tb_sessions;	/* per server, for resumption: a
					   worker's, from its first handshake */
};

static struct tls_backend	*tls_backends;

/* Keep the newest session of each server (the SSL's app data). */
static int
new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	SSL_SESSION	**slot = SSL_get_app_data(ssl);

	if (slot == NULL)
		return 0;
	SSL_SESSION_free(*slot);
	*slot = sess;
	return 1;
}

static int
client_certificate(SSL_CTX *ctx, const struct blob *pem, unsigned be)
{
	X509	*leaf;

	if ((leaf = pem_use_chain(ctx, pem)) == NULL)
		return -1;
	X509_free(leaf);
	return tls_keys_use(ctx, TLS_KEY_BACKEND, be, 0);
}

static SSL_CTX *
client_ctx(const struct backend_conf *bc, unsigned be)
{
	SSL_CTX				*ctx = tls_backend_ctx(bc);

	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
	/* No record buffers while the connection is idle (tls_server.c). */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_read_ahead(ctx, 1);	/* as tls_server.c */
	if (bc->be_client_cert_pem.bl_len > 0 &&
	    client_certificate(ctx, &bc->be_client_cert_pem, be) == -1)
		goto fail;
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

void
tls_client_init(const struct rpxd_conf *c)
{
	unsigned	i;

	if ((tls_backends = calloc(c->rc_nbackends + 1,
	    sizeof(*tls_backends))) == NULL)
		fatal("tls: calloc");
	for (i = 0; i < c->rc_nbackends; i++) {
		const struct backend_conf *bc = &c->rc_backends[i];

		if (!bc->be_tls)
			continue;
		if ((tls_backends[i].tb_ctx = client_ctx(bc, i)) == NULL)
			fatalx("tls: backend \"%s\": %s", bc->be_name,
			    tls_error_string(TLS_PEER_GONE));
		tls_warmup_store(tls_backends[i].tb_ctx);
	}
}

int
tls_client_connect(struct worker_env *w, unsigned be, unsigned svi,
    const char **why)
{
	const struct backend_conf	*bc = &w->w_conf->rc_backends[be];
	struct tls_backend		*tb = &tls_backends[be];
	struct io			*io = &w->w_backend;
	int64_t				 deadline = now_ms() + 1000 *
					    (int64_t)w->w_conf->
					    rc_backend_connect_timeout;
	int				 rv;

	/* Each worker's own, allocated by it: written at every handshake,
	 * it would copy a page of the template's. */
	if (tb->tb_sessions == NULL && (tb->tb_sessions =
	    calloc(bc->be_nservers, sizeof(SSL_SESSION *))) == NULL) {
		*why = "out of memory";
		return -1;
	}
	if ((io->io_ssl = SSL_new(tb->tb_ctx)) == NULL ||
	    SSL_set_fd(io->io_ssl, io->io_fd) != 1 ||
	    tls_backend_names(io->io_ssl, bc, &bc->be_servers[svi]) == -1) {
		*why = tls_error_string(TLS_PEER_GONE);
		return -1;
	}
	SSL_set_app_data(io->io_ssl, &tb->tb_sessions[svi]);
	if (tb->tb_sessions[svi] != NULL)
		(void)SSL_set_session(io->io_ssl, tb->tb_sessions[svi]);
	SSL_set_connect_state(io->io_ssl);
	tls_keys_deadline(deadline);	/* a client certificate's signature */
	rv = io_handshake(io, deadline);
	tls_keys_deadline(0);
	if (rv == 0)
		return 0;
	*why = rv == IO_TIMEOUT ? "not completed within "
	    "backend-connect-timeout" : tls_backend_failure(io->io_ssl);
	return -1;
}
