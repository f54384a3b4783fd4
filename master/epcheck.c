/*
 * The Extended Protection warning. Exchange servers that require
 * Extended Protection for Authentication bind NTLM/Kerberos logins to
 * the certificate the client saw; through a TLS-terminating proxy that
 * works only if the backend presents the listener's certificate. At load
 * (ep_setup, from main.c and reload.c, unless check-extended-protection
 * is off) and on rpxctl check-backends (control_cmd.c), the health
 * checker fetches the leaf certificate of every server of a TLS backend
 * that a passthrough route on a TLS listener uses (health/cert_fetch.c);
 * the master never connects itself. Its answers (ep_answer, from
 * health.c) are compared with the listener's certificates here, once all
 * are in or the round's deadline passed; a difference is a warning, an
 * unreachable server only an info line.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control.h"
#include "ep_cert.h"
#include "ipc.h"
#include "log.h"
#include "master.h"

#define EP_ANSWER_SLACK	2	/* s past the checker's own deadlines */

enum ep_state {
	EP_WAITING = 0,		/* not sent yet */
	EP_SENT,
	EP_GOT,
	EP_FAILED
};

/* One server to ask for its certificate. */
struct ep_target {
	unsigned	 et_be;
	unsigned	 et_sv;
	uint32_t	 et_id;		/* of the request in flight */
	int		 et_state;	/* enum ep_state */
	unsigned char	*et_der;	/* EP_GOT */
	size_t		 et_len;
	char		 et_why[256];	/* EP_FAILED */
};

static struct ep_target	*ep_targets;
static unsigned		 ep_ntargets;
static int		 ep_running;	/* a round is on */
static time_t		 ep_deadline;	/* of the round */
static uint32_t		 ep_ids;

/* Does route rt of listener ls take part? A passthrough route on a TLS
 * listener, to a TLS backend. */
static int
ep_route(const struct rpxd_conf *c, const struct listener_conf *ls,
    const struct route_conf *rt)
{
	return ls->ls_ncerts > 0 && !ls->ls_metrics &&
	    rt->rt_auth == AUTH_PASSTHROUGH &&
	    rt->rt_backend != RPXD_NO_BACKEND &&
	    rt->rt_backend < c->rc_nbackends &&
	    c->rc_backends[rt->rt_backend].be_tls;
}

static int
ep_backend_used(const struct rpxd_conf *c, unsigned bi)
{
	unsigned	i, j;

	for (i = 0; i < c->rc_nlisteners; i++)
		for (j = 0; j < c->rc_listeners[i].ls_nroutes; j++)
			if (c->rc_listeners[i].ls_routes[j].rt_backend == bi &&
			    ep_route(c, &c->rc_listeners[i],
			    &c->rc_listeners[i].ls_routes[j]))
				return 1;
	return 0;
}

/* Is there anything to check (the health checker must run)? */
int
ep_needed(const struct rpxd_conf *c)
{
	unsigned	i;

	for (i = 0; i < c->rc_nbackends; i++)
		if (ep_backend_used(c, i))
			return 1;
	return 0;
}

static void
targets_free(void)
{
	unsigned	i;

	for (i = 0; i < ep_ntargets; i++)
		free(ep_targets[i].et_der);
	free(ep_targets);
	ep_targets = NULL;
	ep_ntargets = 0;
	ep_running = 0;
}

/* A round over every server of the backends that take part. */
static void
round_start(struct master *m)
{
	const struct rpxd_conf	*c = m->m_conf;
	unsigned		 i, j, n = 0, waves;

	targets_free();
	for (i = 0; i < c->rc_nbackends; i++)
		if (ep_backend_used(c, i))
			n += c->rc_backends[i].be_nservers;
	if (n == 0)
		return;
	if ((ep_targets = calloc(n, sizeof(*ep_targets))) == NULL) {
		log_warn("ep: calloc");
		return;
	}
	for (i = 0; i < c->rc_nbackends; i++)
		if (ep_backend_used(c, i))
			for (j = 0; j < c->rc_backends[i].be_nservers; j++)
				ep_targets[ep_ntargets++] = (struct ep_target){
				    .et_be = i, .et_sv = j };
	/* The checker runs CERT_FETCHES_MAX at once, each bounded by
	 * backend-connect-timeout. */
	waves = (n + CERT_FETCHES_MAX - 1) / CERT_FETCHES_MAX;
	ep_deadline = time(NULL) + (time_t)waves *
	    c->rc_backend_connect_timeout + EP_ANSWER_SLACK;
	ep_running = 1;
}

static void
round_send(struct master *m)
{
	struct msgbuf	mb;
	unsigned	i;
	int		rv, err;

	for (i = 0; i < ep_ntargets; i++) {
		struct ep_target *et = &ep_targets[i];

		if (et->et_state != EP_WAITING || m->m_health.hp_sock == -1)
			continue;
		if (++ep_ids == 0)
			ep_ids = 1;
		et->et_id = ep_ids;
		msgbuf_init(&mb);
		msgbuf_put_u32(&mb, et->et_id);
		msgbuf_put_u32(&mb, et->et_be);
		msgbuf_put_u32(&mb, et->et_sv);
		rv = ipc_send(m->m_health.hp_sock, IPC_CERT_FETCH, -1, &mb);
		err = errno;
		msgbuf_free(&mb);
		/* A full socket (a checker still reading its setup) took
		 * nothing: again in a second, within the round's deadline. */
		if (rv == -1 && (err == EAGAIN || err == EWOULDBLOCK))
			return;
		if (rv == -1) {
			et->et_state = EP_FAILED;
			snprintf(et->et_why, sizeof(et->et_why), "the health "
			    "checker took no request: %s", strerror(err));
		} else
			et->et_state = EP_SENT;
	}
}

static struct ep_target *
target_of(unsigned be, unsigned sv)
{
	unsigned	i;

	for (i = 0; i < ep_ntargets; i++)
		if (ep_targets[i].et_be == be && ep_targets[i].et_sv == sv)
			return &ep_targets[i];
	return NULL;
}

/* A server that could not be checked: info, never an error. */
static void
judge_unchecked(const struct listener_conf *ls, const struct route_conf *rt,
    const struct backend_conf *be, unsigned sv, const char *hname,
    const struct ep_target *et, struct strbuf *out)
{
	const char	*why = et->et_state == EP_FAILED ? et->et_why :
			    "no answer from the health checker";

	log_info("ep: listener \"%s\" route \"%s\": backend \"%s\" server %s "
	    "could not be checked for %s: %s", ls->ls_name, rt->rt_name,
	    be->be_name, be->be_servers[sv].sv_name, hname, why);
	if (out != NULL)
		strbuf_printf(out, "listener \"%s\" route \"%s\" host %s: "
		    "backend \"%s\" server %s: unreachable: could not be "
		    "checked (%s)\n", ls->ls_name, rt->rt_name, hname,
		    be->be_name, be->be_servers[sv].sv_name, why);
}

/* The result of one route host against one server: a log line and, for
 * rpxctl, a line to out (NULL: none). */
static void
judge(struct master *m, const struct listener_conf *ls,
    const struct route_conf *rt, unsigned sv, const char *host,
    X509 *const *leaves, struct strbuf *out)
{
	const struct backend_conf	*be = &m->m_conf->rc_backends[
					    rt->rt_backend];
	const struct ep_target		*et = target_of(rt->rt_backend, sv);
	unsigned			 k = ep_listener_cert(leaves,
					    ls->ls_ncerts, host);
	const char			*hname = host != NULL ? host :
					    "any host";
	char				 bd[EP_DESCRIBE_MAX], ld[EP_DESCRIBE_MAX];
	const unsigned char		*p;
	X509				*bx;

	if (et == NULL)
		return;
	if (et->et_state != EP_GOT) {
		judge_unchecked(ls, rt, be, sv, hname, et, out);
		return;
	}
	ep_describe(leaves[k], ld, sizeof(ld));
	if (leaves[k] != NULL && ep_same_cert(leaves[k], et->et_der,
	    et->et_len)) {
		log_info("ep: listener \"%s\" route \"%s\": backend \"%s\" "
		    "server %s presents the listener's certificate for %s "
		    "(%s)", ls->ls_name, rt->rt_name, be->be_name,
		    be->be_servers[sv].sv_name, hname, ld);
		if (out != NULL)
			strbuf_printf(out, "listener \"%s\" route \"%s\" host "
			    "%s: backend \"%s\" server %s: same\n", ls->ls_name,
			    rt->rt_name, hname, be->be_name,
			    be->be_servers[sv].sv_name);
		return;
	}
	p = et->et_der;
	bx = d2i_X509(NULL, &p, (long)et->et_len);
	ep_describe(bx, bd, sizeof(bd));
	if (bx == NULL)
		snprintf(bd, sizeof(bd), "not a parsable certificate");
	X509_free(bx);
	log_warnx("ep: listener \"%s\" route \"%s\": backend \"%s\" server %s "
	    "presents a certificate other than the listener's for %s "
	    "(backend: %s; listener: %s): Exchange servers requiring "
	    "Extended Protection for Authentication will refuse NTLM/Kerberos "
	    "logins through this proxy unless both sides use the same "
	    "certificate", ls->ls_name, rt->rt_name, be->be_name,
	    be->be_servers[sv].sv_name, hname, bd, ld);
	if (out != NULL)
		strbuf_printf(out, "listener \"%s\" route \"%s\" host %s: "
		    "backend \"%s\" server %s: differs (backend: %s; listener: "
		    "%s)\n", ls->ls_name, rt->rt_name, hname, be->be_name,
		    be->be_servers[sv].sv_name, bd, ld);
}

static void
judge_listener(struct master *m, const struct listener_conf *ls,
    struct strbuf *out)
{
	X509		**leaves;
	unsigned	  i, j, h;

	if ((leaves = calloc(ls->ls_ncerts, sizeof(*leaves))) == NULL) {
		log_warn("ep: calloc");
		return;
	}
	for (i = 0; i < ls->ls_ncerts; i++)
		leaves[i] = ep_leaf_from_pem(&ls->ls_certs[i].ct_chain_pem);
	for (i = 0; i < ls->ls_nroutes; i++) {
		const struct route_conf *rt = &ls->ls_routes[i];

		if (!ep_route(m->m_conf, ls, rt))
			continue;
		for (j = 0; j < m->m_conf->rc_backends[rt->rt_backend].
		    be_nservers; j++) {
			if (rt->rt_nhosts == 0)
				judge(m, ls, rt, j, NULL, leaves, out);
			for (h = 0; h < rt->rt_nhosts; h++)
				judge(m, ls, rt, j, rt->rt_hosts[h], leaves,
				    out);
		}
	}
	for (i = 0; i < ls->ls_ncerts; i++)
		X509_free(leaves[i]);
	free(leaves);
}

/* All answers are in, or the deadline passed: log, and answer the rpxctl
 * clients that wait. */
static void
round_end(struct master *m)
{
	struct strbuf	report;
	unsigned	i;

	ep_running = 0;
	strbuf_init(&report);
	strbuf_printf(&report, "ok\n");
	for (i = 0; i < m->m_conf->rc_nlisteners; i++)
		judge_listener(m, &m->m_conf->rc_listeners[i], &report);
	control_answer_waiting(m, &report);
	strbuf_free(&report);
}

/* After a configuration is loaded (start-up and reload), with the
 * checker launched. */
void
ep_setup(struct master *m)
{
	targets_free();
	if (!ep_needed(m->m_conf)) {
		control_answer_waiting(m, NULL);
		return;
	}
	if (!m->m_conf->rc_check_ep && !control_waiting(m))
		return;
	round_start(m);
	round_send(m);
}

/* rpxctl check-backends: 0 when the answer comes later
 * (control_answer_waiting), -1 with out filled now. */
int
ep_control(struct master *m, struct strbuf *out)
{
	if (!ep_needed(m->m_conf)) {
		strbuf_printf(out, "ok\nno passthrough route on a TLS listener "
		    "to a TLS backend: nothing to check\n");
		return -1;
	}
	if (!ep_running) {
		round_start(m);
		round_send(m);
	}
	if (!ep_running) {
		strbuf_printf(out, "error: out of memory\n");
		return -1;
	}
	return 0;
}

/* How long an rpxctl client may wait for the round. */
time_t
ep_round_deadline(void)
{
	return ep_deadline;
}

/* Once a second: requests the checker could not take yet, and the
 * round's deadline. */
void
ep_maintain(struct master *m)
{
	if (!ep_running)
		return;
	if (time(NULL) >= ep_deadline || m->m_stopping)
		round_end(m);
	else
		round_send(m);
}

/* An IPC_CERT_ANSWER from the health checker; -1 if malformed. An
 * answer to no request in flight (an older round's) is dropped. */
int
ep_answer(struct master *m, struct msgbuf *mb)
{
	struct ep_target	*et = NULL;
	char			 why[256];
	uint32_t		 id, ok, len;
	unsigned		 i, left = 0;

	if (msgbuf_get_u32(mb, &id) == -1 || msgbuf_get_u32(mb, &ok) == -1 ||
	    ok > 1 || msgbuf_get_str(mb, why, sizeof(why)) == -1 ||
	    msgbuf_get_u32(mb, &len) == -1 || len > EP_CERT_DER_MAX ||
	    len != mb->mb_len - mb->mb_off || (ok && len == 0))
		return -1;
	for (i = 0; i < ep_ntargets; i++)
		if (ep_targets[i].et_id == id &&
		    ep_targets[i].et_state == EP_SENT)
			et = &ep_targets[i];
	if (et == NULL || !ep_running)
		return 0;
	if (!ok) {
		et->et_state = EP_FAILED;
		/* The checker's text, shown to the operator: printable. */
		for (i = 0; why[i] != '\0'; i++)
			if ((unsigned char)why[i] < 0x20 || why[i] == 0x7f)
				why[i] = '?';
		snprintf(et->et_why, sizeof(et->et_why), "%s", why);
	} else if ((et->et_der = malloc(len)) == NULL) {
		et->et_state = EP_FAILED;
		snprintf(et->et_why, sizeof(et->et_why), "out of memory");
	} else {
		memcpy(et->et_der, mb->mb_data + mb->mb_off, len);
		et->et_len = len;
		et->et_state = EP_GOT;
	}
	for (i = 0; i < ep_ntargets; i++)
		if (ep_targets[i].et_state == EP_WAITING ||
		    ep_targets[i].et_state == EP_SENT)
			left++;
	if (left == 0)
		round_end(m);
	return 0;
}
