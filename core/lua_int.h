/* lua_int.h: declarations shared by the Lua engine's files (lua*.c) only.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Include <re.h>, <lua.h> and "core.h" first.  Nothing here is exported
 * (the core is built with -fvisibility=hidden).
 *
 *   lua.c         the engine: start, reload, stop, counters
 *   lua_state.c   one loaded dialplan: allocator cap, runaway hook, libs
 *   lua_error.c   error messages, tracebacks, the script_error event
 *   lua_script.c  route(call) in a coroutine per call; waiting methods
 *   lua_call.c    the call object and module methods
 *   lua_method.c  the call object's built-in methods
 *   lua_pbx.c     the pbx table;  lua_on.c: pbx.on handlers
 *
 * A loaded dialplan is a struct pbx_lua_state, refcounted: the engine
 * holds the current one and every running script holds the one it
 * started on, so a reload never pulls a state from under a call.  Lua
 * code never runs on a state's main thread: the chunk, route() and pbx.on
 * handlers each run in a coroutine, so the runaway hook can stop any of
 * them by yielding, and the main thread stays free for the protected
 * helper calls (pbx_lua_protect) that build values in C.
 */
#ifndef PBX_LUA_INT_H
#define PBX_LUA_INT_H

struct pbx_lua_state;

enum {
	/* pbx_lua_run: the runaway hook stopped the coroutine */
	PBX_LUA_RUNAWAY = -1,
};

/* Registry name of the call object's metatable (also its __name). */
#define PBX_LUA_CALL_MT "pbx.call"


/* ---- lua.c ------------------------------------------------------------ */

/* The state new calls start on; NULL when not started. */
struct pbx_lua_state *pbx_lua_current(void);
/* Registered module method tables (lua_call.c's struct pbx_lua_mtab);
 * NULL when create is false and there is no engine. */
struct list *pbx_lua_methods(bool create);
/* Frees the engine if nothing uses it any more. */
void pbx_lua_engine_unused(void);
/* Bytes Lua has allocated now, all states (for the tests' leak checks).
 * Public API: to move to core.h next to pbx_lua_running. */


/* ---- lua_state.c ------------------------------------------------------ */

/* Loads path into a new state appended to states (max_mem bytes,
 * max_ms per run).  On error err says why ("FILE:LINE: ..."): EINVAL,
 * or ENOMEM. */
int pbx_lua_state_load(struct pbx_lua_state **stp, struct list *states,
		       const char *path, size_t max_mem, uint32_t max_ms,
		       char *err, size_t sz);
/* The state any thread of it belongs to (the allocator's ud). */
struct pbx_lua_state *pbx_lua_state_of(lua_State *L);
lua_State *pbx_lua_state_main(const struct pbx_lua_state *st);
/* The coroutine pbx_lua_run is running now (innermost), or NULL. */
lua_State *pbx_lua_state_running(const struct pbx_lua_state *st);
uint64_t pbx_lua_state_killed_ms(const struct pbx_lua_state *st);
size_t pbx_lua_state_mem(const struct pbx_lua_state *st);
/* struct pbx_script running on the state (lua_script.c links them). */
struct list *pbx_lua_state_scripts(struct pbx_lua_state *st);
/* pbx.on handlers of the state (lua_on.c). */
struct list *pbx_lua_state_listeners(struct pbx_lua_state *st);
/* References st; with le, also lists a script (data) as running. */
struct pbx_lua_state *pbx_lua_state_hold(struct pbx_lua_state *st,
					 struct le *le, void *script);
/* Undoes pbx_lua_state_hold (a collection step first); may close st. */
void pbx_lua_state_release(struct pbx_lua_state *st, struct le *le);

/* Calls f(L) with arg as a light userdata, protected, nres results.
 * Returns LUA_OK or an error status with the error object on top. */
int pbx_lua_protect(lua_State *L, lua_CFunction f, void *arg, int nres);
/* Resumes co with nargs on its stack, timed against dialplan_max_ms.
 * Returns lua_resume's status, or PBX_LUA_RUNAWAY (co is then left
 * suspended: drop it). */
int pbx_lua_run(struct pbx_lua_state *st, lua_State *co, int nargs,
		int *nres);

/* The hangup error object (a light userdata; tostring gives "hangup")
 * and a function raising it. */
void *pbx_lua_hangup_sentinel(void);
int pbx_lua_hangup(lua_State *L);


/* ---- lua_error.c ------------------------------------------------------ */

/* The failed run of co (status, error object on top, or msg instead) as
 * "FILE:LINE: message" in buf.  Returns 0 if the error is the hangup
 * sentinel, else EINVAL. */
int pbx_lua_errmsg(struct pbx_lua_state *st, lua_State *co, int status,
		   const char *msg, char *buf, size_t sz);
/* Logs it with a traceback and emits script_error (call_id may be
 * NULL).  Returns 0, quietly, for the hangup sentinel, else EINVAL. */
int pbx_lua_report(struct pbx_lua_state *st, lua_State *co, int status,
		   const char *msg, const char *call_id);


/* ---- lua_script.c ----------------------------------------------------- */

/* Ends a script as if its call hung up (pbx_lua_stop); false if it is
 * running and cannot be ended now. */
bool pbx_lua_script_kill(struct pbx_script *s);
/* The call whose script runs on thread L, or NULL (a handler, a
 * coroutine of the script's own). */
struct pbx_call *pbx_lua_script_call(lua_State *L);


/* ---- lua_call.c, lua_method.c ----------------------------------------- */

/* Creates the call metatable in the registry. */
void pbx_lua_call_open(lua_State *L);
/* Pushes a new call object referencing call. */
void pbx_lua_call_push(lua_State *L, struct pbx_call *call);
/* Drops the reference of the call object at idx (the script ended). */
void pbx_lua_call_close(lua_State *L, int idx);
/* Sets the built-in methods into the table on top. */
void pbx_lua_methods_open(lua_State *L);
/* Whether name is a built-in method. */
bool pbx_lua_builtin(const char *name);


/* ---- lua_pbx.c, lua_on.c ---------------------------------------------- */

/* Sets the global table pbx and replaces print (logs instead). */
void pbx_lua_pbx_open(lua_State *L);
/* pbx.on(event, fn) */
int pbx_lua_on(lua_State *L);
/* Removes the state's pbx.on handlers (before lua_close). */
void pbx_lua_listeners_flush(struct pbx_lua_state *st);

#endif
