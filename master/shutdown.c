/*
 * The start of a shutdown, from SIGTERM or rpxctl stop: the listeners
 * close at once and every child is told to finish; a second request
 * kills them. The master's loop (main.c) waits for them to go.
 */
#include <signal.h>
#include <stdint.h>
#include <time.h>

#include "log.h"
#include "master.h"
#include "winbind.h"

void
master_shutdown_begin(struct master *m)
{
	if (m->m_stopping) {
		log_warnx("shutdown: second signal; killing %u worker(s)",
		    pool_count_alive(m));
		pool_kill_all(m, SIGKILL);
		templates_kill_all(m, SIGKILL);
		health_kill_all(m, SIGKILL);
		keyholders_kill_all(m, SIGKILL);
		winbind_kill_all(SIGKILL);
		return;
	}
	m->m_stopping = 1;
	m->m_stop_deadline = time(NULL) + m->m_conf->rc_shutdown_timeout;
	log_notice("shutdown: stopping; workers have %u s to finish",
	    m->m_conf->rc_shutdown_timeout);
	/* Stop accepting now: the kernel refuses new connections. */
	listeners_close(m->m_listen_fds, m->m_conf->rc_nlisteners);
	m->m_listen_fds = NULL;
	template_stop_before(m, UINT32_MAX);
	pool_stop_all(m);
	health_shutdown(m);
	winbind_shutdown(m);
	keyholders_shutdown(m);
}
