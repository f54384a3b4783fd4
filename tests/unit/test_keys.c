/*
 * Unit tests for the key service (keyproto.c, keys/held.c, keys/sign.c,
 * keys/serve.c, keys/priority.c): datagrams are refused unless exactly
 * well-formed, a key holder signs what TLS asks with RSA PKCS#1, RSA-PSS
 * and ECDSA, and refuses every other request, above all a raw RSA
 * operation on a block that is not a PSS encoding (which would make it a
 * decryption oracle); its service answers each worker in order and
 * closes the channel of one that floods without reading or sends
 * garbage; its priority follows the number of workers waiting.
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "config.h"
#include "ipc.h"
#include "keys.h"
#include "sandbox.h"
#include "unit.h"

static EVP_PKEY	*rsa_key, *ec_key;

/* Hands key to the holder as the master would (IPC_TLS_KEY payload). */
static void
hold(EVP_PKEY *key, uint32_t cert)
{
	static struct listener_conf	ls = { .ls_ncerts = 2 };
	struct rpxd_conf		c = { .rc_nlisteners = 1,
					    .rc_listeners = &ls };
	struct msgbuf			mb;
	BIO				*bio = BIO_new(BIO_s_mem());
	char				*pem;
	long				 len;

	ck_assert(PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL,
	    NULL) == 1);
	len = BIO_get_mem_data(bio, &pem);
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, TLS_KEY_LISTENER);
	msgbuf_put_u32(&mb, 0);
	msgbuf_put_u32(&mb, cert);
	msgbuf_put_u32(&mb, (uint32_t)len);
	msgbuf_put_bytes(&mb, pem, (size_t)len);
	ck_assert_int_eq(held_add(&c, &mb), 0);
	msgbuf_free(&mb);
	BIO_free(bio);
}

static void
keys_setup(void)
{
	if (rsa_key != NULL)
		return;
	rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ck_assert(rsa_key != NULL && ec_key != NULL);
	hold(rsa_key, 0);
	hold(ec_key, 1);
}

static void
request(struct key_request *kr, EVP_PKEY *key, uint32_t scheme,
    uint32_t md, const unsigned char *data, size_t len)
{
	memset(kr, 0, sizeof(*kr));
	kr->kr_op = KEY_OP_SIGN;
	kr->kr_id = 42;
	kr->kr_deadline = (uint64_t)now_ms() + 1000;
	ck_assert_int_eq(key_id_of(key, kr->kr_key), 0);
	kr->kr_scheme = scheme;
	kr->kr_md = md;
	kr->kr_len = (uint32_t)len;
	memcpy(kr->kr_data, data, len);
}

static int
verifies(EVP_PKEY *key, int pad, const EVP_MD *md,
    const struct key_answer *ka, const unsigned char *dgst, size_t dlen)
{
	EVP_PKEY_CTX	*ctx = EVP_PKEY_CTX_new(key, NULL);
	int		 ok;

	ok = EVP_PKEY_verify_init(ctx) == 1 &&
	    (pad == 0 || EVP_PKEY_CTX_set_rsa_padding(ctx, pad) == 1) &&
	    EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
	    EVP_PKEY_verify(ctx, ka->ka_data, ka->ka_len, dgst, dlen) == 1;
	EVP_PKEY_CTX_free(ctx);
	return ok;
}

START_TEST(test_keys_wire)
{
	struct key_request	kr, back;
	struct key_answer	ka = { .ka_id = 7, .ka_status = KEY_OK,
				    .ka_len = 3, .ka_data = "abc" }, ka2;
	unsigned char		buf[KEY_REQ_MAX + 1], dgst[32] = { 1 };
	size_t			len;

	keys_setup();
	request(&kr, rsa_key, KEY_RSA_PKCS1, NID_sha256, dgst, 32);
	len = key_request_encode(&kr, buf);
	ck_assert_uint_eq(len, KEY_REQ_HEAD + 32);
	ck_assert_int_eq(key_request_decode(&back, buf, len), 0);
	ck_assert(back.kr_id == 42 && back.kr_len == 32 &&
	    memcmp(back.kr_data, dgst, 32) == 0 &&
	    memcmp(back.kr_key, kr.kr_key, KEY_ID_SIZE) == 0);
	/* One byte short, one too many, a length beyond the maximum. */
	ck_assert_int_eq(key_request_decode(&back, buf, len - 1), -1);
	ck_assert_int_eq(key_request_decode(&back, buf, len + 1), -1);
	kr.kr_len = KEY_DATA_MAX + 1;
	key_request_encode(&(struct key_request){ .kr_len = 0 }, buf);
	memcpy(buf + KEY_REQ_HEAD - 4, &kr.kr_len, 4);
	ck_assert_int_eq(key_request_decode(&back, buf, KEY_REQ_MAX + 1),
	    -1);
	len = key_answer_encode(&ka, buf);
	ck_assert_int_eq(key_answer_decode(&ka2, buf, len), 0);
	ck_assert(ka2.ka_id == 7 && ka2.ka_len == 3 &&
	    memcmp(ka2.ka_data, "abc", 3) == 0);
	ck_assert_int_eq(key_answer_decode(&ka2, buf, len - 1), -1);
	ck_assert_int_eq(key_answer_decode(&ka2, buf, 5), -1);
}
END_TEST

START_TEST(test_keys_rsa_pkcs1)
{
	struct key_request	kr;
	struct key_answer	ka;
	unsigned char		dgst[48];

	keys_setup();
	RAND_bytes(dgst, sizeof(dgst));
	request(&kr, rsa_key, KEY_RSA_PKCS1, NID_sha384, dgst, 48);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_OK);
	ck_assert(ka.ka_id == 42 && ka.ka_len == 256);
	ck_assert(verifies(rsa_key, RSA_PKCS1_PADDING, EVP_sha384(), &ka,
	    dgst, 48));
	/* A digest of the wrong size, SHA-1, an unknown scheme. */
	request(&kr, rsa_key, KEY_RSA_PKCS1, NID_sha384, dgst, 32);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
	request(&kr, rsa_key, KEY_RSA_PKCS1, NID_sha1, dgst, 20);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
	request(&kr, rsa_key, 9, NID_sha256, dgst, 32);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
	ck_assert_uint_eq(ka.ka_len, 0);
}
END_TEST

/* A real PSS block: what OpenSSL's TLS code hands the RSA method. */
static void
pss_block(unsigned char *em, const unsigned char *dgst, const EVP_MD *md)
{
	EVP_PKEY_CTX	*ctx = EVP_PKEY_CTX_new(rsa_key, NULL);
	unsigned char	 sig[256];
	size_t		 len = sizeof(sig), emlen = 256;

	ck_assert(EVP_PKEY_sign_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST) ==
	    1 && EVP_PKEY_CTX_set_signature_md(ctx, md) == 1 &&
	    EVP_PKEY_sign(ctx, sig, &len, dgst, (size_t)EVP_MD_get_size(md))
	    == 1);
	EVP_PKEY_CTX_free(ctx);
	ctx = EVP_PKEY_CTX_new(rsa_key, NULL);
	ck_assert(EVP_PKEY_verify_recover_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
	    EVP_PKEY_verify_recover(ctx, em, &emlen, sig, len) == 1 &&
	    emlen == 256);
	EVP_PKEY_CTX_free(ctx);
}

START_TEST(test_keys_rsa_pss)
{
	struct key_request	kr;
	struct key_answer	ka;
	unsigned char		dgst[32], em[256];
	EVP_PKEY_CTX		*ctx;
	unsigned char		 back[256];
	size_t			 blen = sizeof(back);

	keys_setup();
	RAND_bytes(dgst, sizeof(dgst));
	pss_block(em, dgst, EVP_sha256());
	ck_assert(sign_pss_block_ok(2048, EVP_sha256(), em, 256));
	ck_assert(!sign_pss_block_ok(2048, EVP_sha384(), em, 256));
	request(&kr, rsa_key, KEY_RSA_PSS, 0, em, 256);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_OK);
	/* The answer is the raw signature: the public key gives em back. */
	ctx = EVP_PKEY_CTX_new(rsa_key, NULL);
	ck_assert(EVP_PKEY_verify_recover_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1 &&
	    EVP_PKEY_verify_recover(ctx, back, &blen, ka.ka_data,
	    ka.ka_len) == 1);
	EVP_PKEY_CTX_free(ctx);
	ck_assert(blen == 256 && memcmp(back, em, 256) == 0);
	/* Not a PSS block (a ciphertext, say): no raw operation. */
	em[100] ^= 1;
	ck_assert(!sign_pss_block_ok(2048, EVP_sha256(), em, 256));
	request(&kr, rsa_key, KEY_RSA_PSS, 0, em, 256);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
	RAND_bytes(em, sizeof(em));
	em[0] &= 0x7f;
	request(&kr, rsa_key, KEY_RSA_PSS, 0, em, 256);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
	/* A PSS request to an EC key. */
	pss_block(em, dgst, EVP_sha256());
	request(&kr, ec_key, KEY_RSA_PSS, 0, em, 256);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
}
END_TEST

START_TEST(test_keys_ecdsa)
{
	struct key_request	kr;
	struct key_answer	ka;
	unsigned char		dgst[32];

	keys_setup();
	RAND_bytes(dgst, sizeof(dgst));
	request(&kr, ec_key, KEY_ECDSA, NID_sha256, dgst, 32);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_OK);
	ck_assert(verifies(ec_key, 0, EVP_sha256(), &ka, dgst, 32));
	request(&kr, rsa_key, KEY_ECDSA, NID_sha256, dgst, 32);
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
}
END_TEST

START_TEST(test_keys_refusals)
{
	struct key_request	kr;
	struct key_answer	ka;
	unsigned char		dgst[32] = { 0 };

	keys_setup();
	request(&kr, ec_key, KEY_ECDSA, NID_sha256, dgst, 32);
	kr.kr_key[0] ^= 1;
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_UNKNOWN);
	request(&kr, ec_key, KEY_ECDSA, NID_sha256, dgst, 32);
	kr.kr_deadline = (uint64_t)now_ms() - 1;
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_EXPIRED);
	request(&kr, ec_key, KEY_ECDSA, NID_sha256, dgst, 32);
	kr.kr_op = 2;
	sign_request(&kr, &ka);
	ck_assert_uint_eq(ka.ka_status, KEY_ERR_REQUEST);
}
END_TEST

START_TEST(test_keys_priority)
{
	/* One step (x1.25 weight) per factor 1.25 of waiting workers. */
	ck_assert_int_eq(priority_nice(0, 0, -20), 0);
	ck_assert_int_eq(priority_nice(1, 0, -20), 0);
	ck_assert_int_eq(priority_nice(2, 0, -20), -3);
	ck_assert_int_eq(priority_nice(4, 0, -20), -6);
	ck_assert_int_eq(priority_nice(8, 0, -20), -9);
	ck_assert_int_eq(priority_nice(86, 0, -20), -19);
	ck_assert_int_eq(priority_nice(87, 0, -20), -20);
	ck_assert_int_eq(priority_nice(RPXD_MAX_WORKERS, 0, -20), -20);
	/* From the nice value it started with, never below the floor. */
	ck_assert_int_eq(priority_nice(1, 5, -20), 5);
	ck_assert_int_eq(priority_nice(2, 5, -20), 2);
	ck_assert_int_eq(priority_nice(1000, 0, -5), -5);
	ck_assert_int_eq(priority_nice(1000, 0, 0), 0);
}
END_TEST

#ifdef __linux__
/* What a child in the key holder's sandbox does: 0 when it exits 0, the
 * signal that killed it otherwise (SIGSYS: the filter refused a call). */
static int
in_keys_sandbox(int which, int who)
{
	pid_t	pid;
	int	status;

	if ((pid = fork()) == 0) {
		sandbox_enter(SANDBOX_KEYS, 0);
		/* A higher nice value needs no privilege: only the filter
		 * can refuse it. */
		_exit(setpriority(which, (id_t)who, 5) == 0 ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* A refused call kills with SIGSYS; a debug build's trap exits 1. */
#ifdef RPXD_SANDBOX_DEBUG
#define REFUSED	(-1)
#else
#define REFUSED	SIGSYS
#endif

/* The holder's filter lets it set its own priority (priority.c), and
 * nobody else's. */
START_TEST(test_keys_sandbox_priority)
{
	ck_assert_int_eq(in_keys_sandbox(PRIO_PROCESS, 0), 0);
	ck_assert_int_eq(in_keys_sandbox(PRIO_PROCESS, (int)getpid()),
	    REFUSED);
	ck_assert_int_eq(in_keys_sandbox(PRIO_PGRP, 0), REFUSED);
	ck_assert_int_eq(in_keys_sandbox(PRIO_USER, 0), REFUSED);
}
END_TEST
#endif

/* A channel for the holder, as the master hands it over; the worker's
 * end, with 10 s timeouts so that a stuck holder fails the test. */
static int
hand_over(int master, uint32_t pid)
{
	struct timeval	tv = { 10, 0 };
	struct msgbuf	mb;
	int		sp[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp), 0);
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, pid);
	ck_assert_int_eq(ipc_send(master, IPC_KEY_CLIENT, sp[1], &mb), 0);
	msgbuf_free(&mb);
	close(sp[1]);
	ck_assert_int_eq(setsockopt(sp[0], SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof(tv)), 0);
	ck_assert_int_eq(setsockopt(sp[0], SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)), 0);
	return sp[0];
}

static void
send_request(int fd, EVP_PKEY *key, uint32_t scheme, uint64_t id,
    const unsigned char *dgst)
{
	struct key_request	kr;
	unsigned char		buf[KEY_REQ_MAX];
	size_t			len;

	request(&kr, key, scheme, NID_sha256, dgst, 32);
	kr.kr_id = id;
	kr.kr_deadline = (uint64_t)now_ms() + 30000;
	len = key_request_encode(&kr, buf);
	ck_assert_int_eq(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Datagrams on fd until the holder closes it (-1 if it does not). */
static int
until_closed(int fd)
{
	unsigned char	buf[KEY_ANS_MAX];
	ssize_t		n;
	int		count = 0;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		count++;
	return n == 0 ? count : -1;
}

/*
 * serve() in a child, fed as the master and three workers feed it: A
 * floods requests and never reads an answer, B asks three signatures and
 * reads them, C sends garbage. B gets its answers in order and signed;
 * A's and C's channels are closed; once the master's socket and every
 * channel are closed, the holder exits 0.
 */
START_TEST(test_keys_serve)
{
	unsigned char		dgst[32], buf[KEY_ANS_MAX];
	struct key_answer	ka;
	int			mp[2], a, b, c, status, sent = 0;
	uint64_t		id;
	ssize_t			n;
	pid_t			pid;

	keys_setup();
	RAND_bytes(dgst, sizeof(dgst));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, mp), 0);
	if ((pid = fork()) == 0) {
		close(mp[0]);
		if (ready_init() == -1)
			_exit(2);
		serve(mp[1]);
		_exit(0);
	}
	ck_assert_int_ge(pid, 0);
	close(mp[1]);
	a = hand_over(mp[0], 1);
	b = hand_over(mp[0], 2);
	c = hand_over(mp[0], 3);
	close(mp[0]);
	for (id = 1; id <= 3; id++)
		send_request(b, rsa_key, KEY_RSA_PKCS1, id, dgst);
	ck_assert_int_eq(send(c, "garbage", 7, 0), 7);
	/* A: until the holder closes its channel for not reading. */
	for (;;) {
		struct key_request	kr;
		unsigned char		req[KEY_REQ_MAX];
		size_t			len;

		request(&kr, ec_key, KEY_ECDSA, NID_sha256, dgst, 32);
		kr.kr_id = (uint64_t)sent + 1;
		kr.kr_deadline = (uint64_t)now_ms() + 30000;
		len = key_request_encode(&kr, req);
		if (send(a, req, len, MSG_NOSIGNAL) != (ssize_t)len)
			break;
		ck_assert_int_lt(++sent, 100000);
	}
	ck_assert(errno == EPIPE || errno == ECONNRESET);
	for (id = 1; id <= 3; id++) {
		n = recv(b, buf, sizeof(buf), 0);
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(key_answer_decode(&ka, buf, (size_t)n), 0);
		ck_assert(ka.ka_id == id && ka.ka_status == KEY_OK);
		ck_assert(verifies(rsa_key, RSA_PKCS1_PADDING, EVP_sha256(),
		    &ka, dgst, 32));
	}
	ck_assert_int_eq(until_closed(c), 0);
	ck_assert_int_ge(until_closed(a), 1);
	close(a);
	close(b);
	close(c);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

Suite *
suite_keys(void)
{
	Suite	*s = suite_create("keys");
	TCase	*tc = tcase_create("sign");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_keys_wire);
	tcase_add_test(tc, test_keys_rsa_pkcs1);
	tcase_add_test(tc, test_keys_rsa_pss);
	tcase_add_test(tc, test_keys_ecdsa);
	tcase_add_test(tc, test_keys_refusals);
	tcase_add_test(tc, test_keys_priority);
	tcase_add_test(tc, test_keys_serve);
#ifdef __linux__
	tcase_add_test(tc, test_keys_sandbox_priority);
#endif
	suite_add_tcase(s, tc);
	return s;
}
