/* call_media.c: what a call hears and says, as operations with a done
 * handler: play, tone, read digits, record.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The logic behind call:play(), call:read_digits(), call:record() ...
 * (media_lua.c) and behind modules such as voicemail (pbx.h).  One
 * operation per call at a time.  Each answers the call first unless it
 * is answered or in early media, as a desk phone user expects from a
 * PBX that plays a prompt.  The done handler runs once, never from
 * inside the function that started the operation (a digit typed ahead
 * completes it from a zero-delay timer), and never after
 * pbx_call_op_cancel.  A hang-up does not run it: whoever started the
 * operation cancels it (a Lua method from its cancel handler).
 */
#include <string.h>
#include <re.h>
#include "core.h"
#include "call.h"


enum {
	NAMES_MAX  = 64,
	SET_MAX    = 20,             /* bytes of a digit set             */
};

enum op_kind {
	OP_PLAY = 0,                 /* prompts or a tone                */
	OP_READ,
	OP_RECORD,
};

struct pbx_call_op {
	enum op_kind kind;
	struct pbx_call *call;       /* borrowed: owns us                */
	pbx_call_op_h *h;
	void *arg;
	struct pbx_call_op_res res;
	struct tmr tmr;              /* digit timeouts; async completion */

	char *namev[NAMES_MAX];      /* owned copies                     */
	size_t namec;
	char *tone;                  /* owned                            */
	uint32_t tone_ms;
	bool playing;

	char set[SET_MAX];           /* play: interrupt; else terminators */
	size_t max;                  /* read: digits wanted              */
	uint32_t first_ms, inter_ms;

	char *path;                  /* owned: record                    */
	struct pbx_media_rec_prm prm;
	bool beep;
};


static void op_destructor(void *arg)
{
	struct pbx_call_op *op = arg;
	size_t i;

	tmr_cancel(&op->tmr);
	for (i = 0; i < op->namec; i++)
		mem_deref(op->namev[i]);
	mem_deref(op->tone);
	mem_deref(op->path);
}


/* The call's media now (NULL once the call has ended: a hang-up frees
 * it first, and the engine has then completed any recording). */
static struct pbx_media *om(const struct pbx_call_op *op)
{
	return pbx_call_media(op->call);
}


/* Stops what op started, without reporting (what already ended is a
 * no-op to stop). */
static void op_stop(struct pbx_call_op *op)
{
	pbx_call_dtmf_watch(op->call, NULL, NULL);
	tmr_cancel(&op->tmr);
	if (op->playing)
		pbx_media_play_stop(om(op));
	op->playing = false;
	if (op->kind == OP_RECORD)
		pbx_media_record_stop(om(op));
}


/* Ends op and reports; the handler may start the next operation. */
static void op_finish(struct pbx_call_op *op)
{
	struct pbx_call *c = op->call;
	struct pbx_call_op_res res = op->res;
	pbx_call_op_h *h = op->h;
	void *arg = op->arg;

	op_stop(op);
	c->op = NULL;
	mem_deref(op);

	if (h)
		h(&res, arg);
}


static void finish_tmr_h(void *arg)
{
	op_finish(arg);
}


static void finish_later(struct pbx_call_op *op)
{
	tmr_start(&op->tmr, 0, finish_tmr_h, op);
}


/* ---- playing ------------------------------------------------------------ */

static void read_arm(struct pbx_call_op *op, uint32_t ms);


static void play_done_h(int err, void *arg)
{
	struct pbx_call_op *op = arg;

	op->playing = false;
	if (err)
		pbx_log(PBX_LOG_WARN, "call %s: playing failed (%m)",
			pbx_call_id(op->call), err);

	if (op->kind == OP_READ) {
		read_arm(op, op->first_ms);   /* prompt over: now wait */
		return;
	}

	op->res.err = err;
	op_finish(op);
}


static int play_start(struct pbx_call_op *op)
{
	int err;

	if (op->tone)
		err = pbx_media_tone(om(op), op->tone, op->tone_ms,
				     play_done_h, op);
	else
		err = pbx_media_play(om(op), (const char *const *)op->namev,
				     op->namec, play_done_h, op);
	op->playing = !err;

	return err;
}


static void interrupt_h(struct pbx_call *c, char digit, void *arg)
{
	struct pbx_call_op *op = arg;
	(void)c;

	if (!strchr(op->set, digit))
		return;               /* not one that stops this prompt */

	op->res.digits[0] = digit;
	op_finish(op);
}


/* ---- reading digits ----------------------------------------------------- */

static void read_timeout_h(void *arg)
{
	op_finish(arg);
}


static void read_arm(struct pbx_call_op *op, uint32_t ms)
{
	tmr_start(&op->tmr, ms, read_timeout_h, op);
}


/* true when the collection is complete */
static bool read_add(struct pbx_call_op *op, char digit)
{
	size_t n = strlen(op->res.digits);

	if (strchr(op->set, digit))
		return true;          /* a terminator: not part of it */
	if (n + 1 >= sizeof(op->res.digits))
		return true;

	op->res.digits[n] = digit;
	op->res.digits[n + 1] = '\0';

	return n + 1 >= op->max;
}


static void read_digit_h(struct pbx_call *c, char digit, void *arg)
{
	struct pbx_call_op *op = arg;
	(void)c;

	if (op->playing) {
		pbx_media_play_stop(om(op));
		op->playing = false;
	}

	if (read_add(op, digit)) {
		op_finish(op);
		return;
	}

	read_arm(op, op->inter_ms);
}


/* ---- recording ---------------------------------------------------------- */

/* Digits while recording end it (the engine sees terminators) or are
 * part of what is said: none stays typed ahead for the next read. */
static void rec_digit_h(struct pbx_call *c, char digit, void *arg)
{
	(void)c;
	(void)digit;
	(void)arg;
}


static void rec_done_h(int err, uint32_t ms, char digit, void *arg)
{
	struct pbx_call_op *op = arg;

	op->res.err = err;
	op->res.ms = ms;
	op->res.digits[0] = digit;
	op_finish(op);                /* the engine's recording is gone */
}


static int rec_start(struct pbx_call_op *op)
{
	return pbx_media_record(om(op), op->path, &op->prm, rec_done_h, op);
}


static void beep_done_h(int err, void *arg)
{
	struct pbx_call_op *op = arg;

	op->playing = false;
	(void)err;
	err = rec_start(op);
	if (err) {
		op->res.err = err;
		op_finish(op);
	}
}


/* ---- starting, after answering when needed ------------------------------ */

static int op_begin(struct pbx_call_op *op)
{
	const char *beep = "beep";

	switch (op->kind) {

	case OP_PLAY:
		if (op->set[0])
			pbx_call_dtmf_watch(op->call, interrupt_h, op);
		return play_start(op);

	case OP_READ:
		pbx_call_dtmf_watch(op->call, read_digit_h, op);
		if (op->namec)
			return play_start(op);
		read_arm(op, op->first_ms);
		return 0;

	case OP_RECORD:
		pbx_call_dtmf_watch(op->call, rec_digit_h, op);
		if (!op->beep)
			return rec_start(op);
		op->playing = !pbx_media_play(om(op), &beep, 1, beep_done_h,
					      op);
		return op->playing ? 0 : rec_start(op);
	}

	return EINVAL;
}


static void answered_h(int err, void *arg)
{
	struct pbx_call_op *op = arg;

	if (!err)
		err = op_begin(op);
	if (err) {
		pbx_log(PBX_LOG_WARN, "call %s: media: %m",
			pbx_call_id(op->call), err);
		op->res.err = err;
		op_finish(op);
	}
}


static int op_alloc(struct pbx_call_op **opp, struct pbx_call *c,
		    enum op_kind kind, pbx_call_op_h *h, void *arg)
{
	struct pbx_call_op *op;

	if (!c || c->state == PBX_CALL_ENDED || !c->media)
		return ECONNRESET;
	if (c->op)
		return EBUSY;

	op = mem_zalloc(sizeof(*op), op_destructor);
	if (!op)
		return ENOMEM;

	op->kind = kind;
	op->call = c;
	op->h = h;
	op->arg = arg;
	tmr_init(&op->tmr);
	*opp = op;

	return 0;
}


/* Starts op now, or once the call is answered. */
static int op_go(struct pbx_call_op *op)
{
	struct pbx_call *c = op->call;
	int err;

	c->op = op;
	if (pbx_call_answered(c) || c->state == PBX_CALL_EARLY)
		err = op_begin(op);
	else
		err = pbx_call_answer(c, answered_h, op);

	if (err) {
		op_stop(op);
		c->op = NULL;
		mem_deref(op);
	}

	return err;
}


static int names_copy(struct pbx_call_op *op, const char *const *namev,
		      size_t namec)
{
	size_t i;
	int err = 0;

	if (namec > NAMES_MAX)
		return E2BIG;

	for (i = 0; i < namec && !err; i++) {
		err = str_dup(&op->namev[i], namev[i]);
		if (!err)
			++op->namec;
	}

	return err;
}


static bool set_copy(char *set, const char *s)
{
	if (s && strlen(s) >= SET_MAX)
		return false;

	str_ncpy(set, s ? s : "", SET_MAX);

	return true;
}


/* ---- the API (pbx.h) ---------------------------------------------------- */

int pbx_call_play(struct pbx_call *c, const char *const *namev,
		  size_t namec, const char *interrupt, pbx_call_op_h *h,
		  void *arg)
{
	struct pbx_call_op *op;
	char d;
	int err;

	if (!namev || !namec)
		return EINVAL;

	err = op_alloc(&op, c, OP_PLAY, h, arg);
	if (err)
		return err;

	if (!set_copy(op->set, interrupt))
		err = EINVAL;
	if (!err)
		err = names_copy(op, namev, namec);
	if (err) {
		mem_deref(op);
		return err;
	}

	/* a digit typed ahead that stops this prompt: do not play it */
	d = op->set[0] ? pbx_call_dtmf_take(c) : 0;
	if (d && strchr(op->set, d)) {
		op->res.digits[0] = d;
		c->op = op;
		finish_later(op);
		return 0;
	}

	return op_go(op);
}


int pbx_call_tone(struct pbx_call *c, const char *name, uint32_t ms,
		  pbx_call_op_h *h, void *arg)
{
	struct pbx_call_op *op;
	int err;

	if (!name)
		return EINVAL;

	err = op_alloc(&op, c, OP_PLAY, h, arg);
	if (err)
		return err;

	op->tone_ms = ms;
	err = str_dup(&op->tone, name);
	if (err) {
		mem_deref(op);
		return err;
	}

	return op_go(op);
}


int pbx_call_read(struct pbx_call *c, const struct pbx_read_prm *prm,
		  pbx_call_op_h *h, void *arg)
{
	struct pbx_call_op *op;
	char d;
	int err;

	if (!prm || !prm->max || prm->max >= sizeof(op->res.digits))
		return EINVAL;

	err = op_alloc(&op, c, OP_READ, h, arg);
	if (err)
		return err;

	op->max = prm->max;
	op->first_ms = prm->first_ms;
	op->inter_ms = prm->inter_ms;
	if (!set_copy(op->set, prm->terminators))
		err = EINVAL;
	if (err) {
		mem_deref(op);
		return err;
	}

	/* digits typed ahead count first (and skip the prompt) */
	while ((d = pbx_call_dtmf_take(c))) {
		if (read_add(op, d)) {
			c->op = op;
			finish_later(op);
			return 0;
		}
	}

	if (!op->res.digits[0] && prm->promptc)
		err = names_copy(op, prm->promptv, prm->promptc);
	if (err) {
		mem_deref(op);
		return err;
	}

	return op_go(op);
}


int pbx_call_record(struct pbx_call *c, const struct pbx_rec_prm *prm,
		    pbx_call_op_h *h, void *arg)
{
	struct pbx_call_op *op;
	int err;

	if (!prm || !prm->path)
		return EINVAL;

	err = op_alloc(&op, c, OP_RECORD, h, arg);
	if (err)
		return err;

	op->beep = prm->beep;
	op->prm.max_ms = prm->max_ms;
	op->prm.silence_ms = prm->silence_ms;
	op->prm.silence_dbfs = prm->silence_dbfs;
	op->prm.terminators = op->set;
	if (!set_copy(op->set, prm->terminators))
		err = EINVAL;
	if (!err)
		err = str_dup(&op->path, prm->path);
	if (err) {
		mem_deref(op);
		return err;
	}

	return op_go(op);
}


void pbx_call_op_cancel(struct pbx_call *c)
{
	struct pbx_call_op *op = c ? c->op : NULL;

	if (!op)
		return;

	op_stop(op);
	c->op = NULL;
	mem_deref(op);
}
