/*
 * rpxd-keys, the key holder: the private keys it was given (held.c), the
 * signatures it makes with them for workers (sign.c), its service loop
 * (serve.c), its wait for work (ready_epoll.c or ready_poll.c) and its
 * share of the CPU (priority.c).
 */
#ifndef RPXD_KEYS_H
#define RPXD_KEYS_H

#include "config.h"
#include "keyproto.h"
#include "msgbuf.h"

/* held.c: IPC_TLS_KEY from the master; 0 or -1. */
int	 held_add(const struct rpxd_conf *conf, struct msgbuf *mb);
EVP_PKEY *held_find(const unsigned char id[KEY_ID_SIZE]);
unsigned held_count(void);

/* sign.c: the answer to one request; never fails, ka says why. */
void	 sign_request(const struct key_request *kr, struct key_answer *ka);
/* sign.c: whether em is a PSS encoding under md with salt = digest size,
 * for a key of bits bits (exposed for the unit tests). */
int	 sign_pss_block_ok(int bits, const EVP_MD *md,
	    const unsigned char *em, size_t len);

/* A holder serves at most every worker slot; slot KEYS_CLIENTS_MAX is
 * the master's socket. */
#define KEYS_CLIENTS_MAX	RPXD_MAX_WORKERS
#define KEYS_SPARE_FDS		16	/* beyond one channel per worker */
#define READY_MASTER		KEYS_CLIENTS_MAX
#define READY_SLOTS		(KEYS_CLIENTS_MAX + 1)

/* priority.c: priority_init while still root, before privdrop; then
 * priority_follow with the number of workers waiting, for each batch.
 * priority_nice: the nice value for that many waiting workers, from
 * start down to no lower than bottom (exposed for the unit tests). */
void	 priority_init(void);
void	 priority_follow(unsigned waiting);
int	 priority_nice(unsigned waiting, int start, int bottom);

/* serve.c: answer the workers whose channels the master hands over on
 * ipc, until the master has closed ipc and the last worker has gone. */
void	 serve(int ipc);

/*
 * ready_epoll.c (Linux) or ready_poll.c (elsewhere): which of the
 * registered descriptors, each under a slot < READY_SLOTS, is readable
 * or hung up. ready_init before the sandbox; 0 or -1. ready_wait blocks,
 * writes up to max ready slots and returns their count, 0 when a signal
 * interrupted it, -1 on an error.
 */
int	 ready_init(void);
int	 ready_add(int fd, unsigned slot);
void	 ready_remove(int fd, unsigned slot);
int	 ready_wait(unsigned *slots, unsigned max);

#endif
