/*
 * The pure half of the Extended Protection check (epcheck.c): which
 * listener certificate serves a host name, as the workers' SNI callback
 * picks it (worker/tls_server.c: an exact SAN first, then a wildcard,
 * else the default), whether a backend's leaf is that certificate, and
 * how a certificate is named in the log. Unit-tested (test_ep_cert.c).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ep_cert.h"

/* The first certificate of a PEM chain (the leaf), or NULL. */
X509 *
ep_leaf_from_pem(const struct blob *pem)
{
	BIO	*bio;
	X509	*x;

	if (pem->bl_data == NULL || pem->bl_len > INT32_MAX ||
	    (bio = BIO_new_mem_buf(pem->bl_data, (int)pem->bl_len)) == NULL)
		return NULL;
	x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return x;
}

/* The index in leaves of the certificate a client asking for host is
 * shown (host NULL: a route for any host gets the default, 0). A
 * route's wildcard host "*.example.com" matches a wildcard SAN as it is
 * written, on the first pass. */
unsigned
ep_listener_cert(X509 *const *leaves, unsigned n, const char *host)
{
	unsigned	i;
	int		pass;

	if (host == NULL)
		return 0;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++)
			if (leaves[i] != NULL && X509_check_host(leaves[i],
			    host, 0, pass == 0 ? X509_CHECK_FLAG_NO_WILDCARDS :
			    0, NULL) == 1)
				return i;
	return 0;
}

/* 1 if the backend's DER leaf is x, byte for byte. */
int
ep_same_cert(X509 *x, const unsigned char *der, size_t len)
{
	unsigned char	*mine = NULL;
	int		 n, same;

	if ((n = i2d_X509(x, &mine)) <= 0)
		return 0;
	same = (size_t)n == len && memcmp(mine, der, len) == 0;
	OPENSSL_free(mine);
	return same;
}

/* "CN=name, SAN a b ..., SHA-256 ab:cd:..." into dst, truncated. */
void
ep_describe(X509 *x, char *dst, size_t len)
{
	GENERAL_NAMES	*gens;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned	 mdlen = 0, i;
	char		 cn[128] = "", sans[256] = "", hex[3 * EVP_MAX_MD_SIZE];
	size_t		 used = 0;
	int		 j;

	if (x == NULL) {
		snprintf(dst, len, "none");
		return;
	}
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(x),
	    NID_commonName, cn, sizeof(cn)) < 0)
		snprintf(cn, sizeof(cn), "(none)");
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (j = 0; gens != NULL && j < sk_GENERAL_NAME_num(gens); j++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, j);
		int		    w;

		if (g->type != GEN_DNS)
			continue;
		w = snprintf(sans + used, sizeof(sans) - used, "%s%.*s",
		    used > 0 ? " " : "", ASN1_STRING_length(g->d.dNSName),
		    (const char *)ASN1_STRING_get0_data(g->d.dNSName));
		if (w < 0 || (size_t)w >= sizeof(sans) - used)
			break;
		used += (size_t)w;
	}
	GENERAL_NAMES_free(gens);
	hex[0] = '\0';
	if (X509_digest(x, EVP_sha256(), md, &mdlen) == 1)
		for (i = 0; i < mdlen; i++)	/* "AB:" each, the last ':' cut */
			snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02X%s",
			    md[i], i + 1 < mdlen ? ":" : "");
	/* A name from a backend is shown as text: no control bytes. */
	for (i = 0; cn[i] != '\0'; i++)
		if ((unsigned char)cn[i] < 0x20 || cn[i] == 0x7f)
			cn[i] = '?';
	for (i = 0; sans[i] != '\0'; i++)
		if ((unsigned char)sans[i] < 0x20 || sans[i] == 0x7f)
			sans[i] = '?';
	snprintf(dst, len, "CN=%s, SAN %s, SHA-256 %s", cn,
	    sans[0] != '\0' ? sans : "(none)", hex);
}
