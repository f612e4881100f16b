/* lua_error.c: turns a failed script run into a log line and an event.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The error object is read from the failed coroutine without running Lua
 * code (no __tostring), and its stack is still there to walk: lua_resume
 * leaves it in place, so the traceback shows where the script was.
 * Everything that allocates runs protected on the state's main thread,
 * which never runs Lua code of its own.
 */
#include <ctype.h>
#include <string.h>
#include <re.h>
#include <lua.h>
#include <lauxlib.h>
#include "core.h"
#include "lua_int.h"


enum {
	MSG_MAX = 1024,           /* bytes of an error message we keep    */
};

struct trace {
	lua_State *co;            /* the failed coroutine                 */
	char *text;               /* owned: "stack traceback:\n..."       */
};


/* "FILE:LINE: ..." */
static bool has_location(const char *m)
{
	const char *p = strchr(m, ':');

	if (!p || p == m || !isdigit((unsigned char)p[1]))
		return false;

	for (++p; isdigit((unsigned char)*p); p++)
		;

	return *p == ':';
}


/* "FILE:LINE: " of the innermost Lua function with a line, or "". */
static void where(lua_State *co, char *buf, size_t sz)
{
	lua_Debug ar;
	int level;

	buf[0] = '\0';
	if (!co)
		return;

	for (level = 0; lua_getstack(co, level, &ar); level++) {
		if (!lua_getinfo(co, "Sl", &ar) || ar.currentline <= 0)
			continue;
		re_snprintf(buf, sz, "%s:%d: ", ar.short_src, ar.currentline);
		return;
	}
}


static void object_text(lua_State *co, int status, char *buf, size_t sz)
{
	if (status == LUA_ERRMEM) {
		str_ncpy(buf, "not enough memory (dialplan_max_memory)", sz);
		return;
	}

	switch (co ? lua_type(co, -1) : LUA_TNONE) {

	case LUA_TSTRING:
		str_ncpy(buf, lua_tostring(co, -1), sz);
		break;

	case LUA_TNUMBER:
		if (lua_isinteger(co, -1))
			re_snprintf(buf, sz, "%lld",
				    (long long)lua_tointeger(co, -1));
		else
			re_snprintf(buf, sz, "%g", lua_tonumber(co, -1));
		break;

	default:
		re_snprintf(buf, sz, "(error object is a %s value)",
			    co ? luaL_typename(co, -1) : "no");
		break;
	}
}


int pbx_lua_errmsg(struct pbx_lua_state *st, lua_State *co, int status,
		   const char *msg, char *buf, size_t sz)
{
	char text[MSG_MAX], loc[256];
	size_t n;

	if (!buf || !sz)
		return EINVAL;

	if (!msg && co && status != PBX_LUA_RUNAWAY &&
	    lua_type(co, -1) == LUA_TLIGHTUSERDATA &&
	    lua_touserdata(co, -1) == pbx_lua_hangup_sentinel()) {
		str_ncpy(buf, "hangup", sz);
		return 0;
	}

	if (msg)
		str_ncpy(text, msg, sizeof(text));
	else if (status == PBX_LUA_RUNAWAY)
		re_snprintf(text, sizeof(text), "script ran %llu ms without "
			    "waiting (dialplan_max_ms)",
			    (unsigned long long)pbx_lua_state_killed_ms(st));
	else
		object_text(co, status, text, sizeof(text));

	loc[0] = '\0';
	if (!has_location(text))
		where(co, loc, sizeof(loc));

	str_ncpy(buf, loc, sz);
	n = strlen(buf);
	if (n + 1 < sz)
		str_ncpy(buf + n, text, sz - n);

	return EINVAL;
}


static int trace_cf(lua_State *L)
{
	struct trace *t = lua_touserdata(L, 1);

	luaL_traceback(L, t->co, NULL, 0);
	(void)str_dup(&t->text, lua_tostring(L, -1));

	return 0;
}


int pbx_lua_report(struct pbx_lua_state *st, lua_State *co, int status,
		   const char *msg, const char *call_id)
{
	lua_State *L = pbx_lua_state_main(st);
	struct trace t = {co, NULL};
	char text[MSG_MAX];

	if (!pbx_lua_errmsg(st, co, status, msg, text, sizeof(text))) {
		pbx_log(PBX_LOG_DEBUG, "dialplan: call %s: script ended "
			"(hangup)", call_id ? call_id : "-");
		return 0;
	}

	/* at the memory cap even this may fail: then no traceback */
	if (co && L && pbx_lua_protect(L, trace_cf, &t, 0) != LUA_OK)
		lua_pop(L, 1);

	/* one entry: the traceback's lines follow the message */
	pbx_log(PBX_LOG_ERROR, "dialplan: %s%s%s%s%s%s", text,
		call_id ? " (call " : "", call_id ? call_id : "",
		call_id ? ")" : "", t.text ? "\n" : "", t.text ? t.text : "");

	pbx_event_emitv("script_error", "call_id", call_id ? call_id : "",
			"message", text, "traceback", t.text ? t.text : "",
			NULL);
	mem_deref(t.text);

	return EINVAL;
}
