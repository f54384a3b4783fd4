/*
 * TLS to a backend's servers (tls_backend.h): the context, the names and
 * the failure text that the worker and the health checker share.
 */
#include <sys/types.h>
#include <arpa/inet.h>

#include <stdio.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "tls_backend.h"
#include "tls_pem.h"

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

SSL_CTX *
tls_backend_ctx(const struct backend_conf *be)
{
	static const unsigned char	 http11[] = "\x08http/1.1";
	SSL_CTX				*ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	tls_ctx_defaults(ctx);
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

static int
is_ip_literal(const char *s)
{
	unsigned char	buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

int
tls_backend_names(SSL *ssl, const struct backend_conf *be,
    const struct server_conf *sv)
{
	const char	*sni = be->be_sni[0] ? be->be_sni : sv->sv_host;
	const char	*vname = be->be_verify_name[0] ? be->be_verify_name :
			    sv->sv_host;

	if (!is_ip_literal(sni) && tls_set_sni(ssl, sni) != 1)
		return -1;
	if (!be->be_verify)
		return 0;
	if (is_ip_literal(vname))
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    vname) == 1 ? 0 : -1;
	return SSL_set1_host(ssl, vname) == 1 ? 0 : -1;
}

const char *
tls_backend_failure(SSL *ssl)
{
	static char	why[320];
	long		res = SSL_get_verify_result(ssl);

	if (res != X509_V_OK) {
		ERR_clear_error();
		snprintf(why, sizeof(why), "certificate verify failed: %s",
		    X509_verify_cert_error_string(res));
		return why;
	}
	return tls_error_string(TLS_PEER_GONE);
}
