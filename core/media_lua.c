/* media_lua.c: the call object's media methods: play, say_digits,
 * say_number, tone, read_digits, record.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Thin adapters over the call's media operations (call_media.c),
 * registered like a module's methods: check the arguments (before
 * anything is started, as a Lua error longjmps), start the operation,
 * yield; its done handler resumes the script with the results, a
 * hang-up cancels it instead.
 */
#include <string.h>
#include <re.h>
#include <lua.h>
#include <lauxlib.h>
#include "core.h"
#include "audio.h"
#include "lua_int.h"


enum {
	NAMES_MAX     = 64,
	DIGITS_MAX    = 64,
	SET_MAX       = 20,           /* bytes of a digit set            */
	PATH_MAX_LEN  = 1024,
	READ_TIMEOUT  = 5000,         /* ms, first digit and between     */
	REC_MAX_S     = 3600,
	TONE_MAX_MS   = 3600000,
};

enum kind {
	KIND_PLAY = 0,                /* returns the interrupting digit  */
	KIND_READ,                    /* returns the digits              */
	KIND_RECORD,                  /* returns {seconds, digit}        */
};

/* One waiting method: what the script gets back. */
struct wait {
	enum kind kind;
	struct pbx_call *call;        /* borrowed: the script holds it   */
	struct pbx_call_op_res res;
};


static int push_result(lua_State *L, void *arg)
{
	const struct wait *w = arg;
	const struct pbx_call_op_res *r = &w->res;

	if (r->err && w->kind == KIND_RECORD) {
		luaL_pushfail(L);
		lua_pushstring(L, strerror(r->err));
		return 2;
	}

	switch (w->kind) {

	case KIND_PLAY:
		if (r->digits[0])
			lua_pushstring(L, r->digits);
		else
			lua_pushnil(L);
		return 1;

	case KIND_READ:
		lua_pushstring(L, r->digits);
		return 1;

	case KIND_RECORD:
		lua_createtable(L, 0, 2);
		lua_pushnumber(L, r->ms / 1000.0);
		lua_setfield(L, -2, "seconds");
		if (r->digits[0]) {
			lua_pushstring(L, r->digits);
			lua_setfield(L, -2, "digit");
		}
		return 1;
	}

	return 0;
}


static void done_h(const struct pbx_call_op_res *res, void *arg)
{
	struct wait *w = arg;

	w->res = *res;
	pbx_call_resume(w->call, push_result, w);
	mem_deref(w);
}


static void cancel_h(void *arg)
{
	struct wait *w = arg;

	pbx_call_op_cancel(w->call);  /* a recording stays a valid file */
	mem_deref(w);
}


/* Yields after start() (which returned err) or raises its error. */
static int wait_yield(lua_State *L, struct wait *w, int err)
{
	struct pbx_call *c = w->call;

	if (err) {
		mem_deref(w);
		if (err == ECONNRESET)
			return pbx_lua_hangup(L);
		return luaL_error(L, "%s", err == ENOENT ?
				  "no such prompt (see sounds/README.md)" :
				  strerror(err));
	}

	return pbx_lua_yield(L, c, cancel_h, w);
}


static struct wait *wait_alloc(lua_State *L, struct pbx_call *c,
			       enum kind kind)
{
	struct wait *w = mem_zalloc(sizeof(*w), NULL);

	if (!w)
		luaL_error(L, "out of memory");

	w->kind = kind;
	w->call = c;

	return w;
}


/* ---- argument helpers --------------------------------------------------- */

/* A name or path, or an array of them, at idx, into namev (the strings
 * stay referenced by the argument); returns the count. */
static size_t names_get(lua_State *L, int idx, const char **namev)
{
	lua_Integer i, n;

	if (lua_type(L, idx) == LUA_TSTRING) {
		namev[0] = lua_tostring(L, idx);
		return 1;
	}

	luaL_checktype(L, idx, LUA_TTABLE);
	n = (lua_Integer)lua_rawlen(L, idx);
	luaL_argcheck(L, n >= 1 && n <= NAMES_MAX, idx,
		      "1 to 64 prompt names expected");
	for (i = 1; i <= n; i++) {
		if (lua_rawgeti(L, idx, i) != LUA_TSTRING)
			luaL_argerror(L, idx, "prompt names must be strings");
		namev[i - 1] = lua_tostring(L, -1);
		lua_pop(L, 1);        /* the table keeps the string */
	}

	return (size_t)n;
}


static bool digits_valid(const char *s)
{
	for (; *s; s++) {
		if (!strchr("0123456789*#ABCDabcd", *s))
			return false;
	}

	return true;
}


/* opts[key] as a digit set ("any": all of them); def when absent. */
static void set_opt(lua_State *L, int idx, const char *key, char *set,
		    const char *def)
{
	const char *s = def;
	size_t len = 0;

	if (lua_istable(L, idx) &&
	    lua_getfield(L, idx, key) != LUA_TNIL) {
		s = luaL_checklstring(L, -1, &len);
		if (!strcmp(s, "any"))
			s = "0123456789*#ABCD";
		else if (len >= SET_MAX || !digits_valid(s))
			luaL_error(L, "opts.%s: digits (0-9 * # A-D) or "
				   "\"any\" expected", key);
	}

	str_ncpy(set, s ? s : "", SET_MAX);
	if (lua_istable(L, idx))
		lua_pop(L, 1);
}


static lua_Integer int_opt(lua_State *L, int idx, const char *key,
			   lua_Integer def, lua_Integer min, lua_Integer max)
{
	lua_Integer v = def;

	if (!lua_istable(L, idx))
		return def;

	if (lua_getfield(L, idx, key) != LUA_TNIL) {
		int ok;

		v = lua_tointegerx(L, -1, &ok);
		if (!ok || v < min || v > max)
			luaL_error(L, "opts.%s: a number from %d to %d "
				   "expected", key, (int)min, (int)max);
	}
	lua_pop(L, 1);

	return v;
}


static void opts_check(lua_State *L, int idx)
{
	if (!lua_isnoneornil(L, idx))
		luaL_checktype(L, idx, LUA_TTABLE);
}


/* ---- the methods ------------------------------------------------------- */

static int play_names(lua_State *L, struct pbx_call *c, const char **namev,
		      size_t n, int opts)
{
	char set[SET_MAX];
	struct wait *w;

	opts_check(L, opts);
	set_opt(L, opts, "interrupt", set, NULL);
	if (!n)
		return 0;

	w = wait_alloc(L, c, KIND_PLAY);

	return wait_yield(L, w, pbx_call_play(c, namev, n, set, done_h, w));
}


/* call:play(name_or_list [, opts]) -> interrupting digit or nil */
static int m_play(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	const char *namev[NAMES_MAX];
	size_t n = names_get(L, 2, namev);

	return play_names(L, c, namev, n, 3);
}


/* call:say_digits(s [, opts]) */
static int m_say_digits(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	const char *s = luaL_checkstring(L, 2);
	const char *namev[NAMES_MAX];

	luaL_argcheck(L, strlen(s) <= NAMES_MAX, 2, "at most 64 digits");

	return play_names(L, c, namev, pbx_say_digits(namev, NAMES_MAX, s),
			  3);
}


/* call:say_number(n [, opts]) */
static int m_say_number(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	lua_Integer num = luaL_checkinteger(L, 2);
	const char *namev[NAMES_MAX];

	return play_names(L, c, namev,
			  pbx_say_number(namev, NAMES_MAX, (long long)num),
			  3);
}


/* call:tone(name [, ms]) */
static int m_tone(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	const char *name = luaL_checkstring(L, 2);
	lua_Integer ms = luaL_optinteger(L, 3, 0);
	struct wait *w;

	luaL_argcheck(L, ms >= 0 && ms <= TONE_MAX_MS, 3,
		      "milliseconds from 0 to 3600000 expected");
	luaL_argcheck(L, strlen(name) < 32, 2, "a tone name expected");

	w = wait_alloc(L, c, KIND_PLAY);

	return wait_yield(L, w, pbx_call_tone(c, name, (uint32_t)ms, done_h,
					      w));
}


/* call:read_digits{max=, timeout=, inter_timeout=, terminators=,
 * prompt=} -> string */
static int m_read_digits(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	const char *namev[NAMES_MAX];
	struct pbx_read_prm prm;
	char set[SET_MAX];
	lua_Integer first;
	struct wait *w;

	memset(&prm, 0, sizeof(prm));
	opts_check(L, 2);
	prm.max = (size_t)int_opt(L, 2, "max", 1, 1, DIGITS_MAX);
	first = int_opt(L, 2, "timeout", READ_TIMEOUT, 0, 3600000);
	prm.first_ms = (uint32_t)first;
	prm.inter_ms = (uint32_t)int_opt(L, 2, "inter_timeout", first, 0,
					 3600000);
	set_opt(L, 2, "terminators", set, "#");
	prm.terminators = set;
	if (lua_istable(L, 2) && lua_getfield(L, 2, "prompt") != LUA_TNIL) {
		prm.promptc = names_get(L, lua_gettop(L), namev);
		prm.promptv = namev;
	}

	w = wait_alloc(L, c, KIND_READ);

	return wait_yield(L, w, pbx_call_read(c, &prm, done_h, w));
}


/* Where a recording goes: relative paths under data_dir; no "..". */
static char *rec_path(lua_State *L, const char *p)
{
	char *path = NULL;
	int err;

	if (!*p || strstr(p, "..") || strlen(p) > PATH_MAX_LEN)
		luaL_argerror(L, 2, "a file path without '..' expected");

	if (p[0] == '/')
		err = str_dup(&path, p);
	else
		err = re_sdprintf(&path, "%s/%s",
				  pbx_data_dir(), p);
	if (err)
		luaL_error(L, "out of memory");

	return path;
}


/* call:record(path, {max=, silence=, silence_dbfs=, terminators=,
 * beep=}) -> {seconds=, digit=} */
static int m_record(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	const char *p = luaL_checkstring(L, 2);
	struct pbx_rec_prm prm;
	char set[SET_MAX];
	struct wait *w;
	char *path;
	int err;

	memset(&prm, 0, sizeof(prm));
	opts_check(L, 3);
	prm.max_ms = (uint32_t)int_opt(L, 3, "max", 300, 1, REC_MAX_S) *
		1000;
	prm.silence_ms = (uint32_t)int_opt(L, 3, "silence", 0, 0,
					   REC_MAX_S) * 1000;
	prm.silence_dbfs = (int)int_opt(L, 3, "silence_dbfs", -45, -90, -1);
	set_opt(L, 3, "terminators", set, "#");
	prm.terminators = set;
	if (lua_istable(L, 3)) {
		lua_getfield(L, 3, "beep");
		prm.beep = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}

	path = rec_path(L, p);
	w = mem_zalloc(sizeof(*w), NULL);
	if (!w) {
		mem_deref(path);
		return luaL_error(L, "out of memory");
	}
	w->kind = KIND_RECORD;
	w->call = c;
	prm.path = path;
	err = pbx_call_record(c, &prm, done_h, w);
	mem_deref(path);

	return wait_yield(L, w, err);
}


static const struct pbx_lua_method methods[] = {
	{"play",        m_play},
	{"say_digits",  m_say_digits},
	{"say_number",  m_say_number},
	{"tone",        m_tone},
	{"read_digits", m_read_digits},
	{"record",      m_record},
};


int pbx_media_lua_register(void)
{
	return pbx_lua_method_register(methods, ARRAY_SIZE(methods));
}


void pbx_media_lua_unregister(void)
{
	pbx_lua_method_unregister(methods, ARRAY_SIZE(methods));
}
