/*
 * What the worker says itself: error responses it generates (always with
 * Connection: close) and the one access-log line per request.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "log.h"
#include "metrics_worker.h"
#include "route.h"
#include "worker.h"

#define RESPOND_TIMEOUT_MS	10000	/* to deliver an error response */

/* Copy for the log: bytes outside printable ASCII, space and quotes are
 * written as \xHH so a line can always be split on spaces; a value that
 * does not fit ends with "..." (rpxd.conf(5), LOGGING). */
void
log_copy_sanitized(char *dst, size_t dstlen, const char *src, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i, o = 0, total = 0, room, need;
	unsigned char		 c;

	if (dstlen < 5) {
		if (dstlen > 0)
			dst[0] = '\0';
		return;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)src[i];
		total += c > 0x20 && c < 0x7f && c != '"' && c != '\\' ? 1 : 4;
	}
	room = total < dstlen ? dstlen - 1 : dstlen - 4;
	for (i = 0; i < len; i++) {
		c = (unsigned char)src[i];
		need = c > 0x20 && c < 0x7f && c != '"' && c != '\\' ? 1 : 4;
		if (o + need > room)
			break;	/* an escape is never cut in half */
		if (need == 1) {
			dst[o++] = (char)c;
			continue;
		}
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 0xf];
	}
	if (total >= dstlen) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

/* The Date field value for now (RFC 9110 IMF-fixdate). */
static void
http_date(char *dst, size_t len)
{
	struct tm	tm;
	time_t		t = time(NULL);

	gmtime_r(&t, &tm);
	strftime(dst, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Deliver what w_to_client holds, bounded in time; count what left. */
static void
respond_flush(struct worker_env *w, struct request_log *rl)
{
	size_t	total = w->w_to_client.b_len;

	(void)io_flush(&w->w_client, &w->w_to_client, RESPOND_TIMEOUT_MS);
	rl->rl_out += total - w->w_to_client.b_len;
}

/*
 * A short text/plain answer of the worker's own: "STATUS REASON" as the
 * body, a WWW-Authenticate value if one is given, Connection: close if
 * asked. 0 when all of it left, -1 otherwise.
 */
static int
respond_plain(struct worker_env *w, struct request_log *rl, int status,
    const char *www_authenticate, int close)
{
	const char	*reason = http_reason(status);
	char		 date[64], body[128];
	int		 n, rv;

	http_date(date, sizeof(date));
	n = snprintf(body, sizeof(body), "%d %s\n", status, reason);
	buf_reset(&w->w_to_client);
	rv = buf_printf(&w->w_to_client, "HTTP/1.1 %d %s\r\nDate: %s\r\n"
	    "%s%s%s"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: %d\r\n%s\r\n%s", status, reason, date,
	    www_authenticate != NULL ? "WWW-Authenticate: " : "",
	    www_authenticate != NULL ? www_authenticate : "",
	    www_authenticate != NULL ? "\r\n" : "", n,
	    close ? "Connection: close\r\n" : "", body);
	if (rv == 0) {
		respond_flush(w, rl);
		rv = w->w_to_client.b_len == 0 ? 0 : -1;
	}
	rl->rl_status = status;
	return rv;
}

void
respond_error(struct worker_env *w, struct request_log *rl, int status,
    const char *why)
{
	const char	*reason = http_reason(status);

	(void)respond_plain(w, rl, status, NULL, 1);
	if (status >= 500 && rl->rl_backend != NULL)
		log_warnx("backend: client %s listener \"%s\" host %s: "
		    "backend \"%s\" server %s: %d %s: %s", w->w_client_addr,
		    w->w_conf->rc_listeners[w->w_listener].ls_name,
		    rl->rl_host[0] ? rl->rl_host : "-", rl->rl_backend,
		    rl->rl_server ? rl->rl_server : "-", status, reason,
		    why ? why : "");
	else
		log_warnx("request: client %s listener \"%s\" host %s: "
		    "%d %s: %s", w->w_client_addr,
		    w->w_conf->rc_listeners[w->w_listener].ls_name,
		    rl->rl_host[0] ? rl->rl_host : "-", status, reason,
		    why ? why : "");
	access_log(w, rl);
}

/*
 * 401 with a WWW-Authenticate value (auth = ntlm), keeping the connection
 * unless close: NTLM authenticates the connection, so the exchange must
 * go on over the same one. -1 if it could not be delivered.
 */
int
respond_challenge(struct worker_env *w, struct request_log *rl,
    const char *www_authenticate, int close)
{
	int	rv = respond_plain(w, rl, 401, www_authenticate, close);

	access_log(w, rl);
	return rv;
}

/* 308 to the same host and target over https (a redirect-https route). */
void
respond_redirect_https(struct worker_env *w, const struct http_message *req,
    const struct route_conf *rt, struct request_log *rl)
{
	char		 host[RPXD_HOST_MAX], port[16] = "", date[64];
	const char	*path = "/";
	size_t		 pathlen = 1;

	if (req->hm_host == NULL || route_host_normalize(req->hm_host,
	    req->hm_hostlen, host, sizeof(host)) == -1) {
		respond_error(w, rl, 400, "no Host to redirect to");
		return;
	}
	if (req->hm_pathlen > 0) {
		path = req->hm_path;
		pathlen = req->hm_pathlen;
	}
	if (rt->rt_redirect_port != 0)
		snprintf(port, sizeof(port), ":%u", rt->rt_redirect_port);
	http_date(date, sizeof(date));
	buf_reset(&w->w_to_client);
	if (buf_printf(&w->w_to_client, "HTTP/1.1 308 Permanent Redirect\r\n"
	    "Date: %s\r\nLocation: https://%s%s%.*s\r\n"
	    "Content-Length: 0\r\nConnection: close\r\n\r\n", date, host,
	    port, (int)pathlen, path) == -1) {
		respond_error(w, rl, 414, "target too long to redirect");
		return;
	}
	respond_flush(w, rl);
	rl->rl_status = 308;
	access_log(w, rl);
}

/* tls=VERSION/CIPHER and resumed=yes|no of the client connection. */
static void
access_tls(const struct worker_env *w, char *tls, size_t len,
    const char **resumed)
{
	SSL	*ssl = w->w_client.io_ssl;

	if (ssl == NULL) {
		snprintf(tls, len, "-");
		*resumed = "-";
		return;
	}
	snprintf(tls, len, "%s/%s", SSL_get_version(ssl),
	    SSL_get_cipher_name(ssl));
	*resumed = SSL_session_reused(ssl) ? "yes" : "no";
}

void
access_log(struct worker_env *w, struct request_log *rl)
{
	const struct listener_conf *ls = &w->w_conf->rc_listeners[w->w_listener];
	long long	 ms;
	char		 bconn[32] = "-", tls[96];
	const char	*resumed;

	if (rl->rl_logged)
		return;
	rl->rl_logged = 1;
	addr_limit_response(w, rl);
	metrics_request(w, rl);
	/* access-log = false on the listener or the route (a balancer's
	 * health check path, say): no line. */
	if (!ls->ls_access_log || (rl->rl_route >= 0 &&
	    !ls->ls_routes[rl->rl_route].rt_access_log))
		return;
	if (rl->rl_bconn != 0)
		snprintf(bconn, sizeof(bconn), "%ld-%u", log_getpid(),
		    rl->rl_bconn);
	access_tls(w, tls, sizeof(tls), &resumed);
	ms = rl->rl_start_ms ? (long long)(now_ms() -
			    rl->rl_start_ms) : 0;

	log_access("access client=%s listener=%s host=%s method=%s path=%s "
	    "status=%d in=%llu out=%llu ms=%lld route=%s backend=%s "
	    "server=%s auth=%s/%s pin=%s bconn=%s pid=%ld ua=%s tls=%s "
	    "resumed=%s lb=%s reused=%s user=%s",
	    w->w_client_addr, ls->ls_name,
	    rl->rl_host[0] ? rl->rl_host : "-",
	    rl->rl_method[0] ? rl->rl_method : "-",
	    rl->rl_path[0] ? rl->rl_path : "-", rl->rl_status,
	    (unsigned long long)rl->rl_in, (unsigned long long)rl->rl_out, ms,
	    rl->rl_route >= 0 ? ls->ls_routes[rl->rl_route].rt_name : "-",
	    rl->rl_backend ? rl->rl_backend : "-",
	    rl->rl_server ? rl->rl_server : "-",
	    rl->rl_auth_req[0] ? rl->rl_auth_req : "-",
	    rl->rl_auth_resp[0] ? rl->rl_auth_resp : "-",
	    rl->rl_pinned ? "yes" : "no", bconn, log_getpid(),
	    rl->rl_ua[0] ? rl->rl_ua : "-", tls, resumed,
	    w->w_lb_addr[0] ? w->w_lb_addr : "-",
	    rl->rl_bconn == 0 ? "-" : rl->rl_reused ? "yes" : "no",
	    rl->rl_user[0] ? rl->rl_user : "-");
	w->w_slot->ss_log_dropped = log_dropped();
}
