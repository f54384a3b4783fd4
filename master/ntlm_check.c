/*
 * auth = ntlm, the master's half: a worker sends the client's NTLMv2
 * response with the challenge it gave; the master looks up the user's NT
 * hash in the ntlm-users file (read at load time, root only) and answers
 * yes or no, so no worker ever holds a hash. Failed logins are counted
 * per client address: beyond auth-failure-limit in a minute, further
 * attempts from that address are refused unchecked and the worker waits
 * auth-failure-delay seconds before it answers.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "master.h"
#include "ntlm.h"
#include "ntlm_users.h"

#define NT_RESPONSE_MAX	4096	/* NTProofStr and blob; Windows: ~300 */
#define FAILURE_WINDOW	60	/* s, of auth-failure-limit */
#define FAILURE_SLOTS	1024	/* addresses remembered */

struct failure_slot {
	char	fs_ip[48];
	time_t	fs_start;	/* of its window */
	unsigned fs_count;
};

static struct failure_slot	failures[FAILURE_SLOTS];

/* The slot of ip, or a free or the oldest one taken over for it. */
static struct failure_slot *
failure_slot(const char *ip, time_t now)
{
	struct failure_slot	*fs, *oldest = &failures[0];
	unsigned		 i;

	for (i = 0; i < FAILURE_SLOTS; i++) {
		fs = &failures[i];
		if (strcmp(fs->fs_ip, ip) == 0) {
			if (now - fs->fs_start >= FAILURE_WINDOW) {
				fs->fs_start = now;
				fs->fs_count = 0;
			}
			return fs;
		}
		if (fs->fs_start < oldest->fs_start)
			oldest = fs;
	}
	snprintf(oldest->fs_ip, sizeof(oldest->fs_ip), "%s", ip);
	oldest->fs_start = now;
	oldest->fs_count = 0;
	return oldest;
}

static int
reply(int sock, int ok, unsigned delay, const char *text)
{
	struct msgbuf	mb;
	int		rv;

	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, ok ? 1 : 0);
	msgbuf_put_u32(&mb, delay);
	msgbuf_put_str(&mb, text);
	rv = mb.mb_error ? -1 : ipc_send(sock, IPC_NTLM_RESULT, -1, &mb);
	msgbuf_free(&mb);
	return rv;
}

/* Check the response; 1 good, 0 bad with *why set. */
static int
verify(const struct master *m, const struct ntlm_auth *a,
    const unsigned char *challenge, const char **why)
{
	const unsigned char	*hash;
	int			 rv;

	if (m->m_conf->rc_users == NULL) {
		*why = "no ntlm-users file is loaded";
		return 0;
	}
	if ((hash = ntlm_users_find(m->m_conf->rc_users, a->na_user,
	    a->na_domain)) == NULL) {
		*why = "unknown user";
		return 0;
	}
	if ((rv = ntlm_verify_v2(hash, a, challenge)) == 1)
		return 1;
	*why = rv == 0 ? "wrong password" : "HMAC-MD5 unavailable in OpenSSL";
	return 0;
}

/*
 * One IPC_NTLM_CHECK from worker pid on sock. -1 if the message is
 * malformed (the caller kills that worker).
 */
int
ntlm_check(struct master *m, int sock, pid_t pid, struct msgbuf *mb)
{
	struct ntlm_auth	 a;
	struct failure_slot	*fs;
	unsigned char		 challenge[NTLM_CHALLENGE_LEN];
	unsigned char		 nt[NT_RESPONSE_MAX];
	char			 ip[48], identity[2 * NTLM_NAME_MAX + 2];
	const char		*why = NULL;
	char			*p;
	uint32_t		 ntlen;
	time_t			 now = time(NULL);
	unsigned		 limit = m->m_conf->rc_auth_failure_limit;
	int			 ok;

	memset(&a, 0, sizeof(a));
	if (msgbuf_get_str(mb, ip, sizeof(ip)) == -1 ||
	    msgbuf_get_bytes(mb, challenge, sizeof(challenge)) == -1 ||
	    msgbuf_get_str(mb, a.na_user, sizeof(a.na_user)) == -1 ||
	    msgbuf_get_str(mb, a.na_domain, sizeof(a.na_domain)) == -1 ||
	    msgbuf_get_u32(mb, &ntlen) == -1 || ntlen > sizeof(nt) ||
	    msgbuf_get_bytes(mb, nt, ntlen) == -1 || msgbuf_end(mb) == -1)
		return -1;
	a.na_nt = nt;
	a.na_ntlen = ntlen;
	fs = failure_slot(ip, now);
	if (limit > 0 && fs->fs_count >= limit) {
		log_warnx("auth: client %s: NTLM login of %s\\%s refused: %u "
		    "failures from this address within %d s (worker %ld)", ip,
		    a.na_domain, a.na_user, fs->fs_count, FAILURE_WINDOW,
		    (long)pid);
		return reply(sock, 0, m->m_conf->rc_auth_failure_delay,
		    "too many failed logins from this address");
	}
	ok = verify(m, &a, challenge, &why);
	if (!ok) {
		fs->fs_count++;
		log_warnx("auth: client %s: NTLM login failed for %s\\%s: %s",
		    ip, a.na_domain, a.na_user, why);
		return reply(sock, 0, limit > 0 && fs->fs_count >= limit ?
		    m->m_conf->rc_auth_failure_delay : 0, why);
	}
	snprintf(identity, sizeof(identity), "%s\\%s", a.na_domain,
	    a.na_user);
	/* Domains are case-insensitive: one spelling for the backend. */
	for (p = identity; *p != '\\'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	log_info("auth: client %s: NTLM login of %s", ip, identity);
	return reply(sock, 1, 0, identity);
}
