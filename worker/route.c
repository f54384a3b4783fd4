/*
 * Routing (see route.h): Host normalization, the decoded-path checks that
 * keep a published prefix from being escaped, and the choice of the most
 * specific route of a listener.
 */
#include <string.h>

#include "http.h"
#include "route.h"

/* ASCII only: a worker's locale must not change what a host or path is. */
static int
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

static char
to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int
host_port_ok(const char *p, size_t len)
{
	unsigned long	v = 0;
	size_t		i;

	if (len == 0 || len > 5)
		return 0;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return 0;
		v = v * 10 + (unsigned long)(p[i] - '0');
	}
	return v <= 65535;
}

int
route_host_normalize(const char *host, size_t len, char *out, size_t outlen)
{
	size_t		i, hl;
	const char	*colon;

	if (len == 0)
		return -1;
	if (host[0] == '[') {
		const char *close = memchr(host, ']', len);

		if (close == NULL || close == host + 1)
			return -1;
		hl = (size_t)(close - host) + 1;
		for (i = 1; i < hl - 1; i++)
			if (http_hexval((unsigned char)host[i]) < 0 &&
			    host[i] != ':' && host[i] != '.')
				return -1;
		if (memchr(host, ':', hl) == NULL)
			return -1;	/* not an IPv6 address */
		if (hl < len && (host[hl] != ':' ||
		    !host_port_ok(host + hl + 1, len - hl - 1)))
			return -1;
	} else {
		colon = memchr(host, ':', len);
		hl = colon ? (size_t)(colon - host) : len;
		if (colon && !host_port_ok(colon + 1, len - hl - 1))
			return -1;
		for (i = 0; i < hl; i++)
			if (!is_alnum((unsigned char)host[i]) &&
			    host[i] != '-' && host[i] != '.' && host[i] != '_')
				return -1;
		if (hl > 1 && host[hl - 1] == '.')
			hl--;	/* "example.com." names "example.com" */
		/* No empty label: not first, not last, not "..". */
		if (hl == 0 || host[0] == '.' || host[hl - 1] == '.')
			return -1;
		for (i = 1; i < hl; i++)
			if (host[i] == '.' && host[i - 1] == '.')
				return -1;
	}
	if (hl >= outlen)
		return -1;
	for (i = 0; i < hl; i++)
		out[i] = to_lower(host[i]);
	out[hl] = '\0';
	return 0;
}

/*
 * Is there a "." or ".." segment in the decoded path? A segment is also
 * read up to a ';' only: Tomcat and Jetty take "..;x" for "..".
 */
static int
has_dot_segment(const char *p, size_t len)
{
	size_t	i = 0, s, e;

	while (i < len) {
		s = ++i;	/* past the '/' */
		while (i < len && p[i] != '/')
			i++;
		for (e = s; e < i && p[e] != ';'; e++)
			;
		if ((e - s == 1 && p[s] == '.') ||
		    (e - s == 2 && p[s] == '.' && p[s + 1] == '.'))
			return 1;
	}
	return 0;
}

int
route_path_decode(const char *target, size_t len, char *out, size_t outlen,
    const char **why)
{
	size_t		i, o = 0;
	int		hi, lo;
	unsigned char	c;

	if (len == 0 || target[0] != '/') {
		*why = "path does not start with /";
		return -1;
	}
	for (i = 0; i < len && target[i] != '?'; i++) {
		c = (unsigned char)target[i];
		if (c == '%') {
			if (i + 2 >= len) {
				*why = "malformed percent-escape in path";
				return -1;
			}
			hi = http_hexval((unsigned char)target[i + 1]);
			lo = http_hexval((unsigned char)target[i + 2]);
			if (hi < 0 || lo < 0) {
				*why = "malformed percent-escape in path";
				return -1;
			}
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f) {
			*why = "control byte or NUL in path";
			return -1;
		}
		if (c == '\\') {
			*why = "backslash in path";
			return -1;
		}
		if (o + 1 >= outlen) {
			*why = "path too long";
			return -1;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	if (has_dot_segment(out, o)) {
		*why = "dot segment in path";
		return -1;
	}
	return 0;
}

/* Length of the literal part of a pattern; *prefix if it ends in "/ *". */
static size_t
pattern_literal(const char *pattern, int *prefix)
{
	size_t	len = strlen(pattern);

	*prefix = len >= 2 && strcmp(pattern + len - 2, "/*") == 0;
	return *prefix ? len - 2 : len;
}

/* 0 if the first n bytes are equal (ASCII case folded with icase). */
static int
prefix_cmp(const char *a, const char *b, size_t n, int icase)
{
	size_t	i;

	if (!icase)
		return memcmp(a, b, n);
	for (i = 0; i < n; i++)
		if (to_lower(a[i]) != to_lower(b[i]))
			return 1;
	return 0;
}

int
route_path_matches(const char *pattern, int icase, const char *path)
{
	int	prefix;
	size_t	n = pattern_literal(pattern, &prefix), plen = strlen(path);

	if (!prefix)
		return plen == n && prefix_cmp(pattern, path, n, icase) == 0;
	if (n == 0)
		return 1;	/* "/ *": everything */
	if (plen < n || prefix_cmp(pattern, path, n, icase) != 0)
		return 0;
	return plen == n || path[n] == '/';
}

/* 2: exact host, 1: wildcard, 0: route without hosts, -1: no match. */
static int
host_rank(const struct route_conf *rt, const char *host)
{
	unsigned	i;
	int		best = -1;
	size_t		hl, sl;

	if (rt->rt_nhosts == 0)
		return 0;
	if (host == NULL || host[0] == '\0')
		return -1;
	hl = strlen(host);
	for (i = 0; i < rt->rt_nhosts; i++) {
		const char *pat = rt->rt_hosts[i];

		if (strcmp(pat, host) == 0)
			return 2;
		if (pat[0] == '*' && pat[1] == '.') {
			sl = strlen(pat + 1);	/* ".example.com" */
			/* one more non-empty label: "example.com" and
			   ".example.com" do not match "*.example.com" */
			if (hl > sl && host[hl - sl - 1] != '.' &&
			    strcmp(host + hl - sl, pat + 1) == 0)
				best = 1;
		}
	}
	return best;
}

int
route_match(const struct listener_conf *ls, const char *host,
    const char *path)
{
	unsigned	i;
	int		best = -1, rank, prefix;
	long		score, best_score = -1;
	size_t		n;

	for (i = 0; i < ls->ls_nroutes; i++) {
		const struct route_conf *rt = &ls->ls_routes[i];

		if ((rank = host_rank(rt, host)) < 0 ||
		    !route_path_matches(rt->rt_path, rt->rt_path_icase, path))
			continue;
		n = pattern_literal(rt->rt_path, &prefix);
		/* host rank first, then literal length, then exactness */
		score = (long)rank * 4 * (RPXD_PATH_MAX + 1) +
		    (long)n * 2 + (prefix ? 0 : 1);
		if (score > best_score) {
			best_score = score;
			best = (int)i;
		}
	}
	return best != -1 ? best : ls->ls_default_route;
}
