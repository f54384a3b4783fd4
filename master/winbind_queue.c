/*
 * ntlm-source = "winbind": the logins the domain checkers check (the
 * processes are winbind.c's). The master queues them, at most
 * WINBIND_QUEUE_MAX (beyond that a login gets 503 at once), hands each to
 * an idle checker and answers the worker when the checker answers
 * (ntlm_check_verdict). The failure limit holds as with the file, whose
 * checks take no time: of one client address, no more logins are with
 * the domain at once than failures it may still have
 * (auth-failure-limit less its failures); the others wait their turn in
 * the queue, and are refused by the limit unchecked once the failures
 * reach it, so parallel connections guess no faster than one. Every
 * login has a deadline of winbind-timeout seconds from its arrival: one
 * still queued then, or whose checker has not answered, gets 503 and a
 * log line, never a login, and a checker that overran is killed (a stuck
 * winbind call cannot be interrupted otherwise) and started again.
 * Called from ntlm_check.c (the logins) and main.c (the deadlines).
 */
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ipc.h"
#include "log.h"
#include "master.h"
#include "ntlm_check.h"
#include "winbind.h"
#include "winbind_proc.h"


/* In any order; wl_seq says which came first. */
static struct winbind_login	 queue[WINBIND_QUEUE_MAX];
static unsigned			 q_len;
static uint32_t			 next_id = 1;
static uint64_t			 next_seq;

/* A login's credentials: the response, challenge or token. */
static void
login_wipe(struct winbind_login *l)
{
	l->wl_ntlen = 0;
	explicit_bzero(l->wl_nt, sizeof(l->wl_nt));
	explicit_bzero(l->wl_challenge, sizeof(l->wl_challenge));
	if (l->wl_token != NULL) {
		explicit_bzero(l->wl_token, l->wl_toklen);
		free(l->wl_token);
	}
	l->wl_token = NULL;
	l->wl_toklen = 0;
}

void
winbind_fail(struct master *m, struct winbind_login *l, const char *why)
{
	winbind_answer(m, l, NTLM_RESULT_UNAVAILABLE, why, NULL);
}

void
winbind_answer(struct master *m, struct winbind_login *l, int status,
    const char *text, const struct login_grant *g)
{
	struct login_grant	unknown;

	/* A delegate the configuration does not name was not asked for:
	 * a login without it would reach the backend unauthenticated. */
	if (g != NULL && l->wl_spn_unknown) {
		unknown = *g;
		unknown.lg_dstate = DELEGATION_UNAVAILABLE;
		unknown.lg_dwhy = "no route of the running configuration "
		    "delegates to it";
		unknown.lg_dtokenlen = 0;
		g = &unknown;
	}
	ntlm_check_verdict(m, l->wl_slot, l->wl_pid, &l->wl_peer,
	    l->wl_kind == WINBIND_LOGIN_KERBEROS ? "Kerberos" : "NTLM",
	    l->wl_who, status, text, g);
	/* Free (wl_id 0), and no credentials left behind. */
	l->wl_id = 0;
	login_wipe(l);
}

/* An idle checker, or NULL. */
static struct winbind_proc *
idle_proc(void)
{
	unsigned	i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++)
		if (wb_procs[i].wp_pid != 0 && wb_procs[i].wp_sock != -1 &&
		    wb_procs[i].wp_login.wl_id == 0)
			return &wb_procs[i];
	return NULL;
}

static int
same_peer(const struct ntlm_peer *a, const struct ntlm_peer *b)
{
	return a->np_family == b->np_family &&
	    memcmp(a->np_key, b->np_key, sizeof(a->np_key)) == 0;
}

/*
 * Whether l may go to the domain now: 1; 0 while its address has as
 * many logins with the domain as failures left; -1 when its address has
 * reached the limit meanwhile (it is refused unchecked).
 */
static int
admissible(const struct master *m, const struct winbind_login *l)
{
	unsigned	limit = m->m_conf->rc_auth_failure_limit;
	unsigned	failed, busy = 0, i;

	if (limit == 0)
		return 1;
	if ((failed = ntlm_check_failures(&l->wl_peer)) >= limit)
		return -1;
	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++)
		if (wb_procs[i].wp_login.wl_id != 0 &&
		    same_peer(&wb_procs[i].wp_login.wl_peer, &l->wl_peer))
			busy++;
	return busy < limit - failed;
}

static void
dequeue(struct winbind_login *l)
{
	login_wipe(l);
	l->wl_id = 0;
	q_len--;
}

/* The oldest queued login that may go to the domain now, refusing on
 * the way those whose address reached the limit; NULL if none. */
static struct winbind_login *
next_login(struct master *m)
{
	struct winbind_login	*l, *best = NULL;
	unsigned		 i;
	int			 a;

	for (i = 0; i < WINBIND_QUEUE_MAX && q_len > 0; i++) {
		l = &queue[i];
		if (l->wl_id == 0 || (best != NULL &&
		    l->wl_seq > best->wl_seq))
			continue;
		if ((a = admissible(m, l)) == -1) {
			ntlm_check_locked(m, l->wl_slot, l->wl_pid,
			    &l->wl_peer, l->wl_kind == WINBIND_LOGIN_KERBEROS ?
			    "Kerberos" : "NTLM", l->wl_who);
			dequeue(l);
			continue;
		}
		if (a == 1)
			best = l;
	}
	return best;
}

/* IPC_WINBIND_CHECK for l. */
static void
check_encode(struct msgbuf *mb, const struct winbind_login *l)
{
	msgbuf_init(mb);
	msgbuf_put_u32(mb, l->wl_id);
	msgbuf_put_u32(mb, (uint32_t)l->wl_kind);
	if (l->wl_kind == WINBIND_LOGIN_KERBEROS) {
		msgbuf_put_u32(mb, (uint32_t)l->wl_toklen);
		msgbuf_put_bytes(mb, l->wl_token, l->wl_toklen);
	} else {
		msgbuf_put_str(mb, l->wl_user);
		msgbuf_put_str(mb, l->wl_domain);
		msgbuf_put_bytes(mb, l->wl_challenge, NTLM_CHALLENGE_LEN);
		msgbuf_put_u32(mb, (uint32_t)l->wl_ntlen);
		msgbuf_put_bytes(mb, l->wl_nt, l->wl_ntlen);
	}
	msgbuf_put_str(mb, l->wl_spn_unknown ? "" : l->wl_spn);
}

void
winbind_dispatch_queue(struct master *m)
{
	struct winbind_proc	*wp;
	struct winbind_login	*l;
	struct msgbuf		 mb;
	int			 rv;

	while (q_len > 0 && (wp = idle_proc()) != NULL &&
	    (l = next_login(m)) != NULL) {
		check_encode(&mb, l);
		rv = mb.mb_error ? -1 : ipc_send(wp->wp_sock,
		    IPC_WINBIND_CHECK, -1, &mb);
		explicit_bzero(mb.mb_data, mb.mb_len);
		msgbuf_free(&mb);
		if (rv == -1) {
			/* An idle checker's socket is empty: it is gone. */
			log_warn("auth: domain checker %ld cannot be sent a "
			    "login; killing it", (long)wp->wp_pid);
			kill(wp->wp_pid, SIGKILL);
			winbind_proc_close(wp);
			continue;
		}
		wp->wp_login = *l;
		/* The checker has the credentials now; the copy keeps none. */
		wp->wp_login.wl_token = NULL;
		wp->wp_login.wl_toklen = 0;
		explicit_bzero(wp->wp_login.wl_nt, sizeof(wp->wp_login.wl_nt));
		dequeue(l);
	}
}

static void
login_fill(struct master *m, struct winbind_login *l, unsigned slot,
    pid_t pid, const struct ntlm_peer *p, int kind, const char *who,
    const char *spn)
{
	l->wl_slot = slot;
	l->wl_pid = pid;
	l->wl_peer = *p;
	l->wl_kind = kind;
	snprintf(l->wl_who, sizeof(l->wl_who), "%s", who);
	snprintf(l->wl_spn, sizeof(l->wl_spn), "%s", spn);
	l->wl_spn_unknown = spn[0] != '\0' &&
	    !config_delegate_known(m->m_conf, spn);
}

/* How many queued logins come from p's address. */
static unsigned
queued_from(const struct ntlm_peer *p)
{
	unsigned	i, n = 0;

	for (i = 0; i < WINBIND_QUEUE_MAX; i++)
		if (queue[i].wl_id != 0 && same_peer(&queue[i].wl_peer, p))
			n++;
	return n;
}

/*
 * The queue is full: the newest login of the address that holds the most
 * places, if that is more than p's address holds (so one address, or one
 * NAT, cannot keep every other address's logins out); else NULL.
 */
static struct winbind_login *
evictable(const struct ntlm_peer *p)
{
	struct winbind_login	*l, *victim = NULL;
	unsigned		 i, n, most = queued_from(p) + 1;

	for (i = 0; i < WINBIND_QUEUE_MAX; i++) {
		l = &queue[i];
		if (l->wl_id == 0 || same_peer(&l->wl_peer, p) ||
		    (n = queued_from(&l->wl_peer)) < most)
			continue;
		if (victim == NULL || n > most || l->wl_seq > victim->wl_seq)
			victim = l;
		most = n;
	}
	return victim;
}

/*
 * A free queue slot for a login of worker pid in slot from p, filled in
 * but for its credentials; NULL when the queue is full of logins of
 * addresses holding no more places than p's (the login has been answered
 * 503).
 */
static struct winbind_login *
enqueue(struct master *m, unsigned slot, pid_t pid,
    const struct ntlm_peer *p, int kind, const char *who, const char *spn)
{
	struct winbind_login	*l = NULL, full;
	unsigned		 i;

	for (i = 0; i < WINBIND_QUEUE_MAX && l == NULL; i++)
		if (queue[i].wl_id == 0)
			l = &queue[i];
	if (l == NULL && (l = evictable(p)) != NULL) {
		winbind_fail(m, l, "the domain checkers' queue is full, and "
		    "this address holds the most places in it");
		q_len--;
	}
	if (l == NULL) {
		memset(&full, 0, sizeof(full));
		login_fill(m, &full, slot, pid, p, kind, who, spn);
		winbind_fail(m, &full, "the domain checkers' queue is full");
		return NULL;
	}
	memset(l, 0, sizeof(*l));
	q_len++;
	l->wl_id = next_id++;
	if (next_id == 0)
		next_id = 1;
	l->wl_seq = next_seq++;
	l->wl_deadline = now_ms() +
	    (int64_t)m->m_conf->rc_winbind_timeout * 1000;
	login_fill(m, l, slot, pid, p, kind, who, spn);
	return l;
}

void
winbind_submit(struct master *m, unsigned slot, pid_t pid,
    const struct ntlm_peer *p, const struct ntlm_auth *a,
    const unsigned char challenge[NTLM_CHALLENGE_LEN], const char *spn)
{
	struct winbind_login	*l;
	char			 who[2 * NTLM_NAME_MAX + 2];

	snprintf(who, sizeof(who), "%s\\%s", a->na_domain, a->na_user);
	if ((l = enqueue(m, slot, pid, p, WINBIND_LOGIN_NTLM, who, spn)) ==
	    NULL)
		return;
	snprintf(l->wl_user, sizeof(l->wl_user), "%s", a->na_user);
	snprintf(l->wl_domain, sizeof(l->wl_domain), "%s", a->na_domain);
	memcpy(l->wl_challenge, challenge, NTLM_CHALLENGE_LEN);
	l->wl_ntlen = a->na_ntlen <= sizeof(l->wl_nt) ? a->na_ntlen : 0;
	memcpy(l->wl_nt, a->na_nt, l->wl_ntlen);
	winbind_dispatch_queue(m);
}

void
winbind_submit_kerberos(struct master *m, unsigned slot, pid_t pid,
    const struct ntlm_peer *p, const unsigned char *tok, size_t len,
    const char *spn)
{
	struct winbind_login	*l;

	if ((l = enqueue(m, slot, pid, p, WINBIND_LOGIN_KERBEROS,
	    "a Negotiate token", spn)) == NULL)
		return;
	if (len == 0 || len > NTLM_MSG_MAX ||
	    (l->wl_token = malloc(len)) == NULL) {
		winbind_fail(m, l, "no memory for the token");
		q_len--;
		return;
	}
	memcpy(l->wl_token, tok, len);
	l->wl_toklen = len;
	winbind_dispatch_queue(m);
}

unsigned
winbind_queued(void)
{
	return q_len;
}

int
winbind_pending(unsigned slot, pid_t pid)
{
	unsigned	i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++)
		if (wb_procs[i].wp_login.wl_id != 0 &&
		    wb_procs[i].wp_login.wl_slot == slot &&
		    wb_procs[i].wp_login.wl_pid == pid)
			return 1;
	for (i = 0; i < WINBIND_QUEUE_MAX; i++)
		if (queue[i].wl_id != 0 && queue[i].wl_slot == slot &&
		    queue[i].wl_pid == pid)
			return 1;
	return 0;
}

/*
 * The worker pid in slot is gone: its queued login leaves the queue
 * unchecked (nobody waits for it, and a worker that was made to die
 * again and again must not fill the queue for winbind-timeout each
 * time). One already with a checker is left to end; its verdict counts.
 */
void
winbind_worker_gone(unsigned slot, pid_t pid)
{
	unsigned	i;

	for (i = 0; i < WINBIND_QUEUE_MAX && q_len > 0; i++)
		if (queue[i].wl_id != 0 && queue[i].wl_slot == slot &&
		    queue[i].wl_pid == pid) {
			log_info("auth: worker %ld is gone; its client's "
			    "queued login of %s is dropped unchecked",
			    (long)pid, queue[i].wl_who);
			dequeue(&queue[i]);
		}
}

/*
 * The deadlines: a queued login past its own gets 503; a checker past
 * its login's is killed (the login gets 503, the reaper starts another).
 * The next deadline, or 0.
 */
int64_t
winbind_expire(struct master *m, int64_t now)
{
	struct winbind_proc	*wp;
	int64_t			 next = 0, d;
	unsigned		 i;
	char			 why[96], dwhy[96 + 48 + RPXD_SPN_MAX];

	snprintf(why, sizeof(why), "the domain did not answer within "
	    "winbind-timeout (%u s)", m->m_conf->rc_winbind_timeout);
	for (i = 0; i < WINBIND_QUEUE_MAX && q_len > 0; i++) {
		if (queue[i].wl_id == 0)
			continue;
		if (queue[i].wl_deadline <= now) {
			winbind_fail(m, &queue[i], why);
			q_len--;
			continue;
		}
		d = queue[i].wl_deadline;
		next = next == 0 || d < next ? d : next;
	}
	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++) {
		wp = &wb_procs[i];
		if (wp->wp_login.wl_id == 0)
			continue;
		if (wp->wp_login.wl_deadline <= now) {
			log_warnx("auth: domain checker %ld has not answered "
			    "within %u s; killing it", (long)wp->wp_pid,
			    m->m_conf->rc_winbind_timeout);
			/* With a delegate it may be the KDC that is silent. */
			if (wp->wp_login.wl_spn[0] != '\0')
				snprintf(dwhy, sizeof(dwhy), "%s (the login, or "
				    "the KDC for delegate %s)", why,
				    wp->wp_login.wl_spn);
			winbind_fail(m, &wp->wp_login,
			    wp->wp_login.wl_spn[0] != '\0' ? dwhy : why);
			kill(wp->wp_pid, SIGKILL);
			wp->wp_overran = 1;
			winbind_proc_close(wp);
			continue;
		}
		d = wp->wp_login.wl_deadline;
		next = next == 0 || d < next ? d : next;
	}
	return next;
}

void
winbind_queue_fail_all(struct master *m, const char *why)
{
	unsigned	i;

	for (i = 0; i < WINBIND_QUEUE_MAX && q_len > 0; i++)
		if (queue[i].wl_id != 0) {
			winbind_fail(m, &queue[i], why);
			q_len--;
		}
}
