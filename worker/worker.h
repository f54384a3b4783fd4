/*
 * The unprivileged worker's state and the entry points of its parts:
 * worker.c (start-up and accept loop), dispatch.c (master messages at run
 * time), session.c (one client connection),
 * exchange.c (one request and its response), backend.c, rewrite.c,
 * respond.c, privdrop.c.
 */
#ifndef RPXD_WORKER_H
#define RPXD_WORKER_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stdint.h>

#include "config.h"
#include "healthboard.h"
#include "http.h"
#include "io.h"
#include "scoreboard.h"

#define SCRATCH_SIZE	65536	/* decoded chunk data between buffers */
#define BODY_BUF_SIZE	65536	/* body bytes in flight, each direction */
#define STOP_LINGER_MS	1000	/* idle keep-alive kept after IPC_STOP */

struct worker_env {
	struct rpxd_conf	*w_conf;
	int			*w_listen_fds;
	int			 w_ipc;
	int			 w_stop;	/* IPC_STOP or master gone */
	struct scoreboard	 w_sb;
	struct scoreboard_slot	*w_slot;
	uint32_t		 w_generation;
	struct http_limits	 w_limits;
	unsigned		 w_rr;		/* round robin over servers */
	struct healthboard	 w_hb;		/* server states, shared */
	unsigned char		 w_hash_key[HB_KEY_SIZE];
	/* the client connection */
	struct io		 w_client;
	char			 w_client_addr[64];	/* "ip:port" */
	char			 w_client_ip[48];
	unsigned		 w_listener;
	/* the backend connection, kept within one client connection */
	struct io		 w_backend;
	int			 w_backend_be;	/* -1: none open */
	int			 w_backend_sv;
	/* output buffers and scratch space, allocated once */
	struct buf		 w_to_client;
	struct buf		 w_to_backend;
	struct http_header	*w_req_headers;
	struct http_header	*w_resp_headers;
	char			*w_scratch;
};

/* What one request looked like, copied out of the buffers for the log. */
struct request_log {
	char		 rl_method[32];
	char		 rl_host[128];
	char		 rl_path[256];
	int		 rl_status;
	int		 rl_route;
	uint64_t	 rl_in;
	uint64_t	 rl_out;
	int64_t		 rl_start_ms;
	const char	*rl_server;
	const char	*rl_backend;
	int		 rl_logged;	/* the access line is written */
};

/* worker.c */
int	 worker_stop_requested(struct worker_env *w);
void	 worker_dispatch_master(struct worker_env *w);

/* session.c */
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
int	 backend_open(struct worker_env *w, unsigned be, int *reused,
	    struct request_log *rl);
void	 backend_close(struct worker_env *w);

/* rewrite.c */
struct fwd_ctx {
	const char		*fc_client_ip;
	const char		*fc_proto;	/* "http" or "https" */
	const struct route_conf	*fc_route;
	const struct server_conf *fc_server;
};
int	 rewrite_request(const struct http_message *req,
	    const struct fwd_ctx *ctx, struct buf *out);
/* sts: the listener's Strict-Transport-Security value, or NULL. */
int	 rewrite_response(const struct http_message *resp, const char *head,
	    int rechunk, int close, const char *sts, struct buf *out);
int	 is_hop_by_hop(const struct http_header *h);
int	 rewrite_upgrade_requested(const struct http_message *req);

/* respond.c */
void	 respond_error(struct worker_env *w, struct request_log *rl,
	    int status, const char *why);
void	 respond_redirect_https(struct worker_env *w,
	    const struct http_message *req, const struct route_conf *rt,
	    struct request_log *rl);
void	 access_log(struct worker_env *w, struct request_log *rl);
void	 log_copy_sanitized(char *dst, size_t dstlen, const char *src,
	    size_t len);

/* privdrop.c */
void	 privdrop(const char *dir, uid_t uid, gid_t gid);

#endif
