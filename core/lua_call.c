/* lua_call.c: the Lua call object: fields, and methods modules register.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A call object is a full userdata holding a reference to the call (its
 * __gc drops it).  When the script ends the reference is dropped at once:
 * a copy kept in a global neither keeps the call alive nor acts on it
 * (its fields read nil, state "ended", and its methods raise an error).
 *
 * __index looks a key up in this order: the built-in methods
 * (lua_method.c), the fields, then the methods modules registered.  A
 * name nobody provides is nil, so `if call.voicemail then` tells whether
 * the voicemail module is loaded, and calling it anyway gives Lua's own
 * "attempt to call a nil value (method 'voicemail')".  A module method is
 * reached through a small closure that looks the name up again when
 * called: a reference kept across a module unload then raises an error
 * instead of jumping into unmapped code.
 */
#include <string.h>
#include <re.h>
#include <lua.h>
#include <lauxlib.h>
#include "core.h"
#include "lua_int.h"


enum {
	METHOD_NAME_MAX = 32,
};

struct call_ud {
	struct pbx_call *call;    /* owned reference; NULL once closed */
};

/* A table of methods a module registered. */
struct pbx_lua_mtab {
	struct le le;             /* in pbx_lua_methods()                */
	const struct pbx_lua_method *v;  /* borrowed: static in module */
	size_t n;
};

typedef const char *(field_get)(const struct pbx_call *c);

static const struct {
	const char *name;
	field_get *get;
} fields[] = {
	{"id",        pbx_call_id},
	{"from",      pbx_call_from},
	{"from_name", pbx_call_from_name},
	{"from_uri",  pbx_call_from_uri},
	{"to",        pbx_call_to},
	{"to_uri",    pbx_call_to_uri},
	{"user",      pbx_call_user},
	{"trunk",     pbx_call_trunk},
	{"source",    pbx_call_source},
	{"state",     NULL},
};


static const struct pbx_lua_method *method_find(const char *name)
{
	struct le *le;
	size_t i;

	for (le = list_head(pbx_lua_methods(false)); le; le = le->next) {
		const struct pbx_lua_mtab *t = le->data;

		for (i = 0; i < t->n; i++) {
			if (!strcmp(t->v[i].name, name))
				return &t->v[i];
		}
	}

	return NULL;
}


/* call:NAME(...) of a module: upvalue 1 is NAME. */
static int module_method(lua_State *L)
{
	const char *name = lua_tostring(L, lua_upvalueindex(1));
	const struct pbx_lua_method *m = method_find(name);

	if (!m)
		return luaL_error(L, "call:%s() is not available any more "
				  "(its module was unloaded)", name);

	return m->fn(L);
}


static bool field_push(lua_State *L, const struct call_ud *ud,
		       const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		const char *v;

		if (strcmp(fields[i].name, key))
			continue;

		if (!fields[i].get)
			v = pbx_call_state_name(ud->call ?
						pbx_call_state(ud->call) :
						PBX_CALL_ENDED);
		else
			v = ud->call ? fields[i].get(ud->call) : NULL;

		if (v)
			lua_pushstring(L, v);
		else
			lua_pushnil(L);
		return true;
	}

	return false;
}


/* __index(call, key); upvalue 1: the built-in methods. */
static int call_index(lua_State *L)
{
	struct call_ud *ud = luaL_checkudata(L, 1, PBX_LUA_CALL_MT);
	const char *key;

	if (lua_type(L, 2) != LUA_TSTRING)
		return 0;
	key = lua_tostring(L, 2);

	lua_pushvalue(L, 2);
	if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
		return 1;
	lua_pop(L, 1);

	if (field_push(L, ud, key))
		return 1;

	if (method_find(key)) {
		lua_pushvalue(L, 2);
		lua_pushcclosure(L, module_method, 1);
		return 1;
	}

	return 0;
}


static int call_newindex(lua_State *L)
{
	return luaL_error(L, "call fields are read-only (per-call values: "
			  "call:set(key, value))");
}


static int call_tostring(lua_State *L)
{
	struct call_ud *ud = luaL_checkudata(L, 1, PBX_LUA_CALL_MT);

	if (ud->call)
		lua_pushfstring(L, "call %s", pbx_call_id(ud->call));
	else
		lua_pushliteral(L, "call (ended)");

	return 1;
}


static int call_gc(lua_State *L)
{
	struct call_ud *ud = luaL_checkudata(L, 1, PBX_LUA_CALL_MT);

	ud->call = mem_deref(ud->call);

	return 0;
}


void pbx_lua_call_open(lua_State *L)
{
	static const luaL_Reg meta[] = {
		{"__newindex", call_newindex},
		{"__tostring", call_tostring},
		{"__gc", call_gc},
		{NULL, NULL},
	};

	luaL_newmetatable(L, PBX_LUA_CALL_MT);
	luaL_setfuncs(L, meta, 0);
	lua_newtable(L);
	pbx_lua_methods_open(L);
	lua_pushcclosure(L, call_index, 1);
	lua_setfield(L, -2, "__index");
	/* getmetatable(call) returns this name, not the table */
	lua_pushliteral(L, PBX_LUA_CALL_MT);
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);
}


void pbx_lua_call_push(lua_State *L, struct pbx_call *call)
{
	struct call_ud *ud = lua_newuserdatauv(L, sizeof(*ud), 0);

	ud->call = NULL;
	luaL_setmetatable(L, PBX_LUA_CALL_MT);
	ud->call = mem_ref(call);       /* nothing can fail after this */
}


void pbx_lua_call_close(lua_State *L, int idx)
{
	struct call_ud *ud = luaL_testudata(L, idx, PBX_LUA_CALL_MT);

	if (ud)
		ud->call = mem_deref(ud->call);
}


struct pbx_call *pbx_lua_check_call(lua_State *L, int idx)
{
	struct call_ud *ud = luaL_checkudata(L, idx, PBX_LUA_CALL_MT);
	struct pbx_call *own;

	if (!ud->call)
		luaL_error(L, "a call object was used after its script ended");

	if (pbx_call_ended(ud->call)) {
		/* "hangup" ends the script quietly: right for its own call,
		 * not for another call's object kept in a global */
		own = pbx_lua_script_call(L);
		if (own && own != ud->call)
			luaL_error(L, "call %s has ended",
				   pbx_call_id(ud->call));
		(void)pbx_lua_hangup(L);
	}

	return ud->call;
}


/* Fields and built-in methods: names modules cannot register. */
static bool reserved(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		if (!strcmp(fields[i].name, name))
			return true;
	}

	return pbx_lua_builtin(name);
}


static bool name_valid(const char *name)
{
	size_t i, n = name ? strlen(name) : 0;

	if (!n || n > METHOD_NAME_MAX || (name[0] >= '0' && name[0] <= '9'))
		return false;

	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!(c == '_' || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
	}

	return true;
}


static void mtab_destructor(void *arg)
{
	struct pbx_lua_mtab *t = arg;

	list_unlink(&t->le);
}


int pbx_lua_method_register(const struct pbx_lua_method *v, size_t n)
{
	struct pbx_lua_mtab *t;
	struct list *l;
	size_t i, j;

	if (!v || !n)
		return EINVAL;

	for (i = 0; i < n; i++) {
		if (!name_valid(v[i].name) || !v[i].fn)
			return EINVAL;
		if (reserved(v[i].name) ||
		    method_find(v[i].name))
			return EEXIST;
		for (j = 0; j < i; j++) {
			if (!strcmp(v[i].name, v[j].name))
				return EEXIST;
		}
	}

	l = pbx_lua_methods(true);
	if (!l)
		return ENOMEM;

	t = mem_zalloc(sizeof(*t), mtab_destructor);
	if (!t) {
		pbx_lua_engine_unused();
		return ENOMEM;
	}

	t->v = v;
	t->n = n;
	list_append(l, &t->le, t);

	return 0;
}


void pbx_lua_method_unregister(const struct pbx_lua_method *v, size_t n)
{
	struct le *le;

	for (le = list_head(pbx_lua_methods(false)); le; le = le->next) {
		struct pbx_lua_mtab *t = le->data;

		if (t->v == v && t->n == n) {
			mem_deref(t);
			break;
		}
	}

	pbx_lua_engine_unused();
}
