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

#define ARENA_RESERVE	(8u << 20)	/* address space, half for each
					   part; pages are used as objects
					   fill them */
#define ARENA_ALIGN	16
#define ARENA_HDR	16		/* the block's size, keeping the
					   alignment */
#define ARENA_OBJ_MAX	4096		/* larger ones come from malloc */
#define ARENA_CLASSES	(ARENA_OBJ_MAX / ARENA_ALIGN)

/*
 * OpenSSL 3's source files whose objects a worker writes (found with
 * bench/worker_pages.py and a record of the template's allocations; see
 * bench/README.md, memory per worker). Most are written in every worker
 * that holds a TLS connection. Two files make many objects of which a
 * worker writes a few (the ciphers and digests a provider offers, all
 * made at the first fetch, of which a handshake takes two or three): in
 * a part of their own, with the locks made right after each, so that
 * they do not spread the others over more pages.
 */
enum part { PART_NONE = -1, PART_HOT, PART_FEW };

static const char *const hot_files[] = {
	"drbg.c", "drbg_ctr.c", "evp_rand.c",	/* the random generators, */
	"cipher_aes.c",		/* their AES contexts */
	"keymgmt_meth.c", "decoder_meth.c", "signature.c",
	"exchange.c", "kdf_meth.c", "mac_meth.c",	/* fetched methods */
	"provider_core.c",	/* the providers */
	"ssl_lib.c",		/* SSL_CTX: references, statistics */
	"p_lib.c", "rsa_lib.c", "ec_key.c", "ecx_key.c",	/* keys */
	"err.c",		/* the error state */
};
static const char *const few_files[] = {
	"evp_enc.c",		/* EVP_CIPHERs (and the generators'
				   EVP_CIPHER_CTXs) */
	"digest.c",		/* EVP_MDs */
};
#define LOCK_FILE	"threads_pthread.c"	/* every lock: the part of
						   what was made before it */

struct arena_part {
	size_t	 ap_used;
	void	*ap_free[ARENA_CLASSES];	/* freed blocks by size class */
};

struct arena {
	char			*a_base;
	struct arena_part	 a_part[2];
	enum part		 a_last;	/* of the allocation before */
	int			 a_on;
};

static struct arena	arena;

static int
listed(const char *base, const char *const *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(base, list[i]) == 0)
			return 1;
	return 0;
}

static enum part
part_of(const char *file)
{
	const char	*base;
	enum part	 last = arena.a_last, part = PART_NONE;

	if (file == NULL)
		return arena.a_last = PART_NONE;
	base = strrchr(file, '/');
	base = base != NULL ? base + 1 : file;
	if (listed(base, hot_files, sizeof(hot_files) / sizeof(hot_files[0])))
		part = PART_HOT;
	else if (listed(base, few_files, sizeof(few_files) /
	    sizeof(few_files[0])))
		part = PART_FEW;
	else if (strcmp(base, LOCK_FILE) == 0)
		part = last == PART_FEW ? PART_FEW : PART_HOT;
	arena.a_last = part;
	return part;
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

/* A block of class size from a part of the arena, or NULL: the caller
 * uses malloc. The first half of the arena is the hot part's. */
static void *
arena_take(enum part part, size_t num)
{
	struct arena_part	*ap = &arena.a_part[part];
	size_t			 size, cls, half = ARENA_RESERVE / 2;
	char			*p;

	size = (num + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (num == 0 || num > ARENA_OBJ_MAX)
		return NULL;
	cls = size / ARENA_ALIGN - 1;
	if ((p = ap->ap_free[cls]) != NULL) {
		memcpy(&ap->ap_free[cls], p, sizeof(void *));
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
	if (half - ap->ap_used < ARENA_HDR + size)
		return NULL;
	p = arena.a_base + (size_t)part * half + ap->ap_used + ARENA_HDR;
	memcpy(p - ARENA_HDR, &size, sizeof(size));
	ap->ap_used += ARENA_HDR + size;
	return p;
}

/* In the template a block is kept for the next of its class and part;
 * in a worker it is left as it is, since writing it would copy its
 * page. */
static void
arena_give(void *p)
{
	struct arena_part	*ap;
	size_t			 cls = block_size(p) / ARENA_ALIGN - 1;

	if (!arena.a_on)
		return;
	ap = &arena.a_part[(const char *)p - arena.a_base >= ARENA_RESERVE / 2];
	memcpy(p, &ap->ap_free[cls], sizeof(void *));
	ap->ap_free[cls] = p;
}

static void *
hook_malloc(size_t num, const char *file, int line)
{
	enum part	 part;
	void		*p;

	(void)line;
	if (arena.a_on && (part = part_of(file)) != PART_NONE &&
	    (p = arena_take(part, num)) != NULL)
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
