/*
 * A TLS handshake in memory, in the template before it forks any worker
 * (worker.c): OpenSSL builds much of its state on first use (algorithm
 * fetches and their caches, per-thread state, the DRBGs' use). Built once
 * here, it is shared copy-on-write by every worker instead of written by
 * each at its first handshake. A throwaway P-256 key signs: the
 * listeners' keys are in the key holders, and the template has no channel
 * to them. TLS 1.3 and then TLS 1.2, both ways of the record layer.
 * And the backends' trust stores' certificates, decoded
 * (tls_warmup_store, from tls_client.c).
 */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "tls.h"

#define WARMUP_ROUNDS	64	/* handshake steps; a handshake takes ~6 */

static X509 *
throwaway_cert(EVP_PKEY *key)
{
	X509	*x;

	if ((x = X509_new()) == NULL)
		return NULL;
	if (X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 3600) == NULL ||
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)"rpxd-warmup", -1, -1,
	    0) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(x)) != 1 ||
	    X509_set_pubkey(x, key) != 1 ||
	    X509_sign(x, key, EVP_sha256()) == 0) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* One handshake and a few bytes each way; 0 if it completed. */
static int
handshake(SSL_CTX *sctx, SSL_CTX *cctx, int version)
{
	SSL		*s = SSL_new(sctx), *c = SSL_new(cctx);
	BIO		*sb = NULL, *cb = NULL;
	char		 buf[16];
	int		 i, rv = -1, sdone = 0, cdone = 0;

	if (s == NULL || c == NULL || BIO_new_bio_pair(&sb, 0, &cb, 0) != 1)
		goto done;
	SSL_set_bio(s, sb, sb);
	SSL_set_bio(c, cb, cb);
	sb = cb = NULL;
	SSL_set_max_proto_version(c, version);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	for (i = 0; i < WARMUP_ROUNDS && !(sdone && cdone); i++) {
		if (!cdone)
			cdone = SSL_do_handshake(c) == 1;
		if (!sdone)
			sdone = SSL_do_handshake(s) == 1;
	}
	if (sdone && cdone && SSL_write(c, "ping", 4) == 4 &&
	    SSL_read(s, buf, sizeof(buf)) == 4 &&
	    SSL_write(s, "pong", 4) == 4 && SSL_read(c, buf, sizeof(buf)) == 4)
		rv = 0;
done:
	SSL_free(s);
	SSL_free(c);
	return rv;
}

void
tls_warmup(void)
{
	EVP_PKEY	*key = EVP_EC_gen("P-256");
	X509		*cert = key != NULL ? throwaway_cert(key) : NULL;
	SSL_CTX		*sctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX		*cctx = SSL_CTX_new(TLS_client_method());

	if (cert == NULL || sctx == NULL || cctx == NULL ||
	    SSL_CTX_use_certificate(sctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(sctx, key) != 1 ||
	    handshake(sctx, cctx, TLS1_3_VERSION) == -1 ||
	    handshake(sctx, cctx, TLS1_2_VERSION) == -1)
		log_info("template: the TLS warm-up did not complete; each "
		    "worker builds OpenSSL's state at its first handshake");
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/*
 * OpenSSL decodes a certificate's extensions into the X509 object the
 * first time it checks one (X509_check_purpose): a worker verifying its
 * first backend would write them into every CA certificate of the trust
 * store it uses, copying the template's pages. Done here once for all.
 */
void
tls_warmup_store(SSL_CTX *ctx)
{
	STACK_OF(X509_OBJECT)	*objs;
	X509_STORE		*store;
	X509			*x;
	int			 i;

	if (ctx == NULL || (store = SSL_CTX_get_cert_store(ctx)) == NULL ||
	    (objs = X509_STORE_get0_objects(store)) == NULL)
		return;
	for (i = 0; i < sk_X509_OBJECT_num(objs); i++)
		if ((x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs,
		    i))) != NULL)
			(void)X509_check_purpose(x, -1, 0);
}
