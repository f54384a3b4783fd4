/*
 * Unit tests for the Extended Protection check's comparison (ep_cert.c):
 * which listener certificate serves a host (exact SAN before wildcard,
 * else the default, as the workers' SNI callback), DER equality, and how
 * a certificate is described in the warning. Certificates are made here.
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ep_cert.h"
#include "unit.h"

/* A self-signed certificate named cn for san (a control byte in cn
 * tests the describing). */
static X509 *
cert(const char *cn, const char *san)
{
	EVP_PKEY	*k = EVP_EC_gen("P-256");
	X509		*x = X509_new();
	X509V3_CTX	 v3;
	X509_EXTENSION	*ext;

	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_nonnull(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ck_assert_ptr_nonnull(ext = X509V3_EXT_conf_nid(NULL, &v3,
	    NID_subject_alt_name, san));
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
	EVP_PKEY_free(k);
	return x;
}

START_TEST(listener_cert_as_sni_picks)
{
	X509	*l[3];

	l[0] = cert("default", "DNS:owa.example.com");
	l[1] = cert("wild", "DNS:*.example.com");
	l[2] = cert("mail", "DNS:mail.example.com");
	/* exact before wildcard, though the wildcard comes first */
	ck_assert_uint_eq(ep_listener_cert(l, 3, "mail.example.com"), 2);
	ck_assert_uint_eq(ep_listener_cert(l, 3, "MAIL.example.com"), 2);
	ck_assert_uint_eq(ep_listener_cert(l, 3, "owa.example.com"), 0);
	ck_assert_uint_eq(ep_listener_cert(l, 3, "x.example.com"), 1);
	/* a route's wildcard host: the wildcard SAN as written */
	ck_assert_uint_eq(ep_listener_cert(l, 3, "*.example.com"), 1);
	/* nobody's name, and a route for any host: the default */
	ck_assert_uint_eq(ep_listener_cert(l, 3, "other.org"), 0);
	ck_assert_uint_eq(ep_listener_cert(l, 3, NULL), 0);
	X509_free(l[0]);
	X509_free(l[1]);
	X509_free(l[2]);
}
END_TEST

START_TEST(same_is_der_equality)
{
	X509		*a = cert("a", "DNS:a.example.com");
	X509		*b = cert("a", "DNS:a.example.com");	/* other key */
	unsigned char	*der = NULL;
	int		 n = i2d_X509(a, &der);

	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(ep_same_cert(a, der, (size_t)n), 1);
	ck_assert_int_eq(ep_same_cert(b, der, (size_t)n), 0);
	ck_assert_int_eq(ep_same_cert(a, der, (size_t)n - 1), 0);
	der[n / 2] ^= 1;
	ck_assert_int_eq(ep_same_cert(a, der, (size_t)n), 0);
	OPENSSL_free(der);
	X509_free(a);
	X509_free(b);
}
END_TEST

START_TEST(describe_names_and_fingerprint)
{
	X509		*x = cert("ex\001ch", "DNS:owa.example.com,"
			    "DNS:autodiscover.example.com");
	unsigned char	 md[32];
	unsigned	 len = 0;
	char		 d[EP_DESCRIBE_MAX], want[128];

	ep_describe(x, d, sizeof(d));
	ck_assert_int_eq(X509_digest(x, EVP_sha256(), md, &len), 1);
	snprintf(want, sizeof(want), "SHA-256 %02X:%02X:", md[0], md[1]);
	ck_assert_ptr_nonnull(strstr(d, want));
	snprintf(want, sizeof(want), ":%02X", md[31]);
	ck_assert_str_eq(d + strlen(d) - 3, want);
	/* 32 bytes: 64 hex digits and 31 colons */
	ck_assert_uint_eq(strlen(strstr(d, "SHA-256 ") + 8), 95);
	ck_assert_ptr_nonnull(strstr(d, "CN=ex?ch, SAN owa.example.com "
	    "autodiscover.example.com, "));
	ep_describe(NULL, d, sizeof(d));
	ck_assert_str_eq(d, "none");
	ep_describe(x, d, 20);		/* truncated, terminated */
	ck_assert_uint_eq(strlen(d), 19);
	X509_free(x);
}
END_TEST

START_TEST(leaf_from_pem_takes_the_first)
{
	X509		*a = cert("leaf", "DNS:a.example.com");
	X509		*b = cert("int", "DNS:b.example.com");
	BIO		*bio = BIO_new(BIO_s_mem());
	struct blob	 pem;
	char		*p;
	X509		*got;

	PEM_write_bio_X509(bio, a);
	PEM_write_bio_X509(bio, b);
	pem.bl_len = (size_t)BIO_get_mem_data(bio, &p);
	pem.bl_data = (unsigned char *)p;
	ck_assert_ptr_nonnull(got = ep_leaf_from_pem(&pem));
	ck_assert_int_eq(X509_cmp(got, a), 0);
	X509_free(got);
	pem.bl_len = 10;
	ck_assert_ptr_null(ep_leaf_from_pem(&pem));
	pem.bl_data = NULL;
	ck_assert_ptr_null(ep_leaf_from_pem(&pem));
	BIO_free(bio);
	X509_free(a);
	X509_free(b);
}
END_TEST

Suite *
suite_ep_cert(void)
{
	Suite	*s = suite_create("ep_cert");
	TCase	*tc = tcase_create("ep_cert");

	tcase_add_test(tc, listener_cert_as_sni_picks);
	tcase_add_test(tc, same_is_der_equality);
	tcase_add_test(tc, describe_names_and_fingerprint);
	tcase_add_test(tc, leaf_from_pem_takes_the_first);
	suite_add_tcase(s, tc);
	return s;
}
