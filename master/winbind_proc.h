/*
 * What the two halves of master/winbind.c share: the domain checker
 * processes (winbind.c: start, reap, stop, their messages) and the
 * logins they check (winbind_queue.c: the queue, the failure limit's
 * admission, the deadlines). Only those two files include it.
 */
#ifndef RPXD_WINBIND_PROC_H
#define RPXD_WINBIND_PROC_H

#include <sys/types.h>

#include <stdint.h>

#include "config.h"
#include "ipc_reader.h"
#include "ntlm.h"
#include "ntlm_check.h"

struct master;

/* A login: queued with its response, then in a checker without it. */
struct winbind_login {
	uint32_t		 wl_id;		/* 0: a free queue slot */
	uint64_t		 wl_seq;	/* arrival order in the queue */
	unsigned		 wl_slot;
	pid_t			 wl_pid;	/* the worker's */
	int64_t			 wl_deadline;	/* now_ms() */
	struct ntlm_peer	 wl_peer;
	int			 wl_kind;	/* WINBIND_LOGIN_* */
	char			 wl_who[2 * NTLM_NAME_MAX + 2];	/* for the
					   log: DOMAIN\\user as sent, or
					   what a token is */
	unsigned char		*wl_token;	/* KERBEROS, while queued */
	size_t			 wl_toklen;
	char			 wl_user[NTLM_NAME_MAX + 1];
	char			 wl_domain[NTLM_NAME_MAX + 1];
	unsigned char		 wl_challenge[NTLM_CHALLENGE_LEN];
	size_t			 wl_ntlen;
	unsigned char		 wl_nt[NTLM_NT_RESPONSE_MAX];
	char			 wl_spn[RPXD_SPN_MAX];	/* the delegate, or
					   "" */
	int			 wl_spn_unknown;	/* a worker's, which
					   the configuration does not name
					   (any more): not asked for */
};

struct winbind_proc {
	pid_t			 wp_pid;	/* 0: none */
	int			 wp_sock;	/* -1: closed */
	struct ipc_reader	 wp_in;
	time_t			 wp_since;	/* started, or asked to stop */
	int			 wp_overran;	/* killed at a deadline */
	struct winbind_login	 wp_login;	/* wl_id 0: idle */
};

extern struct winbind_proc	wb_procs[RPXD_WINBIND_CHECKERS_MAX];

/* winbind.c */
void	winbind_proc_close(struct winbind_proc *wp);
/* A checker that broke the protocol: logged, killed; its login 503. */
void	winbind_proc_kill(struct master *m, struct winbind_proc *wp,
	    const char *why);

/* winbind_queue.c */
/* The verdict on l for its worker (ntlm_check_verdict); l is then free. */
void	winbind_answer(struct master *m, struct winbind_login *l, int status,
	    const char *text, const struct login_grant *g);
/* The same with no verdict: 503 and why. */
void	winbind_fail(struct master *m, struct winbind_login *l,
	    const char *why);
/* Idle checkers take the oldest queued logins they may. */
void	winbind_dispatch_queue(struct master *m);
/* Every queued login gets 503 with why. */
void	winbind_queue_fail_all(struct master *m, const char *why);

#endif
