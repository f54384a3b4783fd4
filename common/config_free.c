/*
 * Defaults and release of a configuration; linked by master and worker.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "log.h"

void
config_defaults(struct rpxd_conf *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->rc_user, "nobody");
	strcpy(c->rc_chroot, "/var/empty");
	strcpy(c->rc_pidfile, "/var/run/rpxd.pid");
	c->rc_facility = LOG_DAEMON;
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
}

void
config_free(struct rpxd_conf *c)
{
	unsigned	i, j;

	if (c == NULL)
		return;
	for (i = 0; i < c->rc_nlisteners; i++) {
		for (j = 0; j < c->rc_listeners[i].ls_nroutes; j++)
			free(c->rc_listeners[i].ls_routes[j].rt_hosts);
		free(c->rc_listeners[i].ls_routes);
	}
	free(c->rc_listeners);
	for (i = 0; i < c->rc_nbackends; i++)
		free(c->rc_backends[i].be_servers);
	free(c->rc_backends);
	free(c);
}
