/*
 * SPNEGO's mechListMIC when NTLM is the mechanism (see ntlm.h): the
 * signature NTLM's GSS_GetMIC makes (MS-NLMP 3.4.4.2, extended session
 * security, sequence number 0) over the client's mechTypes, which
 * MS-SPNG 3.1.5.1 asks of both sides. The worker checks the client's and
 * signs its own with the session key the master found for the login
 * (ntlm_verify.c). RC4 is written out here: OpenSSL 3 keeps it in the
 * legacy provider, which the sandboxed worker does not load.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ntlm.h"

static const char	client_sign[] =
    "session key to client-to-server signing key magic constant";
static const char	server_sign[] =
    "session key to server-to-client signing key magic constant";
static const char	client_seal[] =
    "session key to client-to-server sealing key magic constant";
static const char	server_seal[] =
    "session key to server-to-client sealing key magic constant";

/* RC4 of len bytes of in into out with key (16 bytes or fewer). */
static void
rc4(const unsigned char *key, size_t keylen, const unsigned char *in,
    size_t len, unsigned char *out)
{
	unsigned char	s[256], t;
	unsigned	i, j = 0, k;
	size_t		n;

	for (i = 0; i < 256; i++)
		s[i] = (unsigned char)i;
	for (i = 0; i < 256; i++) {
		j = (j + s[i] + key[i % keylen]) & 0xff;
		t = s[i];
		s[i] = s[j];
		s[j] = t;
	}
	for (n = 0, i = 0, j = 0; n < len; n++) {
		i = (i + 1) & 0xff;
		j = (j + s[i]) & 0xff;
		t = s[i];
		s[i] = s[j];
		s[j] = t;
		k = (s[i] + s[j]) & 0xff;
		out[n] = in[n] ^ s[k];
	}
	OPENSSL_cleanse(s, sizeof(s));
}

/* MD5(key || magic with its NUL). */
static int
derive(const unsigned char *key, size_t keylen, const char *magic,
    unsigned char out[NTLM_HASH_LEN])
{
	unsigned char	buf[NTLM_HASH_LEN + 64];
	unsigned	n = 0;
	int		r;

	memcpy(buf, key, keylen);
	memcpy(buf + keylen, magic, strlen(magic) + 1);
	r = EVP_Digest(buf, keylen + strlen(magic) + 1, out, &n, EVP_md5(),
	    NULL) == 1 && n == NTLM_HASH_LEN ? 0 : -1;
	OPENSSL_cleanse(buf, sizeof(buf));
	return r;
}

int
ntlm_exported_key(const unsigned char base[NTLM_HASH_LEN],
    const struct ntlm_auth *a, unsigned char out[NTLM_HASH_LEN])
{
	/* NTLMv2: the key exchange key is the session base key. */
	if (!(a->na_flags & NTLM_NEGOTIATE_KEY_EXCH)) {
		memcpy(out, base, NTLM_HASH_LEN);
		return 0;
	}
	if (a->na_enckeylen != NTLM_HASH_LEN)
		return -1;
	rc4(base, NTLM_HASH_LEN, a->na_enckey, NTLM_HASH_LEN, out);
	return 0;
}

int
ntlm_mic(const unsigned char exported[NTLM_HASH_LEN], uint32_t flags,
    int from_server, const unsigned char *msg, size_t len,
    unsigned char sig[NTLM_HASH_LEN])
{
	static const unsigned char	seq0[4];
	unsigned char			sign[NTLM_HASH_LEN];
	unsigned char			seal[NTLM_HASH_LEN];
	unsigned char			mac[NTLM_HASH_LEN];
	size_t				sealbase;
	int				r = -1;

	if (!(flags & NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY))
		return -1;
	/* The sealing key is made from 16, 7 or 5 bytes (MS-NLMP 3.4.5.3). */
	sealbase = flags & NTLM_NEGOTIATE_128 ? 16 :
	    flags & NTLM_NEGOTIATE_56 ? 7 : 5;
	if (derive(exported, NTLM_HASH_LEN, from_server ? server_sign :
	    client_sign, sign) == -1 || derive(exported, sealbase,
	    from_server ? server_seal : client_seal, seal) == -1 ||
	    ntlm_hmac_md5(sign, sizeof(sign), seq0, sizeof(seq0), msg, len,
	    mac) == -1)
		goto done;
	memcpy(sig, "\x01\x00\x00\x00", 4);
	if (flags & NTLM_NEGOTIATE_KEY_EXCH)
		rc4(seal, sizeof(seal), mac, 8, sig + 4);
	else
		memcpy(sig + 4, mac, 8);
	memcpy(sig + 12, seq0, 4);
	r = 0;
done:
	OPENSSL_cleanse(sign, sizeof(sign));
	OPENSSL_cleanse(seal, sizeof(seal));
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}
