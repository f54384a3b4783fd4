/*
 * auth = ntlm, the master's half: a worker sends the client's NTLMv2
 * response; the master checks it against the challenge it minted for
 * that worker's connection (ntlm_challenge.c, taken once) and the user's
 * NT hash in the ntlm-users file (read at load time, root only), so no
 * worker ever holds a hash or a challenge it could reuse. With
 * ntlm-source = winbind the domain checks it instead: the login goes to
 * a domain checker process (winbind.c) and its verdict comes back to
 * ntlm_check_verdict later; the master never waits. Failed logins
 * are counted per client address as the connection gave it (an IPv6
 * client by its /64): beyond auth-failure-limit in a minute, further
 * attempts from that address are refused unchecked, and the refusal is
 * answered auth-failure-delay seconds later from the main loop's timer
 * (ntlm_check_tick), never by sleeping. Called from pool_dispatch.
 */
#include <sys/types.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "master.h"
#include "metrics.h"
#include "ntlm.h"
#include "ntlm_check.h"
#include "ntlm_users.h"
#include "winbind.h"

#define FAILURE_WINDOW	60	/* s, of auth-failure-limit */
#define FAILURE_SLOTS	1024	/* addresses remembered */
#define WHY_MAX		64

struct failure_slot {
	int		fs_family;	/* 0: free */
	unsigned char	fs_key[16];
	time_t		fs_start;	/* of its window */
	unsigned	fs_count;
};

/* A refusal to be answered later; one per worker, which waits for it. */
struct delayed_answer {
	pid_t		da_pid;		/* 0: none */
	int64_t		da_due;		/* now_ms() */
	char		da_why[WHY_MAX];
};

static struct failure_slot	failures[FAILURE_SLOTS];
static struct delayed_answer	delayed[RPXD_SLOTS_MAX];

/* The slot of p, or a free or the oldest one taken over for it. */
static struct failure_slot *
failure_slot(const struct ntlm_peer *p, time_t now)
{
	struct failure_slot	*fs, *oldest = &failures[0];
	unsigned		 i;

	for (i = 0; i < FAILURE_SLOTS; i++) {
		fs = &failures[i];
		if (fs->fs_family == p->np_family &&
		    memcmp(fs->fs_key, p->np_key, sizeof(fs->fs_key)) == 0) {
			if (now - fs->fs_start >= FAILURE_WINDOW) {
				fs->fs_start = now;
				fs->fs_count = 0;
			}
			return fs;
		}
		if (fs->fs_start < oldest->fs_start)
			oldest = fs;
	}
	oldest->fs_family = p->np_family;
	memcpy(oldest->fs_key, p->np_key, sizeof(oldest->fs_key));
	oldest->fs_start = now;
	oldest->fs_count = 0;
	return oldest;
}

unsigned
ntlm_check_failures(const struct ntlm_peer *p)
{
	const struct failure_slot	*fs;
	time_t				 now = time(NULL);
	unsigned			 i;

	for (i = 0; i < FAILURE_SLOTS; i++) {
		fs = &failures[i];
		if (fs->fs_family == p->np_family &&
		    memcmp(fs->fs_key, p->np_key, sizeof(fs->fs_key)) == 0)
			return now - fs->fs_start >= FAILURE_WINDOW ? 0 :
			    fs->fs_count;
	}
	return 0;
}

/* A login's delegation for IPC_NTLM_RESULT: none without a login. */
static void
put_delegation(struct msgbuf *mb, int status, const struct login_grant *g)
{
	int	ok = g != NULL && status == NTLM_RESULT_OK;
	int	state = ok ? g->lg_dstate : DELEGATION_NONE;
	size_t	len = state == DELEGATION_OK ? g->lg_dtokenlen : 0;

	msgbuf_put_u32(mb, (uint32_t)state);
	msgbuf_put_str(mb, state != DELEGATION_NONE && g->lg_dwhy != NULL ?
	    g->lg_dwhy : "");
	msgbuf_put_u32(mb, (uint32_t)len);
	if (len > 0)
		msgbuf_put_bytes(mb, g->lg_dtoken, len);
}

/* IPC_NTLM_RESULT: the verdict, identity or why, and with a login the
 * groups, a Kerberos reply token and a delegation. */
static int
reply(int sock, int status, const char *text, const struct login_grant *g)
{
	struct msgbuf	mb;
	unsigned	i, ngroups = 0;
	size_t		replylen = 0;
	int		rv;

	if (g != NULL && status == NTLM_RESULT_OK) {
		ngroups = g->lg_ngroups;
		replylen = g->lg_replylen;
	}
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, (uint32_t)status);
	msgbuf_put_str(&mb, text);
	msgbuf_put_u32(&mb, ngroups);
	for (i = 0; i < ngroups; i++)
		msgbuf_put_str(&mb, g->lg_groups[i]);
	msgbuf_put_u32(&mb, (uint32_t)replylen);
	if (replylen > 0)
		msgbuf_put_bytes(&mb, g->lg_reply, replylen);
	put_delegation(&mb, status, g);
	rv = mb.mb_error ? -1 : ipc_send(sock, IPC_NTLM_RESULT, -1, &mb);
	msgbuf_free(&mb);
	return rv;
}

/* A refusal now, or after delay seconds. */
static int
refuse(struct master *m, unsigned slot, unsigned delay, const char *why)
{
	struct delayed_answer	*da = &delayed[slot];

	if (delay == 0)
		return reply(m->m_workers[slot].wk_sock, NTLM_RESULT_REFUSED,
		    why, NULL);
	da->da_pid = m->m_workers[slot].wk_pid;
	da->da_due = now_ms() + (int64_t)delay * 1000;
	snprintf(da->da_why, sizeof(da->da_why), "%s", why);
	return 0;
}

/* The delayed refusals that are due; a worker gone meanwhile gets none. */
void
ntlm_check_tick(struct master *m)
{
	struct delayed_answer	*da;
	struct worker		*wk;
	int64_t			 now = now_ms();
	unsigned		 i;

	for (i = 0; i < m->m_nslots; i++) {
		da = &delayed[i];
		if (da->da_pid == 0 || da->da_due > now)
			continue;
		wk = &m->m_workers[i];
		if (wk->wk_pid == da->da_pid && !wk->wk_eof &&
		    reply(wk->wk_sock, NTLM_RESULT_REFUSED, da->da_why,
		    NULL) == -1) {
			log_warn("auth: worker %ld cannot be answered; "
			    "killing it", (long)wk->wk_pid);
			kill(wk->wk_pid, SIGKILL);
			wk->wk_eof = 1;
		}
		da->da_pid = 0;
	}
}

/* Check the response; 1 good, 0 bad with *why set. The identity is the
 * file's spelling; an entry for any domain gets ntlm-domain. A good one
 * gives the session base key too, for SPNEGO's mechListMIC (ntlm_mic.c,
 * in the worker, which holds this connection's key and no hash). */
static int
verify(const struct master *m, const struct ntlm_auth *a,
    const unsigned char *challenge, char *identity, size_t len,
    unsigned char key[NTLM_HASH_LEN], const char **why)
{
	const unsigned char	*hash;
	const char		*user, *domain;
	int			 rv;

	if (m->m_conf->rc_users == NULL) {
		*why = "no ntlm-users file is loaded";
		return 0;
	}
	if ((hash = ntlm_users_find_entry(m->m_conf->rc_users, a->na_user,
	    a->na_domain, &user, &domain)) == NULL) {
		*why = "unknown user";
		return 0;
	}
	if ((rv = ntlm_verify_v2_key(hash, a, challenge, key)) == 1) {
		snprintf(identity, len, "%s\\%s", domain[0] != '\0' ? domain :
		    m->m_conf->rc_ntlm_domain, user);
		return 1;
	}
	*why = rv == 0 ? "wrong password" : "HMAC-MD5 unavailable in OpenSSL";
	return 0;
}

/* The fields of an IPC_NTLM_CHECK into a (nt, ntlen bytes); -1 if bad. */
static int
check_decode(struct msgbuf *mb, struct ntlm_auth *a, unsigned char *nt,
    size_t ntlen, uint32_t *source, char *spn, size_t spnlen)
{
	uint32_t	n;

	memset(a, 0, sizeof(*a));
	if (msgbuf_get_str(mb, a->na_user, sizeof(a->na_user)) == -1 ||
	    msgbuf_get_str(mb, a->na_domain, sizeof(a->na_domain)) == -1 ||
	    msgbuf_get_u32(mb, &n) == -1 || n > ntlen ||
	    msgbuf_get_bytes(mb, nt, n) == -1 ||
	    msgbuf_get_u32(mb, source) == -1 ||
	    *source > NTLM_SOURCE_WINBIND ||
	    msgbuf_get_str(mb, spn, spnlen) == -1 || msgbuf_end(mb) == -1)
		return -1;
	a->na_nt = nt;
	a->na_ntlen = n;
	return 0;
}

/* IPC_NTLM_CHECK from the worker in slot; -1 if malformed or out of
 * turn (the caller kills that worker). */
static int
ntlm_check(struct master *m, unsigned slot, struct msgbuf *mb)
{
	struct ntlm_auth	 a;
	struct ntlm_peer	 p;
	struct failure_slot	*fs;
	struct login_grant	 g;
	unsigned char		 challenge[NTLM_CHALLENGE_LEN];
	unsigned char		 nt[NTLM_NT_RESPONSE_MAX];
	unsigned char		 key[NTLM_HASH_LEN];
	char			 identity[2 * NTLM_NAME_MAX + 2];
	char			 who[2 * NTLM_NAME_MAX + 2];
	char			 spn[RPXD_SPN_MAX];
	const char		*why = NULL;
	pid_t			 pid = m->m_workers[slot].wk_pid;
	unsigned		 limit = m->m_conf->rc_auth_failure_limit;
	uint32_t		 source;

	/* An honest worker waits for its answer before it asks again. */
	if (check_decode(mb, &a, nt, sizeof(nt), &source, spn,
	    sizeof(spn)) == -1 ||
	    delayed[slot].da_pid == pid || winbind_pending(slot, pid))
		return -1;
	if (!ntlm_challenge_take(slot, pid, challenge, &p)) {
		log_warnx("auth: worker %ld: NTLM login of %s\\%s refused: no "
		    "challenge of the master is pending for its connection",
		    (long)pid, a.na_domain, a.na_user);
		metrics_ntlm(MX_NTLM_FAILED);
		return reply(m->m_workers[slot].wk_sock, NTLM_RESULT_REFUSED,
		    "no challenge is pending (expired, or used already)",
		    NULL);
	}
	fs = failure_slot(&p, time(NULL));
	snprintf(who, sizeof(who), "%s\\%s", a.na_domain, a.na_user);
	if (limit > 0 && fs->fs_count >= limit) {
		ntlm_check_locked(m, slot, pid, &p, "NTLM", who);
		return 0;
	}
	/*
	 * The source of the worker's route (the worker's generation may be
	 * older than this configuration). A worker that names the other
	 * source only gets its own client checked against it; a source
	 * this configuration no longer has gives 503, never a login.
	 */
	if (source == NTLM_SOURCE_WINBIND) {
		if (!winbind_needed(m->m_conf))
			ntlm_check_verdict(m, slot, pid, &p, "NTLM", who,
			    NTLM_RESULT_UNAVAILABLE, "no route has ntlm-source "
			    "= \"winbind\" since the last reload", NULL);
		else
			winbind_submit(m, slot, pid, &p, &a, challenge, spn);
		return 0;
	}
	if (!verify(m, &a, challenge, identity, sizeof(identity), key,
	    &why)) {
		ntlm_check_verdict(m, slot, pid, &p, "NTLM", who,
		    NTLM_RESULT_REFUSED, why, NULL);
		return 0;
	}
	/* The file's users have no Kerberos identity: a delegate needs
	 * negotiate-keytab, so ntlm-source = winbind (config_delegate.c).
	 * The session base key goes to the worker for SPNEGO. */
	memset(&g, 0, sizeof(g));
	g.lg_reply = key;
	g.lg_replylen = sizeof(key);
	g.lg_dspn = spn;
	g.lg_dwhy = "ntlm-source is not winbind";
	g.lg_dstate = spn[0] != '\0' ? DELEGATION_UNAVAILABLE :
	    DELEGATION_NONE;
	ntlm_check_verdict(m, slot, pid, &p, "NTLM", who, NTLM_RESULT_OK,
	    identity, &g);
	explicit_bzero(key, sizeof(key));
	return 0;
}

void
ntlm_check_locked(struct master *m, unsigned slot, pid_t pid,
    const struct ntlm_peer *p, const char *scheme, const char *who)
{
	struct worker	*wk = &m->m_workers[slot];

	log_warnx("auth: client %s: %s login of %s refused: %u failures from "
	    "this address within %d s (worker %ld)", p->np_text, scheme, who,
	    ntlm_check_failures(p), FAILURE_WINDOW, (long)pid);
	metrics_ntlm(MX_NTLM_LOCKED);
	if (slot >= m->m_nslots || wk->wk_pid != pid || wk->wk_eof)
		return;
	if (refuse(m, slot, m->m_conf->rc_auth_failure_delay,
	    "too many failed logins from this address") == -1) {
		log_warn("auth: worker %ld cannot be answered; killing it",
		    (long)wk->wk_pid);
		kill(wk->wk_pid, SIGKILL);
		wk->wk_eof = 1;
	}
}

/* Kills a worker that cannot be answered (its socket is full). */
static void
send_verdict(struct master *m, unsigned slot, int rv)
{
	struct worker	*wk = &m->m_workers[slot];

	if (rv == 0 || wk->wk_eof)
		return;
	log_warn("auth: worker %ld cannot be answered; killing it",
	    (long)wk->wk_pid);
	kill(wk->wk_pid, SIGKILL);
	wk->wk_eof = 1;
}

/* What became of a login's delegate, for the operator. */
static void
log_delegation(const struct ntlm_peer *p, const char *identity,
    const struct login_grant *g)
{
	const char	*spn = g->lg_dspn != NULL ? g->lg_dspn : "?";
	const char	*why = g->lg_dwhy != NULL ? g->lg_dwhy : "";

	switch (g->lg_dstate) {
	case DELEGATION_OK:
		log_info("auth: client %s: Kerberos delegation: a ticket of %s "
		    "for %s (%zu bytes of token)", p->np_text, identity, spn,
		    g->lg_dtokenlen);
		break;
	case DELEGATION_REFUSED:
		log_warnx("auth: client %s: Kerberos delegation of %s to %s "
		    "refused: %s; answered 502", p->np_text, identity, spn, why);
		break;
	case DELEGATION_UNAVAILABLE:
		log_warnx("auth: client %s: Kerberos delegation of %s to %s "
		    "failed: %s; answered 503", p->np_text, identity, spn, why);
		break;
	}
}

void
ntlm_check_verdict(struct master *m, unsigned slot, pid_t pid,
    const struct ntlm_peer *p, const char *scheme, const char *who,
    int status, const char *text, const struct login_grant *g)
{
	struct worker		*wk = &m->m_workers[slot];
	struct failure_slot	*fs = NULL;
	unsigned		 limit = m->m_conf->rc_auth_failure_limit;
	unsigned		 delay = m->m_conf->rc_auth_failure_delay;

	if (status == NTLM_RESULT_REFUSED) {
		fs = failure_slot(p, time(NULL));
		fs->fs_count++;
		log_warnx("auth: client %s: %s login failed for %s: %s",
		    p->np_text, scheme, who, text);
		metrics_ntlm(MX_NTLM_FAILED);
	} else if (status == NTLM_RESULT_UNAVAILABLE) {
		log_warnx("auth: client %s: %s login of %s not checked: %s; "
		    "answered 503", p->np_text, scheme, who, text);
		metrics_ntlm(MX_NTLM_UNAVAILABLE);
	} else {
		log_info("auth: client %s: %s login of %s (as %s), in %u of "
		    "the require-group groups", p->np_text, scheme, text, who,
		    g != NULL ? g->lg_ngroups : 0);
		metrics_ntlm(MX_NTLM_OK);
		if (g != NULL)
			log_delegation(p, text, g);
	}
	if (slot >= m->m_nslots || wk->wk_pid != pid || wk->wk_eof) {
		log_info("auth: worker %ld is gone; its client's %s verdict "
		    "is dropped", (long)pid, scheme);
		return;
	}
	if (status == NTLM_RESULT_REFUSED && fs != NULL) {
		send_verdict(m, slot, refuse(m, slot, limit > 0 &&
		    fs->fs_count >= limit ? delay : 0, text));
		return;
	}
	send_verdict(m, slot, reply(wk->wk_sock, status, text, g));
}

/* The NTLM messages of the worker in slot; -1 kills it. */
int
ntlm_dispatch(struct master *m, unsigned slot, struct ipc_msg *msg)
{
	pid_t	pid = m->m_workers[slot].wk_pid;

	if (msg->im_type == IPC_NTLM_CHALLENGE)
		return delayed[slot].da_pid == pid ||
		    winbind_pending(slot, pid) ? -1 :
		    ntlm_challenge(m, slot, msg);
	if (msg->im_type == IPC_NTLM_CHECK && msg->im_fd == -1)
		return ntlm_check(m, slot, &msg->im_payload);
	if (msg->im_type == IPC_NEGOTIATE_CHECK)
		return delayed[slot].da_pid == pid ||
		    winbind_pending(slot, pid) ? -1 :
		    negotiate_check(m, slot, msg);
	return -1;
}
