/*
 * Unit tests for chunked.c: valid streams decode the same whether fed at
 * once or byte by byte, and every malformed framing is an error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunked.h"
#include "unit.h"

/*
 * Decode s[0..len) in pieces of at most step bytes, each in a buffer of
 * exactly its size (so ASan sees a read past inlen), with an out buffer
 * of outcap. *used: input bytes consumed.
 */
static enum chunked_status
decode(const char *s, size_t len, size_t step, size_t outcap, char *out,
    size_t *outlen, size_t *used)
{
	struct chunked_decoder	d;
	enum chunked_status	st = CHUNKED_MORE;
	size_t			pos = 0, avail, consumed, produced;
	char			*piece, *tmp = malloc(outcap + 1);

	chunked_init(&d);
	*outlen = 0;
	while (st == CHUNKED_MORE && pos < len) {
		avail = len - pos < step ? len - pos : step;
		piece = malloc(avail);
		memcpy(piece, s + pos, avail);
		st = chunked_decode(&d, piece, avail, &consumed, tmp, outcap,
		    &produced);
		free(piece);
		ck_assert_uint_le(consumed, avail);
		ck_assert_uint_le(produced, outcap);
		memcpy(out + *outlen, tmp, produced);
		*outlen += produced;
		pos += consumed;
		/* No progress with input left: only when out is full. */
		if (st == CHUNKED_MORE && consumed < avail)
			ck_assert_uint_eq(produced, outcap);
	}
	free(tmp);
	*used = pos;
	return st;
}

static const char valid[] = "5\r\nhello\r\n1a;name=val;q=\"a \\\" b\"\r\n"
    "abcdefghijklmnopqrstuvwxyz\r\nA ;x\r\n0123456789\r\n"
    "0;last\r\nX-Trailer: yes\r\nY: \r\n\r\nGET /next";

START_TEST(test_valid_all_steps)
{
	static const size_t	 caps[] = { 1, 7, 64 };
	char			 out[256];
	size_t			 outlen, used, step, c;
	enum chunked_status	 st;
	const size_t		 len = sizeof(valid) - 1;

	for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++)
		for (step = 1; step <= len; step++) {
			st = decode(valid, len, step, caps[c], out, &outlen,
			    &used);
			ck_assert_msg(st == CHUNKED_DONE, "step %zu cap %zu",
			    step, caps[c]);
			ck_assert_uint_eq(outlen, 5 + 26 + 10);
			ck_assert_int_eq(memcmp(out, "hello"
			    "abcdefghijklmnopqrstuvwxyz0123456789", outlen), 0);
			/* Stops just after the message: "GET /next" is left. */
			ck_assert_uint_eq(used, len - 9);
		}
}
END_TEST

/* Extensions and sizes that are valid; each one chunk "hello". */
static const char *const valid_forms[] = {
	"5\r\nhello\r\n0\r\n\r\n",
	"00005\r\nhello\r\n000\r\n\r\n",
	"0000000000000005\r\nhello\r\n0\r\n\r\n",	/* 16 digits */
	"5;a\r\nhello\r\n0\r\n\r\n",
	"5;a=b\r\nhello\r\n0;z\r\n\r\n",
	"5 ;a\r\nhello\r\n0\r\n\r\n",
	"5\t; a = b ;c\r\nhello\r\n0\r\n\r\n",
	"5;a;b;c=d\r\nhello\r\n0\r\n\r\n",
	"5;a=\"\"\r\nhello\r\n0\r\n\r\n",
	"5;a=\"x;y=z \\\\ \\\"\t\xff\"\r\nhello\r\n0\r\n\r\n",
	"5;a=\"q\" ;b=\"r\";c\r\nhello\r\n0\r\n\r\n",
	"5;!#$%&'*+-.^_`|~=!#$%&'*+-.^_`|~\r\nhello\r\n0\r\n\r\n",
	"5\r\nhello\r\n0\r\nA: b\r\nC:\r\nD:\t e \xfe\r\n\r\n",
};

START_TEST(test_valid_forms)
{
	const char	*s = valid_forms[_i];
	char		 out[64];
	size_t		 outlen, used;

	ck_assert_msg(decode(s, strlen(s), 1, 64, out, &outlen, &used) ==
	    CHUNKED_DONE, "case %d bytewise", _i);
	ck_assert_uint_eq(outlen, 5);
	ck_assert_uint_eq(used, strlen(s));
	ck_assert_int_eq(memcmp(out, "hello", 5), 0);
	ck_assert_msg(decode(s, strlen(s), 4096, 64, out, &outlen, &used) ==
	    CHUNKED_DONE, "case %d at once", _i);
	ck_assert_uint_eq(outlen, 5);
	ck_assert_uint_eq(used, strlen(s));
}
END_TEST

struct bad_stream {
	const char	*s;
	size_t		 len;	/* sizeof: a case may hold a NUL */
};
#define B(s)	{ s, sizeof(s) - 1 }

static const struct bad_stream invalid[] = {
	/* sizes */
	B("zz\r\nhello\r\n0\r\n\r\n"),		/* not hex */
	B("\r\n"),				/* no size */
	B(";a\r\nhello\r\n0\r\n\r\n"),
	B(" 5\r\nhello\r\n0\r\n\r\n"),
	B("-5\r\nhello\r\n0\r\n\r\n"),
	B("+5\r\nhello\r\n0\r\n\r\n"),
	B("0x5\r\nhello\r\n0\r\n\r\n"),
	B("5 x\r\nhello\r\n0\r\n\r\n"),		/* junk after size */
	B("5 \r\nhello\r\n0\r\n\r\n"),		/* BWS without extension */
	B("5\t\r\nhello\r\n0\r\n\r\n"),
	B("5x\r\nhello\r\n0\r\n\r\n"),
	B("11111111111111111\r\n"),		/* 17 hex digits */
	B("00000000000000005\r\n"),		/* 17, even if zeros */
	B("ffffffffffffffff\r\n"),		/* over 63 bits */
	B("8000000000000000\r\n"),		/* 2^63 */
	/* line endings */
	B("5\nhello\r\n0\r\n\r\n"),		/* bare LF */
	B("5\r\rhello\r\n0\r\n\r\n"),
	B("5\rhello\r\n0\r\n\r\n"),
	B("5\r\nhello\n0\r\n\r\n"),		/* data without CRLF */
	B("5\r\nhello\r0\r\n\r\n"),
	B("5\r\nhello0\r\n\r\n"),
	B("5\r\nhelloX\r\n0\r\n\r\n"),		/* data longer than size */
	B("5\r\nhello\r\n0\r\n\n"),		/* final bare LF */
	B("5\r\nhello\r\n0\n\r\n"),
	B("5\r\nhello\r\n0\r\n\rX"),
	B("5\r\nhello\r\n0\r\nX: y\n\r\n"),
	B("5\r\nhello\r\n0\r\nX: y\r\r\n"),
	/* extensions */
	B("5;\r\nhello\r\n0\r\n\r\n"),		/* empty name */
	B("5;=b\r\nhello\r\n0\r\n\r\n"),
	B("5;a=\r\nhello\r\n0\r\n\r\n"),	/* empty value */
	B("5;a b\r\nhello\r\n0\r\n\r\n"),
	B("5;a \r\nhello\r\n0\r\n\r\n"),	/* BWS then end of line */
	B("5;a=b \r\nhello\r\n0\r\n\r\n"),
	B("5;a=b c\r\nhello\r\n0\r\n\r\n"),
	B("5;a==b\r\nhello\r\n0\r\n\r\n"),
	B("5;a=b=c\r\nhello\r\n0\r\n\r\n"),
	B("5;a;\r\nhello\r\n0\r\n\r\n"),
	B("5;;a\r\nhello\r\n0\r\n\r\n"),
	B("5;a=\"x\r\nhello\r\n0\r\n\r\n"),	/* unterminated quote */
	B("5;a=\"x\"y\r\nhello\r\n0\r\n\r\n"),
	B("5;a=x\"y\"\r\nhello\r\n0\r\n\r\n"),
	B("5;\"a\"=b\r\nhello\r\n0\r\n\r\n"),
	B("5;a=\"\x7f\"\r\nhello\r\n0\r\n\r\n"),
	B("5;a=\"\\\x01\"\r\nhello\r\n0\r\n\r\n"),
	B("5;a=\"x\rb\"\r\nhello\r\n0\r\n\r\n"),
	B("5;=\x01\r\nhello\r\n0\r\n\r\n"),	/* control byte in extension */
	B("5;a\x00" "b\r\nhello\r\n0\r\n\r\n"),
	B("5;a@b\r\nhello\r\n0\r\n\r\n"),
	B("5;a\nhello\r\n0\r\n\r\n"),
	/* trailers */
	B("0\r\n bad: fold\r\n\r\n"),		/* obs-fold */
	B("0\r\nX: a\r\n\tb\r\n\r\n"),
	B("0\r\nX : y\r\n\r\n"),		/* space before colon */
	B("0\r\n: y\r\n\r\n"),			/* empty name */
	B("0\r\nXy\r\n\r\n"),			/* no colon */
	B("0\r\nX@: y\r\n\r\n"),
	B("0\r\nX: a\rb\r\n\r\n"),		/* bare CR in trailer */
	B("0\r\nX: a\x00\r\n\r\n"),
	B("0\r\nX: a\x7f\r\n\r\n"),
	B("0\r\nX: a\x0b\r\n\r\n"),
};

START_TEST(test_invalid)
{
	const struct bad_stream	*c = &invalid[_i];
	size_t			 outlen, used, step;
	char			 out[256];
	enum chunked_status	 st;

	for (step = 1; step <= c->len; step = step == 1 ? c->len : step + 1) {
		st = decode(c->s, c->len, step, 64, out, &outlen, &used);
		ck_assert_msg(st == CHUNKED_ERROR,
		    "case %d step %zu not refused", _i, step);
		ck_assert_uint_le(outlen, 5);
	}
}
END_TEST

/* The decoder refuses at the first bad byte and stays refused. */
START_TEST(test_error_sticks)
{
	struct chunked_decoder	d;
	size_t			consumed, produced;
	char			out[16];

	chunked_init(&d);
	ck_assert_int_eq(chunked_decode(&d, "5\r\nhelloXYZ", 11, &consumed, out,
	    sizeof(out), &produced), CHUNKED_ERROR);
	ck_assert_uint_eq(produced, 5);
	ck_assert_uint_eq(consumed, 9);
	ck_assert_ptr_nonnull(d.cd_error);
	ck_assert_int_eq(chunked_decode(&d, "\r\n0\r\n\r\n", 7, &consumed, out,
	    sizeof(out), &produced), CHUNKED_ERROR);
	ck_assert_uint_eq(consumed, 0);
	ck_assert_uint_eq(produced, 0);
}
END_TEST

/* After the last chunk, nothing more is taken. */
START_TEST(test_done_sticks)
{
	struct chunked_decoder	d;
	size_t			consumed, produced;
	char			out[16];

	chunked_init(&d);
	ck_assert_int_eq(chunked_decode(&d, "0\r\n\r\n0\r\n\r\n", 10, &consumed,
	    out, sizeof(out), &produced), CHUNKED_DONE);
	ck_assert_uint_eq(consumed, 5);
	ck_assert_uint_eq(produced, 0);
	ck_assert_ptr_null(d.cd_error);
	ck_assert_int_eq(chunked_decode(&d, "0\r\n\r\n", 5, &consumed, out,
	    sizeof(out), &produced), CHUNKED_DONE);
	ck_assert_uint_eq(consumed, 0);
}
END_TEST

/* A full out buffer stops the data, not the framing. */
START_TEST(test_out_full)
{
	struct chunked_decoder	d;
	size_t			consumed, produced;
	char			out[4];
	const char		*s = "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";

	chunked_init(&d);
	ck_assert_int_eq(chunked_decode(&d, s, strlen(s), &consumed, out, 0,
	    &produced), CHUNKED_MORE);
	ck_assert_uint_eq(consumed, 3);
	ck_assert_uint_eq(produced, 0);
	ck_assert_int_eq(chunked_decode(&d, s + 3, strlen(s) - 3, &consumed,
	    out, 2, &produced), CHUNKED_MORE);
	ck_assert_uint_eq(consumed, 2);
	ck_assert_uint_eq(produced, 2);
	ck_assert_int_eq(memcmp(out, "ab", 2), 0);
	/* "c", its CRLF, the next size line and "de" fill out; what
	   follows is framing only, so the decoder goes on to the end. */
	ck_assert_int_eq(chunked_decode(&d, s + 5, 10, &consumed, out, 3,
	    &produced), CHUNKED_MORE);
	ck_assert_uint_eq(produced, 3);
	ck_assert_int_eq(memcmp(out, "cde", 3), 0);
	ck_assert_uint_eq(consumed, 10);
	ck_assert_int_eq(chunked_decode(&d, s + 15, strlen(s) - 15, &consumed,
	    out, 0, &produced), CHUNKED_DONE);
	ck_assert_uint_eq(consumed, strlen(s) - 15);
	ck_assert_uint_eq(produced, 0);
}
END_TEST

/* Big sizes: the largest is taken, and its data streams through. */
START_TEST(test_big_sizes)
{
	struct chunked_decoder	d;
	size_t			consumed, produced;
	char			out[8];

	chunked_init(&d);
	ck_assert_int_eq(chunked_decode(&d, "7fffffffffffffff\r\nabcdefgh", 26,
	    &consumed, out, sizeof(out), &produced), CHUNKED_MORE);
	ck_assert_uint_eq(consumed, 26);
	ck_assert_uint_eq(produced, 8);
	ck_assert(d.cd_remaining == UINT64_C(0x7fffffffffffffff) - 8);
	chunked_init(&d);
	ck_assert_int_eq(chunked_decode(&d, "40000000;x=y\r\n", 14, &consumed,
	    out, sizeof(out), &produced), CHUNKED_MORE);	/* 1 GiB */
	ck_assert(d.cd_remaining == UINT64_C(1) << 30);
}
END_TEST

START_TEST(test_line_limits)
{
	char			*s = malloc(CHUNKED_MAX_TRAILER + 8192), out[8];
	size_t			 outlen, used, n;
	int			 i;

	/* A size line of exactly CHUNKED_MAX_LINE bytes, then one more. */
	strcpy(s, "5;x=");
	memset(s + 4, 'a', CHUNKED_MAX_LINE - 4);
	strcpy(s + CHUNKED_MAX_LINE, "\r\nhello\r\n0\r\n\r\n");
	ck_assert_int_eq(decode(s, strlen(s), 4096, 8, out, &outlen, &used),
	    CHUNKED_DONE);
	ck_assert_uint_eq(used, strlen(s));
	memset(s + 4, 'a', CHUNKED_MAX_LINE - 3);
	strcpy(s + CHUNKED_MAX_LINE + 1, "\r\nhello\r\n0\r\n\r\n");
	ck_assert_int_eq(decode(s, strlen(s), 4096, 8, out, &outlen, &used),
	    CHUNKED_ERROR);
	ck_assert_uint_eq(used, CHUNKED_MAX_LINE + 1);
	/* A long size line without its end is refused as it arrives. */
	memset(s + 4, 'a', 10000);
	ck_assert_int_eq(decode(s, 10004, 1, 8, out, &outlen, &used),
	    CHUNKED_ERROR);
	/* A trailer line at the limit passes; one byte more does not. */
	strcpy(s, "0\r\nX: ");
	memset(s + 6, 'v', CHUNKED_MAX_LINE - 3);
	strcpy(s + CHUNKED_MAX_LINE + 3, "\r\n\r\n");
	ck_assert_int_eq(decode(s, strlen(s), 4096, 8, out, &outlen, &used),
	    CHUNKED_DONE);
	ck_assert_uint_eq(used, strlen(s));
	memset(s + 6, 'v', CHUNKED_MAX_LINE - 2);
	strcpy(s + CHUNKED_MAX_LINE + 4, "\r\n\r\n");
	ck_assert_int_eq(decode(s, strlen(s), 4096, 8, out, &outlen, &used),
	    CHUNKED_ERROR);
	/* All trailers together: 16 lines of 4096 pass, one byte more not. */
	n = (size_t)sprintf(s, "0\r\n");
	for (i = 0; i < CHUNKED_MAX_TRAILER / CHUNKED_MAX_LINE; i++) {
		n += (size_t)sprintf(s + n, "X%02d: ", i);
		memset(s + n, 'v', CHUNKED_MAX_LINE - 5);
		n += CHUNKED_MAX_LINE - 5;
		n += (size_t)sprintf(s + n, "\r\n");
	}
	strcpy(s + n, "\r\n");
	ck_assert_int_eq(decode(s, n + 2, 4096, 8, out, &outlen, &used),
	    CHUNKED_DONE);
	strcpy(s + n, "Y:\r\n\r\n");
	ck_assert_int_eq(decode(s, n + 6, 4096, 8, out, &outlen, &used),
	    CHUNKED_ERROR);
	free(s);
}
END_TEST

START_TEST(test_header)
{
	char	b[20];

	ck_assert_uint_eq(chunked_header(b, 0), 3);
	ck_assert_int_eq(memcmp(b, "0\r\n", 3), 0);
	ck_assert_uint_eq(chunked_header(b, 1), 3);
	ck_assert_int_eq(memcmp(b, "1\r\n", 3), 0);
	ck_assert_uint_eq(chunked_header(b, 0xabc), 5);
	ck_assert_int_eq(memcmp(b, "abc\r\n", 5), 0);
	ck_assert_uint_eq(chunked_header(b, 65536), 7);
	ck_assert_int_eq(memcmp(b, "10000\r\n", 7), 0);
	ck_assert_uint_eq(chunked_header(b, UINT64_C(0x7fffffffffffffff)), 18);
	ck_assert_int_eq(memcmp(b, "7fffffffffffffff\r\n", 18), 0);
	ck_assert_uint_eq(chunked_header(b, UINT64_MAX), 18);
	ck_assert_int_eq(memcmp(b, "ffffffffffffffff\r\n", 18), 0);
}
END_TEST

/* What chunked_header writes, the decoder reads back. */
START_TEST(test_roundtrip)
{
	char			 s[256], out[256];
	size_t			 n = 0, outlen, used, k;
	enum chunked_status	 st;

	for (k = 1; k <= 20; k += 3) {
		n += chunked_header(s + n, k);
		memset(s + n, (int)('a' + k), k);
		n += k;
		memcpy(s + n, "\r\n", 2);
		n += 2;
	}
	n += chunked_header(s + n, 0);
	memcpy(s + n, "\r\n", 2);
	n += 2;
	st = decode(s, n, 1, 3, out, &outlen, &used);
	ck_assert_int_eq(st, CHUNKED_DONE);
	ck_assert_uint_eq(used, n);
	ck_assert_uint_eq(outlen, 1 + 4 + 7 + 10 + 13 + 16 + 19);
}
END_TEST

Suite *
suite_chunked(void)
{
	Suite	*s = suite_create("chunked");
	TCase	*tc = tcase_create("decode");

	tcase_add_test(tc, test_valid_all_steps);
	tcase_add_loop_test(tc, test_valid_forms, 0,
	    sizeof(valid_forms) / sizeof(valid_forms[0]));
	tcase_add_loop_test(tc, test_invalid, 0,
	    sizeof(invalid) / sizeof(invalid[0]));
	tcase_add_test(tc, test_error_sticks);
	tcase_add_test(tc, test_done_sticks);
	tcase_add_test(tc, test_out_full);
	tcase_add_test(tc, test_big_sizes);
	tcase_add_test(tc, test_line_limits);
	tcase_add_test(tc, test_header);
	tcase_add_test(tc, test_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}
