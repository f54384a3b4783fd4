/*
 * SIGHUP: a new generation. The new configuration is parsed, checked and
 * bound as a whole; on any error the running one stays untouched. Old
 * workers are told to finish their connections and exit only after the new
 * generation has been started; the health checker is replaced by one for
 * the new health board.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "master.h"
#include "winbind.h"
#include "metrics.h"

static void
reload_log_errors(char *err, struct strbuf *out)
{
	char	*line, *save = NULL;

	for (line = strtok_r(err, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		log_warnx("reload: %s", line);
		if (out != NULL)
			strbuf_printf(out, "%s\n", line);
	}
}

static int
reload_failed(struct master *m, struct strbuf *out)
{
	log_warnx("reload: failed; keeping the running configuration "
	    "(generation %u)", m->m_generation);
	if (out != NULL)
		strbuf_printf(out, "kept generation %u\n", m->m_generation);
	return -1;
}

int
reload(struct master *m, struct strbuf *out)
{
	struct rpxd_conf	*conf;
	struct healthboard	 hb;
	char			 err[8192];
	int			*fds, had_ticket_file;
	unsigned		 i;

	log_notice("reload: reading %s", m->m_conf_file);
	if ((conf = config_load(m->m_conf_file, err, sizeof(err))) == NULL) {
		reload_log_errors(err, out);
		return reload_failed(m, out);
	}
	err[0] = '\0';
	if (capacity_check(conf, m->m_foreground, err, sizeof(err)) == -1 ||
	    pool_resize(m, conf->rc_max_workers) == -1) {
		if (err[0] == '\0')
			snprintf(err, sizeof(err), "%s: max-workers %u: no "
			    "memory for the worker slots", m->m_conf_file,
			    conf->rc_max_workers);
		reload_log_errors(err, out);
		config_free(conf);
		return reload_failed(m, out);
	}
	capacity_raise_nofile(conf, m->m_foreground);
	if (healthboard_create(&hb, conf->rc_nservers) == -1) {
		log_warn("reload: health board");
		if (out != NULL)
			strbuf_printf(out, "no memory for the health board\n");
		config_free(conf);
		return reload_failed(m, out);
	}
	fds = listeners_bind(conf, m->m_conf, m->m_listen_fds, err,
	    sizeof(err));
	if (fds == NULL) {
		healthboard_close(&hb);
		reload_log_errors(err, out);
		config_free(conf);
		return reload_failed(m, out);
	}
	if (strcmp(conf->rc_pidfile, m->m_conf->rc_pidfile) != 0)
		log_warnx("reload: pidfile changed to %s; it takes effect "
		    "at the next restart", conf->rc_pidfile);
	/* Commit: from here nothing can fail. */
	had_ticket_file = m->m_conf->rc_nticket_keys > 0;
	healthboard_carry(&hb, conf, &m->m_hb, m->m_conf);
	listeners_close(m->m_listen_fds, m->m_conf->rc_nlisteners);
	config_free(m->m_conf);
	m->m_conf = conf;
	m->m_listen_fds = fds;
	healthboard_close(&m->m_hb);	/* old workers keep their mapping */
	m->m_hb = hb;
	log_set_level(conf->rc_log_level);
	/* New children get them over IPC with the new configuration. */
	log_syslog_config(conf->rc_syslog_socket, conf->rc_syslog_tag,
	    conf->rc_facility);
	if (conf->rc_have_balance_key)
		memcpy(m->m_hash_key, conf->rc_balance_key,
		    sizeof(m->m_hash_key));
	tickets_reload(m, had_ticket_file);
	m->m_generation++;
	metrics_reload(m);
	m->m_max_logged = 0;
	keyholders_reload(m);
	template_stop_before(m, m->m_generation);
	template_launch(m);
	for (i = 0; i < conf->rc_min_spare && i < conf->rc_max_workers; i++)
		if (pool_spawn(m) == -1)
			break;
	pool_stop_generation_before(m, m->m_generation);
	health_reload(m);
	winbind_reload(m);
	ocsp_setup(m);
	ep_setup(m);
	control_reload(m);
	log_notice("reload: generation %u serving %u listener(s), "
	    "%u backend(s)", m->m_generation, conf->rc_nlisteners,
	    conf->rc_nbackends);
	if (out != NULL)
		strbuf_printf(out, "generation %u serving %u listener(s), "
		    "%u backend(s)\n", m->m_generation, conf->rc_nlisteners,
		    conf->rc_nbackends);
	return 0;
}
