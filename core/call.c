/* call.c: a call and its inbound leg: the INVITE, the caller's session.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Every call is a B2BUA call: the caller's leg (here) and the legs that
 * call:dial() rings (dial.c).  An INVITE is accepted at once with 183
 * and no SDP (libre 1.1.0 cannot send 100 Trying and decide later), and
 * the dialplan decides in the call's own coroutine (lua.c).
 */
#include <string.h>
#include <time.h>
#include <sys/time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <re.h>
#include "core.h"
#include "call.h"


enum {
	CALL_HT_SIZE = 4096,      /* calls by id: 10,000 parked, ~2 a bucket */
};

/* when idle (no call), free heap goes back to the OS once the last
 * calls' INVITE transactions have ended (timer I: 5 s), and again once
 * the rest have (timers H, J: 32 s) */
static const uint64_t trim_ms[] = {6000, 34000};


static struct pbx_calls *calls(void)
{
	struct pbx_core *c = pbx_core();

	return c ? c->calls : NULL;
}


struct sipsess_sock *pbx_call_sock(void)
{
	return calls() ? calls()->sock : NULL;
}


uint64_t pbx_call_now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);

	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}


static void var_destructor(void *arg)
{
	struct call_var *v = arg;

	list_unlink(&v->le);
	mem_deref(v->key);
	mem_deref(v->val);
}


/* glibc gives back only the top of its heap by itself: a call's long
 * lived blocks (SIP transactions, the next calls) pin the pages that a
 * peak of calls freed below them, so pbxd would stay at its peak RSS.
 * Once idle, those free pages go back to the OS. */
static void trim_h(void *arg)
{
	struct pbx_calls *cs = arg;

	if (!list_isempty(&cs->list))
		return;
#ifdef __GLIBC__
	(void)malloc_trim(0);
#endif
	if (++cs->trims < ARRAY_SIZE(trim_ms))
		tmr_start(&cs->tmr_trim, trim_ms[cs->trims], trim_h, cs);
}


static void call_destructor(void *arg)
{
	struct pbx_call *c = arg;
	struct pbx_calls *cs = calls();

	tmr_cancel(&c->tmr_reap);
	tmr_cancel(&c->tmr_dtmf);
	pbx_call_op_cancel(c);
	list_unlink(&c->le);
	hash_unlink(&c->he);
	if (cs && list_isempty(&cs->list)) {
		cs->trims = 0;
		tmr_start(&cs->tmr_trim, trim_ms[0], trim_h, cs);
	}
	c->sess = mem_deref(c->sess);
	mem_deref(c->media);
	mem_deref(c->script);
	mem_deref((void *)c->invite);
	mem_deref(c->offer);
	list_flush(&c->vars);
	mem_deref(c->from);
	mem_deref(c->from_name);
	mem_deref(c->from_uri);
	mem_deref(c->to);
	mem_deref(c->to_uri);
	mem_deref(c->user);
	mem_deref(c->source);
	mem_deref(c->origin);
}


static void reap_h(void *arg)
{
	struct pbx_call *c = arg;

	/* the calls list's reference; the script's userdata may hold one
	 * more until Lua collects it */
	list_unlink(&c->le);
	c->script = mem_deref(c->script);
	mem_deref(c);
}


/* Frees the call once it has ended and its script is done; deferred so
 * that no one is inside the call or its script when it goes. */
static void call_reap_check(struct pbx_call *c)
{
	if (c->state == PBX_CALL_ENDED && c->script_done)
		tmr_start(&c->tmr_reap, 0, reap_h, c);
}


int pbx_call_var_set(struct pbx_call *c, const char *key, const char *value)
{
	struct call_var *v;
	struct le *le;
	int err;

	if (!c || !key)
		return EINVAL;

	for (le = list_head(&c->vars); le; le = le->next) {
		v = le->data;
		if (!strcmp(v->key, key)) {
			mem_deref(v);
			break;
		}
	}

	if (!value)
		return 0;

	v = mem_zalloc(sizeof(*v), var_destructor);
	if (!v)
		return ENOMEM;

	err = str_dup(&v->key, key);
	if (!err)
		err = str_dup(&v->val, value);
	if (err) {
		mem_deref(v);
		return err;
	}

	list_append(&c->vars, &v->le, v);

	return 0;
}


const char *pbx_call_var_get(const struct pbx_call *c, const char *key)
{
	struct le *le;

	if (!c || !key)
		return NULL;

	for (le = list_head(&c->vars); le; le = le->next) {
		const struct call_var *v = le->data;

		if (!strcmp(v->key, key))
			return v->val;
	}

	return NULL;
}


/* Ends the call: the other legs go, the record is written, the script
 * learns of it.  disposition: "answered", "cancelled", "failed", ...;
 * cause: for people. */
void pbx_call_end(struct pbx_call *c, const char *cause)
{
	const char *disp;

	if (!c || c->state == PBX_CALL_ENDED)
		return;

	disp = c->t_answer ? "answered" : c->disposition[0] ?
		c->disposition : "cancelled";
	c->prev_state = c->state;
	c->state = PBX_CALL_ENDED;
	c->t_end = pbx_call_now_ms();
	str_ncpy(c->cause, cause ? cause : "", sizeof(c->cause));
	c->answer_h = NULL;

	if (c->dial)
		pbx_dial_cancel(c->dial);
	c->dial = NULL;
	if (c->media)
		pbx_media_unbridge(c->media);

	(void)pbx_cdr_write(c, c->t_start, c->t_answer, c->t_end, disp,
			    c->cause);
	pbx_log(PBX_LOG_INFO, "call %s: %s -> %s ended (%s, %s)", c->id,
		c->from, c->to, disp, c->cause);
	pbx_event_emitv("call_end", "call_id", c->id, "from", c->from, "to",
			c->to, "disposition", disp, "cause", c->cause, NULL);

	c->media = mem_deref(c->media);
	if (c->script)
		pbx_script_hangup(c->script);
	call_reap_check(c);
}


void pbx_call_set_state(struct pbx_call *c, enum pbx_call_state st)
{
	if (c->state == st || c->state == PBX_CALL_ENDED)
		return;

	c->state = st;
	pbx_event_emitv("call_state", "call_id", c->id, "state",
			pbx_call_state_name(st), "from", c->from, "to", c->to,
			NULL);
}


void pbx_call_script_done(struct pbx_call *c, int err)
{
	if (!c || c->script_done)
		return;

	c->script_done = true;

	if (c->state != PBX_CALL_ENDED) {
		if (err && !c->t_answer)
			(void)pbx_call_reject(c, 500, "Server Internal Error");
		else if (!c->t_answer && !c->answering)
			(void)pbx_call_reject(c, 480,
					      "Temporarily Unavailable");
		else
			(void)pbx_call_hangup(c);
	}

	call_reap_check(c);
}


int pbx_call_leg_offer(struct mbuf **descp, const struct sip_msg *msg,
		       void *arg)
{
	struct pbx_call *c = arg;
	enum pbx_media_dir before;
	int err;

	if (!c->media)
		return EINVAL;

	if (!mbuf_get_left(msg->mb))  /* offerless re-INVITE: we offer */
		return pbx_media_offer(c->media, pbx_media_codec(c->media),
				       descp);

	before = pbx_media_remote_dir(c->media);
	err = pbx_media_remote(c->media, msg->mb, true, descp);
	if (err)
		return err;           /* libre answers 488 */

	if (c->dial && pbx_media_remote_dir(c->media) != before)
		pbx_dial_remodify(c->dial, pbx_media_remote_dir(c->media));

	return 0;
}


int pbx_call_leg_answer(const struct sip_msg *msg, void *arg)
{
	struct pbx_call *c = arg;

	if (!c->media || !mbuf_get_left(msg->mb))
		return 0;

	return pbx_media_remote(c->media, msg->mb, false, NULL);
}


void pbx_call_media_timeout(struct pbx_media *m, void *arg)
{
	struct pbx_call *c = arg;
	(void)m;

	pbx_log(PBX_LOG_WARN, "call %s: no RTP from the caller: hanging up",
		c->id);
	(void)pbx_call_hangup_cause(c, "rtp timeout");
}


static void a_estab_h(const struct sip_msg *msg, void *arg)
{
	struct pbx_call *c = arg;
	pbx_call_done_h *h = c->answer_h;
	(void)msg;

	c->answering = false;
	c->t_answer = pbx_call_now_ms();
	pbx_call_set_state(c, PBX_CALL_ANSWERED);
	if (c->media)
		pbx_media_watch(c->media, pbx_call_media_timeout, c);

	c->answer_h = NULL;
	if (h)
		h(0, c->answer_arg);
}


void pbx_call_leg_info(struct sip *sip, const struct sip_msg *msg,
		       void *arg)
{
	struct pbx_call *c = arg;

	pbx_call_info_dtmf(sip, msg, c->media);
}


void pbx_call_leg_refer(struct sip *sip, const struct sip_msg *msg,
			void *arg)
{
	(void)arg;
	(void)sip_treply(NULL, sip, msg, 501, "Not Implemented");
}


static void a_close_h(int err, const struct sip_msg *msg, void *arg)
{
	struct pbx_call *c = arg;
	const char *cause;

	c->sess = mem_deref(c->sess);
	if (err == ECONNRESET)
		cause = c->t_answer || c->answering ? "caller hung up" :
			"caller cancelled";
	else if (err == ETIMEDOUT)
		cause = "no ACK from the caller";
	else
		cause = msg ? "caller error" : "transport error";

	if (!c->t_answer && !c->answering)
		str_ncpy(c->disposition, "cancelled", sizeof(c->disposition));
	pbx_call_end(c, cause);
}


static int strpl(char **dst, const struct pl *pl)
{
	return pl_isset(pl) ? pl_strdup(dst, pl) : str_dup(dst, "");
}


static int fields_set(struct pbx_call *c, const struct sip_msg *msg)
{
	struct pl dname = msg->from.dname;
	int err;

	/* a quoted display name loses its quotes */
	if (dname.l >= 2 && dname.p[0] == '"' && dname.p[dname.l - 1] == '"') {
		dname.p++;
		dname.l -= 2;
	}

	err = strpl(&c->from, &msg->from.uri.user);
	if (!err)
		err = strpl(&c->from_name, &dname);
	if (!err)
		err = strpl(&c->from_uri, &msg->from.auri);
	if (!err)
		err = strpl(&c->to, pl_isset(&msg->uri.user) ?
			    &msg->uri.user : &msg->to.uri.user);
	if (!err)
		err = strpl(&c->to_uri, &msg->ruri);
	if (!err)
		err = re_sdprintf(&c->source, "%J", &msg->src);

	return err;
}


int pbx_call_alloc(struct pbx_call **cp)
{
	struct pbx_call *c;

	c = mem_zalloc(sizeof(*c), call_destructor);
	if (!c)
		return ENOMEM;

	tmr_init(&c->tmr_reap);
	tmr_init(&c->tmr_dtmf);
	list_init(&c->vars);
	do {
		re_snprintf(c->id, sizeof(c->id), "%08x", rand_u32());
	} while (pbx_call_find(c->id));
	c->t_start = pbx_call_now_ms();
	list_append(&calls()->list, &c->le, c);
	hash_append(calls()->ht_id, hash_joaat_str(c->id), &c->he, c);
	*cp = c;

	return 0;
}


/* The caller is an extension of ours when the From names one at one of
 * our hosts: then it must authenticate (407). */
static int caller_check(const struct sip_msg *msg, char *user, size_t sz)
{
	char from[64];

	user[0] = '\0';
	if (msg->from.uri.user.l >= sizeof(from) ||
	    !pbx_sip_is_local(&msg->from.uri.host, 0))
		return 0;

	(void)pl_strcpy(&msg->from.uri.user, from, sizeof(from));
	if (!pbx_user_exists(from))
		return 0;

	if (pbx_auth_request(msg, true, user, sz))
		return EAUTH;         /* answered: 407 or 403 */

	if (strcmp(user, from)) {
		(void)sip_treply(NULL, pbx_sip(), msg, 403, "Forbidden "
				 "(From is another extension)");
		return EPERM;
	}

	return 0;
}


static int offer_take(struct pbx_call *c, const struct sip_msg *msg)
{
	int err;

	if (!mbuf_get_left(msg->mb))
		return 0;             /* late offer: ours goes in the 200 */

	if (!msg_ctype_cmp(&msg->ctyp, "application", "sdp")) {
		(void)sip_treplyf(NULL, NULL, pbx_sip(), msg, false, 415,
				  "Unsupported Media Type", "Accept: "
				  "application/sdp\r\nContent-Length: 0\r\n"
				  "\r\n");
		return EPROTO;
	}

	c->offer = mbuf_alloc(mbuf_get_left(msg->mb));
	if (!c->offer)
		return ENOMEM;
	(void)mbuf_write_mem(c->offer, mbuf_buf(msg->mb),
			     mbuf_get_left(msg->mb));
	c->offer->pos = 0;

	err = pbx_media_remote(c->media, c->offer, true, NULL);
	c->offer->pos = 0;
	if (err == EPROTO)
		(void)sip_treply(NULL, pbx_sip(), msg, 488,
				 "Not Acceptable Here");
	else if (err)
		(void)sip_treply(NULL, pbx_sip(), msg, 400, "Bad SDP");

	return err;
}


/* libre 1.1.0's sip_request() refuses a next hop whose scheme is not
 * "sip" (ENOSYS), and a dialog without Record-Route takes the remote
 * Contact as its next hop.  With a sips: Contact every request of the
 * caller's dialog would fail unseen: the BYE when pbxd hangs up above
 * all.  So the dialog is built from the same target written as
 * sip:...;transport=tls (the transport the INVITE came on when the URI
 * names none).  Returns the new Contact value in *valp, or NULL when
 * the Contact needs no change. */
static int contact_sip_target(char **valp, const struct sip_msg *msg)
{
	const struct sip_hdr *hdr = sip_msg_hdr(msg, SIP_HDR_CONTACT);
	struct sip_addr addr;
	struct pl rest, tp;
	const char *end;
	bool has_tp;

	*valp = NULL;
	if (!hdr || sip_addr_decode(&addr, &hdr->val) ||
	    pl_strcasecmp(&addr.uri.scheme, "sips"))
		return 0;

	/* what follows "sips:", without the URI's ?headers */
	end = addr.uri.headers.l ? addr.uri.headers.p - 1 :
		addr.auri.p + addr.auri.l;
	rest.p = addr.auri.p + 5;
	rest.l = end - rest.p;
	has_tp = !msg_param_decode(&addr.uri.params, "transport", &tp);

	return re_sdprintf(valp, "<sip:%r%s%s%s%r>%r", &rest,
			   has_tp ? "" : ";transport=",
			   has_tp ? "" : (msg->tp == SIP_TRANSP_WSS ?
					  "wss" : "tls"),
			   addr.uri.headers.l ? "?" : "",
			   &addr.uri.headers, &addr.params);
}


/* sipsess_accept() with the dialog's target made sendable (see
 * contact_sip_target()).  The INVITE's parsed Contact is pointed at the
 * rewritten value only while libre copies it into the dialog. */
static int session_accept(struct pbx_call *c, const struct sip_msg *msg)
{
	struct sip_hdr *hdr = (struct sip_hdr *)sip_msg_hdr(msg,
							    SIP_HDR_CONTACT);
	char *val = NULL;
	struct pl old;
	int err;

	err = contact_sip_target(&val, msg);
	if (err)
		return err;

	if (val) {
		old = hdr->val;
		pl_set_str(&hdr->val, val);
	}

	err = sipsess_accept(&c->sess, calls()->sock, msg, 183,
			     "Session Progress", "pbx", "application/sdp",
			     NULL, NULL, NULL, false, pbx_call_leg_offer,
			     pbx_call_leg_answer, a_estab_h,
			     pbx_call_leg_info, pbx_call_leg_refer,
			     a_close_h, c,
			     "Allow: %s\r\n", pbx_sip_allow());

	if (val)
		hdr->val = old;
	mem_deref(val);

	return err;
}


int pbx_call_new_inbound(const struct sip_msg *msg, const char *user)
{
	struct pbx_call *c;
	int err;

	err = pbx_call_alloc(&c);
	if (err)
		return err;

	c->invite = mem_ref((void *)msg);
	c->laddr = msg->dst;
	err = fields_set(c, msg);
	if (!err && user && *user)
		err = str_dup(&c->user, user);
	if (!err)
		err = pbx_media_alloc_lazy(&c->media, &c->laddr);
	if (!err)
		pbx_call_dtmf_attach(c);
	if (err) {
		(void)sip_treply(NULL, pbx_sip(), msg, 503,
				 "Service Unavailable");
		goto out;
	}

	err = offer_take(c, msg);
	if (err)
		goto out;

	err = session_accept(c, msg);
	if (err) {
		(void)sip_treply(NULL, pbx_sip(), msg, 500,
				 "Server Internal Error");
		goto out;
	}

	pbx_log(PBX_LOG_INFO, "call %s: %s (%s) -> %s from %s", c->id,
		c->from, c->user ? c->user : "unauthenticated", c->to,
		c->source);
	pbx_event_emitv("call_state", "call_id", c->id, "state", "routing",
			"from", c->from, "to", c->to, NULL);

	err = pbx_script_start(&c->script, c);
	if (err) {
		c->script_done = true;
		(void)pbx_call_reject(c, 500, "Server Internal Error");
	}

	return 0;

 out:
	c->state = PBX_CALL_ENDED;
	mem_deref(c);

	return err;
}


static void conn_h(const struct sip_msg *msg, void *arg)
{
	const struct sip_hdr *req = sip_msg_hdr(msg, SIP_HDR_REQUIRE);
	char user[64];
	(void)arg;

	/* no extension is supported: 100rel and friends get 420 */
	if (req) {
		(void)sip_treplyf(NULL, NULL, pbx_sip(), msg, false, 420,
				  "Bad Extension", "Unsupported: %r\r\n"
				  "Content-Length: 0\r\n\r\n", &req->val);
		return;
	}

	if (!pbx_sip_is_local(&msg->uri.host, msg->uri.port)) {
		(void)sip_treply(NULL, pbx_sip(), msg, 404,
				 "Domain Not Served");
		return;
	}

	if (caller_check(msg, user, sizeof(user)))
		return;

	(void)pbx_call_new_inbound(msg, user);
}


static bool id_cmp_h(struct le *le, void *arg)
{
	const struct pbx_call *c = le->data;

	return !strcmp(c->id, arg);
}


struct pbx_call *pbx_call_find(const char *id)
{
	if (!calls() || !id)
		return NULL;

	return list_ledata(hash_lookup(calls()->ht_id, hash_joaat_str(id),
				       id_cmp_h, (void *)id));
}


unsigned pbx_calls_count(void)
{
	struct le *le;
	unsigned n = 0;

	if (!calls())
		return 0;

	for (le = list_head(&calls()->list); le; le = le->next) {
		const struct pbx_call *c = le->data;

		if (c->state != PBX_CALL_ENDED)
			++n;
	}

	return n;
}


static void calls_destructor(void *arg)
{
	struct pbx_calls *cs = arg;
	struct le *le;

	/* calls still up at shutdown: hang up, keep their records */
	for (le = list_head(&cs->list); le; le = le->next)
		pbx_call_end(le->data, "shutdown");
	while (list_head(&cs->list)) {
		struct pbx_call *c = list_ledata(list_head(&cs->list));

		list_unlink(&c->le);
		hash_unlink(&c->he);
		c->script = mem_deref(c->script);
		mem_deref(c);
	}
	tmr_cancel(&cs->tmr_trim);
	mem_deref(cs->sock);
	mem_deref(cs->ht_id);
}


int pbx_calls_start(void)
{
	struct pbx_core *core = pbx_core();
	struct pbx_calls *cs;
	int err;

	if (!core || !pbx_sip())
		return EINVAL;

	cs = mem_zalloc(sizeof(*cs), calls_destructor);
	if (!cs)
		return ENOMEM;

	list_init(&cs->list);
	tmr_init(&cs->tmr_trim);
	err = hash_alloc(&cs->ht_id, CALL_HT_SIZE);
	if (!err)
		err = sipsess_listen(&cs->sock, pbx_sip(), 1024, conn_h, cs);
	if (err) {
		mem_deref(cs);
		return err;
	}

	core->calls = cs;

	return 0;
}


void pbx_calls_stop(void)
{
	struct pbx_core *c = pbx_core();

	if (c)
		c->calls = mem_deref(c->calls);
}


/* ---- fields of the call object ---------------------------------------- */

const char *pbx_call_id(const struct pbx_call *c)
{
	return c ? c->id : NULL;
}


const char *pbx_call_from(const struct pbx_call *c)
{
	return c ? c->from : NULL;
}


const char *pbx_call_from_name(const struct pbx_call *c)
{
	return c ? c->from_name : NULL;
}


const char *pbx_call_from_uri(const struct pbx_call *c)
{
	return c ? c->from_uri : NULL;
}


const char *pbx_call_to(const struct pbx_call *c)
{
	return c ? c->to : NULL;
}


const char *pbx_call_to_uri(const struct pbx_call *c)
{
	return c ? c->to_uri : NULL;
}


const char *pbx_call_user(const struct pbx_call *c)
{
	return c ? c->user : NULL;
}


const char *pbx_call_trunk(const struct pbx_call *c)
{
	(void)c;
	return NULL;              /* trunks come with their own issue */
}


const char *pbx_call_source(const struct pbx_call *c)
{
	return c ? c->source : NULL;
}


enum pbx_call_state pbx_call_state(const struct pbx_call *c)
{
	return c ? c->state : PBX_CALL_ENDED;
}


bool pbx_call_ended(const struct pbx_call *c)
{
	return !c || c->state == PBX_CALL_ENDED;
}


bool pbx_call_answered(const struct pbx_call *c)
{
	return c && c->t_answer;
}


struct pbx_script *pbx_call_script(const struct pbx_call *c)
{
	return c ? c->script : NULL;
}


struct pbx_media *pbx_call_media(const struct pbx_call *c)
{
	return c ? c->media : NULL;
}


const struct sa *pbx_call_laddr(const struct pbx_call *c)
{
	return c ? &c->laddr : NULL;
}


const char *pbx_call_state_name(enum pbx_call_state st)
{
	switch (st) {
	case PBX_CALL_ROUTING:  return "routing";
	case PBX_CALL_RINGING:  return "ringing";
	case PBX_CALL_EARLY:    return "early";
	case PBX_CALL_ANSWERED: return "answered";
	default:                return "ended";
	}
}


int pbx_call_header(const struct pbx_call *c, const char *name, char *buf,
		    size_t sz)
{
	const struct sip_hdr *h;

	if (!c || !name || !buf || !sz)
		return EINVAL;

	h = c->invite ? sip_msg_xhdr(c->invite, name) : NULL;
	if (!h)
		return ENOENT;

	return pl_strcpy(&h->val, buf, sz);
}
