/* test_lua.h: helpers shared by the Lua engine tests (test_lua_util.c).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Each test gets a fresh core context, event capture and script file
 * (tl_path); its teardown stops the engine and checks that no Lua state,
 * script or fake call is left.
 */
#ifndef TEST_LUA_H
#define TEST_LUA_H

#define tl_test(f) cmocka_unit_test_setup_teardown(f, tl_setup, tl_teardown)

extern char tl_path[128];         /* the test's script file          */
extern char tl_db_path[128];      /* a database, if tl_db_open'd     */
extern unsigned tl_errors;        /* script_error events             */
extern char tl_err_msg[1024];     /* ... the last one's fields       */
extern char tl_err_trace[4096];
extern char tl_err_call[64];
extern char tl_reload_result[16]; /* dialplan_reload: ok/error       */

int tl_group_setup(void **state);
int tl_group_teardown(void **state);
int tl_setup(void **state);
int tl_teardown(void **state);

void tl_write(const char *script);
/* Copies the file src (relative to the repository) to tl_path. */
void tl_copy(const char *src);
/* Config: dialplan tl_path plus extra lines ("key value\n"), or none. */
void tl_conf(const char *extra);
/* tl_write + tl_conf + pbx_lua_start, asserting success. */
void tl_start(const char *script, const char *extra);
void tl_db_open(void);

/* A fake call whose script has been started. */
struct pbx_call *tl_call(const char *from, const char *to,
			 const char *user);

/* Runs the loop until cond(arg) or ms pass; returns cond(arg). */
bool tl_wait_until(bool (*cond)(void *), void *arg, uint32_t ms);
bool tl_wait_done(struct pbx_call *c, uint32_t ms);
bool tl_wait_waiting(struct pbx_call *c, uint32_t ms);
void tl_sleep(uint32_t ms);

/* tostring of a global of the current state into buf; NULL if nil
 * (buf may be NULL: then "set" or NULL). */
const char *tl_global(const char *name, char *buf, size_t sz);

#endif
