/*
 * libFuzzer harness: the SPNEGO reader of HTTP Negotiate with NTLMSSP
 * (common/spnego.c), which a worker runs on every client's token. The
 * result is -1, 0 or 1; a refusal says why; the token found lies inside
 * the input, and so do the MIC and the mechanism list (a SEQUENCE); the
 * mechanisms are within bounds; and a NegTokenResp written
 * around that token reads back the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spnego.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Encode t's token into a NegTokenResp and read it back. */
static void
round_trip(const struct spnego_token *t)
{
	static unsigned char	out[70000];
	struct spnego_token	back;
	const char		*why = NULL;
	int			n;

	n = spnego_encode_resp(SPNEGO_ACCEPT_INCOMPLETE, 1, t->st_tok,
	    t->st_toklen, NULL, 0, out, sizeof(out));
	if (n == -1) {
		FUZZ_ASSERT(t->st_toklen > 60000);
		return;
	}
	FUZZ_ASSERT(spnego_parse(out, (size_t)n, &back, &why) == 1);
	FUZZ_ASSERT(!back.st_init && back.st_state == SPNEGO_ACCEPT_INCOMPLETE);
	FUZZ_ASSERT(back.st_supported == SPNEGO_MECH_NTLM);
	FUZZ_ASSERT(back.st_toklen == t->st_toklen &&
	    memcmp(back.st_tok, t->st_tok, t->st_toklen) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spnego_token	 t;
	const char		*why = NULL;
	unsigned char		*copy;
	unsigned		 i;
	int			 r;

	/* A copy of exactly size bytes: ASan sees any read past it. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	r = spnego_parse(copy, size, &t, &why);
	FUZZ_ASSERT(r >= -1 && r <= 1);
	FUZZ_ASSERT(r != -1 || why != NULL);
	if (r == 1) {
		FUZZ_ASSERT(fuzz_inside((const char *)copy, size,
		    (const char *)t.st_tok, t.st_toklen));
		FUZZ_ASSERT(t.st_tok == NULL || t.st_toklen > 0);
		FUZZ_ASSERT(fuzz_inside((const char *)copy, size,
		    (const char *)t.st_mic, t.st_miclen));
		FUZZ_ASSERT(fuzz_inside((const char *)copy, size,
		    (const char *)t.st_mechlist, t.st_mechlistlen));
		FUZZ_ASSERT(!t.st_init || (t.st_mechlist != NULL &&
		    t.st_mechlist[0] == 0x30));
		FUZZ_ASSERT(!t.st_init || (t.st_nmechs >= 1 &&
		    t.st_nmechs <= SPNEGO_MECHS_MAX));
		for (i = 0; i < t.st_nmechs; i++)
			FUZZ_ASSERT(t.st_mechs[i] <= SPNEGO_MECH_NTLM);
		FUZZ_ASSERT(t.st_state >= -1 && t.st_state <= SPNEGO_REQUEST_MIC);
		if (t.st_tok != NULL)
			round_trip(&t);
	}
	free(copy);
	return 0;
}
