/*
 * Which slot a child's pid belongs to, for the template that forks the
 * workers and the master that reaps them (thousands of them: a scan of
 * every slot per exit would not do). Open addressing with linear probing,
 * sized once for the slots, deletion by backward shift.
 */
#ifndef RPXD_PIDMAP_H
#define RPXD_PIDMAP_H

#include <sys/types.h>
#include <stdint.h>

struct pidmap {
	uint32_t	 pm_mask;	/* capacity - 1, a power of two */
	uint32_t	 pm_used;
	uint32_t	 pm_max;	/* entries it was sized for */
	int32_t		*pm_pid;	/* 0: empty */
	uint32_t	*pm_slot;
};

/* Room for max entries; 0, or -1 with errno set. */
int	pidmap_init(struct pidmap *pm, unsigned max);
void	pidmap_free(struct pidmap *pm);
/* -1 when full or pid is not positive; a pid already there moves. */
int	pidmap_put(struct pidmap *pm, pid_t pid, unsigned slot);
/* Its slot in *slot, then forgotten; -1 if unknown. */
int	pidmap_take(struct pidmap *pm, pid_t pid, unsigned *slot);
int	pidmap_get(const struct pidmap *pm, pid_t pid, unsigned *slot);

#endif
