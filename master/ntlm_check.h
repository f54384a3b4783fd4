/*
 * auth = ntlm on the master's side: the challenges it mints for workers'
 * client connections (ntlm_challenge.c) and the checks of the answers,
 * with the failure limit and delay (ntlm_check.c). pool.c hands it the
 * workers' NTLM messages; main.c's loop calls ntlm_check_tick.
 */
#ifndef RPXD_NTLM_CHECK_H
#define RPXD_NTLM_CHECK_H

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include "config.h"
#include "ntlm.h"

/* The client a challenge was minted for, as its connection says. */
struct ntlm_peer {
	int		 np_family;	/* AF_INET or AF_INET6 */
	unsigned char	 np_key[16];	/* IPv4: 4 bytes; IPv6: its /64 */
	char		 np_text[INET6_ADDRSTRLEN];	/* the full address */
};

/* The key of the failure limit for sa: an IPv4 address (also when
 * v4-mapped) or an IPv6 /64. -1 for any other family. */
int	ntlm_peer_from_addr(const struct sockaddr_storage *sa,
	    struct ntlm_peer *p);
struct master;
struct ipc_msg;

/*
 * The client of connection fd, which a worker passed (ntlm_challenge.c):
 * 1 and *p; 0 and *why when the client has gone or the listener was
 * closed; -1 and *why when fd is no client connection of a listener
 * (the worker is hostile). fd is closed in every case.
 */
int	ntlm_conn_peer(const struct master *m, int fd,
	    const struct sockaddr_storage *named, struct ntlm_peer *p,
	    const char **why);

/* IPC_NTLM_CHALLENGE from the worker in slot: 0, or -1 to kill it. */
int	ntlm_challenge(struct master *m, unsigned slot, struct ipc_msg *msg);
/*
 * Takes (and so ends) the challenge minted for worker pid in slot: 1
 * with it and its client, 0 if there is none or it has expired.
 */
int	ntlm_challenge_take(unsigned slot, pid_t pid,
	    unsigned char challenge[NTLM_CHALLENGE_LEN], struct ntlm_peer *p);

/* What a login grants beside the identity (the domain's answer). */
struct login_grant {
	char		(*lg_groups)[RPXD_GROUP_NAME_MAX];	/* the
					   require-group names the user is in */
	unsigned	  lg_ngroups;
	const unsigned char *lg_reply;	/* Kerberos: the reply token for
					   the client (mutual authentication),
					   at most NEGOTIATE_REPLY_MAX; NTLM:
					   the session base key (16 bytes)
					   for SPNEGO's mechListMIC, when the
					   source gives it */
	size_t		  lg_replylen;
	/* A route's delegate: DELEGATION_*, to whom, why it failed, and
	 * the token for the backend (at most DELEGATION_TOKEN_MAX). */
	int		  lg_dstate;
	const char	 *lg_dspn;
	const char	 *lg_dwhy;
	const unsigned char *lg_dtoken;
	size_t		  lg_dtokenlen;
};

/*
 * The verdict on a login of worker pid in slot from client p (ntlm_check.c),
 * which the worker gets now or, refused beyond the failure limit, after
 * the delay: NTLM_RESULT_OK with text the identity and g (may be NULL);
 * NTLM_RESULT_REFUSED with text why (counted against p);
 * NTLM_RESULT_UNAVAILABLE with text why (503, not counted). g counts
 * only with NTLM_RESULT_OK. Nothing reaches a worker that has gone
 * meanwhile. scheme ("NTLM", "Kerberos") and who (DOMAIN\user as the
 * client sent them) are for the log.
 */
void	ntlm_check_verdict(struct master *m, unsigned slot, pid_t pid,
	    const struct ntlm_peer *p, const char *scheme, const char *who,
	    int status, const char *text, const struct login_grant *g);

/* negotiate.c: IPC_NEGOTIATE_CHECK from the worker in slot; -1 kills
 * it. */
int	negotiate_check(struct master *m, unsigned slot, struct ipc_msg *msg);

/* The failures counted against p in its current window (no slot is
 * taken for it). */
unsigned ntlm_check_failures(const struct ntlm_peer *p);
/* A login of that worker refused unchecked by auth-failure-limit: logged
 * and answered after auth-failure-delay (winbind.c, for a login that
 * waited while its address reached the limit). */
void	ntlm_check_locked(struct master *m, unsigned slot, pid_t pid,
	    const struct ntlm_peer *p, const char *scheme, const char *who);

#endif
