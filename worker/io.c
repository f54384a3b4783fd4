/*
 * Non-blocking socket I/O for the worker (see io.h). Buffers are fixed in
 * size: nothing a peer sends can make them grow.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io.h"

int
buf_alloc(struct buf *b, size_t cap)
{
	if (b->b_data != NULL && b->b_cap == cap) {
		buf_reset(b);
		return 0;
	}
	free(b->b_data);
	memset(b, 0, sizeof(*b));
	if ((b->b_data = malloc(cap)) == NULL)
		return -1;
	b->b_cap = cap;
	return 0;
}

void
buf_release(struct buf *b)
{
	free(b->b_data);
	memset(b, 0, sizeof(*b));
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
	return b->b_cap - b->b_len;
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

int
buf_append(struct buf *b, const void *p, size_t len)
{
	if (len > buf_space(b))
		return -1;
	memcpy(buf_tail(b), p, len);
	b->b_len += len;
	return 0;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	size_t	space = buf_space(b);
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf_tail(b), space, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= space)
		return -1;
	b->b_len += (size_t)n;
	return 0;
}

void
io_init(struct io *io, int fd)
{
	io->io_fd = fd;
	buf_reset(&io->io_in);
	io->io_eof = 0;
	io->io_nwritten = 0;
}

ssize_t
io_read(struct io *io)
{
	struct buf	*b = &io->io_in;
	size_t		 space = buf_space(b);
	ssize_t		 n;

	if (space == 0)
		return -2;
	do
		n = read(io->io_fd, buf_tail(b), space);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? -2 : -1;
	if (n == 0)
		io->io_eof = 1;
	b->b_len += (size_t)n;
	return n;
}

ssize_t
io_write(struct io *io, struct buf *b)
{
	ssize_t	n;

	if (b->b_len == 0)
		return 0;
	do
		n = send(io->io_fd, b->b_data + b->b_off, b->b_len,
		    MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? -2 : -1;
	buf_consume(b, (size_t)n);
	io->io_nwritten += (uint64_t)n;
	return n;
}

int
io_wait(int fd, short events, int timeout_ms)
{
	struct pollfd	pfd = { .fd = fd, .events = events };
	int		rv;

	do
		rv = poll(&pfd, 1, timeout_ms);
	while (rv == -1 && errno == EINTR);
	return rv > 0 ? 1 : rv;
}

int
io_flush(struct io *io, struct buf *b, int timeout_ms)
{
	int64_t	deadline = now_ms() + timeout_ms;
	ssize_t	n;
	int64_t	left;

	while (b->b_len > 0) {
		n = io_write(io, b);
		if (n == -1)
			return -1;
		if (n != -2)
			continue;
		if ((left = deadline - now_ms()) <= 0 ||
		    io_wait(io->io_fd, POLLOUT, (int)left) != 1)
			return -1;
	}
	return 0;
}

void
io_close(struct io *io)
{
	if (io->io_fd != -1)
		close(io->io_fd);
	io->io_fd = -1;
}

int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
