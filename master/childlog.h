/*
 * What the children write to stderr in the foreground (-d), relayed by
 * the master (childlog.c, childlog_line.c): each child gets its own pipe
 * instead of the master's stderr, and the master copies what arrives,
 * line by line, prefixed with the child's program and pid, escaped and
 * bounded, without ever waiting for a child. Included by master.h.
 */
#ifndef RPXD_CHILDLOG_H
#define RPXD_CHILDLOG_H

#include <sys/types.h>
#include <poll.h>
#include <stddef.h>

#include "config.h"

/* Bytes of one line kept; the rest of a longer line is dropped. A line
 * the children's log.c writes is never longer (SYSLOG_DGRAM_MAX). */
#define CHILDLOG_LINE_MAX	1024
/* A formatted line: the prefix, every byte escaped, the cut mark. */
#define CHILDLOG_OUT_MAX	(64 + 4 * CHILDLOG_LINE_MAX + 16)
/* Children whose pipes the master reads at once: those of its tables,
 * twice, for an upgraded image still reading the old one's. */
#define CHILDLOG_MAX		(2 * (RPXD_MAX_WORKERS + 256 + 64 + 8))

/* One child's stream, cut into lines (childlog_line.c). */
struct childlog_buf {
	char		 cb_ident[16];	/* "rpxd-worker", ... */
	long		 cb_pid;
	unsigned char	 cb_line[CHILDLOG_LINE_MAX];
	size_t		 cb_len;
	size_t		 cb_cut;	/* bytes of this line dropped */
};

typedef void	 childlog_out(void *arg, const char *line);

void	 childlog_buf_init(struct childlog_buf *cb, const char *ident,
	    long pid);
void	 childlog_feed(struct childlog_buf *cb, const void *data, size_t n,
	    childlog_out *out, void *arg);
void	 childlog_flush(struct childlog_buf *cb, childlog_out *out,
	    void *arg);
size_t	 childlog_format(const struct childlog_buf *cb, char *out,
	    size_t outlen);

/* childlog.c, the master's side */
struct master;
pid_t	 child_fork(const struct master *m, const char *ident);
int	 childlog_pipe(const struct master *m, const char *ident, int *wfd);
void	 childlog_owner(int slot, pid_t pid);
void	 childlog_drop(int slot);
nfds_t	 childlog_pollfds(struct pollfd *pfd, nfds_t max);
void	 childlog_events(const struct pollfd *pfd, nfds_t n);
void	 childlog_drain(void);
void	 childlog_export(int on);
void	 childlog_adopt(void);

#endif
