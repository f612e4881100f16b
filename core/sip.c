/* sip.c: the SIP stack: transports, the domain, OPTIONS and the rest.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * libre 1.1.0 cannot bind the wildcard address, so "0.0.0.0:5060" in
 * sip_listen becomes one UDP and one TCP transport per local address of
 * that family (the default route's address first: outgoing requests leave
 * from the first transport added).
 */
#include <string.h>
#include <re.h>
#include "core.h"


enum {
	SIP_HT_SIZE = 4096,
};

struct pbx_sipstack {
	struct sip *sip;              /* owned */
	struct tls *tls;              /* owned, NULL without TLS       */
	struct sip_lsnr *first;       /* owned: ban check              */
	struct sip_lsnr *last;        /* owned: OPTIONS, 405, 501      */
	struct list laddrs;           /* struct laddr: our addresses   */
	pbx_sip_exit_h *exith;
	void *arg;
};

struct laddr {
	struct le le;
	struct sa sa;
	enum sip_transp tp;
};

struct expand {
	struct pbx_sipstack *s;
	int af;
	uint16_t port;
	int err;
};

/* Methods defined by SIP RFCs that pbxd does not take (yet): 405 with
 * Allow.  Any other unknown method gets 501. */
static const char *const known_methods[] = {
	"BYE", "INFO", "MESSAGE", "NOTIFY", "PRACK", "PUBLISH", "REFER",
	"SUBSCRIBE", "UPDATE",
};

/* INVITE, ACK, BYE, CANCEL and INFO within calls go to sipsess (call.c)
 * before the catch-all below sees them. */
static const char allow_hdr[] = "INVITE, ACK, BYE, CANCEL, OPTIONS, "
				"REGISTER, INFO";


static struct pbx_sipstack *stack(void)
{
	struct pbx_core *c = pbx_core();

	return c ? c->sip : NULL;
}


struct sip *pbx_sip(void)
{
	return stack() ? stack()->sip : NULL;
}


const char *pbx_domain(void)
{
	struct pbx_core *c = pbx_core();

	return c && c->domain ? c->domain : "localhost";
}


const char *pbx_sip_allow(void)
{
	return allow_hdr;
}


static int transp_add(struct pbx_sipstack *s, enum sip_transp tp,
		      const struct sa *sa)
{
	struct laddr *la;
	int err;

	if (tp == SIP_TRANSP_TLS)
		err = sip_transp_add(s->sip, tp, sa, s->tls);
	else if (tp == SIP_TRANSP_WS)
		err = sip_transp_add_websock(s->sip, tp, sa, true, NULL);
	else
		err = sip_transp_add(s->sip, tp, sa);
	if (err) {
		pbx_log(PBX_LOG_ERROR, "sip: cannot listen on %s %J: %m",
			sip_transp_name(tp), sa, err);
		return err;
	}

	if (tp == SIP_TRANSP_UDP) {
		int rb = pbx_sip_rcvbuf_raise(sa);

		pbx_log(rb ? PBX_LOG_DEBUG : PBX_LOG_WARN,
			"sip: receive buffer of udp %J: %d bytes", sa, rb);
	}

	la = mem_zalloc(sizeof(*la), NULL);
	if (!la)
		return ENOMEM;
	la->sa = *sa;
	la->tp = tp;
	list_append(&s->laddrs, &la->le, la);
	pbx_log(PBX_LOG_INFO, "sip: listening on %s %J", sip_transp_name(tp),
		sa);

	return 0;
}


static int addr_add(struct pbx_sipstack *s, const struct sa *sa, bool udp,
		    enum sip_transp stream)
{
	int err = 0;

	if (udp)
		err = transp_add(s, SIP_TRANSP_UDP, sa);
	if (!err)
		err = transp_add(s, stream, sa);

	return err;
}


static bool expand_h(const char *ifname, const struct sa *sa, void *arg)
{
	struct expand *x = arg;
	struct sa a = *sa;
	struct le *le;
	(void)ifname;

	if (sa_af(sa) != x->af || sa_is_linklocal(sa))
		return false;

	sa_set_port(&a, x->port);
	for (le = list_head(&x->s->laddrs); le; le = le->next) {
		const struct laddr *la = le->data;

		if (sa_cmp(&la->sa, &a, SA_ALL))
			return false;   /* the default address: added first */
	}

	x->err = addr_add(x->s, &a, true, SIP_TRANSP_TCP);

	return x->err != 0;
}


/* One sip_listen / sip_tls_listen / sip_ws_listen item. */
static int listen_one(struct pbx_sipstack *s, const struct pl *item,
		      enum sip_transp stream, const char *key)
{
	bool udp = stream == SIP_TRANSP_TCP;
	struct expand x = {s, 0, 0, 0};
	struct sa sa, def;
	uint16_t defport = stream == SIP_TRANSP_TLS ? 5061 :
			   stream == SIP_TRANSP_WS ? 8080 : 5060;

	if (sa_decode(&sa, item->p, item->l) &&
	    sa_set(&sa, item, defport))
		return pbx_conf_error(key, "'%r' is not an address[:port]",
				      item);

	if (!sa_is_any(&sa))
		return addr_add(s, &sa, udp, stream);

	x.af = sa_af(&sa);
	x.port = sa_port(&sa);
	if (!net_default_source_addr_get(x.af, &def)) {
		sa_set_port(&def, x.port);
		x.err = addr_add(s, &def, udp, stream);
		if (x.err)
			return x.err;
	}

	(void)net_if_apply(expand_h, &x);

	return x.err;
}


static int listen_list(struct pbx_sipstack *s, const char *key,
		       const char *def, enum sip_transp stream)
{
	const char *val = pbx_conf_str(key, def);
	struct pl rest, item;
	int err;

	if (!val || !str_casecmp(val, "off"))
		return 0;

	pl_set_str(&rest, val);
	while (rest.l) {
		if (re_regex(rest.p, rest.l, "[^,]+", &item))
			break;
		pl_advance(&rest, item.p + item.l - rest.p);
		if (rest.l)
			pl_advance(&rest, 1);
		while (item.l && item.p[0] == ' ')
			pl_advance(&item, 1);
		while (item.l && item.p[item.l - 1] == ' ')
			--item.l;
		if (!item.l)
			continue;

		err = listen_one(s, &item, stream, key);
		if (err)
			return err;
	}

	return 0;
}


bool pbx_sip_is_local(const struct pl *host, uint16_t port)
{
	struct le *le;
	struct sa sa;

	if (!host || !stack())
		return false;

	if (!pl_strcasecmp(host, pbx_domain()))
		return true;

	if (sa_set(&sa, host, port))
		return false;

	for (le = list_head(&stack()->laddrs); le; le = le->next) {
		const struct laddr *la = le->data;

		if (sa_cmp(&la->sa, &sa, SA_ADDR) &&
		    (!port || sa_port(&la->sa) == port))
			return true;
	}

	return false;
}


static bool first_h(const struct sip_msg *msg, void *arg)
{
	/* a banned address gets no answer at all */
	return pbx_auth_banned(&msg->src);
}


static bool is_known(const struct pl *met)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known_methods); i++) {
		if (!pl_strcmp(met, known_methods[i]))
			return true;
	}

	return false;
}


static bool last_h(const struct sip_msg *msg, void *arg)
{
	struct sip *sip = pbx_sip();

	if (!pl_strcmp(&msg->met, "OPTIONS")) {
		(void)sip_treplyf(NULL, NULL, sip, msg, false, 200, "OK",
				  "Allow: %s\r\n"
				  "Accept: application/sdp\r\n"
				  "Accept-Language: en\r\n"
				  "Supported: \r\n"
				  "Content-Length: 0\r\n\r\n", allow_hdr);
		return true;
	}

	if (!pl_strcmp(&msg->met, "ACK"))
		return true;          /* never answered */

	if (is_known(&msg->met) && pl_strcmp(&msg->met, "CANCEL")) {
		(void)sip_treplyf(NULL, NULL, sip, msg, false, 405,
				  "Method Not Allowed", "Allow: %s\r\n"
				  "Content-Length: 0\r\n\r\n", allow_hdr);
		return true;
	}

	if (!pl_strcmp(&msg->met, "CANCEL"))
		return false;         /* libre: 481 */

	(void)sip_treplyf(NULL, NULL, sip, msg, false, 501,
			  "Not Implemented", "Allow: %s\r\n"
			  "Content-Length: 0\r\n\r\n", allow_hdr);

	return true;
}


/* Moves the catch-all listener to the end of libre's listener list
 * (listeners run in registration order): call after anything adds one. */
int pbx_sip_lsnr_refresh(void)
{
	struct pbx_sipstack *s = stack();

	if (!s)
		return EINVAL;

	s->last = mem_deref(s->last);

	return sip_listen(&s->last, s->sip, true, last_h, s);
}


/* Every SIP message in and out, at log level debug. */
static void trace_h(bool tx, enum sip_transp tp, const struct sa *src,
		    const struct sa *dst, const uint8_t *pkt, size_t len,
		    void *arg)
{
	(void)arg;

	if (pbx_log_get_level() > PBX_LOG_DEBUG)
		return;

	pbx_log(PBX_LOG_DEBUG, "sip: %s %s %J -> %J (%zu bytes)\n%b",
		tx ? "send" : "recv", sip_transp_name(tp), src, dst, len,
		pkt, len);
}


static void exit_h(void *arg)
{
	struct pbx_sipstack *s = arg;

	if (s->exith)
		s->exith(s->arg);
}


static void stack_destructor(void *arg)
{
	struct pbx_sipstack *s = arg;

	mem_deref(s->first);
	mem_deref(s->last);
	mem_deref(s->sip);
	mem_deref(s->tls);
	list_flush(&s->laddrs);
}


static int domain_set(struct pbx_core *c)
{
	const char *dom = pbx_conf_str("sip_domain", NULL);
	struct sa sa;
	struct laddr *la;

	c->domain = mem_deref(c->domain);
	if (dom)
		return str_dup(&c->domain, dom);

	if (!net_default_source_addr_get(AF_INET, &sa))
		return re_sdprintf(&c->domain, "%j", &sa);

	la = list_ledata(list_head(&c->sip->laddrs));
	if (la)
		return re_sdprintf(&c->domain, "%j", &la->sa);

	return str_dup(&c->domain, "localhost");
}


static int tls_setup(struct pbx_sipstack *s)
{
	const char *lst = pbx_conf_str("sip_tls_listen", NULL);
	const char *cert = pbx_conf_str("sip_tls_cert", NULL);
	int err;

	if (!lst || !str_casecmp(lst, "off"))
		return 0;

	if (!cert)
		return pbx_conf_error("sip_tls_listen", "needs sip_tls_cert "
				      "(a PEM file with certificate and key)");

	err = tls_alloc(&s->tls, TLS_METHOD_SSLV23, cert, NULL);
	if (err)
		return pbx_conf_error("sip_tls_cert", "cannot load '%s': %m",
				      cert, err);

	return listen_list(s, "sip_tls_listen", NULL, SIP_TRANSP_TLS);
}


int pbx_sip_start(pbx_sip_exit_h *exith, void *arg)
{
	struct pbx_core *c = pbx_core();
	struct pbx_sipstack *s;
	int err;

	if (!c)
		return EINVAL;

	s = mem_zalloc(sizeof(*s), stack_destructor);
	if (!s)
		return ENOMEM;

	s->exith = exith;
	s->arg = arg;
	c->sip = s;

	err = sip_alloc(&s->sip, NULL, SIP_HT_SIZE, SIP_HT_SIZE, SIP_HT_SIZE,
			"pbxd/" PBX_VERSION, exit_h, s);
	if (err)
		goto out;

	sip_set_trace_handler(s->sip, trace_h);
	err = listen_list(s, "sip_listen", "0.0.0.0:5060", SIP_TRANSP_TCP);
	if (!err)
		err = tls_setup(s);
	if (!err)
		err = listen_list(s, "sip_ws_listen", NULL, SIP_TRANSP_WS);
	if (!err && list_isempty(&s->laddrs)) {
		err = pbx_conf_error("sip_listen", "no address to listen on");
	}
	if (!err)
		err = domain_set(c);
	if (!err)
		err = sip_listen(&s->first, s->sip, true, first_h, s);

 out:
	if (err)
		pbx_sip_stop(true);
	else
		pbx_log(PBX_LOG_INFO, "sip: domain %s", c->domain);

	return err;
}


/* Graceful: waits for transactions, then calls the exit handler. */
void pbx_sip_close(void)
{
	if (stack())
		sip_close(stack()->sip, false);
}


void pbx_sip_stop(bool force)
{
	struct pbx_core *c = pbx_core();

	if (!c || !c->sip)
		return;

	if (force)
		sip_close(c->sip->sip, true);
	c->sip = mem_deref(c->sip);
}
