/*
 * Unit tests for the shared boards: health/board.c's rise and fall rule
 * on a board entry, runs broken by the other result, and a checker that
 * resumes from what the board holds (a restart or a reload); a worker's
 * reach (its own scoreboard slot only, the health board read-only, its
 * sandbox's mremap); and the master reading lying slots (board_read.c,
 * rpxctl status) and bounding hold-offs (master/board.c).
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "health.h"
#include "fake_master.h"
#include "ipc.h"
#include "master.h"
#include "sandbox.h"
#include "strbuf.h"
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

/* Times clamped, counts bounded, strings bounded and escaped. */
START_TEST(test_read_clamped)
{
	char	field[8] = { 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' };
	char	raw[sizeof(field) + 1], text[BOARD_TEXT_SIZE(sizeof(field))];

	ck_assert_int_eq(board_age(1000, 900), 100);
	ck_assert_int_eq(board_age(1000, INT64_MIN), 0);
	ck_assert_int_eq(board_age(1000, 2000), 0);
	ck_assert_int_eq(board_age(INT64_MAX, INT64_MIN), 0);
	ck_assert_int_eq(board_time(INT64_MIN, 1000), 0);
	ck_assert_int_eq(board_time(INT64_MAX, 1000), 1000);
	ck_assert_int_eq(board_count(UINT64_MAX), LLONG_MAX);
	ck_assert_int_eq(board_count(7), 7);
	ck_assert(board_add(ULLONG_MAX - 1, 5) == ULLONG_MAX);
	/* No NUL in the field: the field's length, no more. */
	board_string(field, sizeof(field), raw);
	ck_assert_str_eq(raw, "abcdefgh");
	board_text("\033]0;x\007\\ok\377", text, sizeof(text));
	ck_assert_str_eq(text, "\\x1b]0;x\\x07\\x5cok\\xff");
	/* Cut at a whole escape, never past the buffer. */
	board_text("\033\033\033", text, 9);
	ck_assert_str_eq(text, "\\x1b\\x1b");
}
END_TEST

static struct master	tm;

static void
master_setup(void)
{
	static const char	text[] =
	    "user = \"nobody\"\n"
	    "backend \"a\" { server = { \"127.0.0.1:8080\", "
	    "\"127.0.0.1:8081\" } }\n"
	    "backend \"b\" { server = { \"127.0.0.1:8082\" } }\n"
	    "listener \"l\" {\n address = \"127.0.0.1\"\n port = 8000\n"
	    " route \"r\" { host = { \"x\" } backend = \"a\" }\n}\n";

	fake_master_load(&tm, text, 1024);
}

static void
master_teardown(void)
{
	fake_master_free(&tm);
}

/* A worker in slot i of the running generation. */
static struct scoreboard_slot *
fake_worker(unsigned i, pid_t pid)
{
	return fake_master_worker(&tm, i, pid, 1);
}

/*
 * A slot that lies in every field: rpxctl status shows it escaped, with
 * no overflow (a sanitized build aborts on one), valid JSON and bounded
 * counts; entries naming no server are not counted.
 */
START_TEST(test_status_lying_slot)
{
	struct scoreboard_slot	*ss = fake_worker(3, 4242);
	struct strbuf		 out;

	ss->ss_state = WS_BUSY;
	memset((char *)ss->ss_client, 'A', sizeof(ss->ss_client));
	memcpy((char *)ss->ss_client, "\033]0;pwned\007\033[2J\377", 15);
	ss->ss_since = INT64_MIN;
	ss->ss_requests = UINT64_MAX;
	ss->ss_listener = INT32_MIN;
	ss->ss_conn_server[0] = 1;
	ss->ss_conn_pinned[0] = 77;
	ss->ss_conn_server[1] = INT32_MAX;
	ss->ss_conn_server[2] = -5;
	ss->ss_conn_server[3] = 1;
	fake_worker(4, 4243)->ss_state = 77;
	tm.m_hb.hb_servers[2].hs_changed = INT64_MIN;
	tm.m_hb.hb_servers[2].hs_state = 9;
	strbuf_init(&out);
	control_status(&tm, 0, &out);
	ck_assert_ptr_nonnull(out.sb_buf);
	ck_assert_ptr_null(strchr(out.sb_buf, '\033'));
	ck_assert_ptr_null(strchr(out.sb_buf, '\377'));
	ck_assert_ptr_nonnull(strstr(out.sb_buf,
	    "\\x1b]0;pwned\\x07\\x1b[2J\\xffAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"));
	ck_assert_ptr_nonnull(strstr(out.sb_buf, " invalid "));
	ck_assert_ptr_nonnull(strstr(out.sb_buf, "18446744073709551615"));
	ck_assert_uint_eq(tm.m_hb.hb_servers[1].hs_active, 2);
	ck_assert_uint_eq(tm.m_hb.hb_servers[1].hs_pinned, 1);
	ck_assert_uint_eq(tm.m_hb.hb_servers[0].hs_active, 0);
	strbuf_free(&out);
	strbuf_init(&out);
	control_status(&tm, 1, &out);
	ck_assert_ptr_nonnull(out.sb_buf);
	ck_assert_ptr_null(strchr(out.sb_buf, '\033'));
	ck_assert_ptr_null(strchr(out.sb_buf, '\377'));
	ck_assert_ptr_nonnull(strstr(out.sb_buf, "\"client\":\"\\u001b]0;pwned"
	    "\\u0007\\u001b[2J\\u00ffAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\""));
	ck_assert_ptr_nonnull(strstr(out.sb_buf,
	    "\"requests\":9223372036854775807,\"since\":0,\"for\":0,"));
	ck_assert_ptr_nonnull(strstr(out.sb_buf, "\"state\":\"invalid\""));
	ck_assert_ptr_nonnull(strstr(out.sb_buf, "\"changed\":0}"));
	strbuf_free(&out);
}
END_TEST

static int
hold(unsigned slot, uint32_t server)
{
	struct ipc_msg	msg = { .im_type = IPC_HOLD_OFF, .im_fd = -1 };
	int		rv;

	msgbuf_init(&msg.im_payload);
	msgbuf_put_u32(&msg.im_payload, server);
	rv = board_dispatch(&tm, slot, &msg);
	msgbuf_free(&msg.im_payload);
	return rv;
}

/*
 * A hold-off from one worker: for the configured down-time; never for a
 * backend's last server up on one worker's word; not extended while it
 * lasts; an index outside the board is malformed; an older generation's
 * worker numbers another board and is ignored.
 */
START_TEST(test_hold_off_bounded)
{
	struct hb_server	*hv = tm.m_hb.hb_servers;
	int64_t			 until, now = now_ms();

	fake_worker(1, 5001);
	fake_worker(2, 5002);
	fake_worker(3, 5003)->ss_generation = 1;
	tm.m_workers[3].wk_generation = 0;
	ck_assert_int_eq(hold(1, 0), 0);
	until = hv[0].hs_down_until;
	ck_assert_int_ge(until, now + 1000 *
	    (int64_t)tm.m_conf->rc_backends[0].be_down_time);
	ck_assert_int_le(until, now_ms() + 1000 *
	    (int64_t)tm.m_conf->rc_backends[0].be_down_time);
	ck_assert_int_eq(hold(2, 0), 0);
	ck_assert_int_eq(hv[0].hs_down_until, until);
	/* Server 1 is now the last one up of backend a. */
	ck_assert_int_eq(hold(1, 1), 0);
	ck_assert_int_eq(hv[1].hs_down_until, 0);
	ck_assert_int_eq(hold(1, 1), 0);
	ck_assert_int_eq(hv[1].hs_down_until, 0);
	ck_assert_int_eq(hold(3, 1), 0);
	ck_assert_int_eq(hv[1].hs_down_until, 0);
	ck_assert_int_eq(hold(2, 1), 0);
	ck_assert_int_gt(hv[1].hs_down_until, now);
	/* Backend b has one server: one worker alone never holds it. */
	ck_assert_int_eq(hold(1, 2), 0);
	ck_assert_int_eq(hv[2].hs_down_until, 0);
	ck_assert_int_eq(hold(1, 3), -1);
	ck_assert_int_eq(hold(1, UINT32_MAX), -1);
}
END_TEST

/*
 * A forked worker maps its own slot only and keeps no descriptor: it
 * cannot map another offset, and in its sandbox mremap fails (so its
 * mapping cannot grow into the next slot), without killing it.
 */
START_TEST(test_slot_alone)
{
	struct scoreboard	sb, mine;
	struct scoreboard_slot	*ss;
	pid_t			pid;
	int			status, fd;

	ck_assert_int_eq(scoreboard_create(&sb, 1024), 0);
	ck_assert_int_ge(sb.sb_stride, 4096);
	ck_assert_int_ge(sb.sb_stride, sizeof(struct scoreboard_slot));
	if ((pid = fork()) == 0) {
		fd = dup(sb.sb_fd);
		scoreboard_close(&sb);
		if (scoreboard_attach_slot(&mine, fd, 5, &ss) == -1)
			_exit(10);
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			_exit(11);
		sandbox_enter(SANDBOX_WORKER, 0);
		ss->ss_requests = 42;
		if (mmap(NULL, mine.sb_stride, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, (off_t)(6 * mine.sb_stride)) !=
		    MAP_FAILED || errno != EBADF)
			_exit(12);
		if (mremap(ss, mine.sb_stride, 2 * mine.sb_stride, 0) !=
		    MAP_FAILED || errno != ENOMEM)
			_exit(13);
		if (mremap(ss, mine.sb_stride, 2 * mine.sb_stride,
		    MREMAP_MAYMOVE) != MAP_FAILED || errno != ENOMEM)
			_exit(14);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child: status %d", status);
	ck_assert_uint_eq(scoreboard_slot(&sb, 5)->ss_requests, 42);
	ck_assert_uint_eq(scoreboard_slot(&sb, 4)->ss_requests, 0);
	ck_assert_uint_eq(scoreboard_slot(&sb, 6)->ss_requests, 0);
	/* A slot beyond the board is refused, and its descriptor closed. */
	fd = dup(sb.sb_fd);
	ck_assert_int_eq(scoreboard_attach_slot(&mine, fd, 1024,
	    &ss), -1);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	scoreboard_close(&sb);
}
END_TEST

/*
 * The workers' descriptor of the health board: read-only. A writable
 * mapping or mprotect fails with EACCES, and a write through the mapping
 * faults (SIGSEGV) without reaching the board.
 */
START_TEST(test_healthboard_read_only)
{
	struct healthboard	hb, w;
	pid_t			pid;
	int			status, fd;

	ck_assert_int_eq(healthboard_create(&hb, 3), 0);
	hb.hb_servers[1].hs_checks = 9;
	if ((pid = fork()) == 0) {
		if (healthboard_attach(&w, dup(hb.hb_rofd), 3, 1) != -1 ||
		    errno != EACCES)
			_exit(10);
		if (healthboard_attach(&w, dup(hb.hb_rofd), 3, 0) == -1 ||
		    w.hb_servers[1].hs_checks != 9)
			_exit(11);
		fd = dup(hb.hb_rofd);
		if (mmap(NULL, w.hb_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0) != MAP_FAILED || errno != EACCES)
			_exit(12);
		if (mprotect(w.hb_servers, w.hb_size, PROT_READ |
		    PROT_WRITE) != -1 || errno != EACCES)
			_exit(13);
		/* The kernel's verdict, not a sanitizer's report of it. */
		signal(SIGSEGV, SIG_DFL);
		w.hb_servers[0].hs_state = HB_DOWN;
		_exit(14);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
	    "child: status %d", status);
	ck_assert_uint_eq(hb.hb_servers[0].hs_state, HB_UP);
	healthboard_close(&hb);
}
END_TEST

Suite *
suite_board(void)
{
	Suite	*s = suite_create("board");
	TCase	*tc = tcase_create("board");
	TCase	*tm_tc = tcase_create("master reads");
	TCase	*maps = tcase_create("maps");

	tcase_add_test(tc, test_fall);
	tcase_add_test(tc, test_rise);
	tcase_add_test(tc, test_runs_broken);
	tcase_add_test(tc, test_resume_from_board);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tm_tc, master_setup, master_teardown);
	tcase_add_test(tm_tc, test_read_clamped);
	tcase_add_test(tm_tc, test_status_lying_slot);
	tcase_add_test(tm_tc, test_hold_off_bounded);
	suite_add_tcase(s, tm_tc);
	tcase_add_test(maps, test_slot_alone);
	tcase_add_test(maps, test_healthboard_read_only);
	suite_add_tcase(s, maps);
	return s;
}
