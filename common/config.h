/*
 * The parsed configuration: plain structs that the master fills from the
 * file (config_parse.c), checks (config_check.c) and sends to workers
 * (config_wire.c). Runtime code never sees libconfuse.
 */
#ifndef RPXD_CONFIG_H
#define RPXD_CONFIG_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stdint.h>

#include "netprefix.h"

#define RPXD_NAME_MAX		64	/* listener, route, backend names */
#define RPXD_HOST_MAX		256	/* an FQDN is at most 253 octets */
#define RPXD_PATH_MAX		1024
#define RPXD_FILE_MAX		1024
#define RPXD_SOCKET_PATH_MAX	104	/* sun_path, the smallest (BSD) */
#ifndef RPXD_CONTROL_SOCKET
#define RPXD_CONTROL_SOCKET	"/var/run/rpxd.sock"	/* rpxctl's too */
#endif
#define RPXD_SYSLOG_PATH_MAX	108	/* sun_path on Linux */
#define RPXD_SYSLOG_TAG_MAX	33	/* RFC 3164: at most 32 characters */
#define RPXD_MAX_WORKERS	262144	/* max-workers' largest value; the
					   machine's limits are checked at
					   load (master/capacity.c) */
#define RPXD_SLOTS_MAX		(2 * RPXD_MAX_WORKERS)	/* scoreboard: a
					   generation and those finishing */
#define RPXD_MAX_IDLE_CONNS	64	/* backend-idle-connections */
#define RPXD_MAX_LISTENERS	256
#define RPXD_MAX_ROUTES		1024	/* per listener */
#define RPXD_MAX_HOSTS		256	/* per route */
#define RPXD_MAX_BACKENDS	1024
#define RPXD_MAX_SERVERS	256	/* per backend */
#define RPXD_MAX_CERTS		64	/* per TLS listener */
#define RPXD_PROXY_FROM_MAX	64	/* proxy-protocol-from prefixes */
#define RPXD_METRICS_FROM_MAX	64	/* metrics-from prefixes */
#define RPXD_TICKET_FILE_KEYS	8	/* keys in a tls-ticket-key-file */
#define RPXD_TLS_LIST_MAX	1024	/* protocols, ciphers, curves */
#define RPXD_PEM_MAX		(4u * 1024 * 1024)	/* one file's bytes */
#define RPXD_NO_BACKEND		UINT32_MAX	/* a redirect-only route */
#define RPXD_HEALTH_STATUS_MAX	16	/* expected statuses of a check */
#define RPXD_HEALTH_BODY_MAX	256	/* expected body text */
#define RPXD_GROUPS_MAX		16	/* require-group names of a route */
#define RPXD_ALL_GROUPS_MAX	64	/* distinct names of all routes */
#define RPXD_GROUP_NAME_MAX	256	/* "DOMAIN\\group", UTF-8 */
#define RPXD_SPN_MAX		256	/* delegate: "HTTP/host@REALM" */
#define RPXD_WINBIND_CHECKERS_MAX 16	/* winbind-checkers' largest value */

/* Who authenticates the client on a route (R11). */
enum auth_mode {
	AUTH_PASSTHROUGH = 0,	/* the backend; NTLM/Negotiate pinning */
	AUTH_NONE = 1,		/* nobody: Authorization never forwarded */
	AUTH_NTLM = 2,		/* rpxd, NTLMv2 against ntlm-source */
	AUTH_NEGOTIATE = 3	/* rpxd, Kerberos alone (negotiate-keytab) */
};
/* Whether rpxd itself logs the client in on a route of that mode (an
 * identity header, require-group, the 401 exchange in the worker). */
#define AUTH_BY_PROXY(a)	((a) == AUTH_NTLM || (a) == AUTH_NEGOTIATE)

/* Who verifies an auth = ntlm login (the master side, never a worker). */
enum ntlm_source {
	NTLM_SOURCE_FILE = 0,	/* the NT hashes of ntlm-users */
	NTLM_SOURCE_WINBIND = 1	/* the domain, through winbind
				   (rpxd-winbind, master/winbind.c) */
};

enum host_header_mode {
	HOST_HEADER_PRESERVE = 0,	/* pass the client's Host unchanged */
	HOST_HEADER_REWRITE = 1		/* replace it with rt_host_rewrite */
};

/* One server of a backend pool, resolved by the master at load time. */
struct server_conf {
	char			 sv_name[RPXD_HOST_MAX + 8];	/* "host:port" */
	char			 sv_host[RPXD_HOST_MAX];
	uint16_t		 sv_port;
	struct sockaddr_storage	 sv_addr;
	socklen_t		 sv_addrlen;
};

/* How a backend picks a server for a new client connection. */
enum balance_mode {
	BALANCE_ROUNDROBIN = 0,
	BALANCE_LEASTCONN = 1,	/* fewest connections now, over all workers */
	BALANCE_SOURCE = 2	/* keyed hash of the client address */
};

/* The active health check of a backend's servers (rpxd-health). */
struct health_conf {
	int			 hc_enabled;
	unsigned		 hc_line;
	char			 hc_path[RPXD_PATH_MAX];
	char			 hc_host[RPXD_HOST_MAX];	/* "": server */
	unsigned		 hc_nstatus;	/* 0: any 200 to 399 */
	unsigned		 hc_status[RPXD_HEALTH_STATUS_MAX];
	char			 hc_body[RPXD_HEALTH_BODY_MAX];	/* "": any */
	unsigned		 hc_interval;	/* s */
	unsigned		 hc_timeout;	/* s */
	unsigned		 hc_rise;
	unsigned		 hc_fall;
};

/* A file's bytes as the master read them at load time (tls_load.c). */
struct blob {
	unsigned char		*bl_data;	/* NULL: none */
	size_t			 bl_len;
};

struct backend_conf {
	char			 be_name[RPXD_NAME_MAX];
	unsigned		 be_line;
	unsigned		 be_client_cert_line;	/* of the options */
	unsigned		 be_client_key_line;
	unsigned		 be_nservers;
	struct server_conf	*be_servers;
	/* TLS to the servers */
	int			 be_tls;
	int			 be_verify;
	char			 be_ca_file[RPXD_FILE_MAX];	/* "": system */
	char			 be_verify_name[RPXD_HOST_MAX];	/* "": host */
	char			 be_sni[RPXD_HOST_MAX];		/* "": host */
	char			 be_client_cert[RPXD_FILE_MAX];
	char			 be_client_key[RPXD_FILE_MAX];
	struct blob		 be_ca_pem;		/* read by the master */
	struct blob		 be_client_cert_pem;
	struct blob		 be_client_key_pem;	/* secret */
	/* the pool */
	int			 be_balance;	/* enum balance_mode */
	char			 be_sticky_cookie[RPXD_NAME_MAX];  /* "": none */
	unsigned		 be_down_time;	/* s a failed server is skipped */
	struct health_conf	 be_health;
	unsigned		 be_first_server;	/* index in the health
							   board (healthboard.h) */
};

/* One certificate of a TLS listener: chain, key and optional OCSP. */
struct cert_conf {
	char			 ct_file[RPXD_FILE_MAX];
	char			 ct_key_file[RPXD_FILE_MAX];
	char			 ct_ocsp_file[RPXD_FILE_MAX];	/* "": none */
	unsigned		 ct_line;
	unsigned		 ct_ocsp_line;	/* of ocsp-response */
	struct blob		 ct_chain_pem;	/* read by the master */
	struct blob		 ct_key_pem;	/* secret */
	struct blob		 ct_ocsp_der;	/* checked (ocsp_check) */
	int64_t			 ct_ocsp_next;	/* its nextUpdate, Unix
						   time; 0: none given */
	/* ocsp-fetch (master only, not sent to workers) */
	int			 ct_ocsp_fetch;
	char			 ct_ocsp_url[RPXD_PATH_MAX];	/* configured
					   ocsp-responder, or from the AIA */
	char			 ct_ocsp_host[RPXD_HOST_MAX + 8];	/* Host */
	char			 ct_ocsp_path[RPXD_PATH_MAX];
	struct sockaddr_storage	 ct_ocsp_addr;	/* resolved at load */
	socklen_t		 ct_ocsp_addrlen;
	int64_t			 ct_ocsp_this;	/* thisUpdate of the response */
};

struct route_conf {
	char			 rt_name[RPXD_NAME_MAX];
	unsigned		 rt_line;
	unsigned		 rt_nhosts;	/* 0: any host */
	char			(*rt_hosts)[RPXD_HOST_MAX];	/* lower case;
					   "*.example.com" for a wildcard */
	char			 rt_path[RPXD_PATH_MAX];	/* "/" "*" (all),
					   "/Ucwa/" "*" (prefix) or exact */
	int			 rt_path_icase;	/* case-insensitive match */
	char			 rt_backend_name[RPXD_NAME_MAX];
	unsigned		 rt_backend;	/* index into rc_backends */
	int			 rt_host_mode;	/* enum host_header_mode */
	char			 rt_host_rewrite[RPXD_HOST_MAX];
	unsigned		 rt_backend_timeout;	/* s; 0: global value */
	unsigned		 rt_idle_timeout;	/* s; 0: global value */
	int			 rt_redirect_https;	/* 308 to https:// */
	unsigned		 rt_redirect_port;	/* 0: none in Location */
	int			 rt_access_log;		/* access-log */
	int			 rt_auth;	/* enum auth_mode */
	char			 rt_auth_header[RPXD_NAME_MAX];	/* AUTH_NTLM:
					   the identity field to the backend */
	unsigned		 rt_ngroups;	/* require-group; 0: none */
	char			(*rt_groups)[RPXD_GROUP_NAME_MAX];	/* as
					   written: "CORP\\Lync users" */
	unsigned		 rt_groups_line;
	char			 rt_delegate[RPXD_SPN_MAX];	/* delegate:
					   the backend's Kerberos service
					   principal ("HTTP/host[@REALM]"),
					   "" for none */
	unsigned		 rt_delegate_line;
	int			 rt_ntlm_source;	/* enum ntlm_source: the
					   route's ntlm-source, else the
					   global one */
	unsigned		 rt_ntlm_source_line;	/* 0: inherited */
};

struct listener_conf {
	char			 ls_name[RPXD_NAME_MAX];
	unsigned		 ls_line;
	char			 ls_address[RPXD_HOST_MAX];	/* as written */
	uint16_t		 ls_port;
	struct sockaddr_storage	 ls_addr;
	socklen_t		 ls_addrlen;
	unsigned		 ls_nroutes;
	struct route_conf	*ls_routes;
	int			 ls_default_route;	/* index, -1: none */
	char			 ls_default_route_name[RPXD_NAME_MAX];
	/* TLS: ls_ncerts > 0 makes the listener a TLS one */
	unsigned		 ls_tls_line;
	unsigned		 ls_ciphers_line;	/* of the option; the */
	unsigned		 ls_ciphersuites_line;	/* master's checks only */
	unsigned		 ls_curves_line;
	unsigned		 ls_ncerts;
	struct cert_conf	*ls_certs;	/* the first is the default */
	char			 ls_protocols[RPXD_TLS_LIST_MAX];
	char			 ls_ciphers[RPXD_TLS_LIST_MAX];
	char			 ls_ciphersuites[RPXD_TLS_LIST_MAX];
	char			 ls_curves[RPXD_TLS_LIST_MAX];
	unsigned		 ls_hsts;	/* max-age; 0: no header */
	int			 ls_hsts_subdomains;
	/* PROXY protocol: the client's address from a trusted balancer */
	int			 ls_access_log;		/* access-log */
	int			 ls_tls_tickets;	/* tls { tls-tickets } */
	int			 ls_proxy_protocol;
	unsigned		 ls_proxy_line;
	unsigned		 ls_nproxy_from;
	struct net_prefix	 ls_proxy_from[RPXD_PROXY_FROM_MAX];
	/* metrics = true: it serves GET /metrics to metrics-from only,
	 * and has no routes (config_metrics.c) */
	int			 ls_metrics;
	unsigned		 ls_nmetrics_from;
	struct net_prefix	 ls_metrics_from[RPXD_METRICS_FROM_MAX];
};

struct ntlm_users;

struct rpxd_conf {
	char			 rc_file[RPXD_FILE_MAX];
	/* process */
	char			 rc_user[RPXD_NAME_MAX];
	char			 rc_group[RPXD_NAME_MAX];	/* "": user's */
	uid_t			 rc_uid;		/* resolved by check */
	gid_t			 rc_gid;
	char			 rc_chroot[RPXD_FILE_MAX];
	char			 rc_pidfile[RPXD_FILE_MAX];
	char			 rc_control_socket[RPXD_SOCKET_PATH_MAX];	/*
					   master only; "": none */
	int			 rc_facility;		/* LOG_DAEMON ... */
	char			 rc_syslog_socket[RPXD_SYSLOG_PATH_MAX];
	char			 rc_syslog_tag[RPXD_SYSLOG_TAG_MAX];
	int			 rc_log_level;		/* LOG_LEVEL_* */
	int			 rc_check_ep;	/* check-extended-protection:
						   master only (epcheck.c) */
	/* prefork pool */
	unsigned		 rc_min_spare;
	unsigned		 rc_max_spare;
	unsigned		 rc_max_workers;
	unsigned		 rc_max_workers_line;	/* for capacity.c */
	unsigned		 rc_max_connections_per_worker;	/* 0: none */
	unsigned		 rc_shutdown_timeout;	/* s, SIGTERM grace */
	/* timeouts, seconds */
	unsigned		 rc_client_header_timeout;
	unsigned		 rc_client_idle_timeout;
	unsigned		 rc_backend_connect_timeout;
	unsigned		 rc_backend_timeout;	/* response head */
	unsigned		 rc_idle_timeout;	/* bodies, tunnels */
	/* request head limits, bytes */
	unsigned		 rc_max_request_line;
	unsigned		 rc_max_header_line;
	unsigned		 rc_max_head;
	unsigned		 rc_max_headers;		/* count */
	unsigned		 rc_ticket_rotation;	/* s, TLS ticket keys */
	unsigned		 rc_auth_failure_limit;	/* a minute, per address */
	unsigned		 rc_auth_failure_delay;	/* s, beyond the limit */
	unsigned		 rc_key_holders;	/* 0: one per CPU */
	/* a request body still coming after its final response */
	unsigned		 rc_early_body_max;	/* bytes */
	unsigned		 rc_early_body_timeout;	/* s */
	/* no client takes the pool (master/limits.c, worker/addr_limit.c) */
	unsigned		 rc_max_conns_per_addr;	/* 0: no limit */
	unsigned		 rc_pressure_threshold;	/* % of max-workers
						   busy; 0: never */
	unsigned		 rc_pressure_head_timeout;	/* s */
	/* idle backend connections kept for the next client connections
	 * (worker/backend_idle.c); either 0: none kept */
	unsigned		 rc_backend_idle_conns;	/* per worker */
	unsigned		 rc_backend_idle_timeout;	/* s */
	unsigned		 rc_winbind_timeout;	/* s, one domain check */
	unsigned		 rc_winbind_checkers;	/* rpxd-winbind processes */
	/* auth = ntlm */
	char			 rc_ntlm_users[RPXD_FILE_MAX];	/* "": none */
	char			 rc_ntlm_domain[RPXD_NAME_MAX];
	struct ntlm_users	*rc_users;	/* master only, never sent */
	int			 rc_ntlm_source;	/* enum ntlm_source;
						   master only */
	unsigned		 rc_ntlm_source_line;
	char			 rc_winbind_group[RPXD_NAME_MAX];	/* the
					   group of winbind's privileged
					   socket */
	unsigned		 rc_winbind_group_line;	/* 0: default */
	gid_t			 rc_winbind_gid;	/* resolved; 0: none */
	char			 rc_negotiate_keytab[RPXD_FILE_MAX];	/* "":
					   no Negotiate (Kerberos) */
	unsigned		 rc_negotiate_keytab_line;
	/* secrets shared by a fleet (config_fleet.c): master only, never
	 * sent as part of a configuration */
	char			 rc_ticket_key_file[RPXD_FILE_MAX];	/* "" */
	unsigned		 rc_nticket_keys;	/* from it; 0: none */
	unsigned char		 rc_ticket_keys[RPXD_TICKET_FILE_KEYS][80];
	char			 rc_balance_key_file[RPXD_FILE_MAX];	/* "" */
	int			 rc_have_balance_key;
	unsigned char		 rc_balance_key[16];
	unsigned		 rc_nservers;	/* of all backends together */
	/* what is published */
	unsigned		 rc_nlisteners;
	struct listener_conf	*rc_listeners;
	unsigned		 rc_nbackends;
	struct backend_conf	*rc_backends;
};

/*
 * config_parse: read the file with libconfuse into *conf (allocated).
 * config_check: validate and resolve names (backend indexes, uid/gid,
 * server and listener addresses).
 * Both write one message per problem, "file:line: option: what is wrong",
 * into err (NUL-terminated, truncated to errlen) and return -1 on error.
 */
struct rpxd_conf *config_parse(const char *file, char *err, size_t errlen);
int	 config_check(struct rpxd_conf *conf, char *err, size_t errlen);
struct rpxd_conf *config_load(const char *file, char *err, size_t errlen);
void	 config_free(struct rpxd_conf *conf);
void	 config_defaults(struct rpxd_conf *conf);

/* The global integer options, in the order of config_parse.c's table:
 * min-spare-workers ... max-headers, tls-ticket-rotation,
 * auth-failure-limit, auth-failure-delay, key-holders, the early
 * response body's two, max-connections-per-address, pressure-threshold,
 * pressure-head-timeout, backend-idle-connections, backend-idle-timeout,
 * winbind-timeout, winbind-checkers. */
#define CONFIG_GLOBAL_INTS	27
unsigned *config_int_ref(struct rpxd_conf *conf, unsigned i);
unsigned config_int_get(const struct rpxd_conf *conf, unsigned i);
const char *config_int_name(unsigned i);	/* NULL past the last */
const char *config_balance_name(int balance);	/* "roundrobin" ... */
const char *config_auth_name(int auth);		/* "passthrough" ... */
const char *config_ntlm_source_name(int source);	/* "file" ... */
/* config_check.c: whether a route of any listener of c matches (match
 * returns non-zero for it, given arg). */
int	 config_any_route(const struct rpxd_conf *c,
	    int (*match)(const struct route_conf *, const void *),
	    const void *arg);
/* config_ad.c: whether any route (or the global ntlm-source) has its
 * logins checked by the domain; by the ntlm-users file. */
int	 config_uses_winbind(const struct rpxd_conf *c);
int	 config_uses_file(const struct rpxd_conf *c);
/*
 * config_delegate.c: NULL when v is a service principal a route may
 * delegate to ("service/host" or "service/host@REALM"), else what is
 * wrong with it; and whether spn is the delegate of a route of c (the
 * master takes no other from a worker).
 */
const char *config_delegate_problem(const char *v);
int	config_delegate_known(const struct rpxd_conf *c, const char *spn);
int	config_has_delegate(const struct rpxd_conf *c);	/* any route */
/*
 * config_ad.c: the distinct require-group names of all routes (compared
 * without ASCII case), the first max of them copied into out (NULL: only
 * counted); how many there are.
 */
unsigned config_all_groups(const struct rpxd_conf *conf,
	    char (*out)[RPXD_GROUP_NAME_MAX], unsigned max);

/*
 * config_tls_load (master only): read every certificate, key, OCSP response and
 * CA file into the configuration's blobs and check them (key matches,
 * validity, SAN coverage of the routes' hosts). Errors as above; warnings
 * are logged. Called by config_load.
 */
int	 config_tls_load(struct rpxd_conf *conf, char *err, size_t errlen);
void	 blob_free(struct blob *b);

/* config_wire: the pointer-free encoding sent to workers. */
struct msgbuf;
int	 config_encode(const struct rpxd_conf *conf, struct msgbuf *mb);
struct rpxd_conf *config_decode(struct msgbuf *mb);	/* NULL if malformed */

#endif
