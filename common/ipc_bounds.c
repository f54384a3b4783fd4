/*
 * What each less trusted peer may send to the master, type by type, with
 * the largest payload each can have: the tables ipc_reader.c checks a
 * header against as soon as it is in (master/pool.c reads workers with
 * the first, master/health.c the health checker with the second,
 * master/template.c a generation's template with the third,
 * master/winbind.c the domain checkers with the fourth). A type
 * not listed is refused; every bound is the largest real message with
 * room to spare, not MSGBUF_MAX.
 */
#include "addrboard.h"
#include "config.h"
#include "ipc_reader.h"
#include "ntlm.h"
#include "ocsp.h"

/*
 * IPC_NTLM_CHECK (worker/auth_ntlm.c): str user and str domain
 * (NTLM_NAME_MAX each), u32 and the NT response, at most
 * NTLM_NT_RESPONSE_MAX bytes (the worker refuses longer ones itself),
 * u32 the route's ntlm-source.
 */
#define NTLM_CHECK_MAX		8192
_Static_assert(2 * (4 + NTLM_NAME_MAX) + 4 + NTLM_NT_RESPONSE_MAX + 4 +
    4 + RPXD_SPN_MAX <= NTLM_CHECK_MAX,
    "IPC_NTLM_CHECK bound below its largest message");
/* IPC_NTLM_CHALLENGE: the client connection, and ipc_addr (u32 family,
 * 16 address bytes, u32 port at most). */
#define NTLM_CHALLENGE_MAX	64

const struct ipc_bounds ipc_bounds_worker = {
	.ib_types = {
		[IPC_NTLM_CHECK] = { .ib_allowed = 1, .ib_nfds = 0,
		    .ib_max = NTLM_CHECK_MAX },
		[IPC_NTLM_CHALLENGE] = { .ib_allowed = 1, .ib_nfds = 1,
		    .ib_max = NTLM_CHALLENGE_MAX },
		/* board reports (worker/board_report.c): u32 server */
		[IPC_BACKEND_CONN] = { .ib_allowed = 1, .ib_nfds = 0,
		    .ib_max = 4 },
		[IPC_HOLD_OFF] = { .ib_allowed = 1, .ib_nfds = 0,
		    .ib_max = 4 },
		/* Authorization: Negotiate's token, the client connection
		 * and ipc_addr (master/negotiate.c) */
		[IPC_NEGOTIATE_CHECK] = { .ib_allowed = 1, .ib_nfds = 1,
		    .ib_max = NTLM_CHALLENGE_MAX + 4 + NTLM_MSG_MAX + 4 +
		    RPXD_SPN_MAX },
		/* a connection the limits closed (worker/addr_limit.c) */
		[IPC_LIMITED] = { .ib_allowed = 1, .ib_nfds = 0,
		    .ib_max = IPC_LIMITED_SIZE },
	}
};

/* The checker writes its verdicts into the health board; it sends the
 * master only the answers of OCSP fetches (u32 id, u32 ok, str why, u32
 * len and at most OCSP_DER_MAX bytes) and of certificate fetches (the
 * same with at most EP_CERT_DER_MAX bytes). */
const struct ipc_bounds ipc_bounds_health = {
	.ib_types = {
		[IPC_OCSP_ANSWER] = { .ib_allowed = 1, .ib_nfds = 0,
		    .ib_max = OCSP_DER_MAX + 4096 },
		[IPC_CERT_ANSWER] = { .ib_allowed = 1, .ib_nfds = 0,
		    .ib_max = EP_CERT_DER_MAX + 4096 },
	}
};

/* A template reports the workers it forked and reaped: two and three
 * u32s. It never handles a client's byte, but it runs unprivileged
 * beside the workers, so it is bounded like them. */
const struct ipc_bounds ipc_bounds_template = {
	.ib_types = {
		[IPC_SPAWNED] = { .ib_allowed = 1, .ib_nfds = 0,
		    .ib_max = 8 },
		[IPC_REAPED] = { .ib_allowed = 1, .ib_nfds = 0,
		    .ib_max = 12 },
	}
};

/*
 * A domain checker (rpxd-winbind) answers each IPC_WINBIND_CHECK: u32 id,
 * u32 verdict, str identity or why (two names and a backslash), u32
 * count and at most RPXD_ALL_GROUPS_MAX group names, u32 len and at most
 * NEGOTIATE_REPLY_MAX bytes of a Kerberos reply token; then a
 * delegation: u32 state, str why, u32 len and at most
 * DELEGATION_TOKEN_MAX bytes of token.
 */
#define WINBIND_ANSWER_MAX	(12 + 4 + 2 * NTLM_NAME_MAX + 2 + \
				    RPXD_ALL_GROUPS_MAX * \
				    (4 + RPXD_GROUP_NAME_MAX) + \
				    4 + NEGOTIATE_REPLY_MAX + 4 + 4 + \
				    DELEGATION_WHY_MAX + 4 + DELEGATION_TOKEN_MAX)
const struct ipc_bounds ipc_bounds_winbind = {
	.ib_types = {
		[IPC_WINBIND_ANSWER] = { .ib_allowed = 1, .ib_nfds = 0,
		    .ib_max = WINBIND_ANSWER_MAX },
	}
};
