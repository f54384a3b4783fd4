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
	/* chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ) */
	S_EXT_SEMI_WS,	/* BWS that must be followed by ';' */
	S_EXT_NAME_WS,	/* BWS after ';', before the name */
	S_EXT_NAME,
	S_EXT_NAME_END,	/* BWS after a name: '=' or ';' must follow */
	S_EXT_VAL_WS,	/* BWS after '=' */
	S_EXT_TOKEN,	/* token value */
	S_EXT_QUOTED,	/* inside a quoted-string value */
	S_EXT_QESC,	/* after a backslash in a quoted-string */
	S_EXT_QEND,	/* after the closing quote */
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

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* qdtext, and what may follow a backslash in a quoted-string. */
static int
is_qdtext(unsigned char c)
{
	return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
	    (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}

static int
is_qpair(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* The next extension state after c in state s, or -1 if c is invalid. */
static int
ext_next(int s, unsigned char c)
{
	switch (s) {
	case S_EXT_SEMI_WS:
		return is_ws(c) ? s : c == ';' ? S_EXT_NAME_WS : -1;
	case S_EXT_NAME_WS:
		return is_ws(c) ? s : http_is_tchar(c) ? S_EXT_NAME : -1;
	case S_EXT_NAME:
		if (http_is_tchar(c))
			return s;
		/* FALLTHROUGH */
	case S_EXT_NAME_END:
		if (c == '=')
			return S_EXT_VAL_WS;
		if (c == ';')
			return S_EXT_NAME_WS;
		return is_ws(c) ? S_EXT_NAME_END : -1;
	case S_EXT_VAL_WS:
		if (is_ws(c))
			return s;
		if (c == '"')
			return S_EXT_QUOTED;
		return http_is_tchar(c) ? S_EXT_TOKEN : -1;
	case S_EXT_TOKEN:
		if (http_is_tchar(c))
			return s;
		/* FALLTHROUGH */
	case S_EXT_QEND:
		if (c == ';')
			return S_EXT_NAME_WS;
		return is_ws(c) ? S_EXT_SEMI_WS : -1;
	case S_EXT_QUOTED:
		if (c == '"')
			return S_EXT_QEND;
		if (c == '\\')
			return S_EXT_QESC;
		return is_qdtext(c) ? s : -1;
	case S_EXT_QESC:
		return is_qpair(c) ? S_EXT_QUOTED : -1;
	}
	return -1;
}

/* A byte of the chunk-size line, up to its CR. */
static enum chunked_status
size_line_byte(struct chunked_decoder *d, unsigned char c)
{
	int	v, s = d->cd_state;

	if (c == '\r') {
		/* The line may end after the size, a name or a value. */
		if (s != S_SIZE && s != S_EXT_NAME && s != S_EXT_TOKEN &&
		    s != S_EXT_QEND)
			return bad(d, s == S_SIZE_FIRST ? "invalid chunk size" :
			    "invalid chunk extension");
		d->cd_state = S_SIZE_LF;
		return CHUNKED_MORE;
	}
	if (++d->cd_linelen > CHUNKED_MAX_LINE)
		return bad(d, "chunk-size line too long");
	if (s == S_SIZE_FIRST || s == S_SIZE) {
		if ((v = http_hexval(c)) >= 0) {
			if (++d->cd_digits > 16 ||
			    d->cd_remaining > (UINT64_C(1) << 59) - 1)
				return bad(d, "chunk size too large");
			d->cd_remaining = d->cd_remaining * 16 + (uint64_t)v;
			d->cd_state = S_SIZE;
			return CHUNKED_MORE;
		}
		if (s == S_SIZE_FIRST)
			return bad(d, "invalid chunk size");
		s = S_EXT_SEMI_WS;	/* c is the first byte after the size */
	}
	if ((v = ext_next(s, c)) == -1)
		return bad(d, s == S_EXT_SEMI_WS && !is_ws(c) && c != ';' ?
		    "invalid chunk size" : "invalid chunk extension");
	d->cd_state = v;
	return CHUNKED_MORE;
}

/* A byte of the trailer section (after the last chunk's size line). */
static enum chunked_status
trailer_byte(struct chunked_decoder *d, unsigned char c)
{
	switch (d->cd_state) {
	case S_TR_START:
		if (c == '\r') {
			d->cd_state = S_FINAL_LF;
			return CHUNKED_MORE;
		}
		if (!http_is_tchar(c))
			return bad(d, is_ws(c) ? "obs-fold in trailer" :
			    "invalid trailer field name");
		d->cd_linelen = 0;
		d->cd_state = S_TR_NAME;
		break;
	case S_TR_NAME:
		if (c == ':')
			d->cd_state = S_TR_VALUE;
		else if (!http_is_tchar(c))
			return bad(d, "invalid trailer field name");
		break;
	case S_TR_VALUE:
		if (c == '\r') {
			d->cd_state = S_TR_LF;
			return CHUNKED_MORE;
		}
		if (!is_qpair(c))
			return bad(d, "invalid trailer field value");
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
	if (++d->cd_linelen > CHUNKED_MAX_LINE)
		return bad(d, "trailer line too long");
	if (++d->cd_trailerlen > CHUNKED_MAX_TRAILER)
		return bad(d, "trailer fields too large");
	return CHUNKED_MORE;
}

/* One framing byte. */
static enum chunked_status
frame_byte(struct chunked_decoder *d, unsigned char c)
{
	switch (d->cd_state) {
	case S_SIZE_LF:
		if (c != '\n')
			return bad(d, "chunk-size line without CRLF");
		d->cd_linelen = 0;
		d->cd_digits = 0;
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
	case S_TR_NAME:
	case S_TR_VALUE:
	case S_TR_LF:
	case S_FINAL_LF:
		return trailer_byte(d, c);
	}
	return size_line_byte(d, c);
}

enum chunked_status
chunked_decode(struct chunked_decoder *d, const char *in, size_t inlen,
    size_t *consumed, char *out, size_t outcap, size_t *produced)
{
	enum chunked_status	st = CHUNKED_MORE;
	size_t			i = 0, n;

	*produced = 0;
	if (d->cd_state == S_DONE)
		st = d->cd_error != NULL ? CHUNKED_ERROR : CHUNKED_DONE;
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
