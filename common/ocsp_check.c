/*
 * The checks an OCSP response passes before rpxd staples it: the master
 * calls ocsp_check at load (config_tls.c, for ocsp-response files) and
 * for every answer the health checker fetched (master/ocsp.c). A response
 * is accepted only for its own certificate, signed by that certificate's
 * issuer or a responder the issuer delegated to, "good", and current.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ocsp.h"
#include "tls_pem.h"

static int fail(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Every certificate of a PEM chain, the leaf first; NULL if none. */
STACK_OF(X509) *
ocsp_chain_certs(const struct blob *pem)
{
	STACK_OF(X509)	*sk = sk_X509_new_null();
	BIO		*bio;
	X509		*x;

	if (sk == NULL || pem->bl_len == 0 || pem->bl_len > INT32_MAX ||
	    (bio = BIO_new_mem_buf(pem->bl_data, (int)pem->bl_len)) == NULL) {
		sk_X509_free(sk);
		return NULL;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			break;
		}
	ERR_clear_error();
	BIO_free(bio);
	if (sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		return NULL;
	}
	return sk;
}

/* The certificate in the chain that issued the leaf, or NULL. */
X509 *
ocsp_find_issuer(STACK_OF(X509) *sk)
{
	X509	*leaf = sk_X509_value(sk, 0);
	int	 i;

	for (i = 1; i < sk_X509_num(sk); i++)
		if (X509_check_issued(sk_X509_value(sk, i), leaf) == X509_V_OK)
			return sk_X509_value(sk, i);
	return NULL;
}

static time_t
asn1_time(const ASN1_GENERALIZEDTIME *t)
{
	struct tm	tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

static void
time_str(time_t t, char *dst, size_t len)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(dst, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(dst, len, "%lld", (long long)t);
}

/* The single response for leaf: each one's ID is compared with the leaf's
 * made with the same hash (SHA-1 usually, SHA-256 sometimes). */
static OCSP_SINGLERESP *
find_single(OCSP_BASICRESP *bs, X509 *leaf, X509 *issuer)
{
	OCSP_SINGLERESP		*single;
	const OCSP_CERTID	*cid;
	OCSP_CERTID		*mine;
	ASN1_OBJECT		*md_oid = NULL;
	const EVP_MD		*md;
	int			 i, same;

	for (i = 0; i < OCSP_resp_count(bs); i++) {
		single = OCSP_resp_get0(bs, i);
		cid = OCSP_SINGLERESP_get0_id(single);
		if (OCSP_id_get0_info(NULL, &md_oid, NULL, NULL,
		    (OCSP_CERTID *)(uintptr_t)cid) != 1 ||
		    (md = EVP_get_digestbyobj(md_oid)) == NULL)
			continue;
		if ((mine = OCSP_cert_to_id(md, leaf, issuer)) == NULL)
			continue;
		same = OCSP_id_cmp(mine, cid) == 0;
		OCSP_CERTID_free(mine);
		if (same)
			return single;
	}
	return NULL;
}

/* Signed by the issuer, or by a certificate the issuer gave the OCSP
 * signing purpose to and the response carries: OpenSSL's rules, with
 * the issuer as the only trusted certificate. */
static int
check_signature(OCSP_BASICRESP *bs, X509 *issuer, char *why, size_t whylen)
{
	X509_STORE	*store = X509_STORE_new();
	STACK_OF(X509)	*certs = sk_X509_new_null();
	int		 ok = 0;

	if (store != NULL && certs != NULL && sk_X509_push(certs, issuer) &&
	    X509_STORE_add_cert(store, issuer) == 1 &&
	    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN) == 1)
		ok = OCSP_basic_verify(bs, certs, store, 0) > 0;
	sk_X509_free(certs);
	X509_STORE_free(store);
	if (ok) {
		ERR_clear_error();
		return 0;
	}
	return fail(why, whylen, "the signature is not the issuer's nor a "
	    "responder's it delegated to (%s)",
	    tls_error_string("verification failed"));
}

/* The status and the validity window of the single response. */
static int
check_status(OCSP_SINGLERESP *single, struct ocsp_info *oi, char *why,
    size_t whylen)
{
	ASN1_GENERALIZEDTIME	*thisupd = NULL, *nextupd = NULL, *rev = NULL;
	char			 date[64];
	int			 st, reason;
	time_t			 now = time(NULL);

	st = OCSP_single_get0_status(single, &reason, &rev, &thisupd,
	    &nextupd);
	oi->oi_this_update = asn1_time(thisupd);
	oi->oi_next_update = asn1_time(nextupd);
	if (st == V_OCSP_CERTSTATUS_REVOKED) {
		oi->oi_status = OCSP_ST_REVOKED;
		oi->oi_revoked_at = asn1_time(rev);
		time_str(oi->oi_revoked_at, date, sizeof(date));
		return fail(why, whylen, "the certificate is REVOKED (since "
		    "%s)", date);
	}
	if (st != V_OCSP_CERTSTATUS_GOOD) {
		oi->oi_status = OCSP_ST_UNKNOWN;
		return fail(why, whylen, "the responder does not know the "
		    "certificate (status \"unknown\")");
	}
	oi->oi_status = OCSP_ST_GOOD;
	if (oi->oi_this_update == 0 || (nextupd != NULL &&
	    oi->oi_next_update == 0))
		return fail(why, whylen, "thisUpdate or nextUpdate is not a "
		    "date");
	if (oi->oi_this_update > now + OCSP_SKEW) {
		time_str(oi->oi_this_update, date, sizeof(date));
		return fail(why, whylen, "not valid before %s (thisUpdate)",
		    date);
	}
	if (oi->oi_next_update != 0 && oi->oi_next_update <= now) {
		time_str(oi->oi_next_update, date, sizeof(date));
		return fail(why, whylen, "expired on %s (nextUpdate)", date);
	}
	if (OCSP_check_validity(thisupd, nextupd, OCSP_SKEW, -1) != 1)
		return fail(why, whylen, "outside its validity window (%s)",
		    tls_error_string("thisUpdate/nextUpdate"));
	return 0;
}

/* The parsed response's basic part, or NULL and why. */
static OCSP_BASICRESP *
basic_response(const struct blob *der, char *why, size_t whylen)
{
	const unsigned char	*p = der->bl_data;
	OCSP_RESPONSE		*resp;
	OCSP_BASICRESP		*bs = NULL;
	int			 st;

	if (der->bl_len == 0 || der->bl_len > OCSP_DER_MAX) {
		fail(why, whylen, "empty or longer than %u bytes",
		    OCSP_DER_MAX);
		return NULL;
	}
	resp = d2i_OCSP_RESPONSE(NULL, &p, (long)der->bl_len);
	if (resp == NULL || p != der->bl_data + der->bl_len) {
		ERR_clear_error();
		fail(why, whylen, "not a DER OCSP response%s", resp == NULL ?
		    "" : " (bytes after its end)");
	} else if ((st = OCSP_response_status(resp)) !=
	    OCSP_RESPONSE_STATUS_SUCCESSFUL)
		fail(why, whylen, "the responder answered \"%s\", not "
		    "\"successful\"", OCSP_response_status_str(st));
	else if ((bs = OCSP_response_get1_basic(resp)) == NULL) {
		ERR_clear_error();
		fail(why, whylen, "not a basic OCSP response");
	}
	OCSP_RESPONSE_free(resp);
	return bs;
}

int
ocsp_check(const struct blob *der, const struct blob *chain_pem,
    struct ocsp_info *oi, char *why, size_t whylen)
{
	STACK_OF(X509)	*sk = NULL;
	OCSP_BASICRESP	*bs;
	OCSP_SINGLERESP	*single;
	X509		*leaf, *issuer;
	char		 serial[80] = "?";
	int		 rv = -1;

	memset(oi, 0, sizeof(*oi));
	oi->oi_status = OCSP_ST_INVALID;
	if ((bs = basic_response(der, why, whylen)) == NULL)
		return -1;
	if ((sk = ocsp_chain_certs(chain_pem)) == NULL) {
		fail(why, whylen, "the certificate does not parse");
		goto done;
	}
	leaf = sk_X509_value(sk, 0);
	if ((issuer = ocsp_find_issuer(sk)) == NULL) {
		fail(why, whylen, "the certificate's issuer is not in its "
		    "file (put the chain after the certificate)");
		goto done;
	}
	if ((single = find_single(bs, leaf, issuer)) == NULL) {
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf),
		    NULL);
		char *hex = bn != NULL ? BN_bn2hex(bn) : NULL;

		if (hex != NULL)
			snprintf(serial, sizeof(serial), "%.64s", hex);
		OPENSSL_free(hex);
		BN_free(bn);
		fail(why, whylen, "holds no response for this certificate "
		    "(serial %s): another certificate's?", serial);
		goto done;
	}
	if (check_signature(bs, issuer, why, whylen) == -1)
		goto done;
	rv = check_status(single, oi, why, whylen);
done:
	ERR_clear_error();
	sk_X509_pop_free(sk, X509_free);
	OCSP_BASICRESP_free(bs);
	return rv;
}
