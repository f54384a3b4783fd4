/*
 * rpxctl's commands that work on files without asking rpxd.
 */
#ifndef RPXD_CTL_H
#define RPXD_CTL_H

/* rpxctl ticket-key new FILE [KEEP]: 0, 1 failed, 2 bad usage. */
int	ticket_key_command(int argc, char *argv[]);

#endif
