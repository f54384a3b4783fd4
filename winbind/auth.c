/*
 * rpxd-winbind's login check: wbcCtxAuthenticateUserEx at the response
 * level, with the challenge the master minted and the client's NTLMv2
 * response, the user and domain as the client sent them (the NTLMv2
 * proof covers them). winbind hands it to a domain controller (on a DC,
 * to its own SAM) and returns the account as the domain spells it and
 * the SIDs of its groups, and the login's session key (for SPNEGO's
 * mechListMIC, which the worker checks and signs). Called by main.c for
 * each IPC_WINBIND_CHECK.
 */
#include <stdio.h>
#include <string.h>

/* wbclient.h uses these types without including their headers. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wbclient.h>

#include "ipc.h"
#include "log.h"
#include "checker.h"

/*
 * What the domain says about the credentials themselves (MS-NRPC
 * NetrLogonSamLogon's statuses for a network logon): the login is
 * refused and counted. Every other status is the domain not giving a
 * verdict (NT_STATUS_NO_LOGON_SERVERS, NT_STATUS_IO_TIMEOUT, RPC
 * failures, ...), so it is never taken for one either way.
 */
static const char *const refusals[] = {
	"NT_STATUS_WRONG_PASSWORD",
	"NT_STATUS_NO_SUCH_USER",
	"NT_STATUS_LOGON_FAILURE",
	"NT_STATUS_ACCOUNT_DISABLED",
	"NT_STATUS_ACCOUNT_LOCKED_OUT",
	"NT_STATUS_ACCOUNT_EXPIRED",
	"NT_STATUS_PASSWORD_EXPIRED",
	"NT_STATUS_PASSWORD_MUST_CHANGE",
	"NT_STATUS_ACCOUNT_RESTRICTION",
	"NT_STATUS_INVALID_LOGON_HOURS",
	"NT_STATUS_INVALID_WORKSTATION",
	"NT_STATUS_LOGON_TYPE_NOT_GRANTED",
	"NT_STATUS_NO_SUCH_DOMAIN",
	"NT_STATUS_WRONG_CREDENTIAL_HANDLE",
	"NT_STATUS_NTLM_BLOCKED",
	"NT_STATUS_AUTHENTICATION_FIREWALL_FAILED",
	NULL
};

int
wb_status_refuses(const char *nt_string)
{
	unsigned	i;

	for (i = 0; nt_string != NULL && refusals[i] != NULL; i++)
		if (strcmp(refusals[i], nt_string) == 0)
			return 1;
	return 0;
}

/* Bytes the domain sends back go into a header and the log: printable
 * names only, or no login. */
static int
name_ok(const char *s)
{
	size_t	i, len;

	if (s == NULL || (len = strlen(s)) == 0 || len > NTLM_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f ||
		    s[i] == '\\')
			return 0;
	return 1;
}

void
wb_verdict_ok(const char *domain, const char *account, struct wb_verdict *v)
{
	if (!name_ok(domain) || !name_ok(account)) {
		v->wv_status = NTLM_RESULT_UNAVAILABLE;
		snprintf(v->wv_text, sizeof(v->wv_text), "the domain named "
		    "the account in a way rpxd cannot pass on");
		return;
	}
	v->wv_status = NTLM_RESULT_OK;
	snprintf(v->wv_text, sizeof(v->wv_text), "%s\\%s", domain, account);
}

/* The domain's session base key of the login (the worker signs SPNEGO's
 * mechListMIC with it); none if the domain sent zeros. */
static void
session_key(const struct wbcAuthUserInfo *info, struct wb_verdict *v)
{
	unsigned char	any = 0;
	size_t		i;

	for (i = 0; i < sizeof(info->user_session_key); i++)
		any |= info->user_session_key[i];
	if (!any || sizeof(info->user_session_key) != NTLM_HASH_LEN)
		return;
	memcpy(v->wv_reply, info->user_session_key, NTLM_HASH_LEN);
	v->wv_replylen = NTLM_HASH_LEN;
}

void
wb_auth(struct wbcContext *ctx, const struct wb_login *l,
    struct wb_verdict *v)
{
	struct wbcAuthUserParams	 p;
	struct wbcAuthUserInfo		*info = NULL;
	struct wbcAuthErrorInfo		*error = NULL;
	wbcErr				 e;

	memset(v, 0, sizeof(*v));
	memset(&p, 0, sizeof(p));
	p.account_name = l->wl_user;
	p.domain_name = l->wl_domain;
	p.workstation_name = "";
	p.level = WBC_AUTH_USER_LEVEL_RESPONSE;
	memcpy(p.password.response.challenge, l->wl_challenge,
	    sizeof(p.password.response.challenge));
	p.password.response.nt_length = l->wl_ntlen;
	p.password.response.nt_data = (uint8_t *)(uintptr_t)l->wl_nt;
	p.password.response.lm_length = 0;
	p.password.response.lm_data = NULL;
	e = wbcCtxAuthenticateUserEx(ctx, &p, &info, &error);
	if (e == WBC_ERR_SUCCESS && info != NULL) {
		wb_verdict_ok(info->domain_name, info->account_name, v);
		if (v->wv_status == NTLM_RESULT_OK) {
			wb_groups_match(info->sids, info->num_sids, v);
			session_key(info, v);
		}
	}
	else if (e == WBC_ERR_AUTH_ERROR && error != NULL) {
		v->wv_status = wb_status_refuses(error->nt_string) ?
		    NTLM_RESULT_REFUSED : NTLM_RESULT_UNAVAILABLE;
		snprintf(v->wv_text, sizeof(v->wv_text), "%s from the domain",
		    error->nt_string != NULL ? error->nt_string :
		    "an unnamed status");
	} else {
		v->wv_status = NTLM_RESULT_UNAVAILABLE;
		snprintf(v->wv_text, sizeof(v->wv_text), "winbind: %s",
		    wbcErrorString(e));
	}
	wbcFreeMemory(info);
	wbcFreeMemory(error);
}
