/*
 * The template's heap, sealed before its first fork (worker.c): every
 * free block below the top of glibc's heap taken by the template for
 * good, so that its workers allocate in fresh pages at the top instead of
 * in the holes of pages they share with it, each of which a worker's
 * write would copy (bench/README.md, memory per worker). Other systems'
 * allocators: nothing to do here.
 */
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "worker.h"

#ifdef __GLIBC__
#define TCACHE_CLASSES	64	/* glibc's per-thread cache: chunks of 32
				   to 1040 bytes, 16 apart */
#define TCACHE_MAX	1032	/* its largest request */
#define SEAL_MAX	200000	/* blocks taken, at most */

/* The blocks taken, chained through their first word: reachable, so
 * that a leak checker does not count them. */
static void	*sealed;
static unsigned	 nsealed;

/*
 * One block of size: 1 if it came from below the top chunk (a hole, now
 * taken), 0 if from the top or none. One from the top is kept as well
 * when it is small, since freed it would sit in the per-thread cache,
 * the first block a worker's allocation of its size takes.
 */
static int
take(size_t size)
{
	size_t	 top = mallinfo2().keepcost;
	void	**p;
	int	 hole;

	if (nsealed >= SEAL_MAX || (p = malloc(size)) == NULL)
		return 0;
	hole = mallinfo2().keepcost >= top;
	if (!hole && size > TCACHE_MAX) {
		free(p);
		return 0;
	}
	*p = sealed;
	sealed = p;
	nsealed++;
	return hole;
}

/* Is there a per-thread cache (the master turns it off with
 * GLIBC_TUNABLES; a template started otherwise may have one)? A small
 * block freed into it stays counted as in use. */
static int
tcache_on(void)
{
	size_t	 before;
	void	*p;

	if ((p = malloc(24)) == NULL)
		return 0;
	before = mallinfo2().fordblks;
	free(p);
	return mallinfo2().fordblks == before;
}

/*
 * The per-thread cache's chunks are free, but mallinfo2() counts them as
 * in use: each class is taken until a block of it comes from the top.
 * glibc moves the rest of a bin into the cache when it serves from one,
 * which this takes too.
 */
static void
take_tcache(void)
{
	size_t	c;

	if (!tcache_on())
		return;
	for (c = 0; c < TCACHE_CLASSES; c++)
		while (take(c * 16 + 24))
			;
}

/*
 * What mallinfo2() counts as free below the top (fordblks less keepcost):
 * taken largest first, so that a big hole is not cut into small blocks
 * while a block of its size could take it whole.
 */
static void
take_holes(void)
{
	struct mallinfo2	mi;
	size_t			size;

	for (size = 64 * 1024; size >= 16; size /= 2)
		for (;;) {
			mi = mallinfo2();
			if (mi.fordblks - mi.keepcost < 16)
				return;
			if (!take(size))
				break;
		}
}
#endif

void
template_heap_seal(void)
{
#ifdef __GLIBC__
	/* Freed pages at the top go back to the system first. */
	(void)malloc_trim(0);
	take_tcache();
	take_holes();
#endif
}
