/*
 * rpxd-winbind's require-group names (IPC_WINBIND_GROUPS from the
 * master): each resolved to its SID through winbind (wbcCtxLookupName,
 * "DOMAIN\group" or a group of winbind's own domain) when the list
 * arrives; one the domain did not know, or could not be asked about, is
 * tried again when a login needs it, at most once a minute. A login's
 * groups are the SIDs the domain returned for it (the account, its
 * primary group and the groups of its token; for a Kerberos login, the
 * groups winbind looks up for the account), matched against them.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

/* wbclient.h uses these types without including their headers. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wbclient.h>

#include "clock.h"
#include "log.h"
#include "checker.h"

#define RESOLVE_RETRY_MS	60000

struct wb_group {
	char			 wg_name[RPXD_GROUP_NAME_MAX];
	int			 wg_resolved;
	int64_t			 wg_tried;	/* now_ms(), 0: never */
	struct wbcDomainSid	 wg_sid;
};

static struct wb_group	groups[RPXD_ALL_GROUPS_MAX];
static unsigned		ngroups;

void
wb_groups_set(char (*names)[RPXD_GROUP_NAME_MAX], unsigned n)
{
	unsigned	i;

	memset(groups, 0, sizeof(groups));
	ngroups = n <= RPXD_ALL_GROUPS_MAX ? n : RPXD_ALL_GROUPS_MAX;
	for (i = 0; i < ngroups; i++)
		snprintf(groups[i].wg_name, sizeof(groups[i].wg_name), "%s",
		    names[i]);
}

const char *
wb_group_name(unsigned i)
{
	return i < ngroups ? groups[i].wg_name : "";
}

static int
is_group(enum wbcSidType t)
{
	return t == WBC_SID_NAME_DOM_GRP || t == WBC_SID_NAME_ALIAS ||
	    t == WBC_SID_NAME_WKN_GRP;
}

static void
resolve(struct wbcContext *ctx, struct wb_group *g)
{
	char		 domain[RPXD_GROUP_NAME_MAX];
	const char	*name = g->wg_name, *bs = strchr(g->wg_name, '\\');
	enum wbcSidType	 type = WBC_SID_NAME_USE_NONE;
	char		 sid[WBC_SID_STRING_BUFLEN];
	wbcErr		 e;

	domain[0] = '\0';
	if (bs != NULL) {
		snprintf(domain, sizeof(domain), "%.*s", (int)(bs - name),
		    name);
		name = bs + 1;
	}
	g->wg_tried = now_ms();
	e = wbcCtxLookupName(ctx, domain, name, &g->wg_sid, &type);
	if (e != WBC_ERR_SUCCESS) {
		log_warnx("winbind: require-group \"%s\": not resolved (%s); "
		    "no user is in it until it is", g->wg_name,
		    wbcErrorString(e));
		return;
	}
	if (!is_group(type)) {
		log_warnx("winbind: require-group \"%s\": the domain names "
		    "no group so (a name of type %d)", g->wg_name, (int)type);
		return;
	}
	g->wg_resolved = 1;
	wbcSidToStringBuf(&g->wg_sid, sid, sizeof(sid));
	log_info("winbind: require-group \"%s\" is %s", g->wg_name, sid);
}

/* The names not resolved yet and not tried in the last minute. */
void
wb_groups_resolve(struct wbcContext *ctx)
{
	int64_t		now = now_ms();
	unsigned	i;

	for (i = 0; i < ngroups; i++)
		if (!groups[i].wg_resolved && (groups[i].wg_tried == 0 ||
		    now - groups[i].wg_tried >= RESOLVE_RETRY_MS))
			resolve(ctx, &groups[i]);
}

static int
sid_equal(const struct wbcDomainSid *a, const struct wbcDomainSid *b)
{
	int	i;

	if (a->sid_rev_num != b->sid_rev_num ||
	    a->num_auths != b->num_auths || a->num_auths > WBC_MAXSUBAUTHS ||
	    memcmp(a->id_auth, b->id_auth, sizeof(a->id_auth)) != 0)
		return 0;
	for (i = 0; i < a->num_auths; i++)
		if (a->sub_auths[i] != b->sub_auths[i])
			return 0;
	return 1;
}

/* Whether group i is sid; the groups one after the other, then done. */
static void
match_one(const struct wbcDomainSid *sid, struct wb_verdict *v,
    unsigned char *in)
{
	unsigned	i;

	for (i = 0; i < ngroups; i++)
		if (groups[i].wg_resolved && !in[i] &&
		    sid_equal(&groups[i].wg_sid, sid)) {
			in[i] = 1;
			v->wv_groups[v->wv_ngroups++] = i;
		}
}

void
wb_groups_match(const struct wbcSidWithAttr *sids, uint32_t nsids,
    struct wb_verdict *v)
{
	unsigned char	in[RPXD_ALL_GROUPS_MAX] = { 0 };
	uint32_t	j;

	v->wv_ngroups = 0;
	for (j = 0; j < nsids; j++)
		match_one(&sids[j].sid, v, in);
}

void
wb_groups_match_sids(const struct wbcDomainSid *user,
    const struct wbcDomainSid *sids, uint32_t nsids, struct wb_verdict *v)
{
	unsigned char	in[RPXD_ALL_GROUPS_MAX] = { 0 };
	uint32_t	j;

	v->wv_ngroups = 0;
	match_one(user, v, in);
	for (j = 0; j < nsids; j++)
		match_one(&sids[j], v, in);
}
