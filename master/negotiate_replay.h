/*
 * The replay cache of Kerberos logins (negotiate-keytab): the domain
 * checkers accept tokens without one (they open no file), so the master
 * remembers the authenticator of every Kerberos login it passes on, for
 * as long as a Kerberos acceptor would take it (clock skew either side),
 * and refuses one it has seen. Used by negotiate.c.
 */
#ifndef RPXD_NEGOTIATE_REPLAY_H
#define RPXD_NEGOTIATE_REPLAY_H

#include <stddef.h>

/* 1 if the authenticator cipher text was seen within the window (a
 * replay); else 0, and it is remembered. */
int	negotiate_replay_seen(const unsigned char *cipher, size_t len);

#endif
