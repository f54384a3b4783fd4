/*
 * What a worker holds for its connection besides sockets and SSL objects
 * (conn_mem.c): the read and output buffers, the field arrays of parsed
 * heads and the chunked scratch, each sized to what is in use and given
 * back when the connection goes quiet. Called by worker.c at start-up,
 * session.c between requests and at the end, exchange.c while a response
 * is awaited.
 */
#ifndef RPXD_CONN_MEM_H
#define RPXD_CONN_MEM_H

#include "http.h"

/* A connection with no byte in either direction for this long is quiet:
 * its large buffers go back. Busy keep-alive traffic keeps them. */
#define CONN_QUIET_MS	1000
#define HDRS_MIN	32	/* field array entries allocated at first */

/* Field lines of a parsed head: grown on demand up to max-headers. */
struct hdr_vec {
	struct http_header	*hv_v;
	unsigned		 hv_cap;
};

struct worker_env;
struct http_message;

void	 conn_mem_init(struct worker_env *w);
/*
 * Gives back what is not in use: every buffer's large allocation when its
 * content fits in BUF_MIN bytes, the larger field arrays, the scratch.
 * CONN_TRIM_KEEP_REQUEST: a request in flight (that may yet be sent
 * again) points into the client's read buffer and the request's fields:
 * leave them. CONN_TRIM_HEAP: also the free pages of the heap, where
 * OpenSSL's record buffers and SSL objects went (glibc: malloc_trim; a
 * few microseconds, and the next connection faults the pages back in, so
 * only once quiet: worker.c trims after a TLS connection only when no
 * next client came within CONN_QUIET_MS).
 */
#define CONN_TRIM_KEEP_REQUEST	0x1
#define CONN_TRIM_HEAP		0x2
void	 conn_mem_trim(struct worker_env *w, int flags);
/*
 * http_parse_request / http_parse_response over what the client's or the
 * backend's read buffer holds, with its field array grown as the head
 * needs (up to max-headers). Same results; msg points into the buffer
 * and the array until the next call that may grow either.
 */
long	 conn_parse_request(struct worker_env *w, struct http_message *req);
long	 conn_parse_response(struct worker_env *w, struct http_message *resp);

#endif
