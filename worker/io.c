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

#include <openssl/err.h>
#include <openssl/ssl.h>

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
	io->io_ssl = NULL;
	buf_reset(&io->io_in);
	io->io_eof = 0;
	io->io_nwritten = 0;
	io->io_rwant = POLLIN;
	io->io_wwant = POLLOUT;
}

/*
 * The result of an SSL call that did not succeed, as io_read and io_write
 * report it: -2 (and what to wait for in *want), 0 at the end of the
 * peer's data, -1 on an error.
 */
static ssize_t
io_ssl_result(struct io *io, int rv, short *want, short normal)
{
	switch (SSL_get_error(io->io_ssl, rv)) {
	case SSL_ERROR_WANT_READ:
		*want = POLLIN;
		return -2;
	case SSL_ERROR_WANT_WRITE:
		*want = POLLOUT;
		return -2;
	case SSL_ERROR_ZERO_RETURN:
		*want = normal;
		return 0;
	default:
		*want = normal;
		ERR_clear_error();
		return -1;
	}
}

static ssize_t
io_ssl_read(struct io *io, char *dst, size_t space)
{
	size_t	n = 0;
	int	rv;
	ssize_t	r;

	ERR_clear_error();
	if ((rv = SSL_read_ex(io->io_ssl, dst, space, &n)) == 1) {
		io->io_rwant = POLLIN;
		return (ssize_t)n;
	}
	r = io_ssl_result(io, rv, &io->io_rwant, POLLIN);
	if (r == 0)
		io->io_eof = 1;
	return r;
}

ssize_t
io_read(struct io *io)
{
	struct buf	*b = &io->io_in;
	size_t		 space = buf_space(b);
	ssize_t		 n;

	if (space == 0)
		return -2;
	if (io->io_ssl != NULL) {
		if ((n = io_ssl_read(io, buf_tail(b), space)) > 0)
			b->b_len += (size_t)n;
		return n;
	}
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

static ssize_t
io_ssl_write(struct io *io, struct buf *b)
{
	size_t	n = 0;
	int	rv;
	ssize_t	r;

	ERR_clear_error();
	if ((rv = SSL_write_ex(io->io_ssl, b->b_data + b->b_off, b->b_len,
	    &n)) == 1) {
		io->io_wwant = POLLOUT;
		buf_consume(b, n);
		io->io_nwritten += n;
		return (ssize_t)n;
	}
	r = io_ssl_result(io, rv, &io->io_wwant, POLLOUT);
	return r == 0 ? -1 : r;		/* no writing after close_notify */
}

ssize_t
io_write(struct io *io, struct buf *b)
{
	ssize_t	n;

	if (b->b_len == 0)
		return 0;
	if (io->io_ssl != NULL)
		return io_ssl_write(io, b);
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
		    io_wait(io->io_fd, io->io_wwant, (int)left) != 1)
			return -1;
	}
	return 0;
}

int
io_handshake(struct io *io, int64_t deadline_ms)
{
	int64_t	left;
	int	rv, err;

	for (;;) {
		ERR_clear_error();
		if ((rv = SSL_do_handshake(io->io_ssl)) == 1)
			return 0;
		err = SSL_get_error(io->io_ssl, rv);
		if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
			return -1;
		if ((left = deadline_ms - now_ms()) <= 0 ||
		    io_wait(io->io_fd, err == SSL_ERROR_WANT_READ ? POLLIN :
		    POLLOUT, (int)left) != 1)
			return IO_TIMEOUT;
	}
}

void
io_shutdown_write(struct io *io)
{
	if (io->io_ssl != NULL) {
		ERR_clear_error();
		(void)SSL_shutdown(io->io_ssl);
		ERR_clear_error();
	}
	shutdown(io->io_fd, SHUT_WR);
}

/* Input is wanted and OpenSSL holds decrypted bytes for it. */
static int
io_decrypted_waiting(const struct io *io, short events)
{
	return io != NULL && io->io_ssl != NULL && (events & POLLIN) &&
	    SSL_pending(io->io_ssl) > 0;
}

int
io_poll(struct pollfd *pfd, struct io **ios, unsigned n, int timeout_ms)
{
	unsigned	i, ready = 0;
	int		rv;

	for (i = 0; i < n; i++)
		if (io_decrypted_waiting(ios[i], pfd[i].events))
			ready = 1;
	rv = poll(pfd, n, ready ? 0 : timeout_ms);
	if (!ready)
		return rv;
	if (rv < 0)
		rv = 0;
	for (i = 0; i < n; i++)
		if (io_decrypted_waiting(ios[i], pfd[i].events)) {
			if (pfd[i].revents == 0)
				rv++;
			pfd[i].revents |= POLLIN;
		}
	return rv;
}

/* A TLS connection says close_notify once, without waiting for it to
 * leave: the close must not block, and it keeps a session resumable. */
void
io_close(struct io *io)
{
	if (io->io_ssl != NULL) {
		ERR_clear_error();
		if (io->io_fd != -1)
			(void)SSL_shutdown(io->io_ssl);
		SSL_free(io->io_ssl);
		ERR_clear_error();
		io->io_ssl = NULL;
	}
	if (io->io_fd != -1)
		close(io->io_fd);
	io->io_fd = -1;
}
