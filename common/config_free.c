/*
 * Freeing a configuration, in the master and in workers alike.
 */
#include <stdlib.h>

#include "config.h"

void
config_free(struct rpxd_conf *c)
{
	unsigned	i, j;

	if (c == NULL)
		return;
	for (i = 0; c->rc_listeners != NULL && i < c->rc_nlisteners; i++) {
		struct listener_conf *ls = &c->rc_listeners[i];

		for (j = 0; ls->ls_routes != NULL && j < ls->ls_nroutes; j++)
			free(ls->ls_routes[j].rt_hosts);
		free(ls->ls_routes);
	}
	for (i = 0; c->rc_backends != NULL && i < c->rc_nbackends; i++)
		free(c->rc_backends[i].be_servers);
	free(c->rc_listeners);
	free(c->rc_backends);
	free(c);
}
