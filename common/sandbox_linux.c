/*
 * The Linux sandbox (see sandbox.h): no new privileges, then a seccomp-bpf
 * filter that checks the architecture first, allows each role's system
 * calls by list (a few only with safe arguments) and kills the process on
 * anything else. `make SANDBOX_DEBUG=1` traps instead, and sandbox_trap.c
 * logs the call before the process dies.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <stddef.h>

#include "log.h"
#include "sandbox.h"
#include "sandbox_linux.h"

#if defined(__x86_64__)
#define SANDBOX_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH	AUDIT_ARCH_AARCH64
#else
#error "no seccomp filter for this architecture: add it here or build with SANDBOX=null"
#endif

#ifdef RPXD_SANDBOX_DEBUG
#define DENY		SECCOMP_RET_TRAP
#define DENY_NOTE	" (debug build: a violation is logged)"
#else
#define DENY		SECCOMP_RET_KILL_PROCESS
#define DENY_NOTE	""
#endif

/* The low half of a 64-bit argument: all the checks below need. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(n)	offsetof(struct seccomp_data, args[n])
#else
#define ARG_LO(n)	(offsetof(struct seccomp_data, args[n]) + 4)
#endif

#define FILTER_MAX	256

/*
 * Every role, the key holder included: its open sockets and pipes, memory,
 * time, and exit. Taken from strace -f on the integration suite.
 */
static const int base_calls[] = {
	__NR_read, __NR_write, __NR_close,
	__NR_recvmsg, __NR_recvfrom, __NR_sendmsg, __NR_sendto,
#ifdef __NR_poll
	__NR_poll,
#endif
	__NR_ppoll,
	__NR_getrandom,			/* OpenSSL's DRBG */
	__NR_brk, __NR_munmap, __NR_mremap, __NR_madvise,	/* malloc;
					   a worker's mremap: see below */
	__NR_futex,			/* glibc and OpenSSL locks */
	__NR_clock_gettime, __NR_gettimeofday,	/* when the vDSO cannot */
	__NR_getpid,
	__NR_rt_sigreturn,		/* return from SIGTERM's handler */
	__NR_restart_syscall,		/* a poll a signal interrupted */
	__NR_exit, __NR_exit_group,
};

/* A worker: accept clients, connect to backends, its master's socket. */
static const int worker_calls[] = {
	__NR_readv, __NR_writev,
#ifdef __NR_epoll_wait
	__NR_epoll_wait,
#endif
	__NR_epoll_pwait,		/* accept_wait_epoll.c */
	__NR_accept, __NR_accept4,
	__NR_connect, __NR_shutdown,
	__NR_setsockopt, __NR_getsockopt,	/* TCP_NODELAY, SO_ERROR */
	__NR_getsockname, __NR_getpeername,
	__NR_fcntl,			/* O_NONBLOCK around connect */
	__NR_nanosleep, __NR_clock_nanosleep,
	__NR_uname,			/* gethostname() for NTLM */
	__NR_rt_sigprocmask,
};

/* The health checker: connections to backends, its signal pipe. */
static const int health_calls[] = {
	__NR_connect, __NR_shutdown,
	__NR_setsockopt, __NR_getsockopt,
	__NR_getsockname, __NR_getpeername,
	__NR_fcntl,
	__NR_nanosleep, __NR_clock_nanosleep,
	__NR_rt_sigprocmask,
};

/*
 * The template (worker/template.c): a worker's calls (the workers it
 * forks inherit its filter and add their own, which lets only the
 * worker's through), and what forking and setting up a worker takes:
 * fork (clone without a shared memory or new namespaces: see
 * emit_clone), reaping, the worker's own descriptors, its scoreboard
 * slot, its epoll set, and its own sandbox (limits, prctl, seccomp).
 */
static const int template_calls[] = {
	__NR_wait4, __NR_rt_sigaction, __NR_rt_sigprocmask,
	__NR_set_robust_list,		/* glibc, in the forked child */
#ifdef __NR_dup2
	__NR_dup2,
#endif
	__NR_dup3,
	__NR_epoll_create1, __NR_epoll_ctl,
#ifdef __NR_fstat
	__NR_fstat,
#endif
	__NR_newfstatat,
	__NR_prlimit64,
#ifdef __NR_setrlimit
	__NR_setrlimit, __NR_getrlimit,
#endif
	__NR_prctl, __NR_seccomp,
};

/* The key holder: its epoll set of worker channels (keys/ready_epoll.c,
 * made before the sandbox). */
static const int keys_calls[] = {
	__NR_epoll_ctl,
#ifdef __NR_epoll_wait
	__NR_epoll_wait,
#endif
	__NR_epoll_pwait,
};

/*
 * The domain checker (rpxd-winbind): libwbclient connects to winbind's
 * UNIX socket by path (it checks the directory and the socket's owner
 * first with lstat, and may wait a little before a retry) and talks to
 * it with poll, read and write. No file is ever opened (an open fails:
 * emit_open_fails).
 */
static const int winbind_calls[] = {
	__NR_connect,
	__NR_fcntl,			/* O_NONBLOCK, FD_CLOEXEC */
	__NR_getsockopt,		/* SO_ERROR after a connect */
#ifdef __NR_lstat
	__NR_lstat,
#endif
	__NR_newfstatat,		/* glibc's lstat */
#ifdef __NR_fstat
	__NR_fstat,
#endif
	__NR_getuid, __NR_geteuid,
	__NR_gettid,
	__NR_nanosleep, __NR_clock_nanosleep,
	__NR_rt_sigprocmask,
	/* MIT krb5 (negotiate-keytab) asks whether its configuration
	 * files are there when it accepts a token (see emit_open_fails). */
#ifdef __NR_access
	__NR_access,
#endif
	__NR_faccessat,
#ifdef __NR_faccessat2
	__NR_faccessat2,
#endif
};

/*
 * A domain checker with a route's delegate (winbind/delegate.c): MIT
 * krb5 sends to the KDCs over UDP and TCP (a non-blocking connect, poll,
 * send and receive), and glibc's resolver may ask DNS for a KDC's
 * address. socket() is held to IPv4 and IPv6 (emit_socket_inet), ioctl
 * to FIONBIO.
 */
static const int kdc_calls[] = {
	__NR_sendmmsg,			/* glibc's resolver */
	__NR_setsockopt, __NR_getsockname, __NR_getpeername,
	__NR_bind,			/* the resolver's source port */
	__NR_uname,			/* krb5's host name */
};

#ifdef RPXD_SANITIZER
/*
 * ASan and UBSan's runtime (make SANITIZE=1 only). strace shows it makes
 * no call of its own while a worker serves; these are for a report: its
 * locks yield, it names the thread, and abort_on_error=1 makes it raise
 * SIGABRT (abort() masks signals and may reset the handler). It still
 * cannot open /proc/self/maps, so a report's stack may lack module names
 * before the process dies of SIGSYS; its first lines are written first.
 */
static const int sanitizer_calls[] = {
	__NR_sched_yield, __NR_gettid,
	__NR_tgkill, __NR_rt_sigprocmask, __NR_rt_sigaction,
	__NR_sigaltstack,		/* its signal stack, in a forked child */
};
#endif

struct filter {
	struct sock_filter	f_insn[FILTER_MAX];
	unsigned short		f_len;
};

static void
emit(struct filter *f, struct sock_filter insn)
{
	if (f->f_len == FILTER_MAX)
		fatalx("sandbox: seccomp filter too long");
	f->f_insn[f->f_len++] = insn;
}

static void
emit_list(struct filter *f, const int *nr, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    (unsigned)nr[i], 0, 1));
		emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		    SECCOMP_RET_ALLOW));
	}
}

/* nr is allowed unless its argument arg has any of bits; the number
 * stays in the accumulator when nr is not the call. */
static void
emit_without_bits(struct filter *f, int nr, int arg, unsigned bits)
{
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    (unsigned)nr, 0, 4));
	emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    ARG_LO(arg)));
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
	    bits, 0, 1));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW));
}

/* socket() for TCP over IPv4 and IPv6 only: never AF_UNIX, AF_NETLINK,
 * raw packets or anything else that reaches beyond the network. */
static void
emit_socket_inet(struct filter *f)
{
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    __NR_socket, 0, 5));
	emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    ARG_LO(0)));
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    AF_INET, 2, 0));
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    AF_INET6, 1, 0));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW));
}

/* ioctl() for FIONBIO only (MIT krb5 makes its KDC sockets
 * non-blocking with it). */
static void
emit_ioctl_fionbio(struct filter *f)
{
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    __NR_ioctl, 0, 4));
	emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    ARG_LO(1)));
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    FIONBIO, 1, 0));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW));
}

/* socket() for IPv4 or IPv6 (a delegate's KDCs), else as
 * emit_socket_unix: the IPv4 and IPv6 calls are let through first. A
 * netlink socket fails instead (glibc's getaddrinfo asks the kernel
 * which address families are configured, and goes on without). */
static void
emit_socket_inet_first(struct filter *f)
{
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    __NR_socket, 0, 7));
	emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    ARG_LO(0)));
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    AF_INET, 4, 0));
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    AF_INET6, 3, 0));
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    AF_NETLINK, 1, 0));
	emit(f, (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 2));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ERRNO | (EAFNOSUPPORT & SECCOMP_RET_DATA)));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW));
	/* Not IPv4 or IPv6: the number again, for emit_socket_unix. */
	emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr)));
}

/* socket() for a UNIX stream socket only (winbind's): no network. */
static void
emit_socket_unix(struct filter *f)
{
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    __NR_socket, 0, 6));
	emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    ARG_LO(0)));
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    AF_UNIX, 0, 2));
	emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    ARG_LO(1)));
	/* SOCK_STREAM, with or without SOCK_CLOEXEC */
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
	    ~(unsigned)(SOCK_STREAM | SOCK_CLOEXEC), 0, 1));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW));
}

/*
 * open() and openat() fail with EACCES instead of killing: MIT krb5 looks
 * for plugin directories each time it accepts a Kerberos token
 * (negotiate-keytab), and goes on without them. Nothing is opened.
 */
static void
emit_open_fails(struct filter *f)
{
	static const int	nr[] = {
#ifdef __NR_open
		__NR_open,
#endif
		__NR_openat,
	};
	size_t			i;

	for (i = 0; i < sizeof(nr) / sizeof(nr[0]); i++) {
		emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    (unsigned)nr[i], 0, 1));
		emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		    SECCOMP_RET_ERRNO | (EACCES & SECCOMP_RET_DATA)));
	}
}

/* setpriority() on the calling process only (the key holder's share of
 * the CPU, keys/priority.c): never on another process. */
static void
emit_setpriority_self(struct filter *f)
{
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    __NR_setpriority, 0, 6));
	emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    ARG_LO(0)));
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    PRIO_PROCESS, 0, 2));
	emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    ARG_LO(1)));
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    0, 1, 0));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW));
}

/* The architecture first: a number means nothing without it. On x86_64
 * the x32 ABI shares the architecture but not the numbers: refused. */
static void
emit_arch(struct filter *f)
{
	emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch)));
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    SANDBOX_ARCH, 1, 0));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY));
	emit(f, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr)));
#ifdef __x86_64__
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
	    __X32_SYSCALL_BIT, 0, 1));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY));
#endif
}

#define LIST(f, a)	emit_list((f), (a), sizeof(a) / sizeof((a)[0]))

/* clone() for fork only: no CLONE_VM or CLONE_THREAD (a thread would
 * share the template's memory) and no new namespaces; clone3, whose
 * flags a filter cannot read, fails with ENOSYS (glibc's fork does not
 * use it). */
static void
emit_clone(struct filter *f)
{
	emit_without_bits(f, __NR_clone, 0, CLONE_VM | CLONE_THREAD |
	    CLONE_SETTLS | CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID |
	    CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP);
#ifdef __NR_clone3
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    __NR_clone3, 0, 1));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)));
#endif
}

/*
 * A worker maps only its own scoreboard slot's page (scoreboard.c) and
 * has closed the descriptor; mremap() could still grow that shared
 * mapping over the next page, another worker's slot. So in a worker it
 * fails with ENOMEM instead of killing: glibc's realloc of a large block
 * falls back to malloc, copy and free when mremap fails. Nothing else
 * maps the board again: mmap needs a descriptor, remap_file_pages is on
 * no list (killed), and madvise(MADV_REMOVE) needs a writable shared
 * mapping, which the read-only health board is not.
 */
static void
emit_mremap_enomem(struct filter *f)
{
	emit(f, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    __NR_mremap, 0, 1));
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ERRNO | (ENOMEM & SECCOMP_RET_DATA)));
}

static void
filter_build(struct filter *f, enum sandbox_role role)
{
	emit_arch(f);
	/* Memory never becomes executable: no code injected at run time. */
	emit_without_bits(f, __NR_mmap, 2, PROT_EXEC);
	emit_without_bits(f, __NR_mprotect, 2, PROT_EXEC);
	if (role == SANDBOX_WORKER)
		emit_mremap_enomem(f);	/* before base_calls allows it */
	LIST(f, base_calls);
	if (role == SANDBOX_WORKER || role == SANDBOX_TEMPLATE) {
		emit_socket_inet(f);
		LIST(f, worker_calls);
	}
	if (role == SANDBOX_TEMPLATE) {
		emit_clone(f);
		LIST(f, template_calls);
	} else if (role == SANDBOX_HEALTH) {
		emit_socket_inet(f);
		LIST(f, health_calls);
	} else if (role == SANDBOX_KEYS) {
		LIST(f, keys_calls);
		emit_setpriority_self(f);
	} else if (role == SANDBOX_WINBIND || role == SANDBOX_WINBIND_KDC) {
		if (role == SANDBOX_WINBIND_KDC) {
			emit_socket_inet_first(f);
			emit_ioctl_fionbio(f);
			LIST(f, kdc_calls);
		}
		emit_socket_unix(f);
		emit_open_fails(f);
		LIST(f, winbind_calls);
	}
#ifdef RPXD_SANITIZER
	LIST(f, sanitizer_calls);
#endif
	emit(f, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DENY));
}

void
sandbox_enter(enum sandbox_role role, unsigned more_fds)
{
	static struct filter	f;
	struct sock_fprog	prog;

	sandbox_limits(role, more_fds);
	/* A worker forked by the template builds its own filter, not the
	 * template's with more behind it. */
	f.f_len = 0;
	filter_build(&f, role);
	prog.len = f.f_len;
	prog.filter = f.f_insn;
#ifdef RPXD_SANDBOX_DEBUG
	sandbox_trap_init();
#endif
	/* Without it an unprivileged process may not load a filter; with
	 * it no exec can ever gain privileges again. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("sandbox: PR_SET_NO_NEW_PRIVS");
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) == -1)
		fatal("sandbox: %s: loading the seccomp filter",
		    sandbox_role_name(role));
	log_debug("sandbox: %s: seccomp filter of %u instructions%s",
	    sandbox_role_name(role), f.f_len, DENY_NOTE);
}
