/*
 * rpxd-keys, the key holder: the private keys it was given (held.c) and
 * the signatures it makes with them for workers (sign.c).
 */
#ifndef RPXD_KEYS_H
#define RPXD_KEYS_H

#include "config.h"
#include "keyproto.h"
#include "msgbuf.h"

/* held.c: IPC_TLS_KEY from the master; 0 or -1. */
int	 held_add(const struct rpxd_conf *conf, struct msgbuf *mb);
EVP_PKEY *held_find(const unsigned char id[KEY_ID_SIZE]);
unsigned held_count(void);

/* sign.c: the answer to one request; never fails, ka says why. */
void	 sign_request(const struct key_request *kr, struct key_answer *ka);
/* sign.c: whether em is a PSS encoding under md with salt = digest size,
 * for a key of bits bits (exposed for the unit tests). */
int	 sign_pss_block_ok(int bits, const EVP_MD *md,
	    const unsigned char *em, size_t len);

#endif
