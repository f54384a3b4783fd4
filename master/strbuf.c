/*
 * The control socket's answer buffer and its JSON and rpxd.conf string
 * writers (strbuf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void
strbuf_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void
strbuf_free(struct strbuf *sb)
{
	free(sb->sb_buf);
	strbuf_init(sb);
}

static int
strbuf_reserve(struct strbuf *sb, size_t more)
{
	size_t	 cap;
	char	*p;

	if (sb->sb_failed)
		return -1;
	if (sb->sb_len + more + 1 <= sb->sb_cap)
		return 0;
	if (sb->sb_len + more + 1 > STRBUF_MAX) {
		sb->sb_failed = 1;
		return -1;
	}
	for (cap = sb->sb_cap ? sb->sb_cap : 4096; cap < sb->sb_len + more + 1;
	    cap *= 2)
		;
	if (cap > STRBUF_MAX)
		cap = STRBUF_MAX;
	if ((p = realloc(sb->sb_buf, cap)) == NULL) {
		sb->sb_failed = 1;
		return -1;
	}
	sb->sb_buf = p;
	sb->sb_cap = cap;
	return 0;
}

void
strbuf_add(struct strbuf *sb, const char *s, size_t len)
{
	if (strbuf_reserve(sb, len) == -1)
		return;
	memcpy(sb->sb_buf + sb->sb_len, s, len);
	sb->sb_len += len;
	sb->sb_buf[sb->sb_len] = '\0';
}

void
strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list	ap;
	char	small[512];
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->sb_failed = 1;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		strbuf_add(sb, small, (size_t)n);
		return;
	}
	if (strbuf_reserve(sb, (size_t)n) == -1)
		return;
	va_start(ap, fmt);
	vsnprintf(sb->sb_buf + sb->sb_len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->sb_len += (size_t)n;
}

void
strbuf_conf_str(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, "\"", 1);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_add(sb, "\\", 1);
		strbuf_add(sb, s, 1);
	}
	strbuf_add(sb, "\"", 1);
}

void
json_init(struct json *js, struct strbuf *sb)
{
	memset(js, 0, sizeof(*js));
	js->js_sb = sb;
}

/* A JSON string: quotes, and escapes for '"', '\' and controls; with
 * ascii, for every byte above 0x7e too. */
static void
json_quote(struct strbuf *sb, const char *v, int ascii)
{
	const unsigned char	*p;
	char			 esc[8];

	strbuf_add(sb, "\"", 1);
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			strbuf_add(sb, esc, 2);
		} else if (*p < 0x20 || *p == 0x7f || (ascii && *p > 0x7f)) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			strbuf_add(sb, esc, 6);
		} else
			strbuf_add(sb, (const char *)p, 1);
	}
	strbuf_add(sb, "\"", 1);
}

/* The comma before a member and its key, if any. */
static void
json_member(struct json *js, const char *key)
{
	if (js->js_count[js->js_depth]++ > 0)
		strbuf_add(js->js_sb, ",", 1);
	if (key != NULL) {
		json_quote(js->js_sb, key, 0);
		strbuf_add(js->js_sb, ":", 1);
	}
}

static void
json_open(struct json *js, const char *key, const char *open)
{
	json_member(js, key);
	strbuf_add(js->js_sb, open, 1);
	if (js->js_depth + 1 >= JSON_DEPTH_MAX) {
		js->js_sb->sb_failed = 1;
		return;
	}
	js->js_count[++js->js_depth] = 0;
}

void
json_object(struct json *js, const char *key)
{
	json_open(js, key, "{");
}

void
json_array(struct json *js, const char *key)
{
	json_open(js, key, "[");
}

void
json_end(struct json *js, char close)
{
	strbuf_add(js->js_sb, &close, 1);
	if (js->js_depth > 0)
		js->js_depth--;
}

void
json_str(struct json *js, const char *key, const char *v)
{
	json_member(js, key);
	json_quote(js->js_sb, v, 0);
}

void
json_str_ascii(struct json *js, const char *key, const char *v)
{
	json_member(js, key);
	json_quote(js->js_sb, v, 1);
}

void
json_int(struct json *js, const char *key, long long v)
{
	json_member(js, key);
	strbuf_printf(js->js_sb, "%lld", v);
}

void
json_bool(struct json *js, const char *key, int v)
{
	json_member(js, key);
	strbuf_printf(js->js_sb, "%s", v ? "true" : "false");
}

void
json_null(struct json *js, const char *key)
{
	json_member(js, key);
	strbuf_add(js->js_sb, "null", 4);
}
