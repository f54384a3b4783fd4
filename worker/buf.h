/*
 * Byte buffers of the worker's connections (buf.c), sized to what is in
 * them: nothing is allocated until a byte needs room, a buffer doubles
 * from BUF_MIN up to its b_max as data needs it, and buf_shrink() gives
 * the large allocation back when the connection goes quiet. Used by io.c
 * (read buffers), exchange.c and rewrite.c (output), conn_mem.c.
 */
#ifndef RPXD_BUF_H
#define RPXD_BUF_H

#include <stddef.h>

/*
 * The smallest allocation, and the size a buffer shrinks back to: a
 * usual request or response head fits. Allocations up to it come from
 * malloc and are kept; larger ones are mapped (mmap) and unmapped when
 * the buffer shrinks, so their pages go back to the system at once
 * whatever the allocator does with a freed block.
 */
#define BUF_MIN		4096

struct buf {
	char	*b_data;	/* NULL until a byte needs room */
	size_t	 b_cap;		/* allocated, <= b_max */
	size_t	 b_max;		/* it never grows past this */
	size_t	 b_off;		/* first unread byte */
	size_t	 b_len;		/* unread bytes from b_off */
};

/* An empty buffer that may grow to max bytes; allocates nothing. */
void	 buf_init(struct buf *b, size_t max);
/* Frees the allocation; the buffer stays usable (empty, same b_max). */
void	 buf_release(struct buf *b);
void	 buf_reset(struct buf *b);
void	 buf_consume(struct buf *b, size_t n);
/* What may still be added: b_max - b_len (growing if need be). */
size_t	 buf_space(const struct buf *b);
/*
 * n bytes of room, contiguous at the tail (b_data + b_off + b_len), as
 * the content moves to the front and the buffer doubles: 0, or -1 past
 * b_max or out of memory (b unchanged). The content may move: pointers
 * into it are stale after any call that can reserve.
 */
int	 buf_reserve(struct buf *b, size_t n);
/* Doubles the allocation (BUF_MIN first), up to b_max: 0 or -1. */
int	 buf_grow(struct buf *b);
/*
 * Room at the tail for up to want bytes, reserved: want if it can be
 * had, else what is allocated already (0 if nothing). For copying loops
 * that may move less than they would like.
 */
size_t	 buf_prepare(struct buf *b, size_t want);
/* The free tail of the allocation, after moving the content to the
 * front; its length is b_cap - b_len. */
char	*buf_tail(struct buf *b);
/* An empty buffer keeps nothing; a mapped (larger than BUF_MIN)
 * allocation whose content fits in BUF_MIN bytes moves to a BUF_MIN
 * one. */
void	 buf_shrink(struct buf *b);
int	 buf_append(struct buf *b, const void *p, size_t len);
/* buf_append of a NUL-terminated string, without the NUL. */
int	 buf_puts(struct buf *b, const char *s);
/* Appends the decimal digits of v. */
int	 buf_put_u64(struct buf *b, unsigned long long v);
int	 buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
