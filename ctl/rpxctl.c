/*
 * rpxctl: sends one command to a running rpxd over its control socket
 * (master/control.c) and prints the answer. Exit status: 0 done, 1 rpxd
 * refused or failed the command, 2 bad usage, 3 rpxd could not be reached.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"	/* RPXD_CONTROL_SOCKET */
#include "ctl.h"

#define REQUEST_MAX	255	/* the master's CONTROL_LINE_MAX, less '\n' */
#define ANSWER_WAIT	60	/* s: a reload reads every key and file */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: rpxctl [-j] [-s socket] command\n"
	    "commands:\n"
	    "  status                   generation, workers, backends\n"
	    "  metrics                  counters and gauges, Prometheus "
	    "text format\n"
	    "  reload                   read the configuration again\n"
	    "  upgrade                  exec the installed rpxd, keeping "
	    "the sockets\n"
	    "  stop                     finish the connections and exit\n"
	    "  log [brief|verbose|debug]  show or set the log level\n"
	    "  show config              the running configuration\n"
	    "  check-backends           passthrough TLS backends' "
	    "certificates vs the\n"
	    "                           listener's (Extended Protection)\n"
	    "  ticket-key new FILE [KEEP]  rotate a tls-ticket-key-file "
	    "(no rpxd needed)\n"
	    "  -j  JSON instead of text\n"
	    "  -s  control socket (default " RPXD_CONTROL_SOCKET ")\n");
	exit(2);
}

static int
connect_to(const char *path)
{
	struct sockaddr_un	sun;
	struct timeval		tv = { ANSWER_WAIT, 0 };
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "rpxctl: %s: path too long\n", path);
		exit(2);
	}
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "rpxctl: cannot reach rpxd at %s: %s%s\n",
		    path, strerror(errno), errno == ENOENT ||
		    errno == ECONNREFUSED ? " (is rpxd running, and is this "
		    "its control-socket?)" : "");
		exit(3);
	}
	return fd;
}

/* argv joined by spaces, "json " first with -j, and a newline. */
static size_t
request_line(char *buf, size_t len, int json, int argc, char **argv)
{
	size_t	n = 0;
	int	i, w;

	if (json)
		n = (size_t)snprintf(buf, len, "json");
	for (i = 0; i < argc; i++) {
		if (strpbrk(argv[i], " \t\r\n") != NULL || argv[i][0] == '\0')
			usage();
		w = snprintf(buf + n, len - n, "%s%s", n > 0 ? " " : "",
		    argv[i]);
		if (w < 0 || (size_t)w >= len - n)
			usage();
		n += (size_t)w;
	}
	if (n + 1 >= len)
		usage();
	buf[n++] = '\n';
	return n;
}

static void
send_all(int fd, const char *buf, size_t len)
{
	ssize_t	w;

	while (len > 0) {
		if ((w = send(fd, buf, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "rpxctl: send: %s\n", strerror(errno));
			exit(3);
		}
		buf += w;
		len -= (size_t)w;
	}
}

/*
 * The first line says ok or "error: why"; the rest is the answer, for
 * stdout or, after an error, stderr. Returns the exit status.
 */
static int
relay_answer(int fd)
{
	char	buf[65536], first[512];
	size_t	flen = 0;
	ssize_t	n;
	int	head = 1, failed = 0;
	FILE	*to = stdout;

	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		char	*p = buf, *nl;
		size_t	 left;

		if (n == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "rpxctl: no answer from rpxd: %s\n",
			    errno == EAGAIN ? "timed out" : strerror(errno));
			return 3;
		}
		left = (size_t)n;
		if (head) {
			nl = memchr(p, '\n', left);
			size_t take = nl != NULL ? (size_t)(nl - p) : left;

			if (flen + take >= sizeof(first)) {
				fprintf(stderr, "rpxctl: garbled answer\n");
				return 3;
			}
			memcpy(first + flen, p, take);
			flen += take;
			if (nl == NULL)
				continue;
			first[flen] = '\0';
			head = 0;
			p = nl + 1;
			left -= take + 1;
			if (strncmp(first, "error: ", 7) == 0) {
				fprintf(stderr, "rpxctl: %s\n", first + 7);
				failed = 1;
				to = stderr;
			} else if (strcmp(first, "ok") != 0) {
				fprintf(stderr, "rpxctl: garbled answer\n");
				return 3;
			}
		}
		if (left > 0 && fwrite(p, 1, left, to) != left)
			return 3;
	}
	if (head) {
		fprintf(stderr, "rpxctl: rpxd closed the connection without "
		    "an answer\n");
		return 3;
	}
	if (fflush(stdout) == EOF)
		return 3;
	return failed;
}

int
main(int argc, char *argv[])
{
	const char	*path = RPXD_CONTROL_SOCKET;
	char		 req[REQUEST_MAX + 1];
	size_t		 len;
	int		 ch, json = 0, fd;

	while ((ch = getopt(argc, argv, "js:")) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 's':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	if (strcmp(argv[0], "ticket-key") == 0) {
		int	rv = ticket_key_command(argc, argv);

		if (rv == 2)
			usage();
		return rv;
	}
	len = request_line(req, sizeof(req), json, argc, argv);
	fd = connect_to(path);
	send_all(fd, req, len);
	shutdown(fd, SHUT_WR);
	return relay_answer(fd);
}
