/*
 * The Prometheus text exposition format (version 0.0.4), piece by piece,
 * for metrics_render.c: a family's HELP and TYPE lines, and samples with
 * labels. A label value is escaped as the format asks (backslash, double
 * quote, newline), and any other byte outside printable ASCII is written
 * as the four characters \xNN, so that the output is ASCII whatever a
 * name holds.
 */
#include <stdio.h>
#include <string.h>

#include "metrics.h"

void
mx_family(struct strbuf *out, const char *name, const char *type,
    const char *help)
{
	strbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

static int
plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '\\' && c != '"';
}

void
mx_escape(struct strbuf *out, const char *value)
{
	const unsigned char	*p = (const unsigned char *)value;
	size_t			 run;

	while (*p != '\0') {
		for (run = 0; plain(p[run]); run++)
			;
		if (run > 0) {
			strbuf_add(out, (const char *)p, run);
			p += run;
			continue;
		}
		if (*p == '\\')
			strbuf_add(out, "\\\\", 2);
		else if (*p == '"')
			strbuf_add(out, "\\\"", 2);
		else if (*p == '\n')
			strbuf_add(out, "\\n", 2);
		else
			strbuf_printf(out, "\\\\x%02x", *p);
		p++;
	}
}

static void
labels(struct strbuf *out, const struct mx_label *l, unsigned n)
{
	unsigned	i;

	if (n == 0)
		return;
	strbuf_add(out, "{", 1);
	for (i = 0; i < n; i++) {
		strbuf_printf(out, "%s%s=\"", i > 0 ? "," : "", l[i].ml_key);
		mx_escape(out, l[i].ml_value);
		strbuf_add(out, "\"", 1);
	}
	strbuf_add(out, "}", 1);
}

void
mx_sample(struct strbuf *out, const char *name, const struct mx_label *l,
    unsigned n, unsigned long long v)
{
	strbuf_add(out, name, strlen(name));
	labels(out, l, n);
	strbuf_printf(out, " %llu\n", v);
}

void
mx_sample_double(struct strbuf *out, const char *name,
    const struct mx_label *l, unsigned n, double v)
{
	strbuf_add(out, name, strlen(name));
	labels(out, l, n);
	strbuf_printf(out, " %.6f\n", v);
}
