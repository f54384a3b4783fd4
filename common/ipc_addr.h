/*
 * A client address in an IPC payload: the worker tells the NTLM checker
 * which client a PROXY protocol header named (auth_ntlm.c,
 * master/ntlm_challenge.c). AF_UNSPEC: none.
 */
#ifndef RPXD_IPC_ADDR_H
#define RPXD_IPC_ADDR_H

#include <sys/types.h>
#include <sys/socket.h>

#include "msgbuf.h"

void	ipc_addr_put(struct msgbuf *mb, const struct sockaddr_storage *ss);
/* 0, or -1 for anything but none, IPv4 or IPv6 in its exact form. */
int	ipc_addr_get(struct msgbuf *mb, struct sockaddr_storage *ss);

#endif
