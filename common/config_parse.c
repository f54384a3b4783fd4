/*
 * Reading rpxd.conf with libconfuse into struct rpxd_conf (config.h): the
 * grammar, value checks made while parsing (so they carry the line of the
 * option), and the limits that relate global options to each other. Names
 * are resolved afterwards by config_check.c. Only the master links this.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <confuse.h>

#include "config.h"
#include "config_err.h"
#include "log.h"

static cfg_opt_t route_opts[] = {
	CFG_STR_LIST("host", NULL, CFGF_NONE),
	CFG_STR("path", "/*", CFGF_NONE),
	CFG_BOOL("path-case-insensitive", cfg_false, CFGF_NONE),
	CFG_STR("backend", NULL, CFGF_NODEFAULT),
	CFG_STR("host-header", "preserve", CFGF_NONE),
	CFG_STR("host-rewrite", NULL, CFGF_NODEFAULT),
	CFG_INT("backend-timeout", 0, CFGF_NONE),
	CFG_INT("idle-timeout", 0, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t listener_opts[] = {
	CFG_STR("address", "0.0.0.0", CFGF_NONE),
	CFG_INT("port", 0, CFGF_NODEFAULT),
	CFG_STR("default-route", NULL, CFGF_NODEFAULT),
	CFG_SEC("route", route_opts, CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_END()
};

static cfg_opt_t backend_opts[] = {
	CFG_STR_LIST("server", NULL, CFGF_NODEFAULT),
	CFG_END()
};

/* Global integer options: name, default, minimum, maximum, line seen. */
static struct int_option {
	const char	*name;
	long		 def, min, max;
	int		 line;
} int_options[] = {
	{ "min-spare-workers", 4, 1, RPXD_MAX_WORKERS, 0 },
	{ "max-spare-workers", 16, 1, RPXD_MAX_WORKERS, 0 },
	{ "max-workers", 256, 1, RPXD_MAX_WORKERS, 0 },
	{ "max-connections-per-worker", 0, 0, 1L << 30, 0 },
	{ "shutdown-timeout", 30, 1, 86400, 0 },
	{ "client-header-timeout", 30, 1, 86400, 0 },
	{ "client-idle-timeout", 120, 1, 86400, 0 },
	{ "backend-connect-timeout", 5, 1, 3600, 0 },
	{ "backend-timeout", 3600, 1, 7 * 86400, 0 },
	{ "idle-timeout", 3600, 1, 7 * 86400, 0 },
	{ "max-request-line", 16384, 64, 1L << 20, 0 },
	{ "max-header-line", 81920, 64, 1L << 20, 0 },
	{ "max-head", 131072, 1024, 1L << 22, 0 },
	{ "max-headers", 200, 1, 10000, 0 },
};
#define N_INT_OPTIONS	(sizeof(int_options) / sizeof(int_options[0]))
_Static_assert(N_INT_OPTIONS == CONFIG_GLOBAL_INTS, "int_options and "
    "config_ints.c must list the same options");

static struct config_err	*parse_err;	/* where errors go */

/*
 * libconfuse gives a section the line where it ends; errors are better
 * reported at the option they concern, so validators note option lines.
 */
#define OPTION_LINES_MAX	(RPXD_MAX_LISTENERS * 2 + RPXD_MAX_BACKENDS + \
				    4096)
static struct option_line {
	const cfg_t	*ol_sec;
	const char	*ol_opt;
	int		 ol_line;
} option_lines[OPTION_LINES_MAX];
static size_t	noption_lines;

static int
note_line(cfg_t *cfg, cfg_opt_t *opt)
{
	if (noption_lines < OPTION_LINES_MAX)
		option_lines[noption_lines++] = (struct option_line){ cfg,
		    opt->name, cfg->line };
	return 0;
}

/* The line of opt in sec, or the section's own (closing) line. */
static unsigned
line_of(const cfg_t *sec, const char *opt)
{
	size_t	i;

	for (i = 0; i < noption_lines; i++)
		if (option_lines[i].ol_sec == sec &&
		    strcmp(option_lines[i].ol_opt, opt) == 0)
			return (unsigned)option_lines[i].ol_line;
	return (unsigned)sec->line;
}

static void parse_errfunc(cfg_t *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
parse_errfunc(cfg_t *cfg, const char *fmt, va_list ap)
{
	char	msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cfg != NULL && cfg->line > 0)
		config_err(parse_err, "%s:%d: %s", cfg->filename, cfg->line,
		    msg);
	else
		config_err(parse_err, "%s: %s", cfg && cfg->filename ?
		    cfg->filename : "config", msg);
}

static struct int_option *
int_option(const char *name)
{
	size_t	i;

	for (i = 0; i < N_INT_OPTIONS; i++)
		if (strcmp(int_options[i].name, name) == 0)
			return &int_options[i];
	return NULL;
}

static int
validate_global_int(cfg_t *cfg, cfg_opt_t *opt)
{
	struct int_option	*io = int_option(opt->name);
	long			 v = cfg_opt_getnint(opt, 0);

	io->line = cfg->line;
	if (v < io->min || v > io->max) {
		cfg_error(cfg, "%s: %ld is not between %ld and %ld", opt->name,
		    v, io->min, io->max);
		return -1;
	}
	return 0;
}

static int
validate_timeout(cfg_t *cfg, cfg_opt_t *opt)
{
	long	v = cfg_opt_getnint(opt, 0);

	if (v < 0 || v > 7 * 86400) {
		cfg_error(cfg, "%s: %ld is not between 0 and %d", opt->name, v,
		    7 * 86400);
		return -1;
	}
	return 0;
}

static int
validate_port(cfg_t *cfg, cfg_opt_t *opt)
{
	long	v = cfg_opt_getnint(opt, 0);

	note_line(cfg, opt);
	if (v < 1 || v > 65535) {
		cfg_error(cfg, "port: %ld is not between 1 and 65535", v);
		return -1;
	}
	return 0;
}

static int
validate_choice(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	if (strcmp(opt->name, "host-header") == 0 &&
	    strcmp(v, "preserve") != 0 && strcmp(v, "rewrite") != 0) {
		cfg_error(cfg, "host-header: \"%s\" is neither \"preserve\" "
		    "nor \"rewrite\"", v);
		return -1;
	}
	if (strcmp(opt->name, "log-level") == 0 && strcmp(v, "brief") != 0 &&
	    strcmp(v, "verbose") != 0 && strcmp(v, "debug") != 0) {
		cfg_error(cfg, "log-level: \"%s\" is not brief, verbose or "
		    "debug", v);
		return -1;
	}
	if (strcmp(opt->name, "syslog-facility") == 0 &&
	    log_facility_from_name(v) == -1) {
		cfg_error(cfg, "syslog-facility: unknown facility \"%s\"", v);
		return -1;
	}
	if (strcmp(opt->name, "chroot") == 0 && v[0] != '/') {
		cfg_error(cfg, "chroot: \"%s\" is not an absolute path", v);
		return -1;
	}
	return 0;
}

/* "/", "/a/b", "/a/ *" (no space): '*' only as a final "/ *". */
static int
validate_path(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0), *star = strchr(v, '*');
	size_t		 len = strlen(v);

	if (v[0] != '/' || len >= RPXD_PATH_MAX || strpbrk(v, " \t?#") ||
	    (star != NULL && (star != v + len - 1 || star[-1] != '/'))) {
		cfg_error(cfg, "path: \"%s\" must start with / and may only "
		    "end in /* (\"/*\", \"/Ucwa/*\", \"/exact\")", v);
		return -1;
	}
	return 0;
}

/* Names: lower-case letters, digits, '-', '.'; "*." only in front. */
static int
host_pattern_ok(const char *h)
{
	const char	*p = h, *dot;
	size_t		 len = strlen(h);

	if (len == 0 || len >= RPXD_HOST_MAX)
		return 0;
	if (h[0] == '*') {
		if (h[1] != '.')
			return 0;
		p = h + 2;
		/* at least two labels after "*." */
		if ((dot = strchr(p, '.')) == NULL || dot == p || !dot[1])
			return 0;
	}
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_'))
			return 0;
	return h[0] != '.';
}

static int
validate_hosts(cfg_t *cfg, cfg_opt_t *opt)
{
	unsigned	i, n = cfg_opt_size(opt);

	if (n > RPXD_MAX_HOSTS) {
		cfg_error(cfg, "host: more than %d names", RPXD_MAX_HOSTS);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *h = cfg_opt_getnstr(opt, i);

		if (!host_pattern_ok(h)) {
			cfg_error(cfg, "host: \"%s\" is not a host name or a "
			    "*.domain wildcard", h);
			return -1;
		}
	}
	return 0;
}

static cfg_t *
config_schema(void)
{
	static cfg_opt_t	 opts[N_INT_OPTIONS + 12];
	size_t			 i, n = 0;
	cfg_t			*cfg;

	opts[n++] = (cfg_opt_t)CFG_STR("user", "nobody", CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("group", "", CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("chroot", "/var/empty", CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("pidfile", "/var/run/rpxd.pid",
	    CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("syslog-facility", "daemon", CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("log-level", "brief", CFGF_NONE);
	for (i = 0; i < N_INT_OPTIONS; i++) {
		int_options[i].line = 0;
		opts[n++] = (cfg_opt_t)CFG_INT(int_options[i].name,
		    int_options[i].def, CFGF_NONE);
	}
	opts[n++] = (cfg_opt_t)CFG_SEC("backend", backend_opts,
	    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES);
	opts[n++] = (cfg_opt_t)CFG_SEC("listener", listener_opts,
	    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES);
	opts[n++] = (cfg_opt_t)CFG_END();
	cfg = cfg_init(opts, CFGF_NONE);
	cfg_set_error_function(cfg, parse_errfunc);
	for (i = 0; i < N_INT_OPTIONS; i++)
		cfg_set_validate_func(cfg, int_options[i].name,
		    validate_global_int);
	cfg_set_validate_func(cfg, "log-level", validate_choice);
	cfg_set_validate_func(cfg, "syslog-facility", validate_choice);
	cfg_set_validate_func(cfg, "chroot", validate_choice);
	cfg_set_validate_func(cfg, "listener|port", validate_port);
	cfg_set_validate_func(cfg, "listener|route|host-header",
	    validate_choice);
	cfg_set_validate_func(cfg, "listener|route|path", validate_path);
	cfg_set_validate_func(cfg, "listener|route|backend", note_line);
	cfg_set_validate_func(cfg, "listener|address", note_line);
	cfg_set_validate_func(cfg, "backend|server", note_line);
	cfg_set_validate_func(cfg, "listener|route|host", validate_hosts);
	cfg_set_validate_func(cfg, "listener|route|backend-timeout",
	    validate_timeout);
	cfg_set_validate_func(cfg, "listener|route|idle-timeout",
	    validate_timeout);
	return cfg;
}

static int
copy_str(char *dst, size_t len, const char *src)
{
	if (src == NULL)
		src = "";
	if (strlen(src) >= len)
		return -1;
	strcpy(dst, src);
	return 0;
}

static void
fill_globals(struct rpxd_conf *c, cfg_t *cfg)
{
	const char	*lvl = cfg_getstr(cfg, "log-level");
	unsigned	 i;

	for (i = 0; i < N_INT_OPTIONS; i++)
		*config_int_ref(c, i) = (unsigned)cfg_getint(cfg,
		    int_options[i].name);
	if (copy_str(c->rc_user, sizeof(c->rc_user), cfg_getstr(cfg, "user")) ||
	    copy_str(c->rc_group, sizeof(c->rc_group),
	    cfg_getstr(cfg, "group")))
		config_err(parse_err, "%s: user or group name too long",
		    c->rc_file);
	if (copy_str(c->rc_chroot, sizeof(c->rc_chroot),
	    cfg_getstr(cfg, "chroot")) || copy_str(c->rc_pidfile,
	    sizeof(c->rc_pidfile), cfg_getstr(cfg, "pidfile")))
		config_err(parse_err, "%s: chroot or pidfile path too long",
		    c->rc_file);
	c->rc_facility = log_facility_from_name(cfg_getstr(cfg,
	    "syslog-facility"));
	c->rc_log_level = strcmp(lvl, "debug") == 0 ? LOG_LEVEL_DEBUG :
	    strcmp(lvl, "verbose") == 0 ? LOG_LEVEL_VERBOSE : LOG_LEVEL_BRIEF;
}

/* Limits that only make sense together, reported at whichever of the
 * two options the file sets last. */
static void
check_global_limits(const struct rpxd_conf *c)
{
	struct {
		int		 bad;
		const char	*opt, *other;
	} rules[] = {
		{ c->rc_min_spare > c->rc_max_spare, "min-spare-workers",
		    "max-spare-workers" },
		{ c->rc_max_spare > c->rc_max_workers, "max-spare-workers",
		    "max-workers" },
		{ c->rc_max_header_line > c->rc_max_head, "max-header-line",
		    "max-head" },
		{ c->rc_max_request_line > c->rc_max_head, "max-request-line",
		    "max-head" },
	};
	size_t	i;
	int	a, b;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (!rules[i].bad)
			continue;
		a = int_option(rules[i].opt)->line;
		b = int_option(rules[i].other)->line;
		config_err(parse_err, "%s:%d: %s: is larger than %s",
		    c->rc_file, a > b ? a : b, rules[i].opt, rules[i].other);
	}
}

static void
fill_backend(struct backend_conf *be, cfg_t *sec, const char *file)
{
	unsigned	i, n = cfg_size(sec, "server");

	be->be_line = line_of(sec, "server");
	if (copy_str(be->be_name, sizeof(be->be_name), cfg_title(sec)))
		config_err(parse_err, "%s:%d: backend: name too long", file,
		    be->be_line);
	if (n == 0 || n > RPXD_MAX_SERVERS) {
		config_err(parse_err, "%s:%d: backend \"%s\": server: needs "
		    "1 to %d servers", file, be->be_line, be->be_name,
		    RPXD_MAX_SERVERS);
		return;
	}
	be->be_servers = calloc(n, sizeof(*be->be_servers));
	if (be->be_servers == NULL)
		return;
	be->be_nservers = n;
	for (i = 0; i < n; i++)
		if (copy_str(be->be_servers[i].sv_name,
		    sizeof(be->be_servers[i].sv_name), cfg_getnstr(sec,
		    "server", i)))
			config_err(parse_err, "%s:%d: backend \"%s\": server: "
			    "name too long", file, be->be_line, be->be_name);
}

static void
fill_route(struct route_conf *rt, cfg_t *sec, const char *file)
{
	unsigned	i, n = cfg_size(sec, "host");
	const char	*rw = cfg_getstr(sec, "host-rewrite");
	char		*h;

	rt->rt_line = line_of(sec, "backend");
	copy_str(rt->rt_name, sizeof(rt->rt_name), cfg_title(sec));
	copy_str(rt->rt_path, sizeof(rt->rt_path), cfg_getstr(sec, "path"));
	rt->rt_path_icase = cfg_getbool(sec, "path-case-insensitive");
	if (cfg_getstr(sec, "backend") == NULL)
		config_err(parse_err, "%s:%d: route \"%s\": backend: missing",
		    file, rt->rt_line, rt->rt_name);
	else if (copy_str(rt->rt_backend_name, sizeof(rt->rt_backend_name),
	    cfg_getstr(sec, "backend")))
		config_err(parse_err, "%s:%d: route \"%s\": backend: name too "
		    "long", file, rt->rt_line, rt->rt_name);
	rt->rt_host_mode = strcmp(cfg_getstr(sec, "host-header"),
	    "rewrite") == 0 ? HOST_HEADER_REWRITE : HOST_HEADER_PRESERVE;
	if (rt->rt_host_mode == HOST_HEADER_REWRITE && rw == NULL)
		config_err(parse_err, "%s:%d: route \"%s\": host-rewrite: "
		    "missing with host-header = \"rewrite\"", file, rt->rt_line,
		    rt->rt_name);
	if (rt->rt_host_mode != HOST_HEADER_REWRITE && rw != NULL)
		config_err(parse_err, "%s:%d: route \"%s\": host-rewrite: "
		    "needs host-header = \"rewrite\"", file, rt->rt_line,
		    rt->rt_name);
	if (rw != NULL && (copy_str(rt->rt_host_rewrite,
	    sizeof(rt->rt_host_rewrite), rw) || !host_pattern_ok(rw) ||
	    rw[0] == '*'))
		config_err(parse_err, "%s:%d: route \"%s\": host-rewrite: "
		    "\"%s\" is not a host name", file, rt->rt_line, rt->rt_name,
		    rw);
	rt->rt_backend_timeout = (unsigned)cfg_getint(sec, "backend-timeout");
	rt->rt_idle_timeout = (unsigned)cfg_getint(sec, "idle-timeout");
	if (n == 0)
		return;
	if ((rt->rt_hosts = calloc(n, sizeof(*rt->rt_hosts))) == NULL)
		return;
	rt->rt_nhosts = n;
	for (i = 0; i < n; i++) {
		copy_str(rt->rt_hosts[i], RPXD_HOST_MAX,
		    cfg_getnstr(sec, "host", i));
		for (h = rt->rt_hosts[i]; *h; h++)
			if (*h >= 'A' && *h <= 'Z')
				*h = (char)(*h - 'A' + 'a');
	}
}

static void
fill_listener(struct listener_conf *ls, cfg_t *sec, const char *file)
{
	unsigned	i, n = cfg_size(sec, "route");

	ls->ls_line = line_of(sec, "address");
	if (ls->ls_line == (unsigned)sec->line)
		ls->ls_line = line_of(sec, "port");
	ls->ls_default_route = -1;
	if (copy_str(ls->ls_name, sizeof(ls->ls_name), cfg_title(sec)))
		config_err(parse_err, "%s:%d: listener: name too long", file,
		    sec->line);
	if (copy_str(ls->ls_address, sizeof(ls->ls_address),
	    cfg_getstr(sec, "address")))
		config_err(parse_err, "%s:%d: listener \"%s\": address: too "
		    "long", file, ls->ls_line, ls->ls_name);
	if (cfg_size(sec, "port") == 0)
		config_err(parse_err, "%s:%d: listener \"%s\": port: missing",
		    file, ls->ls_line, ls->ls_name);
	else
		ls->ls_port = (uint16_t)cfg_getint(sec, "port");
	copy_str(ls->ls_default_route_name, sizeof(ls->ls_default_route_name),
	    cfg_getstr(sec, "default-route"));
	if (n == 0 || n > RPXD_MAX_ROUTES) {
		config_err(parse_err, "%s:%d: listener \"%s\": route: needs 1 "
		    "to %d routes", file, ls->ls_line, ls->ls_name,
		    RPXD_MAX_ROUTES);
		return;
	}
	if ((ls->ls_routes = calloc(n, sizeof(*ls->ls_routes))) == NULL)
		return;
	ls->ls_nroutes = n;
	for (i = 0; i < n; i++)
		fill_route(&ls->ls_routes[i], cfg_getnsec(sec, "route", i),
		    file);
}

struct rpxd_conf *
config_parse(const char *file, char *err, size_t errlen)
{
	struct config_err	 ce;
	struct rpxd_conf	*c;
	cfg_t			*cfg;
	unsigned		 i;
	int			 rv;
	FILE			*fp;

	config_err_init(&ce, err, errlen);
	parse_err = &ce;
	if ((fp = fopen(file, "r")) == NULL) {
		config_err(&ce, "%s: cannot open: %s", file, strerror(errno));
		return NULL;
	}
	fclose(fp);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		config_err(&ce, "%s: out of memory", file);
		return NULL;
	}
	config_defaults(c);
	if (copy_str(c->rc_file, sizeof(c->rc_file), file))
		config_err(&ce, "%s: file name too long", file);
	cfg = config_schema();
	noption_lines = 0;
	rv = cfg_parse(cfg, file);
	if (rv != CFG_SUCCESS) {
		if (ce.ce_count == 0)
			config_err(&ce, "%s: cannot parse", file);
		goto fail;
	}
	fill_globals(c, cfg);
	check_global_limits(c);
	c->rc_nbackends = cfg_size(cfg, "backend");
	c->rc_nlisteners = cfg_size(cfg, "listener");
	if (c->rc_nbackends > RPXD_MAX_BACKENDS ||
	    c->rc_nlisteners > RPXD_MAX_LISTENERS) {
		config_err(&ce, "%s: too many backends or listeners", file);
		goto fail;
	}
	c->rc_backends = calloc(c->rc_nbackends + 1, sizeof(*c->rc_backends));
	c->rc_listeners = calloc(c->rc_nlisteners + 1,
	    sizeof(*c->rc_listeners));
	if (c->rc_backends == NULL || c->rc_listeners == NULL)
		goto fail;
	for (i = 0; i < c->rc_nbackends; i++)
		fill_backend(&c->rc_backends[i], cfg_getnsec(cfg, "backend", i),
		    file);
	for (i = 0; i < c->rc_nlisteners; i++)
		fill_listener(&c->rc_listeners[i],
		    cfg_getnsec(cfg, "listener", i), file);
	if (c->rc_nlisteners == 0)
		config_err(&ce, "%s: listener: none is defined", file);
	if (ce.ce_count > 0)
		goto fail;
	cfg_free(cfg);
	return c;
fail:
	cfg_free(cfg);
	config_free(c);
	return NULL;
}

struct rpxd_conf *
config_load(const char *file, char *err, size_t errlen)
{
	struct rpxd_conf	*c;

	if ((c = config_parse(file, err, errlen)) == NULL)
		return NULL;
	if (config_check(c, err, errlen) == -1) {
		config_free(c);
		return NULL;
	}
	return c;
}
