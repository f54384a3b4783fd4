/*
 * Binary upgrade in place: on rpxctl upgrade or SIGUSR2 the master execs
 * the rpxd program at its path again (a new one, once installed there),
 * keeping its pid, its pidfile and its listening sockets, so that no
 * connection is refused. The new image adopts the sockets, starts a new
 * generation of workers and reaps the old ones, which finish their
 * connections when they see the old image's sockets close. Before anything changes, the new program must accept
 * the configuration (rpxd -n); if it does not, nothing happens.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

#define UPGRADE_ENV		"RPXD_UPGRADE"
#define UPGRADE_CHECK_WAIT	60	/* s for the new program's rpxd -n */
#define UPGRADE_OUTPUT_MAX	4096	/* bytes of its messages kept */

/* The program's path, as started: exec needs it after daemon() has moved
 * to "/". A path with a slash comes made absolute (main.c); a bare name
 * is looked up in PATH. */
void
upgrade_init(struct master *m, const char *argv0)
{
	const char	*path, *p, *end;
	size_t		 len;
	int		 n;

	m->m_self_path[0] = '\0';
	if (strchr(argv0, '/') != NULL) {
		n = snprintf(m->m_self_path, sizeof(m->m_self_path), "%s",
		    argv0);
		if (n < 0 || (size_t)n >= sizeof(m->m_self_path))
			m->m_self_path[0] = '\0';	/* no upgrade */
		return;
	}
	if ((path = getenv("PATH")) == NULL)
		return;
	for (p = path; *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ":");
		len = (size_t)(end - p);
		if (len == 0 || p[0] != '/')
			continue;
		snprintf(m->m_self_path, sizeof(m->m_self_path), "%.*s/%s",
		    (int)len, p, argv0);
		if (access(m->m_self_path, X_OK) == 0)
			return;
	}
	m->m_self_path[0] = '\0';
}

/* Run the program at the path with -n on the configuration: 0 if it
 * accepts it; its messages go to out. */
static int
upgrade_check(struct master *m, struct strbuf *out)
{
	char	 buf[UPGRADE_OUTPUT_MAX], *argv[5], conf[RPXD_FILE_MAX];
	size_t	 len = 0;
	ssize_t	 n;
	int	 pipefd[2], status;
	time_t	 deadline = time(NULL) + UPGRADE_CHECK_WAIT;
	pid_t	 pid;

	if (pipe(pipefd) == -1)
		return -1;
	switch ((pid = fork())) {
	case -1:
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	case 0:
		signals_reset_child();
		if (dup2(pipefd[1], STDOUT_FILENO) == -1 ||
		    dup2(pipefd[1], STDERR_FILENO) == -1)
			_exit(127);
		closefrom(STDERR_FILENO + 1);
		argv[0] = m->m_self_path;
		argv[1] = (char *)"-n";
		argv[2] = (char *)"-f";
		snprintf(conf, sizeof(conf), "%s", m->m_conf_file);
		argv[3] = conf;
		argv[4] = NULL;
		execv(m->m_self_path, argv);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		struct pollfd	pfd = { pipefd[0], POLLIN, 0 };
		int		left = (int)(deadline - time(NULL));

		if (left <= 0 || poll(&pfd, 1, left * 1000) == 0) {
			kill(pid, SIGKILL);
			strbuf_printf(out, "%s -n took more than %d s\n",
			    m->m_self_path, UPGRADE_CHECK_WAIT);
			break;
		}
		n = read(pipefd[0], buf + len, sizeof(buf) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) - 1) {
			char	drain[512];

			while (read(pipefd[0], drain, sizeof(drain)) > 0)
				;
			break;
		}
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	buf[len] = '\0';
	strbuf_add(out, buf, len);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		strbuf_printf(out, "%s could not be run\n", m->m_self_path);
	return -1;
}

int
upgrade_prepare(struct master *m, struct strbuf *out)
{
	struct stat	st;

	if (m->m_self_path[0] == '\0' || stat(m->m_self_path, &st) == -1 ||
	    !S_ISREG(st.st_mode) || access(m->m_self_path, X_OK) == -1) {
		strbuf_printf(out, "the rpxd program %s is not there to run "
		    "(%s)\n", m->m_self_path[0] != '\0' ? m->m_self_path :
		    "(unknown path)", strerror(errno ? errno : ENOENT));
		return -1;
	}
	if (upgrade_check(m, out) == -1) {
		log_warnx("upgrade: %s -n refused the configuration or failed;"
		    " the running program stays", m->m_self_path);
		return -1;
	}
	log_notice("upgrade: %s accepts %s; executing it", m->m_self_path,
	    m->m_conf_file);
	return 0;
}

/* Every descriptor but the listeners closes at exec. */
static void
upgrade_cloexec(struct master *m, int keep)
{
	struct rlimit	rl;
	unsigned	i;
	int		fd, max = 65536;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	for (fd = STDERR_FILENO + 1; fd < max; fd++)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	for (i = 0; i < m->m_conf->rc_nlisteners; i++)
		if (m->m_listen_fds[i] != -1)
			(void)fcntl(m->m_listen_fds[i], F_SETFD,
			    keep ? 0 : FD_CLOEXEC);
}

void
upgrade_exec(struct master *m)
{
	char		*argv[7], conf[RPXD_FILE_MAX], worker[RPXD_FILE_MAX];
	char		 env[64 + 12 * RPXD_MAX_LISTENERS];
	int		 argc = 0;
	size_t		 len;
	unsigned	 i;

	len = (size_t)snprintf(env, sizeof(env), "%u,", m->m_generation);
	for (i = 0; i < HB_KEY_SIZE; i++)
		len += (size_t)snprintf(env + len, sizeof(env) - len, "%02x",
		    m->m_hash_key[i]);
	for (i = 0; i < m->m_conf->rc_nlisteners && len < sizeof(env); i++)
		len += (size_t)snprintf(env + len, sizeof(env) - len, ",%d",
		    m->m_listen_fds[i]);
	/*
	 * Every child's socket to the master closes at exec: workers finish
	 * their connection and exit, the health checker exits, key holders
	 * serve their workers to the end. Told to stop as by a reload first,
	 * workers keep an idle keep-alive connection for its next request
	 * (answered with "Connection: close") instead of racing it. The
	 * backlog waits for the new image's workers. After a failed exec
	 * the pool replaces the stopped workers.
	 */
	pool_stop_all(m);
	upgrade_cloexec(m, 1);
	childlog_export(1);
	/* What it was started with, the paths made absolute (main.c). */
	snprintf(conf, sizeof(conf), "%s", m->m_conf_file);
	snprintf(worker, sizeof(worker), "%s", m->m_worker_path);
	argv[argc++] = m->m_self_path;
	if (m->m_foreground)
		argv[argc++] = (char *)"-d";
	argv[argc++] = (char *)"-f";
	argv[argc++] = conf;
	argv[argc++] = (char *)"-W";
	argv[argc++] = worker;
	argv[argc] = NULL;
	if (setenv(UPGRADE_ENV, env, 1) == 0)
		execv(m->m_self_path, argv);
	log_warn("upgrade: cannot execute %s; the running program stays",
	    m->m_self_path);
	unsetenv(UPGRADE_ENV);
	childlog_export(0);
	upgrade_cloexec(m, 0);
}

/*
 * In the new image: the listening sockets of the old one, matched to
 * this configuration's listeners by their bound address; the others are
 * bound anew and those no listener wants are closed. NULL when this is
 * no upgrade; fatal when the inherited state is unusable.
 */
int *
upgrade_adopt(const struct rpxd_conf *conf, uint32_t *generation,
    unsigned char hash_key[HB_KEY_SIZE])
{
	const char		*env = getenv(UPGRADE_ENV);
	int			 inherited[RPXD_MAX_LISTENERS], *fds;
	unsigned		 n = 0, i, j;
	char			*p, *endp, err[1024];
	unsigned long		 v;

	if (env == NULL)
		return NULL;
	v = strtoul(env, &endp, 10);
	if (endp == env || v == 0 || v >= UINT32_MAX)
		fatalx("upgrade: bad %s=\"%s\"", UPGRADE_ENV, env);
	*generation = (uint32_t)v;
	/* The hash key, so that sticky cookies keep their servers. */
	for (i = 0, p = endp + 1; i < HB_KEY_SIZE; i++, p += 2) {
		char	hex[3] = { 0, 0, 0 };

		if (*endp != ',' || strlen(p) < 2)
			fatalx("upgrade: bad %s", UPGRADE_ENV);
		memcpy(hex, p, 2);
		hash_key[i] = (unsigned char)strtoul(hex, NULL, 16);
	}
	endp = p;
	for (p = endp; *p == ',' && n < RPXD_MAX_LISTENERS; p = endp) {
		v = strtoul(p + 1, &endp, 10);
		if (endp == p + 1 || v > INT_MAX)
			fatalx("upgrade: bad %s=\"%s\"", UPGRADE_ENV, env);
		inherited[n++] = (int)v;
	}
	unsetenv(UPGRADE_ENV);
	if ((fds = calloc(conf->rc_nlisteners ? conf->rc_nlisteners : 1,
	    sizeof(int))) == NULL)
		fatal("%s: calloc", __func__);
	for (i = 0; i < conf->rc_nlisteners; i++) {
		const struct listener_conf *ls = &conf->rc_listeners[i];

		fds[i] = -1;
		for (j = 0; j < n && fds[i] == -1; j++) {
			struct sockaddr_storage	ss;
			socklen_t		sl = sizeof(ss);

			if (inherited[j] == -1 || getsockname(inherited[j],
			    (struct sockaddr *)&ss, &sl) == -1)
				continue;
			if (sl == ls->ls_addrlen &&
			    memcmp(&ss, &ls->ls_addr, sl) == 0) {
				fds[i] = inherited[j];
				inherited[j] = -1;
				(void)fcntl(fds[i], F_SETFD, FD_CLOEXEC);
			}
		}
		if (fds[i] == -1 && (fds[i] = listener_bind(ls, err,
		    sizeof(err))) == -1)
			fatalx("upgrade: %s", err);
		listener_defer(fds[i], ls, conf->rc_client_header_timeout);
	}
	for (j = 0; j < n; j++)
		if (inherited[j] != -1)
			close(inherited[j]);
	return fds;
}
