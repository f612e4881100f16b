/* fake_call.c: a fake call layer (call.c's API) for the Lua engine tests.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <string.h>
#include <strings.h>
#include <re.h>
#include "core.h"
#include "fake_call.h"


enum {
	ANSWER_MS = 5,
};

struct pbx_call {
	char id[16];
	char from[32];
	char to[32];
	char user[32];            /* "" for none                        */
	enum pbx_call_state state;
	struct pbx_script *script;  /* owned */
	struct tmr tmr;           /* answer, dial completion            */
	pbx_call_done_h *answer_h;
	pbx_dial_done_h *dial_h;
	void *arg;
	struct odict *vars;       /* owned */
	uint16_t rejected;
	bool hungup;
	bool done;
	int err;
	bool hangup_on_ring;
};

struct fake_dial fake_dial;
static unsigned alive;        /* fake calls not yet freed */
static unsigned next_id;


static void call_destructor(void *arg)
{
	struct pbx_call *c = arg;

	tmr_cancel(&c->tmr);
	mem_deref(c->script);
	mem_deref(c->vars);
	alive--;
}


struct pbx_call *fake_call_new(const char *from, const char *to,
			       const char *user)
{
	struct pbx_call *c = mem_zalloc(sizeof(*c), call_destructor);

	if (!c)
		return NULL;
	if (odict_alloc(&c->vars, 8)) {
		mem_deref(c);
		return NULL;
	}

	alive++;
	re_snprintf(c->id, sizeof(c->id), "c%u", ++next_id);
	str_ncpy(c->from, from, sizeof(c->from));
	str_ncpy(c->to, to, sizeof(c->to));
	str_ncpy(c->user, user ? user : "", sizeof(c->user));
	tmr_init(&c->tmr);

	return c;
}


int fake_call_start(struct pbx_call *c)
{
	return pbx_script_start(&c->script, c);
}


static void call_end(struct pbx_call *c)
{
	if (c->state == PBX_CALL_ENDED)
		return;
	c->state = PBX_CALL_ENDED;
	tmr_cancel(&c->tmr);
	if (c->script)
		pbx_script_hangup(c->script);
}


void fake_call_hangup(struct pbx_call *c)
{
	call_end(c);
}


void fake_call_hangup_on_ring(struct pbx_call *c)
{
	c->hangup_on_ring = true;
}


bool fake_call_done(const struct pbx_call *c)
{
	return c->done;
}


int fake_call_err(const struct pbx_call *c)
{
	return c->err;
}


uint16_t fake_call_rejected(const struct pbx_call *c)
{
	return c->rejected;
}


bool fake_call_answered(const struct pbx_call *c)
{
	return c->state == PBX_CALL_ANSWERED;
}


bool fake_call_hungup(const struct pbx_call *c)
{
	return c->hungup;
}


struct pbx_script *fake_call_script(const struct pbx_call *c)
{
	return c->script;
}


unsigned fake_calls_alive(void)
{
	return alive;
}


/* ---- the API the Lua engine uses ------------------------------------ */

const char *pbx_call_id(const struct pbx_call *c)
{
	return c ? c->id : NULL;
}


const char *pbx_call_from(const struct pbx_call *c)
{
	return c->from;
}


const char *pbx_call_from_name(const struct pbx_call *c)
{
	return "Fake Caller";
}


const char *pbx_call_from_uri(const struct pbx_call *c)
{
	return "sip:caller@test.local";
}


const char *pbx_call_to(const struct pbx_call *c)
{
	return c->to;
}


const char *pbx_call_to_uri(const struct pbx_call *c)
{
	return "sip:callee@test.local";
}


const char *pbx_call_user(const struct pbx_call *c)
{
	return c->user[0] ? c->user : NULL;
}


const char *pbx_call_trunk(const struct pbx_call *c)
{
	return NULL;
}


const char *pbx_call_source(const struct pbx_call *c)
{
	return "127.0.0.1:5062";
}


enum pbx_call_state pbx_call_state(const struct pbx_call *c)
{
	return c->state;
}


const char *pbx_call_state_name(enum pbx_call_state st)
{
	static const char *const names[] = {
		"routing", "ringing", "early", "answered", "ended"
	};

	return (size_t)st < ARRAY_SIZE(names) ? names[st] : "?";
}


bool pbx_call_ended(const struct pbx_call *c)
{
	return !c || c->state == PBX_CALL_ENDED;
}


int pbx_call_header(const struct pbx_call *c, const char *name, char *buf,
		    size_t sz)
{
	if (strcasecmp(name, "X-Test"))
		return ENOENT;

	str_ncpy(buf, "hello", sz);

	return 0;
}


struct pbx_script *pbx_call_script(const struct pbx_call *c)
{
	return c ? c->script : NULL;
}


static void answer_tmr(void *arg)
{
	struct pbx_call *c = arg;
	pbx_call_done_h *h = c->answer_h;

	c->answer_h = NULL;
	c->state = PBX_CALL_ANSWERED;
	h(0, c->arg);
}


int pbx_call_answer(struct pbx_call *c, pbx_call_done_h *h, void *arg)
{
	if (pbx_call_ended(c))
		return ECONNRESET;

	c->answer_h = h;
	c->arg = arg;
	tmr_start(&c->tmr, ANSWER_MS, answer_tmr, c);

	return 0;
}


int pbx_call_ring(struct pbx_call *c)
{
	if (pbx_call_ended(c))
		return ECONNRESET;
	if (c->hangup_on_ring)
		call_end(c);
	else
		c->state = PBX_CALL_RINGING;

	return 0;
}


int pbx_call_progress(struct pbx_call *c)
{
	if (pbx_call_ended(c))
		return ECONNRESET;
	c->state = PBX_CALL_EARLY;

	return 0;
}


int pbx_call_reject(struct pbx_call *c, uint16_t code, const char *reason)
{
	if (pbx_call_ended(c))
		return ECONNRESET;
	c->rejected = code;
	call_end(c);

	return 0;
}


int pbx_call_hangup(struct pbx_call *c)
{
	if (pbx_call_ended(c))
		return ECONNRESET;
	c->hungup = true;
	call_end(c);

	return 0;
}


int pbx_call_var_set(struct pbx_call *c, const char *key, const char *value)
{
	odict_entry_del(c->vars, key);

	return value ? odict_entry_add(c->vars, key, ODICT_STRING, value) : 0;
}


const char *pbx_call_var_get(const struct pbx_call *c, const char *key)
{
	return odict_string(c->vars, key);
}


const char *pbx_dial_result_name(enum pbx_dial_result r)
{
	static const char *const names[] = {
		"answered", "busy", "noanswer", "unavailable", "declined",
		"failed"
	};

	return (size_t)r < ARRAY_SIZE(names) ? names[r] : "failed";
}


static void dial_finish(struct pbx_call *c)
{
	struct pbx_dial_info info;
	pbx_dial_done_h *h = c->dial_h;

	memset(&info, 0, sizeof(info));
	info.result = fake_dial.result;
	info.code = fake_dial.code;
	info.reason = fake_dial.code ? "Fake Reason" : "";
	info.answered_by = fake_dial.result == PBX_DIAL_ANSWERED ?
		"sip:1001@127.0.0.1" : NULL;
	info.duration = fake_dial.result == PBX_DIAL_ANSWERED ? 3 : 0;
	c->dial_h = NULL;
	h(&info, c->arg);
}


static void dial_tmr(void *arg)
{
	dial_finish(arg);
}


int pbx_call_dial(struct pbx_call *c, const struct pbx_dial_prm *prm,
		  pbx_dial_done_h *h, void *arg)
{
	size_t i;

	if (pbx_call_ended(c))
		return ECONNRESET;
	if (fake_dial.fail)
		return fake_dial.fail;

	fake_dial.count++;
	fake_dial.targets[0] = '\0';
	for (i = 0; i < prm->targetc; i++) {
		size_t n = strlen(fake_dial.targets);

		re_snprintf(fake_dial.targets + n,
			    sizeof(fake_dial.targets) - n, "%s%s",
			    i ? "," : "", prm->targets[i]);
	}
	fake_dial.timeout = prm->timeout;
	fake_dial.sequential = prm->sequential;
	str_ncpy(fake_dial.caller_id, prm->caller_id ? prm->caller_id : "",
		 sizeof(fake_dial.caller_id));
	str_ncpy(fake_dial.headers, prm->headers ? prm->headers : "",
		 sizeof(fake_dial.headers));

	c->dial_h = h;
	c->arg = arg;
	if (fake_dial.sync)
		dial_finish(c);
	else
		tmr_start(&c->tmr, fake_dial.delay_ms, dial_tmr, c);

	return 0;
}


int pbx_call_originate(const char *ext, const char *target, char *idbuf,
		       size_t sz)
{
	if (!pbx_user_ext_valid(ext))
		return ENOENT;

	str_ncpy(idbuf, "orig-1", sz);

	return 0;
}


void pbx_call_script_done(struct pbx_call *c, int err)
{
	c->done = true;
	c->err = err;
}


const char *pbx_domain(void)
{
	return "test.local";
}
