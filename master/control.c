/*
 * The control socket: a UNIX stream socket, owned by root with mode 0600,
 * that rpxctl talks to. One request line per connection ("[json] command
 * [argument]"), one answer: "ok" or "error: why" on the first line, then
 * the text. Served from the master's poll loop without ever blocking it:
 * descriptors are non-blocking, lines and answers are bounded, and a
 * connection that takes longer than CONTROL_TIMEOUT seconds is closed.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "master.h"

#define CONTROL_TIMEOUT	10	/* s, a whole request and its answer */
#define CONTROL_BACKLOG	16

void
control_init(struct master *m)
{
	unsigned	i;

	m->m_ctl_fd = -1;
	m->m_ctl_path[0] = '\0';
	for (i = 0; i < CONTROL_CONNS_MAX; i++)
		m->m_ctl[i].cc_fd = -1;
}

static int
control_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun->sun_path, path, strlen(path));
	return 0;
}

/*
 * A socket file left by a dead rpxd is removed; one that answers belongs
 * to a running rpxd, and anything else at that path is not ours to touch.
 */
static int
control_clear_stale(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	sun;
	struct stat		st;
	int			fd, rv;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	if (control_addr(path, &sun) == -1 ||
	    (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rv = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (rv == 0) {
		snprintf(err, errlen, "%s: another rpxd answers there (set "
		    "control-socket to another path to run a second one)",
		    path);
		return -1;
	}
	if (errno != ECONNREFUSED)
		return -1;
	return unlink(path);
}

/*
 * The socket is bound in a private directory made beside path (0700,
 * root's), given its owner and mode there, and then linked to path: it
 * appears at path already root's and 0600, and no chown or chmod ever
 * goes through a name that someone who can write path's directory could
 * have swapped for a symbolic link between bind and chown. fchown and
 * fchmod on the socket's descriptor would be simpler, but on Linux they
 * change the socket's own inode, not the file bind made. link, unlike
 * rename, never replaces what may have appeared at path meanwhile. A
 * restrictive umask stays as a second wall.
 */
static int
control_bind_private(int fd, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un	sun;
	char			dir[sizeof(sun.sun_path) + 16];
	char			tmp[sizeof(dir) + 2];
	const char		*slash = strrchr(path, '/');
	mode_t			old;
	int			rv = -1, saved, n;

	n = snprintf(dir, sizeof(dir), "%.*s/.rpxdXXXXXX",
	    (int)(slash - path), path);
	if (n < 0 || (size_t)n + 2 >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: too long: the socket is first made "
		    "in a private directory beside it, whose path must fit "
		    "in %zu bytes", path, sizeof(sun.sun_path) - 1);
		return -1;
	}
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s/s", dir);
	old = umask(0077);
	if (control_addr(tmp, &sun) == 0 &&
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    lchown(tmp, 0, 0) == 0 && chmod(tmp, 0600) == 0)
		rv = link(tmp, path);
	saved = errno;
	umask(old);
	(void)unlink(tmp);
	(void)rmdir(dir);
	errno = saved;
	return rv;
}

/* The listening socket at path; -1 with err (or errno) on failure. */
static int
control_listen(const char *path, char *err, size_t errlen)
{
	int	fd, saved;

	err[0] = '\0';
	if (path[0] != '/') {
		errno = EINVAL;
		return -1;
	}
	if (control_clear_stale(path, err, errlen) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return -1;
	if (control_bind_private(fd, path, err, errlen) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (listen(fd, CONTROL_BACKLOG) == -1) {
		saved = errno;
		unlink(path);
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int
control_open(struct master *m, const char *path, char *err, size_t errlen)
{
	int	fd;

	if ((fd = control_listen(path, err, errlen)) == -1) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	m->m_ctl_fd = fd;
	snprintf(m->m_ctl_path, sizeof(m->m_ctl_path), "%s", path);
	return 0;
}

void
control_start(struct master *m)
{
	char	err[512];

	if (m->m_conf->rc_control_socket[0] == '\0')
		return;
	if (control_open(m, m->m_conf->rc_control_socket, err,
	    sizeof(err)) == -1)
		fatalx("startup: control-socket %s", err);
}

static void
control_close_listener(struct master *m)
{
	if (m->m_ctl_fd == -1)
		return;
	close(m->m_ctl_fd);
	unlink(m->m_ctl_path);
	m->m_ctl_fd = -1;
	m->m_ctl_path[0] = '\0';
}

/* A reload that names another path moves the socket; a failure keeps
 * the old one, since the new configuration is already committed. */
void
control_reload(struct master *m)
{
	const char	*path = m->m_conf->rc_control_socket;
	int		 oldfd = m->m_ctl_fd;
	char		 oldpath[sizeof(m->m_ctl_path)], err[512];

	if (strcmp(path, m->m_ctl_path) == 0)
		return;
	snprintf(oldpath, sizeof(oldpath), "%s", m->m_ctl_path);
	if (path[0] != '\0' && control_open(m, path, err, sizeof(err)) == -1) {
		log_warnx("reload: control-socket %s; still on %s", err,
		    oldpath[0] != '\0' ? oldpath : "(none)");
		return;
	}
	if (oldfd != -1) {
		close(oldfd);
		unlink(oldpath);
	}
	if (path[0] == '\0') {
		m->m_ctl_fd = -1;
		m->m_ctl_path[0] = '\0';
		log_notice("reload: control socket %s closed", oldpath);
	} else
		log_notice("reload: control socket now %s", path);
}

static void
conn_close(struct control_conn *cc)
{
	close(cc->cc_fd);
	cc->cc_fd = -1;
	strbuf_free(&cc->cc_out);
}

void
control_shutdown(struct master *m)
{
	unsigned	i;

	for (i = 0; i < CONTROL_CONNS_MAX; i++)
		if (m->m_ctl[i].cc_fd != -1)
			conn_close(&m->m_ctl[i]);
	control_close_listener(m);
}

/* Only root may steer rpxd, whatever the socket's mode says. */
static int
peer_is_root(int fd)
{
#ifdef SO_PEERCRED
	struct ucred	uc;
	socklen_t	len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1)
		return 0;
	return uc.uid == 0;
#else
	uid_t	uid;
	gid_t	gid;

	if (getpeereid(fd, &uid, &gid) == -1)
		return 0;
	return uid == 0;
#endif
}

static void
control_accept(struct master *m)
{
	struct control_conn	*cc = NULL;
	unsigned		 i;
	int			 fd;

	if ((fd = accept4(m->m_ctl_fd, NULL, NULL,
	    SOCK_CLOEXEC | SOCK_NONBLOCK)) == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != ECONNABORTED && errno != EINTR)
			log_warn("control: accept");
		return;
	}
	if (!peer_is_root(fd)) {
		log_warnx("control: refused a connection from a process not "
		    "running as root");
		close(fd);
		return;
	}
	for (i = 0; i < CONTROL_CONNS_MAX && cc == NULL; i++)
		if (m->m_ctl[i].cc_fd == -1)
			cc = &m->m_ctl[i];
	if (cc == NULL) {	/* control_pollfds stops polling when full */
		close(fd);
		return;
	}
	memset(cc, 0, sizeof(*cc));
	cc->cc_fd = fd;
	cc->cc_deadline = time(NULL) + CONTROL_TIMEOUT;
	strbuf_init(&cc->cc_out);
}

/* The request line is complete: answer it. */
static void
conn_request(struct master *m, struct control_conn *cc)
{
	cc->cc_in[cc->cc_inlen] = '\0';
	cc->cc_in[strcspn(cc->cc_in, "\r\n")] = '\0';
	control_command(m, cc->cc_in, &cc->cc_out, &cc->cc_action);
	if (cc->cc_action == CONTROL_ACTION_WAIT) {
		/* epcheck.c's round ends by its deadline; a little more for
		 * the answer. */
		cc->cc_action = CONTROL_ACTION_NONE;
		cc->cc_waiting = 1;
		cc->cc_deadline = ep_round_deadline() + CONTROL_TIMEOUT;
		return;
	}
	if (cc->cc_out.sb_failed) {
		strbuf_free(&cc->cc_out);
		strbuf_printf(&cc->cc_out, "error: the answer is larger than "
		    "%u bytes\n", STRBUF_MAX);
	}
	cc->cc_answering = 1;
	/* A reload may have taken a while: the answer gets its own time. */
	cc->cc_deadline = time(NULL) + CONTROL_TIMEOUT;
}

static void
conn_read(struct master *m, struct control_conn *cc)
{
	ssize_t	n;

	n = read(cc->cc_fd, cc->cc_in + cc->cc_inlen,
	    sizeof(cc->cc_in) - 1 - cc->cc_inlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(cc);
		return;
	}
	cc->cc_inlen += (size_t)n;
	if (memchr(cc->cc_in, '\n', cc->cc_inlen) != NULL) {
		conn_request(m, cc);
		return;
	}
	if (cc->cc_inlen == sizeof(cc->cc_in) - 1) {
		log_warnx("control: request line longer than %zu bytes",
		    sizeof(cc->cc_in) - 2);
		strbuf_printf(&cc->cc_out, "error: request line too long\n");
		cc->cc_answering = 1;
	}
}

static void
conn_write(struct master *m, struct control_conn *cc)
{
	ssize_t	n;
	int	action;

	n = send(cc->cc_fd, cc->cc_out.sb_buf + cc->cc_outoff,
	    cc->cc_out.sb_len - cc->cc_outoff, MSG_NOSIGNAL);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		cc->cc_outoff += (size_t)n;
	if (n > 0 && cc->cc_outoff < cc->cc_out.sb_len)
		return;
	action = cc->cc_action;
	conn_close(cc);
	/* After the answer is out, so that rpxctl sees it. */
	if (action == CONTROL_ACTION_STOP)
		master_shutdown_begin(m);
	else if (action == CONTROL_ACTION_UPGRADE)
		upgrade_exec(m);
}

unsigned
control_pollfds(struct master *m, struct pollfd *pfd)
{
	unsigned	i, n = 0, used = 0;

	for (i = 0; i < CONTROL_CONNS_MAX; i++) {
		struct control_conn *cc = &m->m_ctl[i];

		if (cc->cc_fd == -1)
			continue;
		used++;
		if (cc->cc_waiting)
			continue;	/* nothing to read or write yet */
		pfd[n].fd = cc->cc_fd;
		pfd[n++].events = cc->cc_answering ? POLLOUT : POLLIN;
	}
	/* Full: new connections wait in the backlog. */
	if (m->m_ctl_fd != -1 && used < CONTROL_CONNS_MAX) {
		pfd[n].fd = m->m_ctl_fd;
		pfd[n++].events = POLLIN;
	}
	return n;
}

void
control_events(struct master *m, const struct pollfd *pfd, unsigned n)
{
	unsigned	i, j;

	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (pfd[i].fd == m->m_ctl_fd) {
			control_accept(m);
			continue;
		}
		for (j = 0; j < CONTROL_CONNS_MAX; j++) {
			struct control_conn *cc = &m->m_ctl[j];

			if (cc->cc_fd != pfd[i].fd)
				continue;
			if (cc->cc_answering)
				conn_write(m, cc);
			else
				conn_read(m, cc);
			break;
		}
	}
}

void
control_expire(struct master *m)
{
	time_t		now = time(NULL);
	unsigned	i;

	for (i = 0; i < CONTROL_CONNS_MAX; i++) {
		struct control_conn *cc = &m->m_ctl[i];

		if (cc->cc_fd == -1 || now < cc->cc_deadline)
			continue;
		log_warnx("control: a client took more than %d s; closed",
		    CONTROL_TIMEOUT);
		conn_close(cc);
	}
}

int
control_waiting(const struct master *m)
{
	unsigned	i;

	for (i = 0; i < CONTROL_CONNS_MAX; i++)
		if (m->m_ctl[i].cc_fd != -1 && m->m_ctl[i].cc_waiting)
			return 1;
	return 0;
}

void
control_answer_waiting(struct master *m, const struct strbuf *report)
{
	unsigned	i;

	for (i = 0; i < CONTROL_CONNS_MAX; i++) {
		struct control_conn *cc = &m->m_ctl[i];

		if (cc->cc_fd == -1 || !cc->cc_waiting)
			continue;
		cc->cc_waiting = 0;
		if (report == NULL)
			strbuf_printf(&cc->cc_out, "ok\nno passthrough route on "
			    "a TLS listener to a TLS backend: nothing to "
			    "check\n");
		else if (report->sb_failed)
			strbuf_printf(&cc->cc_out, "error: the answer is larger "
			    "than %u bytes\n", STRBUF_MAX);
		else
			strbuf_add(&cc->cc_out, report->sb_buf, report->sb_len);
		cc->cc_answering = 1;
		cc->cc_deadline = time(NULL) + CONTROL_TIMEOUT;
	}
}

int
control_busy(const struct master *m)
{
	unsigned	i;

	for (i = 0; i < CONTROL_CONNS_MAX; i++)
		if (m->m_ctl[i].cc_fd != -1 && m->m_ctl[i].cc_answering)
			return 1;
	return 0;
}
