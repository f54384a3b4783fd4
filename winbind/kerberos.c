/*
 * rpxd-winbind's Kerberos logins (HTTP Negotiate, negotiate-keytab): the
 * keys of rpxd's HTTP service principal, read from the keytab while the
 * checker is still root into a keytab in memory (the file is never read
 * again, and no worker ever sees it), accept the client's SPNEGO or
 * Kerberos token with GSS-API, restricted to Kerberos (SPNEGO may not
 * pick another mechanism). The client's principal, user@REALM, is then
 * named by the domain through winbind, which also gives the user's
 * groups. Replays are the master's to refuse: the checkers open no file,
 * so they keep no replay cache (master/negotiate.c keeps one for all).
 * Called by main.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static krb5_context	kctx;
static krb5_keytab	memkt;
static gss_cred_id_t	acceptor = GSS_C_NO_CREDENTIAL;

/* The keys of path into the memory keytab; how many. */
static unsigned
copy_keytab(const char *path)
{
	char			 name[RPXD_FILE_MAX + 8];
	krb5_keytab		 filekt;
	krb5_kt_cursor		 cur;
	krb5_keytab_entry	 e;
	unsigned		 n = 0;

	snprintf(name, sizeof(name), "FILE:%s", path);
	if (krb5_kt_resolve(kctx, name, &filekt) != 0 ||
	    krb5_kt_start_seq_get(kctx, filekt, &cur) != 0)
		fatalx("winbind: negotiate-keytab %s cannot be read", path);
	while (krb5_kt_next_entry(kctx, filekt, &e, &cur) == 0) {
		if (krb5_kt_add_entry(kctx, memkt, &e) != 0)
			fatalx("winbind: negotiate-keytab: no memory");
		krb5_free_keytab_entry_contents(kctx, &e);
		n++;
	}
	krb5_kt_end_seq_get(kctx, filekt, &cur);
	krb5_kt_close(kctx, filekt);
	return n;
}

void
wb_kerberos_init(const char *path, int delegates)
{
	gss_OID_desc	 oids[2] = {
		{ 9, (void *)(uintptr_t)
		    "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02" },	/* krb5 */
		{ 6, (void *)(uintptr_t) "\x2b\x06\x01\x05\x05\x02" }	/* SPNEGO */
	};
	gss_OID_set_desc krb5_only = { 1, &oids[0] }, both = { 2, oids };
	gss_key_value_element_desc kt;
	gss_key_value_set_desc store = { 1, &kt };
	gss_OID_set	 mechs = GSS_C_NO_OID_SET;
	OM_uint32	 major, minor;
	char		 name[64];
	unsigned	 n;

	/* The master refuses replays; the library would want a file. */
	setenv("KRB5RCACHENAME", "none:", 1);
	setenv("KRB5RCACHETYPE", "none", 1);
	if (krb5_init_context(&kctx) != 0)
		fatalx("winbind: Kerberos: no context");
	snprintf(name, sizeof(name), "MEMORY:rpxd-winbind-%ld",
	    (long)getpid());
	if (krb5_kt_resolve(kctx, name, &memkt) != 0)
		fatalx("winbind: Kerberos: no keytab in memory");
	if ((n = copy_keytab(path)) == 0)
		fatalx("winbind: negotiate-keytab %s has no key", path);
	/* An acceptor for SPNEGO and Kerberos with the keys in memory, and
	 * SPNEGO held to Kerberos (gss-ntlmssp may be installed). */
	kt.key = "keytab";
	kt.value = name;
	major = gss_acquire_cred_from(&minor, GSS_C_NO_NAME,
	    GSS_C_INDEFINITE, &both, GSS_C_ACCEPT, &store, &acceptor, NULL,
	    NULL);
	if (GSS_ERROR(major))
		fatalx("winbind: negotiate-keytab %s: no acceptor credential",
		    path);
	if (GSS_ERROR(gss_set_neg_mechs(&minor, acceptor, &krb5_only)))
		fatalx("winbind: Kerberos: SPNEGO cannot be held to Kerberos");
	/* The mechanism glue reads its configuration once, now. */
	(void)gss_indicate_mechs(&minor, &mechs);
	(void)gss_release_oid_set(&minor, &mechs);
	log_info("winbind: %u key(s) of negotiate-keytab %s in memory", n,
	    path);
	if (delegates)
		wb_delegate_init(kctx, memkt);
}

/* GSS-API's words for major/minor, into out. */
static void
gss_why(OM_uint32 major, OM_uint32 minor, char *out, size_t len)
{
	gss_buffer_desc	b = GSS_C_EMPTY_BUFFER;
	OM_uint32	m, ctx = 0;

	out[0] = '\0';
	if (gss_display_status(&m, minor != 0 ? minor : major,
	    minor != 0 ? GSS_C_MECH_CODE : GSS_C_GSS_CODE, GSS_C_NO_OID, &ctx,
	    &b) == GSS_S_COMPLETE)
		snprintf(out, len, "%.*s", (int)b.length, (char *)b.value);
	(void)gss_release_buffer(&m, &b);
}

/* The client's principal, "user@REALM", into out; 0, or -1 with why. */
static int
accept_token(const unsigned char *tok, size_t len, char *out, size_t outlen,
    struct wb_verdict *v)
{
	gss_ctx_id_t	 gctx = GSS_C_NO_CONTEXT;
	gss_buffer_desc	 in = { len, (void *)(uintptr_t)tok };
	gss_buffer_desc	 reply = GSS_C_EMPTY_BUFFER, name = GSS_C_EMPTY_BUFFER;
	gss_name_t	 src = GSS_C_NO_NAME;
	OM_uint32	 major, minor, m;
	char		 why[200];
	int		 rv = -1;

	major = gss_accept_sec_context(&minor, &gctx, acceptor, &in,
	    GSS_C_NO_CHANNEL_BINDINGS, &src, NULL, &reply, NULL, NULL, NULL);
	v->wv_status = NTLM_RESULT_REFUSED;
	if (major == GSS_S_CONTINUE_NEEDED)
		snprintf(v->wv_text, sizeof(v->wv_text), "the token needs "
		    "another round trip (not a Kerberos ticket)");
	else if (GSS_ERROR(major)) {
		gss_why(major, minor, why, sizeof(why));
		snprintf(v->wv_text, sizeof(v->wv_text), "Kerberos: %s", why);
	} else if (GSS_ERROR(gss_display_name(&minor, src, &name, NULL)) ||
	    name.length == 0 || name.length >= outlen)
		snprintf(v->wv_text, sizeof(v->wv_text), "Kerberos: the "
		    "client's name cannot be read");
	else {
		memcpy(out, name.value, name.length);
		out[name.length] = '\0';
		rv = 0;
		/* The client may want to know it reached this service
		 * (mutual authentication): the accept-completed token with
		 * the AP-REP goes back on the response. Far larger than an
		 * AP-REP can be, it is left out, not the login. */
		if (reply.length <= sizeof(v->wv_reply)) {
			memcpy(v->wv_reply, reply.value, reply.length);
			v->wv_replylen = reply.length;
		} else
			log_warnx("winbind: Kerberos: a reply token of %zu "
			    "bytes is not sent", (size_t)reply.length);
	}
	(void)gss_release_buffer(&m, &reply);
	(void)gss_release_buffer(&m, &name);
	(void)gss_release_name(&m, &src);
	(void)gss_delete_sec_context(&m, &gctx, GSS_C_NO_BUFFER);
	return rv;
}

/* user@REALM as the domain names it (the NetBIOS name of the realm's
 * domain, the account's own spelling), with its groups, into v. */
static void
name_user(struct wbcContext *ctx, char *principal, struct wb_verdict *v)
{
	struct wbcDomainSid	 sid, *sids = NULL;
	struct wbcDomainInfo	*info = NULL;
	enum wbcSidType		 type;
	char			*at = strrchr(principal, '@'), *dom = NULL;
	char			*user = NULL;
	uint32_t		 n = 0;
	wbcErr			 e;

	if (at == NULL || at == principal || at[1] == '\0') {
		v->wv_status = NTLM_RESULT_REFUSED;
		snprintf(v->wv_text, sizeof(v->wv_text), "Kerberos: %.200s is "
		    "no user@REALM", principal);
		return;
	}
	*at = '\0';
	if ((e = wbcCtxLookupName(ctx, at + 1, principal, &sid, &type)) !=
	    WBC_ERR_SUCCESS || type != WBC_SID_NAME_USER ||
	    (e = wbcCtxLookupSid(ctx, &sid, &dom, &user, &type)) !=
	    WBC_ERR_SUCCESS ||
	    (e = wbcCtxDomainInfo(ctx, at + 1, &info)) != WBC_ERR_SUCCESS ||
	    (e = wbcCtxLookupUserSids(ctx, &sid, false, &n, &sids)) !=
	    WBC_ERR_SUCCESS) {
		v->wv_status = e == WBC_ERR_SUCCESS ||
		    e == WBC_ERR_DOMAIN_NOT_FOUND || e == WBC_ERR_INVALID_SID ?
		    NTLM_RESULT_REFUSED : NTLM_RESULT_UNAVAILABLE;
		snprintf(v->wv_text, sizeof(v->wv_text), "Kerberos: "
		    "%.200s@%.200s not named by the domain: %s", principal, at + 1,
		    e == WBC_ERR_SUCCESS ? "not a user" : wbcErrorString(e));
		goto done;
	}
	wb_verdict_ok(info->short_name, user, v);
	if (v->wv_status == NTLM_RESULT_OK)
		wb_groups_match_sids(&sid, sids, n, v);
done:
	wbcFreeMemory(info);
	wbcFreeMemory(dom);
	wbcFreeMemory(user);
	wbcFreeMemory(sids);
}

void
wb_kerberos(struct wbcContext *ctx, const unsigned char *tok, size_t len,
    struct wb_verdict *v)
{
	char	principal[2 * NTLM_NAME_MAX + 2];

	memset(v, 0, sizeof(*v));
	if (acceptor == GSS_C_NO_CREDENTIAL) {
		v->wv_status = NTLM_RESULT_UNAVAILABLE;
		snprintf(v->wv_text, sizeof(v->wv_text), "no "
		    "negotiate-keytab is loaded");
		return;
	}
	if (accept_token(tok, len, principal, sizeof(principal), v) == 0) {
		/* name_user cuts it at the '@'; a delegate needs it whole. */
		snprintf(v->wv_principal, sizeof(v->wv_principal), "%s",
		    principal);
		name_user(ctx, principal, v);
	}
}
