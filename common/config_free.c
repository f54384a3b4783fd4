/*
 * The defaults of a configuration and its release, for the master and the
 * workers alike (neither needs libconfuse).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "ntlm_users.h"
#include "log.h"

/* What a file that sets nothing gets; see etc/rpxd.conf and config_parse.c. */
void
config_defaults(struct rpxd_conf *c)
{
	snprintf(c->rc_user, sizeof(c->rc_user), "nobody");
	c->rc_group[0] = '\0';
	snprintf(c->rc_chroot, sizeof(c->rc_chroot), "/var/empty");
	snprintf(c->rc_pidfile, sizeof(c->rc_pidfile), "/var/run/rpxd.pid");
	snprintf(c->rc_control_socket, sizeof(c->rc_control_socket), "%s",
	    RPXD_CONTROL_SOCKET);
	c->rc_facility = LOG_DAEMON;
	snprintf(c->rc_syslog_socket, sizeof(c->rc_syslog_socket), "/dev/log");
	snprintf(c->rc_syslog_tag, sizeof(c->rc_syslog_tag), "rpxd");
	c->rc_log_level = LOG_LEVEL_BRIEF;
	c->rc_min_spare = 4;
	c->rc_max_spare = 16;
	c->rc_max_workers = 256;
	c->rc_max_connections_per_worker = 0;
	c->rc_shutdown_timeout = 30;
	c->rc_client_header_timeout = 30;
	c->rc_client_idle_timeout = 120;
	c->rc_backend_connect_timeout = 5;
	c->rc_backend_timeout = 3600;
	c->rc_idle_timeout = 3600;
	c->rc_max_request_line = 16384;
	c->rc_max_header_line = 81920;
	c->rc_max_head = 131072;
	c->rc_max_headers = 200;
	c->rc_ticket_rotation = 3600;
	c->rc_auth_failure_limit = 5;
	c->rc_auth_failure_delay = 3;
	c->rc_early_body_max = 8388608;
	c->rc_early_body_timeout = 30;
	c->rc_max_conns_per_addr = 512;
	c->rc_pressure_threshold = 90;
	c->rc_pressure_head_timeout = 5;
	c->rc_backend_idle_conns = 4;
	c->rc_backend_idle_timeout = 15;
	c->rc_winbind_timeout = 5;
	c->rc_winbind_checkers = 2;
	snprintf(c->rc_winbind_group, sizeof(c->rc_winbind_group),
	    "winbindd_priv");
	snprintf(c->rc_ntlm_domain, sizeof(c->rc_ntlm_domain), "RPXD");
}

/* Key bytes are wiped before they are freed. */
void
blob_free(struct blob *b)
{
	if (b->bl_data != NULL) {
		explicit_bzero(b->bl_data, b->bl_len);
		free(b->bl_data);
	}
	b->bl_data = NULL;
	b->bl_len = 0;
}

static void
listener_free(struct listener_conf *ls)
{
	unsigned	j;

	for (j = 0; ls->ls_routes != NULL && j < ls->ls_nroutes; j++)
	{
		free(ls->ls_routes[j].rt_hosts);
		free(ls->ls_routes[j].rt_groups);
	}
	free(ls->ls_routes);
	for (j = 0; ls->ls_certs != NULL && j < ls->ls_ncerts; j++) {
		blob_free(&ls->ls_certs[j].ct_chain_pem);
		blob_free(&ls->ls_certs[j].ct_key_pem);
		blob_free(&ls->ls_certs[j].ct_ocsp_der);
	}
	free(ls->ls_certs);
}

static void
backend_free(struct backend_conf *be)
{
	free(be->be_servers);
	blob_free(&be->be_ca_pem);
	blob_free(&be->be_client_cert_pem);
	blob_free(&be->be_client_key_pem);
}

/* Frees partial configurations too (a failed parse or decode). */
void
config_free(struct rpxd_conf *c)
{
	unsigned	i;

	if (c == NULL)
		return;
	for (i = 0; c->rc_listeners != NULL && i < c->rc_nlisteners; i++)
		listener_free(&c->rc_listeners[i]);
	for (i = 0; c->rc_backends != NULL && i < c->rc_nbackends; i++)
		backend_free(&c->rc_backends[i]);
	free(c->rc_listeners);
	free(c->rc_backends);
	explicit_bzero(c->rc_ticket_keys, sizeof(c->rc_ticket_keys));
	explicit_bzero(c->rc_balance_key, sizeof(c->rc_balance_key));
	ntlm_users_free(c->rc_users);
	free(c);
}
