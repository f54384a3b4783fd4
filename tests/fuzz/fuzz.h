/*
 * What the libFuzzer harnesses of tests/fuzz/ share: an assertion that
 * stays on in every build (a failed property is a crash for libFuzzer)
 * and a check that a pointer into a parsed buffer stays inside it.
 */
#ifndef RPXD_FUZZ_H
#define RPXD_FUZZ_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_ASSERT(e) do {						\
	if (!(e)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",		\
		    __FILE__, __LINE__, #e);				\
		abort();						\
	}								\
} while (0)

/* Does p[0..len) lie within buf[0..buflen)? (len 0: p may be anything
 * inside or just past the end, or NULL.) */
static inline int
fuzz_inside(const char *buf, size_t buflen, const char *p, size_t len)
{
	if (p == NULL)
		return len == 0;
	return p >= buf && p <= buf + buflen &&
	    len <= (size_t)(buf + buflen - p);
}

#endif
