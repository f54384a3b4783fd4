/*
 * Just enough DER (X.690) to walk the tokens of HTTP Negotiate: SPNEGO
 * (RFC 4178) around NTLMSSP (ntlm_header.c) or a Kerberos AP-REQ
 * (krb5_token.c). Bounded reads of definite lengths; nothing is copied.
 */
#ifndef RPXD_DER_H
#define RPXD_DER_H

#include <stddef.h>

/* A DER value being read: what is left of it. */
struct der {
	const unsigned char	*d_p;
	size_t			 d_len;
};

/* One TLV of d: its tag and contents (d moves past it); definite
 * lengths below 16 MiB, single-byte tags. 0, or -1 if malformed. */
int	der_next(struct der *d, unsigned *tag, struct der *val);
/* The same, and the tag must be tag. */
int	der_expect(struct der *d, unsigned tag, struct der *val);
/*
 * The mechanism token inside SPNEGO: of an initial GSS token
 * ([APPLICATION 0], the SPNEGO OID, NegTokenInit) or of a later
 * NegTokenResp ([1]). 1 and *tok; 0 if b is not SPNEGO or carries no
 * token; -1 if the DER is broken.
 */
int	der_spnego_token(const unsigned char *b, size_t len, struct der *tok);

#endif
