/*
 * Rewriting message heads between client and backend: the request goes out
 * as HTTP/1.1 with Host preserved or rewritten, X-Forwarded-* and
 * Forwarded added, and hop-by-hop fields removed (also those a Connection
 * field names); the response comes back with its framing made explicit.
 * Heads are built by appending their pieces, not with printf: this runs
 * for every field of every request and response, and formatting cost a
 * third of the worker's own instructions per request.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "worker.h"

/* Reply token bytes encoded at a time (a multiple of 3: no padding
 * between pieces). */
#define NEGOTIATE_PIECE		192

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
	int		 named = 0;

	for (i = 0; i < msg->hm_nheaders; i++) {
		const struct http_header *c = &msg->hm_headers[i];

		if (!http_header_is(c, "Connection"))
			continue;
		/* The name as a token, once a Connection field is found:
		 * most messages have none, or only keep-alive in one. */
		if (!named) {
			if (h->hh_namelen >= sizeof(name) ||
			    header_in(h, protected_fields))
				return 0;
			memcpy(name, h->hh_name, h->hh_namelen);
			name[h->hh_namelen] = '\0';
			named = 1;
		}
		if (http_list_has_token(c->hh_value, c->hh_valuelen, name))
			return 1;
	}
	return 0;
}

/* "name: value" CRLF; the parser let no NUL into either. */
static int
put_line(struct buf *out, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	size_t	n = namelen + 2 + valuelen + 2;
	char	*p;

	if (buf_reserve(out, n) == -1)
		return -1;
	p = out->b_data + out->b_off + out->b_len;
	memcpy(p, name, namelen);
	memcpy(p + namelen, ": ", 2);
	memcpy(p + namelen + 2, value, valuelen);
	memcpy(p + namelen + 2 + valuelen, "\r\n", 2);
	out->b_len += n;
	return 0;
}

static int
put_field(struct buf *out, const struct http_header *h)
{
	return put_line(out, h->hh_name, h->hh_namelen, h->hh_value,
	    h->hh_valuelen);
}

/* A field whose name is a literal and whose value is a C string. */
static int
put_str(struct buf *out, const char *name, const char *value)
{
	return put_line(out, name, strlen(name), value, strlen(value));
}

static int
put_length(struct buf *out, uint64_t length)
{
	int	rv = 0;

	rv |= buf_puts(out, "Content-Length: ");
	rv |= buf_put_u64(out, (unsigned long long)length);
	rv |= buf_append(out, "\r\n", 2);
	return rv;
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
	int		 rv = 0;

	/* In order: the operands of | may be evaluated in any. */
	rv |= buf_append(out, req->hm_method, req->hm_methodlen);
	rv |= buf_append(out, " ", 1);
	rv |= buf_append(out, target, len);
	rv |= buf_puts(out, " HTTP/1.1\r\n");
	return rv;
}

static int
rewrite_host(const struct http_message *req, const struct fwd_ctx *ctx,
    struct buf *out)
{
	const struct route_conf	*rt = ctx->fc_route;

	if (rt->rt_host_mode == HOST_HEADER_REWRITE)
		return put_str(out, "Host", rt->rt_host_rewrite);
	if (req->hm_form == TARGET_ABSOLUTE)
		return put_line(out, "Host", 4, req->hm_authority,
		    req->hm_authoritylen);
	if (req->hm_host != NULL)
		return put_line(out, "Host", 4, req->hm_host, req->hm_hostlen);
	return put_str(out, "Host", ctx->fc_server->sv_name);
}

/* X-Forwarded-For keeps earlier hops and appends the client. */
static int
rewrite_forwarded(const struct http_message *req, const struct fwd_ctx *ctx,
    struct buf *out)
{
	const char	*ip = ctx->fc_client_ip;
	int		 v6 = strchr(ip, ':') != NULL, first = 1, rv = 0;
	unsigned	 i;

	rv |= buf_puts(out, "X-Forwarded-For: ");
	for (i = 0; i < req->hm_nheaders; i++) {
		const struct http_header *h = &req->hm_headers[i];

		if (!http_header_is(h, "X-Forwarded-For") ||
		    h->hh_valuelen == 0)
			continue;
		if (!first)
			rv |= buf_append(out, ", ", 2);
		rv |= buf_append(out, h->hh_value, h->hh_valuelen);
		first = 0;
	}
	if (!first)
		rv |= buf_append(out, ", ", 2);
	rv |= buf_puts(out, ip);
	rv |= buf_append(out, "\r\n", 2);
	rv |= put_str(out, "X-Forwarded-Proto", ctx->fc_proto);
	if (req->hm_host != NULL)
		rv |= put_line(out, "X-Forwarded-Host", 16, req->hm_host,
		    req->hm_hostlen);
	rv |= buf_puts(out, v6 ? "Forwarded: for=\"[" : "Forwarded: for=");
	rv |= buf_puts(out, ip);
	rv |= buf_puts(out, v6 ? "]\";proto=" : ";proto=");
	rv |= buf_puts(out, ctx->fc_proto);
	if (req->hm_host != NULL) {
		rv |= buf_append(out, ";host=\"", 7);
		rv |= buf_append(out, req->hm_host, req->hm_hostlen);
		rv |= buf_append(out, "\"", 1);
	}
	rv |= buf_append(out, "\r\n", 2);
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

/* A field of prefix and tok in base64, encoded a piece at a time. */
static int
put_token(struct buf *out, const char *prefix, const unsigned char *tok,
    size_t len)
{
	char	piece[BASE64_ENCODED_LEN(NEGOTIATE_PIECE) + 1];
	size_t	off, n, used;
	int	rv = 0;

	rv |= buf_puts(out, prefix);
	for (off = 0; off < len; off += n) {
		n = len - off;
		if (n > NEGOTIATE_PIECE)
			n = NEGOTIATE_PIECE;
		if (base64_encode(tok + off, n, piece, sizeof(piece),
		    &used) == -1)
			return -1;
		rv |= buf_append(out, piece, used);
	}
	rv |= buf_append(out, "\r\n", 2);
	return rv;
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
	if (AUTH_BY_PROXY(ctx->fc_route->rt_auth) && ctx->fc_identity != NULL)
		rv |= put_str(out, ctx->fc_route->rt_auth_header,
		    ctx->fc_identity);
	if (ctx->fc_delegation != NULL)
		rv |= put_token(out, "Authorization: Negotiate ",
		    ctx->fc_delegation, ctx->fc_delegation_len);
	if (req->hm_chunked)
		rv |= buf_puts(out, "Transfer-Encoding: chunked\r\n");
	else if (req->hm_has_length)
		rv |= put_length(out, req->hm_length);
	if (up != NULL) {
		rv |= buf_puts(out, "Connection: upgrade\r\n");
		rv |= put_line(out, "Upgrade", 7, up->hh_value, up->hh_valuelen);
	}
	rv |= rewrite_forwarded(req, ctx, out);
	rv |= buf_append(out, "\r\n", 2);
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

/*
 * WWW-Authenticate: Negotiate with a Kerberos login's reply token, so
 * that a client asking for mutual authentication can check it reached
 * this service. Not on a 401: that one is the backend's own challenge.
 */
static int
put_negotiate(struct buf *out, const struct http_message *resp,
    const struct resp_extra *add)
{
	if (add == NULL || add->re_negotiate_len == 0 ||
	    resp->hm_status == 401)
		return 0;
	return put_token(out, "WWW-Authenticate: Negotiate ",
	    add->re_negotiate, add->re_negotiate_len);
}

int
rewrite_response(const struct http_message *resp, const char *head,
    int rechunk, int close, const struct resp_extra *add, struct buf *out)
{
	const char	*sts = add != NULL ? add->re_sts : NULL;
	const char	*reason;
	char		 code[] = "HTTP/1.1 000 ";
	int		 reasonlen, rv = 0, upgrade = resp->hm_status == 101;
	unsigned	 i;

	status_reason(head, resp->hm_headlen, &reason, &reasonlen);
	/* The parser took three digits, 100 to 599. */
	code[9] = (char)('0' + resp->hm_status / 100 % 10);
	code[10] = (char)('0' + resp->hm_status / 10 % 10);
	code[11] = (char)('0' + resp->hm_status % 10);
	rv |= buf_append(out, code, sizeof(code) - 1);
	rv |= buf_append(out, reason, (size_t)reasonlen);
	rv |= buf_append(out, "\r\n", 2);
	for (i = 0; i < resp->hm_nheaders; i++) {
		const struct http_header *h = &resp->hm_headers[i];

		if (upgrade && http_header_is(h, "Upgrade")) {
			rv |= put_field(out, h);
			continue;
		}
		if (is_hop_by_hop(h) || connection_lists(resp, h) ||
		    http_header_is(h, "Content-Length") || (sts != NULL &&
		    http_header_is(h, "Strict-Transport-Security")) ||
		    (add != NULL && add->re_drop_www_auth &&
		    http_header_is(h, "WWW-Authenticate")))
			continue;
		rv |= put_field(out, h);
	}
	if (sts != NULL)
		rv |= put_str(out, "Strict-Transport-Security", sts);
	if (add != NULL && add->re_cookie != NULL)
		rv |= put_str(out, "Set-Cookie", add->re_cookie);
	rv |= put_negotiate(out, resp, add);
	if (upgrade)
		rv |= buf_puts(out, "Connection: upgrade\r\n");
	else if (resp->hm_chunked && rechunk)
		rv |= buf_puts(out, "Transfer-Encoding: chunked\r\n");
	else if (!resp->hm_chunked && resp->hm_has_length)
		rv |= put_length(out, resp->hm_length);
	if (close && !upgrade)
		rv |= buf_puts(out, "Connection: close\r\n");
	rv |= buf_append(out, "\r\n", 2);
	return rv ? -1 : 0;
}
