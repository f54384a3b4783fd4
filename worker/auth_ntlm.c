/*
 * auth = ntlm, the worker's half: rpxd itself authenticates the client
 * with NTLMv2 in a 401 exchange (RFC 4559 style) before anything goes to
 * the backend. The master mints the challenge for this client connection
 * (the worker passes it the connection's socket) and checks the client's
 * response against the ntlm-users file or the domain (master/
 * ntlm_challenge.c, ntlm_check.c, winbind.c), so a worker holds no hash,
 * cannot pick or reuse a challenge, and cannot name the address the
 * failure limit counts. With ntlm-source = winbind the answer also names
 * the require-group groups the user is in, which each request's route
 * is checked against (auth_ntlm_groups_ok: 403 for a user in none).
 * Authorization: Negotiate is read by auth_negotiate.c: NTLM inside it
 * (SPNEGO or bare) comes back here to the same steps, and with
 * negotiate-keytab a Kerberos ticket goes to the master, which has a
 * domain checker verify it with the service's keys; the worker never
 * holds them. An auth =
 * negotiate route takes those alone: its 401 offers only Negotiate, and
 * NTLM (plain, or inside SPNEGO) is refused there with a log line. The
 * worker refuses a response larger than the master takes itself. The
 * identity belongs to the client connection, as NTLM authenticates
 * connections, and reaches the backend in the route's auth-header
 * (rewrite.c), never the client's own.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "ipc.h"
#include "ipc_addr.h"
#include "log.h"
#include "ntlm.h"
#include "spnego.h"
#include "worker.h"

#define CHALLENGE_MSG_MAX	1024	/* a type 2 with our AV pairs */
#define MASTER_ANSWER_MS	10000	/* beyond a refusal's delay */
/* Seconds from 1601-01-01 (FILETIME) to 1970-01-01. */
#define FILETIME_UNIX_OFFSET	11644473600ULL

void
auth_ntlm_reset(struct worker_env *w)
{
	w->w_ntlm_challenged = 0;
	w->w_identity[0] = '\0';
	w->w_ngroups = 0;
	w->w_kerberos = 0;
	w->w_mutual_len = 0;
	w->w_ntlm_wrap = NTLM_WRAP_NONE;
	w->w_spnego_mech_sent = 0;
	explicit_bzero(w->w_ntlm_key, sizeof(w->w_ntlm_key));
	w->w_ntlm_keylen = 0;
	w->w_mechlist_len = 0;
	auth_delegate_reset(w);
}

/* The NetBIOS name of this host, upper case, as NTLM wants it. */
static void
computer_name(char *out, size_t len)
{
	char	host[256];
	size_t	i;

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "rpxd");
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, ".")] = '\0';
	for (i = 0; host[i] != '\0' && i < 15 && i + 1 < len; i++)
		out[i] = host[i] >= 'a' && host[i] <= 'z' ?
		    (char)(host[i] - 'a' + 'A') : host[i];
	out[i] = '\0';
}

/* Kerberos beside NTLM: with a keytab, on routes the domain checks (a
 * route of the ntlm-users file takes none of the domain's logins). */
int
auth_ntlm_negotiate_offered(const struct worker_env *w)
{
	return w->w_conf->rc_negotiate_keytab[0] != '\0' &&
	    w->w_ntlm_source == NTLM_SOURCE_WINBIND;
}

/* A 401 with this WWW-Authenticate value; the connection closes when
 * the request's body, unread, would be taken for the next request. */
enum authn_result
auth_ntlm_send_401(struct worker_env *w, const struct http_message *req,
    struct request_log *rl, const char *value)
{
	int	close;

	close = req->hm_chunked || (req->hm_has_length && req->hm_length > 0) ||
	    req->hm_conn_close || req->hm_minor == 0;
	if (respond_challenge(w, rl, value, close) == -1 || close)
		return AUTHN_CLOSE;
	return AUTHN_ANSWERED;
}

/*
 * A 401 that carries a type 2 token: "NTLM <type 2>", or under Negotiate
 * as the client spoke it, the type 2 alone or in a SPNEGO NegTokenResp
 * (accept-incomplete, naming NTLMSSP in the first reply of the
 * handshake).
 */
static enum authn_result
challenge_type2(struct worker_env *w, const struct http_message *req,
    struct request_log *rl, const unsigned char *msg, size_t len)
{
	unsigned char	tok[CHALLENGE_MSG_MAX + 64];
	char		value[16 + BASE64_ENCODED_LEN(sizeof(tok)) + 1];
	const char	*scheme = "NTLM ";
	size_t		used;
	int		n;

	if (w->w_ntlm_wrap == NTLM_WRAP_SPNEGO) {
		if ((n = spnego_encode_resp(SPNEGO_ACCEPT_INCOMPLETE,
		    !w->w_spnego_mech_sent, msg, len, NULL, 0, tok, sizeof(tok))) == -1) {
			respond_error(w, rl, 500, "NTLM challenge too large");
			return AUTHN_CLOSE;
		}
		w->w_spnego_mech_sent = 1;
		msg = tok;
		len = (size_t)n;
	}
	if (w->w_ntlm_wrap != NTLM_WRAP_NONE)
		scheme = "Negotiate ";
	snprintf(value, sizeof(value), "%s", scheme);
	if (base64_encode(msg, len, value + strlen(scheme),
	    sizeof(value) - strlen(scheme), &used) == -1) {
		respond_error(w, rl, 500, "NTLM challenge too large");
		return AUTHN_CLOSE;
	}
	/* As pass-through traffic logs it, whatever the wrapping. */
	snprintf(rl->rl_auth_resp, sizeof(rl->rl_auth_resp), "ntlm2");
	return auth_ntlm_send_401(w, req, rl, value);
}

/* A fresh 401, which starts a handshake over: it offers NTLM (and
 * Negotiate first where auth_ntlm_negotiate_offered), or on an auth =
 * negotiate route Negotiate alone; ntlm_only leaves Negotiate out. */
enum authn_result
auth_ntlm_challenge(struct worker_env *w, const struct http_message *req,
    struct request_log *rl, int ntlm_only)
{
	w->w_ntlm_wrap = NTLM_WRAP_NONE;
	w->w_spnego_mech_sent = 0;
	snprintf(rl->rl_auth_resp, sizeof(rl->rl_auth_resp), "%s",
	    w->w_kerberos_only ? "negotiate" : "ntlm");
	/* With negotiate-keytab, a fresh 401 offers Kerberos first: two
	 * WWW-Authenticate fields, which respond_challenge writes as one
	 * value broken by a field line of our own. */
	return auth_ntlm_send_401(w, req, rl, w->w_kerberos_only ?
	    "Negotiate" : auth_ntlm_negotiate_offered(w) && !ntlm_only ?
	    "Negotiate\r\nWWW-Authenticate: NTLM" : "NTLM");
}

static enum authn_result
challenge(struct worker_env *w, const struct http_message *req,
    struct request_log *rl)
{
	return auth_ntlm_challenge(w, req, rl, 0);
}

/*
 * A challenge from the master for this client connection: 1 and
 * challenge, 0 if the master makes none (the client has gone), -1 if it
 * does not answer.
 */
static int
master_challenge(struct worker_env *w, unsigned char *challenge)
{
	struct ipc_msg	msg;
	struct msgbuf	mb;
	uint32_t	ok = 0;
	int		rv;

	/* Behind a balancer, the client of the PROXY header; the master
	 * takes it only from a connection of a trusted balancer. */
	msgbuf_init(&mb);
	ipc_addr_put(&mb, &w->w_proxy_src);
	rv = mb.mb_error ? -1 : worker_send_conn(w, IPC_NTLM_CHALLENGE,
	    &mb);
	msgbuf_free(&mb);
	if (rv == -1 || worker_await_master(w, IPC_NTLM_NONCE, &msg,
	    MASTER_ANSWER_MS) == -1)
		return -1;
	rv = msgbuf_get_u32(&msg.im_payload, &ok) == -1 ||
	    msgbuf_get_bytes(&msg.im_payload, challenge,
	    NTLM_CHALLENGE_LEN) == -1 || msgbuf_end(&msg.im_payload) == -1 ||
	    msg.im_fd != -1 ? -1 : 0;
	ipc_msg_free(&msg);
	if (rv == -1)
		fatalx("worker: malformed ntlm nonce from the master");
	return ok ? 1 : 0;
}

enum authn_result
auth_ntlm_negotiate(struct worker_env *w, const struct http_message *req,
    struct request_log *rl, const unsigned char *m, size_t len)
{
	unsigned char		type2[CHALLENGE_MSG_MAX];
	struct ntlm_challenge	c;
	char			computer[16];
	int			n;

	memset(&c, 0, sizeof(c));
	if (ntlm_parse_negotiate(m, len, &c.nc_client_flags) == -1) {
		log_warnx("auth: client %s: malformed NTLM negotiate message",
		    w->w_client_addr);
		return challenge(w, req, rl);
	}
	if ((n = master_challenge(w, c.nc_challenge)) != 1) {
		respond_error(w, rl, 503, n == 0 ? "the master made no NTLM "
		    "challenge for this connection" : "no answer from the "
		    "master to an NTLM challenge request");
		return AUTHN_CLOSE;
	}
	computer_name(computer, sizeof(computer));
	c.nc_nb_domain = w->w_conf->rc_ntlm_domain;
	c.nc_nb_computer = computer;
	c.nc_timestamp = ((uint64_t)time(NULL) + FILETIME_UNIX_OFFSET) *
	    10000000ULL;
	if ((n = ntlm_build_challenge(&c, type2, sizeof(type2))) == -1) {
		respond_error(w, rl, 500, "cannot build an NTLM challenge");
		return AUTHN_CLOSE;
	}
	w->w_ntlm_challenged = 1;
	w->w_identity[0] = '\0';
	return challenge_type2(w, req, rl, type2, (size_t)n);
}

/* The groups of a login's answer into w_groups; -1 if malformed. */
static int
answer_groups(struct worker_env *w, struct msgbuf *mb)
{
	uint32_t	n, i;

	w->w_ngroups = 0;
	if (msgbuf_get_u32(mb, &n) == -1 || n > RPXD_ALL_GROUPS_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if (msgbuf_get_str(mb, w->w_groups[i],
		    sizeof(w->w_groups[i])) == -1)
			return -1;
	w->w_ngroups = n;
	return 0;
}

/* A Kerberos login's reply token into w_mutual; -1 if malformed. */
static int
answer_reply(struct worker_env *w, struct msgbuf *mb)
{
	uint32_t	n;

	w->w_mutual_len = 0;
	if (msgbuf_get_u32(mb, &n) == -1 || n > sizeof(w->w_mutual) ||
	    msgbuf_get_bytes(mb, w->w_mutual, n) == -1)
		return -1;
	w->w_mutual_len = n;
	return 0;
}

/* A login's delegation into w_dstate and the rest; -1 if malformed. */
static int
answer_delegation(struct worker_env *w, struct msgbuf *mb)
{
	uint32_t	state, n;

	auth_delegate_reset(w);
	if (msgbuf_get_u32(mb, &state) == -1 ||
	    state > DELEGATION_UNAVAILABLE ||
	    msgbuf_get_str(mb, w->w_dwhy, sizeof(w->w_dwhy)) == -1 ||
	    msgbuf_get_u32(mb, &n) == -1 || n > sizeof(w->w_dtok) ||
	    (n > 0) != (state == DELEGATION_OK) ||
	    msgbuf_get_bytes(mb, w->w_dtok, n) == -1)
		return -1;
	w->w_dstate = (int)state;
	w->w_dtoklen = n;
	snprintf(w->w_dspn, sizeof(w->w_dspn), "%s", state ==
	    DELEGATION_NONE || w->w_dwant == NULL ? "" : w->w_dwant);
	return 0;
}

/*
 * The master's answer to a login: NTLM_RESULT_OK with w_identity,
 * w_groups and w_mutual set, NTLM_RESULT_REFUSED with why, NTLM_RESULT_UNAVAILABLE
 * when the domain gave no verdict, -1 when the master does not answer.
 * A refusal may come auth-failure-delay seconds later (the master holds
 * it back), and a domain check may take winbind-timeout seconds: the
 * wait is that much longer.
 */
static int
await_result(struct worker_env *w, char *why, size_t whylen)
{
	struct ipc_msg	msg;
	uint32_t	status = 0;
	int		rv, ok;

	if (worker_await_master(w, IPC_NTLM_RESULT, &msg,
	    MASTER_ANSWER_MS + 1000 * (int)(w->w_conf->rc_auth_failure_delay +
	    w->w_conf->rc_winbind_timeout)) == -1)
		return -1;
	rv = msgbuf_get_u32(&msg.im_payload, &status);
	ok = rv == 0 && status == NTLM_RESULT_OK;
	rv = rv == -1 || status > NTLM_RESULT_UNAVAILABLE ||
	    msgbuf_get_str(&msg.im_payload, ok ? w->w_identity : why,
	    ok ? sizeof(w->w_identity) : whylen) == -1 ||
	    answer_groups(w, &msg.im_payload) == -1 ||
	    answer_reply(w, &msg.im_payload) == -1 ||
	    answer_delegation(w, &msg.im_payload) == -1 ||
	    msgbuf_end(&msg.im_payload) == -1 || msg.im_fd != -1 ? -1 : 0;
	ipc_msg_free(&msg);
	if (rv == -1)
		fatalx("worker: malformed ntlm result from the master");
	if (ok)
		w->w_identity_source = w->w_ntlm_source;
	return (int)status;
}

/* Ask the master to check a type 3: await_result's answer. */
static int
ask_master(struct worker_env *w, const struct ntlm_auth *a, char *why,
    size_t whylen)
{
	struct msgbuf	mb;
	int		rv;

	msgbuf_init(&mb);
	msgbuf_put_str(&mb, a->na_user);
	msgbuf_put_str(&mb, a->na_domain);
	msgbuf_put_u32(&mb, (uint32_t)a->na_ntlen);
	msgbuf_put_bytes(&mb, a->na_nt, a->na_ntlen);
	msgbuf_put_u32(&mb, (uint32_t)w->w_ntlm_source);
	msgbuf_put_str(&mb, w->w_dwant != NULL ? w->w_dwant : "");
	rv = mb.mb_error ? -1 : ipc_send(w->w_ipc, IPC_NTLM_CHECK, -1, &mb);
	msgbuf_free(&mb);
	return rv == -1 ? -1 : await_result(w, why, whylen);
}

enum authn_result
auth_ntlm_authenticate(struct worker_env *w, const struct http_message *req,
    struct request_log *rl, const unsigned char *m, size_t len)
{
	struct ntlm_auth	 a;
	const char		*reason = NULL;
	char			 why[256] = "";
	int			 rv;

	if (!w->w_ntlm_challenged) {
		log_warnx("auth: client %s: NTLM authenticate message without "
		    "a challenge on this connection", w->w_client_addr);
		return challenge(w, req, rl);
	}
	w->w_ntlm_challenged = 0;
	/* What the master would not take is refused here (the parser's
	 * bounds are the master's), so a client never gets its worker
	 * treated as hostile. */
	if (ntlm_parse_authenticate(m, len, &a, &reason) == -1) {
		log_warnx("auth: client %s: NTLM login refused: %s",
		    w->w_client_addr, reason);
		return challenge(w, req, rl);
	}
	rv = ask_master(w, &a, why, sizeof(why));
	w->w_kerberos = 0;
	/* An NTLM login's reply is the session key, for a SPNEGO
	 * mechListMIC (auth_negotiate.c), never a token for the client. */
	w->w_ntlm_keylen = 0;
	if (rv == NTLM_RESULT_OK && w->w_mutual_len == NTLM_HASH_LEN) {
		memcpy(w->w_ntlm_key, w->w_mutual, NTLM_HASH_LEN);
		w->w_ntlm_keylen = NTLM_HASH_LEN;
	}
	explicit_bzero(w->w_mutual, sizeof(w->w_mutual));
	w->w_mutual_len = 0;
	if (rv == NTLM_RESULT_OK)
		return AUTHN_FORWARD;
	w->w_identity[0] = '\0';
	w->w_ngroups = 0;
	if (rv == -1) {
		respond_error(w, rl, 503, "no answer from the master to an "
		    "NTLM check");
		return AUTHN_CLOSE;
	}
	if (rv == NTLM_RESULT_UNAVAILABLE) {
		/* The master logged why; never a login without a verdict. */
		respond_error(w, rl, 503, why);
		return AUTHN_CLOSE;
	}
	/* The master logged the failure with user and address. */
	return challenge(w, req, rl);
}

/*
 * A Kerberos token (auth_negotiate.c found one where Kerberos is taken)
 * goes to the master with the client connection (so that the failure
 * limit counts the address it comes from), which has a domain checker
 * verify it with the service's keys.
 */
enum authn_result
auth_ntlm_kerberos(struct worker_env *w, const struct http_message *req,
    struct request_log *rl, const unsigned char *tok, size_t n)
{
	struct msgbuf	 mb;
	char		 why[256] = "";
	int		 rv;

	w->w_ntlm_challenged = 0;
	msgbuf_init(&mb);
	ipc_addr_put(&mb, &w->w_proxy_src);
	msgbuf_put_u32(&mb, (uint32_t)n);
	msgbuf_put_bytes(&mb, tok, n);
	msgbuf_put_str(&mb, w->w_dwant != NULL ? w->w_dwant : "");
	rv = mb.mb_error ? -1 : worker_send_conn(w, IPC_NEGOTIATE_CHECK,
	    &mb);
	msgbuf_free(&mb);
	if (rv != -1)
		rv = await_result(w, why, sizeof(why));
	w->w_kerberos = rv == NTLM_RESULT_OK;
	if (rv == NTLM_RESULT_OK)
		return AUTHN_FORWARD;
	w->w_identity[0] = '\0';
	w->w_ngroups = 0;
	if (rv == NTLM_RESULT_REFUSED)	/* the master logged why */
		return challenge(w, req, rl);
	respond_error(w, rl, 503, rv == -1 ? "no answer from the master to "
	    "a Negotiate check" : why);
	return AUTHN_CLOSE;
}

/*
 * A request on an auth = ntlm or negotiate route: forward it (the
 * connection is authenticated, or this request completes the
 * handshake), or answer 401 here. What the client sent is logged like
 * pass-through traffic. An auth = negotiate route takes a connection
 * only as a Kerberos login made it.
 */
enum authn_result
auth_ntlm_request(struct worker_env *w, const struct http_message *req,
    const struct route_conf *rt, struct request_log *rl)
{
	const struct http_header	*h = http_find_header(req,
					    "Authorization");
	unsigned char			 buf[NTLM_MSG_MAX];
	const unsigned char		*m = NULL;
	size_t				 len = 0;
	int				 type;

	w->w_kerberos_only = rt->rt_auth == AUTH_NEGOTIATE;
	w->w_ntlm_source = rt->rt_ntlm_source;
	/* A login counts on the connection for routes of the same source:
	 * a user of the ntlm-users file is no user of the domain's. A
	 * login made now asks for this route's delegate; one made for
	 * another route's, or whose backend connection is gone, is asked
	 * to log in again. */
	w->w_dwant = rt->rt_delegate;
	if (h == NULL)
		return w->w_identity[0] != '\0' && (w->w_kerberos ||
		    !w->w_kerberos_only) &&
		    w->w_identity_source == w->w_ntlm_source &&
		    auth_delegate_usable(w, rt) ? AUTHN_FORWARD :
		    challenge(w, req, rl);
	auth_describe(req, "Authorization", rl->rl_auth_req,
	    sizeof(rl->rl_auth_req));
	/* NTLM inside Negotiate counts with either source; a Kerberos
	 * token only where auth_ntlm_negotiate_offered (auth_negotiate.c). */
	if (h->hh_valuelen > 10 &&
	    strncasecmp(h->hh_value, "Negotiate ", 10) == 0)
		return auth_negotiate_request(w, req, rl, h);
	if (w->w_kerberos_only) {
		log_warnx("auth: client %s: Authorization %s refused: route "
		    "\"%s\" takes Kerberos only (auth = \"negotiate\")",
		    w->w_client_addr, rl->rl_auth_req, rt->rt_name);
		return challenge(w, req, rl);
	}
	if (h->hh_valuelen < 5 || strncasecmp(h->hh_value, "NTLM ", 5) != 0)
		return challenge(w, req, rl);
	w->w_ntlm_wrap = NTLM_WRAP_NONE;
	type = ntlm_header_token(h->hh_value, h->hh_valuelen, buf, sizeof(buf),
	    &m, &len);
	if (type == 1)
		return auth_ntlm_negotiate(w, req, rl, m, len);
	if (type == 3)
		return auth_ntlm_authenticate(w, req, rl, m, len);
	log_warnx("auth: client %s: not an NTLM negotiate or authenticate "
	    "message", w->w_client_addr);
	return challenge(w, req, rl);
}

/* Whether name is one of the connection's groups (without ASCII case,
 * as the configuration compares them). */
static int
in_group(const struct worker_env *w, const char *name)
{
	unsigned	i;

	for (i = 0; i < w->w_ngroups; i++)
		if (strcasecmp(w->w_groups[i], name) == 0)
			return 1;
	return 0;
}

int
auth_ntlm_groups_ok(struct worker_env *w, const struct route_conf *rt,
    struct request_log *rl)
{
	char		why[160 + sizeof(rl->rl_user)];
	unsigned	i;

	log_copy_sanitized(rl->rl_user, sizeof(rl->rl_user), w->w_identity,
	    strlen(w->w_identity));
	for (i = 0; i < rt->rt_ngroups; i++)
		if (in_group(w, rt->rt_groups[i]))
			return 1;
	if (rt->rt_ngroups == 0)
		return 1;
	snprintf(why, sizeof(why), "user %s is in none of the %u group(s) "
	    "of route \"%s\"'s require-group", rl->rl_user, rt->rt_ngroups,
	    rt->rt_name);
	respond_error(w, rl, 403, why);
	return 0;
}
