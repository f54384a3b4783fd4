/*
 * Bounded base64 (see base64.h). Written here rather than taken from
 * EVP_DecodeBlock, which accepts whitespace, returns padding as zero bytes
 * and cannot say how much it was allowed to write.
 */
#include <stdint.h>

#include "base64.h"

static const char	b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
base64_encode(const unsigned char *in, size_t len, char *out,
    size_t outlen, size_t *outused)
{
	size_t		i, o = 0;
	uint32_t	v;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 2 ||
	    outlen < BASE64_ENCODED_LEN(len) + 1)
		return -1;
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 0x3f];
		out[o++] = b64_alphabet[(v >> 6) & 0x3f];
		out[o++] = b64_alphabet[v & 0x3f];
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 0x3f];
		out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 0x3f] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	*outused = o;
	return 0;
}

static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
base64_decode(const char *in, size_t len, unsigned char *out,
    size_t outlen, size_t *outused)
{
	size_t		i, n, o = 0;
	uint32_t	v = 0;
	int		d;

	/* Padding makes the length a multiple of 4; it says nothing else. */
	if (len % 4 == 0 && len > 0 && in[len - 1] == '=')
		len -= in[len - 2] == '=' ? 2 : 1;
	if (len % 4 == 1)
		return -1;
	for (i = 0, n = 0; i < len; i++) {
		if ((d = b64_value(in[i])) == -1)
			return -1;
		v = v << 6 | (uint32_t)d;
		if (++n < 4)
			continue;
		if (outlen - o < 3)
			return -1;
		out[o++] = v >> 16;
		out[o++] = (v >> 8) & 0xff;
		out[o++] = v & 0xff;
		n = 0;
		v = 0;
	}
	if (n > 0) {
		if (outlen - o < n - 1)
			return -1;
		v <<= 6 * (4 - n);
		out[o++] = v >> 16;
		if (n == 3)
			out[o++] = (v >> 8) & 0xff;
	}
	*outused = o;
	return 0;
}
