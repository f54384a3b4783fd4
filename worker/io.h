/*
 * Non-blocking socket I/O with bounded waits for the worker: a read buffer
 * per peer that the HTTP parser reads heads from, and an output buffer
 * that the pump fills and drains (both struct buf, buf.h). A connection
 * with TLS reads and writes through its SSL object here; callers see the
 * same results either way.
 */
#ifndef RPXD_IO_H
#define RPXD_IO_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "clock.h"

struct ssl_st;
struct pollfd;

struct io {
	int		 io_fd;
	struct ssl_st	*io_ssl;	/* NULL: plain TCP */
	struct buf	 io_in;		/* read from the peer, not yet used */
	int		 io_eof;	/* the peer closed its side */
	int		 io_rfull;	/* the last read filled the room it
					   had: io_in doubles before the next */
	uint64_t	 io_nwritten;	/* bytes, for the access log */
	/* What the last read or write must wait for before it is tried
	 * again: POLLIN / POLLOUT, swapped while TLS needs the other. */
	short		 io_rwant;
	short		 io_wwant;
	/* TLS reads ahead (one read() takes what the kernel has, not a
	 * record header and then its body), so whole records may wait in
	 * the SSL object where poll cannot see them: 0 once a read found
	 * nothing to decrypt without the socket, 1 after anything else. */
	int		 io_ssl_more;
};

void	 io_init(struct io *io, int fd);
/* Does io's SSL object hold bytes that a read would use before it
 * waits for the socket? Only a hint once a read said it needs more. */
int	 io_ssl_waiting(const struct io *io);
/* One read into io_in, which grows when the peer has more than its
 * allocation holds: >0 bytes, 0 at EOF, -1 error (or out of memory),
 * -2 would block or io_in is at its b_max. */
ssize_t	 io_read(struct io *io);
/* One write from b: >=0 bytes, -1 error, -2 would block. */
ssize_t	 io_write(struct io *io, struct buf *b);
/*
 * The TLS handshake of io->io_ssl (accept or connect state set by the
 * caller) until deadline_ms: 0 done, -1 failed (OpenSSL's error left in
 * its queue for the caller to read), IO_TIMEOUT past the deadline.
 */
#define IO_TIMEOUT	(-3)
int	 io_handshake(struct io *io, int64_t deadline_ms);
/* Close our sending side: TLS close_notify, then a TCP half-close. */
void	 io_shutdown_write(struct io *io);
/* poll() that also reports, as POLLIN, TLS data read from the socket
 * and waiting in an SSL object (poll cannot see it). ios[i] may be
 * NULL. */
int	 io_poll(struct pollfd *pfd, struct io **ios, unsigned n,
	    int timeout_ms);
/* Wait until fd is readable (events POLLIN) or writable; 1 ready, 0
 * timeout, -1 error. timeout_ms < 0 waits forever. */
int	 io_wait(int fd, short events, int timeout_ms);
/* Write all of b within timeout_ms; 0, or -1 on error or timeout. */
int	 io_flush(struct io *io, struct buf *b, int timeout_ms);
void	 io_close(struct io *io);

#endif
