/*
 * PROXY protocol headers (worker/proxy_header.c) and the address prefixes
 * of proxy-protocol-from (common/netprefix.c).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "unit.h"
#include "../../common/netprefix.h"
#include "../../worker/proxy_header.h"

static long
parse(const void *p, size_t len, struct proxy_header *ph)
{
	const char	*why;

	return proxy_header_parse(p, len, ph, &why);
}

static long
parse_str(const char *s, struct proxy_header *ph)
{
	return parse(s, strlen(s), ph);
}

static const char *
src_name(const struct proxy_header *ph, char *out, size_t len)
{
	const struct sockaddr_in  *sin = (const void *)&ph->ph_src;
	const struct sockaddr_in6 *sin6 = (const void *)&ph->ph_src;
	char			   a[INET6_ADDRSTRLEN];

	if (ph->ph_src.ss_family == AF_INET)
		snprintf(out, len, "%s:%u", inet_ntop(AF_INET, &sin->sin_addr,
		    a, sizeof(a)), ntohs(sin->sin_port));
	else
		snprintf(out, len, "[%s]:%u", inet_ntop(AF_INET6,
		    &sin6->sin6_addr, a, sizeof(a)), ntohs(sin6->sin6_port));
	return out;
}

START_TEST(v1_tcp4_and_tcp6)
{
	struct proxy_header	ph;
	char			name[80];
	const char		*h = "PROXY TCP4 192.0.2.7 10.0.0.1 51234 443\r\nGET";

	ck_assert_int_eq(parse_str(h, &ph), (long)strlen(h) - 3);
	ck_assert_int_eq(ph.ph_version, 1);
	ck_assert_int_eq(ph.ph_local, 0);
	ck_assert_str_eq(src_name(&ph, name, sizeof(name)), "192.0.2.7:51234");
	h = "PROXY TCP6 2001:db8::9 2001:db8::1 65535 443\r\n";
	ck_assert_int_eq(parse_str(h, &ph), (long)strlen(h));
	ck_assert_str_eq(src_name(&ph, name, sizeof(name)),
	    "[2001:db8::9]:65535");
	h = "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n";
	ck_assert_int_eq(parse_str(h, &ph), (long)strlen(h));
	ck_assert_int_eq(ph.ph_local, 1);
	ck_assert_int_eq(parse_str("PROXY UNKNOWN\r\n", &ph), 15);
	ck_assert_int_eq(ph.ph_local, 1);
}
END_TEST

START_TEST(v1_pieces_need_more)
{
	struct proxy_header	ph;
	const char		*h = "PROXY TCP4 192.0.2.7 10.0.0.1 51234 443\r\n";
	size_t			i;

	for (i = 0; i < strlen(h); i++)
		ck_assert_msg(parse(h, i, &ph) == 0, "prefix of %zu bytes", i);
}
END_TEST

START_TEST(v1_refused)
{
	static const char *bad[] = {
		"PROXY TCP4 192.0.2.7 10.0.0.1 51234 443\n",	/* bare LF */
		"PROXY TCP4 192.0.2.7 10.0.0.1 51234 443\rX",	/* bare CR */
		"PROXY TCP4  192.0.2.7 10.0.0.1 51234 443\r\n",	/* two spaces */
		"PROXY TCP4 192.0.2.7 10.0.0.1 51234\r\n",	/* three */
		"PROXY TCP4 192.0.2.7 10.0.0.1 51234 443 9\r\n",	/* five */
		"PROXY TCP4 2001:db8::9 10.0.0.1 51234 443\r\n",	/* family */
		"PROXY TCP6 192.0.2.7 2001:db8::1 51234 443\r\n",
		"PROXY TCP4 192.0.2.7 10.0.0.1 65536 443\r\n",	/* range */
		"PROXY TCP4 192.0.2.7 10.0.0.1 051234 443\r\n",	/* zero */
		"PROXY TCP4 192.0.2.7 10.0.0.1 -1 443\r\n",
		"PROXY UDP4 192.0.2.7 10.0.0.1 1 443\r\n",
		"PROXY TCP4 192.0.2.777 10.0.0.1 1 443\r\n",
		"PROXI TCP4 192.0.2.7 10.0.0.1 1 443\r\n",
		"GET / HTTP/1.1\r\n",
		"\x16\x03\x01\x02\x00",	/* a ClientHello: no header */
	};
	struct proxy_header	ph;
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_str(bad[i], &ph) == -1, "accepted %zu", i);
}
END_TEST

START_TEST(v1_longer_than_107)
{
	struct proxy_header	ph;
	char			h[200];

	memset(h, 'x', sizeof(h));
	memcpy(h, "PROXY UNKNOWN ", 14);
	ck_assert_int_eq(parse(h, 106, &ph), 0);
	ck_assert_int_eq(parse(h, 107, &ph), -1);
	memcpy(h + 105, "\r\n", 2);	/* 107 bytes with its CRLF: fine */
	ck_assert_int_eq(parse(h, 150, &ph), 107);
	memset(h, 'x', sizeof(h));
	memcpy(h, "PROXY UNKNOWN ", 14);
	memcpy(h + 106, "\r\n", 2);	/* 108 */
	ck_assert_int_eq(parse(h, 150, &ph), -1);
}
END_TEST

static size_t
v2(unsigned char *b, unsigned char cmd, unsigned char fam,
    const void *addr, size_t alen, const void *tlv, size_t tlen)
{
	static const unsigned char sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00,
	    0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

	memcpy(b, sig, 12);
	b[12] = cmd;
	b[13] = fam;
	b[14] = (unsigned char)((alen + tlen) >> 8);
	b[15] = (unsigned char)(alen + tlen);
	if (alen > 0)
		memcpy(b + 16, addr, alen);
	if (tlen > 0)
		memcpy(b + 16 + alen, tlv, tlen);
	return 16 + alen + tlen;
}

START_TEST(v2_inet_inet6_local_tlvs)
{
	unsigned char		b[600], a4[12] = { 198, 51, 100, 4, 10, 0, 0, 1,
				    0x1f, 0x90, 0x01, 0xbb }, a6[36];
	unsigned char		tlvs[] = { 0x20, 0x00, 0x02, 0xab, 0xcd,
				    0xee, 0x00, 0x00 };	/* unknown ones */
	struct proxy_header	ph;
	char			name[80];
	size_t			n, i;

	n = v2(b, 0x21, 0x11, a4, sizeof(a4), tlvs, sizeof(tlvs));
	ck_assert_int_eq(parse(b, n + 5, &ph), (long)n);
	ck_assert_int_eq(ph.ph_version, 2);
	ck_assert_str_eq(src_name(&ph, name, sizeof(name)),
	    "198.51.100.4:8080");
	for (i = 0; i < n; i++)
		ck_assert_int_eq(parse(b, i, &ph), 0);
	memset(a6, 0, sizeof(a6));
	a6[0] = 0x20; a6[1] = 0x01; a6[2] = 0x0d; a6[3] = 0xb8; a6[15] = 7;
	a6[32] = 0x30; a6[33] = 0x39;
	n = v2(b, 0x21, 0x21, a6, sizeof(a6), NULL, 0);
	ck_assert_int_eq(parse(b, n, &ph), (long)n);
	ck_assert_str_eq(src_name(&ph, name, sizeof(name)),
	    "[2001:db8::7]:12345");
	n = v2(b, 0x20, 0x11, a4, sizeof(a4), NULL, 0);	/* LOCAL */
	ck_assert_int_eq(parse(b, n, &ph), (long)n);
	ck_assert_int_eq(ph.ph_local, 1);
	n = v2(b, 0x21, 0x00, NULL, 0, NULL, 0);	/* UNSPEC */
	ck_assert_int_eq(parse(b, n, &ph), (long)n);
	ck_assert_int_eq(ph.ph_local, 1);
}
END_TEST

START_TEST(v2_refused)
{
	unsigned char		b[4200], a4[12] = { 1, 2, 3, 4 }, zeros[2100];
	unsigned char		bad_tlv[] = { 0x20, 0x00, 0x09, 0x01 };
	struct proxy_header	ph;
	size_t			n;

	n = v2(b, 0x11, 0x11, a4, sizeof(a4), NULL, 0);	/* version 1 */
	ck_assert_int_eq(parse(b, n, &ph), -1);
	n = v2(b, 0x22, 0x11, a4, sizeof(a4), NULL, 0);	/* command 2 */
	ck_assert_int_eq(parse(b, n, &ph), -1);
	n = v2(b, 0x21, 0x12, a4, sizeof(a4), NULL, 0);	/* UDP */
	ck_assert_int_eq(parse(b, n, &ph), -1);
	n = v2(b, 0x21, 0x31, a4, sizeof(a4), NULL, 0);	/* UNIX */
	ck_assert_int_eq(parse(b, n, &ph), -1);
	n = v2(b, 0x21, 0x21, a4, sizeof(a4), NULL, 0);	/* short for v6 */
	ck_assert_int_eq(parse(b, n, &ph), -1);
	n = v2(b, 0x21, 0x11, a4, sizeof(a4), bad_tlv, sizeof(bad_tlv));
	ck_assert_int_eq(parse(b, n, &ph), -1);
	n = v2(b, 0x21, 0x11, a4, 8, NULL, 0);	/* short for v4 */
	ck_assert_int_eq(parse(b, n, &ph), -1);
	memset(zeros, 0, sizeof(zeros));
	n = v2(b, 0x21, 0x11, a4, sizeof(a4), zeros, 2048 - 12 + 1);
	ck_assert_int_eq(parse(b, 16, &ph), -1);	/* too long, at once */
	b[3] = 0x0b;	/* signature */
	ck_assert_int_eq(parse(b, 4, &ph), -1);
}
END_TEST

START_TEST(prefixes)
{
	struct net_prefix	np;
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	const char		*why;
	char			out[64];

	ck_assert_int_eq(net_prefix_parse("10.0.0.0/8", &np, &why), 0);
	net_prefix_format(&np, out, sizeof(out));
	ck_assert_str_eq(out, "10.0.0.0/8");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	inet_pton(AF_INET, "10.200.3.4", &sin.sin_addr);
	ck_assert(net_prefix_match(&np, (struct sockaddr *)&sin));
	inet_pton(AF_INET, "11.0.0.1", &sin.sin_addr);
	ck_assert(!net_prefix_match(&np, (struct sockaddr *)&sin));
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:10.1.2.3", &sin6.sin6_addr);
	ck_assert(net_prefix_match(&np, (struct sockaddr *)&sin6));
	ck_assert_int_eq(net_prefix_parse("2001:db8::/32", &np, &why), 0);
	inet_pton(AF_INET6, "2001:db8:ffff::1", &sin6.sin6_addr);
	ck_assert(net_prefix_match(&np, (struct sockaddr *)&sin6));
	inet_pton(AF_INET6, "2001:db9::1", &sin6.sin6_addr);
	ck_assert(!net_prefix_match(&np, (struct sockaddr *)&sin6));
	ck_assert_int_eq(net_prefix_parse("127.0.0.2", &np, &why), 0);
	ck_assert_int_eq(np.np_bits, 32);
	ck_assert_int_eq(net_prefix_parse("10.0.0.1/8", &np, &why), -1);
	ck_assert_int_eq(net_prefix_parse("10.0.0.0/33", &np, &why), -1);
	ck_assert_int_eq(net_prefix_parse("10.0.0.0/08", &np, &why), -1);
	ck_assert_int_eq(net_prefix_parse("10.0.0.0/", &np, &why), -1);
	ck_assert_int_eq(net_prefix_parse("lb.example.com", &np, &why), -1);
	ck_assert_int_eq(net_prefix_parse("", &np, &why), -1);
}
END_TEST

Suite *
suite_proxy(void)
{
	Suite	*s = suite_create("proxy");
	TCase	*tc = tcase_create("proxy");

	tcase_add_test(tc, v1_tcp4_and_tcp6);
	tcase_add_test(tc, v1_pieces_need_more);
	tcase_add_test(tc, v1_refused);
	tcase_add_test(tc, v1_longer_than_107);
	tcase_add_test(tc, v2_inet_inet6_local_tlvs);
	tcase_add_test(tc, v2_refused);
	tcase_add_test(tc, prefixes);
	suite_add_tcase(s, tc);
	return s;
}
