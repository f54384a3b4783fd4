/*
 * The memory a worker holds for its connection (see conn_mem.h). Nothing
 * is allocated at start-up: an idle spare worker writes none of it, and a
 * worker holding a quiet keep-alive connection keeps none of it either,
 * nor OpenSSL's record buffers, whatever a request before needed.
 */
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "log.h"
#include "tls.h"
#include "worker.h"

void
conn_mem_init(struct worker_env *w)
{
	/* A head up to max-head, with body bytes in flight behind it. */
	size_t	max = w->w_conf->rc_max_head + BODY_BUF_SIZE;

	buf_init(&w->w_client.io_in, max);
	buf_init(&w->w_backend.io_in, max);
	buf_init(&w->w_parked.bl_io.io_in, max);
	buf_init(&w->w_to_client, max);
	buf_init(&w->w_to_backend, max);
	buf_init(&w->w_scratch, SCRATCH_SIZE);
	w->w_req_headers.hv_v = w->w_resp_headers.hv_v = NULL;
	w->w_req_headers.hv_cap = w->w_resp_headers.hv_cap = 0;
}

/* Doubles the array (HDRS_MIN first), up to max: 0, or -1 at max or out
 * of memory. */
static int
hdr_vec_grow(struct hdr_vec *hv, unsigned max)
{
	struct http_header	*v;
	unsigned		 cap;

	if (hv->hv_cap >= max)
		return -1;
	cap = hv->hv_cap == 0 ? HDRS_MIN : hv->hv_cap > max / 2 ? max :
	    hv->hv_cap * 2;
	if (cap > max)
		cap = max;
	if ((v = reallocarray(hv->hv_v, cap, sizeof(*v))) == NULL) {
		log_warnx("buffer: out of memory for %u header fields", cap);
		return -1;
	}
	hv->hv_v = v;
	hv->hv_cap = cap;
	return 0;
}

/* Nothing points into the array between heads: it goes whole. */
static void
hdr_vec_release(struct hdr_vec *hv)
{
	free(hv->hv_v);
	hv->hv_v = NULL;
	hv->hv_cap = 0;
}

static void
io_trim(struct io *io)
{
	buf_shrink(&io->io_in);
	io->io_rfull = 0;
	if (io->io_ssl != NULL)
		tls_buffers_release(io->io_ssl);
}

/*
 * glibc keeps freed blocks in its heap, and gives pages back only from
 * the top of it: an SSL object and its record buffers, freed below what
 * is still in use, would stay with the worker. Other systems' allocators
 * give back on their own.
 */
static void
heap_trim(void)
{
#ifdef __GLIBC__
	(void)malloc_trim(0);
#endif
}

void
conn_mem_trim(struct worker_env *w, int flags)
{
	if (!(flags & CONN_TRIM_KEEP_REQUEST)) {
		io_trim(&w->w_client);
		hdr_vec_release(&w->w_req_headers);
	}
	io_trim(&w->w_backend);
	io_trim(&w->w_parked.bl_io);
	buf_shrink(&w->w_to_client);
	buf_shrink(&w->w_to_backend);
	buf_shrink(&w->w_scratch);
	hdr_vec_release(&w->w_resp_headers);
	if (flags & CONN_TRIM_HEAP) {
		heap_trim();
		stack_trim();
	}
}

/*
 * The parser stores at most hv_cap fields; when it stopped at that
 * (hm_nheaders reached it) below max-headers, the array grows and the
 * head is parsed again, at most log2(max-headers / HDRS_MIN) times.
 */
static long
conn_parse(struct worker_env *w, struct hdr_vec *hv, const struct buf *in,
    struct http_message *msg, int request)
{
	const char	*head = in->b_len > 0 ? in->b_data + in->b_off : "";
	long		 rv;

	for (;;) {
		rv = request ? http_parse_request(head, in->b_len,
		    &w->w_limits, msg, hv->hv_v, hv->hv_cap) :
		    http_parse_response(head, in->b_len, &w->w_limits, msg,
		    hv->hv_v, hv->hv_cap);
		if (rv >= 0 || msg->hm_nheaders < hv->hv_cap ||
		    hdr_vec_grow(hv, w->w_limits.hl_max_headers) == -1)
			return rv;
	}
}

long
conn_parse_request(struct worker_env *w, struct http_message *req)
{
	return conn_parse(w, &w->w_req_headers, &w->w_client.io_in, req, 1);
}

long
conn_parse_response(struct worker_env *w, struct http_message *resp)
{
	return conn_parse(w, &w->w_resp_headers, &w->w_backend.io_in, resp,
	    0);
}
