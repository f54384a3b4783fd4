/*
 * The global integer options of a configuration, in one order shared by
 * the parser (config_parse.c) and the wire format (config_wire.c).
 */
#include <stddef.h>

#include "config.h"

static const size_t	config_int_offsets[CONFIG_GLOBAL_INTS] = {
	offsetof(struct rpxd_conf, rc_min_spare),
	offsetof(struct rpxd_conf, rc_max_spare),
	offsetof(struct rpxd_conf, rc_max_workers),
	offsetof(struct rpxd_conf, rc_max_connections_per_worker),
	offsetof(struct rpxd_conf, rc_shutdown_timeout),
	offsetof(struct rpxd_conf, rc_client_header_timeout),
	offsetof(struct rpxd_conf, rc_client_idle_timeout),
	offsetof(struct rpxd_conf, rc_backend_connect_timeout),
	offsetof(struct rpxd_conf, rc_backend_timeout),
	offsetof(struct rpxd_conf, rc_idle_timeout),
	offsetof(struct rpxd_conf, rc_max_request_line),
	offsetof(struct rpxd_conf, rc_max_header_line),
	offsetof(struct rpxd_conf, rc_max_head),
	offsetof(struct rpxd_conf, rc_max_headers),
	offsetof(struct rpxd_conf, rc_ticket_rotation),
	offsetof(struct rpxd_conf, rc_auth_failure_limit),
	offsetof(struct rpxd_conf, rc_auth_failure_delay),
	offsetof(struct rpxd_conf, rc_key_holders),
	offsetof(struct rpxd_conf, rc_early_body_max),
	offsetof(struct rpxd_conf, rc_early_body_timeout),
	offsetof(struct rpxd_conf, rc_max_conns_per_addr),
	offsetof(struct rpxd_conf, rc_pressure_threshold),
	offsetof(struct rpxd_conf, rc_pressure_head_timeout),
	offsetof(struct rpxd_conf, rc_backend_idle_conns),
	offsetof(struct rpxd_conf, rc_backend_idle_timeout),
	offsetof(struct rpxd_conf, rc_winbind_timeout),
	offsetof(struct rpxd_conf, rc_winbind_checkers),
};

unsigned *
config_int_ref(struct rpxd_conf *c, unsigned i)
{
	return (unsigned *)(void *)((char *)c + config_int_offsets[i]);
}

unsigned
config_int_get(const struct rpxd_conf *c, unsigned i)
{
	return *(const unsigned *)(const void *)((const char *)c +
	    config_int_offsets[i]);
}
