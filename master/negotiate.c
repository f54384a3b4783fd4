/*
 * negotiate-keytab: Authorization: Negotiate with a Kerberos ticket on an
 * auth = "ntlm" route, the master's half. The worker hands over the
 * client connection with the token (IPC_NEGOTIATE_CHECK), so that the
 * failure limit counts the address the connection comes from, as for
 * NTLM. The master refuses what is no Kerberos AP-REQ and any
 * authenticator it has seen (negotiate_replay.c), applies the failure
 * limit, and queues the token for a domain checker, which holds the
 * service's keys (winbind_queue.c); the verdict reaches the worker as an
 * NTLM one does (ntlm_check_verdict). Called from ntlm_dispatch.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "ipc_addr.h"
#include "krb5_token.h"
#include "log.h"
#include "master.h"
#include "negotiate_replay.h"
#include "ntlm_check.h"
#include "winbind.h"

/* What a Negotiate login looks like in the log before the domain names
 * its user. */
#define WHO	"a Negotiate token"

/* The token of an IPC_NEGOTIATE_CHECK into tok; -1 if malformed. */
static int
negotiate_decode(struct msgbuf *mb, struct sockaddr_storage *named,
    unsigned char *tok, size_t *len, char *spn, size_t spnlen)
{
	uint32_t	n;

	if (ipc_addr_get(mb, named) == -1 || msgbuf_get_u32(mb, &n) == -1 ||
	    n == 0 || n > NTLM_MSG_MAX || msgbuf_get_bytes(mb, tok, n) == -1 ||
	    msgbuf_get_str(mb, spn, spnlen) == -1 || msgbuf_end(mb) == -1)
		return -1;
	*len = n;
	return 0;
}

/* A verdict given here, before any domain checker. */
static int
verdict(struct master *m, unsigned slot, const struct ntlm_peer *p,
    int status, const char *why)
{
	ntlm_check_verdict(m, slot, m->m_workers[slot].wk_pid, p, "Kerberos",
	    WHO, status, why, NULL);
	return 0;
}

int
negotiate_check(struct master *m, unsigned slot, struct ipc_msg *msg)
{
	static unsigned char	 tok[NTLM_MSG_MAX];
	struct sockaddr_storage	 named;
	struct ntlm_peer	 p;
	char			 spn[RPXD_SPN_MAX];
	const unsigned char	*cipher;
	const char		*why;
	size_t			 len, clen;
	pid_t			 pid = m->m_workers[slot].wk_pid;
	unsigned		 limit = m->m_conf->rc_auth_failure_limit;
	int			 r;

	if (msg->im_fd == -1 ||
	    negotiate_decode(&msg->im_payload, &named, tok, &len, spn,
	    sizeof(spn)) == -1)
		return -1;
	r = ntlm_conn_peer(m, msg->im_fd, &named, &p, &why);
	msg->im_fd = -1;
	if (r == -1) {
		log_warnx("auth: worker %ld sent a descriptor that is no "
		    "client connection for a Negotiate login: %s", (long)pid,
		    why);
		return -1;
	}
	if (r == 0) {
		memset(&p, 0, sizeof(p));
		snprintf(p.np_text, sizeof(p.np_text), "-");
		return verdict(m, slot, &p, NTLM_RESULT_UNAVAILABLE, why);
	}
	if (m->m_conf->rc_negotiate_keytab[0] == '\0')
		return verdict(m, slot, &p, NTLM_RESULT_UNAVAILABLE,
		    "negotiate-keytab is not set (any more)");
	if (limit > 0 && ntlm_check_failures(&p) >= limit) {
		ntlm_check_locked(m, slot, pid, &p, "Kerberos", WHO);
		return 0;
	}
	if ((r = krb5_token_authenticator(tok, len, &cipher, &clen)) != 1)
		return verdict(m, slot, &p, NTLM_RESULT_REFUSED, r == 0 ?
		    "not a Kerberos ticket" : "a malformed Kerberos token");
	if (negotiate_replay_seen(cipher, clen))
		return verdict(m, slot, &p, NTLM_RESULT_REFUSED, "a Kerberos "
		    "authenticator seen before (a replay)");
	winbind_submit_kerberos(m, slot, pid, &p, tok, len, spn);
	return 0;
}
