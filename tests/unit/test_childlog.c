/*
 * master/childlog_line.c: a child's stderr cut into lines for the
 * master's, each behind the child's program and pid, escaped and cut at
 * CHILDLOG_LINE_MAX, whatever the child writes and however it is split.
 */
#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "childlog.h"

static char	got[8][CHILDLOG_OUT_MAX];
static int	ngot;

static void
collect(void *arg, const char *line)
{
	(void)arg;
	if (ngot < 8)
		snprintf(got[ngot], sizeof(got[0]), "%s", line);
	ngot++;
}

static void
feed(struct childlog_buf *cb, const char *data, size_t len)
{
	childlog_feed(cb, data, len, collect, NULL);
}

START_TEST(own_prefix_left_out_other_kept)
{
	struct childlog_buf	cb;
	static const char	in[] = "rpxd[42]: worker: ready\n"
	    "rpxd[1]: startup: forged\n"
	    "rpxtag[42]: tagged\n"
	    "==42==ERROR: AddressSanitizer: heap-use-after-free\n";

	ngot = 0;
	childlog_buf_init(&cb, "rpxd-worker", 42);
	feed(&cb, in, sizeof(in) - 1);
	ck_assert_int_eq(ngot, 4);
	ck_assert_str_eq(got[0], "rpxd-worker[42]: worker: ready");
	ck_assert_str_eq(got[1], "rpxd-worker[42]: rpxd[1]: startup: forged");
	ck_assert_str_eq(got[2], "rpxd-worker[42]: tagged");
	ck_assert_str_eq(got[3], "rpxd-worker[42]: ==42==ERROR: "
	    "AddressSanitizer: heap-use-after-free");
}
END_TEST

START_TEST(escapes_every_unprintable_byte)
{
	struct childlog_buf	cb;
	static const char	in[] = "a\x1b[2Jb\r\x00\x7f\xc3\xa9\t\\x\n";

	ngot = 0;
	childlog_buf_init(&cb, "rpxd-keys", 7);
	feed(&cb, in, sizeof(in) - 1);
	ck_assert_int_eq(ngot, 1);
	ck_assert_str_eq(got[0], "rpxd-keys[7]: a\\x1b[2Jb\\x0d\\x00\\x7f"
	    "\\xc3\\xa9\\x09\\x");
}
END_TEST

START_TEST(split_feeds_agree_with_whole)
{
	struct childlog_buf	cb;
	static const char	in[] = "one\ntwo words\n\nthree";
	char			whole[4][CHILDLOG_OUT_MAX];
	size_t			i;

	ngot = 0;
	childlog_buf_init(&cb, "rpxd-health", 9);
	feed(&cb, in, sizeof(in) - 1);
	childlog_flush(&cb, collect, NULL);
	ck_assert_int_eq(ngot, 4);
	memcpy(whole, got, sizeof(whole));
	ngot = 0;
	childlog_buf_init(&cb, "rpxd-health", 9);
	for (i = 0; i < sizeof(in) - 1; i++)
		feed(&cb, in + i, 1);
	childlog_flush(&cb, collect, NULL);
	ck_assert_int_eq(ngot, 4);
	for (i = 0; i < 4; i++)
		ck_assert_str_eq(got[i], whole[i]);
	ck_assert_str_eq(got[2], "rpxd-health[9]: ");
	ck_assert_str_eq(got[3], "rpxd-health[9]: three");
}
END_TEST

START_TEST(long_line_cut_and_marked_rest_dropped)
{
	struct childlog_buf	cb;
	static char		in[3 * CHILDLOG_LINE_MAX];
	size_t			len;

	memset(in, 'x', sizeof(in));
	in[sizeof(in) - 1] = '\n';
	ngot = 0;
	childlog_buf_init(&cb, "rpxd-worker", 5);
	feed(&cb, in, 1000);
	feed(&cb, in, sizeof(in));
	feed(&cb, "next\n", 5);
	ck_assert_int_eq(ngot, 2);
	len = strlen(got[0]);
	ck_assert_uint_eq(len, strlen("rpxd-worker[5]: ") + CHILDLOG_LINE_MAX +
	    strlen(" [truncated]"));
	ck_assert_str_eq(got[0] + len - 12, " [truncated]");
	ck_assert_str_eq(got[1], "rpxd-worker[5]: next");
}
END_TEST

START_TEST(escaped_full_line_fits)
{
	struct childlog_buf	cb;
	static char		in[CHILDLOG_LINE_MAX + 100];
	char			out[CHILDLOG_OUT_MAX];

	memset(in, 0x9b, sizeof(in));	/* C1 CSI on some terminals */
	childlog_buf_init(&cb, "rpxd-worker", 2147483647);
	ngot = 0;
	feed(&cb, in, sizeof(in));
	ck_assert_int_eq(ngot, 0);
	ck_assert_uint_gt(childlog_format(&cb, out, sizeof(out)),
	    4 * CHILDLOG_LINE_MAX);
	ck_assert_ptr_null(strchr(out, (char)0x9b));
	ck_assert_uint_eq(childlog_format(&cb, out, sizeof(out) - 1), 0);
}
END_TEST

Suite *
suite_childlog(void)
{
	Suite	*s = suite_create("childlog");
	TCase	*tc = tcase_create("lines");

	tcase_add_test(tc, own_prefix_left_out_other_kept);
	tcase_add_test(tc, escapes_every_unprintable_byte);
	tcase_add_test(tc, split_feeds_agree_with_whole);
	tcase_add_test(tc, long_line_cut_and_marked_rest_dropped);
	tcase_add_test(tc, escaped_full_line_fits);
	suite_add_tcase(s, tc);
	return s;
}
