/* lua_script.c: one call's run of route(call) in its own coroutine.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A script is alive from pbx_script_start until route() returns, fails or
 * is stopped; while alive it holds its Lua state, its call and itself
 * (call.c holds another reference).  A method that waits ends with
 * pbx_lua_yield: the coroutine yields with a continuation, and the event
 * that completes the method (pbx_call_resume) resumes it; the
 * continuation pushes the method's results, or raises the hangup
 * sentinel when the call has ended meanwhile.
 *
 * Re-entrancy, decided once:
 *  - route() starts from the loop (a 0 ms timer), and a hang-up resumes a
 *    waiting script from the loop too, so pbx_call_script_done is never
 *    called from inside pbx_script_start or pbx_script_hangup.
 *  - pbx_call_resume resumes at once (its push argument may point into
 *    the caller's stack), so pbx_call_script_done may be called from
 *    inside it.
 *  - A completion that arrives while the script itself is running (the
 *    method's own C call finished synchronously, e.g. a dial that fails
 *    at once) is not a resume: its results are pushed right away and
 *    pbx_lua_yield returns them without yielding.
 */
#include <string.h>
#include <re.h>
#include <lua.h>
#include <lauxlib.h>
#include "core.h"
#include "lua_int.h"


struct pbx_script {
	struct le le;               /* in its state's scripts while alive */
	struct pbx_lua_state *st;   /* held while alive                   */
	struct pbx_call *call;      /* owned reference while alive        */
	lua_State *co;              /* the coroutine, anchored by ref     */
	int ref;                    /* registry: the coroutine            */
	int udref;                  /* registry: the call object          */
	struct tmr tmr;             /* start, or resume after a hang-up   */
	pbx_lua_cancel_h *cancel;   /* the waiting method's, may be NULL  */
	void *cancel_arg;
	pbx_lua_push_h *push;       /* results for the continuation       */
	void *push_arg;
	int early_n;                /* results pushed before the yield    */
	bool running;               /* inside lua_resume                  */
	bool waiting;               /* yielded in pbx_lua_yield           */
	bool ended;                 /* the call has hung up               */
	bool done;                  /* no longer alive                    */
	bool early;                 /* completed before pbx_lua_yield     */
	bool early_err;             /* ... with an error object on top    */
};

struct early {
	pbx_lua_push_h *push;
	void *arg;
};


static struct pbx_script *script_of(lua_State *L)
{
	return *(struct pbx_script **)lua_getextraspace(L);
}


static void script_destructor(void *arg)
{
	struct pbx_script *s = arg;

	tmr_cancel(&s->tmr);
}


/* Protected on the main thread: forget the coroutine and close the call
 * object (a copy the script kept in a global is then dead). */
static int release_cf(lua_State *L)
{
	struct pbx_script *s = lua_touserdata(L, 1);

	if (s->udref != LUA_NOREF) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, s->udref);
		pbx_lua_call_close(L, -1);
		lua_pop(L, 1);
		luaL_unref(L, LUA_REGISTRYINDEX, s->udref);
		s->udref = LUA_NOREF;
	}

	luaL_unref(L, LUA_REGISTRYINDEX, s->ref);
	s->ref = LUA_NOREF;

	return 0;
}


static void script_finish(struct pbx_script *s, int status, const char *msg)
{
	struct pbx_lua_state *st = s->st;
	struct pbx_call *call = s->call;
	lua_State *L = pbx_lua_state_main(st);
	int err = 0;

	if (status != LUA_OK)
		err = pbx_lua_report(st, s->co, status, msg,
				     pbx_call_id(call));

	s->done = true;
	s->waiting = false;
	s->cancel = NULL;
	tmr_cancel(&s->tmr);
	if (pbx_lua_protect(L, release_cf, s, 0) != LUA_OK)
		lua_pop(L, 1);
	s->co = NULL;
	s->call = NULL;
	s->st = NULL;

	pbx_call_script_done(call, err);
	mem_deref(call);
	pbx_lua_state_release(st, &s->le);
	mem_deref(s);                   /* the script's own reference */
}


static void script_run(struct pbx_script *s, int nargs)
{
	int status, nres = 0;

	mem_ref(s);
	s->running = true;
	status = pbx_lua_run(s->st, s->co, nargs, &nres);
	s->running = false;
	s->push = NULL;
	s->early = false;

	if (status == LUA_YIELD && s->waiting)
		lua_pop(s->co, nres);
	else if (status == LUA_YIELD)
		script_finish(s, status, "route() yielded outside a call "
			      "method (coroutine.yield in route?)");
	else
		script_finish(s, status, NULL);

	mem_deref(s);
}


static void script_continue(struct pbx_script *s, pbx_lua_push_h *push,
			    void *arg)
{
	s->waiting = false;
	s->cancel = NULL;
	s->cancel_arg = NULL;
	s->push = push;
	s->push_arg = arg;
	script_run(s, 0);
}


static void start_h(void *arg)
{
	struct pbx_script *s = arg;

	if (s->done)
		return;

	if (s->ended)
		script_finish(s, LUA_OK, NULL);
	else if (lua_type(s->co, 1) != LUA_TFUNCTION)
		script_finish(s, LUA_ERRRUN, "route is not a function "
			      "any more");
	else
		script_run(s, 1);
}


static void hangup_h(void *arg)
{
	struct pbx_script *s = arg;

	if (s->done || s->running)
		return;

	if (s->waiting)
		script_continue(s, NULL, NULL);
	else
		script_finish(s, LUA_OK, NULL);
}


/* Protected on the main thread: the coroutine with route and the call
 * object on its stack. */
static int setup_cf(lua_State *L)
{
	struct pbx_script *s = lua_touserdata(L, 1);
	lua_State *co;

	co = lua_newthread(L);
	*(struct pbx_script **)lua_getextraspace(co) = s;
	s->ref = luaL_ref(L, LUA_REGISTRYINDEX);
	s->co = co;

	lua_pushglobaltable(L);
	lua_pushliteral(L, "route");
	(void)lua_rawget(L, -2);
	lua_remove(L, -2);
	pbx_lua_call_push(L, s->call);
	lua_pushvalue(L, -1);
	s->udref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_xmove(L, co, 2);

	return 0;
}


int pbx_script_start(struct pbx_script **sp, struct pbx_call *call)
{
	struct pbx_lua_state *st = pbx_lua_current();
	lua_State *L = pbx_lua_state_main(st);
	struct pbx_script *s;

	if (!sp || !call || !st)
		return EINVAL;

	s = mem_zalloc(sizeof(*s), script_destructor);
	if (!s)
		return ENOMEM;

	tmr_init(&s->tmr);
	s->ref = LUA_NOREF;
	s->udref = LUA_NOREF;
	s->call = call;                 /* borrowed during setup */

	if (pbx_lua_protect(L, setup_cf, s, 0) != LUA_OK) {
		pbx_log(PBX_LOG_ERROR, "dialplan: call %s: cannot start the "
			"script: %s (dialplan_max_memory)", pbx_call_id(call),
			lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) :
			"error");
		lua_pop(L, 1);
		if (pbx_lua_protect(L, release_cf, s, 0) != LUA_OK)
			lua_pop(L, 1);
		mem_deref(s);
		return ENOMEM;
	}

	s->call = mem_ref(call);
	s->st = pbx_lua_state_hold(st, &s->le, s);
	tmr_start(&s->tmr, 0, start_h, s);
	*sp = mem_ref(s);

	return 0;
}


void pbx_script_hangup(struct pbx_script *s)
{
	pbx_lua_cancel_h *cancel;

	if (!s || s->done || s->ended)
		return;

	s->ended = true;
	cancel = s->cancel;
	s->cancel = NULL;
	if (s->waiting && cancel)
		cancel(s->cancel_arg);

	/* running: the method in progress raises hangup when it waits, or
	 * the next method does; not started: start_h ends it */
	if (s->running || tmr_isrunning(&s->tmr))
		return;

	tmr_start(&s->tmr, 0, hangup_h, s);
}


/* Protected on the running coroutine: the results of a method that
 * completed before it could yield. */
static int early_cf(lua_State *L)
{
	struct early *e = lua_touserdata(L, 1);

	lua_pop(L, 1);
	luaL_checkstack(L, LUA_MINSTACK, "call method results");

	return e->push ? e->push(L, e->arg) : 0;
}


void pbx_script_resume(struct pbx_script *s, pbx_lua_push_h *push,
		       void *arg)
{
	struct early e = {push, arg};
	int top;

	if (!s || s->done || s->ended)
		return;

	if (s->waiting && !s->running) {
		script_continue(s, push, arg);
		return;
	}

	/* anything else than the method's own early completion is stale */
	if (!s->running || s->early ||
	    pbx_lua_state_running(s->st) != s->co)
		return;

	top = lua_gettop(s->co);
	if (pbx_lua_protect(s->co, early_cf, &e, LUA_MULTRET) != LUA_OK)
		s->early_err = true;
	else
		s->early_n = lua_gettop(s->co) - top;
	s->early = true;
}


static int yield_cont(lua_State *L, int status, lua_KContext ctx)
{
	struct pbx_script *s = script_of(L);
	pbx_lua_push_h *push;
	(void)status;
	(void)ctx;

	if (s->waiting) {
		/* not us: coroutine.resume on the call's coroutine */
		s->waiting = false;
		if (s->cancel)
			s->cancel(s->cancel_arg);
		s->cancel = NULL;
		return luaL_error(L, "a call's script was resumed by "
				  "coroutine.resume");
	}

	if (s->ended)
		return pbx_lua_hangup(L);

	push = s->push;
	s->push = NULL;
	if (!push)
		return 0;

	luaL_checkstack(L, LUA_MINSTACK, "call method results");

	return push(L, s->push_arg);
}


int pbx_lua_yield(lua_State *L, struct pbx_call *call,
		  pbx_lua_cancel_h *cancel, void *arg)
{
	struct pbx_script *s = script_of(L);
	const char *why = NULL;

	if (!s || s->co != L || s->done)
		why = "call methods that wait work only in route() and the "
			"functions it calls (not in coroutines or pbx.on)";
	else if (s->call != call)
		why = "a call method that waits was used on another call";
	else if (s->waiting)
		why = "the script is already waiting";
	else if (!lua_isyieldable(L))
		why = "a call method that waits was used where Lua cannot "
			"wait (a metamethod, table.sort, string.gsub, ...)";

	if (why || (s->ended && !s->early)) {
		if (cancel)
			cancel(arg);
		if (why)
			return luaL_error(L, "%s", why);
		return pbx_lua_hangup(L);
	}

	if (s->early) {
		s->early = false;
		if (s->early_err) {
			s->early_err = false;
			return lua_error(L);
		}
		return s->early_n;
	}

	s->waiting = true;
	s->cancel = cancel;
	s->cancel_arg = arg;

	return lua_yieldk(L, 0, 0, yield_cont);
}


struct pbx_call *pbx_lua_script_call(lua_State *L)
{
	struct pbx_script *s = script_of(L);

	return s && s->co == L ? s->call : NULL;
}


bool pbx_script_waiting(const struct pbx_script *s)
{
	return s && s->waiting;
}


void pbx_call_resume(struct pbx_call *call, pbx_lua_push_h *push,
		     void *arg)
{
	pbx_script_resume(pbx_call_script(call), push, arg);
}


/* pbx_lua_stop: ends s as if its call hung up; false if it cannot now
 * (it is running). */
bool pbx_lua_script_kill(struct pbx_script *s)
{
	if (!s || s->done || s->running)
		return false;

	if (!s->ended)
		pbx_script_hangup(s);
	tmr_cancel(&s->tmr);
	hangup_h(s);

	return true;
}
