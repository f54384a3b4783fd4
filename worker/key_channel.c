/*
 * The worker's end of its key channel: one signature request at a time
 * to its key holder, and the answer with the same request id. The wait
 * is bounded by the deadline of the handshake that needs the signature
 * (client-header-timeout for a client's, backend-connect-timeout for a
 * backend's, set by tls_keys_deadline), never by a shorter one of its
 * own: a busy key service makes handshakes slower, never failed. Answers
 * to earlier requests that were given up are skipped. A closed channel
 * means the key holder is gone: the worker finishes its connection and
 * stops, and the master starts a replacement paired with a live holder.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keyproto.h"
#include "log.h"
#include "metrics_worker.h"
#include "tls.h"

static int	channel = -1;
static uint64_t	next_request = 1;
static int	lost;
static int64_t	handshake_deadline;	/* now_ms(); 0: none */

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

void
key_channel_deadline(int64_t deadline_ms)
{
	handshake_deadline = deadline_ms;
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
			log_warnx("tls: key service: no answer before the "
			    "handshake's deadline");
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

/* Until when to wait: the handshake's deadline, or outside a handshake
 * (nothing signs there today) KEY_SIGN_FALLBACK_MS. */
static uint64_t
sign_deadline(void)
{
	int64_t	now = now_ms();

	if (handshake_deadline > 0)
		return (uint64_t)handshake_deadline;
	return (uint64_t)(now + KEY_SIGN_FALLBACK_MS);
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
	if (sign_deadline() <= (uint64_t)now_ms()) {
		log_warnx("tls: key service: the handshake's deadline passed "
		    "before its signature was asked");
		return -1;
	}
	kr = (struct key_request){ .kr_op = KEY_OP_SIGN,
	    .kr_id = next_request++, .kr_deadline = sign_deadline(),
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
	/* bench/hsflood.sh reads these lines for the round trip's p50/p99. */
	log_debug("tls: key service: round trip %lld us",
	    (long long)(metrics_clock_us() - start));
	if (ka.ka_status != KEY_OK) {
		log_warnx("tls: key service: %s",
		    key_status_name(ka.ka_status));
		return -1;
	}
	memcpy(out, ka.ka_data, ka.ka_len);
	*outlen = ka.ka_len;
	return 0;
}
