/*
 * TLS to a backend's servers, the rules the worker (worker/tls_client.c)
 * and the health checker (health/tls.c) share: TLS 1.2 or 1.3 with ALPN
 * http/1.1, the server's certificate verified against the backend's CA
 * certificates when verify is on, its name checked against verify-name or
 * the server's host (an IP literal against the IP SANs), SNI from sni or
 * the host unless that is an IP literal, and why a handshake failed.
 */
#ifndef RPXD_TLS_BACKEND_H
#define RPXD_TLS_BACKEND_H

#include <openssl/ssl.h>

#include "config.h"

/* A client context for be, without session cache or client certificate
 * (each caller decides those); NULL with OpenSSL's error queued. */
SSL_CTX		*tls_backend_ctx(const struct backend_conf *be);
/* SNI and the name to verify on ssl for server sv of be: 0, or -1. */
int		 tls_backend_names(SSL *ssl, const struct backend_conf *be,
		    const struct server_conf *sv);
/* Why the handshake of ssl failed, verification first: the usual cause. */
const char	*tls_backend_failure(SSL *ssl);

#endif
