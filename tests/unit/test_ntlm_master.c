/*
 * Unit tests for the master's side of auth = ntlm (master/ntlm_challenge.c,
 * ntlm_check.c), driven over a real socketpair as a worker would: the
 * challenge comes from the master for a real TCP connection accepted on
 * a listener, serves one check, and the failure limit counts the address
 * that connection comes from; a descriptor that is no such connection
 * gets the worker killed; refusals beyond the limit are answered by the
 * timer, not at once.
 */
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "clock.h"
#include "master.h"
#include "ntlm.h"
#include "ntlm_check.h"
#include "ntlm_users.h"
#include "unit.h"
#include "../../common/ipc_addr.h"

static struct master	 tm;
static int		 sp[2];		/* [0] the master's, [1] the worker's */
static int		 lfd, cfd, afd;	/* listener, client, accepted */
static char		 users_path[64];
static const unsigned char nt_hash[NTLM_HASH_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
};

static void
write_users(void)
{
	FILE	*f;
	char	 err[256];
	int	 fd;
	size_t	 i;

	snprintf(users_path, sizeof(users_path), "/tmp/rpxd-ntlmm.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(users_path), -1);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	fprintf(f, "Alice:Example:");
	for (i = 0; i < NTLM_HASH_LEN; i++)
		fprintf(f, "%02x", nt_hash[i]);
	fprintf(f, "\nbob::");
	for (i = 0; i < NTLM_HASH_LEN; i++)
		fprintf(f, "%02x", nt_hash[i]);
	fprintf(f, "\n");
	fclose(f);
	tm.m_conf->rc_users = ntlm_users_load(users_path, err, sizeof(err));
	ck_assert_msg(tm.m_conf->rc_users != NULL, "%s", err);
}

static void
nm_setup(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);

	memset(&tm, 0, sizeof(tm));
	ck_assert_ptr_nonnull(tm.m_conf = calloc(1, sizeof(*tm.m_conf)));
	tm.m_conf->rc_nlisteners = 1;
	tm.m_conf->rc_auth_failure_limit = 2;
	tm.m_conf->rc_auth_failure_delay = 1;
	strcpy(tm.m_conf->rc_ntlm_domain, "RPXTEST");
	write_users();
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	tm.m_nslots = 4;
	ck_assert_ptr_nonnull(tm.m_workers = calloc(tm.m_nslots,
	    sizeof(*tm.m_workers)));
	/* A pid that is nobody's: nothing here may signal a real process. */
	tm.m_workers[0] = (struct worker){ .wk_pid = 0x7ffffff0,
	    .wk_sock = sp[0] };
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ne(lfd = socket(AF_INET, SOCK_STREAM, 0), -1);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	ck_assert_int_ne(cfd = socket(AF_INET, SOCK_STREAM, 0), -1);
	ck_assert_int_eq(connect(cfd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	ck_assert_int_ne(afd = accept(lfd, NULL, NULL), -1);
	ck_assert_ptr_nonnull(tm.m_listen_fds = malloc(sizeof(int)));
	tm.m_listen_fds[0] = lfd;
}

static void
nm_teardown(void)
{
	ntlm_users_free(tm.m_conf->rc_users);
	free(tm.m_conf);
	free(tm.m_listen_fds);
	unlink(users_path);
	close(sp[0]);
	close(sp[1]);
	close(lfd);
	close(cfd);
	if (afd != -1)
		close(afd);
}

/* What the master does with one message the worker sends. */
static int
master_takes(uint32_t type, int fd, struct msgbuf *mb)
{
	struct ipc_msg		msg;
	struct msgbuf		none;
	struct sockaddr_storage	unspec;
	int			rv;

	/* A challenge request names no PROXY protocol client by default. */
	msgbuf_init(&none);
	memset(&unspec, 0, sizeof(unspec));
	ipc_addr_put(&none, &unspec);
	if (type == IPC_NTLM_CHALLENGE && mb == NULL)
		mb = &none;
	ck_assert_int_eq(ipc_send(sp[1], type, fd, mb), 0);
	msgbuf_free(&none);
	ck_assert_int_eq(ipc_recv(sp[0], &msg), 1);
	rv = ntlm_dispatch(&tm, 0, &msg);
	ipc_msg_free(&msg);
	return rv;
}

/* Whether the worker has an answer waiting. */
static int
answered(void)
{
	struct timeval	tv = { 0, 0 };
	fd_set		fds;

	FD_ZERO(&fds);
	FD_SET(sp[1], &fds);
	return select(sp[1] + 1, &fds, NULL, NULL, &tv) == 1;
}

/* The master's IPC_NTLM_NONCE: 1 and the challenge, 0 if it made none. */
static int
read_nonce(unsigned char challenge[NTLM_CHALLENGE_LEN])
{
	struct ipc_msg	msg;
	uint32_t	ok;

	ck_assert_int_eq(ipc_recv(sp[1], &msg), 1);
	ck_assert_uint_eq(msg.im_type, IPC_NTLM_NONCE);
	ck_assert_int_eq(msgbuf_get_u32(&msg.im_payload, &ok), 0);
	ck_assert_int_eq(msgbuf_get_bytes(&msg.im_payload, challenge,
	    NTLM_CHALLENGE_LEN), 0);
	ck_assert_int_eq(msgbuf_end(&msg.im_payload), 0);
	ipc_msg_free(&msg);
	return (int)ok;
}

/* A challenge for fd: 1 and it, 0 if the master made none. */
static int
get_challenge(int fd, unsigned char challenge[NTLM_CHALLENGE_LEN])
{
	ck_assert_int_eq(master_takes(IPC_NTLM_CHALLENGE, fd, NULL), 0);
	return read_nonce(challenge);
}

static void
hmac_md5(const unsigned char *key, const unsigned char *a, size_t alen,
    const unsigned char *b, size_t blen, unsigned char out[16])
{
	unsigned char	buf[1024];
	size_t		n;

	memcpy(buf, a, alen);
	memcpy(buf + alen, b, blen);
	ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "MD5", NULL, key,
	    16, buf, alen + blen, out, 16, &n));
}

/* The session base key of the last nt_response made. */
static unsigned char	expected_session_key[16];

/* An NTLMv2 response (44 bytes: proof, blob) of user in domain. */
static void
nt_response(const char *user, const char *domain,
    const unsigned char challenge[NTLM_CHALLENGE_LEN], unsigned char nt[44])
{
	unsigned char	who[256], key[16];
	char		upper[64];
	size_t		i, n, m;

	for (i = 0; user[i] != '\0'; i++)
		upper[i] = (char)(user[i] >= 'a' && user[i] <= 'z' ?
		    user[i] - 32 : user[i]);
	upper[i] = '\0';
	ck_assert_int_eq(ntlm_utf8_to_utf16le(upper, who, 128, &n), 0);
	ck_assert_int_eq(ntlm_utf8_to_utf16le(domain, who + n, 128, &m), 0);
	hmac_md5(nt_hash, who, n, who + n, m, key);
	memset(nt, 0, 44);
	nt[16] = nt[17] = 1;			/* blob version */
	memset(nt + 32, 0x5a, 8);		/* client challenge */
	hmac_md5(key, challenge, NTLM_CHALLENGE_LEN, nt + 16, 28, nt);
	/* SessionBaseKey = HMAC-MD5(NTOWFv2, NTProofStr) */
	hmac_md5(key, nt, 8, nt + 8, 8, expected_session_key);
}

/* IPC_NTLM_CHECK for a route with delegate spn ("" for none): the
 * master's verdict (-1: the worker is killed). */
static int
send_check_for(const char *user, const char *domain, const unsigned char *nt,
    size_t ntlen, const char *spn)
{
	struct msgbuf	mb;
	int		rv;

	msgbuf_init(&mb);
	msgbuf_put_str(&mb, user);
	msgbuf_put_str(&mb, domain);
	msgbuf_put_u32(&mb, (uint32_t)ntlen);
	msgbuf_put_bytes(&mb, nt, ntlen);
	msgbuf_put_u32(&mb, NTLM_SOURCE_FILE);
	msgbuf_put_str(&mb, spn);
	rv = master_takes(IPC_NTLM_CHECK, -1, &mb);
	msgbuf_free(&mb);
	return rv;
}

/* The session base key of the last login answered. */
static unsigned char	last_session_key[NTLM_HASH_LEN];

static int
send_check(const char *user, const char *domain, const unsigned char *nt,
    size_t ntlen)
{
	return send_check_for(user, domain, nt, ntlen, "");
}

/* The delegation of the last answer read by result(). */
static uint32_t	last_dstate;

/* The answer to a check: 1 and text, or 0 and why. */
static int
result(char *text, size_t len)
{
	struct ipc_msg	msg;
	uint32_t	ok, ngroups;
	char		why[DELEGATION_WHY_MAX];

	ck_assert_int_eq(ipc_recv(sp[1], &msg), 1);
	ck_assert_uint_eq(msg.im_type, IPC_NTLM_RESULT);
	ck_assert_int_eq(msgbuf_get_u32(&msg.im_payload, &ok), 0);
	ck_assert_int_eq(msgbuf_get_str(&msg.im_payload, text, len), 0);
	/* The file has no groups (require-group needs the domain). */
	ck_assert_int_eq(msgbuf_get_u32(&msg.im_payload, &ngroups), 0);
	ck_assert_uint_eq(ngroups, 0);
	/* No Kerberos reply token: a login's session base key (for
	 * SPNEGO's mechListMIC), a refusal nothing. */
	ck_assert_int_eq(msgbuf_get_u32(&msg.im_payload, &ngroups), 0);
	ck_assert_uint_eq(ngroups, ok == NTLM_RESULT_OK ? NTLM_HASH_LEN : 0);
	if (ngroups > 0) {
		ck_assert_int_eq(msgbuf_get_bytes(&msg.im_payload,
		    last_session_key, NTLM_HASH_LEN), 0);
	}
	/* Nor a delegate's token: the file's users have no ticket. */
	ck_assert_int_eq(msgbuf_get_u32(&msg.im_payload, &last_dstate), 0);
	ck_assert_int_eq(msgbuf_get_str(&msg.im_payload, why, sizeof(why)),
	    0);
	ck_assert_int_eq(msgbuf_get_u32(&msg.im_payload, &ngroups), 0);
	ck_assert_uint_eq(ngroups, 0);
	ck_assert_int_eq(msgbuf_end(&msg.im_payload), 0);
	ipc_msg_free(&msg);
	return (int)ok;
}

START_TEST(test_challenge_once)
{
	unsigned char	c1[NTLM_CHALLENGE_LEN], c2[NTLM_CHALLENGE_LEN];
	unsigned char	nt[44];
	char		text[600];

	ck_assert_int_eq(get_challenge(afd, c1), 1);
	nt_response("alice", "EXAMPLE", c1, nt);
	ck_assert_int_eq(send_check("alice", "EXAMPLE", nt, sizeof(nt)), 0);
	ck_assert_int_eq(result(text, sizeof(text)), 1);
	/* The file's spelling, not the client's. */
	ck_assert_str_eq(text, "Example\\Alice");
	ck_assert_int_eq(memcmp(last_session_key, expected_session_key, 16),
	    0);
	/* The same response again: its challenge is used up. */
	ck_assert_int_eq(send_check("alice", "EXAMPLE", nt, sizeof(nt)), 0);
	ck_assert_int_eq(result(text, sizeof(text)), 0);
	ck_assert_str_eq(text, "no challenge is pending (expired, or used "
	    "already)");
	/* ... and against a new challenge it is a wrong password. */
	ck_assert_int_eq(get_challenge(afd, c2), 1);
	ck_assert_int_ne(memcmp(c1, c2, sizeof(c1)), 0);
	ck_assert_int_eq(send_check("alice", "EXAMPLE", nt, sizeof(nt)), 0);
	ck_assert_int_eq(result(text, sizeof(text)), 0);
	ck_assert_str_eq(text, "wrong password");
	/* An entry for any domain: the identity is in ntlm-domain. */
	ck_assert_int_eq(get_challenge(afd, c2), 1);
	nt_response("BOB", "corp", c2, nt);
	ck_assert_int_eq(send_check("BOB", "corp", nt, sizeof(nt)), 0);
	ck_assert_int_eq(result(text, sizeof(text)), 1);
	ck_assert_str_eq(text, "RPXTEST\\bob");
	ck_assert_uint_eq(last_dstate, DELEGATION_NONE);
}
END_TEST

/* A login for a route with a delegate, checked by the file: the login
 * holds, the delegation cannot be made (503, never a request without
 * the user's ticket). */
START_TEST(test_delegate_without_domain)
{
	unsigned char	c[NTLM_CHALLENGE_LEN], nt[44];
	char		text[600];

	ck_assert_int_eq(get_challenge(afd, c), 1);
	nt_response("alice", "EXAMPLE", c, nt);
	ck_assert_int_eq(send_check_for("alice", "EXAMPLE", nt, sizeof(nt),
	    "HTTP/web.example.com"), 0);
	ck_assert_int_eq(result(text, sizeof(text)), 1);
	ck_assert_uint_eq(last_dstate, DELEGATION_UNAVAILABLE);
}
END_TEST

/* Beyond the limit, refusals wait for the timer; the master does not. */
START_TEST(test_limit_and_delay)
{
	unsigned char	c[NTLM_CHALLENGE_LEN], nt[44];
	char		text[600];
	int64_t		t0;

	memset(nt, 0, sizeof(nt));
	nt[16] = nt[17] = 1;
	ck_assert_int_eq(get_challenge(afd, c), 1);
	ck_assert_int_eq(send_check("alice", "EXAMPLE", nt, sizeof(nt)), 0);
	ck_assert_int_eq(result(text, sizeof(text)), 0);	/* at once */
	ck_assert_int_eq(get_challenge(afd, c), 1);
	t0 = now_ms();
	ck_assert_int_eq(send_check("alice", "EXAMPLE", nt, sizeof(nt)), 0);
	/* The second failure reaches the limit: its answer is held. */
	ck_assert_int_lt(now_ms() - t0, 500);
	ntlm_check_tick(&tm);
	ck_assert(!answered());
	/* Out of turn: a worker that asks again before its answer dies. */
	ck_assert_int_eq(master_takes(IPC_NTLM_CHALLENGE, afd, NULL), -1);
	ck_assert_int_eq(send_check("alice", "EXAMPLE", nt, sizeof(nt)), -1);
	usleep(1050 * 1000);
	ntlm_check_tick(&tm);
	ck_assert(answered());
	ck_assert_int_eq(result(text, sizeof(text)), 0);
	ck_assert_str_eq(text, "wrong password");
	/* Now even the right password is refused unchecked, after the delay. */
	ck_assert_int_eq(get_challenge(afd, c), 1);
	nt_response("alice", "EXAMPLE", c, nt);
	ck_assert_int_eq(send_check("alice", "EXAMPLE", nt, sizeof(nt)), 0);
	ntlm_check_tick(&tm);
	ck_assert(!answered());
	usleep(1050 * 1000);
	ntlm_check_tick(&tm);
	ck_assert_int_eq(result(text, sizeof(text)), 0);
	ck_assert_str_eq(text, "too many failed logins from this address");
}
END_TEST

START_TEST(test_not_a_client_connection)
{
	struct sockaddr_in	sin;
	unsigned char		c[NTLM_CHALLENGE_LEN], nt[44];
	char			text[64];
	int			u, p[2];

	/* A UDP socket "connected" to any address a worker likes. */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(9);
	sin.sin_addr.s_addr = htonl(0x7f000009);	/* 127.0.0.9: sends nothing */
	ck_assert_int_ne(u = socket(AF_INET, SOCK_DGRAM, 0), -1);
	ck_assert_int_eq(connect(u, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(master_takes(IPC_NTLM_CHALLENGE, u, NULL), -1);
	close(u);
	/* A TCP connection of the worker's own, to a listener: its local
	 * end is no listener. */
	ck_assert_int_eq(master_takes(IPC_NTLM_CHALLENGE, cfd, NULL), 0);
	ck_assert_int_eq(read_nonce(c), 0);
	/* Not a socket, the listener itself, no descriptor at all. */
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(master_takes(IPC_NTLM_CHALLENGE, p[0], NULL), -1);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(master_takes(IPC_NTLM_CHALLENGE, lfd, NULL), -1);
	ck_assert_int_eq(master_takes(IPC_NTLM_CHALLENGE, -1, NULL), -1);
	/* A check without a challenge is refused, not checked. */
	memset(nt, 0, sizeof(nt));
	ck_assert_int_eq(send_check("alice", "EXAMPLE", nt, sizeof(nt)), 0);
	ck_assert_int_eq(result(text, sizeof(text)), 0);
	/* A response longer than the shared bound is a breach. */
	ck_assert_int_eq(get_challenge(afd, c), 1);
	{
		static unsigned char	big[NTLM_NT_RESPONSE_MAX + 1];

		ck_assert_int_eq(send_check("alice", "EXAMPLE", big,
		    sizeof(big)), -1);
		ck_assert_int_eq(get_challenge(afd, c), 1);
		ck_assert_int_eq(send_check("alice", "EXAMPLE", big,
		    NTLM_NT_RESPONSE_MAX), 0);
		ck_assert_int_eq(result(text, sizeof(text)), 0);
	}
}
END_TEST

/*
 * A worker that sets SO_LINGER on its client connection, fills its send
 * queue and drops its own copy makes the master's close the last one:
 * it must still return at once.
 */
START_TEST(test_linger_does_not_block)
{
	struct linger		 l = { 1, 30 };
	struct ipc_msg		 msg;
	struct msgbuf		 none;
	struct sockaddr_storage	 unspec;
	static char		 junk[65536];
	unsigned char		 c[NTLM_CHALLENGE_LEN];
	int64_t			 t0;

	ck_assert_int_eq(setsockopt(afd, SOL_SOCKET, SO_LINGER, &l,
	    sizeof(l)), 0);
	while (send(afd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
		;
	msgbuf_init(&none);
	memset(&unspec, 0, sizeof(unspec));
	ipc_addr_put(&none, &unspec);
	ck_assert_int_eq(ipc_send(sp[1], IPC_NTLM_CHALLENGE, afd, &none), 0);
	msgbuf_free(&none);
	close(afd);
	afd = -1;
	t0 = now_ms();
	ck_assert_int_eq(ipc_recv(sp[0], &msg), 1);
	ck_assert_int_eq(ntlm_dispatch(&tm, 0, &msg), 0);
	ipc_msg_free(&msg);
	ck_assert_int_lt(now_ms() - t0, 1000);
	ck_assert_int_eq(read_nonce(c), 1);
}
END_TEST

START_TEST(test_peer_keys)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;
	struct ntlm_peer	 a, b;

	memset(&ss, 0, sizeof(ss));
	s6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:1:2:aaaa::1", &s6->sin6_addr);
	ck_assert_int_eq(ntlm_peer_from_addr(&ss, &a), 0);
	ck_assert_str_eq(a.np_text, "2001:db8:1:2:aaaa::1");
	inet_pton(AF_INET6, "2001:db8:1:2:ffff:1:2:3", &s6->sin6_addr);
	ck_assert_int_eq(ntlm_peer_from_addr(&ss, &b), 0);
	/* One /64, one key. */
	ck_assert_int_eq(memcmp(a.np_key, b.np_key, sizeof(a.np_key)), 0);
	inet_pton(AF_INET6, "2001:db8:1:3::1", &s6->sin6_addr);
	ck_assert_int_eq(ntlm_peer_from_addr(&ss, &b), 0);
	ck_assert_int_ne(memcmp(a.np_key, b.np_key, sizeof(a.np_key)), 0);
	/* A v4-mapped client is its IPv4 address. */
	inet_pton(AF_INET6, "::ffff:192.0.2.9", &s6->sin6_addr);
	ck_assert_int_eq(ntlm_peer_from_addr(&ss, &a), 0);
	memset(&ss, 0, sizeof(ss));
	s4->sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.9", &s4->sin_addr);
	ck_assert_int_eq(ntlm_peer_from_addr(&ss, &b), 0);
	ck_assert_int_eq(a.np_family, AF_INET);
	ck_assert_int_eq(memcmp(a.np_key, b.np_key, sizeof(a.np_key)), 0);
	ck_assert_str_eq(a.np_text, "192.0.2.9");
	ss.ss_family = AF_UNIX;
	ck_assert_int_eq(ntlm_peer_from_addr(&ss, &a), -1);
}
END_TEST

Suite *
suite_ntlm_master(void)
{
	Suite	*s = suite_create("ntlm_master");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, nm_setup, nm_teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_challenge_once);
	tcase_add_test(tc, test_delegate_without_domain);
	tcase_add_test(tc, test_limit_and_delay);
	tcase_add_test(tc, test_not_a_client_connection);
	tcase_add_test(tc, test_linger_does_not_block);
	tcase_add_test(tc, test_peer_keys);
	suite_add_tcase(s, tc);
	return s;
}
