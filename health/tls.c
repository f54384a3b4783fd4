/*
 * TLS for health checks, with the worker's rules (common/tls_backend.c).
 * The checker holds no private key, so a backend's client certificate is
 * not presented, and keeps no sessions. Contexts are built before the
 * checker chroots; called by main.c and check.c.
 */
#include <stdlib.h>

#include "health.h"
#include "log.h"
#include "tls_backend.h"
#include "tls_pem.h"

/* The checker keeps no sessions: each check is a fresh handshake. */
static SSL_CTX *
client_ctx(const struct backend_conf *be)
{
	SSL_CTX	*ctx = tls_backend_ctx(be);

	if (ctx != NULL)
		SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	return ctx;
}

SSL_CTX **
health_tls_init(const struct rpxd_conf *c)
{
	SSL_CTX		**ctxs;
	unsigned	  i;

	if ((ctxs = calloc(c->rc_nbackends + 1, sizeof(*ctxs))) == NULL)
		fatal("health: calloc");
	for (i = 0; i < c->rc_nbackends; i++) {
		const struct backend_conf *be = &c->rc_backends[i];

		if (!be->be_tls || !be->be_health.hc_enabled)
			continue;
		if ((ctxs[i] = client_ctx(be)) == NULL)
			fatalx("health: backend \"%s\": %s", be->be_name,
			    tls_error_string(TLS_PEER_GONE));
		if (be->be_client_cert_pem.bl_len > 0)
			log_notice("health: backend \"%s\": checks present no "
			    "client certificate (rpxd-health holds no private "
			    "key); a server that requires one fails them",
			    be->be_name);
	}
	return ctxs;
}

SSL *
health_tls_new(SSL_CTX *ctx, const struct backend_conf *be, unsigned svi,
    int fd)
{
	SSL	*ssl;

	if ((ssl = SSL_new(ctx)) == NULL)
		return NULL;
	if (SSL_set_fd(ssl, fd) != 1 ||
	    tls_backend_names(ssl, be, &be->be_servers[svi]) == -1)
		goto fail;
	SSL_set_connect_state(ssl);
	return ssl;
fail:
	SSL_free(ssl);
	return NULL;
}
