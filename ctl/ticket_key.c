/*
 * rpxctl ticket-key new FILE [KEEP]: rotates a tls-ticket-key-file
 * (config_fleet.c) without asking rpxd, so an operator's cron or
 * configuration management can rotate a whole fleet: make the new file on
 * one host, copy it to every instance, reload each.
 *
 * The file's first key encrypts, the second is the next one, announced a
 * rotation ahead, the rest are previous keys that still decrypt. A
 * rotation makes the next key current, adds a new random next key, and
 * keeps KEEP previous keys (default 2). Since every instance learned the
 * new current key one rotation earlier, none encrypts with a key that
 * another cannot decrypt, as long as a rotation's copy reaches every
 * instance before the next rotation.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "base64.h"
#include "config_fleet.h"
#include "ctl.h"

#define KEEP_DEFAULT	2

static int
write_keys(const char *path, unsigned char keys[][80], unsigned n)
{
	char		 tmp[RPXD_FILE_MAX + 16], dir[RPXD_FILE_MAX], line[128];
	size_t		 used;
	unsigned	 i;
	FILE		*f;
	int		 fd;

	snprintf(dir, sizeof(dir), "%s", path);
	if (snprintf(tmp, sizeof(tmp), "%s/.rpxd-ticket-XXXXXX",
	    dirname(dir)) >= (int)sizeof(tmp) || (fd = mkstemp(tmp)) == -1 ||
	    fchmod(fd, 0600) == -1 || (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "rpxctl: %s: cannot make a new file beside it: "
		    "%s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "# rpxd session-ticket keys (rpxd.conf(5), "
	    "tls-ticket-key-file):\n# current, next, then previous ones; "
	    "made by rpxctl ticket-key new\n");
	for (i = 0; i < n; i++) {
		base64_encode(keys[i], 80, line, sizeof(line), &used);
		fprintf(f, "%.*s\n", (int)used, line);
	}
	explicit_bzero(line, sizeof(line));
	if (fflush(f) == EOF || fsync(fileno(f)) == -1 || fclose(f) == EOF ||
	    rename(tmp, path) == -1) {
		fprintf(stderr, "rpxctl: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
ticket_key_command(int argc, char *argv[])
{
	unsigned char	 old[RPXD_TICKET_FILE_KEYS][80];
	unsigned char	 keys[RPXD_TICKET_FILE_KEYS][80];
	char		 err[1024];
	unsigned	 nold = 0, n = 0, i, keep = KEEP_DEFAULT;
	int		 rv;

	if (argc < 3 || argc > 4 || strcmp(argv[1], "new") != 0)
		return 2;
	if (argc == 4) {
		char	*end;
		long	 v = strtol(argv[3], &end, 10);

		if (*end != '\0' || v < 0 || v > RPXD_TICKET_FILE_KEYS - 2)
			return 2;
		keep = (unsigned)v;
	}
	if (access(argv[2], F_OK) == 0 && ticket_file_read(argv[2], old,
	    RPXD_TICKET_FILE_KEYS, &nold, err, sizeof(err)) == -1) {
		fprintf(stderr, "rpxctl: %s\n", err);
		return 1;
	}
	/* current: the old next (or the only key, or a new one) */
	if (nold == 0 && RAND_bytes(keys[n++], 80) != 1)
		goto norand;
	if (nold > 0)
		memcpy(keys[n++], old[nold > 1 ? 1 : 0], 80);
	if (RAND_bytes(keys[n++], 80) != 1)	/* the new next */
		goto norand;
	if (nold > 1)
		memcpy(keys[n++], old[0], 80);	/* current -> previous */
	for (i = 2; i < nold && n < 2 + keep; i++)
		memcpy(keys[n++], old[i], 80);
	while (n > 2 + keep)
		n--;
	rv = write_keys(argv[2], keys, n);
	explicit_bzero(old, sizeof(old));
	explicit_bzero(keys, sizeof(keys));
	if (rv == -1)
		return 1;
	printf("%s: %u keys (current, next, %u previous); copy it to every "
	    "instance and reload them\n", argv[2], n, n - 2);
	return 0;
norand:
	fprintf(stderr, "rpxctl: no random bytes for a key\n");
	return 1;
}
