/*
 * The worker's end of its key channel: one signature request at a time
 * to its key holder, and the answer with the same request id, waited for
 * no longer than KEY_SIGN_TIMEOUT_MS. Answers to earlier requests that
 * timed out are skipped. A closed channel means the key holder is gone:
 * the worker finishes its connection and stops, and the master starts a
 * replacement paired with a live holder.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "keyproto.h"
#include "log.h"
#include "metrics_worker.h"
#include "tls.h"

static int	channel = -1;
static uint64_t	next_request = 1;
static int	lost;

int
key_channel_open(int fd)
{
	if (channel != -1) {
		close(fd);
		return -1;
	}
	channel = fd;
	return 0;
}

int
key_channel_lost(void)
{
	return lost;
}

static int
channel_gone(const char *why)
{
	if (!lost)
		log_warnx("tls: key service: %s; this worker stops after "
		    "its connection", why);
	lost = 1;
	return -1;
}

/* The answer to request id, or -1. */
static int
await_answer(uint64_t id, uint64_t deadline, struct key_answer *ka)
{
	unsigned char	buf[KEY_ANS_MAX + 1];
	struct pollfd	pfd = { .fd = channel, .events = POLLIN };
	uint64_t	now;
	ssize_t		n;
	int		rv;

	for (;;) {
		if ((now = (uint64_t)now_ms()) >= deadline) {
			log_warnx("tls: key service: no answer in %d ms",
			    KEY_SIGN_TIMEOUT_MS);
			return -1;
		}
		rv = poll(&pfd, 1, (int)(deadline - now));
		if (rv == -1 && errno != EINTR)
			return channel_gone(strerror(errno));
		if (rv <= 0)
			continue;
		n = recv(channel, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n == 0)
			return channel_gone("the key holder closed the "
			    "channel");
		if (n == -1)
			return channel_gone(strerror(errno));
		if (key_answer_decode(ka, buf, (size_t)n) == -1)
			return channel_gone("malformed answer");
		if (ka->ka_id == id)
			return 0;
		if (ka->ka_id > id)
			return channel_gone("answer to a request not made");
	}
}

int
key_channel_sign(const unsigned char *id, uint32_t scheme, uint32_t md,
    const unsigned char *in, size_t inlen, unsigned char *out,
    size_t *outlen)
{
	unsigned char		buf[KEY_REQ_MAX];
	struct key_request	kr;
	struct key_answer	ka;
	size_t			len;
	int64_t			start = metrics_clock_us();

	if (channel == -1 || lost)
		return channel_gone("no channel to a key holder");
	if (inlen > KEY_DATA_MAX)
		return -1;
	kr = (struct key_request){ .kr_op = KEY_OP_SIGN,
	    .kr_id = next_request++,
	    .kr_deadline = (uint64_t)now_ms() + KEY_SIGN_TIMEOUT_MS,
	    .kr_scheme = scheme, .kr_md = md, .kr_len = (uint32_t)inlen };
	memcpy(kr.kr_key, id, KEY_ID_SIZE);
	memcpy(kr.kr_data, in, inlen);
	len = key_request_encode(&kr, buf);
	if (send(channel, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)len)
		return channel_gone(strerror(errno));
	if (await_answer(kr.kr_id, kr.kr_deadline, &ka) == -1) {
		metrics_key_round_trip(start, 0);
		return -1;
	}
	metrics_key_round_trip(start, ka.ka_status == KEY_OK);
	if (ka.ka_status != KEY_OK) {
		log_warnx("tls: key service: %s",
		    key_status_name(ka.ka_status));
		return -1;
	}
	memcpy(out, ka.ka_data, ka.ka_len);
	*outlen = ka.ka_len;
	return 0;
}
