/*
 * UTF-8 <-> UTF-16LE for NTLM names (see ntlm.h): rpxd keeps names in
 * UTF-8, NTLMSSP carries them in UTF-16LE. Strict in both directions, so
 * a name that round-trips is the one the client hashed.
 */
#include <stdint.h>

#include "ntlm.h"

/* The code point at *s, advancing *s; -1 on a malformed sequence. */
static int32_t
utf8_next(const unsigned char **s)
{
	const unsigned char	*p = *s;
	uint32_t		 c = p[0], min;
	int			 n, i;

	if (c < 0x80) {
		*s = p + 1;
		return (int32_t)c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		c &= 0x07;
		min = 0x10000;
	} else
		return -1;
	/* A NUL stops the loop, as it is not a continuation byte. */
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*s = p + n + 1;
	return (int32_t)c;
}

static int
put_unit(unsigned char *out, size_t outlen, size_t *o, uint32_t u)
{
	if (outlen - *o < 2)
		return -2;
	out[(*o)++] = u & 0xff;
	out[(*o)++] = u >> 8;
	return 0;
}

int
ntlm_utf8_to_utf16le(const char *s, unsigned char *out, size_t outlen,
    size_t *outused)
{
	const unsigned char	*p = (const unsigned char *)s;
	int32_t			 c;
	size_t			 o = 0;

	while (*p != '\0') {
		if ((c = utf8_next(&p)) == -1)
			return -1;
		if (c < 0x10000) {
			if (put_unit(out, outlen, &o, (uint32_t)c) == -2)
				return -2;
			continue;
		}
		c -= 0x10000;
		if (put_unit(out, outlen, &o, 0xd800 | (uint32_t)c >> 10) ==
		    -2 || put_unit(out, outlen, &o, 0xdc00 | (c & 0x3ff)) == -2)
			return -2;
	}
	*outused = o;
	return 0;
}

static int
put_utf8(char *out, size_t outlen, size_t *o, uint32_t c)
{
	unsigned char	b[4];
	size_t		n, i;

	if (c < 0x80) {
		b[0] = c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = 0xc0 | c >> 6;
		b[1] = 0x80 | (c & 0x3f);
		n = 2;
	} else if (c < 0x10000) {
		b[0] = 0xe0 | c >> 12;
		b[1] = 0x80 | ((c >> 6) & 0x3f);
		b[2] = 0x80 | (c & 0x3f);
		n = 3;
	} else {
		b[0] = 0xf0 | c >> 18;
		b[1] = 0x80 | ((c >> 12) & 0x3f);
		b[2] = 0x80 | ((c >> 6) & 0x3f);
		b[3] = 0x80 | (c & 0x3f);
		n = 4;
	}
	if (outlen - *o < n + 1)	/* and the NUL */
		return -2;
	for (i = 0; i < n; i++)
		out[(*o)++] = (char)b[i];
	return 0;
}

int
ntlm_utf16le_to_utf8(const unsigned char *in, size_t len, char *out,
    size_t outlen)
{
	size_t		i, o = 0;
	uint32_t	c, lo;

	if (len % 2 != 0)
		return -1;
	if (outlen == 0)
		return -2;
	for (i = 0; i < len; i += 2) {
		c = in[i] | (uint32_t)in[i + 1] << 8;
		/* A NUL would cut the C string short. */
		if (c == 0 || (c >= 0xdc00 && c <= 0xdfff))
			return -1;
		if (c >= 0xd800 && c <= 0xdbff) {
			if (len - i < 4)
				return -1;
			lo = in[i + 2] | (uint32_t)in[i + 3] << 8;
			if (lo < 0xdc00 || lo > 0xdfff)
				return -1;
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		}
		if (put_utf8(out, outlen, &o, c) == -2)
			return -2;
	}
	out[o] = '\0';
	return 0;
}
