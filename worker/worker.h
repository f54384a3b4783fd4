/*
 * The unprivileged worker's state and the entry points of its parts:
 * worker.c (start-up and accept loop), dispatch.c (master messages at run
 * time), session.c (one client connection),
 * exchange.c (one request and its response), backend.c, backend_idle.c,
 * rewrite.c, respond.c, privdrop.c, template.c and template_heap.c (the
 * template of a generation); conn_mem.h for what a connection holds.
 */
#ifndef RPXD_WORKER_H
#define RPXD_WORKER_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stdint.h>

#include "config.h"
#include "conn_mem.h"
#include "healthboard.h"
#include "http.h"
#include "idle_cache.h"
#include "io.h"
#include "ntlm.h"
#include "scoreboard.h"
#include "spnego.h"

#define SCRATCH_SIZE	65536	/* decoded chunk data between buffers */
#define BODY_BUF_SIZE	65536	/* body bytes in flight, each direction */
#define STOP_LINGER_MS	1000	/* idle keep-alive kept after IPC_STOP */

/* A backend connection and what it belongs to (a parked one, backend.c). */
struct backend_link {
	struct io		 bl_io;
	int			 bl_be;
	int			 bl_sv;
	int			 bl_conn;	/* its ss_conn_server entry */
	unsigned		 bl_id;
	int			 bl_pinned;
};

struct worker_env {
	struct rpxd_conf	*w_conf;
	int			*w_listen_fds;
	int			 w_ipc;
	int			 w_stop;	/* IPC_STOP or master gone */
	int			 w_master_gone;	/* its socket closed */
	int			 w_heap_trim;	/* due once it waits
						   CONN_QUIET_MS for a client */
	struct scoreboard	 w_sb;
	struct scoreboard_slot	*w_slot;
	uint32_t		 w_generation;
	int			 w_sb_fd;	/* the template's: the whole
						   scoreboard; -1 in a worker */
	uint32_t		 w_slots;	/* the scoreboard's */
	uint32_t		 w_template_flags;	/* TEMPLATE_* */
	struct http_limits	 w_limits;
	struct healthboard	 w_hb;		/* server states, read-only */
	int64_t			*w_hold_until;	/* per server (board index), ms:
						   this worker's own passive
						   hold-offs (balance.c) */
	uint32_t		*w_rr_seen;	/* per backend: the board's turn
						   when last read */
	uint32_t		*w_rr_local;	/* turns taken since */
	uint64_t		 w_rng;		/* leastconn's two choices */
	unsigned char		 w_hash_key[HB_KEY_SIZE];
	/* the client connection */
	struct io		 w_client;
	char			 w_client_addr[64];	/* "ip:port" */
	char			 w_client_ip[48];
	char			 w_lb_addr[64];	/* the balancer that sent a
						   PROXY header, "" if none */
	struct sockaddr_storage	 w_proxy_src;	/* its client, AF_UNSPEC if
						   none (the checker's too) */
	unsigned		 w_listener;
	/* the backend connection, kept within one client connection */
	struct io		 w_backend;
	int			 w_backend_be;	/* -1: none open */
	int			 w_backend_sv;
	int			 w_backend_conn;	/* its entry in the slot's
						   ss_conn_server, -1: none */
	unsigned		 w_backend_id;	/* for the log: pid-id */
	unsigned		 w_backend_seq;
	int			 w_backend_sticky_ok;	/* the cookie named it */
	int			 w_backend_quiet;	/* the wait that brought
						   this request's head saw
						   nothing on w_backend: it
						   needs no check of its own
						   (session.c) */
	int			 w_pinned;	/* NTLM/Negotiate: the backend
						   connection is this client's
						   for the rest of its life */
	struct backend_link	 w_parked;	/* pinned, while another
						   backend serves a request */
	struct idle_cache	 w_idle;	/* kept for the next clients
						   (backend_idle.c) */
	/* auth = ntlm on this client connection (auth_ntlm.c) */
	int			 w_ntlm_challenged;	/* a type 2 was
						   sent: the master holds its
						   challenge */
	char			 w_identity[520];	/* DOMAIN\\user or "" */
	unsigned		 w_ngroups;	/* of w_groups */
	char			 w_groups[RPXD_ALL_GROUPS_MAX]
				    [RPXD_GROUP_NAME_MAX];	/* the
						   require-group names the
						   domain puts the user in */
	int			 w_ntlm_wrap;	/* NTLM_WRAP_*: how the
						   client sends its NTLM
						   messages, which the type 2
						   answers in kind */
	int			 w_spnego_mech_sent;	/* this handshake's
						   NegTokenResp named NTLMSSP
						   already */
	size_t			 w_mechlist_len;	/* of w_mechlist */
	unsigned char		 w_mechlist[SPNEGO_MECHLIST_MAX];	/* the
						   client's mechTypes (DER),
						   which the mechListMICs
						   sign */
	size_t			 w_ntlm_keylen;	/* of w_ntlm_key: 0 or 16 */
	unsigned char		 w_ntlm_key[NTLM_HASH_LEN];	/* the
						   session base key of this
						   connection's NTLM login,
						   when the source gave it */
	int			 w_kerberos;	/* w_identity is of a
						   Kerberos login */
	int			 w_kerberos_only;	/* this request's
						   route: auth = negotiate */
	int			 w_ntlm_source;	/* this request's route's
						   enum ntlm_source */
	int			 w_identity_source;	/* the source that
						   checked w_identity */
	size_t			 w_mutual_len;	/* of w_mutual; 0: none */
	unsigned char		 w_mutual[NEGOTIATE_REPLY_MAX];	/* the
						   Kerberos login's reply token,
						   for the response to the
						   request that carried it */
	/* a route's delegate (auth_delegate.c): the login's Kerberos
	 * ticket for the backend, presented once on a new backend
	 * connection that is then pinned to this client */
	const char		*w_dwant;	/* the delegate of the route of
						   the login being made */
	int			 w_dstate;	/* DELEGATION_* of the login */
	char			 w_dspn[RPXD_SPN_MAX];	/* what it was for */
	char			 w_dwhy[DELEGATION_WHY_MAX];
	int			 w_dsend;	/* this request carries it */
	int			 w_dbe;		/* the backend whose pinned
						   connection it logged in, -1 */
	size_t			 w_dtoklen;	/* 0: none, or sent */
	unsigned char		 w_dtok[DELEGATION_TOKEN_MAX];
	/* output buffers, field arrays and scratch space: sized to what
	 * is in use (conn_mem.c) */
	struct buf		 w_to_client;
	struct buf		 w_to_backend;
	struct hdr_vec		 w_req_headers;
	struct hdr_vec		 w_resp_headers;
	struct buf		 w_scratch;
};

/* What one request looked like, copied out of the buffers for the log. */
struct request_log {
	char		 rl_method[32];
	char		 rl_host[128];
	char		 rl_path[256];
	char		 rl_ua[128];	/* User-Agent */
	int		 rl_status;
	int		 rl_route;
	uint64_t	 rl_in;
	uint64_t	 rl_out;
	int64_t		 rl_start_ms;
	const char	*rl_server;
	const char	*rl_backend;
	char		 rl_auth_req[12];	/* "ntlm1", "kerberos", ... */
	char		 rl_auth_resp[12];	/* "ntlm2", "negotiate", ... */
	char		 rl_user[128];	/* auth = ntlm: the identity, as
					   log_copy_sanitized writes it */
	unsigned	 rl_bconn;	/* backend connection id, 0: none */
	int		 rl_reused;	/* it carried an earlier request */
	int		 rl_pinned;
	int		 rl_logged;	/* the access line is written */
};

/* worker.c */
int	 worker_stop_requested(struct worker_env *w);
void	 worker_catch_term(void);
int	 worker_stop_soon(struct worker_env *w);
void	 worker_dispatch_master(struct worker_env *w);
struct ipc_msg;
struct msgbuf;
int	 worker_send_conn(struct worker_env *w, uint32_t type,
	    const struct msgbuf *mb);
int	 worker_await_master(struct worker_env *w, uint32_t want,
	    struct ipc_msg *msg, int timeout_ms);

/* proxy_session.c: 0 with *peer the client's address, -1 to close */
int	 proxy_session_read(struct worker_env *w, int fd,
	    struct sockaddr_storage *peer);
/* session.c; session_addr_name: "ip:port" or "[ip6]:port", -1 if it
 * cannot be had; session_serve takes a non-blocking fd (worker.c) */
int	 session_addr_name(const struct sockaddr_storage *ss, char *ip,
	    size_t iplen, char *addr, size_t addrlen);
void	 session_serve(struct worker_env *w, int fd,
	    const struct sockaddr_storage *peer, unsigned listener);

/* exchange.c: forward one parsed request; see the file for results. */
enum exchange_result {
	EXCH_KEEPALIVE,		/* done, the client connection goes on */
	EXCH_CLOSE,		/* done, close the client connection */
	EXCH_RETRY		/* reused backend connection failed first */
};
enum exchange_result exchange_run(struct worker_env *w,
	    const struct http_message *req, const struct route_conf *rt,
	    struct request_log *rl, int reused);

/* backend.c */
int	 backend_open(struct worker_env *w, unsigned be,
	    const struct http_message *req, int fresh, int *reused,
	    struct request_log *rl);
int	 backend_clean(struct worker_env *w);
void	 backend_close(struct worker_env *w);
void	 backend_pin(struct worker_env *w);
void	 backend_park(struct worker_env *w);
int	 backend_parked(const struct worker_env *w);
void	 backend_unpark(struct worker_env *w);
void	 backend_close_all(struct worker_env *w);

/* backend_idle.c */
void	 backend_idle_init(struct worker_env *w);
void	 backend_release(struct worker_env *w);
int	 backend_idle_take(struct worker_env *w, unsigned be, unsigned sv);
void	 backend_idle_expire(struct worker_env *w);
int	 backend_idle_wait(struct worker_env *w, int timeout_ms);
void	 backend_idle_close_all(struct worker_env *w);
int64_t	 backend_own_idle_deadline(const struct worker_env *w, int64_t since);
void	 backend_own_idle_close(struct worker_env *w);
int	 backend_request_idempotent(const struct http_message *req);

/* board_report.c */
int	 board_conn_open(struct worker_env *w, const struct backend_conf *bc,
	    unsigned sv);
void	 board_conn_close(struct worker_env *w, int be, int conn);
void	 board_conn_pin(struct worker_env *w, int conn);
void	 board_hold_off(struct worker_env *w, const struct backend_conf *bc,
	    unsigned sv);

/* auth_pin.c */
int	 auth_request_pins(const struct http_message *req);
int	 auth_response_pins(const struct http_message *resp);
void	 auth_describe(const struct http_message *msg, const char *name,
	    char *out, size_t outlen);

/* auth_ntlm.c */
enum authn_result {
	AUTHN_FORWARD,		/* authenticated: send it to the backend */
	AUTHN_ANSWERED,		/* a 401 was sent, the connection goes on */
	AUTHN_CLOSE		/* an answer was sent, close the connection */
};
/* w_ntlm_wrap: Authorization: NTLM, or Negotiate with the NTLMSSP
 * message alone or inside SPNEGO (auth_negotiate.c). */
#define NTLM_WRAP_NONE		0
#define NTLM_WRAP_RAW		1
#define NTLM_WRAP_SPNEGO	2
/* A request on a route rt whose clients rpxd logs in (AUTH_BY_PROXY). */
enum authn_result auth_ntlm_request(struct worker_env *w,
	    const struct http_message *req, const struct route_conf *rt,
	    struct request_log *rl);
/* require-group of rt: 1 if the connection's user may use it, else 0
 * with a 403 sent (the connection is to be closed). */
/* auth_delegate.c: a route's delegate. usable: whether the login of
 * the connection can reach rt's backend as its user (else it must log
 * in again); prepare: 0 to forward the request (with the token on a new
 * connection, or on the pinned one), -1 after a 502 or 503. */
int	 auth_delegate_usable(struct worker_env *w,
	    const struct route_conf *rt);
int	 auth_delegate_prepare(struct worker_env *w,
	    const struct route_conf *rt, struct request_log *rl);
void	 auth_delegate_opened(struct worker_env *w, unsigned be);
void	 auth_delegate_reset(struct worker_env *w);
int	 auth_ntlm_groups_ok(struct worker_env *w, const struct route_conf *rt,
	    struct request_log *rl);
void	 auth_ntlm_reset(struct worker_env *w);
/* The steps of a login, for auth_negotiate.c: a 401 with value; a fresh
 * 401 that starts over (ntlm_only: not offering Negotiate); the NTLM
 * NEGOTIATE and AUTHENTICATE messages; a Kerberos token for the master. */
int	 auth_ntlm_negotiate_offered(const struct worker_env *w);
enum authn_result auth_ntlm_send_401(struct worker_env *w,
	    const struct http_message *req, struct request_log *rl,
	    const char *value);
enum authn_result auth_ntlm_challenge(struct worker_env *w,
	    const struct http_message *req, struct request_log *rl,
	    int ntlm_only);
enum authn_result auth_ntlm_negotiate(struct worker_env *w,
	    const struct http_message *req, struct request_log *rl,
	    const unsigned char *m, size_t len);
enum authn_result auth_ntlm_authenticate(struct worker_env *w,
	    const struct http_message *req, struct request_log *rl,
	    const unsigned char *m, size_t len);
enum authn_result auth_ntlm_kerberos(struct worker_env *w,
	    const struct http_message *req, struct request_log *rl,
	    const unsigned char *tok, size_t n);

/* auth_negotiate.c */
/* Authorization: Negotiate on an auth = ntlm or negotiate route. */
enum authn_result auth_negotiate_request(struct worker_env *w,
	    const struct http_message *req, struct request_log *rl,
	    const struct http_header *h);

/* balance.c */
void	 balance_init(struct worker_env *w);
int	 balance_pick(struct worker_env *w, const struct backend_conf *bc,
	    int sticky, uint64_t tried);
void	 balance_hold(struct worker_env *w, const struct backend_conf *bc,
	    unsigned sv);
int	 balance_sticky_server(const struct backend_conf *bc,
	    const struct http_message *req);
void	 balance_cookie_value(const struct backend_conf *bc, unsigned sv,
	    char out[17]);

/* rewrite.c */
struct fwd_ctx {
	const char		*fc_client_ip;
	const char		*fc_proto;	/* "http" or "https" */
	const struct route_conf	*fc_route;
	const struct server_conf *fc_server;
	const char		*fc_identity;	/* auth = ntlm: DOMAIN\\user */
	const unsigned char	*fc_delegation;	/* a delegate's Kerberos
						   token: Authorization:
						   Negotiate, or NULL */
	size_t			 fc_delegation_len;
};
/* What the proxy adds to a response head: both may be NULL. */
struct resp_extra {
	const char		*re_sts;	/* Strict-Transport-Security */
	const char		*re_cookie;	/* Set-Cookie value */
	const unsigned char	*re_negotiate;	/* a Kerberos login's reply
						   token, sent as
						   WWW-Authenticate:
						   Negotiate (RFC 4559 5) */
	size_t			 re_negotiate_len;	/* 0: none */
	int			 re_drop_www_auth;	/* a delegate's route:
						   the backend's own
						   WWW-Authenticate answers
						   rpxd's login, not the
						   client's */
};
int	 rewrite_request(const struct http_message *req,
	    const struct fwd_ctx *ctx, struct buf *out);
int	 rewrite_response(const struct http_message *resp, const char *head,
	    int rechunk, int close, const struct resp_extra *add,
	    struct buf *out);
int	 is_hop_by_hop(const struct http_header *h);
int	 rewrite_same_field(const struct http_header *h, const char *name);
int	 rewrite_upgrade_requested(const struct http_message *req);

/* respond.c */
void	 respond_error(struct worker_env *w, struct request_log *rl,
	    int status, const char *why);
int	 respond_challenge(struct worker_env *w, struct request_log *rl,
	    const char *www_authenticate, int close);
void	 respond_redirect_https(struct worker_env *w,
	    const struct http_message *req, const struct route_conf *rt,
	    struct request_log *rl);
void	 access_log(struct worker_env *w, struct request_log *rl);
void	 log_copy_sanitized(char *dst, size_t dstlen, const char *src,
	    size_t len);

/* addr_limit.c: max-connections-per-address and pressure mode */
int	 addr_limit_setup(struct worker_env *w, struct ipc_msg *msg);
int	 addr_limit_ready(void);
int	 addr_limit_accept(struct worker_env *w,
	    const struct sockaddr_storage *client);
void	 addr_limit_done(struct worker_env *w);
void	 addr_limit_waited(struct worker_env *w);
void	 addr_limit_response(struct worker_env *w,
	    const struct request_log *rl);
unsigned addr_limit_head_timeout(const struct worker_env *w);
int	 addr_limit_head(struct worker_env *w, struct request_log *rl,
	    int first, int64_t start, int64_t head_deadline,
	    int64_t *deadline);
int	 addr_limit_master(struct worker_env *w, struct ipc_msg *msg);

/* privdrop.c */
void	 privdrop(const char *dir, uid_t uid, gid_t gid);
const char *privdrop_verify(uid_t uid, gid_t gid);

/* template.c: returns only in a worker it forked */
void	 template_run(struct worker_env *w);
/* template_heap.c: before the template's first fork */
void	 template_heap_seal(void);
/* stack_trim.c: init in the template before it chroots; trim when a
 * connection is quiet */
void	 stack_trim_init(void);
void	 stack_trim(void);

/* sandbox_selftest.c, in rpxd-worker-selftest only */
void	 sandbox_selftest(const char *path, size_t len);
void	 ntlm_selftest(struct worker_env *w, const char *path, size_t len);
void	 stderr_selftest(const char *path, size_t len);	/* stderr_selftest.c */
/* board_selftest.c, in rpxd-worker-selftest only */
void	 board_selftest(struct worker_env *w, const char *path, size_t len);

#endif
