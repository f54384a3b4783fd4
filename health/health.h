/*
 * rpxd-health, the health checker: its parts and their entry points.
 * main.c (set-up from the master and the poll loop), check.c (one check's
 * non-blocking state machine), tls.c (client contexts), board.c (the rise
 * and fall rule and the board writes), verdict.c (the response, verdict.h).
 */
#ifndef RPXD_HEALTH_H
#define RPXD_HEALTH_H

#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>

#include "clock.h"
#include "config.h"
#include "healthboard.h"
#include "http.h"

struct verdict;

enum check_state {
	CK_IDLE = 0,		/* waiting for ck_next */
	CK_CONNECT,
	CK_HANDSHAKE,
	CK_SEND,
	CK_READ
};

/* The check of one server of one backend; all of them run side by side. */
struct check {
	const struct backend_conf *ck_be;
	unsigned		 ck_sv;
	struct hb_server	*ck_hs;
	SSL_CTX			*ck_ctx;	/* NULL: plain HTTP */
	const struct http_limits *ck_lim;
	int			 ck_state;	/* enum check_state */
	int			 ck_fd;
	SSL			*ck_ssl;
	short			 ck_events;	/* for poll; 0: none */
	int64_t			 ck_next;	/* ms: the next start */
	int64_t			 ck_deadline;	/* ms: this one's end */
	char			 ck_req[RPXD_PATH_MAX + RPXD_HOST_MAX + 96];
	size_t			 ck_reqlen;
	size_t			 ck_reqoff;	/* sent so far */
	struct verdict		*ck_verdict;	/* while running */
};

/* check.c */
/* first: ms of the first start. */
void	 check_init(struct check *ck, const struct backend_conf *be,
	    unsigned sv, struct hb_server *hs, SSL_CTX *ctx,
	    const struct http_limits *lim, int64_t first);
/* Start, time out, or carry on the check as its time and revents say. */
void	 check_run(struct check *ck, short revents, int64_t now);
/* When check_run is next due without an event (ms). */
int64_t	 check_due(const struct check *ck);
void	 check_abort(struct check *ck);

/* tls.c */
/* A client context per backend with tls = yes (NULL for the others). */
SSL_CTX	**health_tls_init(const struct rpxd_conf *conf);
/* A connection to server sv of be on fd: SNI and the name to verify. */
SSL	*health_tls_new(SSL_CTX *ctx, const struct backend_conf *be,
	    unsigned sv, int fd);

/* board.c */
enum board_change {
	BOARD_SAME = 0,
	BOARD_DOWN,		/* fall failures in a row while up */
	BOARD_UP		/* rise successes in a row while down */
};
/* Record one result on hs (status: the HTTP status of a good check) and
 * log a change of state; why: the reason of a failed check. */
enum board_change board_record(struct hb_server *hs,
	    const struct backend_conf *be, unsigned sv, int ok,
	    unsigned status, const char *why, time_t now);

/* ocsp_fetch.c: ocsp-fetch's HTTP POSTs, at most OCSP_FETCHES_MAX at once */
#define OCSP_FETCHES_MAX	4
struct msgbuf;
struct pollfd;
int	 ocsp_fetch_request(int ipc, struct msgbuf *mb);
/* An answer to the master's fetch (ocsp_fetch.c, for cert_fetch.c too). */
void	 fetch_answer(int ipc, uint32_t type, uint32_t id, int ok,
	    const char *why, const unsigned char *body, size_t len);
unsigned ocsp_fetch_pollfds(struct pollfd *pfd, int64_t *due);
void	 ocsp_fetch_run(const struct pollfd *pfd, int64_t now);
void	 ocsp_fetch_abort(void);

/* cert_fetch.c: backend servers' leaf certificates for the master's
 * Extended Protection check, at most CERT_FETCHES_MAX (ipc.h) connections
 * at once */
void	 cert_fetch_init(const struct rpxd_conf *conf, int ipc);
int	 cert_fetch_request(struct msgbuf *mb);
unsigned cert_fetch_pollfds(struct pollfd *pfd, int64_t *due);
void	 cert_fetch_run(const struct pollfd *pfd, int64_t now);
void	 cert_fetch_abort(void);

#endif
