/*
 * What each less trusted peer may send to the master, type by type, with
 * the largest payload each can have: the tables ipc_reader.c checks a
 * header against as soon as it is in (master/pool.c reads workers with
 * the first, master/health.c the health checker with the second). A type
 * not listed is refused; every bound is the largest real message with
 * room to spare, not MSGBUF_MAX.
 */
#include "ipc_reader.h"
#include "ntlm.h"

/*
 * IPC_NTLM_CHECK (worker/auth_ntlm.c): str client ip (< 48), the 8-byte
 * challenge, str user and str domain (NTLM_NAME_MAX each), u32 and the
 * NT response, which master/ntlm_check.c takes up to 4096 bytes.
 */
#define NTLM_CHECK_MAX		8192
_Static_assert(4 + 48 + NTLM_CHALLENGE_LEN + 2 * (4 + NTLM_NAME_MAX) + 4 +
    4096 <= NTLM_CHECK_MAX, "IPC_NTLM_CHECK bound below its largest message");

const struct ipc_bounds ipc_bounds_worker = {
	.ib_types = {
		[IPC_NTLM_CHECK] = { .ib_allowed = 1, .ib_nfds = 0,
		    .ib_max = NTLM_CHECK_MAX },
	}
};

/* The checker writes its verdicts into the health board: it sends the
 * master nothing, so any frame from it is refused at its header. */
const struct ipc_bounds ipc_bounds_health = {
	.ib_types = { [IPC_NONE] = { .ib_allowed = 0 } }
};
