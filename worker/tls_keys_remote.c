/*
 * Private keys a worker does not hold: for each certificate, a key object
 * with the certificate's public key whose private operations are signature
 * requests to the key holder (key_channel.c). OpenSSL 3 keeps an RSA or EC
 * key with a non-default method "foreign" and signs through that method:
 * PKCS#1 v1.5 gives rsa_sign the digest, RSA-PSS gives priv_enc the
 * encoded block, ECDSA gives sign the digest. Every answer is checked:
 * RSA signatures against the public key (a cheap public operation),
 * ECDSA ones for their DER form and size. Decryption is refused, so RSA
 * key exchange cannot work: a worker can never use a key to decrypt.
 */
#define OPENSSL_SUPPRESS_DEPRECATED	/* RSA_METHOD, EC_KEY_METHOD */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/rsa.h>

#include "keyproto.h"
#include "log.h"
#include "tls.h"

#define REMOTE_KEYS_MAX	4096	/* certificates of all listeners */

static RSA_METHOD	*rsa_method;
static EC_KEY_METHOD	*ec_method;
static int		 rsa_index = -1, ec_index = -1;	/* ex_data */
static unsigned char	 (*key_ids)[KEY_ID_SIZE];
static unsigned		 nkey_ids;

static int
remote_rsa_sign(int type, const unsigned char *m, unsigned int mlen,
    unsigned char *sig, unsigned int *siglen, const RSA *rsa)
{
	const unsigned char	*id = RSA_get_ex_data(rsa, rsa_index);
	size_t			 len;

	if (id == NULL || type < 0 || key_channel_sign(id, KEY_RSA_PKCS1,
	    (uint32_t)type, m, mlen, sig, &len) == -1)
		return 0;
	if (len != (size_t)RSA_size(rsa) ||
	    RSA_verify(type, m, mlen, sig, (unsigned int)len,
	    (RSA *)(uintptr_t)rsa) != 1) {
		log_warnx("tls: key service: an RSA signature does not "
		    "verify");
		return 0;
	}
	*siglen = (unsigned int)len;
	return 1;
}

/* Only the raw operation under a PSS-encoded block (padding none). */
static int
remote_rsa_priv_enc(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	const unsigned char	*id = RSA_get_ex_data(rsa, rsa_index);
	unsigned char		 back[KEY_DATA_MAX];
	size_t			 len;

	if (id == NULL || padding != RSA_NO_PADDING || flen != RSA_size(rsa) ||
	    key_channel_sign(id, KEY_RSA_PSS, 0, from, (size_t)flen, to,
	    &len) == -1)
		return -1;
	if (len != (size_t)flen || RSA_public_decrypt((int)len, to, back, rsa,
	    RSA_NO_PADDING) != flen || memcmp(back, from, len) != 0) {
		log_warnx("tls: key service: an RSA-PSS signature does not "
		    "verify");
		return -1;
	}
	return (int)len;
}

static int
remote_rsa_priv_dec(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	(void)flen; (void)from; (void)to; (void)rsa; (void)padding;
	log_warnx("tls: RSA decryption asked of a key: refused (RSA key "
	    "exchange is not available)");
	return -1;
}

static int
remote_ec_sign(int type, const unsigned char *dgst, int dlen,
    unsigned char *sig, unsigned int *siglen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *ec)
{
	const unsigned char	*id = EC_KEY_get_ex_data(ec, ec_index);
	const unsigned char	*p = sig;
	ECDSA_SIG		*parsed;
	size_t			 len;
	uint32_t		 md = key_md_for_size((size_t)dlen);

	(void)type; (void)kinv; (void)r;
	if (id == NULL || md == NID_undef || key_channel_sign(id, KEY_ECDSA,
	    md, dgst, (size_t)dlen, sig, &len) == -1)
		return 0;
	if (len > (size_t)ECDSA_size(ec) ||
	    (parsed = d2i_ECDSA_SIG(NULL, &p, (long)len)) == NULL ||
	    p != sig + len) {
		log_warnx("tls: key service: an ECDSA signature is not "
		    "well-formed");
		return 0;
	}
	ECDSA_SIG_free(parsed);
	*siglen = (unsigned int)len;
	return 1;
}

static int
methods_init(void)
{
	if (rsa_method != NULL)
		return 0;
	if ((rsa_method = RSA_meth_dup(RSA_PKCS1_OpenSSL())) == NULL ||
	    RSA_meth_set1_name(rsa_method, "rpxd key service") != 1 ||
	    RSA_meth_set_sign(rsa_method, remote_rsa_sign) != 1 ||
	    RSA_meth_set_priv_enc(rsa_method, remote_rsa_priv_enc) != 1 ||
	    RSA_meth_set_priv_dec(rsa_method, remote_rsa_priv_dec) != 1 ||
	    (ec_method = EC_KEY_METHOD_new(EC_KEY_OpenSSL())) == NULL ||
	    (rsa_index = RSA_get_ex_new_index(0, NULL, NULL, NULL,
	    NULL)) < 0 ||
	    (ec_index = EC_KEY_get_ex_new_index(0, NULL, NULL, NULL,
	    NULL)) < 0 ||
	    (key_ids = calloc(REMOTE_KEYS_MAX, KEY_ID_SIZE)) == NULL)
		return -1;
	/* ECDSA_do_sign is not used by TLS: it signs nothing here. */
	EC_KEY_METHOD_set_sign(ec_method, remote_ec_sign, NULL, NULL);
	return 0;
}

/* A key object for pub whose signatures the key holder makes. */
static EVP_PKEY *
remote_key(EVP_PKEY *pub)
{
	EVP_PKEY	*pkey;
	unsigned char	*id;
	RSA		*rsa;
	EC_KEY		*ec;

	if (methods_init() == -1 || nkey_ids == REMOTE_KEYS_MAX)
		return NULL;
	id = key_ids[nkey_ids];
	if (key_id_of(pub, id) == -1 || (pkey = EVP_PKEY_new()) == NULL)
		return NULL;
	if (EVP_PKEY_is_a(pub, "RSA")) {
		if ((rsa = RSAPublicKey_dup(EVP_PKEY_get0_RSA(pub))) == NULL ||
		    RSA_set_method(rsa, rsa_method) != 1 ||
		    RSA_set_ex_data(rsa, rsa_index, id) != 1 ||
		    EVP_PKEY_assign_RSA(pkey, rsa) != 1) {
			RSA_free(rsa);
			goto fail;
		}
	} else if (EVP_PKEY_is_a(pub, "EC")) {
		if ((ec = EC_KEY_dup(EVP_PKEY_get0_EC_KEY(pub))) == NULL ||
		    EC_KEY_set_method(ec, ec_method) != 1 ||
		    EC_KEY_set_ex_data(ec, ec_index, id) != 1 ||
		    EVP_PKEY_assign_EC_KEY(pkey, ec) != 1) {
			EC_KEY_free(ec);
			goto fail;
		}
	} else {
		log_warnx("tls: the key service signs with RSA and EC keys "
		    "only");
		goto fail;
	}
	nkey_ids++;
	return pkey;
fail:
	EVP_PKEY_free(pkey);
	return NULL;
}

int
tls_keys_receive(const struct rpxd_conf *conf, struct msgbuf *mb)
{
	(void)conf; (void)mb;
	log_warnx("tls: a private key was sent to a worker: refused");
	return -1;
}

int
tls_keys_service(int fd)
{
	return key_channel_open(fd);
}

int
tls_keys_use(SSL_CTX *ctx, uint32_t kind, uint32_t a, uint32_t b)
{
	X509		*cert = SSL_CTX_get0_certificate(ctx);
	EVP_PKEY	*pub, *key;
	int		 rv;

	(void)kind; (void)a; (void)b;
	if (cert == NULL || (pub = X509_get0_pubkey(cert)) == NULL ||
	    (key = remote_key(pub)) == NULL)
		return -1;
	rv = SSL_CTX_use_PrivateKey(ctx, key) == 1 &&
	    SSL_CTX_check_private_key(ctx) == 1 ? 0 : -1;
	EVP_PKEY_free(key);
	return rv;
}

void
tls_keys_forget(void)
{
}

int
tls_keys_lost(void)
{
	return key_channel_lost();
}

void
tls_keys_deadline(int64_t deadline_ms)
{
	key_channel_deadline(deadline_ms);
}
