/*
 * Binding the listening sockets. On a reload, a listener whose address and
 * port are unchanged keeps its socket, so its backlog is never dropped.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

/* The kernel clamps it to its own limit (Linux: net.core.somaxconn). */
#define LISTEN_BACKLOG	65535

static int
same_addr(const struct listener_conf *a, const struct listener_conf *b)
{
	return a->ls_addrlen == b->ls_addrlen &&
	    memcmp(&a->ls_addr, &b->ls_addr, a->ls_addrlen) == 0;
}

/*
 * A connection wakes a worker only once its first bytes are there (every
 * listener speaks second: a request head, a ClientHello), so connections
 * that never send a byte cannot hold workers: TCP_DEFER_ACCEPT on Linux
 * (released after secs, the client-header-timeout, for the worker to time
 * out), an accept filter on FreeBSD (accf_data for TLS, accf_http for plain
 * HTTP; without the kernel module loaded the listener works as before).
 */
void
listener_defer(int fd, const struct listener_conf *ls, unsigned secs)
{
#if defined(TCP_DEFER_ACCEPT)
	int	s = secs > 3600 ? 3600 : (int)secs;

	if (setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &s, sizeof(s)) == -1)
		log_warn("listener \"%s\": TCP_DEFER_ACCEPT", ls->ls_name);
#elif defined(SO_ACCEPTFILTER)
	struct accept_filter_arg	afa;

	(void)secs;
	memset(&afa, 0, sizeof(afa));
	snprintf(afa.af_name, sizeof(afa.af_name), "%s",
	    ls->ls_ncerts > 0 ? "dataready" : "httpready");
	if (setsockopt(fd, SOL_SOCKET, SO_ACCEPTFILTER, &afa,
	    sizeof(afa)) == -1 && errno != EINVAL)
		log_info("listener \"%s\": no accept filter %s (kldload "
		    "accf_data accf_http): %s", ls->ls_name, afa.af_name,
		    strerror(errno));
#else
	(void)fd;
	(void)ls;
	(void)secs;
#endif
}

int
listener_bind(const struct listener_conf *ls, char *err, size_t errlen)
{
	int	fd, on = 1;

	fd = socket(ls->ls_addr.ss_family, SOCK_STREAM, 0);
	if (fd == -1)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	/* "::" and "0.0.0.0" may both be listeners. */
	if (ls->ls_addr.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	if (bind(fd, (const struct sockaddr *)&ls->ls_addr,
	    ls->ls_addrlen) == -1)
		goto fail;
	if (listen(fd, LISTEN_BACKLOG) == -1)
		goto fail;
	/* Workers poll then accept: one that loses the race must not block. */
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "listener \"%s\": cannot listen on %s port %u: "
	    "%s", ls->ls_name, ls->ls_address, ls->ls_port, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

/*
 * Sockets for every listener of conf. A listener at the same address as
 * one of old takes over its descriptor (old_fds[i] is set to -1). On any
 * failure nothing of old is touched and NULL is returned.
 */
int *
listeners_bind(const struct rpxd_conf *conf, const struct rpxd_conf *old,
    int *old_fds, char *err, size_t errlen)
{
	int		*fds, *taken;
	unsigned	 i, j;

	fds = calloc(conf->rc_nlisteners ? conf->rc_nlisteners : 1,
	    sizeof(int));
	taken = calloc(old && old->rc_nlisteners ? old->rc_nlisteners : 1,
	    sizeof(int));
	if (fds == NULL || taken == NULL)
		fatal("%s: calloc", __func__);
	for (i = 0; i < conf->rc_nlisteners; i++) {
		fds[i] = -1;
		for (j = 0; old != NULL && j < old->rc_nlisteners; j++) {
			if (!taken[j] && old_fds[j] != -1 &&
			    same_addr(&conf->rc_listeners[i],
			    &old->rc_listeners[j])) {
				fds[i] = old_fds[j];
				taken[j] = 1;
				break;
			}
		}
		if (fds[i] == -1 && (fds[i] = listener_bind(
		    &conf->rc_listeners[i], err, errlen)) == -1)
			goto fail;
	}
	for (i = 0; i < conf->rc_nlisteners; i++)
		listener_defer(fds[i], &conf->rc_listeners[i],
		    conf->rc_client_header_timeout);
	for (j = 0; old != NULL && j < old->rc_nlisteners; j++)
		if (taken[j])
			old_fds[j] = -1;
	free(taken);
	return fds;
fail:
	/* Close only what was bound here, not what was borrowed. */
	for (j = 0; j < i; j++) {
		unsigned	k;
		int		borrowed = 0;

		for (k = 0; old != NULL && k < old->rc_nlisteners; k++)
			if (taken[k] && old_fds[k] == fds[j])
				borrowed = 1;
		if (!borrowed)
			close(fds[j]);
	}
	free(taken);
	free(fds);
	return NULL;
}

void
listeners_close(int *fds, unsigned n)
{
	unsigned	i;

	for (i = 0; fds != NULL && i < n; i++)
		if (fds[i] != -1)
			close(fds[i]);
	free(fds);
}
