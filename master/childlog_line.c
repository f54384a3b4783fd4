/*
 * A child's stderr cut into lines for the master's stderr (childlog.c):
 * each line gets the child's program and pid in front, as the master
 * knows them, so that no child can write a line that looks like the
 * master's or another child's; every byte outside printable ASCII is
 * written as \xNN, so that nothing reaches the operator's terminal as a
 * control sequence; and a line is kept to CHILDLOG_LINE_MAX bytes. Pure,
 * for the unit tests.
 */
#include <stdio.h>
#include <string.h>

#include "childlog.h"

#define CHILDLOG_CUT	" [truncated]"

void
childlog_buf_init(struct childlog_buf *cb, const char *ident, long pid)
{
	memset(cb, 0, sizeof(*cb));
	snprintf(cb->cb_ident, sizeof(cb->cb_ident), "%s", ident);
	cb->cb_pid = pid;
}

/*
 * The child's own log.c starts its lines with "tag[pid]: " (the tag is
 * the configured syslog-tag): with the true pid that says nothing the
 * master's prefix does not, so it is left out rather than doubled. Any
 * other start stays, behind the master's prefix.
 */
static size_t
own_prefix(const struct childlog_buf *cb)
{
	const unsigned char	*p = cb->cb_line;
	char			 pid[32];
	size_t			 i = 0, n;

	while (i < cb->cb_len && i < 64 && p[i] > ' ' && p[i] < 0x7f &&
	    p[i] != '[')
		i++;
	n = (size_t)snprintf(pid, sizeof(pid), "[%ld]: ", cb->cb_pid);
	if (i == 0 || cb->cb_len - i < n || memcmp(p + i, pid, n) != 0)
		return 0;
	return i + n;
}

size_t
childlog_format(const struct childlog_buf *cb, char *out, size_t outlen)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i, len;
	unsigned char		c;
	int			n;

	if (outlen < CHILDLOG_OUT_MAX)
		return 0;
	n = snprintf(out, outlen, "%s[%ld]: ", cb->cb_ident, cb->cb_pid);
	len = n > 0 ? (size_t)n : 0;
	for (i = own_prefix(cb); i < cb->cb_len; i++) {
		c = cb->cb_line[i];
		if (c >= 0x20 && c < 0x7f) {
			out[len++] = (char)c;
			continue;
		}
		out[len++] = '\\';
		out[len++] = 'x';
		out[len++] = hex[c >> 4];
		out[len++] = hex[c & 0xf];
	}
	if (cb->cb_cut > 0) {
		memcpy(out + len, CHILDLOG_CUT, sizeof(CHILDLOG_CUT) - 1);
		len += sizeof(CHILDLOG_CUT) - 1;
	}
	out[len] = '\0';
	return len;
}

static void
emit(struct childlog_buf *cb, childlog_out *out, void *arg)
{
	char	line[CHILDLOG_OUT_MAX];

	childlog_format(cb, line, sizeof(line));
	out(arg, line);
	cb->cb_len = 0;
	cb->cb_cut = 0;
}

void
childlog_feed(struct childlog_buf *cb, const void *data, size_t n,
    childlog_out *out, void *arg)
{
	const unsigned char	*p = data, *nl;
	size_t			 take, room;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		take = nl != NULL ? (size_t)(nl - p) : n;
		room = sizeof(cb->cb_line) - cb->cb_len;
		if (take <= room) {
			memcpy(cb->cb_line + cb->cb_len, p, take);
			cb->cb_len += take;
		} else {
			memcpy(cb->cb_line + cb->cb_len, p, room);
			cb->cb_len += room;
			cb->cb_cut += take - room;
		}
		if (nl == NULL)
			return;
		emit(cb, out, arg);
		p += take + 1;
		n -= take + 1;
	}
}

/* At the end of the stream: a last line without its newline. */
void
childlog_flush(struct childlog_buf *cb, childlog_out *out, void *arg)
{
	if (cb->cb_len > 0 || cb->cb_cut > 0)
		emit(cb, out, arg);
}
