/*
 * Strict HTTP/1.1 head parsing (RFC 9112) for requests from clients and
 * responses from backends (see http.h). Everything that RFC 9112 allows a
 * recipient to be lenient about is refused here instead: bare CR or LF,
 * obs-fold, whitespace before the colon, conflicting framing.
 */
#include <string.h>
#include <strings.h>

#include "http.h"

#define LEADING_CRLF_MAX	4

int
http_is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

int
http_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* field-value bytes: VCHAR, SP, HTAB, obs-text. */
static int
is_field_byte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static long
fail(struct http_message *msg, int status, const char *why)
{
	msg->hm_error = why;
	return -status;
}

static int
ci_equal(const char *p, size_t len, const char *s)
{
	return strlen(s) == len && strncasecmp(p, s, len) == 0;
}

/*
 * The next line from pos: its length without CRLF in *linelen and the
 * position after it in *next. 1: found; 0: incomplete; -1: bare LF.
 */
static int
next_line(const char *buf, size_t len, size_t pos, size_t *linelen,
    size_t *next)
{
	const char	*lf = memchr(buf + pos, '\n', len - pos);
	size_t		 at;

	if (lf == NULL)
		return 0;
	at = (size_t)(lf - buf);
	if (at == pos || buf[at - 1] != '\r')
		return -1;
	*linelen = at - 1 - pos;
	*next = at + 1;
	return 1;
}

/*
 * Bytes of an incomplete line from pos, without a CR that may be the
 * first half of its CRLF: what counts against a line limit so far.
 */
static size_t
partial_line(const char *buf, size_t len, size_t pos)
{
	if (len > pos && buf[len - 1] == '\r')
		return len - pos - 1;
	return len - pos;
}

/* "HTTP/d.d": 1 for 1.0 / 1.1 (minor set), 0 for another, -1 if not one. */
static int
parse_version(const char *p, size_t len, int *minor)
{
	if (len != 8 || memcmp(p, "HTTP/", 5) != 0 || p[6] != '.' ||
	    p[5] < '0' || p[5] > '9' || p[7] < '0' || p[7] > '9')
		return -1;
	if (p[5] != '1' || (p[7] != '0' && p[7] != '1'))
		return 0;
	*minor = p[7] - '0';
	return 1;
}

/* authority-form: host ":" port, no userinfo, path or query. */
static int
authority_form_ok(const char *t, size_t len)
{
	size_t	colon, i;

	for (colon = len; colon > 0 && t[colon - 1] != ':'; colon--)
		;
	if (colon < 2 || colon == len || len - colon > 5)
		return 0;
	for (i = colon; i < len; i++)
		if (t[i] < '0' || t[i] > '9')
			return 0;
	for (i = 0; i < colon - 1; i++)
		if (strchr("/?@", t[i]) != NULL)
			return 0;
	return 1;
}

static long
parse_target(const char *t, size_t len, struct http_message *msg)
{
	size_t	i, skip;

	for (i = 0; i < len; i++)
		if ((unsigned char)t[i] < 0x21 || (unsigned char)t[i] > 0x7e ||
		    t[i] == '#')
			return fail(msg, 400, "invalid byte in request target");
	if (msg->hm_methodlen == 7 &&
	    memcmp(msg->hm_method, "CONNECT", 7) == 0) {
		if (!authority_form_ok(t, len))
			return fail(msg, 400, "CONNECT needs host:port");
		msg->hm_form = TARGET_AUTHORITY;
		msg->hm_authority = t;
		msg->hm_authoritylen = len;
		return 0;
	}
	if (t[0] == '/') {
		msg->hm_form = TARGET_ORIGIN;
		msg->hm_path = t;
		msg->hm_pathlen = len;
		return 0;
	}
	if (len == 1 && t[0] == '*') {
		if (msg->hm_methodlen != 7 ||
		    memcmp(msg->hm_method, "OPTIONS", 7) != 0)
			return fail(msg, 400,
			    "asterisk target without OPTIONS");
		msg->hm_form = TARGET_ASTERISK;
		return 0;
	}
	if (len > 7 && strncasecmp(t, "http://", 7) == 0)
		skip = 7;
	else if (len > 8 && strncasecmp(t, "https://", 8) == 0)
		skip = 8;
	else
		return fail(msg, 400, "invalid request target");
	msg->hm_form = TARGET_ABSOLUTE;
	msg->hm_authority = t + skip;
	for (i = skip; i < len && t[i] != '/' && t[i] != '?'; i++)
		;
	msg->hm_authoritylen = i - skip;
	if (msg->hm_authoritylen == 0 ||
	    memchr(msg->hm_authority, '@', msg->hm_authoritylen) != NULL)
		return fail(msg, 400, "invalid authority in request target");
	if (i < len && t[i] == '?')
		return fail(msg, 400, "query without path in request target");
	msg->hm_path = t + i;
	msg->hm_pathlen = len - i;
	return 0;
}

static long
parse_request_line(const char *p, size_t len, struct http_message *msg)
{
	const char	*sp1, *sp2;
	int		 rv;

	sp1 = memchr(p, ' ', len);
	if (sp1 == NULL || sp1 == p)
		return fail(msg, 400, "malformed request line");
	sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - p));
	if (sp2 == NULL || sp2 == sp1 + 1)
		return fail(msg, 400, "malformed request line");
	msg->hm_method = p;
	msg->hm_methodlen = (size_t)(sp1 - p);
	for (size_t i = 0; i < msg->hm_methodlen; i++)
		if (!http_is_tchar((unsigned char)p[i]))
			return fail(msg, 400, "invalid method");
	rv = parse_version(sp2 + 1, len - (size_t)(sp2 + 1 - p),
	    &msg->hm_minor);
	if (rv == -1)
		return fail(msg, 400, "malformed HTTP version");
	if (rv == 0)
		return fail(msg, 505, "unsupported HTTP version");
	msg->hm_target = sp1 + 1;
	msg->hm_targetlen = (size_t)(sp2 - sp1 - 1);
	return parse_target(msg->hm_target, msg->hm_targetlen, msg);
}

static long
parse_status_line(const char *p, size_t len, struct http_message *msg)
{
	size_t	i;

	if (len < 12 || parse_version(p, 8, &msg->hm_minor) != 1 ||
	    p[8] != ' ')
		return fail(msg, 502, "malformed status line");
	for (i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return fail(msg, 502, "malformed status code");
	msg->hm_status = (p[9] - '0') * 100 + (p[10] - '0') * 10 +
	    (p[11] - '0');
	if (msg->hm_status < 100 || msg->hm_status > 599)
		return fail(msg, 502, "status code out of range");
	if (len > 12 && p[12] != ' ')
		return fail(msg, 502, "malformed status line");
	for (i = 13; i < len; i++)
		if (!is_field_byte((unsigned char)p[i]))
			return fail(msg, 502, "invalid byte in reason phrase");
	return 0;
}

static long
parse_field(const char *p, size_t len, struct http_header *h,
    struct http_message *msg, int bad)
{
	const char	*colon = memchr(p, ':', len);
	size_t		 i, start, end;

	if (p[0] == ' ' || p[0] == '\t')
		return fail(msg, bad, "obs-fold (line folding) in head");
	if (colon == NULL || colon == p)
		return fail(msg, bad, "field line without a name");
	for (i = 0; i < (size_t)(colon - p); i++)
		if (!http_is_tchar((unsigned char)p[i]))
			return fail(msg, bad, (p[i] == ' ' || p[i] == '\t') ?
			    "whitespace before colon in field line" :
			    "invalid byte in field name");
	for (i = (size_t)(colon - p) + 1; i < len; i++)
		if (!is_field_byte((unsigned char)p[i]))
			return fail(msg, bad, p[i] == '\r' ?
			    "bare CR in head" : "invalid byte in field value");
	start = (size_t)(colon - p) + 1;
	end = len;
	while (start < end && (p[start] == ' ' || p[start] == '\t'))
		start++;
	while (end > start && (p[end - 1] == ' ' || p[end - 1] == '\t'))
		end--;
	h->hh_name = p;
	h->hh_namelen = (size_t)(colon - p);
	h->hh_value = p + start;
	h->hh_valuelen = end - start;
	return 0;
}

/* Calls fn for each element of a comma list; stops on fn's non-zero. */
static int
list_each(const char *v, size_t len,
    int (*fn)(const char *, size_t, void *), void *arg)
{
	size_t	i = 0, s, e;
	int	rv;

	while (i <= len) {
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (s < e && (v[s] == ' ' || v[s] == '\t'))
			s++;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if ((rv = fn(v + s, e - s, arg)) != 0)
			return rv;
		i++;
	}
	return 0;
}

struct length_state {
	int		 seen;
	uint64_t	 value;
};

static int
length_element(const char *p, size_t len, void *arg)
{
	struct length_state	*ls = arg;
	uint64_t		 v = 0;
	size_t			 i;

	if (len == 0 || len > 19)
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	/* A peer that reads it as a signed 64-bit number must agree. */
	if (v > (uint64_t)INT64_MAX)
		return -1;
	if (ls->seen && ls->value != v)
		return -2;
	ls->seen = 1;
	ls->value = v;
	return 0;
}

struct coding_state {
	unsigned	 n;
	int		 chunked_at;	/* index of "chunked", -1 */
	int		 chunked_twice;
	int		 empty;
};

static int
coding_element(const char *p, size_t len, void *arg)
{
	struct coding_state	*cs = arg;

	if (len == 0) {
		cs->empty = 1;
		return 0;
	}
	if (ci_equal(p, len, "chunked")) {
		if (cs->chunked_at != -1)
			cs->chunked_twice = 1;
		cs->chunked_at = (int)cs->n;
	}
	cs->n++;
	return 0;
}

static long
framing_fields(struct http_message *msg, int request, int bad)
{
	struct length_state	 ls = { 0, 0 };
	struct coding_state	 cs = { 0, -1, 0, 0 };
	unsigned		 i, nte = 0;
	int			 rv;

	for (i = 0; i < msg->hm_nheaders; i++) {
		const struct http_header *h = &msg->hm_headers[i];

		if (http_header_is(h, "Content-Length")) {
			rv = list_each(h->hh_value, h->hh_valuelen,
			    length_element, &ls);
			if (rv == -2)
				return fail(msg, bad, "differing Content-Length"
				    " values");
			if (rv != 0)
				return fail(msg, bad, "invalid Content-Length");
		} else if (http_header_is(h, "Transfer-Encoding")) {
			nte++;
			list_each(h->hh_value, h->hh_valuelen, coding_element,
			    &cs);
		}
	}
	if (nte > 0) {
		if (msg->hm_minor == 0)
			return fail(msg, bad, "Transfer-Encoding in HTTP/1.0");
		if (request && ls.seen)
			return fail(msg, 400, "Content-Length and "
			    "Transfer-Encoding together");
		if (cs.empty)
			return fail(msg, bad,
			    "empty Transfer-Encoding element");
		if (cs.chunked_twice ||
		    (cs.chunked_at != -1 && cs.chunked_at != (int)cs.n - 1))
			return fail(msg, bad, "chunked is not the last "
			    "transfer coding once");
		if (cs.n != 1 || cs.chunked_at != 0)
			return fail(msg, request ? 501 : bad,
			    "unsupported transfer coding");
		msg->hm_chunked = 1;
		return 0;
	}
	msg->hm_has_length = ls.seen;
	msg->hm_length = ls.value;
	return 0;
}

static long
connection_fields(struct http_message *msg, int request)
{
	unsigned	i, nhost = 0;

	for (i = 0; i < msg->hm_nheaders; i++) {
		const struct http_header *h = &msg->hm_headers[i];

		if (http_header_is(h, "Connection")) {
			msg->hm_conn_close |= http_list_has_token(h->hh_value,
			    h->hh_valuelen, "close");
			msg->hm_conn_keepalive |= http_list_has_token(
			    h->hh_value, h->hh_valuelen, "keep-alive");
			msg->hm_conn_upgrade |= http_list_has_token(h->hh_value,
			    h->hh_valuelen, "upgrade");
		} else if (http_header_is(h, "Upgrade"))
			msg->hm_has_upgrade = 1;
		else if (request && http_header_is(h, "Host")) {
			nhost++;
			msg->hm_host = h->hh_value;
			msg->hm_hostlen = h->hh_valuelen;
		} else if (request && http_header_is(h, "Expect") &&
		    msg->hm_minor == 1) {
			if (!ci_equal(h->hh_value, h->hh_valuelen,
			    "100-continue"))
				return fail(msg, 417,
				    "unsupported expectation");
			msg->hm_expect_continue = 1;
		}
	}
	if (!request)
		return 0;
	if (nhost > 1)
		return fail(msg, 400, "repeated Host");
	if (nhost == 1 && msg->hm_hostlen == 0)
		return fail(msg, 400, "empty Host");
	if (nhost == 0 && msg->hm_minor == 1)
		return fail(msg, 400, "missing Host in HTTP/1.1");
	return 0;
}

/* The shared part of both parsers: start line, fields, framing. */
static long
parse_head(const char *buf, size_t len, const struct http_limits *lim,
    struct http_message *msg, struct http_header *hdrs, unsigned maxhdrs,
    int request)
{
	int	bad = request ? 400 : 502, rv, k;
	size_t	pos = 0, linelen, next;
	long	r;

	memset(msg, 0, sizeof(*msg));
	msg->hm_headers = hdrs;
	for (k = 0; request && k < LEADING_CRLF_MAX; k++) {
		if (len - pos >= 2 && buf[pos] == '\r' && buf[pos + 1] == '\n')
			pos += 2;
		else
			break;
	}
	rv = next_line(buf, len, pos, &linelen, &next);
	if (rv == -1)
		return fail(msg, bad, "bare LF in head");
	if (rv == 0 || linelen > lim->hl_max_request_line) {
		if ((rv == 0 ? partial_line(buf, len, pos) : linelen) >
		    lim->hl_max_request_line)
			return fail(msg, request ? 414 : 502, request ?
			    "request line too long" : "status line too long");
		if (len > lim->hl_max_head)
			return fail(msg, request ? 431 : 502, "head too large");
		return 0;
	}
	if (memchr(buf + pos, '\r', linelen) != NULL)
		return fail(msg, bad, "bare CR in head");
	r = request ? parse_request_line(buf + pos, linelen, msg) :
	    parse_status_line(buf + pos, linelen, msg);
	if (r < 0)
		return r;
	for (pos = next;; pos = next) {
		rv = next_line(buf, len, pos, &linelen, &next);
		if (rv == -1)
			return fail(msg, bad, "bare LF in head");
		if (rv == 0) {
			if (partial_line(buf, len, pos) >
			    lim->hl_max_header_line)
				return fail(msg, request ? 431 : 502,
				    "header line too long");
			if (len > lim->hl_max_head)
				return fail(msg, request ? 431 : 502,
				    "head too large");
			return 0;
		}
		if (next > lim->hl_max_head)
			return fail(msg, request ? 431 : 502, "head too large");
		if (linelen == 0)
			break;
		if (linelen > lim->hl_max_header_line)
			return fail(msg, request ? 431 : 502,
			    "header line too long");
		if (msg->hm_nheaders >= maxhdrs ||
		    msg->hm_nheaders >= lim->hl_max_headers)
			return fail(msg, request ? 431 : 502,
			    "too many header fields");
		r = parse_field(buf + pos, linelen,
		    &hdrs[msg->hm_nheaders], msg, bad);
		if (r < 0)
			return r;
		msg->hm_nheaders++;
	}
	msg->hm_headlen = next;
	if ((r = framing_fields(msg, request, bad)) < 0 ||
	    (r = connection_fields(msg, request)) < 0)
		return r;
	return (long)next;
}

long
http_parse_request(const char *buf, size_t len, const struct http_limits *lim,
    struct http_message *msg, struct http_header *hdrs, unsigned maxhdrs)
{
	return parse_head(buf, len, lim, msg, hdrs, maxhdrs, 1);
}

long
http_parse_response(const char *buf, size_t len,
    const struct http_limits *lim, struct http_message *msg,
    struct http_header *hdrs, unsigned maxhdrs)
{
	return parse_head(buf, len, lim, msg, hdrs, maxhdrs, 0);
}

enum http_body
http_request_body(const struct http_message *req)
{
	if (req->hm_chunked)
		return BODY_CHUNKED;
	if (req->hm_has_length && req->hm_length > 0)
		return BODY_LENGTH;
	return BODY_NONE;
}

enum http_body
http_response_body(const struct http_message *resp, int is_head_request)
{
	if (is_head_request || resp->hm_status < 200 ||
	    resp->hm_status == 204 || resp->hm_status == 304)
		return BODY_NONE;
	if (resp->hm_chunked)
		return BODY_CHUNKED;
	if (resp->hm_has_length)
		return resp->hm_length > 0 ? BODY_LENGTH : BODY_NONE;
	return BODY_CLOSE;
}

struct token_search {
	const char	*token;
};

static int
token_element(const char *p, size_t len, void *arg)
{
	return ci_equal(p, len, ((struct token_search *)arg)->token);
}

int
http_list_has_token(const char *value, size_t len, const char *token)
{
	struct token_search	ts = { token };

	return list_each(value, len, token_element, &ts) == 1;
}

const struct http_header *
http_find_header(const struct http_message *msg, const char *name)
{
	unsigned	i;

	for (i = 0; i < msg->hm_nheaders; i++)
		if (http_header_is(&msg->hm_headers[i], name))
			return &msg->hm_headers[i];
	return NULL;
}

const char *
http_reason(int status)
{
	static const struct {
		int		 code;
		const char	*reason;
	} reasons[] = {
		{ 100, "Continue" }, { 101, "Switching Protocols" },
		{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
		{ 203, "Non-Authoritative Information" },
		{ 204, "No Content" }, { 205, "Reset Content" },
		{ 206, "Partial Content" },
		{ 300, "Multiple Choices" },
		{ 301, "Moved Permanently" }, { 302, "Found" },
		{ 303, "See Other" }, { 304, "Not Modified" },
		{ 305, "Use Proxy" },
		{ 307, "Temporary Redirect" }, { 308, "Permanent Redirect" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 402, "Payment Required" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
		{ 407, "Proxy Authentication Required" },
		{ 408, "Request Timeout" }, { 409, "Conflict" },
		{ 410, "Gone" }, { 411, "Length Required" },
		{ 412, "Precondition Failed" }, { 413, "Content Too Large" },
		{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
		{ 416, "Range Not Satisfiable" },
		{ 417, "Expectation Failed" },
		{ 421, "Misdirected Request" }, { 426, "Upgrade Required" },
		{ 428, "Precondition Required" },
		{ 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 499, "Client Closed Request" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
		{ 505, "HTTP Version Not Supported" },
	};
	size_t	i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == status)
			return reasons[i].reason;
	return "Unknown";
}
