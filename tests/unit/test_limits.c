/*
 * Unit tests for max-connections-per-address and pressure mode: the
 * address key (IPv4, IPv6 by /64, v4-mapped IPv6 as IPv4), its keyed
 * hash against the SipHash-2-4 reference vector, the master's count
 * table, the shared board (published whole under the seqlock, read-only
 * to a worker, a reader that gives up on a writer stopped halfway), and
 * the master's census of lying slots: each adds at most one connection
 * to one address (master/limits.c), and rpxctl status shows the busiest.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addrboard.h"
#include "fake_master.h"
#include "master.h"
#include "pool_limits.h"
#include "strbuf.h"
#include "unit.h"

static struct addr_key
key4(const char *a)
{
	struct sockaddr_in	sin;
	struct addr_key		k;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(443);
	ck_assert_int_eq(inet_pton(AF_INET, a, &sin.sin_addr), 1);
	ck_assert_int_eq(addr_key_of((struct sockaddr *)&sin, &k), 0);
	return k;
}

static struct addr_key
key6(const char *a)
{
	struct sockaddr_in6	sin6;
	struct addr_key		k;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(443);
	ck_assert_int_eq(inet_pton(AF_INET6, a, &sin6.sin6_addr), 1);
	ck_assert_int_eq(addr_key_of((struct sockaddr *)&sin6, &k), 0);
	return k;
}

static int
same(struct addr_key a, struct addr_key b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

static const char *
text(struct addr_key k)
{
	static char	buf[ADDR_KEY_TEXT];

	addr_key_text(&k, buf, sizeof(buf));
	return buf;
}

START_TEST(test_key_ipv4)
{
	ck_assert(same(key4("192.0.2.7"), key4("192.0.2.7")));
	ck_assert(!same(key4("192.0.2.7"), key4("192.0.2.8")));
	ck_assert_str_eq(text(key4("192.0.2.7")), "192.0.2.7");
	ck_assert_str_eq(text(key4("0.0.0.0")), "0.0.0.0");
}
END_TEST

START_TEST(test_key_ipv6_64)
{
	/* One /64 is one subscriber: its interface identifiers are free. */
	ck_assert(same(key6("2001:db8:1:2:aaaa::1"),
	    key6("2001:db8:1:2:bbbb:cccc:dddd:eeee")));
	ck_assert(!same(key6("2001:db8:1:2::1"), key6("2001:db8:1:3::1")));
	ck_assert(!same(key6("2001:db8:1:2::1"), key6("2001:db9:1:2::1")));
	ck_assert_str_eq(text(key6("2001:db8:1:2:aaaa::1")),
	    "2001:db8:1:2::/64");
	ck_assert_str_eq(text(key6("::1")), "::/64");
}
END_TEST

START_TEST(test_key_v4_mapped)
{
	struct sockaddr_un	sun;
	struct addr_key		k;

	/* A dual-stack listener's IPv4 client is the IPv4 address. */
	ck_assert(same(key6("::ffff:192.0.2.7"), key4("192.0.2.7")));
	ck_assert_str_eq(text(key6("::ffff:192.0.2.7")), "192.0.2.7");
	/* No IPv6 /64 looks like an IPv4 address: its last half is 0. */
	ck_assert(!same(key6("::1"), key4("0.0.0.0")));
	ck_assert(!same(key6("::ffff:1"), key4("0.0.0.1")));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_int_eq(addr_key_of((struct sockaddr *)&sun, &k), -1);
}
END_TEST

/* SipHash-2-4's reference vector: key 00..0f, message 00..0f. */
START_TEST(test_key_hash)
{
	const uint64_t	k[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
	const uint64_t	other[2] = { 1, 2 };
	struct addr_key	m;
	unsigned	i;

	for (i = 0; i < ADDR_KEY_SIZE; i++)
		m.ak_bytes[i] = (uint8_t)i;
	ck_assert_uint_eq(addr_key_hash(k, &m), 0x3f2acc7f57c29bdbULL);
	ck_assert_uint_ne(addr_key_hash(other, &m), 0x3f2acc7f57c29bdbULL);
}
END_TEST

START_TEST(test_table)
{
	const uint64_t		hk[2] = { 11, 22 };
	struct addr_table	t;
	struct addr_key		a = key4("192.0.2.1"), b = key6("2001:db8::1");
	struct addr_key		k;
	unsigned		i, added = 0;

	ck_assert_int_eq(addr_table_init(&t, 100, hk), -1);	/* not 2^n */
	ck_assert_int_eq(addr_table_init(&t, 64, hk), 0);
	ck_assert_uint_eq(addr_table_add(&t, &a), 1);
	ck_assert_uint_eq(addr_table_add(&t, &a), 2);
	ck_assert_uint_eq(addr_table_add(&t, &b), 1);
	ck_assert_uint_eq(addr_table_count(&t, &a), 2);
	ck_assert_uint_eq(addr_table_count(&t, &b), 1);
	k = key4("192.0.2.2");
	ck_assert_uint_eq(addr_table_count(&t, &k), 0);
	ck_assert_uint_eq(t.at_nused, 2);
	addr_table_clear(&t);
	ck_assert_uint_eq(t.at_nused, 0);
	ck_assert_uint_eq(addr_table_count(&t, &a), 0);
	/* Bounded: half the capacity of addresses, then no more. */
	for (i = 0; i < 100; i++) {
		k = key4("10.0.0.0");
		k.ak_bytes[15] = (uint8_t)i;
		if (addr_table_add(&t, &k) != 0)
			added++;
	}
	ck_assert_uint_eq(added, 32);
	ck_assert_uint_eq(addr_table_add(&t, &a), 0);
	addr_table_free(&t);
	/* Sizing: a quarter used at most, a power of two. */
	ck_assert_uint_eq(addrboard_capacity(1), 64);
	ck_assert_uint_eq(addrboard_capacity(1024), 4096);
	ck_assert_uint_eq(addrboard_capacity(65536), 262144);
}
END_TEST

static void
table_of(struct addr_table *t, const struct addrboard *ab)
{
	uint64_t	hk[2] = { ab->ab_head->ah_hash_key[0],
			    ab->ab_head->ah_hash_key[1] };

	ck_assert_int_eq(addr_table_init(t, ab->ab_capacity, hk), 0);
}

/* What the master publishes is what a reader finds, and only that: the
 * entries of the last table are gone. */
START_TEST(test_board_publish)
{
	struct addrboard	ab, ro;
	struct addr_table	t1, t2;
	struct addr_key		a = key4("192.0.2.1"), b = key4("192.0.2.2");
	uint32_t		n;
	int			p, fd;

	ck_assert_int_eq(addrboard_create(&ab, 64), 0);
	ck_assert_int_eq(addrboard_lookup(&ab, &a, &n, &p), 0);
	ck_assert_uint_eq(n, 0);
	table_of(&t1, &ab);
	table_of(&t2, &ab);
	(void)addr_table_add(&t1, &a);
	(void)addr_table_add(&t1, &a);
	(void)addr_table_add(&t1, &b);
	addrboard_publish(&ab, &t1, NULL, 1);
	ck_assert_int_ge(fd = dup(ab.ab_rofd), 0);
	ck_assert_int_eq(addrboard_attach(&ro, fd, 64), 0);
	ck_assert_int_eq(addrboard_lookup(&ro, &a, &n, &p), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(p, 1);
	ck_assert_int_eq(addrboard_pressure(&ro), 1);
	ck_assert_int_eq(addrboard_lookup(&ro, &b, &n, &p), 0);
	ck_assert_uint_eq(n, 1);
	(void)addr_table_add(&t2, &b);
	addrboard_publish(&ab, &t2, &t1, 0);
	ck_assert_int_eq(addrboard_lookup(&ro, &a, &n, &p), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(p, 0);
	ck_assert_int_eq(addrboard_lookup(&ro, &b, &n, &p), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(ab.ab_head->ah_seq, 4);
	/* A writer stopped halfway (odd sequence): the reader gives up
	 * after a few tries rather than read half a table. */
	ab.ab_head->ah_seq = 5;
	ck_assert_int_eq(addrboard_lookup(&ro, &b, &n, &p), -1);
	ab.ab_head->ah_seq = 6;
	/* A wrong capacity is refused, and its descriptor closed. */
	ck_assert_int_ge(fd = dup(ab.ab_rofd), 0);
	ck_assert_int_eq(addrboard_attach(&ro, fd, 128), -1);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	addr_table_free(&t1);
	addr_table_free(&t2);
	addrboard_close(&ab);
}
END_TEST

/* The workers' descriptor: a write faults, mprotect is refused. */
START_TEST(test_board_read_only)
{
	struct addrboard	ab, ro;
	pid_t			pid;
	int			status, fd;

	ck_assert_int_eq(addrboard_create(&ab, 64), 0);
	if ((pid = fork()) == 0) {
		signal(SIGSEGV, SIG_DFL);
		fd = dup(ab.ab_rofd);
		if (addrboard_attach(&ro, fd, 64) == -1)
			_exit(10);
		if (mprotect(ro.ab_head, ro.ab_size, PROT_READ | PROT_WRITE) !=
		    -1 || errno != EACCES)
			_exit(11);
		if (mmap(NULL, ro.ab_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    ab.ab_rofd, 0) != MAP_FAILED || errno != EACCES)
			_exit(12);
		ro.ab_entries[0].ae_count = 7;
		_exit(13);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	    "child: status %d", status);
	ck_assert_uint_eq(ab.ab_entries[0].ae_count, 0);
	addrboard_close(&ab);
}
END_TEST

static struct master	lm;

static void
lm_setup(void)
{
	static const char	text[] =
	    "user = \"nobody\"\n"
	    "max-connections-per-address = 4\n"
	    "backend \"a\" { server = { \"127.0.0.1:8080\" } }\n"
	    "listener \"l\" {\n address = \"127.0.0.1\"\n port = 8000\n"
	    " route \"r\" { host = { \"x\" } backend = \"a\" }\n}\n";

	fake_master_load(&lm, text, 64);
	lm.m_generation = 2;
}

static void
lm_teardown(void)
{
	fake_master_free(&lm);
}

static struct scoreboard_slot *
busy_worker(unsigned i, struct addr_key k)
{
	struct scoreboard_slot	*ss;
	unsigned		 j;

	ss = fake_master_worker(&lm, i, 1000 + (pid_t)i, 2);
	ss->ss_state = WS_BUSY;
	for (j = 0; j < ADDR_KEY_SIZE; j++)
		ss->ss_lim.sl_key[j] = k.ak_bytes[j];
	ss->ss_lim.sl_key_set = 1;
	return ss;
}

/*
 * Lying slots: a key set to anything but 1, an idle state, a slot of no
 * live worker count for nothing; ten slots all naming one address add
 * ten, one each. Idle keep-alive waits are listed for pressure mode
 * only from the running generation.
 */
START_TEST(test_census_lying_slots)
{
	const uint64_t		hk[2] = { 1, 2 };
	struct addr_table	t;
	struct census		c;
	struct scoreboard_slot	*ss;
	struct addr_key		victim = key4("198.51.100.9");
	struct addr_key		other = key4("203.0.113.1");
	unsigned		i;

	ck_assert_int_eq(addr_table_init(&t, 4096, hk), 0);
	for (i = 0; i < 10; i++)
		(void)busy_worker(i, victim);
	ss = busy_worker(10, other);
	ss->ss_lim.sl_key_set = 7;
	ss = busy_worker(11, other);
	ss->ss_state = WS_IDLE;
	ss = busy_worker(12, other);
	lm.m_workers[12].wk_pid = 0;
	ss = busy_worker(13, other);
	ss->ss_lim.sl_wait = SL_WAIT_KEEPALIVE;
	ss->ss_lim.sl_wait_seq = 9;
	ss->ss_lim.sl_wait_since = -5;
	ss = busy_worker(14, other);
	ss->ss_lim.sl_wait = SL_WAIT_AUTH;
	ss = busy_worker(15, other);
	lm.m_workers[15].wk_generation = 1;	/* an older generation */
	ss->ss_lim.sl_wait = SL_WAIT_KEEPALIVE;
	limits_census(&lm, &t, &c);
	ck_assert_uint_eq(addr_table_count(&t, &victim), 10);
	ck_assert_uint_eq(addr_table_count(&t, &other), 3);
	ck_assert_uint_eq(c.ce_total, 14);
	ck_assert_uint_eq(c.ce_busy, 13);
	ck_assert_uint_eq(c.ce_idle, 1);
	ck_assert_uint_eq(c.ce_nwaits, 1);
	ck_assert_uint_eq(c.ce_waits[0].iw_slot, 13);
	ck_assert_uint_eq(c.ce_waits[0].iw_seq, 9);
	addr_table_free(&t);
}
END_TEST

START_TEST(test_status_busiest)
{
	struct strbuf	out;
	unsigned	i;

	for (i = 0; i < 6; i++)
		(void)busy_worker(i, key4("192.0.2.1"));
	for (i = 6; i < 9; i++)
		(void)busy_worker(i, key6("2001:db8:5:6::7"));
	for (i = 9; i < 16; i++)
		(void)busy_worker(i, key4("192.0.2.100"));
	for (i = 16; i < 24; i++) {
		struct addr_key k = key4("10.1.1.0");

		k.ak_bytes[15] = (uint8_t)i;
		(void)busy_worker(i, k);
	}
	strbuf_init(&out);
	limits_status_text(&lm, &out);
	ck_assert_ptr_nonnull(strstr(out.sb_buf, "max-connections-per-address "
	    "4;"));
	ck_assert_ptr_nonnull(strstr(out.sb_buf, "busiest client addresses: "
	    "192.0.2.100 (7), 192.0.2.1 (6), 2001:db8:5:6::/64 (3), 10.1.1."));
	strbuf_free(&out);
}
END_TEST

/* An IPC_LIMITED report: reason, key set, key, count. */
static int
dispatch(uint32_t reason, uint32_t key_set, struct addr_key k, uint32_t held,
    int extra)
{
	struct ipc_msg	msg;
	int		rv;

	memset(&msg, 0, sizeof(msg));
	msg.im_type = IPC_LIMITED;
	msg.im_fd = -1;
	msgbuf_init(&msg.im_payload);
	msgbuf_put_u32(&msg.im_payload, reason);
	msgbuf_put_u32(&msg.im_payload, key_set);
	msgbuf_put_bytes(&msg.im_payload, k.ak_bytes, ADDR_KEY_SIZE);
	msgbuf_put_u32(&msg.im_payload, held);
	if (extra)
		msgbuf_put_u32(&msg.im_payload, 0);
	rv = limits_dispatch(&lm, 0, &msg);
	ipc_msg_free(&msg);
	return rv;
}

/* Reports are counted by reason; a malformed one is refused (the
 * master then kills the worker). */
START_TEST(test_dispatch)
{
	struct strbuf	out;
	struct addr_key	k = key4("192.0.2.9");

	ck_assert_int_eq(dispatch(LIMIT_ADDRESS, 1, k, 4, 0), 0);
	ck_assert_int_eq(dispatch(LIMIT_ADDRESS, 1, k, 4, 0), 0);
	ck_assert_int_eq(dispatch(LIMIT_HEAD, 0, k, 0, 0), 0);
	ck_assert_int_eq(dispatch(LIMIT_IDLE, 0, k, 0, 0), 0);
	ck_assert_int_eq(dispatch(LIMIT_REASONS, 0, k, 0, 0), -1);
	ck_assert_int_eq(dispatch(LIMIT_ADDRESS, 2, k, 4, 0), -1);
	ck_assert_int_eq(dispatch(LIMIT_ADDRESS, 1, k, 4, 1), -1);
	strbuf_init(&out);
	limits_status_text(&lm, &out);
	ck_assert_ptr_nonnull(strstr(out.sb_buf, "refused or closed 4 (2 over "
	    "the per-address limit, 1 slow heads and 1 idle keep-alive under "
	    "pressure)"));
	strbuf_free(&out);
}
END_TEST

Suite *
suite_limits(void)
{
	Suite	*s = suite_create("limits");
	TCase	*keys = tcase_create("key");
	TCase	*board = tcase_create("board");
	TCase	*master = tcase_create("master");

	tcase_add_test(keys, test_key_ipv4);
	tcase_add_test(keys, test_key_ipv6_64);
	tcase_add_test(keys, test_key_v4_mapped);
	tcase_add_test(keys, test_key_hash);
	tcase_add_test(keys, test_table);
	suite_add_tcase(s, keys);
	tcase_add_test(board, test_board_publish);
	tcase_add_test(board, test_board_read_only);
	suite_add_tcase(s, board);
	tcase_add_checked_fixture(master, lm_setup, lm_teardown);
	tcase_add_test(master, test_census_lying_slots);
	tcase_add_test(master, test_status_busiest);
	tcase_add_test(master, test_dispatch);
	suite_add_tcase(s, master);
	return s;
}
