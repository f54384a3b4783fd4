/*
 * The shared scoreboard (see scoreboard.h): an anonymous shared mapping
 * made by the master, passed to workers as a descriptor.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scoreboard.h"

int
shared_anon_fd(const char *what)
{
#if defined(__linux__)
	return memfd_create(what, MFD_CLOEXEC);
#elif defined(__FreeBSD__)
	return shm_open(SHM_ANON, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
#else
	char	name[64];
	int	fd;

	/* Named only for an instant: unlinked before anyone can use it. */
	snprintf(name, sizeof(name), "/%s.%ld", what, (long)getpid());
	fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd != -1)
		shm_unlink(name);
	return fd;
#endif
}

/*
 * A shared object and a second, read-only descriptor for it, which the
 * master hands to less trusted readers: mmap or mprotect with PROT_WRITE
 * of a MAP_SHARED mapping then fails with EACCES. Linux reopens the memfd
 * through /proc (the master is not chrooted); the BSDs open a named
 * object twice and unlink it at once.
 */
int
shared_anon_pair(const char *what, int *rw, int *ro)
{
#if defined(__linux__)
	char	path[64];

	*ro = -1;
	if ((*rw = memfd_create(what, MFD_CLOEXEC)) == -1)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", *rw);
	if ((*ro = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		close(*rw);
		*rw = -1;
		return -1;
	}
	return 0;
#else
	char	name[64];

	*ro = -1;
	snprintf(name, sizeof(name), "/%s.%ld.ro", what, (long)getpid());
	*rw = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (*rw == -1)
		return -1;
	*ro = shm_open(name, O_RDONLY | O_CLOEXEC, 0);
	shm_unlink(name);
	if (*ro == -1) {
		close(*rw);
		*rw = -1;
		return -1;
	}
	return 0;
#endif
}

/* A slot rounded up to whole pages, so that one mmap covers it alone. */
size_t
scoreboard_stride(void)
{
	long	page = sysconf(_SC_PAGESIZE);
	size_t	p = page > 0 ? (size_t)page : 4096;

	return (sizeof(struct scoreboard_slot) + p - 1) / p * p;
}

unsigned
scoreboard_slots_for(unsigned max_workers)
{
	uint64_t	n = 2 * (uint64_t)max_workers;

	return n > RPXD_SLOTS_MAX ? RPXD_SLOTS_MAX : (unsigned)n;
}

/* The master's view of every slot; the pages are the memfd's, so a new
 * view sees what the old one did. */
static int
board_map(struct scoreboard *sb, unsigned slots)
{
	size_t	size = sb->sb_stride * slots;
	void	*p;

	if (ftruncate(sb->sb_fd, (off_t)size) == -1)
		return -1;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, sb->sb_fd, 0);
	if (p == MAP_FAILED)
		return -1;
	if (sb->sb_base != NULL)
		munmap(sb->sb_base, sb->sb_size);
	sb->sb_base = p;
	sb->sb_size = size;
	sb->sb_slots = slots;
	return 0;
}

int
scoreboard_create(struct scoreboard *sb, unsigned slots)
{
	memset(sb, 0, sizeof(*sb));
	sb->sb_stride = scoreboard_stride();
	if (slots == 0 || slots > RPXD_SLOTS_MAX) {
		errno = EINVAL;
		return -1;
	}
	if ((sb->sb_fd = shared_anon_fd("rpxd-scoreboard")) == -1)
		return -1;
	if (board_map(sb, slots) == -1) {
		close(sb->sb_fd);
		sb->sb_fd = -1;
		return -1;
	}
	return 0;
}

int
scoreboard_grow(struct scoreboard *sb, unsigned slots)
{
	if (slots <= sb->sb_slots)
		return 0;
	if (slots > RPXD_SLOTS_MAX) {
		errno = EINVAL;
		return -1;
	}
	return board_map(sb, slots);
}

/*
 * The worker's side: its own slot's page and nothing else. The
 * descriptor is closed here, before the worker serves anything, so it
 * cannot map another offset later; its sandbox makes mremap() fail, so
 * the mapping cannot grow into the next slot either.
 */
int
scoreboard_attach_slot(struct scoreboard *sb, int fd, unsigned slot,
    struct scoreboard_slot **ss)
{
	struct stat	st = { .st_size = 0 };
	void		*p;
	int		 saved;

	memset(sb, 0, sizeof(*sb));
	sb->sb_fd = -1;
	sb->sb_stride = scoreboard_stride();
	*ss = NULL;
	if (fstat(fd, &st) == -1 || st.st_size < 0 ||
	    (uint64_t)slot >= (uint64_t)st.st_size / sb->sb_stride) {
		saved = fstat(fd, &st) == -1 ? errno : EINVAL;
		close(fd);
		errno = saved;
		return -1;
	}
	p = mmap(NULL, sb->sb_stride, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    (off_t)(sb->sb_stride * slot));
	saved = errno;
	close(fd);
	if (p == MAP_FAILED) {
		errno = saved;
		return -1;
	}
	sb->sb_base = p;
	sb->sb_size = sb->sb_stride;
	*ss = p;
	return 0;
}

struct scoreboard_slot *
scoreboard_slot(const struct scoreboard *sb, unsigned i)
{
	return (struct scoreboard_slot *)(void *)(sb->sb_base +
	    (size_t)i * sb->sb_stride);
}

void
scoreboard_close(struct scoreboard *sb)
{
	if (sb->sb_base != NULL)
		munmap(sb->sb_base, sb->sb_size);
	if (sb->sb_fd != -1)
		close(sb->sb_fd);
	sb->sb_base = NULL;
	sb->sb_fd = -1;
}

/* A fresh slot, before its worker starts: no backend connections. */
void
scoreboard_slot_init(struct scoreboard_slot *ss)
{
	unsigned	i;

	for (i = 0; i < SS_CONNS; i++) {
		ss->ss_conn_server[i] = -1;
		ss->ss_conn_pinned[i] = 0;
	}
}

void
scoreboard_set_state(struct scoreboard_slot *slot, enum worker_state state)
{
	slot->ss_state = state;
	slot->ss_since = (int64_t)time(NULL);
}

const char *
worker_state_name(uint32_t state)
{
	static const char *const names[] = {
		"free", "starting", "idle", "busy", "stopping"
	};

	if (state >= sizeof(names) / sizeof(names[0]))
		return "invalid";
	return names[state];
}
