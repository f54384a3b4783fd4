/*
 * Reading what a less trusted process wrote into a shared map (a worker's
 * scoreboard slot, the checker's board entries) for rpxctl status: times
 * clamped so that no subtraction overflows, counts bounded to what JSON
 * and a signed integer hold, and strings bounded by their field and
 * escaped, so that a lying slot shows as odd text, never as a crash, an
 * escape sequence on the operator's terminal or invalid JSON. Called by
 * control_status.c.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "master.h"

/* A time() value from a shared map, within [0, now]. */
long long
board_time(int64_t t, int64_t now)
{
	if (t < 0 || now < 0)
		return 0;
	return t > now ? (long long)now : (long long)t;
}

/* Seconds from since to now, 0 when since is not a time before now
 * (both are then within [0, now]: the subtraction cannot overflow). */
long long
board_age(int64_t now, int64_t since)
{
	if (now < 0 || since < 0 || since > now)
		return 0;
	return (long long)(now - since);
}

long long
board_count(uint64_t v)
{
	return v > (uint64_t)LLONG_MAX ? LLONG_MAX : (long long)v;
}

/* a + b without wrapping. */
unsigned long long
board_add(unsigned long long a, uint64_t b)
{
	return a > ULLONG_MAX - b ? ULLONG_MAX : a + b;
}

/*
 * The string in a field of len bytes, up to its first NUL or its end
 * (it may have none), into out (at least len + 1 bytes).
 */
void
board_string(const volatile char *field, size_t len, char *out)
{
	size_t	i;

	for (i = 0; i < len && field[i] != '\0'; i++)
		out[i] = field[i];
	out[i] = '\0';
}

/* For the table: bytes outside printable ASCII, and '\', as \xNN; out
 * holds BOARD_TEXT_SIZE(strlen(s)) bytes. */
void
board_text(const char *s, char *out, size_t outlen)
{
	const unsigned char	*p;
	size_t			 n = 0;

	if (outlen == 0)
		return;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '\\') {
			if (n + 1 >= outlen)
				break;
			out[n++] = (char)*p;
		} else {
			if (n + 4 >= outlen)
				break;
			snprintf(out + n, 5, "\\x%02x", *p);
			n += 4;
		}
	}
	out[n] = '\0';
}
