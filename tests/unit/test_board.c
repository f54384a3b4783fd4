/*
 * Unit tests for health/board.c: the rise and fall rule on a board entry,
 * runs broken by the other result, and a checker that resumes from what
 * the board holds (a restart or a reload).
 */
#include <stdio.h>
#include <string.h>

#include "health.h"
#include "unit.h"

static struct server_conf	sv = { .sv_name = "127.0.0.1:8080" };
static struct backend_conf	be;
static struct hb_server		hs;

static void
setup(unsigned rise, unsigned fall)
{
	memset(&be, 0, sizeof(be));
	memset(&hs, 0, sizeof(hs));
	snprintf(be.be_name, sizeof(be.be_name), "owa");
	be.be_nservers = 1;
	be.be_servers = &sv;
	be.be_health.hc_enabled = 1;
	be.be_health.hc_rise = rise;
	be.be_health.hc_fall = fall;
}

static enum board_change
good(void)
{
	return board_record(&hs, &be, 0, 1, 200, NULL, 1000);
}

static enum board_change
bad(void)
{
	return board_record(&hs, &be, 0, 0, 0, "connect: Connection refused",
	    2000);
}

START_TEST(test_fall)
{
	setup(2, 3);
	ck_assert_uint_eq(hs.hs_state, HB_UP);
	ck_assert_int_eq(bad(), BOARD_SAME);
	ck_assert_int_eq(bad(), BOARD_SAME);
	ck_assert_uint_eq(hs.hs_state, HB_UP);
	ck_assert_int_eq(bad(), BOARD_DOWN);
	ck_assert_uint_eq(hs.hs_state, HB_DOWN);
	ck_assert_uint_eq(hs.hs_run, 3);
	ck_assert_uint_eq(hs.hs_checks, 3);
	ck_assert_uint_eq(hs.hs_last_status, 0);
	ck_assert_int_eq(hs.hs_changed, 2000);
	ck_assert_int_eq(bad(), BOARD_SAME);
	ck_assert_uint_eq(hs.hs_run, 4);
}
END_TEST

START_TEST(test_rise)
{
	setup(2, 1);
	ck_assert_int_eq(bad(), BOARD_DOWN);
	ck_assert_int_eq(good(), BOARD_SAME);
	ck_assert_uint_eq(hs.hs_state, HB_DOWN);
	ck_assert_uint_eq(hs.hs_last_status, 200);
	ck_assert_int_eq(good(), BOARD_UP);
	ck_assert_uint_eq(hs.hs_state, HB_UP);
	ck_assert_uint_eq(hs.hs_run, 2);
	ck_assert_int_eq(hs.hs_changed, 1000);
	ck_assert_int_eq(good(), BOARD_SAME);
}
END_TEST

/* Only results in a row count: the other kind starts the run again. */
START_TEST(test_runs_broken)
{
	setup(3, 3);
	bad();
	bad();
	good();
	ck_assert_uint_eq(hs.hs_run, 1);
	bad();
	ck_assert_int_eq(bad(), BOARD_SAME);
	ck_assert_int_eq(bad(), BOARD_DOWN);
	good();
	good();
	ck_assert_int_eq(bad(), BOARD_SAME);
	good();
	good();
	ck_assert_uint_eq(hs.hs_state, HB_DOWN);
	ck_assert_int_eq(good(), BOARD_UP);
}
END_TEST

/* A new checker has only the board: it goes on from there. */
START_TEST(test_resume_from_board)
{
	setup(2, 2);
	hs.hs_state = HB_DOWN;
	hs.hs_last_status = 200;
	hs.hs_run = 1;
	hs.hs_checks = 7;
	ck_assert_int_eq(good(), BOARD_UP);
	ck_assert_uint_eq(hs.hs_checks, 8);
}
END_TEST

Suite *
suite_board(void)
{
	Suite	*s = suite_create("board");
	TCase	*tc = tcase_create("board");

	tcase_add_test(tc, test_fall);
	tcase_add_test(tc, test_rise);
	tcase_add_test(tc, test_runs_broken);
	tcase_add_test(tc, test_resume_from_board);
	suite_add_tcase(s, tc);
	return s;
}
