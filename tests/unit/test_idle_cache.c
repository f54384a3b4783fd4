/*
 * Unit tests for idle_cache.c, the bookkeeping of the backend connections
 * a worker keeps between clients: a request gets the newest connection to
 * its own backend and server, never an expired one; the cap pushes out
 * the oldest; 0 keeps nothing; the accept loop's wait ends at the next
 * expiry.
 */
#include "idle_cache.h"
#include "unit.h"

static struct idle_conn
conn(int fd, unsigned be, unsigned sv, int64_t since)
{
	struct idle_conn	ic = { .ic_fd = fd, .ic_be = be, .ic_sv = sv,
				    .ic_id = (unsigned)fd + 100,
				    .ic_since = since };

	return ic;
}

START_TEST(test_take_newest_of_its_server)
{
	struct idle_cache	c;
	struct idle_conn	a = conn(3, 0, 0, 1000), b = conn(4, 0, 1, 1100),
				d = conn(5, 0, 0, 1200), e = conn(6, 1, 0, 1300),
				out;

	idle_cache_init(&c, 4, 15);
	ck_assert(idle_cache_enabled(&c));
	ck_assert_int_eq(idle_cache_put(&c, &a, &out), 0);
	ck_assert_int_eq(idle_cache_put(&c, &b, &out), 0);
	ck_assert_int_eq(idle_cache_put(&c, &d, &out), 0);
	ck_assert_int_eq(idle_cache_put(&c, &e, &out), 0);
	/* backend 0 server 0: the newest (5), then the older (3), then none */
	ck_assert_int_eq(idle_cache_take(&c, 0, 0, 2000, &out), 1);
	ck_assert_int_eq(out.ic_fd, 5);
	ck_assert_uint_eq(out.ic_id, 105);
	ck_assert_int_eq(idle_cache_take(&c, 0, 0, 2000, &out), 1);
	ck_assert_int_eq(out.ic_fd, 3);
	ck_assert_int_eq(idle_cache_take(&c, 0, 0, 2000, &out), 0);
	/* another server of the backend, another backend of the same index */
	ck_assert_int_eq(idle_cache_take(&c, 1, 1, 2000, &out), 0);
	ck_assert_int_eq(idle_cache_take(&c, 0, 1, 2000, &out), 1);
	ck_assert_int_eq(out.ic_fd, 4);
	ck_assert_int_eq(idle_cache_take(&c, 1, 0, 2000, &out), 1);
	ck_assert_int_eq(out.ic_fd, 6);
	ck_assert_uint_eq(c.ic_n, 0);
}
END_TEST

START_TEST(test_cap_pushes_out_oldest)
{
	struct idle_cache	c;
	struct idle_conn	in, out;
	int			fd;

	idle_cache_init(&c, 2, 15);
	for (fd = 10; fd < 12; fd++) {
		in = conn(fd, 0, 0, fd);
		ck_assert_int_eq(idle_cache_put(&c, &in, &out), 0);
	}
	in = conn(12, 0, 0, 12);
	ck_assert_int_eq(idle_cache_put(&c, &in, &out), 1);
	ck_assert_int_eq(out.ic_fd, 10);
	ck_assert_uint_eq(c.ic_n, 2);
	ck_assert_int_eq(idle_cache_pop(&c, &out), 1);
	ck_assert_int_eq(idle_cache_pop(&c, &out), 1);
	ck_assert_int_eq(idle_cache_pop(&c, &out), 0);
}
END_TEST

START_TEST(test_zero_keeps_nothing)
{
	struct idle_cache	c;
	struct idle_conn	in = conn(7, 0, 0, 0), out;

	idle_cache_init(&c, 0, 15);
	ck_assert(!idle_cache_enabled(&c));
	ck_assert_int_eq(idle_cache_put(&c, &in, &out), 1);
	ck_assert_int_eq(out.ic_fd, 7);
	ck_assert_int_eq(idle_cache_take(&c, 0, 0, 0, &out), 0);
	idle_cache_init(&c, 4, 0);	/* a timeout of 0 as well */
	ck_assert(!idle_cache_enabled(&c));
	ck_assert_int_eq(idle_cache_put(&c, &in, &out), 1);
	ck_assert_int_eq(idle_cache_wait_ms(&c, 0), -1);
	idle_cache_init(&c, 1000, 15);	/* clamped to IDLE_CACHE_MAX */
	ck_assert_uint_eq(c.ic_cap, IDLE_CACHE_MAX);
}
END_TEST

START_TEST(test_timeout)
{
	struct idle_cache	c;
	struct idle_conn	a = conn(3, 0, 0, 1000), b = conn(4, 0, 0, 5000),
				out;

	idle_cache_init(&c, 4, 2);	/* 2000 ms */
	ck_assert_int_eq(idle_cache_wait_ms(&c, 1000), -1);
	idle_cache_put(&c, &a, &out);
	idle_cache_put(&c, &b, &out);
	ck_assert_int_eq(idle_cache_wait_ms(&c, 1500), 1500);
	ck_assert_int_eq(idle_cache_expire(&c, 2999, &out), 0);
	/* at 3000 the first has expired: take skips it, expire returns it */
	ck_assert_int_eq(idle_cache_wait_ms(&c, 3500), 0);
	ck_assert_int_eq(idle_cache_take(&c, 0, 0, 7000, &out), 0);
	ck_assert_int_eq(idle_cache_take(&c, 0, 0, 3000, &out), 1);
	ck_assert_int_eq(out.ic_fd, 4);
	idle_cache_put(&c, &b, &out);
	ck_assert_int_eq(idle_cache_expire(&c, 3000, &out), 1);
	ck_assert_int_eq(out.ic_fd, 3);
	ck_assert_int_eq(idle_cache_expire(&c, 3000, &out), 0);
	ck_assert_int_eq(idle_cache_wait_ms(&c, 3000), 4000);
	ck_assert_int_eq(idle_cache_expire(&c, 7000, &out), 1);
	ck_assert_int_eq(idle_cache_wait_ms(&c, 7000), -1);
}
END_TEST

Suite *
suite_idle_cache(void)
{
	Suite	*s = suite_create("idle_cache");
	TCase	*tc = tcase_create("idle_cache");

	tcase_add_test(tc, test_take_newest_of_its_server);
	tcase_add_test(tc, test_cap_pushes_out_oldest);
	tcase_add_test(tc, test_zero_keeps_nothing);
	tcase_add_test(tc, test_timeout);
	suite_add_tcase(s, tc);
	return s;
}
