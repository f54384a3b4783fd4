/*
 * Streaming decoder for the chunked transfer coding (RFC 9112 section 7.1).
 * It is fed bytes as they arrive and yields the data; chunk extensions and
 * trailer fields are checked and dropped, so the proxy re-encodes a clean
 * chunked stream and nothing ambiguous reaches the other side.
 */
#ifndef RPXD_CHUNKED_H
#define RPXD_CHUNKED_H

#include <stddef.h>
#include <stdint.h>

#define CHUNKED_MAX_LINE	4096	/* chunk-size line or trailer line */
#define CHUNKED_MAX_TRAILER	65536	/* all trailer lines together */

enum chunked_status {
	CHUNKED_MORE = 0,	/* consumed what it could; feed more */
	CHUNKED_DONE = 1,	/* last chunk and trailers seen */
	CHUNKED_ERROR = -1	/* malformed: d->cd_error says why */
};

struct chunked_decoder {
	int		 cd_state;
	uint64_t	 cd_remaining;	/* data bytes left in this chunk */
	unsigned	 cd_digits;
	size_t		 cd_linelen;	/* bytes of the current line */
	size_t		 cd_trailerlen;
	const char	*cd_error;
};

void	chunked_init(struct chunked_decoder *d);

/*
 * Decode from in[0..inlen): sets *consumed to the input bytes used and
 * copies at most outcap data bytes to out, setting *produced. Stops early
 * when out is full. Never reads past inlen; after CHUNKED_DONE, *consumed
 * points just past the message (what follows is the next message).
 */
enum chunked_status chunked_decode(struct chunked_decoder *d,
	    const char *in, size_t inlen, size_t *consumed,
	    char *out, size_t outcap, size_t *produced);

/* Writes "HEX\r\n" for a chunk of len bytes; returns its length (<= 18). */
size_t	chunked_header(char *dst, uint64_t len);

#endif
