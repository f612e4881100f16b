/* sdp_srtp.c: SRTP keys in a leg's SDP (RFC 4568 SDES) and the leg's
 * SRTP contexts.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A leg offers RTP/SAVP only when asked (pbx_media_set_srtp); the audio
 * line is then made again with that profile before the first offer,
 * because libre 1.1.0 offers the profile the line was made with (or the
 * one last decoded).  Any leg answers an RTP/SAVP offer with SRTP: its
 * line accepts both profiles (sdp_media_set_alt_protos).  We answer the
 * first a=crypto whose suite we do, with a key of our own for the same
 * suite and tag; our key stays the same across re-INVITEs unless the
 * suite changes, so a re-INVITE does not reset the peer's SRTP context.
 */
#include <string.h>
#include <re.h>
#include "core.h"
#include "audio.h"
#include "media.h"


static const char crypto_attr[] = "crypto";


/* A new SDP session with one audio line (a line cannot be removed from
 * a libre session, only disabled, so the session is made anew). */
int pbx_media_sdp_line(struct pbx_media *m, const struct sa *laddr,
		       bool savp)
{
	struct sdp_session *sdp = m->sdp;
	struct sa la = *laddr;     /* laddr may point into the old one */
	int err;

	m->sdp = NULL;
	m->sm = NULL;
	mem_deref(sdp);

	err = sdp_session_alloc(&m->sdp, &la);
	if (err)
		return err;

	err = sdp_media_add(&m->sm, m->sdp, sdp_media_audio, m->port,
			    savp ? sdp_proto_rtpsavp : sdp_proto_rtpavp);
	if (err)
		return err;

	if (!savp) {
		err = sdp_media_set_alt_protos(m->sm, 2, sdp_proto_rtpavp,
					       sdp_proto_rtpsavp);
		if (err)
			return err;
	}

	return sdp_media_set_lattr(m->sm, true, sdp_attr_ptime, "%u",
				   PBX_PTIME);
}


void pbx_media_set_srtp(struct pbx_media *m, bool on)
{
	if (!m || m->srtp_want == on || m->codec || m->offered)
		return;           /* only before the first offer */

	if (!pbx_media_sdp_line(m, sdp_media_laddr(m->sm), on))
		m->srtp_want = on;
}


bool pbx_media_srtp(const struct pbx_media *m)
{
	return m && m->srtp_on;
}


static int lattr_set(struct pbx_media *m)
{
	return sdp_media_set_lattr(m->sm, true, crypto_attr, "%H",
				   pbx_sdes_encode, &m->sdes);
}


/* Our offer's key (AES_CM_128_HMAC_SHA1_80, tag 1) when we offer SRTP. */
int pbx_media_sdes_offer(struct pbx_media *m)
{
	if (!m->srtp_want) {
		sdp_media_del_lattr(m->sm, crypto_attr);
		return 0;
	}

	if (!m->sdes.tag)
		pbx_sdes_make(&m->sdes, 1, PBX_SRTP_AES_CM_128_HMAC_SHA1_80);

	return lattr_set(m);
}


struct pick {
	struct pbx_sdes *sdes;
	unsigned want_tag;        /* answer: the tag we offered; 0: any */
	bool found;
};


static bool crypto_h(const char *name, const char *value, void *arg)
{
	struct pick *p = arg;
	struct pbx_sdes s;
	(void)name;

	if (pbx_sdes_decode(&s, value))
		return false;
	if (p->want_tag && s.tag != p->want_tag)
		return false;

	*p->sdes = s;
	p->found = true;

	return true;
}


/* The peer's key from the SDP just decoded: *onp false for RTP/AVP.
 * EPROTO for RTP/SAVP without a key we can use (answer 488). */
int pbx_media_sdes_remote(struct pbx_media *m, bool offer,
			  struct pbx_sdes *peer, bool *onp)
{
	struct pick p = {peer, 0, false};

	*onp = !str_casecmp(sdp_media_proto(m->sm), sdp_proto_rtpsavp);
	if (!*onp)
		return 0;

	if (!offer && !m->srtp_want)
		return EPROTO;    /* we offered plain RTP */
	if (!offer)
		p.want_tag = m->sdes.tag;

	(void)sdp_media_rattr_apply(m->sm, crypto_attr, crypto_h, &p);

	return p.found ? 0 : EPROTO;
}


/* Our answer's key: same tag and suite as the peer's. */
int pbx_media_sdes_answer(struct pbx_media *m, const struct pbx_sdes *peer,
			  bool on)
{
	if (!on) {
		sdp_media_del_lattr(m->sm, crypto_attr);
		return 0;
	}

	if (!m->sdes.tag || m->sdes.suite != peer->suite)
		pbx_sdes_make(&m->sdes, peer->tag, peer->suite);
	m->sdes.tag = peer->tag;

	return lattr_set(m);
}


/* New contexts when the keys changed; none for plain RTP. */
int pbx_media_sdes_apply(struct pbx_media *m, const struct pbx_sdes *peer,
			 bool on)
{
	struct pbx_srtp *tx = NULL, *rx = NULL;
	int err;

	if (!on) {
		m->srtp_tx = mem_deref(m->srtp_tx);
		m->srtp_rx = mem_deref(m->srtp_rx);
		m->srtp_on = false;
		return 0;
	}

	if (m->srtp_on && !memcmp(&m->sdes_peer, peer, sizeof(*peer)) &&
	    !memcmp(&m->sdes_used, &m->sdes, sizeof(m->sdes)))
		return 0;

	err = pbx_srtp_alloc(&tx, &m->sdes, true);
	if (!err)
		err = pbx_srtp_alloc(&rx, peer, false);
	if (err) {
		mem_deref(tx);
		mem_deref(rx);
		return err;
	}

	mem_deref(m->srtp_tx);
	mem_deref(m->srtp_rx);
	m->srtp_tx = tx;
	m->srtp_rx = rx;
	m->sdes_peer = *peer;
	m->sdes_used = m->sdes;
	m->srtp_on = true;

	return 0;
}
