/* dial.c: call:dial(): ring targets in parallel or in turn, bridge the
 * first that answers, report how it went.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * An extension rings all its registered devices at once.  Each device
 * is an outbound leg with its own session and media; the first 2xx wins
 * and the others are cancelled (libre sends CANCEL when a ringing
 * session is dropped).
 */
#include <string.h>
#include <re.h>
#include "core.h"
#include "call.h"


enum {
	MAX_LEGS = 64,
};

struct pbx_dial {
	struct pbx_call *call;        /* borrowed: call_end cancels us   */
	struct list legs;             /* struct dial_leg                 */
	struct tmr tmr;               /* ring timeout                    */
	char **targetv;               /* owned: copies                   */
	size_t targetc;
	size_t next;                  /* next target when hunting        */
	bool sequential;
	bool srtp;                    /* offer SRTP to the callees       */
	uint32_t timeout;             /* seconds                         */
	char *caller_id;              /* owned */
	char *headers;                /* owned */
	struct dial_leg *bridged;     /* the leg that answered           */
	struct dial_leg *early;       /* the leg feeding early media     */
	uint64_t t_bridge;            /* ms */
	enum pbx_dial_result result;  /* best failure so far             */
	bool have_result;
	uint16_t code;
	char reason[64];
	char answered_by[256];
	pbx_dial_done_h *h;
	void *arg;
};

struct dial_leg {
	struct le le;
	struct pbx_dial *d;           /* borrowed */
	struct sipsess *sess;         /* owned */
	struct pbx_media *media;      /* owned */
	char *uri;                    /* owned */
};

/* Failure results in order of precedence when all legs failed. */
static const enum pbx_dial_result precedence[] = {
	PBX_DIAL_BUSY, PBX_DIAL_DECLINED, PBX_DIAL_NOANSWER,
	PBX_DIAL_UNAVAILABLE, PBX_DIAL_FAILED,
};

static void group_start(struct pbx_dial *d);


const char *pbx_dial_result_name(enum pbx_dial_result r)
{
	switch (r) {
	case PBX_DIAL_ANSWERED:    return "answered";
	case PBX_DIAL_BUSY:        return "busy";
	case PBX_DIAL_NOANSWER:    return "noanswer";
	case PBX_DIAL_UNAVAILABLE: return "unavailable";
	case PBX_DIAL_DECLINED:    return "declined";
	default:                   return "failed";
	}
}


static void leg_destructor(void *arg)
{
	struct dial_leg *l = arg;

	list_unlink(&l->le);
	l->sess = mem_deref(l->sess);   /* CANCEL or BYE */
	mem_deref(l->media);
	mem_deref(l->uri);
}


static void dial_destructor(void *arg)
{
	struct pbx_dial *d = arg;
	size_t i;

	tmr_cancel(&d->tmr);
	list_flush(&d->legs);
	for (i = 0; i < d->targetc; i++)
		mem_deref(d->targetv[i]);
	mem_deref(d->targetv);
	mem_deref(d->caller_id);
	mem_deref(d->headers);
}


static int rank(enum pbx_dial_result r)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(precedence); i++) {
		if (precedence[i] == r)
			return (int)i;
	}

	return (int)ARRAY_SIZE(precedence);
}


static void result_note(struct pbx_dial *d, enum pbx_dial_result r,
			uint16_t code, const char *reason)
{
	if (code) {
		d->code = code;
		str_ncpy(d->reason, reason ? reason : "", sizeof(d->reason));
	}

	if (!d->have_result || rank(r) < rank(d->result)) {
		d->result = r;
		d->have_result = true;
	}
}


static enum pbx_dial_result classify(uint16_t code)
{
	switch (code) {
	case 486: case 600:
		return PBX_DIAL_BUSY;
	case 603:
		return PBX_DIAL_DECLINED;
	case 408: case 487:
		return PBX_DIAL_NOANSWER;
	case 404: case 410: case 480: case 484: case 503: case 604:
		return PBX_DIAL_UNAVAILABLE;
	default:
		return PBX_DIAL_FAILED;
	}
}


/* The dial is over: tell the script (which may dial again). */
static void finish(struct pbx_dial *d, enum pbx_dial_result r)
{
	struct pbx_dial_info info;
	pbx_dial_done_h *h = d->h;
	void *arg = d->arg;

	memset(&info, 0, sizeof(info));
	info.result = r;
	info.code = d->code;
	info.reason = d->reason;
	info.answered_by = d->answered_by[0] ? d->answered_by : NULL;
	if (d->t_bridge)
		info.duration = (uint32_t)((pbx_call_now_ms() - d->t_bridge +
					    500) / 1000);

	if (d->call->dial == d)
		d->call->dial = NULL;
	if (d->call->media)
		pbx_media_unbridge(d->call->media);

	pbx_log(PBX_LOG_INFO, "call %s: dial %s (%u %s)", d->call->id,
		pbx_dial_result_name(r), d->code, d->reason);

	/* h gets pointers into d: free d only after it returns */
	mem_ref(d);
	h(&info, arg);
	list_flush(&d->legs);
	mem_deref(d);
	mem_deref(d);
}


/* All legs of the current group are gone: next target or the end. */
static void group_over(struct pbx_dial *d)
{
	if (!list_isempty(&d->legs) || d->bridged)
		return;

	tmr_cancel(&d->tmr);
	if (d->sequential && d->next < d->targetc) {
		group_start(d);
		return;
	}

	finish(d, d->have_result ? d->result : PBX_DIAL_UNAVAILABLE);
}


static void media_timeout_h(struct pbx_media *m, void *arg)
{
	struct dial_leg *l = arg;
	(void)m;

	pbx_log(PBX_LOG_WARN, "call %s: no RTP from %s: hanging up",
		l->d->call->id, l->uri);
	(void)pbx_call_hangup_cause(l->d->call, "rtp timeout");
}


/* The caller's ACK.  After a late offer (an INVITE without SDP) it holds
 * the caller's answer: only now has its leg a codec, so bridge now. */
static void caller_acked_h(int err, void *arg)
{
	struct pbx_call *c = arg;
	struct pbx_dial *d = c->dial;

	if (err || !d || !d->bridged || !c->media)
		return;

	if (pbx_media_bridge(c->media, d->bridged->media)) {
		pbx_log(PBX_LOG_WARN, "call %s: the caller's answer does not "
			"match %s's codec: hanging up", c->id,
			d->bridged->uri);
		(void)pbx_call_hangup_cause(c, "no common codec");
	}
}


/* The first 2xx: bridge, answer the caller, drop the other legs. */
static void leg_won(struct dial_leg *l)
{
	struct pbx_dial *d = l->d;
	struct pbx_call *c = d->call;
	const char *codec = pbx_media_codec(l->media);
	struct le *le;
	int err;

	d->bridged = l;
	tmr_cancel(&d->tmr);
	le = list_head(&d->legs);
	while (le) {
		struct dial_leg *o = le->data;

		le = le->next;
		if (o != l)
			mem_deref(o);
	}

	/* answer the caller first: that fixes its codec to the callee's,
	 * which the relay needs */
	err = pbx_call_connect(c, codec, caller_acked_h, c);
	if (!err || err == EALREADY)
		err = pbx_media_bridge(c->media, l->media);
	if (err == ENOTSUP && !pbx_media_codec(c->media))
		err = 0;              /* late offer: caller_acked_h bridges */
	if (err) {
		pbx_log(PBX_LOG_WARN, "call %s: cannot connect to %s (%m)",
			c->id, l->uri, err);
		d->bridged = NULL;
		result_note(d, PBX_DIAL_FAILED, 488, "no common codec");
		mem_deref(l);
		group_over(d);
		return;
	}

	d->t_bridge = pbx_call_now_ms();
	str_ncpy(d->answered_by, l->uri, sizeof(d->answered_by));
	pbx_media_watch(l->media, media_timeout_h, l);
	pbx_log(PBX_LOG_INFO, "call %s: %s answered (%s)", c->id, l->uri,
		codec);
	pbx_event_emitv("call_state", "call_id", c->id, "state", "bridged",
			"from", c->from, "to", c->to, "answered_by", l->uri,
			NULL);
}


static void b_progress_h(const struct sip_msg *msg, void *arg)
{
	struct dial_leg *l = arg;
	struct pbx_dial *d = l->d;

	if (d->bridged)
		return;

	if (mbuf_get_left(msg->mb) && !d->early &&
	    !pbx_media_remote(l->media, msg->mb, false, NULL) &&
	    !pbx_call_early(d->call, pbx_media_codec(l->media)) &&
	    !pbx_media_bridge(d->call->media, l->media)) {
		d->early = l;
		return;
	}

	if (msg->scode == 180 || msg->scode == 183)
		(void)pbx_call_ring(d->call);
}


static int b_answer_h(const struct sip_msg *msg, void *arg)
{
	struct dial_leg *l = arg;

	if (!mbuf_get_left(msg->mb))
		return 0;

	return pbx_media_remote(l->media, msg->mb, false, NULL);
}


static void b_estab_h(const struct sip_msg *msg, void *arg)
{
	struct dial_leg *l = arg;
	(void)msg;

	if (l->d->bridged) {          /* a second fork answered: drop it */
		mem_deref(l);
		return;
	}

	leg_won(l);
}


/* A re-INVITE from the callee (hold/resume): answer, pass it on. */
static int b_offer_h(struct mbuf **descp, const struct sip_msg *msg,
		     void *arg)
{
	struct dial_leg *l = arg;
	enum pbx_media_dir before = pbx_media_remote_dir(l->media);
	int err;

	if (!mbuf_get_left(msg->mb))  /* offerless re-INVITE: we offer */
		return pbx_media_offer(l->media, pbx_media_codec(l->media),
				       descp);

	err = pbx_media_remote(l->media, msg->mb, true, descp);
	if (err)
		return err;

	if (l->d->bridged == l && pbx_media_remote_dir(l->media) != before)
		(void)pbx_call_remodify(l->d->call,
					pbx_media_remote_dir(l->media));

	return 0;
}


/* A digit from a callee: on the event bus (the caller's leg gets it as
 * RFC 4733 from the media engine when it must). */
static void b_dtmf_h(struct pbx_media *m, char digit, const char *how,
		     void *arg)
{
	struct dial_leg *l = arg;
	char d[2] = {digit, '\0'};
	(void)m;

	pbx_event_emitv("dtmf", "call_id", l->d->call->id, "digit", d,
			"method", how, "leg", l->uri, NULL);
}


static void b_info_h(struct sip *sip, const struct sip_msg *msg, void *arg)
{
	struct dial_leg *l = arg;

	pbx_call_info_dtmf(sip, msg, l->media);
}


static void b_refer_h(struct sip *sip, const struct sip_msg *msg, void *arg)
{
	(void)arg;
	(void)sip_treply(NULL, sip, msg, 501, "Not Implemented");
}


static void b_close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct dial_leg *l = arg;
	struct pbx_dial *d = l->d;

	l->sess = mem_deref(l->sess);

	if (d->bridged == l) {        /* the callee hung up */
		d->bridged = NULL;
		mem_deref(l);
		finish(d, PBX_DIAL_ANSWERED);
		return;
	}

	if (msg && msg->scode >= 300) {
		char reason[64];

		(void)pl_strcpy(&msg->reason, reason, sizeof(reason));
		result_note(d, classify(msg->scode), msg->scode, reason);
	}
	else if (err == ETIMEDOUT) {
		result_note(d, PBX_DIAL_NOANSWER, 408, "Request Timeout");
	}
	else {
		result_note(d, PBX_DIAL_UNAVAILABLE, 0, NULL);
	}

	if (d->early == l) {
		d->early = NULL;
		pbx_media_unbridge(d->call->media);
	}
	mem_deref(l);
	group_over(d);
}


static void timeout_h(void *arg)
{
	struct pbx_dial *d = arg;

	result_note(d, PBX_DIAL_NOANSWER, 0, NULL);
	d->early = NULL;
	pbx_media_unbridge(d->call->media);
	list_flush(&d->legs);         /* CANCEL to every ringing leg */
	group_over(d);
}


/* One outbound leg to uri; via: where to send it (the device's source
 * address, for NAT), NULL to follow the URI. */
static int leg_start(struct pbx_dial *d, const char *uri, const char *via)
{
	struct pbx_call *c = d->call;
	struct dial_leg *l;
	struct mbuf *sdp = NULL;
	char codecs[64] = "", from_uri[256], route[128];
	const char *routev[1];
	int err;

	if (list_count(&d->legs) >= MAX_LEGS)
		return E2BIG;

	l = mem_zalloc(sizeof(*l), leg_destructor);
	if (!l)
		return ENOMEM;

	l->d = d;
	err = str_dup(&l->uri, uri);
	if (!err)
		err = pbx_media_alloc(&l->media, &c->laddr);
	if (err)
		goto out;

	pbx_media_dtmf_handler(l->media, b_dtmf_h, l);

	/* offer what the caller can take first, so that the legs can be
	 * relayed, then the rest (transcoded) */
	if (c->t_answer || c->state == PBX_CALL_EARLY)
		str_ncpy(codecs, pbx_media_codec(c->media), sizeof(codecs));
	else if (c->offer)
		(void)pbx_media_remote_codecs(c->media, codecs,
					      sizeof(codecs) - 2);
	if (codecs[0])
		strcat(codecs, ",*");
	pbx_media_set_srtp(l->media, d->srtp);
	err = pbx_media_offer(l->media, codecs[0] ? codecs : NULL, &sdp);
	if (err)
		goto out;

	re_snprintf(from_uri, sizeof(from_uri), "sip:%s@%s",
		    d->caller_id ? d->caller_id : c->from, pbx_domain());
	if (via)
		re_snprintf(route, sizeof(route), "%s", via);
	routev[0] = route;

	err = sipsess_connect(&l->sess, pbx_call_sock(), uri,
			      c->from_name[0] ? c->from_name : NULL,
			      from_uri, "pbx", via ? routev : NULL,
			      via ? 1 : 0, "application/sdp", sdp, NULL,
			      NULL, false, b_offer_h, b_answer_h,
			      b_progress_h, b_estab_h, b_info_h, b_refer_h,
			      b_close_h, l, "Allow: %s\r\n%s",
			      pbx_sip_allow(), d->headers ? d->headers : "");
	if (err)
		goto out;

	list_append(&d->legs, &l->le, l);
	pbx_log(PBX_LOG_DEBUG, "call %s: ringing %s%s%s", c->id, uri,
		via ? " via " : "", via ? via : "");

 out:
	mem_deref(sdp);
	if (err) {
		pbx_log(PBX_LOG_WARN, "call %s: cannot ring %s (%m)", c->id,
			uri, err);
		mem_deref(l);
	}

	return err;
}


static bool binding_h(const struct pbx_binding *b, void *arg)
{
	struct pbx_dial *d = arg;
	const char *contact = pbx_binding_contact(b);
	const struct sa *src = pbx_binding_source(b);
	char via[128];
	struct sip_addr addr;
	struct pl pl;
	struct sa csa;

	/* behind NAT the Contact is not where the device is: route the
	 * INVITE to the REGISTER's source address */
	pl_set_str(&pl, contact);
	if (!uri_decode(&addr.uri, &pl) &&
	    !sa_set(&csa, &addr.uri.host, addr.uri.port ? addr.uri.port :
		    5060) && sa_cmp(&csa, src, SA_ALL)) {
		(void)leg_start(d, contact, NULL);
		return false;
	}

	re_snprintf(via, sizeof(via), "sip:%J;transport=%s", src,
		    pbx_binding_transport(b));
	(void)leg_start(d, contact, via);

	return false;
}


static void target_start(struct pbx_dial *d, const char *target)
{
	if (!strncmp(target, "sip:", 4) || !strncmp(target, "sips:", 5)) {
		if (leg_start(d, target, NULL))
			result_note(d, PBX_DIAL_FAILED, 0, NULL);
		return;
	}

	if (!pbx_user_exists(target)) {
		result_note(d, PBX_DIAL_UNAVAILABLE, 404, "Not Found");
		return;
	}

	pbx_binding_apply(target, binding_h, d);
	if (list_isempty(&d->legs))
		result_note(d, PBX_DIAL_UNAVAILABLE, 480, "Not Registered");
}


/* Rings the next target (hunting) or all of them (forking). */
static void group_start(struct pbx_dial *d)
{
	while (d->next < d->targetc) {
		target_start(d, d->targetv[d->next++]);
		if (d->sequential && !list_isempty(&d->legs))
			break;
	}

	if (list_isempty(&d->legs)) {
		finish(d, d->have_result ? d->result : PBX_DIAL_UNAVAILABLE);
		return;
	}

	tmr_start(&d->tmr, (uint64_t)d->timeout * 1000, timeout_h, d);
}


int pbx_call_dial(struct pbx_call *c, const struct pbx_dial_prm *prm,
		  pbx_dial_done_h *h, void *arg)
{
	struct pbx_dial *d;
	size_t i;
	int err = 0;

	if (!c || !prm || !h || !prm->targetc || !prm->targets || prm->trunk)
		return EINVAL;
	if (c->state == PBX_CALL_ENDED)
		return ECONNRESET;
	if (c->dial)
		return EALREADY;

	d = mem_zalloc(sizeof(*d), dial_destructor);
	if (!d)
		return ENOMEM;

	list_init(&d->legs);
	tmr_init(&d->tmr);
	d->call = c;
	d->sequential = prm->sequential;
	d->srtp = prm->srtp;
	d->timeout = prm->timeout ? prm->timeout : 30;
	d->h = h;
	d->arg = arg;
	d->targetv = mem_zalloc(prm->targetc * sizeof(char *), NULL);
	if (!d->targetv)
		err = ENOMEM;
	for (i = 0; !err && i < prm->targetc; i++, d->targetc++)
		err = str_dup(&d->targetv[i], prm->targets[i]);
	if (!err && prm->caller_id)
		err = str_dup(&d->caller_id, prm->caller_id);
	if (!err && prm->headers)
		err = str_dup(&d->headers, prm->headers);
	if (err) {
		mem_deref(d);
		return err;
	}

	/* d owns itself until finish() or pbx_dial_cancel() */
	c->dial = d;
	group_start(d);

	return 0;
}


void pbx_dial_cancel(struct pbx_dial *d)
{
	if (!d)
		return;

	if (d->call->dial == d)
		d->call->dial = NULL;
	mem_deref(d);                 /* BYE/CANCEL to every leg */
}


void pbx_dial_remodify(struct pbx_dial *d, enum pbx_media_dir dir)
{
	struct dial_leg *l = d ? d->bridged : NULL;
	struct mbuf *sdp = NULL;

	if (!l || !l->sess)
		return;

	pbx_media_set_dir(l->media, dir);
	if (!pbx_media_offer(l->media, pbx_media_codec(l->media), &sdp))
		(void)sipsess_modify(l->sess, sdp);
	mem_deref(sdp);
}


int pbx_dial_legs_odict(const struct pbx_dial *d, struct odict *arr)
{
	struct le *le;
	int err = 0;

	if (!d || !arr)
		return 0;

	for (le = list_head(&d->legs); le && !err; le = le->next)
		err = pbx_media_leg_odict(((struct dial_leg *)le->data)->media,
					  arr);

	return err;
}
