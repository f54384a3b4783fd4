/*
 * Unit tests for the TLS part of the configuration (config_parse.c's TLS
 * grammar, config_tls.c's load-time checks, config_wire.c's TLS fields)
 * and for what a worker accepts of TLS material over IPC (tls_keys.c,
 * tls_tickets.c). Certificates are made here with OpenSSL, so none can
 * expire under the tests.
 */
#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "config.h"
#include "ipc.h"
#include "msgbuf.h"
#include "tls.h"
#include "keys.h"
#include "unit.h"

static char	dir[64];
static char	file[128];
static char	err[16384];

/* A P-256 key written to dir/name. */
static EVP_PKEY *
make_key(const char *name)
{
	EVP_PKEY	*k = EVP_EC_gen("P-256");
	char		 p[128];
	FILE		*f;

	ck_assert_ptr_nonnull(k);
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	ck_assert_int_eq(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL,
	    NULL), 1);
	fclose(f);
	return k;
}

/* A self-signed certificate for san, valid from now+from to now+to
 * seconds, written to dir/name. */
static void
make_cert(const char *name, EVP_PKEY *k, const char *san, long from,
    long to)
{
	X509		*x = X509_new();
	X509V3_CTX	 v3;
	X509_EXTENSION	*ext;
	char		 p[128];
	FILE		*f;

	ck_assert_ptr_nonnull(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)"rpxd test", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ck_assert_ptr_nonnull(ext = X509V3_EXT_conf_nid(NULL, &v3,
	    NID_subject_alt_name, san));
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	ck_assert_int_eq(PEM_write_X509(f, x), 1);
	fclose(f);
	X509_free(x);
}

static void
setup(void)
{
	EVP_PKEY	*k, *other;

	snprintf(dir, sizeof(dir), "/tmp/rpxd-unit-tls.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	k = make_key("good.key");
	other = make_key("other.key");
	make_cert("good.pem", k, "DNS:www.example.com,DNS:*.wild.example.com",
	    -60, 365L * 86400);
	make_cert("expired.pem", k, "DNS:www.example.com", -86400 * 30L,
	    -86400);
	make_cert("future.pem", k, "DNS:www.example.com", 86400 * 2L,
	    86400 * 30L);
	make_cert("soon.pem", k, "DNS:www.example.com", -60, 86400 * 5L);
	EVP_PKEY_free(k);
	EVP_PKEY_free(other);
}

static void
teardown(void)
{
	const char	*names[] = { "good.key", "other.key", "good.pem",
			    "expired.pem", "future.pem", "soon.pem" };
	char		 p[128];
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* The configuration text, with every "@" replaced by the test dir. */
static struct rpxd_conf *
load(const char *fmt)
{
	char			 text[4096], *o = text;
	const char		*s;
	struct rpxd_conf	*c;
	FILE			*f;

	for (s = fmt; *s != '\0' && o < text + sizeof(text) - 80; s++) {
		if (*s == '@')
			o += snprintf(o, 80, "%s", dir);
		else
			*o++ = *s;
	}
	*o = '\0';
	snprintf(file, sizeof(file), "%s/rpxd.conf", dir);
	ck_assert_ptr_nonnull(f = fopen(file, "w"));
	fputs(text, f);
	fclose(f);
	c = config_load(file, err, sizeof(err));
	unlink(file);
	return c;
}

static void
expect_error(const char *text, int line, const char *what)
{
	char			 prefix[160];
	struct rpxd_conf	*c = load(text);

	ck_assert_msg(c == NULL, "accepted: %s", text);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", file, line);
	ck_assert_msg(strstr(err, prefix) != NULL, "no '%s' in '%s'", prefix,
	    err);
	ck_assert_msg(strstr(err, what) != NULL, "no '%s' in '%s'", what, err);
}

/* The whole error text is the file's name then want, "@" being dir. */
static void
expect_exact(const char *text, const char *want)
{
	char			 full[4096], *o;
	const char		*s;
	struct rpxd_conf	*c = load(text);

	ck_assert_msg(c == NULL, "accepted: %s", text);
	o = full + snprintf(full, sizeof(full), "%s", file);
	for (s = want; *s != '\0' && o < full + sizeof(full) - 80; s++) {
		if (*s == '@')
			o += snprintf(o, 80, "%s", dir);
		else
			*o++ = *s;
	}
	strcpy(o, "\n");
	ck_assert_str_eq(err, full);
}

#define BE	"backend \"b\" { server = { \"127.0.0.1:8080\" } }\n"
/* Lines 2-4 open a TLS listener; x follows from line 5 on. */
#define TLS(x)	"listener \"s\" {\n port = 443\n tls {\n" x " }\n" \
		" route \"r\" { backend = \"b\" }\n}\n"
#define GOOD	"  certificate \"@/good.pem\" { key = \"@/good.key\" }\n"

START_TEST(test_tls_listener_loads)
{
	struct rpxd_conf	*c = load(BE TLS(GOOD
				    "  hsts = 600\n"
				    "  protocols = \"TLSv1.3\"\n"));
	const struct listener_conf *ls;

	ck_assert_msg(c != NULL, "%s", err);
	ls = &c->rc_listeners[0];
	ck_assert_uint_eq(ls->ls_ncerts, 1);
	ck_assert_uint_eq(ls->ls_tls_line, 4);
	ck_assert_uint_eq(ls->ls_certs[0].ct_line, 5);
	ck_assert_uint_gt(ls->ls_certs[0].ct_chain_pem.bl_len, 100);
	ck_assert_uint_gt(ls->ls_certs[0].ct_key_pem.bl_len, 100);
	ck_assert_uint_eq(ls->ls_hsts, 600);
	ck_assert_str_eq(ls->ls_protocols, "TLSv1.3");
	ck_assert_ptr_nonnull(strstr(ls->ls_ciphers, "ECDHE-ECDSA-AES128-GCM"));
	ck_assert_uint_eq(c->rc_ticket_rotation, 3600);
	config_free(c);
}
END_TEST

START_TEST(test_tls_certificate_errors)
{
	expect_error(BE TLS("  certificate \"@/none.pem\" { key = "
	    "\"@/good.key\" }\n"), 5, "cannot read");
	expect_error(BE TLS("  certificate \"@/good.pem\" {\n"
	    "   key = \"@/other.key\"\n  }\n"), 5,
	    "key does not match the certificate");
	expect_error(BE TLS("  certificate \"@/expired.pem\" { key = "
	    "\"@/good.key\" }\n"), 5, "expired on");
	expect_error(BE TLS("  certificate \"@/future.pem\" { key = "
	    "\"@/good.key\" }\n"), 5, "not valid before");
	expect_error(BE TLS("  certificate \"@/good.pem\" { }\n"), 5,
	    "key: missing");
	expect_error(BE TLS("  certificate \"relative.pem\" { key = "
	    "\"@/good.key\" }\n"), 5, "absolute path");
	/* A section without options keeps its closing line. */
	expect_error(BE TLS(""), 5, "needs 1 to 64 certificates");
	/* A certificate that expires soon is only a warning. */
	config_free(load(BE TLS("  certificate \"@/soon.pem\" { key = "
	    "\"@/good.key\" }\n")));
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_tls_list_errors)
{
	expect_error(BE TLS(GOOD "  protocols = \"TLSv1.1 TLSv1.2\"\n"), 6,
	    "\"TLSv1.1\" is not TLSv1.2 or TLSv1.3");
	/* Each at the line of its option, not of "tls {" (issue 16). */
	expect_error(BE TLS(GOOD "  ciphers = \"NOPE-CIPHER\"\n"), 6,
	    "ciphers: no cipher");
	expect_error(BE TLS(GOOD "  ciphersuites = \"TLS_NOPE\"\n"), 6,
	    "ciphersuites");
	/* RSA key exchange needs a decryption the key holders refuse. */
	expect_error(BE TLS(GOOD "  ciphers = \"ECDHE-RSA-AES128-GCM-SHA256:"
	    "AES128-GCM-SHA256\"\n"), 6, "AES128-GCM-SHA256 uses RSA key "
	    "exchange");
	expect_exact(BE TLS(GOOD "  hsts = 600\n"
	    "  ciphers = \"AES128-GCM-SHA256\"\n"),
	    ":7: listener \"s\": tls: ciphers: AES128-GCM-SHA256 uses RSA key "
	    "exchange, which needs a decryption; private keys only sign (add "
	    "\":!kRSA\")");
	expect_error(BE TLS(GOOD "  curves = \"P-1\"\n"), 6, "curves");
	expect_error(BE TLS(GOOD "  hsts = -1\n"), 6, "hsts");
}
END_TEST

START_TEST(test_redirect_routes)
{
	struct rpxd_conf	*c = load("listener \"h\" {\n port = 80\n"
				    " route \"r\" { redirect-https = true\n"
				    "  redirect-port = 8443 }\n}\n");

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_uint_eq(c->rc_nbackends, 0);
	ck_assert_int_eq(c->rc_listeners[0].ls_routes[0].rt_redirect_https, 1);
	ck_assert_uint_eq(c->rc_listeners[0].ls_routes[0].rt_redirect_port,
	    8443);
	ck_assert_uint_eq(c->rc_listeners[0].ls_routes[0].rt_backend,
	    RPXD_NO_BACKEND);
	config_free(c);
	expect_error(BE "listener \"h\" {\n port = 80\n route \"r\" {\n"
	    "  redirect-https = true\n  backend = \"b\"\n }\n}\n", 4,
	    "not used by a redirect-https route");
	expect_error(BE "listener \"h\" {\n port = 80\n route \"r\" {\n"
	    "  backend = \"b\"\n  redirect-port = 1\n }\n}\n", 4,
	    "only with redirect-https");
	expect_error(BE "listener \"s\" {\n port = 443\n tls {\n" GOOD " }\n"
	    " route \"r\" { redirect-https = true }\n}\n", 7,
	    "the listener is TLS already");
}
END_TEST

START_TEST(test_backend_tls_errors)
{
	expect_error("backend \"b\" {\n server = { \"127.0.0.1:1\" }\n"
	    " tls = yes\n ca-file = \"@/none.pem\"\n}\n"
	    "listener \"h\" { port = 80 route \"r\" { backend = \"b\" } }\n", 1,
	    "cannot read");
	expect_error("backend \"b\" {\n server = { \"127.0.0.1:1\" }\n"
	    " tls = yes\n ca-file = \"@/good.key\"\n}\n"
	    "listener \"h\" { port = 80 route \"r\" { backend = \"b\" } }\n", 1,
	    "no PEM certificate");
	expect_error("backend \"b\" {\n server = { \"127.0.0.1:1\" }\n"
	    " ca-file = \"@/good.pem\"\n}\n"
	    "listener \"h\" { port = 80 route \"r\" { backend = \"b\" } }\n", 1,
	    "need tls = yes");
	expect_error("backend \"b\" {\n server = { \"127.0.0.1:1\" }\n"
	    " tls = yes\n ca-file = \"@/good.pem\"\n"
	    " client-certificate = \"@/good.pem\"\n}\n"
	    "listener \"h\" { port = 80 route \"r\" { backend = \"b\" } }\n", 1,
	    "client-certificate and client-key go together");
	/* At the client-key line, naming both files (issue 16). */
	expect_exact("backend \"b\" {\n server = { \"127.0.0.1:1\" }\n"
	    " tls = yes\n ca-file = \"@/good.pem\"\n"
	    " client-certificate = \"@/good.pem\"\n"
	    " client-key = \"@/other.key\"\n}\n"
	    "listener \"h\" { port = 80 route \"r\" { backend = \"b\" } }\n",
	    ":6: backend \"b\": client-certificate \"@/good.pem\": client-key "
	    "\"@/other.key\": key does not match the certificate");
	expect_exact("backend \"b\" {\n server = { \"127.0.0.1:1\" }\n"
	    " tls = yes\n ca-file = \"@/good.pem\"\n"
	    " client-key = \"@/good.key\"\n\n"
	    " client-certificate = \"@/none.pem\"\n}\n"
	    "listener \"h\" { port = 80 route \"r\" { backend = \"b\" } }\n",
	    ":7: backend \"b\": client-certificate: cannot read @/none.pem: "
	    "No such file or directory");
	expect_error("backend \"b\" {\n server = { \"127.0.0.1:1\" }\n"
	    " tls = yes\n ca-file = \"@/good.pem\"\n"
	    " client-certificate = \"@/good.key\"\n"
	    " client-key = \"@/good.key\"\n}\n"
	    "listener \"h\" { port = 80 route \"r\" { backend = \"b\" } }\n",
	    5, "backend \"b\": client-certificate: /");
	ck_assert_ptr_nonnull(strstr(err, "/good.key: no PEM certificate: "));
	expect_error("backend \"b\" {\n server = { \"127.0.0.1:1\" }\n"
	    " tls = yes\n sni = \"bad name!\"\n}\n"
	    "listener \"h\" { port = 80 route \"r\" { backend = \"b\" } }\n", 4,
	    "sni");
}
END_TEST

/* The encoding a worker gets has the chains and CA bundles but never a
 * private key; the keys go in IPC_TLS_KEY messages. */
START_TEST(test_wire_tls)
{
	struct rpxd_conf	*c = load("backend \"b\" {\n"
				    " server = { \"127.0.0.1:1\" }\n tls = yes\n"
				    " ca-file = \"@/good.pem\"\n"
				    " client-certificate = \"@/good.pem\"\n"
				    " client-key = \"@/good.key\"\n}\n"
				    TLS(GOOD "  hsts = 5\n"));
	struct rpxd_conf	*d;
	struct msgbuf		 mb;
	const struct blob	*key;

	ck_assert_msg(c != NULL, "%s", err);
	msgbuf_init(&mb);
	ck_assert_int_eq(config_encode(c, &mb), 0);
	key = &c->rc_listeners[0].ls_certs[0].ct_key_pem;
	ck_assert_ptr_null(memmem(mb.mb_data, mb.mb_len, key->bl_data,
	    key->bl_len));
	ck_assert_ptr_null(memmem(mb.mb_data, mb.mb_len, "PRIVATE KEY", 11));
	ck_assert_ptr_nonnull(d = config_decode(&mb));
	ck_assert_uint_eq(d->rc_listeners[0].ls_ncerts, 1);
	ck_assert_uint_eq(d->rc_listeners[0].ls_certs[0].ct_chain_pem.bl_len,
	    c->rc_listeners[0].ls_certs[0].ct_chain_pem.bl_len);
	ck_assert_ptr_null(d->rc_listeners[0].ls_certs[0].ct_key_pem.bl_data);
	ck_assert_uint_eq(d->rc_listeners[0].ls_hsts, 5);
	ck_assert_int_eq(d->rc_backends[0].be_tls, 1);
	ck_assert_uint_eq(d->rc_backends[0].be_ca_pem.bl_len,
	    c->rc_backends[0].be_ca_pem.bl_len);
	ck_assert_ptr_null(d->rc_backends[0].be_client_key_pem.bl_data);
	config_free(d);
	msgbuf_free(&mb);
	config_free(c);
}
END_TEST

/* An IPC_TLS_KEY payload: kind, indexes, a length and the bytes. */
static int
key_msg(const struct rpxd_conf *c, uint32_t kind, uint32_t a, uint32_t b,
    uint32_t len, const void *data, size_t datalen, int *wiped)
{
	struct msgbuf	mb;
	int		rv;

	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, kind);
	msgbuf_put_u32(&mb, a);
	msgbuf_put_u32(&mb, b);
	msgbuf_put_u32(&mb, len);
	msgbuf_put_bytes(&mb, data, datalen);
	rv = held_add(c, &mb);
	if (wiped != NULL)
		*wiped = memmem(mb.mb_data, mb.mb_len, "PRIVATE KEY", 11) ==
		    NULL;
	msgbuf_free(&mb);
	return rv;
}

/* What a key holder takes (held_add): a key for a certificate that
 * exists. A worker takes none at all. */
START_TEST(test_worker_key_intake)
{
	struct rpxd_conf	*c = load(BE TLS(GOOD));
	const struct blob	*key;
	uint32_t		 bad[][3] = {
		{ TLS_KEY_LISTENER, 0, 1 }, { TLS_KEY_LISTENER, 1, 0 },
		{ TLS_KEY_BACKEND, 0, 1 }, { 7, 0, 0 },
	};
	struct msgbuf		 mb;
	size_t			 i;
	int			 wiped = 0;

	ck_assert_msg(c != NULL, "%s", err);
	key = &c->rc_listeners[0].ls_certs[0].ct_key_pem;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(key_msg(c, bad[i][0], bad[i][1], bad[i][2],
		    (uint32_t)key->bl_len, key->bl_data, key->bl_len, NULL), -1);
	/* A length that disagrees with the payload, and garbage. */
	ck_assert_int_eq(key_msg(c, TLS_KEY_LISTENER, 0, 0,
	    (uint32_t)key->bl_len + 1, key->bl_data, key->bl_len, NULL), -1);
	ck_assert_int_eq(key_msg(c, TLS_KEY_LISTENER, 0, 0, 5, "junk!", 5,
	    NULL), -1);
	/* The right one is taken and wiped from the message. */
	ck_assert_int_eq(key_msg(c, TLS_KEY_LISTENER, 0, 0,
	    (uint32_t)key->bl_len, key->bl_data, key->bl_len, &wiped), 0);
	ck_assert_int_eq(wiped, 1);
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, TLS_KEY_LISTENER);
	msgbuf_put_u32(&mb, 0);
	msgbuf_put_u32(&mb, 0);
	msgbuf_put_u32(&mb, (uint32_t)key->bl_len);
	msgbuf_put_bytes(&mb, key->bl_data, key->bl_len);
	ck_assert_int_eq(tls_keys_receive(c, &mb), -1);
	msgbuf_free(&mb);
	config_free(c);
}
END_TEST

START_TEST(test_worker_ticket_intake)
{
	unsigned char	key[TICKET_KEY_SIZE];
	struct msgbuf	mb;
	uint32_t	n;

	memset(key, 0x42, sizeof(key));
	for (n = 0; n <= TICKET_KEYS_MAX + 1; n++) {
		uint32_t i;

		msgbuf_init(&mb);
		msgbuf_put_u32(&mb, n);
		for (i = 0; i < n; i++)
			msgbuf_put_bytes(&mb, key, sizeof(key));
		ck_assert_int_eq(tls_tickets_receive(&mb),
		    n >= 1 && n <= TICKET_KEYS_MAX ? 0 : -1);
		msgbuf_free(&mb);
	}
	/* One byte short of a key. */
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, 1);
	msgbuf_put_bytes(&mb, key, sizeof(key) - 1);
	ck_assert_int_eq(tls_tickets_receive(&mb), -1);
	msgbuf_free(&mb);
}
END_TEST

Suite *
suite_config_tls(void)
{
	Suite	*s = suite_create("config_tls");
	TCase	*tc = tcase_create("tls");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tls_listener_loads);
	tcase_add_test(tc, test_tls_certificate_errors);
	tcase_add_test(tc, test_tls_list_errors);
	tcase_add_test(tc, test_redirect_routes);
	tcase_add_test(tc, test_backend_tls_errors);
	tcase_add_test(tc, test_wire_tls);
	tcase_add_test(tc, test_worker_key_intake);
	tcase_add_test(tc, test_worker_ticket_intake);
	suite_add_tcase(s, tc);
	return s;
}
