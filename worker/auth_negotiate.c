/*
 * Authorization: Negotiate (RFC 4559) on an auth = ntlm or negotiate
 * route, the worker's half. The client's token is hostile bytes, so it
 * is read here, in the sandboxed worker (spnego.c); what it carries goes
 * on to the logins that already exist: a Kerberos ticket to the master
 * (auth_ntlm_kerberos, with negotiate-keytab), NTLMSSP messages, bare or
 * inside SPNEGO (RFC 4178, MS-SPNG), to the very NTLM login of
 * Authorization: NTLM (auth_ntlm_negotiate, auth_ntlm_authenticate): the
 * master mints the challenge and checks the answer with the same source,
 * failure limit and delay, and the identity reaches the backend the same
 * way. Only the wrapping differs: the type 2 goes back as the client
 * sent its type 1, bare or in a NegTokenResp. This is what a browser or
 * Windows client with no Kerberos ticket does when offered Negotiate.
 *
 * mechListMIC (MS-SPNG 3.1.5.1): the master returns the login's session
 * base key (from the ntlm-users hash or the domain), with which the
 * client's MIC over its mechTypes is checked (a login whose MIC does not
 * verify is refused) and the server's made for the accept-completed on
 * the 200 (ntlm_mic.c). Without a key (a domain that sent none) a client
 * that sent a MIC gets no final token (a NegTokenResp without the MIC it
 * expects would fail its check; HTTP clients do not need the final
 * token); one that sent none gets accept-completed.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base64.h"
#include "log.h"
#include "ntlm.h"
#include "spnego.h"
#include "worker.h"

#define NTLMSSP_SIG	"NTLMSSP"	/* and its NUL: 8 bytes */
#define REPLY_MAX	64		/* a NegTokenResp without a token */

/* The NTLMSSP message type (1-3) of b; 0 if b is no NTLMSSP; -1 if it
 * claims to be one but its type is missing or unknown. */
static int
ntlmssp_type(const unsigned char *b, size_t len)
{
	if (len < 8 || memcmp(b, NTLMSSP_SIG, 8) != 0)
		return 0;
	if (len < 12 || b[9] != 0 || b[10] != 0 || b[11] != 0 || b[8] < 1 ||
	    b[8] > 3)
		return -1;
	return b[8];
}

static enum authn_result
start_over(struct worker_env *w, const struct http_message *req,
    struct request_log *rl)
{
	return auth_ntlm_challenge(w, req, rl, 0);
}

/* NTLM on an auth = negotiate route: refused, as Authorization: NTLM. */
static enum authn_result
kerberos_only(struct worker_env *w, const struct http_message *req,
    struct request_log *rl)
{
	log_warnx("auth: client %s: NTLM inside Negotiate refused: the route "
	    "takes Kerberos only (auth = \"negotiate\")", w->w_client_addr);
	return start_over(w, req, rl);
}

/* A 401 with a NegTokenResp of our own that carries no NTLM message:
 * naming NTLMSSP (with_mech) to go on, or reject; after a reject, plain
 * NTLM stays on offer (not on an auth = negotiate route). */
static enum authn_result
spnego_reply(struct worker_env *w, const struct http_message *req,
    struct request_log *rl, enum spnego_state state, int with_mech)
{
	unsigned char	tok[REPLY_MAX];
	char		value[64 + BASE64_ENCODED_LEN(REPLY_MAX)];
	size_t		used;
	int		n;

	n = spnego_encode_resp(state, with_mech, NULL, 0, NULL, 0, tok, sizeof(tok));
	if (n == -1 || base64_encode(tok, (size_t)n, value + 10,
	    sizeof(value) - 10, &used) == -1) {
		respond_error(w, rl, 500, "cannot build a SPNEGO answer");
		return AUTHN_CLOSE;
	}
	memcpy(value, "Negotiate ", 10);
	if (state == SPNEGO_REJECT && !w->w_kerberos_only)
		snprintf(value + 10 + used, sizeof(value) - 10 - used,
		    "\r\nWWW-Authenticate: NTLM");
	if (with_mech)
		w->w_spnego_mech_sent = 1;
	snprintf(rl->rl_auth_resp, sizeof(rl->rl_auth_resp), "negotiate");
	return auth_ntlm_send_401(w, req, rl, value);
}

/* "Negotiate <NTLMSSP>", which some clients send without SPNEGO: the
 * type 2 goes back the same way. */
static enum authn_result
bare_ntlm(struct worker_env *w, const struct http_message *req,
    struct request_log *rl, const unsigned char *m, size_t len, int type)
{
	if (w->w_kerberos_only)
		return kerberos_only(w, req, rl);
	if (type == 1) {
		w->w_ntlm_wrap = NTLM_WRAP_RAW;
		return auth_ntlm_negotiate(w, req, rl, m, len);
	}
	if (type == 3)
		return auth_ntlm_authenticate(w, req, rl, m, len);
	log_warnx("auth: client %s: Negotiate token: not an NTLM negotiate "
	    "or authenticate message", w->w_client_addr);
	return start_over(w, req, rl);
}

/*
 * The mechanism rpxd takes from the client's list (RFC 4178 section 3.2:
 * the first one the acceptor supports, in the client's order): its index,
 * or -1. Kerberos counts with negotiate-keytab on a route the domain
 * checks (auth_ntlm_negotiate_offered), unless the client's
 * optimistic token is NTLMSSP (it has no ticket); NTLM counts except on
 * an auth = negotiate route.
 */
static int
pick_mech(const struct worker_env *w, const struct spnego_token *t,
    int tok_ntlm)
{
	unsigned	i;

	for (i = 0; i < t->st_nmechs; i++) {
		if (t->st_mechs[i] == SPNEGO_MECH_KRB5 && !tok_ntlm &&
		    auth_ntlm_negotiate_offered(w))
			return (int)i;
		if (t->st_mechs[i] == SPNEGO_MECH_NTLM && !w->w_kerberos_only)
			return (int)i;
	}
	return -1;
}

static int
lists_ntlm(const struct spnego_token *t)
{
	unsigned	i;

	for (i = 0; i < t->st_nmechs; i++)
		if (t->st_mechs[i] == SPNEGO_MECH_NTLM)
			return 1;
	return 0;
}

/*
 * The first token of a handshake. A Kerberos pick goes to the master
 * whole, as before. NTLM: the optimistic token is used only when NTLM
 * heads the client's list (it is that mechanism's token, RFC 4178 section
 * 3.2); otherwise it is dropped and NTLMSSP proposed with negState
 * request-mic, and the client sends its type 1 in a NegTokenResp.
 */
static enum authn_result
neg_init(struct worker_env *w, const struct http_message *req,
    struct request_log *rl, const struct spnego_token *t,
    const unsigned char *tok, size_t n)
{
	int	type = 0, i;

	if (t->st_tok != NULL &&
	    (type = ntlmssp_type(t->st_tok, t->st_toklen)) == -1) {
		log_warnx("auth: client %s: malformed SPNEGO token: a broken "
		    "NTLMSSP header in its mechToken", w->w_client_addr);
		return start_over(w, req, rl);
	}
	if ((i = pick_mech(w, t, type > 0)) == -1) {
		if (w->w_kerberos_only && lists_ntlm(t))
			return kerberos_only(w, req, rl);
		log_warnx("auth: client %s: SPNEGO offers no mechanism this "
		    "route takes (%s); rejected", w->w_client_addr,
		    w->w_kerberos_only ? "Kerberos" :
		    auth_ntlm_negotiate_offered(w) ?
		    "Kerberos, NTLM" : "NTLM");
		return spnego_reply(w, req, rl, SPNEGO_REJECT, 0);
	}
	if (t->st_mechs[i] == SPNEGO_MECH_KRB5)
		return auth_ntlm_kerberos(w, req, rl, tok, n);
	memcpy(w->w_mechlist, t->st_mechlist, t->st_mechlistlen);
	w->w_mechlist_len = t->st_mechlistlen;
	w->w_ntlm_wrap = NTLM_WRAP_SPNEGO;
	w->w_spnego_mech_sent = 0;
	w->w_ntlm_challenged = 0;
	if (i == 0 && type == 1)
		return auth_ntlm_negotiate(w, req, rl, t->st_tok,
		    t->st_toklen);
	if (i == 0 && t->st_tok != NULL) {
		log_warnx("auth: client %s: malformed SPNEGO token: its NTLM "
		    "mechToken is no NTLM negotiate message", w->w_client_addr);
		return start_over(w, req, rl);
	}
	return spnego_reply(w, req, rl, i == 0 ? SPNEGO_ACCEPT_INCOMPLETE :
	    SPNEGO_REQUEST_MIC, 1);
}

/*
 * The end of a SPNEGO login the master accepted: the client's
 * mechListMIC checked and the server's written into the accept-completed
 * that goes on the 200 (w_mutual), when there is a session key; see the
 * top of this file for when there is none.
 */
static enum authn_result
finish(struct worker_env *w, const struct http_message *req,
    struct request_log *rl, const struct spnego_token *t)
{
	struct ntlm_auth	 a;
	unsigned char		 key[NTLM_HASH_LEN], mine[NTLM_HASH_LEN];
	unsigned char		 sig[NTLM_HASH_LEN];
	const unsigned char	*mic = NULL;
	const char		*why = "";
	int			 n, bad = 0;

	if (w->w_ntlm_keylen == NTLM_HASH_LEN && t->st_mic != NULL) {
		bad = ntlm_parse_authenticate(t->st_tok, t->st_toklen, &a,
		    &why) == -1 ||
		    ntlm_exported_key(w->w_ntlm_key, &a, key) == -1 ||
		    ntlm_mic(key, a.na_flags, 0, w->w_mechlist,
		    w->w_mechlist_len, sig) == -1 ||
		    t->st_miclen != NTLM_HASH_LEN ||
		    CRYPTO_memcmp(sig, t->st_mic, NTLM_HASH_LEN) != 0;
		if (!bad && ntlm_mic(key, a.na_flags, 1, w->w_mechlist,
		    w->w_mechlist_len, mine) == 0)
			mic = mine;
		OPENSSL_cleanse(key, sizeof(key));
	}
	if (bad) {
		log_warnx("auth: client %s: SPNEGO login of %s refused: its "
		    "mechListMIC does not verify", w->w_client_addr,
		    w->w_identity);
		w->w_identity[0] = '\0';
		w->w_ngroups = 0;
		return start_over(w, req, rl);
	}
	if ((t->st_mic == NULL || mic != NULL) &&
	    (n = spnego_encode_resp(SPNEGO_ACCEPT_COMPLETED, 0, NULL, 0, mic,
	    NTLM_HASH_LEN, w->w_mutual, sizeof(w->w_mutual))) > 0)
		w->w_mutual_len = (size_t)n;
	return AUTHN_FORWARD;
}

/* A later token of a SPNEGO handshake with NTLM: the type 1 (after a
 * counter-proposal) or the type 3, which ends it. */
static enum authn_result
neg_resp(struct worker_env *w, const struct http_message *req,
    struct request_log *rl, const struct spnego_token *t)
{
	enum authn_result	r;
	int			type = 0;

	if (w->w_ntlm_wrap != NTLM_WRAP_SPNEGO) {
		log_warnx("auth: client %s: a SPNEGO NegTokenResp with no "
		    "SPNEGO handshake on this connection", w->w_client_addr);
		return start_over(w, req, rl);
	}
	if (t->st_state == SPNEGO_REJECT) {
		log_info("auth: client %s: the client rejected the SPNEGO "
		    "handshake", w->w_client_addr);
		return start_over(w, req, rl);
	}
	if (t->st_tok != NULL)
		type = ntlmssp_type(t->st_tok, t->st_toklen);
	if (type == 1)
		return auth_ntlm_negotiate(w, req, rl, t->st_tok,
		    t->st_toklen);
	if (type != 3) {
		log_warnx("auth: client %s: a SPNEGO NegTokenResp without an "
		    "NTLM negotiate or authenticate message", w->w_client_addr);
		return start_over(w, req, rl);
	}
	r = auth_ntlm_authenticate(w, req, rl, t->st_tok, t->st_toklen);
	return r == AUTHN_FORWARD ? finish(w, req, rl, t) : r;
}

/* What the decoded token is: NTLMSSP, SPNEGO, or a bare Kerberos (or
 * other GSS) token. */
static enum authn_result
negotiate_token(struct worker_env *w, const struct http_message *req,
    struct request_log *rl, const unsigned char *tok, size_t n)
{
	struct spnego_token	 t;
	const char		*why = "";
	int			 r;

	if ((r = ntlmssp_type(tok, n)) != 0)
		return bare_ntlm(w, req, rl, tok, n, r);
	if ((r = spnego_parse(tok, n, &t, &why)) == -1) {
		log_warnx("auth: client %s: malformed SPNEGO token: %s",
		    w->w_client_addr, why);
		return start_over(w, req, rl);
	}
	if (r == 1)
		return t.st_init ? neg_init(w, req, rl, &t, tok, n) :
		    neg_resp(w, req, rl, &t);
	if (auth_ntlm_negotiate_offered(w))
		return auth_ntlm_kerberos(w, req, rl, tok, n);
	log_warnx("auth: client %s: a Negotiate token that is neither NTLMSSP "
	    "nor SPNEGO: Kerberos is taken only with negotiate-keytab on a "
	    "route the domain checks",
	    w->w_client_addr);
	return start_over(w, req, rl);
}

enum authn_result
auth_negotiate_request(struct worker_env *w, const struct http_message *req,
    struct request_log *rl, const struct http_header *h)
{
	unsigned char		 tok[NTLM_MSG_MAX];
	const char		*v = h->hh_value + 10;	/* "Negotiate " */
	size_t			 vlen = h->hh_valuelen - 10, n;
	enum authn_result	 r;

	if (vlen == 0 || vlen > NTLM_TOKEN_MAX ||
	    base64_decode(v, vlen, tok, sizeof(tok), &n) == -1 || n == 0) {
		log_warnx("auth: client %s: malformed Negotiate token",
		    w->w_client_addr);
		return start_over(w, req, rl);
	}
	r = negotiate_token(w, req, rl, tok, n);
	explicit_bzero(tok, n);
	return r;
}
