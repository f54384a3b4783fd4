/*
 * Typed, length-checked IPC payload encoding (see msgbuf.h). Integers are
 * sent in host order: both ends are the same binary build on one machine.
 */
#include <stdlib.h>
#include <string.h>

#include "msgbuf.h"

void
msgbuf_init(struct msgbuf *mb)
{
	memset(mb, 0, sizeof(*mb));
}

void
msgbuf_free(struct msgbuf *mb)
{
	free(mb->mb_data);
	msgbuf_init(mb);
}

void
msgbuf_attach(struct msgbuf *mb, unsigned char *data, size_t len)
{
	msgbuf_free(mb);
	mb->mb_data = data;
	mb->mb_len = mb->mb_cap = len;
}

static int
msgbuf_reserve(struct msgbuf *mb, size_t len)
{
	size_t		 cap;
	unsigned char	*p;

	if (mb->mb_error)
		return -1;
	if (len > MSGBUF_MAX - mb->mb_len) {
		mb->mb_error = 1;
		return -1;
	}
	if (mb->mb_len + len <= mb->mb_cap)
		return 0;
	cap = mb->mb_cap ? mb->mb_cap : 256;
	while (cap < mb->mb_len + len)
		cap *= 2;
	if ((p = realloc(mb->mb_data, cap)) == NULL) {
		mb->mb_error = 1;
		return -1;
	}
	mb->mb_data = p;
	mb->mb_cap = cap;
	return 0;
}

void
msgbuf_put_bytes(struct msgbuf *mb, const void *p, size_t len)
{
	if (len == 0 || msgbuf_reserve(mb, len) == -1)
		return;
	memcpy(mb->mb_data + mb->mb_len, p, len);
	mb->mb_len += len;
}

void
msgbuf_put_u32(struct msgbuf *mb, uint32_t v)
{
	msgbuf_put_bytes(mb, &v, sizeof(v));
}

void
msgbuf_put_u64(struct msgbuf *mb, uint64_t v)
{
	msgbuf_put_bytes(mb, &v, sizeof(v));
}

void
msgbuf_put_str(struct msgbuf *mb, const char *s)
{
	size_t	len = strlen(s);

	if (len > UINT32_MAX) {
		mb->mb_error = 1;
		return;
	}
	msgbuf_put_u32(mb, (uint32_t)len);
	msgbuf_put_bytes(mb, s, len);
}

int
msgbuf_get_bytes(struct msgbuf *mb, void *p, size_t len)
{
	if (mb->mb_error || len > mb->mb_len - mb->mb_off) {
		mb->mb_error = 1;
		return -1;
	}
	if (len > 0)
		memcpy(p, mb->mb_data + mb->mb_off, len);
	mb->mb_off += len;
	return 0;
}

int
msgbuf_get_u32(struct msgbuf *mb, uint32_t *v)
{
	return msgbuf_get_bytes(mb, v, sizeof(*v));
}

int
msgbuf_get_u64(struct msgbuf *mb, uint64_t *v)
{
	return msgbuf_get_bytes(mb, v, sizeof(*v));
}

int
msgbuf_get_str(struct msgbuf *mb, char *dst, size_t dstlen)
{
	uint32_t	len;

	if (msgbuf_get_u32(mb, &len) == -1)
		return -1;
	if (dstlen == 0 || len > dstlen - 1 ||
	    len > mb->mb_len - mb->mb_off) {
		mb->mb_error = 1;
		return -1;
	}
	if (memchr(mb->mb_data + mb->mb_off, '\0', len) != NULL) {
		mb->mb_error = 1;
		return -1;
	}
	memcpy(dst, mb->mb_data + mb->mb_off, len);
	dst[len] = '\0';
	mb->mb_off += len;
	return 0;
}

int
msgbuf_end(struct msgbuf *mb)
{
	if (mb->mb_error || mb->mb_off != mb->mb_len)
		return -1;
	return 0;
}
