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
#include "media.h"


enum {
	PTIME        = 20,        /* ms of audio per packet            */
	TE_PT        = 101,       /* our telephone-event PT            */
};

static const struct media_codec codecv[] = {
	{"PCMU", 0, 8000},
	{"PCMA", 8, 8000},
};

static const char te_name[] = "telephone-event";


static const struct media_codec *codec_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(codecv); i++) {
		if (strlen(codecv[i].name) == len &&
		    !strncasecmp(codecv[i].name, name, len))
			return &codecv[i];
	}

	return NULL;
}


/* The codec of a format in the peer's SDP: by rtpmap name and rate, or
 * by static payload type when there is no rtpmap. */
static const struct media_codec *codec_of(const struct sdp_format *f)
{
	const struct media_codec *c;
	size_t i;

	if (f->name) {
		c = codec_find(f->name, strlen(f->name));
		return c && c->srate == f->srate ? c : NULL;
	}

	for (i = 0; i < ARRAY_SIZE(codecv); i++) {
		if (f->pt == codecv[i].pt)
			return &codecv[i];
	}

	return NULL;
}


static bool fmt_is_te(const struct sdp_format *f)
{
	return f->name && !str_casecmp(f->name, te_name) && f->srate == 8000;
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
	int err;

	err = sdp_session_alloc(&m->sdp, laddr);
	if (err)
		return err;

	err = sdp_media_add(&m->sm, m->sdp, sdp_media_audio, m->port,
			    sdp_proto_rtpavp);
	if (err)
		return err;

	return sdp_media_set_lattr(m->sm, true, sdp_attr_ptime, "%u", PTIME);
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


/* Our format list: the listed codecs we know, in order, then
 * telephone-event (with the PT it had, so re-offers keep it). */
static int fmts_build(struct pbx_media *m, const char *codecs)
{
	struct pl pl, item;
	char id[8];
	int err, n = 0;

	fmts_clear(m->sm);

	pl_set_str(&pl, codecs ? codecs : "PCMU,PCMA");
	while (!re_regex(pl.p, pl.l, "[^, ]+", &item)) {
		const struct media_codec *c = codec_find(item.p, item.l);

		pl_advance(&pl, item.p + item.l - pl.p);
		if (!c || sdp_media_format(m->sm, true, NULL, -1, c->name,
					   -1, -1))
			continue;

		(void)re_snprintf(id, sizeof(id), "%u", c->pt);
		err = sdp_format_add(NULL, m->sm, false, id, c->name,
				     c->srate, 1, NULL, NULL, NULL, false,
				     NULL);
		if (err)
			return err;
		++n;
	}

	if (!n)
		return EINVAL;

	(void)re_snprintf(id, sizeof(id), "%d",
			  m->te_rx >= 0 ? m->te_rx : TE_PT);

	return sdp_format_add(NULL, m->sm, false, id, te_name, 8000, 1,
			      NULL, NULL, NULL, false, "0-16");
}


int pbx_media_offer(struct pbx_media *m, const char *codecs,
		    struct mbuf **sdpp)
{
	int err;

	if (!m || !sdpp)
		return EINVAL;

	err = fmts_build(m, codecs);
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
	const struct media_codec *codec;
	const struct media_codec *codecv[MEDIA_CODEC_MAX];
	size_t codecc;
	int pt_tx, te_tx;
	int pt_rx, te_rx;
};


/* Walks the peer's formats in its order.  offer: the first codec we
 * support (and the prefer list allows) wins; answer: the first one we
 * offered. */
static int remote_choose(struct pbx_media *m, bool offer, struct remote *r)
{
	struct le *le;

	memset(r, 0, sizeof(*r));
	r->pt_tx = r->te_tx = -1;

	if (!sdp_media_rport(m->sm))
		return EPROTO;          /* port 0 or no audio line */

	le = list_head(sdp_media_format_lst(m->sm, false));
	for (; le; le = le->next) {
		const struct sdp_format *f = le->data;
		const struct media_codec *c = codec_of(f);
		size_t i;

		if (fmt_is_te(f) && r->te_tx < 0)
			r->te_tx = f->pt;
		if (!c)
			continue;

		for (i = 0; i < r->codecc && r->codecv[i] != c; i++)
			;
		if (i == r->codecc && r->codecc < ARRAY_SIZE(r->codecv))
			r->codecv[r->codecc++] = c;

		if (r->codec)
			continue;
		if (offer ? !list_has(m->prefer, c->name) :
		    !sdp_media_format(m->sm, true, NULL, -1, c->name, -1, -1))
			continue;

		r->codec = c;
		r->pt_tx = f->pt;
	}

	return r->codec ? 0 : EPROTO;
}


/* Our answer lists the chosen codec and telephone-event (when the peer
 * has it) under the peer's PTs, the codec first: some phones take the
 * first format of an answer for the codec. */
static int fmts_answer(struct pbx_media *m, const struct remote *r)
{
	char id[8];
	int err;

	fmts_clear(m->sm);

	(void)re_snprintf(id, sizeof(id), "%d", r->pt_tx);
	err = sdp_format_add(NULL, m->sm, false, id, r->codec->name,
			     r->codec->srate, 1, NULL, NULL, NULL, false,
			     NULL);
	if (err || r->te_tx < 0)
		return err;

	(void)re_snprintf(id, sizeof(id), "%d", r->te_tx);

	return sdp_format_add(NULL, m->sm, false, id, te_name, 8000, 1,
			      NULL, NULL, NULL, false, "0-16");
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

	f = sdp_media_format(m->sm, true, NULL, -1, r->codec->name, -1, -1);
	r->pt_rx = f ? f->pt : -1;
	f = sdp_media_format(m->sm, true, NULL, -1, te_name, -1, -1);
	r->te_rx = f && r->te_tx >= 0 ? f->pt : -1;
}


static void remote_apply(struct pbx_media *m, const struct remote *r,
			 enum pbx_media_dir rdir)
{
	m->codec = r->codec;
	memcpy(m->rcodecv, r->codecv, sizeof(m->rcodecv));
	m->rcodecc = r->codecc;
	m->pt_tx = r->pt_tx;
	m->te_tx = r->te_tx;
	m->pt_rx = r->pt_rx;
	m->te_rx = r->te_rx;
	m->rdir = rdir;
	m->offered = false;

	pbx_media_remote_set(m, sdp_media_raddr(m->sm));
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
	struct remote r;
	int err;

	if (!m || !sdp || (!offer && !m->offered && !m->codec))
		return EINVAL;

	err = remote_decode(m, sdp, offer);
	if (err)
		return err;

	err = remote_choose(m, offer, &r);
	if (err)
		return err;

	local_pts(m, &r, offer);
	rdir = rdir_get(m->sm);
	want = offer ? m->dir : m->odir;
	ldir = dir_make(pbx_media_dir_send(want) && pbx_media_dir_recv(rdir),
			pbx_media_dir_recv(want) && pbx_media_dir_send(rdir));

	if (offer) {
		err = fmts_answer(m, &r);
		if (!err && answerp) {
			sdp_media_set_ldir(m->sm, dir_to_sdp(ldir));
			err = sdp_encode(answerp, m->sdp, false);
		}
		if (err)
			return err;
	}

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
