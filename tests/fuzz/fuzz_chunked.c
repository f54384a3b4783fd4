/*
 * libFuzzer harness: the chunked decoder (worker/chunked.c), which workers
 * run over request bodies from clients and response bodies from servers,
 * and the health checker over its servers' answers. The same stream is
 * decoded whole into a large buffer and again split into pieces at points
 * the fuzzer chooses, into a small output buffer, as reads and a full
 * output would cut it: both must give the same status, data, error and
 * end of message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chunked.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct result {
	enum chunked_status	 st;
	size_t			 consumed;	/* of the whole stream */
	size_t			 produced;
	const char		*error;
};

/* Decodes in[0..len) in pieces of the sizes that cuts gives, with at most
 * outcap output bytes per call, as a worker's read loop would. */
static void
decode(const char *in, size_t len, const uint8_t *cuts, size_t ncuts,
    size_t outcap, char *out, size_t outsize, struct result *res)
{
	struct chunked_decoder	d;
	size_t			off = 0, end, c = 0, used, made, room;

	chunked_init(&d);
	memset(res, 0, sizeof(*res));
	res->st = CHUNKED_MORE;
	while (off < len && res->st == CHUNKED_MORE) {
		end = len;
		if (ncuts > 0)
			end = off + 1 + cuts[c++ % ncuts];
		if (end > len)
			end = len;
		/* Hand the decoder what is left of this read until it has
		 * taken all of it or stops. */
		while (off < end && res->st == CHUNKED_MORE) {
			room = outsize - res->produced;
			if (room > outcap)
				room = outcap;
			res->st = chunked_decode(&d, in + off, end - off, &used,
			    out + res->produced, room, &made);
			FUZZ_ASSERT(used <= end - off && made <= room);
			res->produced += made;
			off += used;
			/* No progress with room to spare is a hang. */
			FUZZ_ASSERT(used > 0 || res->st != CHUNKED_MORE);
		}
	}
	res->consumed = off;
	res->error = res->st == CHUNKED_ERROR ? d.cd_error : NULL;
	if (res->st == CHUNKED_ERROR)
		FUZZ_ASSERT(d.cd_error != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result	 whole, split;
	char		*in, *out1, *out2;
	size_t		 ncuts, outcap;

	/* Data is never longer than the stream, so size bytes of output
	 * always leave room. Byte 0: output room per call; byte 1: how many of the next bytes
	 * are piece sizes; the rest is the stream. */
	if (size < 2)
		return 0;
	outcap = 1 + data[0];
	ncuts = data[1] % 16;
	if (size - 2 < ncuts)
		return 0;
	in = malloc(size - 2 - ncuts + 1);
	out1 = malloc(size + 1);
	out2 = malloc(size + 1);
	FUZZ_ASSERT(in != NULL && out1 != NULL && out2 != NULL);
	memcpy(in, data + 2 + ncuts, size - 2 - ncuts);
	decode(in, size - 2 - ncuts, NULL, 0, size, out1, size, &whole);
	decode(in, size - 2 - ncuts, data + 2, ncuts, outcap, out2, size,
	    &split);
	FUZZ_ASSERT(whole.st == split.st);
	FUZZ_ASSERT(whole.consumed == split.consumed);
	FUZZ_ASSERT(whole.produced == split.produced);
	FUZZ_ASSERT(memcmp(out1, out2, whole.produced) == 0);
	FUZZ_ASSERT(whole.error == split.error ||
	    (whole.error != NULL && split.error != NULL &&
	    strcmp(whole.error, split.error) == 0));
	free(in);
	free(out1);
	free(out2);
	return 0;
}
