/* lua_state.c: one loaded dialplan: its Lua state, limits and libraries.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Limits.  A custom allocator caps the state at dialplan_max_memory: an
 * allocation beyond the cap fails, Lua runs an emergency collection and
 * then raises a memory error in the script; the daemon never sees NULL
 * from Lua.  A count hook (every HOOK_COUNT instructions) stops code that
 * has run dialplan_max_ms since it was last resumed.  It stops it by
 * yielding from the hook, which a pcall in the script cannot catch; where
 * Lua cannot yield (a metamethod called from C, table.sort's comparator)
 * it raises an error instead, and yields at its next chance.
 *
 * Libraries.  A dialplan decides where calls go; it has no business with
 * files, processes or C libraries, and one os.exit() would take every
 * call down.  So the state gets base, coroutine, table, string, math and
 * utf8, plus os.clock, os.date and os.time; no io, no os.execute/exit/
 * remove/getenv, no package/require (loadlib), no debug (it could remove
 * the runaway hook).  dofile and loadfile are removed and load() accepts
 * text chunks only: a crafted binary chunk can crash the Lua VM.  print
 * writes to the log (lua_pbx.c).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include "core.h"
#include "lua_int.h"


enum {
	HOOK_COUNT = 10000,       /* instructions between runaway checks */
	WARN_MAX = 256,           /* bytes of one warn() message kept     */
};

struct pbx_lua_state {
	struct le le;             /* in the engine's list of states       */
	lua_State *L;             /* owned: lua_close in the destructor   */
	char *path;               /* owned: the script file               */
	time_t loaded;            /* unix time                            */
	struct list scripts;      /* struct pbx_script running here       */
	struct list listeners;    /* pbx.on handlers (lua_pbx.c)          */
	size_t mem;               /* bytes Lua has allocated now          */
	size_t max_mem;           /* bytes: dialplan_max_memory           */
	uint32_t max_ms;          /* dialplan_max_ms                      */
	uint64_t run_start;       /* tmr_jiffies() when running was resumed */
	lua_State *running;       /* coroutine pbx_lua_run runs, or NULL  */
	lua_State *killed;        /* coroutine the hook stopped           */
	uint64_t killed_ms;       /* how long it had run                  */
	char warn[WARN_MAX];      /* a warn() message being assembled     */
	size_t warnlen;
};

/* Its address is the hangup error object (a light userdata). */
static const char hangup_sentinel = 'h';


static void *state_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct pbx_lua_state *st = ud;
	size_t old = ptr ? osize : 0;  /* without ptr, osize is a type */
	void *p;

	if (nsize == 0) {
		free(ptr);
		st->mem -= old;
		return NULL;
	}

	/* only growth may fail: Lua assumes shrinking always works */
	if (nsize > old && st->mem - old + nsize > st->max_mem)
		return NULL;

	p = realloc(ptr, nsize);
	if (p)
		st->mem = st->mem - old + nsize;

	return p;
}


static void runaway_hook(lua_State *L, lua_Debug *ar)
{
	struct pbx_lua_state *st = pbx_lua_state_of(L);
	uint64_t ms = tmr_jiffies() - st->run_start;
	(void)ar;

	if (ms < st->max_ms)
		return;

	if (L == st->running && lua_isyieldable(L)) {
		st->killed = L;
		st->killed_ms = ms;
		(void)lua_yield(L, 0);   /* returns: the hook must return */
		return;
	}

	luaL_where(L, 0);
	lua_pushfstring(L, "script ran %I ms without waiting "
			"(dialplan_max_ms)", (lua_Integer)ms);
	lua_concat(L, 2);
	(void)lua_error(L);
}


/* warn("a", "b") arrives as pieces; "@on"/"@off" are ignored: warnings
 * (errors in __gc, for one) always go to the log. */
static void warn_h(void *ud, const char *msg, int tocont)
{
	struct pbx_lua_state *st = ud;
	size_t n = strlen(msg);

	if (!st->warnlen && !tocont && msg[0] == '@')
		return;

	if (n > sizeof(st->warn) - 1 - st->warnlen)
		n = sizeof(st->warn) - 1 - st->warnlen;
	memcpy(st->warn + st->warnlen, msg, n);
	st->warnlen += n;
	if (tocont)
		return;

	pbx_log(PBX_LOG_WARN, "dialplan: warning: %b", st->warn,
		st->warnlen);
	st->warnlen = 0;
}


/* Every Lua call of ours is protected; reaching this is a bug. */
static int panic_h(lua_State *L)
{
	pbx_log(PBX_LOG_ERROR, "dialplan: unprotected Lua error: %s",
		lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?");
	return 0;
}


/* load(chunk [, name [, mode [, env]]]) with mode forced to "t".  An
 * absent env must stay absent (a nil env is an empty environment). */
static int load_text(lua_State *L)
{
	int n = lua_gettop(L);

	if (n < 2)
		lua_settop(L, 2);
	lua_pushliteral(L, "t");
	if (n >= 3)
		lua_replace(L, 3);
	n = lua_gettop(L);

	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, n, LUA_MULTRET);

	return lua_gettop(L);
}


static int hangup_tostring(lua_State *L)
{
	const void *p = lua_touserdata(L, 1);

	if (p == &hangup_sentinel)
		lua_pushliteral(L, "hangup");
	else
		lua_pushfstring(L, "userdata: %p", p);

	return 1;
}


static void libs_open(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{LUA_GNAME, luaopen_base},
		{LUA_COLIBNAME, luaopen_coroutine},
		{LUA_TABLIBNAME, luaopen_table},
		{LUA_STRLIBNAME, luaopen_string},
		{LUA_MATHLIBNAME, luaopen_math},
		{LUA_UTF8LIBNAME, luaopen_utf8},
	};
	static const char *const os_keep[] = {"clock", "date", "time"};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(libs); i++) {
		luaL_requiref(L, libs[i].name, libs[i].func, 1);
		lua_pop(L, 1);
	}

	luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
	lua_createtable(L, 0, ARRAY_SIZE(os_keep));
	for (i = 0; i < ARRAY_SIZE(os_keep); i++) {
		lua_getfield(L, -2, os_keep[i]);
		lua_setfield(L, -2, os_keep[i]);
	}
	lua_setglobal(L, LUA_OSLIBNAME);
	lua_pop(L, 1);

	lua_pushnil(L);
	lua_setglobal(L, "dofile");
	lua_pushnil(L);
	lua_setglobal(L, "loadfile");
	lua_getglobal(L, "load");
	lua_pushcclosure(L, load_text, 1);
	lua_setglobal(L, "load");

	/* light userdata share one metatable: tostring(hangup) == "hangup" */
	lua_pushlightuserdata(L, pbx_lua_hangup_sentinel());
	lua_createtable(L, 0, 1);
	lua_pushcfunction(L, hangup_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_setmetatable(L, -2);
	lua_pop(L, 1);
}


/* Protected: libraries, our tables, the chunk in a new coroutine. */
static int state_init(lua_State *L)
{
	struct pbx_lua_state *st = lua_touserdata(L, 1);
	lua_State *co;
	int ref;

	libs_open(L);
	pbx_lua_call_open(L);
	pbx_lua_pbx_open(L);

	/* luaL_unref's first use adds the free-list key: do it now, so
	 * that releasing a script later never allocates */
	lua_pushboolean(L, 1);
	ref = luaL_ref(L, LUA_REGISTRYINDEX);
	luaL_unref(L, LUA_REGISTRYINDEX, ref);

	if (luaL_loadfilex(L, st->path, "t") != LUA_OK)
		return lua_error(L);

	co = lua_newthread(L);
	lua_insert(L, -2);
	lua_xmove(L, co, 1);

	return 1;
}


/* Protected: is route a function (raw: no _G metamethods run)? */
static int route_check(lua_State *L)
{
	lua_pushglobaltable(L);
	lua_pushliteral(L, "route");
	lua_pushboolean(L, lua_rawget(L, -2) == LUA_TFUNCTION);

	return 1;
}


static void state_destructor(void *arg)
{
	struct pbx_lua_state *st = arg;

	pbx_lua_listeners_flush(st);
	if (st->L)
		lua_close(st->L);
	list_unlink(&st->le);
	mem_deref(st->path);
}


static int run_chunk(struct pbx_lua_state *st, char *err, size_t sz)
{
	lua_State *co = lua_tothread(st->L, -1);
	int nres, status;

	status = pbx_lua_run(st, co, 0, &nres);
	if (status == LUA_YIELD)
		return pbx_lua_errmsg(st, co, status, "the script waited "
				      "while loading (a call method or "
				      "coroutine.yield at top level)",
				      err, sz);
	if (status != LUA_OK)
		return pbx_lua_errmsg(st, co, status, NULL, err, sz);

	lua_settop(st->L, 0);
	status = pbx_lua_protect(st->L, route_check, NULL, 1);
	if (status == LUA_OK && !lua_toboolean(st->L, -1)) {
		re_snprintf(err, sz, "%s: no function route(call) defined",
			    st->path);
		status = LUA_ERRRUN;
	}
	else if (status != LUA_OK) {
		str_ncpy(err, "not enough memory", sz);
	}
	lua_settop(st->L, 0);

	return status == LUA_OK ? 0 : EINVAL;
}


int pbx_lua_state_load(struct pbx_lua_state **stp, struct list *states,
		       const char *path, size_t max_mem, uint32_t max_ms,
		       char *err, size_t sz)
{
	struct pbx_lua_state *st;
	int e;

	if (!stp || !states || !path || !err || !sz)
		return EINVAL;

	st = mem_zalloc(sizeof(*st), state_destructor);
	if (!st)
		return ENOMEM;

	list_init(&st->scripts);
	list_init(&st->listeners);
	st->max_mem = max_mem;
	st->max_ms = max_ms;
	st->loaded = time(NULL);
	list_append(states, &st->le, st);

	e = str_dup(&st->path, path);
	if (e)
		goto out;

	st->L = lua_newstate(state_alloc, st);
	if (!st->L) {
		re_snprintf(err, sz, "%s: cannot create a Lua state (out of "
			    "memory, or dialplan_max_memory too small)", path);
		e = ENOMEM;
		goto out;
	}

	*(void **)lua_getextraspace(st->L) = NULL;
	lua_atpanic(st->L, panic_h);
	lua_setwarnf(st->L, warn_h, st);
	lua_sethook(st->L, runaway_hook, LUA_MASKCOUNT, HOOK_COUNT);

	if (pbx_lua_protect(st->L, state_init, st, 1) != LUA_OK) {
		/* a syntax error ("FILE:LINE: ..."), "cannot open FILE" or
		 * a memory error: a string in each case */
		str_ncpy(err, lua_type(st->L, -1) == LUA_TSTRING ?
			 lua_tostring(st->L, -1) : "error", sz);
		e = EINVAL;
		goto out;
	}

	e = run_chunk(st, err, sz);

 out:
	if (e)
		mem_deref(st);
	else
		*stp = st;

	return e;
}


int pbx_lua_protect(lua_State *L, lua_CFunction f, void *arg, int nres)
{
	lua_pushcfunction(L, f);
	lua_pushlightuserdata(L, arg);

	return lua_pcall(L, 1, nres, 0);
}


int pbx_lua_run(struct pbx_lua_state *st, lua_State *co, int nargs,
		int *nres)
{
	lua_State *prev = st->running;
	uint64_t start = st->run_start;
	int status;

	/* a nested run (a pbx.on handler started from inside a method)
	 * has its own time; the outer run's keeps counting */
	st->running = co;
	st->run_start = tmr_jiffies();
	status = lua_resume(co, prev, nargs, nres);
	st->running = prev;
	st->run_start = start;

	if (status == LUA_YIELD && st->killed == co) {
		st->killed = NULL;
		return PBX_LUA_RUNAWAY;
	}

	return status;
}


struct pbx_lua_state *pbx_lua_state_of(lua_State *L)
{
	void *ud = NULL;

	(void)lua_getallocf(L, &ud);

	return ud;
}


lua_State *pbx_lua_state_main(const struct pbx_lua_state *st)
{
	return st ? st->L : NULL;
}


lua_State *pbx_lua_state_running(const struct pbx_lua_state *st)
{
	return st ? st->running : NULL;
}


uint64_t pbx_lua_state_killed_ms(const struct pbx_lua_state *st)
{
	return st ? st->killed_ms : 0;
}


size_t pbx_lua_state_mem(const struct pbx_lua_state *st)
{
	return st ? st->mem : 0;
}


struct list *pbx_lua_state_scripts(struct pbx_lua_state *st)
{
	return st ? &st->scripts : NULL;
}


struct list *pbx_lua_state_listeners(struct pbx_lua_state *st)
{
	return st ? &st->listeners : NULL;
}


struct pbx_lua_state *pbx_lua_state_hold(struct pbx_lua_state *st,
					 struct le *le, void *script)
{
	if (le)
		list_append(&st->scripts, le, script);

	return mem_ref(st);
}


/* A script ended: a collection step returns its coroutine's memory
 * soon, even when nothing else allocates. */
void pbx_lua_state_release(struct pbx_lua_state *st, struct le *le)
{
	if (!st)
		return;

	if (le)
		list_unlink(le);
	if (mem_nrefs(st) > 1) {
		uint64_t start = st->run_start;

		st->run_start = tmr_jiffies();  /* __gc handlers may run */
		(void)lua_gc(st->L, LUA_GCSTEP, 0);
		st->run_start = start;
	}
	mem_deref(st);
}


void *pbx_lua_hangup_sentinel(void)
{
	return (void *)&hangup_sentinel;
}


int pbx_lua_hangup(lua_State *L)
{
	lua_pushlightuserdata(L, pbx_lua_hangup_sentinel());

	return lua_error(L);
}
