/* lua_pbx.c: the dialplan's global table pbx (log, users, kv store, ...).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Adapters only: arguments are checked first, and where a C resource (an
 * odict, an SQLite statement) is held while Lua values are built, the
 * building runs in a protected call so that a memory error cannot leak
 * the resource.  pbx.on handlers live in lua_on.c.
 */
#include <string.h>
#include <sys/time.h>
#include <sqlite3.h>
#include <re.h>
#include <lua.h>
#include <lauxlib.h>
#include "core.h"
#include "lua_int.h"


enum {
	KV_NAME_MAX = 256,        /* bytes of a namespace or key          */
	KV_VALUE_MAX = 65536,     /* bytes of a value                     */
	ID_MAX = 64,
};

struct kv_row {
	sqlite3_stmt *st;
};


/* Joins arguments first.. with spaces (tostring each) and logs them. */
static int log_args(lua_State *L, int first, enum pbx_log_level lvl)
{
	int i, n = lua_gettop(L);
	luaL_Buffer b;

	if (lvl < pbx_log_get_level())
		return 0;

	luaL_buffinit(L, &b);
	for (i = first; i <= n; i++) {
		if (i > first)
			luaL_addchar(&b, ' ');
		(void)luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	pbx_log(lvl, "dialplan: %s", lua_tostring(L, -1));

	return 0;
}


/* pbx.log(level, ...) */
static int l_log(lua_State *L)
{
	static const char *const levels[] = {
		"debug", "info", "warn", "error", NULL
	};

	return log_args(L, 2, (enum pbx_log_level)luaL_checkoption(L, 1,
								   NULL,
								   levels));
}


static int l_print(lua_State *L)
{
	return log_args(L, 1, PBX_LOG_INFO);
}


static void field_str(lua_State *L, const struct odict *o, const char *k)
{
	const char *v = odict_string(o, k);

	if (!v || !v[0])
		return;
	lua_pushstring(L, v);
	lua_setfield(L, -2, k);
}


static int user_cf(lua_State *L)
{
	const struct odict *o = lua_touserdata(L, 1);
	bool pin = false;

	lua_createtable(L, 0, 4);
	field_str(L, o, "ext");
	field_str(L, o, "name");
	field_str(L, o, "email");
	(void)odict_get_boolean(o, &pin, "has_pin");
	lua_pushboolean(L, pin);
	lua_setfield(L, -2, "has_pin");

	return 1;
}


/* pbx.user(ext) -> nil | {ext=, name=, email=, has_pin=} */
static int l_user(lua_State *L)
{
	const char *ext = luaL_checkstring(L, 1);
	struct odict *od = NULL;
	int err, status;

	err = pbx_user_ext_valid(ext) ? pbx_user_odict(ext, &od) : ENOENT;
	if (err == ENOENT) {
		lua_pushnil(L);
		return 1;
	}
	if (err) {
		luaL_pushfail(L);
		lua_pushstring(L, strerror(err));
		return 2;
	}

	status = pbx_lua_protect(L, user_cf, od, 1);
	mem_deref(od);

	return status == LUA_OK ? 1 : lua_error(L);
}


struct contacts {
	const struct odict *all;  /* array of every binding              */
	const char *ext;
};


static int contacts_cf(lua_State *L)
{
	const struct contacts *c = lua_touserdata(L, 1);
	static const char *const keys[] = {
		"contact", "source", "transport", "user_agent"
	};
	lua_Integer n = 0;
	uint64_t exp;
	struct le *le;
	size_t i;

	lua_newtable(L);
	for (le = list_head(&c->all->lst); le; le = le->next) {
		const struct odict_entry *e = le->data;
		const struct odict *o = e->u.odict;
		const char *ext;

		if (e->type != ODICT_OBJECT)
			continue;
		ext = odict_string(o, "ext");
		if (!ext || strcmp(ext, c->ext))
			continue;

		lua_createtable(L, 0, 5);
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			field_str(L, o, keys[i]);
		if (odict_get_number(o, &exp, "expires")) {
			lua_pushinteger(L, (lua_Integer)exp);
			lua_setfield(L, -2, "expires");
		}
		lua_rawseti(L, -2, ++n);
	}

	return 1;
}


/* pbx.contacts(ext) -> array of {contact, source, transport, expires,
 * user_agent}.  location.c has no user-agent accessor, so this filters
 * its odict of all bindings; fine for an office, linear in bindings. */
static int l_contacts(lua_State *L)
{
	struct contacts c;
	struct odict *all = NULL;
	int err, status;

	c.ext = luaL_checkstring(L, 1);
	err = pbx_location_odict(&all);
	if (err) {
		luaL_pushfail(L);
		lua_pushstring(L, strerror(err));
		return 2;
	}

	c.all = all;
	status = pbx_lua_protect(L, contacts_cf, &c, 1);
	mem_deref(all);

	return status == LUA_OK ? 1 : lua_error(L);
}


static const char *kv_arg(lua_State *L, int idx)
{
	size_t len;
	const char *s = luaL_checklstring(L, idx, &len);

	luaL_argcheck(L, len && len <= KV_NAME_MAX && strlen(s) == len, idx,
		      "a name of 1 to 256 bytes expected");

	return s;
}


static int kv_value_cf(lua_State *L)
{
	const struct kv_row *r = lua_touserdata(L, 1);

	lua_pushlstring(L, (const char *)sqlite3_column_text(r->st, 0),
			(size_t)sqlite3_column_bytes(r->st, 0));

	return 1;
}


/* pbx.kv_get(ns, key) -> value or nil */
static int l_kv_get(lua_State *L)
{
	const char *ns = kv_arg(L, 1), *key = kv_arg(L, 2);
	struct kv_row r = {NULL};
	int rc, status = LUA_OK;
	bool found = false;

	if (!pbx_db() || sqlite3_prepare_v2(pbx_db(), "SELECT value FROM kv "
					    "WHERE ns = ? AND key = ?", -1,
					    &r.st, NULL) != SQLITE_OK) {
		luaL_pushfail(L);
		lua_pushliteral(L, "database not available");
		return 2;
	}

	sqlite3_bind_text(r.st, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(r.st, 2, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(r.st);
	if (rc == SQLITE_ROW && sqlite3_column_type(r.st, 0) != SQLITE_NULL) {
		status = pbx_lua_protect(L, kv_value_cf, &r, 1);
		found = true;
	}
	sqlite3_finalize(r.st);

	if (status != LUA_OK)
		return lua_error(L);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		luaL_pushfail(L);
		lua_pushstring(L, sqlite3_errstr(rc));
		return 2;
	}

	if (!found)
		lua_pushnil(L);

	return 1;
}


/* pbx.kv_set(ns, key, value) -> true | nil, message; value nil deletes */
static int l_kv_set(lua_State *L)
{
	const char *ns = kv_arg(L, 1), *key = kv_arg(L, 2);
	const char *val = NULL;
	sqlite3_stmt *st;
	size_t len = 0;
	int rc;

	if (!lua_isnoneornil(L, 3)) {
		val = luaL_checklstring(L, 3, &len);
		luaL_argcheck(L, len <= KV_VALUE_MAX, 3,
			      "a value of at most 65536 bytes expected");
	}

	if (!pbx_db() || sqlite3_prepare_v2(pbx_db(), val ?
					    "INSERT OR REPLACE INTO kv (ns, "
					    "key, value) VALUES (?, ?, ?)" :
					    "DELETE FROM kv WHERE ns = ? AND "
					    "key = ?", -1, &st, NULL)
	    != SQLITE_OK) {
		luaL_pushfail(L);
		lua_pushliteral(L, "database not available");
		return 2;
	}

	sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if (val)
		sqlite3_bind_text(st, 3, val, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);

	if (rc != SQLITE_DONE) {
		luaL_pushfail(L);
		lua_pushstring(L, sqlite3_errstr(rc));
		return 2;
	}

	lua_pushboolean(L, 1);

	return 1;
}


/* pbx.now() -> unix time in seconds, with milliseconds */
static int l_now(lua_State *L)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	lua_pushnumber(L, (lua_Number)tv.tv_sec +
		       (lua_Number)(tv.tv_usec / 1000) / 1000.0);

	return 1;
}


/* pbx.originate(ext, target) -> call id | nil, message */
static int l_originate(lua_State *L)
{
	const char *ext = luaL_checkstring(L, 1);
	const char *target = luaL_checkstring(L, 2);
	char id[ID_MAX];
	int err;

	err = pbx_call_originate(ext, target, id, sizeof(id));
	if (err) {
		luaL_pushfail(L);
		lua_pushstring(L, strerror(err));
		return 2;
	}

	lua_pushstring(L, id);

	return 1;
}


void pbx_lua_pbx_open(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{"log",       l_log},
		{"user",      l_user},
		{"contacts",  l_contacts},
		{"kv_get",    l_kv_get},
		{"kv_set",    l_kv_set},
		{"now",       l_now},
		{"originate", l_originate},
		{"on",        pbx_lua_on},
		{NULL, NULL},
	};

	luaL_newlib(L, funcs);
	/* pcall(...) returns this as the error when the call hung up */
	lua_pushlightuserdata(L, pbx_lua_hangup_sentinel());
	lua_setfield(L, -2, "HANGUP");
	lua_setglobal(L, "pbx");

	lua_pushcfunction(L, l_print);
	lua_setglobal(L, "print");
}
