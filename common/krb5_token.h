/*
 * The Kerberos AP-REQ of an HTTP Negotiate token (RFC 4559, RFC 4121,
 * RFC 4120), read without any Kerberos library: the master takes the
 * encrypted authenticator of each login as the key of its replay cache
 * (master/negotiate.c), since the domain checkers accept tokens with no
 * replay cache of their own (they open no file). Pure functions.
 */
#ifndef RPXD_KRB5_TOKEN_H
#define RPXD_KRB5_TOKEN_H

#include <stddef.h>

/*
 * The authenticator's cipher text in token b (SPNEGO around a Kerberos
 * initial context token, or that token alone): 1 with *cipher and *len
 * pointing into b; 0 if b holds no Kerberos AP-REQ (NTLMSSP, say); -1 if
 * it is malformed.
 */
int	krb5_token_authenticator(const unsigned char *b, size_t len,
	    const unsigned char **cipher, size_t *cipherlen);

#endif
