/* registrar.c: REGISTER requests (RFC 3261 10.3) with digest auth.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Answers are sent statelessly (sip_reply), as registrars commonly do: a
 * REGISTER retransmitted after its 200 is known by reg_answered.c and
 * gets a 200 listing the bindings again; before that it is simply
 * handled again (a new challenge, or the same binding).  A server
 * transaction would keep the request, its answer and a 32 s timer per
 * REGISTER: at 5,000 registrations a second 400 MB, and a timer list
 * that every other timer start of libre walks.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "core.h"


enum {
	MAX_CONTACTS = 16,        /* Contact values in one REGISTER      */
	STREAM_MAX_EXPIRES = 600, /* libre closes idle TCP after 900 s   */
};

struct pbx_registrar {
	struct sip_lsnr *lsnr;    /* owned */
	struct pbx_reg_answered *answered;  /* owned: for retransmissions */
	uint32_t min_expires;     /* seconds */
	uint32_t max_expires;
	uint32_t def_expires;
};

/* One Contact of the request, checked before anything is changed. */
struct reg_contact {
	struct pl uri;            /* inside <...>                        */
	uint32_t expires;
};

struct reg_req {
	const struct sip_msg *msg;
	struct pbx_registrar *r;
	struct reg_contact cv[MAX_CONTACTS];
	size_t cc;
	bool star;
	uint32_t too_brief;       /* set when a contact asks for less    */
	int err;                  /* 400 on a bad Contact                */
};


static const char *transp_name(enum sip_transp tp)
{
	switch (tp) {
	case SIP_TRANSP_UDP: return "udp";
	case SIP_TRANSP_TCP: return "tcp";
	case SIP_TRANSP_TLS: return "tls";
	case SIP_TRANSP_WS:  return "ws";
	case SIP_TRANSP_WSS: return "wss";
	default:             return "?";
	}
}


/* delta-seconds (RFC 3261 25.1): digits only; a larger value than fits
 * is capped.  false for anything malformed. */
static bool delta_decode(const struct pl *pl, uint32_t *valp)
{
	uint64_t v = 0;
	size_t i;

	if (!pl_isset(pl) || !pl->l)
		return false;

	for (i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
		if (v < UINT32_MAX)
			v = v * 10 + (uint64_t)(pl->p[i] - '0');
	}

	*valp = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;

	return true;
}


/* The contact's expires parameter, else the Expires header, else the
 * default; a malformed value counts as absent (RFC 3261 20.19). */
static uint32_t expires_of(const struct reg_req *rq,
			   const struct sip_addr *addr)
{
	const struct pbx_registrar *r = rq->r;
	struct pl pl;
	uint32_t e;

	if (!msg_param_decode(&addr->params, "expires", &pl) &&
	    delta_decode(&pl, &e))
		;
	else if (!delta_decode(&rq->msg->expires, &e))
		e = r->def_expires;

	if (e > r->max_expires)
		e = r->max_expires;
	if (e && rq->msg->tp != SIP_TRANSP_UDP && e > STREAM_MAX_EXPIRES)
		e = STREAM_MAX_EXPIRES;

	return e;
}


static bool contact_h(const struct sip_hdr *hdr, const struct sip_msg *msg,
		      void *arg)
{
	struct reg_req *rq = arg;
	struct sip_addr addr;
	uint32_t e;
	(void)msg;

	if (!pl_strcmp(&hdr->val, "*")) {
		rq->star = true;
		return false;
	}

	if (sip_addr_decode(&addr, &hdr->val) ||
	    (pl_strcasecmp(&addr.uri.scheme, "sip") &&
	     pl_strcasecmp(&addr.uri.scheme, "sips")) ||
	    addr.auri.l > 512) {
		rq->err = EBADMSG;
		return true;
	}

	if (rq->cc >= MAX_CONTACTS) {
		rq->err = E2BIG;
		return true;
	}

	e = expires_of(rq, &addr);
	if (e && e < rq->r->min_expires)
		rq->too_brief = rq->r->min_expires;

	rq->cv[rq->cc].uri = addr.auri;
	rq->cv[rq->cc].expires = e;
	++rq->cc;

	return false;
}


static int binding_set(const struct reg_req *rq, const char *ext,
		       const struct reg_contact *rc)
{
	const struct sip_msg *msg = rq->msg;
	const struct sip_hdr *ua = sip_msg_hdr(msg, SIP_HDR_USER_AGENT);
	char contact[520], callid[256], agent[256] = "";
	struct pbx_binding_prm prm;
	int err;

	(void)pl_strcpy(&rc->uri, contact, sizeof(contact));
	(void)pl_strcpy(&msg->callid, callid, sizeof(callid));
	if (ua)
		(void)pl_strcpy(&ua->val, agent, sizeof(agent));

	memset(&prm, 0, sizeof(prm));
	prm.ext = ext;
	prm.contact = contact;
	prm.source = &msg->src;
	prm.transport = transp_name(msg->tp);
	prm.user_agent = agent;
	prm.call_id = callid;
	prm.cseq = msg->cseq.num;
	prm.expires = rc->expires;

	err = pbx_location_update(&prm);

	return err == EALREADY ? 0 : err;   /* an old retransmission */
}


static bool contact_print_h(const struct pbx_binding *b, void *arg)
{
	struct mbuf *mb = arg;

	return mbuf_printf(mb, "Contact: <%s>;expires=%u\r\n",
			   pbx_binding_contact(b), pbx_binding_expires(b))
		!= 0;
}


/* 200 OK listing every current binding of the extension (10.3 step 8). */
static void reply_ok(const struct sip_msg *msg, const char *ext)
{
	struct mbuf *mb = mbuf_alloc(512);
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	if (!mb)
		return;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	pbx_binding_apply(ext, contact_print_h, mb);

	(void)sip_replyf(pbx_sip(), msg, 200, "OK",
			  "%bDate: %s\r\nAllow: %s\r\n"
			  "Content-Length: 0\r\n\r\n", mb->buf, mb->end, date,
			  pbx_sip_allow());
	mem_deref(mb);
}


static int apply(struct reg_req *rq, const char *ext)
{
	const struct sip_msg *msg = rq->msg;
	size_t i;
	int err;

	if (rq->star) {
		uint32_t e;

		if (rq->cc || !delta_decode(&msg->expires, &e) || e != 0) {
			(void)sip_reply(pbx_sip(), msg, 400, "Contact *"
					 " needs Expires: 0 and no other "
					 "Contact");
			return EBADMSG;
		}
		pbx_location_remove_ext(ext);
		return 0;
	}

	for (i = 0; i < rq->cc; i++) {
		err = binding_set(rq, ext, &rq->cv[i]);
		if (err == ENOSPC) {
			(void)sip_reply(pbx_sip(), msg, 403, "Too Many "
					 "Devices Registered");
			return err;
		}
		if (err) {
			(void)sip_reply(pbx_sip(), msg, 500, "Server "
					 "Internal Error");
			return err;
		}
	}

	return 0;
}


static void handle(struct pbx_registrar *r, const struct sip_msg *msg)
{
	struct reg_req rq;
	char ext[64];
	const char *answered;
	struct sip *sip = pbx_sip();

	if (!pbx_sip_is_local(&msg->uri.host, msg->uri.port)) {
		(void)sip_reply(sip, msg, 404, "Domain Not Served");
		return;
	}

	if (sip_msg_hdr(msg, SIP_HDR_REQUIRE)) {
		const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_REQUIRE);

		(void)sip_replyf(sip, msg, 420,
				  "Bad Extension", "Unsupported: %r\r\n"
				  "Content-Length: 0\r\n\r\n", &h->val);
		return;
	}

	memset(&rq, 0, sizeof(rq));
	rq.msg = msg;
	rq.r = r;
	(void)sip_msg_hdr_apply(msg, true, SIP_HDR_CONTACT, contact_h, &rq);
	if (rq.err) {
		(void)sip_reply(sip, msg, 400, rq.err == E2BIG ?
				 "Too Many Contacts" : "Bad Contact");
		return;
	}

	/* a retransmission of a REGISTER we answered 200: its nonce count
	 * was used, so it is not authenticated again */
	answered = pbx_reg_answered_find(r->answered, msg);
	if (answered) {
		reply_ok(msg, answered);
		return;
	}

	/* authenticate before telling anything about the AOR */
	if (pbx_auth_request(msg, false, ext, sizeof(ext)))
		return;

	if (pl_strcmp(&msg->to.uri.user, ext) ||
	    !pbx_sip_is_local(&msg->to.uri.host, msg->to.uri.port)) {
		pbx_log(PBX_LOG_WARN, "registrar: %s may not register %r@%r",
			ext, &msg->to.uri.user, &msg->to.uri.host);
		(void)sip_reply(sip, msg, 403, "Forbidden");
		return;
	}

	if (rq.too_brief) {
		(void)sip_replyf(sip, msg, 423,
				  "Interval Too Brief", "Min-Expires: %u\r\n"
				  "Content-Length: 0\r\n\r\n", rq.too_brief);
		return;
	}

	if (apply(&rq, ext))
		return;

	reply_ok(msg, ext);
	pbx_reg_answered_add(r->answered, msg, ext);
}


static bool request_h(const struct sip_msg *msg, void *arg)
{
	if (pl_strcmp(&msg->met, "REGISTER"))
		return false;

	handle(arg, msg);

	return true;
}


static void registrar_destructor(void *arg)
{
	struct pbx_registrar *r = arg;

	mem_deref(r->lsnr);
	mem_deref(r->answered);
}


int pbx_registrar_start(void)
{
	struct pbx_core *c = pbx_core();
	struct pbx_registrar *r;
	int err;

	if (!c || !pbx_sip())
		return EINVAL;

	r = mem_zalloc(sizeof(*r), registrar_destructor);
	if (!r)
		return ENOMEM;

	err = pbx_conf_u32("reg_min_expires", 60, 1, 86400, &r->min_expires);
	if (!err)
		err = pbx_conf_u32("reg_max_expires", 3600, 1, 604800,
				   &r->max_expires);
	if (!err)
		err = pbx_conf_u32("reg_default_expires", 3600, 1, 604800,
				   &r->def_expires);
	if (!err && r->min_expires > r->max_expires)
		err = pbx_conf_error("reg_min_expires", "greater than "
				     "reg_max_expires (%u)", r->max_expires);
	if (!err && (r->def_expires < r->min_expires ||
		     r->def_expires > r->max_expires))
		err = pbx_conf_error("reg_default_expires", "not between "
				     "reg_min_expires and reg_max_expires");
	if (!err)
		err = pbx_reg_answered_alloc(&r->answered);
	if (!err)
		err = sip_listen(&r->lsnr, pbx_sip(), true, request_h, r);
	if (err) {
		mem_deref(r);
		return err;
	}

	c->reg = r;

	return 0;
}


void pbx_registrar_stop(void)
{
	struct pbx_core *c = pbx_core();

	if (c)
		c->reg = mem_deref(c->reg);
}
