/*
 * Which server of a backend gets a new backend connection: the one a
 * sticky cookie names, else by the backend's balance (round robin, least
 * connections over all workers, or a keyed hash of the client address),
 * among the servers that the health checks and recent connect failures
 * leave available. Every worker reads the same health board, so they all
 * agree without asking each other.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "worker.h"

#define COOKIE_VALUE_LEN	16	/* hex digits */

/* Is server sv a candidate? Passive holds count unless ignore_hold. */
static int
server_available(struct worker_env *w, const struct backend_conf *bc,
    unsigned sv, uint64_t tried, int ignore_hold, int64_t now)
{
	const struct hb_server	*hs = healthboard_server(&w->w_hb, bc, sv);

	if (sv < 64 && (tried & (1ULL << sv)))
		return 0;
	if (hs == NULL)
		return 1;
	if (hs->hs_state == HB_DOWN)
		return 0;
	return ignore_hold || hs->hs_down_until <= now;
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
 * The next turn of the backend's rotation. It is counted in the board, so
 * that the pool as a whole takes the servers in turn, not each worker on
 * its own.
 */
static unsigned
next_turn(struct worker_env *w, const struct backend_conf *bc)
{
	struct hb_server	*first = healthboard_server(&w->w_hb, bc, 0);

	if (first == NULL)
		return w->w_rr++;
	return __atomic_fetch_add(&first->hs_rr, 1, __ATOMIC_RELAXED);
}

/* Ties go in turn. */
static int
pick_leastconn(struct worker_env *w, const struct backend_conf *bc,
    uint64_t tried, int ignore_hold, int64_t now)
{
	const struct hb_server	*hs;
	unsigned		 i, idx, start = next_turn(w, bc), best = 0, n;
	int			 pick = -1;

	for (i = 0; i < bc->be_nservers; i++) {
		idx = (start + i) % bc->be_nservers;
		if (!server_available(w, bc, idx, tried, ignore_hold, now))
			continue;
		hs = healthboard_server(&w->w_hb, bc, idx);
		n = hs != NULL ? hs->hs_active : 0;
		if (pick == -1 || n < best) {
			best = n;
			pick = (int)idx;
		}
	}
	return pick;
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
