/*
 * Routing: listener + Host + path -> route. Also the checks that make path
 * prefixes safe to publish: the path is decoded and refused if it could be
 * read as another path by the backend (dot segments, backslashes, NUL).
 */
#ifndef RPXD_ROUTE_H
#define RPXD_ROUTE_H

#include <stddef.h>

#include "config.h"

/*
 * Check a Host value (reg-name, IPv4 or [IPv6], optional :port) and write
 * the lower-case host without the port to out. Returns 0, or -1 if the
 * value is not a valid host.
 */
int	route_host_normalize(const char *host, size_t len, char *out,
	    size_t outlen);

/*
 * Percent-decode the path part of an origin-form target (up to '?') into
 * out. Returns 0, or -1 with *why set if it is malformed (bad escape,
 * decoded NUL or control byte, backslash, "." or ".." segment).
 */
int	route_path_decode(const char *target, size_t len, char *out,
	    size_t outlen, const char **why);

/*
 * The route for a normalized host (NULL/"" when the request has none) and
 * a decoded path. Most specific wins: exact host over wildcard over any
 * host, then the longest path prefix; an exact path beats a prefix of the
 * same length. Falls back to the listener's default route; -1 if none.
 */
int	route_match(const struct listener_conf *ls, const char *host,
	    const char *path);

/* Does a route path pattern (all, prefix or exact) match path? */
int	route_path_matches(const char *pattern, int icase, const char *path);

#endif
