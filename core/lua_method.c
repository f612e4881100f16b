/* lua_method.c: the call object's built-in methods (answer, dial, ...).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Thin adapters over call.c: check the call (hangup if it has ended),
 * check every argument, and only then start anything in C, because a Lua
 * error longjmps over C frames.  Expected failures return nil and a
 * message; misuse raises an error.  reject() and hangup() end the script
 * quietly by raising the hangup sentinel.  The waiting methods (answer,
 * dial, sleep) finish through pbx_call_resume from their done handler.
 */
#include <string.h>
#include <re.h>
#include <lua.h>
#include <lauxlib.h>
#include "core.h"
#include "lua_int.h"


enum {
	DIAL_MAX_TARGETS = 32,
	DIAL_MAX_TIMEOUT = 3600,          /* seconds */
	DIAL_DEF_TIMEOUT = 30,            /* seconds */
	TARGET_MAX = 256,                 /* bytes of one target   */
	CALLER_ID_MAX = 64,
	HEADERS_MAX = 2048,               /* bytes of extra headers */
	HEADER_VALUE_MAX = 1024,
	VAR_MAX = 64,                     /* bytes of a variable name */
	VAR_VALUE_MAX = 4096,
	REASON_MAX = 128,
	SLEEP_MAX_MS = 86400000,
};

struct sleep_op {
	struct tmr tmr;
	struct pbx_call *call;    /* borrowed: the script holds the call */
};


/* true, or nil and the error's text (luaL_fileresult's shape). */
static int result(lua_State *L, int err)
{
	if (!err) {
		lua_pushboolean(L, 1);
		return 1;
	}

	luaL_pushfail(L);
	lua_pushstring(L, strerror(err));

	return 2;
}


/* As result(), but a call that ended meanwhile ends the script. */
static int op_result(lua_State *L, int err)
{
	if (err == ECONNRESET)
		return pbx_lua_hangup(L);

	return result(L, err);
}


static int push_err(lua_State *L, void *arg)
{
	return result(L, *(const int *)arg);
}


/* Printable, no CR/LF/NUL (it goes into a SIP message). */
static bool text_valid(const char *s, size_t len, size_t max)
{
	size_t i;

	if (len > max || strlen(s) != len)
		return false;

	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	}

	return true;
}


/* An RFC 3261 token: header names, variable names. */
static bool token_valid(const char *s, size_t len, size_t max)
{
	size_t i;

	if (!len || len > max)
		return false;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("-.!%*_+`'~", c)) ||
		    !c)
			return false;
	}

	return true;
}


static void answer_done(int err, void *arg)
{
	pbx_call_resume(arg, push_err, &err);
}


static int m_answer(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	int err;

	err = pbx_call_answer(c, answer_done, c);
	if (err)
		return op_result(L, err);

	return pbx_lua_yield(L, c, NULL, NULL);
}


static int m_ring(lua_State *L)
{
	return op_result(L, pbx_call_ring(pbx_lua_check_call(L, 1)));
}


static int m_progress(lua_State *L)
{
	return op_result(L, pbx_call_progress(pbx_lua_check_call(L, 1)));
}


static int m_reject(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	lua_Integer code = luaL_checkinteger(L, 2);
	size_t len = 0;
	const char *reason = luaL_optlstring(L, 3, NULL, &len);
	int err;

	luaL_argcheck(L, code >= 400 && code <= 699, 2,
		      "a SIP status from 400 to 699 expected");
	luaL_argcheck(L, !reason || text_valid(reason, len, REASON_MAX), 3,
		      "one line of at most 128 characters expected");

	err = pbx_call_reject(c, (uint16_t)code, reason);
	if (err && err != ECONNRESET)
		return luaL_error(L, "call:reject(%d): %s", (int)code,
				  strerror(err));

	return pbx_lua_hangup(L);
}


static int m_hangup(lua_State *L)
{
	(void)pbx_call_hangup(pbx_lua_check_call(L, 1));

	return pbx_lua_hangup(L);
}


static void sleep_destructor(void *arg)
{
	struct sleep_op *op = arg;

	tmr_cancel(&op->tmr);
}


static void sleep_h(void *arg)
{
	struct sleep_op *op = arg;
	struct pbx_call *c = op->call;

	mem_deref(op);
	pbx_call_resume(c, NULL, NULL);
}


static void sleep_cancel(void *arg)
{
	mem_deref(arg);
}


static int m_sleep(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	lua_Integer ms = luaL_checkinteger(L, 2);
	struct sleep_op *op;

	luaL_argcheck(L, ms >= 0 && ms <= SLEEP_MAX_MS, 2,
		      "milliseconds from 0 to 86400000 expected");

	op = mem_zalloc(sizeof(*op), sleep_destructor);
	if (!op)
		return luaL_error(L, "call:sleep(): out of memory");

	op->call = c;
	tmr_start(&op->tmr, (uint64_t)ms, sleep_h, op);

	return pbx_lua_yield(L, c, sleep_cancel, op);
}


/* Fills v from a target string or an array of them (at idx); the
 * strings stay referenced by the argument. */
static size_t dial_targets(lua_State *L, int idx, const char **v)
{
	size_t i, n, len;

	if (lua_type(L, idx) != LUA_TTABLE) {
		v[0] = luaL_checklstring(L, idx, &len);
		luaL_argcheck(L, len && text_valid(v[0], len, TARGET_MAX) &&
			      !strchr(v[0], ' '), idx, "not a valid target");
		return 1;
	}

	n = lua_rawlen(L, idx);
	luaL_argcheck(L, n >= 1 && n <= DIAL_MAX_TARGETS, idx,
		      "a list of 1 to 32 targets expected");

	for (i = 0; i < n; i++) {
		bool ok;

		ok = lua_rawgeti(L, idx, (lua_Integer)i + 1) == LUA_TSTRING;
		v[i] = lua_tolstring(L, -1, &len);
		lua_pop(L, 1);          /* the table keeps the string */
		if (!ok || !len || !text_valid(v[i], len, TARGET_MAX) ||
		    strchr(v[i], ' '))
			return (size_t)luaL_error(L, "call:dial(): target %d "
						  "is not a valid target",
						  (int)i + 1);
	}

	return n;
}


/* Headers a script must not set: they make the dialog. */
static bool header_reserved(const char *name)
{
	static const char *const reserved[] = {
		"via", "from", "to", "call-id", "cseq", "contact",
		"content-length", "content-type", "max-forwards", "route",
		"record-route", "v", "f", "t", "i", "m", "l", "c",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(reserved); i++) {
		if (!str_casecmp(name, reserved[i]))
			return true;
	}

	return false;
}


/* opts.headers {Name = "value"} into "Name: value\r\n" lines in buf. */
static void dial_headers(lua_State *L, int idx, char *buf, size_t sz)
{
	size_t used = 0;

	buf[0] = '\0';
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		size_t nl, vl;
		const char *n, *v;
		int w;

		if (lua_type(L, -2) != LUA_TSTRING ||
		    lua_type(L, -1) != LUA_TSTRING)
			luaL_error(L, "call:dial(): opts.headers: names and "
				   "values must be strings");
		n = lua_tolstring(L, -2, &nl);
		v = lua_tolstring(L, -1, &vl);
		if (!token_valid(n, nl, 64) || header_reserved(n) ||
		    !text_valid(v, vl, HEADER_VALUE_MAX))
			luaL_error(L, "call:dial(): opts.headers: '%s' is not "
				   "a header a script may set (one line, "
				   "not Via/From/To/Call-ID/CSeq/Contact/"
				   "Route/Content-*)", n);

		w = re_snprintf(buf + used, sz - used, "%s: %s\r\n", n, v);
		if (w < 0 || (size_t)w >= sz - used)
			luaL_error(L, "call:dial(): opts.headers: more than "
				   "%d bytes", (int)sz - 1);
		used += (size_t)w;
		lua_pop(L, 1);
	}
}


/* The options table at idx into prm; strings it points to stay on the
 * stack (or in the table) until the method returns. */
static void dial_opts(lua_State *L, int idx, struct pbx_dial_prm *prm,
		      char *hdrs, size_t sz)
{
	lua_Integer t;
	size_t len;

	prm->timeout = DIAL_DEF_TIMEOUT;
	if (lua_isnoneornil(L, idx))
		return;
	luaL_checktype(L, idx, LUA_TTABLE);

	if (lua_getfield(L, idx, "timeout") != LUA_TNIL) {
		t = luaL_checkinteger(L, -1);
		luaL_argcheck(L, t >= 1 && t <= DIAL_MAX_TIMEOUT, idx,
			      "opts.timeout: seconds from 1 to 3600 expected");
		prm->timeout = (uint32_t)t;
	}
	lua_getfield(L, idx, "sequential");
	prm->sequential = lua_toboolean(L, -1);
	lua_getfield(L, idx, "srtp");
	prm->srtp = lua_toboolean(L, -1);

	if (lua_getfield(L, idx, "caller_id") != LUA_TNIL) {
		prm->caller_id = luaL_checklstring(L, -1, &len);
		luaL_argcheck(L, token_valid(prm->caller_id, len,
					     CALLER_ID_MAX), idx,
			      "opts.caller_id: a user part expected");
	}

	if (lua_getfield(L, idx, "trunk") != LUA_TNIL)
		luaL_argerror(L, idx, "opts.trunk: trunks are not "
			      "supported yet");

	if (lua_getfield(L, idx, "headers") != LUA_TNIL) {
		luaL_checktype(L, -1, LUA_TTABLE);
		dial_headers(L, lua_gettop(L), hdrs, sz);
		if (hdrs[0])
			prm->headers = hdrs;
	}
}


static int push_dial(lua_State *L, void *arg)
{
	const struct pbx_dial_info *info = arg;

	lua_pushstring(L, pbx_dial_result_name(info->result));
	lua_createtable(L, 0, 4);
	lua_pushinteger(L, info->code);
	lua_setfield(L, -2, "code");
	if (info->reason && info->reason[0]) {
		lua_pushstring(L, info->reason);
		lua_setfield(L, -2, "reason");
	}
	if (info->answered_by) {
		lua_pushstring(L, info->answered_by);
		lua_setfield(L, -2, "answered_by");
	}
	lua_pushinteger(L, info->duration);
	lua_setfield(L, -2, "duration");

	return 2;
}


static void dial_done(const struct pbx_dial_info *info, void *arg)
{
	pbx_call_resume(arg, push_dial, (void *)info);
}


/* call:dial(targets [, opts]) -> "answered"|"busy"|..., details */
static int m_dial(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	const char *targets[DIAL_MAX_TARGETS];
	char hdrs[HEADERS_MAX];
	struct pbx_dial_prm prm;
	int err;

	memset(&prm, 0, sizeof(prm));
	prm.targets = targets;
	prm.targetc = dial_targets(L, 2, targets);
	dial_opts(L, 3, &prm, hdrs, sizeof(hdrs));

	/* pbx_call_dial copies what it keeps */
	err = pbx_call_dial(c, &prm, dial_done, c);
	if (err)
		return op_result(L, err);

	return pbx_lua_yield(L, c, NULL, NULL);
}


static int m_set(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	size_t kl, vl = 0;
	const char *k = luaL_checklstring(L, 2, &kl);
	const char *v = lua_isnoneornil(L, 3) ? NULL :
		luaL_checklstring(L, 3, &vl);
	int err;

	luaL_argcheck(L, token_valid(k, kl, VAR_MAX), 2,
		      "a name of letters, digits and -._ expected");
	luaL_argcheck(L, !v || (vl <= VAR_VALUE_MAX && strlen(v) == vl), 3,
		      "a string of at most 4096 bytes without NUL expected");

	err = pbx_call_var_set(c, k, v);
	if (err)
		return luaL_error(L, "call:set(): %s", strerror(err));

	return 0;
}


static int m_get(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	const char *v = pbx_call_var_get(c, luaL_checkstring(L, 2));

	if (v)
		lua_pushstring(L, v);
	else
		lua_pushnil(L);

	return 1;
}


static int m_header(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	size_t len;
	const char *name = luaL_checklstring(L, 2, &len);
	char buf[HEADER_VALUE_MAX];
	int err;

	luaL_argcheck(L, token_valid(name, len, 64), 2,
		      "a header name expected");

	err = pbx_call_header(c, name, buf, sizeof(buf));
	if (err == ENOENT) {
		lua_pushnil(L);
		return 1;
	}
	if (err)
		return result(L, err);

	lua_pushstring(L, buf);

	return 1;
}


static const luaL_Reg methods[] = {
	{"answer",   m_answer},
	{"ring",     m_ring},
	{"progress", m_progress},
	{"reject",   m_reject},
	{"hangup",   m_hangup},
	{"dial",     m_dial},
	{"sleep",    m_sleep},
	{"set",      m_set},
	{"get",      m_get},
	{"header",   m_header},
	{NULL, NULL},
};


void pbx_lua_methods_open(lua_State *L)
{
	luaL_setfuncs(L, methods, 0);
}


bool pbx_lua_builtin(const char *name)
{
	const luaL_Reg *r;

	for (r = methods; r->name; r++) {
		if (!strcmp(r->name, name))
			return true;
	}

	return false;
}
