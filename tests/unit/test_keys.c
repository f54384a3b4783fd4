/*
 * Unit tests for the key service (keyproto.c, keys/held.c, keys/sign.c):
 * datagrams are refused unless exactly well-formed, a key holder signs
 * what TLS asks with RSA PKCS#1, RSA-PSS and ECDSA, and refuses every
 * other request, above all a raw RSA operation on a block that is not a
 * PSS encoding (which would make it a decryption oracle).
 */
#include <string.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "config.h"
#include "ipc.h"
#include "keys.h"
#include "unit.h"

static EVP_PKEY	*rsa_key, *ec_key;

/* Hands key to the holder as the master would (IPC_TLS_KEY payload). */
static void
hold(EVP_PKEY *key, uint32_t cert)
{
	static struct listener_conf	ls = { .ls_ncerts = 2 };
	struct rpxd_conf		c = { .rc_nlisteners = 1,
					    .rc_listeners = &ls };
	struct msgbuf			mb;
	BIO				*bio = BIO_new(BIO_s_mem());
	char				*pem;
	long				 len;

	ck_assert(PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
	    NULL) == 1);
	len = BIO_get_mem_data(bio, &pem);
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, TLS_KEY_LISTENER);
	msgbuf_put_u32(&mb, 0);
	msgbuf_put_u32(&mb, cert);
	msgbuf_put_u32(&mb, (uint32_t)len);
	msgbuf_put_bytes(&mb, pem, (size_t)len);
	ck_assert_int_eq(held_add(&c, &mb), 0);
	msgbuf_free(&mb);
	BIO_free(bio);
}

static void
keys_setup(void)
{
	if (rsa_key != NULL)
		return;
	rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ck_assert(rsa_key != NULL && ec_key != NULL);
	hold(rsa_key, 0);
	hold(ec_key, 1);
}

static void
request(struct key_request *kr, EVP_PKEY *key, uint32_t scheme,
    uint32_t md, const unsigned char *data, size_t len)
{
	memset(kr, 0, sizeof(*kr));
	kr->kr_op = KEY_OP_SIGN;
	kr->kr_id = 42;
	kr->kr_deadline = (uint64_t)now_ms() + 1000;
	ck_assert_int_eq(key_id_of(key, kr->kr_key), 0);
	kr->kr_scheme = scheme;
	kr->kr_md = md;
	kr->kr_len = (uint32_t)len;
	memcpy(kr->kr_data, data, len);
}

static int
verifies(EVP_PKEY *key, int pad, const EVP_MD *md,
    const struct key_answer *ka, const unsigned char *dgst, size_t dlen)
{
	EVP_PKEY_CTX	*ctx = EVP_PKEY_CTX_new(key, NULL);
	int		 ok;

	ok = EVP_PKEY_verify_init(ctx) == 1 &&
	    (pad == 0 || EVP_PKEY_CTX_set_rsa_padding(ctx, pad) == 1) &&
	    EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
	    EVP_PKEY_verify(ctx, ka->ka_data, ka->ka_len, dgst, dlen) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

START_TEST(test_keys_wire)
{
	struct key_request	kr, back;
	struct key_answer	ka = { .ka_id = 7, .ka_status = KEY_OK,
				    .ka_len = 3, .ka_data = "abc" }, ka2;
	unsigned char		buf[KEY_REQ_MAX + 1], dgst[32] = { 1 };
	size_t			len;

	keys_setup();
	request(&kr, rsa_key, KEY_RSA_PKCS1, NID_sha256, dgst, 32);
	len = key_request_encode(&kr, buf);
	ck_assert_uint_eq(len, KEY_REQ_HEAD + 32);
	ck_assert_int_eq(key_request_decode(&back, buf, len), 0);
	ck_assert(back.kr_id == 42 && back.kr_len == 32 &&
	    memcmp(back.kr_data, dgst, 32) == 0 &&
	    memcmp(back.kr_key, kr.kr_key, KEY_ID_SIZE) == 0);
	/* One byte short, one too many, a length beyond the maximum. */
	ck_assert_int_eq(key_request_decode(&back, buf, len - 1), -1);
	ck_assert_int_eq(key_request_decode(&back, buf, len + 1), -1);
	kr.kr_len = KEY_DATA_MAX + 1;
	key_request_encode(&(struct key_request){ .kr_len = 0 }, buf);
	memcpy(buf + KEY_REQ_HEAD - 4, &kr.kr_len, 4);
	ck_assert_int_eq(key_request_decode(&back, buf, KEY_REQ_MAX + 1),
	    -1);
	len = key_answer_encode(&ka, buf);
	ck_assert_int_eq(key_answer_decode(&ka2, buf, len), 0);
	ck_assert(ka2.ka_id == 7 && ka2.ka_len == 3 &&
	    memcmp(ka2.ka_data, "abc", 3) == 0);
	ck_assert_int_eq(key_answer_decode(&ka2, buf, len - 1), -1);
	ck_assert_int_eq(key_answer_decode(&ka2, buf, 5), -1);
}
END_TEST

START_TEST(test_keys_rsa_pkcs1)
{
	struct key_request	kr;
	struct key_answer	ka;
	unsigned char		dgst[48];

	keys_setup();
	RAND_bytes(dgst, sizeof(dgst));
	request(&kr, rsa_key, KEY_RSA_PKCS1, NID_sha384, dgst, 48);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_OK);
	ck_assert(ka.ka_id == 42 && ka.ka_len == 256);
	ck_assert(verifies(rsa_key, RSA_PKCS1_PADDING, EVP_sha384(), &ka,
	    dgst, 48));
	/* A digest of the wrong size, SHA-1, an unknown scheme. */
	request(&kr, rsa_key, KEY_RSA_PKCS1, NID_sha384, dgst, 32);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
	request(&kr, rsa_key, KEY_RSA_PKCS1, NID_sha1, dgst, 20);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
	request(&kr, rsa_key, 9, NID_sha256, dgst, 32);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
	ck_assert_uint_eq(ka.ka_len, 0);
}
END_TEST

/* A real PSS block: what OpenSSL's TLS code hands the RSA method. */
static void
pss_block(unsigned char *em, const unsigned char *dgst, const EVP_MD *md)
{
	EVP_PKEY_CTX	*ctx = EVP_PKEY_CTX_new(rsa_key, NULL);
	unsigned char	 sig[256];
	size_t		 len = sizeof(sig), emlen = 256;

	ck_assert(EVP_PKEY_sign_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) ==
	    1 && EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
	    EVP_PKEY_sign(ctx, sig, &len, dgst, (size_t)EVP_MD_get_size(md))
	    == 1);
	EVP_PKEY_CTX_free(ctx);
	ctx = EVP_PKEY_CTX_new(rsa_key, NULL);
	ck_assert(EVP_PKEY_verify_recover_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
	    EVP_PKEY_verify_recover(ctx, em, &emlen, sig, len) == 1 &&
	    emlen == 256);
	EVP_PKEY_CTX_free(ctx);
}

START_TEST(test_keys_rsa_pss)
{
	struct key_request	kr;
	struct key_answer	ka;
	unsigned char		dgst[32], em[256];
	EVP_PKEY_CTX		*ctx;
	unsigned char		 back[256];
	size_t			 blen = sizeof(back);

	keys_setup();
	RAND_bytes(dgst, sizeof(dgst));
	pss_block(em, dgst, EVP_sha256());
	ck_assert(sign_pss_block_ok(2048, EVP_sha256(), em, 256));
	ck_assert(!sign_pss_block_ok(2048, EVP_sha384(), em, 256));
	request(&kr, rsa_key, KEY_RSA_PSS, 0, em, 256);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_OK);
	/* The answer is the raw signature: the public key gives em back. */
	ctx = EVP_PKEY_CTX_new(rsa_key, NULL);
	ck_assert(EVP_PKEY_verify_recover_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
	    EVP_PKEY_verify_recover(ctx, back, &blen, ka.ka_data,
	    ka.ka_len) == 1);
	EVP_PKEY_CTX_free(ctx);
	ck_assert(blen == 256 && memcmp(back, em, 256) == 0);
	/* Not a PSS block (a ciphertext, say): no raw operation. */
	em[100] ^= 1;
	ck_assert(!sign_pss_block_ok(2048, EVP_sha256(), em, 256));
	request(&kr, rsa_key, KEY_RSA_PSS, 0, em, 256);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
	RAND_bytes(em, sizeof(em));
	em[0] &= 0x7f;
	request(&kr, rsa_key, KEY_RSA_PSS, 0, em, 256);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
	/* A PSS request to an EC key. */
	pss_block(em, dgst, EVP_sha256());
	request(&kr, ec_key, KEY_RSA_PSS, 0, em, 256);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
}
END_TEST

START_TEST(test_keys_ecdsa)
{
	struct key_request	kr;
	struct key_answer	ka;
	unsigned char		dgst[32];

	keys_setup();
	RAND_bytes(dgst, sizeof(dgst));
	request(&kr, ec_key, KEY_ECDSA, NID_sha256, dgst, 32);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_OK);
	ck_assert(verifies(ec_key, 0, EVP_sha256(), &ka, dgst, 32));
	request(&kr, rsa_key, KEY_ECDSA, NID_sha256, dgst, 32);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
}
END_TEST

START_TEST(test_keys_refusals)
{
	struct key_request	kr;
	struct key_answer	ka;
	unsigned char		dgst[32] = { 0 };

	keys_setup();
	request(&kr, ec_key, KEY_ECDSA, NID_sha256, dgst, 32);
	kr.kr_key[0] ^= 1;
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_UNKNOWN);
	request(&kr, ec_key, KEY_ECDSA, NID_sha256, dgst, 32);
	kr.kr_deadline = (uint64_t)now_ms() - 1;
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_EXPIRED);
	request(&kr, ec_key, KEY_ECDSA, NID_sha256, dgst, 32);
	kr.kr_op = 2;
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
}
END_TEST

Suite *
suite_keys(void)
{
	Suite	*s = suite_create("keys");
	TCase	*tc = tcase_create("sign");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_keys_wire);
	tcase_add_test(tc, test_keys_rsa_pkcs1);
	tcase_add_test(tc, test_keys_rsa_pss);
	tcase_add_test(tc, test_keys_ecdsa);
	tcase_add_test(tc, test_keys_refusals);
	suite_add_tcase(s, tc);
	return s;
}
