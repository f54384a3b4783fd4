/*
 * The key service seen from the master: rpxd-keys, found next to the
 * worker program, holds the private keys of a configuration and signs
 * for the workers; nothing else ever holds them after the master. One
 * set of holders (key-holders, four per CPU by default) belongs to each
 * generation: a reload starts a new set and closes the old one's sockets,
 * and an old holder exits once its last worker has gone. Each worker gets
 * a SOCK_SEQPACKET channel to one holder of its generation. A holder
 * that dies is replaced, and its workers are told to stop so that the
 * pool replaces them with workers paired to a live holder.
 */
#include <sys/types.h>
#ifdef __linux__
#include <sched.h>
#endif
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "child_status.h"
#include "ipc.h"
#include "log.h"
#include "master.h"

#define KEYS_SEND_TIMEOUT	5	/* s, to read its setup */
#define KEYS_STABLE		60	/* s; a shorter run doubles the
					   hold-off */
#define KEYS_HOLDOFF_MAX	60	/* s */
/*
 * Holders per CPU by default. The scheduler gives a holder one process's
 * share of the CPU however many workers wait on it, so under a flood of
 * handshakes one per CPU fell behind the workers' own work: with four
 * per CPU, bench/hsflood.sh measured more RSA-2048 handshakes per second
 * and about half the round trip (bench/README.md). An idle holder costs
 * about 1 MiB and no CPU.
 */
#define KEYHOLDERS_PER_CPU	4

/* One private key for a key holder (or, in a KEYS_IN_WORKER=1 build,
 * a worker): the only way key bytes leave the master. */
static int
send_key(int sock, uint32_t kind, uint32_t a, uint32_t b,
    const struct blob *key)
{
	struct msgbuf	mb;
	int		rv;

	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, kind);
	msgbuf_put_u32(&mb, a);
	msgbuf_put_u32(&mb, b);
	msgbuf_put_u32(&mb, (uint32_t)key->bl_len);
	msgbuf_put_bytes(&mb, key->bl_data, key->bl_len);
	rv = mb.mb_error ? -1 : ipc_send(sock, IPC_TLS_KEY, -1, &mb);
	if (mb.mb_data != NULL)
		explicit_bzero(mb.mb_data, mb.mb_len);
	msgbuf_free(&mb);
	return rv;
}

int
keys_send_all(const struct rpxd_conf *c, int sock)
{
	unsigned	i, j;

	for (i = 0; i < c->rc_nlisteners; i++)
		for (j = 0; j < c->rc_listeners[i].ls_ncerts; j++)
			if (send_key(sock, TLS_KEY_LISTENER, i, j,
			    &c->rc_listeners[i].ls_certs[j].ct_key_pem) == -1)
				return -1;
	for (i = 0; i < c->rc_nbackends; i++)
		if (c->rc_backends[i].be_client_key_pem.bl_len > 0 &&
		    send_key(sock, TLS_KEY_BACKEND, i, 0,
		    &c->rc_backends[i].be_client_key_pem) == -1)
			return -1;
	return 0;
}

/* The CPUs rpxd may run on: its affinity mask where the system has one
 * (taskset, systemd's CPUAffinity, a container's cpuset), else those
 * online. */
static long
usable_cpus(void)
{
	long	n;
#ifdef __linux__
	cpu_set_t	set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 &&
	    (n = CPU_COUNT(&set)) > 0)
		return n;
#endif
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n;
}

/* How many holders a configuration needs: none without private keys. */
unsigned
keyholders_wanted(const struct rpxd_conf *c)
{
	unsigned	i, keys = 0;
	long		cpus;

#ifdef RPXD_KEYS_IN_WORKER
	return 0;
#endif
	for (i = 0; i < c->rc_nlisteners; i++)
		keys += c->rc_listeners[i].ls_ncerts;
	for (i = 0; i < c->rc_nbackends; i++)
		keys += c->rc_backends[i].be_client_key_pem.bl_len > 0;
	if (keys == 0)
		return 0;
	if (c->rc_key_holders > 0)
		return c->rc_key_holders;
	cpus = usable_cpus();
	return cpus > KEYHOLDERS_MAX / KEYHOLDERS_PER_CPU ? KEYHOLDERS_MAX :
	    (unsigned)cpus * KEYHOLDERS_PER_CPU;
}

void
keyholders_init(struct master *m)
{
	unsigned	i;

	child_path(m, "rpxd-keys", m->m_keys_path, sizeof(m->m_keys_path));
	for (i = 0; i < KEYHOLDER_SLOTS; i++)
		m->m_keyholders[i] = (struct keyholder){ .kh_pid = 0,
		    .kh_sock = -1 };
	if (keyholders_wanted(m->m_conf) > 0 &&
	    access(m->m_keys_path, X_OK) == -1)
		fatal("startup: key holder %s", m->m_keys_path);
}

static int
holder_send_setup(const struct master *m, int sock)
{
	if (child_send_config(m, sock) == -1 ||
	    keys_send_all(m->m_conf, sock) == -1)
		return -1;
	return ipc_send(sock, IPC_START, -1, NULL);
}

static void
holder_spawn(struct master *m, unsigned index)
{
	struct timeval	 tv = { KEYS_SEND_TIMEOUT, 0 };
	struct keyholder *kh;
	unsigned	 i;
	int		 sp[2];
	pid_t		 pid;

	for (i = 0; i < KEYHOLDER_SLOTS; i++)
		if (m->m_keyholders[i].kh_pid == 0)
			break;
	if (i == KEYHOLDER_SLOTS) {
		log_warnx("keys: no free key holder slot");
		return;
	}
	kh = &m->m_keyholders[i];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1) {
		log_warn("keys: socketpair");
		return;
	}
	switch ((pid = child_fork(m, "rpxd-keys"))) {
	case -1:
		log_warn("keys: fork");
		close(sp[0]);
		close(sp[1]);
		return;
	case 0:
		close(sp[0]);
		child_exec(m, m->m_keys_path, "rpxd-keys", sp[1]);
		/* NOTREACHED */
	}
	close(sp[1]);
	*kh = (struct keyholder){ .kh_pid = pid, .kh_sock = sp[0],
	    .kh_generation = m->m_generation, .kh_index = index,
	    .kh_since = time(NULL) };
	(void)setsockopt(sp[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (holder_send_setup(m, sp[0]) == -1) {
		log_warn("keys: cannot send the setup to key holder %ld",
		    (long)pid);
		kill(pid, SIGKILL);
	}
	log_debug("keys: started key holder %ld (%u), generation %u",
	    (long)pid, index, m->m_generation);
}

/* The live holder of this generation with that index, or NULL. */
static struct keyholder *
holder_current(struct master *m, unsigned index)
{
	unsigned	i;

	for (i = 0; i < KEYHOLDER_SLOTS; i++) {
		struct keyholder *kh = &m->m_keyholders[i];

		if (kh->kh_pid != 0 && kh->kh_sock != -1 &&
		    kh->kh_generation == m->m_generation &&
		    kh->kh_index == index)
			return kh;
	}
	return NULL;
}

/* Start the holders this generation lacks (after the hold-off). */
void
keyholders_launch(struct master *m)
{
	unsigned	i, want = keyholders_wanted(m->m_conf);

	if (m->m_stopping || time(NULL) < m->m_keys_holdoff)
		return;
	for (i = 0; i < want; i++)
		if (holder_current(m, i) == NULL)
			holder_spawn(m, i);
}

int
keyholders_needed(const struct master *m)
{
	return keyholders_wanted(m->m_conf) > 0;
}

/* Whether a worker started now could be paired. */
int
keyholders_ready(struct master *m)
{
	unsigned	i, want = keyholders_wanted(m->m_conf);

	for (i = 0; i < want; i++)
		if (holder_current(m, i) != NULL)
			return 1;
	return want == 0;
}

/*
 * A channel for a new worker to a holder of its generation, the holders
 * taken in turn: the worker's end, or -1 (no live holder: the pool tries
 * again later). *holder is the holder's pid.
 */
int
keyholders_pair(struct master *m, pid_t worker, pid_t *holder)
{
	unsigned	 want = keyholders_wanted(m->m_conf), i;
	struct keyholder *kh = NULL;
	struct msgbuf	 mb;
	int		 sp[2], rv;

	for (i = 0; i < want && kh == NULL; i++)
		kh = holder_current(m, m->m_keys_next++ % want);
	if (kh == NULL)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == -1) {
		log_warn("keys: socketpair");
		return -1;
	}
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, (uint32_t)worker);
	rv = ipc_send(kh->kh_sock, IPC_KEY_CLIENT, sp[1], &mb);
	msgbuf_free(&mb);
	close(sp[1]);
	if (rv == -1) {
		log_warn("keys: cannot reach key holder %ld",
		    (long)kh->kh_pid);
		close(sp[0]);
		return -1;
	}
	*holder = kh->kh_pid;
	return sp[0];
}

/* Closed sockets: each holder exits once its workers have gone. */
static void
holders_release(struct master *m, uint32_t before)
{
	unsigned	i;

	for (i = 0; i < KEYHOLDER_SLOTS; i++) {
		struct keyholder *kh = &m->m_keyholders[i];

		if (kh->kh_pid != 0 && kh->kh_sock != -1 &&
		    kh->kh_generation < before) {
			close(kh->kh_sock);
			kh->kh_sock = -1;
		}
	}
}

/* After a committed reload: holders of the new keys for the new
 * generation, before its workers start. */
void
keyholders_reload(struct master *m)
{
	holders_release(m, m->m_generation);
	m->m_keys_failures = 0;
	m->m_keys_holdoff = 0;
	keyholders_launch(m);
}

void
keyholders_shutdown(struct master *m)
{
	holders_release(m, UINT32_MAX);
}

void
keyholders_kill_all(struct master *m, int sig)
{
	unsigned	i;

	for (i = 0; i < KEYHOLDER_SLOTS; i++)
		if (m->m_keyholders[i].kh_pid != 0)
			kill(m->m_keyholders[i].kh_pid, sig);
}

unsigned
keyholders_alive(const struct master *m)
{
	unsigned	i, n = 0;

	for (i = 0; i < KEYHOLDER_SLOTS; i++)
		n += m->m_keyholders[i].kh_pid != 0;
	return n;
}

/* A child that is not a worker has exited; 1 if it was a key holder. */
int
keyholders_reaped(struct master *m, pid_t pid, int status)
{
	struct keyholder *kh = NULL;
	unsigned	 i, holdoff;
	time_t		 now = time(NULL);

	for (i = 0; i < KEYHOLDER_SLOTS && kh == NULL; i++)
		if (m->m_keyholders[i].kh_pid == pid && pid != 0)
			kh = &m->m_keyholders[i];
	if (kh == NULL)
		return 0;
	if (kh->kh_sock == -1 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0)
		log_debug("keys: key holder %ld of generation %u stopped",
		    (long)pid, kh->kh_generation);
	else {
		holdoff = child_holdoff(&m->m_keys_failures,
		    now - kh->kh_since, KEYS_STABLE, KEYS_HOLDOFF_MAX);
		m->m_keys_holdoff = now + holdoff;
		log_warnx("keys: key holder %ld %s; its workers stop after "
		    "their connections; a new holder starts in %u s",
		    (long)pid, child_status(status), holdoff);
		pool_stop_paired(m, pid);
	}
	if (kh->kh_sock != -1)
		close(kh->kh_sock);
	*kh = (struct keyholder){ .kh_pid = 0, .kh_sock = -1 };
	return 1;
}
