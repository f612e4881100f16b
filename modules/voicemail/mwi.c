/* mwi.c: message-waiting indication (RFC 3842) by SUBSCRIBE/NOTIFY.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A phone subscribes to sip:BOX@DOMAIN with Event: message-summary,
 * authenticated as BOX, and gets a NOTIFY with the counts at once and on
 * every change.  libre's sipevent keeps the dialogs: refreshes (re-NOTIFY
 * with the last body), 423 for too brief refreshes, expiry, and the
 * final "terminated" NOTIFY when a subscription is unsubscribed (Expires:
 * 0, reported to us as ETIMEDOUT) or dropped.
 *
 * Routing: the sipevent socket is made without a subscribe handler, and
 * initial SUBSCRIBEs are taken by a listener of our own, registered
 * before it.  The reason is unloading: a notifier that still sends its
 * final NOTIFY holds the socket (and its listener) for up to 32 s after
 * vm_mwi_stop, and a subscribe handler there would point into the
 * unloaded module.  Our listener goes with vm_mwi_stop; what lives on is
 * libre's code only (notifiers' close handlers are replaced by libre on
 * termination).  Both listeners are added while the module loads, so
 * the core's catch-all (405/501), which pbx_sip_lsnr_refresh moves to the
 * end after every module load, comes after them.  SUBSCRIBEs for other
 * events are left to later listeners (the catch-all answers them).
 * Note that the socket answers every NOTIFY sent to pbxd (481: we
 * subscribe to nothing), as any libre sipevent socket does.
 *
 * With voicemail_mwi_unsolicited, a change is also sent as an
 * out-of-dialog NOTIFY to every registered contact of the box, through
 * the address its REGISTER came from (as natping does), for phones set up
 * to take MWI without subscribing.  Nobody waits for those answers.  A
 * contact that newly registers gets the counts too when the box holds
 * messages (MWI_FRESH_MS later, after its 200 OK has gone out), so a
 * phone shows the lamp at once.
 */
#include <string.h>
#include <re.h>
#include "pbx.h"
#include "vm.h"


enum {
	MWI_HASH_SIZE  = 64,
	MWI_EXPIRES_MIN = 60,     /* s: shorter: 423 (RFC 6665 4.2.1.1)  */
	MWI_EXPIRES_DFL = 3600,   /* s: when the SUBSCRIBE has none      */
	MWI_EXPIRES_MAX = 3600,   /* s: longer ones are cut to this      */
};

enum {
	MWI_FRESH_MS = 500,       /* register -> its unsolicited NOTIFY  */
};

static const char mwi_ctype[] = "application/simple-message-summary";

struct mwi {
	struct sip_lsnr *lsnr;        /* owned: initial SUBSCRIBEs      */
	struct sipevent_sock *sock;   /* owned: dialogs, refreshes      */
	struct list subs;             /* struct mwi_sub                 */
	struct list fresh;            /* struct mwi_fresh               */
};

/* One accepted subscription. */
struct mwi_sub {
	struct le le;                 /* in mwi->subs                   */
	struct sipnot *not;           /* owned: libre's notifier        */
	char box[VM_BOX_MAX];
};

/* One registered contact for an unsolicited NOTIFY. */
struct mwi_contact {
	struct le le;
	char *uri;                    /* owned: the Contact URI         */
	char *route;                  /* owned: sip:SOURCE;transport=X  */
};

/* A contact that just registered, before its unsolicited NOTIFY. */
struct mwi_fresh {
	struct le le;                 /* in mwi->fresh                  */
	struct tmr tmr;
	char box[VM_BOX_MAX];
	char *contact;                /* owned: its Contact URI         */
};

static struct mwi *mwi;

static void register_h(const char *name, const struct odict *fields,
		       void *arg);


static void sub_destructor(void *arg)
{
	struct mwi_sub *s = arg;

	list_unlink(&s->le);
	/* a notifier still subscribed sends its final NOTIFY itself and
	 * calls none of our handlers from then on */
	mem_deref(s->not);
}


static void mwi_destructor(void *arg)
{
	struct mwi *m = arg;

	/* our listeners first: no new subscription from here on */
	pbx_event_unlisten(register_h, NULL);
	mem_deref(m->lsnr);
	list_flush(&m->fresh);
	list_flush(&m->subs);
	mem_deref(m->sock);
}


static void contact_destructor(void *arg)
{
	struct mwi_contact *c = arg;

	mem_deref(c->uri);
	mem_deref(c->route);
}


int vm_mwi_body(struct re_printf *pf, const char *box, unsigned nnew,
		unsigned nold)
{
	if (!box)
		return EINVAL;

	return re_hprintf(pf, "Messages-Waiting: %s\r\n"
			  "Message-Account: sip:%s@%s\r\n"
			  "Voice-Message: %u/%u (0/0)\r\n",
			  nnew ? "yes" : "no", box, pbx_domain(), nnew, nold);
}


static int mb_print_h(const char *p, size_t size, void *arg)
{
	return mbuf_write_mem(arg, (const uint8_t *)p, size);
}


/* The body with the box's current counts, ready to send (pos 0). */
static int body_alloc(struct mbuf **mbp, const char *box)
{
	unsigned nnew = 0, nold = 0;
	struct re_printf pf;
	struct mbuf *mb;
	int err;

	err = vm_counts(box, &nnew, &nold);
	if (err) {
		/* the phone still gets an answer; the next change fixes it */
		pbx_log(PBX_LOG_WARN, "voicemail: %s: cannot count messages "
			"for MWI (%m)", box, err);
		nnew = nold = 0;
	}

	mb = mbuf_alloc(128);
	if (!mb)
		return ENOMEM;

	pf.vph = mb_print_h;
	pf.arg = mb;
	err = vm_mwi_body(&pf, box, nnew, nold);
	if (err) {
		mem_deref(mb);
		return err;
	}

	mb->pos = 0;
	*mbp = mb;

	return 0;
}


/* Expiry, unsubscribe (ETIMEDOUT) or a NOTIFY that failed: libre has
 * terminated the notifier already (and sends the final NOTIFY). */
static void not_close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct mwi_sub *s = arg;

	pbx_log(PBX_LOG_DEBUG, "voicemail: %s: MWI subscription ended "
		"(%m, %u)", s->box, err, msg ? msg->scode : 0);
	mem_deref(s);
}


/* The Request-URI names our domain (or the address the request came
 * to: phones often subscribe to sip:BOX@IP). */
static bool uri_is_ours(const struct sip_msg *msg)
{
	struct sa a;

	if (!pl_strcasecmp(&msg->uri.host, pbx_domain()))
		return true;

	if (sa_set(&a, &msg->uri.host, msg->uri.port ? msg->uri.port :
		   sa_port(&msg->dst)))
		return false;

	return sa_cmp(&a, &msg->dst, SA_ALL);
}


static void subscribe_accept(const struct sip_msg *msg,
			     const struct sipevent_event *se,
			     const char *box)
{
	struct sip *sip = pbx_sip();
	struct mwi_sub *s;
	struct mbuf *mb = NULL;
	int err;

	s = mem_zalloc(sizeof(*s), sub_destructor);
	if (!s) {
		(void)sip_treply(NULL, sip, msg, 500, "Out of Memory");
		return;
	}
	str_ncpy(s->box, box, sizeof(s->box));

	/* sends the 200 (with Expires, cut to the maximum) */
	err = sipevent_accept(&s->not, mwi->sock, msg, NULL, se, 200, "OK",
			      MWI_EXPIRES_MIN, MWI_EXPIRES_DFL,
			      MWI_EXPIRES_MAX, box, mwi_ctype, NULL, NULL,
			      false, not_close_h, s, NULL);
	if (err) {
		pbx_log(PBX_LOG_WARN, "voicemail: %s: cannot accept MWI "
			"SUBSCRIBE (%m)", box, err);
		(void)sip_treply(NULL, sip, msg, 500, "Server Error");
		mem_deref(s);
		return;
	}
	list_append(&mwi->subs, &s->le, s);

	/* RFC 6665 4.2.1.2: a NOTIFY right after accepting.  With Expires:
	 * 0 (a fetch) libre keeps the body for the terminated NOTIFY it
	 * sends when the subscription ends a moment later. */
	err = body_alloc(&mb, box);
	if (!err)
		err = sipevent_notify(s->not, mb, SIPEVENT_ACTIVE, 0, 0);
	mem_deref(mb);
	if (err)
		pbx_log(PBX_LOG_WARN, "voicemail: %s: cannot send MWI NOTIFY "
			"(%m)", box, err);

	pbx_log(PBX_LOG_DEBUG, "voicemail: %s: MWI subscription from %J",
		box, &msg->src);
}


/* Initial SUBSCRIBEs (no To tag) for message-summary; anything else
 * goes on to the next listener. */
static bool subscribe_h(const struct sip_msg *msg, void *arg)
{
	struct sip *sip = pbx_sip();
	const struct sip_hdr *h;
	struct sipevent_event se;
	char box[VM_BOX_MAX], ext[VM_BOX_MAX];
	uint32_t expires;
	(void)arg;

	if (!mwi || pl_strcmp(&msg->met, "SUBSCRIBE") ||
	    pl_isset(&msg->to.tag))
		return false;

	h = sip_msg_hdr(msg, SIP_HDR_EVENT);
	if (!h || sipevent_event_decode(&se, &h->val) ||
	    pl_strcasecmp(&se.event, "message-summary"))
		return false;

	if (!pl_isset(&msg->uri.user) || msg->uri.user.l >= sizeof(box) ||
	    !uri_is_ours(msg)) {
		(void)sip_treply(NULL, sip, msg, 404, "Not Found");
		return true;
	}
	(void)pl_strcpy(&msg->uri.user, box, sizeof(box));

	/* answered (challenge or 403) unless it returns 0 */
	if (pbx_auth_request(msg, false, ext, sizeof(ext)))
		return true;

	if (strcmp(ext, box)) {
		pbx_log(PBX_LOG_INFO, "voicemail: %s may not subscribe to the "
			"messages of %s", ext, box);
		(void)sip_treply(NULL, sip, msg, 403, "Forbidden");
		return true;
	}

	expires = pl_isset(&msg->expires) ? pl_u32(&msg->expires) :
		MWI_EXPIRES_DFL;
	if (expires > 0 && expires < MWI_EXPIRES_MIN) {
		(void)sip_treplyf(NULL, NULL, sip, msg, false, 423,
				  "Interval Too Brief", "Min-Expires: %u\r\n"
				  "Content-Length: 0\r\n\r\n",
				  MWI_EXPIRES_MIN);
		return true;
	}

	subscribe_accept(msg, &se, box);

	return true;
}


/* Collects contacts only: nothing is sent while the core walks its
 * bindings. */
static bool binding_h(const struct pbx_binding *b, void *arg)
{
	struct list *contacts = arg;
	struct mwi_contact *c;
	const char *tp = pbx_binding_transport(b);
	const struct sa *src = pbx_binding_source(b);

	if (!tp || !src || !pbx_binding_contact(b))
		return false;

	c = mem_zalloc(sizeof(*c), contact_destructor);
	if (!c)
		return true;

	if (str_dup(&c->uri, pbx_binding_contact(b)) ||
	    re_sdprintf(&c->route, "sip:%J;transport=%s", src, tp)) {
		mem_deref(c);
		return true;
	}
	list_append(contacts, &c->le, c);

	return false;
}


/* One out-of-dialog NOTIFY, routed through the REGISTER's source (RFC
 * 3261 8.1.2: the first Route is the next hop).  No response handler:
 * nothing of ours runs when the answer comes, even after unloading. */
static int unsolicited_send(const struct mwi_contact *c, const char *box,
			    const struct mbuf *mb)
{
	struct sip_dialog *dlg = NULL;
	const char *routev[1] = {c->route};
	char to[128], from[128];
	int err;

	if (re_snprintf(to, sizeof(to), "sip:%s@%s", box, pbx_domain()) < 0 ||
	    re_snprintf(from, sizeof(from), "sip:voicemail@%s",
			pbx_domain()) < 0)
		return ENOMEM;

	err = sip_dialog_alloc(&dlg, c->uri, to, NULL, from, routev, 1);
	if (err)
		return err;

	err = sip_drequestf(NULL, pbx_sip(), true, "NOTIFY", dlg, 0, NULL,
			    NULL, NULL, NULL,
			    "Event: message-summary\r\n"
			    "Subscription-State: active\r\n"
			    "Content-Type: %s\r\n"
			    "Content-Length: %zu\r\n\r\n%b",
			    mwi_ctype, mbuf_get_left(mb), mbuf_buf(mb),
			    mbuf_get_left(mb));
	mem_deref(dlg);           /* the request copied what it needs */

	return err;
}


/* To the box's registered contacts; only the one whose URI is only,
 * unless that is NULL. */
static void unsolicited(const char *box, const struct mbuf *mb,
			const char *only)
{
	struct list contacts = LIST_INIT;
	struct le *le;

	pbx_binding_apply(box, binding_h, &contacts);

	for (le = list_head(&contacts); le; le = le->next) {
		const struct mwi_contact *c = le->data;
		int err;

		if (only && strcmp(c->uri, only))
			continue;

		err = unsolicited_send(c, box, mb);
		if (err)
			pbx_log(PBX_LOG_DEBUG, "voicemail: %s: cannot send "
				"MWI NOTIFY to %s (%m)", box, c->uri, err);
	}

	list_flush(&contacts);
}


void vm_mwi_changed(const char *box)
{
	struct mbuf *mb = NULL;
	struct le *le;

	if (!mwi || !box || !pbx_sip())
		return;

	if (body_alloc(&mb, box))
		return;

	for (le = list_head(&mwi->subs); le; le = le->next) {
		struct mwi_sub *s = le->data;
		int err;

		if (strcmp(s->box, box))
			continue;

		/* each notifier references mb; libre queues the NOTIFY
		 * when one is still in flight */
		err = sipevent_notify(s->not, mb, SIPEVENT_ACTIVE, 0, 0);
		if (err)
			pbx_log(PBX_LOG_DEBUG, "voicemail: %s: MWI NOTIFY "
				"not sent (%m)", box, err);
	}

	if (vm_conf()->mwi_unsolicited)
		unsolicited(box, mb, NULL);

	mem_deref(mb);
}


static void fresh_destructor(void *arg)
{
	struct mwi_fresh *f = arg;

	tmr_cancel(&f->tmr);
	list_unlink(&f->le);
	mem_deref(f->contact);
}


static void fresh_h(void *arg)
{
	struct mwi_fresh *f = arg;
	unsigned nnew = 0, nold = 0;
	struct mbuf *mb = NULL;

	/* an empty box: the lamp of a phone that starts is off anyway */
	if (!vm_counts(f->box, &nnew, &nold) && nnew + nold &&
	    !body_alloc(&mb, f->box))
		unsolicited(f->box, mb, f->contact);

	mem_deref(mb);
	mem_deref(f);
}


/* The core's "register" event: a new contact (not a refresh). */
static void register_h(const char *name, const struct odict *fields,
		       void *arg)
{
	const char *ext, *contact;
	struct mwi_fresh *f;
	(void)arg;

	if (!mwi || !vm_conf()->mwi_unsolicited || strcmp(name, "register"))
		return;

	ext = odict_string(fields, "ext");
	contact = odict_string(fields, "contact");
	if (!ext || !contact || strlen(ext) >= VM_BOX_MAX)
		return;

	f = mem_zalloc(sizeof(*f), fresh_destructor);
	if (!f)
		return;

	str_ncpy(f->box, ext, sizeof(f->box));
	if (str_dup(&f->contact, contact)) {
		mem_deref(f);
		return;
	}

	list_append(&mwi->fresh, &f->le, f);
	tmr_start(&f->tmr, MWI_FRESH_MS, fresh_h, f);
}


int vm_mwi_start(void)
{
	struct sip *sip = pbx_sip();
	int err;

	if (mwi)
		return EALREADY;
	if (!sip)
		return EINVAL;

	mwi = mem_zalloc(sizeof(*mwi), mwi_destructor);
	if (!mwi)
		return ENOMEM;

	/* ours before the socket's (see the top of the file) */
	err = sip_listen(&mwi->lsnr, sip, true, subscribe_h, NULL);
	if (err)
		goto out;

	err = sipevent_listen(&mwi->sock, sip, MWI_HASH_SIZE, MWI_HASH_SIZE,
			      NULL, NULL);
	if (!err)
		err = pbx_event_listen(register_h, NULL);

 out:
	if (err)
		mwi = mem_deref(mwi);

	return err;
}


/* Subscribers get a terminated NOTIFY (reason "deactivated": they may
 * subscribe again at once, e.g. to the module loaded again). */
void vm_mwi_stop(void)
{
	mwi = mem_deref(mwi);
}
