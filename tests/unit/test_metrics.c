/*
 * Unit tests for the metrics: the exposition format's escaping and a
 * whole rendering of a state made by hand (master/metrics_text.c,
 * metrics_render.c); the bucket numbering workers and master share and
 * the snapshot's sequence lock (common/metrics_board.c); and the master's
 * totals from lying and exiting workers (master/metrics.c): they never
 * go backwards.
 */
#include <sys/types.h>
#include <sys/mman.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fake_master.h"
#include "master.h"
#include "metrics.h"
#include "metrics_board.h"
#include "strbuf.h"
#include "unit.h"

START_TEST(test_escape)
{
	struct strbuf	sb;

	strbuf_init(&sb);
	mx_escape(&sb, "plain-1.2_x:80");
	ck_assert_str_eq(sb.sb_buf, "plain-1.2_x:80");
	strbuf_free(&sb);
	strbuf_init(&sb);
	mx_escape(&sb, "a\\b\"c\nd\001\177\303\251");
	ck_assert_str_eq(sb.sb_buf,
	    "a\\\\b\\\"c\\nd\\\\x01\\\\x7f\\\\xc3\\\\xa9");
	strbuf_free(&sb);
}
END_TEST

START_TEST(test_sample)
{
	struct strbuf	sb;
	struct mx_label	l[2] = { { "backend", "o\"wa" }, { "server", "" } };

	strbuf_init(&sb);
	mx_family(&sb, "rpxd_x_total", "counter", "Things.");
	mx_sample(&sb, "rpxd_x_total", l, 2, 18446744073709551615ULL);
	mx_sample(&sb, "rpxd_x_total", NULL, 0, 0);
	mx_sample_double(&sb, "rpxd_y_seconds_sum", NULL, 0, 0.004455);
	ck_assert_str_eq(sb.sb_buf,
	    "# HELP rpxd_x_total Things.\n"
	    "# TYPE rpxd_x_total counter\n"
	    "rpxd_x_total{backend=\"o\\\"wa\",server=\"\"} "
	    "18446744073709551615\n"
	    "rpxd_x_total 0\n"
	    "rpxd_y_seconds_sum 0.004455\n");
	strbuf_free(&sb);
}
END_TEST

/* Every line a HELP, a TYPE, or a sample of the family last typed. */
static void
check_wellformed(const char *text, unsigned *families)
{
	char		 family[128] = "", *copy = strdup(text), *line, *save;
	unsigned	 help = 0, type = 0;

	ck_assert_ptr_nonnull(copy);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0) {
			help++;
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			type++;
			ck_assert_int_eq(sscanf(line + 7, "%127s", family), 1);
			continue;
		}
		ck_assert_msg(strncmp(line, family, strlen(family)) == 0,
		    "sample \"%s\" outside family %s", line, family);
	}
	ck_assert_uint_eq(help, type);
	*families = type;
	free(copy);
}

START_TEST(test_render)
{
	struct mx_listener	ls[2] = { { .ml_name = "http",
				    .ml_current = 1, .ml_active = 2,
				    .ml_waiting = 5 },
				    { .ml_name = "old" } };
	struct mx_route		rt[3] = {
		{ .mr_listener = 0, .mr_name = "", .mr_class = { 0, 0, 0, 4 } },
		{ .mr_listener = 0, .mr_name = "owa",
		  .mr_class = { 1, 7, 0, 0, 2 }, .mr_in = 100, .mr_out = 2000,
		  .mr_active = 2 },
		{ .mr_listener = 1, .mr_name = "gone", .mr_class = { 0, 3 } },
	};
	struct mx_server	sv[2] = {
		{ .mv_backend = "ex", .mv_server = "10.0.0.1:443",
		  .mv_failures = 6, .mv_board = 1, .mv_up = 1,
		  .mv_checked = 1, .mv_checks = 10, .mv_check_failures = 3,
		  .mv_last_status = 200, .mv_active = 4, .mv_pinned = 1 },
		{ .mv_backend = "gone", .mv_server = "10.0.0.9:80",
		  .mv_failures = 2 },
	};
	struct mx_state		st = {
		.st_listeners = ls, .st_nlisteners = 2,
		.st_routes = rt, .st_nroutes = 3,
		.st_servers = sv, .st_nservers = 2,
		.st_tls_done = 9, .st_tls_resumed = 4,
		.st_tls_failed = { [MB_TLS_PROTOCOL] = 2 },
		.st_refused = { [MB_REFUSED_METRICS] = 1 },
		.st_limited = { [LIMIT_IDLE] = 8 }, .st_pressure = 1,
		.st_key_bucket = { [0] = 1, [3] = 2,
		    [MB_KEY_BUCKETS - 1] = 1 },
		.st_key_sum_us = 3001500, .st_key_failed = 1,
		.st_ntlm = { 5, 2, 1, 4 },
		.st_domain_idle = 1, .st_domain_busy = 2, .st_domain_queued = 9,
		.st_workers = { 1, 3, 2, 0 }, .st_workers_max = 256,
		.st_start_time = 1700000000, .st_generation = 3,
	};
	struct strbuf		sb;
	unsigned		families;
	static const char *const want[] = {
		"rpxd_start_time_seconds 1700000000\n",
		"rpxd_generation 3\n",
		"rpxd_requests_total{listener=\"http\",route=\"\",code=\"4xx\"} 4\n",
		"rpxd_requests_total{listener=\"http\",route=\"owa\",code=\"1xx\"} 1\n",
		"rpxd_requests_total{listener=\"http\",route=\"owa\",code=\"2xx\"} 7\n",
		"rpxd_requests_total{listener=\"http\",route=\"owa\",code=\"5xx\"} 2\n",
		"rpxd_requests_total{listener=\"old\",route=\"gone\",code=\"2xx\"} 3\n",
		"rpxd_request_bytes_total{listener=\"http\",route=\"owa\"} 100\n",
		"rpxd_response_bytes_total{listener=\"http\",route=\"owa\"} 2000\n",
		"rpxd_route_connections{listener=\"http\",route=\"owa\"} 2\n",
		"rpxd_listener_connections{listener=\"http\"} 2\n",
		"rpxd_listen_queue_connections{listener=\"http\"} 5\n",
		"rpxd_pool_workers{state=\"idle\"} 3\n",
		"rpxd_pool_workers{state=\"busy\"} 2\n",
		"rpxd_pool_workers_max 256\n",
		"rpxd_refused_connections_total{reason=\"metrics_address\"} 1\n",
		"rpxd_refused_connections_total{reason=\"pressure_idle\"} 8\n",
		"rpxd_refused_connections_total{reason=\"per_address\"} 0\n",
		"rpxd_pool_pressure 1\n",
		"rpxd_server_up{backend=\"ex\",server=\"10.0.0.1:443\"} 1\n",
		"rpxd_server_held_off{backend=\"ex\",server=\"10.0.0.1:443\"} 0\n",
		"rpxd_server_checks_total{backend=\"ex\",server=\"10.0.0.1:443\","
		    "result=\"ok\"} 7\n",
		"rpxd_server_checks_total{backend=\"ex\",server=\"10.0.0.1:443\","
		    "result=\"failed\"} 3\n",
		"rpxd_server_check_status{backend=\"ex\",server=\"10.0.0.1:443\"} "
		    "200\n",
		"rpxd_server_connections{backend=\"ex\",server=\"10.0.0.1:443\"} 4\n",
		"rpxd_server_pinned_connections{backend=\"ex\","
		    "server=\"10.0.0.1:443\"} 1\n",
		"rpxd_server_failures_total{backend=\"ex\",server=\"10.0.0.1:443\"} "
		    "6\n",
		"rpxd_server_failures_total{backend=\"gone\",server=\"10.0.0.9:80\"} "
		    "2\n",
		"rpxd_tls_handshakes_total 9\n",
		"rpxd_tls_resumptions_total 4\n",
		"rpxd_tls_handshake_failures_total{reason=\"protocol\"} 2\n",
		"rpxd_key_service_round_trip_seconds_bucket{le=\"0.0001\"} 1\n",
		"rpxd_key_service_round_trip_seconds_bucket{le=\"0.00025\"} 1\n",
		"rpxd_key_service_round_trip_seconds_bucket{le=\"0.001\"} 3\n",
		"rpxd_key_service_round_trip_seconds_bucket{le=\"2.5\"} 3\n",
		"rpxd_key_service_round_trip_seconds_bucket{le=\"+Inf\"} 4\n",
		"rpxd_key_service_round_trip_seconds_sum 3.001500\n",
		"rpxd_key_service_round_trip_seconds_count 4\n",
		"rpxd_key_service_failures_total 1\n",
		"rpxd_ntlm_logins_total{result=\"ok\"} 5\n",
		"rpxd_ntlm_logins_total{result=\"failed\"} 2\n",
		"rpxd_ntlm_logins_total{result=\"locked\"} 1\n",
		"rpxd_ntlm_logins_total{result=\"unavailable\"} 4\n",
		"rpxd_domain_checkers{state=\"idle\"} 1\n",
		"rpxd_domain_checkers{state=\"busy\"} 2\n",
		"rpxd_domain_logins_queued 9\n",
		"# TYPE rpxd_key_service_round_trip_seconds histogram\n",
		"# TYPE rpxd_requests_total counter\n",
		"# TYPE rpxd_pool_workers gauge\n",
	};
	size_t			i;

	strbuf_init(&sb);
	mx_render(&st, &sb);
	ck_assert_ptr_nonnull(sb.sb_buf);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(sb.sb_buf, want[i]) != NULL,
		    "missing: %s", want[i]);
	/* A listener of an older configuration has no accept queue; a
	 * server without the health board's view, no gauges. */
	ck_assert_ptr_null(strstr(sb.sb_buf,
	    "rpxd_listen_queue_connections{listener=\"old\"}"));
	ck_assert_ptr_null(strstr(sb.sb_buf, "rpxd_server_up{backend=\"gone\""));
	check_wellformed(sb.sb_buf, &families);
	ck_assert_uint_eq(families, 27);
	strbuf_free(&sb);
}
END_TEST

/* A configuration of n listeners with routes[i] routes each. */
static struct rpxd_conf *
fake_conf(unsigned n, const unsigned *routes)
{
	struct rpxd_conf	*c = calloc(1, sizeof(*c));
	unsigned		 i;

	ck_assert_ptr_nonnull(c);
	c->rc_nlisteners = n;
	c->rc_listeners = calloc(n, sizeof(*c->rc_listeners));
	ck_assert_ptr_nonnull(c->rc_listeners);
	for (i = 0; i < n; i++)
		c->rc_listeners[i].ls_nroutes = routes[i];
	return c;
}

START_TEST(test_buckets)
{
	const unsigned		 small[2] = { 2, 0 };
	const unsigned		 big[2] = { MB_ROUTES - 8, 30 };
	struct rpxd_conf	*c = fake_conf(2, small);

	/* l0: none 0, routes 1-2; l1 (a metrics listener): none 3. */
	ck_assert_uint_eq(mb_listener_base(c, 0), 0);
	ck_assert_uint_eq(mb_listener_base(c, 1), 3);
	ck_assert_uint_eq(mb_route_buckets(c), 4);
	ck_assert_int_eq(mb_route_overflow(c), 0);
	ck_assert_uint_eq(mb_bucket(0, -1), 0);
	ck_assert_uint_eq(mb_bucket(0, 1), 2);
	ck_assert_uint_eq(mb_bucket(3, -1), 3);
	free(c->rc_listeners);
	free(c);
	c = fake_conf(2, big);
	/* MB_ROUTES - 7 + 31 buckets: from MB_ROUTES - 1 on, all are
	 * "other". */
	ck_assert_int_eq(mb_route_overflow(c), 1);
	ck_assert_uint_eq(mb_route_buckets(c), MB_ROUTES);
	ck_assert_uint_eq(mb_bucket(mb_listener_base(c, 1), -1), MB_ROUTES - 7);
	ck_assert_uint_eq(mb_bucket(mb_listener_base(c, 1), 4), MB_ROUTES - 2);
	ck_assert_uint_eq(mb_bucket(mb_listener_base(c, 1), 5), MB_ROUTES - 1);
	ck_assert_uint_eq(mb_bucket(mb_listener_base(c, 1), 29),
	    MB_ROUTES - 1);
	ck_assert_uint_eq(mb_bucket(0, 2000000), MB_ROUTES - 1);
	free(c->rc_listeners);
	free(c);
	ck_assert_uint_eq(mb_server_bucket(5), 5);
	ck_assert_uint_eq(mb_server_bucket(100000), MB_SERVERS - 1);
	ck_assert_int_eq(mb_class(99), -1);
	ck_assert_int_eq(mb_class(101), 0);
	ck_assert_int_eq(mb_class(404), 3);
	ck_assert_int_eq(mb_class(599), 4);
	ck_assert_int_eq(mb_class(600), -1);
	ck_assert_uint_eq(mb_key_bucket(0), 0);
	ck_assert_uint_eq(mb_key_bucket(100), 0);
	ck_assert_uint_eq(mb_key_bucket(101), 1);
	ck_assert_uint_eq(mb_key_bucket(2500000), MB_KEY_BUCKETS - 2);
	ck_assert_uint_eq(mb_key_bucket(UINT64_MAX), MB_KEY_BUCKETS - 1);
}
END_TEST

/* Published text reaches a reader of the read-only descriptor, which
 * cannot make its mapping writable; while the sequence is odd (the
 * master writing) a reader gives up rather than copy half a text. */
START_TEST(test_snapshot)
{
	struct mb_snapshot	 w, r;
	struct mb_snapshot_head	*h;
	char			*text;
	size_t			 len;

	ck_assert_int_eq(mb_snapshot_create(&w), 0);
	ck_assert_int_eq(mb_snapshot_attach(&r, dup(w.ms_rofd)), 0);
	ck_assert_int_eq(mb_snapshot_copy(&r, &text, &len), 0);
	ck_assert_uint_eq(len, 0);
	free(text);
	mb_snapshot_publish(&w, "a 1\n", 4, 1000);
	mb_snapshot_publish(&w, "b 2\nc 3\n", 8, 1001);
	ck_assert_int_eq(mb_snapshot_copy(&r, &text, &len), 0);
	ck_assert_uint_eq(len, 8);
	ck_assert_str_eq(text, "b 2\nc 3\n");
	free(text);
	h = (struct mb_snapshot_head *)(void *)w.ms_base;
	ck_assert_uint_eq(h->mh_seq, 4);
	ck_assert_int_eq(mprotect(r.ms_base, MB_SNAPSHOT_SIZE,
	    PROT_READ | PROT_WRITE), -1);
	ck_assert_int_eq(errno, EACCES);
	h->mh_seq = 5;
	ck_assert_int_eq(mb_snapshot_copy(&r, &text, &len), -1);
	ck_assert_ptr_null(text);
	/* A length past the text's room is cut to it. */
	h->mh_seq = 6;
	h->mh_len = UINT32_MAX;
	ck_assert_int_eq(mb_snapshot_copy(&r, &text, &len), 0);
	ck_assert_uint_eq(len, MB_TEXT_MAX);
	free(text);
	mb_snapshot_close(&r);
	mb_snapshot_close(&w);
}
END_TEST

/* Parse and check text as a file; NULL with err set when refused. */
static struct rpxd_conf *
load_text(const char *text, char *err, size_t errlen)
{
	char			 path[] = "/tmp/rpxd-unit.XXXXXX";
	struct rpxd_conf	*c;
	int			 fd;

	ck_assert_int_ne(fd = mkstemp(path), -1);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	c = config_load(path, err, errlen);
	unlink(path);
	return c;
}

#define MX_BE	"backend \"b\" { server = { \"127.0.0.1:8080\" } }\n"
#define MX_LS	"listener \"l\" { port = 80 route \"r\" { backend = \"b\" } }\n"
#define MX_M(x)	"listener \"m\" {\n port = 9187\n metrics = true\n" x "}\n"

static void
refused(const char *text, const char *want)
{
	char			 err[4096];
	struct rpxd_conf	*c = load_text(text, err, sizeof(err));

	ck_assert_msg(c == NULL, "accepted:\n%s", text);
	ck_assert_msg(strstr(err, want) != NULL, "no '%s' in '%s'", want, err);
}

/*
 * A metrics listener: loopback without metrics-from; no routes, TLS or
 * PROXY header; metrics-from only with metrics = true, each entry checked
 * with its line. Over the wire to a worker it stays what it was, and a
 * decoder refuses a metrics listener with routes or a plain one without.
 */
START_TEST(test_config)
{
	char			 err[4096];
	struct rpxd_conf	*c, *d;
	struct msgbuf		 mb;
	const struct listener_conf *m;
	char			 np[64];

	c = load_text(MX_BE MX_LS MX_M(""), err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	m = &c->rc_listeners[1];
	ck_assert_int_eq(m->ls_metrics, 1);
	ck_assert_uint_eq(m->ls_nroutes, 0);
	ck_assert_uint_eq(m->ls_nmetrics_from, 2);
	net_prefix_format(&m->ls_metrics_from[0], np, sizeof(np));
	ck_assert_str_eq(np, "127.0.0.0/8");
	net_prefix_format(&m->ls_metrics_from[1], np, sizeof(np));
	ck_assert_str_eq(np, "::1/128");
	ck_assert_int_eq(c->rc_listeners[0].ls_metrics, 0);
	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	ck_assert_ptr_nonnull(d = config_decode(&mb));
	ck_assert_int_eq(d->rc_listeners[1].ls_metrics, 1);
	ck_assert_uint_eq(d->rc_listeners[1].ls_nmetrics_from, 2);
	ck_assert_int_eq(memcmp(d->rc_listeners[1].ls_metrics_from,
	    m->ls_metrics_from, 2 * sizeof(m->ls_metrics_from[0])), 0);
	config_free(d);
	msgbuf_free(&mb);
	/* The same bytes with the flag off: a listener without routes. */
	c->rc_listeners[1].ls_metrics = 0;
	c->rc_listeners[1].ls_nmetrics_from = 0;
	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	ck_assert_ptr_null(config_decode(&mb));
	msgbuf_free(&mb);
	config_free(c);

	c = load_text(MX_BE MX_LS MX_M(" metrics-from = { \"10.1.0.0/16\" }\n"),
	    err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->rc_listeners[1].ls_nmetrics_from, 1);
	config_free(c);
	refused(MX_BE MX_LS MX_M(" metrics-from = { \"10.1.0.1/16\" }\n"),
	    ":6: metrics-from: \"10.1.0.1/16\": ");
	refused(MX_BE MX_LS MX_M(" route \"r\" { backend = \"b\" }\n"),
	    "listener \"m\": route: a metrics listener has none");
	refused(MX_BE MX_LS MX_M(" proxy-protocol = true\n"
	    " proxy-protocol-from = { \"127.0.0.1\" }\n"),
	    "listener \"m\": proxy-protocol: not on a metrics listener");
	refused(MX_BE "listener \"l\" { port = 80 metrics-from = { \"::1\" }\n"
	    " route \"r\" { backend = \"b\" } }\n",
	    "listener \"l\": metrics-from: set without metrics = true");
	refused(MX_BE "listener \"l\" { port = 80 }\n",
	    "listener \"l\": route: none");
}
END_TEST

static struct master	tm;

static void
master_setup(void)
{
	static const char	text[] =
	    "user = \"nobody\"\n"
	    "backend \"a\" { server = { \"127.0.0.1:8080\" } }\n"
	    "listener \"l\" {\n address = \"127.0.0.1\"\n port = 8000\n"
	    " route \"r\" { host = { \"x\" } backend = \"a\" }\n}\n"
	    "listener \"m\" {\n address = \"127.0.0.1\"\n port = 8001\n"
	    " metrics = true\n}\n";

	fake_master_load(&tm, text, 64);
	tm.m_started = 1700000000;
	metrics_init(&tm);
}

static void
master_teardown(void)
{
	fake_master_free(&tm);
}

static struct metrics_slot *
fake_worker(unsigned i, pid_t pid, uint32_t gen)
{
	return &fake_master_worker(&tm, i, pid, gen)->ss_metrics;
}

/* The value of one sample in rpxctl metrics, -1 if it is not there. */
static long long
sample(const char *series)
{
	struct strbuf	 sb;
	char		*p, want[256];
	long long	 v = -1;

	strbuf_init(&sb);
	metrics_control(&tm, &sb);
	snprintf(want, sizeof(want), "\n%s ", series);
	if (sb.sb_buf != NULL && (p = strstr(sb.sb_buf, want)) != NULL)
		v = strtoll(p + strlen(want), NULL, 10);
	strbuf_free(&sb);
	return v;
}

static int
has_line(const char *line)
{
	struct strbuf	 sb;
	char		 want[256];
	int		 rv;

	strbuf_init(&sb);
	metrics_control(&tm, &sb);
	snprintf(want, sizeof(want), "\n%s\n", line);
	rv = sb.sb_buf != NULL && strstr(sb.sb_buf, want) != NULL;
	strbuf_free(&sb);
	return rv;
}

#define R_2XX	"rpxd_requests_total{listener=\"l\",route=\"r\",code=\"2xx\"}"

/*
 * Counts from two workers add up; a worker that lowers its counters
 * lowers nothing; one that exits leaves its counts, and the next worker
 * in its slot starts from zero without taking them back; buckets past
 * the configuration's are ignored, and a worker of a generation the
 * master does not know counts under "(other)".
 */
START_TEST(test_totals)
{
	struct metrics_slot	*a = fake_worker(0, 6001, 1);
	struct metrics_slot	*b = fake_worker(1, 6002, 1);
	unsigned		 r = mb_bucket(mb_listener_base(tm.m_conf, 0),
				    0);

	a->ms_route[r].mc_class[1] = 3;
	b->ms_route[r].mc_class[1] = 2;
	a->ms_route[r].mc_out = 1000;
	a->ms_tls_done = 4;
	a->ms_server_failures[0] = 1;
	ck_assert_int_eq(sample(R_2XX), 5);
	ck_assert_int_eq(sample("rpxd_response_bytes_total{listener=\"l\","
	    "route=\"r\"}"), 1000);
	ck_assert_int_eq(sample("rpxd_tls_handshakes_total"), 4);
	ck_assert_int_eq(sample("rpxd_server_failures_total{backend=\"a\","
	    "server=\"127.0.0.1:8080\"}"), 1);
	/* A lie downwards, then growth past the old value again. */
	a->ms_route[r].mc_class[1] = 0;
	ck_assert_int_eq(sample(R_2XX), 5);
	a->ms_route[r].mc_class[1] = 4;
	ck_assert_int_eq(sample(R_2XX), 6);
	/* An exit between two reads: its last request still counts. */
	a->ms_route[r].mc_class[1] = 5;
	metrics_worker_exited(&tm, 0);
	tm.m_workers[0].wk_pid = 0;
	a = fake_worker(0, 6003, 1);
	ck_assert_int_eq(sample(R_2XX), 7);
	a->ms_route[r].mc_class[1] = 1;
	ck_assert_int_eq(sample(R_2XX), 8);
	/* Past the configuration's buckets: nobody's series. */
	b->ms_route[MB_ROUTES - 2].mc_class[1] = 1000;
	ck_assert_int_eq(sample(R_2XX), 8);
	/* An unknown generation. */
	fake_worker(2, 6004, 77)->ms_route[0].mc_class[4] = 2;
	ck_assert_int_eq(sample("rpxd_requests_total{listener=\"(other)\","
	    "route=\"(other)\",code=\"5xx\"}"), 2);
	/* Saturated, not wrapped. */
	b->ms_tls_done = UINT64_MAX;
	ck_assert(has_line("rpxd_tls_handshakes_total 18446744073709551615"));
}
END_TEST

/* Busy workers count on their listener and route, by their own
 * generation's numbering; an index out of range counts nowhere. */
START_TEST(test_gauges)
{
	struct scoreboard_slot	*ss;

	fake_worker(0, 7001, 1);
	ss = scoreboard_slot(&tm.m_sb, 0);
	ss->ss_state = WS_BUSY;
	ss->ss_listener = 0;
	ss->ss_route = 0;
	fake_worker(1, 7002, 1);
	ss = scoreboard_slot(&tm.m_sb, 1);
	ss->ss_state = WS_BUSY;
	ss->ss_listener = 0;
	ss->ss_route = 9;
	fake_worker(2, 7003, 1);
	scoreboard_slot(&tm.m_sb, 2)->ss_state = WS_IDLE;
	ck_assert_int_eq(sample("rpxd_route_connections{listener=\"l\","
	    "route=\"r\"}"), 1);
	ck_assert_int_eq(sample("rpxd_listener_connections{listener=\"l\"}"),
	    1);
	ck_assert_int_eq(sample("rpxd_pool_workers{state=\"busy\"}"), 2);
	ck_assert_int_eq(sample("rpxd_pool_workers{state=\"idle\"}"), 1);
	ck_assert_int_eq(sample("rpxd_server_up{backend=\"a\","
	    "server=\"127.0.0.1:8080\"}"), 1);
	tm.m_hb.hb_servers[0].hs_state = HB_DOWN;
	ck_assert_int_eq(sample("rpxd_server_up{backend=\"a\","
	    "server=\"127.0.0.1:8080\"}"), 0);
}
END_TEST

Suite *
suite_metrics(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("text");
	TCase	*tm_tc = tcase_create("master");

	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_sample);
	tcase_add_test(tc, test_render);
	tcase_add_test(tc, test_buckets);
	tcase_add_test(tc, test_snapshot);
	tcase_add_test(tc, test_config);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tm_tc, master_setup, master_teardown);
	tcase_add_test(tm_tc, test_totals);
	tcase_add_test(tm_tc, test_gauges);
	suite_add_tcase(s, tm_tc);
	return s;
}
