/*
 * The master's replay cache of Kerberos authenticators (see
 * negotiate_replay.h): a table of SHA-256 digests with their expiry,
 * REPLAY_SLOTS entries, each digest in one of REPLAY_PROBE slots from its
 * first bytes. When those slots all hold live entries, the one closest to
 * expiry gives way: the table is bounded, and a flood of logins can only
 * shorten how long the oldest ones are remembered, never stop a check.
 */
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "negotiate_replay.h"

#define REPLAY_SLOTS	65536
#define REPLAY_PROBE	8
/* An authenticator is good for the acceptor's clock skew (5 minutes by
 * default) either side of its time: 10 minutes from the first sight. */
#define REPLAY_TTL	600

struct replay_entry {
	unsigned char	re_digest[32];
	time_t		re_expiry;	/* 0: free */
};

static struct replay_entry	replays[REPLAY_SLOTS];

int
negotiate_replay_seen(const unsigned char *cipher, size_t len)
{
	unsigned char		 d[32];
	unsigned int		 dlen = sizeof(d);
	struct replay_entry	*e, *victim = NULL;
	time_t			 now = time(NULL);
	unsigned		 i, start;

	if (EVP_Digest(cipher, len, d, &dlen, EVP_sha256(), NULL) != 1)
		return 1;	/* no digest: refuse rather than forget */
	start = ((unsigned)d[0] << 8 | d[1]) % REPLAY_SLOTS;
	for (i = 0; i < REPLAY_PROBE; i++) {
		e = &replays[(start + i) % REPLAY_SLOTS];
		if (e->re_expiry > now &&
		    memcmp(e->re_digest, d, sizeof(d)) == 0)
			return 1;
		if (victim == NULL || e->re_expiry < victim->re_expiry)
			victim = e;
	}
	memcpy(victim->re_digest, d, sizeof(d));
	victim->re_expiry = now + REPLAY_TTL;
	return 0;
}
