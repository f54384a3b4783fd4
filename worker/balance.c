/*
 * Which server of a backend gets a new backend connection: the one a
 * sticky cookie names, else by the backend's balance (round robin, least
 * connections over all workers, or a keyed hash of the client address),
 * among the servers that the health checks and recent connect failures
 * leave available. Every worker reads the same health board, which only
 * the master and the checker write: a worker's own hold-offs and turns
 * taken since the board last changed are kept in its private memory.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "log.h"
#include "worker.h"

#define COOKIE_VALUE_LEN	16	/* hex digits */

/*
 * In each worker, once forked (template.c): per-server and per-backend
 * memory of its own, written at every request; allocated in the
 * template, it would copy a page of the template's in every worker. The
 * worker's seed (w_rng) comes with it.
 */
void
balance_init(struct worker_env *w)
{
	const struct rpxd_conf	*c = w->w_conf;
	size_t			 ns = c->rc_nservers + 1, nb = c->rc_nbackends + 1;

	if ((w->w_hold_until = calloc(ns, sizeof(*w->w_hold_until))) == NULL ||
	    (w->w_rr_seen = calloc(nb, sizeof(*w->w_rr_seen))) == NULL ||
	    (w->w_rr_local = calloc(nb, sizeof(*w->w_rr_local))) == NULL)
		fatal("worker: balance memory");
}

/* Is server sv a candidate? Passive holds count unless ignore_hold:
 * the board's (the master's decision) and this worker's own. */
static int
server_available(struct worker_env *w, const struct backend_conf *bc,
    unsigned sv, uint64_t tried, int ignore_hold, int64_t now)
{
	const struct hb_server	*hs = healthboard_server(&w->w_hb, bc, sv);
	unsigned		 i = bc->be_first_server + sv;

	if (sv < 64 && (tried & (1ULL << sv)))
		return 0;
	if (hs != NULL && hs->hs_state == HB_DOWN)
		return 0;
	if (ignore_hold)
		return 1;
	if (i < w->w_conf->rc_nservers && w->w_hold_until[i] > now)
		return 0;
	return hs == NULL || hs->hs_down_until <= now;
}

/*
 * A server refused this worker: it skips it for the down-time at once,
 * and asks the master to hold it off for every worker. The master bounds
 * that (master/board.c): it never takes a backend's last server on one
 * worker's word.
 */
void
balance_hold(struct worker_env *w, const struct backend_conf *bc,
    unsigned sv)
{
	unsigned	i = bc->be_first_server + sv;

	if (bc->be_down_time == 0 || i >= w->w_conf->rc_nservers)
		return;
	w->w_hold_until[i] = now_ms() + 1000 * (int64_t)bc->be_down_time;
	board_hold_off(w, bc, sv);
}

/*
 * The cookie value naming a server: a digest of the backend and server
 * names, so it survives restarts and does not show the internal address.
 */
void
balance_cookie_value(const struct backend_conf *bc, unsigned sv,
    char out[COOKIE_VALUE_LEN + 1])
{
	unsigned char	md[SHA256_DIGEST_LENGTH];
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	unsigned	 i;

	memset(md, 0, sizeof(md));
	if (ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, bc->be_name, strlen(bc->be_name) + 1) == 1 &&
	    EVP_DigestUpdate(ctx, bc->be_servers[sv].sv_name,
	    strlen(bc->be_servers[sv].sv_name)) == 1)
		(void)EVP_DigestFinal_ex(ctx, md, NULL);
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < COOKIE_VALUE_LEN / 2; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The value of cookie name in the request's Cookie fields, or NULL. */
static const char *
request_cookie(const struct http_message *req, const char *name,
    size_t *len)
{
	size_t		 nlen = strlen(name), i, end;
	unsigned	 h;

	for (h = 0; h < req->hm_nheaders; h++) {
		const struct http_header *f = &req->hm_headers[h];
		const char	*v = f->hh_value;

		if (!http_header_is(f, "Cookie"))
			continue;
		for (i = 0; i < f->hh_valuelen; i = end + 1) {
			while (i < f->hh_valuelen && (v[i] == ' ' ||
			    v[i] == '\t'))
				i++;
			for (end = i; end < f->hh_valuelen && v[end] != ';';
			    end++)
				;
			if (end - i > nlen && v[i + nlen] == '=' &&
			    memcmp(v + i, name, nlen) == 0) {
				*len = end - i - nlen - 1;
				while (*len > 0 && (v[i + nlen + *len] == ' ' ||
				    v[i + nlen + *len] == '\t'))
					(*len)--;
				return v + i + nlen + 1;
			}
		}
	}
	return NULL;
}

/* The server the request's sticky cookie names, or -1. */
int
balance_sticky_server(const struct backend_conf *bc,
    const struct http_message *req)
{
	char		 want[COOKIE_VALUE_LEN + 1];
	const char	*v;
	size_t		 len;
	unsigned	 i;

	if (bc->be_sticky_cookie[0] == '\0' || req == NULL ||
	    (v = request_cookie(req, bc->be_sticky_cookie, &len)) == NULL ||
	    len != COOKIE_VALUE_LEN)
		return -1;
	for (i = 0; i < bc->be_nservers; i++) {
		balance_cookie_value(bc, i, want);
		if (memcmp(want, v, COOKIE_VALUE_LEN) == 0)
			return (int)i;
	}
	return -1;
}

/* 64 bits mixed well (splitmix64's finalizer). */
static uint64_t
mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * balance = source: rendezvous hashing of a keyed digest of the client
 * address. A server that goes down moves only its own clients.
 */
static int
pick_source(struct worker_env *w, const struct backend_conf *bc,
    uint64_t tried, int ignore_hold, int64_t now)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	uint64_t	 h = 0, score, best = 0;
	unsigned	 i;
	int		 pick = -1;

	if (HMAC(EVP_sha256(), w->w_hash_key, sizeof(w->w_hash_key),
	    (const unsigned char *)w->w_client_ip, strlen(w->w_client_ip),
	    md, &mdlen) != NULL && mdlen >= sizeof(h))
		memcpy(&h, md, sizeof(h));
	for (i = 0; i < bc->be_nservers; i++) {
		if (!server_available(w, bc, i, tried, ignore_hold, now))
			continue;
		score = mix64(h ^ mix64(i + 1));
		if (pick == -1 || score > best) {
			best = score;
			pick = (int)i;
		}
	}
	return pick;
}

/*
 * The next turn of the backend's rotation: the turns the pool has taken
 * (the master counts every worker's new connections on the board, see
 * IPC_BACKEND_CONN) plus those this worker took since the board last
 * changed. Sequential connections thus go round the servers whichever
 * worker takes them; concurrent ones may share a turn.
 */
static unsigned
next_turn(struct worker_env *w, const struct backend_conf *bc)
{
	const struct hb_server	*first = healthboard_server(&w->w_hb, bc, 0);
	size_t			 b = (size_t)(bc - w->w_conf->rc_backends);
	uint32_t		 board = first != NULL ? first->hs_rr : 0;

	if (b >= w->w_conf->rc_nbackends)
		return 0;
	if (board != w->w_rr_seen[b]) {
		w->w_rr_seen[b] = board;
		w->w_rr_local[b] = 0;
	}
	return board + w->w_rr_local[b]++;
}

/* xorshift64*: enough to spread choices, not for secrets. */
static uint64_t
rng_next(struct worker_env *w)
{
	uint64_t	x = w->w_rng != 0 ? w->w_rng : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	w->w_rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/*
 * Least connections by the board's counts (the master's sum, at most a
 * second old between changes it hears of) with two random choices: the
 * less loaded of two available servers, so that the workers of a large
 * pool, all reading the same counts, do not herd onto one server.
 */
static int
pick_leastconn(struct worker_env *w, const struct backend_conf *bc,
    uint64_t tried, int ignore_hold, int64_t now)
{
	const struct hb_server	*ha, *hb;
	unsigned		 cand[RPXD_MAX_SERVERS], n = 0, i, a, b;

	for (i = 0; i < bc->be_nservers && n < RPXD_MAX_SERVERS; i++)
		if (server_available(w, bc, i, tried, ignore_hold, now))
			cand[n++] = i;
	if (n == 0)
		return -1;
	a = cand[rng_next(w) % n];
	if (n == 1)
		return (int)a;
	b = cand[rng_next(w) % (n - 1)];
	if (b == a)
		b = cand[n - 1];
	ha = healthboard_server(&w->w_hb, bc, a);
	hb = healthboard_server(&w->w_hb, bc, b);
	if (ha != NULL && hb != NULL && hb->hs_active < ha->hs_active)
		return (int)b;
	return (int)a;
}

static int
pick_roundrobin(struct worker_env *w, const struct backend_conf *bc,
    uint64_t tried, int ignore_hold, int64_t now)
{
	unsigned	i, idx, start = next_turn(w, bc);

	for (i = 0; i < bc->be_nservers; i++) {
		idx = (start + i) % bc->be_nservers;
		if (server_available(w, bc, idx, tried, ignore_hold, now))
			return (int)idx;
	}
	return -1;
}

static int
pick(struct worker_env *w, const struct backend_conf *bc, int sticky,
    uint64_t tried, int ignore_hold)
{
	int64_t	now = now_ms();

	if (sticky >= 0 && server_available(w, bc, (unsigned)sticky, tried,
	    ignore_hold, now))
		return sticky;
	switch (bc->be_balance) {
	case BALANCE_LEASTCONN:
		return pick_leastconn(w, bc, tried, ignore_hold, now);
	case BALANCE_SOURCE:
		return pick_source(w, bc, tried, ignore_hold, now);
	default:
		return pick_roundrobin(w, bc, tried, ignore_hold, now);
	}
}

/*
 * The next server to try, not one in tried (bit i: server i). Servers
 * held back after a recent connect failure are tried only when no other
 * is left: a short outage of every server must not turn into 503s for
 * the whole down-time. -1: none is available (all checked down).
 */
int
balance_pick(struct worker_env *w, const struct backend_conf *bc,
    int sticky, uint64_t tried)
{
	int	sv = pick(w, bc, sticky, tried, 0);

	return sv >= 0 ? sv : pick(w, bc, sticky, tried, 1);
}
