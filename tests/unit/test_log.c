/*
 * log.c and log_syslog.c against a datagram socket standing in for
 * syslogd: the RFC 3164 header with facility and tag, the 1024-byte bound
 * with escaped control characters and a marked cut, drops counted without
 * waiting when the socket is full and reported once it drains; and the
 * worker's sanitizer for access-line values.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "unit.h"
#include "worker.h"

static char	sock_path[64];

/* A bound datagram socket like syslogd's, and rpxd's log pointed at it. */
static int
fake_syslogd(void)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	int			fd;

	snprintf(sock_path, sizeof(sock_path), "/tmp/rpxd-unit-log.%ld",
	    (long)getpid());
	unlink(sock_path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock_path);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	log_init(0, "rpxd", LOG_DAEMON);
	log_syslog_config(sock_path, "rpxtest", LOG_LOCAL3);
	return fd;
}

static ssize_t
next_line(int fd, char *buf, size_t len)
{
	ssize_t	n = recv(fd, buf, len - 1, MSG_DONTWAIT);

	buf[n < 0 ? 0 : n] = '\0';
	return n;
}

START_TEST(test_log_header_and_bound)
{
	char	 buf[4096], *big;
	int	 fd = fake_syslogd();
	ssize_t	 n;

	log_warnx("request: %s", "a\tb");
	n = next_line(fd, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	/* local3 (19) * 8 + warning (4) */
	ck_assert_msg(strncmp(buf, "<156>", 5) == 0, "%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, " rpxtest["));
	ck_assert_msg(strstr(buf, "]: request: a\\x09b") != NULL, "%s", buf);

	big = malloc(3000);
	memset(big, 'x', 2999);
	big[2999] = '\0';
	big[1000] = '\n';
	log_access("access path=%s", big);
	n = next_line(fd, buf, sizeof(buf));
	ck_assert_int_eq(n, 1024);
	ck_assert_msg(strstr(buf, "xxx [truncated]") != NULL, "%s", buf);
	ck_assert_ptr_null(strchr(buf, '\n'));
	ck_assert_int_eq(log_dropped(), 0);
	free(big);
	close(fd);
	unlink(sock_path);
}
END_TEST

START_TEST(test_log_full_socket)
{
	char		 buf[2048];
	int		 fd = fake_syslogd(), i;
	unsigned long	 dropped;

	/* Nobody reads: the queue fills, and logging must not wait. */
	for (i = 0; i < 2000; i++)
		log_access("access n=%d", i);
	dropped = log_dropped();
	ck_assert_uint_gt(dropped, 0);
	while (next_line(fd, buf, sizeof(buf)) > 0)
		continue;
	log_access("access n=after");
	ck_assert_int_gt(next_line(fd, buf, sizeof(buf)), 0);
	ck_assert_ptr_nonnull(strstr(buf, "access n=after"));
	ck_assert_int_gt(next_line(fd, buf, sizeof(buf)), 0);
	snprintf(buf + 1024, 64, "log: %lu line(s) could not be sent", dropped);
	ck_assert_msg(strstr(buf, buf + 1024) != NULL, "%s", buf);
	close(fd);
	unlink(sock_path);
}
END_TEST

START_TEST(test_log_sanitized)
{
	char	out[16];

	log_copy_sanitized(out, sizeof(out), "/a b\"c", 6);
	ck_assert_str_eq(out, "/a\\x20b\\x22c");
	log_copy_sanitized(out, sizeof(out), "/abcdefghijklmnopq", 18);
	ck_assert_str_eq(out, "/abcdefghijk...");
	/* an escape is never cut in half */
	log_copy_sanitized(out, sizeof(out), "/abcdefghij klmn", 16);
	ck_assert_str_eq(out, "/abcdefghij...");
}
END_TEST

Suite *
suite_log(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("log");

	tcase_add_test(tc, test_log_header_and_bound);
	tcase_add_test(tc, test_log_full_socket);
	tcase_add_test(tc, test_log_sanitized);
	suite_add_tcase(s, tc);
	return s;
}
