/*
 * The stack pages a worker touched below where it waits, given back when
 * its connection goes quiet (conn_mem_trim): a TLS handshake, a large
 * head or a deep log line went down there once, and a forked worker's
 * stack pages are its own copies, kept for the rest of its life
 * otherwise. The template learns where the stack may grow before it
 * chroots (glibc reads /proc/self/maps for that); systems without
 * pthread_getattr_np, and sanitized builds, whose runtimes keep state on
 * the stack, leave it as it is.
 */
#include <sys/mman.h>

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include "worker.h"

static uintptr_t	stack_lo;	/* lowest address the stack may take */

void
stack_trim_init(void)
{
#if defined(__linux__) && defined(__GLIBC__) && !defined(RPXD_SANITIZER)
	pthread_attr_t	 attr;
	void		*addr;
	size_t		 size;

	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return;
	if (pthread_attr_getstack(&attr, &addr, &size) == 0)
		stack_lo = (uintptr_t)addr;
	(void)pthread_attr_destroy(&attr);
#endif
}

/* Not inlined: its frame is the deepest in use while it runs. */
__attribute__((noinline)) void
stack_trim(void)
{
	volatile char	here;
	uintptr_t	page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t	top;

	if (stack_lo == 0)
		return;
	/* A page of room below this frame, for the call itself. */
	top = ((uintptr_t)&here & ~(page - 1)) - page;
	if (top <= stack_lo)
		return;
	/* Pages never touched are not mapped: nothing to give back there
	 * (madvise says ENOMEM for them, and ignored). */
	(void)madvise((void *)stack_lo, top - stack_lo, MADV_DONTNEED);
}
