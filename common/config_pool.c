/*
 * The configuration grammar of backend pools (balance, sticky-cookie,
 * down-time, the health-check section) and of authentication (a route's
 * auth and auth-header, the global ntlm-users and ntlm-domain): value
 * checks while parsing, so that errors carry the option's line, and the
 * copy into struct rpxd_conf. Only the master links this file.
 */
#include <sys/types.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <confuse.h>

#include "config.h"
#include "config_parse.h"
#include "log.h"

#define HEALTH_INTERVAL_MAX	86400
#define HEALTH_TIMEOUT_MAX	3600
#define HEALTH_COUNT_MAX	1000
#define DOWN_TIME_MAX		3600
#define NETBIOS_NAME_MAX	15

cfg_opt_t config_health_opts[] = {
	CFG_STR("path", "/", CFGF_NONE),
	CFG_STR("host", NULL, CFGF_NODEFAULT),
	CFG_INT_LIST("status", NULL, CFGF_NODEFAULT),
	CFG_STR("body", NULL, CFGF_NODEFAULT),
	CFG_INT("interval", 10, CFGF_NONE),
	CFG_INT("timeout", 5, CFGF_NONE),
	CFG_INT("rise", 2, CFGF_NONE),
	CFG_INT("fall", 3, CFGF_NONE),
	CFG_END()
};

static const char *const balance_names[] = {
	"roundrobin", "leastconn", "source", NULL
};
static const char *const auth_names[] = {
	"passthrough", "none", "ntlm", "negotiate", NULL
};
/* The words of the file for a balance or auth value (rpxctl show config). */
const char *
config_balance_name(int b)
{
	return b >= 0 && b <= BALANCE_SOURCE ? balance_names[b] : "?";
}

const char *
config_auth_name(int a)
{
	return a >= 0 && a <= AUTH_NEGOTIATE ? auth_names[a] : "?";
}

/* Fields whose meaning the proxy owns: never an identity header. */
static const char *const reserved_fields[] = {
	"Host", "Content-Length", "Transfer-Encoding", "Connection",
	"Upgrade", "Authorization", "Proxy-Authorization", "Cookie",
	"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
	"Forwarded", NULL
};

static int
name_index(const char *const *names, const char *v)
{
	int	i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], v) == 0)
			return i;
	return -1;
}

/* An HTTP token (RFC 9110 tchar), 1 to RPXD_NAME_MAX - 1 bytes. */
static int
token_ok(const char *s)
{
	size_t	len = strlen(s), i;

	if (len == 0 || len >= RPXD_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (strchr("!#$%&'*+-.^_`|~", s[i]) == NULL &&
		    !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static int
v_choice(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);
	int		 bal = strcmp(opt->name, "balance") == 0;

	config_note(cfg);
	if (name_index(bal ? balance_names : auth_names, v) == -1)
		config_perr(cfg->line, bal ? "balance: \"%.64s\" is not "
		    "\"roundrobin\", \"leastconn\" or \"source\"" :
		    "auth: \"%.64s\" is not \"passthrough\", \"none\", "
		    "\"ntlm\" or \"negotiate\"", v);
	return 0;
}

static int
v_sticky_cookie(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	config_note(cfg);
	if (!token_ok(v))
		config_perr(cfg->line, "sticky-cookie: \"%.64s\" is not a "
		    "cookie name (1 to 63 token characters)", v);
	return 0;
}

static int
v_auth_header(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);
	int		 i;

	config_note(cfg);
	if (!token_ok(v)) {
		config_perr(cfg->line, "auth-header: \"%.64s\" is not a field "
		    "name (1 to 63 token characters)", v);
		return 0;
	}
	for (i = 0; reserved_fields[i] != NULL; i++)
		if (strcasecmp(reserved_fields[i], v) == 0)
			config_perr(cfg->line, "auth-header: \"%s\" is a field "
			    "the proxy sets or removes itself", v);
	return 0;
}

/* An integer option of a backend or its health-check, with its range. */
static int
v_range(cfg_t *cfg, cfg_opt_t *opt)
{
	static const struct {
		const char	*name;
		long		 min, max;
	} ranges[] = {
		{ "down-time", 0, DOWN_TIME_MAX },
		{ "interval", 1, HEALTH_INTERVAL_MAX },
		{ "timeout", 1, HEALTH_TIMEOUT_MAX },
		{ "rise", 1, HEALTH_COUNT_MAX },
		{ "fall", 1, HEALTH_COUNT_MAX },
	};
	long	v = cfg_opt_getnint(opt, 0);
	size_t	i;

	config_note(cfg);
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (strcmp(ranges[i].name, opt->name) == 0 &&
		    (v < ranges[i].min || v > ranges[i].max))
			config_perr(cfg->line, "%s: %ld is out of range (%ld "
			    "to %ld)", opt->name, v, ranges[i].min,
			    ranges[i].max);
	return 0;
}

/* Visible ASCII only: what goes into a request line or a Host field. */
static int
visible(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s >= 0x7f)
			return 0;
	return 1;
}

static int
v_health_str(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	config_note(cfg);
	if (strcmp(opt->name, "path") == 0 && (v[0] != '/' || !visible(v) ||
	    strlen(v) >= RPXD_PATH_MAX))
		config_perr(cfg->line, "path: \"%.64s\" is not an absolute "
		    "path without spaces", v);
	if (strcmp(opt->name, "host") == 0 && (v[0] == '\0' || !visible(v) ||
	    strlen(v) >= RPXD_HOST_MAX || strchr(v, '/') != NULL))
		config_perr(cfg->line, "host: \"%.64s\" is not a host name", v);
	if (strcmp(opt->name, "body") == 0 && (v[0] == '\0' ||
	    strlen(v) >= RPXD_HEALTH_BODY_MAX))
		config_perr(cfg->line, "body: the text must be 1 to %d bytes",
		    RPXD_HEALTH_BODY_MAX - 1);
	return 0;
}

static int
v_health_status(cfg_t *cfg, cfg_opt_t *opt)
{
	unsigned	n = cfg_opt_size(opt);
	long		v;

	config_note(cfg);
	if (n == 0)
		return 0;
	if (n > RPXD_HEALTH_STATUS_MAX) {
		config_perr(cfg->line, "status: more than %d values",
		    RPXD_HEALTH_STATUS_MAX);
		return 0;
	}
	v = cfg_opt_getnint(opt, n - 1);
	if (v < 100 || v > 599)
		config_perr(cfg->line, "status: %ld is not an HTTP status "
		    "(100 to 599)", v);
	return 0;
}

/* A NetBIOS domain name: 1 to 15 letters, digits, '-' or '_'. */
static int
v_ntlm_domain(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);
	size_t		 len = strlen(v);

	if (len == 0 || len > NETBIOS_NAME_MAX ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") != len)
		config_perr(cfg->line, "ntlm-domain: \"%.64s\" is not a NetBIOS "
		    "domain name (1 to 15 letters, digits, \"-\" or \"_\")", v);
	return 0;
}

void
config_pool_validators(cfg_t *root)
{
	static const struct {
		const char		*path;
		cfg_validate_callback_t	 fn;
	} v[] = {
		{ "backend|balance", v_choice },
		{ "backend|sticky-cookie", v_sticky_cookie },
		{ "backend|down-time", v_range },
		{ "backend|health-check", config_v_note },
		{ "backend|health-check|path", v_health_str },
		{ "backend|health-check|host", v_health_str },
		{ "backend|health-check|body", v_health_str },
		{ "backend|health-check|status", v_health_status },
		{ "backend|health-check|interval", v_range },
		{ "backend|health-check|timeout", v_range },
		{ "backend|health-check|rise", v_range },
		{ "backend|health-check|fall", v_range },
		{ "listener|route|auth", v_choice },
		{ "listener|route|auth-header", v_auth_header },
		{ "ntlm-domain", v_ntlm_domain },
	};
	size_t	i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		cfg_set_validate_func(root, v[i].path, v[i].fn);
}

static unsigned
clamp(long v, long min, long max)
{
	return (unsigned)(v < min ? min : v > max ? max : v);
}

static void
fill_health(struct backend_conf *be, cfg_t *hc)
{
	struct health_conf	*h = &be->be_health;
	unsigned		 i, n = cfg_size(hc, "status");

	h->hc_enabled = 1;
	h->hc_line = be->be_line;
	config_copy_str(h->hc_path, sizeof(h->hc_path),
	    cfg_getstr(hc, "path"));
	config_copy_str(h->hc_host, sizeof(h->hc_host),
	    cfg_getstr(hc, "host"));
	config_copy_str(h->hc_body, sizeof(h->hc_body),
	    cfg_getstr(hc, "body"));
	if (n > RPXD_HEALTH_STATUS_MAX)
		n = RPXD_HEALTH_STATUS_MAX;
	h->hc_nstatus = n;
	for (i = 0; i < n; i++)
		h->hc_status[i] = clamp(cfg_getnint(hc, "status", i), 100, 599);
	h->hc_interval = clamp(cfg_getint(hc, "interval"), 1,
	    HEALTH_INTERVAL_MAX);
	h->hc_timeout = clamp(cfg_getint(hc, "timeout"), 1,
	    HEALTH_TIMEOUT_MAX);
	h->hc_rise = clamp(cfg_getint(hc, "rise"), 1, HEALTH_COUNT_MAX);
	h->hc_fall = clamp(cfg_getint(hc, "fall"), 1, HEALTH_COUNT_MAX);
	if (h->hc_timeout > h->hc_interval)
		config_perr(be->be_line, "backend \"%s\": health-check: timeout "
		    "(%u) is longer than interval (%u)", be->be_name,
		    h->hc_timeout, h->hc_interval);
}

void
config_fill_pool(struct backend_conf *be, cfg_t *sec)
{
	int	b = name_index(balance_names, cfg_getstr(sec, "balance"));

	be->be_balance = b < 0 ? BALANCE_ROUNDROBIN : b;
	config_copy_str(be->be_sticky_cookie, sizeof(be->be_sticky_cookie),
	    cfg_getstr(sec, "sticky-cookie"));
	be->be_down_time = clamp(cfg_getint(sec, "down-time"), 0,
	    DOWN_TIME_MAX);
	if (cfg_size(sec, "health-check") > 0)
		fill_health(be, cfg_getsec(sec, "health-check"));
}

void
config_fill_route_auth(struct route_conf *rt, cfg_t *sec,
    const char *ls_name)
{
	int		 a = name_index(auth_names, cfg_getstr(sec, "auth"));
	const char	*hdr = cfg_getstr(sec, "auth-header");

	rt->rt_auth = a < 0 ? AUTH_PASSTHROUGH : a;
	if (hdr != NULL && !AUTH_BY_PROXY(rt->rt_auth))
		config_perr(sec->line, "listener \"%s\": route \"%s\": "
		    "auth-header: only with auth = \"ntlm\" or "
		    "\"negotiate\"", ls_name, rt->rt_name);
	if (rt->rt_auth != AUTH_PASSTHROUGH && rt->rt_redirect_https)
		config_perr(sec->line, "listener \"%s\": route \"%s\": auth: "
		    "not used by a redirect-https route", ls_name, rt->rt_name);
	config_copy_str(rt->rt_auth_header, sizeof(rt->rt_auth_header),
	    hdr != NULL ? hdr : "X-Authenticated-User");
}

/*
 * After every section is read: auth = ntlm needs the credential file
 * (unless the domain checks the logins: ntlm-source = "winbind"), and
 * on a plain listener it exposes NTLM exchanges to anyone on the path;
 * auth = negotiate needs the service's keys (negotiate-keytab).
 */
void
config_check_auth(const struct rpxd_conf *c)
{
	const struct listener_conf	*ls;
	const struct route_conf		*rt;
	unsigned			 i, j;

	for (i = 0; i < c->rc_nlisteners; i++) {
		ls = &c->rc_listeners[i];
		for (j = 0; j < ls->ls_nroutes; j++) {
			rt = &ls->ls_routes[j];
			if (rt->rt_auth == AUTH_NEGOTIATE &&
			    (c->rc_negotiate_keytab[0] == '\0' ||
			    rt->rt_ntlm_source != NTLM_SOURCE_WINBIND))
				config_perr((int)rt->rt_line, "listener \"%s\": "
				    "route \"%s\": auth = \"negotiate\" needs "
				    "negotiate-keytab and ntlm-source = "
				    "\"winbind\" (the route's or the global "
				    "one)", ls->ls_name, rt->rt_name);
			if (rt->rt_auth != AUTH_NTLM)
				continue;
			if (c->rc_ntlm_users[0] == '\0' &&
			    rt->rt_ntlm_source == NTLM_SOURCE_FILE)
				config_perr((int)(rt->rt_ntlm_source_line > 0 ?
				    rt->rt_ntlm_source_line : rt->rt_line),
				    "listener \"%s\": route \"%s\": auth = "
				    "\"ntlm\" with ntlm-source = \"file\" needs "
				    "the global ntlm-users file (or ntlm-source "
				    "= \"winbind\")", ls->ls_name, rt->rt_name);
			else if (ls->ls_ncerts == 0)
				log_warnx("%s:%u: listener \"%s\": route \"%s\": "
				    "auth = \"ntlm\" on a listener without TLS: "
				    "NTLM responses can be captured and "
				    "cracked offline", c->rc_file, rt->rt_line,
				    ls->ls_name, rt->rt_name);
		}
	}
}

void
config_fill_auth_globals(struct rpxd_conf *c, cfg_t *root)
{
	char	*p;

	config_copy_str(c->rc_ntlm_users, sizeof(c->rc_ntlm_users),
	    cfg_getstr(root, "ntlm-users"));
	config_copy_str(c->rc_ntlm_domain, sizeof(c->rc_ntlm_domain),
	    cfg_getstr(root, "ntlm-domain"));
	for (p = c->rc_ntlm_domain; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
}
