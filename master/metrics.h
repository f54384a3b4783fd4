/*
 * rpxctl metrics and the metrics listeners' snapshot, the master's side:
 * metrics.c keeps the totals (what every worker's slot grew by, summed,
 * so that a worker's exit or a reload never lowers them) and the NTLM
 * results it sees itself; metrics_view.c reads the gauges of the moment
 * (pool, listen queues, health board) into the same state;
 * metrics_render.c writes the state as Prometheus text, with the
 * primitives of metrics_text.c.
 */
#ifndef RPXD_MASTER_METRICS_H
#define RPXD_MASTER_METRICS_H

#include <stdint.h>

#include "addrboard.h"
#include "config.h"
#include "metrics_board.h"
#include "strbuf.h"

struct master;

enum mx_ntlm {
	MX_NTLM_OK = 0,
	MX_NTLM_FAILED,		/* unknown user, wrong password, no
				   challenge pending */
	MX_NTLM_LOCKED,		/* refused unchecked: auth-failure-limit */
	MX_NTLM_UNAVAILABLE,	/* no verdict: the domain did not answer,
				   the checkers' queue was full: 503 */
	MX_NTLM_RESULTS
};

/* The name of a bucket whose configuration part did not fit. */
#define MX_OTHER	"(other)"

/* Worker states as rpxd_pool_workers shows them. */
enum mx_worker_state {
	MX_WS_STARTING = 0, MX_WS_IDLE, MX_WS_BUSY, MX_WS_STOPPING,
	MX_WS_STATES
};

struct mx_listener {
	char		 ml_name[RPXD_NAME_MAX];
	int		 ml_current;	/* in the running configuration */
	unsigned	 ml_active;	/* connections now (view) */
	unsigned	 ml_waiting;	/* in its accept queue (view) */
};

struct mx_route {
	unsigned	 mr_listener;	/* index in st_listeners */
	char		 mr_name[RPXD_NAME_MAX];	/* "": no route */
	unsigned long long mr_class[MB_CLASSES];
	unsigned long long mr_in, mr_out;
	unsigned	 mr_active;	/* connections now (view) */
};

struct mx_server {
	char		 mv_backend[RPXD_NAME_MAX];
	char		 mv_server[RPXD_HOST_MAX + 8];
	unsigned long long mv_failures;
	/* from the health board, for a server of the running
	 * configuration only (mv_board) */
	int		 mv_board;
	int		 mv_up;		/* by the checks */
	int		 mv_held_off;	/* a passive hold-off runs */
	int		 mv_checked;	/* its backend has a health check */
	unsigned long long mv_checks, mv_check_failures;
	unsigned	 mv_last_status;
	unsigned	 mv_active, mv_pinned;
};

struct mx_state {
	struct mx_listener	*st_listeners;
	unsigned		 st_nlisteners, st_caplisteners;
	struct mx_route		*st_routes;
	unsigned		 st_nroutes, st_caproutes;
	struct mx_server	*st_servers;
	unsigned		 st_nservers, st_capservers;
	unsigned long long	 st_tls_done, st_tls_resumed;
	unsigned long long	 st_tls_failed[MB_TLS_FAILURES];
	unsigned long long	 st_refused[MB_REFUSED_REASONS];
	unsigned long long	 st_key_bucket[MB_KEY_BUCKETS];
	unsigned long long	 st_key_sum_us, st_key_failed;
	unsigned long long	 st_ntlm[MX_NTLM_RESULTS];
	/* the view of the moment (metrics_view.c) */
	unsigned long long	 st_limited[LIMIT_REASONS];	/* limits.c's
					   refusals and closes */
	int			 st_pressure;	/* pressure mode on */
	unsigned		 st_workers[MX_WS_STATES];
	unsigned		 st_workers_max;
	long long		 st_start_time;
	unsigned		 st_generation;
};

/* metrics.c: the hooks */
void	 metrics_init(struct master *m);	/* after m_generation */
void	 metrics_reload(struct master *m);	/* a new generation */
void	 metrics_tick(struct master *m);	/* every second */
void	 metrics_worker_exited(struct master *m, unsigned slot);
void	 metrics_ntlm(enum mx_ntlm result);
int	 metrics_send_setup(const struct master *m, int sock);
void	 metrics_control(struct master *m, struct strbuf *out);

/* metrics.c, for metrics_view.c: the series of a bucket of a worker of
 * generation gen (-1: none). */
int	 metrics_route_of(uint32_t gen, int32_t listener, int32_t route);
/* ... of listener i, of health board index i, in generation gen. */
int	 metrics_listener_of(uint32_t gen, unsigned i);
int	 metrics_server_of(uint32_t gen, unsigned i);

/* metrics_view.c: the gauges, into st. */
void	 metrics_view(struct master *m, struct mx_state *st);

/* metrics_render.c */
void	 mx_render(const struct mx_state *st, struct strbuf *out);

/* metrics_text.c: the exposition format's pieces. */
struct mx_label {
	const char	*ml_key;
	const char	*ml_value;
};
void	 mx_family(struct strbuf *out, const char *name, const char *type,
	    const char *help);
void	 mx_escape(struct strbuf *out, const char *value);
void	 mx_sample(struct strbuf *out, const char *name,
	    const struct mx_label *labels, unsigned n, unsigned long long v);
void	 mx_sample_double(struct strbuf *out, const char *name,
	    const struct mx_label *labels, unsigned n, double v);

#endif
