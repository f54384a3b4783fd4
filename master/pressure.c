/*
 * Pressure mode: when the running generation's busy workers reach
 * pressure-threshold percent of max-workers, the master says so once,
 * raises the flag on the address board (workers then give a request head
 * only pressure-head-timeout seconds: worker/addr_limit.c) and wakes
 * every worker with IPC_PRESSURE so that heads already being waited for
 * are cut too; and when spare workers run short it asks the workers
 * whose keep-alive connections have waited longest for their next
 * request to close them (IPC_CLOSE_WAIT), as many as bring back
 * min-spare-workers plus what waits in the listen queues. A worker with
 * a request in flight, or in the middle of an NTLM/Negotiate handshake,
 * is never among them (its slot says SL_WAIT_AUTH or nothing), and the
 * worker checks again before it closes. Called by limits.c every pool
 * tick with its census.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ipc.h"
#include "log.h"
#include "pool_limits.h"
#include "strbuf.h"

#define PRESSURE_LEAVE_MS	2000	/* below the threshold this long
					   before the pool leaves pressure,
					   so that it does not flap */
#define CLOSE_TICK_MAX		64	/* idle closes asked in one tick */
#define CLOSE_LOG_INTERVAL	10	/* s between two lines of them */

static int		 p_on;
static time_t		 p_since;	/* entered */
static time_t		 p_left;	/* last left; 0: never */
static time_t		 p_last_for;	/* how long it lasted then */
static int64_t		 p_below_ms;	/* below the threshold since */
static unsigned		 p_busy;	/* of the last census */
static unsigned long long p_noted[LIMIT_REASONS];	/* this time */

static unsigned long long closes_unlogged;
static time_t		 closes_logged;

int
pressure_active(void)
{
	return p_on;
}

void
pressure_note(enum limit_reason reason)
{
	if (p_on && (unsigned)reason < LIMIT_REASONS)
		p_noted[reason]++;
}

/* The busy workers that make pressure: the percentage of max-workers,
 * rounded up; 0: pressure-threshold = 0, never. */
static unsigned
threshold_workers(const struct rpxd_conf *c)
{
	unsigned long long	n;

	if (c->rc_pressure_threshold == 0)
		return 0;
	n = ((unsigned long long)c->rc_max_workers *
	    c->rc_pressure_threshold + 99) / 100;
	return n == 0 ? 1 : (unsigned)n;
}

static unsigned
head_timeout(const struct rpxd_conf *c)
{
	return c->rc_pressure_head_timeout < c->rc_client_header_timeout ?
	    c->rc_pressure_head_timeout : c->rc_client_header_timeout;
}

/* A wake-up for every worker: a head being waited for is cut now, not
 * at the end of its client-header-timeout. Droppable: a worker that
 * does not read its socket misses a wake-up, nothing more. */
static void
broadcast(struct master *m)
{
	unsigned	i;

	for (i = 0; i < m->m_nslots; i++)
		if (m->m_workers[i].wk_pid != 0)
			(void)pool_send(m, i, IPC_PRESSURE, NULL, 1);
}

static void
pressure_enter(struct master *m, const struct census *c)
{
	const struct rpxd_conf	*conf = m->m_conf;

	p_on = 1;
	p_since = time(NULL);
	p_below_ms = 0;
	memset(p_noted, 0, sizeof(p_noted));
	log_warnx("pool: under pressure: %u of max-workers %u busy "
	    "(pressure-threshold %u%%): request heads must come within %u s, "
	    "and idle keep-alive connections are closed, oldest first, when "
	    "spare workers run short", c->ce_busy, conf->rc_max_workers,
	    conf->rc_pressure_threshold, head_timeout(conf));
	broadcast(m);
}

static void
pressure_leave(struct master *m, const struct census *c)
{
	time_t	now = time(NULL);

	p_on = 0;
	p_left = now;
	p_last_for = now - p_since;
	log_notice("pool: no longer under pressure: %u of max-workers %u "
	    "busy; it lasted %lld s, with %llu idle keep-alive connection(s) "
	    "closed, %llu slow head(s) cut and %llu connection(s) over "
	    "max-connections-per-address refused", c->ce_busy,
	    m->m_conf->rc_max_workers, (long long)p_last_for,
	    p_noted[LIMIT_IDLE], p_noted[LIMIT_HEAD], p_noted[LIMIT_ADDRESS]);
}

static int
oldest_first(const void *a, const void *b)
{
	const struct idle_wait	*x = a, *y = b;

	return x->iw_since < y->iw_since ? -1 : x->iw_since > y->iw_since;
}

static void
closes_log(const struct master *m, unsigned asked_now, int64_t oldest_ms,
    const struct census *c)
{
	time_t	now = time(NULL);

	closes_unlogged += asked_now;
	if (closes_unlogged == 0 || now - closes_logged < CLOSE_LOG_INTERVAL)
		return;
	log_notice("pool: under pressure: %llu idle keep-alive connection(s) "
	    "asked to close, oldest first (the oldest idle %lld s): %u "
	    "worker(s) idle, %u connection(s) wait, min-spare-workers %u",
	    closes_unlogged, (long long)(oldest_ms / 1000), c->ce_idle,
	    m->m_waiting, m->m_conf->rc_min_spare);
	closes_unlogged = 0;
	closes_logged = now;
}

/*
 * Spare workers short of min-spare-workers plus the connections waiting
 * in the listen queues, counting the idle ones, those max-workers still
 * allows to start, and those already asked: ask that many more of the
 * idle keep-alive waits to close, the longest waiting first.
 */
static void
close_idle(struct master *m, const struct census *c)
{
	const struct rpxd_conf	*conf = m->m_conf;
	struct idle_wait	*w = c->ce_waits;
	unsigned long long	 want, have;
	unsigned		 i, n = 0, pending = 0, room, k;
	int64_t			 now = now_ms(), oldest = 0;

	room = conf->rc_max_workers > c->ce_total ?
	    conf->rc_max_workers - c->ce_total : 0;
	for (i = 0; i < c->ce_nwaits; i++) {
		if (limits_was_asked(m, w[i].iw_slot, w[i].iw_seq))
			pending++;
		else
			w[n++] = w[i];
	}
	want = (unsigned long long)conf->rc_min_spare + m->m_waiting;
	have = (unsigned long long)c->ce_idle + room + pending;
	if (have >= want || n == 0)
		return;
	want -= have;
	if (want > CLOSE_TICK_MAX)
		want = CLOSE_TICK_MAX;
	qsort(w, n, sizeof(*w), oldest_first);
	for (k = 0; k < n && k < want; k++) {
		(void)limits_ask_close(m, w[k].iw_slot, w[k].iw_seq,
		    LIMIT_IDLE, 0);
		/* A slot's time is its own word: clamped for the line. */
		if (k == 0 && w[k].iw_since > 0 && w[k].iw_since < now)
			oldest = now - w[k].iw_since;
	}
	closes_log(m, k, oldest, c);
}

void
pressure_tick(struct master *m, const struct census *c)
{
	unsigned	n = threshold_workers(m->m_conf);
	int		over = n > 0 && c->ce_busy >= n;
	int64_t		now = now_ms();

	p_busy = c->ce_busy;
	if (m->m_stopping)
		return;
	if (over) {
		p_below_ms = 0;
		if (!p_on)
			pressure_enter(m, c);
	} else if (p_on) {
		if (p_below_ms == 0)
			p_below_ms = now;
		else if (now - p_below_ms >= PRESSURE_LEAVE_MS)
			pressure_leave(m, c);
	}
	if (p_on)
		close_idle(m, c);
	else
		closes_log(m, 0, 0, c);
}

void
pressure_status_text(const struct master *m, struct strbuf *out)
{
	const struct rpxd_conf	*conf = m->m_conf;
	time_t			 now = time(NULL);

	if (p_on)
		strbuf_printf(out, "pressure: ON for %lld s (%u of max-workers "
		    "%u busy, pressure-threshold %u%%): head timeout %u s, "
		    "idle keep-alive connections closed oldest first\n",
		    (long long)(now - p_since), p_busy, conf->rc_max_workers,
		    conf->rc_pressure_threshold, head_timeout(conf));
	else if (conf->rc_pressure_threshold == 0)
		strbuf_printf(out, "pressure: off (pressure-threshold 0: never)"
		    "\n");
	else
		strbuf_printf(out, "pressure: off (%u of max-workers %u busy; "
		    "on at %u, pressure-threshold %u%%)\n", p_busy,
		    conf->rc_max_workers, threshold_workers(conf),
		    conf->rc_pressure_threshold);
	if (!p_on && p_left != 0)
		strbuf_printf(out, "pressure: last left %lld s ago, after "
		    "%lld s\n", (long long)(now - p_left),
		    (long long)p_last_for);
}

void
pressure_status_json(const struct master *m, struct json *js)
{
	const struct rpxd_conf	*conf = m->m_conf;
	time_t			 now = time(NULL);

	json_object(js, "pressure");
	json_bool(js, "on", p_on);
	if (p_on) {
		json_int(js, "since", (long long)p_since);
		json_int(js, "for", (long long)(now - p_since));
	} else {
		json_null(js, "since");
		json_null(js, "for");
	}
	json_int(js, "busy", p_busy);
	json_int(js, "threshold_percent", conf->rc_pressure_threshold);
	json_int(js, "threshold_workers", threshold_workers(conf));
	json_int(js, "head_timeout", head_timeout(conf));
	if (p_left != 0) {
		json_int(js, "last_left", (long long)p_left);
		json_int(js, "last_for", (long long)p_last_for);
	} else {
		json_null(js, "last_left");
		json_null(js, "last_for");
	}
	json_end(js, '}');
}
