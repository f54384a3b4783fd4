/*
 * Streaming decoder for the chunked transfer coding (see chunked.h): a
 * byte-at-a-time state machine for the framing, block copies for the data.
 * It accepts exactly RFC 9112's grammar: CRLF only, hex sizes that fit in
 * 63 bits, well-formed extensions and trailer fields.
 */
#include <string.h>

#include "chunked.h"
#include "http.h"

enum {
	S_SIZE_FIRST,	/* first hex digit of a chunk-size */
	S_SIZE,		/* more hex digits, or the end of the size */
	S_EXT,		/* chunk extensions, up to CR */
	S_SIZE_LF,	/* LF after the size line's CR */
	S_DATA,
	S_DATA_CR,	/* CR after chunk data */
	S_DATA_LF,
	S_TR_START,	/* start of a trailer line, or the final CRLF */
	S_TR_NAME,
	S_TR_VALUE,
	S_TR_LF,	/* LF after a trailer line */
	S_FINAL_LF,	/* LF of the final empty line */
	S_DONE
};

void
chunked_init(struct chunked_decoder *d)
{
	memset(d, 0, sizeof(*d));
	d->cd_state = S_SIZE_FIRST;
}

static enum chunked_status
bad(struct chunked_decoder *d, const char *why)
{
	d->cd_error = why;
	d->cd_state = S_DONE;
	return CHUNKED_ERROR;
}

/* Extension bytes: tokens, '=', ';', BWS and quoted strings. */
static int
ext_byte(struct chunked_decoder *d, unsigned char c)
{
	if (d->cd_in_quote) {
		if (d->cd_quote_escape)
			d->cd_quote_escape = 0;
		else if (c == '\\')
			d->cd_quote_escape = 1;
		else if (c == '"')
			d->cd_in_quote = 0;
		return c == '\t' || (c >= 0x20 && c != 0x7f);
	}
	if (c == '"') {
		d->cd_in_quote = 1;
		return 1;
	}
	return http_is_tchar(c) || c == ';' || c == '=' || c == ' ' ||
	    c == '\t';
}

/* One framing byte. */
static enum chunked_status
frame_byte(struct chunked_decoder *d, unsigned char c)
{
	int	v;

	switch (d->cd_state) {
	case S_SIZE_FIRST:
	case S_SIZE:
		if (++d->cd_linelen > CHUNKED_MAX_LINE)
			return bad(d, "chunk-size line too long");
		if ((v = http_hexval(c)) >= 0) {
			if (++d->cd_digits > 16 ||
			    d->cd_remaining > (UINT64_C(1) << 59) - 1)
				return bad(d, "chunk size too large");
			d->cd_remaining = d->cd_remaining * 16 + (uint64_t)v;
			d->cd_state = S_SIZE;
			return CHUNKED_MORE;
		}
		if (d->cd_state == S_SIZE_FIRST)
			return bad(d, "invalid chunk size");
		if (c == '\r') {
			d->cd_state = S_SIZE_LF;
			return CHUNKED_MORE;
		}
		if (c != ';' && c != ' ' && c != '\t')
			return bad(d, "invalid chunk size");
		/* cd_digits now tells whether the ';' was seen. */
		d->cd_digits = c == ';';
		d->cd_state = S_EXT;
		return CHUNKED_MORE;
	case S_EXT:
		if (++d->cd_linelen > CHUNKED_MAX_LINE)
			return bad(d, "chunk-size line too long");
		if (!d->cd_digits) {
			if (c == ';')
				d->cd_digits = 1;
			else if (c != ' ' && c != '\t')
				return bad(d, "invalid chunk size");
			return CHUNKED_MORE;
		}
		if (c == '\r' && !d->cd_in_quote) {
			d->cd_state = S_SIZE_LF;
			return CHUNKED_MORE;
		}
		if (!ext_byte(d, c))
			return bad(d, "invalid chunk extension");
		return CHUNKED_MORE;
	case S_SIZE_LF:
		if (c != '\n')
			return bad(d, "chunk-size line without CRLF");
		d->cd_linelen = 0;
		d->cd_digits = 0;
		d->cd_in_quote = d->cd_quote_escape = 0;
		d->cd_state = d->cd_remaining ? S_DATA : S_TR_START;
		return CHUNKED_MORE;
	case S_DATA_CR:
		if (c != '\r')
			return bad(d, "chunk data not followed by CRLF");
		d->cd_state = S_DATA_LF;
		return CHUNKED_MORE;
	case S_DATA_LF:
		if (c != '\n')
			return bad(d, "chunk data not followed by CRLF");
		d->cd_state = S_SIZE_FIRST;
		return CHUNKED_MORE;
	case S_TR_START:
		if (c == '\r') {
			d->cd_state = S_FINAL_LF;
			return CHUNKED_MORE;
		}
		if (!http_is_tchar(c))
			return bad(d, "invalid trailer field");
		d->cd_linelen = 1;
		d->cd_state = S_TR_NAME;
		break;
	case S_TR_NAME:
		if (c == ':')
			d->cd_state = S_TR_VALUE;
		else if (!http_is_tchar(c))
			return bad(d, "invalid trailer field name");
		d->cd_linelen++;
		break;
	case S_TR_VALUE:
		if (c == '\r') {
			d->cd_state = S_TR_LF;
			return CHUNKED_MORE;
		}
		if (c != '\t' && (c < 0x20 || c == 0x7f))
			return bad(d, "invalid trailer field value");
		d->cd_linelen++;
		break;
	case S_TR_LF:
		if (c != '\n')
			return bad(d, "trailer line without CRLF");
		d->cd_state = S_TR_START;
		return CHUNKED_MORE;
	case S_FINAL_LF:
		if (c != '\n')
			return bad(d, "last chunk without final CRLF");
		d->cd_state = S_DONE;
		return CHUNKED_DONE;
	}
	if (d->cd_linelen > CHUNKED_MAX_LINE ||
	    ++d->cd_trailerlen > CHUNKED_MAX_TRAILER)
		return bad(d, "trailer fields too large");
	return CHUNKED_MORE;
}

enum chunked_status
chunked_decode(struct chunked_decoder *d, const char *in, size_t inlen,
    size_t *consumed, char *out, size_t outcap, size_t *produced)
{
	enum chunked_status	st = CHUNKED_MORE;
	size_t			i = 0, n;

	*produced = 0;
	if (d->cd_state == S_DONE && d->cd_error != NULL)
		st = CHUNKED_ERROR;
	else if (d->cd_state == S_DONE)
		st = CHUNKED_DONE;
	while (st == CHUNKED_MORE && i < inlen) {
		if (d->cd_state == S_DATA) {
			n = inlen - i;
			if (n > outcap - *produced)
				n = outcap - *produced;
			if (n > d->cd_remaining)
				n = (size_t)d->cd_remaining;
			if (n == 0)
				break;	/* out is full */
			memcpy(out + *produced, in + i, n);
			*produced += n;
			i += n;
			d->cd_remaining -= n;
			if (d->cd_remaining == 0)
				d->cd_state = S_DATA_CR;
			continue;
		}
		st = frame_byte(d, (unsigned char)in[i++]);
	}
	*consumed = i;
	return st;
}

size_t
chunked_header(char *dst, uint64_t len)
{
	static const char	hex[] = "0123456789abcdef";
	char			tmp[16];
	size_t			n = 0, i;

	do {
		tmp[n++] = hex[len & 0xf];
		len >>= 4;
	} while (len != 0);
	for (i = 0; i < n; i++)
		dst[i] = tmp[n - 1 - i];
	dst[n] = '\r';
	dst[n + 1] = '\n';
	return n + 2;
}
