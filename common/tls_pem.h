/*
 * PEM data held in memory (struct blob): the first certificate, a private
 * key (also as the master sends it, pem_key_message), and a certificate
 * with its chain put into an SSL_CTX. The master
 * (config_tls.c) checks files with these; the worker (tls_*.c) builds its
 * contexts with them. Nothing here opens a file.
 */
#ifndef RPXD_TLS_PEM_H
#define RPXD_TLS_PEM_H

#include <openssl/ssl.h>

#include "config.h"

X509		*pem_first_cert(const struct blob *pem);
/* An IPC_TLS_KEY payload (u32 kind, u32 index, u32 index, PEM) for a
 * certificate c has: the key, with the PEM wiped in the message, and
 * its kind and indexes in idx; NULL if malformed. */
struct msgbuf;
EVP_PKEY	*pem_key_message(const struct rpxd_conf *c, struct msgbuf *mb,
		    uint32_t idx[3]);
EVP_PKEY	*pem_private_key(const struct blob *pem);
/* The leaf of pem as ctx's certificate, the rest as its chain; the leaf
 * is returned (the caller holds a reference), or NULL. */
X509		*pem_use_chain(SSL_CTX *ctx, const struct blob *pem);
/* OpenSSL's macros for these cast away const; these take a copy. */
int		 tls_set_groups(SSL_CTX *ctx, const char *list);
int		 tls_set_sni(SSL *ssl, const char *name);
/* The last OpenSSL error as text (none: if_none), and the queue emptied.
 * TLS_PEER_GONE is what to say when a peer just went away. */
#define TLS_PEER_GONE	"connection closed or reset"
const char	*tls_error_string(const char *if_none);
/* The options every context of rpxd has, server or client. */
void		 tls_ctx_defaults(SSL_CTX *ctx);

#endif
