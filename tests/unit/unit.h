/*
 * The Check suites of the unit-test runner; each tests/unit/test_*.c
 * defines one and unit_main.c runs them all.
 */
#ifndef RPXD_UNIT_H
#define RPXD_UNIT_H

#include <check.h>

Suite	*suite_config(void);
Suite	*suite_config_tls(void);
Suite	*suite_config_ad(void);
Suite	*suite_krb5_token(void);
Suite	*suite_spnego(void);
Suite	*suite_ntlm_mic(void);
Suite	*suite_http(void);
Suite	*suite_chunked(void);
Suite	*suite_route(void);
Suite	*suite_rewrite(void);
Suite	*suite_ipc(void);
Suite	*suite_ntlm(void);
Suite	*suite_ntlm_header(void);
Suite	*suite_ntlm_users(void);
Suite	*suite_ntlm_master(void);
Suite	*suite_verdict(void);
Suite	*suite_board(void);
Suite	*suite_keys(void);
Suite	*suite_strbuf(void);
Suite	*suite_ocsp(void);
Suite	*suite_log(void);
Suite	*suite_proxy(void);
Suite	*suite_childlog(void);
Suite	*suite_privdrop(void);
Suite	*suite_pidmap(void);
Suite	*suite_buf(void);
Suite	*suite_limits(void);
Suite	*suite_metrics(void);
Suite	*suite_idle_cache(void);
Suite	*suite_ep_cert(void);

#endif
