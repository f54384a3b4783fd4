/*
 * For the IPC harnesses (fuzz_ipc.c, fuzz_ipc_reader.c): the fuzz input
 * written into a socketpair, with descriptors on its first bytes.
 */
#ifndef RPXD_FUZZ_SEND_H
#define RPXD_FUZZ_SEND_H

#include <stddef.h>
#include <stdint.h>

/* Sends p[0..len) on sock with nfds (0-3) copies of fd by SCM_RIGHTS. */
void	fuzz_send_with_fds(int sock, const uint8_t *p, size_t len, int fd,
	    unsigned nfds);

#endif
