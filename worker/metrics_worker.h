/*
 * The worker's metrics: counting what it serves in its own scoreboard
 * slot (metrics_count.c, called from where things happen: the access
 * log, the TLS handshake, backend failures, the key channel) and
 * answering GET /metrics on a metrics listener from the master's
 * snapshot (metrics_serve.c).
 */
#ifndef RPXD_METRICS_WORKER_H
#define RPXD_METRICS_WORKER_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stdint.h>

#include "metrics_board.h"

struct worker_env;
struct request_log;
struct backend_conf;
struct ipc_msg;
struct ssl_st;
struct scoreboard_slot;

/* metrics_count.c: init in the template, start in each worker it
 * forks, once the worker's scoreboard slot is mapped. */
void	 metrics_count_init(struct worker_env *w);
void	 metrics_count_start(struct scoreboard_slot *ss);
/* One request, as its access line says (also when no line is written). */
void	 metrics_request(struct worker_env *w, const struct request_log *rl);
void	 metrics_tls_done(struct ssl_st *ssl);
/* A failed handshake; timeout: IO_TIMEOUT. Reads OpenSSL's error queue
 * without taking from it. */
void	 metrics_tls_failed(int timeout);
void	 metrics_server_failure(const struct backend_conf *bc, unsigned sv);
void	 metrics_refused(enum mb_refused why);
/* The key service: a round trip's start, and its end (ok: a signature
 * came back). */
int64_t	 metrics_clock_us(void);
void	 metrics_key_round_trip(int64_t start_us, int ok);

/* metrics_serve.c */
/* IPC_METRICS at setup: the snapshot's read-only descriptor, mapped by
 * the template; the workers it forks inherit the mapping. */
void	 metrics_attach(struct ipc_msg *msg);
/* A connection on a metrics listener, from accept to close. */
void	 metrics_serve(struct worker_env *w, int fd,
	    const struct sockaddr_storage *peer);

#endif
