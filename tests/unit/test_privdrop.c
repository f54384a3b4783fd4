/*
 * worker/privdrop.c as root, each case in a forked child so that the test
 * runner keeps its ids: privdrop_verify() finds an extra group, a saved
 * gid left at 0 and a wrong uid, and privdrop() refuses uid or gid 0.
 * Without root there is nothing to drop: the checks are skipped.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "worker.h"

#define NOBODY	65534

/* In a child: set groups and ids as given, then exit 0 when
 * privdrop_verify(NOBODY, NOBODY) says what `want` names (NULL: fine). */
static int
verify_in_child(const gid_t *groups, int ngroups, gid_t sgid, const char *want)
{
	const char	*why;
	pid_t		 pid;
	int		 status;

	if ((pid = fork()) == 0) {
		if (setgroups((size_t)ngroups, groups) == -1 ||
		    setresgid(NOBODY, NOBODY, sgid) == -1 ||
		    setresuid(NOBODY, NOBODY, NOBODY) == -1)
			_exit(2);
		why = privdrop_verify(NOBODY, NOBODY);
		if (want == NULL)
			_exit(why == NULL ? 0 : 1);
		_exit(why != NULL && strstr(why, want) != NULL ? 0 : 1);
	}
	ck_assert_int_ne(pid, -1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(verify_finds_what_is_left)
{
	gid_t	one[] = { NOBODY }, two[] = { NOBODY, 0 };

	if (geteuid() != 0)
		return;
	ck_assert_int_eq(verify_in_child(one, 1, NOBODY, NULL), 0);
	ck_assert_int_eq(verify_in_child(two, 2, NOBODY, "group set"), 0);
	ck_assert_int_eq(verify_in_child(one, 1, 0, "saved gid"), 0);
	ck_assert_ptr_nonnull(privdrop_verify(NOBODY, NOBODY));	/* root */
}
END_TEST

static int
privdrop_in_child(uid_t uid, gid_t gid)
{
	pid_t	pid;
	int	status;

	if ((pid = fork()) == 0) {
		privdrop("/", uid, gid);
		_exit(0);
	}
	ck_assert_int_ne(pid, -1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

START_TEST(privdrop_refuses_root_ids)
{
	if (geteuid() != 0)
		return;
	ck_assert_int_eq(privdrop_in_child(NOBODY, 0), 1);
	ck_assert_int_eq(privdrop_in_child(0, NOBODY), 1);
	ck_assert_int_eq(privdrop_in_child(NOBODY, NOBODY), 0);
}
END_TEST

Suite *
suite_privdrop(void)
{
	Suite	*s = suite_create("privdrop");
	TCase	*tc = tcase_create("ids");

	tcase_add_test(tc, verify_finds_what_is_left);
	tcase_add_test(tc, privdrop_refuses_root_ids);
	suite_add_tcase(s, tc);
	return s;
}
