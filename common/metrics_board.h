/*
 * Metrics in shared memory, both directions. A worker counts what it
 * serves in struct metrics_slot, a part of its own scoreboard slot that
 * only it writes (worker/metrics_count.c); the master reads every slot
 * as hostile, adds what grew to its own totals (master/metrics.c) and
 * publishes the rendered Prometheus text into a snapshot, a shared
 * mapping that workers get read-only at setup (IPC_METRICS), so that a
 * worker answers GET /metrics on a metrics listener without asking the
 * master (worker/metrics_serve.c).
 *
 * The counters are in bounded arrays: requests per (listener, route)
 * bucket and failures per backend server bucket, in the order of the
 * configuration; what does not fit goes into the last bucket, "other".
 * Worker and master number the buckets with the same functions below.
 */
#ifndef RPXD_METRICS_BOARD_H
#define RPXD_METRICS_BOARD_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Sized so that a slot stays one page: every worker's slot is touched
 * when it starts, and a pool may hold many thousands. */
#define MB_ROUTES	48	/* (listener, route) buckets, "other" last */
#define MB_SERVERS	64	/* backend server buckets, "other" last */
#define MB_CLASSES	5	/* status classes 1xx to 5xx */

/* Why a TLS handshake with a client failed, coarsely. */
enum mb_tls_failure {
	MB_TLS_TIMEOUT = 0,	/* not done within client-header-timeout */
	MB_TLS_CLOSED,		/* the client went away without an error */
	MB_TLS_HTTP,		/* plain HTTP sent to a TLS listener */
	MB_TLS_PROTOCOL,	/* no common version, cipher or group */
	MB_TLS_ALERT,		/* the client sent an alert (e.g. it does
				   not trust the certificate) */
	MB_TLS_OTHER,
	MB_TLS_FAILURES
};

/*
 * Why a worker closed a connection before it was served. The refusals of
 * the per-address limit and pressure mode are counted by the master
 * (master/limits.c); rpxd_refused_connections_total shows both.
 */
enum mb_refused {
	MB_REFUSED_PROXY = 0,	/* proxy-protocol: untrusted source or a
				   bad or missing header */
	MB_REFUSED_METRICS,	/* metrics listener: not in metrics-from */
	MB_REFUSED_REASONS
};

/* The key service round trip histogram: upper bounds in microseconds;
 * the last bucket is +Inf. */
#define MB_KEY_BUCKETS	12
extern const uint32_t mb_key_bounds_us[MB_KEY_BUCKETS - 1];

struct mb_route_counts {
	volatile uint64_t	 mc_class[MB_CLASSES];
	volatile uint64_t	 mc_in;		/* bytes from clients */
	volatile uint64_t	 mc_out;	/* bytes to clients */
};

/*
 * A worker's counters: 64-bit words only it writes, only ever upwards
 * (the master reads an aligned word whole on the 64-bit systems rpxd
 * runs on, and ignores a word that went down).
 */
struct metrics_slot {
	struct mb_route_counts	 ms_route[MB_ROUTES];
	volatile uint64_t	 ms_server_failures[MB_SERVERS];
	volatile uint64_t	 ms_tls_done;
	volatile uint64_t	 ms_tls_resumed;
	volatile uint64_t	 ms_tls_failed[MB_TLS_FAILURES];
	volatile uint64_t	 ms_refused[MB_REFUSED_REASONS];
	volatile uint64_t	 ms_key_bucket[MB_KEY_BUCKETS];	/* not
					   cumulative: each its own range */
	volatile uint64_t	 ms_key_sum_us;
	volatile uint64_t	 ms_key_failed;
};

/*
 * Listener l's requests that matched no route go to bucket
 * mb_listener_base(c, l), its route r's to that plus 1 + r: one bucket
 * per listener and one per route, in the order of the configuration.
 * When they are more than MB_ROUTES (mb_route_overflow), bucket
 * MB_ROUTES - 1 and all past it are one, "other"; mb_bucket() says
 * which to count in. mb_route_buckets: how many a configuration uses.
 */
unsigned mb_listener_base(const struct rpxd_conf *c, unsigned l);
unsigned mb_route_buckets(const struct rpxd_conf *c);
int	 mb_route_overflow(const struct rpxd_conf *c);
unsigned mb_bucket(unsigned base, int route);
/* The server bucket of health board index i: the same index, up to
 * MB_SERVERS - 1, "other" when rc_nservers > MB_SERVERS. */
/* The server bucket of health board index i. */
unsigned mb_server_bucket(unsigned i);
/* The status class index of an HTTP status, -1 outside 100..599. */
int	 mb_class(int status);
/* The histogram bucket of a round trip. */
unsigned mb_key_bucket(uint64_t us);

/*
 * The snapshot: a header and the text, in a shared mapping of
 * MB_SNAPSHOT_SIZE bytes. The master is its only writer: it makes
 * mh_seq odd, writes, and makes it even again; a reader copies the text
 * and keeps the copy only if mh_seq was even and the same before and
 * after (a sequence lock: no reader ever blocks the master).
 */
#define MB_SNAPSHOT_SIZE	(4u * 1024 * 1024)

struct mb_snapshot_head {
	volatile uint32_t	 mh_seq;
	volatile uint32_t	 mh_len;	/* bytes of text after the head */
	volatile int64_t	 mh_time;	/* time() it was rendered */
};

#define MB_TEXT_MAX	(MB_SNAPSHOT_SIZE - sizeof(struct mb_snapshot_head))

struct mb_snapshot {
	int			 ms_fd;		/* read-write, the master's */
	int			 ms_rofd;	/* read-only, for workers */
	unsigned char		*ms_base;	/* NULL: none */
};

/* The master: a new snapshot (empty, sequence 0); 0 or -1 with errno. */
int	 mb_snapshot_create(struct mb_snapshot *s);
/* A worker: map fd read-only and close it, whatever happens. */
int	 mb_snapshot_attach(struct mb_snapshot *s, int fd);
void	 mb_snapshot_close(struct mb_snapshot *s);
/* The master: publish len bytes (cut to MB_TEXT_MAX). */
void	 mb_snapshot_publish(struct mb_snapshot *s, const char *text,
	    size_t len, int64_t now);
/*
 * A reader: a consistent copy of the text, malloc'd, in *text and *len;
 * 0, or -1 when there is no snapshot, no memory, or the master kept
 * writing for longer than the reader waits (a few milliseconds).
 */
int	 mb_snapshot_copy(const struct mb_snapshot *s, char **text,
	    size_t *len);

#endif
