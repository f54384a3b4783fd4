/*
 * Session tickets that any worker can decrypt: the keys come from the
 * master (IPC_TICKET_KEYS, at start-up and at each rotation). A ticket
 * made with the previous key is still accepted and then renewed; one made
 * with an unknown key means a full handshake.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ipc.h"
#include "tls.h"

static unsigned char	keys[TICKET_KEYS_MAX][TICKET_KEY_SIZE];
static unsigned		nkeys;

int
tls_tickets_receive(struct msgbuf *mb)
{
	uint32_t	n, i;

	if (msgbuf_get_u32(mb, &n) == -1 || n == 0 || n > TICKET_KEYS_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if (msgbuf_get_bytes(mb, keys[i], TICKET_KEY_SIZE) == -1)
			return -1;
	explicit_bzero(mb->mb_data, mb->mb_len);
	nkeys = n;
	return msgbuf_end(mb);
}

static int
ticket_mac_init(EVP_MAC_CTX *hctx, const unsigned char *key)
{
	OSSL_PARAM	params[3];

	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
	    (void *)(uintptr_t)(key + TICKET_NAME_SIZE + 32), 32);
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	params[2] = OSSL_PARAM_construct_end();
	return EVP_MAC_CTX_set_params(hctx, params);
}

/* OpenSSL's ticket key callback: 1 ok, 2 ok but renew, 0 unknown key. */
static int
ticket_cb(SSL *ssl, unsigned char name[TICKET_NAME_SIZE], unsigned char *iv,
    EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	unsigned	i;

	(void)ssl;
	if (nkeys == 0)
		return enc ? -1 : 0;
	if (enc) {
		memcpy(name, keys[0], TICKET_NAME_SIZE);
		if (RAND_bytes(iv, EVP_MAX_IV_LENGTH) != 1 ||
		    EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL,
		    keys[0] + TICKET_NAME_SIZE, iv) != 1 ||
		    ticket_mac_init(hctx, keys[0]) != 1)
			return -1;
		return 1;
	}
	for (i = 0; i < nkeys; i++) {
		if (memcmp(name, keys[i], TICKET_NAME_SIZE) != 0)
			continue;
		if (ticket_mac_init(hctx, keys[i]) != 1 ||
		    EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL,
		    keys[i] + TICKET_NAME_SIZE, iv) != 1)
			return -1;
		return i == 0 ? 1 : 2;
	}
	return 0;
}

void
tls_tickets_attach(SSL_CTX *ctx)
{
	SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb);
}
