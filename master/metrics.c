/*
 * The master's metrics totals (metrics.h). Workers count in their own
 * scoreboard slots; every second (and before rpxctl metrics answers, and
 * when a worker exits) the master reads each live worker's counters as
 * hostile and adds to its totals only what grew since it last looked:
 * a counter that went down is ignored until it passes its old value, and
 * the last growth of a worker that exits is taken before its slot is
 * reused. So the totals never go backwards, whatever a worker writes, and
 * survive workers and reloads. They are kept by name (listener and
 * route, backend and server), so a route keeps its series across a
 * reload; each generation still running has a layout that names its
 * buckets. Then the text is rendered and published in the snapshot that
 * metrics listeners serve. Called by main.c, reload.c, pool.c,
 * ntlm_check.c and control_cmd.c.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipc.h"
#include "log.h"
#include "master.h"
#include "metrics.h"

#define MX_LAYOUTS	8	/* generations named at once; workers of an
				   older one count into "other" */

/* How one generation's buckets map to series. */
struct mx_layout {
	uint32_t	 ly_gen;	/* 0: free */
	unsigned	 ly_nlisteners;
	unsigned	*ly_base;	/* per listener: mb_listener_base */
	unsigned	*ly_nroutes;	/* per listener */
	int		*ly_listener;	/* per listener: its series */
	unsigned	 ly_nbuckets;
	int		 ly_route[MB_ROUTES];	/* per bucket: its series */
	unsigned	 ly_nservers;
	int		 ly_server[MB_SERVERS];
};

static struct mx_state		 st;
static struct mx_layout		 layouts[MX_LAYOUTS];
/* What each live worker's slot said when last read (NULL: not yet). */
static struct metrics_slot	*seen[RPXD_SLOTS_MAX];
static pid_t			 seen_pid[RPXD_SLOTS_MAX];
static struct mb_snapshot	 snapshot = { -1, -1, NULL };
static int			 too_large_logged;

/* Room for one more element of an array of size each. */
static int
grow_array(void **arr, unsigned n, unsigned *cap, size_t size)
{
	void		*p;
	unsigned	 c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	if ((p = reallocarray(*arr, c, size)) == NULL)
		return -1;
	*arr = p;
	*cap = c;
	return 0;
}

static int
listener_series(const char *name)
{
	unsigned	i;

	for (i = 0; i < st.st_nlisteners; i++)
		if (strcmp(st.st_listeners[i].ml_name, name) == 0)
			return (int)i;
	if (grow_array((void **)&st.st_listeners, st.st_nlisteners,
	    &st.st_caplisteners, sizeof(*st.st_listeners)) == -1)
		return -1;
	memset(&st.st_listeners[i], 0, sizeof(st.st_listeners[i]));
	snprintf(st.st_listeners[i].ml_name, sizeof(st.st_listeners[i].ml_name),
	    "%s", name);
	return (int)st.st_nlisteners++;
}

static int
route_series(const char *listener, const char *name)
{
	int		l = listener_series(listener);
	unsigned	i;

	if (l == -1)
		return -1;
	for (i = 0; i < st.st_nroutes; i++)
		if (st.st_routes[i].mr_listener == (unsigned)l &&
		    strcmp(st.st_routes[i].mr_name, name) == 0)
			return (int)i;
	if (grow_array((void **)&st.st_routes, st.st_nroutes,
	    &st.st_caproutes, sizeof(*st.st_routes)) == -1)
		return -1;
	memset(&st.st_routes[i], 0, sizeof(st.st_routes[i]));
	st.st_routes[i].mr_listener = (unsigned)l;
	snprintf(st.st_routes[i].mr_name, sizeof(st.st_routes[i].mr_name),
	    "%s", name);
	return (int)st.st_nroutes++;
}

static int
server_series(const char *backend, const char *server)
{
	unsigned	i;

	for (i = 0; i < st.st_nservers; i++)
		if (strcmp(st.st_servers[i].mv_backend, backend) == 0 &&
		    strcmp(st.st_servers[i].mv_server, server) == 0)
			return (int)i;
	if (grow_array((void **)&st.st_servers, st.st_nservers,
	    &st.st_capservers, sizeof(*st.st_servers)) == -1)
		return -1;
	memset(&st.st_servers[i], 0, sizeof(st.st_servers[i]));
	snprintf(st.st_servers[i].mv_backend,
	    sizeof(st.st_servers[i].mv_backend), "%s", backend);
	snprintf(st.st_servers[i].mv_server,
	    sizeof(st.st_servers[i].mv_server), "%s", server);
	return (int)st.st_nservers++;
}

static void
layout_free(struct mx_layout *ly)
{
	free(ly->ly_base);
	free(ly->ly_nroutes);
	free(ly->ly_listener);
	memset(ly, 0, sizeof(*ly));
}

static struct mx_layout *
layout_of(uint32_t gen)
{
	unsigned	i;

	for (i = 0; i < MX_LAYOUTS; i++)
		if (layouts[i].ly_gen == gen && gen != 0)
			return &layouts[i];
	return NULL;
}

static void
layout_routes(struct mx_layout *ly, const struct rpxd_conf *c)
{
	unsigned	l, r, b;
	int		over = mb_route_overflow(c);

	for (b = 0; b < MB_ROUTES; b++)
		ly->ly_route[b] = -1;
	ly->ly_nbuckets = mb_route_buckets(c);
	for (l = 0; l < c->rc_nlisteners; l++) {
		const struct listener_conf *ls = &c->rc_listeners[l];

		ly->ly_base[l] = mb_listener_base(c, l);
		ly->ly_nroutes[l] = ls->ls_nroutes;
		ly->ly_listener[l] = listener_series(ls->ls_name);
		for (r = 0; r <= ls->ls_nroutes; r++) {
			b = ly->ly_base[l] + r;
			if (b >= MB_ROUTES || (over && b == MB_ROUTES - 1))
				break;
			ly->ly_route[b] = route_series(ls->ls_name, r == 0 ?
			    "" : ls->ls_routes[r - 1].rt_name);
		}
	}
	if (over)
		ly->ly_route[MB_ROUTES - 1] = route_series(MX_OTHER, MX_OTHER);
}

static void
layout_servers(struct mx_layout *ly, const struct rpxd_conf *c)
{
	unsigned	b, s, i;
	int		over = c->rc_nservers > MB_SERVERS;

	for (i = 0; i < MB_SERVERS; i++)
		ly->ly_server[i] = -1;
	ly->ly_nservers = over ? MB_SERVERS : c->rc_nservers;
	for (b = 0; b < c->rc_nbackends; b++) {
		const struct backend_conf *be = &c->rc_backends[b];

		for (s = 0; s < be->be_nservers; s++) {
			i = be->be_first_server + s;
			if (i >= MB_SERVERS || (over && i == MB_SERVERS - 1))
				break;
			ly->ly_server[i] = server_series(be->be_name,
			    be->be_servers[s].sv_name);
		}
	}
	if (over)
		ly->ly_server[MB_SERVERS - 1] = server_series(MX_OTHER,
		    MX_OTHER);
}

/* The layout of the running generation; the oldest one gives way when
 * all are taken. */
static void
layout_build(const struct master *m)
{
	const struct rpxd_conf	*c = m->m_conf;
	struct mx_layout	*ly = NULL;
	unsigned		 i, n = c->rc_nlisteners + 1;

	if (layout_of(m->m_generation) != NULL)
		return;
	for (i = 0; i < MX_LAYOUTS; i++)
		if (ly == NULL || layouts[i].ly_gen < ly->ly_gen)
			ly = &layouts[i];
	layout_free(ly);
	if ((ly->ly_base = calloc(n, sizeof(*ly->ly_base))) == NULL ||
	    (ly->ly_nroutes = calloc(n, sizeof(*ly->ly_nroutes))) == NULL ||
	    (ly->ly_listener = calloc(n, sizeof(*ly->ly_listener))) == NULL) {
		log_warn("metrics: layout of generation %u", m->m_generation);
		layout_free(ly);
		return;
	}
	ly->ly_gen = m->m_generation;
	ly->ly_nlisteners = c->rc_nlisteners;
	layout_routes(ly, c);
	layout_servers(ly, c);
	for (i = 0; i < st.st_nlisteners; i++)
		st.st_listeners[i].ml_current = 0;
	for (i = 0; i < c->rc_nlisteners; i++)
		if (ly->ly_listener[i] >= 0)
			st.st_listeners[ly->ly_listener[i]].ml_current = 1;
}

/* What v grew by since *last (0 if it did not, or went down). */
static uint64_t
grew(volatile uint64_t *last, const volatile uint64_t *v)
{
	uint64_t	now = *v, d;

	if (now <= *last)
		return 0;
	d = now - *last;
	*last = now;
	return d;
}

#define ADD(total, last, v)	((total) = board_add((total), grew(&(last), &(v))))

/* A worker whose generation has no layout counts every bucket under
 * "(other)". */
static void
collect_routes(const struct mx_layout *ly, struct metrics_slot *was,
    const struct metrics_slot *now)
{
	unsigned	b, k, n = ly != NULL ? ly->ly_nbuckets : MB_ROUTES;
	int		s, other = ly != NULL ? -1 : route_series(MX_OTHER,
			    MX_OTHER);

	for (b = 0; b < n; b++) {
		struct mb_route_counts	*lw = &was->ms_route[b];
		const struct mb_route_counts *nw = &now->ms_route[b];
		struct mx_route		 dummy, *r;

		s = ly != NULL ? ly->ly_route[b] : other;
		r = s >= 0 ? &st.st_routes[s] : &dummy;
		for (k = 0; k < MB_CLASSES; k++)
			ADD(r->mr_class[k], lw->mc_class[k], nw->mc_class[k]);
		ADD(r->mr_in, lw->mc_in, nw->mc_in);
		ADD(r->mr_out, lw->mc_out, nw->mc_out);
	}
}

static void
collect_servers(const struct mx_layout *ly, struct metrics_slot *was,
    const struct metrics_slot *now)
{
	unsigned		 i, n = ly != NULL ? ly->ly_nservers : MB_SERVERS;
	unsigned long long	 dummy;
	int			 s, other = ly != NULL ? -1 :
				    server_series(MX_OTHER, MX_OTHER);

	for (i = 0; i < n; i++) {
		s = ly != NULL ? ly->ly_server[i] : other;
		ADD(*(s >= 0 ? &st.st_servers[s].mv_failures : &dummy),
		    was->ms_server_failures[i], now->ms_server_failures[i]);
	}
}

#define LAST(f)	(was->f)

static void
collect_globals(struct metrics_slot *was, const struct metrics_slot *now)
{
	unsigned	i;

	ADD(st.st_tls_done, LAST(ms_tls_done), now->ms_tls_done);
	ADD(st.st_tls_resumed, LAST(ms_tls_resumed), now->ms_tls_resumed);
	for (i = 0; i < MB_TLS_FAILURES; i++)
		ADD(st.st_tls_failed[i], LAST(ms_tls_failed[i]),
		    now->ms_tls_failed[i]);
	for (i = 0; i < MB_REFUSED_REASONS; i++)
		ADD(st.st_refused[i], LAST(ms_refused[i]), now->ms_refused[i]);
	for (i = 0; i < MB_KEY_BUCKETS; i++)
		ADD(st.st_key_bucket[i], LAST(ms_key_bucket[i]),
		    now->ms_key_bucket[i]);
	ADD(st.st_key_sum_us, LAST(ms_key_sum_us), now->ms_key_sum_us);
	ADD(st.st_key_failed, LAST(ms_key_failed), now->ms_key_failed);
}

/* What the worker in slot counted since the master last looked. */
static void
collect_slot(struct master *m, unsigned slot)
{
	const struct worker		*wk = &m->m_workers[slot];
	const struct metrics_slot	*now;

	if (wk->wk_pid <= 0)
		return;
	if (seen[slot] == NULL || seen_pid[slot] != wk->wk_pid) {
		if (seen[slot] == NULL &&
		    (seen[slot] = malloc(sizeof(*seen[slot]))) == NULL) {
			log_warn("metrics: worker %ld", (long)wk->wk_pid);
			return;
		}
		/* A new worker's slot was zeroed before it started. */
		memset(seen[slot], 0, sizeof(*seen[slot]));
		seen_pid[slot] = wk->wk_pid;
	}
	now = &scoreboard_slot(&m->m_sb, slot)->ss_metrics;
	collect_routes(layout_of(wk->wk_generation), seen[slot], now);
	collect_servers(layout_of(wk->wk_generation), seen[slot], now);
	collect_globals(seen[slot], now);
}

/*
 * A layout whose generation has no worker left names nothing more; the
 * series that no layout names go with it (a route or server a reload
 * removed), the others stay, renumbered.
 */
static void prune(void);

static void
layouts_expire(const struct master *m, const int live[MX_LAYOUTS])
{
	unsigned	i;
	int		freed = 0;

	for (i = 0; i < MX_LAYOUTS; i++)
		if (layouts[i].ly_gen != 0 && !live[i] &&
		    layouts[i].ly_gen != m->m_generation) {
			layout_free(&layouts[i]);
			freed = 1;
		}
	if (freed)
		prune();
}

/* Every live worker's counts; the layouts no worker uses go. */
static void
collect_all(struct master *m)
{
	const struct mx_layout	*ly;
	int			 live[MX_LAYOUTS] = { 0 };
	unsigned		 i;

	layout_build(m);
	for (i = 0; i < m->m_nslots; i++) {
		if (m->m_workers[i].wk_pid <= 0)
			continue;
		collect_slot(m, i);
		if ((ly = layout_of(m->m_workers[i].wk_generation)) != NULL)
			live[ly - layouts] = 1;
	}
	layouts_expire(m, live);
}

/* New index of each kept element, -1 for a dropped one; returns the
 * number kept. */
static unsigned
compact_map(const unsigned char *keep, unsigned n, int *map)
{
	unsigned	i, k = 0;

	for (i = 0; i < n; i++)
		map[i] = keep[i] ? (int)k++ : -1;
	return k;
}

static void
prune_routes(unsigned char *keep, int *map)
{
	unsigned	i, j, n;

	memset(keep, 0, st.st_nroutes);
	for (i = 0; i < MX_LAYOUTS; i++)
		for (j = 0; layouts[i].ly_gen != 0 && j < MB_ROUTES; j++)
			if (layouts[i].ly_route[j] >= 0)
				keep[layouts[i].ly_route[j]] = 1;
	n = compact_map(keep, st.st_nroutes, map);
	for (i = 0; i < st.st_nroutes; i++)
		if (map[i] >= 0)
			st.st_routes[map[i]] = st.st_routes[i];
	st.st_nroutes = n;
	for (i = 0; i < MX_LAYOUTS; i++)
		for (j = 0; layouts[i].ly_gen != 0 && j < MB_ROUTES; j++)
			if (layouts[i].ly_route[j] >= 0)
				layouts[i].ly_route[j] =
				    map[layouts[i].ly_route[j]];
}

static void
prune_listeners(unsigned char *keep, int *map)
{
	unsigned	i, j, n;

	memset(keep, 0, st.st_nlisteners);
	for (i = 0; i < st.st_nroutes; i++)
		keep[st.st_routes[i].mr_listener] = 1;
	n = compact_map(keep, st.st_nlisteners, map);
	for (i = 0; i < st.st_nlisteners; i++)
		if (map[i] >= 0)
			st.st_listeners[map[i]] = st.st_listeners[i];
	st.st_nlisteners = n;
	for (i = 0; i < st.st_nroutes; i++)
		st.st_routes[i].mr_listener =
		    (unsigned)map[st.st_routes[i].mr_listener];
	for (i = 0; i < MX_LAYOUTS; i++)
		for (j = 0; j < layouts[i].ly_nlisteners; j++)
			if (layouts[i].ly_listener[j] >= 0)
				layouts[i].ly_listener[j] =
				    map[layouts[i].ly_listener[j]];
}

static void
prune_servers(unsigned char *keep, int *map)
{
	unsigned	i, j, n;

	memset(keep, 0, st.st_nservers);
	for (i = 0; i < MX_LAYOUTS; i++)
		for (j = 0; layouts[i].ly_gen != 0 && j < MB_SERVERS; j++)
			if (layouts[i].ly_server[j] >= 0)
				keep[layouts[i].ly_server[j]] = 1;
	n = compact_map(keep, st.st_nservers, map);
	for (i = 0; i < st.st_nservers; i++)
		if (map[i] >= 0)
			st.st_servers[map[i]] = st.st_servers[i];
	st.st_nservers = n;
	for (i = 0; i < MX_LAYOUTS; i++)
		for (j = 0; layouts[i].ly_gen != 0 && j < MB_SERVERS; j++)
			if (layouts[i].ly_server[j] >= 0)
				layouts[i].ly_server[j] =
				    map[layouts[i].ly_server[j]];
}

static void
prune(void)
{
	unsigned	 n = st.st_nroutes;
	unsigned char	*keep;
	int		*map;

	if (st.st_nlisteners > n)
		n = st.st_nlisteners;
	if (st.st_nservers > n)
		n = st.st_nservers;
	if ((keep = malloc(n + 1)) == NULL ||
	    (map = calloc(n + 1, sizeof(*map))) == NULL) {
		free(keep);
		return;		/* kept for another time */
	}
	prune_routes(keep, map);
	prune_listeners(keep, map);
	prune_servers(keep, map);
	free(keep);
	free(map);
}

int
metrics_route_of(uint32_t gen, int32_t listener, int32_t route)
{
	const struct mx_layout	*ly = layout_of(gen);
	unsigned		 b;

	if (ly == NULL || listener < 0 ||
	    (unsigned)listener >= ly->ly_nlisteners || route < -1 ||
	    (route >= 0 && (unsigned)route >= ly->ly_nroutes[listener]))
		return -1;
	b = mb_bucket(ly->ly_base[listener], route);
	return b < ly->ly_nbuckets ? ly->ly_route[b] : -1;
}

int
metrics_listener_of(uint32_t gen, unsigned listener)
{
	const struct mx_layout	*ly = layout_of(gen);

	if (ly == NULL || listener >= ly->ly_nlisteners)
		return -1;
	return ly->ly_listener[listener];
}

int
metrics_server_of(uint32_t gen, unsigned board_index)
{
	const struct mx_layout	*ly = layout_of(gen);

	if (ly == NULL || board_index >= ly->ly_nservers ||
	    (ly->ly_nservers == MB_SERVERS && board_index == MB_SERVERS - 1))
		return -1;
	return ly->ly_server[board_index];
}

static int
has_metrics_listener(const struct rpxd_conf *c)
{
	unsigned	i;

	for (i = 0; i < c->rc_nlisteners; i++)
		if (c->rc_listeners[i].ls_metrics)
			return 1;
	return 0;
}

/* The length of text to publish: all of it when it is whole and fits,
 * else up to the last family that starts within the bound (a strbuf
 * past its own bound, or out of memory, keeps a part). */
static size_t
fitting(const char *text, size_t len, int whole)
{
	const char	*p = text, *q;
	size_t		 cut = 0, limit = len < MB_TEXT_MAX ? len : MB_TEXT_MAX;

	if (whole && len <= MB_TEXT_MAX)
		return len;
	while ((q = memmem(p, limit - (size_t)(p - text), "\n# HELP ",
	    8)) != NULL) {
		cut = (size_t)(q - text) + 1;
		p = q + 1;
	}
	if (!too_large_logged)
		log_warnx("metrics: the text does not fit in %u bytes; metrics "
		    "listeners serve the families that fit",
		    (unsigned)MB_TEXT_MAX);
	too_large_logged = 1;
	return cut;
}

static void
publish(struct master *m)
{
	struct strbuf	 out;

	strbuf_init(&out);
	metrics_view(m, &st);
	mx_render(&st, &out);
	if (out.sb_buf != NULL)
		mb_snapshot_publish(&snapshot, out.sb_buf, fitting(out.sb_buf,
		    out.sb_len, !out.sb_failed), time(NULL));
	strbuf_free(&out);
}

void
metrics_init(struct master *m)
{
	if (mb_snapshot_create(&snapshot) == -1)
		fatal("startup: metrics snapshot");
	layout_build(m);
	publish(m);
}

void
metrics_reload(struct master *m)
{
	layout_build(m);
	if (has_metrics_listener(m->m_conf))
		publish(m);
}

void
metrics_tick(struct master *m)
{
	collect_all(m);
	if (has_metrics_listener(m->m_conf))
		publish(m);
}

/* Its last counts, taken before the slot is freed and reused. */
void
metrics_worker_exited(struct master *m, unsigned slot)
{
	if (slot >= m->m_nslots)
		return;
	layout_build(m);
	collect_slot(m, slot);
	free(seen[slot]);
	seen[slot] = NULL;
	seen_pid[slot] = 0;
}

void
metrics_ntlm(enum mx_ntlm result)
{
	if ((unsigned)result < MX_NTLM_RESULTS)
		st.st_ntlm[result]++;
}

/* The snapshot, to a worker whose configuration has a metrics listener. */
int
metrics_send_setup(const struct master *m, int sock)
{
	if (!has_metrics_listener(m->m_conf))
		return 0;
	return ipc_send(sock, IPC_METRICS, snapshot.ms_rofd, NULL);
}

void
metrics_control(struct master *m, struct strbuf *out)
{
	collect_all(m);
	board_sum(m);
	metrics_view(m, &st);
	mx_render(&st, out);
}
