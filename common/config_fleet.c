/*
 * Fleet secrets (config_fleet.h). Both files are secrets like private
 * keys: a file that group or others may read or write is refused, so a
 * leaked ticket key (which decrypts recorded sessions that resumed with
 * it) or a forged one cannot come from a careless mode.
 *
 * tls-ticket-key-file: one key per line, base64 of 80 bytes (16-byte name,
 * 32-byte AES-256 key, 32-byte HMAC-SHA256 key); the first line encrypts
 * new tickets, every line decrypts; '#' lines and empty lines are skipped;
 * 1 to RPXD_TICKET_FILE_KEYS keys with different names.
 * balance-key-file: at least 16 bytes of anything (random bytes, or text);
 * the key is the first 16 bytes of their SHA-256.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "base64.h"
#include "config_fleet.h"
#include "healthboard.h"
#include "ipc.h"

#define BALANCE_FILE_MAX	65536

_Static_assert(TICKET_KEY_SIZE == 80, "ticket key size");
_Static_assert(HB_KEY_SIZE == sizeof(((struct rpxd_conf *)0)->rc_balance_key),
    "balance key size");
_Static_assert(RPXD_TICKET_FILE_KEYS <= TICKET_KEYS_MAX, "ticket keys");

/* Open a secret: a regular file, no access for group or others. */
static int
secret_open(const char *path, char *err, size_t errlen)
{
	struct stat	st;
	int		fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s: group or others may read or write "
		    "it (mode %03o); it is a secret: chmod 600", path,
		    (unsigned)st.st_mode & 0777);
		close(fd);
		return -1;
	}
	return fd;
}

/* One line: 1 a key, 0 a comment or blank, -1 bad. */
static int
ticket_line(char *line, unsigned char key[80])
{
	size_t	len = strlen(line), used;

	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
	    line[len - 1] == ' ' || line[len - 1] == '\t'))
		line[--len] = '\0';
	if (len == 0 || line[0] == '#')
		return 0;
	if (len != BASE64_ENCODED_LEN(80) ||
	    base64_decode(line, len, key, 80, &used) == -1 || used != 80)
		return -1;
	return 1;
}

int
ticket_file_read(const char *path, unsigned char keys[][80], unsigned max,
    unsigned *n, char *err, size_t errlen)
{
	char		 line[TICKET_FILE_LINE_MAX];
	unsigned	 lineno = 0, i;
	FILE		*f;
	int		 fd, rv;

	*n = 0;
	if ((fd = secret_open(path, err, errlen)) == -1)
		return -1;
	if ((f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path,
			    lineno);
			goto fail;
		}
		if ((rv = ticket_line(line, keys[*n])) == 0)
			continue;
		if (rv == -1) {
			snprintf(err, errlen, "%s:%u: not a key (base64 of 80 "
			    "bytes: rpxctl ticket-key new makes them)", path,
			    lineno);
			goto fail;
		}
		for (i = 0; i < *n; i++)
			if (memcmp(keys[i], keys[*n], TICKET_NAME_SIZE) == 0) {
				snprintf(err, errlen, "%s:%u: the same key name "
				    "as line %u's key", path, lineno, i + 1);
				goto fail;
			}
		if (++*n == max)
			break;
	}
	if (fgets(line, sizeof(line), f) != NULL && *n == max) {
		snprintf(err, errlen, "%s: more than %u keys", path, max);
		goto fail;
	}
	fclose(f);
	if (*n == 0) {
		snprintf(err, errlen, "%s: no key", path);
		return -1;
	}
	return 0;
fail:
	fclose(f);
	explicit_bzero(line, sizeof(line));
	explicit_bzero(keys, (size_t)max * 80);
	*n = 0;
	return -1;
}

static int
balance_key_read(const char *path, unsigned char key[HB_KEY_SIZE],
    char *err, size_t errlen)
{
	unsigned char	buf[BALANCE_FILE_MAX], md[SHA256_DIGEST_LENGTH];
	ssize_t		n;
	size_t		len = 0;
	int		fd;

	if ((fd = secret_open(path, err, errlen)) == -1)
		return -1;
	while (len < sizeof(buf) && (n = read(fd, buf + len,
	    sizeof(buf) - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len < HB_KEY_SIZE || len == sizeof(buf)) {
		snprintf(err, errlen, "%s: must hold 16 bytes to 64 KiB (e.g. "
		    "head -c 32 /dev/urandom)", path);
		explicit_bzero(buf, len);
		return -1;
	}
	SHA256(buf, len, md);
	memcpy(key, md, HB_KEY_SIZE);
	explicit_bzero(buf, len);
	explicit_bzero(md, sizeof(md));
	return 0;
}

int
fleet_keys_load(struct rpxd_conf *c, char *err, size_t errlen)
{
	char	why[512];

	if (c->rc_ticket_key_file[0] != '\0' &&
	    ticket_file_read(c->rc_ticket_key_file, c->rc_ticket_keys,
	    RPXD_TICKET_FILE_KEYS, &c->rc_nticket_keys, why,
	    sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: tls-ticket-key-file: %s", c->rc_file,
		    why);
		return -1;
	}
	if (c->rc_balance_key_file[0] != '\0') {
		if (balance_key_read(c->rc_balance_key_file,
		    c->rc_balance_key, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "%s: balance-key-file: %s",
			    c->rc_file, why);
			return -1;
		}
		c->rc_have_balance_key = 1;
	}
	return 0;
}
