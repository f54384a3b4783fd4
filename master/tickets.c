/*
 * TLS session-ticket keys: the master makes them, so that every worker
 * encrypts tickets with the same key and a client resumes on any worker.
 * A new key every tls-ticket-rotation seconds; the previous one is kept
 * for decryption. They live in the master, not in a configuration, so a
 * reload keeps them. With tls-ticket-key-file the keys are the file's
 * (config_fleet.c), the same on every instance of a fleet, re-read at
 * each reload, and the operator rotates them (rpxctl ticket-key new).
 * Called from main.c's loop, reload.c and pool.c's setup.
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

/* The configuration's file keys; 0 when it has none. */
static int
tickets_from_file(struct master *m)
{
	const struct rpxd_conf	*c = m->m_conf;

	if (c->rc_nticket_keys == 0)
		return 0;
	memcpy(m->m_ticket_keys, c->rc_ticket_keys,
	    (size_t)c->rc_nticket_keys * TICKET_KEY_SIZE);
	m->m_nticket_keys = c->rc_nticket_keys;
	return 1;
}

void
tickets_init(struct master *m)
{
	if (tickets_from_file(m))
		return;
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
	for (i = 0; i < m->m_nslots; i++)
		(void)pool_send(m, i, IPC_TICKET_KEYS, &mb, 1);
	templates_broadcast(m, IPC_TICKET_KEYS, &mb, 0);
	explicit_bzero(mb.mb_data, mb.mb_len);
	msgbuf_free(&mb);
}

/*
 * After a reload: the new file's keys to every worker, old generations
 * included (their clients resume anywhere too); a configuration that
 * dropped the file goes back to keys of rpxd's own.
 */
void
tickets_reload(struct master *m, int had_file)
{
	if (tickets_from_file(m))
		log_info("tickets: %u key(s) from %s", m->m_nticket_keys,
		    m->m_conf->rc_ticket_key_file);
	else if (had_file)
		tickets_init(m);
	else
		return;
	tickets_send_all(m);
}

/* Once a second from the main loop. */
void
tickets_rotate(struct master *m)
{
	time_t	now = time(NULL);

	if (m->m_conf->rc_nticket_keys > 0 ||
	    now - m->m_ticket_rotated < (time_t)m->m_conf->rc_ticket_rotation)
		return;
	memcpy(m->m_ticket_keys[1], m->m_ticket_keys[0], TICKET_KEY_SIZE);
	tickets_new_key(m->m_ticket_keys[0]);
	m->m_nticket_keys = 2;
	m->m_ticket_rotated = now;
	log_info("tickets: new session-ticket key; the previous one still "
	    "decrypts");
	tickets_send_all(m);
}
