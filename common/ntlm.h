/*
 * NTLM for HTTP (MS-NLMP, RFC 4559 style 401 exchanges): reading the
 * Authorization and WWW-Authenticate field values of pass-through traffic
 * (ntlm_header.c), the three NTLMSSP messages (ntlm_msg.c), names in
 * UTF-16LE (ntlm_utf16.c) and the NTLMv2 check of `auth = ntlm`
 * (ntlm_verify.c). Pure functions: no I/O, no globals; the caller makes
 * server challenges (RAND_bytes) and keeps the NT hashes (ntlm_users.h).
 */
#ifndef RPXD_NTLM_H
#define RPXD_NTLM_H

#include <stddef.h>
#include <stdint.h>

#define NTLM_TOKEN_MAX		65536	/* base64 characters of one token */
#define NTLM_MSG_MAX		49152	/* bytes a token of that size holds */
#define NTLM_NAME_MAX		256	/* UTF-8 bytes of user, domain, host */
/* The server's last Negotiate token (RFC 4559 section 5: an AP-REP in a
 * SPNEGO accept-completed, about 200 bytes with AES keys), carried from
 * the domain checker to the worker for mutual authentication. */
#define NEGOTIATE_REPLY_MAX	1024
/* A route's delegate (Kerberos constrained delegation): the AP-REQ for
 * the backend a domain checker makes as the user, a GSS-API Kerberos
 * token with the user's ticket and its PAC (a few KiB; the PAC of a
 * user in very many groups makes it larger), and why it failed. */
#define DELEGATION_TOKEN_MAX	24576
#define DELEGATION_WHY_MAX	256
#define NTLM_HASH_LEN		16	/* NT hash, NTOWFv2, NTProofStr */
#define NTLM_CHALLENGE_LEN	8
/* The NTProofStr and the shortest NTLMv2 blob (MS-NLMP 2.2.2.7). */
#define NTLM_V2_RESPONSE_MIN	(NTLM_HASH_LEN + 28)
/*
 * The longest NT response checked (Windows sends about 300 bytes): the
 * worker's parser refuses a longer one, so the master's check, which
 * takes no more, never sees one from an honest worker.
 */
#define NTLM_NT_RESPONSE_MAX	4096

/* NegotiateFlags (MS-NLMP 2.2.2.5). */
#define NTLM_NEGOTIATE_UNICODE			0x00000001u
#define NTLM_NEGOTIATE_OEM			0x00000002u
#define NTLM_REQUEST_TARGET			0x00000004u
#define NTLM_NEGOTIATE_SIGN			0x00000010u
#define NTLM_NEGOTIATE_SEAL			0x00000020u
#define NTLM_NEGOTIATE_LM_KEY			0x00000080u
#define NTLM_NEGOTIATE_NTLM			0x00000200u
#define NTLM_NEGOTIATE_ANONYMOUS		0x00000800u
#define NTLM_NEGOTIATE_OEM_DOMAIN_SUPPLIED	0x00001000u
#define NTLM_NEGOTIATE_OEM_WORKSTATION_SUPPLIED	0x00002000u
#define NTLM_NEGOTIATE_ALWAYS_SIGN		0x00008000u
#define NTLM_TARGET_TYPE_DOMAIN			0x00010000u
#define NTLM_TARGET_TYPE_SERVER			0x00020000u
#define NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY	0x00080000u
#define NTLM_NEGOTIATE_IDENTIFY			0x00100000u
#define NTLM_REQUEST_NON_NT_SESSION_KEY		0x00400000u
#define NTLM_NEGOTIATE_TARGET_INFO		0x00800000u
#define NTLM_NEGOTIATE_VERSION			0x02000000u
#define NTLM_NEGOTIATE_128			0x20000000u
#define NTLM_NEGOTIATE_KEY_EXCH			0x40000000u
#define NTLM_NEGOTIATE_56			0x80000000u

/* AvId of the TargetInfo AV pairs (MS-NLMP 2.2.2.1). */
enum ntlm_av_id {
	NTLM_AV_EOL = 0,
	NTLM_AV_NB_COMPUTER_NAME = 1,
	NTLM_AV_NB_DOMAIN_NAME = 2,
	NTLM_AV_DNS_COMPUTER_NAME = 3,
	NTLM_AV_DNS_DOMAIN_NAME = 4,
	NTLM_AV_DNS_TREE_NAME = 5,
	NTLM_AV_FLAGS = 6,
	NTLM_AV_TIMESTAMP = 7,
	NTLM_AV_SINGLE_HOST = 8,
	NTLM_AV_TARGET_NAME = 9,
	NTLM_AV_CHANNEL_BINDINGS = 10
};

/*
 * HTTP field values. The connection-bound schemes are NTLM, Negotiate,
 * Nego2 and Kerberos (case-insensitive): their handshakes authenticate
 * the TCP connection, so a proxy must pin client and backend connections.
 */
int	ntlm_scheme_is_connection_bound(const char *scheme, size_t len);
/* The scheme of an Authorization or Proxy-Authorization value. */
int	ntlm_credentials_is_connection_bound(const char *value, size_t len);
/*
 * Whether any challenge of a WWW-Authenticate or Proxy-Authenticate value
 * (a list such as `Basic realm="a,b", NTLM`) has such a scheme.
 */
int	ntlm_challenge_is_connection_bound(const char *value, size_t len);
/*
 * The NTLMSSP message type (1, 2, 3) of the first connection-bound
 * credentials or challenge in value that carries a token: the token is
 * NTLMSSP itself or holds it inside SPNEGO (Negotiate). 0 if there is no
 * such token or it is not NTLMSSP (Kerberos, another scheme); -1 if it is
 * malformed (bad base64, longer than NTLM_TOKEN_MAX, broken DER or a
 * truncated NTLMSSP header).
 */
int	ntlm_header_type(const char *value, size_t len);
/*
 * The same, and the NTLMSSP message itself when the result is 1-3: the
 * token is decoded into buf (NTLM_MSG_MAX bytes always suffice) and
 * *msg, *msglen point at the message inside it.
 */
int	ntlm_header_token(const char *value, size_t len, unsigned char *buf,
	    size_t buflen, const unsigned char **msg, size_t *msglen);

/* NEGOTIATE_MESSAGE (type 1): 0 and its flags, or -1 if malformed. */
int	ntlm_parse_negotiate(const unsigned char *m, size_t len,
	    uint32_t *flags);

/*
 * What a CHALLENGE_MESSAGE (type 2) says. Names are UTF-8; the DNS names
 * may be NULL or empty to leave their AV pairs out.
 */
struct ntlm_challenge {
	uint32_t	 nc_client_flags;	/* from the type 1 */
	unsigned char	 nc_challenge[NTLM_CHALLENGE_LEN];
	const char	*nc_nb_domain;
	const char	*nc_nb_computer;
	const char	*nc_dns_domain;
	const char	*nc_dns_computer;
	uint64_t	 nc_timestamp;		/* FILETIME: 100 ns, 1601 */
};

/*
 * Writes a type 2 for the client of c into out: its length, or -1 if out
 * is too small or a name is not UTF-8 or longer than NTLM_NAME_MAX. The
 * TargetInfo makes clients answer with NTLMv2. Flags: Unicode (OEM if the
 * client offers only that), REQUEST_TARGET, NTLM, ALWAYS_SIGN,
 * TARGET_TYPE_DOMAIN, EXTENDED_SESSIONSECURITY, TARGET_INFO, VERSION, and
 * SIGN, SEAL, 128, 56 and KEY_EXCH if the client asks for them.
 */
int	ntlm_build_challenge(const struct ntlm_challenge *c,
	    unsigned char *out, size_t outlen);

/* An AUTHENTICATE_MESSAGE (type 3). */
struct ntlm_auth {
	uint32_t		 na_flags;
	char			 na_user[NTLM_NAME_MAX + 1];	/* UTF-8 */
	char			 na_domain[NTLM_NAME_MAX + 1];
	char			 na_workstation[NTLM_NAME_MAX + 1];
	const unsigned char	*na_lm;		/* into the parsed message */
	size_t			 na_lmlen;
	const unsigned char	*na_nt;		/* NTProofStr, then the blob */
	size_t			 na_ntlen;
	const unsigned char	*na_enckey;	/* EncryptedRandomSessionKey */
	size_t			 na_enckeylen;
};

/*
 * Parses a type 3 that may be NTLMv2: 0, or -1 with *why saying what is
 * wrong in words fit for syslog (malformed, anonymous, NTLMv1, ...).
 * na_lm and na_nt point into m, which must outlive *out. On -1 the names
 * hold what could be decoded (valid UTF-8 without control characters) or
 * are empty, so a refusal can be logged with the user and domain.
 */
int	ntlm_parse_authenticate(const unsigned char *m, size_t len,
	    struct ntlm_auth *out, const char **why);

/*
 * Checks the NTLMv2 response of a against the user's NT hash (MD4 of the
 * UTF-16LE password) and the challenge of this connection: 1 good, 0 bad,
 * -1 if OpenSSL cannot compute HMAC-MD5 (a FIPS-only provider).
 */
int	ntlm_verify_v2(const unsigned char nt_hash[NTLM_HASH_LEN],
	    const struct ntlm_auth *a,
	    const unsigned char server_challenge[NTLM_CHALLENGE_LEN]);
/* The same, and when good the session base key into session_key. */
int	ntlm_verify_v2_key(const unsigned char nt_hash[NTLM_HASH_LEN],
	    const struct ntlm_auth *a,
	    const unsigned char server_challenge[NTLM_CHALLENGE_LEN],
	    unsigned char session_key[NTLM_HASH_LEN]);
/* HMAC-MD5 of a || b (b may be NULL with blen 0): 0, or -1 if OpenSSL
 * cannot compute it. */
int	ntlm_hmac_md5(const unsigned char *key, size_t keylen,
	    const unsigned char *a, size_t alen, const unsigned char *b,
	    size_t blen, unsigned char out[NTLM_HASH_LEN]);

/*
 * SPNEGO's mechListMIC with NTLM (ntlm_mic.c; MS-NLMP 3.4.4.2 with
 * extended session security, MS-SPNG 3.1.5.1): the exported session key
 * from the session base key and the AUTHENTICATE message's flags and
 * EncryptedRandomSessionKey; then the 16-byte signature of msg (sequence
 * number 0) with the client's keys (from_server 0) or the server's.
 * 0, or -1 (OpenSSL failed, or flags without extended session security).
 */
int	ntlm_exported_key(const unsigned char base[NTLM_HASH_LEN],
	    const struct ntlm_auth *a, unsigned char out[NTLM_HASH_LEN]);
int	ntlm_mic(const unsigned char exported[NTLM_HASH_LEN], uint32_t flags,
	    int from_server, const unsigned char *msg, size_t len,
	    unsigned char sig[NTLM_HASH_LEN]);

/*
 * UTF-8 <-> UTF-16LE, strict: no overlong forms, surrogates must pair, no
 * NUL. ntlm_utf8_to_utf16le writes *outused bytes, no terminator;
 * ntlm_utf16le_to_utf8 writes a NUL-terminated string. 0, -1 if the
 * input is invalid, -2 if the output does not fit.
 */
int	ntlm_utf8_to_utf16le(const char *s, unsigned char *out,
	    size_t outlen, size_t *outused);
int	ntlm_utf16le_to_utf8(const unsigned char *in, size_t len, char *out,
	    size_t outlen);

#endif
