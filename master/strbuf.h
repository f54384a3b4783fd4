/*
 * A growing text buffer for the control socket's answers, with writers
 * for JSON values and for strings in rpxd.conf syntax. Bounded: past
 * STRBUF_MAX bytes (or when memory runs out) it stops growing and says so.
 */
#ifndef RPXD_STRBUF_H
#define RPXD_STRBUF_H

#include <stddef.h>

#define STRBUF_MAX	(8u * 1024 * 1024)
#define JSON_DEPTH_MAX	16

struct strbuf {
	char	*sb_buf;	/* NUL-terminated once anything was added */
	size_t	 sb_len;
	size_t	 sb_cap;
	int	 sb_failed;	/* too large or out of memory */
};

void	strbuf_init(struct strbuf *sb);
void	strbuf_free(struct strbuf *sb);
void	strbuf_add(struct strbuf *sb, const char *s, size_t len);
void	strbuf_printf(struct strbuf *sb, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* A string in double quotes with '"' and '\' escaped (rpxd.conf). */
void	strbuf_conf_str(struct strbuf *sb, const char *s);

/*
 * A JSON writer that places the commas: keys are given inside objects and
 * NULL inside arrays.
 */
struct json {
	struct strbuf	*js_sb;
	int		 js_depth;
	int		 js_count[JSON_DEPTH_MAX];	/* members so far */
};

void	json_init(struct json *js, struct strbuf *sb);
void	json_object(struct json *js, const char *key);
void	json_array(struct json *js, const char *key);
void	json_end(struct json *js, char close);	/* '}' or ']' */
void	json_str(struct json *js, const char *key, const char *v);
/* A string from a less trusted process: every byte outside printable
 * ASCII as \u00NN, so the output is valid JSON even for invalid UTF-8. */
void	json_str_ascii(struct json *js, const char *key, const char *v);
void	json_int(struct json *js, const char *key, long long v);
void	json_bool(struct json *js, const char *key, int v);
void	json_null(struct json *js, const char *key);

#endif
