/* lua.c: the Lua dialplan engine: start, reload and stop the dialplan.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The engine knows the current dialplan (a struct pbx_lua_state, see
 * lua_state.c) and every older one that still has calls running on it.
 * A reload loads the file into a new state; when that works, new calls
 * start there and each old state is closed when its last call's script
 * ends.  A reload that fails leaves everything as it was.  The event
 * "reload" (main.c emits it on SIGHUP) reloads too.
 */
#include <string.h>
#include <re.h>
#include <lua.h>
#include "core.h"
#include "lua_int.h"


enum {
	ERR_MAX = 1024,
};

struct lua_engine {
	struct pbx_lua_state *cur;  /* owned: the state new calls use   */
	struct list states;         /* every state alive (current, old) */
	struct list methods;        /* struct pbx_lua_mtab (lua_call.c)  */
	char *path;                 /* owned: dialplan                   */
	size_t max_mem;             /* bytes: dialplan_max_memory        */
	uint32_t max_ms;            /* dialplan_max_ms                   */
	bool listening;             /* to the event "reload"             */
};

/* The engine's context.  It belongs in struct pbx_core (as a field
 * `struct pbx_lua *lua`, STYLE.md §10); until then this pointer is the
 * only mutable file-scope state of the Lua files. */
static struct lua_engine *engine;


static void engine_destructor(void *arg)
{
	struct lua_engine *e = arg;

	mem_deref(e->path);
}


static struct lua_engine *engine_get(void)
{
	if (engine)
		return engine;

	engine = mem_zalloc(sizeof(*engine), engine_destructor);
	if (!engine)
		return NULL;

	list_init(&engine->states);
	list_init(&engine->methods);

	return engine;
}


/* Frees the engine once nothing needs it: no dialplan, no state left
 * and no module method registered. */
void pbx_lua_engine_unused(void)
{
	if (engine && !engine->cur && list_isempty(&engine->states) &&
	    list_isempty(&engine->methods))
		engine = mem_deref(engine);
}


struct list *pbx_lua_methods(bool create)
{
	if (create && !engine_get())
		return NULL;

	return engine ? &engine->methods : NULL;
}


struct pbx_lua_state *pbx_lua_current(void)
{
	return engine ? engine->cur : NULL;
}


static int conf_read(struct lua_engine *e)
{
	uint32_t mib, ms;
	int err;

	err = pbx_conf_u32("dialplan_max_memory", 256, 1, 65536, &mib);
	if (!err)
		err = pbx_conf_u32("dialplan_max_ms", 2000, 10, 600000, &ms);
	if (err)
		return err;

	e->max_mem = (size_t)mib << 20;
	e->max_ms = ms;

	return str_dup(&e->path, pbx_conf_str("dialplan",
					      "scripts/dialplan.lua"));
}


static void reload_h(const char *name, const struct odict *fields,
		     void *arg)
{
	(void)fields;
	(void)arg;

	if (!strcmp(name, "reload"))
		(void)pbx_lua_reload(NULL, 0);
}


int pbx_lua_start(void)
{
	char msg[ERR_MAX] = "";
	struct lua_engine *e;
	int err;

	if (engine && engine->cur)
		return EALREADY;

	e = engine_get();
	if (!e)
		return ENOMEM;

	err = conf_read(e);
	if (err)
		goto out;

	err = pbx_lua_state_load(&e->cur, &e->states, e->path, e->max_mem,
				 e->max_ms, msg, sizeof(msg));
	if (err) {
		pbx_log(PBX_LOG_ERROR, "dialplan: %s", msg);
		err = EINVAL;
		goto out;
	}

	err = pbx_event_listen(reload_h, e);
	if (err)
		goto out;
	e->listening = true;

	pbx_log(PBX_LOG_INFO, "dialplan: loaded %s", e->path);

 out:
	if (err)
		pbx_lua_stop();

	return err;
}


/* Ends every script still running (their calls are gone or going). */
static void scripts_kill(void)
{
	struct le *le, *sle;
	bool again = true;

	while (again && engine) {
		again = false;
		for (le = list_head(&engine->states); le && !again;
		     le = le->next) {
			struct list *l = pbx_lua_state_scripts(le->data);

			for (sle = list_head(l); sle; sle = sle->next) {
				if (pbx_lua_script_kill(sle->data)) {
					again = true;
					break;
				}
			}
		}
	}
}


void pbx_lua_stop(void)
{
	if (!engine)
		return;

	if (engine->listening)
		pbx_event_unlisten(reload_h, engine);
	engine->listening = false;

	scripts_kill();
	engine->cur = mem_deref(engine->cur);
	engine->path = mem_deref(engine->path);
	if (!list_isempty(&engine->states))
		pbx_log(PBX_LOG_WARN, "dialplan: %u Lua states still in use "
			"at stop", list_count(&engine->states));

	pbx_lua_engine_unused();
}


int pbx_lua_reload(char *err, size_t sz)
{
	struct pbx_lua_state *st, *old;
	char msg[ERR_MAX] = "";
	int e;

	if (!engine || !engine->cur) {
		if (err && sz)
			str_ncpy(err, "the dialplan is not running", sz);
		return EINVAL;
	}

	e = pbx_lua_state_load(&st, &engine->states, engine->path,
			       engine->max_mem, engine->max_ms, msg,
			       sizeof(msg));
	if (e) {
		pbx_log(PBX_LOG_ERROR, "dialplan: reload failed, keeping the "
			"running dialplan: %s", msg);
		pbx_event_emitv("dialplan_reload", "result", "error", "file",
				engine->path, "message", msg, NULL);
		if (err && sz)
			str_ncpy(err, msg, sz);
		return EINVAL;
	}

	old = engine->cur;
	engine->cur = st;
	pbx_log(PBX_LOG_INFO, "dialplan: reloaded %s (%u calls stay on the "
		"previous version)", engine->path,
		list_count(pbx_lua_state_scripts(old)));
	pbx_event_emitv("dialplan_reload", "result", "ok", "file",
			engine->path, NULL);
	mem_deref(old);

	return 0;
}


unsigned pbx_lua_running(void)
{
	struct le *le;
	unsigned n = 0;

	for (le = list_head(engine ? &engine->states : NULL); le;
	     le = le->next)
		n += list_count(pbx_lua_state_scripts(le->data));

	return n;
}


size_t pbx_lua_mem(void)
{
	struct le *le;
	size_t n = 0;

	for (le = list_head(engine ? &engine->states : NULL); le;
	     le = le->next)
		n += pbx_lua_state_mem(le->data);

	return n;
}
