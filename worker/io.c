/*
 * Non-blocking socket I/O for the worker (see io.h). A read buffer grows
 * (buf.c) only while the peer has more to give than it holds, and never
 * past its b_max: nothing a peer sends makes it larger than that.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "io.h"

void
io_init(struct io *io, int fd)
{
	io->io_fd = fd;
	io->io_ssl = NULL;
	buf_reset(&io->io_in);
	io->io_eof = 0;
	io->io_rfull = 0;
	io->io_nwritten = 0;
	io->io_rwant = POLLIN;
	io->io_wwant = POLLOUT;
	io->io_ssl_more = 1;
}

int
io_ssl_waiting(const struct io *io)
{
	return io->io_ssl != NULL && io->io_ssl_more &&
	    SSL_has_pending(io->io_ssl);
}

/*
 * Before an SSL call whose failure is read with SSL_get_error: the
 * thread's error queue must be empty. It nearly always is (a failure
 * clears it), and looking costs less than clearing its sixteen entries,
 * which was a few percent of a TLS keep-alive request.
 */
static void
io_err_reset(void)
{
	if (ERR_peek_error() != 0)
		ERR_clear_error();
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

	io_err_reset();
	if ((rv = SSL_read_ex(io->io_ssl, dst, space, &n)) == 1) {
		io->io_rwant = POLLIN;
		io->io_ssl_more = 1;
		return (ssize_t)n;
	}
	r = io_ssl_result(io, rv, &io->io_rwant, POLLIN);
	/* WANT_READ: every whole record it held is used; what it still
	 * holds is part of one, and the rest comes from the socket. */
	io->io_ssl_more = r != -2 || io->io_rwant != POLLIN;
	if (r == 0)
		io->io_eof = 1;
	return r;
}

/*
 * Where the next read goes, and how much it may take: the free end of
 * io_in's allocation, doubled first when there is none or when the last
 * read filled it (the peer had more than fitted: a head larger than
 * BUF_MIN, or a stream that a larger read keeps up with). 0: io_in is at
 * its b_max, or out of memory with nothing free.
 */
static size_t
io_read_room(struct io *io)
{
	struct buf	*b = &io->io_in;

	if (buf_space(b) == 0)
		return 0;
	if ((b->b_cap == b->b_len || io->io_rfull) && b->b_cap < b->b_max)
		(void)buf_grow(b);	/* else: read into what there is */
	if (b->b_data == NULL)
		return 0;
	(void)buf_tail(b);
	return b->b_cap - b->b_len;
}

ssize_t
io_read(struct io *io)
{
	struct buf	*b = &io->io_in;
	size_t		 space;
	ssize_t		 n;

	if ((space = io_read_room(io)) == 0) {
		if (buf_space(b) == 0)
			return -2;
		errno = ENOMEM;
		return -1;
	}
	if (io->io_ssl != NULL) {
		if ((n = io_ssl_read(io, buf_tail(b), space)) > 0) {
			b->b_len += (size_t)n;
			io->io_rfull = (size_t)n == space;
		}
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
	io->io_rfull = (size_t)n == space;
	return n;
}

static ssize_t
io_ssl_write(struct io *io, struct buf *b)
{
	size_t	n = 0;
	int	rv;
	ssize_t	r;

	io_err_reset();
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
		io_err_reset();
		if ((rv = SSL_do_handshake(io->io_ssl)) == 1) {
			/* The handshake may have read the first request's
			 * records with its own. */
			io->io_ssl_more = 1;
			return 0;
		}
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

/* Input is wanted and OpenSSL holds bytes for it. */
static int
io_decrypted_waiting(const struct io *io, short events)
{
	return io != NULL && (events & POLLIN) && io_ssl_waiting(io);
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
