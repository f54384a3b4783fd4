/*
 * libFuzzer harness: rpxctl status as the root master renders it
 * (master/control_status.c) over hostile shared memory. A compromised
 * worker chooses every byte of its own scoreboard slot, and the health
 * board is the checker's: here the fuzzer fills the live workers' slots
 * and every server's entry, and
 * both the text table and the JSON are rendered. The text must hold no
 * byte outside printable ASCII and the newline (it reaches an operator's
 * terminal; a client address is an address and a port), the JSON must
 * parse strictly (RFC 8259, UTF-8), and UBSan must see no overflow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "fuzz.h"
#include "json_check.h"
#include "master.h"

#define LIVE_MAX	8	/* worker slots the fuzzer can fill */
#define FUZZ_SLOTS	64	/* the scoreboard it reads */
#define SERVERS		5	/* of all backends */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct master		 m;
static struct rpxd_conf		 conf;
static struct route_conf	 routes[2];
static struct listener_conf	 listeners[2];
static struct server_conf	 servers[SERVERS];
static struct backend_conf	 backends[2];
static struct hb_server		 board[SERVERS];
#define SLOT_BYTES	sizeof(struct scoreboard_slot)	/* of a slot's page */

static struct scoreboard_slot *
slot(unsigned i)
{
	return scoreboard_slot(&m.m_sb, i);
}

/* The master's own memory: a configuration it parsed, its tables. */
static void
setup(void)
{
	unsigned	i;

	strcpy(routes[0].rt_name, "app");
	strcpy(routes[1].rt_name, "static");
	strcpy(listeners[0].ls_name, "www");
	listeners[0].ls_nroutes = 2;
	listeners[0].ls_routes = routes;
	strcpy(listeners[1].ls_name, "admin");
	listeners[1].ls_nroutes = 1;
	listeners[1].ls_routes = routes;
	for (i = 0; i < SERVERS; i++)
		snprintf(servers[i].sv_name, sizeof(servers[i].sv_name),
		    "10.0.0.%u:8080", i + 1);
	strcpy(backends[0].be_name, "apps");
	backends[0].be_nservers = 3;
	backends[0].be_servers = servers;
	backends[0].be_health.hc_enabled = 1;
	strcpy(backends[1].be_name, "files");
	backends[1].be_nservers = 2;
	backends[1].be_servers = servers + 3;
	conf.rc_nlisteners = 2;
	conf.rc_listeners = listeners;
	conf.rc_nbackends = 2;
	conf.rc_backends = backends;
	healthboard_index(&conf);
	m.m_conf = &conf;
	m.m_conf_file = "/etc/rpxd.conf";
	m.m_generation = 3;
	m.m_started = time(NULL) - 100;
	/* Page-sized slots, as scoreboard_create lays them out. */
	m.m_sb.sb_stride = scoreboard_stride();
	m.m_sb.sb_slots = m.m_nslots = FUZZ_SLOTS;
	m.m_sb.sb_size = m.m_sb.sb_stride * FUZZ_SLOTS;
	if ((m.m_sb.sb_base = calloc(FUZZ_SLOTS, m.m_sb.sb_stride)) == NULL ||
	    (m.m_workers = calloc(FUZZ_SLOTS, sizeof(*m.m_workers))) == NULL)
		abort();
	m.m_hb.hb_servers = board;
	m.m_hb.hb_n = SERVERS;
	m.m_health.hp_pid = 4242;
	m.m_keyholders[0].kh_pid = 4343;
	m.m_keyholders[0].kh_generation = 3;
}

static void
check_text(const struct strbuf *sb)
{
	size_t	i;

	FUZZ_ASSERT(!sb->sb_failed && sb->sb_len > 0);
	for (i = 0; i < sb->sb_len; i++)
		FUZZ_ASSERT(sb->sb_buf[i] == '\n' ||
		    (sb->sb_buf[i] >= 0x20 && sb->sb_buf[i] < 0x7f));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf	out;
	unsigned	i, live;

	if (m.m_conf == NULL)
		setup();
	if (size < 1)
		return 0;
	/* Byte 0: live workers, and which of them the master has told to
	 * stop or are of an older generation; the rest is board memory. */
	live = 1 + data[0] % LIVE_MAX;
	for (i = 0; i < LIVE_MAX; i++) {
		m.m_workers[i].wk_pid = i < live ? (pid_t)(1000 + i) : 0;
		m.m_workers[i].wk_generation = (data[0] >> 3) & (1u << i % 5) ?
		    2 : 3;
		m.m_workers[i].wk_stopping = i == 1 && (data[0] & 0x80);
	}
	data++;
	size--;
	memset(board, 0, sizeof(board));
	if (size > SLOT_BYTES * LIVE_MAX + sizeof(board))
		size = SLOT_BYTES * LIVE_MAX + sizeof(board);
	for (i = 0; i < LIVE_MAX; i++) {
		size_t	off = SLOT_BYTES * i;
		size_t	n = size <= off ? 0 : size - off < SLOT_BYTES ?
			    size - off : SLOT_BYTES;

		memset((void *)slot(i), 0, SLOT_BYTES);
		memcpy((void *)slot(i), data + off, n);
	}
	if (size > SLOT_BYTES * LIVE_MAX)
		memcpy((void *)board, data + SLOT_BYTES * LIVE_MAX,
		    size - SLOT_BYTES * LIVE_MAX);

	strbuf_init(&out);
	control_status(&m, 0, &out);
	check_text(&out);
	strbuf_free(&out);

	strbuf_init(&out);
	control_status(&m, 1, &out);
	FUZZ_ASSERT(!out.sb_failed && out.sb_len > 0);
	FUZZ_ASSERT(json_check(out.sb_buf, out.sb_len));
	strbuf_free(&out);
	return 0;
}
