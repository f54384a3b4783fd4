/*
 * OCSP responses seen from the master: one slot per listener certificate
 * that has a response or fetches one (ocsp-fetch), rebuilt for each
 * configuration (ocsp_setup, from main.c and reload.c) and looked at once
 * a second (ocsp_maintain, from main.c's loop). A response whose
 * nextUpdate has passed is no longer stapled by the workers
 * (tls_server.c), and this says so, once. With ocsp-fetch, the health
 * checker posts the request built here to the responder (ocsp_fetch.c)
 * before half the response's validity has passed; the answer
 * (ocsp_answer, from health.c) is checked as at load and handed to the
 * workers (IPC_OCSP); a failed fetch keeps the last good response and is
 * retried with a growing back-off.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "log.h"
#include "master.h"
#include "ocsp.h"

#define FETCH_RETRY_MIN		5	/* s after a first failure, doubling */
#define FETCH_RETRY_MAX		600
#define FETCH_NO_NEXT		3600	/* s between fetches: no nextUpdate */
#define FETCH_ANSWER_WAIT	30	/* s before an unanswered fetch fails */

struct ocsp_slot {
	unsigned	os_listener;
	unsigned	os_cert;
	int		os_expired_logged;	/* "no longer stapled" said */
	struct blob	os_req;		/* DER; bl_len 0: no ocsp-fetch */
	time_t		os_due;		/* the next fetch */
	time_t		os_sent;	/* 0: none in flight */
	unsigned	os_failures;	/* in a row */
	uint32_t	os_id;		/* of this slot in this setup */
};

static uint32_t	ocsp_setups;	/* ids of older setups' answers differ */

static void
date_str(int64_t t, char *dst, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(dst, len, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(dst, len, "%lld", (long long)t);
}

static struct cert_conf *
slot_cert(const struct master *m, const struct ocsp_slot *os)
{
	return &m->m_conf->rc_listeners[os->os_listener].ls_certs[
	    os->os_cert];
}

static const char *
slot_name(const struct master *m, const struct ocsp_slot *os)
{
	return m->m_conf->rc_listeners[os->os_listener].ls_name;
}

/* The next fetch for the response ct holds: when half of its validity
 * window has passed (now if that is past or there is none). */
static time_t
refresh_due(const struct cert_conf *ct, time_t now)
{
	time_t	half;

	if (ct->ct_ocsp_der.bl_len == 0)
		return now;
	if (ct->ct_ocsp_next == 0)
		return now + FETCH_NO_NEXT;
	half = (time_t)(ct->ct_ocsp_this + (ct->ct_ocsp_next -
	    ct->ct_ocsp_this) / 2);
	return half > now ? half : now;
}

static void
slots_free(struct master *m)
{
	unsigned	i;

	for (i = 0; i < m->m_nocsp; i++)
		OPENSSL_free(m->m_ocsp[i].os_req.bl_data);
	free(m->m_ocsp);
	m->m_ocsp = NULL;
	m->m_nocsp = 0;
}

static void
slot_init(struct master *m, unsigned l, unsigned j)
{
	struct ocsp_slot	*os = &m->m_ocsp[m->m_nocsp];
	const struct cert_conf	*ct = &m->m_conf->rc_listeners[l].ls_certs[j];

	*os = (struct ocsp_slot){ .os_listener = l, .os_cert = j,
	    .os_id = (ocsp_setups << 16) | (m->m_nocsp + 1) };
	m->m_nocsp++;
	if (!ct->ct_ocsp_fetch)
		return;
	if (ocsp_request(&ct->ct_chain_pem, &os->os_req) == -1) {
		log_warnx("ocsp: listener \"%s\": certificate %s: cannot make "
		    "an OCSP request; not fetching", slot_name(m, os),
		    ct->ct_file);
		return;
	}
	os->os_due = refresh_due(ct, time(NULL));
}

/* The slots of m->m_conf's certificates that have or want a response. */
void
ocsp_setup(struct master *m)
{
	const struct rpxd_conf	*c = m->m_conf;
	unsigned		 i, j, n = 0;

	slots_free(m);
	ocsp_setups = (ocsp_setups + 1) & 0xffff;
	for (i = 0; i < c->rc_nlisteners; i++)
		for (j = 0; j < c->rc_listeners[i].ls_ncerts; j++)
			if (c->rc_listeners[i].ls_certs[j].ct_ocsp_der.bl_len >
			    0 || c->rc_listeners[i].ls_certs[j].ct_ocsp_fetch)
				n++;
	if (n == 0)
		return;
	if (n > 0xffff || (m->m_ocsp = calloc(n, sizeof(*m->m_ocsp))) == NULL)
		fatal("ocsp: calloc");
	for (i = 0; i < c->rc_nlisteners; i++)
		for (j = 0; j < c->rc_listeners[i].ls_ncerts; j++)
			if (c->rc_listeners[i].ls_certs[j].ct_ocsp_der.bl_len >
			    0 || c->rc_listeners[i].ls_certs[j].ct_ocsp_fetch)
				slot_init(m, i, j);
}

/* Does any certificate fetch its response (the checker must run)? */
int
ocsp_fetching(const struct rpxd_conf *c)
{
	unsigned	i, j;

	for (i = 0; i < c->rc_nlisteners; i++)
		for (j = 0; j < c->rc_listeners[i].ls_ncerts; j++)
			if (c->rc_listeners[i].ls_certs[j].ct_ocsp_fetch)
				return 1;
	return 0;
}

/* The response (len 0: none) to the workers of this generation; older
 * ones finish their connections with what they have. */
static void
send_workers(struct master *m, const struct ocsp_slot *os)
{
	const struct cert_conf	*ct = slot_cert(m, os);
	struct msgbuf		 mb;
	unsigned		 i;

	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, os->os_listener);
	msgbuf_put_u32(&mb, os->os_cert);
	msgbuf_put_u64(&mb, (uint64_t)ct->ct_ocsp_next);
	msgbuf_put_u32(&mb, (uint32_t)ct->ct_ocsp_der.bl_len);
	if (ct->ct_ocsp_der.bl_len > 0)
		msgbuf_put_bytes(&mb, ct->ct_ocsp_der.bl_data,
		    ct->ct_ocsp_der.bl_len);
	/* Also to workers asked of the template and not yet reported (no
	 * pid): the template forked them with what it had, and they read
	 * this once they run. Skipping them left them stapling the old
	 * response for their whole life. */
	for (i = 0; i < m->m_nslots; i++)
		if (m->m_workers[i].wk_generation == m->m_generation)
			(void)pool_send(m, i, IPC_OCSP, &mb, 1);
	templates_broadcast(m, IPC_OCSP, &mb, 1);
	msgbuf_free(&mb);
}

/* A fetch failed: the last good response stays (the workers stop
 * stapling it at its nextUpdate); the next try backs off. */
static void
fetch_failed(struct master *m, struct ocsp_slot *os, const char *why)
{
	const struct cert_conf	*ct = slot_cert(m, os);
	time_t			 now = time(NULL);
	unsigned		 delay = FETCH_RETRY_MIN;
	char			 date[64];

	delay <<= os->os_failures < 8 ? os->os_failures : 8;
	if (delay > FETCH_RETRY_MAX)
		delay = FETCH_RETRY_MAX;
	os->os_failures++;
	os->os_sent = 0;
	os->os_due = now + delay;
	if (ct->ct_ocsp_der.bl_len > 0 && (ct->ct_ocsp_next == 0 ||
	    now < ct->ct_ocsp_next)) {
		date_str(ct->ct_ocsp_next, date, sizeof(date));
		log_warnx("ocsp: listener \"%s\": certificate %s: fetch from "
		    "%s failed: %s; the last good response stays stapled%s%s%s; "
		    "next try in %u s", slot_name(m, os), ct->ct_file,
		    ct->ct_ocsp_url, why, ct->ct_ocsp_next != 0 ? " (until " :
		    "", ct->ct_ocsp_next != 0 ? date : "",
		    ct->ct_ocsp_next != 0 ? ")" : "", delay);
	} else
		log_warnx("ocsp: listener \"%s\": certificate %s: fetch from "
		    "%s failed: %s; no response to staple; next try in %u s",
		    slot_name(m, os), ct->ct_file, ct->ct_ocsp_url, why, delay);
}

/* The request to the health checker; it answers with IPC_OCSP_ANSWER. */
static void
fetch_send(struct master *m, struct ocsp_slot *os, time_t now)
{
	const struct cert_conf	*ct = slot_cert(m, os);
	struct msgbuf		 mb;

	if (m->m_health.hp_sock == -1)
		return;		/* when the checker runs again */
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, os->os_id);
	msgbuf_put_u32(&mb, (uint32_t)ct->ct_ocsp_addrlen);
	msgbuf_put_bytes(&mb, &ct->ct_ocsp_addr, ct->ct_ocsp_addrlen);
	msgbuf_put_str(&mb, ct->ct_ocsp_host);
	msgbuf_put_str(&mb, ct->ct_ocsp_path);
	msgbuf_put_u32(&mb, (uint32_t)os->os_req.bl_len);
	msgbuf_put_bytes(&mb, os->os_req.bl_data, os->os_req.bl_len);
	if (ipc_send(m->m_health.hp_sock, IPC_OCSP_FETCH, -1, &mb) == -1)
		fetch_failed(m, os, "the health checker took no request");
	else {
		os->os_sent = now;
		log_debug("ocsp: listener \"%s\": certificate %s: fetching "
		    "from %s", slot_name(m, os), ct->ct_file, ct->ct_ocsp_url);
	}
	msgbuf_free(&mb);
}

/* Once a second. */
void
ocsp_maintain(struct master *m)
{
	time_t		 now = time(NULL);
	char		 date[64];
	unsigned	 i;

	for (i = 0; i < m->m_nocsp; i++) {
		struct ocsp_slot *os = &m->m_ocsp[i];
		const struct cert_conf *ct = slot_cert(m, os);

		if (ct->ct_ocsp_der.bl_len > 0 && ct->ct_ocsp_next != 0 &&
		    now >= ct->ct_ocsp_next && !os->os_expired_logged) {
			date_str(ct->ct_ocsp_next, date, sizeof(date));
			log_warnx("ocsp: listener \"%s\": certificate %s: the "
			    "OCSP response expired on %s (nextUpdate); it is "
			    "no longer stapled", slot_name(m, os), ct->ct_file,
			    date);
			os->os_expired_logged = 1;
		}
		if (os->os_req.bl_len == 0 || m->m_stopping)
			continue;
		if (os->os_sent != 0) {
			if (now - os->os_sent >= FETCH_ANSWER_WAIT)
				fetch_failed(m, os, "no answer from the health "
				    "checker");
			continue;
		}
		if (now >= os->os_due)
			fetch_send(m, os, now);
	}
}

/* "revoked": said loudly, and no response is stapled from now on (the
 * good one it had would tell clients what the responder denies). */
static void
answer_revoked(struct master *m, struct ocsp_slot *os, const char *why)
{
	struct cert_conf	*ct = slot_cert(m, os);

	log_errx("ocsp: listener \"%s\": certificate %s is REVOKED according "
	    "to its OCSP responder %s (%s); no OCSP response is stapled for "
	    "it", slot_name(m, os), ct->ct_file, ct->ct_ocsp_url, why);
	blob_free(&ct->ct_ocsp_der);
	ct->ct_ocsp_next = ct->ct_ocsp_this = 0;
	send_workers(m, os);
	os->os_failures = 0;
	os->os_due = time(NULL) + FETCH_RETRY_MAX;
}

/* A body the responder sent: checked as at load, then stapled. */
static void
answer_check(struct master *m, struct ocsp_slot *os, const struct blob *der)
{
	struct cert_conf	*ct = slot_cert(m, os);
	struct ocsp_info	 oi;
	struct blob		 copy;
	char			 why[512], bad[600], date[64];
	time_t			 now = time(NULL);

	if (ocsp_check(der, &ct->ct_chain_pem, &oi, why, sizeof(why)) == -1) {
		if (oi.oi_status == OCSP_ST_REVOKED)
			answer_revoked(m, os, why);
		else {
			snprintf(bad, sizeof(bad), "a bad answer: %s", why);
			fetch_failed(m, os, bad);
		}
		return;
	}
	if ((copy.bl_data = malloc(der->bl_len)) == NULL) {
		fetch_failed(m, os, "out of memory");
		return;
	}
	memcpy(copy.bl_data, der->bl_data, der->bl_len);
	copy.bl_len = der->bl_len;
	blob_free(&ct->ct_ocsp_der);
	ct->ct_ocsp_der = copy;
	ct->ct_ocsp_next = (int64_t)oi.oi_next_update;
	ct->ct_ocsp_this = (int64_t)oi.oi_this_update;
	os->os_failures = 0;
	os->os_expired_logged = 0;
	os->os_due = refresh_due(ct, now);
	if (os->os_due <= now)
		os->os_due = now + FETCH_RETRY_MAX / 10;
	send_workers(m, os);
	date_str(ct->ct_ocsp_next, date, sizeof(date));
	log_notice("ocsp: listener \"%s\": certificate %s: a new OCSP response "
	    "from %s, good, %s%s; stapled; next fetch in %lld s",
	    slot_name(m, os), ct->ct_file, ct->ct_ocsp_url,
	    ct->ct_ocsp_next != 0 ? "next update " : "no next update",
	    ct->ct_ocsp_next != 0 ? date : "", (long long)(os->os_due - now));
}

/* An IPC_OCSP_ANSWER from the health checker; -1 if malformed. An
 * answer for no fetch in flight (an older configuration's) is dropped. */
int
ocsp_answer(struct master *m, struct msgbuf *mb)
{
	struct blob	der;
	char		why[256];
	uint32_t	id, ok, len;
	unsigned	i;

	if (msgbuf_get_u32(mb, &id) == -1 || msgbuf_get_u32(mb, &ok) == -1 ||
	    ok > 1 || msgbuf_get_str(mb, why, sizeof(why)) == -1 ||
	    msgbuf_get_u32(mb, &len) == -1 || len > OCSP_DER_MAX ||
	    len != mb->mb_len - mb->mb_off || (ok && len == 0))
		return -1;
	for (i = 0; i < m->m_nocsp; i++)
		if (m->m_ocsp[i].os_id == id && m->m_ocsp[i].os_sent != 0)
			break;
	if (i == m->m_nocsp)
		return 0;
	m->m_ocsp[i].os_sent = 0;
	if (!ok) {
		fetch_failed(m, &m->m_ocsp[i], why);
		return 0;
	}
	der.bl_data = mb->mb_data + mb->mb_off;
	der.bl_len = len;
	answer_check(m, &m->m_ocsp[i], &der);
	return 0;
}
