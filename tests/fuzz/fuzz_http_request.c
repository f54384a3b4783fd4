/*
 * libFuzzer harness: a client's request head (worker/http_parse.c), the
 * bytes every worker reads from the internet. The input is parsed as one
 * buffer and also as every prefix a worker would see on the way (split at
 * a fuzzer-chosen point): a complete head must parse the same whole, an
 * incomplete prefix must say "more" or refuse, never read past its end.
 * Built by `make fuzz`, run by `make fuzz-smoke` (tests/fuzz/smoke.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"

#define MAX_HEADERS	100

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The limits of the default configuration (config_parse.c). */
static const struct http_limits	deflim = { 8192, 8192, 65536, MAX_HEADERS };
static struct http_limits	lim;

/* Checks what a parser returned against the buffer it parsed. */
static void
check_request(const char *buf, size_t len, long r,
    const struct http_message *m)
{
	unsigned	i;

	if (r == 0)
		return;
	if (r < 0) {
		FUZZ_ASSERT(m->hm_error != NULL);
		FUZZ_ASSERT(r == -400 || r == -414 || r == -431 ||
		    r == -501 || r == -505 || r == -417);
		return;
	}
	FUZZ_ASSERT((size_t)r <= len && (size_t)r == m->hm_headlen);
	FUZZ_ASSERT(m->hm_minor == 0 || m->hm_minor == 1);
	FUZZ_ASSERT(fuzz_inside(buf, (size_t)r, m->hm_method,
	    m->hm_methodlen));
	FUZZ_ASSERT(fuzz_inside(buf, (size_t)r, m->hm_target,
	    m->hm_targetlen));
	FUZZ_ASSERT(m->hm_nheaders <= MAX_HEADERS);
	for (i = 0; i < m->hm_nheaders; i++) {
		FUZZ_ASSERT(fuzz_inside(buf, (size_t)r,
		    m->hm_headers[i].hh_name, m->hm_headers[i].hh_namelen));
		FUZZ_ASSERT(fuzz_inside(buf, (size_t)r,
		    m->hm_headers[i].hh_value, m->hm_headers[i].hh_valuelen));
	}
	if (m->hm_host != NULL)
		FUZZ_ASSERT(fuzz_inside(buf, (size_t)r, m->hm_host,
		    m->hm_hostlen));
	if (m->hm_authority != NULL)
		FUZZ_ASSERT(fuzz_inside(buf, (size_t)r, m->hm_authority,
		    m->hm_authoritylen));
	if (m->hm_path != NULL)
		FUZZ_ASSERT(fuzz_inside(buf, (size_t)r, m->hm_path,
		    m->hm_pathlen));
	FUZZ_ASSERT(!(m->hm_chunked && m->hm_has_length));
	(void)http_request_body(m);
	(void)http_find_header(m, "host");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_header	 hdrs[MAX_HEADERS];
	struct http_message	 m, whole;
	char			*buf;
	size_t			 split;
	long			 r, rw;

	if (size < 3)
		return 0;
	/* The first two bytes choose where the head is cut; the third
	 * the default limits (even) or small ones that inputs of a few
	 * KiB can reach, so that every limit's edge is tried. */
	split = ((size_t)data[0] << 8 | data[1]) % (size - 2);
	lim = deflim;
	if (data[2] & 1) {
		lim.hl_max_request_line = 16 + (data[2] >> 1);
		lim.hl_max_header_line = 24 + (data[2] >> 1);
		lim.hl_max_head = 256 + 8 * (size_t)data[2];
		lim.hl_max_headers = 1 + (data[2] >> 4);
	}
	data += 3;
	size -= 3;
	/* An exact-size copy, so ASan sees any read past the end. */
	buf = malloc(size ? size : 1);
	FUZZ_ASSERT(buf != NULL);
	memcpy(buf, data, size);
	memset(&whole, 0, sizeof(whole));
	rw = http_parse_request(buf, size, &lim, &whole, hdrs, MAX_HEADERS);
	check_request(buf, size, rw, &whole);
	/* The prefix a worker has after one read. */
	memset(&m, 0, sizeof(m));
	r = http_parse_request(buf, split, &lim, &m, hdrs, MAX_HEADERS);
	check_request(buf, split, r, &m);
	/* A complete head in the prefix is the same head whole. */
	if (r > 0)
		FUZZ_ASSERT(rw == r);
	/* And a prefix refused is refused whole: how the bytes arrive
	 * must not turn a refusal into a request. (The status may differ:
	 * a line too long for the limit may hold a bad byte further on.) */
	if (r < 0)
		FUZZ_ASSERT(rw < 0);
	free(buf);
	return 0;
}
