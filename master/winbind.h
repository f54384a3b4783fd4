/*
 * ntlm-source = "winbind": the master's side of the domain checkers
 * (rpxd-winbind), in winbind.c. ntlm_check.c submits logins and gets the
 * verdicts back through ntlm_check_verdict; main.c, pool.c's reaper,
 * reload.c and shutdown.c run the processes.
 */
#ifndef RPXD_WINBIND_H
#define RPXD_WINBIND_H

#include <sys/types.h>

#include <poll.h>
#include <stdint.h>

#include "ntlm.h"
#include "ntlm_check.h"

struct master;
struct msgbuf;
struct rpxd_conf;

int	 winbind_needed(const struct rpxd_conf *conf);
void	 winbind_init(struct master *m);
void	 winbind_launch(struct master *m);
void	 winbind_maintain(struct master *m);
void	 winbind_reload(struct master *m);
void	 winbind_shutdown(struct master *m);
void	 winbind_kill_all(int sig);
int	 winbind_alive(void);
/* rpxctl log: the new level, dropped for a checker whose socket is full
 * (a checker busy with the domain reads it after its login). */
void	 winbind_send_level(struct master *m, const struct msgbuf *mb);
/* 1 if pid was a checker (now reaped), else 0. */
int	 winbind_reaped(struct master *m, pid_t pid, int status);
/* The checkers' sockets for the loop's poll, idx[] for dispatch. */
nfds_t	 winbind_pollfds(struct pollfd *pfd, unsigned *idx, nfds_t max);
void	 winbind_dispatch(struct master *m, unsigned idx);
/* The logins' deadlines and the checkers' partial frames: the next
 * deadline of each, or 0. */
int64_t	 winbind_expire(struct master *m, int64_t now);
int64_t	 winbind_frames_expire(struct master *m, int64_t now);

/*
 * A login of the worker pid in slot, from client p, with the challenge
 * the master minted: queued for a checker (the verdict comes later
 * through ntlm_check_verdict), or answered 503 at once if the queue is
 * full (when full, an address holding more places than this login's
 * loses its newest one to it instead). spn: the route's delegate, for
 * which the checker then gets the user a Kerberos ticket ("" for none;
 * one the configuration does not name is not asked for, and the answer
 * says so).
 */
void	 winbind_submit(struct master *m, unsigned slot, pid_t pid,
	    const struct ntlm_peer *p, const struct ntlm_auth *a,
	    const unsigned char challenge[NTLM_CHALLENGE_LEN], const char *spn);
#define WINBIND_QUEUE_MAX	256	/* logins waiting for a checker */

/* The same for a Kerberos token (Authorization: Negotiate). */
void	 winbind_submit_kerberos(struct master *m, unsigned slot, pid_t pid,
	    const struct ntlm_peer *p, const unsigned char *tok, size_t len,
	    const char *spn);
/* Whether that worker's login is queued or being checked. */
int	 winbind_pending(unsigned slot, pid_t pid);
/* That worker is gone: its queued login is dropped. */
void	 winbind_worker_gone(unsigned slot, pid_t pid);
/* How many logins wait for a checker. */
unsigned winbind_queued(void);

/* winbind_status.c: what rpxctl status and the metrics show. */
struct winbind_counts {
	unsigned	wc_running;	/* checkers with a socket */
	unsigned	wc_busy;	/* ... checking a login */
	unsigned	wc_queued;	/* logins waiting for one */
	unsigned	wc_queue_max;
};
struct strbuf;
struct json;
void	 winbind_counts(struct winbind_counts *wc);
void	 winbind_status_text(const struct master *m, struct strbuf *out);
void	 winbind_status_json(const struct master *m, struct json *js);

#endif
