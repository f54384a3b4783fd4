/*
 * libFuzzer harness: what a key holder (rpxd-keys) does with a datagram
 * from a worker, as keys/main.c's client_request does it: decode it
 * (common/keyproto.c), answer it (keys/sign.c) with an RSA and an EC key
 * held the way the master hands them over, encode the answer. The key id
 * is random per run, so the first byte of a decoded id picks the RSA key,
 * the EC key or keeps the id as sent; a far deadline likewise. A decoded
 * request must encode back to the same bytes, and no answer may be signed
 * for a request that does not fit its key.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

#include "config.h"
#include "fuzz.h"
#include "ipc.h"
#include "keys.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY	*rsa_key, *ec_key;

/* Hands key to the holder as the master would (an IPC_TLS_KEY payload). */
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

	FUZZ_ASSERT(bio != NULL && PEM_write_bio_PrivateKey(bio, key, NULL,
	    NULL, 0, NULL, NULL) == 1);
	len = BIO_get_mem_data(bio, &pem);
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, TLS_KEY_LISTENER);
	msgbuf_put_u32(&mb, 0);
	msgbuf_put_u32(&mb, cert);
	msgbuf_put_u32(&mb, (uint32_t)len);
	msgbuf_put_bytes(&mb, pem, (size_t)len);
	FUZZ_ASSERT(held_add(&c, &mb) == 0);
	msgbuf_free(&mb);
	BIO_free(bio);
}

static void
setup(void)
{
	rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	FUZZ_ASSERT(rsa_key != NULL && ec_key != NULL);
	hold(rsa_key, 0);
	hold(ec_key, 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char	 buf[KEY_REQ_MAX + 1], back[KEY_REQ_MAX];
	static struct key_request kr;
	static struct key_answer ka, ka2;
	unsigned char		 ans[KEY_ANS_MAX];
	size_t			 len;

	if (rsa_key == NULL)
		setup();
	/* client_request reads at most KEY_REQ_MAX + 1 bytes. */
	if (size > sizeof(buf))
		size = sizeof(buf);
	memcpy(buf, data, size);
	if (key_request_decode(&kr, buf, size) == -1)
		return 0;
	len = key_request_encode(&kr, back);
	FUZZ_ASSERT(len == size && memcmp(back, buf, size) == 0);
	if (kr.kr_key[0] == 0)
		FUZZ_ASSERT(key_id_of(rsa_key, kr.kr_key) == 0);
	else if (kr.kr_key[0] == 1)
		FUZZ_ASSERT(key_id_of(ec_key, kr.kr_key) == 0);
	if (kr.kr_deadline == 0)
		kr.kr_deadline = UINT64_MAX;
	sign_request(&kr, &ka);
	FUZZ_ASSERT(ka.ka_id == kr.kr_id && ka.ka_status <= KEY_ERR_SIGN);
	FUZZ_ASSERT(ka.ka_len <= KEY_DATA_MAX);
	FUZZ_ASSERT(ka.ka_status == KEY_OK || ka.ka_len == 0);
	if (ka.ka_status == KEY_OK)
		FUZZ_ASSERT(kr.kr_op == KEY_OP_SIGN &&
		    (kr.kr_scheme == KEY_RSA_PKCS1 ||
		    kr.kr_scheme == KEY_RSA_PSS || kr.kr_scheme == KEY_ECDSA));
	(void)key_status_name(ka.ka_status);
	len = key_answer_encode(&ka, ans);
	FUZZ_ASSERT(len <= sizeof(ans));
	FUZZ_ASSERT(key_answer_decode(&ka2, ans, len) == 0 &&
	    ka2.ka_id == ka.ka_id && ka2.ka_status == ka.ka_status &&
	    ka2.ka_len == ka.ka_len &&
	    memcmp(ka2.ka_data, ka.ka_data, ka.ka_len) == 0);
	return 0;
}
