/*
 * ntlm-source = "winbind": the domain checkers seen from the master.
 * winbind-checkers processes (rpxd-winbind, next to the worker program)
 * each verify one login at a time against the domain through winbind
 * and can block on a domain controller for as long as it takes; the
 * master never does. It queues the logins (at most WINBIND_QUEUE_MAX,
 * beyond that a login gets 503 at once), hands each to an idle checker
 * and answers the worker when the checker answers (ntlm_check_verdict).
 * The failure limit holds as with the file, whose checks take no time:
 * of one client address, no more logins are with the domain at once than
 * failures it may still have (auth-failure-limit less its failures); the
 * others wait their turn in the queue, and are refused by the limit
 * unchecked once the failures reach it, so parallel connections guess
 * no faster than one.
 * Every login has a deadline of winbind-timeout seconds from its arrival:
 * one still queued then, or whose checker has not answered, gets 503 and
 * a log line, never a login, and a checker that overran is killed (a
 * stuck winbind call cannot be interrupted otherwise) and started again.
 * The checkers get the configuration and the require-group names at
 * start, the new names at every reload. Called from ntlm_check.c (the
 * logins), main.c (the loop, the deadlines), pool.c's reaper, reload.c
 * and shutdown.c.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child_status.h"
#include "clock.h"
#include "ipc.h"
#include "ipc_reader.h"
#include "log.h"
#include "master.h"
#include "ntlm_check.h"
#include "winbind.h"

#define WINBIND_QUEUE_MAX	256	/* logins waiting for a checker */
#define WINBIND_STABLE		60	/* s; a shorter run that ends by
					   itself doubles the hold-off */
#define WINBIND_HOLDOFF_MAX	30	/* s */
#define WINBIND_STOP_GRACE	5	/* s, from SIGTERM to SIGKILL */

/* A login: queued with its response, then in a checker without it. */
struct winbind_login {
	uint32_t		 wl_id;		/* 0: none (a free queue slot) */
	uint64_t		 wl_seq;	/* arrival order in the queue */
	unsigned		 wl_slot;
	pid_t			 wl_pid;	/* the worker's */
	int64_t			 wl_deadline;	/* now_ms() */
	struct ntlm_peer	 wl_peer;
	char			 wl_user[NTLM_NAME_MAX + 1];
	char			 wl_domain[NTLM_NAME_MAX + 1];
	unsigned char		 wl_challenge[NTLM_CHALLENGE_LEN];
	size_t			 wl_ntlen;
	unsigned char		 wl_nt[NTLM_NT_RESPONSE_MAX];
};

struct winbind_proc {
	pid_t			 wp_pid;	/* 0: none */
	int			 wp_sock;	/* -1: closed */
	struct ipc_reader	 wp_in;
	time_t			 wp_since;	/* started, or asked to stop */
	int			 wp_stopping;	/* SIGTERM sent: reap only */
	int			 wp_overran;	/* killed at a deadline */
	struct winbind_login	 wp_login;	/* wl_id 0: idle */
};

static struct winbind_proc	 procs[RPXD_WINBIND_CHECKERS_MAX];
/* Stopped checkers of an earlier configuration, until reaped. */
static pid_t			 old_pids[RPXD_WINBIND_CHECKERS_MAX];
static time_t			 old_since[RPXD_WINBIND_CHECKERS_MAX];
static struct winbind_login	 queue[WINBIND_QUEUE_MAX];	/* any
					   order; wl_seq says which came first */
static unsigned			 q_len;
static uint32_t			 next_id = 1;
static uint64_t			 next_seq;
static unsigned			 failures;	/* short runs in a row */
static time_t			 holdoff;	/* no start before */
static char			 program[RPXD_FILE_MAX];

int
winbind_needed(const struct rpxd_conf *c)
{
	return c->rc_ntlm_source == NTLM_SOURCE_WINBIND;
}

void
winbind_init(struct master *m)
{
	unsigned	i;

	child_path(m, "rpxd-winbind", program, sizeof(program));
	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++) {
		procs[i] = (struct winbind_proc){ .wp_pid = 0, .wp_sock = -1 };
		ipc_reader_init(&procs[i].wp_in, &ipc_bounds_winbind);
	}
}

/* Every require-group name of the running configuration. */
static int
send_groups(const struct master *m, int sock)
{
	static char	names[RPXD_ALL_GROUPS_MAX][RPXD_GROUP_NAME_MAX];
	struct msgbuf	mb;
	unsigned	i, n;
	int		rv;

	n = config_all_groups(m->m_conf, names, RPXD_ALL_GROUPS_MAX);
	if (n > RPXD_ALL_GROUPS_MAX)
		n = RPXD_ALL_GROUPS_MAX;	/* the parser refuses more */
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, n);
	for (i = 0; i < n; i++)
		msgbuf_put_str(&mb, names[i]);
	rv = mb.mb_error ? -1 : ipc_send(sock, IPC_WINBIND_GROUPS, -1, &mb);
	msgbuf_free(&mb);
	return rv;
}

static void
proc_close(struct winbind_proc *wp)
{
	if (wp->wp_sock != -1)
		close(wp->wp_sock);
	wp->wp_sock = -1;
	ipc_reader_reset(&wp->wp_in);
}

static void
launch_one(struct master *m, struct winbind_proc *wp)
{
	int	sp[2];
	pid_t	pid;

	if (access(program, X_OK) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1) {
		log_warn("auth: cannot start the domain checker %s; next try "
		    "in %d s", program, WINBIND_HOLDOFF_MAX);
		holdoff = time(NULL) + WINBIND_HOLDOFF_MAX;
		return;
	}
	if (child_nonblock(sp[0]) == -1 ||
	    (pid = child_fork(m, "rpxd-winbind")) == -1) {
		log_warn("auth: domain checker: fork");
		close(sp[0]);
		close(sp[1]);
		holdoff = time(NULL) + 1;
		return;
	}
	if (pid == 0) {
		close(sp[0]);
		child_exec(m, program, "rpxd-winbind", sp[1]);
	}
	close(sp[1]);
	*wp = (struct winbind_proc){ .wp_pid = pid, .wp_sock = sp[0],
	    .wp_since = time(NULL) };
	ipc_reader_init(&wp->wp_in, &ipc_bounds_winbind);
	if (child_send_config(m, sp[0]) == -1 || send_groups(m, sp[0]) == -1 ||
	    ipc_send(sp[0], IPC_START, -1, NULL) == -1) {
		log_warn("auth: cannot send the setup to domain checker %ld",
		    (long)pid);
		kill(pid, SIGKILL);
		proc_close(wp);
		return;
	}
	log_info("auth: started domain checker %ld (ntlm-source = winbind)",
	    (long)pid);
}

/* The checkers the configuration wants that do not run, after the
 * hold-off of a crash. */
void
winbind_launch(struct master *m)
{
	unsigned	i;

	if (m->m_stopping || !winbind_needed(m->m_conf) ||
	    time(NULL) < holdoff)
		return;
	for (i = 0; i < m->m_conf->rc_winbind_checkers &&
	    i < RPXD_WINBIND_CHECKERS_MAX; i++)
		if (procs[i].wp_pid == 0)
			launch_one(m, &procs[i]);
}

/* The verdict on l for its worker (ntlm_check.c); l is then free. */
static void
answer(struct master *m, struct winbind_login *l, int status,
    const char *text, char (*groups)[RPXD_GROUP_NAME_MAX], unsigned ngroups)
{
	ntlm_check_verdict(m, l->wl_slot, l->wl_pid, &l->wl_peer, l->wl_user,
	    l->wl_domain, status, text, groups, ngroups);
	/* Free (wl_id 0), and no response or challenge left behind. */
	l->wl_id = 0;
	l->wl_ntlen = 0;
	explicit_bzero(l->wl_nt, sizeof(l->wl_nt));
	explicit_bzero(l->wl_challenge, sizeof(l->wl_challenge));
}

/* An idle checker, or NULL. */
static struct winbind_proc *
idle_proc(void)
{
	unsigned	i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++)
		if (procs[i].wp_pid != 0 && procs[i].wp_sock != -1 &&
		    procs[i].wp_login.wl_id == 0)
			return &procs[i];
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
		if (procs[i].wp_login.wl_id != 0 &&
		    same_peer(&procs[i].wp_login.wl_peer, &l->wl_peer))
			busy++;
	return busy < limit - failed;
}

static void
dequeue(struct winbind_login *l)
{
	explicit_bzero(l->wl_nt, sizeof(l->wl_nt));
	explicit_bzero(l->wl_challenge, sizeof(l->wl_challenge));
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
			    &l->wl_peer, l->wl_user, l->wl_domain);
			dequeue(l);
			continue;
		}
		if (a == 1)
			best = l;
	}
	return best;
}

/* Idle checkers take the oldest queued logins they may. */
static void
dispatch_queue(struct master *m)
{
	struct winbind_proc	*wp;
	struct winbind_login	*l;
	struct msgbuf		 mb;
	int			 rv;

	while (q_len > 0 && (wp = idle_proc()) != NULL &&
	    (l = next_login(m)) != NULL) {
		msgbuf_init(&mb);
		msgbuf_put_u32(&mb, l->wl_id);
		msgbuf_put_str(&mb, l->wl_user);
		msgbuf_put_str(&mb, l->wl_domain);
		msgbuf_put_bytes(&mb, l->wl_challenge, NTLM_CHALLENGE_LEN);
		msgbuf_put_u32(&mb, (uint32_t)l->wl_ntlen);
		msgbuf_put_bytes(&mb, l->wl_nt, l->wl_ntlen);
		rv = mb.mb_error ? -1 : ipc_send(wp->wp_sock,
		    IPC_WINBIND_CHECK, -1, &mb);
		msgbuf_free(&mb);
		if (rv == -1) {
			/* An idle checker's socket is empty: it is gone. */
			log_warn("auth: domain checker %ld cannot be sent a "
			    "login; killing it", (long)wp->wp_pid);
			kill(wp->wp_pid, SIGKILL);
			proc_close(wp);
			continue;
		}
		wp->wp_login = *l;
		explicit_bzero(wp->wp_login.wl_nt, sizeof(wp->wp_login.wl_nt));
		dequeue(l);
	}
}

void
winbind_submit(struct master *m, unsigned slot, pid_t pid,
    const struct ntlm_peer *p, const struct ntlm_auth *a,
    const unsigned char challenge[NTLM_CHALLENGE_LEN])
{
	struct winbind_login	*l = NULL, full;
	unsigned		 i;

	for (i = 0; i < WINBIND_QUEUE_MAX && l == NULL; i++)
		if (queue[i].wl_id == 0)
			l = &queue[i];
	if (l == NULL) {
		memset(&full, 0, sizeof(full));
		full.wl_slot = slot;
		full.wl_pid = pid;
		full.wl_peer = *p;
		snprintf(full.wl_user, sizeof(full.wl_user), "%s", a->na_user);
		snprintf(full.wl_domain, sizeof(full.wl_domain), "%s",
		    a->na_domain);
		answer(m, &full, NTLM_RESULT_UNAVAILABLE, "the domain "
		    "checkers' queue is full", NULL, 0);
		return;
	}
	memset(l, 0, sizeof(*l));
	q_len++;
	l->wl_id = next_id++;
	if (next_id == 0)
		next_id = 1;
	l->wl_seq = next_seq++;
	l->wl_slot = slot;
	l->wl_pid = pid;
	l->wl_deadline = now_ms() +
	    (int64_t)m->m_conf->rc_winbind_timeout * 1000;
	l->wl_peer = *p;
	snprintf(l->wl_user, sizeof(l->wl_user), "%s", a->na_user);
	snprintf(l->wl_domain, sizeof(l->wl_domain), "%s", a->na_domain);
	memcpy(l->wl_challenge, challenge, NTLM_CHALLENGE_LEN);
	l->wl_ntlen = a->na_ntlen <= sizeof(l->wl_nt) ? a->na_ntlen : 0;
	memcpy(l->wl_nt, a->na_nt, l->wl_ntlen);
	dispatch_queue(m);
}

int
winbind_pending(unsigned slot, pid_t pid)
{
	unsigned	i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++)
		if (procs[i].wp_login.wl_id != 0 &&
		    procs[i].wp_login.wl_slot == slot &&
		    procs[i].wp_login.wl_pid == pid)
			return 1;
	for (i = 0; i < WINBIND_QUEUE_MAX; i++)
		if (queue[i].wl_id != 0 && queue[i].wl_slot == slot &&
		    queue[i].wl_pid == pid)
			return 1;
	return 0;
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
	char			 why[96];

	snprintf(why, sizeof(why), "the domain did not answer within "
	    "winbind-timeout (%u s)", m->m_conf->rc_winbind_timeout);
	for (i = 0; i < WINBIND_QUEUE_MAX && q_len > 0; i++) {
		if (queue[i].wl_id == 0)
			continue;
		if (queue[i].wl_deadline <= now) {
			answer(m, &queue[i], NTLM_RESULT_UNAVAILABLE, why, NULL,
			    0);
			q_len--;
			continue;
		}
		d = queue[i].wl_deadline;
		next = next == 0 || d < next ? d : next;
	}
	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++) {
		wp = &procs[i];
		if (wp->wp_login.wl_id == 0)
			continue;
		if (wp->wp_login.wl_deadline <= now) {
			log_warnx("auth: domain checker %ld has not answered "
			    "within %u s; killing it", (long)wp->wp_pid,
			    m->m_conf->rc_winbind_timeout);
			answer(m, &wp->wp_login, NTLM_RESULT_UNAVAILABLE, why,
			    NULL, 0);
			kill(wp->wp_pid, SIGKILL);
			wp->wp_overran = 1;
			proc_close(wp);
			continue;
		}
		d = wp->wp_login.wl_deadline;
		next = next == 0 || d < next ? d : next;
	}
	return next;
}

/* A checker that broke the protocol: killed; its login gets 503. */
static void
proc_kill(struct master *m, struct winbind_proc *wp, const char *why)
{
	log_warnx("auth: domain checker %ld %s; killing it", (long)wp->wp_pid,
	    why);
	kill(wp->wp_pid, SIGKILL);
	proc_close(wp);
	if (wp->wp_login.wl_id != 0)
		answer(m, &wp->wp_login, NTLM_RESULT_UNAVAILABLE, "the domain "
		    "checker failed", NULL, 0);
}

/* A verdict's identity goes into a header and the log: "DOMAIN\user",
 * printable, no space at either end. */
static int
identity_ok(const char *s)
{
	const char	*bs = strchr(s, '\\');
	size_t		 i, len = strlen(s);

	if (bs == NULL || bs == s || bs[1] == '\0' || s[len - 1] == ' ')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* The groups of an answer: each one of the configuration's names. */
static int
answer_groups(const struct master *m, struct msgbuf *mb,
    char (*groups)[RPXD_GROUP_NAME_MAX], unsigned *n)
{
	static char	names[RPXD_ALL_GROUPS_MAX][RPXD_GROUP_NAME_MAX];
	unsigned	i, j, have;
	uint32_t	count;

	have = config_all_groups(m->m_conf, names, RPXD_ALL_GROUPS_MAX);
	if (msgbuf_get_u32(mb, &count) == -1 || count > RPXD_ALL_GROUPS_MAX)
		return -1;
	*n = 0;
	for (i = 0; i < count; i++) {
		if (msgbuf_get_str(mb, groups[*n], RPXD_GROUP_NAME_MAX) == -1)
			return -1;
		/* A name of an earlier configuration (the login began
		 * before a reload) is left out, not an error. */
		for (j = 0; j < have && j < RPXD_ALL_GROUPS_MAX; j++)
			if (strcmp(names[j], groups[*n]) == 0) {
				(*n)++;
				break;
			}
	}
	return 0;
}

/* IPC_WINBIND_ANSWER from wp; -1 if malformed or out of turn. */
static int
proc_answer(struct master *m, struct winbind_proc *wp, struct msgbuf *mb)
{
	static char	groups[RPXD_ALL_GROUPS_MAX][RPXD_GROUP_NAME_MAX];
	char		text[2 * NTLM_NAME_MAX + 2];
	uint32_t	id, status;
	unsigned	n = 0;

	if (msgbuf_get_u32(mb, &id) == -1 || msgbuf_get_u32(mb, &status) == -1 ||
	    status > NTLM_RESULT_UNAVAILABLE ||
	    msgbuf_get_str(mb, text, sizeof(text)) == -1 ||
	    answer_groups(m, mb, groups, &n) == -1 || msgbuf_end(mb) == -1 ||
	    wp->wp_login.wl_id == 0 || id != wp->wp_login.wl_id ||
	    (status == NTLM_RESULT_OK && !identity_ok(text)))
		return -1;
	answer(m, &wp->wp_login, (int)status, text, groups, n);
	dispatch_queue(m);
	return 0;
}

static void
proc_dispatch(struct master *m, struct winbind_proc *wp)
{
	struct ipc_msg	msg;
	char		what[160], why[200];

	switch (ipc_reader_read(&wp->wp_in, wp->wp_sock, &msg, now_ms())) {
	case IPC_READ_AGAIN:
		return;
	case IPC_READ_EOF:
		proc_close(wp);
		return;
	case IPC_READ_MSG:
		if (msg.im_type == IPC_WINBIND_ANSWER && msg.im_fd == -1 &&
		    proc_answer(m, wp, &msg.im_payload) == 0) {
			ipc_msg_free(&msg);
			return;
		}
		snprintf(why, sizeof(why), "sent a malformed or unexpected %s "
		    "message", ipc_type_name(msg.im_type));
		ipc_msg_free(&msg);
		break;
	case IPC_READ_ERROR:
		ipc_reader_describe(&wp->wp_in, what, sizeof(what));
		snprintf(why, sizeof(why), "sent a bad frame (%s)", what);
		break;
	}
	proc_kill(m, wp, why);
}

nfds_t
winbind_pollfds(struct pollfd *pfd, unsigned *idx, nfds_t max)
{
	nfds_t		n = 0;
	unsigned	i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX && n < max; i++)
		if (procs[i].wp_pid != 0 && procs[i].wp_sock != -1) {
			idx[n] = i;
			pfd[n].fd = procs[i].wp_sock;
			pfd[n++].events = POLLIN;
		}
	return n;
}

void
winbind_dispatch(struct master *m, unsigned idx)
{
	if (idx < RPXD_WINBIND_CHECKERS_MAX && procs[idx].wp_pid != 0 &&
	    procs[idx].wp_sock != -1)
		proc_dispatch(m, &procs[idx]);
}

/* A partial frame past its deadline gets its checker killed. */
int64_t
winbind_frames_expire(struct master *m, int64_t now)
{
	struct winbind_proc	*wp;
	int64_t			 next = 0, d;
	unsigned		 i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++) {
		wp = &procs[i];
		if (wp->wp_pid == 0 || wp->wp_sock == -1 ||
		    (d = ipc_reader_deadline(&wp->wp_in)) == 0)
			continue;
		if (ipc_reader_expired(&wp->wp_in, now)) {
			proc_kill(m, wp, "sent a partial frame and stalled");
			continue;
		}
		next = next == 0 || d < next ? d : next;
	}
	return next;
}

int
winbind_reaped(struct master *m, pid_t pid, int status)
{
	struct winbind_proc	*wp;
	unsigned		 i, wait;
	time_t			 now = time(NULL);

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++)
		if (old_pids[i] == pid && pid != 0) {
			old_pids[i] = 0;
			return 1;
		}
	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++)
		if (procs[i].wp_pid == pid && pid != 0)
			break;
	if (i == RPXD_WINBIND_CHECKERS_MAX)
		return 0;
	wp = &procs[i];
	proc_close(wp);
	if (wp->wp_login.wl_id != 0)
		answer(m, &wp->wp_login, NTLM_RESULT_UNAVAILABLE, "the domain "
		    "checker died", NULL, 0);
	if (wp->wp_overran) {
		/* The domain's fault, not the checker's: again at once. */
		log_info("auth: domain checker %ld killed at its deadline; "
		    "starting another", (long)pid);
	} else {
		wait = child_holdoff(&failures, now - wp->wp_since,
		    WINBIND_STABLE, WINBIND_HOLDOFF_MAX);
		log_warnx("auth: domain checker %ld %s; restarting it in %u s",
		    (long)pid, child_status(status), wait);
		holdoff = now + wait;
	}
	*wp = (struct winbind_proc){ .wp_pid = 0, .wp_sock = -1 };
	ipc_reader_init(&wp->wp_in, &ipc_bounds_winbind);
	return 1;
}

/* SIGTERM for a running checker, reaped later; its login gets 503. */
static void
stop_one(struct master *m, struct winbind_proc *wp)
{
	unsigned	j;

	kill(wp->wp_pid, SIGTERM);
	proc_close(wp);
	if (wp->wp_login.wl_id != 0)
		answer(m, &wp->wp_login, NTLM_RESULT_UNAVAILABLE, "the domain "
		    "checker was stopped", NULL, 0);
	for (j = 0; j < RPXD_WINBIND_CHECKERS_MAX; j++)
		if (old_pids[j] == 0)
			break;
	if (j == RPXD_WINBIND_CHECKERS_MAX) {
		/* Reloads faster than checkers stop: no grace for one. */
		j = 0;
		kill(old_pids[0], SIGKILL);
	}
	old_pids[j] = wp->wp_pid;
	old_since[j] = time(NULL);
	*wp = (struct winbind_proc){ .wp_pid = 0, .wp_sock = -1 };
	ipc_reader_init(&wp->wp_in, &ipc_bounds_winbind);
}

static void
stop_all(struct master *m)
{
	unsigned	i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++)
		if (procs[i].wp_pid != 0)
			stop_one(m, &procs[i]);
}

/*
 * After a committed reload: the running checkers get the new group
 * names; checkers beyond a lower winbind-checkers stop, more start;
 * with ntlm-source no longer winbind, all stop and the queue is
 * answered 503.
 */
void
winbind_reload(struct master *m)
{
	unsigned	i;

	if (!winbind_needed(m->m_conf)) {
		stop_all(m);
		for (i = 0; i < WINBIND_QUEUE_MAX && q_len > 0; i++)
			if (queue[i].wl_id != 0) {
				answer(m, &queue[i], NTLM_RESULT_UNAVAILABLE,
				    "ntlm-source is no longer winbind", NULL, 0);
				q_len--;
			}
		return;
	}
	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++) {
		if (procs[i].wp_pid != 0 && procs[i].wp_sock == -1 &&
		    i >= m->m_conf->rc_winbind_checkers)
			stop_one(m, &procs[i]);	/* killed, not reaped yet */
		if (procs[i].wp_pid == 0 || procs[i].wp_sock == -1)
			continue;
		if (i >= m->m_conf->rc_winbind_checkers)
			stop_one(m, &procs[i]);
		else if (send_groups(m, procs[i].wp_sock) == -1)
			proc_kill(m, &procs[i], "cannot be sent the groups");
	}
	failures = 0;
	holdoff = 0;
	winbind_launch(m);
}

void
winbind_shutdown(struct master *m)
{
	stop_all(m);
}

/* Once a second: start what is missing, kill a stopped checker that
 * overstays its grace, and hand queued logins to idle checkers. */
void
winbind_maintain(struct master *m)
{
	time_t		now = time(NULL);
	unsigned	i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++)
		if (old_pids[i] != 0 &&
		    now - old_since[i] >= WINBIND_STOP_GRACE) {
			kill(old_pids[i], SIGKILL);
			old_since[i] = now;
		}
	winbind_launch(m);
	dispatch_queue(m);
}

void
winbind_kill_all(int sig)
{
	unsigned	i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++) {
		if (procs[i].wp_pid != 0)
			kill(procs[i].wp_pid, sig);
		if (old_pids[i] != 0)
			kill(old_pids[i], sig);
	}
}

int
winbind_alive(void)
{
	unsigned	i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++)
		if (procs[i].wp_pid != 0 || old_pids[i] != 0)
			return 1;
	return 0;
}

void
winbind_send_level(struct master *m, const struct msgbuf *mb)
{
	unsigned	i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++) {
		if (procs[i].wp_pid == 0 || procs[i].wp_sock == -1 ||
		    ipc_send(procs[i].wp_sock, IPC_LOG_LEVEL, -1, mb) == 0 ||
		    errno == EPIPE || errno == ECONNRESET)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			log_warnx("auth: domain checker %ld does not read its "
			    "socket: log level message dropped",
			    (long)procs[i].wp_pid);
		else	/* a frame cut in the middle */
			proc_kill(m, &procs[i], "cannot be sent a log level "
			    "message");
	}
}
