/*
 * TLS listeners in the worker: one SSL_CTX per group of certificates with
 * the same names (an RSA and an ECDSA certificate for the same SANs share
 * one, and OpenSSL offers the one the client can verify), chosen by SNI
 * against the certificates' SANs, exact names before wildcards; the first
 * certificate is the default. HTTP/1.1 is the only ALPN protocol; OCSP
 * responses are stapled when the operator gave one. Called by worker.c at
 * start-up (tls_server_init) and session.c per connection.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ipc.h"
#include "log.h"
#include "metrics_worker.h"
#include "ocsp.h"
#include "tls.h"
#include "tls_pem.h"
#include "worker.h"

#define SAN_KEY_MAX	8192	/* the sorted names that group certificates */

struct tls_cert {
	X509			*tc_leaf;
	unsigned		 tc_group;
	struct blob		 tc_ocsp;	/* DER, or bl_len 0 */
	int64_t			 tc_ocsp_next;	/* its nextUpdate; 0: none */
};

struct tls_listener {
	unsigned		 tl_ngroups;
	SSL_CTX			*tl_ctx[RPXD_MAX_CERTS];	/* [0]: default */
	char			*tl_key[RPXD_MAX_CERTS];	/* SAN set */
	unsigned		 tl_ncerts;
	struct tls_cert		 tl_certs[RPXD_MAX_CERTS];
};

static struct tls_listener	*tls_listeners;	/* per listener */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The certificate's DNS names, lower case, sorted, joined: certificates
 * with the same key serve the same names. */
static char *
san_key(X509 *x)
{
	GENERAL_NAMES	*gens = X509_get_ext_d2i(x, NID_subject_alt_name,
			    NULL, NULL);
	const char	*names[256];
	char		*key = calloc(1, SAN_KEY_MAX);
	int		 i, n = 0;
	size_t		 used = 0, len;

	for (i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens) && n < 256;
	    i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

		if (g->type == GEN_DNS)
			names[n++] = (const char *)ASN1_STRING_get0_data(
			    g->d.dNSName);
	}
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	for (i = 0; key != NULL && i < n; i++) {
		len = strlen(names[i]);
		if (used + len + 2 >= SAN_KEY_MAX)
			break;
		memcpy(key + used, names[i], len);
		used += len;
		key[used++] = ',';
	}
	for (len = 0; key != NULL && len < used; len++)
		if (key[len] >= 'A' && key[len] <= 'Z')
			key[len] = (char)(key[len] - 'A' + 'a');
	GENERAL_NAMES_free(gens);
	return key;
}

/* Which group serves name: an exact SAN first, then a wildcard. */
static int
group_for_name(const struct tls_listener *tl, const char *name)
{
	unsigned	i;
	int		pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < tl->tl_ncerts; i++)
			if (X509_check_host(tl->tl_certs[i].tc_leaf, name, 0,
			    pass == 0 ? X509_CHECK_FLAG_NO_WILDCARDS : 0,
			    NULL) == 1)
				return (int)tl->tl_certs[i].tc_group;
	return -1;
}

static int
sni_cb(SSL *ssl, int *alert, void *arg)
{
	const struct tls_listener	*tl = arg;
	const char			*name;
	int				 g;

	if (tls_resume_check(ssl) == -1) {
		*alert = SSL_AD_INTERNAL_ERROR;
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	}
	name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	if (name == NULL || tl->tl_ngroups < 2)
		return SSL_TLSEXT_ERR_OK;
	if ((g = group_for_name(tl, name)) > 0 &&
	    SSL_set_SSL_CTX(ssl, tl->tl_ctx[g]) == NULL)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	return SSL_TLSEXT_ERR_OK;
}

static int
alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const unsigned char	http11[] = "\x08http/1.1";
	unsigned char			*sel;

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, http11, sizeof(http11) - 1,
	    in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* Staple the response of the certificate in use, if there is one and
 * its nextUpdate has not passed: a client must not be shown a status
 * that is out of date (the master logs when that happens). */
static int
ocsp_cb(SSL *ssl, void *arg)
{
	const struct tls_listener	*tl = arg;
	X509				*cur = SSL_get_certificate(ssl);
	unsigned char			*copy;
	unsigned			 i;

	for (i = 0; i < tl->tl_ncerts; i++) {
		const struct blob *o = &tl->tl_certs[i].tc_ocsp;

		if (tl->tl_certs[i].tc_leaf != cur || o->bl_len == 0)
			continue;
		if (tl->tl_certs[i].tc_ocsp_next != 0 &&
		    (int64_t)time(NULL) >= tl->tl_certs[i].tc_ocsp_next)
			return SSL_TLSEXT_ERR_NOACK;
		if ((copy = OPENSSL_memdup(o->bl_data, o->bl_len)) == NULL)
			return SSL_TLSEXT_ERR_NOACK;
		if (SSL_set_tlsext_status_ocsp_resp(ssl, copy,
		    (long)o->bl_len) != 1) {
			OPENSSL_free(copy);
			return SSL_TLSEXT_ERR_NOACK;
		}
		return SSL_TLSEXT_ERR_OK;
	}
	return SSL_TLSEXT_ERR_NOACK;
}

/* The response to staple from now on (a copy: the master may send a
 * fresher one, see tls_server_ocsp). */
static int
set_ocsp(struct tls_cert *tc, const struct blob *der, int64_t next)
{
	unsigned char	*copy = NULL;

	if (der->bl_len > 0 && (copy = malloc(der->bl_len)) == NULL)
		return -1;
	if (copy != NULL)
		memcpy(copy, der->bl_data, der->bl_len);
	free(tc->tc_ocsp.bl_data);
	tc->tc_ocsp.bl_data = copy;
	tc->tc_ocsp.bl_len = der->bl_len;
	tc->tc_ocsp_next = next;
	return 0;
}

static int
proto_version(const char *list, int lowest)
{
	int	has12 = strstr(list, "TLSv1.2") != NULL,
		has13 = strstr(list, "TLSv1.3") != NULL;

	if (lowest)
		return has12 ? TLS1_2_VERSION : TLS1_3_VERSION;
	return has13 ? TLS1_3_VERSION : TLS1_2_VERSION;
}

static SSL_CTX *
server_ctx(const struct listener_conf *ls, struct tls_listener *tl)
{
	SSL_CTX	*ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL)
		return NULL;
	tls_ctx_defaults(ctx);
	if (SSL_CTX_set_min_proto_version(ctx,
	    proto_version(ls->ls_protocols, 1)) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx,
	    proto_version(ls->ls_protocols, 0)) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, ls->ls_ciphers) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, ls->ls_ciphersuites) != 1 ||
	    tls_set_groups(ctx, ls->ls_curves) != 1 ||
	    SSL_CTX_set_dh_auto(ctx, 1) != 1 ||
	    SSL_CTX_set_session_id_context(ctx,
	    (const unsigned char *)ls->ls_name, strlen(ls->ls_name)) != 1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* Resumption by tickets only, with keys every worker shares, and
	 * only under the session's own SNI name (tls_resume.c). */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, ls->ls_tls_tickets ? 1 : 0);
	if (!ls->ls_tls_tickets)	/* tls-tickets = false: no resumption */
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	tls_tickets_attach(ctx);
	tls_resume_attach(ctx);
	SSL_CTX_set_tlsext_servername_callback(ctx, sni_cb);
	SSL_CTX_set_tlsext_servername_arg(ctx, tl);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_cb, NULL);
	SSL_CTX_set_tlsext_status_cb(ctx, ocsp_cb);
	SSL_CTX_set_tlsext_status_arg(ctx, tl);
	/* An idle connection (keep-alive, long poll) holds no record
	 * buffers: 16 KiB and more each way, per connection. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	/* One read() per batch of records, not two per record (header,
	 * then body); io.c then asks the SSL object, not poll(), whether
	 * records are waiting. */
	SSL_CTX_set_read_ahead(ctx, 1);
	return ctx;
}

/* The leaf, its chain and its key into ctx; the leaf is returned. */
static X509 *
add_certificate(SSL_CTX *ctx, const struct blob *pem, unsigned listener,
    unsigned idx)
{
	X509	*leaf;

	if ((leaf = pem_use_chain(ctx, pem)) == NULL)
		return NULL;
	if (tls_keys_use(ctx, TLS_KEY_LISTENER, listener, idx) == -1) {
		X509_free(leaf);
		return NULL;
	}
	return leaf;
}

/* The group certificate j joins: one with its names and without a
 * certificate of its key type yet, else a new one. */
static int
join_group(const struct listener_conf *ls, struct tls_listener *tl,
    unsigned j, char *key)
{
	unsigned	g, i;
	int		type = EVP_PKEY_get_base_id(X509_get0_pubkey(
			    tl->tl_certs[j].tc_leaf)), clash;

	for (g = 0; g < tl->tl_ngroups; g++) {
		if (strcmp(tl->tl_key[g], key) != 0)
			continue;
		for (i = 0, clash = 0; i < j; i++)
			if (tl->tl_certs[i].tc_group == g &&
			    EVP_PKEY_get_base_id(X509_get0_pubkey(
			    tl->tl_certs[i].tc_leaf)) == type)
				clash = 1;
		if (!clash) {
			free(key);
			return (int)g;
		}
	}
	if ((tl->tl_ctx[g] = server_ctx(ls, tl)) == NULL)
		return -1;
	tl->tl_key[g] = key;
	tl->tl_ngroups++;
	return (int)g;
}

static void
listener_init(const struct listener_conf *ls, unsigned l,
    struct tls_listener *tl)
{
	X509		*probe;
	unsigned	 j;
	int		 g;

	for (j = 0; j < ls->ls_ncerts; j++) {
		const struct cert_conf *ct = &ls->ls_certs[j];

		/* The group is chosen by the leaf's names and key type. */
		if ((probe = pem_first_cert(&ct->ct_chain_pem)) == NULL)
			fatalx("tls: listener \"%s\": certificate %s: %s",
			    ls->ls_name, ct->ct_file, tls_error_string(TLS_PEER_GONE));
		tl->tl_certs[j].tc_leaf = probe;
		tl->tl_ncerts = j + 1;
		if ((g = join_group(ls, tl, j, san_key(probe))) == -1)
			fatalx("tls: listener \"%s\": %s", ls->ls_name,
			    tls_error_string(TLS_PEER_GONE));
		X509_free(probe);
		if ((tl->tl_certs[j].tc_leaf = add_certificate(tl->tl_ctx[g],
		    &ct->ct_chain_pem, l, j)) == NULL)
			fatalx("tls: listener \"%s\": certificate %s: %s",
			    ls->ls_name, ct->ct_file, tls_error_string(TLS_PEER_GONE));
		tl->tl_certs[j].tc_group = (unsigned)g;
		if (set_ocsp(&tl->tl_certs[j], &ct->ct_ocsp_der,
		    ct->ct_ocsp_next) == -1)
			fatal("tls: malloc");
	}
}

/*
 * An IPC_OCSP from the master: a fresher response (ocsp-fetch) for
 * certificate j of listener l, or none (len 0), for c and, once they
 * are built, the contexts; -1 if malformed.
 */
int
tls_server_ocsp(struct rpxd_conf *c, struct msgbuf *mb)
{
	struct cert_conf	*ct;
	struct blob		 der;
	uint32_t		 l, j, len;
	uint64_t		 next;

	if (msgbuf_get_u32(mb, &l) == -1 || l >= c->rc_nlisteners ||
	    msgbuf_get_u32(mb, &j) == -1 ||
	    j >= c->rc_listeners[l].ls_ncerts ||
	    msgbuf_get_u64(mb, &next) == -1 || next > INT64_MAX ||
	    msgbuf_get_u32(mb, &len) == -1 || len > OCSP_DER_MAX ||
	    len != mb->mb_len - mb->mb_off)
		return -1;
	der.bl_data = mb->mb_data + mb->mb_off;
	der.bl_len = len;
	ct = &c->rc_listeners[l].ls_certs[j];
	if (tls_listeners != NULL && set_ocsp(&tls_listeners[l].tl_certs[j],
	    &der, (int64_t)next) == -1)
		return -1;
	blob_free(&ct->ct_ocsp_der);
	if (len > 0 && (ct->ct_ocsp_der.bl_data = malloc(len)) == NULL)
		return -1;
	if (len > 0)
		memcpy(ct->ct_ocsp_der.bl_data, der.bl_data, len);
	ct->ct_ocsp_der.bl_len = len;
	ct->ct_ocsp_next = (int64_t)next;
	return 0;
}

void
tls_server_init(const struct rpxd_conf *c)
{
	unsigned	i;

	if ((tls_listeners = calloc(c->rc_nlisteners + 1,
	    sizeof(*tls_listeners))) == NULL)
		fatal("tls: calloc");
	for (i = 0; i < c->rc_nlisteners; i++)
		if (c->rc_listeners[i].ls_ncerts > 0)
			listener_init(&c->rc_listeners[i], i, &tls_listeners[i]);
}

int
tls_server_many_certs(unsigned listener)
{
	return tls_listeners[listener].tl_ngroups > 1;
}

/* A client that leaves before it said anything is not worth a warning. */
static void
accept_failed(struct worker_env *w, const char *why, int quiet)
{
	const char	*name = w->w_conf->rc_listeners[w->w_listener].ls_name;

	if (quiet)
		log_debug("tls: client %s listener \"%s\": handshake not "
		    "completed: %s", w->w_client_addr, name, why);
	else
		log_warnx("tls: client %s listener \"%s\": handshake failed: "
		    "%s", w->w_client_addr, name, why);
}

/*
 * Plain HTTP sent to a TLS listener: say so in plain HTTP, as the client
 * cannot read a TLS alert; best effort, the connection closes anyway.
 */
static int
plain_http_refused(struct worker_env *w)
{
	static const char	resp[] = "HTTP/1.1 400 Bad Request\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 45\r\n"
	    "Connection: close\r\n\r\n"
	    "400 Bad Request: this port speaks HTTPS only\n";

	if (ERR_GET_REASON(ERR_peek_last_error()) != SSL_R_HTTP_REQUEST)
		return 0;
	ERR_clear_error();
	(void)send(w->w_client.io_fd, resp, sizeof(resp) - 1, MSG_NOSIGNAL);
	accept_failed(w, "plain HTTP request to a TLS listener (400 sent)", 0);
	return 1;
}

int
tls_server_accept(struct worker_env *w)
{
	struct tls_listener	*tl = &tls_listeners[w->w_listener];
	struct io		*io = &w->w_client;
	int64_t			 deadline = now_ms() + 1000 *
				    (int64_t)addr_limit_head_timeout(w);
	int			 rv, quiet;

	if ((io->io_ssl = SSL_new(tl->tl_ctx[0])) == NULL ||
	    SSL_set_fd(io->io_ssl, io->io_fd) != 1) {
		accept_failed(w, tls_error_string(TLS_PEER_GONE), 0);
		return -1;
	}
	SSL_set_accept_state(io->io_ssl);
	tls_keys_deadline(deadline);
	rv = io_handshake(io, deadline);
	tls_keys_deadline(0);
	if (rv == 0) {
		metrics_tls_done(io->io_ssl);
		return 0;
	}
	metrics_tls_failed(rv == IO_TIMEOUT);
	if (rv == IO_TIMEOUT)
		accept_failed(w, "not completed within client-header-timeout",
		    0);
	else if (!plain_http_refused(w)) {
		/* No OpenSSL error: the peer just went away. */
		quiet = ERR_peek_error() == 0;
		accept_failed(w, tls_error_string(TLS_PEER_GONE), quiet);
	}
	return -1;
}

/*
 * The SNI name the connection was authenticated for, or NULL: the name
 * bound to its session, which is the name of the full handshake that
 * showed the certificate. (SSL_get_servername gives the name offered now
 * on a TLS 1.3 resumption; tls_resume.c refuses to resume under another
 * name, so the two agree, but the 421 check asks the session.)
 */
const char *
tls_server_name(const struct worker_env *w)
{
	SSL_SESSION	*sess;

	if (w->w_client.io_ssl == NULL ||
	    (sess = SSL_get_session(w->w_client.io_ssl)) == NULL)
		return NULL;
	return SSL_SESSION_get0_hostname(sess);
}
