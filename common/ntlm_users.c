/*
 * Reading and searching the credential file of `auth = ntlm` (see
 * ntlm_users.h). Master only. Entries are kept sorted by user and domain,
 * without ASCII case, so that duplicates sit side by side and a lookup is
 * a binary search.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ntlm.h"
#include "ntlm_users.h"

struct ntlm_user {
	char		*nu_user;
	char		*nu_domain;	/* "" for any domain */
	unsigned char	 nu_hash[NTLM_HASH_LEN];
	unsigned	 nu_line;
};

struct ntlm_users {
	struct ntlm_user	*nus_list;
	size_t			 nus_count;
	size_t			 nus_cap;
};

static void	users_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
users_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
ascii_casecmp(const char *a, const char *b)
{
	int	x, y;

	for (;; a++, b++) {
		x = (unsigned char)*a;
		y = (unsigned char)*b;
		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y || x == 0)
			return x - y;
	}
}

static int
user_cmp(const void *a, const void *b)
{
	const struct ntlm_user	*x = a, *y = b;
	int			 r;

	if ((r = ascii_casecmp(x->nu_user, y->nu_user)) != 0 ||
	    (r = ascii_casecmp(x->nu_domain, y->nu_domain)) != 0)
		return r;
	return x->nu_line < y->nu_line ? -1 : x->nu_line > y->nu_line;
}

/* Whether the open file may hold secrets: root's, for root alone. */
static int
check_file(int fd, const char *file, char *err, size_t errlen)
{
	struct stat	st;

	if (fstat(fd, &st) == -1)
		users_err(err, errlen, "%s: %s", file, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		users_err(err, errlen, "%s: is not a regular file", file);
	else if (st.st_mode & 077)
		users_err(err, errlen, "%s: is readable or writable by group "
		    "or others (mode %04o); chmod 600", file,
		    (unsigned)(st.st_mode & 07777));
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		users_err(err, errlen, "%s: is owned by uid %u, not root",
		    file, (unsigned)st.st_uid);
	else if (st.st_size > (off_t)NTLM_USERS_FILE_MAX)
		users_err(err, errlen, "%s: is larger than %u bytes", file,
		    NTLM_USERS_FILE_MAX);
	else
		return 0;
	return -1;
}

/* The whole file, NUL-terminated, after checking who may read it. */
static char *
read_file(const char *file, size_t *len, char *err, size_t errlen)
{
	char	*buf = NULL;
	size_t	 n = 0;
	ssize_t	 r = 0;
	int	 fd;

	/* O_NONBLOCK: a FIFO must not hang the master before fstat. */
	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) == -1) {
		users_err(err, errlen, "%s: %s", file, strerror(errno));
		return NULL;
	}
	if (check_file(fd, file, err, errlen) == -1)
		goto fail;
	if ((buf = malloc(NTLM_USERS_FILE_MAX + 1)) == NULL) {
		users_err(err, errlen, "%s: %s", file, strerror(errno));
		goto fail;
	}
	/* Up to one byte too many, to see a file that grew past the limit. */
	while (n <= NTLM_USERS_FILE_MAX && (r = read(fd, buf + n,
	    NTLM_USERS_FILE_MAX + 1 - n)) > 0)
		n += (size_t)r;
	if (r == -1 || n > NTLM_USERS_FILE_MAX) {
		users_err(err, errlen, "%s: %s", file, r == -1 ?
		    strerror(errno) : "is larger than the limit");
		goto fail;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, n);
		free(buf);
	}
	close(fd);
	return NULL;
}

static char *
trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t' ||
	    e[-1] == '\r'); e--)
		;
	*e = '\0';
	return s;
}

/* What is wrong with a user or domain name, or NULL. */
static const char *
bad_name(const char *s, const char *what_long, const char *what_ctl,
    const char *what_utf8)
{
	unsigned char		 u16[2 * NTLM_NAME_MAX];
	const unsigned char	*p;
	size_t			 n;

	if (strlen(s) > NTLM_NAME_MAX)
		return what_long;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return what_ctl;
	if (ntlm_utf8_to_utf16le(s, u16, sizeof(u16), &n) != 0)
		return what_utf8;
	return NULL;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char *
parse_hash(const char *s, unsigned char hash[NTLM_HASH_LEN])
{
	int	hi, lo;
	size_t	i;

	if (strlen(s) != 2 * NTLM_HASH_LEN)
		return "NT hash is not 32 hex digits";
	for (i = 0; i < NTLM_HASH_LEN; i++) {
		if ((hi = hex_value(s[2 * i])) == -1 ||
		    (lo = hex_value(s[2 * i + 1])) == -1)
			return "NT hash is not 32 hex digits";
		hash[i] = (unsigned char)(hi << 4 | lo);
	}
	return NULL;
}

/*
 * One line (NUL-terminated, without its newline): 0 if it is blank or a
 * comment, 1 and the fields of an entry, -1 and what is wrong.
 */
static int
parse_line(char *line, char **user, char **domain,
    unsigned char hash[NTLM_HASH_LEN], const char **what)
{
	char	*s = trim(line), *c1, *c2;

	if (*s == '\0' || *s == '#')
		return 0;
	if ((c1 = strchr(s, ':')) == NULL || (c2 = strchr(c1 + 1, ':')) ==
	    NULL || strchr(c2 + 1, ':') != NULL) {
		*what = "expected user:domain:nthash";
		return -1;
	}
	*c1 = *c2 = '\0';
	*user = trim(s);
	*domain = trim(c1 + 1);
	if (**user == '\0')
		*what = "empty user name";
	else if ((*what = bad_name(*user, "user name is longer than 256 "
	    "bytes", "user name has control characters",
	    "user name is not UTF-8")) == NULL &&
	    (*what = bad_name(*domain, "domain is longer than 256 bytes",
	    "domain has control characters", "domain is not UTF-8")) == NULL)
		*what = parse_hash(trim(c2 + 1), hash);
	return *what == NULL ? 1 : -1;
}

static int
users_add(struct ntlm_users *u, const char *user, const char *domain,
    const unsigned char hash[NTLM_HASH_LEN], unsigned line)
{
	struct ntlm_user	*l, *e;
	size_t			 cap;

	if (u->nus_count == u->nus_cap) {
		cap = u->nus_cap ? 2 * u->nus_cap : 64;
		if ((l = reallocarray(u->nus_list, cap, sizeof(*l))) == NULL)
			return -1;
		u->nus_list = l;
		u->nus_cap = cap;
	}
	e = &u->nus_list[u->nus_count];
	if ((e->nu_user = strdup(user)) == NULL)
		return -1;
	if ((e->nu_domain = strdup(domain)) == NULL) {
		free(e->nu_user);
		return -1;
	}
	memcpy(e->nu_hash, hash, NTLM_HASH_LEN);
	e->nu_line = line;
	u->nus_count++;
	return 0;
}

/* One line into u: -1 and what is wrong with it. */
static int
users_line(struct ntlm_users *u, char *line, size_t len, unsigned lineno,
    const char **what)
{
	unsigned char	 hash[NTLM_HASH_LEN];
	char		*user, *domain;
	int		 r;

	if (strlen(line) != len) {
		*what = "NUL byte in the line";
		return -1;
	}
	if ((r = parse_line(line, &user, &domain, hash, what)) != 1)
		return r;
	if (u->nus_count == NTLM_USERS_MAX) {
		*what = "more than 65536 entries";
		r = -1;
	} else if (users_add(u, user, domain, hash, lineno) == -1) {
		*what = strerror(errno);
		r = -1;
	} else
		r = 0;
	OPENSSL_cleanse(hash, sizeof(hash));
	return r;
}

/* Every line of buf (len bytes) into u; -1 with err on the first error. */
static int
users_parse(struct ntlm_users *u, const char *file, char *buf, size_t len,
    char *err, size_t errlen)
{
	const char	*what;
	char		*line, *nl;
	unsigned	 lineno = 0;

	for (line = buf; line < buf + len; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(buf + len - line))) ==
		    NULL)
			nl = buf + len;
		*nl = '\0';
		if (users_line(u, line, (size_t)(nl - line), lineno,
		    &what) == -1) {
			users_err(err, errlen, "%s:%u: %s", file, lineno,
			    what);
			return -1;
		}
	}
	return 0;
}

/* The first duplicate in file order, after sorting. */
static int
users_check_duplicates(const struct ntlm_users *u, const char *file,
    char *err, size_t errlen)
{
	const struct ntlm_user	*dup = NULL, *first = NULL;
	size_t			 i;

	for (i = 1; i < u->nus_count; i++) {
		if (ascii_casecmp(u->nus_list[i - 1].nu_user,
		    u->nus_list[i].nu_user) != 0 ||
		    ascii_casecmp(u->nus_list[i - 1].nu_domain,
		    u->nus_list[i].nu_domain) != 0)
			continue;
		if (dup == NULL || u->nus_list[i].nu_line < dup->nu_line) {
			dup = &u->nus_list[i];
			first = &u->nus_list[i - 1];
		}
	}
	if (dup == NULL)
		return 0;
	users_err(err, errlen, "%s:%u: duplicate entry for user \"%s\" in "
	    "%s%s%s (first on line %u)", file, dup->nu_line, dup->nu_user,
	    *dup->nu_domain ? "domain \"" : "any domain",
	    dup->nu_domain, *dup->nu_domain ? "\"" : "", first->nu_line);
	return -1;
}

struct ntlm_users *
ntlm_users_load(const char *file, char *err, size_t errlen)
{
	struct ntlm_users	*u;
	char			*buf;
	size_t			 len;
	int			 r;

	if ((buf = read_file(file, &len, err, errlen)) == NULL)
		return NULL;
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		users_err(err, errlen, "%s: %s", file, strerror(errno));
		r = -1;
	} else
		r = users_parse(u, file, buf, len, err, errlen);
	OPENSSL_cleanse(buf, len);
	free(buf);
	if (r == 0 && u->nus_count > 1) {	/* no qsort of a NULL list */
		qsort(u->nus_list, u->nus_count, sizeof(*u->nus_list),
		    user_cmp);
		r = users_check_duplicates(u, file, err, errlen);
	}
	if (r == -1) {
		ntlm_users_free(u);
		return NULL;
	}
	return u;
}

const unsigned char *
ntlm_users_find_entry(const struct ntlm_users *u, const char *user,
    const char *domain, const char **file_user, const char **file_domain)
{
	const struct ntlm_user	*l = u->nus_list, *any = NULL, *e = NULL;
	size_t			 lo = 0, hi = u->nus_count, mid;

	/* The first entry of user: the one with the empty domain, if any. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ascii_casecmp(l[mid].nu_user, user) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; e == NULL && lo < u->nus_count &&
	    ascii_casecmp(l[lo].nu_user, user) == 0; lo++) {
		if (l[lo].nu_domain[0] == '\0')
			any = &l[lo];
		else if (ascii_casecmp(l[lo].nu_domain, domain) == 0)
			e = &l[lo];
	}
	if (e == NULL && (e = any) == NULL)
		return NULL;
	if (file_user != NULL)
		*file_user = e->nu_user;
	if (file_domain != NULL)
		*file_domain = e->nu_domain;
	return e->nu_hash;
}

const unsigned char *
ntlm_users_find(const struct ntlm_users *u, const char *user,
    const char *domain)
{
	return ntlm_users_find_entry(u, user, domain, NULL, NULL);
}

size_t
ntlm_users_count(const struct ntlm_users *u)
{
	return u->nus_count;
}

void
ntlm_users_free(struct ntlm_users *u)
{
	size_t	i;

	if (u == NULL)
		return;
	for (i = 0; i < u->nus_count; i++) {
		OPENSSL_cleanse(u->nus_list[i].nu_hash, NTLM_HASH_LEN);
		free(u->nus_list[i].nu_user);
		free(u->nus_list[i].nu_domain);
	}
	free(u->nus_list);
	free(u);
}
