/*
 * SPNEGO (RFC 4178, MS-SPNG) for HTTP Negotiate (RFC 4559) when the
 * mechanism is NTLMSSP: the worker reads a client's NegTokenInit (in its
 * GSS-API [APPLICATION 0] wrapper) or NegTokenResp strictly, and writes
 * the server's NegTokenResp around the NTLM CHALLENGE. Pure functions on
 * hostile bytes: bounded, no copies, no allocation.
 */
#ifndef RPXD_SPNEGO_H
#define RPXD_SPNEGO_H

#include <stddef.h>

/* Mechanisms listed in a NegTokenInit that are read beyond the first
 * (Windows lists four; a longer list is refused as malformed). */
#define SPNEGO_MECHS_MAX	16
/* The longest mechTypes (as DER) read: the worker keeps it for the
 * mechListMICs, which sign it. */
#define SPNEGO_MECHLIST_MAX	600

/* What a mechanism OID is to rpxd. */
enum spnego_mech {
	SPNEGO_MECH_OTHER = 0,		/* NEGOEX, IAKERB, anything else */
	SPNEGO_MECH_KRB5 = 1,		/* 1.2.840.113554.1.2.2 and
					   Microsoft's 1.2.840.48018.1.2.2 */
	SPNEGO_MECH_NTLM = 2		/* 1.3.6.1.4.1.311.2.2.10 */
};

/* negState of a NegTokenResp (RFC 4178 4.2.2). */
enum spnego_state {
	SPNEGO_ACCEPT_COMPLETED = 0,
	SPNEGO_ACCEPT_INCOMPLETE = 1,
	SPNEGO_REJECT = 2,
	SPNEGO_REQUEST_MIC = 3
};

/* A client's token, read by spnego_parse. */
struct spnego_token {
	int		 st_init;	/* 1: NegTokenInit, 0: NegTokenResp */
	unsigned	 st_nmechs;	/* NegTokenInit: mechTypes, >= 1 */
	unsigned char	 st_mechs[SPNEGO_MECHS_MAX];	/* enum spnego_mech,
					   in the client's order */
	int		 st_state;	/* NegTokenResp: negState, -1 absent */
	int		 st_supported;	/* NegTokenResp: supportedMech as
					   enum spnego_mech, -1 absent */
	const unsigned char *st_mechlist;	/* NegTokenInit: mechTypes
					   as DER (its SEQUENCE), which
					   the mechListMICs sign */
	size_t		 st_mechlistlen;
	const unsigned char *st_tok;	/* mechToken / responseToken, into
					   the input; NULL when absent */
	size_t		 st_toklen;
	const unsigned char *st_mic;	/* mechListMIC; NULL when absent */
	size_t		 st_miclen;
};

/*
 * Reads b as a NegTokenInit ([APPLICATION 0] { the SPNEGO OID, [0]
 * NegTokenInit }) or a NegTokenResp ([1]). 1 and *t; 0 if b is neither
 * (raw NTLMSSP, a bare Kerberos token); -1 and *why if it is one but
 * malformed: broken or indefinite DER, bytes left over, a field out of
 * order, twice or unknown, an empty or too long mechTypes (more than
 * SPNEGO_MECHS_MAX, or SPNEGO_MECHLIST_MAX bytes), a negState
 * beyond request-mic, an empty token.
 */
int	spnego_parse(const unsigned char *b, size_t len,
	    struct spnego_token *t, const char **why);

/*
 * Writes the server's NegTokenResp into out: negState state,
 * supportedMech NTLMSSP when with_mech, responseToken tok when tok is not
 * NULL (toklen at most 60000), mechListMIC mic when mic is not NULL
 * (miclen below 128). Its length, or -1 if out is too small.
 */
int	spnego_encode_resp(enum spnego_state state, int with_mech,
	    const unsigned char *tok, size_t toklen, const unsigned char *mic,
	    size_t miclen, unsigned char *out, size_t outlen);

#endif
