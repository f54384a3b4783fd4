/*
 * The pid -> slot map (see pidmap.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "pidmap.h"

static uint32_t
home(const struct pidmap *pm, pid_t pid)
{
	/* Pids come in runs: spread them (Knuth's multiplicative hash). */
	return ((uint32_t)pid * 2654435761u) & pm->pm_mask;
}

int
pidmap_init(struct pidmap *pm, unsigned max)
{
	uint32_t	cap = 16;

	pm->pm_pid = NULL;
	pm->pm_slot = NULL;
	while (cap < 2 * (uint64_t)max && cap < (1u << 30))
		cap <<= 1;
	if (cap < 2 * (uint64_t)max) {
		errno = ENOMEM;
		return -1;
	}
	pm->pm_mask = cap - 1;
	pm->pm_used = 0;
	pm->pm_max = max;
	if ((pm->pm_pid = calloc(cap, sizeof(*pm->pm_pid))) == NULL ||
	    (pm->pm_slot = calloc(cap, sizeof(*pm->pm_slot))) == NULL) {
		pidmap_free(pm);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
pidmap_free(struct pidmap *pm)
{
	free(pm->pm_pid);
	free(pm->pm_slot);
	pm->pm_pid = NULL;
	pm->pm_slot = NULL;
	pm->pm_used = 0;
}

static int
find(const struct pidmap *pm, pid_t pid, uint32_t *at)
{
	uint32_t	i = home(pm, pid);

	if (pm->pm_pid == NULL)
		return 0;
	while (pm->pm_pid[i] != 0) {
		if (pm->pm_pid[i] == (int32_t)pid) {
			*at = i;
			return 1;
		}
		i = (i + 1) & pm->pm_mask;
	}
	*at = i;
	return 0;
}

int
pidmap_put(struct pidmap *pm, pid_t pid, unsigned slot)
{
	uint32_t	at;

	if (pid <= 0 || pm->pm_pid == NULL)
		return -1;
	if (find(pm, pid, &at)) {
		pm->pm_slot[at] = slot;
		return 0;
	}
	if (pm->pm_used >= pm->pm_max)
		return -1;
	pm->pm_pid[at] = (int32_t)pid;
	pm->pm_slot[at] = slot;
	pm->pm_used++;
	return 0;
}

int
pidmap_get(const struct pidmap *pm, pid_t pid, unsigned *slot)
{
	uint32_t	at;

	if (pid <= 0 || !find(pm, pid, &at))
		return -1;
	*slot = pm->pm_slot[at];
	return 0;
}

int
pidmap_take(struct pidmap *pm, pid_t pid, unsigned *slot)
{
	uint32_t	at, i, h;

	if (pid <= 0 || !find(pm, pid, &at))
		return -1;
	*slot = pm->pm_slot[at];
	/* Backward shift: every entry after the hole that may sit in it
	 * moves up, so that no probe run is broken. */
	i = at;
	for (;;) {
		pm->pm_pid[at] = 0;
		for (;;) {
			i = (i + 1) & pm->pm_mask;
			if (pm->pm_pid[i] == 0) {
				pm->pm_used--;
				return 0;
			}
			h = home(pm, pm->pm_pid[i]);
			/* i's entry may move to at unless its home lies
			 * cyclically in (at, i]. */
			if (at <= i ? (h <= at || h > i) : (h <= at && h > i))
				break;
		}
		pm->pm_pid[at] = pm->pm_pid[i];
		pm->pm_slot[at] = pm->pm_slot[i];
		at = i;
	}
}
