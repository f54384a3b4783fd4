/*
 * The privileged parent's state and the entry points of its parts:
 * listeners.c binds, pool.c spawns and sizes the worker pool, health.c
 * runs the health checker, keyholders.c the key holders, reload.c swaps configurations, signals.c turns
 * signals into events for main.c.
 */
#ifndef RPXD_MASTER_H
#define RPXD_MASTER_H

#include <sys/types.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>

#include "childlog.h"
#include "config.h"
#include "control.h"
#include "healthboard.h"
#include "ipc.h"
#include "ipc_reader.h"
#include "pidmap.h"
#include "scoreboard.h"

/* The master's view of one worker; indexed like the scoreboard slots. */
struct worker {
	pid_t		 wk_pid;		/* 0: not running (yet) */
	int		 wk_pending;		/* asked of a template, no pid
						   yet: the slot is taken */
	int		 wk_template;		/* its template's index */
	int		 wk_log;		/* its childlog slot (-d), -1 */
	int		 wk_sock;		/* our end of its socketpair */
	uint32_t	 wk_generation;
	int		 wk_stopping;		/* IPC_STOP sent */
	int		 wk_was_ready;		/* reached WS_IDLE once */
	int		 wk_eof;		/* its socket is closed */
	pid_t		 wk_keyholder;		/* its key channel's, or 0 */
	struct ipc_reader wk_in;		/* what it sends us */
};

#define KEYHOLDERS_MAX	64	/* of one generation */
#define KEYHOLDER_SLOTS	256	/* of all generations still running */

/* A key holder process (rpxd-keys). */
struct keyholder {
	pid_t		 kh_pid;		/* 0: slot free */
	int		 kh_sock;		/* -1 once released */
	uint32_t	 kh_generation;
	unsigned	 kh_index;		/* within its generation */
	time_t		 kh_since;
};

#define HEALTH_OLD_MAX	4	/* stopped checkers not yet reaped */

#define TEMPLATES_MAX	64	/* the generation's and those finishing */

/* The template of a generation (rpxd-worker): forks its workers. */
struct template_proc {
	pid_t		 tp_pid;		/* 0: none */
	int		 tp_sock;		/* -1 once closed */
	uint32_t	 tp_generation;
	int		 tp_stopping;		/* IPC_STOP sent */
	int		 tp_eof;
	unsigned	 tp_pending;		/* spawns not yet answered */
	time_t		 tp_since;
	struct ipc_reader tp_in;		/* what it sends us */
};

/* A health checker process (rpxd-health). */
struct health_proc {
	pid_t		 hp_pid;		/* 0: none */
	int		 hp_sock;		/* our end; -1 once closed */
	time_t		 hp_since;		/* started, or told to stop */
	struct ipc_reader hp_in;		/* what it sends us */
};

struct master {
	const char		*m_conf_file;
	const char		*m_worker_path;
	int			 m_foreground;
	struct rpxd_conf	*m_conf;	/* the running configuration */
	int			*m_listen_fds;	/* one per m_conf listener */
	uint32_t		 m_generation;
	struct scoreboard	 m_sb;
	struct healthboard	 m_hb;		/* of m_conf's servers */
	unsigned char		 m_hash_key[HB_KEY_SIZE];	/* balance =
					   source and cookies; kept across
					   reloads */
	struct worker		*m_workers;	/* m_nslots of them */
	unsigned		 m_nslots;	/* the scoreboard's */
	unsigned		 m_slot_hint;	/* where a free one may be */
	struct pidmap		 m_pids;	/* worker pid -> slot */
	/* the templates (template.c) */
	struct template_proc	 m_templates[TEMPLATES_MAX];
	int			 m_template;	/* the generation's, or -1 */
	unsigned		 m_template_failures;	/* died young, in a
							   row */
	time_t			 m_template_holdoff;
	/* pool arithmetic */
	unsigned		 m_waiting;	/* in the listen queues, as
						   last seen (backlog.c) */
	unsigned		 m_start_failures;	/* in a row */
	time_t			 m_spawn_holdoff;	/* no spawn before */
	time_t			 m_last_retire;	/* an extra idle worker */
	time_t			 m_max_logged;	/* "max-workers reached" */
	/* the health checker (health.c) */
	char			 m_health_path[RPXD_FILE_MAX];
	struct health_proc	 m_health;	/* of m_conf; pid 0: none */
	struct health_proc	 m_health_old[HEALTH_OLD_MAX];	/* stopping */
	unsigned		 m_health_failures;	/* short runs in a row */
	time_t			 m_health_holdoff;	/* no start before */
	/* the key holders (keyholders.c) */
	char			 m_keys_path[RPXD_FILE_MAX];
	struct keyholder	 m_keyholders[KEYHOLDER_SLOTS];
	unsigned		 m_keys_next;	/* the next to pair */
	unsigned		 m_keys_failures;	/* short runs in a row */
	time_t			 m_keys_holdoff;	/* no start before */
	/* TLS session-ticket keys, kept across reloads (tickets.c) */
	unsigned char		 m_ticket_keys[TICKET_KEYS_MAX][TICKET_KEY_SIZE];
	unsigned		 m_nticket_keys;
	time_t			 m_ticket_rotated;
	/* the control socket (control.c) */
	int			 m_ctl_fd;	/* -1: none */
	char			 m_ctl_path[RPXD_SOCKET_PATH_MAX];
	struct control_conn	 m_ctl[CONTROL_CONNS_MAX];
	time_t			 m_started;
	/* OCSP responses (ocsp.c) */
	struct ocsp_slot	*m_ocsp;	/* one per certificate with one */
	unsigned		 m_nocsp;
	/* binary upgrade (upgrade.c) */
	char			 m_self_path[RPXD_FILE_MAX];
	/* shutdown */
	int			 m_stopping;
	time_t			 m_stop_deadline;
};

/* listeners.c */
int	*listeners_bind(const struct rpxd_conf *conf,
	    const struct rpxd_conf *old, int *old_fds, char *err,
	    size_t errlen);
void	 listeners_close(int *fds, unsigned n);
void	 listener_defer(int fd, const struct listener_conf *ls,
	    unsigned secs);
int	 listener_bind(const struct listener_conf *ls, char *err,
	    size_t errlen);

/* upgrade.c */
void	 upgrade_init(struct master *m, const char *argv0);
int	 upgrade_prepare(struct master *m, struct strbuf *out);
void	 upgrade_exec(struct master *m);	/* returns only on failure */
int	*upgrade_adopt(const struct rpxd_conf *conf, uint32_t *generation,
	    unsigned char hash_key[HB_KEY_SIZE]);

/* programs.c: the worker, key holder and health checker programs are
 * executable files; -1 with err naming the path and why. */
int	 programs_check(const struct master *m, char *err, size_t len);

/* pool.c */
void	 pool_init(struct master *m);
int	 pool_spawn(struct master *m);
void	 pool_maintain(struct master *m);
void	 pool_reap(struct master *m);
void	 pool_stop_generation_before(struct master *m, uint32_t generation);
void	 pool_stop_all(struct master *m);
void	 pool_kill_all(struct master *m, int sig);
void	 pool_check_orphans(struct master *m);
unsigned pool_count_alive(const struct master *m);
void	 pool_dispatch(struct master *m, unsigned slot);
int	 pool_send(struct master *m, unsigned slot, uint32_t type,
	    const struct msgbuf *mb, int droppable);
int64_t	 pool_expire(struct master *m, int64_t now);
int	 child_nonblock(int sock);
void	 pool_stop_paired(struct master *m, pid_t keyholder);
void	 child_path(const struct master *m, const char *name, char *path,
	    size_t len);
int	 child_send_config(const struct master *m, int sock);
int	 child_send_board(const struct master *m, int sock, int fd,
	    const unsigned char key[HB_KEY_SIZE]);
void	 child_exec(const struct master *m, const char *path,
	    const char *name, int sock) __attribute__((noreturn));

/* template.c: each generation's template, which forks its workers */
void	 templates_init(struct master *m);
void	 template_launch(struct master *m);
void	 templates_maintain(struct master *m);
struct template_proc *template_current(struct master *m);
void	 template_stop_before(struct master *m, uint32_t generation);
void	 templates_kill_all(struct master *m, int sig);
unsigned templates_alive(const struct master *m);
int	 template_reaped(struct master *m, pid_t pid, int status);
void	 template_dispatch(struct master *m, unsigned idx);
int64_t	 templates_expire(struct master *m, int64_t now);
void	 templates_broadcast(struct master *m, uint32_t type,
	    const struct msgbuf *mb, int current_only);
nfds_t	 templates_pollfds(struct master *m, struct pollfd *pfd,
	    unsigned *idx, nfds_t max);
int	 template_send_setup(struct master *m, int sock);

/* pool.c, for template.c */
int	 pool_resize(struct master *m, unsigned max_workers);
void	 pool_spawned(struct master *m, unsigned tidx, unsigned slot,
	    pid_t pid);
int	 pool_template_reaped(struct master *m, unsigned tidx, unsigned slot,
	    pid_t pid, int status);
void	 pool_template_gone(struct master *m, unsigned tidx);

/* watch_epoll.c or watch_poll.c: descriptors to read, in sets the loop
 * polls as one descriptor each */
enum watch_set {
	WATCH_WORKERS,		/* the workers' sockets (pool.c) */
	WATCH_PIPES,		/* the children's stderr (childlog.c) */
	WATCH_SETS
};
int	 watch_init(enum watch_set set);	/* a descriptor for the loop's
				   poll, or -1: the loop polls each itself */
int	 watch_add(enum watch_set set, int fd, unsigned slot);
void	 watch_del(enum watch_set set, int fd);
unsigned watch_ready(enum watch_set set, unsigned *slots, unsigned max);

/* capacity.c: what max-workers needs of the machine, checked at load */
#define CAPACITY_BASE_FDS	512	/* the master's besides one per worker:
					   listeners, other children, the
					   control socket and its clients */
int	 capacity_check(const struct rpxd_conf *conf, int foreground,
	    char *err, size_t len);
void	 capacity_raise_nofile(const struct rpxd_conf *conf, int foreground);

/* board_read.c: what status reads from shared maps, made safe */
#define BOARD_TEXT_SIZE(n)	(4 * (n) + 1)
long long board_time(int64_t t, int64_t now);
long long board_age(int64_t now, int64_t since);
long long board_count(uint64_t v);
unsigned long long board_add(unsigned long long a, uint64_t b);
void	 board_string(const volatile char *field, size_t len, char *out);
void	 board_text(const char *s, char *out, size_t outlen);

/* board.c: the health board's counts, turns and hold-offs */
void	 board_sum(struct master *m);
void	 board_worker_gone(struct master *m, unsigned slot);
int	 board_dispatch(struct master *m, unsigned slot, struct ipc_msg *msg);

/* health.c */
int	 health_needed(const struct rpxd_conf *conf);
void	 health_init(struct master *m);
void	 health_launch(struct master *m);
void	 health_maintain(struct master *m);
void	 health_reload(struct master *m);
void	 health_shutdown(struct master *m);
void	 health_kill_all(struct master *m, int sig);
int	 health_alive(const struct master *m);
void	 health_reaped(struct master *m, pid_t pid, int status);
void	 health_dispatch(struct master *m);
int64_t	 health_expire(struct master *m, int64_t now);
void	 health_send_level(struct master *m, const struct msgbuf *mb);

/* keyholders.c */
unsigned keyholders_wanted(const struct rpxd_conf *conf);
void	 keyholders_init(struct master *m);
void	 keyholders_launch(struct master *m);
int	 keyholders_needed(const struct master *m);
int	 keyholders_ready(struct master *m);
int	 keyholders_pair(struct master *m, pid_t worker, pid_t *holder);
void	 keyholders_reload(struct master *m);
void	 keyholders_shutdown(struct master *m);
void	 keyholders_kill_all(struct master *m, int sig);
unsigned keyholders_alive(const struct master *m);
int	 keyholders_reaped(struct master *m, pid_t pid, int status);
int	 keys_send_all(const struct rpxd_conf *conf, int sock);

/* tickets.c */
struct msgbuf;
void	 tickets_init(struct master *m);
void	 tickets_encode(const struct master *m, struct msgbuf *mb);
void	 tickets_rotate(struct master *m);
/* The master's loop looks at the pool this often (pool_maintain). */
#define POOL_TICK_MS	100

/* backlog.c: connections waiting in the listeners' accept queues */
unsigned listeners_waiting(const struct master *m);
unsigned listener_queue(int fd);	/* one listener's (metrics) */
void	 tickets_reload(struct master *m, int had_file);

/* ntlm_check.c: IPC_NTLM_CHALLENGE and IPC_NTLM_CHECK (-1: kill the
 * worker); the tick sends the delayed refusals that are due. */
int	 ntlm_dispatch(struct master *m, unsigned slot, struct ipc_msg *msg);
void	 ntlm_check_tick(struct master *m);

/* epcheck.c: the Extended Protection warning */
int	 ep_needed(const struct rpxd_conf *conf);
void	 ep_setup(struct master *m);
void	 ep_maintain(struct master *m);
int	 ep_control(struct master *m, struct strbuf *out);
time_t	 ep_round_deadline(void);
int	 ep_answer(struct master *m, struct msgbuf *mb);

/* ocsp.c */
void	 ocsp_setup(struct master *m);
void	 ocsp_maintain(struct master *m);
int	 ocsp_fetching(const struct rpxd_conf *conf);
int	 ocsp_answer(struct master *m, struct msgbuf *mb);

/* reload.c: 0, or -1 when the running configuration stays; what it
 * says is logged and, with out, added there too. */
int	 reload(struct master *m, struct strbuf *out);

/* shutdown.c */
void	 master_shutdown_begin(struct master *m);

/* signals.c */
enum signal_event {
	MSIG_NONE = 0, MSIG_RELOAD, MSIG_STOP, MSIG_CHILD, MSIG_UPGRADE
};
int	 signals_init(void);		/* returns the fd to poll */
enum signal_event signals_next(void);	/* drains one event */
void	 signals_reset_child(void);	/* in a forked child */

/* limits.c and pressure.c: max-connections-per-address and pressure
 * mode, from one census of the scoreboard every pool tick */
void	 limits_init(struct master *m);
int	 limits_send_setup(const struct master *m, int sock);
void	 limits_tick(struct master *m);
int	 limits_dispatch(struct master *m, unsigned slot, struct ipc_msg *msg);
void	 limits_status_text(struct master *m, struct strbuf *out);
void	 limits_status_json(struct master *m, struct json *js);
void	 pressure_status_text(const struct master *m, struct strbuf *out);
void	 pressure_status_json(const struct master *m, struct json *js);

/* pidfile.c */
int	 pidfile_create(const char *path);
void	 pidfile_remove(const char *path);

#endif
