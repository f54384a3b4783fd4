/*
 * The verdict of one health check (verdict.h): the response head parsed
 * as strictly as a worker parses it, the body followed through its framing
 * (de-chunked) and searched for the expected text as it streams past, with
 * only the head and a short tail kept. Called by check.c per read.
 */
#include <stdio.h>
#include <string.h>

#include "verdict.h"

#define SCAN_PIECE	4096	/* body bytes searched at a time */

void
verdict_init(struct verdict *v, const struct health_conf *hc,
    const struct http_limits *lim)
{
	memset(v, 0, sizeof(*v));
	v->v_hc = hc;
	v->v_lim = *lim;
	if (v->v_lim.hl_max_head > VERDICT_READ_MAX)
		v->v_lim.hl_max_head = VERDICT_READ_MAX;
	chunked_init(&v->v_cd);
}

int
verdict_status_ok(const struct health_conf *hc, int status)
{
	unsigned	i;

	if (hc->hc_nstatus == 0)
		return status >= 200 && status <= 399;
	for (i = 0; i < hc->hc_nstatus; i++)
		if ((unsigned)status == hc->hc_status[i])
			return 1;
	return 0;
}

/*
 * Search the expected text in the body as it passes: each piece is looked
 * at behind the last bytes of the one before, so a match may span reads.
 */
static void
scan(struct verdict *v, const char *data, size_t len)
{
	const char	*want = v->v_hc->hc_body;
	size_t		 wl = strlen(want), piece, n, keep;
	char		 win[RPXD_HEALTH_BODY_MAX + SCAN_PIECE];

	while (wl > 0 && !v->v_found && len > 0) {
		piece = len < SCAN_PIECE ? len : SCAN_PIECE;
		memcpy(win, v->v_tail, v->v_taillen);
		memcpy(win + v->v_taillen, data, piece);
		n = v->v_taillen + piece;
		if (memmem(win, n, want, wl) != NULL) {
			v->v_found = 1;
			return;
		}
		keep = n < wl - 1 ? n : wl - 1;
		memcpy(v->v_tail, win + n - keep, keep);
		v->v_taillen = keep;
		data += piece;
		len -= piece;
	}
}

/* Body bytes, through the framing the head announced. */
static void
body_feed(struct verdict *v, const char *data, size_t len)
{
	char			out[SCAN_PIECE];
	size_t			used, made;
	enum chunked_status	st;

	if (v->v_ended || v->v_error != NULL)
		return;
	switch (v->v_body) {
	case BODY_LENGTH:
		if (len > v->v_left)
			len = (size_t)v->v_left;
		scan(v, data, len);
		if ((v->v_left -= len) == 0)
			v->v_ended = 1;
		break;
	case BODY_CLOSE:
		scan(v, data, len);
		break;
	case BODY_CHUNKED:
		do {
			st = chunked_decode(&v->v_cd, data, len, &used, out,
			    sizeof(out), &made);
			scan(v, out, made);
			data += used;
			len -= used;
		} while (st == CHUNKED_MORE && len > 0 && (used | made) != 0);
		if (st == CHUNKED_DONE)
			v->v_ended = 1;
		else if (st == CHUNKED_ERROR)
			v->v_error = v->v_cd.cd_error;
		break;
	default:
		v->v_ended = 1;
		break;
	}
}

/*
 * Parse the head in v_head; 1xx interim responses (103 Early Hints) are
 * skipped. The body bytes that came with the head go to body_feed.
 */
static void
head_parse(struct verdict *v)
{
	struct http_header	hdrs[VERDICT_HEADERS_MAX];
	struct http_message	msg;
	long			r;

	for (;;) {
		r = http_parse_response(v->v_head, v->v_headlen, &v->v_lim,
		    &msg, hdrs, VERDICT_HEADERS_MAX);
		if (r == 0)
			return;
		if (r < 0) {
			v->v_error = msg.hm_error;
			return;
		}
		if (msg.hm_status >= 200 || msg.hm_status == 101)
			break;
		v->v_headlen -= (size_t)r;
		memmove(v->v_head, v->v_head + r, v->v_headlen);
	}
	v->v_status = msg.hm_status;
	v->v_body = http_response_body(&msg, 0);
	v->v_left = msg.hm_length;
	if (v->v_body == BODY_NONE)
		v->v_ended = 1;
	body_feed(v, v->v_head + r, v->v_headlen - (size_t)r);
}

/* Enough is known: a bad response or status, or the body question
 * answered (no text expected, text found, or the body ended). */
static int
decided(const struct verdict *v)
{
	if (v->v_error != NULL || v->v_limit)
		return 1;
	if (v->v_status == 0)
		return 0;
	return !verdict_status_ok(v->v_hc, v->v_status) ||
	    v->v_hc->hc_body[0] == '\0' || v->v_found || v->v_ended;
}

int
verdict_feed(struct verdict *v, const char *data, size_t len)
{
	if (decided(v))
		return 1;
	if (len > VERDICT_READ_MAX - v->v_read)
		len = VERDICT_READ_MAX - v->v_read;
	v->v_read += len;
	if (v->v_status == 0) {
		memcpy(v->v_head + v->v_headlen, data, len);
		v->v_headlen += len;
		/* A head ends with a LF: no new one, no new parse of it all
		 * (a server that sends a byte at a time costs no more). */
		if (memchr(data, '\n', len) != NULL ||
		    v->v_read == VERDICT_READ_MAX)
			head_parse(v);
	} else
		body_feed(v, data, len);
	if (v->v_read == VERDICT_READ_MAX)
		v->v_limit = 1;
	return decided(v);
}

/* "200 to 399", "401" or "200, 401" */
static void
expected(const struct health_conf *hc, char *dst, size_t len)
{
	size_t		off = 0;
	unsigned	i;
	int		n;

	if (hc->hc_nstatus == 0) {
		snprintf(dst, len, "200 to 399");
		return;
	}
	dst[0] = '\0';
	for (i = 0; i < hc->hc_nstatus && off < len; i++) {
		n = snprintf(dst + off, len - off, "%s%u", i ? ", " : "",
		    hc->hc_status[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

int
verdict_result(const struct verdict *v, char *why, size_t whylen)
{
	const char	*body = v->v_hc->hc_body;
	char		 exp[RPXD_HEALTH_STATUS_MAX * 5 + 16];

	if (v->v_error != NULL && v->v_status == 0)
		snprintf(why, whylen, "bad response: %s", v->v_error);
	else if (v->v_status == 0 && v->v_read == 0)
		snprintf(why, whylen, "closed before a response");
	else if (v->v_status == 0 && v->v_limit)
		snprintf(why, whylen, "response head larger than %u bytes",
		    VERDICT_READ_MAX);
	else if (v->v_status == 0)
		snprintf(why, whylen, "closed within the response head");
	else if (!verdict_status_ok(v->v_hc, v->v_status)) {
		expected(v->v_hc, exp, sizeof(exp));
		snprintf(why, whylen, "status %d (expected %s)", v->v_status,
		    exp);
	} else if (body[0] != '\0' && !v->v_found && v->v_error != NULL)
		snprintf(why, whylen, "bad chunked body: %s", v->v_error);
	else if (body[0] != '\0' && !v->v_found && v->v_limit && !v->v_ended)
		snprintf(why, whylen, "body does not contain \"%s\" in its "
		    "first %u bytes", body, VERDICT_READ_MAX);
	else if (body[0] != '\0' && !v->v_found)
		snprintf(why, whylen, "body does not contain \"%s\"", body);
	else
		return 1;
	return 0;
}
