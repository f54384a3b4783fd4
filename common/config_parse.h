/*
 * What the parts of the configuration parser share (config_parse.c and
 * config_pool.c): error reporting with the option's line, the noting of
 * section opening lines, and the pool and authentication grammar. Only
 * the master links these files.
 */
#ifndef RPXD_CONFIG_PARSE_H
#define RPXD_CONFIG_PARSE_H

#include <confuse.h>

#include "config.h"

void	 config_perr(int line, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 config_note(const cfg_t *cfg);
int	 config_v_note(cfg_t *cfg, cfg_opt_t *opt);
void	 config_copy_str(char *dst, size_t len, const char *src);
/* The line of an option a validator noted, else its section's. */
void	 config_opt_line_note(const cfg_opt_t *opt, int line);
unsigned config_opt_line(cfg_t *sec, const char *name);
/* A list's element not yet checked, or NULL (see config_parse.c). */
const char *config_new_list_element(cfg_opt_t *opt);

/* config_pool.c: backend pools, health checks, route authentication. */
extern cfg_opt_t config_health_opts[];
void	 config_pool_validators(cfg_t *root);
void	 config_fill_pool(struct backend_conf *be, cfg_t *sec);
void	 config_fill_route_auth(struct route_conf *rt, cfg_t *sec,
	    const char *ls_name);
void	 config_fill_auth_globals(struct rpxd_conf *c, cfg_t *root);
void	 config_check_auth(const struct rpxd_conf *c);

/* config_ad.c: ntlm-source and require-group (Active Directory). */
void	 config_ad_validators(cfg_t *root);
void	 config_fill_ad_globals(struct rpxd_conf *c, cfg_t *root);
void	 config_fill_route_groups(struct route_conf *rt, cfg_t *sec,
	    const char *ls_name);
void	 config_resolve_ad(struct rpxd_conf *c);
void	 config_check_groups(const struct rpxd_conf *c);

/* config_delegate.c: a route's delegate (Kerberos constrained
 * delegation to the backend). */
void	 config_delegate_validators(cfg_t *root);
void	 config_fill_route_delegate(struct route_conf *rt, cfg_t *sec);
void	 config_check_delegate(const struct rpxd_conf *c);

/* config_metrics.c: metrics and metrics-from of a listener; 1 when it
 * is a metrics listener (then it has no routes), else 0. */
int	 config_fill_listener_metrics(struct listener_conf *ls, cfg_t *sec);

#endif
