/* log.c: levelled log lines on stderr, and libre's own debug output.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/time.h>
#include <re.h>
#define DEBUG_MODULE "log"
#define DEBUG_LEVEL 0
#include <re_dbg.h>
#include "core.h"


static const char *const level_names[] = {"debug", "info", "warn", "error"};

/* The only mutable file-scope state of the core besides struct pbx: the
 * log level must be readable before the core context exists. */
static enum pbx_log_level log_level = PBX_LOG_INFO;


static int stderr_print(const char *p, size_t size, void *arg)
{
	(void)arg;
	return fwrite(p, 1, size, stderr) == size ? 0 : ENOMEM;
}


static void log_vprint(enum pbx_log_level lvl, const char *fmt, va_list ap)
{
	struct re_printf pf = {stderr_print, NULL};
	struct timeval tv;
	struct tm tm;
	char ts[32];

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);

	(void)re_hprintf(&pf, "%s.%03ld %-5s ", ts, (long)tv.tv_usec / 1000,
			 level_names[lvl]);
	(void)re_vhprintf(fmt, ap, stderr_print, NULL);
	fputc('\n', stderr);
	fflush(stderr);
}


void pbx_log(enum pbx_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl < log_level || lvl > PBX_LOG_ERROR)
		return;

	va_start(ap, fmt);
	log_vprint(lvl, fmt, ap);
	va_end(ap);
}


void pbx_log_set_level(enum pbx_log_level lvl)
{
	if (lvl <= PBX_LOG_ERROR)
		log_level = lvl;
}


enum pbx_log_level pbx_log_get_level(void)
{
	return log_level;
}


int pbx_log_level_parse(const char *name, enum pbx_log_level *lvlp)
{
	size_t i;

	if (!name || !lvlp)
		return EINVAL;

	for (i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (!strcasecmp(name, level_names[i])) {
			*lvlp = (enum pbx_log_level)i;
			return 0;
		}
	}

	if (!strcasecmp(name, "warning")) {
		*lvlp = PBX_LOG_WARN;
		return 0;
	}

	return EINVAL;
}


const char *pbx_log_level_name(enum pbx_log_level lvl)
{
	return lvl <= PBX_LOG_ERROR ? level_names[lvl] : "?";
}


/* libre's DEBUG_* lines: strip the trailing newline, map the level. */
static void dbg_h(int level, const char *p, size_t len, void *arg)
{
	enum pbx_log_level lvl;
	(void)arg;

	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		--len;

	switch (level) {
	case DBG_EMERG: case DBG_ALERT: case DBG_CRIT: case DBG_ERR:
		lvl = PBX_LOG_ERROR;
		break;
	case DBG_WARNING:
		lvl = PBX_LOG_WARN;
		break;
	case DBG_NOTICE: case DBG_INFO:
		lvl = PBX_LOG_INFO;
		break;
	default:
		lvl = PBX_LOG_DEBUG;
		break;
	}

	pbx_log(lvl, "libre: %b", p, len);
}


void pbx_log_libre_attach(void)
{
	dbg_init(DBG_DEBUG, DBG_NONE);
	dbg_handler_set(dbg_h, NULL);
}
