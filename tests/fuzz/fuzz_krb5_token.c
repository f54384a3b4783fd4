/*
 * libFuzzer harness: the Kerberos AP-REQ inside an HTTP Negotiate token
 * (common/krb5_token.c), which the master reads from what a worker sends
 * to key its replay cache. The authenticator found must lie inside the
 * token; nothing may be read past its end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "krb5_token.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char	*c = NULL;
	unsigned char		*copy;
	size_t			 clen = 0;
	int			 r;

	/* A copy of exactly size bytes: ASan sees any read past it. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	r = krb5_token_authenticator(copy, size, &c, &clen);
	FUZZ_ASSERT(r >= -1 && r <= 1);
	if (r == 1)
		FUZZ_ASSERT(c >= copy && clen > 0 && clen <= size &&
		    (size_t)(c - copy) <= size - clen);
	free(copy);
	return 0;
}
