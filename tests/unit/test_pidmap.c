/*
 * The pid -> slot map (common/pidmap.c) that the master and the templates
 * use to find a worker by pid: against a plain array as the model, over
 * runs of pids, removals in any order and a full map.
 */
#include <stdlib.h>

#include "pidmap.h"
#include "unit.h"

START_TEST(test_put_get_take)
{
	struct pidmap	pm;
	unsigned	slot;

	ck_assert_int_eq(pidmap_init(&pm, 4), 0);
	ck_assert_int_eq(pidmap_put(&pm, 100, 7), 0);
	ck_assert_int_eq(pidmap_put(&pm, 101, 8), 0);
	ck_assert_int_eq(pidmap_get(&pm, 100, &slot), 0);
	ck_assert_uint_eq(slot, 7);
	ck_assert_int_eq(pidmap_put(&pm, 100, 9), 0);	/* moves */
	ck_assert_int_eq(pidmap_take(&pm, 100, &slot), 0);
	ck_assert_uint_eq(slot, 9);
	ck_assert_int_eq(pidmap_get(&pm, 100, &slot), -1);
	ck_assert_int_eq(pidmap_take(&pm, 100, &slot), -1);
	ck_assert_int_eq(pidmap_get(&pm, 101, &slot), 0);
	ck_assert_uint_eq(slot, 8);
	ck_assert_int_eq(pidmap_put(&pm, 0, 1), -1);
	ck_assert_int_eq(pidmap_put(&pm, -5, 1), -1);
	pidmap_free(&pm);
}
END_TEST

/* Full at its size: one more is refused, one taken makes room. */
START_TEST(test_full)
{
	struct pidmap	pm;
	unsigned	slot, i;

	ck_assert_int_eq(pidmap_init(&pm, 100), 0);
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(pidmap_put(&pm, (pid_t)(5000 + i), i), 0);
	ck_assert_int_eq(pidmap_put(&pm, 9999, 1), -1);
	ck_assert_int_eq(pidmap_take(&pm, 5050, &slot), 0);
	ck_assert_uint_eq(slot, 50);
	ck_assert_int_eq(pidmap_put(&pm, 9999, 1), 0);
	pidmap_free(&pm);
}
END_TEST

/*
 * Many rounds of puts and takes in a random order, checked against an
 * array: a removal by backward shift must never lose an entry that
 * probed past it.
 */
START_TEST(test_against_model)
{
	enum { N = 4096, PIDS = 32768 };
	static unsigned	model[PIDS + 1];	/* slot + 1, 0: absent */
	struct pidmap	pm;
	unsigned	slot, n = 0, i, round;
	pid_t		pid;

	srandom(42);
	ck_assert_int_eq(pidmap_init(&pm, N), 0);
	for (round = 0; round < 200000; round++) {
		pid = (pid_t)(1 + random() % PIDS);
		if (model[pid] == 0 && n < N && (random() & 1)) {
			ck_assert_int_eq(pidmap_put(&pm, pid, round % N), 0);
			model[pid] = round % N + 1;
			n++;
		} else if (model[pid] != 0) {
			ck_assert_int_eq(pidmap_take(&pm, pid, &slot), 0);
			ck_assert_uint_eq(slot + 1, model[pid]);
			model[pid] = 0;
			n--;
		} else
			ck_assert_int_eq(pidmap_get(&pm, pid, &slot), -1);
	}
	for (i = 1; i <= PIDS; i++)
		if (model[i] != 0) {
			ck_assert_int_eq(pidmap_get(&pm, (pid_t)i, &slot), 0);
			ck_assert_uint_eq(slot + 1, model[i]);
		}
	ck_assert_uint_eq(pm.pm_used, n);
	pidmap_free(&pm);
}
END_TEST

Suite *
suite_pidmap(void)
{
	Suite	*s = suite_create("pidmap");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_put_get_take);
	tcase_add_test(tc, test_full);
	tcase_add_test(tc, test_against_model);
	suite_add_tcase(s, tc);
	return s;
}
