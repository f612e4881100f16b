/* originate.c: `call originate EXT TARGET`: ring EXT's devices, and when
 * one answers run the dialplan for a call from EXT to TARGET.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The device that answers becomes the call's first leg, as if it had
 * dialled TARGET itself; so TARGET can be anything the dialplan knows.
 */
#include <string.h>
#include <re.h>
#include "core.h"
#include "call.h"


enum {
	ORIGINATE_TIMEOUT = 30,   /* seconds of ringing EXT */
};

struct orig {
	struct pbx_call *call;        /* borrowed: the call owns us      */
	struct list legs;             /* struct orig_leg, ringing        */
	struct tmr tmr;
	struct orig_leg *won;         /* the device that answered        */
};

struct orig_leg {
	struct le le;
	struct orig *o;               /* borrowed */
	struct sipsess *sess;         /* owned until it wins             */
	struct pbx_media *media;      /* owned until it wins             */
};


static void leg_destructor(void *arg)
{
	struct orig_leg *l = arg;

	list_unlink(&l->le);
	mem_deref(l->sess);
	mem_deref(l->media);
}


static void orig_destructor(void *arg)
{
	struct orig *o = arg;

	tmr_cancel(&o->tmr);
	list_flush(&o->legs);
	mem_deref(o->won);
}


static void fail(struct orig *o, const char *cause)
{
	struct pbx_call *c = o->call;

	tmr_cancel(&o->tmr);
	list_flush(&o->legs);
	str_ncpy(c->disposition, "noanswer", sizeof(c->disposition));
	c->script_done = true;        /* no script ran */
	pbx_call_end(c, cause);
}


static void timeout_h(void *arg)
{
	fail(arg, "originate: no answer");
}


static void o_estab_h(const struct sip_msg *msg, void *arg)
{
	struct orig_leg *l = arg;
	struct orig *o = l->o;
	struct pbx_call *c = o->call;
	(void)msg;

	if (o->won) {                 /* a second device answered */
		mem_deref(l);
		return;
	}

	/* the winner's session and media become the call's first leg */
	list_unlink(&l->le);
	o->won = l;
	c->sess = l->sess;
	c->media = l->media;
	pbx_call_dtmf_attach(c);
	l->sess = NULL;
	l->media = NULL;
	tmr_cancel(&o->tmr);
	list_flush(&o->legs);

	c->t_answer = pbx_call_now_ms();
	pbx_call_set_state(c, PBX_CALL_ANSWERED);
	pbx_media_watch(c->media, pbx_call_media_timeout, c);
	pbx_log(PBX_LOG_INFO, "call %s: %s answered, routing to %s", c->id,
		c->from, c->to);

	if (pbx_script_start(&c->script, c)) {
		c->script_done = true;
		(void)pbx_call_hangup_cause(c, "no dialplan");
	}
}


static void o_close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct orig_leg *l = arg;
	struct orig *o = l->o;
	struct pbx_call *c = o->call;
	(void)err;
	(void)msg;

	if (o->won == l) {            /* the originating device hung up */
		c->sess = mem_deref(c->sess);
		pbx_call_end(c, "caller hung up");
		return;
	}

	mem_deref(l);
	if (!o->won && list_isempty(&o->legs))
		fail(o, "originate: no device answered");
}


/* Handlers that act on the call once this leg is the call's leg. */
static int o_offer_h(struct mbuf **descp, const struct sip_msg *msg,
		     void *arg)
{
	struct orig_leg *l = arg;

	return pbx_call_leg_offer(descp, msg, l->o->call);
}


static int o_answer_h(const struct sip_msg *msg, void *arg)
{
	struct orig_leg *l = arg;

	if (l->o->won == l)
		return pbx_call_leg_answer(msg, l->o->call);

	return mbuf_get_left(msg->mb) ?
		pbx_media_remote(l->media, msg->mb, false, NULL) : 0;
}


static void o_info_h(struct sip *sip, const struct sip_msg *msg, void *arg)
{
	struct orig_leg *l = arg;

	pbx_call_leg_info(sip, msg, l->o->call);
}


static void o_refer_h(struct sip *sip, const struct sip_msg *msg, void *arg)
{
	struct orig_leg *l = arg;

	pbx_call_leg_refer(sip, msg, l->o->call);
}


static bool binding_h(const struct pbx_binding *b, void *arg)
{
	struct orig *o = arg;
	struct pbx_call *c = o->call;
	struct orig_leg *l;
	struct mbuf *sdp = NULL;
	char via[128], uri[256];
	const char *routev[1] = {via};
	int err;

	l = mem_zalloc(sizeof(*l), leg_destructor);
	if (!l)
		return true;
	l->o = o;

	re_snprintf(via, sizeof(via), "sip:%J;transport=%s",
		    pbx_binding_source(b), pbx_binding_transport(b));
	re_snprintf(uri, sizeof(uri), "sip:%s@%s", c->to, pbx_domain());
	err = pbx_media_alloc(&l->media, &c->laddr);
	if (!err)
		err = pbx_media_offer(l->media, NULL, &sdp);
	if (!err)
		err = sipsess_connect(&l->sess, pbx_call_sock(),
				      pbx_binding_contact(b), NULL, uri,
				      "pbx", routev, 1, "application/sdp",
				      sdp, NULL, NULL, false, o_offer_h,
				      o_answer_h, NULL, o_estab_h, o_info_h,
				      o_refer_h, o_close_h, l,
				      "Allow: %s\r\n", pbx_sip_allow());
	mem_deref(sdp);
	if (err)
		mem_deref(l);
	else
		list_append(&o->legs, &l->le, l);

	return false;
}


static int fields_set(struct pbx_call *c, const char *ext,
		      const char *target)
{
	int err;

	err = str_dup(&c->from, ext);
	if (!err)
		err = str_dup(&c->from_name, "");
	if (!err)
		err = re_sdprintf(&c->from_uri, "sip:%s@%s", ext,
				  pbx_domain());
	if (!err)
		err = str_dup(&c->to, target);
	if (!err)
		err = re_sdprintf(&c->to_uri, "sip:%s@%s", target,
				  pbx_domain());
	if (!err)
		err = str_dup(&c->user, ext);
	if (!err)
		err = str_dup(&c->source, "originate");

	return err;
}


static bool first_source_h(const struct pbx_binding *b, void *arg)
{
	*(struct sa *)arg = *pbx_binding_source(b);

	return true;
}


int pbx_call_originate(const char *ext, const char *target, char *idbuf,
		       size_t sz)
{
	struct pbx_call *c;
	struct orig *o;
	struct sa dst;
	int err;

	if (!ext || !target || !*target || !idbuf)
		return EINVAL;
	if (!pbx_user_exists(ext))
		return ENOENT;
	if (!pbx_location_count(ext))
		return ENOTCONN;

	err = pbx_call_alloc(&c);
	if (err)
		return err;

	o = mem_zalloc(sizeof(*o), orig_destructor);
	if (!o) {
		c->state = PBX_CALL_ENDED;
		mem_deref(c);
		return ENOMEM;
	}
	list_init(&o->legs);
	tmr_init(&o->tmr);
	o->call = c;
	c->origin = o;

	/* our address as EXT's devices see it: towards the first one */
	err = fields_set(c, ext, target);
	pbx_binding_apply(ext, first_source_h, &dst);
	if (!err && sip_transp_laddr(pbx_sip(), &c->laddr, SIP_TRANSP_UDP,
				     &dst))
		err = EADDRNOTAVAIL;
	if (err) {
		c->state = PBX_CALL_ENDED;
		mem_deref(c);
		return err;
	}

	pbx_binding_apply(ext, binding_h, o);
	str_ncpy(idbuf, c->id, sz);
	if (list_isempty(&o->legs)) {
		fail(o, "originate: cannot ring");
		return EIO;
	}

	tmr_start(&o->tmr, ORIGINATE_TIMEOUT * 1000, timeout_h, o);
	pbx_log(PBX_LOG_INFO, "call %s: originate: ringing %s for %s", c->id,
		ext, target);

	return 0;
}
