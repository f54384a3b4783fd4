/*
 * The only thing a key holder does for a worker: sign. A request names
 * the key by id, the scheme and the digest; everything else is refused.
 * PKCS#1 v1.5 and ECDSA requests carry the digest. An RSA-PSS request
 * carries the encoded block (OpenSSL's RSA method hands over neither the
 * digest nor its name for PSS), so the block is checked to be a PSS
 * encoding under one of the allowed digests before the raw private-key
 * operation: a worker can get signatures, never decryptions.
 */
#include <string.h>

#include <openssl/obj_mac.h>
#include <openssl/rsa.h>

#include "keys.h"

/* MGF1 (RFC 8017 B.2.1): len bytes of mask from seed. */
static int
mgf1(unsigned char *mask, size_t len, const unsigned char *seed,
    size_t seedlen, const EVP_MD *md)
{
	unsigned char	 in[EVP_MAX_MD_SIZE + 4], out[EVP_MAX_MD_SIZE];
	unsigned int	 n;
	size_t		 done = 0, take;
	uint32_t	 counter;

	if (seedlen > EVP_MAX_MD_SIZE)
		return -1;
	memcpy(in, seed, seedlen);
	for (counter = 0; done < len; counter++) {
		in[seedlen] = (unsigned char)(counter >> 24);
		in[seedlen + 1] = (unsigned char)(counter >> 16);
		in[seedlen + 2] = (unsigned char)(counter >> 8);
		in[seedlen + 3] = (unsigned char)counter;
		if (EVP_Digest(in, seedlen + 4, out, &n, md, NULL) != 1)
			return -1;
		take = len - done < n ? len - done : n;
		memcpy(mask + done, out, take);
		done += take;
	}
	return 0;
}

/* RFC 8017 9.1.2 (EMSA-PSS-VERIFY) steps 3-10, without the hash of the
 * message, which the block does not hold: the structure only. */
int
sign_pss_block_ok(int bits, const EVP_MD *md, const unsigned char *em,
    size_t len)
{
	unsigned char	 db[KEY_DATA_MAX] = { 0 };
	size_t		 hlen = (size_t)EVP_MD_get_size(md), slen = hlen;
	size_t		 dblen, i;
	unsigned	 msbits = (unsigned)(bits - 1) & 7;

	if (bits < 512 || len != ((size_t)bits + 7) / 8 || len > KEY_DATA_MAX)
		return 0;
	if (msbits == 0) {
		if (*em++ != 0)
			return 0;
		len--;
	}
	if (len < hlen + slen + 2 || len - hlen - 1 > sizeof(db) ||
	    em[len - 1] != 0xbc ||
	    (msbits != 0 && (em[0] & (0xff << msbits) & 0xff) != 0))
		return 0;
	dblen = len - hlen - 1;
	if (mgf1(db, dblen, em + dblen, hlen, md) == -1)
		return 0;
	for (i = 0; i < dblen; i++)
		db[i] ^= em[i];
	if (msbits != 0)
		db[0] &= 0xff >> (8 - msbits);
	for (i = 0; i < dblen - slen - 1; i++)
		if (db[i] != 0)
			return 0;
	return db[dblen - slen - 1] == 0x01;
}

static int
sign_with(EVP_PKEY *key, const struct key_request *kr, struct key_answer *ka)
{
	EVP_PKEY_CTX	*ctx;
	const EVP_MD	*md = EVP_get_digestbynid((int)kr->kr_md);
	size_t		 len = sizeof(ka->ka_data);
	int		 ok;

	if ((ctx = EVP_PKEY_CTX_new(key, NULL)) == NULL)
		return -1;
	ok = EVP_PKEY_sign_init(ctx) == 1;
	if (ok && kr->kr_scheme == KEY_RSA_PKCS1)
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) ==
		    1 && EVP_PKEY_CTX_set_signature_md(ctx, md) == 1;
	else if (ok && kr->kr_scheme == KEY_RSA_PSS)
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1;
	ok = ok && EVP_PKEY_sign(ctx, ka->ka_data, &len, kr->kr_data,
	    kr->kr_len) == 1;
	EVP_PKEY_CTX_free(ctx);
	if (!ok)
		return -1;
	ka->ka_len = (uint32_t)len;
	return 0;
}

/* A PSS block under any digest keyproto.c allows. */
static int
pss_fits(EVP_PKEY *key, const struct key_request *kr)
{
	uint32_t	nid;
	size_t		i;

	for (i = 0; (nid = key_md_nid(i)) != NID_undef; i++)
		if (sign_pss_block_ok(EVP_PKEY_get_bits(key),
		    EVP_get_digestbynid((int)nid), kr->kr_data, kr->kr_len))
			return 1;
	return 0;
}

/* Whether the request fits its key: scheme for the key's type, digest
 * allowed, data of the size the scheme takes. */
static int
request_fits(EVP_PKEY *key, const struct key_request *kr)
{
	size_t	mdlen = key_md_size(kr->kr_md);

	if (kr->kr_op != KEY_OP_SIGN)
		return 0;
	switch (kr->kr_scheme) {
	case KEY_RSA_PKCS1:
		return EVP_PKEY_is_a(key, "RSA") && mdlen != 0 &&
		    kr->kr_len == mdlen;
	case KEY_RSA_PSS:
		return EVP_PKEY_is_a(key, "RSA") && kr->kr_md == 0 &&
		    pss_fits(key, kr);
	case KEY_ECDSA:
		return EVP_PKEY_is_a(key, "EC") && mdlen != 0 &&
		    kr->kr_len == mdlen;
	default:
		return 0;
	}
}

void
sign_request(const struct key_request *kr, struct key_answer *ka)
{
	EVP_PKEY	*key;

	ka->ka_id = kr->kr_id;
	ka->ka_len = 0;
	if ((key = held_find(kr->kr_key)) == NULL)
		ka->ka_status = KEY_ERR_UNKNOWN;
	else if (!request_fits(key, kr))
		ka->ka_status = KEY_ERR_REQUEST;
	else if ((uint64_t)now_ms() > kr->kr_deadline)
		ka->ka_status = KEY_ERR_EXPIRED;
	else if (sign_with(key, kr, ka) == -1)
		ka->ka_status = KEY_ERR_SIGN;
	else
		ka->ka_status = KEY_OK;
}
