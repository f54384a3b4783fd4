/*
 * Growable byte buffers for the worker's connections (see buf.h). A
 * worker holds a connection for up to hours, mostly idle; its buffers
 * must hold a 64 KiB header line and a 96 KiB head when one comes, and
 * cost next to nothing the rest of the time.
 */
#include <sys/types.h>
#include <sys/mman.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

#ifndef MAP_ANON
#define MAP_ANON	MAP_ANONYMOUS
#endif

/*
 * Small blocks from malloc, larger ones mapped: a freed malloc block of
 * 8 to 128 KiB stays in the heap (glibc gives back only the top of it, and
 * raises its own mapping threshold after each mapped block it frees), so
 * its pages would stay with the worker. A sanitized build takes every
 * size from malloc, where ASan sees a write past the end.
 */
static int
buf_mapped(size_t cap)
{
#ifdef RPXD_SANITIZER
	(void)cap;
	return 0;
#else
	return cap > BUF_MIN;
#endif
}

static char *
buf_mem_alloc(size_t cap)
{
	void	*p;

	if (!buf_mapped(cap))
		return malloc(cap);
	p = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON,
	    -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void
buf_mem_free(char *p, size_t cap)
{
	if (p == NULL)
		return;
	if (buf_mapped(cap))
		(void)munmap(p, cap);
	else
		free(p);
}

/* A new allocation of cap bytes (>= b_len) with the content at its front. */
static int
buf_resize(struct buf *b, size_t cap)
{
	char	*p;

	if ((p = buf_mem_alloc(cap)) == NULL) {
		log_warnx("buffer: out of memory for %zu bytes", cap);
		return -1;
	}
	if (b->b_len > 0)
		memcpy(p, b->b_data + b->b_off, b->b_len);
	buf_mem_free(b->b_data, b->b_cap);
	b->b_data = p;
	b->b_cap = cap;
	b->b_off = 0;
	return 0;
}

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->b_max = max;
}

void
buf_release(struct buf *b)
{
	buf_mem_free(b->b_data, b->b_cap);
	b->b_data = NULL;
	b->b_cap = b->b_off = b->b_len = 0;
}

void
buf_reset(struct buf *b)
{
	b->b_off = b->b_len = 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->b_len) {
		b->b_off = b->b_len = 0;
		return;
	}
	b->b_off += n;
	b->b_len -= n;
}

size_t
buf_space(const struct buf *b)
{
	return b->b_max - b->b_len;
}

char *
buf_tail(struct buf *b)
{
	if (b->b_off > 0) {
		memmove(b->b_data, b->b_data + b->b_off, b->b_len);
		b->b_off = 0;
	}
	return b->b_data + b->b_len;
}

/* The next size up from cap: BUF_MIN first, then doubling, <= b_max. */
static size_t
buf_next_cap(const struct buf *b, size_t cap)
{
	if (cap == 0)
		cap = BUF_MIN;
	else if (cap > b->b_max / 2)
		cap = b->b_max;
	else
		cap *= 2;
	return cap < b->b_max ? cap : b->b_max;
}

int
buf_grow(struct buf *b)
{
	if (b->b_cap >= b->b_max)
		return -1;
	return buf_resize(b, buf_next_cap(b, b->b_cap));
}

int
buf_reserve(struct buf *b, size_t n)
{
	size_t	cap;

	if (n > b->b_max - b->b_len)
		return -1;
	if (b->b_cap - b->b_len >= n) {
		if (b->b_cap - b->b_off - b->b_len < n)
			(void)buf_tail(b);
		return 0;
	}
	for (cap = buf_next_cap(b, b->b_cap); cap - b->b_len < n;
	    cap = buf_next_cap(b, cap))
		;
	return buf_resize(b, cap);
}

size_t
buf_prepare(struct buf *b, size_t want)
{
	if (want > buf_space(b))
		want = buf_space(b);
	if (buf_reserve(b, want) == 0)
		return want;
	if (b->b_data == NULL)
		return 0;
	(void)buf_tail(b);
	return b->b_cap - b->b_len < want ? b->b_cap - b->b_len : want;
}

void
buf_shrink(struct buf *b)
{
	if (b->b_len == 0) {
		buf_release(b);
		return;
	}
	if (b->b_cap <= BUF_MIN || b->b_len > BUF_MIN)
		return;
	/* Kept as it is when there is no memory for the small one. */
	(void)buf_resize(b, BUF_MIN);
}

int
buf_append(struct buf *b, const void *p, size_t len)
{
	if (len == 0)
		return 0;
	if (buf_reserve(b, len) == -1)
		return -1;
	memcpy(b->b_data + b->b_off + b->b_len, p, len);
	b->b_len += len;
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_put_u64(struct buf *b, unsigned long long v)
{
	char	digits[24], *p = digits + sizeof(digits);

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return buf_append(b, p, (size_t)(digits + sizeof(digits) - p));
}

/* Formats into what is allocated; when that is too small, reserves what
 * the text needs (with vsnprintf's NUL) and formats again. */
int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	size_t	room = 0;
	char	*tail = NULL;
	int	n;

	if (b->b_data != NULL) {
		tail = b->b_data + b->b_off + b->b_len;
		room = b->b_cap - b->b_off - b->b_len;
	}
	va_start(ap, fmt);
	n = vsnprintf(tail, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= room) {
		if (buf_reserve(b, (size_t)n + 1) == -1)
			return -1;
		tail = b->b_data + b->b_off + b->b_len;
		va_start(ap, fmt);
		n = vsnprintf(tail, (size_t)n + 1, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -1;
	}
	b->b_len += (size_t)n;
	return 0;
}
