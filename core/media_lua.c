/* media_lua.c: the call object's media methods: play, say_digits,
 * say_number, tone, read_digits, record.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Thin adapters over the media engine (core.h) and the call's DTMF
 * (call_dtmf.c), registered like a module's methods.  Each waiting method
 * makes one struct wait, yields, and resumes the script from the
 * engine's or the DTMF watcher's callback; a hang-up calls wait_cancel
 * instead.  Media needs an answered call: on a call that is neither
 * answered nor in early media (call:progress) these methods answer it
 * first, as a desk phone user expects from a PBX that plays a prompt.
 */
#include <string.h>
#include <re.h>
#include <lua.h>
#include <lauxlib.h>
#include "core.h"
#include "audio.h"
#include "lua_int.h"


enum {
	NAMES_MAX     = 64,
	DIGITS_MAX    = 64,
	SET_MAX       = 20,           /* bytes of a digit set            */
	PATH_MAX_LEN  = 1024,
	READ_TIMEOUT  = 5000,         /* ms, first digit and between     */
	REC_MAX_S     = 3600,
	TONE_MAX_MS   = 3600000,
};

enum wait_kind {
	WAIT_PLAY = 0,                /* play / say_* / tone             */
	WAIT_READ,
	WAIT_RECORD,
};

struct wait {
	enum wait_kind kind;
	struct pbx_call *call;        /* borrowed: the script holds it   */

	/* what to play (copies), or the tone */
	char *namev[NAMES_MAX];
	size_t namec;
	char *tone;
	uint32_t tone_ms;
	bool playing;

	/* play: digits that interrupt; read: terminators */
	char set[SET_MAX];
	char digit;                   /* result of play / record         */

	/* read_digits */
	char buf[DIGITS_MAX + 1];
	size_t max;
	uint32_t first_ms, inter_ms;
	struct tmr tmr;

	/* record */
	char *path;
	struct pbx_media_rec_prm prm;
	uint32_t rec_ms;
	int err;
	bool beep;
};


static void wait_destructor(void *arg)
{
	struct wait *w = arg;
	size_t i;

	tmr_cancel(&w->tmr);
	for (i = 0; i < w->namec; i++)
		mem_deref(w->namev[i]);
	mem_deref(w->tone);
	mem_deref(w->path);
}


/* The call's media now (NULL once the call has ended). */
static struct pbx_media *wm(const struct wait *w)
{
	return pbx_call_media(w->call);
}


static struct wait *wait_alloc(lua_State *L, struct pbx_call *c,
			       enum wait_kind kind)
{
	struct wait *w = mem_zalloc(sizeof(*w), wait_destructor);

	if (!w)
		luaL_error(L, "out of memory");

	w->kind = kind;
	w->call = c;
	tmr_init(&w->tmr);

	return w;
}


/* Stops everything w started; the call may be gone next.  The call's
 * media is looked up each time: a hang-up frees it before the script
 * is cancelled (the engine then already completed the recording). */
static void wait_stop(struct wait *w)
{
	pbx_call_dtmf_watch(w->call, NULL, NULL);
	tmr_cancel(&w->tmr);
	if (w->playing)
		pbx_media_play_stop(wm(w));
	w->playing = false;
}


static void wait_cancel(void *arg)
{
	struct wait *w = arg;

	wait_stop(w);
	if (w->kind == WAIT_RECORD)
		pbx_media_record_stop(wm(w));   /* file stays valid */
	mem_deref(w);
}


static int push_result(lua_State *L, void *arg)
{
	struct wait *w = arg;
	char d[2] = {w->digit, '\0'};

	switch (w->kind) {

	case WAIT_PLAY:
		if (w->digit)
			lua_pushstring(L, d);
		else
			lua_pushnil(L);
		return 1;

	case WAIT_READ:
		lua_pushstring(L, w->buf);
		return 1;

	case WAIT_RECORD:
		if (w->err) {
			luaL_pushfail(L);
			lua_pushstring(L, strerror(w->err));
			return 2;
		}
		lua_createtable(L, 0, 2);
		lua_pushnumber(L, w->rec_ms / 1000.0);
		lua_setfield(L, -2, "seconds");
		if (w->digit) {
			lua_pushstring(L, d);
			lua_setfield(L, -2, "digit");
		}
		return 1;
	}

	return 0;
}


static void wait_finish(struct wait *w)
{
	struct pbx_call *c = w->call;

	wait_stop(w);
	pbx_call_resume(c, push_result, w);
	mem_deref(w);
}


/* ---- playing ---------------------------------------------------------- */

static void read_arm(struct wait *w, uint32_t ms);


static void play_done_h(int err, void *arg)
{
	struct wait *w = arg;

	w->playing = false;
	if (err)
		pbx_log(PBX_LOG_WARN, "call %s: playing failed (%m)",
			pbx_call_id(w->call), err);

	if (w->kind == WAIT_READ) {
		read_arm(w, w->first_ms);  /* prompt over: now the wait */
		return;
	}

	wait_finish(w);
}


static int play_start(struct wait *w)
{
	int err;

	if (w->tone)
		err = pbx_media_tone(wm(w), w->tone, w->tone_ms, play_done_h,
				     w);
	else
		err = pbx_media_play(wm(w), (const char *const *)w->namev,
				     w->namec, play_done_h, w);
	w->playing = !err;

	return err;
}


static void interrupt_h(struct pbx_call *c, char digit, void *arg)
{
	struct wait *w = arg;
	(void)c;

	if (!strchr(w->set, digit))
		return;               /* not one that stops this prompt */

	w->digit = digit;
	wait_finish(w);
}


/* ---- read_digits -------------------------------------------------------- */

static void read_timeout_h(void *arg)
{
	wait_finish(arg);
}


static void read_arm(struct wait *w, uint32_t ms)
{
	tmr_start(&w->tmr, ms, read_timeout_h, w);
}


/* true when the collection is complete */
static bool read_add(struct wait *w, char digit)
{
	size_t n = strlen(w->buf);

	if (strchr(w->set, digit))
		return true;          /* a terminator: not part of it */

	w->buf[n] = digit;
	w->buf[n + 1] = '\0';

	return n + 1 >= w->max;
}


static void read_digit_h(struct pbx_call *c, char digit, void *arg)
{
	struct wait *w = arg;
	(void)c;

	if (w->playing) {
		pbx_media_play_stop(wm(w));
		w->playing = false;
	}

	if (read_add(w, digit)) {
		wait_finish(w);
		return;
	}

	read_arm(w, w->inter_ms);
}


/* ---- recording ---------------------------------------------------------- */

static void rec_done_h(int err, uint32_t ms, char digit, void *arg)
{
	struct wait *w = arg;

	w->err = err;
	w->rec_ms = ms;
	w->digit = digit;
	wait_finish(w);
}


static void rec_digit_h(struct pbx_call *c, char digit, void *arg)
{
	(void)c;
	(void)digit;
	(void)arg;
}


static int rec_start(struct wait *w)
{
	return pbx_media_record(wm(w), w->path, &w->prm, rec_done_h, w);
}


static void beep_done_h(int err, void *arg)
{
	struct wait *w = arg;

	w->playing = false;
	(void)err;
	err = rec_start(w);
	if (err) {
		w->err = err;
		wait_finish(w);
	}
}


/* ---- starting, after answering when needed ------------------------------ */

static int wait_begin(struct wait *w)
{
	const char *beep = "beep";

	switch (w->kind) {

	case WAIT_PLAY:
		if (w->set[0])
			pbx_call_dtmf_watch(w->call, interrupt_h, w);
		return play_start(w);

	case WAIT_READ:
		pbx_call_dtmf_watch(w->call, read_digit_h, w);
		if (w->namec)
			return play_start(w);
		read_arm(w, w->first_ms);
		return 0;

	case WAIT_RECORD:
		/* digits while recording end it or are part of what is
		 * said: none stays typed ahead for the next read */
		pbx_call_dtmf_watch(w->call, rec_digit_h, w);
		if (!w->beep)
			return rec_start(w);
		w->playing = !pbx_media_play(wm(w), &beep, 1, beep_done_h, w);
		return w->playing ? 0 : rec_start(w);
	}

	return EINVAL;
}


static void answered_h(int err, void *arg)
{
	struct wait *w = arg;

	if (!err)
		err = wait_begin(w);
	if (err) {
		w->err = err;
		pbx_log(PBX_LOG_WARN, "call %s: media: %m",
			pbx_call_id(w->call), err);
		wait_finish(w);
	}
}


/* Yields the script until w completes; answers the call first when it
 * has no media yet. */
static int wait_yield(lua_State *L, struct wait *w)
{
	struct pbx_call *c = w->call;
	int err;

	if (pbx_call_answered(c) || pbx_call_state(c) == PBX_CALL_EARLY)
		err = wait_begin(w);
	else
		err = pbx_call_answer(c, answered_h, w);

	if (err) {
		wait_stop(w);
		mem_deref(w);
		if (err == ECONNRESET)
			return pbx_lua_hangup(L);
		return luaL_error(L, "%s", err == ENOENT ?
				  "no such prompt (see sounds/README.md)" :
				  strerror(err));
	}

	return pbx_lua_yield(L, c, wait_cancel, w);
}


/* ---- argument helpers --------------------------------------------------- */

static void names_add(lua_State *L, struct wait *w, const char *s)
{
	if (w->namec >= NAMES_MAX) {
		mem_deref(w);
		luaL_error(L, "too many prompts (at most %d)", NAMES_MAX);
	}
	if (str_dup(&w->namev[w->namec++], s)) {
		mem_deref(w);
		luaL_error(L, "out of memory");
	}
}


/* A name or path, or an array of them, at idx (checked before w). */
static void names_check(lua_State *L, int idx)
{
	lua_Integer i, n;

	if (lua_type(L, idx) == LUA_TSTRING)
		return;

	luaL_checktype(L, idx, LUA_TTABLE);
	n = (lua_Integer)lua_rawlen(L, idx);
	luaL_argcheck(L, n >= 1 && n <= NAMES_MAX, idx,
		      "1 to 64 prompt names expected");
	for (i = 1; i <= n; i++) {
		if (lua_rawgeti(L, idx, i) != LUA_TSTRING)
			luaL_argerror(L, idx, "prompt names must be strings");
		lua_pop(L, 1);
	}
}


static void names_take(lua_State *L, struct wait *w, int idx)
{
	lua_Integer i, n;

	if (lua_type(L, idx) == LUA_TSTRING) {
		names_add(L, w, lua_tostring(L, idx));
		return;
	}

	n = (lua_Integer)lua_rawlen(L, idx);
	for (i = 1; i <= n; i++) {
		lua_rawgeti(L, idx, i);
		names_add(L, w, lua_tostring(L, -1));
		lua_pop(L, 1);
	}
}


static bool digits_valid(const char *s)
{
	for (; *s; s++) {
		if (!strchr("0123456789*#ABCDabcd", *s))
			return false;
	}

	return true;
}


/* opts[key] as a digit set; def when absent. */
static void set_opt(lua_State *L, int idx, const char *key, char *set,
		    const char *def)
{
	const char *s = def;
	size_t len = def ? strlen(def) : 0;

	if (lua_istable(L, idx) &&
	    lua_getfield(L, idx, key) != LUA_TNIL) {
		s = luaL_checklstring(L, -1, &len);
		if (!strcmp(s, "any"))
			s = "0123456789*#ABCD";
		else if (len >= SET_MAX || !digits_valid(s))
			luaL_error(L, "opts.%s: digits (0-9 * # A-D) or "
				   "\"any\" expected", key);
		len = strlen(s);
	}

	if (s)
		str_ncpy(set, s, SET_MAX);
	if (lua_istable(L, idx))
		lua_pop(L, 1);
	(void)len;
}


static lua_Integer int_opt(lua_State *L, int idx, const char *key,
			   lua_Integer def, lua_Integer min, lua_Integer max)
{
	lua_Integer v = def;

	if (!lua_istable(L, idx))
		return def;

	if (lua_getfield(L, idx, key) != LUA_TNIL) {
		int ok;

		v = lua_tointegerx(L, -1, &ok);
		if (!ok || v < min || v > max)
			luaL_error(L, "opts.%s: a number from %d to %d "
				   "expected", key, (int)min, (int)max);
	}
	lua_pop(L, 1);

	return v;
}


static void opts_check(lua_State *L, int idx)
{
	if (!lua_isnoneornil(L, idx))
		luaL_checktype(L, idx, LUA_TTABLE);
}


/* ---- the methods ------------------------------------------------------- */

/* call:play(name_or_list [, opts]) -> interrupting digit or nil */
static int m_play(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	char set[SET_MAX] = "";
	struct wait *w;

	names_check(L, 2);
	opts_check(L, 3);
	set_opt(L, 3, "interrupt", set, NULL);

	/* a digit pressed ahead that stops this prompt: do not play it */
	if (set[0] && c) {
		char d = pbx_call_dtmf_take(c);

		if (d && strchr(set, d)) {
			lua_pushlstring(L, &d, 1);
			return 1;
		}
	}

	w = wait_alloc(L, c, WAIT_PLAY);
	str_ncpy(w->set, set, sizeof(w->set));
	names_take(L, w, 2);

	return wait_yield(L, w);
}


static int say(lua_State *L, struct pbx_call *c, const char **namev,
	       size_t n)
{
	char set[SET_MAX] = "";
	struct wait *w;
	size_t i;

	opts_check(L, 3);
	set_opt(L, 3, "interrupt", set, NULL);
	if (!n)
		return 0;

	w = wait_alloc(L, c, WAIT_PLAY);
	str_ncpy(w->set, set, sizeof(w->set));
	for (i = 0; i < n; i++)
		names_add(L, w, namev[i]);

	return wait_yield(L, w);
}


/* call:say_digits(s [, opts]) */
static int m_say_digits(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	const char *s = luaL_checkstring(L, 2);
	const char *namev[NAMES_MAX];
	size_t n;

	luaL_argcheck(L, strlen(s) <= NAMES_MAX, 2, "at most 64 digits");
	n = pbx_say_digits(namev, NAMES_MAX, s);

	return say(L, c, namev, n);
}


/* call:say_number(n [, opts]) */
static int m_say_number(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	lua_Integer num = luaL_checkinteger(L, 2);
	const char *namev[NAMES_MAX];
	size_t n;

	n = pbx_say_number(namev, NAMES_MAX, (long long)num);

	return say(L, c, namev, n);
}


/* call:tone(name [, ms]) */
static int m_tone(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	const char *name = luaL_checkstring(L, 2);
	lua_Integer ms = luaL_optinteger(L, 3, 0);
	struct wait *w;

	luaL_argcheck(L, ms >= 0 && ms <= TONE_MAX_MS, 3,
		      "milliseconds from 0 to 3600000 expected");
	luaL_argcheck(L, strlen(name) < 32, 2, "a tone name expected");

	w = wait_alloc(L, c, WAIT_PLAY);
	w->tone_ms = (uint32_t)ms;
	if (str_dup(&w->tone, name)) {
		mem_deref(w);
		return luaL_error(L, "out of memory");
	}

	return wait_yield(L, w);
}


/* call:read_digits{max=, timeout=, inter_timeout=, terminators=,
 * prompt=} -> string */
static int m_read_digits(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	char set[SET_MAX] = "";
	lua_Integer max, first, inter;
	struct wait *w;
	char d;

	opts_check(L, 2);
	max = int_opt(L, 2, "max", 1, 1, DIGITS_MAX);
	first = int_opt(L, 2, "timeout", READ_TIMEOUT, 0, 3600000);
	inter = int_opt(L, 2, "inter_timeout", first, 0, 3600000);
	set_opt(L, 2, "terminators", set, "#");
	if (lua_istable(L, 2) && lua_getfield(L, 2, "prompt") != LUA_TNIL)
		names_check(L, -1);

	w = wait_alloc(L, c, WAIT_READ);
	str_ncpy(w->set, set, sizeof(w->set));
	w->max = (size_t)max;
	w->first_ms = (uint32_t)first;
	w->inter_ms = (uint32_t)inter;

	/* digits pressed ahead count first (and skip the prompt) */
	while ((d = pbx_call_dtmf_take(c))) {
		if (read_add(w, d)) {
			lua_pushstring(L, w->buf);
			mem_deref(w);
			return 1;
		}
	}

	if (!w->buf[0] && lua_istable(L, 2) && !lua_isnil(L, -1))
		names_take(L, w, lua_gettop(L));

	return wait_yield(L, w);
}


/* Where a recording goes: relative paths under data_dir; no "..". */
static int rec_path(lua_State *L, const char *p, char **pathp)
{
	if (!*p || strstr(p, "..") || strlen(p) > PATH_MAX_LEN)
		return luaL_argerror(L, 2, "a file path without '..' "
				     "expected");

	if (p[0] == '/')
		return str_dup(pathp, p);

	return re_sdprintf(pathp, "%s/%s",
			   pbx_conf_str("data_dir", "var"), p);
}


/* call:record(path, {max=, silence=, silence_dbfs=, terminators=,
 * beep=}) -> {seconds=, digit=} */
static int m_record(lua_State *L)
{
	struct pbx_call *c = pbx_lua_check_call(L, 1);
	const char *p = luaL_checkstring(L, 2);
	char set[SET_MAX] = "";
	lua_Integer max, silence, dbfs;
	struct wait *w;
	char *path = NULL;
	bool beep = false;

	opts_check(L, 3);
	max = int_opt(L, 3, "max", 300, 1, REC_MAX_S);
	silence = int_opt(L, 3, "silence", 0, 0, REC_MAX_S);
	dbfs = int_opt(L, 3, "silence_dbfs", -45, -90, -1);
	set_opt(L, 3, "terminators", set, "#");
	if (lua_istable(L, 3)) {
		lua_getfield(L, 3, "beep");
		beep = lua_toboolean(L, -1);
		lua_pop(L, 1);
	}
	if (rec_path(L, p, &path))
		return luaL_error(L, "out of memory");

	w = wait_alloc(L, c, WAIT_RECORD);
	w->path = path;
	w->beep = beep;
	str_ncpy(w->set, set, sizeof(w->set));
	w->prm.max_ms = (uint32_t)max * 1000;
	w->prm.silence_ms = (uint32_t)silence * 1000;
	w->prm.silence_dbfs = (int)dbfs;
	w->prm.terminators = w->set;

	return wait_yield(L, w);
}


static const struct pbx_lua_method methods[] = {
	{"play",        m_play},
	{"say_digits",  m_say_digits},
	{"say_number",  m_say_number},
	{"tone",        m_tone},
	{"read_digits", m_read_digits},
	{"record",      m_record},
};


int pbx_media_lua_register(void)
{
	return pbx_lua_method_register(methods, ARRAY_SIZE(methods));
}


void pbx_media_lua_unregister(void)
{
	pbx_lua_method_unregister(methods, ARRAY_SIZE(methods));
}
