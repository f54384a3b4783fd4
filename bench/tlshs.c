/*
 * tlshs: a load generator for the bench's handshake rows. Each of C threads
 * loops until the deadline: new TCP connection, new SSL object (no session
 * is ever set on it, so nothing can be resumed), full TLS handshake, one
 * "GET path HTTP/1.1" with "Connection: close", read the response to EOF,
 * close_notify, close. wrk and h2load cannot be used for this: both resume
 * the previous session on reconnect (checked with nginx's
 * $ssl_session_reused), which skips the server's signature.
 *
 * usage: tlshs HOST PORT PATH CONNECTIONS SECONDS [SNI [TIMEOUT]]
 * SNI "-" or "" sends none. TIMEOUT (s, default 10) bounds each blocking
 * step of an attempt (connect, every read and write of the handshake and
 * the exchange), as a browser gives up on a silent server; no attempt
 * starts after SECONDS, those under way finish (at most ~TIMEOUT later).
 * Prints (one "key: value" per line): handshakes/s (attempts that got a
 * 2xx and ended before SECONDS, per second), requests (all that got a 2xx,
 * the tail included: the work the server did), p50 / p99 in ms (connect +
 * handshake + request + response to EOF), and counts of: non-2xx,
 * hs-failed (the handshake failed: an alert, a reset or EOF from the
 * server), timeouts (a step got no answer in TIMEOUT), errors (anything
 * else: refused connect, reset or EOF after the handshake without a
 * response) and resumed sessions (must be 0); the protocol, cipher and
 * server key type of the first connection. Exit status 0 unless nothing
 * succeeded.
 *
 * Built by bench/tls.sh with: cc -O2 -pthread tlshs.c -lssl -lcrypto
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static SSL_CTX *ctx;
static struct sockaddr_in addr;
static const char *sni, *path;
static char req[1024];
static double deadline;
static struct timeval step_timeout = { 10, 0 };

struct stats {
	long ok, ok_in_time, non2xx, errors, hsfailed, timeouts, resumed;
	double *lat;
	size_t nlat, cap;
	char first[256], lasterr[200];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pause_ms(long ms)	/* after a socket error: do not spin */
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

static int timed_out(void)	/* SO_RCVTIMEO / SO_SNDTIMEO expired */
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINPROGRESS;
}

static void fail(struct stats *st, const char *what)
{
	unsigned long e = ERR_get_error();

	if (!e && timed_out()) {
		st->timeouts++;
		snprintf(st->lasterr, sizeof st->lasterr, "%s: no answer in %ld s", what, (long)step_timeout.tv_sec);
		return;
	}
	if (strcmp(what, "handshake") == 0)
		st->hsfailed++;
	else
		st->errors++;
	if (e)
		snprintf(st->lasterr, sizeof st->lasterr, "%s: %s", what, ERR_reason_error_string(e));
	else
		snprintf(st->lasterr, sizeof st->lasterr, "%s: %s", what, strerror(errno));
	ERR_clear_error();
}

static void one(struct stats *st)
{
	char buf[16384], head[16];
	size_t hl = 0;
	int fd, n, one = 1;
	SSL *ssl = NULL;
	double t0 = now();

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) { fail(st, "socket"); pause_ms(10); return; }
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/* Linux applies SO_SNDTIMEO to a blocking connect() too */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &step_timeout, sizeof step_timeout);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &step_timeout, sizeof step_timeout);
	errno = 0;
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
		int timeout = timed_out();
		fail(st, "connect");
		if (!timeout)
			pause_ms(10);
		goto out;
	}
	ssl = SSL_new(ctx);
	if (!ssl) { fail(st, "SSL_new"); goto out; }
	SSL_set_fd(ssl, fd);
	if (sni && *sni)
		SSL_set_tlsext_host_name(ssl, sni);
	errno = 0;
	if (SSL_connect(ssl) != 1) { fail(st, "handshake"); goto out; }
	if (SSL_session_reused(ssl))
		st->resumed++;
	if (!st->first[0]) {
		X509 *c = SSL_get1_peer_certificate(ssl);
		EVP_PKEY *k = c ? X509_get0_pubkey(c) : NULL;

		snprintf(st->first, sizeof st->first, "%s %s, server key %s %d bits",
		    SSL_get_version(ssl), SSL_get_cipher_name(ssl),
		    k ? OBJ_nid2sn(EVP_PKEY_get_base_id(k)) : "none", k ? EVP_PKEY_get_bits(k) : 0);
		X509_free(c);
	}
	errno = 0;
	if (SSL_write(ssl, req, (int)strlen(req)) <= 0) { fail(st, "write"); goto out; }
	for (;;) {
		errno = 0;
		n = SSL_read(ssl, buf, sizeof buf);
		if (n <= 0)
			break;
		if (hl < 12) {	/* keep "HTTP/1.1 200" */
			size_t k = (size_t)n < 12 - hl ? (size_t)n : 12 - hl;
			memcpy(head + hl, buf, k);
			hl += k;
		}
	}
	/* EOF: close_notify, or a plain TCP close after the response */
	if (n < 0 || SSL_get_error(ssl, n) == SSL_ERROR_SSL) {
		int e = SSL_get_error(ssl, n);
		if (e != SSL_ERROR_ZERO_RETURN && !(e == SSL_ERROR_SYSCALL && hl >= 12 && !timed_out())) {
			fail(st, "read");
			goto out;
		}
	}
	ERR_clear_error();
	head[hl] = 0;
	if (hl < 12 || strncmp(head, "HTTP/1.", 7) != 0) { st->errors++; snprintf(st->lasterr, sizeof st->lasterr, "no response head"); goto out; }
	if (head[9] != '2') {
		st->non2xx++;
		snprintf(st->lasterr, sizeof st->lasterr, "status %.3s", head + 9);
		goto out;
	}
	SSL_shutdown(ssl);	/* close_notify, as browsers do; not awaited */
	st->ok++;
	if (now() <= deadline)
		st->ok_in_time++;
	if (st->nlat == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 4096;
		st->lat = realloc(st->lat, st->cap * sizeof *st->lat);
		if (!st->lat) { perror("realloc"); exit(2); }
	}
	st->lat[st->nlat++] = (now() - t0) * 1000;
out:
	if (ssl)
		SSL_free(ssl);
	close(fd);
}

static void *run(void *arg)
{
	struct stats *st = arg;

	while (now() < deadline)
		one(st);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int c, i;
	double secs, t0, el;
	pthread_t *th;
	struct stats *st, sum = {0};
	size_t k;

	if (argc < 6) {
		fprintf(stderr, "usage: tlshs HOST PORT PATH CONNECTIONS SECONDS [SNI [TIMEOUT]]\n");
		return 2;
	}
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) { fprintf(stderr, "tlshs: bad address\n"); return 2; }
	path = argv[3];
	c = atoi(argv[4]);
	secs = atof(argv[5]);
	sni = argc > 6 && strcmp(argv[6], "-") != 0 ? argv[6] : NULL;
	if (argc > 7)
		step_timeout.tv_sec = atol(argv[7]);
	if (c < 1 || secs <= 0 || step_timeout.tv_sec < 1) { fprintf(stderr, "tlshs: bad arguments\n"); return 2; }
	if (sni && *sni)	/* Host: the SNI name, as a browser sends */
		snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: tlshs\r\nConnection: close\r\n\r\n",
		    path, sni);
	else
		snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: tlshs\r\nConnection: close\r\n\r\n",
		    path, argv[1], argv[2]);

	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) { ERR_print_errors_fp(stderr); return 2; }
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);	/* never keep a session */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);	/* like wrk and h2load; the signature is still checked */

	th = calloc((size_t)c, sizeof *th);
	st = calloc((size_t)c, sizeof *st);
	if (!th || !st) { perror("calloc"); return 2; }
	t0 = now();
	deadline = t0 + secs;
	for (i = 0; i < c; i++)
		if (pthread_create(&th[i], NULL, run, &st[i]) != 0) { perror("pthread_create"); return 2; }
	for (i = 0; i < c; i++)
		pthread_join(th[i], NULL);
	el = now() - t0;
	for (i = 0; i < c; i++) {
		sum.ok += st[i].ok; sum.ok_in_time += st[i].ok_in_time; sum.non2xx += st[i].non2xx;
		sum.errors += st[i].errors; sum.resumed += st[i].resumed;
		sum.hsfailed += st[i].hsfailed; sum.timeouts += st[i].timeouts;
		if (!sum.first[0] && st[i].first[0]) memcpy(sum.first, st[i].first, sizeof sum.first);
		if (st[i].lasterr[0]) memcpy(sum.lasterr, st[i].lasterr, sizeof sum.lasterr);
		sum.nlat += st[i].nlat;
	}
	sum.lat = malloc((sum.nlat ? sum.nlat : 1) * sizeof *sum.lat);
	if (!sum.lat) { perror("malloc"); return 2; }
	for (k = 0, i = 0; i < c; i++) {
		memcpy(sum.lat + k, st[i].lat, st[i].nlat * sizeof *sum.lat);
		k += st[i].nlat;
	}
	qsort(sum.lat, sum.nlat, sizeof *sum.lat, cmp);
	printf("handshakes/s: %.2f\n", sum.ok_in_time / secs);
	printf("requests: %ld\n", sum.ok);
	printf("seconds: %.2f\n", el);
	if (sum.nlat) {
		printf("p50 ms: %.2f\n", sum.lat[sum.nlat / 2]);
		printf("p99 ms: %.2f\n", sum.lat[(size_t)(sum.nlat * 0.99)]);
	}
	printf("ok: %ld\nnon-2xx: %ld\nhs-failed: %ld\ntimeouts: %ld\nerrors: %ld\nresumed: %ld\n",
	    sum.ok, sum.non2xx, sum.hsfailed, sum.timeouts, sum.errors, sum.resumed);
	printf("first: %s\n", sum.first[0] ? sum.first : "none");
	if (sum.lasterr[0])
		printf("last error: %s\n", sum.lasterr);
	return sum.ok ? 0 : 1;
}
