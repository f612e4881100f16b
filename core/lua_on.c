/* lua_on.c: pbx.on(event, fn): dialplan handlers of event bus events.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A handler belongs to the Lua state that registered it and goes when
 * that state is closed (after a reload, once its last call ended).  Each
 * event runs the handler as fn(name, fields) in a fresh coroutine, under
 * the same runaway limit as route(); an error is logged and emitted as
 * script_error, never more.  A handler is not re-entered: an event it
 * causes itself (a script_error of its own failure, say) skips it.
 */
#include <string.h>
#include <re.h>
#include <lua.h>
#include <lauxlib.h>
#include "core.h"
#include "lua_int.h"


enum {
	EVENT_NAME_MAX = 64,
	FIELDS_DEPTH = 4,         /* nesting of objects converted */
};

struct listener {
	struct le le;             /* in its state's listeners            */
	struct pbx_lua_state *st; /* borrowed: the state owns us         */
	char *event;              /* owned: a name, or "*" for all       */
	int fnref;                /* registry: the handler               */
	bool busy;                /* running now                         */
};

struct on_run {
	const struct listener *l;
	const char *name;
	const struct odict *fields;
};


/* An odict as a table; an array's entries (keyed "0", "1", ...) become
 * a sequence. */
static void fields_push(lua_State *L, const struct odict *o, bool array,
			int depth)
{
	struct le *le;
	lua_Integer i = 0;

	lua_createtable(L, 0, o ? (int)list_count(&o->lst) : 0);
	for (le = list_head(o ? &o->lst : NULL); le; le = le->next) {
		const struct odict_entry *e = le->data;

		switch (e->type) {

		case ODICT_STRING:
			lua_pushstring(L, e->u.str);
			break;
		case ODICT_INT:
			lua_pushinteger(L, (lua_Integer)e->u.integer);
			break;
		case ODICT_DOUBLE:
			lua_pushnumber(L, e->u.dbl);
			break;
		case ODICT_BOOL:
			lua_pushboolean(L, e->u.boolean);
			break;
		case ODICT_OBJECT:
		case ODICT_ARRAY:
			if (depth >= FIELDS_DEPTH)
				continue;
			fields_push(L, e->u.odict, e->type == ODICT_ARRAY,
				    depth + 1);
			break;
		default:
			continue;
		}

		if (array)
			lua_rawseti(L, -2, ++i);
		else
			lua_setfield(L, -2, e->key);
	}
}


/* Protected on the main thread: a coroutine holding fn, name, fields. */
static int run_setup(lua_State *L)
{
	const struct on_run *r = lua_touserdata(L, 1);
	lua_State *co = lua_newthread(L);

	lua_rawgeti(L, LUA_REGISTRYINDEX, r->l->fnref);
	lua_pushstring(L, r->name);
	fields_push(L, r->fields, false, 0);
	lua_xmove(L, co, 3);

	return 1;
}


static void listener_h(const char *name, const struct odict *fields,
		       void *arg)
{
	struct listener *l = arg;
	struct on_run r = {l, name, fields};
	struct pbx_lua_state *st;
	lua_State *L, *co;
	int status, nres;

	if (l->busy || (strcmp(l->event, "*") && strcmp(l->event, name)))
		return;

	st = pbx_lua_state_hold(l->st, NULL, NULL);
	L = pbx_lua_state_main(st);
	l->busy = true;

	if (pbx_lua_protect(L, run_setup, &r, 1) != LUA_OK) {
		pbx_log(PBX_LOG_ERROR, "dialplan: pbx.on('%s'): cannot run "
			"the handler (out of memory)", l->event);
		lua_pop(L, 1);
		goto out;
	}

	co = lua_tothread(L, -1);
	status = pbx_lua_run(st, co, 2, &nres);
	if (status == LUA_YIELD)
		(void)pbx_lua_report(st, co, status, "a pbx.on handler "
				     "cannot wait", NULL);
	else if (status != LUA_OK)
		(void)pbx_lua_report(st, co, status, NULL, NULL);
	lua_pop(L, 1);

 out:
	l->busy = false;
	pbx_lua_state_release(st, NULL);
}


static void listener_destructor(void *arg)
{
	struct listener *l = arg;

	pbx_event_unlisten(listener_h, l);
	list_unlink(&l->le);
	mem_deref(l->event);
}


/* pbx.on(event, fn): fn(name, fields) for every event `event` ("*":
 * every event). */
int pbx_lua_on(lua_State *L)
{
	size_t len;
	const char *event = luaL_checklstring(L, 1, &len);
	struct pbx_lua_state *st = pbx_lua_state_of(L);
	struct listener *l;
	int ref, err;

	luaL_argcheck(L, len && len <= EVENT_NAME_MAX, 1,
		      "an event name expected");
	luaL_checktype(L, 2, LUA_TFUNCTION);

	lua_pushvalue(L, 2);
	ref = luaL_ref(L, LUA_REGISTRYINDEX);

	/* no Lua error from here until the listener is complete */
	l = mem_zalloc(sizeof(*l), listener_destructor);
	err = l ? str_dup(&l->event, event) : ENOMEM;
	if (!err) {
		l->st = st;
		l->fnref = ref;
		err = pbx_event_listen(listener_h, l);
	}
	if (err) {
		mem_deref(l);
		luaL_unref(L, LUA_REGISTRYINDEX, ref);
		return luaL_error(L, "pbx.on(): %s", strerror(err));
	}

	list_append(pbx_lua_state_listeners(st), &l->le, l);

	return 0;
}


void pbx_lua_listeners_flush(struct pbx_lua_state *st)
{
	list_flush(pbx_lua_state_listeners(st));
}
