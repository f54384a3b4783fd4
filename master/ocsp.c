/*
 * OCSP responses seen from the master: one slot per listener certificate
 * that has a response, rebuilt for each configuration (ocsp_setup, from
 * main.c and reload.c), and looked at once a second (ocsp_maintain, from
 * main.c's loop): a response whose nextUpdate has passed is no longer
 * stapled by the workers (tls_server.c), and this says so, once.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "master.h"

struct ocsp_slot {
	unsigned	os_listener;
	unsigned	os_cert;
	int		os_expired_logged;	/* "no longer stapled" said */
};

static void
date_str(int64_t t, char *dst, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(dst, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(dst, len, "%lld", (long long)t);
}

/* The slots of m->m_conf's certificates that have or want a response. */
void
ocsp_setup(struct master *m)
{
	const struct rpxd_conf	*c = m->m_conf;
	unsigned		 i, j, n = 0;

	free(m->m_ocsp);
	m->m_ocsp = NULL;
	m->m_nocsp = 0;
	for (i = 0; i < c->rc_nlisteners; i++)
		for (j = 0; j < c->rc_listeners[i].ls_ncerts; j++)
			if (c->rc_listeners[i].ls_certs[j].ct_ocsp_der.bl_len > 0)
				n++;
	if (n == 0)
		return;
	if ((m->m_ocsp = calloc(n, sizeof(*m->m_ocsp))) == NULL)
		fatal("ocsp: calloc");
	for (i = 0; i < c->rc_nlisteners; i++)
		for (j = 0; j < c->rc_listeners[i].ls_ncerts; j++)
			if (c->rc_listeners[i].ls_certs[j].ct_ocsp_der.bl_len > 0)
				m->m_ocsp[m->m_nocsp++] = (struct ocsp_slot){
				    .os_listener = i, .os_cert = j };
}

/* Once a second. */
void
ocsp_maintain(struct master *m)
{
	int64_t		 now = (int64_t)time(NULL);
	char		 date[64];
	unsigned	 i;

	for (i = 0; i < m->m_nocsp; i++) {
		struct ocsp_slot *os = &m->m_ocsp[i];
		const struct listener_conf *ls =
		    &m->m_conf->rc_listeners[os->os_listener];
		const struct cert_conf *ct = &ls->ls_certs[os->os_cert];

		if (ct->ct_ocsp_der.bl_len == 0 || ct->ct_ocsp_next == 0 ||
		    now < ct->ct_ocsp_next || os->os_expired_logged)
			continue;
		date_str(ct->ct_ocsp_next, date, sizeof(date));
		log_warnx("ocsp: listener \"%s\": certificate %s: the OCSP "
		    "response expired on %s (nextUpdate); it is no longer "
		    "stapled", ls->ls_name, ct->ct_file, date);
		os->os_expired_logged = 1;
	}
}
