/*
 * A key holder's share of the CPU follows the number of workers waiting
 * on it (Linux). The scheduler gives one process one process's share, so
 * on a busy machine a holder that signs for a hundred workers gets what
 * one of them would get, and its answers take seconds (bench/hsflood.sh
 * measures the round trip). Each batch (serve.c) is the number of
 * workers waiting; for every factor of 1.25 in it the holder lowers its
 * nice value by one step (CFS gives each step 1.25 times the weight):
 * the holder weighs about what the workers it signs for would weigh if
 * each signed for itself, and no more. A worker alone, however hard it
 * floods (one request per worker is read per batch), leaves its holder
 * at the nice value it started with.
 *
 * An unprivileged process may lower its nice value only as far as its
 * RLIMIT_NICE allows, so the holder raises that limit while it is still
 * root; that needs CAP_SYS_RESOURCE, which containers often lack: then
 * the limit it has is used (none by default), and the holder keeps its
 * nice value. Systems without RLIMIT_NICE cannot do this at all.
 */
#include <sys/time.h>
#include <sys/resource.h>

#include <errno.h>
#include <stdint.h>

#include "keys.h"
#include "log.h"

#define NICE_MIN	(-20)

int
priority_nice(unsigned waiting, int start, int bottom)
{
	uint64_t	w = 1024, want = (uint64_t)waiting * 1024;
	int		nice = start;

	while (nice > bottom && w * 5 / 4 <= want) {
		w = w * 5 / 4;
		nice--;
	}
	return nice;
}

#ifdef RLIMIT_NICE
static int	base;		/* the nice value at start */
static int	lowest;		/* the lowest RLIMIT_NICE allows */
static int	current;	/* the one set last */
static int	usable;

void
priority_init(void)
{
	/* RLIMIT_NICE n lets a process go down to nice 20 - n. */
	struct rlimit	rl = { 20 - NICE_MIN, 20 - NICE_MIN };

	errno = 0;
	base = getpriority(PRIO_PROCESS, 0);
	if (base == -1 && errno != 0) {
		log_warn("keys: getpriority");
		return;
	}
	if (setrlimit(RLIMIT_NICE, &rl) == -1 &&
	    getrlimit(RLIMIT_NICE, &rl) == -1) {
		log_warn("keys: getrlimit RLIMIT_NICE");
		return;
	}
	lowest = rl.rlim_cur >= (rlim_t)(20 - NICE_MIN) ? NICE_MIN :
	    20 - (int)rl.rlim_cur;
	if (lowest >= base) {
		log_debug("keys: RLIMIT_NICE allows no nice value below %d "
		    "(raising it needs CAP_SYS_RESOURCE): the holder's "
		    "priority does not follow its load", base);
		return;
	}
	current = base;
	usable = 1;
}

void
priority_follow(unsigned waiting)
{
	int	nice;

	if (!usable || (nice = priority_nice(waiting, base, lowest)) ==
	    current)
		return;
	if (setpriority(PRIO_PROCESS, 0, nice) == -1) {
		log_warn("keys: setpriority %d; the holder keeps nice %d",
		    nice, current);
		usable = 0;
		return;
	}
	current = nice;
}
#else
void
priority_init(void)
{
}

void
priority_follow(unsigned waiting)
{
	(void)waiting;
}
#endif
