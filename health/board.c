/*
 * What the checker writes to the health board after each check, and the
 * rule that turns results into a state: a server goes down after fall
 * failures in a row while up, and up after rise successes in a row while
 * down. Everything lives on the board, so a restarted checker and the
 * board of a reloaded configuration carry on where the last one stopped.
 * Called by check.c.
 */
#include <time.h>

#include "health.h"
#include "log.h"

enum board_change
board_record(struct hb_server *hs, const struct backend_conf *be,
    unsigned sv, int ok, unsigned status, const char *why, time_t now)
{
	const struct health_conf	*hc = &be->be_health;
	const char			*name = be->be_servers[sv].sv_name;
	int				 last_ok = hs->hs_last_status != 0;
	uint32_t			 run;

	/* hs_run counts the results in a row like the last one. */
	run = hs->hs_checks > 0 && last_ok == ok ? hs->hs_run + 1 : 1;
	hs->hs_run = run;
	hs->hs_last_status = ok ? status : 0;
	hs->hs_checks++;
	if (!ok)
		hs->hs_check_failures++;
	if (hs->hs_state == HB_UP && !ok && run >= hc->hc_fall) {
		hs->hs_state = HB_DOWN;
		hs->hs_changed = now;
		log_warnx("health: backend \"%s\" server %s: DOWN after %u "
		    "failed check%s: %s", be->be_name, name, run,
		    run == 1 ? "" : "s", why);
		return BOARD_DOWN;
	}
	if (hs->hs_state == HB_DOWN && ok && run >= hc->hc_rise) {
		hs->hs_state = HB_UP;
		hs->hs_changed = now;
		log_notice("health: backend \"%s\" server %s: UP after %u good "
		    "check%s (status %u)", be->be_name, name, run,
		    run == 1 ? "" : "s", status);
		return BOARD_UP;
	}
	/* A result against the state counts toward a change: worth a line
	 * at verbose; one that confirms it only at debug. */
	if (!ok && hs->hs_state == HB_UP)
		log_info("health: backend \"%s\" server %s: check failed (%u "
		    "of %u before down): %s", be->be_name, name, run,
		    hc->hc_fall, why);
	else if (ok && hs->hs_state == HB_DOWN)
		log_info("health: backend \"%s\" server %s: good check (%u of "
		    "%u before up, status %u)", be->be_name, name, run,
		    hc->hc_rise, status);
	else if (!ok)
		log_debug("health: backend \"%s\" server %s: still down: %s",
		    be->be_name, name, why);
	else
		log_debug("health: backend \"%s\" server %s: status %u",
		    be->be_name, name, status);
	return BOARD_SAME;
}
