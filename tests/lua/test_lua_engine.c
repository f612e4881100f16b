/* test_lua_engine.c: tests of the Lua dialplan engine over a fake call layer.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Real scripts (written to /tmp) run on the real engine (core/lua*.c);
 * the calls are tests/lua/fake_call.c.  Built by tests/lua/build.sh, not
 * by the Makefile's unit-test rule: the fake defines call.c's functions.
 * Part two (module methods, kv, pbx.on, dial) is test_lua_api.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <re.h>
#include <lua.h>
#include "core.h"
#include "lua_int.h"
#include "fake_call.h"
#include "test_lua.h"


static void test_route_fields(void **state)
{
	struct pbx_call *c;
	(void)state;

	tl_start("function route(call)\n"
		 "  call:set('f', table.concat({call.id, call.from,\n"
		 "    call.from_name, call.to, call.user or 'none',\n"
		 "    tostring(call.trunk), call.source, call.state,\n"
		 "    tostring(call.nosuch), call:header('x-test'),\n"
		 "    tostring(call:header('Nope'))}, '|'))\n"
		 "end\n", NULL);

	c = tl_call("1000", "1001", "1000");
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_err(c), 0);
	assert_string_equal(pbx_call_var_get(c, "f"), "c1|1000|Fake Caller|"
			    "1001|1000|nil|127.0.0.1:5062|routing|nil|hello|"
			    "nil");
	assert_int_equal(tl_errors, 0);
	mem_deref(c);
}


static void test_runtime_error(void **state)
{
	struct pbx_call *c;
	char loc[300];
	(void)state;

	tl_start("function route(call)\n"
		 "  local t = nil\n"
		 "  return t.field\n"
		 "end\n", NULL);

	c = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_err(c), EINVAL);
	assert_int_equal(tl_errors, 1);
	re_snprintf(loc, sizeof(loc), "%s:3: attempt to index", tl_path);
	assert_non_null(strstr(tl_err_msg, loc));
	assert_string_equal(tl_err_call, pbx_call_id(c));
	assert_non_null(strstr(tl_err_trace, "stack traceback:"));
	assert_non_null(strstr(tl_err_trace, "in function 'route'"));
	mem_deref(c);
}


static void test_syntax_error_at_start(void **state)
{
	(void)state;

	tl_write("function route(call)\n  if then\nend\n");
	tl_conf(NULL);
	assert_int_equal(pbx_lua_start(), EINVAL);
	assert_null(pbx_lua_current());

	tl_write("x = 1\n");              /* no route() */
	assert_int_equal(pbx_lua_start(), EINVAL);
	tl_write("error('boom')\n");      /* runtime error in the chunk */
	assert_int_equal(pbx_lua_start(), EINVAL);
	assert_int_equal(pbx_lua_mem(), 0);
}


static void test_reload_error_keeps_old(void **state)
{
	struct pbx_call *c;
	char err[512] = "", loc[300];
	(void)state;

	tl_start("V = 1\nfunction route(call) call:set('v', V) end\n", NULL);
	tl_write("V = 2\nfunction route(call)\n  call:set('v' V)\nend\n");

	assert_int_equal(pbx_lua_reload(err, sizeof(err)), EINVAL);
	re_snprintf(loc, sizeof(loc), "%s:3:", tl_path);
	assert_non_null(strstr(err, loc));
	assert_string_equal(tl_reload_result, "error");

	c = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_done(c, 1000));
	assert_string_equal(pbx_call_var_get(c, "v"), "1");
	mem_deref(c);
}


static void test_reload_keeps_running_calls(void **state)
{
	struct pbx_call *old, *c;
	size_t mem_one;
	(void)state;

	tl_start("V = 1\n"
		 "function route(call)\n"
		 "  call:sleep(150)\n"
		 "  call:set('v', V)\n"
		 "end\n", NULL);
	old = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_waiting(old, 1000));
	mem_one = pbx_lua_mem();

	tl_write("V = 2\nfunction route(call) call:set('v', V) end\n");
	assert_int_equal(pbx_lua_reload(NULL, 0), 0);
	assert_string_equal(tl_reload_result, "ok");
	assert_true(pbx_lua_mem() > mem_one);   /* two states now */

	c = tl_call("1000", "1002", NULL);
	assert_true(tl_wait_done(c, 1000));
	assert_string_equal(pbx_call_var_get(c, "v"), "2");
	assert_false(fake_call_done(old));

	assert_true(tl_wait_done(old, 2000));
	assert_string_equal(pbx_call_var_get(old, "v"), "1");
	assert_int_equal(pbx_lua_running(), 0);
	/* the old state was closed with its last call */
	assert_true(pbx_lua_mem() < mem_one);
	mem_deref(old);
	mem_deref(c);
}


static void test_reload_on_event(void **state)
{
	struct pbx_call *c;
	(void)state;

	tl_start("function route(call) call:set('v', '1') end\n", NULL);
	tl_write("function route(call) call:set('v', '2') end\n");
	pbx_event_emitv("reload", "reason", "SIGHUP", NULL);
	assert_string_equal(tl_reload_result, "ok");

	c = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_done(c, 1000));
	assert_string_equal(pbx_call_var_get(c, "v"), "2");
	mem_deref(c);
}


static void runaway(const char *script)
{
	struct pbx_call *c;
	uint64_t t0;

	tl_start(script, "dialplan_max_ms 100\n");
	t0 = tmr_jiffies();
	c = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_done(c, 5000));
	assert_true(tmr_jiffies() - t0 < 2000);
	assert_int_equal(fake_call_err(c), EINVAL);
	assert_int_equal(tl_errors, 1);
	assert_non_null(strstr(tl_err_msg, "ms without waiting "
			       "(dialplan_max_ms)"));
	assert_non_null(strstr(tl_err_msg, tl_path));
	mem_deref(c);
	tl_errors = 0;

	/* the state is fine afterwards */
	c = tl_call("1000", "ok", NULL);
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_err(c), 0);
	mem_deref(c);
}


static void test_runaway_stopped(void **state)
{
	(void)state;

	runaway("function route(call)\n"
		"  if call.to == 'ok' then return end\n"
		"  while true do end\n"
		"end\n");
}


static void test_runaway_in_pcall_stopped(void **state)
{
	(void)state;

	/* a pcall cannot catch the stop: the hook yields */
	runaway("function route(call)\n"
		"  if call.to == 'ok' then return end\n"
		"  while true do\n"
		"    pcall(function() while true do end end)\n"
		"  end\n"
		"end\n");
}


static void test_memory_cap(void **state)
{
	struct pbx_call *c;
	(void)state;

	tl_start("function route(call)\n"
		 "  if call.to == 'ok' then return end\n"
		 "  local t = {}\n"
		 "  for i = 1, 1e9 do t[i] = ('x'):rep(64) .. i end\n"
		 "end\n", "dialplan_max_memory 8\n");

	c = tl_call("1000", "big", NULL);
	assert_true(tl_wait_done(c, 10000));
	assert_int_equal(fake_call_err(c), EINVAL);
	assert_int_equal(tl_errors, 1);
	assert_non_null(strstr(tl_err_msg, "not enough memory"));
	assert_true(pbx_lua_mem() <= 8u << 20);
	mem_deref(c);

	c = tl_call("1000", "ok", NULL);
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_err(c), 0);
	mem_deref(c);
}


static bool all_done(void *arg)
{
	struct pbx_call **v = arg;
	size_t i;

	for (i = 0; i < 1000; i++) {
		if (!fake_call_done(v[i]))
			return false;
	}

	return true;
}


static void test_thousand_calls(void **state)
{
	static struct pbx_call *v[1000];
	size_t base, i;
	(void)state;

	tl_start("pbx.on('test_gc', function()\n"
		 "  collectgarbage() collectgarbage()\n"
		 "end)\n"
		 "function route(call)\n"
		 "  local t = {call.from, call.to, ('x'):rep(100)}\n"
		 "  call:sleep(200)\n"
		 "  call:set('n', #t)\n"
		 "end\n", NULL);

	pbx_event_emitv("test_gc", NULL);
	base = pbx_lua_mem();

	for (i = 0; i < ARRAY_SIZE(v); i++)
		v[i] = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_until(all_done, v, 20000));
	assert_int_equal(pbx_lua_running(), 0);

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		assert_int_equal(fake_call_err(v[i]), 0);
		assert_string_equal(pbx_call_var_get(v[i], "n"), "3");
		v[i] = mem_deref(v[i]);
	}

	pbx_event_emitv("test_gc", NULL);
	assert_true(pbx_lua_mem() < base + 64 * 1024);
	/* the call objects let go of their calls when the scripts ended */
	assert_int_equal(fake_calls_alive(), 0);
}


static void test_hangup_while_sleeping(void **state)
{
	struct pbx_call *c;
	(void)state;

	tl_start("function route(call)\n"
		 "  call:sleep(300)\n"
		 "  call:set('after', 'yes')\n"
		 "end\n", NULL);

	c = tl_call("1000", "1001", NULL);
	assert_true(tl_wait_waiting(c, 1000));
	fake_call_hangup(c);
	assert_false(fake_call_done(c));   /* ends from the loop */
	assert_true(tl_wait_done(c, 100));
	assert_int_equal(fake_call_err(c), 0);
	assert_int_equal(tl_errors, 0);
	assert_int_equal(pbx_lua_running(), 0);
	assert_null(pbx_call_var_get(c, "after"));
	mem_deref(c);

	/* past the sleep's end: its timer was cancelled with the op (ASan
	 * or valgrind would see the freed op otherwise) */
	tl_sleep(400);
}


static void test_method_on_ended_call(void **state)
{
	struct pbx_call *c;
	char buf[64];
	(void)state;

	tl_start("function route(call)\n"
		 "  call:ring()\n"              /* the caller hangs up here */
		 "  local ok, e = pcall(call.answer, call)\n"
		 "  R = tostring(ok) .. ' ' .. tostring(e) .. ' ' ..\n"
		 "      tostring(e == pbx.HANGUP)\n"
		 "  call:progress()\n"
		 "  R = 'not reached'\n"
		 "end\n", NULL);

	c = tl_call("1000", "1001", NULL);
	fake_call_hangup_on_ring(c);
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_err(c), 0);
	assert_int_equal(tl_errors, 0);
	assert_string_equal(tl_global("R", buf, sizeof(buf)),
			    "false hangup true");
	mem_deref(c);
}


static void test_hangup_before_start(void **state)
{
	struct pbx_call *c;
	(void)state;

	tl_start("function route(call) R = 'ran' end\n", NULL);
	c = tl_call("1000", "1001", NULL);
	fake_call_hangup(c);
	assert_true(tl_wait_done(c, 1000));
	assert_int_equal(fake_call_err(c), 0);
	assert_null(tl_global("R", NULL, 0));
	mem_deref(c);
}


static void test_out_of_memory_at_start(void **state)
{
	struct pbx_call *a, *c;
	struct pbx_script *s = NULL;
	(void)state;

	/* call A fills the state to its cap (1 MiB), frees a few bytes so
	 * that it can still wait, and waits */
	tl_start("function route(call)\n"
		 "  if call.to ~= 'fill' then return end\n"
		 "  pcall(function() while true do FILL = {FILL} end end)\n"
		 "  FILL = FILL[1][1][1][1]\n"
		 "  call:sleep(5000)\n"
		 "end\n", "dialplan_max_memory 1\n");
	a = tl_call("1000", "fill", NULL);
	assert_true(tl_wait_waiting(a, 1000));

	/* no room for another coroutine: the start fails cleanly */
	c = fake_call_new("1000", "1001", NULL);
	assert_int_equal(pbx_script_start(&s, c), ENOMEM);
	assert_null(s);
	assert_int_equal(pbx_lua_running(), 1);
	mem_deref(c);

	fake_call_hangup(a);
	assert_true(tl_wait_done(a, 1000));
	assert_int_equal(fake_call_err(a), 0);
	mem_deref(a);
}


static void test_misuse_is_an_error(void **state)
{
	struct pbx_call *a, *b;
	(void)state;

	tl_start("function route(call)\n"
		 "  if call.to == 'a' then A = call; call:sleep(500) end\n"
		 "  if call.to == 'b' then A:sleep(1) end\n"
		 "  if call.to == 'y' then coroutine.yield() end\n"
		 "end\n", NULL);

	a = tl_call("1000", "a", NULL);
	assert_true(tl_wait_waiting(a, 1000));
	b = tl_call("1000", "b", NULL);
	assert_true(tl_wait_done(b, 1000));
	assert_int_equal(fake_call_err(b), EINVAL);
	assert_non_null(strstr(tl_err_msg, ":3: a call method that waits "
			       "was used on another call"));
	mem_deref(b);

	/* A's script has ended: its object in the global is dead */
	fake_call_hangup(a);
	assert_true(tl_wait_done(a, 1000));
	b = tl_call("1000", "b", NULL);
	assert_true(tl_wait_done(b, 1000));
	assert_int_equal(fake_call_err(b), EINVAL);
	assert_non_null(strstr(tl_err_msg, ":3: a call object was used "
			       "after its script ended"));
	mem_deref(a);
	mem_deref(b);

	b = tl_call("1000", "y", NULL);
	assert_true(tl_wait_done(b, 1000));
	assert_int_equal(fake_call_err(b), EINVAL);
	assert_non_null(strstr(tl_err_msg, "route() yielded outside a call "
			       "method"));
	mem_deref(b);
}


static void test_reload_drops_old_handlers(void **state)
{
	(void)state;

	tl_start("pbx.on('ping', function() error('old handler') end)\n"
		 "function route(call) end\n", NULL);
	pbx_event_emitv("ping", NULL);
	assert_int_equal(tl_errors, 1);

	tl_write("function route(call) end\n");
	assert_int_equal(pbx_lua_reload(NULL, 0), 0);
	pbx_event_emitv("ping", NULL);
	assert_int_equal(tl_errors, 1);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		tl_test(test_route_fields),
		tl_test(test_runtime_error),
		tl_test(test_syntax_error_at_start),
		tl_test(test_reload_error_keeps_old),
		tl_test(test_reload_keeps_running_calls),
		tl_test(test_reload_on_event),
		tl_test(test_runaway_stopped),
		tl_test(test_runaway_in_pcall_stopped),
		tl_test(test_memory_cap),
		tl_test(test_thousand_calls),
		tl_test(test_hangup_while_sleeping),
		tl_test(test_method_on_ended_call),
		tl_test(test_hangup_before_start),
		tl_test(test_out_of_memory_at_start),
		tl_test(test_misuse_is_an_error),
		tl_test(test_reload_drops_old_handlers),
	};

	return cmocka_run_group_tests_name("lua engine", tests, tl_group_setup,
					   tl_group_teardown);
}
