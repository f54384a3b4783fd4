/*
 * Signals for the master, turned into events on a self-pipe so that the
 * main loop handles them one at a time outside signal context.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

static int	signal_pipe[2] = { -1, -1 };

static void
signal_handler(int sig)
{
	unsigned char	ev;
	int		saved_errno = errno;

	switch (sig) {
	case SIGHUP:
		ev = MSIG_RELOAD;
		break;
	case SIGCHLD:
		ev = MSIG_CHILD;
		break;
	case SIGUSR2:
		ev = MSIG_UPGRADE;
		break;
	default:
		ev = MSIG_STOP;
		break;
	}
	(void)write(signal_pipe[1], &ev, 1);	/* full pipe: event pending */
	errno = saved_errno;
}

int
signals_init(void)
{
	struct sigaction	sa;
	int			i;
	const int		sigs[] = { SIGHUP, SIGCHLD, SIGTERM, SIGINT,
				    SIGUSR2 };

	if (pipe(signal_pipe) == -1)
		fatal("%s: pipe", __func__);
	for (i = 0; i < 2; i++) {
		fcntl(signal_pipe[i], F_SETFL, O_NONBLOCK);
		fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = signal_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < (int)(sizeof(sigs) / sizeof(sigs[0])); i++)
		if (sigaction(sigs[i], &sa, NULL) == -1)
			fatal("%s: sigaction", __func__);
	signal(SIGPIPE, SIG_IGN);
	return signal_pipe[0];
}

enum signal_event
signals_next(void)
{
	unsigned char	ev;

	if (read(signal_pipe[0], &ev, 1) != 1)
		return MSIG_NONE;
	return (enum signal_event)ev;
}

/* A forked child before exec: default dispositions and an empty mask. */
void
signals_reset_child(void)
{
	sigset_t	set;
	const int	sigs[] = { SIGHUP, SIGCHLD, SIGTERM, SIGINT, SIGPIPE,
			    SIGUSR2 };
	size_t		i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
}
