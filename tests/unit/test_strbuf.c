/*
 * The control socket's answer writers (master/strbuf.c): JSON commas and
 * escapes, rpxd.conf quoting, and the size bound.
 */
#include <string.h>

#include "unit.h"
#include "../../master/strbuf.h"

START_TEST(json_commas_and_nesting)
{
	struct strbuf	sb;
	struct json	js;

	strbuf_init(&sb);
	json_init(&js, &sb);
	json_object(&js, NULL);
	json_int(&js, "a", -3);
	json_array(&js, "b");
	json_str(&js, NULL, "x");
	json_bool(&js, NULL, 1);
	json_object(&js, NULL);
	json_null(&js, "c");
	json_end(&js, '}');
	json_end(&js, ']');
	json_array(&js, "d");
	json_end(&js, ']');
	json_end(&js, '}');
	ck_assert_str_eq(sb.sb_buf,
	    "{\"a\":-3,\"b\":[\"x\",true,{\"c\":null}],\"d\":[]}");
	ck_assert_int_eq(sb.sb_failed, 0);
	strbuf_free(&sb);
}
END_TEST

START_TEST(json_escapes)
{
	struct strbuf	sb;
	struct json	js;

	strbuf_init(&sb);
	json_init(&js, &sb);
	json_str(&js, NULL, "q\"b\\c\n\x01\x7f\xc3\xa9");
	ck_assert_str_eq(sb.sb_buf,
	    "\"q\\\"b\\\\c\\u000a\\u0001\\u007f\xc3\xa9\"");
	strbuf_free(&sb);
}
END_TEST

START_TEST(conf_quoting)
{
	struct strbuf	sb;

	strbuf_init(&sb);
	strbuf_conf_str(&sb, "a\"b\\c");
	ck_assert_str_eq(sb.sb_buf, "\"a\\\"b\\\\c\"");
	strbuf_free(&sb);
}
END_TEST

START_TEST(bounded)
{
	struct strbuf	sb;
	static char	chunk[1024 * 1024];
	unsigned	i;

	memset(chunk, 'x', sizeof(chunk));
	strbuf_init(&sb);
	for (i = 0; i < STRBUF_MAX / sizeof(chunk) + 1; i++)
		strbuf_add(&sb, chunk, sizeof(chunk));
	ck_assert_int_eq(sb.sb_failed, 1);
	ck_assert_uint_lt(sb.sb_len, STRBUF_MAX);
	strbuf_printf(&sb, "%s", "more");	/* ignored once failed */
	ck_assert_uint_lt(sb.sb_len, STRBUF_MAX);
	strbuf_free(&sb);
	strbuf_printf(&sb, "%0600d", 7);	/* longer than printf's buffer */
	ck_assert_uint_eq(sb.sb_len, 600);
	ck_assert_int_eq(sb.sb_buf[599], '7');
	strbuf_free(&sb);
}
END_TEST

Suite *
suite_strbuf(void)
{
	Suite	*s = suite_create("strbuf");
	TCase	*tc = tcase_create("writers");

	tcase_add_test(tc, json_commas_and_nesting);
	tcase_add_test(tc, json_escapes);
	tcase_add_test(tc, conf_quoting);
	tcase_add_test(tc, bounded);
	suite_add_tcase(s, tc);
	return s;
}
