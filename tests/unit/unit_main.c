/*
 * Runs every unit-test suite (see unit.h) and exits non-zero if any check
 * failed. `make unit-check` runs it.
 */
#include <stdlib.h>

#include "unit.h"

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(suite_config());
	srunner_add_suite(sr, suite_config_tls());
	srunner_add_suite(sr, suite_config_ad());
	srunner_add_suite(sr, suite_krb5_token());
	srunner_add_suite(sr, suite_spnego());
	srunner_add_suite(sr, suite_ntlm_mic());
	srunner_add_suite(sr, suite_http());
	srunner_add_suite(sr, suite_chunked());
	srunner_add_suite(sr, suite_route());
	srunner_add_suite(sr, suite_rewrite());
	srunner_add_suite(sr, suite_ipc());
	srunner_add_suite(sr, suite_ntlm());
	srunner_add_suite(sr, suite_ntlm_header());
	srunner_add_suite(sr, suite_log());
	srunner_add_suite(sr, suite_ntlm_users());
	srunner_add_suite(sr, suite_ntlm_master());
	srunner_add_suite(sr, suite_verdict());
	srunner_add_suite(sr, suite_board());
	srunner_add_suite(sr, suite_keys());
	srunner_add_suite(sr, suite_strbuf());
	srunner_add_suite(sr, suite_proxy());
	srunner_add_suite(sr, suite_childlog());
	srunner_add_suite(sr, suite_privdrop());
	srunner_add_suite(sr, suite_pidmap());
	srunner_add_suite(sr, suite_ocsp());
	srunner_add_suite(sr, suite_buf());
	srunner_add_suite(sr, suite_limits());
	srunner_add_suite(sr, suite_metrics());
	srunner_add_suite(sr, suite_idle_cache());
	srunner_add_suite(sr, suite_ep_cert());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
