/*
 * Certificates compared by the Extended Protection check (ep_cert.c,
 * used by epcheck.c).
 */
#ifndef RPXD_EP_CERT_H
#define RPXD_EP_CERT_H

#include <stddef.h>

#include <openssl/x509.h>

#include "config.h"

#define EP_DESCRIBE_MAX	512	/* what ep_describe writes, at most */

X509	*ep_leaf_from_pem(const struct blob *pem);
unsigned ep_listener_cert(X509 *const *leaves, unsigned n,
	    const char *host);
int	 ep_same_cert(X509 *x, const unsigned char *der, size_t len);
void	 ep_describe(X509 *x, char *dst, size_t len);

#endif
