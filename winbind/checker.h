/*
 * rpxd-winbind, the domain checker of ntlm-source = "winbind": the
 * master (master/winbind.c) hands it one NTLM login at a time with the
 * challenge the master minted; it asks winbind (libwbclient) to verify
 * it against the domain (auth.c), or a Kerberos token against the keys
 * of negotiate-keytab (kerberos.c), and answers with the verdict, the
 * canonical DOMAIN\user and the require-group names the user is in
 * (groups.c). main.c sets it up and runs its loop.
 */
#ifndef RPXD_CHECKER_H
#define RPXD_CHECKER_H

#include <stddef.h>
#include <stdint.h>

#include <krb5.h>

#include "config.h"
#include "ntlm.h"

struct wbcContext;
struct wbcSidWithAttr;
struct wbcDomainSid;

/* One login as the master sends it (IPC_WINBIND_CHECK). */
struct wb_login {
	uint32_t	 wl_id;
	uint32_t	 wl_kind;	/* WINBIND_LOGIN_* */
	uint32_t	 wl_toklen;	/* WINBIND_LOGIN_KERBEROS */
	unsigned char	 wl_token[NTLM_MSG_MAX];
	char		 wl_user[NTLM_NAME_MAX + 1];
	char		 wl_domain[NTLM_NAME_MAX + 1];
	unsigned char	 wl_challenge[NTLM_CHALLENGE_LEN];
	uint32_t	 wl_ntlen;
	unsigned char	 wl_nt[NTLM_NT_RESPONSE_MAX];
	char		 wl_spn[RPXD_SPN_MAX];	/* a route's delegate, or "" */
};

/* A verdict (IPC_WINBIND_ANSWER). */
struct wb_verdict {
	int		 wv_status;		/* NTLM_RESULT_* */
	char		 wv_text[2 * NTLM_NAME_MAX + 2];	/* identity
						   or why */
	unsigned	 wv_ngroups;
	unsigned	 wv_groups[RPXD_ALL_GROUPS_MAX];	/* indexes
						   of groups.c's names */
	size_t		 wv_replylen;	/* a Kerberos login's reply token
					   (mutual authentication), an NTLM
					   login's session base key, or 0 */
	unsigned char	 wv_reply[NEGOTIATE_REPLY_MAX];
	char		 wv_principal[2 * NTLM_NAME_MAX + 2];	/* a
					   Kerberos login's user@REALM */
	int		 wv_dstate;	/* DELEGATION_* */
	char		 wv_dwhy[DELEGATION_WHY_MAX];
	size_t		 wv_dtokenlen;
	unsigned char	 wv_dtoken[DELEGATION_TOKEN_MAX];	/* for the
					   backend, with DELEGATION_OK */
};

/* auth.c: verifies l (an NTLM login) through winbind into *v. */
void	wb_auth(struct wbcContext *ctx, const struct wb_login *l,
	    struct wb_verdict *v);
/*
 * The verdict for a winbind result: credentials the domain refused
 * (wrong password, unknown or disabled account ...) count as a failed
 * login; anything else (winbind or the domain controller unreachable,
 * an unknown status) is no verdict at all, never a login.
 */
int	wb_status_refuses(const char *nt_string);
/* A login as DOMAIN\account, if the names can be passed on. */
void	wb_verdict_ok(const char *domain, const char *account,
	    struct wb_verdict *v);

/* kerberos.c: the keys of negotiate-keytab into memory, as root, before
 * the sandbox; then a Kerberos (SPNEGO) token verified into *v. */
void	wb_kerberos_init(const char *keytab, int delegates);
void	wb_kerberos(struct wbcContext *ctx, const unsigned char *tok,
	    size_t len, struct wb_verdict *v);

/* delegate.c: the account of the keys (before the sandbox), then per
 * login with a delegate spn, a Kerberos token of v's user for spn into
 * v (wv_dstate and the rest). */
void	wb_delegate_init(krb5_context ctx, krb5_keytab kt);
void	wb_delegate(struct wbcContext *ctx, const char *spn,
	    struct wb_verdict *v);

/* groups.c: the require-group names, resolved to SIDs through winbind
 * when they arrive and again, at most once a minute, for those the
 * domain did not know then. */
void	wb_groups_set(char (*names)[RPXD_GROUP_NAME_MAX], unsigned n);
void	wb_groups_resolve(struct wbcContext *ctx);
const char *wb_group_name(unsigned i);
/* The indexes of the names among sids into v (wv_groups). */
void	wb_groups_match(const struct wbcSidWithAttr *sids, uint32_t nsids,
	    struct wb_verdict *v);
void	wb_groups_match_sids(const struct wbcDomainSid *user,
	    const struct wbcDomainSid *sids, uint32_t nsids,
	    struct wb_verdict *v);

#endif
