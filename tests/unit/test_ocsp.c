/*
 * Unit tests for ocsp_check.c (what an OCSP response must be before rpxd
 * staples it), ocsp_request.c (the responder and the request of
 * ocsp-fetch) and the worker's IPC_OCSP (tls_server_ocsp). A CA, its
 * leaves and responders are made here with OpenSSL, and so is every
 * response, good or bad in one way each.
 */
#include <sys/types.h>

#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <netinet/in.h>

#include "msgbuf.h"
#include "ocsp.h"
#include "tls.h"
#include "unit.h"

static EVP_PKEY	*ca_key, *leaf_key, *resp_key;
static X509	*ca, *leaf, *other, *resp_ok, *resp_noeku;
static struct blob chain;	/* leaf + ca, PEM */

/* A certificate for cn with key k, signed by issuer (NULL: itself). */
static X509 *
make_cert(const char *cn, EVP_PKEY *k, X509 *issuer, EVP_PKEY *ikey,
    long serial, const char *eku)
{
	X509		*x = X509_new();
	X509V3_CTX	 v3;
	X509_EXTENSION	*ext;

	ck_assert_ptr_nonnull(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer != NULL ?
	    issuer : x));
	X509V3_set_ctx(&v3, issuer != NULL ? issuer : x, x, NULL, NULL, 0);
	ck_assert_ptr_nonnull(ext = X509V3_EXT_conf_nid(NULL, &v3,
	    NID_basic_constraints, issuer == NULL ? "critical,CA:TRUE" :
	    "CA:FALSE"));
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (eku != NULL) {
		ck_assert_ptr_nonnull(ext = X509V3_EXT_conf_nid(NULL, &v3,
		    NID_ext_key_usage, eku));
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	ck_assert_int_gt(X509_sign(x, ikey != NULL ? ikey : k,
	    EVP_sha256()), 0);
	return x;
}

static void
pem_chain(struct blob *b, X509 *a, X509 *c)
{
	BIO	*bio = BIO_new(BIO_s_mem());
	char	*p;
	long	 n;

	ck_assert_ptr_nonnull(bio);
	PEM_write_bio_X509(bio, a);
	if (c != NULL)
		PEM_write_bio_X509(bio, c);
	n = BIO_get_mem_data(bio, &p);
	ck_assert_ptr_nonnull(b->bl_data = malloc((size_t)n));
	memcpy(b->bl_data, p, (size_t)n);
	b->bl_len = (size_t)n;
	BIO_free(bio);
}

static void
setup(void)
{
	ck_assert_ptr_nonnull(ca_key = EVP_EC_gen("P-256"));
	ck_assert_ptr_nonnull(leaf_key = EVP_EC_gen("P-256"));
	ck_assert_ptr_nonnull(resp_key = EVP_EC_gen("P-256"));
	ca = make_cert("unit CA", ca_key, NULL, NULL, 1, NULL);
	leaf = make_cert("leaf", leaf_key, ca, ca_key, 2, "serverAuth");
	other = make_cert("other", leaf_key, ca, ca_key, 3, "serverAuth");
	resp_ok = make_cert("responder", resp_key, ca, ca_key, 4,
	    "OCSPSigning");
	resp_noeku = make_cert("not a responder", resp_key, ca, ca_key, 5,
	    "serverAuth");
	pem_chain(&chain, leaf, ca);
}

static void
teardown(void)
{
	X509_free(ca);
	X509_free(leaf);
	X509_free(other);
	X509_free(resp_ok);
	X509_free(resp_noeku);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(leaf_key);
	EVP_PKEY_free(resp_key);
	blob_free(&chain);
}

/* A DER response about cert, signed by signer/skey, status and dates in
 * seconds from now (to == 0: no nextUpdate). */
static void
make_resp(struct blob *b, X509 *cert, X509 *signer, EVP_PKEY *skey,
    int status, long from, long to)
{
	OCSP_BASICRESP	*bs = OCSP_BASICRESP_new();
	OCSP_CERTID	*id = OCSP_cert_to_id(NULL, cert, ca);
	ASN1_TIME	*thisupd = X509_gmtime_adj(NULL, from);
	ASN1_TIME	*nextupd = to != 0 ? X509_gmtime_adj(NULL, to) : NULL;
	ASN1_TIME	*rev = X509_gmtime_adj(NULL, -86400);
	OCSP_RESPONSE	*r;
	unsigned char	*der = NULL;
	int		 n;

	ck_assert_ptr_nonnull(bs);
	ck_assert_ptr_nonnull(OCSP_basic_add1_status(bs, id, status,
	    status == V_OCSP_CERTSTATUS_REVOKED ?
	    OCSP_REVOKED_STATUS_KEYCOMPROMISE : OCSP_REVOKED_STATUS_NOSTATUS,
	    status == V_OCSP_CERTSTATUS_REVOKED ? rev : NULL, thisupd,
	    nextupd));
	ck_assert_int_eq(OCSP_basic_sign(bs, signer, skey, EVP_sha256(), NULL,
	    0), 1);
	ck_assert_ptr_nonnull(r = OCSP_response_create(
	    OCSP_RESPONSE_STATUS_SUCCESSFUL, bs));
	ck_assert_int_gt(n = i2d_OCSP_RESPONSE(r, &der), 0);
	b->bl_data = der;
	b->bl_len = (size_t)n;
	OCSP_RESPONSE_free(r);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	ASN1_TIME_free(thisupd);
	ASN1_TIME_free(nextupd);
	ASN1_TIME_free(rev);
}

static int
check(struct blob *resp, struct ocsp_info *oi, char *why, size_t len)
{
	int	rv = ocsp_check(resp, &chain, oi, why, len);

	OPENSSL_free(resp->bl_data);
	resp->bl_data = NULL;
	return rv;
}

START_TEST(good_from_issuer_and_delegate)
{
	struct blob		r;
	struct ocsp_info	oi;
	char			why[256];
	time_t			now = time(NULL);

	make_resp(&r, leaf, ca, ca_key, V_OCSP_CERTSTATUS_GOOD, -60, 3600);
	ck_assert_int_eq(check(&r, &oi, why, sizeof(why)), 0);
	ck_assert_int_eq(oi.oi_status, OCSP_ST_GOOD);
	ck_assert(oi.oi_next_update >= now + 3590 &&
	    oi.oi_next_update <= now + 3610);
	ck_assert(oi.oi_this_update >= now - 70 && oi.oi_this_update <= now);
	make_resp(&r, leaf, resp_ok, resp_key, V_OCSP_CERTSTATUS_GOOD, -60,
	    86400);
	ck_assert_int_eq(check(&r, &oi, why, sizeof(why)), 0);
	/* no nextUpdate: accepted, and said so by oi_next_update 0 */
	make_resp(&r, leaf, ca, ca_key, V_OCSP_CERTSTATUS_GOOD, -60, 0);
	ck_assert_int_eq(check(&r, &oi, why, sizeof(why)), 0);
	ck_assert(oi.oi_next_update == 0);
}
END_TEST

START_TEST(bad_signers)
{
	struct blob		r;
	struct ocsp_info	oi;
	char			why[256];

	/* a certificate of the CA without the OCSP signing purpose */
	make_resp(&r, leaf, resp_noeku, resp_key, V_OCSP_CERTSTATUS_GOOD, -60,
	    3600);
	ck_assert_int_eq(check(&r, &oi, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "signature is not the issuer's"));
	ck_assert_int_eq(oi.oi_status, OCSP_ST_INVALID);
	/* the leaf's own key, self-proclaimed */
	make_resp(&r, leaf, leaf, leaf_key, V_OCSP_CERTSTATUS_GOOD, -60,
	    3600);
	ck_assert_int_eq(check(&r, &oi, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "signature"));
}
END_TEST

START_TEST(wrong_or_garbage)
{
	struct blob		r, copy;
	struct ocsp_info	oi;
	char			why[256];
	unsigned char		junk[300];

	make_resp(&r, other, ca, ca_key, V_OCSP_CERTSTATUS_GOOD, -60, 3600);
	ck_assert_int_eq(check(&r, &oi, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "no response for this certificate"));
	memset(junk, 'A', sizeof(junk));
	r = (struct blob){ junk, sizeof(junk) };
	ck_assert_int_eq(ocsp_check(&r, &chain, &oi, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "not a DER OCSP response"));
	r = (struct blob){ junk, 0 };
	ck_assert_int_eq(ocsp_check(&r, &chain, &oi, why, sizeof(why)), -1);
	/* a good response with a byte after it */
	make_resp(&r, leaf, ca, ca_key, V_OCSP_CERTSTATUS_GOOD, -60, 3600);
	ck_assert_ptr_nonnull(copy.bl_data = malloc(r.bl_len + 1));
	memcpy(copy.bl_data, r.bl_data, r.bl_len);
	copy.bl_data[r.bl_len] = 0;
	copy.bl_len = r.bl_len + 1;
	ck_assert_int_eq(ocsp_check(&copy, &chain, &oi, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "bytes after its end"));
	copy.bl_len--;
	ck_assert_int_eq(ocsp_check(&copy, &chain, &oi, why, sizeof(why)), 0);
	free(copy.bl_data);
	/* too long, whatever it holds */
	copy.bl_len = OCSP_DER_MAX + 1;
	ck_assert_int_eq(ocsp_check(&copy, &chain, &oi, why, sizeof(why)), -1);
	OPENSSL_free(r.bl_data);
}
END_TEST

START_TEST(status_and_dates)
{
	struct blob		r;
	struct ocsp_info	oi;
	char			why[256];

	make_resp(&r, leaf, ca, ca_key, V_OCSP_CERTSTATUS_REVOKED, -60, 3600);
	ck_assert_int_eq(check(&r, &oi, why, sizeof(why)), -1);
	ck_assert_int_eq(oi.oi_status, OCSP_ST_REVOKED);
	ck_assert_ptr_nonnull(strstr(why, "REVOKED"));
	make_resp(&r, leaf, ca, ca_key, V_OCSP_CERTSTATUS_UNKNOWN, -60, 3600);
	ck_assert_int_eq(check(&r, &oi, why, sizeof(why)), -1);
	ck_assert_int_eq(oi.oi_status, OCSP_ST_UNKNOWN);
	make_resp(&r, leaf, ca, ca_key, V_OCSP_CERTSTATUS_GOOD, -7200, -60);
	ck_assert_int_eq(check(&r, &oi, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "expired on"));
	make_resp(&r, leaf, ca, ca_key, V_OCSP_CERTSTATUS_GOOD, 3600, 7200);
	ck_assert_int_eq(check(&r, &oi, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "not valid before"));
	/* a clock a minute behind the responder's is tolerated */
	make_resp(&r, leaf, ca, ca_key, V_OCSP_CERTSTATUS_GOOD, 60, 7200);
	ck_assert_int_eq(check(&r, &oi, why, sizeof(why)), 0);
}
END_TEST

START_TEST(chain_without_issuer)
{
	struct blob		r, alone = { NULL, 0 };
	struct ocsp_info	oi;
	char			why[256];

	pem_chain(&alone, leaf, NULL);
	make_resp(&r, leaf, ca, ca_key, V_OCSP_CERTSTATUS_GOOD, -60, 3600);
	ck_assert_int_eq(ocsp_check(&r, &alone, &oi, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "issuer is not in its file"));
	OPENSSL_free(r.bl_data);
	blob_free(&alone);
}
END_TEST

/* A leaf with an AIA OCSP URL (NULL: no AIA). */
static X509 *
aia_leaf(const char *url)
{
	X509		*x = make_cert("aia", leaf_key, ca, ca_key, 9, NULL);
	X509V3_CTX	 v3;
	X509_EXTENSION	*ext;
	char		 v[256];

	if (url == NULL)
		return x;
	snprintf(v, sizeof(v), "OCSP;URI:%s", url);
	X509V3_set_ctx(&v3, ca, x, NULL, NULL, 0);
	ck_assert_ptr_nonnull(ext = X509V3_EXT_conf_nid(NULL, &v3,
	    NID_info_access, v));
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ck_assert_int_gt(X509_sign(x, ca_key, EVP_sha256()), 0);
	return x;
}

START_TEST(responder_from_aia_or_option)
{
	struct cert_conf	 ct;
	X509			*x;
	struct sockaddr_in	*sin;

	memset(&ct, 0, sizeof(ct));
	x = aia_leaf("http://127.0.0.1:8891/ocsp/a?b=1");
	ck_assert_ptr_null(ocsp_responder(&ct, x));
	ck_assert_str_eq(ct.ct_ocsp_url, "http://127.0.0.1:8891/ocsp/a?b=1");
	ck_assert_str_eq(ct.ct_ocsp_host, "127.0.0.1:8891");
	ck_assert_str_eq(ct.ct_ocsp_path, "/ocsp/a?b=1");
	sin = (struct sockaddr_in *)&ct.ct_ocsp_addr;
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_int_eq(ntohs(sin->sin_port), 8891);
	/* the option wins over the AIA; port 80 is not in Host */
	memset(&ct, 0, sizeof(ct));
	snprintf(ct.ct_ocsp_url, sizeof(ct.ct_ocsp_url), "http://127.0.0.1");
	ck_assert_ptr_null(ocsp_responder(&ct, x));
	ck_assert_str_eq(ct.ct_ocsp_host, "127.0.0.1");
	ck_assert_str_eq(ct.ct_ocsp_path, "/");
	X509_free(x);
	memset(&ct, 0, sizeof(ct));
	x = aia_leaf("https://127.0.0.1/ocsp");
	ck_assert_ptr_nonnull(strstr(ocsp_responder(&ct, x), "https://"));
	X509_free(x);
	memset(&ct, 0, sizeof(ct));
	x = aia_leaf(NULL);
	ck_assert_ptr_nonnull(strstr(ocsp_responder(&ct, x), "names no OCSP "
	    "responder"));
	X509_free(x);
}
END_TEST

START_TEST(request_for_the_leaf)
{
	struct blob		 req, alone = { NULL, 0 };
	const unsigned char	*p;
	OCSP_REQUEST		*rq;
	OCSP_CERTID		*mine;

	ck_assert_int_eq(ocsp_request(&chain, &req), 0);
	p = req.bl_data;
	ck_assert_ptr_nonnull(rq = d2i_OCSP_REQUEST(NULL, &p,
	    (long)req.bl_len));
	ck_assert_int_eq(OCSP_request_onereq_count(rq), 1);
	mine = OCSP_cert_to_id(NULL, leaf, ca);
	ck_assert_int_eq(OCSP_id_cmp(mine, OCSP_onereq_get0_id(
	    OCSP_request_onereq_get0(rq, 0))), 0);
	OCSP_CERTID_free(mine);
	OCSP_REQUEST_free(rq);
	OPENSSL_free(req.bl_data);
	pem_chain(&alone, leaf, NULL);
	ck_assert_int_eq(ocsp_request(&alone, &req), -1);
	blob_free(&alone);
}
END_TEST

/* An IPC_OCSP payload: listener, certificate, nextUpdate, len, bytes. */
static void
ocsp_msg(struct msgbuf *mb, uint32_t l, uint32_t j, uint32_t len,
    size_t real)
{
	unsigned char	der[64];

	memset(der, 0x30, sizeof(der));
	msgbuf_init(mb);
	msgbuf_put_u32(mb, l);
	msgbuf_put_u32(mb, j);
	msgbuf_put_u64(mb, 1234567890);
	msgbuf_put_u32(mb, len);
	if (real > 0)
		msgbuf_put_bytes(mb, der, real);
}

START_TEST(worker_takes_bounded_updates)
{
	struct rpxd_conf	 c;
	struct listener_conf	 ls[2];
	struct cert_conf	 ct[1];
	struct msgbuf		 mb;

	memset(&c, 0, sizeof(c));
	memset(ls, 0, sizeof(ls));
	memset(ct, 0, sizeof(ct));
	ls[0].ls_ncerts = 1;
	ls[0].ls_certs = ct;
	c.rc_nlisteners = 2;	/* the second has no certificate */
	c.rc_listeners = ls;
	ocsp_msg(&mb, 0, 0, 64, 64);
	ck_assert_int_eq(tls_server_ocsp(&c, &mb), 0);
	ck_assert_uint_eq(ct[0].ct_ocsp_der.bl_len, 64);
	ck_assert_int_eq(ct[0].ct_ocsp_next, 1234567890);
	msgbuf_free(&mb);
	ocsp_msg(&mb, 0, 0, 0, 0);	/* none: stop stapling */
	ck_assert_int_eq(tls_server_ocsp(&c, &mb), 0);
	ck_assert_uint_eq(ct[0].ct_ocsp_der.bl_len, 0);
	msgbuf_free(&mb);
	ocsp_msg(&mb, 1, 0, 64, 64);	/* a listener without certificates */
	ck_assert_int_eq(tls_server_ocsp(&c, &mb), -1);
	msgbuf_free(&mb);
	ocsp_msg(&mb, 2, 0, 64, 64);
	ck_assert_int_eq(tls_server_ocsp(&c, &mb), -1);
	msgbuf_free(&mb);
	ocsp_msg(&mb, 0, 0, 65, 64);	/* longer than what follows */
	ck_assert_int_eq(tls_server_ocsp(&c, &mb), -1);
	msgbuf_free(&mb);
	ocsp_msg(&mb, 0, 0, 63, 64);	/* bytes after it */
	ck_assert_int_eq(tls_server_ocsp(&c, &mb), -1);
	msgbuf_free(&mb);
	ocsp_msg(&mb, 0, 0, OCSP_DER_MAX + 1, 0);
	ck_assert_int_eq(tls_server_ocsp(&c, &mb), -1);
	msgbuf_free(&mb);
	blob_free(&ct[0].ct_ocsp_der);
}
END_TEST

Suite *
suite_ocsp(void)
{
	Suite	*s = suite_create("ocsp");
	TCase	*tc = tcase_create("check");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_from_issuer_and_delegate);
	tcase_add_test(tc, bad_signers);
	tcase_add_test(tc, wrong_or_garbage);
	tcase_add_test(tc, status_and_dates);
	tcase_add_test(tc, chain_without_issuer);
	tcase_add_test(tc, responder_from_aia_or_option);
	tcase_add_test(tc, request_for_the_leaf);
	tcase_add_test(tc, worker_takes_bounded_updates);
	suite_add_tcase(s, tc);
	return s;
}
