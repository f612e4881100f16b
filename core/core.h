/* core.h: declarations shared by the core's files; never used by modules.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Include <re.h> first: some structs here embed libre types.
 */
#ifndef PBX_CORE_H
#define PBX_CORE_H

#include "pbx.h"

#pragma GCC visibility push(default)

struct mbuf;
struct sip_msg;
struct re_printf;
struct pbx_conf;
struct pbx_ctl;
struct pbx_sipstack;
struct pbx_registrar;
struct pbx_location;
struct pbx_auth;
struct pbx_calls;
struct pbx_mediactx;
struct pbx_codecs;
struct pbx_nonce;
struct pbx_ban;


/* ---- the core context (pbx.c) ----------------------------------------
 *
 * The one mutable core state (STYLE.md §10): made by main.c (or a test)
 * with pbx_core_alloc, reached with pbx_core().  Each subsystem keeps its
 * own opaque object here and frees it in its close function.
 */
struct pbx_core {
	struct pbx_conf *conf;        /* owned: current configuration     */
	struct list event_listeners;  /* struct pbx_listener (event.c)    */
	struct list cmds;             /* registered command tables        */
	struct sqlite3 *db;           /* owned: the database (db.c)       */
	struct pbx_ctl *ctl;          /* owned: control socket (ctl.c)    */
	struct pbx_sipstack *sip;     /* owned: SIP stack (sip.c)         */
	struct pbx_registrar *reg;    /* owned: registrar (registrar.c)   */
	struct pbx_auth *auth;        /* owned: digest auth (auth.c)      */
	struct pbx_calls *calls;      /* owned: calls (call.c)            */
	struct pbx_mediactx *media;   /* owned: RTP ports (media.c)       */
	struct pbx_codecs *codecs;    /* owned: registered codecs (codec.c) */
	struct pbx_prompts *prompts;  /* owned: prompt cache (prompt.c)   */
	struct pbx_location *loc;     /* owned: bindings (location.c)     */
	struct list modules;          /* struct pbx_modref (module.c)     */
	char *module_path;            /* owned                            */
	char *data_dir;               /* owned                            */
	char *domain;                 /* owned: SIP domain / realm        */
	uint64_t start_ms;            /* tmr_jiffies() at start           */
	bool running;
};

struct pbx_core *pbx_core(void);
int pbx_core_alloc(void);
void pbx_core_free(void);
void pbx_log_libre_attach(void);


/* ---- config file (conf.c) --------------------------------------------- */

/* Parses a config file's text.  name is used in messages ("FILE").  On a
 * syntax error returns EINVAL and writes "FILE:LINE: what" into err. */
int pbx_conf_parse(struct pbx_conf **confp, const char *name,
		   const char *text, size_t len, char *err, size_t errsz);
int pbx_conf_load(struct pbx_conf **confp, const char *path,
		  char *err, size_t errsz);
/* Adds "-o KEY=VALUE"; repeatable keys add, others replace. */
int pbx_conf_override(struct pbx_conf *conf, const char *kv,
		      char *err, size_t errsz);
/* Makes conf the one pbx_conf_* getters read (referenced). */
void pbx_conf_set_current(struct pbx_conf *conf);
/* Checks every key is known: a core key, or NAME_... of a module file
 * that exists in module_path.  Logs each unknown key; EINVAL if any. */
int pbx_conf_check_keys(const struct pbx_conf *conf,
			const char *const *corev, size_t corec,
			const char *module_path);
/* Logs every key starting with prefix that no getter has read ("FILE:LINE:
 * KEY: unknown key"); EINVAL if any.  Run after a module's init. */
int pbx_conf_check_unused(const char *prefix);
/* Calls h for every value of a repeatable key, in file order. */
typedef int (pbx_conf_value_h)(const char *val, void *arg);
int pbx_conf_apply(const char *key, pbx_conf_value_h *h, void *arg);


/* ---- digest authentication (digest.c): RFC 2617/7616/8760 ----------- */

enum pbx_digest_alg {
	PBX_DIGEST_MD5 = 0,
	PBX_DIGEST_SHA256,
};

enum {
	PBX_DIGEST_HEX_MAX = 65,   /* SHA-256 in hex plus NUL */
};

/* The fields of an Authorization/Proxy-Authorization header; each is a
 * pl into the header value (unset fields have p == NULL). */
struct pbx_digest_cred {
	struct pl username, realm, nonce, uri, response, algorithm, qop,
		  nc, cnonce, opaque;
};

int pbx_digest_alg_decode(const char *p, size_t l,
			  enum pbx_digest_alg *algp);
const char *pbx_digest_alg_name(enum pbx_digest_alg alg);
/* HA1 = H(user:realm:password) as lowercase hex into hex[sz]. */
int pbx_digest_ha1(char *hex, size_t sz, enum pbx_digest_alg alg,
		   const char *user, const char *realm, const char *password);
/* Parses "Digest k=v, ..." (quoted or token values); EBADMSG if bad. */
int pbx_digest_cred_decode(struct pbx_digest_cred *cred,
			   const char *hval, size_t len);
/* True when cred's response matches the one computed from ha1 (hex,
 * algorithm alg), the request method and cred's nonce/uri/qop fields. */
bool pbx_digest_verify(const struct pbx_digest_cred *cred,
		       enum pbx_digest_alg alg, const char *ha1,
		       const char *method, size_t method_len);


/* ---- nonces (nonce.c) ------------------------------------------------- */

/* Stateless nonces: "<time hex><hmac hex>", valid for lifetime seconds;
 * a table of nonce counts rejects replays (RFC 7616 3.4.5). */
int pbx_nonce_alloc(struct pbx_nonce **np, uint32_t lifetime);
int pbx_nonce_make(struct pbx_nonce *n, char *buf, size_t sz,
		   uint64_t now_ms);
/* 0: valid and fresh; ETIMEDOUT: authentic but expired (answer with
 * stale=true); EALREADY: nc not above the last one seen; EBADMSG: not
 * ours.  nc may be NULL (no qop). */
int pbx_nonce_check(struct pbx_nonce *n, const char *nonce, size_t len,
		    const char *nc, size_t nclen, uint64_t now_ms);


/* ---- failure counting per source address (ban.c) --------------------- */

int pbx_ban_alloc(struct pbx_ban **bp, uint32_t max_failures,
		  uint32_t window_s, uint32_t ban_s);
/* Records an authentication failure; true if the address is now banned. */
bool pbx_ban_failure(struct pbx_ban *b, const struct sa *src,
		     uint64_t now_ms);
/* True while src is banned (its requests are dropped unanswered). */
bool pbx_ban_active(struct pbx_ban *b, const struct sa *src,
		    uint64_t now_ms);
void pbx_ban_clear(struct pbx_ban *b, const struct sa *src);


/* ---- users (user.c) ---------------------------------------------------- */

struct pbx_user_prm {
	const char *ext;          /* required: [A-Za-z0-9._-]{1,32}   */
	const char *password;     /* required                          */
	const char *name;         /* display name, may be NULL         */
	const char *pin;          /* voicemail PIN, 4-16 digits or NULL */
	const char *email;        /* may be NULL                       */
};

bool pbx_user_ext_valid(const char *ext);
bool pbx_user_pin_valid(const char *pin);
int pbx_user_password_gen(char *buf, size_t sz);
/* EEXIST if ext exists, EINVAL for a bad field. */
int pbx_user_add(const struct pbx_user_prm *prm);
int pbx_user_del(const char *ext);
int pbx_user_passwd(const char *ext, const char *password);
/* The stored HA1 (hex) of ext for alg; ENOENT for an unknown user. */
int pbx_user_ha1(const char *ext, enum pbx_digest_alg alg, char *ha1,
		 size_t sz);
int pbx_user_cmds_register(void);


/* ---- location service (location.c) ----------------------------------- */

struct pbx_binding_prm {
	const char *ext;
	const char *contact;      /* the Contact URI as the device sent it */
	const struct sa *source;  /* where the REGISTER came from          */
	const char *transport;    /* "udp", "tcp", "tls", "ws"             */
	const char *user_agent;
	const char *call_id;
	uint32_t cseq;
	uint32_t expires;         /* seconds; 0 removes the binding        */
};

int pbx_location_start(void);
void pbx_location_stop(void);
/* Adds, refreshes or (expires 0) removes one binding.  EALREADY when
 * the Call-ID matches and the CSeq is not newer (RFC 3261 10.3 step 7). */
int pbx_location_update(const struct pbx_binding_prm *prm);
void pbx_location_remove_ext(const char *ext);
unsigned pbx_location_count(const char *ext);
unsigned pbx_location_total(void);
int pbx_location_odict(struct odict **arrp);
int pbx_reg_cmds_register(void);


/* ---- SIP stack (sip.c) and authentication (auth.c) ------------------ */

typedef void (pbx_sip_exit_h)(void *arg);

int pbx_sip_start(pbx_sip_exit_h *exith, void *arg);
void pbx_sip_close(void);
void pbx_sip_stop(bool force);
int pbx_sip_lsnr_refresh(void);
const char *pbx_sip_allow(void);
/* True if host[:port] names us: the domain or one of our addresses
 * (port 0: any port). */
bool pbx_sip_is_local(const struct pl *host, uint16_t port);
int pbx_sip_rcvbuf_raise(const struct sa *laddr);

/* rand_pool.c */
int pbx_rand_pool_start(void);
void pbx_rand_pool_stop(void);

int pbx_auth_start(void);
void pbx_auth_stop(void);
bool pbx_auth_banned(const struct sa *src);

int pbx_registrar_start(void);
void pbx_registrar_stop(void);

/* REGISTERs answered 200 in the last 32 s (reg_answered.c), so that a
 * retransmission gets its 200 again. */
struct pbx_reg_answered;
int pbx_reg_answered_alloc(struct pbx_reg_answered **rap);
void pbx_reg_answered_add(struct pbx_reg_answered *ra,
			  const struct sip_msg *msg, const char *ext);
const char *pbx_reg_answered_find(struct pbx_reg_answered *ra,
				  const struct sip_msg *msg);


/* ---- media of one leg (media.c, sdp.c) --------------------------------
 *
 * A leg's RTP/RTCP socket (ports from rtp_ports), its SDP offer/answer
 * and the relay to another leg's media without decoding.
 */

struct pbx_media;

struct pbx_media_stats {
	uint64_t packets_in;      /* RTP packets received              */
	uint64_t packets_out;     /* RTP packets sent                  */
	uint32_t lost;            /* by sequence gaps of the received  */
	bool srtp;                /* SRTP negotiated                   */
	bool transcoding;         /* bridged through decode/encode     */
	uint64_t srtp_fail;       /* packets that failed SRTP checks   */
	uint64_t dtmf;            /* digits received                   */
	uint64_t frames_in;       /* frames decoded (incl. concealed)  */
	uint64_t frames_out;      /* frames encoded and sent           */
	uint64_t jb_late;         /* jitter buffer: packets too late   */
	uint32_t jb_delay_ms;     /* jitter buffer: current depth      */
};

enum pbx_media_dir {
	PBX_MEDIA_SENDRECV = 0,
	PBX_MEDIA_SENDONLY,
	PBX_MEDIA_RECVONLY,
	PBX_MEDIA_INACTIVE,
};

/* Reads rtp_ports and rtp_timeout; pbx_media_stop frees what is left. */
int pbx_media_start(void);
void pbx_media_stop(void);
/* Open RTP sockets (for the tests' port-leak checks). */
unsigned pbx_media_count(void);

/* laddr: our address as the peer sees it (goes into SDP c=). */
int pbx_media_alloc(struct pbx_media **mp, const struct sa *laddr);
/* The same with no RTP port pair yet: it is bound when our first SDP
 * (offer or answer) is made, so that a call that never gets that far
 * (a caller waiting in the dialplan) holds no sockets. */
int pbx_media_alloc_lazy(struct pbx_media **mp, const struct sa *laddr);
/* Our offer.  codecs: comma-separated names in order of preference
 * ("PCMU,PCMA"); NULL offers everything we have.  telephone-event is
 * always added. */
int pbx_media_offer(struct pbx_media *m, const char *codecs,
		    struct mbuf **sdpp);
/* The peer's SDP.  An offer (offer true) gets our answer in *answerp.
 * EPROTO when no codec is common (answer 488), EBADMSG if malformed. */
int pbx_media_remote(struct pbx_media *m, struct mbuf *sdp, bool offer,
		     struct mbuf **answerp);
/* Restricts the codecs our next answer may choose to this list (the
 * codec the other leg negotiated); NULL lifts the restriction. */
int pbx_media_prefer(struct pbx_media *m, const char *codecs);
/* The negotiated codec ("PCMU"), NULL before negotiation. */
const char *pbx_media_codec(const struct pbx_media *m);
/* The peer's codecs that we support, in its order: "PCMA,PCMU". */
int pbx_media_remote_codecs(const struct pbx_media *m, char *buf,
			    size_t sz);
enum pbx_media_dir pbx_media_remote_dir(const struct pbx_media *m);
/* Sets the direction we put in our next offer/answer (hold). */
void pbx_media_set_dir(struct pbx_media *m, enum pbx_media_dir dir);
uint16_t pbx_media_port(const struct pbx_media *m);
void pbx_media_stats(const struct pbx_media *m, struct pbx_media_stats *st);
/* Relays RTP (and telephone-event, PT mapped) between a and b both ways,
 * re-stamped with each outgoing leg's SSRC/sequence/timestamp base.
 * ENOTSUP when their codecs differ.  Replaces any earlier bridge. */
int pbx_media_bridge(struct pbx_media *a, struct pbx_media *b);
void pbx_media_unbridge(struct pbx_media *m);
/* Called once rtp_timeout seconds pass without RTP from the peer while
 * watching (after answer; not while the peer holds). */
typedef void (pbx_media_timeout_h)(struct pbx_media *m, void *arg);
void pbx_media_watch(struct pbx_media *m, pbx_media_timeout_h *h,
		     void *arg);
/* SRTP (RFC 4568 SDES) on this leg: our next offer says RTP/SAVP with a
 * key; an offer with RTP/SAVP is answered with SRTP whatever this says. */
void pbx_media_set_srtp(struct pbx_media *m, bool on);
bool pbx_media_srtp(const struct pbx_media *m);


/* ---- the media engine (media_dsp.c, media_clock.c, media_play.c,
 * media_rec.c) ---------------------------------------------------------
 *
 * What pbxd itself says to and hears from a leg: prompts, tones,
 * recordings, DTMF, and transcoding when two bridged legs share no
 * codec.  Everything is paced by one 20 ms media clock.  A leg has one
 * source at a time: while a prompt or tone plays to it, the bridged leg's
 * audio does not reach it.
 */

/* A digit from the leg's peer, however it came ("rfc4733", "info",
 * "inband"), after de-duplication. */
typedef void (pbx_media_dtmf_h)(struct pbx_media *m, char digit,
				const char *how, void *arg);
void pbx_media_dtmf_handler(struct pbx_media *m, pbx_media_dtmf_h *h,
			    void *arg);
/* A digit the peer sent in a SIP INFO on this leg's dialog. */
void pbx_media_dtmf_info(struct pbx_media *m, char digit);
/* Sends digits to the peer as RFC 4733 events (ENOTSUP: it offered
 * none). */
int pbx_media_dtmf_send(struct pbx_media *m, const char *digits);
/* Inband detection runs on every leg whose peer offered no
 * telephone-event (config dtmf_inband). */

typedef void (pbx_media_done_h)(int err, void *arg);
/* Plays names in turn: prompt names from sounds_dir ("digits/5"), or
 * WAV files by path (anything ending in ".wav").  h(0) when all are
 * played, h(ENOENT) at once for an unknown prompt (nothing plays).  A
 * second play replaces the first (whose h is not called). */
int pbx_media_play(struct pbx_media *m, const char *const *namev,
		   size_t namec, pbx_media_done_h *h, void *arg);
/* A tone of the configured tone_zone for ms (0: as long as the tone
 * lasts by itself; ringback and busy repeat until stopped). */
int pbx_media_tone(struct pbx_media *m, const char *name, uint32_t ms,
		   pbx_media_done_h *h, void *arg);
/* Stops a prompt or tone without calling its handler. */
void pbx_media_play_stop(struct pbx_media *m);

struct pbx_media_rec_prm {
	uint32_t max_ms;          /* 0: no limit                       */
	uint32_t silence_ms;      /* stop after this much silence; 0: no */
	int silence_dbfs;         /* silence: frames below this level  */
	const char *terminators;  /* digits that stop it, NULL: none   */
};

/* Records what the peer says to a WAV file at path (created with its
 * folders); the file is complete when h runs and also when the leg is
 * freed meanwhile.  h: err, ms recorded, the terminating digit or 0. */
typedef void (pbx_media_rec_h)(int err, uint32_t ms, char digit,
			       void *arg);
int pbx_media_record(struct pbx_media *m, const char *path,
		     const struct pbx_media_rec_prm *prm,
		     pbx_media_rec_h *h, void *arg);
/* Ends a recording: the file is closed (and synced) and h is called. */
void pbx_media_record_stop(struct pbx_media *m);


/* ---- Lua engine (lua.c, lua_call.c, lua_pbx.c) ------------------------ */

struct pbx_script;

/* Loads the dialplan (dialplan key); an error is logged, EINVAL. */
int pbx_lua_start(void);
void pbx_lua_stop(void);
/* Loads the file again into a new Lua state for new calls; running calls
 * keep the old state.  On error the old one stays: err says why. */
int pbx_lua_reload(char *err, size_t sz);

/* Runs route(call) in a new coroutine.  The script references the call;
 * call.c calls pbx_script_hangup when the call ends, and the script
 * calls pbx_call_script_done when route() returns or fails. */
int pbx_script_start(struct pbx_script **sp, struct pbx_call *call);
void pbx_script_hangup(struct pbx_script *s);
/* Resumes a script waiting in pbx_lua_yield (pbx_call_resume uses it). */
void pbx_script_resume(struct pbx_script *s, pbx_lua_push_h *push,
		       void *arg);
bool pbx_script_waiting(const struct pbx_script *s);
unsigned pbx_lua_running(void);     /* coroutines alive, all states */
size_t pbx_lua_mem(void);           /* bytes the Lua states hold    */


/* ---- calls (call.c, leg.c, dial.c, cdr.c) ---------------------------- */

enum pbx_call_state {
	PBX_CALL_ROUTING = 0,     /* INVITE accepted, script deciding  */
	PBX_CALL_RINGING,         /* 180 sent                          */
	PBX_CALL_EARLY,           /* 183 with SDP: early media         */
	PBX_CALL_ANSWERED,
	PBX_CALL_ENDED,
};

/* Fields of the call object (strings valid while the call lives). */
const char *pbx_call_trunk(const struct pbx_call *c);   /* NULL: none */
const char *pbx_call_source(const struct pbx_call *c);  /* "ip:port" */
enum pbx_call_state pbx_call_state(const struct pbx_call *c);
const char *pbx_call_state_name(enum pbx_call_state st);
bool pbx_call_ended(const struct pbx_call *c);
/* A header of the INVITE: a copy in buf; ENOENT if absent. */
int pbx_call_header(const struct pbx_call *c, const char *name, char *buf,
		    size_t sz);

/* Done handler of a waiting call operation; err 0 on success. */
typedef void (pbx_call_done_h)(int err, void *arg);

/* 200 OK with our SDP; h once the ACK arrives (or err). */
int pbx_call_answer(struct pbx_call *c, pbx_call_done_h *h, void *arg);
int pbx_call_ring(struct pbx_call *c);
int pbx_call_progress(struct pbx_call *c);
int pbx_call_reject(struct pbx_call *c, uint16_t code, const char *reason);
int pbx_call_hangup(struct pbx_call *c);
int pbx_call_var_set(struct pbx_call *c, const char *key,
		     const char *value);
const char *pbx_call_var_get(const struct pbx_call *c, const char *key);

/* DTMF from the caller (call_dtmf.c).  Digits are buffered (type-ahead,
 * the last DIGITS_MAX kept) until a watcher takes them; a watcher gets
 * each digit from a zero-delay timer, never from inside the media code,
 * so it may resume the script or hang up.  NULL h stops watching. */
typedef void (pbx_call_dtmf_h)(struct pbx_call *c, char digit, void *arg);
void pbx_call_dtmf_watch(struct pbx_call *c, pbx_call_dtmf_h *h,
			 void *arg);
/* Takes the oldest buffered digit (0: none). */
char pbx_call_dtmf_take(struct pbx_call *c);
/* A SIP INFO on one of the call's dialogs: DTMF bodies go to m. */
void pbx_call_info_dtmf(struct sip *sip, const struct sip_msg *msg,
			struct pbx_media *m);
/* Registers play, say_digits, say_number, tone, read_digits and record
 * (media_lua.c). */
int pbx_media_lua_register(void);
void pbx_media_lua_unregister(void);

enum pbx_dial_result {
	PBX_DIAL_ANSWERED = 0,
	PBX_DIAL_BUSY,
	PBX_DIAL_NOANSWER,
	PBX_DIAL_UNAVAILABLE,
	PBX_DIAL_DECLINED,
	PBX_DIAL_FAILED,
};

struct pbx_dial_prm {
	const char *const *targets;  /* "1001" or "sip:..." each         */
	size_t targetc;
	bool sequential;             /* hunt in turn instead of forking  */
	uint32_t timeout;            /* seconds, per target when hunting */
	const char *caller_id;       /* From user shown to the callee    */
	const char *headers;         /* extra header lines, "\r\n" each */
	const char *trunk;           /* not supported yet: EINVAL        */
	bool srtp;                   /* offer SRTP (RTP/SAVP, SDES)      */
};

struct pbx_dial_info {
	enum pbx_dial_result result;
	uint16_t code;               /* last final status seen, 0 none   */
	const char *reason;
	const char *answered_by;     /* the contact that answered        */
	uint32_t duration;           /* seconds bridged                  */
};

typedef void (pbx_dial_done_h)(const struct pbx_dial_info *info,
			       void *arg);
const char *pbx_dial_result_name(enum pbx_dial_result r);
/* Rings the targets, bridges on answer; h when ringing fails or the
 * bridged call ends (not if the caller hangs up: then the script gets
 * "hangup"). */
int pbx_call_dial(struct pbx_call *c, const struct pbx_dial_prm *prm,
		  pbx_dial_done_h *h, void *arg);
/* Rings ext; when it answers runs the dialplan for a call from ext to
 * target.  Returns the new call's id in idbuf. */
int pbx_call_originate(const char *ext, const char *target, char *idbuf,
		       size_t sz);
/* Called by the script layer when route() ended (err: it failed). */
void pbx_call_script_done(struct pbx_call *c, int err);
struct pbx_script *pbx_call_script(const struct pbx_call *c);
struct pbx_call *pbx_call_find(const char *id);
int pbx_calls_odict(struct odict **arrp);
int pbx_call_cmds_register(void);

/* For dial.c: the call's inbound leg. */
struct sipsess_sock *pbx_call_sock(void);
struct pbx_media *pbx_call_media(const struct pbx_call *c);
bool pbx_call_answered(const struct pbx_call *c);
/* Answers the caller with SDP matching codec (the callee's), if not yet
 * answered; h when the caller's ACK arrives. */
int pbx_call_connect(struct pbx_call *c, const char *codec,
		     pbx_call_done_h *h, void *arg);
/* Early media: 183 with SDP for codec (once). */
int pbx_call_early(struct pbx_call *c, const char *codec);
/* Passes a hold/resume or codec change on to the caller. */
int pbx_call_remodify(struct pbx_call *c, enum pbx_media_dir dir);
const struct sa *pbx_call_laddr(const struct pbx_call *c);

struct pbx_dial;
/* dial.c's side of a re-INVITE from the caller: pass it on. */
void pbx_dial_remodify(struct pbx_dial *d, enum pbx_media_dir dir);
void pbx_dial_cancel(struct pbx_dial *d);   /* caller hung up */
int pbx_dial_legs_odict(const struct pbx_dial *d, struct odict *arr);

/* Call records (cdr.c). */
int pbx_cdr_write(const struct pbx_call *c, uint64_t start, uint64_t answer,
		  uint64_t end, const char *disposition, const char *cause);

int pbx_calls_start(void);
void pbx_calls_stop(void);
unsigned pbx_calls_count(void);


/* ---- core start-up pieces --------------------------------------------- */

int pbx_cmd_init(void);
void pbx_cmd_close(void);
/* Runs one request (argv words); writes one JSON reply line into mb.
 * Sets *events when the request was `events`. */
int pbx_cmd_run(struct mbuf *mb, int argc, char *argv[], bool *events);

int pbx_ctl_start(const char *path);
void pbx_ctl_stop(void);

int pbx_event_init(void);
void pbx_event_close(void);

int pbx_db_open(const char *path);
void pbx_db_close(void);
/* The statement for sql, prepared once and kept until pbx_db_close
 * (reset, bindings cleared); NULL on an error (logged).  Reset it after
 * use: a statement left stepping holds a read transaction. */
struct sqlite3_stmt *pbx_db_stmt(const char *sql);

int pbx_module_init(const char *path);
int pbx_module_load(const char *name);
int pbx_module_unload(const char *name);
int pbx_module_cmds_register(void);
int pbx_core_cmds_register(void);
void pbx_module_close(void);

#pragma GCC visibility pop

#endif
