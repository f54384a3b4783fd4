/*
 * The health board (healthboard.h): sizing, mapping, and carrying server
 * states over to the board of a new configuration.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "healthboard.h"
#include "scoreboard.h"

void
healthboard_index(struct rpxd_conf *c)
{
	unsigned	i, n = 0;

	for (i = 0; i < c->rc_nbackends; i++) {
		c->rc_backends[i].be_first_server = n;
		n += c->rc_backends[i].be_nservers;
	}
	c->rc_nservers = n;
}

/* Never empty: a configuration without backends still maps one page. */
static size_t
board_size(unsigned nservers)
{
	return sizeof(struct hb_server) * (nservers > 0 ? nservers : 1);
}

static int
board_map(struct healthboard *hb, int fd, int prot)
{
	hb->hb_servers = mmap(NULL, hb->hb_size, prot, MAP_SHARED, fd, 0);
	if (hb->hb_servers == MAP_FAILED) {
		hb->hb_servers = NULL;
		return -1;
	}
	return 0;
}

int
healthboard_create(struct healthboard *hb, unsigned nservers)
{
	memset(hb, 0, sizeof(*hb));
	hb->hb_n = nservers;
	hb->hb_size = board_size(nservers);
	if (shared_anon_pair("rpxd-health", &hb->hb_fd, &hb->hb_rofd) == -1)
		return -1;
	if (ftruncate(hb->hb_fd, (off_t)hb->hb_size) == -1 ||
	    board_map(hb, hb->hb_fd, PROT_READ | PROT_WRITE) == -1 ||
	    (hb->hb_reports = calloc(nservers > 0 ? nservers : 1,
	    sizeof(*hb->hb_reports))) == NULL) {
		healthboard_close(hb);
		return -1;
	}
	return 0;
}

/* A worker keeps no descriptor: with the read-only one it could map
 * the board again, but never writable; without one, not at all. */
int
healthboard_attach(struct healthboard *hb, int fd, unsigned nservers,
    int writable)
{
	struct stat	st;
	int		rv = -1;

	memset(hb, 0, sizeof(*hb));
	hb->hb_fd = hb->hb_rofd = -1;
	hb->hb_n = nservers;
	hb->hb_size = board_size(nservers);
	if (fstat(fd, &st) == -1)
		goto done;
	if ((size_t)st.st_size != hb->hb_size) {
		errno = EINVAL;
		goto done;
	}
	rv = board_map(hb, fd, writable ? PROT_READ | PROT_WRITE : PROT_READ);
done:
	close(fd);
	return rv;
}

void
healthboard_close(struct healthboard *hb)
{
	if (hb->hb_servers != NULL)
		munmap(hb->hb_servers, hb->hb_size);
	if (hb->hb_fd != -1)
		close(hb->hb_fd);
	if (hb->hb_rofd != -1)
		close(hb->hb_rofd);
	free(hb->hb_reports);
	hb->hb_servers = NULL;
	hb->hb_reports = NULL;
	hb->hb_fd = hb->hb_rofd = -1;
}

struct hb_server *
healthboard_server(const struct healthboard *hb, const struct backend_conf *be,
    unsigned sv)
{
	unsigned	i = be->be_first_server + sv;

	if (hb == NULL || hb->hb_servers == NULL || sv >= be->be_nservers ||
	    i >= hb->hb_n)
		return NULL;
	return &hb->hb_servers[i];
}

static const struct backend_conf *
find_backend(const struct rpxd_conf *c, const char *name)
{
	unsigned	i;

	for (i = 0; i < c->rc_nbackends; i++)
		if (strcmp(c->rc_backends[i].be_name, name) == 0)
			return &c->rc_backends[i];
	return NULL;
}

/*
 * A server keeps its checked state and passive hold-off when its backend
 * and "host:port" are the same in the new configuration. Connection
 * counts stay with the old board: the old workers decrement them there.
 */
void
healthboard_carry(struct healthboard *to, const struct rpxd_conf *tc,
    const struct healthboard *from, const struct rpxd_conf *fc)
{
	const struct backend_conf	*tb, *fb;
	struct hb_server		*t, *f;
	unsigned			 i, j, k;

	for (i = 0; i < tc->rc_nbackends; i++) {
		tb = &tc->rc_backends[i];
		if ((fb = find_backend(fc, tb->be_name)) == NULL)
			continue;
		for (j = 0; j < tb->be_nservers; j++)
			for (k = 0; k < fb->be_nservers; k++) {
				if (strcmp(tb->be_servers[j].sv_name,
				    fb->be_servers[k].sv_name) != 0)
					continue;
				t = healthboard_server(to, tb, j);
				f = healthboard_server(from, fb, k);
				if (t == NULL || f == NULL)
					break;
				t->hs_state = f->hs_state;
				t->hs_down_until = f->hs_down_until;
				t->hs_last_status = f->hs_last_status;
				t->hs_run = f->hs_run;
				t->hs_checks = f->hs_checks;
				t->hs_check_failures = f->hs_check_failures;
				t->hs_changed = f->hs_changed;
				break;
			}
	}
}
