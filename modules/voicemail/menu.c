/* menu.c: call:voicemail_main([box]): a user's mailbox menu by phone.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Login (the box number unless given, then the PIN; three tries), the
 * counts, then the main menu: 1 listen, 0 options, * or # goodbye.
 * Listening plays each message (new, then old, then saved) with its
 * envelope, marks it heard, then: 1 replay, 3 or # next, 4 previous,
 * 5 call back, 7 delete, 9 save, * main menu.  Calling back ends the
 * menu ("please hold ...") and hands the caller's number to the script
 * as a second result: the dialplan decides whether and how to dial it
 * (a module cannot dial, and a number may need the trunk).  Options:
 * 1 busy greeting, 2 unavailable greeting, 3 name, 4 PIN, * back.
 * Every prompt stops at a key, which is then the choice; no key for
 * 10 s twice in a row: goodbye.
 *
 * A state machine like leave.c's: enter() starts the state's operation,
 * done_h turns its result into the next state.  The script is resumed
 * once, at the end, with true (logged in) or false.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <re.h>
#include <lua.h>
#include <lauxlib.h>
#include "pbx.h"
#include "vm.h"
#include "flow.h"


enum {
	TRIES     = 3,            /* login attempts                    */
	LIST_MAX  = 500,          /* messages one listening goes over  */
	PIN_MAX   = 16,
	CALLER_SAID = 20,         /* digits of a caller's number said  */
};

enum state {
	M_BOX = 0,                /* read the box number               */
	M_PIN,                    /* read the PIN                      */
	M_BADLOGIN,               /* "invalid", try again              */
	M_FAIL,                   /* "goodbye", false                  */
	M_COUNTS,                 /* "you have N new ..."              */
	M_MAIN,                   /* read the main menu's choice       */
	M_MSG,                    /* envelope and message              */
	M_MSGMENU,                /* read the message menu's choice    */
	M_OPTS,                   /* read the options' choice          */
	M_GREET,                  /* "record your greeting"            */
	M_GREET_REC,              /* beep + recording                  */
	M_PIN1,                   /* new PIN                           */
	M_PIN2,                   /* new PIN again                     */
	M_ACK,                    /* a short confirmation, then after  */
	M_BYE,                    /* "goodbye", true                   */
	M_END,                    /* resume the script                 */
};

struct menu {
	struct pbx_call *call;    /* borrowed: the script holds it     */
	enum state st;
	char box[VM_BOX_MAX];
	bool box_given;
	bool ok;                  /* logged in                         */
	unsigned tries;           /* failed logins                     */
	unsigned idle;            /* menu timeouts in a row            */
	const char *ackv[2];      /* M_ACK: static prompt names        */
	size_t ackc;
	enum state after;         /* M_ACK: then this state            */
	int64_t ids[LIST_MAX];    /* listening: messages at its start  */
	size_t idc, cur;
	struct vm_msg msg;        /* ids[cur] as last read             */
	bool gone;                /* ... deleted meanwhile             */
	const char *kind;         /* greeting: "busy", "unavail", "name" */
	char tmp[VM_PATH_MAX];    /* greeting being recorded; "" none  */
	char pin[PIN_MAX + 1];    /* the new PIN's first entry         */
	char back[VM_CALLER_MAX]; /* 5: the number to call back        */
};


static void menu_destructor(void *arg)
{
	struct menu *m = arg;

	if (m->tmp[0])
		(void)unlink(m->tmp);
	vm_session_release();
}


static void done_h(const struct pbx_call_op_res *res, void *arg);


static int play(struct menu *m, const char *const *namev, size_t n)
{
	return pbx_call_play(m->call, namev, n, VM_ANY_KEY, done_h, m);
}


/* Reads a menu choice (one key, # included) or, when max > 1, digits
 * ended by #. */
static int ask(struct menu *m, const char *prompt, size_t max)
{
	struct pbx_read_prm prm;

	memset(&prm, 0, sizeof(prm));
	prm.max = max;
	prm.first_ms = VM_WAIT_MS;
	prm.inter_ms = VM_DIGIT_MS;
	prm.terminators = max > 1 ? "#" : "";
	prm.promptv = &prompt;
	prm.promptc = 1;

	return pbx_call_read(m->call, &prm, done_h, m);
}


static void ack(struct menu *m, const char *a, const char *b,
		enum state after)
{
	m->ackv[0] = a;
	m->ackv[1] = b;
	m->ackc = b ? 2 : 1;
	m->after = after;
	m->st = M_ACK;
}


/* ---- what each state says --------------------------------------------- */

static int counts_play(struct menu *m)
{
	const char *namev[VM_NAMES_MAX];
	unsigned nnew = 0, nold = 0;
	size_t n = 0;

	(void)vm_counts(m->box, &nnew, &nold);

	namev[n++] = "vm-youhave";
	(void)vm_flow_number(namev, VM_NAMES_MAX, &n, MIN(nnew, 9999));
	namev[n++] = "vm-new";
	namev[n++] = nnew == 1 ? "vm-message" : "vm-messages";
	if (nold) {
		namev[n++] = "vm-and";
		(void)vm_flow_number(namev, VM_NAMES_MAX, &n,
				     MIN(nold, 9999));
		namev[n++] = "vm-old";
		namev[n++] = nold == 1 ? "vm-message" : "vm-messages";
	}

	return play(m, namev, n);
}


/* "message from 1 0 0 2, received 14 05", the message; marks it heard
 * as it starts (a caller who skips it has heard enough). */
static int msg_play(struct menu *m)
{
	static const char *const deleted[] = {"vm-deleted"};
	const char *namev[VM_NAMES_MAX];
	char caller[CALLER_SAID + 1];
	time_t t;
	struct tm tm;
	size_t n = 0;
	int err;

	m->gone = vm_msg_get(m->box, m->ids[m->cur], &m->msg) != 0;
	if (m->gone)
		return play(m, deleted, 1);

	(void)vm_msg_heard(m->box, m->msg.id);

	str_ncpy(caller, m->msg.caller, sizeof(caller));
	if (caller[0]) {
		namev[n++] = "vm-from";
		(void)vm_flow_digits(namev, VM_NAMES_MAX, &n, caller);
	}
	t = (time_t)m->msg.time;
	if (localtime_r(&t, &tm)) {
		namev[n++] = "vm-received";
		(void)vm_flow_time(namev, VM_NAMES_MAX - 1, &n,
				   (unsigned)tm.tm_hour,
				   (unsigned)tm.tm_min);
	}
	namev[n++] = m->msg.path;

	err = play(m, namev, n);
	if (err && err != ECONNRESET) {   /* its file is unreadable */
		pbx_log(PBX_LOG_WARN, "voicemail: %s: cannot play message "
			"%lld (%m)", m->box, (long long)m->msg.id, err);
		m->gone = true;
		err = play(m, deleted, 1);
	}

	return err;
}


static int greet_record(struct menu *m)
{
	const struct vm_conf *cf = vm_conf();
	struct pbx_rec_prm prm;
	int err;

	err = vm_tmp_path(m->tmp, sizeof(m->tmp), m->box);
	if (err) {
		m->tmp[0] = '\0';
		return err;
	}

	memset(&prm, 0, sizeof(prm));
	prm.path = m->tmp;
	prm.max_ms = cf->max_s * 1000;
	prm.silence_ms = cf->silence_s * 1000;
	prm.silence_dbfs = -45;
	prm.terminators = "#";
	prm.beep = true;

	return pbx_call_record(m->call, &prm, done_h, m);
}


static int enter(struct menu *m)
{
	static const char *const invalid[] = {"invalid"};
	static const char *const bye[] = {"goodbye"};
	static const char *const greet[] = {"vm-record-greeting"};

	switch (m->st) {

	case M_BOX:       return ask(m, "vm-extension", PIN_MAX);
	case M_PIN:       return ask(m, "enter-pin", PIN_MAX);
	case M_BADLOGIN:  return play(m, invalid, 1);
	case M_FAIL:      return play(m, bye, 1);
	case M_COUNTS:    return counts_play(m);
	case M_MAIN:      return ask(m, "vm-main", 1);
	case M_MSG:       return msg_play(m);
	case M_MSGMENU:   return ask(m, "vm-menu", 1);
	case M_OPTS:      return ask(m, "vm-options", 1);
	case M_GREET:     return pbx_call_play(m->call, greet, 1, NULL,
					       done_h, m);
	case M_GREET_REC: return greet_record(m);
	case M_PIN1:      return ask(m, "enter-pin", PIN_MAX);
	case M_PIN2:      return ask(m, "enter-pin", PIN_MAX);
	case M_ACK:       return play(m, m->ackv, m->ackc);
	case M_BYE:       return play(m, bye, 1);
	case M_END:       break;
	}

	return EINVAL;
}


/* ---- choices ------------------------------------------------------------ */

/* No key: the same menu again, or goodbye the second time. */
static void idle(struct menu *m, enum state again)
{
	m->st = ++m->idle >= VM_IDLE_MAX ? M_BYE : again;
}


static bool list_h(const struct vm_msg *msg, void *arg)
{
	struct menu *m = arg;

	m->ids[m->idc++] = msg->id;

	return m->idc >= LIST_MAX;
}


static void main_choice(struct menu *m, char key)
{
	switch (key) {

	case 0:
		idle(m, M_MAIN);
		break;

	case '1':
		m->idc = 0;
		m->cur = 0;
		(void)vm_msg_apply(m->box, list_h, m);
		if (m->idc)
			m->st = M_MSG;
		else
			ack(m, "vm-nomore", NULL, M_MAIN);
		break;

	case '0':
		m->st = M_OPTS;
		break;

	case '*':
	case '#':
		m->st = M_BYE;
		break;

	default:
		ack(m, "invalid", NULL, M_MAIN);
		break;
	}
}


/* To the next message after saying first (NULL: nothing). */
static void msg_next(struct menu *m, const char *first)
{
	bool more = ++m->cur < m->idc;

	if (first)
		ack(m, first, more ? NULL : "vm-nomore",
		    more ? M_MSG : M_MAIN);
	else if (more)
		m->st = M_MSG;
	else
		ack(m, "vm-nomore", NULL, M_MAIN);
}


/* A number worth calling back: digits, with a leading '+' (what phones
 * and trunks send); not "anonymous" nor a name. */
static bool callback_ok(const char *num)
{
	size_t i = num[0] == '+';

	if (!num[i])
		return false;

	for (; num[i]; i++) {
		if (num[i] < '0' || num[i] > '9')
			return false;
	}

	return true;
}


static void msg_choice(struct menu *m, char key)
{
	const char *box = m->box;
	int64_t id = m->msg.id;
	int err;

	switch (key) {

	case 0:   idle(m, M_MSGMENU);                  break;
	case '1': m->st = M_MSG;                       break;
	case '3':
	case '#': msg_next(m, NULL);                   break;
	case '*': m->st = M_MAIN;                      break;

	case '4':
		if (m->cur > 0) {
			--m->cur;
			m->st = M_MSG;
		}
		else {
			ack(m, "invalid", NULL, M_MSGMENU);
		}
		break;

	case '7':         /* ENOENT: gone already, as asked */
		err = vm_msg_delete(box, id);
		if (err && err != ENOENT)
			ack(m, "invalid", NULL, M_MSGMENU);
		else
			msg_next(m, "vm-deleted");
		break;

	case '9':
		if (vm_msg_set_folder(box, id, VM_SAVED))
			ack(m, "invalid", NULL, M_MSGMENU);
		else
			msg_next(m, "vm-saved-msg");
		break;

	case '5':
		if (callback_ok(m->msg.caller)) {
			str_ncpy(m->back, m->msg.caller, sizeof(m->back));
			ack(m, "transfer", NULL, M_END);
		}
		else {
			ack(m, "invalid", NULL, M_MSGMENU);
		}
		break;

	default:
		ack(m, "invalid", NULL, M_MSGMENU);
		break;
	}
}


static void opt_choice(struct menu *m, char key)
{
	switch (key) {

	case 0:   idle(m, M_OPTS);                       break;
	case '1': m->kind = "busy";    m->st = M_GREET;  break;
	case '2': m->kind = "unavail"; m->st = M_GREET;  break;
	case '3': m->kind = "name";    m->st = M_GREET;  break;
	case '4': m->st = M_PIN1;                        break;
	case '*': m->st = M_MAIN;                        break;
	default:  ack(m, "invalid", NULL, M_OPTS);       break;
	}
}


/* The answer to the menu of state (key 0: none came in time). */
static void choice(struct menu *m, enum state menu, char key)
{
	if (key)
		m->idle = 0;

	switch (menu) {

	case M_MAIN:    main_choice(m, key);  break;
	case M_MSGMENU: msg_choice(m, key);   break;
	case M_OPTS:    opt_choice(m, key);   break;
	default:        m->st = menu;         break;
	}
}


/* After a prompt: a key that stopped it answers the menu that comes
 * next; without one that menu is asked. */
static void key_for(struct menu *m, enum state next, char key)
{
	if (key)
		choice(m, next, key);
	else
		m->st = next;
}


/* ---- results ------------------------------------------------------------ */

static void login(struct menu *m, const char *pin)
{
	if (m->box[0] && pbx_user_exists(m->box) &&
	    pbx_user_pin_check(m->box, pin)) {
		m->ok = true;
		m->st = M_COUNTS;
		pbx_log(PBX_LOG_INFO, "voicemail: %s: logged in by phone",
			m->box);
		return;
	}

	pbx_log(PBX_LOG_INFO, "voicemail: %s: wrong PIN by phone",
		m->box);
	m->st = ++m->tries >= TRIES ? M_FAIL : M_BADLOGIN;
}


/* The new greeting replaces the old one at once (rename: a caller never
 * hears half a greeting). */
static void greet_done(struct menu *m, const struct pbx_call_op_res *res)
{
	char path[VM_PATH_MAX];
	bool exists;
	int err = res->err;

	if (!err && res->ms < MAX(vm_conf()->min_s, 1) * 1000) {
		(void)unlink(m->tmp);
		m->tmp[0] = '\0';
		ack(m, "vm-too-short", NULL, M_OPTS);
		return;
	}
	if (!err)
		err = vm_greeting_path(path, sizeof(path), m->box, m->kind,
				       &exists);
	if (!err && rename(m->tmp, path) < 0)
		err = errno;
	if (err) {
		pbx_log(PBX_LOG_WARN, "voicemail: %s: cannot save %s "
			"greeting (%m)", m->box, m->kind, err);
		(void)unlink(m->tmp);
		m->tmp[0] = '\0';
		ack(m, "invalid", NULL, M_OPTS);
		return;
	}

	m->tmp[0] = '\0';
	pbx_log(PBX_LOG_INFO, "voicemail: %s: new %s greeting", m->box,
		m->kind);
	ack(m, "vm-saved-msg", NULL, M_OPTS);
}


static void pin_done(struct menu *m, const char *pin)
{
	int err;

	if (!pin[0] || strcmp(pin, m->pin)) {
		ack(m, "invalid", NULL, M_OPTS);
		return;
	}

	err = pbx_user_set_pin(m->box, pin);
	if (err) {                    /* EINVAL: not 4-16 digits */
		ack(m, "invalid", NULL, M_OPTS);
		return;
	}

	pbx_log(PBX_LOG_INFO, "voicemail: %s: PIN changed by phone",
		m->box);
	ack(m, "vm-pin-changed", NULL, M_OPTS);
}


/* The state's operation ended with res: the next state. */
static void advance(struct menu *m, const struct pbx_call_op_res *res)
{
	const char *d = res->digits;

	switch (m->st) {

	case M_BOX:
		str_ncpy(m->box, d, sizeof(m->box));
		m->st = M_PIN;
		break;

	case M_PIN:       login(m, d);                             break;
	case M_BADLOGIN:  m->st = m->box_given ? M_PIN : M_BOX;    break;
	case M_COUNTS:    key_for(m, M_MAIN, d[0]);                break;
	case M_MAIN:      choice(m, M_MAIN, d[0]);                 break;
	case M_MSGMENU:   choice(m, M_MSGMENU, d[0]);              break;
	case M_OPTS:      choice(m, M_OPTS, d[0]);                 break;
	case M_GREET:     m->st = M_GREET_REC;                     break;
	case M_GREET_REC: greet_done(m, res);                      break;
	case M_ACK:       key_for(m, m->after, d[0]);              break;

	case M_MSG:
		if (m->gone)
			msg_next(m, NULL);
		else
			key_for(m, M_MSGMENU, d[0]);
		break;

	case M_PIN1:
		str_ncpy(m->pin, d, sizeof(m->pin));
		if (d[0])
			m->st = M_PIN2;
		else
			ack(m, "invalid", NULL, M_OPTS);
		break;

	case M_PIN2:      pin_done(m, d);                          break;
	case M_FAIL:
	case M_BYE:
	case M_END:       m->st = M_END;                           break;
	}
}


static int push_result(lua_State *L, void *arg)
{
	const struct menu *m = arg;

	lua_pushboolean(L, m->ok);
	if (!m->back[0])
		return 1;

	lua_pushstring(L, m->back);
	return 2;
}


static void done_h(const struct pbx_call_op_res *res, void *arg)
{
	struct menu *m = arg;
	int err;

	advance(m, res);
	if (m->st == M_END) {
		pbx_call_resume(m->call, push_result, m);
		mem_deref(m);
		return;
	}

	err = enter(m);
	if (err == ECONNRESET)
		return;               /* hung up: cancel_h ends the session */
	if (err) {
		pbx_log(PBX_LOG_WARN, "voicemail: %s: menu stopped (%m)",
			m->box, err);
		pbx_call_resume(m->call, push_result, m);
		mem_deref(m);
	}
}


/* The call hung up: a greeting half recorded is dropped (destructor). */
static void cancel_h(void *arg)
{
	struct menu *m = arg;

	pbx_call_op_cancel(m->call);
	mem_deref(m);
}


/* call:voicemail_main([box]) -> true after a login, false after three
 * wrong ones; true, NUMBER when the user asked to call NUMBER back */
int vm_menu_lua(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	const char *box = luaL_optstring(L, 2, NULL);
	struct menu *m;
	int err;

	if (box && (strlen(box) >= VM_BOX_MAX || !pbx_user_exists(box)))
		return luaL_error(L, "no such mailbox");

	m = mem_zalloc(sizeof(*m), menu_destructor);
	if (!m)
		return luaL_error(L, "out of memory");

	vm_session_hold();            /* released by the destructor */
	m->call = c;
	m->box_given = box != NULL;
	str_ncpy(m->box, box ? box : "", sizeof(m->box));
	m->st = box ? M_PIN : M_BOX;

	err = enter(m);
	if (err) {
		mem_deref(m);
		return luaL_error(L, "voicemail: %s", strerror(err));
	}

	return pbx_lua_yield(L, c, cancel_h, m);
}
