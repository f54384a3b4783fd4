/*
 * TLS session-ticket keys: the master makes them, so that every worker
 * encrypts tickets with the same key and a client resumes on any worker.
 * A new key every tls-ticket-rotation seconds; the previous one is kept
 * for decryption. They live in the master, not in a configuration, so a
 * reload keeps them. Called from main.c's loop and pool.c's setup.
 */
#include <sys/types.h>

#include <errno.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "ipc.h"
#include "log.h"
#include "master.h"

static void
tickets_new_key(unsigned char *key)
{
	if (RAND_bytes(key, TICKET_KEY_SIZE) != 1)
		fatalx("tickets: no random bytes for a ticket key");
}

void
tickets_init(struct master *m)
{
	tickets_new_key(m->m_ticket_keys[0]);
	m->m_nticket_keys = 1;
	m->m_ticket_rotated = time(NULL);
}

/* The payload of IPC_TICKET_KEYS: the current key first. */
void
tickets_encode(const struct master *m, struct msgbuf *mb)
{
	unsigned	i;

	msgbuf_put_u32(mb, m->m_nticket_keys);
	for (i = 0; i < m->m_nticket_keys; i++)
		msgbuf_put_bytes(mb, m->m_ticket_keys[i], TICKET_KEY_SIZE);
}

static void
tickets_send_all(struct master *m)
{
	struct msgbuf	mb;
	unsigned	i;

	msgbuf_init(&mb);
	tickets_encode(m, &mb);
	/* Droppable: a worker that misses it keeps issuing tickets under
	 * its current key, which the others still decrypt until the next
	 * rotation; at worst a client makes a full handshake. */
	for (i = 0; i < RPXD_MAX_WORKERS; i++)
		(void)pool_send(m, i, IPC_TICKET_KEYS, &mb, 1);
	explicit_bzero(mb.mb_data, mb.mb_len);
	msgbuf_free(&mb);
}

/* Once a second from the main loop. */
void
tickets_rotate(struct master *m)
{
	time_t	now = time(NULL);

	if (now - m->m_ticket_rotated < (time_t)m->m_conf->rc_ticket_rotation)
		return;
	memcpy(m->m_ticket_keys[1], m->m_ticket_keys[0], TICKET_KEY_SIZE);
	tickets_new_key(m->m_ticket_keys[0]);
	m->m_nticket_keys = 2;
	m->m_ticket_rotated = now;
	log_info("tickets: new session-ticket key; the previous one still "
	    "decrypts");
	tickets_send_all(m);
}
