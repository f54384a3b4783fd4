/*
 * Reading rpxd.conf with libconfuse into struct rpxd_conf, with the
 * per-option checks that need the option's own line.
 *
 * libconfuse reports lines one token late (its lexer has read ahead), and
 * it merges sections that repeat a title, so a small scanner reads the
 * file once beside it: it records the line of every option and section
 * ("listener a/route r/path") and notices repeated titles.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <confuse.h>

#include "config.h"
#include "config_err.h"
#include "log.h"

#define CONF_FILE_LIMIT	(16u * 1024 * 1024)
#define KEY_MAX		512

struct line_ent {
	char		*le_key;
	int		 le_line;
};

struct parse_ctx {
	const char		*pc_file;
	struct config_err	*pc_ce;
	struct line_ent		*pc_lines;
	size_t			 pc_nlines;
	size_t			 pc_cap;
	int			 pc_nomem;
};

/* libconfuse's error callback has no user pointer. */
static struct parse_ctx	*parse_current;

static const char *const global_int_names[CONFIG_GLOBAL_INTS] = {
	"min-spare-workers", "max-spare-workers", "max-workers",
	"max-connections-per-worker", "shutdown-timeout",
	"client-header-timeout", "client-idle-timeout",
	"backend-connect-timeout", "backend-timeout", "idle-timeout",
	"max-request-line", "max-header-line", "max-head", "max-headers",
};


/* ---- the line scanner ---- */

static struct line_ent *
line_find(struct parse_ctx *pc, const char *key)
{
	size_t	i;

	for (i = 0; i < pc->pc_nlines; i++)
		if (strcmp(pc->pc_lines[i].le_key, key) == 0)
			return &pc->pc_lines[i];
	return NULL;
}

static void
line_set(struct parse_ctx *pc, const char *key, int line)
{
	struct line_ent	*le;

	if ((le = line_find(pc, key)) != NULL) {
		le->le_line = line;
		return;
	}
	if (pc->pc_nlines == pc->pc_cap) {
		size_t	 cap = pc->pc_cap ? pc->pc_cap * 2 : 64;

		le = realloc(pc->pc_lines, cap * sizeof(*le));
		if (le == NULL) {
			pc->pc_nomem = 1;
			return;
		}
		pc->pc_lines = le;
		pc->pc_cap = cap;
	}
	if ((pc->pc_lines[pc->pc_nlines].le_key = strdup(key)) == NULL) {
		pc->pc_nomem = 1;
		return;
	}
	pc->pc_lines[pc->pc_nlines++].le_line = line;
}

static void
lines_free(struct parse_ctx *pc)
{
	size_t	i;

	for (i = 0; i < pc->pc_nlines; i++)
		free(pc->pc_lines[i].le_key);
	free(pc->pc_lines);
	pc->pc_lines = NULL;
	pc->pc_nlines = pc->pc_cap = 0;
}

enum tok_type { TOK_NONE, TOK_WORD, TOK_STR, TOK_LBRACE, TOK_RBRACE,
	TOK_EQ, TOK_OTHER };

struct tok {
	enum tok_type	 t_type;
	const char	*t_text;
	size_t		 t_len;
	int		 t_line;
};

/* The next token of buf at *pos, or TOK_NONE at the end. */
static struct tok
scan_token(const char *buf, size_t len, size_t *pos, int *line)
{
	struct tok	 t = { TOK_NONE, NULL, 0, 0 };
	size_t		 i = *pos;

	for (;;) {
		while (i < len && isspace((unsigned char)buf[i])) {
			if (buf[i] == '\n')
				(*line)++;
			i++;
		}
		if (i < len && (buf[i] == '#' ||
		    (buf[i] == '/' && i + 1 < len && buf[i + 1] == '/'))) {
			while (i < len && buf[i] != '\n')
				i++;
			continue;
		}
		if (i + 1 < len && buf[i] == '/' && buf[i + 1] == '*') {
			i += 2;
			while (i < len && !(buf[i] == '*' && i + 1 < len &&
			    buf[i + 1] == '/')) {
				if (buf[i] == '\n')
					(*line)++;
				i++;
			}
			i = i < len ? i + 2 : len;
			continue;
		}
		break;
	}
	t.t_line = *line;
	if (i >= len) {
		*pos = len;
		return t;
	}
	if (buf[i] == '"' || buf[i] == '\'') {
		char	 q = buf[i++];

		t.t_type = TOK_STR;
		t.t_text = buf + i;
		while (i < len && buf[i] != q) {
			if (buf[i] == '\\' && q == '"' && i + 1 < len)
				i++;
			if (buf[i] == '\n')
				(*line)++;
			i++;
		}
		t.t_len = (size_t)(buf + i - t.t_text);
		*pos = i < len ? i + 1 : len;
		return t;
	}
	t.t_text = buf + i;
	t.t_len = 1;
	switch (buf[i]) {
	case '{':
		t.t_type = TOK_LBRACE;
		break;
	case '}':
		t.t_type = TOK_RBRACE;
		break;
	case '=':
		t.t_type = TOK_EQ;
		break;
	case '+':
		if (i + 1 < len && buf[i + 1] == '=') {
			t.t_type = TOK_EQ;
			t.t_len = 2;
			break;
		}
		/* FALLTHROUGH */
	default:
		if (strchr(",()", buf[i]) != NULL) {
			t.t_type = TOK_OTHER;
			break;
		}
		t.t_type = TOK_WORD;
		while (i + t.t_len < len &&
		    !isspace((unsigned char)buf[i + t.t_len]) &&
		    strchr("{}=,()\"'#", buf[i + t.t_len]) == NULL)
			t.t_len++;
		break;
	}
	*pos = i + t.t_len;
	return t;
}

static int
is_titled(const char *name, size_t len)
{
	return (len == 8 && memcmp(name, "listener", 8) == 0) ||
	    (len == 7 && memcmp(name, "backend", 7) == 0) ||
	    (len == 5 && memcmp(name, "route", 5) == 0);
}

/* Records the line of every option and section; reports repeated titles. */
static void
scan_lines(struct parse_ctx *pc, const char *buf, size_t len)
{
	size_t		 pos = 0, stack[16], depth = 0, klen = 0;
	char		 key[KEY_MAX];
	struct tok	 t, t1 = { TOK_NONE, NULL, 0, 0 }, t2 = t1;
	struct line_ent	*le;
	int		 line = 1, n;

	key[0] = '\0';
	for (;;) {
		t = scan_token(buf, len, &pos, &line);
		if (t.t_type == TOK_NONE)
			break;
		if (t.t_type == TOK_EQ &&
		    (t1.t_type == TOK_WORD || t1.t_type == TOK_STR)) {
			n = snprintf(key + klen, sizeof(key) - klen, "%s%.*s",
			    klen ? "/" : "", (int)t1.t_len, t1.t_text);
			if (n > 0 && (size_t)n < sizeof(key) - klen)
				line_set(pc, key, t1.t_line);
			key[klen] = '\0';
		} else if (t.t_type == TOK_LBRACE) {
			const struct tok	*w = NULL, *ti = NULL;

			if (t1.t_type == TOK_STR && t2.t_type == TOK_WORD) {
				w = &t2;
				ti = &t1;
			} else if (t1.t_type == TOK_WORD)
				w = &t1;
			if (depth < sizeof(stack) / sizeof(stack[0]))
				stack[depth] = klen;
			depth++;
			if (w == NULL)
				n = snprintf(key + klen, sizeof(key) - klen,
				    "%s?", klen ? "/" : "");
			else
				n = snprintf(key + klen, sizeof(key) - klen,
				    "%s%.*s%s%.*s", klen ? "/" : "",
				    (int)w->t_len, w->t_text, ti ? " " : "",
				    ti ? (int)ti->t_len : 0,
				    ti ? ti->t_text : "");
			if (n <= 0 || (size_t)n >= sizeof(key) - klen) {
				key[klen] = '\0';
				n = 0;
			}
			if (w != NULL && ti != NULL &&
			    is_titled(w->t_text, w->t_len) &&
			    (le = line_find(pc, key)) != NULL)
				config_err(pc->pc_ce, "%s:%d: %.*s: duplicate "
				    "%.*s \"%.*s\" (first at line %d)",
				    pc->pc_file, w->t_line, (int)w->t_len,
				    w->t_text, (int)w->t_len, w->t_text,
				    (int)ti->t_len, ti->t_text, le->le_line);
			else if (w != NULL && n > 0)
				line_set(pc, key, w->t_line);
			klen += (size_t)n;
		} else if (t.t_type == TOK_RBRACE && depth > 0) {
			depth--;
			klen = depth < sizeof(stack) / sizeof(stack[0]) ?
			    stack[depth] : klen;
			key[klen] = '\0';
		}
		t2 = t1;
		t1 = t;
	}
}

/* The line of option opt in the section with key prefix ("" for global),
 * else the section's line, else 0. */
static int
line_of(struct parse_ctx *pc, const char *prefix, const char *opt)
{
	char		 key[KEY_MAX];
	struct line_ent	*le;

	if (opt != NULL) {
		snprintf(key, sizeof(key), "%s%s%s", prefix,
		    *prefix ? "/" : "", opt);
		if ((le = line_find(pc, key)) != NULL)
			return le->le_line;
	}
	if (*prefix && (le = line_find(pc, prefix)) != NULL)
		return le->le_line;
	return 0;
}

static void perr(struct parse_ctx *, const char *, const char *,
    const char *, ...) __attribute__((format(printf, 4, 5)));

/* "file:line: opt: what", the line from the scanner. */
static void
perr(struct parse_ctx *pc, const char *prefix, const char *opt,
    const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	config_err(pc->pc_ce, "%s:%d: %s: %s", pc->pc_file,
	    line_of(pc, prefix, opt), opt, msg);
}

/* libconfuse reads one token ahead: for "no such option 'x'" the
 * scanner knows the line of x; otherwise libconfuse's own line. */
static int
unknown_option_line(struct parse_ctx *pc, cfg_t *cfg, const char *msg)
{
	const char	*q, *e;
	char		 want[KEY_MAX];
	size_t		 i, kl, wl;
	int		 n;

	if (cfg == NULL)
		return 0;
	if ((q = strstr(msg, "no such option '")) == NULL ||
	    (e = strchr(q + 16, '\'')) == NULL)
		return cfg->line;
	q += 16;
	if (cfg->title != NULL && cfg->name != NULL &&
	    strcmp(cfg->name, "root") != 0)
		n = snprintf(want, sizeof(want), "%s %s/%.*s", cfg->name,
		    cfg->title, (int)(e - q), q);
	else
		n = snprintf(want, sizeof(want), "%.*s", (int)(e - q), q);
	if (n <= 0 || (size_t)n >= sizeof(want))
		return cfg->line;
	wl = (size_t)n;
	for (i = 0; i < pc->pc_nlines; i++) {
		kl = strlen(pc->pc_lines[i].le_key);
		if (strcmp(pc->pc_lines[i].le_key, want) == 0 ||
		    (kl > wl && pc->pc_lines[i].le_key[kl - wl - 1] == '/' &&
		    strcmp(pc->pc_lines[i].le_key + kl - wl, want) == 0))
			return pc->pc_lines[i].le_line;
	}
	return cfg->line;
}

static void parse_errfunc(cfg_t *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));

static void
parse_errfunc(cfg_t *cfg, const char *fmt, va_list ap)
{
	char		 msg[1024];
	struct parse_ctx *pc = parse_current;

	if (pc == NULL)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	config_err(pc->pc_ce, "%s:%d: %s: %s",
	    cfg != NULL && cfg->filename != NULL ? cfg->filename : pc->pc_file,
	    unknown_option_line(pc, cfg, msg),
	    cfg != NULL && cfg->name != NULL ? cfg->name : "config", msg);
}

/* ---- the grammar ---- */

static cfg_opt_t route_opts[] = {
	CFG_STR_LIST("host", 0, CFGF_NODEFAULT),
	CFG_STR("path", "/*", CFGF_NONE),
	CFG_BOOL("path-case-insensitive", cfg_false, CFGF_NONE),
	CFG_STR("backend", 0, CFGF_NODEFAULT),
	CFG_STR("host-header", "preserve", CFGF_NONE),
	CFG_STR("host-rewrite", 0, CFGF_NODEFAULT),
	CFG_INT("backend-timeout", 0, CFGF_NONE),
	CFG_INT("idle-timeout", 0, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t listener_opts[] = {
	CFG_STR("address", "127.0.0.1", CFGF_NONE),
	CFG_INT("port", 0, CFGF_NODEFAULT),
	CFG_STR("default-route", 0, CFGF_NODEFAULT),
	CFG_SEC("route", route_opts, CFGF_MULTI | CFGF_TITLE),
	CFG_END()
};

static cfg_opt_t backend_opts[] = {
	CFG_STR_LIST("server", 0, CFGF_NODEFAULT),
	CFG_END()
};

static cfg_opt_t global_opts[] = {
	CFG_STR("user", "nobody", CFGF_NONE),
	CFG_STR("group", "", CFGF_NONE),
	CFG_STR("chroot", "/var/empty", CFGF_NONE),
	CFG_STR("pidfile", "/var/run/rpxd.pid", CFGF_NONE),
	CFG_STR("syslog-facility", "daemon", CFGF_NONE),
	CFG_STR("log-level", "brief", CFGF_NONE),
	CFG_INT("min-spare-workers", 4, CFGF_NONE),
	CFG_INT("max-spare-workers", 16, CFGF_NONE),
	CFG_INT("max-workers", 256, CFGF_NONE),
	CFG_INT("max-connections-per-worker", 0, CFGF_NONE),
	CFG_INT("shutdown-timeout", 30, CFGF_NONE),
	CFG_INT("client-header-timeout", 30, CFGF_NONE),
	CFG_INT("client-idle-timeout", 120, CFGF_NONE),
	CFG_INT("backend-connect-timeout", 5, CFGF_NONE),
	CFG_INT("backend-timeout", 3600, CFGF_NONE),
	CFG_INT("idle-timeout", 3600, CFGF_NONE),
	CFG_INT("max-request-line", 16384, CFGF_NONE),
	CFG_INT("max-header-line", 81920, CFGF_NONE),
	CFG_INT("max-head", 131072, CFGF_NONE),
	CFG_INT("max-headers", 200, CFGF_NONE),
	CFG_SEC("backend", backend_opts, CFGF_MULTI | CFGF_TITLE),
	CFG_SEC("listener", listener_opts, CFGF_MULTI | CFGF_TITLE),
	CFG_END()
};

/* ---- filling the structs ---- */

static int
copy_opt(struct parse_ctx *pc, const char *prefix, const char *opt,
    char *dst, size_t len, const char *src)
{
	if (strlen(src) >= len) {
		perr(pc, prefix, opt, "value too long (at most %zu bytes)",
		    len - 1);
		dst[0] = '\0';
		return -1;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int
get_uint(struct parse_ctx *pc, cfg_t *sec, const char *prefix,
    const char *opt, unsigned *dst)
{
	long	 v = cfg_getint(sec, opt);

	if (v < 0 || (unsigned long)v > UINT_MAX) {
		perr(pc, prefix, opt, "%ld is out of range (0 to %u)", v,
		    UINT_MAX);
		return -1;
	}
	*dst = (unsigned)v;
	return 0;
}

static void
fill_globals(struct parse_ctx *pc, struct rpxd_conf *c, cfg_t *cfg)
{
	const char	*s;
	unsigned	 i;
	unsigned	*v[CONFIG_GLOBAL_INTS];
	int		 bad = 0;

	copy_opt(pc, "", "user", c->rc_user, sizeof(c->rc_user),
	    cfg_getstr(cfg, "user"));
	if (c->rc_user[0] == '\0' && cfg_getstr(cfg, "user")[0] == '\0')
		perr(pc, "", "user", "must not be empty");
	copy_opt(pc, "", "group", c->rc_group, sizeof(c->rc_group),
	    cfg_getstr(cfg, "group"));
	copy_opt(pc, "", "chroot", c->rc_chroot, sizeof(c->rc_chroot),
	    cfg_getstr(cfg, "chroot"));
	copy_opt(pc, "", "pidfile", c->rc_pidfile, sizeof(c->rc_pidfile),
	    cfg_getstr(cfg, "pidfile"));
	if (c->rc_pidfile[0] != '/')
		perr(pc, "", "pidfile", "\"%s\" is not an absolute path",
		    cfg_getstr(cfg, "pidfile"));
	s = cfg_getstr(cfg, "syslog-facility");
	if ((c->rc_facility = log_facility_from_name(s)) == -1)
		perr(pc, "", "syslog-facility", "unknown facility \"%s\"", s);
	s = cfg_getstr(cfg, "log-level");
	if (strcmp(s, "brief") == 0)
		c->rc_log_level = LOG_LEVEL_BRIEF;
	else if (strcmp(s, "verbose") == 0)
		c->rc_log_level = LOG_LEVEL_VERBOSE;
	else if (strcmp(s, "debug") == 0)
		c->rc_log_level = LOG_LEVEL_DEBUG;
	else
		perr(pc, "", "log-level", "unknown log level \"%s\" (brief, "
		    "verbose or debug)", s);

	for (i = 0; i < CONFIG_GLOBAL_INTS; i++) {
		v[i] = config_int_ref(c, i);
		if (get_uint(pc, cfg, "", global_int_names[i], v[i]) == -1)
			bad = 1;
	}
	if (bad)
		return;
	/* Indexes follow config_ints.c's table. */
	if (*v[0] == 0 || *v[0] > *v[1])
		perr(pc, "", "min-spare-workers", "%u must be at least 1 and "
		    "at most max-spare-workers (%u)", *v[0], *v[1]);
	if (*v[1] > *v[2])
		perr(pc, "", "max-spare-workers", "%u is above max-workers "
		    "(%u)", *v[1], *v[2]);
	if (*v[2] == 0 || *v[2] > RPXD_MAX_WORKERS)
		perr(pc, "", "max-workers", "%u is out of range (1 to %u)",
		    *v[2], RPXD_MAX_WORKERS);
	for (i = 4; i <= 9; i++)
		if (*v[i] == 0)
			perr(pc, "", global_int_names[i], "a timeout of 0 is "
			    "not allowed");
	if (*v[12] < 1024)
		perr(pc, "", "max-head", "%u is below the minimum of 1024",
		    *v[12]);
	if (*v[10] > *v[12])
		perr(pc, "", "max-request-line", "%u is above max-head (%u)",
		    *v[10], *v[12]);
	if (*v[11] > *v[12])
		perr(pc, "", "max-header-line", "%u is above max-head (%u)",
		    *v[11], *v[12]);
	if (*v[13] == 0 || *v[13] > 10000)
		perr(pc, "", "max-headers", "%u is out of range (1 to 10000)",
		    *v[13]);
}

/* "host:port" or "[v6]:port" into host and port; -1 with a reason. */
static int
split_server(const char *s, char *host, size_t hostlen, uint16_t *port,
    const char **why)
{
	const char	*colon, *h = s, *end;
	size_t		 hl;
	char		*ep;
	unsigned long	 p;

	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':') {
			*why = "expected \"[address]:port\"";
			return -1;
		}
		h = s + 1;
		hl = (size_t)(end - h);
		colon = end + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL) {
			*why = "no port (expected \"host:port\")";
			return -1;
		}
		if (memchr(s, ':', (size_t)(colon - s)) != NULL) {
			*why = "an IPv6 address must be in brackets";
			return -1;
		}
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= hostlen) {
		*why = hl == 0 ? "no host" : "host name too long";
		return -1;
	}
	if (!isdigit((unsigned char)colon[1])) {
		*why = "no port (expected \"host:port\")";
		return -1;
	}
	errno = 0;
	p = strtoul(colon + 1, &ep, 10);
	if (*ep != '\0' || errno != 0 || p == 0 || p > 65535) {
		*why = "port must be between 1 and 65535";
		return -1;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (uint16_t)p;
	return 0;
}

static void
fill_backend(struct parse_ctx *pc, struct backend_conf *be, cfg_t *sec)
{
	char		 prefix[KEY_MAX];
	unsigned	 i, n;
	const char	*s, *why;

	snprintf(prefix, sizeof(prefix), "backend %s", cfg_title(sec));
	copy_opt(pc, prefix, NULL, be->be_name, sizeof(be->be_name),
	    cfg_title(sec));
	be->be_line = (unsigned)line_of(pc, prefix, NULL);
	n = cfg_size(sec, "server");
	if (n == 0) {
		perr(pc, prefix, "server", "backend \"%s\" has no server",
		    be->be_name);
		return;
	}
	if (n > RPXD_MAX_SERVERS) {
		perr(pc, prefix, "server", "more than %u servers",
		    RPXD_MAX_SERVERS);
		return;
	}
	if ((be->be_servers = calloc(n, sizeof(*be->be_servers))) == NULL) {
		pc->pc_nomem = 1;
		return;
	}
	be->be_nservers = n;
	for (i = 0; i < n; i++) {
		struct server_conf	*sv = &be->be_servers[i];

		s = cfg_getnstr(sec, "server", i);
		if (copy_opt(pc, prefix, "server", sv->sv_name,
		    sizeof(sv->sv_name), s) == -1)
			continue;
		if (split_server(s, sv->sv_host, sizeof(sv->sv_host),
		    &sv->sv_port, &why) == -1)
			perr(pc, prefix, "server", "bad server \"%s\": %s",
			    s, why);
	}
}

static int
host_pattern_ok(const char *h)
{
	const char	*p = h;
	int		 labels = 0, wild = 0;
	size_t		 lablen = 0;

	if (strncmp(p, "*.", 2) == 0) {
		wild = 1;
		p += 2;
	}
	if (*p == '\0')
		return 0;
	for (; ; p++) {
		if (*p == '.' || *p == '\0') {
			if (lablen == 0)
				return 0;
			labels++;
			lablen = 0;
			if (*p == '\0')
				break;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return 0;
		lablen++;
	}
	return !wild || labels >= 2;
}

static int
path_ok(const char *p)
{
	const char	*star;

	if (p[0] != '/')
		return 0;
	if ((star = strchr(p, '*')) == NULL)
		return 1;
	return star[1] == '\0' && star[-1] == '/';
}

static void
fill_route(struct parse_ctx *pc, struct route_conf *rt, cfg_t *sec,
    const char *lsprefix)
{
	char		 prefix[KEY_MAX];
	unsigned	 i, n;
	const char	*s, *mode;
	char		*p;

	snprintf(prefix, sizeof(prefix), "%s/route %s", lsprefix,
	    cfg_title(sec));
	copy_opt(pc, prefix, NULL, rt->rt_name, sizeof(rt->rt_name),
	    cfg_title(sec));
	rt->rt_line = (unsigned)line_of(pc, prefix, NULL);

	n = cfg_size(sec, "host");
	if (n > RPXD_MAX_HOSTS)
		perr(pc, prefix, "host", "more than %u hosts", RPXD_MAX_HOSTS);
	else if (n > 0) {
		if ((rt->rt_hosts = calloc(n, sizeof(*rt->rt_hosts))) == NULL) {
			pc->pc_nomem = 1;
			return;
		}
		rt->rt_nhosts = n;
		for (i = 0; i < n; i++) {
			s = cfg_getnstr(sec, "host", i);
			if (copy_opt(pc, prefix, "host", rt->rt_hosts[i],
			    sizeof(rt->rt_hosts[i]), s) == -1)
				continue;
			for (p = rt->rt_hosts[i]; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			if (!host_pattern_ok(rt->rt_hosts[i]))
				perr(pc, prefix, "host", "bad host pattern "
				    "\"%s\" ('*' only as a leading \"*.\" "
				    "followed by at least two labels)", s);
		}
	}

	s = cfg_getstr(sec, "path");
	if (copy_opt(pc, prefix, "path", rt->rt_path, sizeof(rt->rt_path),
	    s) == 0 && !path_ok(s))
		perr(pc, prefix, "path", "bad path \"%s\" (must start with "
		    "'/'; '*' only as a trailing \"/*\")", s);
	rt->rt_path_icase = cfg_getbool(sec, "path-case-insensitive") ? 1 : 0;

	if (cfg_size(sec, "backend") == 0 ||
	    (s = cfg_getstr(sec, "backend")) == NULL)
		perr(pc, prefix, "backend", "route \"%s\" has no backend "
		    "(required)", rt->rt_name);
	else
		copy_opt(pc, prefix, "backend", rt->rt_backend_name,
		    sizeof(rt->rt_backend_name), s);

	mode = cfg_getstr(sec, "host-header");
	if (strcmp(mode, "preserve") == 0)
		rt->rt_host_mode = HOST_HEADER_PRESERVE;
	else if (strcmp(mode, "rewrite") == 0)
		rt->rt_host_mode = HOST_HEADER_REWRITE;
	else
		perr(pc, prefix, "host-header", "unknown mode \"%s\" "
		    "(preserve or rewrite)", mode);
	if (cfg_size(sec, "host-rewrite") > 0 &&
	    (s = cfg_getstr(sec, "host-rewrite")) != NULL) {
		if (strcmp(mode, "rewrite") != 0)
			perr(pc, prefix, "host-rewrite", "set but host-header "
			    "is not \"rewrite\"");
		else if (copy_opt(pc, prefix, "host-rewrite",
		    rt->rt_host_rewrite, sizeof(rt->rt_host_rewrite), s) == 0 &&
		    (s[0] == '\0' || strpbrk(s, " \t\r\n") != NULL))
			perr(pc, prefix, "host-rewrite", "bad host name "
			    "\"%s\"", s);
	} else if (strcmp(mode, "rewrite") == 0)
		perr(pc, prefix, "host-header", "\"rewrite\" needs "
		    "host-rewrite");

	get_uint(pc, sec, prefix, "backend-timeout", &rt->rt_backend_timeout);
	get_uint(pc, sec, prefix, "idle-timeout", &rt->rt_idle_timeout);
}

static void
fill_listener(struct parse_ctx *pc, struct listener_conf *ls, cfg_t *sec)
{
	char		 prefix[KEY_MAX];
	unsigned	 i, n;
	long		 port;
	const char	*s;

	snprintf(prefix, sizeof(prefix), "listener %s", cfg_title(sec));
	copy_opt(pc, prefix, NULL, ls->ls_name, sizeof(ls->ls_name),
	    cfg_title(sec));
	ls->ls_line = (unsigned)line_of(pc, prefix, NULL);
	ls->ls_default_route = -1;
	copy_opt(pc, prefix, "address", ls->ls_address,
	    sizeof(ls->ls_address), cfg_getstr(sec, "address"));
	if (cfg_size(sec, "port") == 0)
		perr(pc, prefix, "port", "listener \"%s\" has no port "
		    "(required)", ls->ls_name);
	else {
		port = cfg_getint(sec, "port");
		if (port <= 0 || port > 65535)
			perr(pc, prefix, "port", "%ld is out of range (1 to "
			    "65535)", port);
		else
			ls->ls_port = (uint16_t)port;
	}
	if (cfg_size(sec, "default-route") > 0 &&
	    (s = cfg_getstr(sec, "default-route")) != NULL)
		copy_opt(pc, prefix, "default-route",
		    ls->ls_default_route_name,
		    sizeof(ls->ls_default_route_name), s);

	n = cfg_size(sec, "route");
	if (n > RPXD_MAX_ROUTES) {
		perr(pc, prefix, "route", "more than %u routes",
		    RPXD_MAX_ROUTES);
		return;
	}
	if (n == 0)
		return;
	if ((ls->ls_routes = calloc(n, sizeof(*ls->ls_routes))) == NULL) {
		pc->pc_nomem = 1;
		return;
	}
	ls->ls_nroutes = n;
	for (i = 0; i < n; i++)
		fill_route(pc, &ls->ls_routes[i], cfg_getnsec(sec, "route", i),
		    prefix);
}

static char *
read_file(const char *file, size_t *lenp, int *errp)
{
	FILE	*fp;
	char	*buf = NULL, *nb;
	size_t	 len = 0, cap = 0, n;

	if ((fp = fopen(file, "r")) == NULL) {
		*errp = errno;
		return NULL;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > CONF_FILE_LIMIT ||
			    (nb = realloc(buf, cap)) == NULL) {
				*errp = cap > CONF_FILE_LIMIT ? EFBIG : ENOMEM;
				free(buf);
				fclose(fp);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		*errp = EIO;
		free(buf);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	*lenp = len;
	return buf;
}

struct rpxd_conf *
config_parse(const char *file, char *err, size_t errlen)
{
	struct config_err	 ce;
	struct parse_ctx	 pc;
	struct rpxd_conf	*c;
	cfg_t			*cfg = NULL;
	char			*buf;
	size_t			 len, i;
	unsigned		 n;
	int			 e = 0, rv;

	config_err_init(&ce, err, errlen);
	memset(&pc, 0, sizeof(pc));
	pc.pc_file = file;
	pc.pc_ce = &ce;

	if ((buf = read_file(file, &len, &e)) == NULL) {
		config_err(&ce, "%s: cannot open: %s", file, strerror(e));
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		config_err(&ce, "%s: out of memory", file);
		free(buf);
		return NULL;
	}
	config_defaults(c);
	if (strlen(file) >= sizeof(c->rc_file))
		config_err(&ce, "%s:0: file: name too long", file);
	else
		memcpy(c->rc_file, file, strlen(file) + 1);

	scan_lines(&pc, buf, len);
	free(buf);

	if ((cfg = cfg_init(global_opts, CFGF_NONE)) == NULL) {
		config_err(&ce, "%s: out of memory", file);
		goto fail;
	}
	cfg_set_error_function(cfg, parse_errfunc);
	parse_current = &pc;
	rv = cfg_parse(cfg, file);
	parse_current = NULL;
	if (rv == CFG_FILE_ERROR) {
		config_err(&ce, "%s: cannot open: %s", file, strerror(errno));
		goto fail;
	}
	if (rv != CFG_SUCCESS) {
		if (ce.ce_count == 0)
			config_err(&ce, "%s:0: config: parse error", file);
		goto fail;
	}

	fill_globals(&pc, c, cfg);

	n = cfg_size(cfg, "backend");
	if (n > RPXD_MAX_BACKENDS)
		config_err(&ce, "%s:0: backend: more than %u backends", file,
		    RPXD_MAX_BACKENDS);
	else if (n > 0) {
		if ((c->rc_backends = calloc(n, sizeof(*c->rc_backends))) ==
		    NULL)
			pc.pc_nomem = 1;
		else {
			c->rc_nbackends = n;
			for (i = 0; i < n; i++)
				fill_backend(&pc, &c->rc_backends[i],
				    cfg_getnsec(cfg, "backend", (unsigned)i));
		}
	}
	n = cfg_size(cfg, "listener");
	if (n > RPXD_MAX_LISTENERS)
		config_err(&ce, "%s:0: listener: more than %u listeners",
		    file, RPXD_MAX_LISTENERS);
	else if (n > 0) {
		if ((c->rc_listeners = calloc(n, sizeof(*c->rc_listeners))) ==
		    NULL)
			pc.pc_nomem = 1;
		else {
			c->rc_nlisteners = n;
			for (i = 0; i < n; i++)
				fill_listener(&pc, &c->rc_listeners[i],
				    cfg_getnsec(cfg, "listener", (unsigned)i));
		}
	}
	if (pc.pc_nomem)
		config_err(&ce, "%s: out of memory", file);
	if (ce.ce_count > 0)
		goto fail;
	cfg_free(cfg);
	lines_free(&pc);
	return c;
fail:
	if (cfg != NULL)
		cfg_free(cfg);
	lines_free(&pc);
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
