/*
 * What the master needs to fetch a certificate's OCSP response itself
 * (ocsp-fetch): the responder, from ocsp-responder or the certificate's
 * Authority Information Access, parsed and resolved at load
 * (config_tls.c), and the DER request the health checker posts to it
 * (master/ocsp.c). The checker gets only these: no private data.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "ocsp.h"

/* The first OCSP URL of the leaf's AIA into url; 0, or -1 if none. */
static int
aia_url(X509 *leaf, char *url, size_t len)
{
	STACK_OF(OPENSSL_STRING)	*urls = X509_get1_ocsp(leaf);
	int				 rv = -1;

	if (urls != NULL && sk_OPENSSL_STRING_num(urls) > 0 &&
	    strlen(sk_OPENSSL_STRING_value(urls, 0)) < len) {
		snprintf(url, len, "%s", sk_OPENSSL_STRING_value(urls, 0));
		rv = 0;
	}
	X509_email_free(urls);	/* frees any list of strings */
	return rv;
}

static const char *
resolve(struct cert_conf *ct, const char *host, const char *port)
{
	struct addrinfo	 hints, *res;
	int		 rv;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rv = getaddrinfo(host, port, &hints, &res)) != 0)
		return gai_strerror(rv);
	if (res->ai_addrlen > sizeof(ct->ct_ocsp_addr) ||
	    (res->ai_family != AF_INET && res->ai_family != AF_INET6)) {
		freeaddrinfo(res);
		return "not an IPv4 or IPv6 address";
	}
	memset(&ct->ct_ocsp_addr, 0, sizeof(ct->ct_ocsp_addr));
	memcpy(&ct->ct_ocsp_addr, res->ai_addr, res->ai_addrlen);
	ct->ct_ocsp_addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return NULL;
}

const char *
ocsp_responder(struct cert_conf *ct, X509 *leaf)
{
	char		*host = NULL, *port = NULL, *path = NULL, *query = NULL;
	const char	*why = NULL;
	int		 tls = 0, n;

	if (ct->ct_ocsp_url[0] == '\0' &&
	    aia_url(leaf, ct->ct_ocsp_url, sizeof(ct->ct_ocsp_url)) == -1)
		return "the certificate names no OCSP responder (Authority "
		    "Information Access); set ocsp-responder";
	if (OSSL_HTTP_parse_url(ct->ct_ocsp_url, &tls, NULL, &host, &port,
	    NULL, &path, &query, NULL) != 1)
		why = "the responder URL does not parse";
	else if (tls)
		why = "the responder URL is https://: OCSP is fetched over "
		    "http:// (RFC 6960 appendix A), set ocsp-responder";
	else if ((why = resolve(ct, host, port)) == NULL) {
		n = snprintf(ct->ct_ocsp_host, sizeof(ct->ct_ocsp_host),
		    strchr(host, ':') != NULL ? "[%s]%s%s" : "%s%s%s", host,
		    strcmp(port, "80") != 0 ? ":" : "",
		    strcmp(port, "80") != 0 ? port : "");
		if (n < 0 || (size_t)n >= sizeof(ct->ct_ocsp_host))
			why = "the responder's host name is too long";
		if (query != NULL && query[0] == '\0') {
			OPENSSL_free(query);
			query = NULL;
		}
		n = snprintf(ct->ct_ocsp_path, sizeof(ct->ct_ocsp_path),
		    "%s%s%s", path, query != NULL ? "?" : "",
		    query != NULL ? query : "");
		if (n < 0 || (size_t)n >= sizeof(ct->ct_ocsp_path))
			why = "the responder's path is too long";
	}
	ERR_clear_error();
	OPENSSL_free(host);
	OPENSSL_free(port);
	OPENSSL_free(path);
	OPENSSL_free(query);
	return why;
}

int
ocsp_request(const struct blob *chain_pem, struct blob *req)
{
	STACK_OF(X509)	*sk;
	OCSP_REQUEST	*rq = NULL;
	OCSP_CERTID	*id = NULL;
	X509		*issuer;
	unsigned char	*der = NULL;
	int		 n = -1;

	memset(req, 0, sizeof(*req));
	if ((sk = ocsp_chain_certs(chain_pem)) == NULL)
		return -1;
	if ((issuer = ocsp_find_issuer(sk)) != NULL &&
	    (rq = OCSP_REQUEST_new()) != NULL &&
	    (id = OCSP_cert_to_id(NULL, sk_X509_value(sk, 0), issuer)) != NULL &&
	    OCSP_request_add0_id(rq, id) != NULL) {
		id = NULL;	/* the request holds it */
		n = i2d_OCSP_REQUEST(rq, &der);
	}
	OCSP_CERTID_free(id);
	OCSP_REQUEST_free(rq);
	sk_X509_pop_free(sk, X509_free);
	ERR_clear_error();
	if (n <= 0)
		return -1;
	req->bl_data = der;	/* OPENSSL_free */
	req->bl_len = (size_t)n;
	return 0;
}
