/*
 * OpenSSL's allocations in the template of a generation (worker.c installs
 * this before OpenSSL's first one, child_setup turns it off in each
 * worker). Most of what the template builds, workers only read; a few
 * kinds of objects they write at every handshake: locks taken, reference
 * counts of fetched methods, keys and contexts moved up and down, the
 * random generators reseeded after the fork, the error state. Spread over
 * the heap among the rest, each such write copies a page of the
 * template's: about 40 pages (160 KiB) per worker holding a TLS
 * connection re-encrypted to a TLS backend. Here the template allocates
 * those kinds, told apart by the source file OpenSSL names for each
 * allocation, packed into an arena of their own, so that the writes fall
 * into a few pages; everything else, and everything a worker allocates,
 * comes from malloc. A file this list does not know (another OpenSSL
 * version) only means that object is allocated with malloc, as before.
 */
#include <sys/mman.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "log.h"
#include "tls.h"

#define ARENA_RESERVE	(8u << 20)	/* address space; pages are used
					   as objects fill them */
#define ARENA_ALIGN	16
#define ARENA_HDR	16		/* the block's size, keeping the
					   alignment */
#define ARENA_OBJ_MAX	4096		/* larger ones come from malloc */
#define ARENA_CLASSES	(ARENA_OBJ_MAX / ARENA_ALIGN)

/*
 * OpenSSL 3's source files whose objects a worker writes (found with
 * bench/worker_pages.py and a record of the template's allocations; see
 * bench/README.md, memory per worker).
 */
static const char *const hot_files[] = {
	"threads_pthread.c",	/* every lock (CRYPTO_THREAD_lock_new) */
	"drbg.c", "drbg_ctr.c", "evp_rand.c",	/* the random generators, */
	"cipher_aes.c", "evp_enc.c",	/* their AES contexts; the EVP_CIPHERs
					   fetched, reference-counted */
	"digest.c", "keymgmt_meth.c", "decoder_meth.c", "signature.c",
	"exchange.c", "kdf_meth.c", "mac_meth.c",	/* fetched methods */
	"provider_core.c",	/* the providers */
	"ssl_lib.c",		/* SSL_CTX: references, statistics */
	"p_lib.c", "rsa_lib.c", "ec_key.c", "ecx_key.c",	/* keys */
	"err.c",		/* the error state */
};

struct arena {
	char	*a_base;
	size_t	 a_used;
	void	*a_free[ARENA_CLASSES];	/* freed blocks by size class */
	int	 a_on;
};

static struct arena	arena;

static int
is_hot(const char *file)
{
	const char	*base;
	size_t		 i;

	if (file == NULL)
		return 0;
	base = strrchr(file, '/');
	base = base != NULL ? base + 1 : file;
	for (i = 0; i < sizeof(hot_files) / sizeof(hot_files[0]); i++)
		if (strcmp(base, hot_files[i]) == 0)
			return 1;
	return 0;
}

static int
in_arena(const void *p)
{
	return arena.a_base != NULL && (const char *)p >= arena.a_base &&
	    (const char *)p < arena.a_base + ARENA_RESERVE;
}

static size_t
block_size(const void *p)
{
	size_t	size;

	memcpy(&size, (const char *)p - ARENA_HDR, sizeof(size));
	return size;
}

/* A block of class size from the arena, or NULL: the caller uses malloc. */
static void *
arena_take(size_t num)
{
	size_t	 size = (num + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	size_t	 cls;
	char	*p;

	if (num == 0 || num > ARENA_OBJ_MAX)
		return NULL;
	cls = size / ARENA_ALIGN - 1;
	if ((p = arena.a_free[cls]) != NULL) {
		memcpy(&arena.a_free[cls], p, sizeof(void *));
		return p;
	}
	if (arena.a_base == NULL) {
		p = mmap(NULL, ARENA_RESERVE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED) {
			arena.a_on = 0;
			return NULL;
		}
		arena.a_base = p;
	}
	if (ARENA_RESERVE - arena.a_used < ARENA_HDR + size)
		return NULL;
	p = arena.a_base + arena.a_used + ARENA_HDR;
	memcpy(p - ARENA_HDR, &size, sizeof(size));
	arena.a_used += ARENA_HDR + size;
	return p;
}

/* In the template a block is kept for the next of its class; in a worker
 * it is left as it is, since writing it would copy its page. */
static void
arena_give(void *p)
{
	size_t	cls = block_size(p) / ARENA_ALIGN - 1;

	if (!arena.a_on)
		return;
	memcpy(p, &arena.a_free[cls], sizeof(void *));
	arena.a_free[cls] = p;
}

static void *
hook_malloc(size_t num, const char *file, int line)
{
	void	*p;

	(void)line;
	if (arena.a_on && is_hot(file) && (p = arena_take(num)) != NULL)
		return p;
	return malloc(num);
}

static void
hook_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	if (in_arena(p))
		arena_give(p);
	else
		free(p);
}

static void *
hook_realloc(void *p, size_t num, const char *file, int line)
{
	size_t	 old;
	void	*n;

	if (!in_arena(p))
		return realloc(p, num);
	if (num == 0) {
		arena_give(p);
		return NULL;
	}
	old = block_size(p);
	if (num <= old)
		return p;
	if ((n = hook_malloc(num, file, line)) == NULL)
		return NULL;
	memcpy(n, p, old);
	arena_give(p);
	return n;
}

void
tls_arena_init(void)
{
	if (CRYPTO_set_mem_functions(hook_malloc, hook_realloc,
	    hook_free) != 1) {
		log_debug("tls: OpenSSL allocated before the arena was set "
		    "up; the template's objects stay in the heap");
		return;
	}
	arena.a_on = 1;
}

void
tls_arena_stop(void)
{
	arena.a_on = 0;
}
