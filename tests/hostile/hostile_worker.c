/*
 * A hostile child for tests/integration/t_96_hostile.sh, never installed:
 * rpxd runs it in a template's place (-W DIR/rpxd-worker, a copy of this
 * program: hostile_template.c forks the hostile workers and has the real
 * template fork the others) or in the health checker's (DIR/rpxd-health).
 * A hostile worker has what a real one has (its socket, key channel and
 * scoreboard slot, which it marks idle), then attacks the master as
 * DIR/hostile.conf says:
 *
 *	worker ATTACK		what a worker does (default: stall)
 *	health ATTACK		what a checker does (default: none: it execs
 *				DIR/rpxd-health-real)
 *	real-every N		every Nth worker is the real template's
 *				(0: none)
 *
 * ATTACK is one of: stall (a header announcing 1000 bytes, then 10 of
 * them, then silence), oversize (a header announcing 16 MiB), badtype (a
 * header of a type a worker never sends, announcing 1000 bytes, then
 * 10), halfheader (6 bytes of a header, then silence), keynoread
 * (signature requests to its key holder for the key whose id, in hex, is
 * "keyid HEX" in hostile.conf, answers never read), keyflood (the same
 * requests whenever the channel takes one, answers read and dropped, so
 * the holder never finds it not reading), flood
 * (well-formed NTLM challenge requests, for a connection of its own to
 * the listener, whenever the socket takes one, answers read and dropped,
 * so the master never finds it not reading), noread (the same requests,
 * answers never read, so the master's end fills up). It writes
 * DIR/hostile.PID ("ATTACK MS SLOT", MS the CLOCK_REALTIME milliseconds
 * just before the attack is sent, SLOT its scoreboard slot) so the
 * test can tell hostile from real workers and time the master's answer,
 * and gives up after HOSTILE_LIFETIME seconds or when the master is gone.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/obj_mac.h>

#include "hostile.h"
#include "ipc.h"
#include "ipc_addr.h"
#include "keyproto.h"
#include "scoreboard.h"

#define HOSTILE_LIFETIME	60	/* s */

static char	dir[PATH_MAX];
static pid_t	master;
int		hostile_key_channel = -1;	/* IPC_SPAWN_KEYS's, if any */
int		hostile_listener = -1;		/* the first IPC_LISTENER */
static long	hostile_slot = -1;	/* its scoreboard slot, a worker's */
static int	client = -1;		/* a connection to it, made by us */

static int64_t
wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
hostile_die(const char *what)
{
	fprintf(stderr, "hostile %ld: %s: %s\n", (long)getpid(), what,
	    strerror(errno));
	exit(1);
}

/* DIR: where this program's copy lives, with hostile.conf beside it. */
static const char *
self_dir(const char **base)
{
	ssize_t	n;
	char	*slash;

	if ((n = readlink("/proc/self/exe", dir, sizeof(dir) - 1)) == -1)
		hostile_die("readlink /proc/self/exe");
	dir[n] = '\0';
	if ((slash = strrchr(dir, '/')) == NULL)
		hostile_die("no directory");
	*slash = '\0';
	*base = slash + 1;
	return dir;
}

/* The value of key in DIR/hostile.conf, or def. */
static void
conf_get(const char *key, char *val, size_t len, const char *def)
{
	char	path[PATH_MAX + 32], line[160], k[32], v[80];
	FILE	*f;

	snprintf(val, len, "%s", def);
	snprintf(path, sizeof(path), "%s/hostile.conf", dir);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%31s %79s", k, v) == 2 && strcmp(k, key) == 0)
			snprintf(val, len, "%s", v);
	fclose(f);
}

void
hostile_exec_real(const char *name, char *argv[])
{
	char	path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	execv(path, argv);
	hostile_die(path);
}

/* The checker's setup, as a real one takes it: everything up to
 * IPC_START. */
static void
take_setup(void)
{
	struct ipc_msg		 msg;

	for (;;) {
		if (ipc_recv(RPXD_IPC_FD, &msg) != 1)
			hostile_die("setup");
		if (msg.im_type == IPC_START) {
			ipc_msg_free(&msg);
			return;
		}
		ipc_msg_free(&msg);
	}
}

/* Its own slot alone, as a real worker maps it, marked ready as far as
 * the master can tell. */
void
hostile_attach_slot(int fd, uint32_t slot)
{
	struct scoreboard	 sb;
	struct scoreboard_slot	*ss;

	hostile_slot = slot;
	if (scoreboard_attach_slot(&sb, fd, slot, &ss) == 0)
		scoreboard_set_state(ss, WS_IDLE);
}

static void
record(const char *attack)
{
	char	path[PATH_MAX + 32];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/hostile.%ld", dir, (long)getpid());
	if ((f = fopen(path, "w")) == NULL)
		hostile_die(path);
	fprintf(f, "%s %lld %ld\n", attack, (long long)wall_ms(), hostile_slot);
	fclose(f);
}

/* A header, and only part of what it announces. */
static void
send_partial(uint32_t type, uint32_t len, size_t sent)
{
	struct ipc_header	h = { .ih_type = type, .ih_len = len };
	unsigned char		buf[sizeof(h) + 16];

	memcpy(buf, &h, sizeof(h));
	memset(buf + sizeof(h), 'A', sizeof(buf) - sizeof(h));
	if (write(RPXD_IPC_FD, buf, sizeof(h) + sent) == -1)
		hostile_die("write");
}

/*
 * A TCP connection of its own to the listener: its local end is no
 * listener, so the master answers an NTLM challenge request for it with
 * "no challenge" and does not kill: a well-formed request it must answer.
 */
static void
connect_client(void)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	if (hostile_listener == -1 || getsockname(hostile_listener,
	    (struct sockaddr *)&ss, &len) == -1 ||
	    (client = socket(ss.ss_family, SOCK_STREAM, 0)) == -1 ||
	    connect(client, (struct sockaddr *)&ss, len) == -1)
		hostile_die("a connection to the listener");
}

/* One well-formed IPC_NTLM_CHALLENGE, naming no PROXY client. */
static void
ntlm_request(void)
{
	struct sockaddr_storage	none;
	struct msgbuf		mb;

	if (client == -1)
		connect_client();
	memset(&none, 0, sizeof(none));
	msgbuf_init(&mb);
	ipc_addr_put(&mb, &none);
	if (ipc_send(RPXD_IPC_FD, IPC_NTLM_CHALLENGE, client, &mb) == -1 &&
	    errno != EAGAIN)
		hostile_die("send ntlm challenge request");
	msgbuf_free(&mb);
}

/* Answers and stop messages, read and thrown away. */
static void
drain(void)
{
	char	buf[4096];

	while (recv(RPXD_IPC_FD, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* Whatever the socket takes, with the answers read as they come. */
static void
flood_once(void)
{
	struct pollfd	pfd = { .fd = RPXD_IPC_FD, .events = POLLIN | POLLOUT };

	if (poll(&pfd, 1, 100) < 1)
		return;
	drain();
	if (pfd.revents & POLLOUT)
		ntlm_request();
}

/* A well-formed ECDSA P-256 signature request for key id, sent whether
 * or not the answers are read; once the holder has closed the channel,
 * nothing more. */
static void
key_request_once(const unsigned char id[KEY_ID_SIZE])
{
	static uint64_t		n = 1;
	struct key_request	kr;
	unsigned char		buf[KEY_REQ_MAX];
	size_t			len;

	if (hostile_key_channel == -1) {
		sleep(1);
		return;
	}
	memset(&kr, 0, sizeof(kr));
	kr.kr_op = KEY_OP_SIGN;
	kr.kr_id = n++;
	kr.kr_deadline = (uint64_t)now_ms() + KEY_SIGN_FALLBACK_MS;
	memcpy(kr.kr_key, id, KEY_ID_SIZE);
	kr.kr_scheme = KEY_ECDSA;
	kr.kr_md = NID_sha256;
	kr.kr_len = 32;
	memset(kr.kr_data, 0x5a, 32);
	len = key_request_encode(&kr, buf);
	if (send(hostile_key_channel, buf, len, MSG_NOSIGNAL) == -1) {
		close(hostile_key_channel);
		hostile_key_channel = -1;
	}
}

/* keyflood: a request whenever the channel takes one, every answer read
 * and dropped, so the key holder signs for it in every batch and never
 * has a reason to close its channel. */
static void
key_flood_once(const unsigned char id[KEY_ID_SIZE])
{
	unsigned char	buf[KEY_ANS_MAX + 1];
	struct pollfd	pfd = { .fd = hostile_key_channel,
			    .events = POLLIN | POLLOUT };

	if (hostile_key_channel == -1) {
		sleep(1);
		return;
	}
	if (poll(&pfd, 1, 1000) <= 0)
		return;
	if ((pfd.revents & POLLIN) &&
	    recv(hostile_key_channel, buf, sizeof(buf), MSG_DONTWAIT) == 0) {
		close(hostile_key_channel);
		hostile_key_channel = -1;
		return;
	}
	if (pfd.revents & POLLOUT)
		key_request_once(id);
}

/* "keyid HEX" from hostile.conf. */
static void
key_id(unsigned char id[KEY_ID_SIZE])
{
	char		hex[80];	/* conf_get's longest value */
	unsigned	i, b;

	conf_get("keyid", hex, sizeof(hex), "");
	memset(id, 0, KEY_ID_SIZE);
	for (i = 0; i < KEY_ID_SIZE && sscanf(hex + 2 * i, "%2x", &b) == 1;
	    i++)
		id[i] = (unsigned char)b;
}

static int
master_gone(time_t start)
{
	return kill(master, 0) == -1 || time(NULL) - start > HOSTILE_LIFETIME;
}

void
hostile_attack(const char *what)
{
	unsigned char	id[KEY_ID_SIZE];
	time_t		start = time(NULL);

	/* First: the master may kill it as soon as the attack is sent. */
	record(what);
	if (strcmp(what, "stall") == 0)
		send_partial(IPC_NTLM_CHECK, 1000, 10);
	else if (strcmp(what, "oversize") == 0)
		send_partial(IPC_NTLM_CHECK, 16u * 1024 * 1024, 0);
	else if (strcmp(what, "badtype") == 0)
		send_partial(IPC_CONFIG, 1000, 10);
	else if (strcmp(what, "halfheader") == 0) {
		if (write(RPXD_IPC_FD, "\011\0\0\0\0\020", 6) != 6)
			hostile_die("write");
	} else if (strcmp(what, "keynoread") == 0 ||
	    strcmp(what, "keyflood") == 0)
		key_id(id);
	else if (strcmp(what, "flood") == 0 &&
	    fcntl(RPXD_IPC_FD, F_SETFL, O_NONBLOCK) == -1)
		hostile_die("O_NONBLOCK");
	else if (strcmp(what, "flood") != 0 && strcmp(what, "noread") != 0 &&
	    strcmp(what, "keynoread") != 0 && strcmp(what, "keyflood") != 0) {
		fprintf(stderr, "hostile: unknown attack %s\n", what);
		exit(2);
	}
	while (!master_gone(start)) {
		if (strcmp(what, "flood") == 0) {
			flood_once();
		} else if (strcmp(what, "noread") == 0)
			ntlm_request();
		else if (strcmp(what, "keynoread") == 0)
			key_request_once(id);
		else if (strcmp(what, "keyflood") == 0)
			key_flood_once(id);
		else
			sleep(1);
	}
	exit(0);
}

int
main(int argc, char *argv[])
{
	const char	*base;
	char		 val[80];

	(void)argc;
	signal(SIGPIPE, SIG_IGN);
	master = getppid();
	self_dir(&base);
	if (strcmp(base, "rpxd-health") == 0) {
		conf_get("health", val, sizeof(val), "none");
		if (strcmp(val, "none") == 0)
			hostile_exec_real("rpxd-health-real", argv);
		take_setup();
		hostile_attack(val);
	}
	conf_get("worker", val, sizeof(val), "stall");
	{
		char	every[80];

		conf_get("real-every", every, sizeof(every), "0");
		hostile_template(argv, atol(every), val);
	}
	return 0;
}
