/*
 * The key holder's private keys, by key id (the SHA-256 of the public
 * key): the master sends each one at start-up as PEM, which is parsed
 * and wiped at once.
 */
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
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
	uint32_t	 kind, a, b, len;
	struct blob	 pem;
	EVP_PKEY	*key;
	struct held_key	*more;
	unsigned char	 id[KEY_ID_SIZE];

	if (msgbuf_get_u32(mb, &kind) == -1 || msgbuf_get_u32(mb, &a) == -1 ||
	    msgbuf_get_u32(mb, &b) == -1 || msgbuf_get_u32(mb, &len) == -1 ||
	    len == 0 || len > RPXD_PEM_MAX || len != mb->mb_len - mb->mb_off)
		return -1;
	if (!(kind == TLS_KEY_LISTENER && a < c->rc_nlisteners &&
	    b < c->rc_listeners[a].ls_ncerts) &&
	    !(kind == TLS_KEY_BACKEND && a < c->rc_nbackends && b == 0))
		return -1;
	pem.bl_data = mb->mb_data + mb->mb_off;
	pem.bl_len = len;
	mb->mb_off += len;
	key = pem_private_key(&pem);
	explicit_bzero(pem.bl_data, len);
	if (key == NULL || key_id_of(key, id) == -1) {
		EVP_PKEY_free(key);
		return -1;
	}
	/* The same key under two certificates is held once. */
	if (held_find(id) != NULL) {
		EVP_PKEY_free(key);
		return msgbuf_end(mb);
	}
	if ((more = realloc(held, (nheld + 1) * sizeof(*held))) == NULL) {
		EVP_PKEY_free(key);
		return -1;
	}
	held = more;
	memcpy(held[nheld].hk_id, id, KEY_ID_SIZE);
	held[nheld++].hk_key = key;
	return msgbuf_end(mb);
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
