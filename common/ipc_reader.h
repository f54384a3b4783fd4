/*
 * Non-blocking, per-peer reassembly of IPC frames (ipc.h) sent by a less
 * trusted process: the master reads its workers and its health checker
 * with it (master/pool.c, master/health.c). It never waits: each call
 * takes what the socket holds and yields a message only once it is whole.
 * What a peer may send is a table per direction (ipc_bounds.c), checked
 * as soon as a header is in; a partial frame has a deadline that the
 * caller checks from its timer. It knows nothing of poll or epoll, holds
 * no descriptor of its own, and an idle reader is a few words: the
 * payload buffer exists only while a frame is in progress.
 */
#ifndef RPXD_IPC_READER_H
#define RPXD_IPC_READER_H

#include <stddef.h>
#include <stdint.h>

#include "ipc.h"

/* How long a frame may stay partial from its first byte: far more than a
 * real peer needs (it sends a frame with one sendmsg), so a peer that
 * takes longer is stuck or hostile. */
#define IPC_PARTIAL_TIMEOUT_MS	2000

/* What a peer may send of one type. */
struct ipc_bound {
	uint8_t		 ib_allowed;
	uint8_t		 ib_nfds;	/* descriptors it carries: 0 or 1 */
	uint32_t	 ib_max;	/* payload bytes */
};

/* What one kind of peer may send, indexed by enum ipc_type. */
struct ipc_bounds {
	struct ipc_bound ib_types[IPC_TYPE_MAX];
};

extern const struct ipc_bounds ipc_bounds_worker;	/* worker -> master */
extern const struct ipc_bounds ipc_bounds_health;	/* checker -> master */
extern const struct ipc_bounds ipc_bounds_template;	/* template -> master */
extern const struct ipc_bounds ipc_bounds_winbind;	/* rpxd-winbind -> master */

struct ipc_reader {
	const struct ipc_bounds	*ir_bounds;
	unsigned char		*ir_data;	/* payload; NULL between frames */
	const char		*ir_why;	/* why the last read failed */
	int64_t			 ir_since;	/* ms of the frame's first byte;
						   0 between frames */
	struct ipc_header	 ir_hdr;
	uint32_t		 ir_got;	/* bytes of header and payload */
	int			 ir_fd;		/* received with the header */
};

enum ipc_read {
	IPC_READ_AGAIN = 0,	/* nothing whole yet: wait for readable */
	IPC_READ_MSG,		/* one message in *msg; the caller frees it */
	IPC_READ_EOF,		/* the peer closed between two frames */
	IPC_READ_ERROR		/* a frame outside the bounds, closed in the
				   middle of one, or an I/O error: the peer
				   is finished (ipc_reader_describe says why) */
};

void	ipc_reader_init(struct ipc_reader *r, const struct ipc_bounds *b);
/* Drop a frame in progress: its buffer and descriptor. */
void	ipc_reader_reset(struct ipc_reader *r);
/* Reads what sock (O_NONBLOCK or not: every call is MSG_DONTWAIT) holds,
 * up to the end of one frame; now is now_ms(). */
enum ipc_read ipc_reader_read(struct ipc_reader *r, int sock,
	    struct ipc_msg *msg, int64_t now);
/* When the frame in progress expires (ms), or 0 if none is. */
int64_t	ipc_reader_deadline(const struct ipc_reader *r);
int	ipc_reader_expired(const struct ipc_reader *r, int64_t now);
/* For a log line: what went wrong, or how far the partial frame got. */
void	ipc_reader_describe(const struct ipc_reader *r, char *buf,
	    size_t len);
/* Why the master drops the peer, for its log line: "sent a bad frame
 * (...)" after IPC_READ_ERROR, or, stalled set, "sent a partial frame and
 * stalled for N ms (...)" once ipc_reader_expired. */
void	ipc_reader_offence(const struct ipc_reader *r, int stalled,
	    char *buf, size_t len);

#endif
