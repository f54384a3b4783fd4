/*
 * rpxd-winbind's Kerberos constrained delegation (a route's delegate,
 * issue 18): after a login, a Kerberos ticket of that user for the
 * backend's service principal, which the worker presents to the backend
 * (Authorization: Negotiate) on the connection it then keeps for that
 * client. The account whose keys negotiate-keytab holds asks the KDC
 * for a ticket of the user to itself (S4U2Self, protocol transition: the
 * user logged in with NTLM or with a ticket for rpxd), then for one to
 * the backend (S4U2Proxy), which the domain grants only when the
 * account may delegate to that principal. MIT krb5's GSS-API does both
 * (gss_acquire_cred_impersonate_name, gss_init_sec_context).
 *
 * The account's own ticket (TGT, forwardable: S4U2Proxy wants the
 * evidence ticket forwardable) is got with the keys in memory and
 * renewed before it ends; every delegation starts from a fresh memory
 * cache holding only it, which is destroyed after, so no user's ticket
 * is kept and memory stays bounded. Each login costs two TGS exchanges.
 * This is the one part of rpxd-winbind that talks to the network (the
 * KDC); the sandbox lets it only with a delegate configured. Called by
 * main.c; kerberos.c hands over the keys.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

/* wbclient.h uses these types without including their headers. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wbclient.h>

#include "ipc.h"
#include "log.h"
#include "checker.h"

#define TGT_RENEW_BEFORE	300	/* s before its end: a new TGT */

static krb5_context	 dctx;
static krb5_keytab	 dkt;
static krb5_principal	 account;	/* the one that delegates */
static char		 account_name[256];
static krb5_creds	 tgt;
static int		 have_tgt;
static unsigned long	 caches;	/* names the memory caches */

static gss_OID_desc	 krb5_oid = { 9, (void *)(uintptr_t)
			    "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02" };

/*
 * The account: the keytab's first principal of one component (the
 * account's own name, user@REALM, as samba-tool exportkeytab
 * --principal=<account> or ktpass's -mapuser with its UPN write it),
 * else its first principal. An AD KDC takes a service principal as the
 * client of an AS exchange only when it is also the account's UPN.
 */
static int
pick_account(void)
{
	krb5_kt_cursor		cur;
	krb5_keytab_entry	e;
	int			found = 0;

	if (krb5_kt_start_seq_get(dctx, dkt, &cur) != 0)
		return -1;
	while (krb5_kt_next_entry(dctx, dkt, &e, &cur) == 0) {
		if (account == NULL || (!found &&
		    krb5_princ_size(dctx, e.principal) == 1)) {
			if (account != NULL)
				krb5_free_principal(dctx, account);
			if (krb5_copy_principal(dctx, e.principal,
			    &account) != 0)
				account = NULL;
			found = krb5_princ_size(dctx, e.principal) == 1;
		}
		krb5_free_keytab_entry_contents(dctx, &e);
	}
	krb5_kt_end_seq_get(dctx, dkt, &cur);
	return account == NULL ? -1 : 0;
}

void
wb_delegate_init(krb5_context ctx, krb5_keytab kt)
{
	char	*name = NULL;

	dctx = ctx;
	dkt = kt;
	if (pick_account() == -1 ||
	    krb5_unparse_name(dctx, account, &name) != 0)
		fatalx("winbind: delegate: negotiate-keytab names no account");
	snprintf(account_name, sizeof(account_name), "%s", name);
	krb5_free_unparsed_name(dctx, name);
	log_info("winbind: delegate: delegating as %s (the keys of "
	    "negotiate-keytab)", account_name);
}

/* Whether a Kerberos error means no KDC gave an answer (503), not a
 * refusal (502). */
static int
kdc_unreachable(krb5_error_code e)
{
	return e == KRB5_KDC_UNREACH || e == KRB5_REALM_CANT_RESOLVE ||
	    e == KRB5_REALM_UNKNOWN || e == ETIMEDOUT || e == ECONNREFUSED;
}

/* A failed delegation: 503 when unreachable, else 502; why is set. */
static void
fail(struct wb_verdict *v, int unreachable)
{
	v->wv_dstate = unreachable ? DELEGATION_UNAVAILABLE :
	    DELEGATION_REFUSED;
}

/* The account's TGT, forwardable, from the keys: 0, or -1 with why. */
static int
tgt_get(struct wb_verdict *v)
{
	krb5_get_init_creds_opt	*opt = NULL;
	krb5_error_code		 e;
	const char		*msg;

	if (have_tgt && tgt.times.endtime - time(NULL) > TGT_RENEW_BEFORE)
		return 0;
	if (have_tgt)
		krb5_free_cred_contents(dctx, &tgt);
	have_tgt = 0;
	memset(&tgt, 0, sizeof(tgt));
	if ((e = krb5_get_init_creds_opt_alloc(dctx, &opt)) == 0) {
		krb5_get_init_creds_opt_set_forwardable(opt, 1);
		e = krb5_get_init_creds_keytab(dctx, &tgt, account, dkt, 0,
		    NULL, opt);
		krb5_get_init_creds_opt_free(dctx, opt);
	}
	if (e != 0) {
		msg = krb5_get_error_message(dctx, e);
		fail(v, kdc_unreachable(e));
		snprintf(v->wv_dwhy, sizeof(v->wv_dwhy), "the account %.64s "
		    "cannot log in to the KDC: %.150s", account_name, msg);
		krb5_free_error_message(dctx, msg);
		return -1;
	}
	have_tgt = 1;
	log_info("winbind: delegate: a ticket of %s until %lld", account_name,
	    (long long)tgt.times.endtime);
	return 0;
}

/* A memory cache of its own holding only the TGT, named into name. */
static krb5_ccache
cache_new(char *name, size_t len)
{
	krb5_ccache	cc;

	snprintf(name, len, "MEMORY:rpxd-delegate-%ld-%lu", (long)getpid(),
	    ++caches);
	if (krb5_cc_resolve(dctx, name, &cc) != 0)
		return NULL;
	if (krb5_cc_initialize(dctx, cc, account) != 0 ||
	    krb5_cc_store_cred(dctx, cc, &tgt) != 0) {
		krb5_cc_destroy(dctx, cc);
		return NULL;
	}
	return cc;
}

/* GSS-API's words for a failure, and whether it is a KDC not answering. */
static int
gss_fail(OM_uint32 major, OM_uint32 minor, char *out, size_t len)
{
	gss_buffer_desc	b = GSS_C_EMPTY_BUFFER;
	OM_uint32	m, more = 0;
	const char	*unreach = error_message(KRB5_KDC_UNREACH);

	out[0] = '\0';
	if (gss_display_status(&m, minor != 0 ? minor : major,
	    minor != 0 ? GSS_C_MECH_CODE : GSS_C_GSS_CODE, &krb5_oid, &more,
	    &b) == GSS_S_COMPLETE)
		snprintf(out, len, "%.*s", (int)b.length, (char *)b.value);
	(void)gss_release_buffer(&m, &b);
	return kdc_unreachable((krb5_error_code)minor) ||
	    strstr(out, unreach) != NULL;
}

/* S4U2Self for user, S4U2Proxy to spn, with the TGT in cache name:
 * the first context token into v. */
static void
delegate(const char *cache, const char *user, const char *spn,
    struct wb_verdict *v)
{
	gss_key_value_element_desc el = { "ccache", cache };
	gss_key_value_set_desc	 store = { 1, &el };
	gss_OID_set_desc	 mechs = { 1, &krb5_oid };
	gss_cred_id_t		 self = GSS_C_NO_CREDENTIAL;
	gss_cred_id_t		 as_user = GSS_C_NO_CREDENTIAL;
	gss_name_t		 uname = GSS_C_NO_NAME, target = GSS_C_NO_NAME;
	gss_ctx_id_t		 gctx = GSS_C_NO_CONTEXT;
	gss_buffer_desc		 ub = { strlen(user), (void *)(uintptr_t)user };
	gss_buffer_desc		 sb = { strlen(spn), (void *)(uintptr_t)spn };
	gss_buffer_desc		 out = GSS_C_EMPTY_BUFFER;
	OM_uint32		 major, minor, m;
	const char		*step;
	char			 why[200];

	step = "the account's credential";
	major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE,
	    &mechs, GSS_C_INITIATE, &store, &self, NULL, NULL);
	if (!GSS_ERROR(major)) {
		step = "the names";
		major = gss_import_name(&minor, &ub,
		    (gss_OID)(uintptr_t)GSS_KRB5_NT_PRINCIPAL_NAME, &uname);
		if (!GSS_ERROR(major))
			major = gss_import_name(&minor, &sb,
			    (gss_OID)(uintptr_t)GSS_KRB5_NT_PRINCIPAL_NAME,
			    &target);
	}
	if (!GSS_ERROR(major)) {
		step = "S4U2Self (a ticket of the user to the account)";
		major = gss_acquire_cred_impersonate_name(&minor, self, uname,
		    GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &as_user, NULL,
		    NULL);
	}
	if (!GSS_ERROR(major)) {
		step = "S4U2Proxy (a ticket of the user to the backend)";
		major = gss_init_sec_context(&minor, as_user, &gctx, target,
		    &krb5_oid, 0, GSS_C_INDEFINITE, GSS_C_NO_CHANNEL_BINDINGS,
		    GSS_C_NO_BUFFER, NULL, &out, NULL, NULL);
	}
	if (GSS_ERROR(major)) {
		fail(v, gss_fail(major, minor, why, sizeof(why)));
		snprintf(v->wv_dwhy, sizeof(v->wv_dwhy), "%s: %.150s", step, why);
	} else if (out.length == 0 || out.length > sizeof(v->wv_dtoken)) {
		fail(v, 0);
		snprintf(v->wv_dwhy, sizeof(v->wv_dwhy), "a token of %zu "
		    "bytes for %s (at most %zu are sent)", (size_t)out.length,
		    spn, sizeof(v->wv_dtoken));
	} else {
		memcpy(v->wv_dtoken, out.value, out.length);
		v->wv_dtokenlen = out.length;
		v->wv_dstate = DELEGATION_OK;
		snprintf(v->wv_dwhy, sizeof(v->wv_dwhy), "as %s", user);
	}
	(void)gss_release_buffer(&m, &out);
	(void)gss_delete_sec_context(&m, &gctx, GSS_C_NO_BUFFER);
	(void)gss_release_cred(&m, &as_user);
	(void)gss_release_cred(&m, &self);
	(void)gss_release_name(&m, &uname);
	(void)gss_release_name(&m, &target);
}

/* user@REALM of an NTLM login's DOMAIN\account: the realm is the DNS
 * name of that domain, in upper case. */
static int
ntlm_principal(struct wbcContext *ctx, const char *identity, char *out,
    size_t len)
{
	struct wbcDomainInfo	*info = NULL;
	const char		*bs = strchr(identity, '\\');
	char			 dom[NTLM_NAME_MAX + 1];
	size_t			 i, n;
	int			 rv = -1;

	if (bs == NULL || (size_t)(bs - identity) >= sizeof(dom))
		return -1;
	memcpy(dom, identity, (size_t)(bs - identity));
	dom[bs - identity] = '\0';
	if (wbcCtxDomainInfo(ctx, dom, &info) == WBC_ERR_SUCCESS &&
	    info->dns_name != NULL && info->dns_name[0] != '\0' &&
	    (size_t)snprintf(out, len, "%s@%s", bs + 1, info->dns_name) < len) {
		n = strlen(bs + 1) + 1;
		for (i = n; out[i] != '\0'; i++)
			if (out[i] >= 'a' && out[i] <= 'z')
				out[i] = (char)(out[i] - 'a' + 'A');
		rv = 0;
	}
	wbcFreeMemory(info);
	return rv;
}

void
wb_delegate(struct wbcContext *ctx, const char *spn, struct wb_verdict *v)
{
	char		 user[2 * NTLM_NAME_MAX + 2], cname[96];
	krb5_ccache	 cc;

	if (v->wv_status != NTLM_RESULT_OK || spn[0] == '\0')
		return;
	if (account == NULL) {
		fail(v, 1);
		snprintf(v->wv_dwhy, sizeof(v->wv_dwhy), "no negotiate-keytab "
		    "is loaded");
		return;
	}
	if (v->wv_principal[0] != '\0')
		snprintf(user, sizeof(user), "%s", v->wv_principal);
	else if (ntlm_principal(ctx, v->wv_text, user, sizeof(user)) == -1) {
		fail(v, 1);
		snprintf(v->wv_dwhy, sizeof(v->wv_dwhy), "the domain of %.100s "
		    "has no DNS name (no Kerberos realm)", v->wv_text);
		return;
	}
	if (tgt_get(v) == -1)
		return;
	if ((cc = cache_new(cname, sizeof(cname))) == NULL) {
		fail(v, 1);
		snprintf(v->wv_dwhy, sizeof(v->wv_dwhy), "no memory "
		    "credential cache");
		return;
	}
	delegate(cname, user, spn, v);
	krb5_cc_destroy(dctx, cc);
}
