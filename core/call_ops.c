/* call_ops.c: what the dialplan does to the caller's leg: answer, ring,
 * early media, reject, hang up, hold passed on.
 * SPDX-License-Identifier: BSD-3-Clause
 */
#include <string.h>
#include <re.h>
#include "core.h"
#include "call.h"


/* Our SDP for the caller: the answer to its offer (restricted to codec
 * when given), or our own offer when its INVITE had none. */
static int caller_sdp(struct pbx_call *c, const char *codec,
		      struct mbuf **sdpp)
{
	int err;

	if (!c->media)
		return ENOENT;

	if (!c->offer)
		return pbx_media_offer(c->media, codec, sdpp);

	err = pbx_media_prefer(c->media, codec);
	if (err)
		return err;

	c->offer->pos = 0;
	err = pbx_media_remote(c->media, c->offer, true, sdpp);
	c->offer->pos = 0;

	return err;
}


static int answer_send(struct pbx_call *c, const char *codec,
		       pbx_call_done_h *h, void *arg)
{
	struct mbuf *sdp = NULL;
	int err;

	if (!c || c->state == PBX_CALL_ENDED || !c->sess)
		return ECONNRESET;
	if (c->t_answer)
		return EALREADY;
	if (c->answering) {
		if (h) {              /* 200 sent already: wait for ACK */
			c->answer_h = h;
			c->answer_arg = arg;
		}
		return 0;
	}

	err = caller_sdp(c, codec, &sdp);
	if (!err)
		err = sipsess_answer(c->sess, 200, "OK", sdp, "Allow: %s\r\n",
				     pbx_sip_allow());
	mem_deref(sdp);
	if (err)
		return err;

	c->answering = true;
	c->answer_h = h;
	c->answer_arg = arg;

	return 0;
}


int pbx_call_answer(struct pbx_call *c, pbx_call_done_h *h, void *arg)
{
	return answer_send(c, NULL, h, arg);
}


int pbx_call_connect(struct pbx_call *c, const char *codec,
		     pbx_call_done_h *h, void *arg)
{
	return answer_send(c, codec, h, arg);
}


int pbx_call_ring(struct pbx_call *c)
{
	int err;

	if (!c || c->state == PBX_CALL_ENDED || !c->sess)
		return ECONNRESET;
	if (c->t_answer || c->answering || c->state == PBX_CALL_RINGING)
		return 0;

	err = sipsess_progress(c->sess, 180, "Ringing", NULL, NULL);
	if (!err && c->state != PBX_CALL_EARLY)
		pbx_call_set_state(c, PBX_CALL_RINGING);

	return err;
}


/* 183 with SDP: media flows both ways before the answer. */
static int early_send(struct pbx_call *c, const char *codec)
{
	struct mbuf *sdp = NULL;
	int err;

	if (!c || c->state == PBX_CALL_ENDED || !c->sess)
		return ECONNRESET;
	if (c->t_answer || c->answering || c->state == PBX_CALL_EARLY)
		return 0;
	if (!c->offer)            /* late offer: no SDP before the 200 */
		return sipsess_progress(c->sess, 183, "Session Progress",
					NULL, NULL);

	err = caller_sdp(c, codec, &sdp);
	if (!err)
		err = sipsess_progress(c->sess, 183, "Session Progress", sdp,
				       NULL);
	mem_deref(sdp);
	if (!err)
		pbx_call_set_state(c, PBX_CALL_EARLY);

	return err;
}


int pbx_call_progress(struct pbx_call *c)
{
	return early_send(c, NULL);
}


int pbx_call_early(struct pbx_call *c, const char *codec)
{
	return early_send(c, codec);
}


int pbx_call_reject(struct pbx_call *c, uint16_t code, const char *reason)
{
	char cause[64];

	if (!c || c->state == PBX_CALL_ENDED)
		return ECONNRESET;
	if (code < 300 || code > 699)
		return EINVAL;
	if (c->t_answer || c->answering)
		return pbx_call_hangup(c);

	if (c->sess)
		(void)sipsess_reject(c->sess, code, reason ? reason :
				     "Rejected", NULL);
	c->sess = mem_deref(c->sess);

	re_snprintf(cause, sizeof(cause), "rejected %u %s", code,
		    reason ? reason : "");
	str_ncpy(c->disposition, code == 486 || code == 600 ? "busy" :
		 "failed", sizeof(c->disposition));
	pbx_call_end(c, cause);

	return 0;
}


int pbx_call_hangup_cause(struct pbx_call *c, const char *cause)
{
	if (!c || c->state == PBX_CALL_ENDED)
		return ECONNRESET;

	if (!c->t_answer && !c->answering)
		return pbx_call_reject(c, 480, "Temporarily Unavailable");

	/* dropping an answered session sends BYE (libre finishes it) */
	c->sess = mem_deref(c->sess);
	pbx_call_end(c, cause);

	return 0;
}


int pbx_call_hangup(struct pbx_call *c)
{
	return pbx_call_hangup_cause(c, "hung up by the PBX");
}


/* The callee put the call on hold or took it off: re-INVITE the caller
 * with the matching direction. */
int pbx_call_remodify(struct pbx_call *c, enum pbx_media_dir dir)
{
	struct mbuf *sdp = NULL;
	int err;

	if (!c || !c->sess || !c->media || !c->t_answer)
		return ECONNRESET;

	pbx_media_set_dir(c->media, dir);
	err = pbx_media_offer(c->media, pbx_media_codec(c->media), &sdp);
	if (!err)
		err = sipsess_modify(c->sess, sdp);
	mem_deref(sdp);

	return err;
}
