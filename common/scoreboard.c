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

int
scoreboard_create(struct scoreboard *sb)
{
	memset(sb, 0, sizeof(*sb));
	sb->sb_size = sizeof(struct scoreboard_slot) * RPXD_MAX_WORKERS;
	if ((sb->sb_fd = shared_anon_fd("rpxd-scoreboard")) == -1)
		return -1;
	if (ftruncate(sb->sb_fd, (off_t)sb->sb_size) == -1)
		goto fail;
	sb->sb_slots = mmap(NULL, sb->sb_size, PROT_READ | PROT_WRITE,
	    MAP_SHARED, sb->sb_fd, 0);
	if (sb->sb_slots == MAP_FAILED)
		goto fail;
	return 0;
fail:
	close(sb->sb_fd);
	sb->sb_fd = -1;
	return -1;
}

int
scoreboard_attach(struct scoreboard *sb, int fd)
{
	struct stat	st;

	memset(sb, 0, sizeof(*sb));
	sb->sb_fd = fd;
	sb->sb_size = sizeof(struct scoreboard_slot) * RPXD_MAX_WORKERS;
	if (fstat(fd, &st) == -1)
		return -1;
	if ((size_t)st.st_size != sb->sb_size) {
		errno = EINVAL;
		return -1;
	}
	sb->sb_slots = mmap(NULL, sb->sb_size, PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);
	if (sb->sb_slots == MAP_FAILED)
		return -1;
	return 0;
}

void
scoreboard_close(struct scoreboard *sb)
{
	if (sb->sb_slots != NULL && sb->sb_slots != MAP_FAILED)
		munmap(sb->sb_slots, sb->sb_size);
	if (sb->sb_fd != -1)
		close(sb->sb_fd);
	sb->sb_slots = NULL;
	sb->sb_fd = -1;
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
