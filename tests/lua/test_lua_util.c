/* test_lua_util.c: fixtures of the Lua engine tests (see test_lua.h).
 * SPDX-License-Identifier: BSD-3-Clause
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


char tl_path[128];
char tl_db_path[128];
unsigned tl_errors;
char tl_err_msg[1024];
char tl_err_trace[4096];
char tl_err_call[64];
char tl_reload_result[16];

static unsigned test_no;
static unsigned alive_base;   /* fake calls a failed test left behind */

struct waiter {
	struct tmr tmr;
	bool (*cond)(void *);
	void *arg;
	uint64_t deadline;
};


static void copy_field(char *dst, size_t sz, const struct odict *f,
		       const char *key)
{
	const char *v = f ? odict_string(f, key) : NULL;

	str_ncpy(dst, v ? v : "", sz);
}


static void capture_h(const char *name, const struct odict *fields,
		      void *arg)
{
	(void)arg;

	if (!strcmp(name, "script_error")) {
		tl_errors++;
		copy_field(tl_err_msg, sizeof(tl_err_msg), fields, "message");
		copy_field(tl_err_trace, sizeof(tl_err_trace), fields,
			   "traceback");
		copy_field(tl_err_call, sizeof(tl_err_call), fields,
			   "call_id");
	}
	else if (!strcmp(name, "dialplan_reload")) {
		copy_field(tl_reload_result, sizeof(tl_reload_result), fields,
			   "result");
	}
}


int tl_group_setup(void **state)
{
	(void)state;

	return libre_init() ? -1 : 0;
}


int tl_group_teardown(void **state)
{
	(void)state;
	libre_close();

	return 0;
}


int tl_setup(void **state)
{
	(void)state;

	if (pbx_core())             /* a failed test skipped its teardown */
		pbx_core_free();
	if (pbx_core_alloc())
		return -1;
	pbx_log_set_level(PBX_LOG_ERROR);
	if (pbx_event_listen(capture_h, NULL))
		return -1;

	re_snprintf(tl_path, sizeof(tl_path), "/tmp/pbxd-test-lua-%d-%u.lua",
		    getpid(), ++test_no);
	tl_db_path[0] = '\0';
	alive_base = fake_calls_alive();
	tl_errors = 0;
	tl_err_msg[0] = tl_err_trace[0] = tl_err_call[0] = '\0';
	tl_reload_result[0] = '\0';
	memset(&fake_dial, 0, sizeof(fake_dial));
	fake_dial.delay_ms = 5;

	return 0;
}


int tl_teardown(void **state)
{
	char p[160];
	unsigned running, alive;
	size_t mem;
	(void)state;

	pbx_lua_stop();
	running = pbx_lua_running();
	mem = pbx_lua_mem();
	alive = fake_calls_alive() - alive_base;

	pbx_db_close();
	if (tl_db_path[0]) {
		unlink(tl_db_path);
		re_snprintf(p, sizeof(p), "%s-wal", tl_db_path);
		unlink(p);
		re_snprintf(p, sizeof(p), "%s-shm", tl_db_path);
		unlink(p);
	}
	unlink(tl_path);
	pbx_event_close();
	pbx_core_free();

	assert_int_equal(running, 0);
	assert_int_equal(mem, 0);
	assert_int_equal(alive, 0);

	return 0;
}


void tl_write(const char *script)
{
	FILE *f = fopen(tl_path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(script, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}


void tl_copy(const char *src)
{
	char buf[16384];
	FILE *f = fopen(src, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	assert_true(n > 0 && n < sizeof(buf) - 1);
	buf[n] = '\0';
	tl_write(buf);
}


void tl_conf(const char *extra)
{
	struct pbx_conf *conf = NULL;
	char text[512], err[256];

	re_snprintf(text, sizeof(text), "dialplan %s\n%s", tl_path,
		    extra ? extra : "");
	assert_int_equal(pbx_conf_parse(&conf, "test.conf", text,
					strlen(text), err, sizeof(err)), 0);
	pbx_conf_set_current(conf);
	mem_deref(conf);
}


void tl_start(const char *script, const char *extra)
{
	tl_write(script);
	tl_conf(extra);
	assert_int_equal(pbx_lua_start(), 0);
}


void tl_db_open(void)
{
	re_snprintf(tl_db_path, sizeof(tl_db_path),
		    "/tmp/pbxd-test-lua-%d-%u.db", getpid(), test_no);
	assert_int_equal(pbx_db_open(tl_db_path), 0);
}


struct pbx_call *tl_call(const char *from, const char *to,
			 const char *user)
{
	struct pbx_call *c = fake_call_new(from, to, user);

	assert_non_null(c);
	assert_int_equal(fake_call_start(c), 0);

	return c;
}


static void wait_h(void *arg)
{
	struct waiter *w = arg;

	if (w->cond(w->arg) || tmr_jiffies() >= w->deadline) {
		re_cancel();
		return;
	}

	tmr_start(&w->tmr, 1, wait_h, w);
}


bool tl_wait_until(bool (*cond)(void *), void *arg, uint32_t ms)
{
	struct waiter w;

	if (cond(arg))
		return true;

	tmr_init(&w.tmr);
	w.cond = cond;
	w.arg = arg;
	w.deadline = tmr_jiffies() + ms;
	tmr_start(&w.tmr, 1, wait_h, &w);
	(void)re_main(NULL);
	tmr_cancel(&w.tmr);

	return cond(arg);
}


static bool is_done(void *arg)
{
	return fake_call_done(arg);
}


static bool is_waiting(void *arg)
{
	return pbx_script_waiting(fake_call_script(arg));
}


static bool never(void *arg)
{
	(void)arg;
	return false;
}


bool tl_wait_done(struct pbx_call *c, uint32_t ms)
{
	return tl_wait_until(is_done, c, ms);
}


bool tl_wait_waiting(struct pbx_call *c, uint32_t ms)
{
	return tl_wait_until(is_waiting, c, ms);
}


void tl_sleep(uint32_t ms)
{
	(void)tl_wait_until(never, NULL, ms);
}


const char *tl_global(const char *name, char *buf, size_t sz)
{
	lua_State *L = pbx_lua_state_main(pbx_lua_current());
	const char *r = NULL;

	assert_non_null(L);
	if (lua_getglobal(L, name) != LUA_TNIL) {
		if (buf) {
			str_ncpy(buf, lua_tostring(L, -1), sz);
			r = buf;
		}
		else {
			r = "set";
		}
	}
	lua_pop(L, 1);

	return r;
}
