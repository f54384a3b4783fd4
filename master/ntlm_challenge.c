/*
 * auth = ntlm: the server challenges, minted by the master, which checks
 * the answers (ntlm_check.c). A worker that got a NEGOTIATE message sends
 * its client connection (IPC_NTLM_CHALLENGE, by SCM_RIGHTS); the master
 * makes sure it is a TCP connection accepted on one of its listeners,
 * reads the client's address from it and closes it, then answers a fresh
 * random challenge (IPC_NTLM_NONCE) and remembers {worker, challenge,
 * client, expiry}. The worker's check takes that entry, so each challenge
 * serves one check (a captured AUTHENTICATE cannot be replayed) and the
 * failure limit counts against the address the connection comes from,
 * not one a worker names. Called from pool_dispatch via ntlm_dispatch.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "clock.h"
#include "ipc_addr.h"
#include "log.h"
#include "master.h"
#include "ntlm_check.h"

/* A client that takes longer than this from type 2 to type 3 starts
 * over: browsers answer within a second, a user typing a password in
 * the prompt within a minute or two. */
#define CHALLENGE_TTL_MS	(180 * 1000)

struct pending_challenge {
	pid_t			 pc_pid;	/* 0: none */
	int64_t			 pc_expiry;	/* now_ms() */
	unsigned char		 pc_challenge[NTLM_CHALLENGE_LEN];
	struct ntlm_peer	 pc_peer;
};

/* One per worker slot: a worker serves one connection at a time, and a
 * new NEGOTIATE replaces the connection's earlier challenge. */
static struct pending_challenge	challenges[RPXD_SLOTS_MAX];

int
ntlm_peer_from_addr(const struct sockaddr_storage *ss, struct ntlm_peer *p)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)ss;
	const unsigned char		*a6 = sin6->sin6_addr.s6_addr;

	memset(p, 0, sizeof(*p));
	if (ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		p->np_family = AF_INET;
		memcpy(p->np_key, a6 + 12, 4);
		inet_ntop(AF_INET, a6 + 12, p->np_text, sizeof(p->np_text));
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		/* One host commonly holds a whole /64: count it as one. */
		p->np_family = AF_INET6;
		memcpy(p->np_key, a6, 8);
		inet_ntop(AF_INET6, a6, p->np_text, sizeof(p->np_text));
		return 0;
	}
	if (ss->ss_family == AF_INET) {
		p->np_family = AF_INET;
		memcpy(p->np_key, &sin->sin_addr, 4);
		inet_ntop(AF_INET, &sin->sin_addr, p->np_text,
		    sizeof(p->np_text));
		return 0;
	}
	return -1;
}

static int
same_local(const struct sockaddr_storage *conn,
    const struct sockaddr_storage *ls)
{
	const struct sockaddr_in	*c4 = (const void *)conn, *l4 = (const void *)ls;
	const struct sockaddr_in6	*c6 = (const void *)conn, *l6 = (const void *)ls;

	if (conn->ss_family != ls->ss_family)
		return 0;
	if (conn->ss_family == AF_INET)
		return c4->sin_port == l4->sin_port &&
		    (l4->sin_addr.s_addr == htonl(INADDR_ANY) ||
		    l4->sin_addr.s_addr == c4->sin_addr.s_addr);
	if (conn->ss_family == AF_INET6)
		return c6->sin6_port == l6->sin6_port &&
		    (IN6_IS_ADDR_UNSPECIFIED(&l6->sin6_addr) ||
		    IN6_ARE_ADDR_EQUAL(&l6->sin6_addr, &c6->sin6_addr));
	return 0;
}

/*
 * Which of our listeners fd's local end is (its index, or -1): a worker
 * cannot bind one itself (the master holds it), so this is a connection
 * a listener accepted, not a socket the worker made and pointed at an
 * address of its choosing.
 */
static int
on_a_listener(const struct master *m, int fd)
{
	struct sockaddr_storage	 local, ls;
	socklen_t		 len = sizeof(local);
	unsigned		 i;

	if (m->m_listen_fds == NULL ||
	    getsockname(fd, (struct sockaddr *)&local, &len) == -1)
		return -1;
	for (i = 0; i < m->m_conf->rc_nlisteners; i++) {
		len = sizeof(ls);
		if (m->m_listen_fds[i] != -1 && getsockname(m->m_listen_fds[i],
		    (struct sockaddr *)&ls, &len) == 0 && same_local(&local, &ls))
			return (int)i;
	}
	return -1;
}

/*
 * Behind a balancer (proxy-protocol), the client is the one the PROXY
 * header named, which only the worker read: taken when the connection
 * itself comes from an address in proxy-protocol-from, so a hostile
 * worker can name clients only for connections of a trusted balancer.
 * -1: a named client the connection does not allow.
 */
static int
proxy_client(const struct listener_conf *ls,
    const struct sockaddr_storage *conn, const struct sockaddr_storage *named,
    struct ntlm_peer *p)
{
	unsigned	i;

	if (named->ss_family == AF_UNSPEC)
		return 0;
	if (!ls->ls_proxy_protocol)
		return -1;
	for (i = 0; i < ls->ls_nproxy_from; i++)
		if (net_prefix_match(&ls->ls_proxy_from[i],
		    (const struct sockaddr *)conn))
			return ntlm_peer_from_addr(named, p);
	return -1;
}

/*
 * The client of the connection fd: 1 and *p; 0 and *why when no
 * challenge can be made for it (the client has gone, or it is on a
 * listener a reload closed); -1 and *why when it cannot be a client
 * connection at all, which only a hostile worker sends.
 */
static int
peer_of(const struct master *m, int fd, const struct sockaddr_storage *named,
    struct ntlm_peer *p, const char **why)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(int);
	int			 type = 0, listening = 1, li;

	*why = "not an accepted TCP connection";
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    type != SOCK_STREAM)
		return -1;
	len = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) ==
	    -1 || listening)
		return -1;
	len = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1) {
		*why = errno == ENOTCONN ? "the client has gone" :
		    "getpeername failed";
		return errno == ENOTCONN ? 0 : -1;
	}
	if (ntlm_peer_from_addr(&ss, p) == -1)
		return -1;
	if ((li = on_a_listener(m, fd)) == -1) {
		*why = "not a connection to a listener of this configuration";
		return 0;
	}
	if (proxy_client(&m->m_conf->rc_listeners[li], &ss, named, p) == -1) {
		*why = "a PROXY protocol client named for a connection that is "
		    "not from a trusted balancer";
		return -1;
	}
	return 1;
}

/*
 * The master's close must return at once: a worker could set SO_LINGER
 * and drop its own copy, making this close the last one, which would
 * then wait for unsent data to drain.
 */
static void
close_at_once(int fd)
{
	struct linger	l = { 0, 0 };

	(void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static int
nonce_reply(int sock, int ok, const unsigned char *challenge)
{
	static const unsigned char	zero[NTLM_CHALLENGE_LEN];
	struct msgbuf			mb;
	int				rv;

	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, ok ? 1 : 0);
	msgbuf_put_bytes(&mb, ok ? challenge : zero, NTLM_CHALLENGE_LEN);
	rv = mb.mb_error ? -1 : ipc_send(sock, IPC_NTLM_NONCE, -1, &mb);
	msgbuf_free(&mb);
	return rv;
}

int
ntlm_conn_peer(const struct master *m, int fd,
    const struct sockaddr_storage *named, struct ntlm_peer *p,
    const char **why)
{
	int	r = peer_of(m, fd, named, p, why);

	close_at_once(fd);	/* the master never reads a client's byte */
	return r;
}

/* IPC_NTLM_CHALLENGE from the worker in slot; -1 kills it. */
int
ntlm_challenge(struct master *m, unsigned slot, struct ipc_msg *msg)
{
	struct worker			*wk = &m->m_workers[slot];
	struct pending_challenge	*pc = &challenges[slot];
	struct sockaddr_storage		 named;
	const char			*why;
	int				 r;

	explicit_bzero(pc, sizeof(*pc));
	if (msg->im_fd == -1 || ipc_addr_get(&msg->im_payload, &named) == -1 ||
	    msgbuf_end(&msg->im_payload) == -1)
		return -1;
	r = peer_of(m, msg->im_fd, &named, &pc->pc_peer, &why);
	close_at_once(msg->im_fd);	/* it never reads a client's byte */
	msg->im_fd = -1;
	if (r == -1) {
		log_warnx("auth: worker %ld sent a descriptor that is no "
		    "client connection for an NTLM challenge: %s",
		    (long)wk->wk_pid, why);
		return -1;
	}
	if (r == 0) {
		log_info("auth: no NTLM challenge for worker %ld's client: %s",
		    (long)wk->wk_pid, why);
		return nonce_reply(wk->wk_sock, 0, NULL);
	}
	if (RAND_bytes(pc->pc_challenge, sizeof(pc->pc_challenge)) != 1) {
		log_warnx("auth: client %s: no random bytes for an NTLM "
		    "challenge", pc->pc_peer.np_text);
		explicit_bzero(pc, sizeof(*pc));
		return nonce_reply(wk->wk_sock, 0, NULL);
	}
	pc->pc_pid = wk->wk_pid;
	pc->pc_expiry = now_ms() + CHALLENGE_TTL_MS;
	return nonce_reply(wk->wk_sock, 1, pc->pc_challenge);
}

int
ntlm_challenge_take(unsigned slot, pid_t pid,
    unsigned char challenge[NTLM_CHALLENGE_LEN], struct ntlm_peer *p)
{
	struct pending_challenge	*pc = &challenges[slot];
	int				 ok;

	ok = pid != 0 && pc->pc_pid == pid && now_ms() < pc->pc_expiry;
	if (ok) {
		memcpy(challenge, pc->pc_challenge, NTLM_CHALLENGE_LEN);
		*p = pc->pc_peer;
	}
	explicit_bzero(pc, sizeof(*pc));
	return ok;
}
