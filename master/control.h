/*
 * The control socket (control.c) and its commands (control_cmd.c,
 * control_status.c, control_config.c), for rpxctl.
 */
#ifndef RPXD_CONTROL_H
#define RPXD_CONTROL_H

#include <poll.h>
#include <time.h>

#include "config.h"
#include "strbuf.h"

#define CONTROL_CONNS_MAX	8	/* at once; more wait in the backlog */
#define CONTROL_LINE_MAX	256	/* a request line */

enum control_action {
	CONTROL_ACTION_NONE = 0,
	CONTROL_ACTION_STOP,	/* once the answer is sent */
	CONTROL_ACTION_UPGRADE,
	CONTROL_ACTION_WAIT	/* the answer comes from epcheck.c */
};

struct control_conn {
	int		 cc_fd;		/* -1: slot free */
	time_t		 cc_deadline;
	char		 cc_in[CONTROL_LINE_MAX + 2];
	size_t		 cc_inlen;
	int		 cc_answering;	/* the request is read */
	struct strbuf	 cc_out;
	size_t		 cc_outoff;
	int		 cc_action;	/* enum control_action */
	int		 cc_waiting;	/* for check-backends (epcheck.c) */
};

struct master;

/* control.c */
void	 control_init(struct master *m);
void	 control_start(struct master *m);	/* fatal on failure */
void	 control_reload(struct master *m);
void	 control_shutdown(struct master *m);
unsigned control_pollfds(struct master *m, struct pollfd *pfd);
void	 control_events(struct master *m, const struct pollfd *pfd,
	    unsigned n);
void	 control_expire(struct master *m);
int	 control_busy(const struct master *m);	/* answers not yet sent */
/* check-backends: are clients waiting; answer them all with report
 * (NULL: there is nothing to check any more) */
int	 control_waiting(const struct master *m);
void	 control_answer_waiting(struct master *m, const struct strbuf *report);

/* control_cmd.c: run one request line; the answer goes to out. */
void	 control_command(struct master *m, char *line, struct strbuf *out,
	    int *action);

/* control_status.c */
void	 control_status(struct master *m, int json, struct strbuf *out);

/* control_config.c: the running configuration in rpxd.conf syntax or
 * as JSON. */
void	 control_show_config(const struct rpxd_conf *c, int json,
	    struct strbuf *out);

#endif
