/*
 * idle_hold: the holder of idle keep-alive connections for bench/idle.sh
 * (the idle-many and burst rows). It opens N connections to HOST:PORT,
 * plain or TLS, at most RATE new ones per second (0: all at once), does one
 * "GET PATH HTTP/1.1" (keep-alive) on each and reads the response by its
 * Content-Length, then holds every connection that got a 2xx idle, watching
 * for the proxy closing it (EOF or reset). One thread, non-blocking
 * sockets and epoll; every attempt has a deadline, so nothing can hang on a
 * proxy that accepts nothing.
 *
 * usage: idle_hold HOST PORT PATH N RATE TIMEOUT [SNI]
 *   TIMEOUT: seconds from connect() to a complete response, per connection
 *   SNI: TLS with this server name (not verified, like wrk; a new session
 *   per connection, never resumed); absent or "-": plain HTTP
 * Prints, once every attempt is resolved (one "key: value" per line):
 *   ready: held H refused R failed F timeout T
 *   timeout-stage: connect A tls B response C
 *   first-response ms: p50 X p99 Y max Z   (connect() to the response's
 *     last byte, over the held connections)
 *   last error: what the last failed attempt saw
 * then holds the connections. SIGUSR1 prints "after: open O closed C data D"
 * (D: held connections on which the proxy sent bytes unasked, still open);
 * SIGTERM or SIGINT prints the same and exits 0.
 *
 * Built by bench/idle.sh with: cc -O2 idle_hold.c -lssl -lcrypto
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum state { CONNECTING, HANDSHAKE, WRITING, READING, HELD, DONE };
enum { BUFMAX = 16384 };

struct conn {
	int fd;
	enum state st;
	SSL *ssl;
	double t0;
	size_t sent, got;
	char *buf;	/* the response, while it is read */
	int data;	/* the proxy sent bytes while the connection was held */
};

static SSL_CTX *ctx;
static struct sockaddr_in addr;
static char req[1024];
static size_t reqlen;
static double timeout_s;
static int ep;
static long held, refused, failed, closed_n, tmo[3];
static char lasterr[200];
static double *lat;	/* first-response times of the held ones */
static const char *sni;
static volatile sig_atomic_t want_report, want_exit;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_report = 1;
	else
		want_exit = 1;
}

static void watch(struct conn *c, unsigned ev, int op)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	if (epoll_ctl(ep, op, c->fd, &e) == -1 && op != EPOLL_CTL_DEL) {
		perror("idle_hold: epoll_ctl");
		exit(2);
	}
}

static void finish(struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->ssl)
		SSL_free(c->ssl);
	close(c->fd);
	free(c->buf);
	c->buf = NULL;
	c->ssl = NULL;
	c->st = DONE;
}

static void fail(struct conn *c, const char *what, int err)
{
	unsigned long e = ERR_get_error();

	if (e)
		snprintf(lasterr, sizeof lasterr, "%s: %s", what, ERR_reason_error_string(e));
	else
		snprintf(lasterr, sizeof lasterr, "%s: %s", what, err ? strerror(err) : "EOF");
	ERR_clear_error();
	if (err == ECONNREFUSED)
		refused++;
	else
		failed++;
	finish(c);
}

/* Interest for a TLS call that wants to read or write; 0 when it failed. */
static int tls_want(struct conn *c, int r, const char *what)
{
	int e = SSL_get_error(c->ssl, r);

	if (e == SSL_ERROR_WANT_READ)
		watch(c, EPOLLIN, EPOLL_CTL_MOD);
	else if (e == SSL_ERROR_WANT_WRITE)
		watch(c, EPOLLOUT, EPOLL_CTL_MOD);
	else {
		fail(c, what, e == SSL_ERROR_SYSCALL ? errno : 0);
		return 0;
	}
	return 1;
}

static void start(struct conn *c)
{
	int one = 1;

	c->t0 = now();
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1) {
		snprintf(lasterr, sizeof lasterr, "socket: %s", strerror(errno));
		failed++;
		c->st = DONE;
		return;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	c->st = CONNECTING;
	watch(c, EPOLLOUT, EPOLL_CTL_ADD);
	if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) == -1 && errno != EINPROGRESS)
		fail(c, "connect", errno);
}

/* The response is complete when the head and Content-Length bytes are in:
 * 1 complete 2xx, 0 need more, -1 bad. */
static int response_done(struct conn *c)
{
	char *end, *cl;
	size_t hlen;

	c->buf[c->got] = 0;
	end = strstr(c->buf, "\r\n\r\n");
	if (!end)
		return c->got >= BUFMAX - 1 ? -1 : 0;
	hlen = (size_t)(end - c->buf) + 4;
	if (strncmp(c->buf, "HTTP/1.", 7) != 0 || c->got < 12 || c->buf[9] != '2') {
		snprintf(lasterr, sizeof lasterr, "status %.3s", c->got >= 12 ? c->buf + 9 : "???");
		return -1;
	}
	cl = strcasestr(c->buf, "\r\ncontent-length:");
	if (!cl || cl > end) {
		snprintf(lasterr, sizeof lasterr, "response without Content-Length");
		return -1;
	}
	return c->got >= hlen + strtoul(cl + 17, NULL, 10) ? 1 : 0;
}

static void to_held(struct conn *c)
{
	lat[held++] = (now() - c->t0) * 1000;
	free(c->buf);
	c->buf = NULL;
	c->st = HELD;
	watch(c, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
}

static void step_io(struct conn *c)
{
	ssize_t n;
	int r;

	if (c->st == WRITING) {
		if (c->ssl)
			n = SSL_write(c->ssl, req + c->sent, (int)(reqlen - c->sent));
		else
			n = send(c->fd, req + c->sent, reqlen - c->sent, MSG_NOSIGNAL);
		if (n <= 0) {
			if (c->ssl)
				tls_want(c, (int)n, "write");
			else if (errno != EAGAIN)
				fail(c, "write", errno);
			return;
		}
		c->sent += (size_t)n;
		if (c->sent < reqlen)
			return;
		c->st = READING;
		watch(c, EPOLLIN, EPOLL_CTL_MOD);
		if (!(c->buf = malloc(BUFMAX))) {
			perror("idle_hold: malloc");
			exit(2);
		}
	}
	for (;;) {	/* READING */
		if (c->ssl)
			n = SSL_read(c->ssl, c->buf + c->got, (int)(BUFMAX - 1 - c->got));
		else
			n = recv(c->fd, c->buf + c->got, BUFMAX - 1 - c->got, 0);
		if (n <= 0) {
			if (c->ssl)
				tls_want(c, (int)n, "read");
			else if (n == 0 || errno != EAGAIN)
				fail(c, "read", n == 0 ? 0 : errno);
			return;
		}
		c->got += (size_t)n;
		if ((r = response_done(c)) != 0) {
			if (r == 1)
				to_held(c);
			else {
				failed++;
				finish(c);
			}
			return;
		}
	}
}

static void step(struct conn *c)
{
	int err = 0, r;
	socklen_t l = sizeof err;

	if (c->st == CONNECTING) {
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			fail(c, "connect", err);
			return;
		}
		if (!ctx) {
			c->st = WRITING;
			step_io(c);
			return;
		}
		if (!(c->ssl = SSL_new(ctx))) {
			fail(c, "SSL_new", 0);
			return;
		}
		SSL_set_fd(c->ssl, c->fd);
		SSL_set_tlsext_host_name(c->ssl, sni);
		c->st = HANDSHAKE;
	}
	if (c->st == HANDSHAKE) {
		r = SSL_connect(c->ssl);
		if (r != 1) {
			tls_want(c, r, "handshake");
			return;
		}
		c->st = WRITING;
	}
	step_io(c);
}

/* A held connection became readable: bytes (counted, dropped) or the end. */
static void held_event(struct conn *c)
{
	char b[4096];
	ssize_t n;

	for (;;) {
		n = c->ssl ? SSL_read(c->ssl, b, sizeof b) : recv(c->fd, b, sizeof b, 0);
		if (n > 0) {
			c->data = 1;
			continue;
		}
		if (c->ssl ? SSL_get_error(c->ssl, (int)n) == SSL_ERROR_WANT_READ : (n < 0 && errno == EAGAIN))
			return;
		ERR_clear_error();
		closed_n++;
		finish(c);
		return;
	}
}

static void dispatch(int ms)
{
	struct epoll_event ev[256];
	int n, i;

	n = epoll_wait(ep, ev, 256, ms);
	for (i = 0; i < n; i++) {
		struct conn *c = ev[i].data.ptr;

		if (c->st == HELD)
			held_event(c);
		else if (c->st != DONE)
			step(c);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(struct conn *cs, long n)
{
	long i, open = 0, data = 0;

	for (i = 0; i < 50; i++)	/* take in what is pending */
		dispatch(0);
	for (i = 0; i < n; i++)
		if (cs[i].st == HELD) {
			open++;
			data += cs[i].data;
		}
	printf("after: open %ld closed %ld data %ld\n", open, closed_n, data);
	fflush(stdout);
}

static void setup(int argc, char **argv)
{
	sni = argc > 7 && strcmp(argv[7], "-") != 0 ? argv[7] : NULL;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
		fprintf(stderr, "idle_hold: bad address\n");
		exit(2);
	}
	snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: idle_hold\r\n\r\n",
	    argv[3], sni ? sni : argv[1]);
	reqlen = strlen(req);
	if (!sni)
		return;
	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		ERR_print_errors_fp(stderr);
		exit(2);
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);	/* never resumed */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);	/* like wrk */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);	/* 10,000 held on the client too */
}

int main(int argc, char **argv)
{
	struct conn *cs;
	struct rlimit rl;
	long n, i, next = 0, active;
	double rate, t0, t;

	if (argc < 7) {
		fprintf(stderr, "usage: idle_hold HOST PORT PATH N RATE TIMEOUT [SNI]\n");
		return 2;
	}
	n = atol(argv[4]);
	rate = atof(argv[5]);
	timeout_s = atof(argv[6]);
	if (n < 1 || rate < 0 || timeout_s <= 0) {
		fprintf(stderr, "idle_hold: bad arguments\n");
		return 2;
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if ((rlim_t)n + 16 > rl.rlim_cur) {
		fprintf(stderr, "idle_hold: %ld connections need more than RLIMIT_NOFILE %lu descriptors\n",
		    n, (unsigned long)rl.rlim_cur);
		return 2;
	}
	setup(argc, argv);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGUSR1, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	sigaction(SIGTERM, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	sigaction(SIGINT, &(struct sigaction){ .sa_handler = on_signal }, NULL);
	cs = calloc((size_t)n, sizeof *cs);
	lat = calloc((size_t)n, sizeof *lat);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!cs || !lat || ep == -1) {
		perror("idle_hold");
		return 2;
	}
	t0 = now();
	for (;;) {	/* open them all; each attempt ends by its deadline */
		t = now();
		while (next < n && (rate == 0 || t >= t0 + next / rate))
			start(&cs[next++]);
		dispatch(10);
		t = now();
		for (active = 0, i = 0; i < next; i++) {
			struct conn *c = &cs[i];

			if (c->st == HELD || c->st == DONE)
				continue;
			if (t - c->t0 < timeout_s) {
				active++;
				continue;
			}
			tmo[c->st == CONNECTING ? 0 : c->st == HANDSHAKE ? 1 : 2]++;
			snprintf(lasterr, sizeof lasterr, "timed out after %g s", timeout_s);
			finish(c);
		}
		if (want_exit)
			break;
		if (next == n && active == 0)
			break;
	}
	qsort(lat, (size_t)held, sizeof *lat, cmp);
	printf("ready: held %ld refused %ld failed %ld timeout %ld\n", held, refused, failed,
	    tmo[0] + tmo[1] + tmo[2]);
	printf("timeout-stage: connect %ld tls %ld response %ld\n", tmo[0], tmo[1], tmo[2]);
	if (held)
		printf("first-response ms: p50 %.2f p99 %.2f max %.2f\n", lat[held / 2],
		    lat[(size_t)((double)held * 0.99)], lat[held - 1]);
	printf("open-seconds: %.2f\n", now() - t0);
	if (lasterr[0])
		printf("last error: %s\n", lasterr);
	fflush(stdout);
	while (!want_exit) {	/* hold */
		dispatch(200);
		if (want_report) {
			want_report = 0;
			report(cs, n);
		}
	}
	report(cs, n);
	return 0;
}
