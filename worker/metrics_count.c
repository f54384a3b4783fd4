/*
 * What a worker counts for rpxctl metrics, in the metrics part of its own
 * scoreboard slot (metrics_board.h), which only it writes and the master
 * sums. The hooks are called where things happen: access_log() for each
 * request, tls_server_accept() for handshakes, backend.c for servers
 * that failed, session.c and metrics_serve.c for refused connections,
 * key_channel.c for the key service's round trips. Each is a few
 * additions to its own memory: no system call, no message.
 */
#include <stdlib.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"
#include "metrics_worker.h"
#include "worker.h"

static struct metrics_slot	*mx;		/* NULL: not counting */
static unsigned			*bases;		/* per listener */
static unsigned			 nbases;

/* In the template: the buckets of the configuration, which its workers
 * share. */
void
metrics_count_init(struct worker_env *w)
{
	const struct rpxd_conf	*c = w->w_conf;
	unsigned		 i;

	if ((bases = calloc(c->rc_nlisteners + 1, sizeof(*bases))) == NULL)
		fatal("metrics: calloc");
	for (i = 0; i < c->rc_nlisteners; i++)
		bases[i] = mb_listener_base(c, i);
	nbases = c->rc_nlisteners;
}

/* In a worker, once its slot is mapped: counting starts. */
void
metrics_count_start(struct scoreboard_slot *ss)
{
	mx = &ss->ss_metrics;
}

void
metrics_request(struct worker_env *w, const struct request_log *rl)
{
	struct mb_route_counts	*rc;
	int			 k;

	if (mx == NULL || w->w_listener >= nbases)
		return;
	rc = &mx->ms_route[mb_bucket(bases[w->w_listener], rl->rl_route)];
	if ((k = mb_class(rl->rl_status)) >= 0)
		rc->mc_class[k]++;
	rc->mc_in += rl->rl_in;
	rc->mc_out += rl->rl_out;
}

void
metrics_tls_done(struct ssl_st *ssl)
{
	if (mx == NULL)
		return;
	mx->ms_tls_done++;
	if (SSL_session_reused(ssl))
		mx->ms_tls_resumed++;
}

/* The reason OpenSSL recorded last, in a few classes an operator can
 * act on: clients without a common protocol, or that reject the
 * certificate (their alert), are not the same problem. */
static enum mb_tls_failure
tls_failure(void)
{
	unsigned long	e = ERR_peek_last_error();
	int		r = ERR_GET_REASON(e);

	if (e == 0)
		return MB_TLS_CLOSED;
	if (ERR_GET_LIB(e) != ERR_LIB_SSL)
		return MB_TLS_OTHER;
	if (r == SSL_R_HTTP_REQUEST)
		return MB_TLS_HTTP;
	/* SSL_R_SSLV3_ALERT_* and SSL_R_TLSV1_ALERT_*: the peer's alert. */
	if (r >= SSL_AD_REASON_OFFSET)
		return MB_TLS_ALERT;
	switch (r) {
	case SSL_R_UNSUPPORTED_PROTOCOL:
	case SSL_R_WRONG_VERSION_NUMBER:
	case SSL_R_VERSION_TOO_LOW:
	case SSL_R_NO_SHARED_CIPHER:
	case SSL_R_NO_SHARED_GROUPS:
	case SSL_R_NO_PROTOCOLS_AVAILABLE:
	case SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS:
	case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
		return MB_TLS_PROTOCOL;
	default:
		return MB_TLS_OTHER;
	}
}

void
metrics_tls_failed(int timeout)
{
	if (mx != NULL)
		mx->ms_tls_failed[timeout ? MB_TLS_TIMEOUT : tls_failure()]++;
}

void
metrics_server_failure(const struct backend_conf *bc, unsigned sv)
{
	if (mx != NULL)
		mx->ms_server_failures[mb_server_bucket(bc->be_first_server +
		    sv)]++;
}

void
metrics_refused(enum mb_refused why)
{
	if (mx != NULL && (unsigned)why < MB_REFUSED_REASONS)
		mx->ms_refused[why]++;
}

int64_t
metrics_clock_us(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
metrics_key_round_trip(int64_t start_us, int ok)
{
	int64_t	us = metrics_clock_us() - start_us;

	if (mx == NULL)
		return;
	if (!ok) {
		mx->ms_key_failed++;
		return;
	}
	if (us < 0)
		us = 0;
	mx->ms_key_bucket[mb_key_bucket((uint64_t)us)]++;
	mx->ms_key_sum_us += (uint64_t)us;
}
