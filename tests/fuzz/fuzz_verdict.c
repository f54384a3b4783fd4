/*
 * libFuzzer harness: the health checker's verdict on a server's answer
 * (health/verdict.c), fed in reads of fuzzer-chosen sizes as check.c
 * feeds it. A server is less trusted than rpxd-health: whatever it sends,
 * the verdict must end, give the same result however the bytes were cut,
 * and say why in a bounded, terminated string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "verdict.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct http_limits	lim = { 8192, 8192, 65536, 100 };

/* Feeds in[0..len) in pieces of the sizes cuts gives (all at once with
 * none); returns the result and its reason in why. */
static int
run(struct verdict *v, const struct health_conf *hc, const char *in,
    size_t len, const uint8_t *cuts, size_t ncuts, char *why, size_t wl)
{
	size_t	off = 0, n, c = 0;
	int	r;

	verdict_init(v, hc, &lim);
	while (off < len) {
		n = ncuts > 0 ? 1 + (size_t)cuts[c++ % ncuts] * 16 : len;
		if (n > len - off)
			n = len - off;
		if (verdict_feed(v, in + off, n))
			break;
		off += n;
	}
	memset(why, 'x', wl);
	r = verdict_result(v, why, wl);
	FUZZ_ASSERT(r == 0 || r == 1);
	/* Healthy needs no reason. */
	if (r == 1) {
		why[0] = '\0';
		return r;
	}
	FUZZ_ASSERT(memchr(why, '\0', wl) != NULL);
	/* It goes to the log: nothing of the server's but what the parser
	 * vouches for, no control bytes. */
	for (n = 0; why[n] != '\0'; n++)
		FUZZ_ASSERT(why[n] >= 0x20 && why[n] < 0x7f);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct verdict	v;
	static struct health_conf hc;
	char			why1[256], why2[256], *in;
	size_t			ncuts;
	int			r1, r2;

	/* Byte 0: expected status and body text or not; byte 1: how many
	 * of the next bytes are read sizes; the rest is the answer. */
	if (size < 2)
		return 0;
	memset(&hc, 0, sizeof(hc));
	hc.hc_enabled = 1;
	if (data[0] & 1) {
		hc.hc_nstatus = 2;
		hc.hc_status[0] = 200;
		hc.hc_status[1] = 204;
	}
	if (data[0] & 2)
		strcpy(hc.hc_body, (data[0] & 4) ? "OK" : "healthy and well");
	ncuts = data[1] % 16;
	if (size - 2 < ncuts)
		return 0;
	in = malloc(size - 2 - ncuts + 1);
	FUZZ_ASSERT(in != NULL);
	memcpy(in, data + 2 + ncuts, size - 2 - ncuts);
	r1 = run(&v, &hc, in, size - 2 - ncuts, NULL, 0, why1, sizeof(why1));
	r2 = run(&v, &hc, in, size - 2 - ncuts, data + 2, ncuts, why2,
	    sizeof(why2));
	FUZZ_ASSERT(r1 == r2 && strcmp(why1, why2) == 0);
	free(in);
	return 0;
}
