/*
 * Keys in the worker, for the benchmark only (make KEYS_IN_WORKER=1): the
 * master sends the private keys themselves (IPC_TLS_KEY) and the worker
 * signs locally. The normal build links tls_keys_remote.c instead, and a
 * worker never holds a private key.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"
#include "tls.h"
#include "tls_pem.h"

struct held_key {
	uint32_t	 hk_kind, hk_a, hk_b;
	EVP_PKEY	*hk_key;
};

static struct held_key	*held;
static unsigned		 nheld;

/* IPC_TLS_KEY: checked against the configuration before it is kept. */
int
tls_keys_receive(const struct rpxd_conf *c, struct msgbuf *mb)
{
	uint32_t	 kind, a, b, len;
	struct blob	 pem;
	EVP_PKEY	*key;
	struct held_key	*more;

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
	if (key == NULL)
		return -1;
	if ((more = realloc(held, (nheld + 1) * sizeof(*held))) == NULL) {
		EVP_PKEY_free(key);
		return -1;
	}
	held = more;
	held[nheld++] = (struct held_key){ kind, a, b, key };
	return msgbuf_end(mb);
}

int
tls_keys_use(SSL_CTX *ctx, uint32_t kind, uint32_t a, uint32_t b)
{
	unsigned	i;

	for (i = 0; i < nheld; i++)
		if (held[i].hk_kind == kind && held[i].hk_a == a &&
		    held[i].hk_b == b)
			return SSL_CTX_use_PrivateKey(ctx, held[i].hk_key) == 1 &&
			    SSL_CTX_check_private_key(ctx) == 1 ? 0 : -1;
	return -1;
}

int
tls_keys_service(int fd)
{
	close(fd);
	return -1;
}

int
tls_keys_lost(void)
{
	return 0;
}

/* Once every context holds its keys, this copy is not needed. */
void
tls_keys_forget(void)
{
	unsigned	i;

	for (i = 0; i < nheld; i++)
		EVP_PKEY_free(held[i].hk_key);
	free(held);
	held = NULL;
	nheld = 0;
}
