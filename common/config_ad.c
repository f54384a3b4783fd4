/*
 * The configuration grammar of Active Directory logins: ntlm-source
 * ("file" or "winbind"), global and per route (a route without one takes
 * the global one), with winbind-privileged-group (the timeout and count
 * of checkers are in config_parse.c's integers) and negotiate-keytab
 * (Kerberos), and a route's require-group list,
 * checked while parsing (so errors carry the option's line) and copied
 * into struct rpxd_conf; and the list of every group name the routes
 * require, which the master hands the winbind checkers (master/winbind.c).
 * Only the master links the parsing half.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <confuse.h>

#include "config.h"
#include "config_parse.h"
#include "log.h"

static const char *const source_names[] = { "file", "winbind", NULL };

const char *
config_ntlm_source_name(int s)
{
	return s >= NTLM_SOURCE_FILE && s <= NTLM_SOURCE_WINBIND ?
	    source_names[s] : "?";
}

static int
source_index(const char *v)
{
	int	i;

	for (i = 0; source_names[i] != NULL; i++)
		if (strcmp(source_names[i], v) == 0)
			return i;
	return -1;
}

static int
v_ntlm_source(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	config_opt_line_note(opt, cfg->line);
	if (source_index(v) == -1)
		config_perr(cfg->line, "ntlm-source: \"%.64s\" is not \"file\" "
		    "or \"winbind\"", v);
	return 0;
}

/*
 * A group as the domain names it: "DOMAIN\group" or "group" (then the
 * domain winbind belongs to), at most one backslash, neither end a
 * backslash, no control characters (it is logged and compared as is).
 */
static const char *
group_name_problem(const char *v)
{
	size_t		 len = strlen(v), i;
	const char	*bs = strchr(v, '\\');

	if (len == 0 || len >= RPXD_GROUP_NAME_MAX)
		return "must be 1 to 255 bytes";
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return "has a control character";
	if (bs != NULL && (bs == v || bs[1] == '\0' ||
	    strchr(bs + 1, '\\') != NULL))
		return "is not \"DOMAIN\\\\group\" or \"group\"";
	return NULL;
}

static int
v_require_group(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v, *why;

	config_note(cfg);
	config_opt_line_note(opt, cfg->line);
	if ((v = config_new_list_element(opt)) == NULL)
		return 0;
	if ((why = group_name_problem(v)) != NULL)
		config_perr(cfg->line, "require-group: \"%.64s\" %s", v, why);
	return 0;
}

static int
v_winbind_group(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	config_opt_line_note(opt, cfg->line);
	if (v[0] == '\0' || strlen(v) >= RPXD_NAME_MAX)
		config_perr(cfg->line, "winbind-privileged-group: must be 1 to "
		    "%d characters", RPXD_NAME_MAX - 1);
	return 0;
}

void
config_ad_validators(cfg_t *root)
{
	cfg_set_validate_func(root, "winbind-privileged-group",
	    v_winbind_group);
	cfg_set_validate_func(root, "ntlm-source", v_ntlm_source);
	cfg_set_validate_func(root, "listener|route|ntlm-source",
	    v_ntlm_source);
	cfg_set_validate_func(root, "listener|route|require-group",
	    v_require_group);
}

/*
 * negotiate-keytab: the keys of rpxd's HTTP service principal, a secret
 * like a private key: a regular file of root's (or of whoever runs rpxd)
 * that group and others cannot touch. Only the domain checkers read it,
 * at start and before they drop root; it needs the domain (winbind) to
 * name the users and their groups.
 */
static void
fill_keytab(struct rpxd_conf *c, cfg_t *root)
{
	const char	*v = cfg_getstr(root, "negotiate-keytab");
	unsigned	 line = config_opt_line(root, "negotiate-keytab");
	struct stat	 st;

	if (v == NULL)
		return;
	config_copy_str(c->rc_negotiate_keytab,
	    sizeof(c->rc_negotiate_keytab), v);
	c->rc_negotiate_keytab_line = line;
	if (v[0] == '/' && stat(v, &st) == -1)
		config_perr((int)line, "negotiate-keytab: %s: %s", v,
		    strerror(errno));
	else if (v[0] == '/' && !S_ISREG(st.st_mode))
		config_perr((int)line, "negotiate-keytab: %s: not a regular "
		    "file", v);
	else if (v[0] == '/' && ((st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & 077) != 0))
		config_perr((int)line, "negotiate-keytab: %s: must be owned "
		    "by root and not readable or writable by group or others "
		    "(chmod 600)", v);
}

void
config_fill_ad_globals(struct rpxd_conf *c, cfg_t *root)
{
	int	s = source_index(cfg_getstr(root, "ntlm-source"));

	c->rc_ntlm_source = s < 0 ? NTLM_SOURCE_FILE : s;
	c->rc_ntlm_source_line = config_opt_line(root, "ntlm-source");
	fill_keytab(c, root);
	c->rc_winbind_group_line = config_opt_line(root,
	    "winbind-privileged-group");
	config_copy_str(c->rc_winbind_group, sizeof(c->rc_winbind_group),
	    cfg_getstr(root, "winbind-privileged-group"));
}

static int
checked_by_domain(const struct route_conf *rt, const void *arg)
{
	(void)arg;
	return AUTH_BY_PROXY(rt->rt_auth) &&
	    rt->rt_ntlm_source == NTLM_SOURCE_WINBIND;
}

static int
checked_by_file(const struct route_conf *rt, const void *arg)
{
	(void)arg;
	return rt->rt_auth == AUTH_NTLM &&
	    rt->rt_ntlm_source == NTLM_SOURCE_FILE;
}

int
config_uses_winbind(const struct rpxd_conf *c)
{
	return c->rc_ntlm_source == NTLM_SOURCE_WINBIND ||
	    config_any_route(c, checked_by_domain, NULL);
}

int
config_uses_file(const struct rpxd_conf *c)
{
	return config_any_route(c, checked_by_file, NULL);
}

/*
 * After every section is read: each route's source (its own, else the
 * global one); then what the domain needs, wherever a route uses it:
 * the privileged group, and a keytab only beside the domain.
 */
void
config_resolve_ad(struct rpxd_conf *c)
{
	struct route_conf	*rt;
	struct group		*gr;
	unsigned		 i, j, line = c->rc_winbind_group_line;

	for (i = 0; i < c->rc_nlisteners; i++)
		for (j = 0; j < c->rc_listeners[i].ls_nroutes; j++) {
			rt = &c->rc_listeners[i].ls_routes[j];
			if (rt->rt_ntlm_source_line == 0)
				rt->rt_ntlm_source = c->rc_ntlm_source;
			else if (!AUTH_BY_PROXY(rt->rt_auth))
				config_perr((int)rt->rt_ntlm_source_line,
				    "listener \"%s\": route \"%s\": "
				    "ntlm-source: only with auth = \"ntlm\" or "
				    "\"negotiate\"", c->rc_listeners[i].ls_name,
				    rt->rt_name);
		}
	if (!config_uses_winbind(c)) {
		if (c->rc_negotiate_keytab[0] != '\0')
			config_perr((int)c->rc_negotiate_keytab_line,
			    "negotiate-keytab: only with ntlm-source = "
			    "\"winbind\" (the domain names the users)");
		return;
	}
	if (line == 0)
		line = c->rc_ntlm_source_line;
	/* Only members of it may ask winbind to check a challenge and
	 * response (its privileged socket): the domain checkers run as
	 * the user with this group beside the user's own. */
	if ((gr = getgrnam(c->rc_winbind_group)) == NULL)
		config_perr((int)line,
		    "winbind-privileged-group: unknown group \"%s\" (winbind "
		    "makes winbindd_priv; it owns winbind's privileged socket "
		    "directory)", c->rc_winbind_group);
	else if (gr->gr_gid == 0)
		config_perr((int)line,
		    "winbind-privileged-group: \"%s\" has gid 0",
		    c->rc_winbind_group);
	else
		c->rc_winbind_gid = gr->gr_gid;
}

void
config_fill_route_groups(struct route_conf *rt, cfg_t *sec,
    const char *ls_name)
{
	unsigned	i, j, n = cfg_size(sec, "require-group");
	const char	*src = cfg_getstr(sec, "ntlm-source");
	int		 s;

	if (src != NULL && (s = source_index(src)) >= 0) {
		rt->rt_ntlm_source = s;
		rt->rt_ntlm_source_line = config_opt_line(sec, "ntlm-source");
		if (rt->rt_ntlm_source_line == 0)
			rt->rt_ntlm_source_line = rt->rt_line;
	}
	if (n == 0)
		return;
	rt->rt_groups_line = config_opt_line(sec, "require-group");
	if (n > RPXD_GROUPS_MAX) {
		config_perr((int)rt->rt_groups_line, "listener \"%s\": route "
		    "\"%s\": require-group: more than %d groups", ls_name,
		    rt->rt_name, RPXD_GROUPS_MAX);
		return;
	}
	if ((rt->rt_groups = calloc(n, sizeof(*rt->rt_groups))) == NULL) {
		config_perr((int)rt->rt_groups_line, "listener \"%s\": route "
		    "\"%s\": out of memory", ls_name, rt->rt_name);
		return;
	}
	rt->rt_ngroups = n;
	for (i = 0; i < n; i++) {
		config_copy_str(rt->rt_groups[i], RPXD_GROUP_NAME_MAX,
		    cfg_getnstr(sec, "require-group", i));
		for (j = 0; j < i; j++)
			if (strcasecmp(rt->rt_groups[j], rt->rt_groups[i]) == 0)
				config_perr((int)rt->rt_groups_line, "listener "
				    "\"%s\": route \"%s\": require-group: "
				    "\"%s\" is listed twice", ls_name,
				    rt->rt_name, rt->rt_groups[i]);
	}
}

/*
 * After every section is read: groups come from the domain, so only a
 * route that authenticates (auth = "ntlm" or "negotiate") with
 * ntlm-source = "winbind" (its own or the global one) can require them; and the names of all routes together are bounded,
 * as the checkers resolve and test each one per login.
 */
void
config_check_groups(const struct rpxd_conf *c)
{
	const struct listener_conf	*ls;
	const struct route_conf		*rt;
	unsigned			 i, j;

	if (c->rc_ntlm_source == NTLM_SOURCE_WINBIND &&
	    c->rc_ntlm_users[0] != '\0' && !config_uses_file(c))
		log_warnx("%s:%u: ntlm-source = \"winbind\": the ntlm-users "
		    "file %s is not read", c->rc_file, c->rc_ntlm_source_line,
		    c->rc_ntlm_users);
	for (i = 0; i < c->rc_nlisteners; i++) {
		ls = &c->rc_listeners[i];
		for (j = 0; j < ls->ls_nroutes; j++) {
			rt = &ls->ls_routes[j];
			if (rt->rt_ngroups == 0)
				continue;
			if (!AUTH_BY_PROXY(rt->rt_auth))
				config_perr((int)rt->rt_groups_line, "listener "
				    "\"%s\": route \"%s\": require-group: only "
				    "with auth = \"ntlm\" or \"negotiate\"",
				    ls->ls_name, rt->rt_name);
			else if (rt->rt_ntlm_source != NTLM_SOURCE_WINBIND)
				config_perr((int)rt->rt_groups_line, "listener "
				    "\"%s\": route \"%s\": require-group: only "
				    "with ntlm-source = \"winbind\" (the "
				    "ntlm-users file has no groups)",
				    ls->ls_name, rt->rt_name);
		}
	}
	if (config_all_groups(c, NULL, 0) > RPXD_ALL_GROUPS_MAX)
		config_perr((int)c->rc_ntlm_source_line, "require-group: the "
		    "routes name more than %d different groups together",
		    RPXD_ALL_GROUPS_MAX);
}

/* Whether name is among the first n of names, without ASCII case. */
static int
listed(const char (*names)[RPXD_GROUP_NAME_MAX], unsigned n,
    const char *name)
{
	unsigned	i;

	for (i = 0; i < n; i++)
		if (strcasecmp(names[i], name) == 0)
			return 1;
	return 0;
}

unsigned
config_all_groups(const struct rpxd_conf *c,
    char (*out)[RPXD_GROUP_NAME_MAX], unsigned max)
{
	const struct route_conf	*rt;
	char			 seen[RPXD_ALL_GROUPS_MAX + 1]
				    [RPXD_GROUP_NAME_MAX];
	unsigned		 i, j, k, n = 0;

	for (i = 0; i < c->rc_nlisteners; i++)
		for (j = 0; j < c->rc_listeners[i].ls_nroutes; j++) {
			rt = &c->rc_listeners[i].ls_routes[j];
			for (k = 0; k < rt->rt_ngroups; k++) {
				if (listed((const char (*)[RPXD_GROUP_NAME_MAX])
				    seen, n < RPXD_ALL_GROUPS_MAX ? n :
				    RPXD_ALL_GROUPS_MAX, rt->rt_groups[k]))
					continue;
				if (n < RPXD_ALL_GROUPS_MAX)
					snprintf(seen[n], sizeof(seen[n]),
					    "%s", rt->rt_groups[k]);
				if (out != NULL && n < max)
					snprintf(out[n], RPXD_GROUP_NAME_MAX,
					    "%s", rt->rt_groups[k]);
				n++;
			}
		}
	return n;
}
