/*
 * Strict HTTP/1.1 message head parsing (RFC 9112) for requests from clients
 * and responses from backends. Pure functions over a buffer: no I/O, so
 * every valid form and every malformed class is unit-tested.
 */
#ifndef RPXD_HTTP_H
#define RPXD_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

struct http_limits {
	size_t	hl_max_request_line;	/* 414 above (status line: 502) */
	size_t	hl_max_header_line;	/* 431 above, one field line */
	size_t	hl_max_head;		/* 431 above, whole head */
	unsigned hl_max_headers;	/* 431 above, field count */
};

/* A field line; pointers into the parsed buffer, value without OWS. */
struct http_header {
	const char	*hh_name;
	size_t		 hh_namelen;
	const char	*hh_value;
	size_t		 hh_valuelen;
};

enum http_target_form {
	TARGET_ORIGIN,		/* /path?query */
	TARGET_ABSOLUTE,	/* http://authority/path?query */
	TARGET_AUTHORITY,	/* host:port, CONNECT only */
	TARGET_ASTERISK		/* *, OPTIONS only */
};

/* Facts about the message that the proxy acts on. */
struct http_message {
	/* request line */
	const char	*hm_method;
	size_t		 hm_methodlen;
	const char	*hm_target;	/* as received */
	size_t		 hm_targetlen;
	int		 hm_form;	/* enum http_target_form */
	const char	*hm_authority;	/* absolute/authority form, else NULL */
	size_t		 hm_authoritylen;
	const char	*hm_path;	/* origin-form part: path and query;
					   "/" is not invented: len 0 means
					   absolute-form with an empty path */
	size_t		 hm_pathlen;
	/* status line */
	int		 hm_status;	/* responses: 100..599 */
	/* both */
	int		 hm_minor;	/* HTTP/1.x: 0 or 1 */
	struct http_header *hm_headers;
	unsigned	 hm_nheaders;
	/* framing and connection facts, from the headers */
	int		 hm_chunked;	/* Transfer-Encoding: chunked */
	int		 hm_has_length;	/* Content-Length present (valid) */
	uint64_t	 hm_length;
	const char	*hm_host;	/* Host value, requests; NULL if none */
	size_t		 hm_hostlen;
	int		 hm_conn_close;		/* Connection: close */
	int		 hm_conn_keepalive;	/* Connection: keep-alive */
	int		 hm_conn_upgrade;	/* Connection: upgrade */
	int		 hm_has_upgrade;	/* an Upgrade field */
	int		 hm_expect_continue;	/* Expect: 100-continue */
	size_t		 hm_headlen;	/* bytes of the head, final CRLF incl. */
	const char	*hm_error;	/* why it was refused, for the log */
};

/*
 * Parse a request head at buf[0..len). Returns the head length (> 0) when
 * complete; 0 when more bytes are needed and no limit is exceeded yet;
 * or a negative HTTP status (-400, -414, -431, -501, -505, -417) with
 * msg->hm_error set. Up to maxhdrs field lines are stored in hdrs.
 * Leading empty lines (CRLF) before the request line are skipped.
 */
long	http_parse_request(const char *buf, size_t len,
	    const struct http_limits *lim, struct http_message *msg,
	    struct http_header *hdrs, unsigned maxhdrs);

/*
 * Parse a response head from a backend. Same return convention; a
 * malformed response gives -502. is_head_request tells that the response
 * answers HEAD (so it has no body, whatever its framing fields say).
 */
long	http_parse_response(const char *buf, size_t len,
	    const struct http_limits *lim, struct http_message *msg,
	    struct http_header *hdrs, unsigned maxhdrs);

/* How the body of a parsed message is delimited. */
enum http_body {
	BODY_NONE,	/* no body */
	BODY_LENGTH,	/* hm_length bytes */
	BODY_CHUNKED,	/* chunked coding */
	BODY_CLOSE	/* until the connection closes (responses only) */
};
enum http_body http_request_body(const struct http_message *req);
enum http_body http_response_body(const struct http_message *resp,
	    int is_head_request);

/* RFC 9110 tchar (token characters), and the value of a hex digit or -1:
 * shared by the head parser, the chunked decoder and path decoding. */
int	http_is_tchar(unsigned char c);
int	http_hexval(unsigned char c);
/* Case-insensitive name compare. Inline: it runs for every field against
 * a dozen names per message, and with a literal name its length is known
 * at compile time, so most fields are told apart by length alone. */
static inline int
http_header_is(const struct http_header *h, const char *name)
{
	size_t	len = strlen(name);

	return h->hh_namelen == len && strncasecmp(h->hh_name, name, len) == 0;
}
/* Does a comma-separated list value contain token (case-insensitive)? */
int	http_list_has_token(const char *value, size_t len, const char *token);
/* Find the first field with this name, or NULL. */
const struct http_header *http_find_header(const struct http_message *msg,
	    const char *name);
/* Reason phrase for a status code, "Unknown" if none. */
const char *http_reason(int status);

#endif
