/*
 * The unit suites' master without processes (fake_master.h): shared by
 * the board, metrics and limits suites so that each builds the same
 * configuration, scoreboard and health board the same way.
 */
#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fake_master.h"
#include "unit.h"

void
fake_master_load(struct master *m, const char *conf_text, unsigned slots)
{
	char	path[] = "/tmp/rpxd-unit.XXXXXX", err[4096];
	size_t	len = strlen(conf_text);
	int	fd;

	memset(m, 0, sizeof(*m));
	ck_assert_int_ne(fd = mkstemp(path), -1);
	ck_assert_int_eq(write(fd, conf_text, len), (ssize_t)len);
	close(fd);
	m->m_conf = config_load(path, err, sizeof(err));
	unlink(path);
	ck_assert_msg(m->m_conf != NULL, "%s", err);
	ck_assert_int_eq(scoreboard_create(&m->m_sb, slots), 0);
	m->m_nslots = m->m_sb.sb_slots;
	ck_assert_ptr_nonnull(m->m_workers = calloc(m->m_nslots,
	    sizeof(*m->m_workers)));
	ck_assert_int_eq(healthboard_create(&m->m_hb,
	    m->m_conf->rc_nservers), 0);
	m->m_conf_file = "test.conf";
	m->m_generation = 1;
}

void
fake_master_free(struct master *m)
{
	healthboard_close(&m->m_hb);
	scoreboard_close(&m->m_sb);
	free(m->m_workers);
	config_free(m->m_conf);
	memset(m, 0, sizeof(*m));
}

struct scoreboard_slot *
fake_master_worker(struct master *m, unsigned i, pid_t pid, uint32_t gen)
{
	struct scoreboard_slot	*ss = scoreboard_slot(&m->m_sb, i);

	memset((void *)ss, 0, sizeof(*ss));
	scoreboard_slot_init(ss);
	m->m_workers[i].wk_pid = pid;
	m->m_workers[i].wk_generation = gen;
	return ss;
}
