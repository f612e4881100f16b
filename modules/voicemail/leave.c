/* leave.c: call:voicemail(box [, opts]): a caller leaves a message.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The box's own greeting for the reason (or "extension 1 0 0 1 is
 * busy"), "please leave a message", a beep, the recording (to a tmp
 * file: max voicemail_max_seconds, voicemail_silence_seconds of quiet
 * or # end it), vm_msg_store, then "saved" and "goodbye".  Shorter than
 * voicemail_min_seconds: discarded, "too short".  A hang-up while
 * recording still stores the message: the engine completes the file on
 * the hang-up, and its length comes from its size.
 *
 * One session object per call in here, a state machine: enter() starts
 * the operation of the state, done_h picks the next one; the script is
 * resumed once, at the end.  Also registers both Lua methods.
 */
#include <string.h>
#include <unistd.h>
#include <re.h>
#include <lua.h>
#include <lauxlib.h>
#include "pbx.h"
#include "vm.h"
#include "flow.h"


enum state {
	L_GREETING = 0,           /* greeting + "leave a message"      */
	L_RECORD,                 /* beep + recording                  */
	L_SAVED,                  /* "saved, goodbye"                  */
	L_SHORT,                  /* "too short, goodbye"              */
};

struct leave {
	struct pbx_call *call;    /* borrowed: the script holds it     */
	enum state st;
	char box[VM_BOX_MAX];
	bool busy;                /* reason "busy", else not available */
	char caller[VM_CALLER_MAX];
	char caller_name[VM_CALLER_MAX];
	char tmp[VM_PATH_MAX];    /* the recording; "" once stored     */
	int64_t id;               /* the stored message, 0: none       */
	int err;                  /* why it failed, for the script     */
};


static void leave_destructor(void *arg)
{
	struct leave *lv = arg;

	if (lv->tmp[0])
		(void)unlink(lv->tmp);    /* discarded or never made */
	vm_session_release();
}


/* Stores the recording (ms long); a failure keeps the file for the
 * admin and is logged here. */
static int store(struct leave *lv, uint32_t ms)
{
	struct vm_msg msg;
	int err;

	err = vm_msg_store(lv->box, lv->caller, lv->caller_name, ms, lv->tmp,
			   &msg);
	if (err) {
		pbx_log(PBX_LOG_ERROR, "voicemail: %s: cannot store message "
			"from %s, kept in %s (%m)", lv->box, lv->caller,
			lv->tmp, err);
		lv->tmp[0] = '\0';
		return err;
	}

	lv->tmp[0] = '\0';            /* it is msg.path now (logged) */
	lv->id = msg.id;

	return 0;
}


static void done_h(const struct pbx_call_op_res *res, void *arg);


static int greeting_play(struct leave *lv)
{
	const char *namev[VM_NAMES_MAX];
	char greet[VM_PATH_MAX], name[VM_PATH_MAX];
	bool has_greet = false, has_name = false;
	size_t n = 0;

	if (vm_greeting_path(greet, sizeof(greet), lv->box,
			     lv->busy ? "busy" : "unavail", &has_greet))
		has_greet = false;
	if (vm_greeting_path(name, sizeof(name), lv->box, "name",
			     &has_name))
		has_name = false;

	if (has_greet) {
		namev[n++] = greet;
	}
	else {
		/* "extension 1 0 0 1" or the recorded name, "is busy" */
		if (has_name) {
			namev[n++] = name;
		}
		else {
			namev[n++] = "vm-extension";
			(void)vm_flow_digits(namev, VM_NAMES_MAX - 2, &n,
					     lv->box);
		}
		namev[n++] = lv->busy ? "vm-busy" : "vm-unavail";
	}
	namev[n++] = "vm-leave";

	/* # skips the greeting, as callers know it from elsewhere */
	return pbx_call_play(lv->call, namev, n, "#", done_h, lv);
}


static int record_start(struct leave *lv)
{
	const struct vm_conf *cf = vm_conf();
	struct pbx_rec_prm prm;
	int err;

	err = vm_tmp_path(lv->tmp, sizeof(lv->tmp), lv->box);
	if (err) {
		lv->tmp[0] = '\0';
		return err;
	}

	memset(&prm, 0, sizeof(prm));
	prm.path = lv->tmp;
	prm.max_ms = cf->max_s * 1000;
	prm.silence_ms = cf->silence_s * 1000;
	prm.silence_dbfs = -45;
	prm.terminators = "#";
	prm.beep = true;

	return pbx_call_record(lv->call, &prm, done_h, lv);
}


static int enter(struct leave *lv)
{
	static const char *const saved[] = {"vm-saved", "goodbye"};
	static const char *const tooshort[] = {"vm-too-short", "goodbye"};

	int err;

	switch (lv->st) {

	case L_GREETING:
		err = greeting_play(lv);
		if (!err || err == ECONNRESET)
			return err;
		/* an unplayable greeting must not cost the message */
		pbx_log(PBX_LOG_WARN, "voicemail: %s: cannot play the "
			"greeting (%m)", lv->box, err);
		lv->st = L_RECORD;
		return record_start(lv);

	case L_RECORD:
		return record_start(lv);

	case L_SAVED:
		return pbx_call_play(lv->call, saved, 2, NULL, done_h, lv);

	case L_SHORT:
		return pbx_call_play(lv->call, tooshort, 2, NULL, done_h, lv);
	}

	return EINVAL;
}


static int push_result(lua_State *L, void *arg)
{
	const struct leave *lv = arg;

	if (lv->id) {
		lua_pushboolean(L, true);
		lua_pushinteger(L, (lua_Integer)lv->id);
	}
	else if (lv->st == L_SHORT) {
		lua_pushboolean(L, false);
		lua_pushstring(L, "too short");
	}
	else {
		luaL_pushfail(L);
		lua_pushstring(L, strerror(lv->err ? lv->err : EIO));
	}

	return 2;
}


/* Resumes the script with the results and ends the session. */
static void finish(struct leave *lv)
{
	pbx_call_resume(lv->call, push_result, lv);
	mem_deref(lv);
}


/* The recording ended (res of the record operation). */
static void recorded(struct leave *lv, const struct pbx_call_op_res *res)
{
	if (res->err) {
		pbx_log(PBX_LOG_WARN, "voicemail: %s: recording failed (%m)",
			lv->box, res->err);
		lv->err = res->err;
		return;
	}

	if (res->ms < vm_conf()->min_s * 1000) {
		(void)unlink(lv->tmp);
		lv->tmp[0] = '\0';
		lv->st = L_SHORT;
		return;
	}

	lv->err = store(lv, res->ms);
	if (!lv->err)
		lv->st = L_SAVED;
}


static void done_h(const struct pbx_call_op_res *res, void *arg)
{
	struct leave *lv = arg;
	enum state st = lv->st;
	int err;

	switch (st) {

	case L_GREETING:              /* a missing prompt loses nothing */
		lv->st = L_RECORD;
		break;

	case L_RECORD:
		recorded(lv, res);
		break;

	case L_SAVED:
	case L_SHORT:
		finish(lv);
		return;
	}

	if (lv->st == st) {           /* failed: nothing more to say */
		finish(lv);
		return;
	}

	err = enter(lv);
	if (err == ECONNRESET)
		return;               /* hung up: cancel_h ends the session */
	if (err) {
		if (!lv->err)
			lv->err = err;
		finish(lv);
	}
}


/* The call hung up: a recording in progress is complete on disk. */
static void cancel_h(void *arg)
{
	struct leave *lv = arg;
	uint32_t ms;

	pbx_call_op_cancel(lv->call);

	if (lv->st == L_RECORD && lv->tmp[0] &&
	    !vm_flow_wav_ms(lv->tmp, &ms) && ms > 0 &&
	    ms >= vm_conf()->min_s * 1000)
		(void)store(lv, ms);

	mem_deref(lv);
}


static struct leave *leave_alloc(struct pbx_call *c, const char *box,
				 bool busy)
{
	const char *from = pbx_call_from(c);
	const char *name = pbx_call_from_name(c);
	struct leave *lv;

	lv = mem_zalloc(sizeof(*lv), leave_destructor);
	if (!lv)
		return NULL;

	vm_session_hold();            /* released by the destructor */
	lv->call = c;
	lv->busy = busy;
	lv->st = L_GREETING;
	str_ncpy(lv->box, box, sizeof(lv->box));
	str_ncpy(lv->caller, from ? from : "", sizeof(lv->caller));
	str_ncpy(lv->caller_name, name ? name : "",
		 sizeof(lv->caller_name));

	return lv;
}


/* call:voicemail(box [, {reason = "busy" | "noanswer"}]) -> true, id |
 * false, "too short" | nil, error */
int vm_leave_lua(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	const char *box = luaL_checkstring(L, 2);
	const char *reason = "noanswer";
	struct leave *lv;
	int err;

	if (!lua_isnoneornil(L, 3)) {
		luaL_checktype(L, 3, LUA_TTABLE);
		if (lua_getfield(L, 3, "reason") != LUA_TNIL)
			reason = luaL_checkstring(L, -1);
	}
	if (strcmp(reason, "busy") && strcmp(reason, "noanswer") &&
	    strcmp(reason, "unavailable"))
		return luaL_error(L, "opts.reason: \"busy\" or \"noanswer\" "
				  "expected");
	if (strlen(box) >= VM_BOX_MAX || !pbx_user_exists(box))
		return luaL_error(L, "no such mailbox");

	lv = leave_alloc(c, box, !strcmp(reason, "busy"));
	if (!lv)
		return luaL_error(L, "out of memory");

	err = enter(lv);
	if (err) {
		mem_deref(lv);
		return luaL_error(L, "voicemail: %s", strerror(err));
	}

	return pbx_lua_yield(L, c, cancel_h, lv);
}


static const struct pbx_lua_method methods[] = {
	{"voicemail",      vm_leave_lua},
	{"voicemail_main", vm_menu_lua},
};


int vm_methods_register(void)
{
	return pbx_lua_method_register(methods, ARRAY_SIZE(methods));
}


void vm_methods_unregister(void)
{
	pbx_lua_method_unregister(methods, ARRAY_SIZE(methods));
}
