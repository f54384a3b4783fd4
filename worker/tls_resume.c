/*
 * Session resumption bound to the SNI name (RFC 6066 section 3: the server
 * MUST NOT resume a session when the name offered now differs from the
 * session's). OpenSSL resumes regardless of the name, and in TLS 1.3 then
 * reports the new name, so a request for a name whose certificate was never
 * shown would pass the Host/SNI check. tls_server.c and tls_tickets.c
 * install these callbacks on every listener context.
 *
 * The name the client offers is taken from the raw ClientHello, in the
 * client-hello callback, because that is the only hook that runs before
 * the session is looked up in both versions: TLS 1.2 decrypts the ticket
 * (ssl_get_prev_session) before it parses the server_name extension, TLS
 * 1.3 decrypts it while parsing pre_shared_key. The ticket decryption
 * callback (SSL_CTX_set_session_ticket_cb) then refuses a session for
 * another name with SSL_TICKET_RETURN_IGNORE_RENEW, which means a full
 * handshake (certificate chosen by SNI as usual) and a fresh ticket; in
 * TLS 1.3 the PSK is simply not selected, in TLS 1.2 the ticket is treated
 * as undecryptable. That covers every session rpxd can resume, as the
 * session cache is off (tls_server.c). tls_resume_check, called from the
 * servername callback after the resumption decision, fails the handshake
 * should a session ever be resumed some other way for another name.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/ssl.h>

#include "log.h"
#include "tls.h"

enum { OFFER_NONE, OFFER_NAME, OFFER_BAD };

struct sni_offer {
	int	so_state;
	size_t	so_len;
	char	so_name[TLSEXT_MAXLEN_host_name + 1];
};

static int	offer_idx = -1;

static void
offer_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
    void *argp)
{
	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	free(ptr);
}

/* The server_name extension as OpenSSL accepts it: a list holding exactly
 * one host_name of 1..255 bytes without a NUL; anything else is OFFER_BAD
 * (OpenSSL then fails the handshake anyway). */
static void
offer_parse(struct sni_offer *so, const unsigned char *p, size_t len)
{
	size_t	list, name;

	so->so_state = OFFER_BAD;
	if (len < 5)
		return;
	list = (size_t)p[0] << 8 | p[1];
	name = (size_t)p[3] << 8 | p[4];
	if (list != len - 2 || p[2] != TLSEXT_NAMETYPE_host_name ||
	    name != list - 3 || name == 0 || name > TLSEXT_MAXLEN_host_name ||
	    memchr(p + 5, '\0', name) != NULL)
		return;
	memcpy(so->so_name, p + 5, name);
	so->so_name[name] = '\0';
	so->so_len = name;
	so->so_state = OFFER_NAME;
}

static int
client_hello_cb(SSL *ssl, int *alert, void *arg)
{
	struct sni_offer	*so;
	const unsigned char	*ext;
	size_t			 len;

	(void)arg;
	if ((so = SSL_get_ex_data(ssl, offer_idx)) == NULL) {
		if ((so = calloc(1, sizeof(*so))) == NULL ||
		    SSL_set_ex_data(ssl, offer_idx, so) != 1) {
			free(so);
			*alert = SSL_AD_INTERNAL_ERROR;
			return SSL_CLIENT_HELLO_ERROR;
		}
	}
	so->so_state = OFFER_NONE;
	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext,
	    &len) == 1)
		offer_parse(so, ext, len);
	return SSL_CLIENT_HELLO_SUCCESS;
}

/* May sess be resumed under the name this ClientHello offers? DNS names
 * compare without regard to case; no name matches only no name. */
static int
resume_allowed(SSL *ssl, const SSL_SESSION *sess)
{
	const struct sni_offer	*so = SSL_get_ex_data(ssl, offer_idx);
	const char		*had = SSL_SESSION_get0_hostname(sess);

	if (so == NULL || so->so_state == OFFER_BAD)
		return 0;
	if (so->so_state == OFFER_NONE || had == NULL)
		return so->so_state == OFFER_NONE && had == NULL;
	return strlen(had) == so->so_len &&
	    strncasecmp(had, so->so_name, so->so_len) == 0;
}

static SSL_TICKET_RETURN
ticket_decrypted(SSL *ssl, SSL_SESSION *sess, const unsigned char *keyname,
    size_t keyname_len, SSL_TICKET_STATUS status, void *arg)
{
	(void)keyname;
	(void)keyname_len;
	(void)arg;
	if (status != SSL_TICKET_SUCCESS && status != SSL_TICKET_SUCCESS_RENEW)
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	if (!resume_allowed(ssl, sess)) {
		log_debug("tls: a session ticket for another server name "
		    "(SNI) is not resumed: full handshake");
		return SSL_TICKET_RETURN_IGNORE_RENEW;
	}
	/* SUCCESS_RENEW: made with the previous key (tls_tickets.c). */
	return status == SSL_TICKET_SUCCESS ? SSL_TICKET_RETURN_USE :
	    SSL_TICKET_RETURN_USE_RENEW;
}

void
tls_resume_attach(SSL_CTX *ctx)
{
	if (offer_idx == -1 && (offer_idx = SSL_get_ex_new_index(0,
	    (void *)(uintptr_t)"sni offer", NULL, NULL, offer_free)) == -1)
		fatalx("tls: SSL_get_ex_new_index failed");
	SSL_CTX_set_client_hello_cb(ctx, client_hello_cb, NULL);
	if (SSL_CTX_set_session_ticket_cb(ctx, NULL, ticket_decrypted,
	    NULL) != 1)
		fatalx("tls: SSL_CTX_set_session_ticket_cb failed");
}

int
tls_resume_check(SSL *ssl)
{
	SSL_SESSION	*sess;

	if (!SSL_session_reused(ssl) || (sess = SSL_get_session(ssl)) == NULL)
		return 0;
	return resume_allowed(ssl, sess) ? 0 : -1;
}
