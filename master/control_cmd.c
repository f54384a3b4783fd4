/*
 * The control socket's commands: status, metrics, reload, upgrade,
 * stop, log, show config.
 * A request line is "[json] command [argument]"; the answer starts with
 * "ok" or "error: why" on a line of its own.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "log.h"
#include "master.h"
#include "winbind.h"
#include "metrics.h"
#include "msgbuf.h"

#define CONTROL_WORDS_MAX	4

/*
 * The answer of a command that may be refused (reload, upgrade): the first
 * line; as JSON, an object opened with the outcome under flag, for the
 * caller's members. outcome_end adds what the command said (msg).
 */
static void
outcome_begin(struct json *js, struct strbuf *out, int json, int ok,
    const char *flag, const char *refused_json, const char *refused_text)
{
	strbuf_printf(out, "%s\n", ok ? "ok" : json ? refused_json :
	    refused_text);
	if (!json)
		return;
	json_init(js, out);
	json_object(js, NULL);
	json_bool(js, flag, ok);
}

static void
outcome_end(struct json *js, struct strbuf *out, int json,
    struct strbuf *msg)
{
	const char	*text = msg->sb_buf != NULL ? msg->sb_buf : "";

	if (json) {
		json_str(js, "messages", text);
		json_end(js, '}');
		strbuf_add(out, "\n", 1);
	} else
		strbuf_add(out, text, strlen(text));
	strbuf_free(msg);
}

static void
cmd_reload(struct master *m, int json, struct strbuf *out)
{
	struct strbuf	msg;
	struct json	js;
	int		ok;

	log_notice("control: reload requested");
	strbuf_init(&msg);
	ok = reload(m, &msg) == 0;
	outcome_begin(&js, out, json, ok, "reloaded", "error: reload failed",
	    "error: reload failed; the running configuration is kept");
	if (json)
		json_int(&js, "generation", m->m_generation);
	outcome_end(&js, out, json, &msg);
}

/* The new level for the master, every worker, the health checker, the
 * key holders and the domain checkers; new children get it with the
 * configuration. */
static void
set_log_level(struct master *m, int level)
{
	struct msgbuf	mb;
	unsigned	i;

	log_set_level(level);
	m->m_conf->rc_log_level = level;
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, (uint32_t)level);
	for (i = 0; i < m->m_nslots; i++)
		(void)pool_send(m, i, IPC_LOG_LEVEL, &mb, 1);
	templates_broadcast(m, IPC_LOG_LEVEL, &mb, 0);
	health_send_level(m, &mb);
	for (i = 0; i < KEYHOLDER_SLOTS; i++)
		if (m->m_keyholders[i].kh_pid != 0 &&
		    m->m_keyholders[i].kh_sock != -1)
			(void)ipc_send(m->m_keyholders[i].kh_sock,
			    IPC_LOG_LEVEL, -1, &mb);
	winbind_send_level(m, &mb);
	msgbuf_free(&mb);
}

static void
cmd_log(struct master *m, const char *arg, int json, struct strbuf *out)
{
	char	lower[CONTROL_LINE_MAX + 1];
	size_t	i;
	int	level;

	if (arg != NULL) {
		/* any case, as an operator may type it */
		for (i = 0; arg[i] != '\0' && i < sizeof(lower) - 1; i++)
			lower[i] = (char)tolower((unsigned char)arg[i]);
		lower[i] = '\0';
		if ((level = log_level_from_name(lower)) == -1) {
			strbuf_printf(out, "error: unknown log level \"%s\" "
			    "(brief, verbose, debug)\n", arg);
			return;
		}
		if (level != m->m_conf->rc_log_level)
			log_notice("control: log level %s (was %s)",
			    log_level_name(level),
			    log_level_name(m->m_conf->rc_log_level));
		set_log_level(m, level);
	}
	level = m->m_conf->rc_log_level;
	if (json)
		strbuf_printf(out, "ok\n{\"log_level\":\"%s\"}\n",
		    log_level_name(level));
	else
		strbuf_printf(out, "ok\nlog level %s\n", log_level_name(level));
}

static void
cmd_upgrade(struct master *m, int json, struct strbuf *out, int *action)
{
	struct strbuf	msg;
	struct json	js;
	int		ok;

	log_notice("control: upgrade requested");
	strbuf_init(&msg);
	if ((ok = upgrade_prepare(m, &msg) == 0))
		*action = CONTROL_ACTION_UPGRADE;
	outcome_begin(&js, out, json, ok, "upgrading",
	    "error: upgrade refused",
	    "error: upgrade refused; the running program stays");
	if (json)
		json_str(&js, "program", m->m_self_path);
	else if (ok)
		strbuf_printf(out, "executing %s; generation %u follows\n",
		    m->m_self_path, m->m_generation + 1);
	outcome_end(&js, out, json, &msg);
}

static void
cmd_stop(struct master *m, int json, struct strbuf *out, int *action)
{
	unsigned	timeout = m->m_conf->rc_shutdown_timeout;

	if (m->m_stopping) {
		strbuf_printf(out, "ok\n%s\n", json ? "{\"stopping\":true}" :
		    "already stopping");
		return;
	}
	log_notice("control: stop requested");
	*action = CONTROL_ACTION_STOP;
	if (json)
		strbuf_printf(out, "ok\n{\"stopping\":true,"
		    "\"shutdown_timeout\":%u}\n", timeout);
	else
		strbuf_printf(out, "ok\nstopping; workers have %u s to "
		    "finish\n", timeout);
}

void
control_command(struct master *m, char *line, struct strbuf *out,
    int *action)
{
	char	*word[CONTROL_WORDS_MAX], *save = NULL, *p;
	int	 n = 0, json = 0;

	*action = CONTROL_ACTION_NONE;
	for (p = strtok_r(line, " \t", &save); p != NULL;
	    p = strtok_r(NULL, " \t", &save)) {
		if (n == CONTROL_WORDS_MAX) {
			strbuf_printf(out, "error: too many words\n");
			return;
		}
		word[n++] = p;
	}
	if (n > 0 && strcmp(word[0], "json") == 0) {
		json = 1;
		memmove(word, word + 1, sizeof(word[0]) * (size_t)--n);
	}
	if (n == 0) {
		strbuf_printf(out, "error: empty request\n");
	} else if (strcmp(word[0], "status") == 0 && n == 1) {
		strbuf_printf(out, "ok\n");
		control_status(m, json, out);
	} else if (strcmp(word[0], "reload") == 0 && n == 1) {
		if (m->m_stopping)
			strbuf_printf(out, "error: rpxd is stopping\n");
		else
			cmd_reload(m, json, out);
	} else if (strcmp(word[0], "upgrade") == 0 && n == 1) {
		if (m->m_stopping)
			strbuf_printf(out, "error: rpxd is stopping\n");
		else
			cmd_upgrade(m, json, out, action);
	} else if (strcmp(word[0], "stop") == 0 && n == 1) {
		cmd_stop(m, json, out, action);
	} else if (strcmp(word[0], "log") == 0 && n <= 2) {
		cmd_log(m, n == 2 ? word[1] : NULL, json, out);
	} else if (strcmp(word[0], "metrics") == 0 && n == 1) {
		/* The exposition format has no JSON form: the same text. */
		strbuf_printf(out, "ok\n");
		metrics_control(m, out);
	} else if (strcmp(word[0], "check-backends") == 0 && n == 1) {
		if (json)
			strbuf_printf(out, "error: check-backends has no JSON "
			    "form\n");
		else if (ep_control(m, out) == 0)
			*action = CONTROL_ACTION_WAIT;
	} else if (strcmp(word[0], "show") == 0 && n == 2 &&
	    strcmp(word[1], "config") == 0) {
		strbuf_printf(out, "ok\n");
		control_show_config(m->m_conf, json, out);
	} else {
		strbuf_printf(out, "error: unknown command \"%s\" (status, "
		    "metrics, reload, upgrade, stop, log [brief|verbose|debug], "
		    "show config, check-backends)\n", word[0]);
	}
}
