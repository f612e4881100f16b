/* media.c: a leg's RTP/RTCP ports from rtp_ports, and its RTP timeout.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Ports: every leg takes an even RTP port and the RTCP port above it,
 * both bound to the wildcard address of the leg's family.  A bitmap marks
 * the pairs we hold, and a cursor walks the range round-robin, so a pair
 * that was just freed is the last one to be taken again (stray packets of
 * the old call do not reach a new one) and a crowded range costs one bind
 * per pair held by another process, not libre's 64 random tries.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>
#include "core.h"
#include "audio.h"
#include "media.h"


enum {
	RTP_RXSZ      = 2048,     /* receive buffer per datagram, bytes */
	WATCH_MAX_MS  = 1000,     /* longest step of the timeout check  */
};

static struct pbx_mediactx *ctx_get(void)
{
	struct pbx_core *c = pbx_core();

	return c ? c->media : NULL;
}


static void ctx_destructor(void *arg)
{
	struct pbx_mediactx *ctx = arg;

	pbx_media_clock_stop(ctx);
	tmr_cancel(&ctx->watch_tmr);
	mem_deref(ctx->used);
}


/* "MIN-MAX", both decimal up to 65535; blanks around '-' are allowed
 * (rtp_ports, jitter_buffer). */
int pbx_media_range_parse(const char *s, uint32_t *minp, uint32_t *maxp)
{
	unsigned long a, b;
	char *end;

	if (!isdigit((unsigned char)*s))
		return EINVAL;
	a = strtoul(s, &end, 10);
	while (*end == ' ' || *end == '\t')
		++end;
	if (*end++ != '-')
		return EINVAL;
	while (*end == ' ' || *end == '\t')
		++end;
	if (!isdigit((unsigned char)*end))
		return EINVAL;
	b = strtoul(end, &end, 10);
	if (*end || a > 65535 || b > 65535)
		return EINVAL;

	*minp = (uint32_t)a;
	*maxp = (uint32_t)b;

	return 0;
}


static int conf_read(struct pbx_mediactx *ctx)
{
	const char *ports = pbx_conf_str("rtp_ports", "10000-20000");
	uint32_t min, max, first, last, timeout;
	int err;

	if (pbx_media_range_parse(ports, &min, &max) || min < 1)
		return pbx_conf_error("rtp_ports", "'%s' is not MIN-MAX "
				      "(ports 1-65535)", ports);

	/* RTP on even ports, RTCP on the odd one above, both in range */
	first = (min + 1) & ~1u;
	last = max ? (max - 1) & ~1u : 0;
	if (max < 2 || first > last)
		return pbx_conf_error("rtp_ports", "'%s' has no even port "
				      "whose next port (RTCP) is in it too",
				      ports);

	err = pbx_conf_u32("rtp_timeout", 60, 0, 3600, &timeout);
	if (err)
		return err;

	ctx->port_min = (uint16_t)first;
	ctx->pairc = (last - first) / 2 + 1;
	ctx->timeout_ms = timeout * 1000;

	return 0;
}


int pbx_media_start(void)
{
	struct pbx_mediactx *ctx;
	int err;

	if (!pbx_core())
		return EINVAL;

	ctx = mem_zalloc(sizeof(*ctx), ctx_destructor);
	if (!ctx)
		return ENOMEM;

	tmr_init(&ctx->tick);
	tmr_init(&ctx->watch_tmr);
	err = conf_read(ctx);
	if (!err)
		err = pbx_media_dsp_conf(ctx);
	if (err)
		goto out;

	ctx->used = mem_zalloc((ctx->pairc + 7) / 8, NULL);
	if (!ctx->used) {
		err = ENOMEM;
		goto out;
	}

	ctx->cursor = rand_u32() % ctx->pairc;

 out:
	if (err) {
		mem_deref(ctx);
	}
	else {
		pbx_media_stop();
		pbx_core()->media = ctx;
	}

	return err;
}


/* Medias still open keep their own reference to the context. */
void pbx_media_stop(void)
{
	struct pbx_core *c = pbx_core();

	if (c)
		c->media = mem_deref(c->media);
}


unsigned pbx_media_count(void)
{
	return ctx_get() ? ctx_get()->count : 0;
}


static bool pair_used(const struct pbx_mediactx *ctx, uint32_t i)
{
	return (ctx->used[i / 8] >> (i % 8)) & 1;
}


static void pair_mark(struct pbx_mediactx *ctx, uint32_t i, bool used)
{
	if (used)
		ctx->used[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		ctx->used[i / 8] &= (uint8_t)~(1u << (i % 8));
}


static int pair_bind(struct pbx_media *m, const struct sa *any,
		     uint16_t port)
{
	struct sa sa = *any;
	int err;

	sa_set_port(&sa, port);
	err = udp_listen(&m->rtp, &sa, pbx_media_rtp_recv, m);
	if (err)
		return err;

	sa_set_port(&sa, port + 1);
	err = udp_listen(&m->rtcp, &sa, NULL, NULL);
	if (err) {
		m->rtp = mem_deref(m->rtp);
		return err;
	}

	udp_rxsz_set(m->rtp, RTP_RXSZ);
	udp_rxsz_set(m->rtcp, RTP_RXSZ);

	return 0;
}


/* Tries each pair not ours once, from the cursor on.  EADDRINUSE only
 * when every pair is taken; other bind errors (EMFILE, EACCES) at once. */
static int ports_alloc(struct pbx_media *m)
{
	struct pbx_mediactx *ctx = m->ctx;
	struct sa any;
	uint32_t n;
	int err;

	sa_init(&any, m->af);

	for (n = 0; n < ctx->pairc; n++) {
		uint32_t i = ctx->cursor;

		ctx->cursor = (ctx->cursor + 1) % ctx->pairc;
		if (pair_used(ctx, i))
			continue;

		err = pair_bind(m, &any, (uint16_t)(ctx->port_min + 2 * i));
		if (err == EADDRINUSE)
			continue;
		if (err)
			return err;

		pair_mark(ctx, i, true);
		m->pair = i;
		m->port = (uint16_t)(ctx->port_min + 2 * i);
		return 0;
	}

	return EADDRINUSE;
}


static void media_destructor(void *arg)
{
	struct pbx_media *m = arg;

	list_unlink(&m->watch_le);
	pbx_media_unbridge(m);
	pbx_media_dsp_free(m);
	mem_deref(m->dtmf_rx);
	mem_deref(m->srtp_tx);
	mem_deref(m->srtp_rx);
	mem_deref(m->fmtp);

	if (m->rtp) {
		pair_mark(m->ctx, m->pair, false);
		--m->ctx->count;
	}

	mem_deref(m->rtcp);
	mem_deref(m->rtp);
	mem_deref(m->sdp);
	mem_deref(m->prefer);
	mem_deref(m->ctx);
}


int pbx_media_ports(struct pbx_media *m)
{
	int err;

	if (!m)
		return EINVAL;
	if (m->rtp)
		return 0;

	err = ports_alloc(m);
	if (err)
		return err;
	++m->ctx->count;
	if (m->sm)
		sdp_media_set_lport(m->sm, m->port);

	return 0;
}


static int media_alloc(struct pbx_media **mp, const struct sa *laddr,
		       bool lazy)
{
	struct pbx_media *m;
	int err;

	if (!mp || !laddr || !ctx_get())
		return EINVAL;

	m = mem_zalloc(sizeof(*m), media_destructor);
	if (!m)
		return ENOMEM;

	m->ctx = mem_ref(ctx_get());
	m->dir = m->ldir = m->rdir = PBX_MEDIA_SENDRECV;
	m->pt_tx = m->te_tx = m->pt_rx = m->te_rx = -1;
	sa_init(&m->raddr, AF_UNSPEC);
	sa_init(&m->dst, AF_UNSPEC);
	m->tx.ssrc = rand_u32();
	m->tx.seq = rand_u16();
	m->tx.ts = rand_u32();
	m->af = sa_af(laddr);

	err = pbx_dtmf_rx_alloc(&m->dtmf_rx);
	if (!err && !lazy)
		err = pbx_media_ports(m);
	if (!err)
		err = pbx_media_sdp_init(m, laddr);
	if (err)
		mem_deref(m);
	else
		*mp = m;

	return err;
}


int pbx_media_alloc(struct pbx_media **mp, const struct sa *laddr)
{
	return media_alloc(mp, laddr, false);
}


int pbx_media_alloc_lazy(struct pbx_media **mp, const struct sa *laddr)
{
	return media_alloc(mp, laddr, true);
}


uint16_t pbx_media_port(const struct pbx_media *m)
{
	return m ? m->port : 0;
}


void pbx_media_stats(const struct pbx_media *m, struct pbx_media_stats *st)
{
	if (!st)
		return;

	memset(st, 0, sizeof(*st));
	if (!m)
		return;

	st->packets_in = m->packets_in;
	st->packets_out = m->packets_out;
	st->lost = pbx_media_rx_lost(&m->rx);
	st->srtp = m->srtp_on;
	st->transcoding = pbx_media_dsp_transcoding(m);
	st->srtp_fail = m->srtp_fail;
	st->dtmf = m->dtmf_count;
	pbx_media_dsp_stats(m, st);
}


bool pbx_media_dir_recv(enum pbx_media_dir dir)
{
	return dir == PBX_MEDIA_SENDRECV || dir == PBX_MEDIA_RECVONLY;
}


bool pbx_media_dir_send(enum pbx_media_dir dir)
{
	return dir == PBX_MEDIA_SENDRECV || dir == PBX_MEDIA_SENDONLY;
}


/* What we want; our next offer says it, our next answer says its
 * intersection with the peer's offer (sdp.c). */
void pbx_media_set_dir(struct pbx_media *m, enum pbx_media_dir dir)
{
	if (!m || dir > PBX_MEDIA_INACTIVE)
		return;

	m->dir = dir;
}


/* The peer is expected to send only while both sides agreed on sendrecv:
 * a peer that holds (sendonly, inactive, c=0.0.0.0) or that we hold
 * (recvonly) may well be silent. */
static bool watch_applies(const struct pbx_media *m)
{
	return m->codec && m->rdir == PBX_MEDIA_SENDRECV &&
		pbx_media_dir_recv(m->ldir);
}


static uint32_t watch_step(const struct pbx_mediactx *ctx)
{
	uint32_t step = ctx->timeout_ms / 4;

	return step > WATCH_MAX_MS ? WATCH_MAX_MS : step;
}


/* One timer for every watched media, not one each: libre 1.1.0 keeps
 * timers in a sorted list, and re-arming thousands of them every second
 * cost more than the calls (profiled at 150 calls/s).  Every step the
 * list is walked once; nothing is done per packet but the peer_in
 * counter.  Medias that timed out are moved to a list of their own and
 * reported one by one: a handler may free any media, which unlinks it
 * from whichever list holds it. */
static void watch_tmr_h(void *arg)
{
	struct pbx_mediactx *ctx = arg;
	uint64_t now = tmr_jiffies();
	struct list fired = LIST_INIT;
	struct le *le;

	mem_ref(ctx);
	le = list_head(&ctx->watchl);
	while (le) {
		struct pbx_media *m = le->data;

		le = le->next;
		if (!watch_applies(m) || m->peer_in != m->seen) {
			m->seen = m->peer_in;
			m->seen_jfs = now;
		}
		else if (now - m->seen_jfs >= ctx->timeout_ms) {
			list_unlink(&m->watch_le);
			list_append(&fired, &m->watch_le, m);
		}
	}

	while ((le = list_head(&fired))) {
		struct pbx_media *m = le->data;
		pbx_media_timeout_h *h = m->toh;

		list_unlink(le);
		m->toh = NULL;
		h(m, m->toarg);         /* may free any media */
	}

	if (list_head(&ctx->watchl))
		tmr_start(&ctx->watch_tmr, watch_step(ctx), watch_tmr_h, ctx);
	mem_deref(ctx);
}


void pbx_media_watch(struct pbx_media *m, pbx_media_timeout_h *h,
		     void *arg)
{
	struct pbx_mediactx *ctx;

	if (!m)
		return;

	ctx = m->ctx;
	list_unlink(&m->watch_le);
	m->toh = h;
	m->toarg = arg;
	if (!h || !ctx->timeout_ms)
		return;

	m->seen = m->peer_in;
	m->seen_jfs = tmr_jiffies();
	list_append(&ctx->watchl, &m->watch_le, m);
	if (!tmr_isrunning(&ctx->watch_tmr))
		tmr_start(&ctx->watch_tmr, watch_step(ctx), watch_tmr_h, ctx);
}
