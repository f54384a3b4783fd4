/*
 * max-connections-per-address, the master's side: every pool tick
 * (main.c) it counts the client address keys the workers wrote into
 * their own scoreboard slots and publishes the counts on the address
 * board, which workers map read-only and read at accept
 * (worker/addr_limit.c); it takes the workers' IPC_LIMITED reports of
 * what the limits closed (pool.c), logs refusals at most once per address
 * every REFUSAL_LOG_INTERVAL seconds, and shows the counts in rpxctl
 * status (control_status.c).
 *
 * The workers' check at accept reads counts up to one tick old, so a
 * burst from one address may pass the limit within a tick; the next
 * tick asks the workers of its youngest connections beyond the limit to
 * close them, if they are still waiting for their first request or idle
 * between requests (never a request in flight, never an NTLM handshake).
 *
 * A slot is hostile: each is read once per tick and adds at most one
 * connection to one key, so a worker taken over can make another
 * address look one connection busier (and lose one connection to the
 * limit), never more.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "clock.h"
#include "ipc.h"
#include "log.h"
#include "pool_limits.h"
#include "strbuf.h"

#define REFUSAL_LOG_MAX		64	/* addresses whose refusals are
					   counted between two lines */
#define REFUSAL_LOG_INTERVAL	10	/* s between two lines of one
					   address */
#define BUSIEST_MAX		5	/* addresses rpxctl status shows */

static struct addrboard	 board = { .ab_fd = -1, .ab_rofd = -1 };
/* Two tables in the master's memory: the one last published and the
 * next, built into while the other still says what to clear. */
static struct addr_table tables[2];
static int		 published;	/* index of the last published */
static int		 tables_ready;
static struct idle_wait	 waits[RPXD_SLOTS_MAX];
static struct keyed_conn conns[RPXD_SLOTS_MAX];

/* The wait each worker was last asked to close: a slot asked for its
 * current wait is about to close it; asking again would count it twice. */
static struct {
	pid_t		 as_pid;
	uint32_t	 as_seq;
} asked[RPXD_SLOTS_MAX];

/* What the limits closed, by reason, as the workers reported it. */
static unsigned long long refused[LIMIT_REASONS];

/* Refusals of one address since its last line. */
static struct refusal {
	int		 rf_used;
	struct addr_key	 rf_key;
	time_t		 rf_logged;
	unsigned long long rf_more;
} refusals[REFUSAL_LOG_MAX];
static unsigned long long refusals_other;	/* no entry was free */
static time_t		 refusals_other_logged;
static time_t		 refusals_flushed;

static int
tables_init(const uint64_t hash_key[2], unsigned capacity)
{
	if (addr_table_init(&tables[0], capacity, hash_key) == -1)
		return -1;
	if (addr_table_init(&tables[1], capacity, hash_key) == -1) {
		addr_table_free(&tables[0]);
		return -1;
	}
	tables_ready = 1;
	return 0;
}

/* At start-up: the board for every generation of workers to come. */
void
limits_init(struct master *m)
{
	uint64_t	hk[2];

	(void)m;
	if (addrboard_create(&board, addrboard_capacity(RPXD_SLOTS_MAX)) ==
	    -1)
		fatal("startup: address board");
	hk[0] = board.ab_head->ah_hash_key[0];
	hk[1] = board.ab_head->ah_hash_key[1];
	if (tables_init(hk, board.ab_capacity) == -1)
		fatal("startup: address tables");
}

/* The tables alone, for a master without a board (rpxctl status in the
 * unit tests and the fuzz harness). */
static int
tables_get(void)
{
	uint64_t	hk[2];

	if (tables_ready)
		return 0;
	if (RAND_bytes((unsigned char *)hk, sizeof(hk)) != 1)
		return -1;
	return tables_init(hk, addrboard_capacity(RPXD_SLOTS_MAX));
}

/* The worker's setup message: the board, read-only. */
int
limits_send_setup(const struct master *m, int sock)
{
	struct msgbuf	mb;
	int		rv;

	(void)m;
	if (board.ab_rofd == -1)
		return -1;
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, board.ab_capacity);
	rv = mb.mb_error ? -1 : ipc_send(sock, IPC_ADDRBOARD, board.ab_rofd,
	    &mb);
	msgbuf_free(&mb);
	return rv;
}

/* The key a slot says its client has: read once, field by field. */
static int
slot_key(const struct scoreboard_slot *ss, struct addr_key *key)
{
	unsigned	i;

	if (ss->ss_lim.sl_key_set != 1)
		return -1;
	for (i = 0; i < ADDR_KEY_SIZE; i++)
		key->ak_bytes[i] = ss->ss_lim.sl_key[i];
	return 0;
}

/*
 * One pass over the live workers: every busy one's client key into t,
 * and for pressure mode the running generation's workers (the master's
 * own count, not the slots') with their states and idle keep-alive
 * waits. Workers of older generations still hold their connections, so
 * their clients count too.
 */
void
limits_census(struct master *m, struct addr_table *t, struct census *c)
{
	struct addr_key	 key;
	unsigned	 i;
	uint32_t	 state;
	int		 current;

	memset(c, 0, sizeof(*c));
	c->ce_waits = waits;
	c->ce_conns = conns;
	for (i = 0; i < m->m_nslots; i++) {
		const struct worker		*wk = &m->m_workers[i];
		const struct scoreboard_slot	*ss;

		if (wk->wk_pid == 0)
			continue;
		ss = scoreboard_slot(&m->m_sb, i);
		state = ss->ss_state;
		current = wk->wk_generation == m->m_generation &&
		    !wk->wk_stopping;
		if (current) {
			c->ce_total++;
			if (state == WS_IDLE || state == WS_STARTING)
				c->ce_idle++;
			else if (state == WS_BUSY)
				c->ce_busy++;
		}
		if (state != WS_BUSY)
			continue;
		if (t != NULL && slot_key(ss, &key) == 0) {
			uint32_t n = addr_table_add(t, &key);

			if (n > c->ce_most)
				c->ce_most = n;
			conns[c->ce_nconns].kc_slot = i;
			conns[c->ce_nconns].kc_key = key;
			conns[c->ce_nconns].kc_accepted = ss->ss_lim.sl_accepted;
			conns[c->ce_nconns].kc_wait = ss->ss_lim.sl_wait;
			conns[c->ce_nconns].kc_seq = ss->ss_lim.sl_wait_seq;
			c->ce_nconns++;
		}
		if (current && ss->ss_lim.sl_wait == SL_WAIT_KEEPALIVE) {
			waits[c->ce_nwaits].iw_slot = i;
			waits[c->ce_nwaits].iw_seq = ss->ss_lim.sl_wait_seq;
			waits[c->ce_nwaits].iw_since = ss->ss_lim.sl_wait_since;
			c->ce_nwaits++;
		}
	}
}

int
limits_was_asked(const struct master *m, unsigned slot, uint32_t seq)
{
	return slot < m->m_nslots &&
	    asked[slot].as_pid == m->m_workers[slot].wk_pid &&
	    asked[slot].as_seq == seq;
}

int
limits_ask_close(struct master *m, unsigned slot, uint32_t seq,
    enum limit_reason reason, uint32_t held)
{
	struct msgbuf	mb;
	int		rv = -1;

	if (slot >= m->m_nslots || limits_was_asked(m, slot, seq))
		return -1;
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, seq);
	msgbuf_put_u32(&mb, reason);
	msgbuf_put_u32(&mb, held);
	/* Droppable: a worker that does not read its socket keeps its
	 * connection, nothing more. */
	if (!mb.mb_error && pool_send(m, slot, IPC_CLOSE_WAIT, &mb, 1) == 0) {
		asked[slot].as_pid = m->m_workers[slot].wk_pid;
		asked[slot].as_seq = seq;
		rv = 0;
	}
	msgbuf_free(&mb);
	return rv;
}

/* One address's connections first, the youngest first within it. */
static int
youngest_first(const void *a, const void *b)
{
	const struct keyed_conn	*x = a, *y = b;
	int			 k = memcmp(&x->kc_key, &y->kc_key,
				    sizeof(x->kc_key));

	if (k != 0)
		return k;
	return x->kc_accepted > y->kc_accepted ? -1 :
	    x->kc_accepted < y->kc_accepted;
}

/*
 * Addresses over max-connections-per-address (a burst within one tick,
 * or a limit lowered by a reload): the connections beyond the limit,
 * youngest first, are closed where they wait for a request; one with a
 * request in flight is looked at again next tick.
 */
static void
limits_enforce(struct master *m, struct census *c)
{
	unsigned	limit = m->m_conf->rc_max_conns_per_addr;
	unsigned	i, j, n, excess;

	if (limit == 0 || c->ce_most <= limit)
		return;
	qsort(c->ce_conns, c->ce_nconns, sizeof(*c->ce_conns),
	    youngest_first);
	for (i = 0; i < c->ce_nconns; i = j) {
		for (j = i + 1; j < c->ce_nconns &&
		    memcmp(&c->ce_conns[j].kc_key, &c->ce_conns[i].kc_key,
		    sizeof(struct addr_key)) == 0; j++)
			;
		if ((n = j - i) <= limit)
			continue;
		for (excess = n - limit; excess > 0; excess--) {
			const struct keyed_conn *kc = &c->ce_conns[i +
			    excess - 1];

			if (kc->kc_wait == SL_WAIT_FIRST ||
			    kc->kc_wait == SL_WAIT_KEEPALIVE)
				(void)limits_ask_close(m, kc->kc_slot,
				    kc->kc_seq, LIMIT_ADDRESS, n);
		}
	}
}

/* Lines for the addresses whose refusals were counted quietly. */
static void
refusals_flush(const struct master *m, time_t now)
{
	char		text[ADDR_KEY_TEXT];
	unsigned	i;

	if (now == refusals_flushed)
		return;
	refusals_flushed = now;
	for (i = 0; i < REFUSAL_LOG_MAX; i++) {
		struct refusal *rf = &refusals[i];

		if (!rf->rf_used || now - rf->rf_logged < REFUSAL_LOG_INTERVAL)
			continue;
		if (rf->rf_more == 0) {
			rf->rf_used = 0;
			continue;
		}
		addr_key_text(&rf->rf_key, text, sizeof(text));
		log_warnx("limits: client %s: %llu more connection(s) refused "
		    "in the last %lld s (max-connections-per-address %u)",
		    text, rf->rf_more, (long long)(now - rf->rf_logged),
		    m->m_conf->rc_max_conns_per_addr);
		rf->rf_more = 0;
		rf->rf_logged = now;
	}
	if (refusals_other > 0 &&
	    now - refusals_other_logged >= REFUSAL_LOG_INTERVAL) {
		log_warnx("limits: %llu more connection(s) refused from "
		    "further addresses (max-connections-per-address %u)",
		    refusals_other, m->m_conf->rc_max_conns_per_addr);
		refusals_other = 0;
		refusals_other_logged = now;
	}
}

/* A refusal: a line at once for an address not refused lately, else
 * counted for its next line. */
static void
refusal_note(const struct master *m, const struct addr_key *key,
    uint32_t held)
{
	char		 text[ADDR_KEY_TEXT];
	time_t		 now = time(NULL);
	struct refusal	*free_rf = NULL;
	unsigned	 i;

	for (i = 0; i < REFUSAL_LOG_MAX; i++) {
		struct refusal *rf = &refusals[i];

		if (!rf->rf_used) {
			if (free_rf == NULL)
				free_rf = rf;
			continue;
		}
		if (memcmp(&rf->rf_key, key, sizeof(*key)) == 0) {
			rf->rf_more++;
			return;
		}
	}
	if (free_rf == NULL) {
		refusals_other++;
		return;
	}
	free_rf->rf_used = 1;
	free_rf->rf_key = *key;
	free_rf->rf_logged = now;
	free_rf->rf_more = 0;
	addr_key_text(key, text, sizeof(text));
	log_warnx("limits: client %s holds %u connection(s), "
	    "max-connections-per-address is %u: connection refused (further "
	    "refusals counted and logged every %d s)", text, held,
	    m->m_conf->rc_max_conns_per_addr, REFUSAL_LOG_INTERVAL);
}

/*
 * IPC_LIMITED from the worker in slot: counted by reason; a refusal over
 * the per-address limit is logged. -1 when malformed (the caller kills
 * the worker). What it says is its own word: a lying worker can only
 * add to the counts and to the rate-limited lines.
 */
int
limits_dispatch(struct master *m, unsigned slot, struct ipc_msg *msg)
{
	struct addr_key	key;
	uint32_t	reason, key_set, held;

	(void)slot;
	if (msg->im_fd != -1 ||
	    msgbuf_get_u32(&msg->im_payload, &reason) == -1 ||
	    msgbuf_get_u32(&msg->im_payload, &key_set) == -1 ||
	    msgbuf_get_bytes(&msg->im_payload, key.ak_bytes,
	    sizeof(key.ak_bytes)) == -1 ||
	    msgbuf_get_u32(&msg->im_payload, &held) == -1 ||
	    msgbuf_end(&msg->im_payload) == -1 ||
	    reason >= LIMIT_REASONS || key_set > 1)
		return -1;
	if (refused[reason] < ~0ULL)
		refused[reason]++;
	pressure_note((enum limit_reason)reason);
	if (reason == LIMIT_ADDRESS && key_set)
		refusal_note(m, &key, held);
	return 0;
}

/*
 * Every pool tick: count, publish with the pressure flag as pressure.c
 * decides it from the same census, and say what the quiet refusals were.
 */
void
limits_tick(struct master *m)
{
	struct addr_table	*next = &tables[!published];
	struct census		 c;

	if (!tables_ready)
		return;
	addr_table_clear(next);
	limits_census(m, next, &c);
	limits_enforce(m, &c);
	pressure_tick(m, &c);
	addrboard_publish(&board, next, &tables[published],
	    pressure_active());
	published = !published;
	refusals_flush(m, time(NULL));
}

/* The BUSIEST_MAX addresses holding most connections now, most first. */
static unsigned
busiest(struct master *m, struct addr_key *keys, uint32_t *counts)
{
	struct addr_table	*t;
	struct census		 c;
	unsigned		 i, j, n = 0;

	if (tables_get() == -1)
		return 0;
	t = &tables[!published];
	addr_table_clear(t);
	limits_census(m, t, &c);
	for (i = 0; i < t->at_nused; i++) {
		const struct addrboard_entry *e = &t->at_entries[t->at_used[i]];
		uint32_t	cnt = e->ae_count;
		uint64_t	w[2] = { e->ae_key[0], e->ae_key[1] };

		if (n == BUSIEST_MAX && counts[n - 1] >= cnt)
			continue;
		j = n < BUSIEST_MAX ? n++ : BUSIEST_MAX - 1;
		for (; j > 0 && counts[j - 1] < cnt; j--) {
			counts[j] = counts[j - 1];
			keys[j] = keys[j - 1];
		}
		counts[j] = cnt;
		memcpy(keys[j].ak_bytes, w, ADDR_KEY_SIZE);
	}
	addr_table_clear(t);
	return n;
}

/* What rpxctl metrics shows of them. */
unsigned long long
limits_refused(enum limit_reason reason)
{
	return (unsigned)reason < LIMIT_REASONS ? refused[reason] : 0;
}

static unsigned long long
refused_total(void)
{
	unsigned long long	n = 0;
	unsigned		i;

	for (i = 0; i < LIMIT_REASONS; i++)
		n = board_add(n, refused[i]);
	return n;
}

void
limits_status_text(struct master *m, struct strbuf *out)
{
	struct addr_key	keys[BUSIEST_MAX];
	uint32_t	counts[BUSIEST_MAX];
	char		text[ADDR_KEY_TEXT];
	unsigned	i, n = busiest(m, keys, counts);

	strbuf_printf(out, "limits: max-connections-per-address %u%s; "
	    "refused or closed %llu (%llu over the per-address limit, %llu "
	    "slow heads and %llu idle keep-alive under pressure)\n",
	    m->m_conf->rc_max_conns_per_addr,
	    m->m_conf->rc_max_conns_per_addr == 0 ? " (no limit)" : "",
	    refused_total(), refused[LIMIT_ADDRESS], refused[LIMIT_HEAD],
	    refused[LIMIT_IDLE]);
	strbuf_printf(out, "busiest client addresses:");
	for (i = 0; i < n; i++) {
		addr_key_text(&keys[i], text, sizeof(text));
		strbuf_printf(out, "%s %s (%u)", i > 0 ? "," : "", text,
		    counts[i]);
	}
	strbuf_printf(out, "%s\n", n == 0 ? " none" : "");
}

void
limits_status_json(struct master *m, struct json *js)
{
	struct addr_key	keys[BUSIEST_MAX];
	uint32_t	counts[BUSIEST_MAX];
	char		text[ADDR_KEY_TEXT];
	unsigned	i, n = busiest(m, keys, counts);

	json_object(js, "limits");
	json_int(js, "max_connections_per_address",
	    m->m_conf->rc_max_conns_per_addr);
	json_object(js, "refused");
	json_int(js, "total", board_count(refused_total()));
	json_int(js, "per_address", board_count(refused[LIMIT_ADDRESS]));
	json_int(js, "pressure_head", board_count(refused[LIMIT_HEAD]));
	json_int(js, "pressure_idle", board_count(refused[LIMIT_IDLE]));
	json_end(js, '}');
	json_array(js, "busiest_addresses");
	for (i = 0; i < n; i++) {
		addr_key_text(&keys[i], text, sizeof(text));
		json_object(js, NULL);
		json_str(js, "address", text);
		json_int(js, "connections", counts[i]);
		json_end(js, '}');
	}
	json_end(js, ']');
	json_end(js, '}');
}
