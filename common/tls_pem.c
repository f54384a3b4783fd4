/*
 * PEM blobs and the settings all of rpxd's TLS contexts share (see
 * tls_pem.h); linked by the master and the worker.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "ipc.h"
#include "msgbuf.h"
#include "tls_pem.h"

X509 *
pem_first_cert(const struct blob *pem)
{
	BIO	*bio = BIO_new_mem_buf(pem->bl_data, (int)pem->bl_len);
	X509	*x;

	if (bio == NULL)
		return NULL;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

EVP_PKEY *
pem_private_key(const struct blob *pem)
{
	BIO		*bio = BIO_new_mem_buf(pem->bl_data, (int)pem->bl_len);
	EVP_PKEY	*k;

	if (bio == NULL)
		return NULL;
	k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return k;
}

X509 *
pem_use_chain(SSL_CTX *ctx, const struct blob *pem)
{
	BIO	*bio = BIO_new_mem_buf(pem->bl_data, (int)pem->bl_len);
	X509	*leaf = NULL, *ca;

	if (bio == NULL || (leaf = PEM_read_bio_X509(bio, NULL, NULL,
	    NULL)) == NULL || SSL_CTX_use_certificate(ctx, leaf) != 1)
		goto fail;
	while ((ca = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (SSL_CTX_add0_chain_cert(ctx, ca) != 1) {
			X509_free(ca);
			goto fail;
		}
	ERR_clear_error();	/* the end of the PEM data */
	BIO_free(bio);
	return leaf;
fail:
	BIO_free(bio);
	X509_free(leaf);
	return NULL;
}

const char *
tls_error_string(const char *if_none)
{
	static char	buf[256];
	unsigned long	e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, sizeof(buf), "%s", if_none);
	else
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

int
tls_set_groups(SSL_CTX *ctx, const char *list)
{
	char	copy[RPXD_TLS_LIST_MAX];

	if ((size_t)snprintf(copy, sizeof(copy), "%s", list) >= sizeof(copy))
		return 0;
	return (int)SSL_CTX_set1_groups_list(ctx, copy);
}

int
tls_set_sni(SSL *ssl, const char *name)
{
	char	copy[RPXD_HOST_MAX];

	if ((size_t)snprintf(copy, sizeof(copy), "%s", name) >= sizeof(copy))
		return 0;
	return (int)SSL_set_tlsext_host_name(ssl, copy);
}

/*
 * No renegotiation (a DoS lever), no compression (CRIME); a peer that
 * closes without close_notify ends the stream like a TCP close (the HTTP
 * framing tells a cut body); writes may be partial and retried from a
 * buffer that moved, as io.c's buffers compact.
 */
void
tls_ctx_defaults(SSL_CTX *ctx)
{
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

EVP_PKEY *
pem_key_message(const struct rpxd_conf *c, struct msgbuf *mb, uint32_t idx[3])
{
	uint32_t	 len;
	struct blob	 pem;
	EVP_PKEY	*key;

	if (msgbuf_get_u32(mb, &idx[0]) == -1 ||
	    msgbuf_get_u32(mb, &idx[1]) == -1 ||
	    msgbuf_get_u32(mb, &idx[2]) == -1 ||
	    msgbuf_get_u32(mb, &len) == -1 || len == 0 ||
	    len > RPXD_PEM_MAX || len != mb->mb_len - mb->mb_off)
		return NULL;
	if (!(idx[0] == TLS_KEY_LISTENER && idx[1] < c->rc_nlisteners &&
	    idx[2] < c->rc_listeners[idx[1]].ls_ncerts) &&
	    !(idx[0] == TLS_KEY_BACKEND && idx[1] < c->rc_nbackends &&
	    idx[2] == 0))
		return NULL;
	pem.bl_data = mb->mb_data + mb->mb_off;
	pem.bl_len = len;
	mb->mb_off += len;
	key = pem_private_key(&pem);
	explicit_bzero(pem.bl_data, len);
	if (key != NULL && msgbuf_end(mb) == -1) {
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}
