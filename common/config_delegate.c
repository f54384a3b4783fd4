/*
 * A route's delegate: Kerberos constrained delegation to the backend
 * (issue 18). After rpxd has logged a client in (NTLM or Kerberos, on an
 * auth = "ntlm" or "negotiate" route), a domain checker obtains, with
 * S4U2Self and S4U2Proxy, a Kerberos ticket of that user for the
 * backend's service principal named here, and the worker logs in to the
 * backend with it. The checker uses the keys of negotiate-keytab, so the
 * option needs it, and the route's ntlm-source "winbind". Checked while
 * parsing, so errors carry the option's line; the master also asks here
 * whether a principal a worker names is one of the configuration's.
 */
#include <stdio.h>
#include <string.h>

#include <confuse.h>

#include "config.h"
#include "config_parse.h"

const char *
config_delegate_problem(const char *v)
{
	const char	*slash = strchr(v, '/'), *at = strchr(v, '@');
	size_t		 len = strlen(v), i;

	if (len < 3 || len >= RPXD_SPN_MAX)
		return "must be 3 to 255 characters";
	for (i = 0; i < len; i++)
		if (v[i] <= 0x20 || v[i] >= 0x7f || v[i] == '\\' ||
		    v[i] == '"')
			return "must be printable ASCII without spaces, "
			    "quotes or backslashes";
	if (slash == NULL || slash == v || slash[1] == '\0' || slash[1] == '@' ||
	    strchr(slash + 1, '/') != NULL)
		return "is not \"service/host\" (e.g. \"HTTP/web.example.com\")";
	if (at != NULL && (at < slash || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL))
		return "is not \"service/host@REALM\"";
	return NULL;
}

static int
v_delegate(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0), *why;

	config_opt_line_note(opt, cfg->line);
	if ((why = config_delegate_problem(v)) != NULL)
		config_perr(cfg->line, "delegate: \"%.64s\" %s", v, why);
	return 0;
}

void
config_delegate_validators(cfg_t *root)
{
	cfg_set_validate_func(root, "listener|route|delegate", v_delegate);
}

void
config_fill_route_delegate(struct route_conf *rt, cfg_t *sec)
{
	const char	*v = cfg_getstr(sec, "delegate");

	if (v == NULL)
		return;
	rt->rt_delegate_line = config_opt_line(sec, "delegate");
	snprintf(rt->rt_delegate, sizeof(rt->rt_delegate), "%s", v);
}

/*
 * After every section is read: only a route rpxd logs clients in to has
 * a user to delegate, and only the keys of negotiate-keytab can ask the
 * domain for that user's ticket.
 */
void
config_check_delegate(const struct rpxd_conf *c)
{
	const struct listener_conf	*ls;
	const struct route_conf		*rt;
	unsigned			 i, j;

	for (i = 0; i < c->rc_nlisteners; i++) {
		ls = &c->rc_listeners[i];
		for (j = 0; j < ls->ls_nroutes; j++) {
			rt = &ls->ls_routes[j];
			if (rt->rt_delegate[0] == '\0')
				continue;
			if (!AUTH_BY_PROXY(rt->rt_auth))
				config_perr((int)rt->rt_delegate_line,
				    "listener \"%s\": route \"%s\": delegate: "
				    "only with auth = \"ntlm\" or \"negotiate\" "
				    "(rpxd must have logged the user in)",
				    ls->ls_name, rt->rt_name);
			else if (rt->rt_ntlm_source != NTLM_SOURCE_WINBIND)
				config_perr((int)rt->rt_delegate_line,
				    "listener \"%s\": route \"%s\": delegate: "
				    "only with ntlm-source = \"winbind\" (the "
				    "users of the ntlm-users file have no "
				    "Kerberos identity)", ls->ls_name,
				    rt->rt_name);
			else if (c->rc_negotiate_keytab[0] == '\0')
				config_perr((int)rt->rt_delegate_line,
				    "listener \"%s\": route \"%s\": delegate: "
				    "only with negotiate-keytab (the keys of "
				    "the account the domain lets delegate)",
				    ls->ls_name, rt->rt_name);
		}
	}
}

/* arg: the principal; NULL: any */
static int
delegates(const struct route_conf *rt, const void *arg)
{
	return rt->rt_delegate[0] != '\0' &&
	    (arg == NULL || strcmp(rt->rt_delegate, arg) == 0);
}

int
config_has_delegate(const struct rpxd_conf *c)
{
	return config_any_route(c, delegates, NULL);
}

int
config_delegate_known(const struct rpxd_conf *c, const char *spn)
{
	return spn[0] != '\0' && config_any_route(c, delegates, spn);
}
