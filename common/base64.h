/*
 * Bounded base64 (RFC 4648, standard alphabet) for HTTP authentication
 * tokens: NTLM and Negotiate header values (ntlm_header.c). Pure: no I/O,
 * no allocation.
 */
#ifndef RPXD_BASE64_H
#define RPXD_BASE64_H

#include <stddef.h>

/* Characters base64_encode writes for len bytes, without the NUL. */
#define BASE64_ENCODED_LEN(len)	(((len) + 2) / 3 * 4)
/* Bytes base64_decode may write for len characters, at most. */
#define BASE64_DECODED_MAX(len)	((len) / 4 * 3 + 2)

/*
 * Writes the padded encoding of in and a NUL into out (outlen bytes with
 * the NUL); *outused gets the characters written. -1 if out is too small.
 */
int	base64_encode(const unsigned char *in, size_t len, char *out,
	    size_t outlen, size_t *outused);
/*
 * Decodes len characters: only the standard alphabet, padding only at the
 * end and only as much as the length needs (unpadded input is accepted,
 * a stray character or a lone last character is not). *outused gets the
 * bytes written. -1 if the input is invalid or out is too small.
 */
int	base64_decode(const char *in, size_t len, unsigned char *out,
	    size_t outlen, size_t *outused);

#endif
