/*
 * The key service's wire format: what a worker asks a key holder
 * (rpxd-keys) over its SOCK_SEQPACKET socket and what it answers. One
 * datagram is one request or one answer; both are bounded, so a holder
 * reads each with one non-blocking recv and never waits on a worker.
 */
#ifndef RPXD_KEYPROTO_H
#define RPXD_KEYPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"

#include <openssl/evp.h>

#define KEY_ID_SIZE	32	/* SHA-256 of the DER SubjectPublicKeyInfo */
#define KEY_DATA_MAX	1024	/* an RSA-8192 block or signature */
#define KEY_REQ_HEAD	(4 + 8 + 8 + KEY_ID_SIZE + 4 + 4 + 4)
#define KEY_REQ_MAX	(KEY_REQ_HEAD + KEY_DATA_MAX)
#define KEY_ANS_HEAD	(8 + 4 + 4)
#define KEY_ANS_MAX	(KEY_ANS_HEAD + KEY_DATA_MAX)
/* A worker waits for a signature until its handshake's deadline; this
 * bounds the wait of a signature asked outside a handshake. */
#define KEY_SIGN_FALLBACK_MS	30000

/* The only operation a key holder performs. */
#define KEY_OP_SIGN	1

enum key_scheme {
	KEY_RSA_PKCS1 = 1,	/* data: the digest; PKCS#1 v1.5 signature */
	KEY_RSA_PSS = 2,	/* md 0; data: the PSS-encoded block (salt
				   length = digest length), checked, then
				   signed */
	KEY_ECDSA = 3		/* data: the digest; DER ECDSA signature */
};

enum key_status {
	KEY_OK = 0,
	KEY_ERR_REQUEST,	/* malformed, or a scheme the key cannot do */
	KEY_ERR_UNKNOWN,	/* no such key id */
	KEY_ERR_EXPIRED,	/* its deadline (the handshake's) passed
				   before it was read */
	KEY_ERR_SIGN		/* the signature failed */
};

struct key_request {
	uint32_t	 kr_op;
	uint64_t	 kr_id;		/* request id, echoed in the answer */
	uint64_t	 kr_deadline;	/* CLOCK_MONOTONIC, ms */
	unsigned char	 kr_key[KEY_ID_SIZE];
	uint32_t	 kr_scheme;
	uint32_t	 kr_md;		/* digest NID */
	uint32_t	 kr_len;
	unsigned char	 kr_data[KEY_DATA_MAX];
};

struct key_answer {
	uint64_t	 ka_id;
	uint32_t	 ka_status;
	uint32_t	 ka_len;
	unsigned char	 ka_data[KEY_DATA_MAX];
};

/* Encoders return the datagram's length; decoders 0, or -1 when the
 * datagram is not exactly one well-formed message. */
size_t	key_request_encode(const struct key_request *kr, unsigned char *buf);
int	key_request_decode(struct key_request *kr, const unsigned char *buf,
	    size_t len);
size_t	key_answer_encode(const struct key_answer *ka, unsigned char *buf);
int	key_answer_decode(struct key_answer *ka, const unsigned char *buf,
	    size_t len);

/* The id both sides compute from a key's public half; 0 or -1. */
int	key_id_of(EVP_PKEY *pkey, unsigned char id[KEY_ID_SIZE]);
/* The digests a signature may use: a digest's size (0: refused), the
 * digest of a size (NID_undef: none), the i-th one (NID_undef: no more). */
size_t	key_md_size(uint32_t nid);
uint32_t key_md_for_size(size_t size);
uint32_t key_md_nid(size_t i);
const char *key_status_name(uint32_t status);

#endif
