/*
 * Debug builds only (make SANDBOX_DEBUG=1): the seccomp filter traps, and
 * this SIGSYS handler logs which system call the sandbox refused, on which
 * architecture, then lets the process die of SIGSYS as a release build's
 * would, so that the master's log line is the same.
 */
#include <sys/syscall.h>

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox_linux.h"

/* The calls a taken-over or buggy process is likeliest to try. */
static const struct {
	int		 nr;
	const char	*name;
} trap_names[] = {
#ifdef __NR_open
	{ __NR_open, "open" },
#endif
	{ __NR_openat, "openat" }, { __NR_execve, "execve" },
	{ __NR_execveat, "execveat" }, { __NR_socket, "socket" },
	{ __NR_clone, "clone" }, { __NR_mmap, "mmap" },
	{ __NR_mprotect, "mprotect" }, { __NR_ioctl, "ioctl" },
	{ __NR_ptrace, "ptrace" }, { __NR_kill, "kill" },
	{ __NR_newfstatat, "newfstatat" }, { __NR_rt_sigaction, "rt_sigaction" },
};

static const char *
trap_name(int nr)
{
	size_t	i;

	for (i = 0; i < sizeof(trap_names) / sizeof(trap_names[0]); i++)
		if (trap_names[i].nr == nr)
			return trap_names[i].name;
	return "?";
}

/*
 * log_warnx() is not async-signal-safe; tolerable here, in a debug build,
 * in a process about to die. SIGSYS is blocked inside the handler, so the
 * next refused call (execve is refused to every role) makes the kernel
 * deliver it with its default action: death by SIGSYS.
 */
static void
trap_handler(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	log_warnx("sandbox: refused system call %d (%s), architecture "
	    "0x%x, at %p", si->si_syscall, trap_name(si->si_syscall),
	    si->si_arch, si->si_call_addr);
	syscall(__NR_execve, NULL, NULL, NULL);
	_exit(1);
}

void
sandbox_trap_init(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trap_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		fatal("sandbox: sigaction SIGSYS");
}
