/*
 * Collecting configuration errors: one "file:line: option: what" line per
 * problem, appended to the caller's buffer, so rpxd -n and a failed
 * reload can report every problem at once.
 */
#ifndef RPXD_CONFIG_ERR_H
#define RPXD_CONFIG_ERR_H

#include <stddef.h>

struct config_err {
	char		*ce_buf;
	size_t		 ce_len;
	size_t		 ce_used;
	unsigned	 ce_count;
};

void	config_err_init(struct config_err *ce, char *buf, size_t len);
void	config_err(struct config_err *ce, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
