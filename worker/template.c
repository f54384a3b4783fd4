/*
 * The template of a generation (issue 14): rpxd-worker exec'd once per
 * generation takes the setup once, builds the TLS contexts, drops its
 * privileges and enters its sandbox, then forks the workers the master
 * asks for. They share its pages copy-on-write (libraries, OpenSSL's
 * tables, the configuration, the contexts), so a worker costs only what
 * it writes. The template never touches a client's byte: it reports each
 * fork and each exit of its workers to the master (IPC_SPAWNED,
 * IPC_REAPED) and keeps the run-time updates (ticket keys, OCSP
 * responses, log level) so that workers forked later start with them.
 */
#include <sys/types.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "ipc.h"
#include "log.h"
#include "log_syslog.h"
#include "metrics_worker.h"
#include "pidmap.h"
#include "sandbox.h"
#include "tls.h"
#include "worker.h"

#define TEMPLATE_POLL_MS	200	/* a missed SIGCHLD waits this long */
#define TEMPLATE_FDS		64	/* a spawn's three descriptors, and
					   room above a worker's own limit,
					   which must lie below ours */

struct template_state {
	int		 ts_keys;	/* IPC_SPAWN_KEYS's, for the next fork */
	int		 ts_stderr;	/* IPC_SPAWN_STDERR's */
	int		 ts_syslog;	/* IPC_SPAWN_LOG's */
	int		 ts_stopping;
	unsigned	 ts_children;
	struct pidmap	 ts_pids;	/* pid -> slot */
};

static volatile sig_atomic_t	child_exited;

/* What ps, top and pgrep show: the template and its workers share the
 * program, so each names itself. */
static void
proc_name(const char *name)
{
#if defined(__linux__)
	(void)prctl(PR_SET_NAME, name, 0, 0, 0);
#elif defined(__FreeBSD__) || defined(__OpenBSD__) || defined(__NetBSD__)
	setproctitle("%s", name);
#else
	(void)name;
#endif
}

static void
on_sigchld(int sig)
{
	(void)sig;
	child_exited = 1;
}

static void
report(struct worker_env *w, uint32_t type, uint32_t slot, uint32_t pid,
    int with_status, uint32_t status)
{
	struct msgbuf	mb;

	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, slot);
	msgbuf_put_u32(&mb, pid);
	if (with_status)
		msgbuf_put_u32(&mb, status);
	if (mb.mb_error || ipc_send(w->w_ipc, type, -1, &mb) == -1) {
		/* The master is gone or stuck: it kills us, or we go. */
		msgbuf_free(&mb);
		fatal("template: cannot report a %s worker to the master",
		    type == IPC_SPAWNED ? "new" : "reaped");
	}
	msgbuf_free(&mb);
}

/* Every child that has exited: reaped and reported with its slot. */
static void
template_reap(struct worker_env *w, struct template_state *ts)
{
	unsigned	slot;
	pid_t		pid;
	int		status;

	child_exited = 0;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pidmap_take(&ts->ts_pids, pid, &slot) == -1)
			continue;	/* not a worker of ours */
		ts->ts_children--;
		report(w, IPC_REAPED, slot, (uint32_t)pid, 1,
		    (uint32_t)status);
	}
}

static void
close_pending(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

/*
 * In the new worker: its own socket to the master on RPXD_IPC_FD (in
 * place of the template's), its key channel and stderr, its slot's page
 * of the scoreboard (the descriptor closed), a state of its own.
 */
static void
child_setup(struct worker_env *w, struct template_state *ts, int sock,
    unsigned slot)
{
	tls_arena_stop();
	signal(SIGCHLD, SIG_DFL);
	log_forked();
	proc_name("rpxd-worker");
	if (ts->ts_stderr != -1 && dup2(ts->ts_stderr, STDERR_FILENO) == -1)
		_exit(1);
	close_pending(&ts->ts_stderr);
	if (ts->ts_syslog != -1)
		syslog_adopt(ts->ts_syslog);
	ts->ts_syslog = -1;
	if (dup2(sock, RPXD_IPC_FD) == -1)
		fatal("worker: its socket to the master");
	close(sock);
	w->w_ipc = RPXD_IPC_FD;
	if (ts->ts_keys != -1 && tls_keys_service(ts->ts_keys) == -1)
		fatalx("worker: its key channel");
	ts->ts_keys = -1;
	/* ts_pids is the template's: left as it is, since freeing it
	 * would write into pages the worker shares with it. */
	if (scoreboard_attach_slot(&w->w_sb, w->w_sb_fd, slot, &w->w_slot) == -1)
		fatal("worker: mapping scoreboard slot %u", slot);
	w->w_sb_fd = -1;
	scoreboard_slot_init(w->w_slot);
	metrics_count_start(w->w_slot);
	balance_init(w);
	/* leastconn's two choices: not the same as every sibling's. From
	 * the system: OpenSSL's generators, reseeded after the fork, would
	 * write their pages in every spare worker. */
	if (getentropy(&w->w_rng, sizeof(w->w_rng)) == -1)
		w->w_rng ^= (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
}

/* IPC_SPAWN: fork the worker. Returns 1 in the child, 0 in the template. */
static int
template_spawn(struct worker_env *w, struct template_state *ts,
    struct ipc_msg *msg)
{
	uint32_t	slot;
	pid_t		pid;

	if (msg->im_fd == -1 ||
	    msgbuf_get_u32(&msg->im_payload, &slot) == -1 ||
	    msgbuf_end(&msg->im_payload) == -1 || slot >= w->w_slots ||
	    ts->ts_stopping)
		fatalx("template: bad spawn message");
	if ((pid = fork()) == 0) {
		child_setup(w, ts, msg->im_fd, slot);
		msg->im_fd = -1;
		return 1;
	}
	if (pid == -1)
		log_warn("template: fork of the worker for slot %u", slot);
	else if (pidmap_put(&ts->ts_pids, pid, slot) == -1)
		fatalx("template: more workers than slots");
	else
		ts->ts_children++;
	close_pending(&ts->ts_keys);
	close_pending(&ts->ts_stderr);
	close_pending(&ts->ts_syslog);
	report(w, IPC_SPAWNED, slot, pid == -1 ? 0 : (uint32_t)pid, 0, 0);
	return 0;
}

static void
take_fd(int *slot, struct ipc_msg *msg)
{
	if (msg->im_fd == -1 || msgbuf_end(&msg->im_payload) == -1)
		fatalx("template: bad %s message",
		    ipc_type_name(msg->im_type));
	close_pending(slot);
	*slot = msg->im_fd;
	msg->im_fd = -1;
}

/* One message from the master; 1 if this process is now a new worker. */
static int
template_message(struct worker_env *w, struct template_state *ts,
    struct ipc_msg *msg)
{
	switch (msg->im_type) {
	case IPC_SPAWN_KEYS:
		take_fd(&ts->ts_keys, msg);
		return 0;
	case IPC_SPAWN_STDERR:
		take_fd(&ts->ts_stderr, msg);
		return 0;
	case IPC_SPAWN_LOG:
		take_fd(&ts->ts_syslog, msg);
		return 0;
	case IPC_SPAWN:
		return template_spawn(w, ts, msg);
	case IPC_STOP:
		if (msg->im_fd != -1 || msgbuf_end(&msg->im_payload) == -1)
			fatalx("template: bad stop message");
		ts->ts_stopping = 1;
		return 0;
	case IPC_TICKET_KEYS:
		if (msg->im_fd != -1 ||
		    tls_tickets_receive(&msg->im_payload) == -1)
			fatalx("template: bad ticket keys message");
		return 0;
	case IPC_OCSP:
		if (msg->im_fd != -1 ||
		    tls_server_ocsp(w->w_conf, &msg->im_payload) == -1)
			fatalx("template: bad ocsp response message");
		return 0;
	case IPC_LOG_LEVEL:
		if (ipc_log_level(msg) == -1)
			fatalx("template: bad log level message");
		return 0;
	}
	fatalx("template: unexpected %s message from the master",
	    ipc_type_name(msg->im_type));
}

/*
 * The template's loop. It returns only in a worker it forked, set up to
 * serve; the template itself exits when the master is gone, or once told
 * to stop: at once if the master reaps what it leaves, else when its last
 * worker has gone.
 */
void
template_run(struct worker_env *w)
{
	static struct template_state	 ts;
	struct sigaction		 sa;
	struct pollfd			 pfd;
	struct ipc_msg			 msg;
	int				 rv, reap = 1;

	ts.ts_keys = ts.ts_stderr = ts.ts_syslog = -1;
	proc_name("rpxd-template");
	if (pidmap_init(&ts.ts_pids, w->w_slots) == -1)
		fatal("template: pid map");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;	/* no SA_RESTART: poll wakes up */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) == -1)
		fatal("template: SIGCHLD");
	sandbox_enter(SANDBOX_TEMPLATE, TEMPLATE_FDS);
	log_debug("template: ready in generation %u", w->w_generation);
	for (;;) {
		/* waitpid(-1) walks every child in the kernel, holding the
		 * lock fork() needs: 11 us with 1,000 children, 310 us with
		 * 3,000, and it ran for each message, two or three per spawn. Only
		 * after a SIGCHLD, or a quiet poll (for one that came while
		 * a message was handled). */
		if (child_exited || reap)
			template_reap(w, &ts);
		reap = 0;
		if (ts.ts_stopping && ((w->w_template_flags &
		    TEMPLATE_ORPHANS) || ts.ts_children == 0))
			exit(0);
		pfd.fd = w->w_ipc;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if ((rv = poll(&pfd, 1, TEMPLATE_POLL_MS)) == -1 &&
		    errno != EINTR)
			fatal("template: poll");
		if (rv <= 0) {
			reap = 1;
			continue;
		}
		if ((rv = ipc_recv(w->w_ipc, &msg)) == 0)
			exit(0);	/* the master is gone */
		if (rv == -1)
			fatalx("template: bad message from the master");
		rv = template_message(w, &ts, &msg);
		ipc_msg_free(&msg);
		if (rv == 1)
			return;
	}
}
