/*
 * Reading rpxd.conf with libconfuse into struct rpxd_conf (config.h): the
 * grammar, the value checks made while parsing (so that they carry the
 * line of the option) and the limits that relate global options to each
 * other. Names and addresses are resolved afterwards by config_check.c.
 * Only the master links this file.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "config.h"
#include "config_err.h"
#include "config_parse.h"
#include "log.h"
#include "ntlm_users.h"
#include "config_fleet.h"

#define CONF_FILE_MAX	(16u * 1024 * 1024)	/* bytes of rpxd.conf */
#define ROUTE_TIMEOUT_MAX	(7 * 86400)

/* Global integer options, in config_ints.c's order. */
static const struct int_option {
	const char	*name;
	long		 def, min, max;
} int_options[] = {
	{ "min-spare-workers", 4, 1, RPXD_MAX_WORKERS },
	{ "max-spare-workers", 16, 1, RPXD_MAX_WORKERS },
	{ "max-workers", 256, 1, RPXD_MAX_WORKERS },
	{ "max-connections-per-worker", 0, 0, 1L << 30 },
	{ "shutdown-timeout", 30, 1, 86400 },
	{ "client-header-timeout", 30, 1, 86400 },
	{ "client-idle-timeout", 120, 1, 86400 },
	{ "backend-connect-timeout", 5, 1, 3600 },
	{ "backend-timeout", 3600, 1, 7 * 86400 },
	{ "idle-timeout", 3600, 1, 7 * 86400 },
	{ "max-request-line", 16384, 64, 1L << 20 },
	{ "max-header-line", 81920, 64, 1L << 20 },
	{ "max-head", 131072, 1024, 1L << 22 },
	{ "max-headers", 200, 1, 10000 },
	{ "tls-ticket-rotation", 3600, 60, 86400 },
	{ "auth-failure-limit", 5, 0, 100000 },
	{ "auth-failure-delay", 3, 1, 60 },
	{ "key-holders", 0, 0, 64 },
	{ "early-response-body-max", 8388608, 0, 1L << 30 },
	{ "early-response-body-timeout", 30, 1, 3600 },
	{ "max-connections-per-address", 512, 0, 1L << 20 },
	{ "pressure-threshold", 90, 0, 100 },
	{ "pressure-head-timeout", 5, 1, 86400 },
	{ "backend-idle-connections", 4, 0, RPXD_MAX_IDLE_CONNS },
	{ "backend-idle-timeout", 15, 0, 3600 },
	{ "winbind-timeout", 5, 1, 60 },
	{ "winbind-checkers", 2, 1, RPXD_WINBIND_CHECKERS_MAX },
};
#define N_INT_OPTIONS	(sizeof(int_options) / sizeof(int_options[0]))
_Static_assert(N_INT_OPTIONS == CONFIG_GLOBAL_INTS, "int_options and "
    "config_ints.c must list the same options");

/*
 * libconfuse callbacks take no user pointer, so one parse at a time keeps
 * its state here (the master is single-threaded).
 *
 * Lines: libconfuse gives a section the line where it ends, but while a
 * section is read the line of its parent stays at the line where the
 * section opened (the line of its "{"). Option callbacks note that line,
 * and the callback at the end of the section stores it in the section's
 * cfg_t. A section without options keeps the line where it ends.
 */
/* The line of a certificate's ocsp-response, for config_tls.c's errors. */
struct ocsp_line {
	const cfg_t		*ol_sec;
	int			 ol_line;
};

static struct parse_ctx {
	struct config_err	*err;
	const char		*file;
	cfg_t			*root;
	int			 open_line[3];	/* by depth: 1 listener or
						   backend, 2 route */
	int			 int_line[N_INT_OPTIONS];	/* 0: default */
	int			 last_line;	/* the last one with a token */
	const cfg_opt_t		*list_opt;	/* last list element checked */
	unsigned		 list_n;
	const char		*list_last;
	int			 tls_line;	/* opening lines, as above */
	int			 cert_line;
	struct opt_line {			/* lines of options that */
		const cfg_opt_t	*ol_opt;	/* later checks report */
		int		 ol_line;
	}			*opt_lines;
	unsigned		 n_opt_lines, cap_opt_lines;
	int			 user_line;	/* 0: the default user */
	struct ocsp_line	*ocsp_lines;	/* ocsp-response by certificate */
	unsigned		 nocsp_lines;
} ctx;

#define perr	config_perr

/* One error: "file:line: what". */
void
config_perr(int line, const char *fmt, ...)
{
	char	msg[768];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	config_err(ctx.err, "%s:%d: %s", ctx.file, line, msg);
}

/*
 * The line of an option that a check after parsing reports (a TLS list,
 * a file): cfg_opt_t has no line, so the validator notes it here, keyed
 * by the option of its section. Without room the section's line is used.
 */
void
config_opt_line_note(const cfg_opt_t *opt, int line)
{
	struct opt_line	*p;
	unsigned	 cap;

	if (ctx.n_opt_lines == ctx.cap_opt_lines) {
		cap = ctx.cap_opt_lines ? ctx.cap_opt_lines * 2 : 64;
		if ((p = reallocarray(ctx.opt_lines, cap, sizeof(*p))) == NULL)
			return;
		ctx.opt_lines = p;
		ctx.cap_opt_lines = cap;
	}
	ctx.opt_lines[ctx.n_opt_lines++] = (struct opt_line){ opt, line };
}

/* The line of option name of sec, or sec's line if it was not given. */
unsigned
config_opt_line(cfg_t *sec, const char *name)
{
	const cfg_opt_t	*opt = cfg_getopt(sec, name);
	unsigned	 i;

	for (i = ctx.n_opt_lines; opt != NULL && i > 0; i--)
		if (ctx.opt_lines[i - 1].ol_opt == opt)
			return (unsigned)ctx.opt_lines[i - 1].ol_line;
	return (unsigned)sec->line;
}

/* Is sec the section kind, "listener", "backend", "route" or "root"? */
static int
is_sec(const cfg_t *sec, const char *kind)
{
	return sec->name != NULL && strcmp(sec->name, kind) == 0;
}

/* The opening line of a listener's tls section or certificate, as note()
 * does for routes. */
static void
note_tls(const cfg_t *cfg)
{
	unsigned	 n;
	cfg_t		*ls, *tls;

	if (!is_sec(cfg, "tls") && !is_sec(cfg, "certificate"))
		return;
	if ((n = cfg_size(ctx.root, "listener")) == 0 ||
	    (ls = cfg_getnsec(ctx.root, "listener", n - 1)) == NULL)
		return;
	if (is_sec(cfg, "tls") && ctx.tls_line == 0)
		ctx.tls_line = ls->line;
	if (is_sec(cfg, "certificate") && ctx.cert_line == 0 &&
	    (tls = cfg_getsec(ls, "tls")) != NULL)
		ctx.cert_line = tls->line;
}

#define note	config_note

/* Note the opening lines of the sections that hold an option of cfg. */
void
config_note(const cfg_t *cfg)
{
	unsigned	 n;
	cfg_t		*ls;

	if (is_sec(cfg, "root"))
		return;
	if (ctx.open_line[1] == 0)
		ctx.open_line[1] = ctx.root->line;
	note_tls(cfg);
	if (!is_sec(cfg, "route") || ctx.open_line[2] != 0)
		return;
	if ((n = cfg_size(ctx.root, "listener")) > 0 &&
	    (ls = cfg_getnsec(ctx.root, "listener", n - 1)) != NULL)
		ctx.open_line[2] = ls->line;
}

/* A listener, backend or route name: what logs and references use. */
static int
name_ok(const char *s)
{
	size_t	i, len = strlen(s);

	if (len == 0 || len >= RPXD_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

#define NAME_RULE	"1 to 63 letters, digits, \".\", \"-\" or \"_\""

/* The end of a listener, backend or route: its line and its name. */
static int
v_section_end(cfg_t *cfg, cfg_opt_t *opt)
{
	int	 depth = strcmp(opt->name, "route") == 0 ? 2 : 1;
	cfg_t	*sec;

	note(cfg);
	if ((sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1)) == NULL)
		return 0;
	if (ctx.open_line[depth] != 0)
		sec->line = ctx.open_line[depth];
	ctx.open_line[depth] = 0;
	if (!name_ok(cfg_title(sec)))
		perr(sec->line, "%s \"%s\": the name must be " NAME_RULE,
		    opt->name, cfg_title(sec));
	return 0;
}

#define v_note	config_v_note

int
config_v_note(cfg_t *cfg, cfg_opt_t *opt)
{
	(void)opt;
	note(cfg);
	return 0;
}

/*
 * A list option calls back after each element and again at its "}":
 * the element to check is the last one, unless it was checked already.
 */
const char *
config_new_list_element(cfg_opt_t *opt)
{
	unsigned	 n = cfg_opt_size(opt);
	const char	*last;

	if (n == 0)
		return NULL;
	last = cfg_opt_getnstr(opt, n - 1);
	if (opt == ctx.list_opt && n == ctx.list_n && last == ctx.list_last)
		return NULL;
	ctx.list_opt = opt;
	ctx.list_n = n;
	ctx.list_last = last;
	return last;
}

static int
v_int(cfg_t *cfg, cfg_opt_t *opt)
{
	long		v = cfg_opt_getnint(opt, 0);
	unsigned	i;

	for (i = 0; i < N_INT_OPTIONS; i++)
		if (strcmp(int_options[i].name, opt->name) == 0)
			break;
	if (i == N_INT_OPTIONS)
		return 0;
	ctx.int_line[i] = cfg->line;
	if (v < int_options[i].min || v > int_options[i].max)
		perr(cfg->line, "%s: %ld is out of range (%ld to %ld)",
		    opt->name, v, int_options[i].min, int_options[i].max);
	return 0;
}

static int
v_user(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);
	struct passwd	*pw;

	ctx.user_line = cfg->line;
	if (strlen(v) >= RPXD_NAME_MAX || (pw = getpwnam(v)) == NULL)
		perr(cfg->line, "user: unknown user \"%s\"", v);
	else if (pw->pw_uid == 0)
		perr(cfg->line, "user: \"%s\" has uid 0; workers must not run "
		    "as root", v);
	return 0;
}

static int
v_group(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);
	struct group	*gr = NULL;

	if (v[0] != '\0' && (strlen(v) >= RPXD_NAME_MAX ||
	    (gr = getgrnam(v)) == NULL))
		perr(cfg->line, "group: unknown group \"%s\"", v);
	else if (gr != NULL && gr->gr_gid == 0)
		perr(cfg->line, "group: \"%s\" is gid 0; workers must not run "
		    "with root's group", v);
	return 0;
}

/* Without group, the children run with the user's primary group: gid 0
 * is refused there as uid 0 is. */
static void
check_user_group(const struct rpxd_conf *c)
{
	struct passwd	*pw;

	if (c->rc_group[0] != '\0' || (pw = getpwnam(c->rc_user)) == NULL ||
	    pw->pw_uid == 0 || pw->pw_gid != 0)
		return;
	if (ctx.user_line > 0)
		perr(ctx.user_line, "user: \"%s\" has primary group 0; workers "
		    "must not run with root's group (set group, or choose "
		    "another user)", c->rc_user);
	else
		config_err(ctx.err, "%s: user: the default user \"%s\" has "
		    "primary group 0; workers must not run with root's group "
		    "(set user or group)", ctx.file, c->rc_user);
}

/* The master creates a missing chroot; an existing one must be safe. */
static int
v_chroot(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);
	struct stat	 st;

	if (v[0] != '/')
		perr(cfg->line, "chroot: \"%s\" is not an absolute path", v);
	else if (strlen(v) >= RPXD_FILE_MAX)
		perr(cfg->line, "chroot: the path is longer than %d bytes",
		    RPXD_FILE_MAX - 1);
	else if (stat(v, &st) == -1)
		return 0;
	else if (!S_ISDIR(st.st_mode))
		perr(cfg->line, "chroot: %s is not a directory", v);
	else if (st.st_uid != 0)
		perr(cfg->line, "chroot: %s is not owned by root", v);
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		perr(cfg->line, "chroot: %s is writable by group or others", v);
	return 0;
}

static int
v_pidfile(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	if (v[0] != '/')
		perr(cfg->line, "pidfile: \"%s\" is not an absolute path", v);
	else if (strlen(v) >= RPXD_FILE_MAX)
		perr(cfg->line, "pidfile: the path is longer than %d bytes",
		    RPXD_FILE_MAX - 1);
	return 0;
}

/* A UNIX socket path must fit sun_path; "" turns the socket off. */
static int
v_control_socket(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	if (v[0] != '\0' && v[0] != '/')
		perr(cfg->line, "control-socket: \"%s\" is not an absolute "
		    "path (or \"\" for none)", v);
	else if (strlen(v) >= RPXD_SOCKET_PATH_MAX)
		perr(cfg->line, "control-socket: the path is longer than %d "
		    "bytes", RPXD_SOCKET_PATH_MAX - 1);
	return 0;
}

static int
v_syslog_socket(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	if (v[0] != '/')
		perr(cfg->line, "syslog-socket: \"%s\" is not an absolute path",
		    v);
	else if (strlen(v) >= RPXD_SYSLOG_PATH_MAX)
		perr(cfg->line, "syslog-socket: the path is longer than %d "
		    "bytes", RPXD_SYSLOG_PATH_MAX - 1);
	return 0;
}

/* What syslogd takes as a tag (RFC 3164): letters, digits and a few
 * punctuation marks that cannot end it, at most 32. */
static int
v_syslog_tag(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);
	size_t		 len = strlen(v);

	if (len == 0 || len >= RPXD_SYSLOG_TAG_MAX ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_.") != len)
		perr(cfg->line, "syslog-tag: \"%s\" must be 1 to %d letters, "
		    "digits, '-', '_' or '.'", v, RPXD_SYSLOG_TAG_MAX - 1);
	return 0;
}

static int
v_facility(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	if (log_facility_from_name(v) == -1)
		perr(cfg->line, "syslog-facility: unknown facility \"%s\" (auth, "
		    "authpriv, daemon, user, local0 to local7)", v);
	return 0;
}

static int
v_log_level(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	if (log_level_from_name(v) == -1)
		perr(cfg->line, "log-level: \"%s\" is not \"brief\", \"verbose\" "
		    "or \"debug\"", v);
	return 0;
}

static int
v_server(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v;

	note(cfg);
	if ((v = config_new_list_element(opt)) == NULL)
		return 0;
	if (v[0] == '\0' || strlen(v) >= RPXD_HOST_MAX + 8)
		perr(cfg->line, "server: \"%.64s\" is not \"host:port\"", v);
	return 0;
}

/* proxy-protocol-from, metrics-from: addresses or prefixes of trusted
 * balancers or scrapers. */
static int
v_prefix_list(cfg_t *cfg, cfg_opt_t *opt)
{
	struct net_prefix	 np;
	const char		*v, *why;

	note(cfg);
	if ((v = config_new_list_element(opt)) != NULL &&
	    net_prefix_parse(v, &np, &why) == -1)
		perr(cfg->line, "%s: \"%.64s\": %s", opt->name, v, why);
	return 0;
}

static int
v_address(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	note(cfg);
	if (v[0] == '\0' || strlen(v) >= RPXD_HOST_MAX)
		perr(cfg->line, "address: \"%.64s\" is not an IPv4 or IPv6 "
		    "address", v);
	return 0;
}

static int
v_port(cfg_t *cfg, cfg_opt_t *opt)
{
	long	v = cfg_opt_getnint(opt, 0);

	note(cfg);
	if (v < 1 || v > 65535)
		perr(cfg->line, "port: %ld is out of range (1 to 65535)", v);
	return 0;
}

/* backend (of a route) and default-route: references by name. */
static int
v_ref(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	note(cfg);
	if (!name_ok(v))
		perr(cfg->line, "%s: \"%.64s\" is not a name (" NAME_RULE ")",
		    opt->name, v);
	return 0;
}

/* Labels of letters, digits, '-' and '_', none empty; NULL if s is one. */
static const char *
dns_name_end(const char *s)
{
	size_t	label = 0;

	for (;; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_') {
			if (++label > 63)
				return NULL;
		} else if (*s == '.' && label > 0)
			label = 0;
		else
			return label > 0 ? s : NULL;
	}
}

/*
 * A host name, an IPv4 address or an [IPv6] literal, then with port_ok an
 * optional ":port"; with wildcard_ok also "*." and a name of at least
 * two labels. NULL if h is one, else why not.
 */
static const char *
host_bad(const char *h, int wildcard_ok, int port_ok)
{
	const char	*end;
	char		*pend;
	long		 port;

	if (strlen(h) >= RPXD_HOST_MAX)
		return "is too long";
	if (h[0] == '*') {
		if (!wildcard_ok)
			return "is not a host name (no wildcard here)";
		if (h[1] != '.' || (end = dns_name_end(h + 2)) == NULL ||
		    *end != '\0')
			return "is not a host name or \"*.domain\" wildcard";
		if (strchr(h + 2, '.') == NULL)
			return "needs at least two labels after \"*.\"";
		return NULL;
	}
	if (h[0] == '[') {
		end = h + 1 + strspn(h + 1, "0123456789abcdefABCDEF:.");
		if (*end != ']' || memchr(h, ':', (size_t)(end - h)) == NULL)
			return "is not a host name or [IPv6] address";
		end++;
	} else if ((end = dns_name_end(h)) == NULL)
		return "is not a host name";
	if (*end == '\0')
		return NULL;
	if (!port_ok || *end != ':')
		return "is not a host name";
	errno = 0;
	port = strtol(end + 1, &pend, 10);
	if (end[1] < '0' || end[1] > '9' || *pend != '\0' || port < 1 ||
	    port > 65535)
		return "has a bad port";
	return NULL;
}

static int
v_host(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v, *why;

	note(cfg);
	if ((v = config_new_list_element(opt)) != NULL &&
	    (why = host_bad(v, 1, 0)) != NULL)
		perr(cfg->line, "host: \"%.64s\" %s", v, why);
	return 0;
}

static int
v_host_rewrite(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0), *why;

	note(cfg);
	if ((why = host_bad(v, 0, 1)) != NULL)
		perr(cfg->line, "host-rewrite: \"%.64s\" %s", v, why);
	return 0;
}

static int
v_host_header(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	note(cfg);
	if (strcmp(v, "preserve") != 0 && strcmp(v, "rewrite") != 0)
		perr(cfg->line, "host-header: \"%.64s\" is not \"preserve\" or "
		    "\"rewrite\"", v);
	return 0;
}

/* Why path is not "/...", "/prefix/" "*" or "/" "*"; NULL if it is. */
static const char *
path_bad(const char *p)
{
	size_t		 len = strlen(p), i;
	const char	*seg;

	if (p[0] != '/')
		return "must start with \"/\"";
	if (len >= RPXD_PATH_MAX)
		return "is too long";
	for (i = 0; i < len; i++) {
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
			return "holds a space or control character";
		if (p[i] == '?' || p[i] == '#' || p[i] == '\\')
			return "holds \"?\", \"#\" or a backslash";
		if (p[i] == '*' && (i != len - 1 || p[i - 1] != '/'))
			return "may hold \"*\" only as a final \"/*\"";
	}
	for (seg = p; seg != NULL; seg = strchr(seg + 1, '/'))
		if (strncmp(seg, "/./", 3) == 0 || strcmp(seg, "/.") == 0 ||
		    strncmp(seg, "/../", 4) == 0 || strcmp(seg, "/..") == 0)
			return "holds a \".\" or \"..\" segment";
	return NULL;
}

static int
v_path(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0), *why;

	note(cfg);
	if ((why = path_bad(v)) != NULL)
		perr(cfg->line, "path: \"%.64s\" %s (\"/*\", \"/Ucwa/*\" or an "
		    "exact path)", v, why);
	return 0;
}

static int
v_route_timeout(cfg_t *cfg, cfg_opt_t *opt)
{
	long	v = cfg_opt_getnint(opt, 0);

	note(cfg);
	if (v < 0 || v > ROUTE_TIMEOUT_MAX)
		perr(cfg->line, "%s: %ld is out of range (0 to %d; 0: the global "
		    "value)", opt->name, v, ROUTE_TIMEOUT_MAX);
	return 0;
}

/* A file that the master reads: an absolute path that fits. */
static int
v_file(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	note(cfg);
	if (v == NULL)
		return 0;
	config_opt_line_note(opt, cfg->line);
	if (v[0] != '/')
		perr(cfg->line, "%s: \"%.64s\" is not an absolute path",
		    opt->name, v);
	else if (strlen(v) >= RPXD_FILE_MAX)
		perr(cfg->line, "%s: the path is longer than %d bytes",
		    opt->name, RPXD_FILE_MAX - 1);
	return 0;
}

/* protocols: a list of TLSv1.2 and TLSv1.3, nothing older. */
static int
v_protocols(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);
	char		 copy[RPXD_TLS_LIST_MAX], *tok, *save = NULL;
	int		 n = 0;

	note(cfg);
	if (strlen(v) >= sizeof(copy)) {
		perr(cfg->line, "protocols: too long");
		return 0;
	}
	strcpy(copy, v);
	for (tok = strtok_r(copy, " ,", &save); tok != NULL;
	    tok = strtok_r(NULL, " ,", &save), n++)
		if (strcmp(tok, "TLSv1.2") != 0 && strcmp(tok, "TLSv1.3") != 0)
			perr(cfg->line, "protocols: \"%.32s\" is not TLSv1.2 or "
			    "TLSv1.3 (older versions are not offered)", tok);
	if (n == 0)
		perr(cfg->line, "protocols: empty (\"TLSv1.2 TLSv1.3\")");
	return 0;
}

/* ciphers, ciphersuites, curves: OpenSSL lists, checked by tls_load. */
static int
v_tls_list(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	note(cfg);
	config_opt_line_note(opt, cfg->line);
	if (v[0] == '\0' || strlen(v) >= RPXD_TLS_LIST_MAX)
		perr(cfg->line, "%s: must be 1 to %d characters", opt->name,
		    RPXD_TLS_LIST_MAX - 1);
	return 0;
}

static int
v_hsts(cfg_t *cfg, cfg_opt_t *opt)
{
	long	v = cfg_opt_getnint(opt, 0);

	note(cfg);
	if (v < 0 || v > 2 * 31536000L)
		perr(cfg->line, "hsts: %ld is out of range (0 to 63072000 s; "
		    "0: no header)", v);
	return 0;
}

static int
v_redirect_port(cfg_t *cfg, cfg_opt_t *opt)
{
	long	v = cfg_opt_getnint(opt, 0);

	note(cfg);
	if (v < 0 || v > 65535)
		perr(cfg->line, "redirect-port: %ld is out of range (0 to "
		    "65535; 0: none in the Location)", v);
	return 0;
}

/* verify-name and sni: a host name (or an address) without a port. */
static int
v_tls_name(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0), *why;

	note(cfg);
	if (v != NULL && (why = host_bad(v, 0, 0)) != NULL)
		perr(cfg->line, "%s: \"%.64s\" %s", opt->name, v, why);
	return 0;
}

/* The end of a tls or certificate section: it keeps its opening line. */
static int
v_tls_section_end(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t	*sec;
	int	*line = strcmp(opt->name, "tls") == 0 ? &ctx.tls_line :
		    &ctx.cert_line;

	note(cfg);
	if ((sec = cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1)) == NULL)
		return 0;
	if (*line != 0)
		sec->line = *line;
	*line = 0;
	return 0;
}

/* ocsp-response: a file, and its line noted for the certificate. */
static int
v_ocsp_file(cfg_t *cfg, cfg_opt_t *opt)
{
	struct ocsp_line	*ol;

	v_file(cfg, opt);
	if (ctx.nocsp_lines >= RPXD_MAX_LISTENERS * RPXD_MAX_CERTS ||
	    (ol = realloc(ctx.ocsp_lines, (ctx.nocsp_lines + 1) *
	    sizeof(*ol))) == NULL)
		return 0;
	ctx.ocsp_lines = ol;
	ol[ctx.nocsp_lines++] = (struct ocsp_line){ cfg, cfg->line };
	return 0;
}

/* ocsp-responder: an http:// URL (RFC 6960 appendix A); the host is
 * resolved by config_tls.c. */
static int
v_ocsp_url(cfg_t *cfg, cfg_opt_t *opt)
{
	const char	*v = cfg_opt_getnstr(opt, 0);

	note(cfg);
	if (v == NULL)
		return 0;
	if (strncmp(v, "http://", 7) != 0 || v[7] == '\0' || v[7] == '/')
		perr(cfg->line, "ocsp-responder: \"%.64s\" is not an "
		    "http:// URL", v);
	else if (strlen(v) >= RPXD_PATH_MAX)
		perr(cfg->line, "ocsp-responder: longer than %d bytes",
		    RPXD_PATH_MAX - 1);
	return 0;
}

static int
ocsp_line(const cfg_t *sec)
{
	unsigned	i;

	for (i = 0; i < ctx.nocsp_lines; i++)
		if (ctx.ocsp_lines[i].ol_sec == sec)
			return ctx.ocsp_lines[i].ol_line;
	return sec->line;
}

static const struct {
	const char		*path;
	cfg_validate_callback_t	 fn;
} validators[] = {
	{ "user", v_user },
	{ "group", v_group },
	{ "chroot", v_chroot },
	{ "pidfile", v_pidfile },
	{ "control-socket", v_control_socket },
	{ "syslog-facility", v_facility },
	{ "syslog-socket", v_syslog_socket },
	{ "syslog-tag", v_syslog_tag },
	{ "log-level", v_log_level },
	{ "backend", v_section_end },
	{ "backend|server", v_server },
	{ "listener", v_section_end },
	{ "listener|address", v_address },
	{ "listener|port", v_port },
	{ "listener|default-route", v_ref },
	{ "listener|route", v_section_end },
	{ "listener|route|host", v_host },
	{ "listener|route|path", v_path },
	{ "listener|route|path-case-insensitive", v_note },
	{ "listener|route|backend", v_ref },
	{ "listener|route|host-header", v_host_header },
	{ "listener|route|host-rewrite", v_host_rewrite },
	{ "listener|route|backend-timeout", v_route_timeout },
	{ "listener|route|idle-timeout", v_route_timeout },
	{ "listener|route|redirect-https", v_note },
	{ "listener|route|redirect-port", v_redirect_port },
	{ "listener|tls", v_tls_section_end },
	{ "listener|tls|certificate", v_tls_section_end },
	{ "listener|tls|certificate|key", v_file },
	{ "listener|tls|certificate|ocsp-response", v_ocsp_file },
	{ "listener|tls|certificate|ocsp-fetch", v_note },
	{ "listener|tls|certificate|ocsp-responder", v_ocsp_url },
	{ "listener|tls|protocols", v_protocols },
	{ "listener|tls|ciphers", v_tls_list },
	{ "listener|tls|ciphersuites", v_tls_list },
	{ "listener|tls|curves", v_tls_list },
	{ "listener|tls|hsts", v_hsts },
	{ "listener|proxy-protocol", v_note },
	{ "listener|access-log", v_note },
	{ "listener|route|access-log", v_note },
	{ "listener|tls|tls-tickets", v_note },
	{ "listener|proxy-protocol-from", v_prefix_list },
	{ "listener|metrics", v_note },
	{ "listener|metrics-from", v_prefix_list },
	{ "listener|tls|hsts-include-subdomains", v_note },
	{ "backend|tls", v_note },
	{ "backend|verify", v_note },
	{ "backend|ca-file", v_file },
	{ "backend|verify-name", v_tls_name },
	{ "backend|sni", v_tls_name },
	{ "backend|client-certificate", v_file },
	{ "backend|client-key", v_file },
	{ "ntlm-users", v_file },
	{ "negotiate-keytab", v_file },
	{ "tls-ticket-key-file", v_file },
	{ "balance-key-file", v_file },
};

static cfg_opt_t route_opts[] = {
	CFG_STR_LIST("host", NULL, CFGF_NODEFAULT),
	CFG_STR("path", "/*", CFGF_NONE),
	CFG_BOOL("path-case-insensitive", cfg_false, CFGF_NONE),
	CFG_STR("backend", NULL, CFGF_NODEFAULT),
	CFG_STR("host-header", "preserve", CFGF_NONE),
	CFG_STR("host-rewrite", NULL, CFGF_NODEFAULT),
	CFG_INT("backend-timeout", 0, CFGF_NONE),
	CFG_INT("idle-timeout", 0, CFGF_NONE),
	CFG_BOOL("redirect-https", cfg_false, CFGF_NONE),
	CFG_INT("redirect-port", 0, CFGF_NONE),
	CFG_STR("auth", "passthrough", CFGF_NONE),
	CFG_STR("auth-header", NULL, CFGF_NODEFAULT),
	CFG_STR_LIST("require-group", NULL, CFGF_NODEFAULT),
	CFG_STR("ntlm-source", NULL, CFGF_NODEFAULT),
	CFG_STR("delegate", NULL, CFGF_NODEFAULT),
	CFG_BOOL("access-log", cfg_true, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t certificate_opts[] = {
	CFG_STR("key", NULL, CFGF_NODEFAULT),
	CFG_STR("ocsp-response", NULL, CFGF_NODEFAULT),
	CFG_BOOL("ocsp-fetch", cfg_false, CFGF_NONE),
	CFG_STR("ocsp-responder", NULL, CFGF_NODEFAULT),
	CFG_END()
};

/* Mozilla's "intermediate" profile (version 5.7). */
#define TLS_DEFAULT_CIPHERS \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
	"DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:" \
	"DHE-RSA-CHACHA20-POLY1305"
#define TLS_DEFAULT_SUITES \
	"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:" \
	"TLS_CHACHA20_POLY1305_SHA256"

static cfg_opt_t tls_opts[] = {
	CFG_SEC("certificate", certificate_opts, CFGF_MULTI | CFGF_TITLE |
	    CFGF_NO_TITLE_DUPES),
	CFG_STR("protocols", "TLSv1.2 TLSv1.3", CFGF_NONE),
	CFG_STR("ciphers", TLS_DEFAULT_CIPHERS, CFGF_NONE),
	CFG_STR("ciphersuites", TLS_DEFAULT_SUITES, CFGF_NONE),
	CFG_STR("curves", "X25519:prime256v1:secp384r1", CFGF_NONE),
	CFG_INT("hsts", 0, CFGF_NONE),
	CFG_BOOL("hsts-include-subdomains", cfg_false, CFGF_NONE),
	CFG_BOOL("tls-tickets", cfg_true, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t listener_opts[] = {
	CFG_STR("address", "0.0.0.0", CFGF_NONE),
	CFG_INT("port", 0, CFGF_NODEFAULT),
	CFG_STR("default-route", NULL, CFGF_NODEFAULT),
	CFG_SEC("route", route_opts, CFGF_MULTI | CFGF_TITLE |
	    CFGF_NO_TITLE_DUPES),
	CFG_SEC("tls", tls_opts, CFGF_NODEFAULT),
	CFG_BOOL("access-log", cfg_true, CFGF_NONE),
	CFG_BOOL("proxy-protocol", cfg_false, CFGF_NONE),
	CFG_STR_LIST("proxy-protocol-from", NULL, CFGF_NODEFAULT),
	CFG_BOOL("metrics", cfg_false, CFGF_NONE),
	CFG_STR_LIST("metrics-from", NULL, CFGF_NODEFAULT),
	CFG_END()
};

static cfg_opt_t backend_opts[] = {
	CFG_STR_LIST("server", NULL, CFGF_NODEFAULT),
	CFG_BOOL("tls", cfg_false, CFGF_NONE),
	CFG_BOOL("verify", cfg_true, CFGF_NONE),
	CFG_STR("ca-file", NULL, CFGF_NODEFAULT),
	CFG_STR("verify-name", NULL, CFGF_NODEFAULT),
	CFG_STR("sni", NULL, CFGF_NODEFAULT),
	CFG_STR("client-certificate", NULL, CFGF_NODEFAULT),
	CFG_STR("client-key", NULL, CFGF_NODEFAULT),
	CFG_STR("balance", "roundrobin", CFGF_NONE),
	CFG_STR("sticky-cookie", NULL, CFGF_NODEFAULT),
	CFG_INT("down-time", 10, CFGF_NONE),
	CFG_SEC("health-check", config_health_opts, CFGF_NODEFAULT),
	CFG_END()
};

/* libconfuse's own messages that name an option, in rpxd's words. */
static const struct {
	const char	*fmt;
	const char	*what;
} confuse_msgs[] = {
	{ "no such option '%s'", "unknown option" },
	{ "invalid integer value for option '%s'", "not an integer" },
	{ "integer value for option '%s' is out of range", "number too large" },
	{ "invalid boolean value for option '%s'", "not true or false" },
	{ "missing title for section '%s'", "missing name (\"name\" { ... })" },
	{ "missing opening brace for section '%s'", "missing \"{\"" },
	{ "missing equal sign after option '%s'", "missing \"=\"" },
	{ "attempt to append to non-list option '%s'", "not a list (no +=)" },
};

/* "found duplicate title": which kind of section has that title? */
static void
duplicate_title(cfg_t *cfg, const char *title)
{
	cfg_opt_t	*o;
	cfg_t		*first;

	for (o = cfg->opts; o != NULL && o->name != NULL; o++) {
		if (o->type != CFGT_SEC ||
		    (first = cfg_gettsec(cfg, o->name, title)) == NULL)
			continue;
		perr(cfg->line, "%s \"%s\": defined twice (first at line %d)",
		    o->name, title, first->line);
		return;
	}
	perr(cfg->line, "\"%s\": a section of that name is defined twice",
	    title);
}

static void confuse_error(cfg_t *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
confuse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char		 msg[512];
	const char	*arg;
	size_t		 i;
	va_list		 aq;
	int		 line = cfg != NULL ? cfg->line : 0;

	va_copy(aq, ap);
	if (cfg != NULL && strcmp(fmt, "found duplicate title '%s'") == 0) {
		duplicate_title(cfg, va_arg(aq, const char *));
		va_end(aq);
		return;
	}
	for (i = 0; i < sizeof(confuse_msgs) / sizeof(confuse_msgs[0]); i++)
		if (strcmp(fmt, confuse_msgs[i].fmt) == 0)
			break;
	if (i < sizeof(confuse_msgs) / sizeof(confuse_msgs[0])) {
		arg = va_arg(aq, const char *);
		if (cfg != NULL && !is_sec(cfg, "root"))
			perr(line, "%s: %s in %s \"%s\"", arg,
			    confuse_msgs[i].what, cfg->name, cfg_title(cfg));
		else
			perr(line, "%s: %s", arg, confuse_msgs[i].what);
	} else {
		vsnprintf(msg, sizeof(msg), fmt, ap);
		perr(line, "syntax error: %s", msg);
	}
	va_end(aq);
}

static cfg_t *
config_schema(void)
{
	static cfg_opt_t	 opts[N_INT_OPTIONS + 20];
	size_t			 i, n = 0;
	cfg_t			*cfg;

	opts[n++] = (cfg_opt_t)CFG_STR("user", "nobody", CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("group", "", CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("chroot", "/var/empty", CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("pidfile", "/var/run/rpxd.pid",
	    CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("control-socket", RPXD_CONTROL_SOCKET,
	    CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("syslog-facility", "daemon", CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("syslog-socket", "/dev/log", CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("syslog-tag", "rpxd", CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("log-level", "brief", CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("ntlm-users", NULL, CFGF_NODEFAULT);
	opts[n++] = (cfg_opt_t)CFG_STR("ntlm-domain", "RPXD", CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("ntlm-source", "file", CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("winbind-privileged-group",
	    "winbindd_priv", CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("negotiate-keytab", NULL,
	    CFGF_NODEFAULT);
	opts[n++] = (cfg_opt_t)CFG_BOOL("check-extended-protection", cfg_true,
	    CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_STR("tls-ticket-key-file", NULL,
	    CFGF_NODEFAULT);
	opts[n++] = (cfg_opt_t)CFG_STR("balance-key-file", NULL,
	    CFGF_NODEFAULT);
	for (i = 0; i < N_INT_OPTIONS; i++)
		opts[n++] = (cfg_opt_t)CFG_INT(int_options[i].name,
		    int_options[i].def, CFGF_NONE);
	opts[n++] = (cfg_opt_t)CFG_SEC("backend", backend_opts,
	    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES);
	opts[n++] = (cfg_opt_t)CFG_SEC("listener", listener_opts,
	    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES);
	opts[n++] = (cfg_opt_t)CFG_END();
	if ((cfg = cfg_init(opts, CFGF_NONE)) == NULL)
		return NULL;
	cfg_set_error_function(cfg, confuse_error);
	for (i = 0; i < N_INT_OPTIONS; i++)
		cfg_set_validate_func(cfg, int_options[i].name, v_int);
	for (i = 0; i < sizeof(validators) / sizeof(validators[0]); i++)
		cfg_set_validate_func(cfg, validators[i].path,
		    validators[i].fn);
	config_pool_validators(cfg);
	config_ad_validators(cfg);
	config_delegate_validators(cfg);
	return cfg;
}

/*
 * libconfuse 3.3 counts lines wrongly after comments (and a comment in a
 * list is a syntax error there), so comments are blanked out first, their
 * newlines kept: '#' to the end of the line, and "//" and C comments where
 * a token starts. Quoted strings are copied as they are. In place. It
 * also catches a "{" left open at the end, which libconfuse accepts, and
 * a quoted string that does not end on its line: no rpxd value holds a
 * newline, and libconfuse would let the string run on into the lines
 * after it and blame some later line.
 */
static int
strip_comments(char *buf)
{
	char	*r = buf, *w = buf, q;
	int	 at_token = 1, line = 1, depth = 0, open[16];

	while (*r != '\0') {
		if (*r == '"' || *r == '\'') {
			q = *w++ = *r++;
			while (*r != '\0' && *r != q && *r != '\n') {
				if (*r == '\\' && r[1] != '\0' &&
				    r[1] != '\n')
					*w++ = *r++;
				*w++ = *r++;
			}
			if (*r != q) {
				perr(line, "syntax error: string not closed "
				    "(no %c before the end of the line)", q);
				return -1;
			}
			*w++ = *r++;
			at_token = 1;
			ctx.last_line = line;
		} else if (*r == '#' || (at_token && r[0] == '/' &&
		    r[1] == '/')) {
			r += strcspn(r, "\n");
		} else if (at_token && r[0] == '/' && r[1] == '*') {
			int start = line;

			for (r += 2; *r != '\0' && !(r[0] == '*' && r[1] == '/');
			    r++)
				if (*r == '\n') {
					*w++ = '\n';
					line++;
				}
			if (*r == '\0') {
				perr(start, "syntax error: unterminated /* "
				    "comment");
				return -1;
			}
			r += 2;
		} else {
			if (*r == '{' && depth++ < 16)
				open[depth - 1] = line;
			else if (*r == '}' && depth > 0)
				depth--;
			if (*r == '\n')
				line++;
			else if (strchr(" \t\r", *r) == NULL)
				ctx.last_line = line;
			at_token = strchr(" \t\r\n={}(),+", *r) != NULL;
			*w++ = *r++;
		}
	}
	*w = '\0';
	if (depth > 0) {
		perr(open[(depth < 16 ? depth : 16) - 1], "syntax error: \"{\" "
		    "is never closed");
		return -1;
	}
	return 0;
}

/* The line of byte off of buf. */
static int
line_of(const char *buf, size_t off)
{
	size_t	i;
	int	line = 1;

	for (i = 0; i < off; i++)
		line += buf[i] == '\n';
	return line;
}

/* The whole file, comments blanked; NULL after an error. */
static char *
read_file(const char *file)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len = 0, cap = 0, n;

	if ((fp = fopen(file, "r")) == NULL) {
		config_err(ctx.err, "%s: cannot open: %s", file,
		    strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *p;

			cap = cap ? cap * 2 : 8192;
			if (cap > CONF_FILE_MAX + 1 ||
			    (p = realloc(buf, cap)) == NULL) {
				config_err(ctx.err, "%s: larger than %u bytes or "
				    "out of memory", file, CONF_FILE_MAX);
				goto fail;
			}
			buf = p;
		}
		if ((n = fread(buf + len, 1, cap - len - 1, fp)) == 0)
			break;
		len += n;
	}
	if (ferror(fp)) {
		config_err(ctx.err, "%s: cannot read: %s", file,
		    strerror(errno));
		goto fail;
	}
	buf[len] = '\0';
	if (strlen(buf) != len) {
		perr(line_of(buf, strlen(buf)), "syntax error: a NUL byte "
		    "(the file must be text)");
		goto fail;
	}
	fclose(fp);
	if (strip_comments(buf) == 0)
		return buf;
	free(buf);
	return NULL;
fail:
	fclose(fp);
	free(buf);
	return NULL;
}

#define copy_str	config_copy_str

/* Copy what the validators checked; cut what they refused. */
void
config_copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "");
}

static void
fill_globals(struct rpxd_conf *c, cfg_t *cfg)
{
	unsigned	i;
	long		v;

	for (i = 0; i < N_INT_OPTIONS; i++) {
		v = cfg_getint(cfg, int_options[i].name);
		*config_int_ref(c, i) = v < 0 ? 0 : v > (long)UINT32_MAX ?
		    UINT32_MAX : (unsigned)v;
	}
	for (i = 0; i < N_INT_OPTIONS; i++)
		if (config_int_ref(c, i) == &c->rc_max_workers)
			c->rc_max_workers_line = ctx.int_line[i] > 0 ?
			    (unsigned)ctx.int_line[i] : 1;
	copy_str(c->rc_user, sizeof(c->rc_user), cfg_getstr(cfg, "user"));
	copy_str(c->rc_group, sizeof(c->rc_group), cfg_getstr(cfg, "group"));
	copy_str(c->rc_chroot, sizeof(c->rc_chroot), cfg_getstr(cfg, "chroot"));
	copy_str(c->rc_pidfile, sizeof(c->rc_pidfile),
	    cfg_getstr(cfg, "pidfile"));
	copy_str(c->rc_control_socket, sizeof(c->rc_control_socket),
	    cfg_getstr(cfg, "control-socket"));
	c->rc_facility = log_facility_from_name(cfg_getstr(cfg,
	    "syslog-facility"));
	copy_str(c->rc_syslog_socket, sizeof(c->rc_syslog_socket),
	    cfg_getstr(cfg, "syslog-socket"));
	copy_str(c->rc_syslog_tag, sizeof(c->rc_syslog_tag),
	    cfg_getstr(cfg, "syslog-tag"));
	c->rc_log_level = log_level_from_name(cfg_getstr(cfg, "log-level"));
	c->rc_check_ep = cfg_getbool(cfg, "check-extended-protection");
	copy_str(c->rc_ticket_key_file, sizeof(c->rc_ticket_key_file),
	    cfg_getstr(cfg, "tls-ticket-key-file"));
	copy_str(c->rc_balance_key_file, sizeof(c->rc_balance_key_file),
	    cfg_getstr(cfg, "balance-key-file"));
}

/* The name of global integer option i (config_int_ref's order). */
const char *
config_int_name(unsigned i)
{
	return i < N_INT_OPTIONS ? int_options[i].name : NULL;
}

static int
int_index(const char *name)
{
	unsigned	i;

	for (i = 0; i < N_INT_OPTIONS; i++)
		if (strcmp(int_options[i].name, name) == 0)
			return (int)i;
	return 0;
}

/* Limits that only make sense together, reported at the later line. */
static void
check_global_limits(const struct rpxd_conf *c)
{
	static const struct {
		const char	*small, *large;
	} rules[] = {
		{ "min-spare-workers", "max-spare-workers" },
		{ "max-spare-workers", "max-workers" },
		{ "max-request-line", "max-head" },
		{ "max-header-line", "max-head" },
	};
	size_t	i;
	int	s, l, line;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		s = int_index(rules[i].small);
		l = int_index(rules[i].large);
		if (config_int_get(c, (unsigned)s) <=
		    config_int_get(c, (unsigned)l))
			continue;
		line = ctx.int_line[s] > ctx.int_line[l] ? ctx.int_line[s] :
		    ctx.int_line[l];
		perr(line, "%s: %u is larger than %s (%u)", rules[i].small,
		    config_int_get(c, (unsigned)s), rules[i].large,
		    config_int_get(c, (unsigned)l));
	}
}

static void
fill_backend_tls(struct backend_conf *be, cfg_t *sec)
{
	const char	*cert = cfg_getstr(sec, "client-certificate"),
			*key = cfg_getstr(sec, "client-key");

	be->be_tls = cfg_getbool(sec, "tls") ? 1 : 0;
	be->be_verify = cfg_getbool(sec, "verify") ? 1 : 0;
	copy_str(be->be_ca_file, sizeof(be->be_ca_file),
	    cfg_getstr(sec, "ca-file"));
	copy_str(be->be_verify_name, sizeof(be->be_verify_name),
	    cfg_getstr(sec, "verify-name"));
	copy_str(be->be_sni, sizeof(be->be_sni), cfg_getstr(sec, "sni"));
	copy_str(be->be_client_cert, sizeof(be->be_client_cert), cert);
	copy_str(be->be_client_key, sizeof(be->be_client_key), key);
	be->be_client_cert_line = config_opt_line(sec, "client-certificate");
	be->be_client_key_line = config_opt_line(sec, "client-key");
	if ((cert == NULL) != (key == NULL))
		perr(sec->line, "backend \"%s\": client-certificate and "
		    "client-key go together", be->be_name);
	if (!be->be_tls && (cert != NULL || be->be_ca_file[0] != '\0' ||
	    be->be_verify_name[0] != '\0' || be->be_sni[0] != '\0'))
		perr(sec->line, "backend \"%s\": ca-file, verify-name, sni and "
		    "client-certificate need tls = yes", be->be_name);
}

static void
fill_backend(struct backend_conf *be, cfg_t *sec)
{
	unsigned	i, n = cfg_size(sec, "server");

	copy_str(be->be_name, sizeof(be->be_name), cfg_title(sec));
	be->be_line = (unsigned)sec->line;
	if (n == 0 || n > RPXD_MAX_SERVERS) {
		if (n == 0)
			perr(sec->line, "backend \"%s\": server: missing (at "
			    "least one \"host:port\")", be->be_name);
		else
			perr(sec->line, "backend \"%s\": server: more than %d "
			    "servers", be->be_name, RPXD_MAX_SERVERS);
		return;
	}
	if ((be->be_servers = calloc(n, sizeof(*be->be_servers))) == NULL) {
		perr(sec->line, "backend \"%s\": out of memory", be->be_name);
		return;
	}
	be->be_nservers = n;
	for (i = 0; i < n; i++)
		copy_str(be->be_servers[i].sv_name,
		    sizeof(be->be_servers[i].sv_name),
		    cfg_getnstr(sec, "server", i));
	fill_backend_tls(be, sec);
	config_fill_pool(be, sec);
}

static void
fill_route_hosts(struct route_conf *rt, cfg_t *sec, const char *ls_name)
{
	unsigned	 i, n = cfg_size(sec, "host");
	char		*h;

	if (n > RPXD_MAX_HOSTS) {
		perr(sec->line, "listener \"%s\": route \"%s\": host: more than "
		    "%d names", ls_name, rt->rt_name, RPXD_MAX_HOSTS);
		return;
	}
	if (n == 0 || (rt->rt_hosts = calloc(n, sizeof(*rt->rt_hosts))) ==
	    NULL)
		return;
	rt->rt_nhosts = n;
	for (i = 0; i < n; i++) {
		copy_str(rt->rt_hosts[i], RPXD_HOST_MAX,
		    cfg_getnstr(sec, "host", i));
		for (h = rt->rt_hosts[i]; *h != '\0'; h++)
			if (*h >= 'A' && *h <= 'Z')
				*h = (char)(*h - 'A' + 'a');
	}
}

static void
fill_route(struct route_conf *rt, cfg_t *sec, const char *ls_name)
{
	const char	*rw = cfg_getstr(sec, "host-rewrite");
	long		 t;

	copy_str(rt->rt_name, sizeof(rt->rt_name), cfg_title(sec));
	rt->rt_line = (unsigned)sec->line;
	copy_str(rt->rt_path, sizeof(rt->rt_path), cfg_getstr(sec, "path"));
	rt->rt_path_icase = cfg_getbool(sec, "path-case-insensitive") ? 1 : 0;
	rt->rt_redirect_https = cfg_getbool(sec, "redirect-https") ? 1 : 0;
	rt->rt_access_log = cfg_getbool(sec, "access-log") ? 1 : 0;
	t = cfg_getint(sec, "redirect-port");
	rt->rt_redirect_port = t < 0 || t > 65535 ? 0 : (unsigned)t;
	if (cfg_getstr(sec, "backend") == NULL && !rt->rt_redirect_https)
		perr(sec->line, "listener \"%s\": route \"%s\": backend: missing",
		    ls_name, rt->rt_name);
	if (cfg_getstr(sec, "backend") != NULL && rt->rt_redirect_https)
		perr(sec->line, "listener \"%s\": route \"%s\": backend: not "
		    "used by a redirect-https route", ls_name, rt->rt_name);
	if (rt->rt_redirect_port != 0 && !rt->rt_redirect_https)
		perr(sec->line, "listener \"%s\": route \"%s\": redirect-port: "
		    "only with redirect-https = true", ls_name, rt->rt_name);
	copy_str(rt->rt_backend_name, sizeof(rt->rt_backend_name),
	    cfg_getstr(sec, "backend"));
	rt->rt_host_mode = strcmp(cfg_getstr(sec, "host-header"),
	    "rewrite") == 0 ? HOST_HEADER_REWRITE : HOST_HEADER_PRESERVE;
	if (rt->rt_host_mode == HOST_HEADER_REWRITE && rw == NULL)
		perr(sec->line, "listener \"%s\": route \"%s\": host-rewrite: "
		    "missing, host-header = \"rewrite\" needs it", ls_name,
		    rt->rt_name);
	if (rt->rt_host_mode != HOST_HEADER_REWRITE && rw != NULL)
		perr(sec->line, "listener \"%s\": route \"%s\": host-rewrite: "
		    "only allowed with host-header = \"rewrite\"", ls_name,
		    rt->rt_name);
	copy_str(rt->rt_host_rewrite, sizeof(rt->rt_host_rewrite), rw);
	t = cfg_getint(sec, "backend-timeout");
	rt->rt_backend_timeout = t < 0 || t > ROUTE_TIMEOUT_MAX ? 0 :
	    (unsigned)t;
	t = cfg_getint(sec, "idle-timeout");
	rt->rt_idle_timeout = t < 0 || t > ROUTE_TIMEOUT_MAX ? 0 : (unsigned)t;
	fill_route_hosts(rt, sec, ls_name);
	config_fill_route_auth(rt, sec, ls_name);
	config_fill_route_groups(rt, sec, ls_name);
	config_fill_route_delegate(rt, sec);
}

static void
fill_certificate(struct cert_conf *ct, cfg_t *sec, const char *ls_name)
{
	const char	*key = cfg_getstr(sec, "key");

	copy_str(ct->ct_file, sizeof(ct->ct_file), cfg_title(sec));
	ct->ct_line = (unsigned)sec->line;
	if (ct->ct_file[0] != '/' || strlen(cfg_title(sec)) >= RPXD_FILE_MAX)
		perr(sec->line, "listener \"%s\": certificate \"%.64s\": not "
		    "an absolute path that fits", ls_name, cfg_title(sec));
	if (key == NULL)
		perr(sec->line, "listener \"%s\": certificate \"%s\": key: "
		    "missing", ls_name, ct->ct_file);
	copy_str(ct->ct_key_file, sizeof(ct->ct_key_file), key);
	copy_str(ct->ct_ocsp_file, sizeof(ct->ct_ocsp_file),
	    cfg_getstr(sec, "ocsp-response"));
	ct->ct_ocsp_line = (unsigned)ocsp_line(sec);
	ct->ct_ocsp_fetch = cfg_getbool(sec, "ocsp-fetch");
	copy_str(ct->ct_ocsp_url, sizeof(ct->ct_ocsp_url),
	    cfg_getstr(sec, "ocsp-responder"));
	if (ct->ct_ocsp_url[0] != '\0' && !ct->ct_ocsp_fetch)
		perr(sec->line, "listener \"%s\": certificate \"%s\": "
		    "ocsp-responder: only with ocsp-fetch = true", ls_name,
		    ct->ct_file);
}

static void
fill_listener_tls(struct listener_conf *ls, cfg_t *tls)
{
	unsigned	i, n = cfg_size(tls, "certificate");

	ls->ls_tls_line = (unsigned)tls->line;
	if (n == 0 || n > RPXD_MAX_CERTS) {
		perr(tls->line, "listener \"%s\": tls: needs 1 to %d "
		    "certificates", ls->ls_name, RPXD_MAX_CERTS);
		return;
	}
	if ((ls->ls_certs = calloc(n, sizeof(*ls->ls_certs))) == NULL) {
		perr(tls->line, "listener \"%s\": out of memory", ls->ls_name);
		return;
	}
	ls->ls_ncerts = n;
	for (i = 0; i < n; i++)
		fill_certificate(&ls->ls_certs[i],
		    cfg_getnsec(tls, "certificate", i), ls->ls_name);
	copy_str(ls->ls_protocols, sizeof(ls->ls_protocols),
	    cfg_getstr(tls, "protocols"));
	copy_str(ls->ls_ciphers, sizeof(ls->ls_ciphers),
	    cfg_getstr(tls, "ciphers"));
	copy_str(ls->ls_ciphersuites, sizeof(ls->ls_ciphersuites),
	    cfg_getstr(tls, "ciphersuites"));
	copy_str(ls->ls_curves, sizeof(ls->ls_curves),
	    cfg_getstr(tls, "curves"));
	ls->ls_ciphers_line = config_opt_line(tls, "ciphers");
	ls->ls_ciphersuites_line = config_opt_line(tls, "ciphersuites");
	ls->ls_curves_line = config_opt_line(tls, "curves");
	ls->ls_hsts = (unsigned)cfg_getint(tls, "hsts");
	ls->ls_hsts_subdomains = cfg_getbool(tls,
	    "hsts-include-subdomains") ? 1 : 0;
	ls->ls_tls_tickets = cfg_getbool(tls, "tls-tickets") ? 1 : 0;
}

/* proxy-protocol needs its trusted sources, and they need it. */
static void
fill_listener_proxy(struct listener_conf *ls, cfg_t *sec)
{
	unsigned	 i, n = cfg_size(sec, "proxy-protocol-from");
	const char	*why;

	ls->ls_proxy_protocol = cfg_getbool(sec, "proxy-protocol") ? 1 : 0;
	ls->ls_access_log = cfg_getbool(sec, "access-log") ? 1 : 0;
	ls->ls_proxy_line = (unsigned)sec->line;
	if (ls->ls_proxy_protocol && n == 0)
		perr(sec->line, "listener \"%s\": proxy-protocol: needs "
		    "proxy-protocol-from, the addresses of the balancers that "
		    "send it", ls->ls_name);
	else if (!ls->ls_proxy_protocol && n > 0)
		perr(sec->line, "listener \"%s\": proxy-protocol-from: set "
		    "without proxy-protocol = true", ls->ls_name);
	if (n > RPXD_PROXY_FROM_MAX) {
		perr(sec->line, "listener \"%s\": proxy-protocol-from: more "
		    "than %d entries", ls->ls_name, RPXD_PROXY_FROM_MAX);
		return;
	}
	for (i = 0; i < n; i++)
		if (net_prefix_parse(cfg_getnstr(sec, "proxy-protocol-from",
		    i), &ls->ls_proxy_from[i], &why) == 0)
			ls->ls_nproxy_from++;
}

static void
fill_listener(struct listener_conf *ls, cfg_t *sec)
{
	unsigned	i, n = cfg_size(sec, "route");
	long		port;

	copy_str(ls->ls_name, sizeof(ls->ls_name), cfg_title(sec));
	ls->ls_line = (unsigned)sec->line;
	ls->ls_default_route = -1;
	copy_str(ls->ls_address, sizeof(ls->ls_address),
	    cfg_getstr(sec, "address"));
	if (cfg_size(sec, "port") == 0)
		perr(sec->line, "listener \"%s\": port: missing", ls->ls_name);
	else if ((port = cfg_getint(sec, "port")) >= 1 && port <= 65535)
		ls->ls_port = (uint16_t)port;
	copy_str(ls->ls_default_route_name, sizeof(ls->ls_default_route_name),
	    cfg_getstr(sec, "default-route"));
	if (cfg_size(sec, "tls") > 0)
		fill_listener_tls(ls, cfg_getsec(sec, "tls"));
	fill_listener_proxy(ls, sec);
	if (config_fill_listener_metrics(ls, sec))
		return;		/* no routes: it serves /metrics */
	if (n == 0 || n > RPXD_MAX_ROUTES) {
		if (n == 0)
			perr(sec->line, "listener \"%s\": route: none (at "
			    "least one is needed)", ls->ls_name);
		else
			perr(sec->line, "listener \"%s\": route: more than %d "
			    "routes", ls->ls_name, RPXD_MAX_ROUTES);
		return;
	}
	if ((ls->ls_routes = calloc(n, sizeof(*ls->ls_routes))) == NULL) {
		perr(sec->line, "listener \"%s\": out of memory", ls->ls_name);
		return;
	}
	ls->ls_nroutes = n;
	for (i = 0; i < n; i++)
		fill_route(&ls->ls_routes[i], cfg_getnsec(sec, "route", i),
		    ls->ls_name);
}

static void
fill(struct rpxd_conf *c, cfg_t *cfg)
{
	unsigned	i, nb = cfg_size(cfg, "backend"),
			nl = cfg_size(cfg, "listener");

	fill_globals(c, cfg);
	check_user_group(c);
	config_fill_auth_globals(c, cfg);
	config_fill_ad_globals(c, cfg);
	check_global_limits(c);
	if (nb > RPXD_MAX_BACKENDS)
		perr(cfg_getnsec(cfg, "backend", RPXD_MAX_BACKENDS)->line,
		    "backend: more than %d backends", RPXD_MAX_BACKENDS);
	if (nl > RPXD_MAX_LISTENERS)
		perr(cfg_getnsec(cfg, "listener", RPXD_MAX_LISTENERS)->line,
		    "listener: more than %d listeners", RPXD_MAX_LISTENERS);
	if (nl == 0)
		perr(ctx.last_line > 0 ? ctx.last_line : 1, "listener: none is "
		    "defined (at least one is needed)");
	if (nb > RPXD_MAX_BACKENDS || nl > RPXD_MAX_LISTENERS)
		return;
	c->rc_backends = calloc(nb + 1, sizeof(*c->rc_backends));
	c->rc_listeners = calloc(nl + 1, sizeof(*c->rc_listeners));
	if (c->rc_backends == NULL || c->rc_listeners == NULL) {
		config_err(ctx.err, "%s: out of memory", ctx.file);
		return;
	}
	c->rc_nbackends = nb;
	for (i = 0; i < nb; i++)
		fill_backend(&c->rc_backends[i], cfg_getnsec(cfg, "backend", i));
	c->rc_nlisteners = nl;
	for (i = 0; i < nl; i++)
		fill_listener(&c->rc_listeners[i],
		    cfg_getnsec(cfg, "listener", i));
	config_resolve_ad(c);
	config_check_auth(c);
	config_check_groups(c);
	config_check_delegate(c);
}

struct rpxd_conf *
config_parse(const char *file, char *err, size_t errlen)
{
	struct config_err	 ce;
	struct rpxd_conf	*c = NULL;
	cfg_t			*cfg = NULL;
	char			*text;

	config_err_init(&ce, err, errlen);
	memset(&ctx, 0, sizeof(ctx));
	ctx.err = &ce;
	ctx.file = file;
	if ((text = read_file(file)) == NULL)
		return NULL;
	if (strlen(file) >= sizeof(c->rc_file)) {
		config_err(&ce, "%s: file name too long", file);
		goto fail;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (cfg = ctx.root = config_schema()) == NULL) {
		config_err(&ce, "%s: out of memory", file);
		goto fail;
	}
	config_defaults(c);
	copy_str(c->rc_file, sizeof(c->rc_file), file);
	if (cfg_parse_buf(cfg, text) != CFG_SUCCESS) {
		if (ce.ce_count == 0)
			config_err(&ce, "%s: cannot parse", file);
		goto fail;
	}
	fill(c, cfg);
	if (ce.ce_count > 0)
		goto fail;
	cfg_free(cfg);
	free(text);
	free(ctx.opt_lines);
	free(ctx.ocsp_lines);
	memset(&ctx, 0, sizeof(ctx));
	return c;
fail:
	if (cfg != NULL)
		cfg_free(cfg);
	free(text);
	free(ctx.opt_lines);
	config_free(c);
	free(ctx.ocsp_lines);
	memset(&ctx, 0, sizeof(ctx));
	return NULL;
}

struct rpxd_conf *
config_load(const char *file, char *err, size_t errlen)
{
	struct rpxd_conf	*c;

	if ((c = config_parse(file, err, errlen)) == NULL)
		return NULL;
	if (config_check(c, err, errlen) == -1 ||
	    config_tls_load(c, err, errlen) == -1 ||
	    (c->rc_ntlm_users[0] != '\0' &&
	    (c->rc_ntlm_source == NTLM_SOURCE_FILE || config_uses_file(c)) &&
	    (c->rc_users =
	    ntlm_users_load(c->rc_ntlm_users, err, errlen)) == NULL) ||
	    fleet_keys_load(c, err, errlen) == -1) {
		config_free(c);
		return NULL;
	}
	if (c->rc_users != NULL && ntlm_users_count(c->rc_users) == 0)
		log_warnx("%s: ntlm-users: %s has no entries: every auth = "
		    "\"ntlm\" login will fail", c->rc_file, c->rc_ntlm_users);
	return c;
}
