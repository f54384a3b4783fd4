/*
 * The verdict of one health check on the response it read: fed the bytes
 * as they arrive, it says when it has seen enough and whether the server
 * is healthy (status and optional body text), and why not. Pure: no I/O,
 * so every case is unit-tested (tests/unit/test_verdict.c).
 */
#ifndef RPXD_VERDICT_H
#define RPXD_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include "chunked.h"
#include "config.h"
#include "http.h"

#define VERDICT_READ_MAX	65536	/* response bytes a check reads */
#define VERDICT_HEADERS_MAX	256	/* field lines of a response head */

struct verdict {
	const struct health_conf *v_hc;
	struct http_limits	 v_lim;
	char			 v_head[VERDICT_READ_MAX];	/* unparsed */
	size_t			 v_headlen;	/* bytes in v_head */
	size_t			 v_read;	/* bytes fed, at most the max */
	int			 v_status;	/* 0: no final head yet */
	int			 v_body;	/* enum http_body */
	uint64_t		 v_left;	/* BODY_LENGTH: bytes to come */
	struct chunked_decoder	 v_cd;
	/* the last body bytes, so that a match may span two reads */
	char			 v_tail[RPXD_HEALTH_BODY_MAX];
	size_t			 v_taillen;
	int			 v_found;	/* hc_body seen in the body */
	int			 v_ended;	/* the body's framing ended */
	int			 v_limit;	/* read all it may */
	const char		*v_error;	/* malformed: why */
};

/* lim: what a worker accepts from a backend; the head is capped at
 * VERDICT_READ_MAX. */
void	 verdict_init(struct verdict *v, const struct health_conf *hc,
	    const struct http_limits *lim);
/* Bytes read from the server; 1 when no more are needed. Bytes beyond
 * VERDICT_READ_MAX are not looked at. */
int	 verdict_feed(struct verdict *v, const char *data, size_t len);
/* After the last feed, or when the server closed: 1 healthy, 0 not, and
 * then why (NUL-terminated). */
int	 verdict_result(const struct verdict *v, char *why, size_t whylen);
/* Is status an expected one (hc_status, or 200 to 399 when none)? */
int	 verdict_status_ok(const struct health_conf *hc, int status);

#endif
