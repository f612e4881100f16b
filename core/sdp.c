/* sdp.c: a leg's SDP offers and answers, and the codec choice.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * One libre sdp_session per leg, with one audio line kept from
 * sdp_media_add (libraries.md §0.7), so o= keeps its session id across
 * re-INVITEs.  The local format list is rebuilt for each offer and
 * answer: an offer lists the codecs asked for, in that order, and always
 * telephone-event; an answer exactly one codec (the first of the peer's
 * list that we support and pbx_media_prefer allows) plus telephone-event
 * when the peer has it, both under the peer's payload types.  Errors:
 * EBADMSG for SDP that does not parse, EPROTO when there is nothing to
 * agree on (no audio line, port 0, no common codec): answer 488.
 *
 * Directions: m->dir is what we want (pbx_media_set_dir, sendrecv by
 * default).  An offer says m->dir; an answer says m->dir intersected with
 * the mirror of the peer's offer, so a sendonly offer gets recvonly
 * without anyone asking, and an inactive one inactive.  The peer's
 * direction (pbx_media_remote_dir) is what its SDP says, except that a
 * connection address of 0.0.0.0 (RFC 2543 hold) takes away its receiving:
 * sendrecv becomes sendonly, recvonly becomes inactive.
 */
#include <string.h>
#include <strings.h>
#include <re.h>
#include "core.h"
#include "audio.h"
#include "media.h"


enum {
	TE_PT        = 101,       /* our telephone-event/8000 PT       */
	TE48_PT      = 100,       /* our telephone-event/48000 PT      */
};

static const char te_name[] = "telephone-event";


struct codec_name {
	const char *p;
	size_t l;
};


static bool name_match_h(const struct pbx_codec *cd, void *arg)
{
	const struct codec_name *n = arg;

	return strlen(cd->name) == n->l && !strncasecmp(cd->name, n->p, n->l);
}


/* A registered codec by name (any clock). */
static const struct pbx_codec *codec_find(const char *name, size_t len)
{
	struct codec_name n = {name, len};

	return pbx_codec_apply(name_match_h, &n);
}


static bool pt_match_h(const struct pbx_codec *cd, void *arg)
{
	return cd->pt >= 0 && cd->pt == *(const int *)arg;
}


/* The codec of a format in the peer's SDP: by rtpmap name and rate, or
 * by static payload type when there is no rtpmap. */
static const struct pbx_codec *codec_of(const struct sdp_format *f)
{
	int pt = f->pt;

	if (f->name)
		return pbx_codec_find(f->name, f->srate);

	return pbx_codec_apply(pt_match_h, &pt);
}


static bool fmt_is_te(const struct sdp_format *f)
{
	return f->name && !str_casecmp(f->name, te_name) &&
		(f->srate == 8000 || f->srate == 48000);
}


/* True if name is in the comma-separated list (NULL: everything). */
static bool list_has(const char *list, const char *name)
{
	struct pl pl, item;

	if (!list)
		return true;

	pl_set_str(&pl, list);
	while (!re_regex(pl.p, pl.l, "[^,]+", &item)) {
		pl_advance(&pl, item.p + item.l - pl.p);
		while (item.l && item.p[0] == ' ')
			pl_advance(&item, 1);
		while (item.l && item.p[item.l - 1] == ' ')
			--item.l;
		if (!pl_strcasecmp(&item, name))
			return true;
	}

	return false;
}


static enum sdp_dir dir_to_sdp(enum pbx_media_dir dir)
{
	switch (dir) {

	case PBX_MEDIA_SENDONLY: return SDP_SENDONLY;
	case PBX_MEDIA_RECVONLY: return SDP_RECVONLY;
	case PBX_MEDIA_INACTIVE: return SDP_INACTIVE;
	default:                 return SDP_SENDRECV;
	}
}


static enum pbx_media_dir dir_make(bool send, bool recv)
{
	if (send && recv)
		return PBX_MEDIA_SENDRECV;
	if (send)
		return PBX_MEDIA_SENDONLY;

	return recv ? PBX_MEDIA_RECVONLY : PBX_MEDIA_INACTIVE;
}


/* libre's sdp_media_rdir() is already mirrored to our side (a=sendonly
 * reads as SDP_RECVONLY); this gives it back as the peer wrote it, minus
 * receiving when its address is 0.0.0.0. */
static enum pbx_media_dir rdir_get(const struct sdp_media *sm)
{
	enum sdp_dir d = sdp_media_rdir(sm);
	bool hold = sa_is_any(sdp_media_raddr(sm));

	return dir_make((d & SDP_RECVONLY) != 0,
			(d & SDP_SENDONLY) != 0 && !hold);
}


int pbx_media_sdp_init(struct pbx_media *m, const struct sa *laddr)
{
	return pbx_media_sdp_line(m, laddr, false);
}


static void fmts_clear(struct sdp_media *sm)
{
	struct le *le = list_head(sdp_media_format_lst(sm, true));

	while (le) {
		struct sdp_format *f = le->data;

		le = le->next;
		mem_deref(f);           /* unlinks itself */
	}
}


/* The PT our offer gives c: static, the one already negotiated, or the
 * next free dynamic one. */
static int offer_pt(const struct pbx_media *m, const struct pbx_codec *c,
		    int *dyn)
{
	if (c->pt >= 0)
		return c->pt;
	if (m->codec == c && m->pt_rx >= 0)
		return m->pt_rx;

	while (*dyn == TE_PT || *dyn == TE48_PT || *dyn == m->te_rx)
		++*dyn;

	return (*dyn)++;
}


static int fmt_add(struct pbx_media *m, int pt, const char *name,
		   uint32_t clock, uint8_t ch, const char *fmtp)
{
	char id[8];

	(void)re_snprintf(id, sizeof(id), "%d", pt);

	return sdp_format_add(NULL, m->sm, false, id, name, clock,
			      ch ? ch : 1, NULL, NULL, NULL, false, "%s",
			      fmtp ? fmtp : "");
}


struct offer_state {
	struct pbx_media *m;
	int dyn;
	int n;
	bool wide;                /* a 48 kHz clock codec was listed   */
	int err;
};


static int offer_codec(struct offer_state *o, const struct pbx_codec *c)
{
	if (!c || sdp_media_format(o->m->sm, true, NULL, -1, c->name,
				   (int32_t)c->clock, -1))
		return 0;

	o->err = fmt_add(o->m, offer_pt(o->m, c, &o->dyn), c->name,
			 c->clock, c->channels, c->fmtp);
	if (o->err)
		return o->err;

	++o->n;
	if (c->clock == 48000)
		o->wide = true;

	return 0;
}


static bool offer_rest_h(const struct pbx_codec *c, void *arg)
{
	return offer_codec(arg, c) != 0;
}


/* Our format list: the listed codecs we know, in order ("*" stands for
 * every other registered codec), then telephone-event at 8 kHz (with
 * the PT it had, so re-offers keep it) and at 48 kHz beside a codec with
 * that clock (RFC 4733 2.1: the event clock is the audio's). */
static int fmts_build(struct pbx_media *m, const char *codecs)
{
	struct offer_state o = {m, 96, 0, false, 0};
	struct pl pl, item;
	int err;

	fmts_clear(m->sm);

	pl_set_str(&pl, codecs ? codecs : "*");
	while (!o.err && !re_regex(pl.p, pl.l, "[^, ]+", &item)) {
		pl_advance(&pl, item.p + item.l - pl.p);
		if (!pl_strcmp(&item, "*"))
			(void)pbx_codec_apply(offer_rest_h, &o);
		else
			(void)offer_codec(&o, codec_find(item.p, item.l));
	}

	if (o.err)
		return o.err;
	if (!o.n)
		return EINVAL;

	err = fmt_add(m, m->te_rx >= 0 && m->te_clock != 48000 ?
		      m->te_rx : TE_PT, te_name, 8000, 1, "0-16");
	if (err || !o.wide)
		return err;

	return fmt_add(m, m->te_rx >= 0 && m->te_clock == 48000 ?
		       m->te_rx : TE48_PT, te_name, 48000, 1, "0-16");
}


int pbx_media_offer(struct pbx_media *m, const char *codecs,
		    struct mbuf **sdpp)
{
	int err;

	if (!m || !sdpp)
		return EINVAL;

	err = pbx_media_ports(m);
	if (!err)
		err = fmts_build(m, codecs);
	if (!err)
		err = pbx_media_sdes_offer(m);
	if (err)
		return err;

	sdp_media_set_ldir(m->sm, dir_to_sdp(m->dir));
	err = sdp_encode(sdpp, m->sdp, true);
	if (err)
		return err;

	m->odir = m->dir;
	m->offered = true;

	return 0;
}


int pbx_media_prefer(struct pbx_media *m, const char *codecs)
{
	if (!m)
		return EINVAL;

	m->prefer = mem_deref(m->prefer);

	return codecs ? str_dup(&m->prefer, codecs) : 0;
}


/* What the peer's SDP (just decoded) means for us; applied only if the
 * whole SDP is acceptable, so a bad re-INVITE leaves the call as it was.
 */
struct remote {
	const struct pbx_codec *codec;
	const struct pbx_codec *codecv[MEDIA_CODEC_MAX];
	size_t codecc;
	const char *fmtp;         /* borrowed from the SDP: codec's fmtp */
	int pt_tx, te_tx;
	int pt_rx, te_rx;
	uint32_t te_clock;
	int te8, te48;            /* the peer's telephone-event PTs     */
};


static bool remote_allows(const struct pbx_media *m, bool offer,
			  const struct pbx_codec *c, bool strict)
{
	if (!offer)
		return sdp_media_format(m->sm, true, NULL, -1, c->name,
					(int32_t)c->clock, -1) != NULL;

	return !strict || list_has(m->prefer, c->name);
}


/* Walks the peer's formats in its order.  offer: the first codec we
 * support that the prefer list allows wins, else the first we support
 * at all (pbxd transcodes); answer: the first one we offered. */
static int remote_choose(struct pbx_media *m, bool offer, struct remote *r)
{
	struct le *le;
	int pass;

	memset(r, 0, sizeof(*r));
	r->pt_tx = r->te_tx = r->te8 = r->te48 = -1;

	if (!sdp_media_rport(m->sm))
		return EPROTO;          /* port 0 or no audio line */

	for (pass = 0; pass < 2 && !r->codec; pass++) {
		le = list_head(sdp_media_format_lst(m->sm, false));
		for (; le; le = le->next) {
			const struct sdp_format *f = le->data;
			const struct pbx_codec *c = codec_of(f);
			size_t i;

			if (fmt_is_te(f) && f->srate == 8000 && r->te8 < 0)
				r->te8 = f->pt;
			if (fmt_is_te(f) && f->srate == 48000 && r->te48 < 0)
				r->te48 = f->pt;
			if (!c)
				continue;

			for (i = 0; i < r->codecc && r->codecv[i] != c; i++)
				;
			if (i == r->codecc &&
			    r->codecc < ARRAY_SIZE(r->codecv))
				r->codecv[r->codecc++] = c;

			if (r->codec ||
			    !remote_allows(m, offer, c, pass == 0))
				continue;

			r->codec = c;
			r->pt_tx = f->pt;
			r->fmtp = f->params;
		}
	}

	if (!r->codec)
		return EPROTO;

	/* the event clock should be the audio's; take the other if that
	 * is all the peer has */
	if (r->codec->clock == 48000 && r->te48 >= 0) {
		r->te_tx = r->te48;
		r->te_clock = 48000;
	}
	else if (r->te8 >= 0) {
		r->te_tx = r->te8;
		r->te_clock = 8000;
	}
	else if (r->te48 >= 0) {
		r->te_tx = r->te48;
		r->te_clock = 48000;
	}

	return 0;
}


/* Our answer lists the chosen codec and telephone-event (when the peer
 * has it) under the peer's PTs, the codec first: some phones take the
 * first format of an answer for the codec. */
static int fmts_answer(struct pbx_media *m, const struct remote *r)
{
	int err;

	fmts_clear(m->sm);

	err = fmt_add(m, r->pt_tx, r->codec->name, r->codec->clock,
		      r->codec->channels, r->codec->fmtp);
	if (err || r->te_tx < 0)
		return err;

	return fmt_add(m, r->te_tx, te_name, r->te_clock, 1, "0-16");
}


/* The PTs the peer may send us: its own after our answer, those of our
 * offer after its answer (RFC 3264 5.1 says ours; be lenient). */
static void local_pts(const struct pbx_media *m, struct remote *r,
		      bool offer)
{
	const struct sdp_format *f;

	if (offer) {
		r->pt_rx = r->pt_tx;
		r->te_rx = r->te_tx;
		return;
	}

	f = sdp_media_format(m->sm, true, NULL, -1, r->codec->name,
			     (int32_t)r->codec->clock, -1);
	r->pt_rx = f ? f->pt : -1;
	f = sdp_media_format(m->sm, true, NULL, -1, te_name,
			     (int32_t)r->te_clock, -1);
	r->te_rx = f && r->te_tx >= 0 ? f->pt : -1;
}


static void remote_apply(struct pbx_media *m, const struct remote *r,
			 enum pbx_media_dir rdir)
{
	bool changed = m->codec != r->codec ||
		str_cmp(m->fmtp ? m->fmtp : "", r->fmtp ? r->fmtp : "");

	if (changed) {
		m->fmtp = mem_deref(m->fmtp);
		if (str_isset(r->fmtp))
			(void)str_dup(&m->fmtp, r->fmtp);
	}

	m->codec = r->codec;
	m->te_clock = r->te_clock;
	memcpy(m->rcodecv, r->codecv, sizeof(m->rcodecv));
	m->rcodecc = r->codecc;
	m->pt_tx = r->pt_tx;
	m->te_tx = r->te_tx;
	m->pt_rx = r->pt_rx;
	m->te_rx = r->te_rx;
	m->rdir = rdir;
	m->offered = false;

	pbx_media_remote_set(m, sdp_media_raddr(m->sm));
	if (changed)
		pbx_media_dsp_codec_changed(m);
}


static int remote_decode(struct pbx_media *m, struct mbuf *sdp, bool offer)
{
	int err;

	if (!mbuf_get_left(sdp))
		return EBADMSG;

	/* ENOTSUP: an m= line of another kind where our audio line was */
	err = sdp_decode(m->sdp, sdp, offer);
	if (err == ENOMEM || err == ENOTSUP)
		return err == ENOTSUP ? EPROTO : err;

	return err ? EBADMSG : 0;
}


int pbx_media_remote(struct pbx_media *m, struct mbuf *sdp, bool offer,
		     struct mbuf **answerp)
{
	enum pbx_media_dir rdir, ldir, want;
	struct pbx_sdes peer;
	struct remote r;
	bool srtp;
	int err;

	if (!m || !sdp || (!offer && !m->offered && !m->codec))
		return EINVAL;

	err = remote_decode(m, sdp, offer);
	if (err)
		return err;

	err = remote_choose(m, offer, &r);
	if (!err)
		err = pbx_media_sdes_remote(m, offer, &peer, &srtp);
	if (err)
		return err;

	local_pts(m, &r, offer);
	rdir = rdir_get(m->sm);
	want = offer ? m->dir : m->odir;
	ldir = dir_make(pbx_media_dir_send(want) && pbx_media_dir_recv(rdir),
			pbx_media_dir_recv(want) && pbx_media_dir_send(rdir));

	if (offer) {
		err = fmts_answer(m, &r);
		if (!err)
			err = pbx_media_sdes_answer(m, &peer, srtp);
		if (!err && answerp)
			err = pbx_media_ports(m);
		if (!err && answerp) {
			sdp_media_set_ldir(m->sm, dir_to_sdp(ldir));
			err = sdp_encode(answerp, m->sdp, false);
		}
		if (err)
			return err;
	}

	err = pbx_media_sdes_apply(m, &peer, srtp);
	if (err)
		return err;

	m->ldir = ldir;
	remote_apply(m, &r, rdir);

	return 0;
}


const char *pbx_media_codec(const struct pbx_media *m)
{
	return m && m->codec ? m->codec->name : NULL;
}


int pbx_media_remote_codecs(const struct pbx_media *m, char *buf,
			    size_t sz)
{
	size_t i, len = 0;

	if (!buf || !sz)
		return EINVAL;

	buf[0] = '\0';
	if (!m)
		return EINVAL;

	for (i = 0; i < m->rcodecc; i++) {
		const char *name = m->rcodecv[i]->name;
		size_t n = strlen(name) + (i ? 1 : 0);

		if (len + n >= sz) {
			buf[0] = '\0';
			return EOVERFLOW;
		}
		(void)re_snprintf(buf + len, sz - len, "%s%s",
				  i ? "," : "", name);
		len += n;
	}

	return m->rcodecc ? 0 : ENOENT;
}


enum pbx_media_dir pbx_media_remote_dir(const struct pbx_media *m)
{
	return m ? m->rdir : PBX_MEDIA_INACTIVE;
}
