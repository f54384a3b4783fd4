/*
 * TLS to backends: one client SSL_CTX per backend with tls = yes, TLS 1.2
 * or 1.3, the server's certificate verified against the backend's CA
 * certificates (sent by the master) and its name checked (verify-name, or
 * the server's host name), SNI sent, ALPN http/1.1, an optional client
 * certificate, and one resumable session kept per server. Called by
 * worker.c at start-up and backend.c per connection.
 */
#include <sys/types.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ipc.h"
#include "log.h"
#include "tls.h"
#include "tls_pem.h"
#include "worker.h"

struct tls_backend {
	SSL_CTX		*tb_ctx;	/* NULL: plain backend */
	SSL_SESSION	**tb_sessions;	/* per server, for resumption */
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
	static const unsigned char	 http11[] = "\x08http/1.1";
	SSL_CTX				*ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL)
		return NULL;
	tls_ctx_defaults(ctx);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_alpn_protos(ctx, http11, sizeof(http11) - 1) != 0)
		goto fail;
	if (bc->be_verify) {
		if (load_ca(ctx, &bc->be_ca_pem) == -1)
			goto fail;
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	} else
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
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
		if ((tls_backends[i].tb_sessions = calloc(bc->be_nservers,
		    sizeof(SSL_SESSION *))) == NULL)
			fatal("tls: calloc");
	}
}

static int
is_ip_literal(const char *s)
{
	unsigned char	buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1;
}

/* SNI and the name to verify, as the backend's options say. */
static int
client_names(SSL *ssl, const struct backend_conf *bc,
    const struct server_conf *sv)
{
	const char	*sni = bc->be_sni[0] ? bc->be_sni : sv->sv_host;
	const char	*vname = bc->be_verify_name[0] ? bc->be_verify_name :
			    sv->sv_host;

	if (!is_ip_literal(sni) &&
	    tls_set_sni(ssl, sni) != 1)
		return -1;
	if (!bc->be_verify)
		return 0;
	if (is_ip_literal(vname))
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    vname) == 1 ? 0 : -1;
	return SSL_set1_host(ssl, vname) == 1 ? 0 : -1;
}

/* Why the handshake failed, verification first: it is the usual cause. */
static const char *
client_failure(SSL *ssl)
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

	if ((io->io_ssl = SSL_new(tb->tb_ctx)) == NULL ||
	    SSL_set_fd(io->io_ssl, io->io_fd) != 1 ||
	    client_names(io->io_ssl, bc, &bc->be_servers[svi]) == -1) {
		*why = tls_error_string(TLS_PEER_GONE);
		return -1;
	}
	SSL_set_app_data(io->io_ssl, &tb->tb_sessions[svi]);
	if (tb->tb_sessions[svi] != NULL)
		(void)SSL_set_session(io->io_ssl, tb->tb_sessions[svi]);
	SSL_set_connect_state(io->io_ssl);
	if ((rv = io_handshake(io, deadline)) == 0)
		return 0;
	*why = rv == IO_TIMEOUT ? "not completed within "
	    "backend-connect-timeout" : client_failure(io->io_ssl);
	return -1;
}
