/*
 * A connection on a metrics listener (listener metrics = true), called by
 * session.c instead of the proxy: a client outside metrics-from is closed
 * at once with a log line; any other gets one request, GET or HEAD
 * /metrics answered with the master's last snapshot (published every
 * second, metrics_board.h), anything else 404 or 405, and the connection
 * closes. The master is never asked: a scrape costs it nothing.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "log.h"
#include "metrics_worker.h"
#include "worker.h"

#define METRICS_SEND_TIMEOUT_MS	10000	/* to deliver the answer */
#define METRICS_PATH		"/metrics"

static struct mb_snapshot	snapshot = { -1, -1, NULL };

void
metrics_attach(struct ipc_msg *msg)
{
	if (snapshot.ms_base != NULL || msg->im_fd == -1 ||
	    msgbuf_end(&msg->im_payload) == -1)
		fatalx("setup: bad metrics message");
	if (mb_snapshot_attach(&snapshot, msg->im_fd) == -1)
		fatal("setup: mapping the metrics snapshot");
	msg->im_fd = -1;	/* mapped read-only and closed */
}

static int
allowed(const struct listener_conf *ls, const struct sockaddr_storage *peer)
{
	unsigned	i;

	for (i = 0; i < ls->ls_nmetrics_from; i++)
		if (net_prefix_match(&ls->ls_metrics_from[i],
		    (const struct sockaddr *)peer))
			return 1;
	return 0;
}

/* The request head within client-header-timeout: its length, 0 when
 * the client left or took too long (nothing to answer), or -1 after an
 * error response. */
static long
read_head(struct worker_env *w, struct http_message *req,
    struct request_log *rl)
{
	struct buf	*in = &w->w_client.io_in;
	int64_t		 deadline = now_ms() +
			    1000 * (int64_t)w->w_conf->rc_client_header_timeout;
	int64_t		 left;
	long		 rv;
	ssize_t		 n;

	for (;;) {
		rv = conn_parse_request(w, req);
		if (rv > 0)
			return rv;
		if (rv < 0) {
			rl->rl_in = in->b_len;
			respond_error(w, rl, (int)-rv, req->hm_error);
			return -1;
		}
		if (w->w_client.io_eof ||
		    (left = deadline - now_ms()) <= 0)
			return 0;
		if (io_wait(w->w_client.io_fd, POLLIN, (int)left) != 1)
			return 0;
		if ((n = io_read(&w->w_client)) == -1)
			return 0;
	}
}

/* Is the target /metrics, with or without a query? */
static int
is_metrics_path(const struct http_message *req)
{
	size_t	len = strlen(METRICS_PATH);

	return req->hm_form == TARGET_ORIGIN && req->hm_pathlen >= len &&
	    memcmp(req->hm_path, METRICS_PATH, len) == 0 &&
	    (req->hm_pathlen == len || req->hm_path[len] == '?');
}

static int
method_is(const struct http_message *req, const char *m)
{
	return req->hm_methodlen == strlen(m) &&
	    memcmp(req->hm_method, m, req->hm_methodlen) == 0;
}

/* The head, then (unless HEAD) the body, within one deadline. */
static void
send_answer(struct worker_env *w, struct request_log *rl, int status,
    const char *extra, char *body, size_t len, int head_only)
{
	struct buf	b = { .b_data = body, .b_cap = len, .b_max = len,
			    .b_len = head_only ? 0 : len };
	size_t		before, want = b.b_len;

	buf_reset(&w->w_to_client);
	if (buf_printf(&w->w_to_client, "HTTP/1.1 %d %s\r\n%s"
	    "Content-Length: %zu\r\nCache-Control: no-store\r\n"
	    "Connection: close\r\n\r\n", status, http_reason(status), extra,
	    len) == -1)
		return;
	before = w->w_to_client.b_len;
	if (io_flush(&w->w_client, &w->w_to_client,
	    METRICS_SEND_TIMEOUT_MS) == 0 && b.b_len > 0)
		(void)io_flush(&w->w_client, &b, METRICS_SEND_TIMEOUT_MS);
	rl->rl_out = before - w->w_to_client.b_len + (want - b.b_len);
	rl->rl_status = status;
}

static void
answer(struct worker_env *w, const struct http_message *req,
    struct request_log *rl)
{
	char	*text = NULL, body[64];
	size_t	 len = 0;
	int	 head = method_is(req, "HEAD");

	if (!is_metrics_path(req)) {
		respond_error(w, rl, 404, "a metrics listener serves "
		    METRICS_PATH " only");
		return;
	}
	if (!head && !method_is(req, "GET")) {
		len = (size_t)snprintf(body, sizeof(body), "405 %s\n",
		    http_reason(405));
		send_answer(w, rl, 405, "Allow: GET, HEAD\r\n"
		    "Content-Type: text/plain; charset=utf-8\r\n", body, len,
		    0);
		access_log(w, rl);
		return;
	}
	if (mb_snapshot_copy(&snapshot, &text, &len) == -1 || len == 0) {
		free(text);
		respond_error(w, rl, 503, "no metrics snapshot from the "
		    "master");
		return;
	}
	send_answer(w, rl, 200, "Content-Type: text/plain; version=0.0.4; "
	    "charset=utf-8\r\n", text, len, head);
	free(text);
	access_log(w, rl);
}

void
metrics_serve(struct worker_env *w, int fd,
    const struct sockaddr_storage *peer)
{
	const struct listener_conf	*ls =
					    &w->w_conf->rc_listeners[w->w_listener];
	struct http_message		 req;
	struct request_log		 rl;
	size_t				 n;

	if (session_addr_name(peer, w->w_client_ip, sizeof(w->w_client_ip),
	    w->w_client_addr, sizeof(w->w_client_addr)) == -1)
		snprintf(w->w_client_addr, sizeof(w->w_client_addr), "unknown");
	if (!allowed(ls, peer)) {
		log_warnx("metrics: client %s listener \"%s\": not in "
		    "metrics-from; connection closed", w->w_client_addr,
		    ls->ls_name);
		metrics_refused(MB_REFUSED_METRICS);
		close(fd);
		goto done;
	}
	n = strnlen(w->w_client_addr, sizeof(w->w_slot->ss_client) - 1);
	memcpy((char *)w->w_slot->ss_client, w->w_client_addr, n);
	w->w_slot->ss_client[n] = '\0';
	io_init(&w->w_client, fd);	/* non-blocking (worker_accept) */
	memset(&rl, 0, sizeof(rl));
	memset(&req, 0, sizeof(req));
	rl.rl_route = -1;
	if (read_head(w, &req, &rl) > 0) {
		w->w_slot->ss_requests++;
		rl.rl_start_ms = now_ms();
		rl.rl_in = req.hm_headlen;
		log_copy_sanitized(rl.rl_method, sizeof(rl.rl_method),
		    req.hm_method, req.hm_methodlen);
		log_copy_sanitized(rl.rl_path, sizeof(rl.rl_path),
		    req.hm_target, req.hm_targetlen);
		if (req.hm_host != NULL)
			log_copy_sanitized(rl.rl_host, sizeof(rl.rl_host),
			    req.hm_host, req.hm_hostlen);
		answer(w, &req, &rl);
		io_shutdown_write(&w->w_client);
	}
	io_close(&w->w_client);
	conn_mem_trim(w, 0);
done:
	w->w_slot->ss_listener = w->w_slot->ss_route = -1;
	w->w_slot->ss_client[0] = '\0';
}
