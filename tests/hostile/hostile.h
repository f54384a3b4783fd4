/*
 * The parts of the hostile test child (tests/hostile/): hostile_worker.c
 * attacks as a worker or a checker; hostile_template.c takes a template's
 * place and forks the hostile workers.
 */
#ifndef RPXD_HOSTILE_H
#define RPXD_HOSTILE_H

#include <stdint.h>

extern int	hostile_key_channel;
extern int	hostile_listener;

void	hostile_die(const char *what) __attribute__((noreturn));
void	hostile_exec_real(const char *name, char *argv[])
	    __attribute__((noreturn));
void	hostile_attach_slot(int fd, uint32_t slot);
void	hostile_attack(const char *what) __attribute__((noreturn));
void	hostile_template(char *argv[], long real_every, const char *attack);

#endif
