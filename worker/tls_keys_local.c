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
	EVP_PKEY	*key;
	struct held_key	*more;
	uint32_t	 idx[3];

	if ((key = pem_key_message(c, mb, idx)) == NULL)
		return -1;
	if ((more = realloc(held, (nheld + 1) * sizeof(*held))) == NULL) {
		EVP_PKEY_free(key);
		return -1;
	}
	held = more;
	held[nheld++] = (struct held_key){ idx[0], idx[1], idx[2], key };
	return 0;
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

/* A local signature waits for nothing, so the deadline bounds nothing. */
void
tls_keys_deadline(int64_t deadline_ms)
{
	(void)deadline_ms;
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
