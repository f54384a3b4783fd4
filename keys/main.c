/*
 * rpxd-keys, a key holder: exec'd by the master (master/keyholders.c)
 * with its socketpair on RPXD_IPC_FD. It takes the configuration and the
 * private keys over that socket, chroots, drops to the unprivileged user
 * and enters the sandbox (no socket, no file, no exec), then answers
 * signature requests from the workers whose key channels
 * (SOCK_SEQPACKET socketpair ends) the master hands it (serve.c), until
 * the master has closed its socket and the last worker has gone.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "ipc.h"
#include "keys.h"
#include "log.h"
#include "sandbox.h"
#include "worker.h"	/* privdrop() */

static struct rpxd_conf	*conf;

/* Start-up, as the master sends it: config, keys, start. */
static void
holder_setup(int ipc)
{
	struct ipc_msg	msg;

	for (;;) {
		if (ipc_recv(ipc, &msg) != 1)
			fatalx("keys: setup: master closed or sent a bad "
			    "message");
		switch (msg.im_type) {
		case IPC_CONFIG:
			if (conf != NULL || msg.im_fd != -1 ||
			    (conf = config_decode(&msg.im_payload)) == NULL)
				fatalx("keys: setup: bad config message");
			break;
		case IPC_TLS_KEY:
			if (conf == NULL || msg.im_fd != -1 ||
			    held_add(conf, &msg.im_payload) == -1)
				fatalx("keys: setup: bad key message");
			break;
		case IPC_START:
			if (conf == NULL || held_count() == 0)
				fatalx("keys: setup: start without keys");
			ipc_msg_free(&msg);
			return;
		default:
			fatalx("keys: setup: unexpected %s message",
			    ipc_type_name(msg.im_type));
		}
		ipc_msg_free(&msg);
	}
}

int
main(int argc, char *argv[])
{
	int	foreground = argc > 1 && strcmp(argv[1], "-d") == 0;

	signal(SIGPIPE, SIG_IGN);
	log_init(foreground, "rpxd", LOG_DAEMON);
	if (fcntl(RPXD_IPC_FD, F_SETFD, FD_CLOEXEC) == -1)
		fatal("keys: started without its socket on fd %d",
		    RPXD_IPC_FD);
	if (OPENSSL_init_ssl(0, NULL) != 1)
		fatalx("keys: OpenSSL initialisation failed");
	holder_setup(RPXD_IPC_FD);
	log_syslog_config(conf->rc_syslog_socket, conf->rc_syslog_tag,
	    conf->rc_facility);
	log_set_level(conf->rc_log_level);
	priority_init();
	privdrop(conf->rc_chroot, conf->rc_uid, conf->rc_gid);
	if (ready_init() == -1)
		fatal("keys: cannot wait for requests");
	/* Room for a channel from every worker of its generation (the
	 * master checked at load that the system allows it). */
	sandbox_enter(SANDBOX_KEYS, conf->rc_max_workers + KEYS_SPARE_FDS);
	log_debug("keys: holding %u key(s)", held_count());
	serve(RPXD_IPC_FD);
	return 0;
}
