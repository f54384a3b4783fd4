/*
 * A strict JSON (RFC 8259) validator for the fuzz harnesses: the whole
 * text must be one value, strings valid UTF-8 without raw control
 * characters, nesting bounded. Used by fuzz_status.c on rpxctl status's
 * JSON, which scripts parse.
 */
#ifndef RPXD_JSON_CHECK_H
#define RPXD_JSON_CHECK_H

#include <stddef.h>

/* 1 if s[0..len) is one JSON value (whitespace around it allowed). */
int	json_check(const char *s, size_t len);

#endif
