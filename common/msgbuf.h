/*
 * Typed, length-checked encoding of IPC message payloads. Writers append;
 * readers consume and fail on any short or oversized field, so a payload
 * from a peer process is never trusted as a raw struct.
 */
#ifndef RPXD_MSGBUF_H
#define RPXD_MSGBUF_H

#include <stddef.h>
#include <stdint.h>

#define MSGBUF_MAX	(16u * 1024 * 1024)	/* largest payload */

struct msgbuf {
	unsigned char	*mb_data;
	size_t		 mb_len;	/* bytes written */
	size_t		 mb_cap;
	size_t		 mb_off;	/* read position */
	int		 mb_error;	/* sticky: a put or get failed */
};

void	msgbuf_init(struct msgbuf *mb);
void	msgbuf_free(struct msgbuf *mb);
/* Take ownership of len bytes at data (malloc'd) for reading. */
void	msgbuf_attach(struct msgbuf *mb, unsigned char *data, size_t len);

void	msgbuf_put_u32(struct msgbuf *mb, uint32_t v);
void	msgbuf_put_u64(struct msgbuf *mb, uint64_t v);
void	msgbuf_put_bytes(struct msgbuf *mb, const void *p, size_t len);
/* A string: u32 length then bytes, no NUL. */
void	msgbuf_put_str(struct msgbuf *mb, const char *s);

/* Getters return -1 (and set mb_error) on a short or invalid field. */
int	msgbuf_get_u32(struct msgbuf *mb, uint32_t *v);
int	msgbuf_get_u64(struct msgbuf *mb, uint64_t *v);
int	msgbuf_get_bytes(struct msgbuf *mb, void *p, size_t len);
/* Copies into dst (size dstlen, NUL-terminated); fails if too long or if
 * the string holds a NUL. */
int	msgbuf_get_str(struct msgbuf *mb, char *dst, size_t dstlen);
/* 0 if everything was consumed and no get failed. */
int	msgbuf_end(struct msgbuf *mb);

#endif
