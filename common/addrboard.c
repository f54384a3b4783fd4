/*
 * The address board (addrboard.h): address keys, the master's private
 * count table, and the shared map it is published in under a seqlock.
 * Linked by the master (master/limits.c), the workers
 * (worker/addr_limit.c) and the unit tests.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "addrboard.h"
#include "scoreboard.h"

#define CAPACITY_MIN	64
#define CAPACITY_MAX	(1u << 24)
/* A reader that finds the master writing waits a millisecond and looks
 * again; the master writes for microseconds every 100 ms, so only a
 * master stopped in the middle makes a reader give up. */
#define LOOKUP_TRIES	20

int
addr_key_of(const struct sockaddr *sa, struct addr_key *key)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	memset(key, 0, sizeof(*key));
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		key->ak_bytes[10] = key->ak_bytes[11] = 0xff;
		memcpy(&key->ak_bytes[12], &sin->sin_addr, 4);
		return 0;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			/* An IPv4 client of a dual-stack listener. */
			memcpy(key->ak_bytes, &sin6->sin6_addr, 16);
			return 0;
		}
		memcpy(key->ak_bytes, &sin6->sin6_addr, 8);
		return 0;
	default:
		return -1;
	}
}

/* A v4-mapped key is an IPv4 address; any other is an IPv6 /64 (whose
 * last 8 bytes are zero, so the two never meet). */
void
addr_key_text(const struct addr_key *key, char *out, size_t len)
{
	static const uint8_t	mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };
	char			buf[INET6_ADDRSTRLEN];

	if (len == 0)
		return;
	if (memcmp(key->ak_bytes, mapped, sizeof(mapped)) == 0) {
		if (inet_ntop(AF_INET, &key->ak_bytes[12], buf,
		    sizeof(buf)) == NULL)
			snprintf(buf, sizeof(buf), "?");
		snprintf(out, len, "%s", buf);
		return;
	}
	if (inet_ntop(AF_INET6, key->ak_bytes, buf, sizeof(buf)) == NULL)
		snprintf(buf, sizeof(buf), "?");
	snprintf(out, len, "%s/64", buf);
}

/* SipHash-2-4 (Aumasson and Bernstein) of exactly 16 bytes: clients
 * choose their IPv6 prefixes, so the table's hash is keyed. */
#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static uint64_t
le64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t
addr_key_hash(const uint64_t k[2], const struct addr_key *key)
{
	uint64_t	v0 = k[0] ^ 0x736f6d6570736575ULL;
	uint64_t	v1 = k[1] ^ 0x646f72616e646f6dULL;
	uint64_t	v2 = k[0] ^ 0x6c7967656e657261ULL;
	uint64_t	v3 = k[1] ^ 0x7465646279746573ULL;
	uint64_t	m;
	int		i;

	for (i = 0; i < 2; i++) {
		m = le64(key->ak_bytes + 8 * i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	m = (uint64_t)ADDR_KEY_SIZE << 56;	/* the length, no tail */
	v3 ^= m;
	SIPROUND;
	SIPROUND;
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

unsigned
addrboard_capacity(unsigned slots)
{
	unsigned	c = CAPACITY_MIN;

	while (c < CAPACITY_MAX && c / 4 < slots)
		c *= 2;
	return c;
}

static size_t
board_size(unsigned capacity)
{
	return sizeof(struct addrboard_head) +
	    (size_t)capacity * sizeof(struct addrboard_entry);
}

static int
board_map(struct addrboard *ab, int fd, int prot)
{
	void	*p = mmap(NULL, ab->ab_size, prot, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -1;
	ab->ab_head = p;
	ab->ab_entries = (struct addrboard_entry *)(void *)
	    ((char *)p + sizeof(struct addrboard_head));
	return 0;
}

static int
capacity_ok(unsigned capacity)
{
	return capacity >= CAPACITY_MIN && capacity <= CAPACITY_MAX &&
	    (capacity & (capacity - 1)) == 0;
}

int
addrboard_create(struct addrboard *ab, unsigned capacity)
{
	uint64_t	hk[2];

	memset(ab, 0, sizeof(*ab));
	ab->ab_fd = ab->ab_rofd = -1;
	if (!capacity_ok(capacity)) {
		errno = EINVAL;
		return -1;
	}
	ab->ab_capacity = capacity;
	ab->ab_size = board_size(capacity);
	if (RAND_bytes((unsigned char *)hk, sizeof(hk)) != 1) {
		errno = EIO;
		return -1;
	}
	if (shared_anon_pair("rpxd-addr", &ab->ab_fd, &ab->ab_rofd) == -1)
		return -1;
	if (ftruncate(ab->ab_fd, (off_t)ab->ab_size) == -1 ||
	    board_map(ab, ab->ab_fd, PROT_READ | PROT_WRITE) == -1) {
		addrboard_close(ab);
		return -1;
	}
	ab->ab_head->ah_capacity = capacity;
	ab->ab_head->ah_hash_key[0] = hk[0];
	ab->ab_head->ah_hash_key[1] = hk[1];
	return 0;
}

/* Like the health board's: no descriptor is kept, so the map cannot be
 * made again, and never writable (the descriptor is read-only). */
int
addrboard_attach(struct addrboard *ab, int fd, unsigned capacity)
{
	struct stat	st;
	int		rv = -1;

	memset(ab, 0, sizeof(*ab));
	ab->ab_fd = ab->ab_rofd = -1;
	if (!capacity_ok(capacity)) {
		errno = EINVAL;
		goto done;
	}
	ab->ab_capacity = capacity;
	ab->ab_size = board_size(capacity);
	if (fstat(fd, &st) == -1)
		goto done;
	if ((size_t)st.st_size != ab->ab_size) {
		errno = EINVAL;
		goto done;
	}
	if (board_map(ab, fd, PROT_READ) == -1)
		goto done;
	if (ab->ab_head->ah_capacity != capacity) {
		addrboard_close(ab);
		errno = EINVAL;
		goto done;
	}
	rv = 0;
done:
	close(fd);
	return rv;
}

void
addrboard_close(struct addrboard *ab)
{
	if (ab->ab_head != NULL)
		munmap(ab->ab_head, ab->ab_size);
	if (ab->ab_fd != -1)
		close(ab->ab_fd);
	if (ab->ab_rofd != -1)
		close(ab->ab_rofd);
	ab->ab_head = NULL;
	ab->ab_entries = NULL;
	ab->ab_fd = ab->ab_rofd = -1;
}

int
addr_table_init(struct addr_table *t, unsigned capacity,
    const uint64_t hash_key[2])
{
	memset(t, 0, sizeof(*t));
	if (!capacity_ok(capacity)) {
		errno = EINVAL;
		return -1;
	}
	t->at_capacity = capacity;
	t->at_hash_key[0] = hash_key[0];
	t->at_hash_key[1] = hash_key[1];
	t->at_entries = calloc(capacity, sizeof(*t->at_entries));
	t->at_used = calloc(capacity, sizeof(*t->at_used));
	if (t->at_entries == NULL || t->at_used == NULL) {
		addr_table_free(t);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
addr_table_free(struct addr_table *t)
{
	free(t->at_entries);
	free(t->at_used);
	memset(t, 0, sizeof(*t));
}

void
addr_table_clear(struct addr_table *t)
{
	unsigned	i;

	for (i = 0; i < t->at_nused; i++) {
		struct addrboard_entry *e = &t->at_entries[t->at_used[i]];

		e->ae_key[0] = e->ae_key[1] = 0;
		e->ae_count = 0;
	}
	t->at_nused = 0;
}

static void
key_words(const struct addr_key *key, uint64_t w[2])
{
	memcpy(w, key->ak_bytes, ADDR_KEY_SIZE);
}

/* Linear probing from the keyed hash; never more than the capacity. */
uint32_t
addr_table_add(struct addr_table *t, const struct addr_key *key)
{
	unsigned	mask = t->at_capacity - 1, i, n;
	uint64_t	w[2];

	if (t->at_capacity == 0 || t->at_nused >= t->at_capacity / 2)
		return 0;
	key_words(key, w);
	i = (unsigned)addr_key_hash(t->at_hash_key, key) & mask;
	for (n = 0; n < t->at_capacity; n++, i = (i + 1) & mask) {
		struct addrboard_entry *e = &t->at_entries[i];

		if (e->ae_count == 0) {
			e->ae_key[0] = w[0];
			e->ae_key[1] = w[1];
			e->ae_count = 1;
			t->at_used[t->at_nused++] = i;
			return 1;
		}
		if (e->ae_key[0] == w[0] && e->ae_key[1] == w[1]) {
			if (e->ae_count < UINT32_MAX)
				e->ae_count++;
			return e->ae_count;
		}
	}
	return 0;
}

/* The probe of a table or the board: the count of key, 0 if absent. */
static uint32_t
probe(const struct addrboard_entry *entries, unsigned capacity,
    const uint64_t hash_key[2], const struct addr_key *key)
{
	unsigned	mask = capacity - 1, i, n;
	uint64_t	w[2];
	uint32_t	c;

	if (capacity == 0)
		return 0;
	key_words(key, w);
	i = (unsigned)addr_key_hash(hash_key, key) & mask;
	for (n = 0; n < capacity; n++, i = (i + 1) & mask) {
		const struct addrboard_entry *e = &entries[i];

		if ((c = __atomic_load_n(&e->ae_count, __ATOMIC_RELAXED)) == 0)
			return 0;
		if (__atomic_load_n(&e->ae_key[0], __ATOMIC_RELAXED) == w[0] &&
		    __atomic_load_n(&e->ae_key[1], __ATOMIC_RELAXED) == w[1])
			return c;
	}
	return 0;
}

uint32_t
addr_table_count(const struct addr_table *t, const struct addr_key *key)
{
	return probe(t->at_entries, t->at_capacity, t->at_hash_key, key);
}

static void
entry_store(struct addrboard_entry *to, const struct addrboard_entry *from)
{
	__atomic_store_n(&to->ae_key[0], from->ae_key[0], __ATOMIC_RELAXED);
	__atomic_store_n(&to->ae_key[1], from->ae_key[1], __ATOMIC_RELAXED);
	__atomic_store_n(&to->ae_count, from->ae_count, __ATOMIC_RELAXED);
}

/*
 * The seqlock's writer side: the sequence goes odd, then a release fence
 * orders it before the entries; after them, the even sequence is
 * stored with release. Both tables share the board's capacity and hash,
 * so an index means the same place in all three.
 */
void
addrboard_publish(struct addrboard *ab, const struct addr_table *t,
    const struct addr_table *last, int pressure)
{
	static const struct addrboard_entry	empty;
	uint32_t				seq;
	unsigned				i;

	if (ab->ab_head == NULL || t->at_capacity != ab->ab_capacity ||
	    (last != NULL && last->at_capacity != ab->ab_capacity))
		return;
	seq = __atomic_load_n(&ab->ab_head->ah_seq, __ATOMIC_RELAXED);
	__atomic_store_n(&ab->ab_head->ah_seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (i = 0; last != NULL && i < last->at_nused; i++)
		entry_store(&ab->ab_entries[last->at_used[i]], &empty);
	for (i = 0; i < t->at_nused; i++)
		entry_store(&ab->ab_entries[t->at_used[i]],
		    &t->at_entries[t->at_used[i]]);
	__atomic_store_n(&ab->ab_head->ah_pressure, pressure ? 1 : 0,
	    __ATOMIC_RELAXED);
	__atomic_store_n(&ab->ab_head->ah_seq, seq + 2, __ATOMIC_RELEASE);
}

int
addrboard_lookup(const struct addrboard *ab, const struct addr_key *key,
    uint32_t *count, int *pressure)
{
	uint64_t	hk[2];
	uint32_t	s1, s2, c;
	int		tries, p;

	*count = 0;
	*pressure = 0;
	if (ab->ab_head == NULL)
		return -1;
	hk[0] = ab->ab_head->ah_hash_key[0];
	hk[1] = ab->ab_head->ah_hash_key[1];
	for (tries = 0; tries < LOOKUP_TRIES; tries++) {
		s1 = __atomic_load_n(&ab->ab_head->ah_seq, __ATOMIC_ACQUIRE);
		if (s1 & 1) {
			(void)poll(NULL, 0, 1);
			continue;
		}
		c = probe(ab->ab_entries, ab->ab_capacity, hk, key);
		p = (int)__atomic_load_n(&ab->ab_head->ah_pressure,
		    __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = __atomic_load_n(&ab->ab_head->ah_seq, __ATOMIC_RELAXED);
		if (s1 == s2) {
			*count = c;
			*pressure = p != 0;
			return 0;
		}
	}
	return -1;
}

int
addrboard_pressure(const struct addrboard *ab)
{
	if (ab->ab_head == NULL)
		return 0;
	return __atomic_load_n(&ab->ab_head->ah_pressure,
	    __ATOMIC_RELAXED) != 0;
}
