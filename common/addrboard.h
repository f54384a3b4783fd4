/*
 * The address board: how many connections each client address holds, for
 * max-connections-per-address, and whether the pool is under pressure.
 * Each worker writes its client's address key into its own scoreboard
 * slot (struct slot_limits); every pool tick the master counts the keys
 * of all slots and publishes the counts in this shared map, which
 * workers map read-only at setup and read at accept
 * (worker/addr_limit.c, master/limits.c). A seqlock (ah_seq, odd while
 * the master writes) lets a reader see one whole table or retry.
 */
#ifndef RPXD_ADDRBOARD_H
#define RPXD_ADDRBOARD_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stdint.h>

/* A client address as the limit counts it: IPv4 by address (as the
 * v4-mapped IPv6 address ::ffff:a.b.c.d, so that a dual-stack listener
 * counts a client as an IPv4 one does), IPv6 by its /64 (the rest
 * zero), the prefix one subscriber or site gets. */
#define ADDR_KEY_SIZE	16

struct addr_key {
	uint8_t		 ak_bytes[ADDR_KEY_SIZE];
};

/* What a worker writes in its own scoreboard slot for the limits. Every
 * field is hostile to the master (master/limits.c reads each once). */
struct slot_limits {
	volatile uint32_t	 sl_key_set;	/* 1: sl_key is its client's */
	volatile uint8_t	 sl_key[ADDR_KEY_SIZE];
	volatile int64_t	 sl_accepted;	/* now_ms() of the accept */
	volatile uint32_t	 sl_wait;	/* SL_WAIT_*: what it waits for */
	volatile uint32_t	 sl_wait_seq;	/* one number per wait */
	volatile int64_t	 sl_wait_since;	/* now_ms() it began */
};

#define SL_WAIT_NONE		0	/* a request in flight, or none */
#define SL_WAIT_FIRST		1	/* a new connection before its first
					   whole request head: closed if its
					   address is over the limit */
#define SL_WAIT_KEEPALIVE	2	/* idle between two requests: closed
					   if over the limit, or under
					   pressure */
#define SL_WAIT_AUTH		3	/* idle, but in the middle of an
					   NTLM/Negotiate handshake: never
					   closed */

/* Why the limits closed a connection (IPC_LIMITED, IPC_CLOSE_WAIT,
 * rpxctl status). */
enum limit_reason {
	LIMIT_ADDRESS = 0,	/* over max-connections-per-address */
	LIMIT_HEAD = 1,		/* no head within pressure-head-timeout */
	LIMIT_IDLE = 2,		/* idle keep-alive closed under pressure */
	LIMIT_REASONS
};

/* IPC_LIMITED's payload: reason, key set, key, count (ipc.h). */
#define IPC_LIMITED_SIZE	(3 * 4 + ADDR_KEY_SIZE)

/* The shared map: this header, then ah_capacity entries. */
struct addrboard_head {
	volatile uint32_t	 ah_seq;	/* odd while being written */
	volatile uint32_t	 ah_capacity;	/* entries, a power of two */
	volatile uint32_t	 ah_pressure;	/* 1: the pool is under
						   pressure */
	volatile uint32_t	 ah_pad;
	volatile uint64_t	 ah_hash_key[2];	/* the table's hash */
};

struct addrboard_entry {
	volatile uint64_t	 ae_key[2];
	volatile uint32_t	 ae_count;	/* 0: an empty entry */
	volatile uint32_t	 ae_pad;
};

struct addrboard {
	int			 ab_fd;		/* read-write: the master's */
	int			 ab_rofd;	/* read-only: the workers' */
	size_t			 ab_size;
	unsigned		 ab_capacity;
	struct addrboard_head	*ab_head;
	struct addrboard_entry	*ab_entries;
};

/* The key of an address (AF_INET or AF_INET6): 0, or -1 for another
 * family (not counted, not limited). */
int	 addr_key_of(const struct sockaddr *sa, struct addr_key *key);
/* "192.0.2.7" or "2001:db8:1:2::/64"; out holds ADDR_KEY_TEXT bytes. */
#define ADDR_KEY_TEXT	64
void	 addr_key_text(const struct addr_key *key, char *out, size_t len);
/* SipHash-2-4 of the 16 key bytes under k (also for the unit tests). */
uint64_t addr_key_hash(const uint64_t k[2], const struct addr_key *key);

/* Entries for a pool of slots workers: a quarter of them used at most. */
unsigned addrboard_capacity(unsigned slots);
/* The master: a new board with a random hash key. 0, or -1 with errno. */
int	 addrboard_create(struct addrboard *ab, unsigned capacity);
/* A worker: map fd read-only and close it; capacity as the master said.
 * 0, or -1 with errno. */
int	 addrboard_attach(struct addrboard *ab, int fd, unsigned capacity);
void	 addrboard_close(struct addrboard *ab);

/*
 * A table of counts in the board's layout, in the master's own memory:
 * it is built here, then published whole. Insertion is bounded by the
 * capacity; each used index is listed so that clearing and publishing
 * cost what is used, not the capacity.
 */
struct addr_table {
	unsigned		 at_capacity;
	uint64_t		 at_hash_key[2];
	struct addrboard_entry	*at_entries;
	unsigned		*at_used;	/* indexes in use */
	unsigned		 at_nused;
};

int	 addr_table_init(struct addr_table *t, unsigned capacity,
	    const uint64_t hash_key[2]);
void	 addr_table_free(struct addr_table *t);
void	 addr_table_clear(struct addr_table *t);
/* One more connection of key: its count now, or 0 if the table is full. */
uint32_t addr_table_add(struct addr_table *t, const struct addr_key *key);
uint32_t addr_table_count(const struct addr_table *t,
	    const struct addr_key *key);
/*
 * Make the board hold t (and the pressure flag): entries of the last
 * table published (last, or NULL) are cleared and t's written, inside
 * the seqlock.
 */
void	 addrboard_publish(struct addrboard *ab, const struct addr_table *t,
	    const struct addr_table *last, int pressure);

/*
 * A reader's look-up: *count of key's connections and *pressure as of
 * the master's last tick. 0, or -1 when no consistent table could be
 * read within a few tries (the master was stopped while writing).
 */
int	 addrboard_lookup(const struct addrboard *ab, const struct addr_key *key,
	    uint32_t *count, int *pressure);
/* The pressure flag alone (a single word: no seqlock needed). */
int	 addrboard_pressure(const struct addrboard *ab);

#endif
