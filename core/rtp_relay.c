/* rtp_relay.c: RTP in on one leg, re-stamped and out on the bridged leg.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Per packet: parse the header in place, count it, latch the peer's
 * address, and forward the same mbuf with a new 12-byte header written
 * over the end of the old one (a received header is never shorter).  No
 * allocation, no log line, O(1).  The payload is never decoded.
 *
 * Each leg stamps its outgoing stream with its own SSRC; sequence numbers
 * and timestamps are the source's shifted by offsets that are recomputed
 * when the source changes (new bridge, unbridge, other SSRC, the source
 * leg's SDP changed), so the receiving phone sees one continuous stream,
 * with the marker bit on the first packet after a change.
 *
 * Latching (symmetric RTP, for phones behind NAT): we send to the SDP
 * address until LATCH_PACKETS packets in a row come from one other
 * address; from then on we send there.  A new SDP address starts over.
 *
 * RTCP: the port above the RTP port is bound so the peer's RTCP does not
 * bounce, and what arrives there is dropped; we send none.  A peer's
 * reports describe the stream it got from us, which is not the stream
 * the other leg sent, so relaying them would be wrong.
 */
#include <string.h>
#include <re.h>
#include "core.h"
#include "audio.h"
#include "media.h"


enum {
	LATCH_PACKETS = 2,        /* in a row from a new address      */
	MAX_DROPOUT   = 3000,     /* sequence jump taken as a restart */
	FRAME_MS      = 20,
	MAX_GAP_MS    = 3600000,  /* clock step guard (pitfall 10)    */
};

struct rtp_pkt {
	uint8_t *hdr;             /* where our 12-byte header will go */
	uint8_t pt;
	bool marker;
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	size_t hlen;              /* received header length, bytes    */
};


static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}


static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		(uint32_t)p[2] << 8 | p[3];
}


static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}


static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}


/* RFC 3550 5.1.  CSRCs, a header extension and padding are dropped:
 * afterwards mb holds just the payload. */
static int rtp_parse(struct rtp_pkt *p, struct mbuf *mb)
{
	uint8_t *b = mbuf_buf(mb);
	size_t len = mbuf_get_left(mb);
	size_t hlen;

	if (len < 12 || (b[0] >> 6) != 2)
		return EBADMSG;

	p->pt = b[1] & 0x7f;
	if (p->pt >= 72 && p->pt <= 79)
		return EBADMSG;         /* RTCP on the RTP port (RFC 5761) */

	hlen = 12 + 4 * (size_t)(b[0] & 0x0f);
	if (b[0] & 0x10) {
		if (hlen + 4 > len)
			return EBADMSG;
		hlen += 4 + 4 * (size_t)rd16(b + hlen + 2);
	}
	if (hlen > len)
		return EBADMSG;

	if (b[0] & 0x20) {
		size_t pad = b[len - 1];

		if (!pad || pad > len - hlen)
			return EBADMSG;
		mb->end -= pad;
	}

	p->marker = (b[1] & 0x80) != 0;
	p->seq = rd16(b + 2);
	p->ts = rd32(b + 4);
	p->ssrc = rd32(b + 8);
	p->hlen = hlen;
	p->hdr = b + hlen - 12;
	mb->pos += hlen;

	return 0;
}


static void rx_count(struct media_rx *rx, const struct rtp_pkt *p)
{
	uint32_t ext;
	int16_t d;

	if (rx->init && rx->ssrc == p->ssrc) {
		d = (int16_t)(p->seq - (uint16_t)rx->ext_max);
		ext = rx->ext_max + (uint32_t)(int32_t)d;
		if (d <= MAX_DROPOUT && d >= -MAX_DROPOUT) {
			if (d > 0)
				rx->ext_max = ext;
			++rx->received;
			return;
		}
	}

	/* a new source, or a jump taken as a restart: count anew */
	rx->lost_before = pbx_media_rx_lost(rx);
	rx->ssrc = p->ssrc;
	/* 65536 above 0, so a wrap backwards stays positive */
	rx->base = rx->ext_max = 65536u + p->seq;
	rx->received = 1;
	rx->init = true;
}


uint32_t pbx_media_rx_lost(const struct media_rx *rx)
{
	uint32_t expected;

	if (!rx->init)
		return rx->lost_before;

	expected = rx->ext_max - rx->base + 1;

	return rx->lost_before +
		(expected > rx->received ? expected - rx->received : 0);
}


static void tx_recompute(struct pbx_media *m)
{
	m->tx_ok = m->codec && pbx_media_dir_send(m->ldir) &&
		sa_isset(&m->dst, SA_ALL) && !sa_is_any(&m->dst);
}


/* A new SDP from the peer: its address (kept latched if unchanged). */
void pbx_media_remote_set(struct pbx_media *m, const struct sa *raddr)
{
	if (!sa_cmp(raddr, &m->raddr, SA_ALL)) {
		m->raddr = *raddr;
		m->dst = *raddr;
		m->candc = 0;
		m->tx.sw = true;            /* maybe another phone: mark it */
	}

	tx_recompute(m);
	if (m->bridge)
		m->bridge->tx.sw = true;    /* its stream may restart */
}


static void latch(struct pbx_media *m, const struct sa *src)
{
	if (sa_cmp(src, &m->dst, SA_ALL)) {
		m->candc = 0;
		++m->peer_in;
		return;
	}

	if (!m->codec)
		return;                 /* no SDP yet: nothing to correct */

	if (!m->candc || !sa_cmp(src, &m->cand, SA_ALL)) {
		m->cand = *src;
		m->candc = 0;
	}
	if (++m->candc < LATCH_PACKETS)
		return;

	m->dst = *src;
	m->candc = 0;
	m->tx.sw = true;
	++m->peer_in;
	tx_recompute(m);
}


/* The PT for out, or -1 to drop: audio of the common codec or
 * telephone-event, each mapped to the PT out's peer listed. */
static int pt_map(const struct pbx_media *in, const struct pbx_media *out,
		  uint8_t pt)
{
	if (pt == in->pt_rx || pt == in->pt_tx)
		return in->codec == out->codec ? out->pt_tx : -1;

	if (in->te_rx >= 0 && (pt == in->te_rx || pt == in->te_tx))
		return out->te_tx;

	return -1;
}


/* Clock units from the last packet sent to now (at least min_ms), for
 * the first packet of a new source; a gap of an hour or more is taken
 * as a stepped clock and ignored (pitfall 10). */
static uint32_t gap_units(const struct media_tx *tx, uint64_t now,
			  uint64_t min_ms, uint32_t clock)
{
	uint64_t gap = min_ms;

	if (tx->started && now - tx->jfs > gap && now - tx->jfs < MAX_GAP_MS)
		gap = now - tx->jfs;

	return (uint32_t)(gap * clock / 1000);
}


/* Shifts the source's numbers into out's stream; re-bases after a
 * change of source so that the stream goes on one frame (or the time
 * that passed) after what was sent last. */
static void stamp(struct pbx_media *out, struct rtp_pkt *p, uint8_t pt)
{
	struct media_tx *tx = &out->tx;
	uint64_t now = tmr_jiffies();
	bool marker = p->marker;
	uint16_t seq;
	uint32_t ts;

	if (tx->sw || !tx->started || tx->in_ssrc != p->ssrc || tx->engine) {
		tx->ts_off = tx->ts + gap_units(tx, now, FRAME_MS,
						out->codec->clock) - p->ts;
		tx->seq_off = (uint16_t)(tx->seq + 1 - p->seq);
		tx->in_ssrc = p->ssrc;
		tx->sw = false;
		tx->engine = false;
		marker = true;
	}

	seq = (uint16_t)(p->seq + tx->seq_off);
	ts = p->ts + tx->ts_off;
	if (!tx->started || (int16_t)(seq - tx->seq) > 0)
		tx->seq = seq;
	if (!tx->started || (int32_t)(ts - tx->ts) > 0)
		tx->ts = ts;
	tx->jfs = now;
	tx->started = true;

	p->hdr[0] = 0x80;
	p->hdr[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
	wr16(p->hdr + 2, seq);
	wr32(p->hdr + 4, ts);
	wr32(p->hdr + 8, tx->ssrc);
}


static void event_recv(struct pbx_media *m, const struct rtp_pkt *p,
		       struct mbuf *mb)
{
	char digit;

	if (!m->dtmf_rx)
		return;

	digit = pbx_dtmf_rx_event(m->dtmf_rx, mbuf_buf(mb),
				  mbuf_get_left(mb), p->ts, tmr_jiffies());
	if (digit)
		pbx_media_dtmf_report(m, digit, "rfc4733");
}


static bool is_telev(const struct pbx_media *m, uint8_t pt)
{
	return m->te_rx >= 0 && (pt == m->te_rx || pt == m->te_tx);
}


static int send_out(struct pbx_media *out, struct mbuf *mb)
{
	int err;

	if (out->srtp_tx) {
		err = pbx_srtp_protect(out->srtp_tx, mb);
		if (err)
			return err;
	}

	err = udp_send(out->rtp, &out->dst, mb);
	if (!err)
		++out->packets_out;

	return err;
}


void pbx_media_rtp_recv(const struct sa *src, struct mbuf *mb, void *arg)
{
	struct pbx_media *m = arg;
	struct pbx_media *out = m->bridge;
	struct rtp_pkt p;
	bool telev;
	int pt;

	if (m->srtp_rx && pbx_srtp_unprotect(m->srtp_rx, mb)) {
		++m->srtp_fail;
		return;
	}

	if (rtp_parse(&p, mb))
		return;

	++m->packets_in;
	rx_count(&m->rx, &p);
	latch(m, src);

	telev = is_telev(m, p.pt);
	if (telev)
		event_recv(m, &p, mb);
	else if (m->dsp && m->codec &&
		 (p.pt == m->pt_rx || p.pt == m->pt_tx))
		pbx_media_dsp_rx(m, p.seq, p.ts, p.ssrc, mb);

	/* relayed only between legs of one codec, and only while nothing
	 * of pbxd's own feeds the other leg */
	if (!out || !out->tx_ok || pbx_media_dsp_feeds(out) ||
	    out->codec != m->codec)
		return;

	pt = pt_map(m, out, p.pt);
	if (pt < 0)
		return;

	stamp(out, &p, (uint8_t)pt);
	mb->pos -= 12;
	(void)send_out(out, mb);
}


int pbx_media_send(struct pbx_media *m, struct mbuf *mb, uint8_t pt,
		   bool marker, uint32_t ts_step, bool event)
{
	struct media_tx *tx = &m->tx;
	uint64_t now = tmr_jiffies();
	uint32_t ts;

	if (!m->tx_ok || mb->pos < 12)
		return ENOTCONN;

	if (!tx->started) {
		ts = tx->ts;
		marker = true;
	}
	else if (tx->sw || !tx->engine) {
		ts = tx->ts + gap_units(tx, now,
					ts_step * 1000ull / m->codec->clock,
					m->codec->clock);
		marker = true;
	}
	else {
		ts = tx->ts + ts_step;
	}

	tx->ts = ts;
	tx->seq = (uint16_t)(tx->seq + 1);
	tx->jfs = now;
	tx->started = true;
	tx->sw = false;
	tx->engine = true;
	if (event && marker)
		tx->ev_ts = ts;

	mb->pos -= 12;
	mbuf_buf(mb)[0] = 0x80;
	mbuf_buf(mb)[1] = (uint8_t)((marker ? 0x80 : 0) | (pt & 0x7f));
	wr16(mbuf_buf(mb) + 2, tx->seq);
	wr32(mbuf_buf(mb) + 4, event ? tx->ev_ts : ts);
	wr32(mbuf_buf(mb) + 8, tx->ssrc);

	return send_out(m, mb);
}


int pbx_media_bridge(struct pbx_media *a, struct pbx_media *b)
{
	if (!a || !b || a == b)
		return EINVAL;

	if (!a->codec || !b->codec)
		return ENOTSUP;

	if (a->bridge == b && pbx_media_dsp_transcoding(a) ==
	    (a->codec != b->codec))
		return 0;

	pbx_media_unbridge(a);
	pbx_media_unbridge(b);
	a->bridge = b;
	b->bridge = a;
	a->tx.sw = true;
	b->tx.sw = true;

	if (a->codec == b->codec)
		return 0;

	return pbx_media_dsp_bridge(a, b);   /* decode, resample, encode */
}


void pbx_media_unbridge(struct pbx_media *m)
{
	if (!m || !m->bridge)
		return;

	pbx_media_dsp_unbridge(m);
	m->bridge->tx.sw = true;
	m->bridge->bridge = NULL;
	m->bridge = NULL;
	m->tx.sw = true;
}
