/* test_media.h: helpers of the media tests: phones on UDP, the loop, SDP.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Real UDP on 127.0.0.1: plain libre sockets play the phones, each
 * keeping what it receives; the libre loop runs until they have enough.
 * Functions are static inline so a test file may leave some unused.
 */
#ifndef TEST_MEDIA_H
#define TEST_MEDIA_H

enum {
	PKT_MAX = 128,
	PAYLOAD = 160,            /* bytes: 20 ms of G.711 */
};

struct pkt {
	uint8_t pt;
	bool m;
	uint16_t seq;
	uint32_t ts, ssrc;
	uint8_t fill;             /* first payload byte */
	size_t len;               /* payload bytes */
	struct sa src;
};

struct phone {
	struct udp_sock *us;
	struct sa addr;
	unsigned n;
	struct pkt v[PKT_MAX];
};

static inline int conf_start(const char *text)
{
	struct pbx_conf *c = NULL;
	char err[128];
	int e;

	e = pbx_conf_parse(&c, "t.conf", text, strlen(text), err,
			   sizeof(err));
	if (e)
		return e;
	pbx_conf_set_current(c);
	mem_deref(c);

	return pbx_media_start();
}


/* A group's set-up: libre, the core context, the built-in codecs,
 * media with config text. */
static inline int media_group_setup(const char *conf)
{
	if (libre_init() || pbx_core_alloc() || pbx_codec_init())
		return -1;
	pbx_log_set_level(PBX_LOG_ERROR);

	return conf_start(conf) ? -1 : 0;
}


static inline int media_group_teardown(void **state)
{
	(void)state;
	pbx_media_stop();
	pbx_codec_close();
	pbx_core_free();
	libre_close();

	return 0;
}


static inline int teardown(void **state)
{
	(void)state;
	assert_int_equal(pbx_media_count(), 0);

	return 0;
}


/* ---- running the loop --------------------------------------------------- */

struct waiter {
	struct tmr tmr;
	const unsigned *cnt;
	unsigned n;
	uint64_t deadline;
};


static inline void wait_tmr_h(void *arg)
{
	struct waiter *w = arg;

	if ((w->cnt && *w->cnt >= w->n) || tmr_jiffies() >= w->deadline) {
		re_cancel();
		return;
	}

	tmr_start(&w->tmr, 1, wait_tmr_h, w);
}


/* Runs the loop until *cnt reaches n or ms pass; true if it did. */
static inline bool wait_for(const unsigned *cnt, unsigned n,
			    uint32_t ms)
{
	struct waiter w = {.cnt = cnt, .n = n};

	tmr_init(&w.tmr);
	w.deadline = tmr_jiffies() + ms;
	tmr_start(&w.tmr, 0, wait_tmr_h, &w);
	(void)re_main(NULL);
	tmr_cancel(&w.tmr);

	return !cnt || *cnt >= n;
}


static inline void run_for(uint32_t ms)
{
	(void)wait_for(NULL, 0, ms);
}


/* ---- phones ------------------------------------------------------------- */

static inline void phone_recv(const struct sa *src, struct mbuf *mb,
			      void *arg)
{
	struct phone *ph = arg;
	const uint8_t *b = mbuf_buf(mb);
	struct pkt *p;

	if (ph->n >= PKT_MAX || mbuf_get_left(mb) < 12)
		return;

	p = &ph->v[ph->n++];
	p->pt = b[1] & 0x7f;
	p->m = (b[1] & 0x80) != 0;
	p->seq = (uint16_t)(b[2] << 8 | b[3]);
	p->ts = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 |
		(uint32_t)b[6] << 8 | b[7];
	p->ssrc = (uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 |
		(uint32_t)b[10] << 8 | b[11];
	p->len = mbuf_get_left(mb) - 12;
	p->fill = p->len ? b[12] : 0;
	p->src = *src;
}


static inline void phone_destructor(void *arg)
{
	struct phone *ph = arg;

	mem_deref(ph->us);
}


static inline struct phone *phone_alloc(void)
{
	struct phone *ph = mem_zalloc(sizeof(*ph), phone_destructor);
	struct sa sa;

	assert_non_null(ph);
	sa_set_str(&sa, "127.0.0.1", 0);
	assert_int_equal(udp_listen(&ph->us, &sa, phone_recv, ph), 0);
	assert_int_equal(udp_local_get(ph->us, &ph->addr), 0);

	return ph;
}


static inline uint16_t phone_port(const struct phone *ph)
{
	return sa_port(&ph->addr);
}


/* One RTP packet from ph to our port: PAYLOAD bytes of fill. */
static inline void phone_send(struct phone *ph, uint16_t port,
			      uint8_t pt, uint16_t seq, uint32_t ts,
			      uint32_t ssrc, uint8_t fill)
{
	struct mbuf *mb = mbuf_alloc(12 + PAYLOAD);
	struct sa dst;

	assert_non_null(mb);
	(void)mbuf_write_u8(mb, 0x80);
	(void)mbuf_write_u8(mb, pt);
	(void)mbuf_write_u16(mb, htons(seq));
	(void)mbuf_write_u32(mb, htonl(ts));
	(void)mbuf_write_u32(mb, htonl(ssrc));
	(void)mbuf_fill(mb, fill, PAYLOAD);
	mb->pos = 0;

	sa_set_str(&dst, "127.0.0.1", port);
	assert_int_equal(udp_send(ph->us, &dst, mb), 0);
	mem_deref(mb);
}


/* ---- media set-up ------------------------------------------------------- */

static inline struct pbx_media *media_new(void)
{
	struct pbx_media *m = NULL;
	struct sa laddr;

	sa_set_str(&laddr, "127.0.0.1", 0);
	assert_int_equal(pbx_media_alloc(&m, &laddr), 0);

	return m;
}


static inline struct mbuf *peer_sdp(uint16_t port, const char *fmts,
				    const char *extra)
{
	struct mbuf *mb = mbuf_alloc(512);

	assert_non_null(mb);
	assert_int_equal(mbuf_printf(mb, "v=0\r\no=p 1 1 IN IP4 127.0.0.1\r\n"
				     "s=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
				     "m=audio %u RTP/AVP %s\r\n%s", port, fmts,
				     extra ? extra : ""), 0);
	mb->pos = 0;

	return mb;
}


/* The caller's leg: the phone's offer, not answered yet (early media
 * works without the answer). */
static inline void leg_inbound(struct pbx_media *m, uint16_t port,
			       const char *fmts, const char *extra)
{
	struct mbuf *sdp = peer_sdp(port, fmts, extra);

	assert_int_equal(pbx_media_remote(m, sdp, true, NULL), 0);
	mem_deref(sdp);
}


/* The callee's leg: our offer, then the phone's answer (183 or 200). */
static inline void leg_outbound(struct pbx_media *m, uint16_t port,
				const char *fmts, const char *extra)
{
	struct mbuf *offer = NULL, *ans = peer_sdp(port, fmts, extra);

	assert_int_equal(pbx_media_offer(m, NULL, &offer), 0);
	assert_int_equal(pbx_media_remote(m, ans, false, NULL), 0);
	mem_deref(offer);
	mem_deref(ans);
}


#endif
