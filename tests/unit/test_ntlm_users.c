/*
 * Unit tests for the credential file of `auth = ntlm` (ntlm_users.c):
 * a good file and its lookups, every error with its line, and the file
 * checks (mode, type, size), on files in a mkdtemp directory.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ntlm.h"
#include "ntlm_users.h"
#include "unit.h"

#define H1	"a4f49c406510bdcab6824ee7c30fd852"	/* "Password" */
#define H2	"00112233445566778899AABBCCDDEEFF"
#define H3	"ffeeddccbbaa99887766554433221100"

static char	dir[64], path[128], err[512];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/rpxd-unit-ntlm.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/users", dir);
}

static void
teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static void
write_file(const char *text, size_t len, mode_t mode)
{
	int	fd;

	unlink(path);
	ck_assert_int_ne(fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600),
	    -1);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

static struct ntlm_users *
load_text(const char *text)
{
	write_file(text, strlen(text), 0600);
	err[0] = '\0';
	return ntlm_users_load(path, err, sizeof(err));
}

/* The load fails with "path:line: what". */
static void
expect_error(const char *text, unsigned line, const char *what)
{
	char	want[256];

	ck_assert_ptr_null(load_text(text));
	snprintf(want, sizeof(want), "%s:%u: %s", path, line, what);
	ck_assert_msg(strncmp(err, want, strlen(want)) == 0,
	    "got \"%s\", want \"%s\"", err, want);
}

START_TEST(test_good_file)
{
	struct ntlm_users	*u;
	const unsigned char	*h;

	u = load_text("# rpxd NTLM users\n"
	    "\n"
	    "User:Domain:" H1 "\n"
	    "   alice : EXAMPLE :\t" H2 "  \r\n"
	    "\t# indented comment\n"
	    "alice::" H3 "\n"
	    "bob:example.com:" H2 "\n"
	    "J\xc3\xbcrgen::" H1);		/* no final newline */
	ck_assert_msg(u != NULL, "%s", err);
	ck_assert_uint_eq(ntlm_users_count(u), 5);

	ck_assert_ptr_nonnull(h = ntlm_users_find(u, "User", "Domain"));
	ck_assert_uint_eq(h[0], 0xa4);
	ck_assert_uint_eq(h[15], 0x52);
	/* User and domain without ASCII case. */
	ck_assert_ptr_eq(ntlm_users_find(u, "USER", "dOMAIN"), h);
	ck_assert_ptr_null(ntlm_users_find(u, "User", "Other"));
	ck_assert_ptr_null(ntlm_users_find(u, "Use", "Domain"));
	ck_assert_ptr_null(ntlm_users_find(u, "Users", "Domain"));

	/* A domain's own entry wins over the one for any domain. */
	ck_assert_ptr_nonnull(h = ntlm_users_find(u, "Alice", "example"));
	ck_assert_uint_eq(h[0], 0x00);
	ck_assert_uint_eq(h[15], 0xff);
	ck_assert_ptr_nonnull(h = ntlm_users_find(u, "ALICE", "elsewhere"));
	ck_assert_uint_eq(h[0], 0xff);
	ck_assert_ptr_nonnull(h = ntlm_users_find(u, "alice", ""));
	ck_assert_uint_eq(h[0], 0xff);
	/* Only the domain's form that the entry spells. */
	ck_assert_ptr_nonnull(ntlm_users_find(u, "bob", "EXAMPLE.COM"));
	ck_assert_ptr_null(ntlm_users_find(u, "bob", "EXAMPLE"));
	ck_assert_ptr_null(ntlm_users_find(u, "bob", ""));
	/* Non-ASCII letters match as written. */
	ck_assert_ptr_nonnull(ntlm_users_find(u, "j\xc3\xbcrgen", "any"));
	ck_assert_ptr_null(ntlm_users_find(u, "J\xc3\x9crgen", "any"));
	ntlm_users_free(u);

	/* Comments and blanks only: an empty set. */
	ck_assert_ptr_nonnull(u = load_text("# nobody yet\n\n"));
	ck_assert_uint_eq(ntlm_users_count(u), 0);
	ck_assert_ptr_null(ntlm_users_find(u, "User", "Domain"));
	ntlm_users_free(u);
	ntlm_users_free(NULL);
}
END_TEST

/* The identity a backend gets is spelled as the file spells it. */
START_TEST(test_canonical_spelling)
{
	struct ntlm_users	*u;
	const char		*fu = NULL, *fd = NULL;

	u = load_text("User:Domain:" H1 "\nalice::" H3 "\n");
	ck_assert_msg(u != NULL, "%s", err);
	ck_assert_ptr_nonnull(ntlm_users_find_entry(u, "USER", "dOMAIN",
	    &fu, &fd));
	ck_assert_str_eq(fu, "User");
	ck_assert_str_eq(fd, "Domain");
	ck_assert_ptr_nonnull(ntlm_users_find_entry(u, "ALICE", "Corp",
	    &fu, &fd));
	ck_assert_str_eq(fu, "alice");
	ck_assert_str_eq(fd, "");
	fu = fd = "untouched";
	ck_assert_ptr_null(ntlm_users_find_entry(u, "mallory", "Domain",
	    &fu, &fd));
	ck_assert_str_eq(fu, "untouched");
	ntlm_users_free(u);
}
END_TEST

START_TEST(test_line_errors)
{
	static const struct {
		const char	*text;
		unsigned	 line;
		const char	*what;
	} e[] = {
		{ "# c\n\nUser\n", 3, "expected user:domain:nthash" },
		{ "User:Domain\n", 1, "expected user:domain:nthash" },
		{ "a::" H1 "\nUser:Domain:" H1 ":x\n", 2,
		    "expected user:domain:nthash" },
		{ "User:Domain:" H1 " # comment\n", 1,
		    "NT hash is not 32 hex digits" },
		{ "\nUser:Domain:a4f49c406510bdcab6824ee7c30fd85\n", 2,
		    "NT hash is not 32 hex digits" },
		{ "User:Domain:a4f49c406510bdcab6824ee7c30fd8521\n", 1,
		    "NT hash is not 32 hex digits" },
		{ "User:Domain:g4f49c406510bdcab6824ee7c30fd852\n", 1,
		    "NT hash is not 32 hex digits" },
		{ "User:Domain:\n", 1, "NT hash is not 32 hex digits" },
		{ "a::" H1 "\n :Domain:" H1 "\n", 2, "empty user name" },
		{ "Us\ter:Domain:" H1 "\n", 1,
		    "user name has control characters" },
		{ "User:Dom\x01:" H1 "\n", 1, "domain has control characters" },
		{ "Us\xe9r:Domain:" H1 "\n", 1, "user name is not UTF-8" },
		{ "User:D\xc3:" H1 "\n", 1, "domain is not UTF-8" },
		{ "a::" H1 "\nb::" H1 "\nA::" H2 "\n", 3,
		    "duplicate entry for user \"A\" in any domain (first on "
		    "line 1)" },
		{ "x:D:" H1 "\nUser:Domain:" H1 "\n\nuser:DOMAIN:" H2 "\n"
		    "user:domain:" H3 "\n", 4,
		    "duplicate entry for user \"user\" in domain \"DOMAIN\" "
		    "(first on line 2)" },
	};
	size_t	i;

	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		expect_error(e[i].text, e[i].line, e[i].what);
}
END_TEST

START_TEST(test_limits)
{
	struct ntlm_users	*u;
	char			*text, *p;
	size_t			 i;

	ck_assert_ptr_nonnull(text = malloc(NTLM_USERS_FILE_MAX + 64));
	/* A 257-byte user name; a 256-byte one is fine. */
	memset(text, 'u', 257);
	snprintf(text + 257, 64, "::" H1 "\n");
	expect_error(text, 1, "user name is longer than 256 bytes");
	memmove(text + 256, text + 257, strlen(text + 257) + 1);
	ck_assert_ptr_nonnull(u = load_text(text));
	ntlm_users_free(u);
	snprintf(text, 64, "u:");
	memset(text + 2, 'd', 257);
	snprintf(text + 259, 64, ":" H1 "\n");
	expect_error(text, 1, "domain is longer than 256 bytes");

	/* A NUL in a line. */
	write_file("a::" H1 "\nb\0::" H1 "\n", 3 + 32 + 1 + 4 + 32 + 1,
	    0600);
	ck_assert_ptr_null(ntlm_users_load(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, ":2: NUL byte in the line"));

	/* More than NTLM_USERS_MAX entries. */
	for (p = text, i = 0; i <= NTLM_USERS_MAX; i++)
		p += sprintf(p, "%zx::" H1 "\n", i);
	expect_error(text, NTLM_USERS_MAX + 1, "more than 65536 entries");

	/* A file larger than NTLM_USERS_FILE_MAX, of comments. */
	memset(text, '#', NTLM_USERS_FILE_MAX + 1);
	text[NTLM_USERS_FILE_MAX + 1] = '\0';
	ck_assert_ptr_null(load_text(text));
	ck_assert_ptr_nonnull(strstr(err, "is larger than"));
	free(text);
}
END_TEST

START_TEST(test_file_checks)
{
	struct ntlm_users	*u;
	char			 small[8];

	write_file("User:Domain:" H1 "\n", 13 + 32, 0644);
	ck_assert_ptr_null(ntlm_users_load(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, path));
	ck_assert_ptr_nonnull(strstr(err, "is readable or writable by group "
	    "or others (mode 0644); chmod 600"));
	ck_assert_int_eq(chmod(path, 0620), 0);
	ck_assert_ptr_null(ntlm_users_load(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "(mode 0620); chmod 600"));
	ck_assert_int_eq(chmod(path, 0604), 0);
	ck_assert_ptr_null(ntlm_users_load(path, err, sizeof(err)));
	ck_assert_int_eq(chmod(path, 0400), 0);
	ck_assert_ptr_nonnull(u = ntlm_users_load(path, err, sizeof(err)));
	ntlm_users_free(u);

	/* A small buffer gets a cut, terminated message. */
	ck_assert_int_eq(chmod(path, 0640), 0);
	memset(small, 'x', sizeof(small));
	ck_assert_ptr_null(ntlm_users_load(path, small, sizeof(small)));
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert_ptr_null(ntlm_users_load(path, NULL, 0));

	ck_assert_ptr_null(ntlm_users_load("/nonexistent/users", err,
	    sizeof(err)));
	ck_assert_str_eq(err, "/nonexistent/users: No such file or directory");
	ck_assert_int_eq(chmod(dir, 0700), 0);
	ck_assert_ptr_null(ntlm_users_load(dir, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "is not a regular file"));
	/* A FIFO is refused at once, not waited on. */
	unlink(path);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_ptr_null(ntlm_users_load(path, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "is not a regular file"));
	if (geteuid() == 0) {
		write_file("User:Domain:" H1 "\n", 13 + 32, 0600);
		ck_assert_int_eq(chown(path, 65534, 65534), 0);
		ck_assert_ptr_null(ntlm_users_load(path, err, sizeof(err)));
		ck_assert_ptr_nonnull(strstr(err, "is owned by uid 65534, "
		    "not root"));
	}
}
END_TEST

Suite *
suite_ntlm_users(void)
{
	Suite	*s = suite_create("ntlm_users");
	TCase	*tc = tcase_create("file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_good_file);
	tcase_add_test(tc, test_canonical_spelling);
	tcase_add_test(tc, test_line_errors);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_file_checks);
	suite_add_tcase(s, tc);
	return s;
}
