/*
 * libFuzzer harness: the NTLMSSP messages (common/ntlm_msg.c) that workers
 * take from clients (type 1 and type 3, for `auth = ntlm`), and the NTLMv2
 * check (common/ntlm_verify.c) the master runs on a type 3. Every input
 * goes through both parsers, as a client may send either; names of a
 * type 3 must come out bounded and free of control characters (they are
 * logged and forwarded), and a type 1's flags must yield a type 2.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ntlm.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bounded, NUL-terminated, no C0 control, DEL or UTF-8 C1 control. */
static void
check_name(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strnlen(s, NTLM_NAME_MAX + 1);

	FUZZ_ASSERT(n <= NTLM_NAME_MAX);
	for (; *p != '\0'; p++) {
		FUZZ_ASSERT(*p >= 0x20 && *p != 0x7f);
		FUZZ_ASSERT(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f));
	}
}

static void
negotiate(const unsigned char *m, size_t len)
{
	struct ntlm_challenge	c;
	unsigned char		out[1024];
	uint32_t		flags;
	int			n;

	if (ntlm_parse_negotiate(m, len, &flags) == -1)
		return;
	memset(&c, 0, sizeof(c));
	c.nc_client_flags = flags;
	c.nc_nb_domain = "RPXACME";
	c.nc_nb_computer = "RPXD";
	c.nc_dns_domain = "acme.example";
	c.nc_dns_computer = "rpxd.acme.example";
	n = ntlm_build_challenge(&c, out, sizeof(out));
	FUZZ_ASSERT(n > 0 && (size_t)n <= sizeof(out));
}

static void
authenticate(const unsigned char *m, size_t len)
{
	static const unsigned char	hash[NTLM_HASH_LEN] = { 1, 2, 3 };
	static const unsigned char	chal[NTLM_CHALLENGE_LEN] = { 9, 8, 7 };
	struct ntlm_auth		a;
	const char			*why = NULL;
	int				r;

	r = ntlm_parse_authenticate(m, len, &a, &why);
	check_name(a.na_user);
	check_name(a.na_domain);
	check_name(a.na_workstation);
	if (r == -1) {
		FUZZ_ASSERT(why != NULL);
		return;
	}
	FUZZ_ASSERT(r == 0 && a.na_user[0] != '\0');
	FUZZ_ASSERT(a.na_ntlen >= NTLM_V2_RESPONSE_MIN);
	FUZZ_ASSERT(a.na_nt >= m && a.na_ntlen <= len &&
	    (size_t)(a.na_nt - m) <= len - a.na_ntlen);
	FUZZ_ASSERT(a.na_lmlen == 0 || (a.na_lm >= m && a.na_lmlen <= len &&
	    (size_t)(a.na_lm - m) <= len - a.na_lmlen));
	r = ntlm_verify_v2(hash, &a, chal);
	FUZZ_ASSERT(r == 0 || r == 1 || r == -1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*m;

	if (size > NTLM_MSG_MAX)
		return 0;
	/* An exact-size copy, so ASan sees any read past the end. */
	m = malloc(size ? size : 1);
	FUZZ_ASSERT(m != NULL);
	memcpy(m, data, size);
	negotiate(m, size);
	authenticate(m, size);
	free(m);
	return 0;
}
