/*
 * Rewriting message heads between client and backend: the request goes out
 * as HTTP/1.1 with Host preserved or rewritten, X-Forwarded-* and
 * Forwarded added, and hop-by-hop fields removed (also those a Connection
 * field names); the response comes back with its framing made explicit.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "worker.h"

static const char *const hop_by_hop[] = {
	"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
	"Transfer-Encoding", "Upgrade", "HTTP2-Settings", NULL
};

/* Never removed because a Connection field names them: framing, Host. */
static const char *const protected_fields[] = {
	"Host", "Content-Length", NULL
};

static int
header_in(const struct http_header *h, const char *const *names)
{
	for (; *names != NULL; names++)
		if (http_header_is(h, *names))
			return 1;
	return 0;
}

int
is_hop_by_hop(const struct http_header *h)
{
	return header_in(h, hop_by_hop);
}

/* Does any Connection field of msg list the name of h? */
static int
connection_lists(const struct http_message *msg, const struct http_header *h)
{
	char		 name[128];
	unsigned	 i;

	if (h->hh_namelen >= sizeof(name) || header_in(h, protected_fields))
		return 0;
	memcpy(name, h->hh_name, h->hh_namelen);
	name[h->hh_namelen] = '\0';
	for (i = 0; i < msg->hm_nheaders; i++) {
		const struct http_header *c = &msg->hm_headers[i];

		if (http_header_is(c, "Connection") &&
		    http_list_has_token(c->hh_value, c->hh_valuelen, name))
			return 1;
	}
	return 0;
}

static int
put_field(struct buf *out, const struct http_header *h)
{
	return buf_printf(out, "%.*s: %.*s\r\n", (int)h->hh_namelen,
	    h->hh_name, (int)h->hh_valuelen, h->hh_value);
}

/* Upgrade is forwarded only as HTTP/1.1 asks for it, and never to h2c:
 * the backend must keep speaking HTTP/1.1 (Windows authentication). */
static const struct http_header *
request_upgrade(const struct http_message *req)
{
	const struct http_header	*up;

	if (req->hm_minor != 1 || !req->hm_conn_upgrade ||
	    (up = http_find_header(req, "Upgrade")) == NULL)
		return NULL;
	if (http_list_has_token(up->hh_value, up->hh_valuelen, "h2c"))
		return NULL;
	return up;
}

int
rewrite_upgrade_requested(const struct http_message *req)
{
	return request_upgrade(req) != NULL;
}

static int
rewrite_request_line(const struct http_message *req, struct buf *out)
{
	const char	*target = req->hm_target;
	size_t		 len = req->hm_targetlen;

	if (req->hm_form == TARGET_ABSOLUTE) {
		target = req->hm_pathlen ? req->hm_path : "/";
		len = req->hm_pathlen ? req->hm_pathlen : 1;
	}
	return buf_printf(out, "%.*s %.*s HTTP/1.1\r\n",
	    (int)req->hm_methodlen, req->hm_method, (int)len, target);
}

static int
rewrite_host(const struct http_message *req, const struct fwd_ctx *ctx,
    struct buf *out)
{
	const struct route_conf	*rt = ctx->fc_route;

	if (rt->rt_host_mode == HOST_HEADER_REWRITE)
		return buf_printf(out, "Host: %s\r\n", rt->rt_host_rewrite);
	if (req->hm_form == TARGET_ABSOLUTE)
		return buf_printf(out, "Host: %.*s\r\n",
		    (int)req->hm_authoritylen, req->hm_authority);
	if (req->hm_host != NULL)
		return buf_printf(out, "Host: %.*s\r\n", (int)req->hm_hostlen,
		    req->hm_host);
	return buf_printf(out, "Host: %s\r\n", ctx->fc_server->sv_name);
}

/* X-Forwarded-For keeps earlier hops and appends the client. */
static int
rewrite_forwarded(const struct http_message *req, const struct fwd_ctx *ctx,
    struct buf *out)
{
	const char	*ip = ctx->fc_client_ip;
	int		 v6 = strchr(ip, ':') != NULL, first = 1, rv = 0;
	unsigned	 i;

	rv |= buf_printf(out, "X-Forwarded-For: ");
	for (i = 0; i < req->hm_nheaders; i++) {
		const struct http_header *h = &req->hm_headers[i];

		if (!http_header_is(h, "X-Forwarded-For") ||
		    h->hh_valuelen == 0)
			continue;
		rv |= buf_printf(out, "%s%.*s", first ? "" : ", ",
		    (int)h->hh_valuelen, h->hh_value);
		first = 0;
	}
	rv |= buf_printf(out, "%s%s\r\n", first ? "" : ", ", ip);
	rv |= buf_printf(out, "X-Forwarded-Proto: %s\r\n", ctx->fc_proto);
	if (req->hm_host != NULL)
		rv |= buf_printf(out, "X-Forwarded-Host: %.*s\r\n",
		    (int)req->hm_hostlen, req->hm_host);
	rv |= buf_printf(out, "Forwarded: for=%s%s%s;proto=%s",
	    v6 ? "\"[" : "", ip, v6 ? "]\"" : "", ctx->fc_proto);
	if (req->hm_host != NULL)
		rv |= buf_printf(out, ";host=\"%.*s\"", (int)req->hm_hostlen,
		    req->hm_host);
	rv |= buf_printf(out, "\r\n");
	return rv ? -1 : 0;
}

static int
fold_name_char(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return c == '_' ? '-' : c;
}

/*
 * Whether h is name in any spelling a backend may take for it: CGI, PHP
 * and IIS map both X-Authenticated-User and X_Authenticated_User to
 * HTTP_X_AUTHENTICATED_USER, so case and '_'/'-' are folded.
 */
int
rewrite_same_field(const struct http_header *h, const char *name)
{
	size_t	i;

	if (h->hh_namelen != strlen(name))
		return 0;
	for (i = 0; i < h->hh_namelen; i++)
		if (fold_name_char(h->hh_name[i]) != fold_name_char(name[i]))
			return 0;
	return 1;
}

/* Credentials and identities that a route's auth mode keeps from the
 * backend: with auth none or ntlm the client's own never pass, nor a
 * client's identity header in any spelling. */
static int
auth_field_dropped(const struct fwd_ctx *ctx, const struct http_header *h)
{
	const struct route_conf	*rt = ctx->fc_route;

	if (rt->rt_auth == AUTH_PASSTHROUGH)
		return 0;
	if (http_header_is(h, "Authorization") ||
	    http_header_is(h, "Proxy-Authorization"))
		return 1;
	return rewrite_same_field(h, rt->rt_auth_header);
}

static int
request_field_dropped(const struct http_message *req,
    const struct fwd_ctx *ctx, const struct http_header *h)
{
	return is_hop_by_hop(h) || connection_lists(req, h) ||
	    auth_field_dropped(ctx, h) ||
	    http_header_is(h, "Host") || http_header_is(h, "Content-Length") ||
	    http_header_is(h, "X-Forwarded-For") ||
	    http_header_is(h, "X-Forwarded-Proto") ||
	    http_header_is(h, "X-Forwarded-Host") ||
	    (http_header_is(h, "Expect") && req->hm_minor == 0);
}

int
rewrite_request(const struct http_message *req, const struct fwd_ctx *ctx,
    struct buf *out)
{
	const struct http_header	*up = request_upgrade(req);
	unsigned			 i;
	int				 rv = 0;

	rv |= rewrite_request_line(req, out);
	rv |= rewrite_host(req, ctx, out);
	for (i = 0; i < req->hm_nheaders; i++)
		if (!request_field_dropped(req, ctx, &req->hm_headers[i]))
			rv |= put_field(out, &req->hm_headers[i]);
	if (ctx->fc_route->rt_auth == AUTH_NTLM && ctx->fc_identity != NULL)
		rv |= buf_printf(out, "%s: %s\r\n", ctx->fc_route->rt_auth_header,
		    ctx->fc_identity);
	if (req->hm_chunked)
		rv |= buf_printf(out, "Transfer-Encoding: chunked\r\n");
	else if (req->hm_has_length)
		rv |= buf_printf(out, "Content-Length: %llu\r\n",
		    (unsigned long long)req->hm_length);
	if (up != NULL)
		rv |= buf_printf(out, "Connection: upgrade\r\n"
		    "Upgrade: %.*s\r\n", (int)up->hh_valuelen, up->hh_value);
	rv |= rewrite_forwarded(req, ctx, out);
	rv |= buf_printf(out, "\r\n");
	return rv ? -1 : 0;
}

/* The reason phrase as the backend sent it, from the raw status line. */
static void
status_reason(const char *head, size_t headlen, const char **reason,
    int *len)
{
	const char	*eol = memchr(head, '\r', headlen);

	*reason = "";
	*len = 0;
	/* "HTTP/1.x SSS " is 13 bytes; the parser checked the line. */
	if (eol != NULL && eol - head > 13) {
		*reason = head + 13;
		*len = (int)(eol - *reason);
	}
}

int
rewrite_response(const struct http_message *resp, const char *head,
    int rechunk, int close, const struct resp_extra *add, struct buf *out)
{
	const char	*sts = add != NULL ? add->re_sts : NULL;
	const char	*reason;
	int		 reasonlen, rv = 0, upgrade = resp->hm_status == 101;
	unsigned	 i;

	status_reason(head, resp->hm_headlen, &reason, &reasonlen);
	rv |= buf_printf(out, "HTTP/1.1 %03d %.*s\r\n", resp->hm_status,
	    reasonlen, reason);
	for (i = 0; i < resp->hm_nheaders; i++) {
		const struct http_header *h = &resp->hm_headers[i];

		if (upgrade && http_header_is(h, "Upgrade")) {
			rv |= put_field(out, h);
			continue;
		}
		if (is_hop_by_hop(h) || connection_lists(resp, h) ||
		    http_header_is(h, "Content-Length") || (sts != NULL &&
		    http_header_is(h, "Strict-Transport-Security")))
			continue;
		rv |= put_field(out, h);
	}
	if (sts != NULL)
		rv |= buf_printf(out, "Strict-Transport-Security: %s\r\n", sts);
	if (add != NULL && add->re_cookie != NULL)
		rv |= buf_printf(out, "Set-Cookie: %s\r\n", add->re_cookie);
	if (upgrade)
		rv |= buf_printf(out, "Connection: upgrade\r\n");
	else if (resp->hm_chunked && rechunk)
		rv |= buf_printf(out, "Transfer-Encoding: chunked\r\n");
	else if (!resp->hm_chunked && resp->hm_has_length)
		rv |= buf_printf(out, "Content-Length: %llu\r\n",
		    (unsigned long long)resp->hm_length);
	if (close && !upgrade)
		rv |= buf_printf(out, "Connection: close\r\n");
	rv |= buf_printf(out, "\r\n");
	return rv ? -1 : 0;
}
