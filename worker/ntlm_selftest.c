/*
 * rpxd-worker-selftest only (see the Makefile; never installed): a worker
 * that turns on the master's NTLM check as a taken-over worker would, so
 * that tests/integration/t_71_ntlm_contain.sh can see the master hold.
 * Called from session.c when built with -DRPXD_SANDBOX_SELFTEST, for
 * a request path under /.rpxd-hostile-ntlm/:
 *   guess/N  N password guesses for RPXTEST\alice as fast as the master
 *            answers, each with a challenge for this client connection
 *            (the only kind the master gives), logging each answer and
 *            how long it took;
 *   forge    a challenge asked for a UDP socket "connected" to an
 *            address of the worker's choosing instead of its client.
 * Then the request goes on as any other.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "ipc.h"
#include "ipc_addr.h"
#include "log.h"
#include "ntlm.h"
#include "worker.h"

#define HOSTILE_PREFIX		"/.rpxd-hostile-ntlm/"
#define HOSTILE_GUESSES_MAX	50
#define HOSTILE_WAIT_MS		120000

/* The master's answer of type want, its u32 flag and a string if any. */
static int
answer(struct worker_env *w, uint32_t want, char *text, size_t len)
{
	struct ipc_msg	msg;
	uint32_t	ok = 0;

	text[0] = '\0';
	if (worker_await_master(w, want, &msg, HOSTILE_WAIT_MS) == -1)
		return -1;
	(void)msgbuf_get_u32(&msg.im_payload, &ok);
	if (want == IPC_NTLM_RESULT)
		(void)msgbuf_get_str(&msg.im_payload, text, len);
	ipc_msg_free(&msg);
	return (int)ok;
}

/* IPC_NTLM_CHALLENGE for fd, naming no PROXY protocol client. */
static int
challenge_ask(struct worker_env *w, int fd)
{
	struct sockaddr_storage	none;
	struct msgbuf		mb;
	int			rv;

	memset(&none, 0, sizeof(none));
	msgbuf_init(&mb);
	ipc_addr_put(&mb, &none);
	rv = ipc_send(w->w_ipc, IPC_NTLM_CHALLENGE, fd, &mb);
	msgbuf_free(&mb);
	return rv;
}

/* One guess: a challenge for fd, then a made-up NTLMv2 response. */
static int
guess(struct worker_env *w, int fd, unsigned n, char *why, size_t len)
{
	unsigned char	nt[NTLM_V2_RESPONSE_MIN];
	struct msgbuf	mb;
	int		rv;

	if (challenge_ask(w, fd) == -1 ||
	    answer(w, IPC_NTLM_NONCE, why, len) != 1)
		return -1;
	memset(nt, (int)n, sizeof(nt));
	nt[NTLM_HASH_LEN] = nt[NTLM_HASH_LEN + 1] = 1;
	msgbuf_init(&mb);
	msgbuf_put_str(&mb, "alice");
	msgbuf_put_str(&mb, "RPXTEST");
	msgbuf_put_u32(&mb, sizeof(nt));
	msgbuf_put_bytes(&mb, nt, sizeof(nt));
	msgbuf_put_u32(&mb, NTLM_SOURCE_FILE);
	msgbuf_put_str(&mb, "");	/* no delegate */
	rv = ipc_send(w->w_ipc, IPC_NTLM_CHECK, -1, &mb);
	msgbuf_free(&mb);
	return rv == -1 ? -1 : answer(w, IPC_NTLM_RESULT, why, len);
}

static void
hostile_guesses(struct worker_env *w, unsigned count)
{
	char		why[128];
	int64_t		start = now_ms(), t;
	unsigned	i;
	int		rv;

	for (i = 0; i < count; i++) {
		t = now_ms();
		rv = guess(w, w->w_client.io_fd, i, why, sizeof(why));
		log_warnx("hostile selftest: guess %u: %s (%s) after %lld ms",
		    i + 1, rv == 1 ? "accepted" : rv == 0 ? "refused" :
		    "no answer", why, (long long)(now_ms() - t));
	}
	log_warnx("hostile selftest: %u guesses took %lld ms", count,
	    (long long)(now_ms() - start));
}

static void
hostile_forge(struct worker_env *w)
{
	struct sockaddr_in	sin;
	char			why[128];
	int			fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9);
	sin.sin_addr.s_addr = htonl(0x7f010200 | (unsigned)(now_ms() & 0xff));
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		log_warn("hostile selftest: forge: socket");
		return;
	}
	log_warnx("hostile selftest: forging a client connection from %s",
	    inet_ntoa(sin.sin_addr));
	if (challenge_ask(w, fd) == -1)
		log_warn("hostile selftest: forge: send");
	else
		log_warnx("hostile selftest: forged challenge answered: %d",
		    answer(w, IPC_NTLM_NONCE, why, sizeof(why)));
	close(fd);
}

void
ntlm_selftest(struct worker_env *w, const char *path, size_t len)
{
	size_t	plen = strlen(HOSTILE_PREFIX);
	char	what[32];
	long	n;

	if (path == NULL || len <= plen || len - plen >= sizeof(what) ||
	    memcmp(path, HOSTILE_PREFIX, plen) != 0)
		return;
	memcpy(what, path + plen, len - plen);
	what[len - plen] = '\0';
	if (strncmp(what, "guess/", 6) == 0 &&
	    (n = strtol(what + 6, NULL, 10)) > 0 && n <= HOSTILE_GUESSES_MAX)
		hostile_guesses(w, (unsigned)n);
	else if (strcmp(what, "forge") == 0)
		hostile_forge(w);
}
