/*
 * Unit tests for chunked.c: valid streams decode the same whether fed at
 * once or byte by byte, and every malformed framing is an error.
 */
#include <stdlib.h>
#include <string.h>

#include "chunked.h"
#include "unit.h"

/* Decode all of s in pieces of step bytes with an out buffer of outcap. */
static enum chunked_status
decode(const char *s, size_t len, size_t step, size_t outcap, char *out,
    size_t *outlen, size_t *used)
{
	struct chunked_decoder	d;
	enum chunked_status	st = CHUNKED_MORE;
	size_t			pos = 0, avail = 0, consumed, produced;
	char			tmp[64];

	chunked_init(&d);
	*outlen = 0;
	while (st == CHUNKED_MORE && pos < len) {
		avail = pos + step > len ? len - pos : step;
		st = chunked_decode(&d, s + pos, avail, &consumed, tmp,
		    outcap < sizeof(tmp) ? outcap : sizeof(tmp), &produced);
		memcpy(out + *outlen, tmp, produced);
		*outlen += produced;
		pos += consumed;
		if (consumed == 0 && produced == 0 && st == CHUNKED_MORE &&
		    avail == step && step >= len)
			break;
	}
	*used = pos;
	return st;
}

static const char valid[] = "5\r\nhello\r\n1a;name=val;q=\"a \\\" b\"\r\n"
    "abcdefghijklmnopqrstuvwxyz\r\nA ;x\r\n0123456789\r\n0\r\n"
    "X-Trailer: yes\r\nY: \r\n\r\nGET /next";

START_TEST(test_valid_all_steps)
{
	char			out[256];
	size_t			outlen, used, step;
	enum chunked_status	st;
	const size_t		len = sizeof(valid) - 1;

	for (step = 1; step <= len; step++) {
		st = decode(valid, len, step, 7, out, &outlen, &used);
		ck_assert_msg(st == CHUNKED_DONE, "step %zu", step);
		ck_assert_uint_eq(outlen, 5 + 26 + 10);
		ck_assert_int_eq(memcmp(out, "hello"
		    "abcdefghijklmnopqrstuvwxyz0123456789", outlen), 0);
		/* Stops exactly after the message: "GET /next" is left. */
		ck_assert_uint_eq(used, len - 9);
	}
}
END_TEST

static const char *const invalid[] = {
	"zz\r\nhello\r\n0\r\n\r\n",		/* not hex */
	"\r\n",					/* no size */
	"5\nhello\r\n0\r\n\r\n",		/* bare LF */
	"5\r\nhello\n0\r\n\r\n",		/* data without CRLF */
	"5\r\nhelloX\r\n0\r\n\r\n",		/* data longer than size */
	"5\r\nhello\r\n0\r\n\n",		/* final bare LF */
	"-5\r\nhello\r\n0\r\n\r\n",
	"0x5\r\nhello\r\n0\r\n\r\n",
	"5;=\x01\r\nhello\r\n0\r\n\r\n",	/* control byte in extension */
	"5 x\r\nhello\r\n0\r\n\r\n",		/* junk after size */
	"5 \r\nhello\r\n0\r\n\r\n",		/* BWS without extension */
	"11111111111111111\r\n",		/* 17 hex digits */
	"ffffffffffffffff\r\n",			/* over 63 bits */
	"0\r\n bad: fold\r\n\r\n",		/* trailer obs-fold */
	"0\r\nX : y\r\n\r\n",			/* space before colon */
	"0\r\nX: a\rb\r\n\r\n",			/* bare CR in trailer */
	"5\r\rhello\r\n0\r\n\r\n",
};

START_TEST(test_invalid)
{
	char			out[256];
	size_t			outlen, used;
	enum chunked_status	st;

	st = decode(invalid[_i], strlen(invalid[_i]), 1, 64, out, &outlen,
	    &used);
	ck_assert_msg(st == CHUNKED_ERROR, "case %d not refused", _i);
}
END_TEST

START_TEST(test_long_size_line)
{
	char			*s = malloc(CHUNKED_MAX_LINE + 100), out[8];
	size_t			 outlen, used;

	strcpy(s, "5;x=");
	memset(s + 4, 'a', CHUNKED_MAX_LINE + 10);
	strcpy(s + 4 + CHUNKED_MAX_LINE + 10, "\r\n");
	ck_assert_int_eq(decode(s, strlen(s), 4096, 8, out, &outlen, &used),
	    CHUNKED_ERROR);
	free(s);
}
END_TEST

START_TEST(test_header)
{
	char	b[20];

	ck_assert_uint_eq(chunked_header(b, 0), 3);
	ck_assert_int_eq(memcmp(b, "0\r\n", 3), 0);
	ck_assert_uint_eq(chunked_header(b, 65536), 7);
	ck_assert_int_eq(memcmp(b, "10000\r\n", 7), 0);
	ck_assert_uint_eq(chunked_header(b, UINT64_C(0x7fffffffffffffff)), 18);
}
END_TEST

Suite *
suite_chunked(void)
{
	Suite	*s = suite_create("chunked");
	TCase	*tc = tcase_create("decode");

	tcase_add_test(tc, test_valid_all_steps);
	tcase_add_loop_test(tc, test_invalid, 0,
	    sizeof(invalid) / sizeof(invalid[0]));
	tcase_add_test(tc, test_long_size_line);
	tcase_add_test(tc, test_header);
	suite_add_tcase(s, tc);
	return s;
}
