/*
 * The idle backend connections of a worker as a small list, oldest
 * first (see idle_cache.h). A request takes the newest one to its server:
 * the one least likely to have been closed by the backend meanwhile, as
 * nginx and HAProxy do; the cap pushes out the oldest.
 */
#include <string.h>

#include "idle_cache.h"

void
idle_cache_init(struct idle_cache *c, unsigned cap, unsigned timeout_s)
{
	memset(c, 0, sizeof(*c));
	c->ic_cap = cap > IDLE_CACHE_MAX ? IDLE_CACHE_MAX : cap;
	if (timeout_s == 0)
		c->ic_cap = 0;
	c->ic_timeout_ms = 1000 * (int64_t)timeout_s;
}

int
idle_cache_enabled(const struct idle_cache *c)
{
	return c->ic_cap > 0;
}

/* Take entry i out, keeping the others in order. */
static void
remove_at(struct idle_cache *c, unsigned i, struct idle_conn *out)
{
	*out = c->ic_conns[i];
	memmove(&c->ic_conns[i], &c->ic_conns[i + 1],
	    (c->ic_n - i - 1) * sizeof(c->ic_conns[0]));
	c->ic_n--;
}

int
idle_cache_put(struct idle_cache *c, const struct idle_conn *conn,
    struct idle_conn *out)
{
	int	pushed = 0;

	if (c->ic_cap == 0) {
		*out = *conn;
		return 1;
	}
	if (c->ic_n >= c->ic_cap) {
		remove_at(c, 0, out);
		pushed = 1;
	}
	c->ic_conns[c->ic_n++] = *conn;
	return pushed;
}

static int
expired(const struct idle_cache *c, const struct idle_conn *ic, int64_t now)
{
	return now - ic->ic_since >= c->ic_timeout_ms;
}

int
idle_cache_take(struct idle_cache *c, unsigned be, unsigned sv, int64_t now,
    struct idle_conn *out)
{
	unsigned	i;

	for (i = c->ic_n; i-- > 0; ) {
		const struct idle_conn *ic = &c->ic_conns[i];

		if (ic->ic_be == be && ic->ic_sv == sv && !expired(c, ic, now)) {
			remove_at(c, i, out);
			return 1;
		}
	}
	return 0;
}

int
idle_cache_expire(struct idle_cache *c, int64_t now, struct idle_conn *out)
{
	/* Oldest first, by a monotonic clock: the first expires first. */
	if (c->ic_n == 0 || !expired(c, &c->ic_conns[0], now))
		return 0;
	remove_at(c, 0, out);
	return 1;
}

int
idle_cache_pop(struct idle_cache *c, struct idle_conn *out)
{
	if (c->ic_n == 0)
		return 0;
	remove_at(c, c->ic_n - 1, out);
	return 1;
}

int64_t
idle_cache_wait_ms(const struct idle_cache *c, int64_t now)
{
	int64_t	left;

	if (c->ic_n == 0)
		return -1;
	left = c->ic_conns[0].ic_since + c->ic_timeout_ms - now;
	return left > 0 ? left : 0;
}
