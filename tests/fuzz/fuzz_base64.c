/*
 * libFuzzer harness: base64 (common/base64.c), which decodes the NTLM and
 * Negotiate tokens of clients and servers. The input is decoded as text
 * (what decodes must encode back to the same text, up to the padding
 * that decoding accepts without and the unused low bits of the last
 * character, which RFC 4648 3.5 lets a decoder ignore) and encoded as
 * bytes (which must decode back to them), with output buffers of the
 * exact size the macros give.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "fuzz.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Text -> bytes -> text. */
static void
decode_first(const char *in, size_t len)
{
	unsigned char	*bin;
	char		*txt;
	size_t		 blen, tlen, cap = BASE64_DECODED_MAX(len);

	bin = malloc(cap ? cap : 1);
	FUZZ_ASSERT(bin != NULL);
	if (base64_decode(in, len, bin, cap, &blen) == 0) {
		FUZZ_ASSERT(blen <= cap);
		txt = malloc(BASE64_ENCODED_LEN(blen) + 1);
		FUZZ_ASSERT(txt != NULL);
		FUZZ_ASSERT(base64_encode(bin, blen, txt,
		    BASE64_ENCODED_LEN(blen) + 1, &tlen) == 0);
		FUZZ_ASSERT(tlen == BASE64_ENCODED_LEN(blen));
		/* The same characters but the last one's unused bits; the
		 * input may leave out padding. */
		while (len > 0 && in[len - 1] == '=')
			len--;
		FUZZ_ASSERT(len <= tlen);
		FUZZ_ASSERT(len == 0 || memcmp(txt, in, len - 1) == 0);
		if (len > 0 && len % 4 == 0)
			FUZZ_ASSERT(txt[len - 1] == in[len - 1]);
		for (; len < tlen; len++)
			FUZZ_ASSERT(txt[len] == '=');
		free(txt);
	}
	free(bin);
}

/* Bytes -> text -> bytes. */
static void
encode_first(const unsigned char *in, size_t len)
{
	unsigned char	*bin;
	char		*txt;
	size_t		 tlen, blen, cap = BASE64_ENCODED_LEN(len) + 1;

	txt = malloc(cap);
	FUZZ_ASSERT(txt != NULL);
	FUZZ_ASSERT(base64_encode(in, len, txt, cap, &tlen) == 0);
	FUZZ_ASSERT(tlen == cap - 1 && txt[tlen] == '\0');
	/* One byte too few is refused, not overrun. */
	FUZZ_ASSERT(base64_encode(in, len, txt, cap - 1, &blen) == -1);
	bin = malloc(BASE64_DECODED_MAX(tlen));
	FUZZ_ASSERT(bin != NULL);
	FUZZ_ASSERT(base64_decode(txt, tlen, bin, BASE64_DECODED_MAX(tlen),
	    &blen) == 0);
	FUZZ_ASSERT(blen == len && memcmp(bin, in, len) == 0);
	/* And into exactly len bytes. */
	FUZZ_ASSERT(base64_decode(txt, tlen, bin, len, &blen) == 0 &&
	    blen == len);
	free(bin);
	free(txt);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*copy;

	copy = malloc(size ? size : 1);
	FUZZ_ASSERT(copy != NULL);
	memcpy(copy, data, size);
	decode_first(copy, size);
	encode_first((const unsigned char *)copy, size);
	free(copy);
	return 0;
}
