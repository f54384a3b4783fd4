/*
 * Unit tests for the Active Directory options (common/config_ad.c):
 * ntlm-source, winbind-privileged-group, winbind-timeout and
 * winbind-checkers, and a route's require-group: what loads, what is
 * refused with file, line and option, the distinct names the checkers
 * are given, and the groups crossing the wire to the workers.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "msgbuf.h"
#include "unit.h"

static char	path[64];
static char	err[16384];
static char	text[4096];

static struct rpxd_conf *
load(const char *t)
{
	struct rpxd_conf	*c;
	size_t			 len = strlen(t);
	int			 fd;

	snprintf(path, sizeof(path), "/tmp/rpxd-unit-ad.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(path), -1);
	ck_assert_int_eq(write(fd, t, len), (ssize_t)len);
	close(fd);
	c = config_load(path, err, sizeof(err));
	unlink(path);
	return c;
}

/* Refused with "path:line: " and every word of the NULL-ended list. */
static void
expect_error(const char *t, int line, ...)
{
	char		 prefix[128];
	const char	*w;
	va_list		 ap;

	ck_assert_msg(load(t) == NULL, "accepted:\n%s", t);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
	ck_assert_msg(strstr(err, prefix) != NULL, "no '%s' in '%s'", prefix,
	    err);
	va_start(ap, line);
	while ((w = va_arg(ap, const char *)) != NULL)
		ck_assert_msg(strstr(err, w) != NULL, "no '%s' in '%s'", w,
		    err);
	va_end(ap);
}

/* A group every test machine has and that is not root's: nobody's. */
static const char *
some_group(void)
{
	struct passwd	*pw = getpwnam("nobody");
	struct group	*gr;

	ck_assert_ptr_nonnull(pw);
	ck_assert_ptr_nonnull(gr = getgrgid(pw->pw_gid));
	return gr->gr_name;
}

/* Lines 1-2 the globals, 3 a backend, 4-5 a listener, then routes. */
static const char *
conf(const char *source, const char *routes)
{
	snprintf(text, sizeof(text),
	    "ntlm-source = \"%s\"\n"
	    "winbind-privileged-group = \"%s\"\n"
	    "backend \"b\" { server = { \"127.0.0.1:8080\" } }\n"
	    "listener \"l\" {\n port = 443\n%s}\n", source, some_group(),
	    routes);
	return text;
}

#define LYNC_G	"\"CORP\\\\LyncExternalUsers\", \"Admins\""
#define LYNC	" route \"lync\" {\n backend = \"b\"\n auth = \"ntlm\"\n" \
		" require-group = { " LYNC_G " }\n }\n"
#define OWA	" route \"owa\" {\n backend = \"b\"\n auth = \"ntlm\"\n" \
		" path = \"/owa/*\"\n" \
		" require-group = { \"corp\\\\lyncexternalusers\" }\n }\n"

START_TEST(test_winbind_loads)
{
	struct rpxd_conf	*c = load(conf("winbind", LYNC OWA));
	const struct route_conf	*rt;
	char			 names[RPXD_ALL_GROUPS_MAX]
				    [RPXD_GROUP_NAME_MAX];

	ck_assert_msg(c != NULL, "refused: %s", err);
	ck_assert_int_eq(c->rc_ntlm_source, NTLM_SOURCE_WINBIND);
	/* No ntlm-users file: the domain checks the logins. */
	ck_assert_ptr_null(c->rc_users);
	ck_assert_uint_ne(c->rc_winbind_gid, 0);
	ck_assert_uint_eq(c->rc_winbind_timeout, 5);
	ck_assert_uint_eq(c->rc_winbind_checkers, 2);
	rt = &c->rc_listeners[0].ls_routes[0];
	ck_assert_uint_eq(rt->rt_ngroups, 2);
	ck_assert_str_eq(rt->rt_groups[0], "CORP\\LyncExternalUsers");
	ck_assert_str_eq(rt->rt_groups[1], "Admins");
	ck_assert_uint_eq(rt->rt_groups_line, 9);
	/* The checkers get each name once, compared without case. */
	ck_assert_uint_eq(config_all_groups(c, names, RPXD_ALL_GROUPS_MAX),
	    2);
	ck_assert_str_eq(names[0], "CORP\\LyncExternalUsers");
	ck_assert_str_eq(names[1], "Admins");
	ck_assert_str_eq(config_ntlm_source_name(c->rc_ntlm_source),
	    "winbind");
	config_free(c);
}
END_TEST

START_TEST(test_winbind_wire)
{
	struct rpxd_conf	*c = load(conf("winbind", LYNC OWA)), *d;
	struct msgbuf		 mb, rd;
	const struct route_conf	*rt;
	unsigned char		*copy;

	ck_assert_msg(c != NULL, "refused: %s", err);
	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	ck_assert_ptr_nonnull(copy = malloc(mb.mb_len));
	memcpy(copy, mb.mb_data, mb.mb_len);
	msgbuf_init(&rd);
	msgbuf_attach(&rd, copy, mb.mb_len);
	ck_assert_ptr_nonnull(d = config_decode(&rd));
	msgbuf_free(&rd);
	rt = &d->rc_listeners[0].ls_routes[1];
	ck_assert_uint_eq(rt->rt_ngroups, 1);
	ck_assert_str_eq(rt->rt_groups[0], "corp\\lyncexternalusers");
	ck_assert_uint_eq(d->rc_winbind_gid, c->rc_winbind_gid);
	ck_assert_uint_eq(d->rc_winbind_timeout, c->rc_winbind_timeout);
	config_free(d);
	/* A route that does not authenticate never carries groups. */
	c->rc_listeners[0].ls_routes[1].rt_auth = AUTH_NONE;
	msgbuf_free(&mb);
	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	ck_assert_ptr_nonnull(copy = malloc(mb.mb_len));
	memcpy(copy, mb.mb_data, mb.mb_len);
	msgbuf_init(&rd);
	msgbuf_attach(&rd, copy, mb.mb_len);
	ck_assert_ptr_null(config_decode(&rd));
	msgbuf_free(&rd);
	msgbuf_free(&mb);
	config_free(c);
}
END_TEST

START_TEST(test_winbind_errors)
{
	char	t[4096];

	expect_error(conf("ldap", LYNC), 1, "ntlm-source", "\"ldap\"",
	    "\"winbind\"", NULL);
	/* Groups come from the domain only. */
	expect_error(conf("file", LYNC), 9, "route \"lync\"", "require-group",
	    "ntlm-source = \"winbind\"", NULL);
	expect_error(conf("winbind", " route \"r\" {\n backend = \"b\"\n"
	    " require-group = { \"G\" }\n }\n"), 8, "route \"r\"",
	    "require-group", "only with auth = \"ntlm\"", NULL);
	expect_error(conf("winbind", " route \"r\" {\n backend = \"b\"\n"
	    " auth = \"ntlm\"\n require-group = { \"\\\\G\" }\n }\n"), 9,
	    "require-group", "\"\\G\"", NULL);
	expect_error(conf("winbind", " route \"r\" {\n backend = \"b\"\n"
	    " auth = \"ntlm\"\n require-group = { \"A\\\\B\\\\C\" }\n }\n"), 9,
	    "require-group", "DOMAIN", NULL);
	expect_error(conf("winbind", " route \"r\" {\n backend = \"b\"\n"
	    " auth = \"ntlm\"\n require-group = { \"G\", \"g\" }\n }\n"), 9,
	    "require-group", "listed twice", NULL);
	/* The file source still needs its file. */
	expect_error(conf("file", " route \"r\" {\n backend = \"b\"\n"
	    " auth = \"ntlm\"\n }\n"), 6, "route \"r\"",
	    "needs the global ntlm-users", NULL);
	snprintf(t, sizeof(t), "ntlm-source = \"winbind\"\n"
	    "winbind-privileged-group = \"no-such-group-rpxd\"\n"
	    "backend \"b\" { server = { \"127.0.0.1:8080\" } }\n"
	    "listener \"l\" {\n port = 443\n route \"r\" { backend = \"b\" "
	    "auth = \"ntlm\" }\n}\n");
	expect_error(t, 2, "winbind-privileged-group", "no-such-group-rpxd",
	    "unknown group", NULL);
	snprintf(t, sizeof(t), "winbind-timeout = 0\n%s",
	    conf("winbind", LYNC));
	expect_error(t, 1, "winbind-timeout", "out of range", NULL);
	snprintf(t, sizeof(t), "winbind-checkers = 17\n%s",
	    conf("winbind", LYNC));
	expect_error(t, 1, "winbind-checkers", "out of range", NULL);
}
END_TEST

/* negotiate-keytab: the domain's, and a secret (chmod 600). */
START_TEST(test_keytab)
{
	struct rpxd_conf	*c;
	char			 kt[64], t[4096];
	int			 fd;

	snprintf(kt, sizeof(kt), "/tmp/rpxd-unit-kt.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(kt), -1);	/* mode 600 */
	close(fd);
	snprintf(t, sizeof(t), "negotiate-keytab = \"%s\"\n%s", kt,
	    conf("winbind", LYNC));
	ck_assert_msg((c = load(t)) != NULL, "refused: %s", err);
	ck_assert_str_eq(c->rc_negotiate_keytab, kt);
	config_free(c);
	snprintf(t, sizeof(t), "negotiate-keytab = \"%s\"\n%s", kt,
	    conf("file", " route \"r\" {\n backend = \"b\"\n }\n"));
	expect_error(t, 1, "negotiate-keytab", "ntlm-source = \"winbind\"",
	    NULL);
	ck_assert_int_eq(chmod(kt, 0640), 0);
	snprintf(t, sizeof(t), "negotiate-keytab = \"%s\"\n%s", kt,
	    conf("winbind", LYNC));
	expect_error(t, 1, "negotiate-keytab", "chmod 600", NULL);
	unlink(kt);
	expect_error(t, 1, "negotiate-keytab", kt, NULL);
}
END_TEST

/*
 * delegate: a route rpxd logs clients in to, with negotiate-keytab,
 * names the backend's service principal; it crosses the wire; anything
 * else is refused naming file, line, route and option.
 */
#define DLG(auth, spn)	" route \"app\" {\n backend = \"b\"\n auth = \"" auth \
			"\"\n delegate = \"" spn "\"\n }\n"
START_TEST(test_delegate)
{
	struct rpxd_conf	*c, *d;
	struct msgbuf		 mb, rd;
	unsigned char		*copy;
	char			 kt[64], t[4096];
	int			 fd;

	snprintf(kt, sizeof(kt), "/tmp/rpxd-unit-kt.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(kt), -1);
	close(fd);
	snprintf(t, sizeof(t), "negotiate-keytab = \"%s\"\n%s", kt,
	    conf("winbind", DLG("ntlm", "HTTP/app.corp.example.com")));
	ck_assert_msg((c = load(t)) != NULL, "refused: %s", err);
	ck_assert_str_eq(c->rc_listeners[0].ls_routes[0].rt_delegate,
	    "HTTP/app.corp.example.com");
	ck_assert(config_delegate_known(c, "HTTP/app.corp.example.com"));
	ck_assert(!config_delegate_known(c, "HTTP/other.corp.example.com"));
	ck_assert(!config_delegate_known(c, ""));
	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	ck_assert_ptr_nonnull(copy = malloc(mb.mb_len));
	memcpy(copy, mb.mb_data, mb.mb_len);
	msgbuf_init(&rd);
	msgbuf_attach(&rd, copy, mb.mb_len);
	ck_assert_ptr_nonnull(d = config_decode(&rd));
	ck_assert_str_eq(d->rc_listeners[0].ls_routes[0].rt_delegate,
	    "HTTP/app.corp.example.com");
	msgbuf_free(&rd);
	msgbuf_free(&mb);
	config_free(d);
	config_free(c);
	snprintf(t, sizeof(t), "negotiate-keytab = \"%s\"\n%s", kt,
	    conf("winbind", DLG("negotiate", "HTTP/app@CORP.EXAMPLE.COM")));
	ck_assert_msg((c = load(t)) != NULL, "refused: %s", err);
	config_free(c);
	/* Lines: 1 the keytab, 2-3 globals, 4 backend, 5-6 listener, 7
	 * route, 8 backend, 9 auth, 10 delegate. */
	snprintf(t, sizeof(t), "negotiate-keytab = \"%s\"\n%s", kt,
	    conf("winbind", DLG("passthrough", "HTTP/app.corp.example.com")));
	expect_error(t, 10, "route \"app\"", "delegate", "auth = \"ntlm\"",
	    NULL);
	snprintf(t, sizeof(t), "negotiate-keytab = \"%s\"\n%s", kt,
	    conf("winbind", DLG("ntlm", "app.corp.example.com")));
	expect_error(t, 10, "delegate", "service/host", NULL);
	snprintf(t, sizeof(t), "negotiate-keytab = \"%s\"\n%s", kt,
	    conf("winbind", DLG("ntlm", "HTTP/a b")));
	expect_error(t, 10, "delegate", "printable", NULL);
	snprintf(t, sizeof(t), "negotiate-keytab = \"%s\"\n%s", kt,
	    conf("winbind", DLG("ntlm", "HTTP/app@")));
	expect_error(t, 10, "delegate", "service/host@REALM", NULL);
	/* A route of the ntlm-users file: its users have no ticket. */
	snprintf(t, sizeof(t), "negotiate-keytab = \"%s\"\nntlm-users = "
	    "\"/dev/null\"\n%s", kt, conf("winbind", " route \"app\" {\n"
	    " backend = \"b\"\n auth = \"ntlm\"\n ntlm-source = \"file\"\n"
	    " delegate = \"HTTP/app.corp.example.com\"\n }\n"));
	ck_assert_ptr_null(load(t));
	ck_assert_msg(strstr(err, "delegate: only with ntlm-source = "
	    "\"winbind\"") != NULL, "%s", err);
	/* Without negotiate-keytab no key can ask the domain: line 9. */
	expect_error(conf("winbind", DLG("ntlm", "HTTP/app.corp.example.com")),
	    9, "route \"app\"", "delegate", "negotiate-keytab", NULL);
	unlink(kt);
	ck_assert_ptr_null(config_delegate_problem("HTTP/h"));
	ck_assert_ptr_nonnull(config_delegate_problem("/h"));
	ck_assert_ptr_nonnull(config_delegate_problem("HTTP/"));
	ck_assert_ptr_nonnull(config_delegate_problem("HTTP/a/b"));
	ck_assert_ptr_nonnull(config_delegate_problem("HT@TP/a"));
	ck_assert_ptr_nonnull(config_delegate_problem("HTTP/a@B@C"));
}
END_TEST

/*
 * auth = "negotiate": Kerberos alone, with the service's keys; it may
 * require groups and name its identity header, crosses the wire to the
 * workers, and without negotiate-keytab is refused naming the route.
 */
#define KRB	" route \"krb\" {\n backend = \"b\"\n auth = \"negotiate\"\n" \
		" auth-header = \"X-User\"\n" \
		" require-group = { \"CORP\\\\Staff\" }\n }\n"
START_TEST(test_negotiate_route)
{
	struct rpxd_conf	*c, *d;
	struct msgbuf		 mb, rd;
	const struct route_conf	*rt;
	unsigned char		*copy;
	char			 kt[64], t[4096];
	int			 fd;

	snprintf(kt, sizeof(kt), "/tmp/rpxd-unit-kt.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(kt), -1);	/* mode 600 */
	close(fd);
	snprintf(t, sizeof(t), "negotiate-keytab = \"%s\"\n%s", kt,
	    conf("winbind", KRB));
	c = load(t);
	unlink(kt);
	ck_assert_msg(c != NULL, "refused: %s", err);
	rt = &c->rc_listeners[0].ls_routes[0];
	ck_assert_int_eq(rt->rt_auth, AUTH_NEGOTIATE);
	ck_assert_str_eq(config_auth_name(rt->rt_auth), "negotiate");
	ck_assert_str_eq(rt->rt_auth_header, "X-User");
	ck_assert_uint_eq(rt->rt_ngroups, 1);
	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	ck_assert_ptr_nonnull(copy = malloc(mb.mb_len));
	memcpy(copy, mb.mb_data, mb.mb_len);
	msgbuf_init(&rd);
	msgbuf_attach(&rd, copy, mb.mb_len);
	ck_assert_ptr_nonnull(d = config_decode(&rd));
	ck_assert_int_eq(d->rc_listeners[0].ls_routes[0].rt_auth,
	    AUTH_NEGOTIATE);
	ck_assert_str_eq(d->rc_listeners[0].ls_routes[0].rt_groups[0],
	    "CORP\\Staff");
	config_free(d);
	msgbuf_free(&rd);
	msgbuf_free(&mb);
	config_free(c);
	/* Without the service's keys: refused at the route's line. */
	expect_error(conf("winbind", KRB), 6, "route \"krb\"",
	    "auth = \"negotiate\" needs negotiate-keytab", NULL);
	expect_error(conf("winbind", " route \"r\" {\n backend = \"b\"\n"
	    " auth = \"kerberos\"\n }\n"), 8, "auth", "\"kerberos\"",
	    "\"negotiate\"", NULL);
}
END_TEST

/*
 * ntlm-source on a route: the global one is the default; a site can
 * check one route against the domain and another against the ntlm-users
 * file, and the source crosses the wire to the workers (they name it in
 * each check and offer Negotiate only where the domain checks).
 */
#define PARTNER	" route \"partner\" {\n backend = \"b\"\n auth = \"ntlm\"\n" \
		" host = { \"p.example\" }\n }\n"
START_TEST(test_route_source)
{
	static const char	 line[] = "partner1:CORP:"
				    "a4f49c406510bdcab6824ee7c30fd852\n";
	struct rpxd_conf	*c, *d;
	struct msgbuf		 mb, rd;
	unsigned char		*copy;
	char			 users[64], t[4096];
	int			 fd;

	snprintf(users, sizeof(users), "/tmp/rpxd-unit-users.XXXXXX");
	ck_assert_int_ne(fd = mkstemp(users), -1);	/* mode 600 */
	ck_assert_int_eq(write(fd, line, sizeof(line) - 1),
	    (ssize_t)sizeof(line) - 1);
	close(fd);
	/* Global file, one route of the domain's. */
	snprintf(t, sizeof(t), "ntlm-users = \"%s\"\n%s", users,
	    conf("file", PARTNER " route \"lync\" {\n backend = \"b\"\n"
	    " auth = \"ntlm\"\n ntlm-source = \"winbind\"\n"
	    " require-group = { \"CORP\\\\Staff\" }\n host = { \"l.example\" }\n"
	    " }\n"));
	c = load(t);
	ck_assert_msg(c != NULL, "refused: %s", err);
	ck_assert_int_eq(c->rc_ntlm_source, NTLM_SOURCE_FILE);
	ck_assert_int_eq(c->rc_listeners[0].ls_routes[0].rt_ntlm_source,
	    NTLM_SOURCE_FILE);
	ck_assert_int_eq(c->rc_listeners[0].ls_routes[1].rt_ntlm_source,
	    NTLM_SOURCE_WINBIND);
	ck_assert_uint_eq(c->rc_listeners[0].ls_routes[1].rt_ntlm_source_line,
	    15);
	ck_assert(config_uses_winbind(c) && config_uses_file(c));
	ck_assert_ptr_nonnull(c->rc_users);	/* the file is read */
	ck_assert_uint_ne(c->rc_winbind_gid, 0);	/* and the domain's */
	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	ck_assert_ptr_nonnull(copy = malloc(mb.mb_len));
	memcpy(copy, mb.mb_data, mb.mb_len);
	msgbuf_init(&rd);
	msgbuf_attach(&rd, copy, mb.mb_len);
	ck_assert_ptr_nonnull(d = config_decode(&rd));
	ck_assert_int_eq(d->rc_listeners[0].ls_routes[0].rt_ntlm_source,
	    NTLM_SOURCE_FILE);
	ck_assert_int_eq(d->rc_listeners[0].ls_routes[1].rt_ntlm_source,
	    NTLM_SOURCE_WINBIND);
	config_free(d);
	msgbuf_free(&rd);
	msgbuf_free(&mb);
	config_free(c);
	/* Global winbind, one route of the file's: the file is read. */
	snprintf(t, sizeof(t), "ntlm-users = \"%s\"\n%s", users,
	    conf("winbind", " route \"partner\" {\n backend = \"b\"\n"
	    " auth = \"ntlm\"\n ntlm-source = \"file\"\n"
	    " host = { \"p.example\" }\n }\n" LYNC));
	c = load(t);
	ck_assert_msg(c != NULL, "refused: %s", err);
	ck_assert_int_eq(c->rc_listeners[0].ls_routes[0].rt_ntlm_source,
	    NTLM_SOURCE_FILE);
	ck_assert_int_eq(c->rc_listeners[0].ls_routes[1].rt_ntlm_source,
	    NTLM_SOURCE_WINBIND);
	ck_assert_ptr_nonnull(c->rc_users);
	config_free(c);
	/* ... but without the file, that route is refused at its option. */
	expect_error(conf("winbind", " route \"partner\" {\n backend = \"b\"\n"
	    " auth = \"ntlm\"\n ntlm-source = \"file\"\n }\n"), 9,
	    "route \"partner\"", "ntlm-source = \"file\" needs the global "
	    "ntlm-users", NULL);
	/* A bad name, a route that does not authenticate, groups of a
	 * file route, Kerberos on a file route: each at its line. */
	expect_error(conf("winbind", " route \"r\" {\n backend = \"b\"\n"
	    " auth = \"ntlm\"\n ntlm-source = \"ldap\"\n }\n"), 9,
	    "ntlm-source", "\"ldap\"", NULL);
	expect_error(conf("winbind", " route \"r\" {\n backend = \"b\"\n"
	    " ntlm-source = \"winbind\"\n }\n"), 8, "route \"r\"",
	    "ntlm-source: only with auth", NULL);
	snprintf(t, sizeof(t), "ntlm-users = \"%s\"\n%s", users,
	    conf("winbind", " route \"r\" {\n backend = \"b\"\n"
	    " auth = \"ntlm\"\n ntlm-source = \"file\"\n"
	    " require-group = { \"G\" }\n }\n"));
	expect_error(t, 11, "route \"r\"", "require-group", "only with "
	    "ntlm-source = \"winbind\"", NULL);
	snprintf(t, sizeof(t), "ntlm-users = \"%s\"\n%s", users,
	    conf("winbind", " route \"r\" {\n backend = \"b\"\n"
	    " auth = \"negotiate\"\n ntlm-source = \"file\"\n }\n"));
	expect_error(t, 7, "route \"r\"", "auth = \"negotiate\" needs",
	    "ntlm-source = \"winbind\"", NULL);
	unlink(users);
}
END_TEST

Suite *
suite_config_ad(void)
{
	Suite	*s = suite_create("config_ad");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_winbind_loads);
	tcase_add_test(tc, test_winbind_wire);
	tcase_add_test(tc, test_winbind_errors);
	tcase_add_test(tc, test_keytab);
	tcase_add_test(tc, test_negotiate_route);
	tcase_add_test(tc, test_route_source);
	tcase_add_test(tc, test_delegate);
	suite_add_tcase(s, tc);
	return s;
}
