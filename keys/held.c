/*
 * The key holder's private keys, by key id (the SHA-256 of the public
 * key): the master sends each one at start-up as PEM, which is parsed
 * and wiped at once.
 */
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "tls_pem.h"

struct held_key {
	unsigned char	 hk_id[KEY_ID_SIZE];
	EVP_PKEY	*hk_key;
};

static struct held_key	*held;
static unsigned		 nheld;

int
held_add(const struct rpxd_conf *c, struct msgbuf *mb)
{
	EVP_PKEY	*key;
	struct held_key	*more;
	unsigned char	 id[KEY_ID_SIZE];
	uint32_t	 idx[3];

	if ((key = pem_key_message(c, mb, idx)) == NULL ||
	    key_id_of(key, id) == -1) {
		EVP_PKEY_free(key);
		return -1;
	}
	/* The same key under two certificates is held once. */
	if (held_find(id) != NULL) {
		EVP_PKEY_free(key);
		return 0;
	}
	if ((more = realloc(held, (nheld + 1) * sizeof(*held))) == NULL) {
		EVP_PKEY_free(key);
		return -1;
	}
	held = more;
	memcpy(held[nheld].hk_id, id, KEY_ID_SIZE);
	held[nheld++].hk_key = key;
	return 0;
}

EVP_PKEY *
held_find(const unsigned char id[KEY_ID_SIZE])
{
	unsigned	i;

	for (i = 0; i < nheld; i++)
		if (memcmp(held[i].hk_id, id, KEY_ID_SIZE) == 0)
			return held[i].hk_key;
	return NULL;
}

unsigned
held_count(void)
{
	return nheld;
}
