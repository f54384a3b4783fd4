/*
 * The NTLMv2 check of `auth = ntlm` (MS-NLMP 3.3.2, see ntlm.h): the
 * master holds the NT hashes and calls it for each AUTHENTICATE message.
 * Only the NTProofStr is checked: the LMv2 response adds nothing (clients
 * zero it when the challenge has a timestamp). A good one also gives the
 * session base key, which SPNEGO's mechListMIC is signed with
 * (ntlm_mic.c).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ntlm.h"

int
ntlm_hmac_md5(const unsigned char *key, size_t keylen, const unsigned char *a,
    size_t alen, const unsigned char *b, size_t blen,
    unsigned char out[NTLM_HASH_LEN])
{
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx = NULL;
	OSSL_PARAM	 params[2];
	char		 digest[] = "MD5";
	size_t		 outlen;
	int		 r = -1;

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_MAC_CTX_new(mac)) != NULL &&
	    EVP_MAC_init(ctx, key, keylen, params) == 1 &&
	    EVP_MAC_update(ctx, a, alen) == 1 &&
	    (blen == 0 || EVP_MAC_update(ctx, b, blen) == 1) &&
	    EVP_MAC_final(ctx, out, &outlen, NTLM_HASH_LEN) == 1 &&
	    outlen == NTLM_HASH_LEN)
		r = 0;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return r;
}

/*
 * The key of the user's responses: HMAC-MD5 of UTF-16LE(uppercase(user)
 * domain) keyed by the NT hash. Windows uppercases all of Unicode; here
 * only ASCII is, so a user with other letters must type them in capitals.
 * -2 if a name cannot be encoded, -1 if OpenSSL fails.
 */
static int
ntowfv2(const unsigned char nt_hash[NTLM_HASH_LEN], const char *user,
    const char *domain, unsigned char out[NTLM_HASH_LEN])
{
	unsigned char	who[4 * NTLM_NAME_MAX];
	char		upper[NTLM_NAME_MAX + 1];
	size_t		i, n, m;

	for (i = 0; i < NTLM_NAME_MAX && user[i] != '\0'; i++)
		upper[i] = user[i] >= 'a' && user[i] <= 'z' ?
		    user[i] - 32 : user[i];
	if (user[i] != '\0')
		return -2;
	upper[i] = '\0';
	if (ntlm_utf8_to_utf16le(upper, who, sizeof(who) / 2, &n) != 0 ||
	    ntlm_utf8_to_utf16le(domain, who + n, sizeof(who) - n, &m) != 0)
		return -2;
	return ntlm_hmac_md5(nt_hash, NTLM_HASH_LEN, who, n, who + n, m, out);
}

int
ntlm_verify_v2_key(const unsigned char nt_hash[NTLM_HASH_LEN],
    const struct ntlm_auth *a,
    const unsigned char server_challenge[NTLM_CHALLENGE_LEN],
    unsigned char session_key[NTLM_HASH_LEN])
{
	unsigned char		 key[NTLM_HASH_LEN], proof[NTLM_HASH_LEN];
	const unsigned char	*blob;
	int			 r;

	if (a->na_nt == NULL || a->na_ntlen < NTLM_V2_RESPONSE_MIN)
		return 0;
	blob = a->na_nt + NTLM_HASH_LEN;
	if (blob[0] != 1 || blob[1] != 1)
		return 0;
	if (strnlen(a->na_domain, sizeof(a->na_domain)) ==
	    sizeof(a->na_domain))
		return 0;
	if ((r = ntowfv2(nt_hash, a->na_user, a->na_domain, key)) != 0)
		goto done;
	r = -1;
	if (ntlm_hmac_md5(key, sizeof(key), server_challenge,
	    NTLM_CHALLENGE_LEN, blob, a->na_ntlen - NTLM_HASH_LEN, proof) == 0)
		r = CRYPTO_memcmp(proof, a->na_nt, NTLM_HASH_LEN) == 0;
	/* SessionBaseKey = HMAC-MD5(NTOWFv2, NTProofStr) (MS-NLMP 3.3.2) */
	if (r == 1 && session_key != NULL &&
	    ntlm_hmac_md5(key, sizeof(key), a->na_nt, NTLM_HASH_LEN, NULL, 0,
	    session_key) != 0)
		r = -1;
done:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(proof, sizeof(proof));
	return r == -2 ? 0 : r;
}

int
ntlm_verify_v2(const unsigned char nt_hash[NTLM_HASH_LEN],
    const struct ntlm_auth *a,
    const unsigned char server_challenge[NTLM_CHALLENGE_LEN])
{
	return ntlm_verify_v2_key(nt_hash, a, server_challenge, NULL);
}
