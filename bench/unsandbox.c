/*
 * unsandbox: an LD_PRELOAD library for bench/profile.sh only, never for a
 * real rpxd. profile.sh starts rpxd with -W pointing at wrapper scripts
 * that preload it into the workers, key holders and health checker, with
 * RPXD_BENCH_UNSANDBOX set to:
 *
 * dumpable: the process stays dumpable. perf records no sample at all of
 *   a process that is not (checked on this kernel, 6.18, even as root:
 *   prctl(PR_SET_DUMPABLE, 0) or a setresuid() to another user and the
 *   samples stop), and rpxd's children drop to their user and set
 *   PR_SET_DUMPABLE 0 on purpose. So prctl(PR_SET_DUMPABLE, 0) does
 *   nothing, and after setresuid() the flag is set again. The seccomp
 *   filter, chroot and limits stay as they are.
 * all: also what valgrind cannot run under, for the one worker that
 *   profile.sh runs under callgrind: the seccomp filter (it kills
 *   valgrind's own system calls), the chroot and RLIMIT_FSIZE 0 (it could
 *   not write its profile) and the RLIMIT_NOFILE change (which valgrind
 *   refuses): prctl(PR_SET_SECCOMP), chroot() and setrlimit() of
 *   RLIMIT_NOFILE, RLIMIT_FSIZE, RLIMIT_NPROC and RLIMIT_CORE succeed
 *   without doing anything.
 *
 * Everything else, the request path above all, is the program's own code.
 * Built by profile.sh: cc -shared -fPIC unsandbox.c -o unsandbox.so
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static int all(void)
{
	const char *m = getenv("RPXD_BENCH_UNSANDBOX");

	return m != NULL && strcmp(m, "all") == 0;
}

int prctl(int option, ...)
{
	va_list ap;
	unsigned long a[4];
	int i;

	va_start(ap, option);
	for (i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	if (option == PR_SET_DUMPABLE && a[0] == 0)
		return 0;
	if (option == PR_SET_SECCOMP && all())
		return 0;
	return (int)syscall(SYS_prctl, option, a[0], a[1], a[2], a[3]);
}

int setresuid(uid_t r, uid_t e, uid_t s)
{
	long rv = syscall(SYS_setresuid, r, e, s);

	/* a change of user clears the flag (fs.suid_dumpable is 0) */
	if (rv == 0)
		syscall(SYS_prctl, PR_SET_DUMPABLE, 1UL, 0UL, 0UL, 0UL);
	return (int)rv;
}

int chroot(const char *path)
{
	if (all())
		return 0;
	return (int)syscall(SYS_chroot, path);
}

int setrlimit(__rlimit_resource_t resource, const struct rlimit *rl)
{
	if (all() && (resource == RLIMIT_NOFILE || resource == RLIMIT_FSIZE ||
	    resource == RLIMIT_NPROC || resource == RLIMIT_CORE))
		return 0;
	return (int)syscall(SYS_setrlimit, resource, rl);
}
