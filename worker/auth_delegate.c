/*
 * A route's delegate, the worker's half (Kerberos constrained
 * delegation, issue 18): with the login of its client (auth_ntlm.c) the
 * worker gets from the master a Kerberos token of that user for the
 * backend's service principal, which a domain checker made
 * (winbind/delegate.c); the worker never holds a key. It presents the
 * token once, as Authorization: Negotiate, on a new backend connection,
 * which it pins to this client: the backend authenticates the connection
 * (mod_auth_gssapi's GssapiConnectionBound, IIS's default for Kerberos),
 * so later requests of the client go on it without one. That connection
 * never carries another client's request, and a request of the client
 * never goes unauthenticated on another: when it is gone, the client
 * logs in again (a new token). A delegation the domain refused gives
 * 502, one no KDC answered 503, each with a log line; never a request
 * without the user's identity. Called by session.c and auth_ntlm.c.
 */
#include <stdio.h>
#include <string.h>

#include "ipc.h"
#include "log.h"
#include "worker.h"

void
auth_delegate_reset(struct worker_env *w)
{
	w->w_dstate = DELEGATION_NONE;
	w->w_dspn[0] = '\0';
	w->w_dwhy[0] = '\0';
	w->w_dsend = 0;
	w->w_dbe = -1;
	explicit_bzero(w->w_dtok, w->w_dtoklen);
	w->w_dtoklen = 0;
}

/* Whether the connection pinned to be carries the login's token. */
static int
pinned_to(const struct worker_env *w, unsigned be)
{
	if (w->w_dbe != (int)be)
		return 0;
	return (w->w_pinned && w->w_backend_be == (int)be) ||
	    (w->w_parked.bl_pinned && w->w_parked.bl_be == (int)be);
}

/*
 * Whether the login's pinned connection to be is still there. One the
 * backend has closed meanwhile (its keep-alive timeout) is closed here
 * too, so that the client logs in again (a new token) instead of
 * getting 502 for a connection it cannot see.
 */
static int
pinned_alive(struct worker_env *w, unsigned be)
{
	if (!pinned_to(w, be))
		return 0;
	if (w->w_backend_be != (int)be || w->w_backend_quiet ||
	    backend_clean(w))
		return 1;
	log_info("auth: client %s: the backend closed the connection of the "
	    "delegated login of %s; asking the client to log in again",
	    w->w_client_addr, w->w_identity);
	backend_close(w);
	w->w_dbe = -1;
	return 0;
}

int
auth_delegate_usable(struct worker_env *w, const struct route_conf *rt)
{
	if (rt->rt_delegate[0] == '\0')
		return 1;
	if (w->w_dstate == DELEGATION_NONE ||
	    strcmp(w->w_dspn, rt->rt_delegate) != 0)
		return 0;	/* logged in for another route */
	if (w->w_dstate != DELEGATION_OK)
		return 1;	/* prepare answers 502 or 503 */
	return w->w_dtoklen > 0 || pinned_alive(w, rt->rt_backend);
}

int
auth_delegate_prepare(struct worker_env *w, const struct route_conf *rt,
    struct request_log *rl)
{
	char	why[320 + DELEGATION_WHY_MAX];

	w->w_dsend = 0;
	if (w->w_dstate == DELEGATION_REFUSED ||
	    w->w_dstate == DELEGATION_UNAVAILABLE) {
		snprintf(why, sizeof(why), "Kerberos delegation of %.128s to %.128s "
		    "failed: %s", w->w_identity, w->w_dspn, w->w_dwhy);
		respond_error(w, rl, w->w_dstate == DELEGATION_REFUSED ? 502 :
		    503, why);
		return -1;
	}
	if (w->w_dstate != DELEGATION_OK ||
	    strcmp(w->w_dspn, rt->rt_delegate) != 0) {
		respond_error(w, rl, 502, "no Kerberos delegation for this "
		    "route's delegate");
		return -1;
	}
	if (w->w_dtoklen == 0) {
		if (pinned_to(w, rt->rt_backend))
			return 0;
		respond_error(w, rl, 502, "the backend connection of the "
		    "delegated login is gone");
		return -1;
	}
	/* A new connection for the token: one kept from an earlier request
	 * of this client, or pinned to its earlier login, is not it. */
	if (w->w_backend_be == (int)rt->rt_backend)
		backend_close(w);
	w->w_dsend = 1;
	return 0;
}

/* The new connection to be carries the token: it is this client's. */
void
auth_delegate_opened(struct worker_env *w, unsigned be)
{
	if (!w->w_dsend)
		return;
	backend_pin(w);
	w->w_dbe = (int)be;
	log_debug("auth: client %s: Kerberos delegation of %s to %s on "
	    "backend connection %ld-%u", w->w_client_addr, w->w_identity,
	    w->w_dspn, log_getpid(), w->w_backend_id);
}
