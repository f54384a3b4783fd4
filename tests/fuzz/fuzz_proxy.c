/*
 * libFuzzer harness: the PROXY protocol header parser
 * (worker/proxy_header.c), which reads what a trusted balancer (or
 * whoever took its place on the network) sends before the client's bytes.
 * Byte 0 picks where the input is cut; the rest is the connection's first
 * bytes. Properties: a header whole in the prefix is the same header in
 * the whole input; a prefix refused is refused whole; a length is within
 * the input and the bounds; a client address is IPv4 or IPv6.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proxy_header.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long
parse(const uint8_t *p, size_t len, struct proxy_header *ph)
{
	unsigned char	*copy = malloc(len ? len : 1);
	const char	*why = NULL;
	long		 n;

	FUZZ_ASSERT(copy != NULL);
	memcpy(copy, p, len);	/* exactly len bytes: overreads are caught */
	n = proxy_header_parse(copy, len, ph, &why);
	free(copy);
	FUZZ_ASSERT(n >= -1 && n <= (long)len && n <= PROXY_HEADER_MAX);
	FUZZ_ASSERT(n != -1 || why != NULL);
	if (n > 0 && !ph->ph_local)
		FUZZ_ASSERT(ph->ph_src.ss_family == AF_INET ||
		    ph->ph_src.ss_family == AF_INET6);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_header	whole, part;
	size_t			cut;
	long			nw, np;

	if (size < 1)
		return 0;
	cut = data[0];
	data++;
	size--;
	if (cut > size)
		cut = size;
	nw = parse(data, size, &whole);
	np = parse(data, cut, &part);
	if (np > 0) {
		FUZZ_ASSERT(nw == np);
		FUZZ_ASSERT(whole.ph_local == part.ph_local &&
		    whole.ph_version == part.ph_version);
		FUZZ_ASSERT(memcmp(&whole.ph_src, &part.ph_src,
		    sizeof(whole.ph_src)) == 0);
	}
	if (np == -1)
		FUZZ_ASSERT(nw == -1);
	return 0;
}
