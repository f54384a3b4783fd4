/*
 * The hostile program in a template's place (tests/integration/t_96):
 * rpxd execs it as a generation's template. It takes the setup like the
 * real one and starts the real template (DIR/rpxd-worker-real) with the
 * same setup; then every real-every-th worker the master asks for is
 * forked by the real template (its reports relayed), and the others are
 * forked here and attack the master with what a taken-over worker has:
 * its own socket, its key channel, its scoreboard slot.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hostile.h"
#include "ipc.h"
#include "scoreboard.h"

#define SETUP_MAX	4096	/* setup messages kept for the real one */

static struct ipc_msg	setup_msgs[SETUP_MAX];
static unsigned		nsetup;
static int		scoreboard_fd = -1;
static int		real_sock = -1;	/* to the real template */
static int		pending_keys = -1, pending_stderr = -1;
static struct {
	pid_t		pid;
	uint32_t	slot;
} ours[SETUP_MAX];		/* hostile workers alive: pid -> slot */

/* The setup, kept whole (descriptors too) for the real template. */
static void
take_template_setup(void)
{
	struct ipc_msg	*msg;

	for (;;) {
		if (nsetup == SETUP_MAX)
			hostile_die("setup: too many messages");
		msg = &setup_msgs[nsetup++];
		if (ipc_recv(RPXD_IPC_FD, msg) != 1)
			hostile_die("setup");
		if (msg->im_type == IPC_LISTENER && hostile_listener == -1 &&
		    (hostile_listener = dup(msg->im_fd)) == -1)
			hostile_die("dup listener");
		if (msg->im_type == IPC_TEMPLATE &&
		    (scoreboard_fd = dup(msg->im_fd)) == -1)
			hostile_die("dup scoreboard");
		if (msg->im_type == IPC_START)
			return;
	}
}

static void
send_real(struct ipc_msg *msg)
{
	if (ipc_send(real_sock, msg->im_type, msg->im_fd,
	    &msg->im_payload) == -1)
		hostile_die("to the real template");
}

static void
start_real(char *argv[])
{
	int		sp[2];
	unsigned	i;
	pid_t		pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1)
		hostile_die("socketpair");
	if ((pid = fork()) == -1)
		hostile_die("fork");
	if (pid == 0) {
		if (dup2(sp[1], RPXD_IPC_FD) == -1)
			hostile_die("dup2");
		closefrom(RPXD_IPC_FD + 1);
		hostile_exec_real("rpxd-worker-real", argv);
	}
	close(sp[1]);
	real_sock = sp[0];
	for (i = 0; i < nsetup; i++) {
		send_real(&setup_msgs[i]);
		ipc_msg_free(&setup_msgs[i]);
	}
}

static void
report(uint32_t type, uint32_t slot, uint32_t pid, int status, int with)
{
	struct msgbuf	mb;

	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, slot);
	msgbuf_put_u32(&mb, pid);
	if (with)
		msgbuf_put_u32(&mb, (uint32_t)status);
	if (ipc_send(RPXD_IPC_FD, type, -1, &mb) == -1)
		hostile_die("report to the master");
	msgbuf_free(&mb);
}

/* A hostile worker: what a real one has, then its attack. */
static void
spawn_hostile(struct ipc_msg *msg, uint32_t slot, const char *attack)
{
	pid_t	pid;

	if ((pid = fork()) == -1)
		hostile_die("fork");
	if (pid == 0) {
		if (pending_stderr != -1)
			dup2(pending_stderr, STDERR_FILENO);
		if (dup2(msg->im_fd, RPXD_IPC_FD) == -1)
			hostile_die("dup2");
		close(msg->im_fd);
		close(real_sock);
		hostile_key_channel = pending_keys;
		hostile_attach_slot(scoreboard_fd, slot);
		hostile_attack(attack);
	}
	for (unsigned i = 0; i < SETUP_MAX; i++)
		if (ours[i].pid == 0) {
			ours[i].pid = pid;
			ours[i].slot = slot;
			break;
		}
	report(IPC_SPAWNED, slot, (uint32_t)pid, 0, 0);
}

static void
reap(void)
{
	pid_t		pid;
	int		status;
	unsigned	i;

	/* The real template's workers are its own: only ours come here. */
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < SETUP_MAX; i++)
			if (ours[i].pid == pid) {
				report(IPC_REAPED, ours[i].slot, (uint32_t)pid,
				    status, 1);
				ours[i].pid = 0;
			}
}

static void
from_master(struct ipc_msg *msg, long real_every, const char *attack)
{
	static long	spawns;
	uint32_t	slot;

	switch (msg->im_type) {
	case IPC_SPAWN_KEYS:
		pending_keys = msg->im_fd;
		msg->im_fd = -1;
		return;
	case IPC_SPAWN_STDERR:
		pending_stderr = msg->im_fd;
		msg->im_fd = -1;
		return;
	case IPC_SPAWN:
		spawns++;
		if (msgbuf_get_u32(&msg->im_payload, &slot) == -1)
			hostile_die("spawn message");
		msg->im_payload.mb_off = 0;
		if (real_every > 0 && spawns % real_every == 0) {
			if (pending_keys != -1 && ipc_send(real_sock,
			    IPC_SPAWN_KEYS, pending_keys, NULL) == -1)
				hostile_die("keys to the real template");
			if (pending_stderr != -1 && ipc_send(real_sock,
			    IPC_SPAWN_STDERR, pending_stderr, NULL) == -1)
				hostile_die("stderr to the real template");
			send_real(msg);
		} else {
			spawn_hostile(msg, slot, attack);
		}
		if (pending_keys != -1)
			close(pending_keys);
		if (pending_stderr != -1)
			close(pending_stderr);
		pending_keys = pending_stderr = -1;
		return;
	default:	/* stop, ticket keys, log level, OCSP: the real
			   template's reports are relayed until it exits */
		send_real(msg);
	}
}

void
hostile_template(char *argv[], long real_every, const char *attack)
{
	struct pollfd	pfd[2];
	struct ipc_msg	msg;

	take_template_setup();
	start_real(argv);
	for (;;) {
		reap();
		pfd[0] = (struct pollfd){ .fd = RPXD_IPC_FD, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = real_sock, .events = POLLIN };
		if (poll(pfd, 2, 200) < 1)
			continue;
		if (pfd[0].revents) {
			if (ipc_recv(RPXD_IPC_FD, &msg) != 1)
				exit(0);	/* the master is gone */
			from_master(&msg, real_every, attack);
			ipc_msg_free(&msg);
		}
		if (pfd[1].revents) {
			/* The real template's reports, relayed as they are. */
			if (ipc_recv(real_sock, &msg) != 1)
				exit(0);
			if (ipc_send(RPXD_IPC_FD, msg.im_type, -1,
			    &msg.im_payload) == -1)
				hostile_die("relay to the master");
			ipc_msg_free(&msg);
		}
	}
}
