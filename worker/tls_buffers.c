/*
 * OpenSSL's record buffers of a quiet connection given back
 * (conn_mem_trim). SSL_MODE_RELEASE_BUFFERS frees a read buffer only
 * when a read has emptied it; a read that ended in want-read keeps its
 * 16 KiB (a backend's TLS 1.3 session tickets, read after its response
 * to see whether a kept connection is clean, leave one on every backend
 * connection). SSL_free_buffers frees them when they hold nothing; before
 * OpenSSL 3.0.14, 3.1.6, 3.2.2 and 3.3.1 it could free a buffer that held
 * part of a record (CVE-2024-4741), so it is not called there.
 */
#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include "tls.h"

/* OpenSSL_version_num(): 0xMNN00PP0 */
static int
free_buffers_safe(void)
{
	static int	safe = -1;
	unsigned long	v, minor, patch;

	if (safe != -1)
		return safe;
	v = OpenSSL_version_num();
	minor = (v >> 20) & 0xff;
	patch = (v >> 4) & 0xff;
	if (v >= 0x30400000UL)
		safe = 1;
	else if (v >= 0x30000000UL)
		safe = (minor == 0 && patch >= 14) || (minor == 1 &&
		    patch >= 6) || (minor == 2 && patch >= 2) ||
		    (minor == 3 && patch >= 1);
	else
		safe = 0;
	return safe;
}

void
tls_buffers_release(SSL *ssl)
{
	if (free_buffers_safe())
		(void)SSL_free_buffers(ssl);
}
