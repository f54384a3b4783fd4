/*
 * OCSP responses for the listener certificates: the checks a response
 * must pass before rpxd staples it (ocsp_check.c: the master at load and
 * for every fetched answer; the unit tests), and the request the master
 * builds for the health checker to send (ocsp_request.c).
 */
#ifndef RPXD_OCSP_H
#define RPXD_OCSP_H

#include <stddef.h>
#include <time.h>

#include <openssl/x509.h>

#include "config.h"

#define OCSP_DER_MAX		(64u * 1024)	/* bytes of one response */
#define OCSP_SKEW		300	/* s of clock difference tolerated */
#define OCSP_WARN_SECS		86400	/* expiring sooner: a warning */

enum ocsp_cert_status {
	OCSP_ST_GOOD = 0,
	OCSP_ST_REVOKED,
	OCSP_ST_UNKNOWN,
	OCSP_ST_INVALID		/* no status: the response itself is bad */
};

struct ocsp_info {
	int	oi_status;		/* enum ocsp_cert_status */
	time_t	oi_this_update;
	time_t	oi_next_update;		/* 0: the response gives none */
	time_t	oi_revoked_at;		/* OCSP_ST_REVOKED only */
};

/*
 * Is der a good OCSP response for the first certificate of chain_pem?
 * It must parse, be "successful", hold a single response for that
 * certificate (its ID made with the issuer found in the chain), be signed
 * by the issuer or by a responder the issuer delegated to, say "good",
 * and be within thisUpdate..nextUpdate now (OCSP_SKEW tolerated on
 * thisUpdate). 0 if so; else -1 and why (oi_status says whether the
 * certificate is revoked or unknown, or the response bad).
 */
int	ocsp_check(const struct blob *der, const struct blob *chain_pem,
	    struct ocsp_info *oi, char *why, size_t whylen);
/* Every certificate of a PEM chain, the leaf first (NULL if none), and
 * the one in it that issued the leaf (NULL if none). */
STACK_OF(X509)	*ocsp_chain_certs(const struct blob *pem);
X509		*ocsp_find_issuer(STACK_OF(X509) *sk);

/* ocsp_request.c (master). The responder of ct: its ocsp-responder or
 * the first OCSP URL of leaf's AIA, an http:// URL whose host is resolved
 * now, into ct's ct_ocsp_url, _host, _path, _addr; NULL, or why not. */
const char	*ocsp_responder(struct cert_conf *ct, X509 *leaf);
/* The DER request (RFC 6960, SHA-1 certificate ID, no nonce: answers are
 * shared by every client) for the first certificate of chain_pem; 0, or
 * -1. The caller frees req->bl_data with OPENSSL_free. */
int		 ocsp_request(const struct blob *chain_pem, struct blob *req);

#endif
