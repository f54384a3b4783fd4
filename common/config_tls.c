/*
 * Load-time TLS work of the master (config_load calls it after the checks):
 * read every listener certificate chain, private key and OCSP response and
 * every backend CA bundle and client certificate into the configuration's
 * blobs, and check them: readable, parseable, key matching, within its
 * validity, ciphers OpenSSL accepts, route hosts covered by a certificate.
 * Errors stop the load ("file:line: ..."); warnings are logged and the
 * load goes on. Workers never open these files.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "config_err.h"
#include "log.h"
#include "ocsp.h"
#include "tls_pem.h"

#define EXPIRY_WARN_DAYS	30

/* Reads a regular file of at most RPXD_PEM_MAX bytes; why not, or NULL. */
static const char *
read_blob(const char *path, struct blob *b)
{
	struct stat	 st;
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return strerror(errno);
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_size <= 0 || st.st_size > (off_t)RPXD_PEM_MAX) {
		close(fd);
		return st.st_size == 0 ? "the file is empty" :
		    "not a regular file of at most 4 MiB";
	}
	if ((b->bl_data = malloc((size_t)st.st_size)) == NULL) {
		close(fd);
		return "out of memory";
	}
	b->bl_len = (size_t)st.st_size;
	while (got < b->bl_len) {
		n = read(fd, b->bl_data + got, b->bl_len - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			blob_free(b);
			return n == 0 ? "the file shrank while read" :
			    strerror(errno);
		}
		got += (size_t)n;
	}
	close(fd);
	return NULL;
}

static void
asn1_time_str(const ASN1_TIME *t, char *dst, size_t len)
{
	BIO	*bio = BIO_new(BIO_s_mem());
	int	 n = 0;

	dst[0] = '\0';
	if (bio == NULL)
		return;
	if (ASN1_TIME_print(bio, t))
		n = BIO_read(bio, dst, (int)len - 1);
	dst[n > 0 ? n : 0] = '\0';
	BIO_free(bio);
}

/* Expired or not yet valid: error; expiring soon: warning. */
static void
check_validity(X509 *x, struct config_err *ce, const char *where)
{
	char	date[64];
	time_t	soon = time(NULL) + EXPIRY_WARN_DAYS * 86400;
	int	days = 0, secs = 0;

	if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0) {
		asn1_time_str(X509_get0_notBefore(x), date, sizeof(date));
		config_err(ce, "%s: not valid before %s", where, date);
	}
	asn1_time_str(X509_get0_notAfter(x), date, sizeof(date));
	if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0) {
		config_err(ce, "%s: expired on %s", where, date);
		return;
	}
	if (X509_cmp_time(X509_get0_notAfter(x), &soon) < 0) {
		(void)ASN1_TIME_diff(&days, &secs, NULL,
		    X509_get0_notAfter(x));
		log_warnx("config: %s: expires on %s (in %d days)", where, date,
		    days);
	}
}

/* Reads a file into b; on failure an error "where: file: why". */
static int
load_file(const char *file, struct blob *b, struct config_err *ce,
    const char *where)
{
	const char	*why;

	if ((why = read_blob(file, b)) == NULL)
		return 0;
	config_err(ce, "%s: cannot read %s: %s", where, file, why);
	return -1;
}

/* The certificate's OCSP response file, read and checked (ocsp_check):
 * a bad, foreign, revoked or expired one is an error; one that expires
 * within a day a warning. */
static void
load_ocsp(const struct rpxd_conf *c, struct cert_conf *ct,
    struct config_err *ce)
{
	struct ocsp_info	 oi;
	const char		*why;
	char			 reason[512], date[64];
	struct tm		 tm;

	if ((why = read_blob(ct->ct_ocsp_file, &ct->ct_ocsp_der)) == NULL &&
	    ocsp_check(&ct->ct_ocsp_der, &ct->ct_chain_pem, &oi, reason,
	    sizeof(reason)) == 0) {
		ct->ct_ocsp_next = (int64_t)oi.oi_next_update;
		ct->ct_ocsp_this = (int64_t)oi.oi_this_update;
		if (oi.oi_next_update == 0 || oi.oi_next_update - time(NULL) >=
		    OCSP_WARN_SECS)
			return;
		date[0] = '\0';
		if (gmtime_r(&oi.oi_next_update, &tm) != NULL)
			strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC",
			    &tm);
		log_warnx("config: %s:%u: ocsp-response: %s: expires on %s "
		    "(nextUpdate, in less than a day); it is not stapled "
		    "after that", c->rc_file, ct->ct_ocsp_line,
		    ct->ct_ocsp_file, date);
		return;
	}
	/* With ocsp-fetch the file is only a start: a stale one must not
	 * stop a reload. A revoked certificate always does. */
	if (ct->ct_ocsp_fetch && (why != NULL ||
	    oi.oi_status != OCSP_ST_REVOKED))
		log_warnx("config: %s:%u: ocsp-response: %s: %s; not stapled, "
		    "ocsp-fetch gets a new one", c->rc_file, ct->ct_ocsp_line,
		    ct->ct_ocsp_file, why != NULL ? why : reason);
	else
		config_err(ce, "%s:%u: ocsp-response: %s: %s", c->rc_file,
		    ct->ct_ocsp_line, ct->ct_ocsp_file, why != NULL ? why :
		    reason);
	if (why == NULL && oi.oi_status == OCSP_ST_REVOKED)
		log_errx("config: %s:%u: certificate %s is REVOKED according to "
		    "its OCSP response %s", c->rc_file, ct->ct_line,
		    ct->ct_file, ct->ct_ocsp_file);
	blob_free(&ct->ct_ocsp_der);
}

/* A certificate chain and its key: both parse, and they match. */
static void
check_pair(const struct blob *chain, const struct blob *key,
    struct config_err *ce, const char *where, X509 **leafp)
{
	X509		*leaf;
	EVP_PKEY	*pk;

	if ((leaf = pem_first_cert(chain)) == NULL) {
		config_err(ce, "%s: no PEM certificate: %s", where,
		    tls_error_string("not understood"));
		return;
	}
	if ((pk = pem_private_key(key)) == NULL)
		config_err(ce, "%s: key: no PEM private key: %s", where,
		    tls_error_string("not understood"));
	else if (X509_check_private_key(leaf, pk) != 1) {
		ERR_clear_error();
		config_err(ce, "%s: key does not match the certificate", where);
	}
	EVP_PKEY_free(pk);
	check_validity(leaf, ce, where);
	if (leafp != NULL)
		*leafp = leaf;
	else
		X509_free(leaf);
}

/* The key holders sign and never decrypt, so a cipher with RSA key
 * exchange would fail every handshake that chose it: refused at load. */
static void
check_rsa_kex(const struct rpxd_conf *c, const struct listener_conf *ls,
    SSL_CTX *ctx, struct config_err *ce)
{
	STACK_OF(SSL_CIPHER)	*list = SSL_CTX_get_ciphers(ctx);
	const SSL_CIPHER	*ci;
	int			 i;

	for (i = 0; i < sk_SSL_CIPHER_num(list); i++) {
		ci = sk_SSL_CIPHER_value(list, i);
		if (SSL_CIPHER_get_kx_nid(ci) == NID_kx_rsa) {
			config_err(ce, "%s:%u: listener \"%s\": tls: ciphers: "
			    "%s uses RSA key exchange, which needs a "
			    "decryption; private keys only sign (add "
			    "\":!kRSA\")", c->rc_file, ls->ls_ciphers_line,
			    ls->ls_name, SSL_CIPHER_get_name(ci));
			return;
		}
	}
}

/* The listener's cipher, suite and curve lists, tried on a scratch
 * context so that a typo is an error at load, not at the first client. */
static void
check_lists(const struct rpxd_conf *c, const struct listener_conf *ls,
    struct config_err *ce)
{
	SSL_CTX	*ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL)
		return;
	if (SSL_CTX_set_cipher_list(ctx, ls->ls_ciphers) != 1)
		config_err(ce, "%s:%u: listener \"%s\": tls: ciphers: no cipher "
		    "in \"%.64s\" is known", c->rc_file, ls->ls_ciphers_line,
		    ls->ls_name, ls->ls_ciphers);
	else
		check_rsa_kex(c, ls, ctx, ce);
	if (SSL_CTX_set_ciphersuites(ctx, ls->ls_ciphersuites) != 1)
		config_err(ce, "%s:%u: listener \"%s\": tls: ciphersuites: "
		    "\"%.64s\" is not a list of TLS 1.3 suites", c->rc_file,
		    ls->ls_ciphersuites_line, ls->ls_name, ls->ls_ciphersuites);
	if (tls_set_groups(ctx, ls->ls_curves) != 1)
		config_err(ce, "%s:%u: listener \"%s\": tls: curves: \"%.64s\" "
		    "holds an unknown curve", c->rc_file, ls->ls_curves_line,
		    ls->ls_name, ls->ls_curves);
	ERR_clear_error();
	SSL_CTX_free(ctx);
}

/* Is host (or, for "*.d", any name under d) in one of the leaves? */
static int
host_covered(X509 **leaves, unsigned n, const char *host)
{
	char		 probe[RPXD_HOST_MAX + 32];
	unsigned	 i;

	if (strncmp(host, "*.", 2) == 0)
		snprintf(probe, sizeof(probe), "rpxd-probe%s", host + 1);
	else
		snprintf(probe, sizeof(probe), "%s", host);
	for (i = 0; i < n; i++)
		if (leaves[i] != NULL &&
		    X509_check_host(leaves[i], probe, 0, 0, NULL) == 1)
			return 1;
	return 0;
}

static void
warn_uncovered(const struct rpxd_conf *c, const struct listener_conf *ls,
    X509 **leaves)
{
	unsigned	i, j;

	for (i = 0; i < ls->ls_nroutes; i++) {
		const struct route_conf *rt = &ls->ls_routes[i];

		for (j = 0; j < rt->rt_nhosts; j++)
			if (!host_covered(leaves, ls->ls_ncerts,
			    rt->rt_hosts[j]))
				log_warnx("config: %s:%u: listener \"%s\": route "
				    "\"%s\": host \"%s\" is not covered by any "
				    "certificate of the listener", c->rc_file,
				    rt->rt_line, ls->ls_name, rt->rt_name,
				    rt->rt_hosts[j]);
	}
}

static void
load_listener(const struct rpxd_conf *c, struct listener_conf *ls,
    struct config_err *ce)
{
	X509		*leaves[RPXD_MAX_CERTS];
	char		 where[3 * RPXD_FILE_MAX];
	const char	*why;
	unsigned	 i, errors = ce->ce_count;

	memset(leaves, 0, sizeof(leaves));
	for (i = 0; i < ls->ls_ncerts; i++) {
		struct cert_conf *ct = &ls->ls_certs[i];

		snprintf(where, sizeof(where), "%s:%u: listener \"%s\": "
		    "certificate \"%s\"", c->rc_file, ct->ct_line, ls->ls_name,
		    ct->ct_file);
		if (load_file(ct->ct_file, &ct->ct_chain_pem, ce, where) == -1 ||
		    load_file(ct->ct_key_file, &ct->ct_key_pem, ce, where) == -1)
			continue;
		check_pair(&ct->ct_chain_pem, &ct->ct_key_pem, ce, where,
		    &leaves[i]);
		if (ct->ct_ocsp_file[0] != '\0')
			load_ocsp(c, ct, ce);
		if (ct->ct_ocsp_fetch && leaves[i] != NULL &&
		    (why = ocsp_responder(ct, leaves[i])) != NULL)
			config_err(ce, "%s: ocsp-fetch: %s", where, why);
	}
	check_lists(c, ls, ce);
	if (ce->ce_count == errors)
		warn_uncovered(c, ls, leaves);
	for (i = 0; i < ls->ls_ncerts; i++)
		X509_free(leaves[i]);
}

/* At least one certificate in the CA bundle. */
static void
check_ca(const struct blob *b, struct config_err *ce, const char *where,
    const char *file)
{
	BIO			*bio = BIO_new_mem_buf(b->bl_data,
				    (int)b->bl_len);
	STACK_OF(X509_INFO)	*infos = NULL;
	int			 i, certs = 0;

	if (bio != NULL)
		infos = PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL);
	for (i = 0; infos != NULL && i < sk_X509_INFO_num(infos); i++)
		if (sk_X509_INFO_value(infos, i)->x509 != NULL)
			certs++;
	if (certs == 0)
		config_err(ce, "%s: ca-file %s: no PEM certificate in it",
		    where, file);
	ERR_clear_error();
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
}

/* The client certificate and key, each reported at its own line, and the
 * pair at the key's line with both files, as a listener's certificate. */
static void
load_client_pair(const struct rpxd_conf *c, struct backend_conf *be,
    struct config_err *ce)
{
	char	where[4 * RPXD_FILE_MAX];
	X509	*leaf;

	snprintf(where, sizeof(where), "%s:%u: backend \"%s\": "
	    "client-certificate", c->rc_file, be->be_client_cert_line,
	    be->be_name);
	if (load_file(be->be_client_cert, &be->be_client_cert_pem, ce,
	    where) == -1)
		return;
	if ((leaf = pem_first_cert(&be->be_client_cert_pem)) == NULL) {
		config_err(ce, "%s: %s: no PEM certificate: %s", where,
		    be->be_client_cert, tls_error_string("not understood"));
		return;
	}
	X509_free(leaf);
	snprintf(where, sizeof(where), "%s:%u: backend \"%s\": client-key",
	    c->rc_file, be->be_client_key_line, be->be_name);
	if (load_file(be->be_client_key, &be->be_client_key_pem, ce,
	    where) == -1)
		return;
	snprintf(where, sizeof(where), "%s:%u: backend \"%s\": "
	    "client-certificate \"%s\": client-key \"%s\"", c->rc_file,
	    be->be_client_key_line, be->be_name, be->be_client_cert,
	    be->be_client_key);
	check_pair(&be->be_client_cert_pem, &be->be_client_key_pem, ce, where,
	    NULL);
}

static void
load_backend(const struct rpxd_conf *c, struct backend_conf *be,
    struct config_err *ce)
{
	char		 where[2 * RPXD_FILE_MAX];
	const char	*ca = be->be_ca_file[0] != '\0' ? be->be_ca_file :
			    X509_get_default_cert_file();

	snprintf(where, sizeof(where), "%s:%u: backend \"%s\"", c->rc_file,
	    be->be_line, be->be_name);
	if (!be->be_verify)
		log_warnx("config: backend \"%s\": verify = no: server "
		    "certificates are not checked", be->be_name);
	else if (load_file(ca, &be->be_ca_pem, ce, where) == 0)
		check_ca(&be->be_ca_pem, ce, where, ca);
	if (be->be_client_cert[0] == '\0')
		return;
	load_client_pair(c, be, ce);
}

int
config_tls_load(struct rpxd_conf *c, char *err, size_t errlen)
{
	struct config_err	ce;
	unsigned		i;

	config_err_init(&ce, err, errlen);
	for (i = 0; i < c->rc_nlisteners; i++)
		if (c->rc_listeners[i].ls_ncerts > 0)
			load_listener(c, &c->rc_listeners[i], &ce);
	for (i = 0; i < c->rc_nbackends; i++)
		if (c->rc_backends[i].be_tls)
			load_backend(c, &c->rc_backends[i], &ce);
	return ce.ce_count ? -1 : 0;
}
