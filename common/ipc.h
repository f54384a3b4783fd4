/*
 * Framing of master <-> worker messages over a UNIX stream socketpair:
 * a fixed header (type, payload length, fd count) and a payload, with at
 * most one descriptor passed by SCM_RIGHTS.
 */
#ifndef RPXD_IPC_H
#define RPXD_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "msgbuf.h"

/* The worker finds its socketpair end here after exec. */
#define RPXD_IPC_FD	3

enum ipc_type {
	IPC_NONE = 0,
	/* master -> template (worker/template.c), in this order at
	   start-up */
	IPC_CONFIG,		/* payload: config_encode() */
	IPC_TLS_KEY,		/* u32 kind, u32 index, u32 index, bytes PEM;
				   to key holders only (unless built with
				   KEYS_IN_WORKER=1 for the benchmark) */
	IPC_LISTENER,		/* fd; payload: u32 listener index */
	IPC_BALANCE,		/* fd: the health board; payload: u32
				   servers, HB_KEY_SIZE bytes of hash key */
	IPC_START,		/* no payload: sandbox and accept */
	/* master -> worker, at run time */
	IPC_STOP,		/* finish the current connection, exit */
	/* master -> worker, at start-up and at every rotation */
	IPC_TICKET_KEYS,	/* u32 count, count * TICKET_KEY_SIZE bytes,
				   the current key first */
	/* auth = ntlm: the worker asks, the master answers (ntlm_check.c) */
	IPC_NTLM_CHECK,		/* str user, str domain, u32 len (at most
				   NTLM_NT_RESPONSE_MAX), len bytes NT
				   response; checked against the challenge
				   the master gave this worker; str the
				   route's delegate ("" for none) */
	IPC_NTLM_RESULT,	/* u32 NTLM_RESULT_*, str identity
				   ("DOMAIN\\user") or why it failed, u32
				   count, count str: the require-group
				   names the user is in (ntlm-source =
				   winbind), u32 len, len bytes: the reply
				   token of a Kerberos login (at most
				   NEGOTIATE_REPLY_MAX), the session base
				   key of an NTLM login (16, for SPNEGO's
				   mechListMIC), else 0; a refusal
				   may come auth-failure-delay seconds
				   later; then u32 DELEGATION_*, str why
				   (DELEGATION_WHY_MAX), u32 len, len
				   bytes: the Kerberos token of a route's
				   delegate for the backend (at most
				   DELEGATION_TOKEN_MAX; 0 unless
				   DELEGATION_OK) */
	/* the key service (keyproto.h): each worker's channel to a key
	   holder is a SOCK_SEQPACKET socketpair made by the master; the
	   worker's end goes with IPC_SPAWN_KEYS */
	IPC_KEY_CLIENT,		/* master -> key holder; fd: the other end;
				   payload: u32 the worker's scoreboard
				   slot */
	IPC_LOG_LEVEL,		/* master -> any child: u32 LOG_LEVEL_*,
				   from rpxctl log */
	IPC_NTLM_CHALLENGE,	/* worker -> master: fd: the client
				   connection (the master reads its address
				   and closes it); payload: ipc_addr, the
				   client a PROXY header named, or none */
	IPC_NTLM_NONCE,		/* master -> worker: u32 ok,
				   NTLM_CHALLENGE_LEN bytes server challenge
				   (zeros if not ok) */
	/* ocsp-fetch (master/ocsp.c, health/ocsp_fetch.c, tls_server.c) */
	IPC_OCSP_FETCH,		/* master -> health checker: u32 id, u32
				   addrlen, addr, str Host, str path, u32
				   len, len bytes DER request */
	IPC_OCSP_ANSWER,	/* checker -> master: u32 id, u32 ok, str
				   why, u32 len, len bytes body (at most
				   OCSP_DER_MAX) */
	IPC_OCSP,		/* master -> worker: u32 listener, u32
				   certificate, u64 nextUpdate, u32 len, len
				   bytes DER response (0: staple none) */
	/* worker -> master: what it may not write on the health board
	   (worker/board_report.c, master/board.c) */
	IPC_BACKEND_CONN,	/* u32 board index of a server it opened a
				   connection to, or BOARD_NO_SERVER: its
				   slot's connection list changed */
	IPC_HOLD_OFF,		/* u32 board index of a server that refused
				   it: a passive hold-off, if the master
				   agrees */
	/* the template of a generation (worker/template.c, master/pool.c):
	   it takes the setup once and forks the workers the master asks
	   for */
	IPC_TEMPLATE,		/* master -> template; fd: the scoreboard
				   (read-write); payload: u32 generation,
				   u32 slots, u32 flags (TEMPLATE_*) */
	IPC_SPAWN_KEYS,		/* master -> template: fd: the next
				   worker's key channel; no payload */
	IPC_SPAWN_STDERR,	/* master -> template: fd: the next
				   worker's stderr (-d only) */
	IPC_SPAWN_LOG,		/* master -> template: fd: the next
				   worker's socket to syslogd (not -d) */
	IPC_SPAWN,		/* master -> template: fd: the worker's end
				   of its socketpair with the master;
				   payload: u32 slot; fork it now */
	IPC_SPAWNED,		/* template -> master: u32 slot, u32 pid
				   (0: the fork failed) */
	IPC_REAPED,		/* template -> master: u32 slot, u32 pid,
				   u32 wait status */
	/* the per-address limit and pressure mode (common/addrboard.h,
	   master/limits.c, worker/addr_limit.c) */
	IPC_ADDRBOARD,		/* master -> worker, at start-up, after
				   IPC_BALANCE; fd: the address board,
				   read-only; payload: u32 capacity */
	IPC_LIMITED,		/* worker -> master: u32 enum limit_reason,
				   u32 key set (0/1), ADDR_KEY_SIZE bytes
				   key, u32 connections the address held */
	IPC_CLOSE_WAIT,		/* master -> worker: u32 sl_wait_seq, u32
				   enum limit_reason, u32 connections its
				   address holds: close the connection if
				   that wait is still on (master/limits.c) */
	IPC_PRESSURE,		/* master -> every worker, no payload: the
				   pool is under pressure (a wake-up: the
				   flag is on the address board) */
	IPC_METRICS,		/* master -> template, at start-up before
				   IPC_TEMPLATE when a listener has
				   metrics = true; fd: the metrics snapshot,
				   read-only (metrics_board.h), which its
				   workers inherit; no payload */
	/* the Extended Protection check (master/epcheck.c,
	   health/cert_fetch.c) */
	IPC_CERT_FETCH,		/* master -> health checker: u32 id, u32
				   backend, u32 server */
	IPC_CERT_ANSWER,	/* checker -> master: u32 id, u32 ok, str
				   why, u32 len, len bytes DER leaf
				   certificate (at most EP_CERT_DER_MAX) */
	/* ntlm-source = winbind (master/winbind.c, winbind/): the master
	   asks its domain checkers (rpxd-winbind) */
	IPC_WINBIND_GROUPS,	/* master -> checker, after the
				   configuration and at every reload: u32
				   count, count str: every require-group
				   name (config_all_groups) */
	IPC_WINBIND_CHECK,	/* master -> checker: u32 id, u32
				   WINBIND_LOGIN_*; NTLM: str user, str
				   domain (as the client sent them),
				   NTLM_CHALLENGE_LEN bytes the challenge
				   the master minted, u32 len, len bytes
				   NT response; KERBEROS: u32 len, len
				   bytes token (at most NTLM_MSG_MAX);
				   then str the delegate to get the user
				   a ticket for ("" for none) */
	IPC_WINBIND_ANSWER,	/* checker -> master: u32 id, u32
				   NTLM_RESULT_*, str identity or why, u32
				   count, count str: the names of
				   IPC_WINBIND_GROUPS the user is in, u32
				   len, len bytes: a Kerberos login's reply
				   token (at most NEGOTIATE_REPLY_MAX), an
				   NTLM login's session key (16 or 0); 0
				   for any other; the delegation as in
				   IPC_NTLM_RESULT */
	/* negotiate-keytab (master/negotiate.c, worker/auth_ntlm.c) */
	IPC_NEGOTIATE_CHECK,	/* worker -> master: fd: the client
				   connection (as for IPC_NTLM_CHALLENGE);
				   payload: ipc_addr, u32 len, len bytes
				   token of Authorization: Negotiate (at
				   most NTLM_MSG_MAX), str the route's
				   delegate; IPC_NTLM_RESULT answers */
	IPC_TYPE_MAX
};

/* IPC_WINBIND_CHECK kinds */
#define WINBIND_LOGIN_NTLM	0
#define WINBIND_LOGIN_KERBEROS	1

/* A route's delegate in IPC_NTLM_RESULT and IPC_WINBIND_ANSWER */
#define DELEGATION_NONE		0	/* none asked for */
#define DELEGATION_OK		1	/* the token for the backend */
#define DELEGATION_REFUSED	2	/* the domain refused it: 502 */
#define DELEGATION_UNAVAILABLE	3	/* no KDC answered: 503 */

/* IPC_NTLM_RESULT and IPC_WINBIND_ANSWER verdicts */
#define NTLM_RESULT_REFUSED	0	/* bad credentials: 401, counted */
#define NTLM_RESULT_OK		1
#define NTLM_RESULT_UNAVAILABLE	2	/* no verdict (the domain did not
					   answer): 503, not counted */

#define EP_CERT_DER_MAX		16384	/* a leaf certificate, DER */
#define CERT_FETCHES_MAX	4	/* connections the checker makes at once
					   for IPC_CERT_FETCH; more wait */

#define BOARD_NO_SERVER		UINT32_MAX

/* IPC_TEMPLATE flags */
#define TEMPLATE_ORPHANS	1	/* the master reaps what the template
					   leaves (a subreaper): on IPC_STOP the
					   template exits at once */

/* A TLS session-ticket key: name, AES-256 key, HMAC-SHA256 key. */
#define TICKET_NAME_SIZE	16
#define TICKET_KEY_SIZE		(TICKET_NAME_SIZE + 32 + 32)
#define TICKET_KEYS_MAX		8	/* the current first, then older ones
					   (or a tls-ticket-key-file's) */

/* IPC_TLS_KEY (master -> key holder) kinds: whose private key it is. */
enum tls_key_kind {
	TLS_KEY_LISTENER = 1,	/* index: listener, certificate */
	TLS_KEY_BACKEND = 2	/* index: backend, 0 (client certificate) */
};

/* What precedes every payload on the wire (also ipc_reader.c). */
struct ipc_header {
	uint32_t	ih_type;
	uint32_t	ih_len;
	uint32_t	ih_nfds;	/* 0 or 1 */
};

struct ipc_msg {
	uint32_t	 im_type;
	int		 im_fd;		/* -1 if none */
	struct msgbuf	 im_payload;
};

/*
 * Returns 0, or -1 with errno set (EPIPE for a closed peer). On an
 * O_NONBLOCK socket that is full, EAGAIN means nothing was written (the
 * message may be dropped), ENOBUFS that only part of the frame was: the
 * stream is cut in the middle of a frame and the peer must go.
 */
int	ipc_send(int sock, uint32_t type, int fd, const struct msgbuf *payload);
/*
 * Reads one whole message. Returns 1 on success, 0 when the peer has gone
 * (EOF or a reset) before a header, -1 on an I/O error or a malformed frame (bad type, oversized,
 * truncated, unexpected descriptors); the caller treats -1 as fatal for
 * that peer.
 */
int	ipc_recv(int sock, struct ipc_msg *msg);
void	ipc_msg_free(struct ipc_msg *msg);
struct msghdr;
/*
 * The SCM_RIGHTS descriptors of a received message: the first in *fd (-1
 * if none), all of them counted in *nfds, every other one closed; -1 when
 * there were more than one or the control data was cut (MSG_CTRUNC).
 */
int	ipc_take_fds(struct msghdr *mh, int *fd, int *nfds);
const char *ipc_type_name(uint32_t type);

/* Apply an IPC_LOG_LEVEL message; -1 if it is malformed. */
int	ipc_log_level(struct ipc_msg *msg);

#endif
