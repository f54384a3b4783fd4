/*
 * The strict JSON validator of json_check.h: a recursive descent over
 * RFC 8259's grammar, for the fuzz harnesses only (fuzz_status.c).
 */
#include <string.h>

#include "json_check.h"

#define DEPTH_MAX	64

struct jp {
	const unsigned char	*p;
	const unsigned char	*end;
	int			 depth;
};

static int	value(struct jp *j);

static void
ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int
lit(struct jp *j, const char *w)
{
	size_t	n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
		return 0;
	j->p += n;
	return 1;
}

/* One UTF-8 sequence, strictly (no overlong form, no surrogate). */
static int
utf8(struct jp *j)
{
	const unsigned char	*p = j->p;
	unsigned		 c = *p, n, i;
	unsigned long		 cp;

	if (c < 0x80)
		n = 0, cp = c;
	else if (c >= 0xc2 && c <= 0xdf)
		n = 1, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3, cp = c & 0x07;
	else
		return 0;
	if ((size_t)(j->end - p) <= n)
		return 0;
	for (i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	j->p += n + 1;
	return 1;
}

static int
string(struct jp *j)
{
	unsigned	i;

	if (!lit(j, "\""))
		return 0;
	while (j->p < j->end && *j->p != '"') {
		if (*j->p < 0x20)
			return 0;
		if (*j->p == '\\') {
			if (++j->p == j->end)
				return 0;
			if (*j->p == 'u') {
				for (i = 1; i <= 4; i++)
					if (j->p + i >= j->end ||
					    strchr("0123456789abcdefABCDEF",
					    j->p[i]) == NULL || j->p[i] == 0)
						return 0;
				j->p += 5;
			} else if (strchr("\"\\/bfnrt", *j->p) != NULL &&
			    *j->p != 0)
				j->p++;
			else
				return 0;
		} else if (!utf8(j))
			return 0;
	}
	return lit(j, "\"");
}

static int
digits(struct jp *j)
{
	const unsigned char	*s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s;
}

static int
number(struct jp *j)
{
	lit(j, "-");
	if (lit(j, "0"))
		;
	else if (j->p < j->end && *j->p >= '1' && *j->p <= '9')
		digits(j);
	else
		return 0;
	if (lit(j, ".") && !digits(j))
		return 0;
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (!lit(j, "+"))
			lit(j, "-");
		if (!digits(j))
			return 0;
	}
	return 1;
}

/* An object or array: members separated by commas until close. */
static int
container(struct jp *j, int object)
{
	char	close = object ? '}' : ']';

	if (++j->depth > DEPTH_MAX)
		return 0;
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return 1;
	}
	for (;;) {
		ws(j);
		if (object) {
			if (!string(j))
				return 0;
			ws(j);
			if (!lit(j, ":"))
				return 0;
		}
		if (!value(j))
			return 0;
		ws(j);
		if (lit(j, ","))
			continue;
		if (j->p < j->end && *j->p == close) {
			j->p++;
			j->depth--;
			return 1;
		}
		return 0;
	}
}

static int
value(struct jp *j)
{
	ws(j);
	if (j->p == j->end)
		return 0;
	switch (*j->p) {
	case '{':
		return container(j, 1);
	case '[':
		return container(j, 0);
	case '"':
		return string(j);
	case 't':
		return lit(j, "true");
	case 'f':
		return lit(j, "false");
	case 'n':
		return lit(j, "null");
	default:
		return number(j);
	}
}

int
json_check(const char *s, size_t len)
{
	struct jp	j = { (const unsigned char *)s,
			    (const unsigned char *)s + len, 0 };

	if (!value(&j))
		return 0;
	ws(&j);
	return j.p == j.end;
}
