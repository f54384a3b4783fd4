/*
 * Metrics in shared memory (metrics_board.h): the bucket numbering that
 * workers and the master share, and the snapshot of the rendered text
 * that the master publishes and workers copy.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics_board.h"
#include "scoreboard.h"

/* 100 us to 2.5 s: a signature on loopback takes well under a
 * millisecond; a key holder busy with many handshakes, more. */
const uint32_t mb_key_bounds_us[MB_KEY_BUCKETS - 1] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 500000,
	2500000
};

#define SNAPSHOT_TRIES		200	/* reads, each after a 1 ms wait
					   while the master writes */

unsigned
mb_listener_base(const struct rpxd_conf *c, unsigned l)
{
	unsigned	i, base = 0;

	/* At most RPXD_MAX_LISTENERS * (1 + RPXD_MAX_ROUTES): no wrap. */
	for (i = 0; i < l && i < c->rc_nlisteners; i++)
		base += 1 + c->rc_listeners[i].ls_nroutes;
	return base;
}

unsigned
mb_route_buckets(const struct rpxd_conf *c)
{
	unsigned	n = mb_listener_base(c, c->rc_nlisteners);

	return n > MB_ROUTES ? MB_ROUTES : n;
}

int
mb_route_overflow(const struct rpxd_conf *c)
{
	return mb_listener_base(c, c->rc_nlisteners) > MB_ROUTES;
}

unsigned
mb_bucket(unsigned base, int route)
{
	unsigned	b = base;

	if (route >= 0)
		b += 1 + (route < MB_ROUTES ? (unsigned)route : MB_ROUTES);
	return b >= MB_ROUTES - 1 ? MB_ROUTES - 1 : b;
}

unsigned
mb_server_bucket(unsigned i)
{
	return i >= MB_SERVERS - 1 ? MB_SERVERS - 1 : i;
}

int
mb_class(int status)
{
	return status >= 100 && status <= 599 ? status / 100 - 1 : -1;
}

unsigned
mb_key_bucket(uint64_t us)
{
	unsigned	i;

	for (i = 0; i < MB_KEY_BUCKETS - 1; i++)
		if (us <= mb_key_bounds_us[i])
			return i;
	return MB_KEY_BUCKETS - 1;
}

int
mb_snapshot_create(struct mb_snapshot *s)
{
	void	*p;

	s->ms_base = NULL;
	if (shared_anon_pair("rpxd-metrics", &s->ms_fd, &s->ms_rofd) == -1)
		return -1;
	if (ftruncate(s->ms_fd, (off_t)MB_SNAPSHOT_SIZE) == -1)
		goto fail;
	p = mmap(NULL, MB_SNAPSHOT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	    s->ms_fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	s->ms_base = p;
	return 0;
fail:
	mb_snapshot_close(s);
	return -1;
}

/* Read-only: mprotect to writable fails (EACCES) on such a mapping. */
int
mb_snapshot_attach(struct mb_snapshot *s, int fd)
{
	struct stat	 st;
	void		*p;
	int		 saved;

	s->ms_fd = s->ms_rofd = -1;
	s->ms_base = NULL;
	if (fstat(fd, &st) == -1 || st.st_size != (off_t)MB_SNAPSHOT_SIZE) {
		saved = errno;
		close(fd);
		errno = st.st_size != (off_t)MB_SNAPSHOT_SIZE ? EINVAL : saved;
		return -1;
	}
	p = mmap(NULL, MB_SNAPSHOT_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	saved = errno;
	close(fd);
	if (p == MAP_FAILED) {
		errno = saved;
		return -1;
	}
	s->ms_base = p;
	return 0;
}

void
mb_snapshot_close(struct mb_snapshot *s)
{
	if (s->ms_base != NULL)
		munmap(s->ms_base, MB_SNAPSHOT_SIZE);
	if (s->ms_fd != -1)
		close(s->ms_fd);
	if (s->ms_rofd != -1)
		close(s->ms_rofd);
	s->ms_base = NULL;
	s->ms_fd = s->ms_rofd = -1;
}

void
mb_snapshot_publish(struct mb_snapshot *s, const char *text, size_t len,
    int64_t now)
{
	struct mb_snapshot_head	*h = (struct mb_snapshot_head *)(void *)
				    s->ms_base;
	uint32_t		 seq;

	if (h == NULL)
		return;
	if (len > MB_TEXT_MAX)
		len = MB_TEXT_MAX;
	seq = h->mh_seq;
	h->mh_seq = seq | 1;
	/* Readers see the odd sequence before any byte of the new text. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(s->ms_base + sizeof(*h), text, len);
	h->mh_len = (uint32_t)len;
	h->mh_time = now;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	h->mh_seq = (seq | 1) + 1;
}

int
mb_snapshot_copy(const struct mb_snapshot *s, char **text, size_t *len)
{
	const struct mb_snapshot_head	*h;
	uint32_t			 seq, n;
	unsigned			 tries;
	char				*buf;

	*text = NULL;
	*len = 0;
	if (s->ms_base == NULL)
		return -1;
	h = (const struct mb_snapshot_head *)(const void *)s->ms_base;
	for (tries = 0; tries < SNAPSHOT_TRIES; tries++) {
		if (tries > 0)
			(void)poll(NULL, 0, 1);
		seq = h->mh_seq;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (seq & 1)
			continue;
		n = h->mh_len;
		if (n > MB_TEXT_MAX)
			n = MB_TEXT_MAX;
		if ((buf = malloc(n + 1)) == NULL)
			return -1;
		memcpy(buf, s->ms_base + sizeof(*h), n);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (h->mh_seq != seq) {
			free(buf);
			continue;
		}
		buf[n] = '\0';
		*text = buf;
		*len = n;
		return 0;
	}
	return -1;
}
