/* pbx.h: the core API modules use: log, config, events, console, storage.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The only header a module includes (after <re.h>).  Everything declared
 * here is exported from the pbxd executable (-rdynamic) and starts with
 * pbx_; see STYLE.md §1 for why the prefix matters.
 */
#ifndef PBX_H
#define PBX_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#pragma GCC visibility push(default)

struct odict;
struct sa;
struct sip;
struct sqlite3;
struct pbx_binding;
struct pbx_cmd_req;


/* ---- logging (core/log.c) -------------------------------------------- */

enum pbx_log_level {
	PBX_LOG_DEBUG = 0,
	PBX_LOG_INFO,
	PBX_LOG_WARN,
	PBX_LOG_ERROR,
};

/* Logs one line to stderr if lvl is at or above the current level.
 * fmt is libre's re_printf format (%m errno, %r struct pl, %J sa). */
void pbx_log(enum pbx_log_level lvl, const char *fmt, ...);
void pbx_log_set_level(enum pbx_log_level lvl);
enum pbx_log_level pbx_log_get_level(void);
int pbx_log_level_parse(const char *name, enum pbx_log_level *lvlp);
const char *pbx_log_level_name(enum pbx_log_level lvl);


/* ---- configuration (core/conf.c) -------------------------------------
 *
 * Values come from the config file and -o overrides.  A getter that finds
 * a bad value logs "FILE:LINE: KEY: what is wrong" and returns EINVAL; the
 * caller (a module's init) returns that error and the load fails.  A key a
 * module reads must start with the module's name and '_'.
 */

const char *pbx_conf_str(const char *key, const char *def);
int pbx_conf_u32(const char *key, uint32_t def, uint32_t min, uint32_t max,
		 uint32_t *valp);
int pbx_conf_bool(const char *key, bool def, bool *valp);

/* Reports a bad value of key the way the getters do; returns EINVAL. */
int pbx_conf_error(const char *key, const char *fmt, ...);


/* ---- event bus (core/event.c) ----------------------------------------
 *
 * Events are a name plus flat fields (an odict object).  Listeners run
 * synchronously on the main loop, in registration order, and must not
 * block.  The console's `events`, MWI and call records listen here.
 */

typedef void (pbx_event_h)(const char *name, const struct odict *fields,
			   void *arg);

int pbx_event_listen(pbx_event_h *h, void *arg);
void pbx_event_unlisten(pbx_event_h *h, void *arg);

/* Emits an event.  fields may be NULL; emit takes no reference to it. */
void pbx_event_emit(const char *name, const struct odict *fields);

/* Emits an event whose fields are given as key/value string pairs,
 * terminated by NULL: pbx_event_emitv("module", "name", "x", NULL). */
void pbx_event_emitv(const char *name, ...);


/* ---- console commands (core/cmd.c) -----------------------------------
 *
 * A command is matched by its words ("vm list"); the handler gets the
 * arguments after those words.  It fills the reply with pbx_cmd_reply_*
 * or pbx_cmd_fail and returns 0, or returns an errno (then the reply is
 * that error's text unless pbx_cmd_fail was called).
 */

typedef int (pbx_cmd_h)(struct pbx_cmd_req *req, int argc, char *argv[]);

struct pbx_cmd {
	const char *words;     /* "user add"                               */
	const char *args;      /* synopsis of the arguments, "" for none    */
	const char *help;      /* one line of help                          */
	pbx_cmd_h *h;
};

int pbx_cmd_register(const struct pbx_cmd *cmdv, size_t cmdc);
void pbx_cmd_unregister(const struct pbx_cmd *cmdv, size_t cmdc);

/* The reply's data: an object or an array (odict, referenced), or text. */
int pbx_cmd_reply_odict(struct pbx_cmd_req *req, struct odict *od,
			bool array);
int pbx_cmd_reply_str(struct pbx_cmd_req *req, const char *fmt, ...);

/* Marks the reply failed with a message for people; returns EINVAL. */
int pbx_cmd_fail(struct pbx_cmd_req *req, const char *fmt, ...);

/* Appends object o (referenced) to arr, an odict used as a JSON array. */
int pbx_odict_append(struct odict *arr, struct odict *o);


/* ---- storage (core/db.c) ---------------------------------------------- */

/* The daemon's SQLite connection (main loop thread only). */
struct sqlite3 *pbx_db(void);

/* Brings owner's tables forward: step i (0-based) takes the schema from
 * version i to i+1.  Steps already applied are skipped; each step runs in
 * its own transaction.  Returns 0 or an errno (logged). */
int pbx_db_migrate(const char *owner, const char *const *stepv,
		   size_t stepc);

/* Runs one SQL statement with no result rows; returns 0 or EIO. */
int pbx_db_exec(const char *sql);

/* Commits are synchronous=NORMAL (WAL): they survive pbxd crashing, and
 * cost no fsync; a power cut may lose the last ones.  Between
 * pbx_db_durable(true) and pbx_db_durable(false) commits are on disk when
 * COMMIT returns (synchronous=FULL): for what a caller is told is saved.
 * Not inside a transaction. */
int pbx_db_durable(bool on);


/* ---- SIP and registrations (core/sip.c, core/location.c) ------------- */

struct sip *pbx_sip(void);
const char *pbx_domain(void);

/* Calls h for every live binding of ext (all extensions when ext is NULL);
 * stops early when h returns true. */
typedef bool (pbx_binding_h)(const struct pbx_binding *b, void *arg);
void pbx_binding_apply(const char *ext, pbx_binding_h *h, void *arg);

const char *pbx_binding_ext(const struct pbx_binding *b);
const char *pbx_binding_contact(const struct pbx_binding *b);
/* Where the device is reached: the REGISTER's source address (NAT). */
const struct sa *pbx_binding_source(const struct pbx_binding *b);
/* "udp", "tcp", "tls" or "ws". */
const char *pbx_binding_transport(const struct pbx_binding *b);
const char *pbx_binding_user_agent(const struct pbx_binding *b);
/* Seconds left before the binding expires. */
uint32_t pbx_binding_expires(const struct pbx_binding *b);


/* ---- calls and their Lua methods (call.c, lua_call.c) ------------------
 *
 * A module adds methods to the Lua call object with a static table.  A
 * method that waits (plays, records, joins a room) yields the call's
 * script with pbx_lua_yield and later continues it with pbx_call_resume.
 * If the call hangs up meanwhile, cancel(arg) is called (stop your work,
 * do not resume) and the script gets the error "hangup".
 */

struct lua_State;
struct pbx_call;

typedef int (pbx_lua_fn)(struct lua_State *L);

struct pbx_lua_method {
	const char *name;          /* call:NAME(...)                    */
	pbx_lua_fn *fn;
};

int pbx_lua_method_register(const struct pbx_lua_method *v, size_t n);
void pbx_lua_method_unregister(const struct pbx_lua_method *v, size_t n);

/* The call at stack index idx; raises a Lua error if it is not a call
 * and "hangup" if the call has ended. */
struct pbx_call *pbx_lua_check_call(struct lua_State *L, int idx);

/* Pushes the results of a waiting method onto the script's stack;
 * returns how many. */
typedef int (pbx_lua_push_h)(struct lua_State *L, void *arg);
typedef void (pbx_lua_cancel_h)(void *arg);

/* Ends a method by yielding: `return pbx_lua_yield(L, call, cancel,
 * arg);`.  EALREADY-style misuse (a second wait) raises a Lua error. */
int pbx_lua_yield(struct lua_State *L, struct pbx_call *call,
		  pbx_lua_cancel_h *cancel, void *arg);

/* Continues the script waiting in a method of call; push (may be NULL)
 * pushes the method's results.  Safe to call from any loop callback,
 * never from inside the Lua method itself. */
void pbx_call_resume(struct pbx_call *call, pbx_lua_push_h *push,
		     void *arg);

const char *pbx_call_id(const struct pbx_call *call);
const char *pbx_call_from(const struct pbx_call *c);
const char *pbx_call_from_name(const struct pbx_call *c);
const char *pbx_call_from_uri(const struct pbx_call *c);
const char *pbx_call_to(const struct pbx_call *c);
const char *pbx_call_to_uri(const struct pbx_call *c);
const char *pbx_call_user(const struct pbx_call *c);    /* NULL: none */


/* ---- prompt names for numbers (say.c) -------------------------------- */

/* Prompt names that speak s digit by digit ("0"-"9", "*" -> "star",
 * "#" -> "pound", others skipped), appended to namev (at most maxc);
 * returns the count. */
size_t pbx_say_digits(const char **namev, size_t maxc, const char *s);
/* Prompt names for a number 0..999,999,999 in English words ("1234" ->
 * "digits/1", "digits/thousand", "digits/2", "digits/hundred",
 * "digits/30", "digits/4"); negative numbers start with "digits/minus". */
size_t pbx_say_number(const char **namev, size_t maxc, long long n);


/* ---- what a call hears and says (call_media.c) --------------------------
 *
 * One operation per call at a time (EBUSY).  Each answers the call
 * first unless it is answered or in early media.  h runs once when the
 * operation ends, from a timer or a media callback (never from inside
 * the call that started it), and not after pbx_call_op_cancel.  A
 * hang-up does not run it: whoever started the operation cancels it (a
 * Lua method from its cancel handler).  ECONNRESET: the call has ended.
 */

struct pbx_call_op_res {
	int err;                   /* 0, or why it failed               */
	char digits[65];           /* read: collected; play/record: the
	                            * digit that stopped it; "" none    */
	uint32_t ms;               /* record: length of the recording   */
};

typedef void (pbx_call_op_h)(const struct pbx_call_op_res *res, void *arg);

/* Prompt names from sounds_dir ("digits/5") or WAV paths ("....wav"),
 * one after another; interrupt: digits that stop it (NULL: none). */
int pbx_call_play(struct pbx_call *c, const char *const *namev,
		  size_t namec, const char *interrupt, pbx_call_op_h *h,
		  void *arg);
/* A tone of tone_zone (ringback, busy, congestion, dial, beep,
 * waiting) for ms (0: as long as it lasts by itself). */
int pbx_call_tone(struct pbx_call *c, const char *name, uint32_t ms,
		  pbx_call_op_h *h, void *arg);

struct pbx_read_prm {
	size_t max;                /* digits wanted, 1-64               */
	uint32_t first_ms;         /* wait for the first digit          */
	uint32_t inter_ms;         /* wait between digits               */
	const char *terminators;   /* end it, not collected ("#")       */
	const char *const *promptv;/* played until the first digit      */
	size_t promptc;
};

int pbx_call_read(struct pbx_call *c, const struct pbx_read_prm *prm,
		  pbx_call_op_h *h, void *arg);

struct pbx_rec_prm {
	const char *path;          /* WAV file, made with its folders   */
	uint32_t max_ms;           /* 0: no limit                       */
	uint32_t silence_ms;       /* this much quiet ends it; 0: no    */
	int silence_dbfs;          /* quiet: below this level (-45)     */
	const char *terminators;   /* digits that end it                */
	bool beep;                 /* a beep first                      */
};

/* The file is complete when h runs, and also after a hang-up. */
int pbx_call_record(struct pbx_call *c, const struct pbx_rec_prm *prm,
		    pbx_call_op_h *h, void *arg);
void pbx_call_op_cancel(struct pbx_call *c);


/* ---- users (user.c) and authentication (auth.c) ------------------------ */

bool pbx_user_exists(const char *ext);
/* EINVAL for a PIN that is not 4-16 digits, ENOENT for no such user. */
int pbx_user_set_pin(const char *ext, const char *pin);
/* False also when the user has no PIN. */
bool pbx_user_pin_check(const char *ext, const char *pin);
/* {ext, name, email, has_pin} of ext; ENOENT for no such user. */
int pbx_user_odict(const char *ext, struct odict **odp);

struct sip_msg;

/* Checks a request's credentials (Authorization, or Proxy-Authorization
 * when proxy): 0 when authenticated as the extension copied into
 * extbuf.  Otherwise the request has been answered (401/407 challenge
 * or 403) and the error says why: EAUTH (no or stale credentials),
 * EACCES (wrong ones). */
int pbx_auth_request(const struct sip_msg *msg, bool proxy, char *extbuf,
		     size_t extsz);

/* The data folder (data_dir), for a module's files. */
const char *pbx_data_dir(void);


/* ---- codecs (codec.c) ---------------------------------------------------
 *
 * A codec module fills a static struct pbx_codec and registers it; SDP
 * offers list registered codecs by name.  States are mem objects made by
 * enc_alloc / dec_alloc (their destructors free the library's state).
 * pbx_codec_unregister fails with EBUSY while a call still uses the
 * codec; the module's close returns that error and stays loaded.
 */

struct pbx_codec {
	const char *name;          /* SDP encoding name, "opus"         */
	uint32_t clock;            /* RTP clock rate, Hz (opus: 48000)  */
	uint8_t channels;          /* SDP channel count (opus: 2)       */
	int pt;                    /* static payload type, -1: dynamic  */
	uint32_t srate;            /* PCM rate of encode/decode: 8000 or
	                            * 16000 Hz                          */
	const char *fmtp;          /* a=fmtp we send, NULL: none        */
	bool fec;                  /* decode(fec=true) recovers losses  */

	/* fmtp: the peer's a=fmtp for this codec, NULL when it sent none */
	int (*enc_alloc)(void **stp, const char *fmtp);
	/* one 20 ms frame: srate/50 samples -> at most *lenp bytes */
	int (*encode)(void *st, uint8_t *buf, size_t *lenp,
		      const int16_t *pcm, size_t sampc);
	int (*dec_alloc)(void **stp, const char *fmtp);
	/* *sampcp in: room (samples), out: decoded.  buf NULL: conceal
	 * *sampcp samples; fec: decode the FEC data in buf (the packet
	 * after a loss) as the lost packet */
	int (*decode)(void *st, int16_t *pcm, size_t *sampcp,
		      const uint8_t *buf, size_t len, bool fec);
};

int pbx_codec_register(const struct pbx_codec *cd);
int pbx_codec_unregister(const struct pbx_codec *cd);


/* ---- daemon ----------------------------------------------------------- */

/* Seconds since pbxd started. */
uint64_t pbx_uptime(void);

#pragma GCC visibility pop

#endif
