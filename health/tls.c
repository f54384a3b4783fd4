/*
 * TLS for health checks, with the worker's rules (worker/tls_client.c):
 * TLS 1.2 or 1.3, the server's certificate verified against the backend's
 * CA certificates when verify is on, its name checked against verify-name
 * or the server's host (an IP literal against the IP SANs), SNI from sni
 * or the host unless that is an IP literal. The checker holds no private
 * key, so a backend's client certificate is not presented. Contexts are
 * built before the checker chroots; called by main.c and check.c.
 */
#include <sys/types.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "health.h"
#include "log.h"
#include "tls_pem.h"

/* What the worker says when OpenSSL recorded no error. */
#define PEER_GONE	"connection closed or reset"

static int
load_ca(SSL_CTX *ctx, const struct blob *pem)
{
	BIO			*bio = BIO_new_mem_buf(pem->bl_data,
				    (int)pem->bl_len);
	STACK_OF(X509_INFO)	*infos = NULL;
	X509_STORE		*store = SSL_CTX_get_cert_store(ctx);
	int			 i, added = 0;

	if (bio != NULL)
		infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	for (i = 0; infos != NULL && i < sk_X509_INFO_num(infos); i++) {
		X509_INFO *xi = sk_X509_INFO_value(infos, i);

		if (xi->x509 != NULL && X509_STORE_add_cert(store,
		    xi->x509) == 1)
			added++;
	}
	ERR_clear_error();
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	return added > 0 ? 0 : -1;
}

static SSL_CTX *
client_ctx(const struct backend_conf *be)
{
	static const unsigned char	 http11[] = "\x08http/1.1";
	SSL_CTX				*ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	tls_ctx_defaults(ctx);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_alpn_protos(ctx, http11, sizeof(http11) - 1) != 0)
		goto fail;
	if (be->be_verify) {
		if (load_ca(ctx, &be->be_ca_pem) == -1)
			goto fail;
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	} else
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
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
			    tls_error_string(PEER_GONE));
		if (be->be_client_cert_pem.bl_len > 0)
			log_notice("health: backend \"%s\": checks present no "
			    "client certificate (rpxd-health holds no private "
			    "key); a server that requires one fails them",
			    be->be_name);
	}
	return ctxs;
}

static int
is_ip_literal(const char *s)
{
	unsigned char	buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

SSL *
health_tls_new(SSL_CTX *ctx, const struct backend_conf *be, unsigned svi,
    int fd)
{
	const struct server_conf	*sv = &be->be_servers[svi];
	const char			*sni = be->be_sni[0] ? be->be_sni :
					    sv->sv_host;
	const char			*vname = be->be_verify_name[0] ?
					    be->be_verify_name : sv->sv_host;
	SSL				*ssl;

	if ((ssl = SSL_new(ctx)) == NULL)
		return NULL;
	if (SSL_set_fd(ssl, fd) != 1 ||
	    (!is_ip_literal(sni) && tls_set_sni(ssl, sni) != 1))
		goto fail;
	if (be->be_verify && (is_ip_literal(vname) ?
	    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), vname) != 1 :
	    SSL_set1_host(ssl, vname) != 1))
		goto fail;
	SSL_set_connect_state(ssl);
	return ssl;
fail:
	SSL_free(ssl);
	return NULL;
}

const char *
health_tls_failure(SSL *ssl)
{
	static char	why[320];
	long		res = SSL_get_verify_result(ssl);

	if (res != X509_V_OK) {
		ERR_clear_error();
		snprintf(why, sizeof(why), "certificate verify failed: %s",
		    X509_verify_cert_error_string(res));
		return why;
	}
	return tls_error_string(PEER_GONE);
}
