/*
 * The domain checkers as an operator sees them (ntlm-source = "winbind"):
 * a line of rpxctl status, its JSON object, and the gauges of the
 * metrics: how many checkers run of winbind-checkers, how many are busy
 * with a login, and how many logins wait in the master's queue (at most
 * WINBIND_QUEUE_MAX). A queue that stays long means the domain answers
 * slower than logins come: more checkers, or a faster domain controller.
 */
#include <sys/types.h>

#include "control.h"
#include "master.h"
#include "winbind.h"
#include "winbind_proc.h"

void
winbind_counts(struct winbind_counts *wc)
{
	unsigned	i;

	wc->wc_running = wc->wc_busy = 0;
	for (i = 0; i < RPXD_WINBIND_CHECKERS_MAX; i++) {
		if (wb_procs[i].wp_pid == 0 || wb_procs[i].wp_sock == -1)
			continue;
		wc->wc_running++;
		if (wb_procs[i].wp_login.wl_id != 0)
			wc->wc_busy++;
	}
	wc->wc_queued = winbind_queued();
	wc->wc_queue_max = WINBIND_QUEUE_MAX;
}

void
winbind_status_text(const struct master *m, struct strbuf *out)
{
	struct winbind_counts	wc;

	if (!winbind_needed(m->m_conf))
		return;
	winbind_counts(&wc);
	strbuf_printf(out, "domain checkers: %u of %u running (%u busy), %u "
	    "login(s) queued of %u, winbind-timeout %u s\n", wc.wc_running,
	    m->m_conf->rc_winbind_checkers, wc.wc_busy, wc.wc_queued,
	    wc.wc_queue_max, m->m_conf->rc_winbind_timeout);
}

void
winbind_status_json(const struct master *m, struct json *js)
{
	struct winbind_counts	wc;

	if (!winbind_needed(m->m_conf)) {
		json_null(js, "domain_checkers");
		return;
	}
	winbind_counts(&wc);
	json_object(js, "domain_checkers");
	json_int(js, "configured", m->m_conf->rc_winbind_checkers);
	json_int(js, "running", wc.wc_running);
	json_int(js, "busy", wc.wc_busy);
	json_int(js, "queued", wc.wc_queued);
	json_int(js, "queue_max", wc.wc_queue_max);
	json_int(js, "timeout", m->m_conf->rc_winbind_timeout);
	json_end(js, '}');
}
