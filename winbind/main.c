/*
 * rpxd-winbind, a domain checker (see winbind.h): exec'd by the master
 * (master/winbind.c) with its socketpair on RPXD_IPC_FD, it takes the
 * configuration and the require-group names, drops to the unprivileged
 * user (having read negotiate-keytab's keys, if any, into memory) and
 * enters its sandbox (only winbind's UNIX socket beyond its own socket:
 * no file, no network), then answers one login at a time until
 * the master closes the socket, sends IPC_STOP, or SIGTERM comes. It
 * does not chroot: libwbclient finds winbind's socket by its absolute
 * path, compiled into the library. A winbind call can block for minutes
 * on a silent domain controller; the master's winbind-timeout bounds the
 * wait of the client and kills this process, never the other way round.
 */
#include <sys/types.h>

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

/* wbclient.h uses these types without including their headers. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wbclient.h>

#include "ipc.h"
#include "log.h"
#include "sandbox.h"
#include "checker.h"

/* The descriptors beyond those open at the sandbox: winbind's socket,
 * and one more while the library reconnects. */
#define WINBIND_FDS	2
/* A delegation's sockets to KDCs: MIT krb5 may try a few at once. */
#define KDC_FDS		4

static struct rpxd_conf	*conf;

/* Whether a route has a delegate (delegate.c then talks to the KDC).
 * The routes of a reload come with a new checker: the master restarts
 * the checkers when the answer changes (master/winbind.c). */
static int
any_delegate(const struct rpxd_conf *c)
{
	unsigned	i, j;

	for (i = 0; i < c->rc_nlisteners; i++)
		for (j = 0; j < c->rc_listeners[i].ls_nroutes; j++)
			if (c->rc_listeners[i].ls_routes[j].rt_delegate[0] !=
			    '\0')
				return 1;
	return 0;
}

/* IPC_WINBIND_GROUPS: the names, kept by groups.c; -1 if malformed. */
static int
groups_message(struct msgbuf *mb)
{
	static char	names[RPXD_ALL_GROUPS_MAX][RPXD_GROUP_NAME_MAX];
	uint32_t	n, i;

	if (msgbuf_get_u32(mb, &n) == -1 || n > RPXD_ALL_GROUPS_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if (msgbuf_get_str(mb, names[i], sizeof(names[i])) == -1)
			return -1;
	if (msgbuf_end(mb) == -1)
		return -1;
	wb_groups_set(names, n);
	return 0;
}

/* Start-up, as the master sends it: config, groups, start. */
static void
setup(int sock)
{
	struct ipc_msg	msg;
	int		have_groups = 0;

	for (;;) {
		if (ipc_recv(sock, &msg) != 1 || msg.im_fd != -1)
			fatalx("winbind: setup: master closed or sent a bad "
			    "message");
		switch (msg.im_type) {
		case IPC_CONFIG:
			if (conf != NULL || (conf =
			    config_decode(&msg.im_payload)) == NULL)
				fatalx("winbind: setup: bad config message");
			break;
		case IPC_WINBIND_GROUPS:
			if (groups_message(&msg.im_payload) == -1)
				fatalx("winbind: setup: bad groups message");
			have_groups = 1;
			break;
		case IPC_START:
			if (conf == NULL || !have_groups)
				fatalx("winbind: setup: start before the "
				    "configuration and the groups");
			ipc_msg_free(&msg);
			return;
		default:
			fatalx("winbind: setup: unexpected %s message",
			    ipc_type_name(msg.im_type));
		}
		ipc_msg_free(&msg);
	}
}

/* NULL when the group set is exactly gid and wgid, else what is wrong. */
static const char *
groups_verify(gid_t gid, gid_t wgid)
{
	gid_t	groups[8];
	int	n, i, have_gid = 0, have_wgid = 0;

	if ((n = getgroups(8, groups)) < 1)
		return "the group set cannot be read";
	for (i = 0; i < n; i++) {
		if (groups[i] == gid)
			have_gid = 1;
		else if (groups[i] == wgid)
			have_wgid = 1;
		else
			return "the group set has other groups";
	}
	return have_gid && have_wgid ? NULL :
	    "the group set lacks winbind-privileged-group";
}

/*
 * The unprivileged user, without the chroot of the other children (see
 * above), with winbind-privileged-group beside its own group: winbind
 * checks a challenge and response only on its privileged socket, in a
 * directory of that group. Its ids checked, and no way back to root.
 */
static void
drop_privileges(uid_t uid, gid_t gid, gid_t wgid)
{
	gid_t		 set[2] = { gid, wgid };
	uid_t		 ruid, euid, suid;
	gid_t		 rgid, egid, sgid;
	const char	*why;

	if (uid == 0 || gid == 0 || wgid == 0)
		fatalx("winbind: refusing to run as uid %ld, gid %ld, group "
		    "%ld", (long)uid, (long)gid, (long)wgid);
	if (chdir("/") == -1)
		fatal("winbind: chdir /");
	if (setgroups(2, set) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1)
		fatal("winbind: dropping to uid %ld, gid %ld", (long)uid,
		    (long)gid);
	if (getresuid(&ruid, &euid, &suid) == -1 || ruid != uid ||
	    euid != uid || suid != uid || getresgid(&rgid, &egid, &sgid) ==
	    -1 || rgid != gid || egid != gid || sgid != gid)
		fatalx("winbind: after dropping to uid %ld: the ids are not "
		    "all the user's", (long)uid);
	if ((why = groups_verify(gid, wgid)) != NULL)
		fatalx("winbind: after dropping to uid %ld: %s", (long)uid,
		    why);
	if (setuid(0) != -1 || seteuid(0) != -1)
		fatalx("winbind: root could be regained");
}

/* IPC_WINBIND_CHECK into l; -1 if malformed. */
static int
login_decode(struct msgbuf *mb, struct wb_login *l)
{
	memset(l, 0, sizeof(*l));
	if (msgbuf_get_u32(mb, &l->wl_id) == -1 ||
	    msgbuf_get_u32(mb, &l->wl_kind) == -1)
		return -1;
	if (l->wl_kind == WINBIND_LOGIN_KERBEROS)
		return msgbuf_get_u32(mb, &l->wl_toklen) == -1 ||
		    l->wl_toklen > sizeof(l->wl_token) ||
		    msgbuf_get_bytes(mb, l->wl_token, l->wl_toklen) == -1 ||
		    msgbuf_get_str(mb, l->wl_spn, sizeof(l->wl_spn)) == -1 ||
		    msgbuf_end(mb) == -1 ? -1 : 0;
	if (l->wl_kind != WINBIND_LOGIN_NTLM ||
	    msgbuf_get_str(mb, l->wl_user, sizeof(l->wl_user)) == -1 ||
	    msgbuf_get_str(mb, l->wl_domain, sizeof(l->wl_domain)) == -1 ||
	    msgbuf_get_bytes(mb, l->wl_challenge, NTLM_CHALLENGE_LEN) == -1 ||
	    msgbuf_get_u32(mb, &l->wl_ntlen) == -1 ||
	    l->wl_ntlen > sizeof(l->wl_nt) ||
	    msgbuf_get_bytes(mb, l->wl_nt, l->wl_ntlen) == -1 ||
	    msgbuf_get_str(mb, l->wl_spn, sizeof(l->wl_spn)) == -1 ||
	    msgbuf_end(mb) == -1)
		return -1;
	return 0;
}

static void
answer(int sock, uint32_t id, const struct wb_verdict *v)
{
	struct msgbuf	mb;
	size_t		len;
	unsigned	i;
	int		ok;

	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, id);
	msgbuf_put_u32(&mb, (uint32_t)v->wv_status);
	msgbuf_put_str(&mb, v->wv_text);
	msgbuf_put_u32(&mb, v->wv_ngroups);
	for (i = 0; i < v->wv_ngroups; i++)
		msgbuf_put_str(&mb, wb_group_name(v->wv_groups[i]));
	/* The reply token only with a login (the master refuses it on
	 * any other verdict). */
	len = v->wv_status == NTLM_RESULT_OK ? v->wv_replylen : 0;
	msgbuf_put_u32(&mb, (uint32_t)len);
	msgbuf_put_bytes(&mb, v->wv_reply, len);
	/* The delegation, likewise only with a login. */
	ok = v->wv_status == NTLM_RESULT_OK;
	msgbuf_put_u32(&mb, ok ? (uint32_t)v->wv_dstate : DELEGATION_NONE);
	msgbuf_put_str(&mb, ok ? v->wv_dwhy : "");
	len = ok && v->wv_dstate == DELEGATION_OK ? v->wv_dtokenlen : 0;
	msgbuf_put_u32(&mb, (uint32_t)len);
	msgbuf_put_bytes(&mb, v->wv_dtoken, len);
	if (mb.mb_error || ipc_send(sock, IPC_WINBIND_ANSWER, -1, &mb) == -1)
		fatal("winbind: cannot answer the master");
	msgbuf_free(&mb);
}

static void
check(struct wbcContext *ctx, int sock, struct msgbuf *mb)
{
	static struct wb_login	l;
	static struct wb_verdict v;	/* a token of up to 24 KiB */
	uint32_t		id;

	if (login_decode(mb, &l) == -1)
		fatalx("winbind: bad check message from the master");
	id = l.wl_id;
	wb_groups_resolve(ctx);
	if (l.wl_kind == WINBIND_LOGIN_KERBEROS)
		wb_kerberos(ctx, l.wl_token, l.wl_toklen, &v);
	else
		wb_auth(ctx, &l, &v);
	wb_delegate(ctx, l.wl_spn, &v);
	explicit_bzero(&l, sizeof(l));
	answer(sock, id, &v);
	explicit_bzero(v.wv_dtoken, v.wv_dtokenlen);
}

/* Messages from the master until it is done with this checker. */
static void
serve(struct wbcContext *ctx, int sock)
{
	struct ipc_msg	msg;
	int		rv;

	while ((rv = ipc_recv(sock, &msg)) == 1) {
		if (msg.im_fd != -1)
			fatalx("winbind: a descriptor from the master");
		switch (msg.im_type) {
		case IPC_WINBIND_CHECK:
			check(ctx, sock, &msg.im_payload);
			break;
		case IPC_WINBIND_GROUPS:
			if (groups_message(&msg.im_payload) == -1)
				fatalx("winbind: bad groups message");
			wb_groups_resolve(ctx);
			break;
		case IPC_LOG_LEVEL:
			if (ipc_log_level(&msg) == -1)
				fatalx("winbind: bad log level message");
			break;
		case IPC_STOP:
			ipc_msg_free(&msg);
			return;
		default:
			fatalx("winbind: unexpected %s message from the master",
			    ipc_type_name(msg.im_type));
		}
		ipc_msg_free(&msg);
	}
	if (rv == -1)
		fatalx("winbind: bad message from the master");
}

int
main(int argc, char *argv[])
{
	struct wbcContext	*ctx;
	int			 foreground = argc > 1 &&
				    strcmp(argv[1], "-d") == 0;
	int			 sock = RPXD_IPC_FD;
	int			 delegates;

	signal(SIGPIPE, SIG_IGN);
	/* A reload sends the new names; SIGHUP means nothing here. */
	signal(SIGHUP, SIG_IGN);
	log_init(foreground, "rpxd", LOG_DAEMON);
	if (fcntl(sock, F_SETFD, FD_CLOEXEC) == -1)
		fatal("winbind: started without its socket on fd %d", sock);
	setup(sock);
	log_syslog_config(conf->rc_syslog_socket, conf->rc_syslog_tag,
	    conf->rc_facility);
	log_set_level(conf->rc_log_level);
	if ((ctx = wbcCtxCreate()) == NULL)
		fatalx("winbind: no memory for a libwbclient context");
	delegates = any_delegate(conf);
	if (conf->rc_negotiate_keytab[0] != '\0')
		wb_kerberos_init(conf->rc_negotiate_keytab, delegates);
	drop_privileges(conf->rc_uid, conf->rc_gid, conf->rc_winbind_gid);
	/* A delegate needs the KDC: a socket to it beside winbind's. */
	sandbox_enter(delegates ? SANDBOX_WINBIND_KDC : SANDBOX_WINBIND,
	    WINBIND_FDS + (delegates ? KDC_FDS : 0));
	wb_groups_resolve(ctx);
	serve(ctx, sock);
	wbcCtxFree(ctx);
	return 0;
}
