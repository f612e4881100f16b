/* ping.c: OPTIONS pings to registered UDP contacts and what they tell.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A phone behind NAT is reachable only while its NAT keeps the mapping
 * the REGISTER opened, often for just 30-60 s of silence on UDP.  Like
 * Kamailio's nathelper we send each UDP contact an out-of-dialog OPTIONS
 * now and then, to the REGISTER's source address (the NAT's outside),
 * which keeps the mapping open and tells whether the phone is still
 * there.  Any final response, even 404 or 405, proves the path works; a
 * transaction timeout (32 s in libre) counts as a failure, and
 * NATPING_MAX_FAILURES of them in a row make the contact unreachable.
 *
 * A 1 s tick walks the bindings: a new contact gets a random first due
 * time within one interval, and from then on is pinged one interval
 * after its last ping, so pings are spread over the interval instead of
 * bursting (also after a restart, when every binding appears at once).
 * The walk costs O(bindings) per second, fine for an office PBX.
 */
#include <string.h>
#include <time.h>
#include <re.h>
#include "pbx.h"
#include "natping.h"


enum {
	NATPING_TICK_MS = 1000,
	NATPING_HASH_SIZE = 256,
	NATPING_MAX_INFLIGHT = 128, /* OPTIONS awaiting an answer at once */
	NATPING_MAX_FAILURES = 3,   /* in a row: the contact is unreachable */
};

struct natping {
	struct tmr tmr;           /* the tick, every NATPING_TICK_MS      */
	struct hash *ht;          /* owned: natping_contact by Contact URI */
	uint64_t interval_ms;     /* from one ping of a contact to the next */
	uint64_t now;             /* jiffies (ms) of the current tick      */
	unsigned inflight;        /* pings awaiting a final response       */
	unsigned gen;             /* number of the current tick            */
};

struct natping_contact {
	struct le he;
	struct natping *np;       /* borrowed: np outlives its contacts    */
	struct sip_request *req;  /* owned: the ping in flight, or NULL    */
	char *ext;                /* owned */
	char *contact;            /* owned: the binding's Contact URI      */
	struct sa source;         /* the binding's source (NAT) address    */
	uint64_t due;             /* jiffies (ms) when the next ping is due */
	uint64_t sent_at;         /* jiffies (ms) of the ping in flight    */
	uint64_t last_answer;     /* unix time (s), 0: never               */
	uint32_t sent;
	uint32_t answered;
	uint32_t failures;        /* consecutive; reset by any answer      */
	int32_t rtt_ms;           /* last round trip, -1: none yet         */
	unsigned gen;             /* last tick that saw the binding        */
	bool unreachable;         /* natping_unreachable was emitted       */
};


static void contact_destructor(void *arg)
{
	struct natping_contact *c = arg;

	/* dropping a request in flight cancels it: libre forgets our
	 * response handler, so it cannot fire after this */
	if (c->req) {
		--c->np->inflight;
		c->req = mem_deref(c->req);
	}
	hash_unlink(&c->he);
	mem_deref(c->ext);
	mem_deref(c->contact);
}


static void natping_destructor(void *arg)
{
	struct natping *np = arg;

	tmr_cancel(&np->tmr);
	hash_flush(np->ht);
	mem_deref(np->ht);
}


static bool contact_cmp(struct le *le, void *arg)
{
	const struct natping_contact *c = le->data;
	const struct pbx_binding *b = arg;

	return !strcmp(c->ext, pbx_binding_ext(b)) &&
		!strcmp(c->contact, pbx_binding_contact(b));
}


static int contact_alloc(struct natping_contact **cp, struct natping *np,
			 const struct pbx_binding *b)
{
	struct natping_contact *c;
	int err;

	c = mem_zalloc(sizeof(*c), contact_destructor);
	if (!c)
		return ENOMEM;

	c->np = np;
	c->rtt_ms = -1;
	err = str_dup(&c->ext, pbx_binding_ext(b));
	if (!err)
		err = str_dup(&c->contact, pbx_binding_contact(b));
	if (err) {
		mem_deref(c);
		return err;
	}

	/* a random first turn spreads the pings over the interval */
	c->due = np->now + rand_u32() % np->interval_ms;
	hash_append(np->ht, hash_joaat_str(c->contact), &c->he, c);
	*cp = c;

	return 0;
}


static const char *contact_state(const struct natping_contact *c)
{
	if (c->unreachable)
		return "unreachable";

	return c->answered && !c->failures ? "ok" : "pending";
}


static void contact_answered(struct natping_contact *c, uint16_t scode)
{
	char src[64];

	++c->answered;
	c->failures = 0;
	c->rtt_ms = (int32_t)(tmr_jiffies() - c->sent_at);
	c->last_answer = (uint64_t)time(NULL);

	if (!c->unreachable)
		return;

	c->unreachable = false;
	re_snprintf(src, sizeof(src), "%J", &c->source);
	pbx_log(PBX_LOG_INFO, "natping: %s: %s at %s answers again (%u)",
		c->ext, c->contact, src, scode);
	pbx_event_emitv("natping_reachable", "ext", c->ext, "contact",
			c->contact, "source", src, NULL);
}


static void contact_failed(struct natping_contact *c, int err)
{
	char src[64];

	++c->failures;
	re_snprintf(src, sizeof(src), "%J", &c->source);
	pbx_log(PBX_LOG_DEBUG, "natping: %s: %s at %s: no answer (%m)",
		c->ext, c->contact, src, err);

	if (c->unreachable || c->failures < NATPING_MAX_FAILURES)
		return;

	c->unreachable = true;
	pbx_log(PBX_LOG_WARN, "natping: %s: %s at %s is unreachable (%u "
		"pings unanswered)", c->ext, c->contact, src, c->failures);
	pbx_event_emitv("natping_unreachable", "ext", c->ext, "contact",
			c->contact, "source", src, NULL);
}


/* Called for provisional responses too, and once with the final one or
 * an error (ETIMEDOUT when nothing came back). */
static void resp_h(int err, const struct sip_msg *msg, void *arg)
{
	struct natping_contact *c = arg;

	if (!err && msg && msg->scode < 200)
		return;

	c->req = NULL;            /* libre cleared it already; be explicit */
	--c->np->inflight;

	/* the SIP stack is being torn down: says nothing about the phone */
	if (err == ECONNABORTED)
		return;

	if (!err && msg)
		contact_answered(c, msg->scode);
	else
		contact_failed(c, err ? err : EPROTO);
}


/* Sends one OPTIONS to the contact's URI, routed through its source
 * address (RFC 3261 8.1.2: the first Route is the next hop), so the
 * request crosses the NAT mapping the REGISTER opened. */
static int ping_send(struct natping_contact *c)
{
	struct sip_dialog *dlg = NULL;
	char route[80], from[300];
	const char *routev[1] = {route};
	struct sip *sip = pbx_sip();
	int err;

	if (!sip)
		return ENOTCONN;

	/* sip_dialog_alloc writes "Route: <ROUTE;lr>" */
	if (re_snprintf(route, sizeof(route), "sip:%J;transport=udp",
			&c->source) < 0 ||
	    re_snprintf(from, sizeof(from), "sip:natping@%s",
			pbx_domain()) < 0)
		return ENOMEM;

	err = sip_dialog_alloc(&dlg, c->contact, c->contact, NULL, from,
			       routev, 1);
	if (err)
		return err;

	err = sip_drequestf(&c->req, sip, true, "OPTIONS", dlg, 0, NULL,
			    NULL, resp_h, c, "Content-Length: 0\r\n\r\n");
	mem_deref(dlg);          /* the request copied what it needs */

	return err;
}


static void contact_ping(struct natping_contact *c)
{
	struct natping *np = c->np;
	int err;

	c->due = np->now + np->interval_ms;
	c->sent_at = tmr_jiffies();
	++c->sent;

	err = ping_send(c);
	if (err) {
		/* e.g. a Contact URI libre cannot send to: the phone is
		 * unreachable for us all the same */
		contact_failed(c, err);
		return;
	}

	++np->inflight;
}


/* Brings the contacts up to date with the bindings; sends nothing, so
 * no event listener runs while the core walks its bindings. */
static bool binding_h(const struct pbx_binding *b, void *arg)
{
	struct natping *np = arg;
	struct natping_contact *c;
	const char *tp = pbx_binding_transport(b);

	/* stream transports have their own keepalive (and the connection
	 * is the mapping); only UDP needs pinging */
	if (!tp || strcmp(tp, "udp") || !pbx_binding_contact(b) ||
	    !pbx_binding_ext(b) || !pbx_binding_source(b))
		return false;

	c = list_ledata(hash_lookup(np->ht,
				    hash_joaat_str(pbx_binding_contact(b)),
				    contact_cmp, (void *)b));
	if (!c && contact_alloc(&c, np, b))
		return false;     /* out of memory: try again next tick */

	c->gen = np->gen;
	c->source = *pbx_binding_source(b);

	return false;
}


/* Forgets contacts whose binding is gone (expired, unregistered, or no
 * longer UDP; a ping in flight is cancelled) and pings those whose turn
 * it is.  The walk starts at another bucket each tick, so that when
 * NATPING_MAX_INFLIGHT is reached (dead contacts hold a slot for 32 s)
 * no contact waits for a slot forever. */
static void sweep(struct natping *np)
{
	uint32_t i, n = hash_bsize(np->ht);

	for (i = 0; i < n; i++) {
		struct le *le = list_head(hash_list(np->ht,
						    (np->gen + i) % n));

		while (le) {
			struct natping_contact *c = le->data;

			le = le->next;
			if (c->gen != np->gen)
				mem_deref(c);
			else if (!c->req && c->due <= np->now &&
				 np->inflight < NATPING_MAX_INFLIGHT)
				contact_ping(c);
		}
	}
}


static void tick_h(void *arg)
{
	struct natping *np = arg;

	tmr_start(&np->tmr, NATPING_TICK_MS, tick_h, np);

	np->now = tmr_jiffies();
	++np->gen;
	pbx_binding_apply(NULL, binding_h, np);
	sweep(np);
}


int natping_alloc(struct natping **npp, uint32_t interval_s)
{
	struct natping *np;
	int err;

	if (!npp || !interval_s)
		return EINVAL;

	np = mem_zalloc(sizeof(*np), natping_destructor);
	if (!np)
		return ENOMEM;

	tmr_init(&np->tmr);
	np->interval_ms = (uint64_t)interval_s * 1000;

	err = hash_alloc(&np->ht, NATPING_HASH_SIZE);
	if (err) {
		mem_deref(np);
		return err;
	}

	tmr_start(&np->tmr, NATPING_TICK_MS, tick_h, np);
	*npp = np;

	return 0;
}


void natping_apply(const struct natping *np, natping_info_h *h, void *arg)
{
	uint32_t i;

	if (!np || !h)
		return;

	for (i = 0; i < hash_bsize(np->ht); i++) {
		struct le *le;

		for (le = list_head(hash_list(np->ht, i)); le; le = le->next) {
			const struct natping_contact *c = le->data;
			struct natping_info info = {
				.ext = c->ext,
				.contact = c->contact,
				.source = &c->source,
				.sent = c->sent,
				.answered = c->answered,
				.failures = c->failures,
				.rtt_ms = c->rtt_ms,
				.last_answer = c->last_answer,
				.state = contact_state(c),
			};

			if (h(&info, arg))
				return;
		}
	}
}
