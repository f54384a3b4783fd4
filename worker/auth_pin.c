/*
 * Connection-bound authentication seen in passing (auth = passthrough):
 * does a request's Authorization, or a 401/407 challenge, use NTLM,
 * Negotiate, Nego2 or Kerberos, which authenticate the TCP connection
 * rather than the request; and what the access log says about it (the
 * NTLM message type read from the token), so that an operator can follow
 * a password-prompt loop.
 */
#include <stdio.h>
#include <string.h>

#include "ntlm.h"
#include "worker.h"

/* Does any of these fields of msg carry a connection-bound scheme? */
static int
fields_bound(const struct http_message *msg, const char *name, int challenge)
{
	unsigned	i;

	for (i = 0; i < msg->hm_nheaders; i++) {
		const struct http_header *h = &msg->hm_headers[i];

		if (!http_header_is(h, name))
			continue;
		if (challenge ? ntlm_challenge_is_connection_bound(h->hh_value,
		    h->hh_valuelen) : ntlm_credentials_is_connection_bound(
		    h->hh_value, h->hh_valuelen))
			return 1;
	}
	return 0;
}

int
auth_request_pins(const struct http_message *req)
{
	return fields_bound(req, "Authorization", 0) ||
	    fields_bound(req, "Proxy-Authorization", 0);
}

int
auth_response_pins(const struct http_message *resp)
{
	if (resp->hm_status == 401)
		return fields_bound(resp, "WWW-Authenticate", 1);
	if (resp->hm_status == 407)
		return fields_bound(resp, "Proxy-Authenticate", 1);
	return 0;
}

/*
 * For the log: "ntlm1".."ntlm3" when the field's token is an NTLMSSP
 * message, else the scheme in lower case ("negotiate", "basic"), "bad"
 * for an undecodable token; out is left alone when msg has no such field.
 */
void
auth_describe(const struct http_message *msg, const char *name, char *out,
    size_t outlen)
{
	const struct http_header	*h = http_find_header(msg, name);
	size_t				 i, n;
	int				 type;

	if (h == NULL || outlen < 8)
		return;
	type = ntlm_header_type(h->hh_value, h->hh_valuelen);
	if (type > 0) {
		snprintf(out, outlen, "ntlm%d", type);
		return;
	}
	if (type < 0) {
		snprintf(out, outlen, "bad");
		return;
	}
	for (n = 0; n < h->hh_valuelen && n + 1 < outlen &&
	    http_is_tchar((unsigned char)h->hh_value[n]); n++)
		;
	for (i = 0; i < n; i++) {
		char c = h->hh_value[i];

		out[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, outlen, "-");
}
