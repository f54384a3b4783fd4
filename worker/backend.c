/*
 * Backend connections: reuse the one kept from the previous request of
 * this client connection when it goes to the same backend and is still
 * clean, else connect (non-blocking, bounded by backend-connect-timeout)
 * to the servers in round-robin order until one answers.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "log.h"
#include "tls.h"
#include "worker.h"

void
backend_close(struct worker_env *w)
{
	io_close(&w->w_backend);
	w->w_backend_be = w->w_backend_sv = -1;
}

/* A kept connection is clean if it has nothing to read: no EOF, no data. */
static int
backend_reusable(struct worker_env *w, unsigned be)
{
	if (w->w_backend.io_fd == -1 || w->w_backend_be != (int)be)
		return 0;
	if (w->w_backend.io_in.b_len != 0 ||
	    (w->w_backend.io_ssl != NULL &&
	    SSL_pending(w->w_backend.io_ssl) > 0) ||
	    io_wait(w->w_backend.io_fd, POLLIN, 0) != 0)
		return 0;
	return 1;
}

static int
backend_connect(struct worker_env *w, const struct server_conf *sv,
    const char **why)
{
	int		fd, err = 0, on = 1;
	socklen_t	len = sizeof(err);
	int		rv;

	*why = NULL;
	fd = socket(sv->sv_addr.ss_family, SOCK_STREAM, 0);
	if (fd == -1)
		goto fail;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		goto fail;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (connect(fd, (const struct sockaddr *)&sv->sv_addr,
	    sv->sv_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	rv = io_wait(fd, POLLOUT,
	    (int)(1000 * w->w_conf->rc_backend_connect_timeout));
	if (rv == 0) {
		*why = "connect timed out (backend-connect-timeout)";
		errno = ETIMEDOUT;
		goto fail;
	}
	if (rv == -1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
	    &len) == -1)
		goto fail;
	if (err != 0) {
		errno = err;
		goto fail;
	}
	return fd;
fail:
	if (*why == NULL)
		*why = strerror(errno);
	if (fd != -1)
		close(fd);
	return -1;
}

/*
 * A connection to a server of backend be in w_backend. Returns 0 (and
 * *reused), or -1 after answering 502 when no server could be reached.
 */
int
backend_open(struct worker_env *w, unsigned be, int *reused,
    struct request_log *rl)
{
	const struct backend_conf	*bc = &w->w_conf->rc_backends[be];
	const struct server_conf	*sv;
	const char			*why = NULL;
	unsigned			 i, idx;
	int				 fd;

	rl->rl_backend = bc->be_name;
	*reused = backend_reusable(w, be);
	if (*reused) {
		rl->rl_server = bc->be_servers[w->w_backend_sv].sv_name;
		return 0;
	}
	backend_close(w);
	for (i = 0; i < bc->be_nservers; i++) {
		idx = (w->w_rr++) % bc->be_nservers;
		sv = &bc->be_servers[idx];
		rl->rl_server = sv->sv_name;
		if ((fd = backend_connect(w, sv, &why)) == -1) {
			log_warnx("backend: client %s: backend \"%s\" server "
			    "%s: connect failed: %s", w->w_client_addr,
			    bc->be_name, sv->sv_name, why);
			continue;
		}
		io_init(&w->w_backend, fd);
		if (bc->be_tls && tls_client_connect(w, be, idx, &why) == -1) {
			log_warnx("backend: client %s: backend \"%s\" server "
			    "%s: TLS handshake failed: %s", w->w_client_addr,
			    bc->be_name, sv->sv_name, why);
			io_close(&w->w_backend);
			continue;
		}
		w->w_backend_be = (int)be;
		w->w_backend_sv = (int)idx;
		return 0;
	}
	respond_error(w, rl, 502, "no server of the backend could be "
	    "reached");
	return -1;
}
