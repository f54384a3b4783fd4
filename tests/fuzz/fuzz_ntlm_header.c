/*
 * libFuzzer harness: the Authorization and WWW-Authenticate field values
 * that workers read on `auth = passthrough` and `auth = ntlm` routes
 * (common/ntlm_header.c): schemes, base64 tokens and the SPNEGO (DER)
 * wrapping of NTLMSSP. The answers must agree with each other, and a
 * message found must lie inside the decoded token.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ntlm.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char	 buf[NTLM_MSG_MAX];
	const unsigned char	*msg = NULL;
	size_t			 msglen = 0;
	char			*v;
	int			 t, t2;

	if (size > NTLM_TOKEN_MAX + 1024)
		return 0;
	v = malloc(size ? size : 1);
	FUZZ_ASSERT(v != NULL);
	memcpy(v, data, size);
	(void)ntlm_credentials_is_connection_bound(v, size);
	(void)ntlm_challenge_is_connection_bound(v, size);
	t = ntlm_header_type(v, size);
	FUZZ_ASSERT(t >= -1 && t <= 3);
	t2 = ntlm_header_token(v, size, buf, sizeof(buf), &msg, &msglen);
	FUZZ_ASSERT(t == t2);
	if (t > 0) {
		FUZZ_ASSERT(msg >= buf && msglen >= 12 &&
		    msglen <= sizeof(buf) &&
		    (size_t)(msg - buf) <= sizeof(buf) - msglen);
		FUZZ_ASSERT(memcmp(msg, "NTLMSSP", 8) == 0);
		FUZZ_ASSERT(msg[8] == t);
	}
	/* A token was looked at only behind a connection-bound scheme. */
	if (t != 0)
		FUZZ_ASSERT(ntlm_challenge_is_connection_bound(v, size));
	free(v);
	return 0;
}
