/*
 * ntlm-source = "winbind": the domain checker processes seen from the
 * master. winbind-checkers processes (rpxd-winbind, next to the worker
 * program) each verify one login at a time against the domain through
 * winbind and can block on a domain controller for as long as it takes;
 * the master never does: it queues the logins (winbind_queue.c) and
 * reads the checkers' answers here. A checker that dies or breaks the
 * protocol is restarted after a hold-off; one killed at a login's
 * deadline at once. The checkers get the configuration and the
 * require-group names at start, the new names at every reload. Called
 * from main.c (the loop), pool.c's reaper, reload.c, shutdown.c and
 * control_cmd.c (rpxctl log).
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
#include "winbind_proc.h"

#define WINBIND_STABLE		60	/* s; a shorter run that ends by
					   itself doubles the hold-off */
#define WINBIND_HOLDOFF_MAX	30	/* s */
#define WINBIND_STOP_GRACE	5	/* s, from SIGTERM to SIGKILL */

struct winbind_proc		 wb_procs[RPXD_WINBIND_CHECKERS_MAX];
/* Stopped checkers of an earlier configuration, until reaped. */
static pid_t			 old_pids[RPXD_WINBIND_CHECKERS_MAX];
static time_t			 old_since[RPXD_WINBIND_CHECKERS_MAX];
static unsigned			 failures;	/* short runs in a row */
static time_t			 holdoff;	/* no start before */
static char			 program[RPXD_FILE_MAX];
/* Whether the running checkers were started for a delegate (they then
 * hold the account's keys and may reach the KDC: winbind/delegate.c). */
static int			 for_delegates;

int
winbind_needed(const struct rpxd_conf *c)
{
	return config_uses_winbind(c);
}

void
winbind_init(struct master *m)
{
	unsigned	i;

	child_path(m, "rpxd-winbind", program, sizeof(program));
	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++) {
		wb_procs[i] = (struct winbind_proc){ .wp_pid = 0,
		    .wp_sock = -1 };
		ipc_reader_init(&wb_procs[i].wp_in, &ipc_bounds_winbind);
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

void
winbind_proc_close(struct winbind_proc *wp)
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
		winbind_proc_close(wp);
		return;
	}
	for_delegates = config_has_delegate(m->m_conf);
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
		if (wb_procs[i].wp_pid == 0)
			launch_one(m, &wb_procs[i]);
}

void
winbind_proc_kill(struct master *m, struct winbind_proc *wp, const char *why)
{
	log_warnx("auth: domain checker %ld %s; killing it", (long)wp->wp_pid,
	    why);
	kill(wp->wp_pid, SIGKILL);
	winbind_proc_close(wp);
	if (wp->wp_login.wl_id != 0)
		winbind_fail(m, &wp->wp_login, "the domain checker failed");
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

/*
 * The reply of an answer, only with a login: a Kerberos login's reply
 * token, bounded, or an NTLM login's session base key (16 bytes, for
 * SPNEGO's mechListMIC); -1 for any other.
 */
static int
answer_reply(const struct winbind_login *l, uint32_t status,
    struct msgbuf *mb, unsigned char *reply, size_t *len)
{
	uint32_t	n;

	if (msgbuf_get_u32(mb, &n) == -1 || n > NEGOTIATE_REPLY_MAX ||
	    (n > 0 && (status != NTLM_RESULT_OK ||
	    (l->wl_kind != WINBIND_LOGIN_KERBEROS && n != NTLM_HASH_LEN))) ||
	    msgbuf_get_bytes(mb, reply, n) == -1)
		return -1;
	*len = n;
	return 0;
}

/*
 * The delegation of an answer into g: a state only for a login that
 * asked for one, a token only with DELEGATION_OK, bounded; -1 for any
 * other.
 */
static int
answer_delegation(const struct winbind_login *l, uint32_t status,
    struct msgbuf *mb, struct login_grant *g, char *why, size_t whylen)
{
	static unsigned char	token[DELEGATION_TOKEN_MAX];
	uint32_t		state, n;
	int			asked = status == NTLM_RESULT_OK &&
				    l->wl_spn[0] != '\0' && !l->wl_spn_unknown;

	if (msgbuf_get_u32(mb, &state) == -1 ||
	    state > DELEGATION_UNAVAILABLE ||
	    (state == DELEGATION_NONE) == asked ||
	    msgbuf_get_str(mb, why, whylen) == -1 ||
	    msgbuf_get_u32(mb, &n) == -1 || n > sizeof(token) ||
	    (n > 0) != (state == DELEGATION_OK) ||
	    msgbuf_get_bytes(mb, token, n) == -1)
		return -1;
	g->lg_dstate = (int)state;
	g->lg_dspn = l->wl_spn;
	g->lg_dwhy = why;
	g->lg_dtoken = token;
	g->lg_dtokenlen = n;
	return 0;
}

/* IPC_WINBIND_ANSWER from wp; -1 if malformed or out of turn. */
static int
proc_answer(struct master *m, struct winbind_proc *wp, struct msgbuf *mb)
{
	static char		groups[RPXD_ALL_GROUPS_MAX][RPXD_GROUP_NAME_MAX];
	unsigned char		reply[NEGOTIATE_REPLY_MAX];
	char			text[2 * NTLM_NAME_MAX + 2];
	char			dwhy[DELEGATION_WHY_MAX];
	struct login_grant	g;
	uint32_t		id, status;

	memset(&g, 0, sizeof(g));
	g.lg_groups = groups;
	g.lg_reply = reply;
	if (msgbuf_get_u32(mb, &id) == -1 ||
	    msgbuf_get_u32(mb, &status) == -1 ||
	    status > NTLM_RESULT_UNAVAILABLE ||
	    msgbuf_get_str(mb, text, sizeof(text)) == -1 ||
	    answer_groups(m, mb, groups, &g.lg_ngroups) == -1 ||
	    wp->wp_login.wl_id == 0 || id != wp->wp_login.wl_id ||
	    answer_reply(&wp->wp_login, status, mb, reply,
	    &g.lg_replylen) == -1 || answer_delegation(&wp->wp_login, status,
	    mb, &g, dwhy, sizeof(dwhy)) == -1 || msgbuf_end(mb) == -1 ||
	    (status == NTLM_RESULT_OK && !identity_ok(text)))
		return -1;
	winbind_answer(m, &wp->wp_login, (int)status, text, &g);
	winbind_dispatch_queue(m);
	return 0;
}

static void
proc_dispatch(struct master *m, struct winbind_proc *wp)
{
	struct ipc_msg	msg;
	char		why[200];

	switch (ipc_reader_read(&wp->wp_in, wp->wp_sock, &msg, now_ms())) {
	case IPC_READ_AGAIN:
		return;
	case IPC_READ_EOF:
		winbind_proc_close(wp);
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
		ipc_reader_offence(&wp->wp_in, 0, why, sizeof(why));
		break;
	}
	winbind_proc_kill(m, wp, why);
}

nfds_t
winbind_pollfds(struct pollfd *pfd, unsigned *idx, nfds_t max)
{
	nfds_t		n = 0;
	unsigned	i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX && n < max; i++)
		if (wb_procs[i].wp_pid != 0 && wb_procs[i].wp_sock != -1) {
			idx[n] = i;
			pfd[n].fd = wb_procs[i].wp_sock;
			pfd[n++].events = POLLIN;
		}
	return n;
}

void
winbind_dispatch(struct master *m, unsigned idx)
{
	if (idx < RPXD_WINBIND_CHECKERS_MAX && wb_procs[idx].wp_pid != 0 &&
	    wb_procs[idx].wp_sock != -1)
		proc_dispatch(m, &wb_procs[idx]);
}

/* A partial frame past its deadline gets its checker killed. */
int64_t
winbind_frames_expire(struct master *m, int64_t now)
{
	struct winbind_proc	*wp;
	int64_t			 next = 0, d;
	unsigned		 i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++) {
		wp = &wb_procs[i];
		if (wp->wp_pid == 0 || wp->wp_sock == -1 ||
		    (d = ipc_reader_deadline(&wp->wp_in)) == 0)
			continue;
		if (ipc_reader_expired(&wp->wp_in, now)) {
			winbind_proc_kill(m, wp, "sent a partial frame and "
			    "stalled");
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
		if (wb_procs[i].wp_pid == pid && pid != 0)
			break;
	if (i == RPXD_WINBIND_CHECKERS_MAX)
		return 0;
	wp = &wb_procs[i];
	winbind_proc_close(wp);
	if (wp->wp_login.wl_id != 0)
		winbind_fail(m, &wp->wp_login, "the domain checker died");
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
	winbind_proc_close(wp);
	if (wp->wp_login.wl_id != 0)
		winbind_fail(m, &wp->wp_login, "the domain checker was "
		    "stopped");
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
		if (wb_procs[i].wp_pid != 0)
			stop_one(m, &wb_procs[i]);
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
		winbind_queue_fail_all(m, "ntlm-source is no longer winbind");
		return;
	}
	/* The first delegate, or the last gone: checkers set up for it
	 * (keys read again, the sandbox that reaches the KDC). */
	if (config_has_delegate(m->m_conf) != for_delegates) {
		log_info("auth: %s: restarting the domain checkers",
		    for_delegates ? "no route delegates any more" :
		    "a route delegates to its backend");
		stop_all(m);
	}
	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++) {
		if (wb_procs[i].wp_pid != 0 && wb_procs[i].wp_sock == -1 &&
		    i >= m->m_conf->rc_winbind_checkers)
			stop_one(m, &wb_procs[i]);	/* killed, not reaped */
		if (wb_procs[i].wp_pid == 0 || wb_procs[i].wp_sock == -1)
			continue;
		if (i >= m->m_conf->rc_winbind_checkers)
			stop_one(m, &wb_procs[i]);
		else if (send_groups(m, wb_procs[i].wp_sock) == -1)
			winbind_proc_kill(m, &wb_procs[i], "cannot be sent "
			    "the groups");
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
	winbind_dispatch_queue(m);
}

void
winbind_kill_all(int sig)
{
	unsigned	i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++) {
		if (wb_procs[i].wp_pid != 0)
			kill(wb_procs[i].wp_pid, sig);
		if (old_pids[i] != 0)
			kill(old_pids[i], sig);
	}
}

int
winbind_alive(void)
{
	unsigned	i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++)
		if (wb_procs[i].wp_pid != 0 || old_pids[i] != 0)
			return 1;
	return 0;
}

void
winbind_send_level(struct master *m, const struct msgbuf *mb)
{
	unsigned	i;

	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++) {
		if (wb_procs[i].wp_pid == 0 || wb_procs[i].wp_sock == -1 ||
		    ipc_send(wb_procs[i].wp_sock, IPC_LOG_LEVEL, -1, mb) == 0 ||
		    errno == EPIPE || errno == ECONNRESET)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			log_warnx("auth: domain checker %ld does not read its "
			    "socket: log level message dropped",
			    (long)wb_procs[i].wp_pid);
		else	/* a frame cut in the middle */
			winbind_proc_kill(m, &wb_procs[i], "cannot be sent "
			    "a log level message");
	}
}
