/* test_lua_api.c: tests of the dialplan's Lua API over a fake call layer.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Module methods, the built-in methods (answer, dial, reject, ...), pbx.*
 * (kv store on a real SQLite file, users, pbx.on) and the sandbox.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <re.h>
#include <lua.h>
#include <lauxlib.h>
#include "core.h"
#include "lua_int.h"
#include "fake_call.h"
#include "test_lua.h"


/* ---- a module's methods: one plain, one that waits ------------------ */

struct later {
	struct tmr tmr;
	struct pbx_call *call;
	char word[16];
};

static unsigned later_cancelled;


static int m_hello(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);

	lua_pushfstring(L, "hello %s", pbx_call_from(c));

	return 1;
}


static int push_word(lua_State *L, void *arg)
{
	lua_pushstring(L, arg);

	return 1;
}


static void later_h(void *arg)
{
	struct later *l = arg;
	char word[16];

	str_ncpy(word, l->word, sizeof(word));
	pbx_call_resume(l->call, push_word, word);
	mem_deref(l);
}


static void later_cancel(void *arg)
{
	later_cancelled++;
	mem_deref(arg);
}


static void later_destructor(void *arg)
{
	struct later *l = arg;

	tmr_cancel(&l->tmr);
}


/* call:later(word) -> word, after 10 ms */
static int m_later(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	const char *w = luaL_checkstring(L, 2);
	struct later *l = mem_zalloc(sizeof(*l), later_destructor);

	if (!l)
		return luaL_error(L, "out of memory");
	l->call = c;
	str_ncpy(l->word, w, sizeof(l->word));
	tmr_start(&l->tmr, 10, later_h, l);

	return pbx_lua_yield(L, c, later_cancel, l);
}


static const struct pbx_lua_method mod_methods[] = {
	{"hello", m_hello},
	{"later", m_later},
};


static void test_module_methods(void **state)
{
	static const struct pbx_lua_method clash[] = {{"answer", m_hello}};
	struct pbx_call *c;
	(void)state;

	tl_start("function route(call)\n"
		 "  if not call.hello then call:set('r', 'none') return end\n"
		 "  call:set('r', call:hello() .. ' ' .. call:later('x'))\n"
		 "end\n", NULL);

	assert_int_equal(pbx_lua_method_register(clash, 1), EEXIST);
	assert_int_equal(pbx_lua_method_register(mod_methods, 2), 0);
	assert_int_equal(pbx_lua_method_register(mod_methods, 2), EEXIST);

	c = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_done(c, 1000));
	assert_string_equal(pbx_call_var_get(c, "r"), "hello 1000 x");
	mem_deref(c);

	/* hang-up while the module method waits: its cancel runs */
	c = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_waiting(c, 1000));
	fake_call_hangup(c);
	assert_int_equal(later_cancelled, 1);
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_err(c), 0);
	mem_deref(c);

	pbx_lua_method_unregister(mod_methods, 2);
	c = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_done(c, 1000));
	assert_string_equal(pbx_call_var_get(c, "r"), "none");
	mem_deref(c);
}


static void test_missing_method_message(void **state)
{
	struct pbx_call *c;
	(void)state;

	tl_start("function route(call)\n  call:voicemail('1000')\nend\n",
		 NULL);
	c = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_err(c), EINVAL);
	assert_non_null(strstr(tl_err_msg, ":2: attempt to call a nil value "
			       "(method 'voicemail')"));
	mem_deref(c);
}


static void test_answer_and_dial(void **state)
{
	struct pbx_call *c;
	(void)state;

	tl_start("function route(call)\n"
		 "  assert(call:answer() == true)\n"
		 "  local r, d = call:dial({'1001', '1002'}, {timeout = 5,\n"
		 "    sequential = true, caller_id = '555',\n"
		 "    headers = {['X-Team'] = 'blue'}})\n"
		 "  call:set('r', r .. ' ' .. d.code .. ' ' .. d.reason ..\n"
		 "    ' ' .. d.duration)\n"
		 "end\n", NULL);

	fake_dial.result = PBX_DIAL_BUSY;
	fake_dial.code = 486;
	c = tl_call("1000", "1001", "1000");
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_err(c), 0);
	assert_true(fake_call_answered(c));
	assert_string_equal(pbx_call_var_get(c, "r"), "busy 486 Fake "
			    "Reason 0");
	assert_string_equal(fake_dial.targets, "1001,1002");
	assert_int_equal(fake_dial.timeout, 5);
	assert_true(fake_dial.sequential);
	assert_string_equal(fake_dial.caller_id, "555");
	assert_string_equal(fake_dial.headers, "X-Team: blue\r\n");
	mem_deref(c);
}


static void test_dial_completes_at_once(void **state)
{
	struct pbx_call *c;
	(void)state;

	/* the done handler runs inside pbx_call_dial: no yield at all */
	tl_start("function route(call)\n"
		 "  local r = call:dial('1001')\n"
		 "  call:set('r', r)\n"
		 "  if r == 'unavailable' then call:reject(480) end\n"
		 "end\n", NULL);

	fake_dial.sync = true;
	fake_dial.result = PBX_DIAL_UNAVAILABLE;
	c = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_err(c), 0);
	assert_string_equal(pbx_call_var_get(c, "r"), "unavailable");
	assert_int_equal(fake_call_rejected(c), 480);
	assert_int_equal(fake_dial.timeout, 30);
	mem_deref(c);
}


static void bad_route(const char *script, const char *expect)
{
	struct pbx_call *c;

	tl_start(script, NULL);
	c = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_err(c), EINVAL);
	if (!strstr(tl_err_msg, expect))
		fail_msg("'%s' not in '%s'", expect, tl_err_msg);
	assert_int_equal(fake_dial.count, 0);
	mem_deref(c);
}


static void test_bad_arguments(void **state)
{
	(void)state;

	bad_route("function route(call)\n"
		  "  call:dial('1001',\n"
		  "    {headers = {['X-A'] = 'a\\r\\nB: c'}})\n"
		  "end\n", "is not a header a script may set");
	tl_teardown(NULL);
	tl_setup(NULL);
	bad_route("function route(call)\n"
		  "  call:dial('1001', {headers = {Via = 'x'}})\nend\n",
		  "is not a header a script may set");
	tl_teardown(NULL);
	tl_setup(NULL);
	bad_route("function route(call) call:reject(200) end\n",
		  "bad argument #1 to 'reject' (a SIP status from 400 to "
		  "699 expected)");
	tl_teardown(NULL);
	tl_setup(NULL);
	bad_route("function route(call) call:dial({}) end\n",
		  "a list of 1 to 32 targets expected");
	tl_teardown(NULL);
	tl_setup(NULL);
	bad_route("function route(call) call.to = 'x' end\n",
		  "call fields are read-only");
	tl_teardown(NULL);
	tl_setup(NULL);
	bad_route("function route(call)\n"
		  "  coroutine.wrap(function() call:sleep(1) end)()\nend\n",
		  "call methods that wait work only in route()");
}


static void test_reject_ends_quietly(void **state)
{
	struct pbx_call *c;
	(void)state;

	tl_start("function route(call)\n"
		 "  call:reject(486, 'Busy Here')\n"
		 "  R = 'not reached'\n"
		 "end\n", NULL);
	c = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_err(c), 0);
	assert_int_equal(fake_call_rejected(c), 486);
	assert_int_equal(tl_errors, 0);
	assert_null(tl_global("R", NULL, 0));
	mem_deref(c);
}


static int row_count(const char *ns)
{
	sqlite3_stmt *st;
	int n = -1;

	assert_int_equal(sqlite3_prepare_v2(pbx_db(), "SELECT count(*) FROM "
					    "kv WHERE ns = ?", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);

	return n;
}


static void test_kv_roundtrip(void **state)
{
	struct pbx_call *c;
	char buf[64];
	(void)state;

	tl_db_open();
	tl_start("function route(call)\n"
		 "  assert(pbx.kv_set('fwd', call.from, call.to))\n"
		 "  assert(pbx.kv_set('n', 'k', 42))\n"
		 "  R1 = pbx.kv_get('fwd', call.from)\n"
		 "  R2 = pbx.kv_get('n', 'k') .. type(pbx.kv_get('n', 'k'))\n"
		 "  R3 = tostring(pbx.kv_get('fwd', 'nobody'))\n"
		 "  if call.to == 'clear' then\n"
		 "    pbx.kv_set('fwd', call.from)\n"
		 "  end\n"
		 "end\n", NULL);

	c = tl_call("1000", "2000", "1000");
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_err(c), 0);
	assert_string_equal(tl_global("R1", buf, sizeof(buf)), "2000");
	assert_string_equal(tl_global("R2", buf, sizeof(buf)), "42string");
	assert_string_equal(tl_global("R3", buf, sizeof(buf)), "nil");
	assert_int_equal(row_count("fwd"), 1);
	mem_deref(c);

	c = tl_call("1000", "clear", "1000");
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(row_count("fwd"), 0);
	mem_deref(c);
}


static void test_user_lookup(void **state)
{
	struct pbx_user_prm prm = {"1001", "secret", "Alice", "1234", NULL};
	struct pbx_call *c;
	char buf[128];
	(void)state;

	tl_db_open();
	assert_int_equal(pbx_user_add(&prm), 0);
	tl_start("function route(call)\n"
		 "  local u = pbx.user(call.to)\n"
		 "  R = u.ext .. ' ' .. u.name .. ' ' ..\n"
		 "    tostring(u.email) .. ' ' .. tostring(u.has_pin) ..\n"
		 "    ' ' .. tostring(pbx.user('9999')) .. ' ' ..\n"
		 "    #pbx.contacts('1001')\n"
		 "  R2 = pbx.originate('1001', '1002') .. ' ' ..\n"
		 "    select(2, pbx.originate('bad ext', 'x'))\n"
		 "  R3 = math.type(pbx.now()) .. ' ' ..\n"
		 "    tostring(pbx.now() > 1.6e9)\n"
		 "end\n", NULL);

	c = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_err(c), 0);
	assert_string_equal(tl_global("R", buf, sizeof(buf)),
			    "1001 Alice nil true nil 0");
	assert_string_equal(tl_global("R2", buf, sizeof(buf)),
			    "orig-1 No such file or directory");
	assert_string_equal(tl_global("R3", buf, sizeof(buf)), "float true");
	mem_deref(c);
}


static void test_on_event(void **state)
{
	char buf[64];
	(void)state;

	tl_start("pbx.on('ping', function(name, f)\n"
		 "  GOT = name .. ':' .. f.x\n"
		 "end)\n"
		 "pbx.on('*', function(name) N = (N or 0) + 1 end)\n"
		 "pbx.on('bad', function() error('handler failed') end)\n"
		 "pbx.on('loop', function() while true do end end)\n"
		 "function route(call) end\n", "dialplan_max_ms 50\n");

	pbx_event_emitv("ping", "x", "1", NULL);
	assert_string_equal(tl_global("GOT", buf, sizeof(buf)), "ping:1");

	pbx_event_emitv("bad", NULL);
	assert_int_equal(tl_errors, 1);
	assert_non_null(strstr(tl_err_msg, ":5: handler failed"));

	pbx_event_emitv("loop", NULL);
	assert_int_equal(tl_errors, 2);
	assert_non_null(strstr(tl_err_msg, "without waiting"));

	/* ping, bad, script_error, loop, script_error */
	assert_string_equal(tl_global("N", buf, sizeof(buf)), "5");
}


static void test_sandbox(void **state)
{
	struct pbx_call *c;
	char buf[128];
	(void)state;

	tl_start("function route(call)\n"
		 "  R = table.concat({type(io), type(os.execute),\n"
		 "    type(os.exit), type(require), type(debug),\n"
		 "    type(dofile), type(os.time),\n"
		 "    type(string.format)}, ' ')\n"
		 "  local f, e = load(string.dump(function() end))\n"
		 "  R2 = tostring(f) .. ' ' ..\n"
		 "    tostring(e:find('binary') ~= nil)\n"
		 "  X = 5\n"
		 "  R3 = load('return X * 2')() .. ' ' ..\n"
		 "    tostring(load('return X', 'c', 't', {})())\n"
		 "  print('printed', 1, nil)\n"
		 "end\n", NULL);

	c = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_err(c), 0);
	assert_string_equal(tl_global("R", buf, sizeof(buf)),
			    "nil nil nil nil nil nil function function");
	assert_string_equal(tl_global("R2", buf, sizeof(buf)), "nil true");
	assert_string_equal(tl_global("R3", buf, sizeof(buf)), "10 nil");
	mem_deref(c);
}


/* The shipped dialplan on the real engine (run from the repository). */
static void test_default_dialplan(void **state)
{
	struct pbx_user_prm prm = {"1001", "secret", "Bob", NULL, NULL};
	struct pbx_call *c;
	(void)state;

	tl_db_open();
	assert_int_equal(pbx_user_add(&prm), 0);
	tl_copy("scripts/dialplan.lua");
	tl_conf(NULL);
	assert_int_equal(pbx_lua_start(), 0);

	c = tl_call("1000", "4711", "1000");
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_rejected(c), 404);
	mem_deref(c);

	fake_dial.result = PBX_DIAL_BUSY;
	c = tl_call("1000", "1001", "1000");
	assert_true(tl_wait_done(c, 1000));
	assert_string_equal(fake_dial.targets, "1001");
	assert_int_equal(fake_dial.timeout, 30);
	assert_int_equal(fake_call_rejected(c), 486);
	mem_deref(c);

	c = tl_call("1001", "*78", "1001");
	assert_true(tl_wait_done(c, 2000));
	assert_int_equal(fake_call_err(c), 0);
	assert_true(fake_call_hungup(c));
	mem_deref(c);
	assert_int_equal(row_count("dnd"), 1);

	c = tl_call("1000", "1001", "1000");
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_rejected(c), 486);
	assert_int_equal(fake_dial.count, 1);
	assert_int_equal(tl_errors, 0);
	mem_deref(c);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		tl_test(test_module_methods),
		tl_test(test_missing_method_message),
		tl_test(test_answer_and_dial),
		tl_test(test_dial_completes_at_once),
		tl_test(test_bad_arguments),
		tl_test(test_reject_ends_quietly),
		tl_test(test_kv_roundtrip),
		tl_test(test_user_lookup),
		tl_test(test_on_event),
		tl_test(test_sandbox),
		tl_test(test_default_dialplan),
	};

	return cmocka_run_group_tests_name("lua api", tests, tl_group_setup,
					   tl_group_teardown);
}
