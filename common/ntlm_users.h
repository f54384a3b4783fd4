/*
 * The credential file of `auth = ntlm`: one `user:domain:nthash` a line,
 * read by the master (the hashes never reach a worker) and searched for
 * each AUTHENTICATE message before ntlm_verify_v2 (ntlm.h).
 */
#ifndef RPXD_NTLM_USERS_H
#define RPXD_NTLM_USERS_H

#include <stddef.h>

#define NTLM_USERS_FILE_MAX	(4u * 1024 * 1024)	/* bytes */
#define NTLM_USERS_MAX		65536			/* entries */

struct ntlm_users;

/*
 * Reads file: `#` comment lines, blank lines and entries, whose fields are
 * trimmed; nthash is 32 hex digits, the MD4 of the UTF-16LE password; an
 * empty domain matches any. The file must be a regular file owned by root
 * (or by the caller) with no access for group or others. NULL and
 * "file:line: what" in err (errlen bytes) on the first problem.
 */
struct ntlm_users	*ntlm_users_load(const char *file, char *err,
			    size_t errlen);
/*
 * The NT hash (NTLM_HASH_LEN bytes) of user in domain, names compared
 * without ASCII case: an entry for that domain, else one for any domain,
 * else NULL. A client may name the domain in NetBIOS or DNS form; an
 * entry matches only the form it spells.
 */
const unsigned char	*ntlm_users_find(const struct ntlm_users *u,
			    const char *user, const char *domain);
/*
 * The same, and the entry's own spelling of its user and domain ("" for
 * an entry of any domain), which the identity sent to backends uses
 * rather than the client's.
 */
const unsigned char	*ntlm_users_find_entry(const struct ntlm_users *u,
			    const char *user, const char *domain,
			    const char **file_user, const char **file_domain);
size_t			 ntlm_users_count(const struct ntlm_users *u);
/* Wipes the hashes and frees; NULL is fine. */
void			 ntlm_users_free(struct ntlm_users *u);

#endif
