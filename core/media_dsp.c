/* media_dsp.c: the media engine's work on one leg: decoding what the
 * peer sends, and encoding what pbxd sends it.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A leg gets a media_dsp only while something needs it, so a call whose
 * legs share a codec costs nothing here (rtp_relay.c relays packets).
 * Receive side, present while a recorder, inband DTMF detection or a
 * transcoding partner needs the peer's audio: jitter buffer -> decoder
 * (PLC for losses, in-band FEC when the codec has it) -> a FIFO of
 * decoded samples, so packets of any length give 20 ms frames.  Send
 * side, present while a prompt or tone plays, the partner's decoded audio
 * is transcoded, or RFC 4733 events go out: source -> encoder (resampling
 * on the way) -> RTP with the leg's own SSRC and numbering.
 *
 * The media clock (media_clock.c) calls pull and push every 20 ms; they
 * never call out of the engine.  A prompt or recording that ends is
 * reported by the leg's done timer (zero delay), after the tick.
 */
#include <string.h>
#include <re.h>
#include "core.h"
#include "audio.h"
#include "media.h"


enum {
	FIFO_MAX   = 1920 + PBX_FRAME_MAX, /* 120 ms at 16 kHz + a frame */
	TXB_SIZE   = 12 + 1500 + PBX_SRTP_TRAILER,
	DONE_NONE  = 0,
	DONE_PLAY,
	DONE_REC,
};

struct media_dsp {
	struct le le;                 /* in the media clock's list       */
	struct pbx_media *m;          /* borrowed: the leg owns us       */

	/* receive side */
	struct pbx_jb *jb;            /* owned                           */
	struct pbx_dec *dec;          /* owned                           */
	int16_t fifo[FIFO_MAX];       /* decoded, at the decoder's rate  */
	size_t fifoc;
	int16_t frame[PBX_FRAME_MAX]; /* this tick's frame from the peer */
	size_t framec;                /* samples in it; 0: none          */
	uint32_t frame_srate;
	struct pbx_dtmf_det *det;     /* owned: inband DTMF              */
	struct pbx_resamp *det_rs;    /* owned: 16 -> 8 kHz for det      */

	/* send side */
	struct pbx_enc *enc;          /* owned                           */
	struct mbuf *txb;             /* owned: one packet being built   */
	struct pbx_dtmf_tx *dtx;      /* owned: RFC 4733 out             */
	bool dtx_busy;                /* events going out now            */
	struct media_src *src;        /* owned: prompt or tone           */
	bool xcode;                   /* sends the partner's audio       */

	/* recording */
	struct media_rec *rec;        /* owned                           */
	pbx_media_rec_h *rech;
	void *rec_arg;
	char rec_digit;

	/* completions, reported from done_tmr */
	struct tmr done_tmr;
	pbx_media_done_h *playh;
	void *play_arg;
	int play_err;
	bool play_done;
	bool rec_done;
	int rec_err;

	uint64_t frames_in;           /* frames decoded (incl. PLC)      */
	uint64_t frames_out;          /* frames encoded and sent         */
};


static void dsp_destructor(void *arg)
{
	struct media_dsp *d = arg;

	tmr_cancel(&d->done_tmr);
	if (d->le.list)
		pbx_media_clock_remove(d->m->ctx, &d->le);

	/* a recording cut short by a hang-up: the file stays valid */
	mem_deref(d->rec);
	mem_deref(d->src);
	mem_deref(d->dtx);
	mem_deref(d->txb);
	mem_deref(d->enc);
	mem_deref(d->det_rs);
	mem_deref(d->det);
	mem_deref(d->dec);
	mem_deref(d->jb);
}


int pbx_media_dsp_conf(struct pbx_mediactx *ctx)
{
	const char *zone = pbx_conf_str("tone_zone", "us");
	const char *jb = pbx_conf_str("jitter_buffer", "40-200");
	uint32_t a, b;
	int err;

	if (pbx_tone_zone_check(zone) ||
	    strlen(zone) >= sizeof(ctx->tone_zone))
		return pbx_conf_error("tone_zone", "'%s' is not a tone zone "
				      "(us, uk, de, fr, eu, ...)", zone);
	str_ncpy(ctx->tone_zone, zone, sizeof(ctx->tone_zone));

	if (pbx_media_range_parse(jb, &a, &b) || a < 20 || b > 1000 || a > b)
		return pbx_conf_error("jitter_buffer", "'%s' is not MIN-MAX "
				      "in ms (20-1000)", jb);
	ctx->jb_min_ms = a;
	ctx->jb_max_ms = b;

	err = pbx_conf_bool("dtmf_inband", true, &ctx->inband);
	if (err)
		return err;

	return 0;
}


static struct media_dsp *dsp_get(struct pbx_media *m)
{
	struct media_dsp *d = m->dsp;

	if (d)
		return d;

	d = mem_zalloc(sizeof(*d), dsp_destructor);
	if (!d)
		return NULL;

	d->m = m;
	tmr_init(&d->done_tmr);
	pbx_media_clock_add(m->ctx, &d->le, d);
	m->dsp = d;

	return d;
}


static bool partner_transcodes(const struct pbx_media *m)
{
	return m->bridge && m->bridge->dsp && m->bridge->dsp->xcode;
}


static bool want_det(const struct pbx_media *m)
{
	return m->ctx->inband && m->codec && m->te_tx < 0;
}


static bool want_dec(const struct pbx_media *m)
{
	const struct media_dsp *d = m->dsp;

	return m->codec && ((d && d->rec) || want_det(m) ||
			    partner_transcodes(m));
}


static bool want_enc(const struct pbx_media *m)
{
	const struct media_dsp *d = m->dsp;

	return m->codec && d && (d->src || d->xcode);
}


static void det_h(char digit, void *arg);


static int rx_setup(struct pbx_media *m, struct media_dsp *d)
{
	int err;

	if (!d->jb) {
		err = pbx_jb_alloc(&d->jb, m->ctx->jb_min_ms,
				   m->ctx->jb_max_ms, m->codec->clock);
		if (err)
			return err;
	}

	if (!d->dec) {
		err = pbx_dec_alloc(&d->dec, m->codec, m->fmtp);
		if (err)
			return err;
		d->fifoc = 0;
	}

	if (want_det(m) && !d->det) {
		err = pbx_dtmf_det_alloc(&d->det, det_h, m);
		if (err)
			return err;
	}

	return 0;
}


static int tx_setup(struct pbx_media *m, struct media_dsp *d)
{
	if (!d->txb) {
		d->txb = mbuf_alloc(TXB_SIZE);
		if (!d->txb)
			return ENOMEM;
	}

	if (!d->enc && m->codec)
		return pbx_enc_alloc(&d->enc, m->codec, m->fmtp);

	return 0;
}


static bool dsp_idle(const struct media_dsp *d)
{
	return !d->jb && !d->enc && !d->dtx_busy && !d->rec && !d->src &&
		!d->xcode && !tmr_isrunning(&d->done_tmr);
}


/* Makes the leg's engine parts match what is wanted now; frees the dsp
 * when nothing is. */
static int dsp_update(struct pbx_media *m)
{
	struct media_dsp *d = m->dsp;
	int err = 0;

	if (!d)
		return 0;

	if (want_dec(m)) {
		err = rx_setup(m, d);
	}
	else {
		d->jb = mem_deref(d->jb);
		d->dec = mem_deref(d->dec);
		d->framec = 0;
	}
	if (!want_det(m)) {
		d->det = mem_deref(d->det);
		d->det_rs = mem_deref(d->det_rs);
	}

	if (!err && want_enc(m))
		err = tx_setup(m, d);
	else if (!want_enc(m))
		d->enc = mem_deref(d->enc);

	if (dsp_idle(d)) {
		m->dsp = NULL;
		mem_deref(d);
	}

	return err;
}


/* Something may now want the leg's decoded audio (a new codec, a new
 * bridge partner): start or stop its receive side. */
static int dsp_refresh(struct pbx_media *m)
{
	if (!m->dsp && !want_dec(m))
		return 0;
	if (!dsp_get(m))
		return ENOMEM;

	return dsp_update(m);
}


void pbx_media_dsp_free(struct pbx_media *m)
{
	struct media_dsp *d = m->dsp;

	m->dsp = NULL;
	mem_deref(d);
}


void pbx_media_dsp_codec_changed(struct pbx_media *m)
{
	struct media_dsp *d = m->dsp;

	if (d) {
		d->dec = mem_deref(d->dec);
		d->enc = mem_deref(d->enc);
		d->det = mem_deref(d->det);
		d->det_rs = mem_deref(d->det_rs);
		if (d->jb)
			pbx_jb_flush(d->jb);
		d->jb = mem_deref(d->jb);
		d->fifoc = 0;
		d->framec = 0;
	}

	/* relay or transcode, as the codecs now say */
	if (m->bridge)
		(void)pbx_media_bridge(m, m->bridge);

	(void)dsp_refresh(m);
}


void pbx_media_dsp_rx(struct pbx_media *m, uint16_t seq, uint32_t ts,
		      uint32_t ssrc, const struct mbuf *mb)
{
	struct media_dsp *d = m->dsp;

	if (!d->jb)
		return;

	(void)pbx_jb_put(d->jb, ssrc, seq, ts, mbuf_buf(mb),
			 mbuf_get_left(mb));
}


bool pbx_media_dsp_feeds(const struct pbx_media *m)
{
	const struct media_dsp *d = m->dsp;

	return d && (d->src || d->xcode || d->dtx_busy);
}


bool pbx_media_dsp_transcoding(const struct pbx_media *m)
{
	return m && m->dsp && m->dsp->xcode;
}


void pbx_media_dsp_stats(const struct pbx_media *m,
			 struct pbx_media_stats *st)
{
	const struct media_dsp *d = m->dsp;
	struct pbx_jb_stats js;

	if (!d)
		return;

	st->frames_in = d->frames_in;
	st->frames_out = d->frames_out;
	if (d->jb) {
		pbx_jb_stats(d->jb, &js);
		st->jb_late = js.late;
		st->jb_delay_ms = js.delay_ms;
	}
}


/* ---- pull: the peer's audio, one frame per tick ------------------------ */

/* Decodes packets from the jitter buffer until the FIFO holds a frame. */
static void fifo_fill(struct media_dsp *d, size_t need)
{
	const struct pbx_codec *cd = pbx_dec_codec(d->dec);
	struct pbx_jb_pkt pkt;

	while (d->fifoc < need) {
		enum pbx_jb_res res = pbx_jb_get(d->jb, &pkt);
		size_t n = FIFO_MAX - d->fifoc;
		int err;

		if (res == PBX_JB_EMPTY)
			return;

		if (res == PBX_JB_PACKET) {
			err = pbx_dec_decode(d->dec, d->fifo + d->fifoc, &n,
					     pkt.buf, pkt.len, false);
		}
		else {
			/* one frame's worth: FEC from the next packet if
			 * the codec carries it, else concealment */
			n = need < n ? need : n;
			if (pkt.buf && cd && cd->fec)
				err = pbx_dec_decode(d->dec,
						     d->fifo + d->fifoc, &n,
						     pkt.buf, pkt.len, true);
			else
				err = pbx_dec_decode(d->dec,
						     d->fifo + d->fifoc, &n,
						     NULL, 0, false);
		}

		if (err || !n)
			continue;     /* a bad packet: try the next one */

		d->fifoc += n;
	}
}


static void det_feed(struct media_dsp *d)
{
	int16_t nb[PBX_FRAME_MAX];
	size_t n = ARRAY_SIZE(nb);

	if (d->frame_srate == PBX_SRATE_NB) {
		pbx_dtmf_det_feed(d->det, d->frame, d->framec);
		return;
	}

	if (!d->det_rs &&
	    pbx_resamp_alloc(&d->det_rs, d->frame_srate, PBX_SRATE_NB))
		return;
	if (!pbx_resamp_run(d->det_rs, nb, &n, d->frame, d->framec))
		pbx_dtmf_det_feed(d->det, nb, n);
}


static void done_tmr_h(void *arg);


static void rec_finish(struct media_dsp *d, char digit)
{
	d->rec_digit = digit;
	d->rec_done = true;
	tmr_start(&d->done_tmr, 0, done_tmr_h, d);
}


void pbx_media_dsp_pull(struct media_dsp *d)
{
	struct pbx_media *m = d->m;
	size_t need;

	d->framec = 0;
	if (!d->dec)
		goto rec;

	d->frame_srate = pbx_dec_codec(d->dec)->srate;
	need = pbx_frame_samples(d->frame_srate);
	fifo_fill(d, need);
	if (d->fifoc >= need) {
		memcpy(d->frame, d->fifo, need * sizeof(int16_t));
		memmove(d->fifo, d->fifo + need,
			(d->fifoc - need) * sizeof(int16_t));
		d->fifoc -= need;
		d->framec = need;
		++d->frames_in;
	}

	if (d->det && d->framec)
		det_feed(d);

 rec:
	/* the recording runs in real time: silence where nothing came */
	if (d->rec && !d->rec_done) {
		uint32_t srate = d->framec ? d->frame_srate :
			(m->codec ? m->codec->srate : PBX_SRATE_NB);
		size_t n = pbx_frame_samples(srate);

		if (!d->framec)
			memset(d->frame, 0, n * sizeof(int16_t));
		if (pbx_media_rec_write(d->rec, d->frame, n))
			rec_finish(d, 0);
	}
}


/* ---- push: what pbxd sends the peer ------------------------------------- */

static void send_event(struct media_dsp *d)
{
	struct pbx_media *m = d->m;
	struct mbuf *mb = d->txb;
	uint8_t payload[4];
	bool start;

	if (!pbx_dtmf_tx_poll(d->dtx, payload, &start)) {
		d->dtx_busy = false;
		if (!tmr_isrunning(&d->done_tmr))
			tmr_start(&d->done_tmr, 0, done_tmr_h, d);
		return;
	}

	mb->pos = mb->end = 12;
	(void)mbuf_write_mem(mb, payload, sizeof(payload));
	mb->pos = 12;
	(void)pbx_media_send(m, mb, (uint8_t)m->te_tx, start,
			     m->codec->clock / (1000 / PBX_PTIME), true);
}


static void encode_send(struct media_dsp *d, const int16_t *pcm, size_t n,
			uint32_t srate)
{
	struct pbx_media *m = d->m;
	struct mbuf *mb = d->txb;
	size_t len = mb->size - 12 - PBX_SRTP_TRAILER;
	uint32_t step;

	if (!d->enc || pbx_enc_encode(d->enc, mb->buf + 12, &len, &step,
				      pcm, n, srate))
		return;

	mb->pos = 12;
	mb->end = 12 + len;
	if (!pbx_media_send(m, mb, (uint8_t)m->pt_tx, false, step, false))
		++d->frames_out;
}


static void play_finish(struct media_dsp *d, int err)
{
	d->src = mem_deref(d->src);
	d->play_err = err;
	d->play_done = true;
	tmr_start(&d->done_tmr, 0, done_tmr_h, d);
}


void pbx_media_dsp_push(struct media_dsp *d)
{
	struct pbx_media *m = d->m;
	const struct media_dsp *pd;
	int16_t pcm[PBX_FRAME_MAX];
	uint32_t srate;
	size_t n;

	if (!m->codec || !m->tx_ok)
		return;

	if (d->dtx_busy) {
		send_event(d);
		if (d->dtx_busy)
			return;       /* the event replaces this frame */
	}

	if (d->src) {
		srate = m->codec->srate;
		n = pbx_frame_samples(srate);
		if (pbx_media_src_read(d->src, pcm, n))
			encode_send(d, pcm, n, srate);
		else
			play_finish(d, 0);
		return;
	}

	if (!d->xcode || !m->bridge || !m->bridge->dsp)
		return;

	pd = m->bridge->dsp;
	if (pd->framec)
		encode_send(d, pd->frame, pd->framec, pd->frame_srate);
}


/* ---- completions ------------------------------------------------------- */

static void done_tmr_h(void *arg)
{
	struct media_dsp *d = arg;
	struct pbx_media *m = d->m;
	pbx_media_done_h *playh;
	pbx_media_rec_h *rech;
	void *harg;
	uint32_t ms = 0;
	char digit;
	int err;

	/* one completion per run: a handler may free the leg */
	if (d->play_done) {
		d->play_done = false;
		playh = d->playh;
		harg = d->play_arg;
		err = d->play_err;
		d->playh = NULL;
		if (d->rec_done)
			tmr_start(&d->done_tmr, 0, done_tmr_h, d);
		(void)dsp_update(m);              /* may free d */
		if (playh)
			playh(err, harg);
		return;
	}

	if (d->rec_done) {
		d->rec_done = false;
		err = pbx_media_rec_close(d->rec, &ms);
		d->rec = mem_deref(d->rec);
		rech = d->rech;
		harg = d->rec_arg;
		digit = d->rec_digit;
		d->rech = NULL;
		(void)dsp_update(m);              /* may free d */
		if (rech)
			rech(err, ms, digit, harg);
		return;
	}

	(void)dsp_update(m);                      /* events sent: tidy */
}


/* ---- the engine's API (core.h) ----------------------------------------- */

static int play_start(struct pbx_media *m, struct media_src *src,
		      pbx_media_done_h *h, void *arg)
{
	struct media_dsp *d = dsp_get(m);
	int err;

	if (!d) {
		mem_deref(src);
		return ENOMEM;
	}

	mem_deref(d->src);
	d->src = src;
	d->playh = h;
	d->play_arg = arg;
	d->play_done = false;

	err = dsp_update(m);
	if (err) {
		d->src = mem_deref(d->src);
		d->playh = NULL;
		(void)dsp_update(m);
	}

	return err;
}


int pbx_media_play(struct pbx_media *m, const char *const *namev,
		   size_t namec, pbx_media_done_h *h, void *arg)
{
	struct media_src *src;
	int err;

	if (!m || !namev || !namec)
		return EINVAL;
	if (!m->codec)
		return ENOTCONN;

	err = pbx_media_src_prompts(&src, namev, namec, m->codec->srate);
	if (err)
		return err;

	return play_start(m, src, h, arg);
}


int pbx_media_tone(struct pbx_media *m, const char *name, uint32_t ms,
		   pbx_media_done_h *h, void *arg)
{
	struct media_src *src;
	int err;

	if (!m || !name)
		return EINVAL;
	if (!m->codec)
		return ENOTCONN;

	err = pbx_media_src_tone(&src, m->ctx->tone_zone, name, ms,
				 m->codec->srate);
	if (err)
		return err;

	return play_start(m, src, h, arg);
}


void pbx_media_play_stop(struct pbx_media *m)
{
	struct media_dsp *d = m ? m->dsp : NULL;

	if (!d)
		return;

	d->src = mem_deref(d->src);
	d->playh = NULL;
	d->play_done = false;
	if (!d->rec_done)
		tmr_cancel(&d->done_tmr);
	(void)dsp_update(m);
}


int pbx_media_record(struct pbx_media *m, const char *path,
		     const struct pbx_media_rec_prm *prm,
		     pbx_media_rec_h *h, void *arg)
{
	struct media_dsp *d;
	int err;

	if (!m || !path || !prm)
		return EINVAL;
	if (!m->codec)
		return ENOTCONN;
	if (m->dsp && m->dsp->rec)
		return EBUSY;

	d = dsp_get(m);
	if (!d)
		return ENOMEM;

	err = pbx_media_rec_alloc(&d->rec, path, m->codec->srate, prm);
	if (!err) {
		d->rech = h;
		d->rec_arg = arg;
		d->rec_digit = 0;
		err = dsp_update(m);
	}
	if (err) {
		d->rec = mem_deref(d->rec);
		d->rech = NULL;
		(void)dsp_update(m);
	}

	return err;
}


void pbx_media_record_stop(struct pbx_media *m)
{
	struct media_dsp *d = m ? m->dsp : NULL;

	if (d && d->rec && !d->rec_done)
		rec_finish(d, 0);
}


/* ---- DTMF --------------------------------------------------------------- */

void pbx_media_dtmf_handler(struct pbx_media *m, pbx_media_dtmf_h *h,
			    void *arg)
{
	if (!m)
		return;

	m->dtmfh = h;
	m->dtmf_arg = arg;
}


void pbx_media_dtmf_report(struct pbx_media *m, char digit,
			   const char *how)
{
	struct media_dsp *d = m->dsp;
	struct pbx_media *out = m->bridge;

	++m->dtmf_count;

	if (d && d->rec && !d->rec_done &&
	    pbx_media_rec_terminator(d->rec, digit))
		rec_finish(d, digit);

	/* pass it on: RFC 4733 relays itself between legs of one codec,
	 * inband digits are in the relayed audio */
	if (out && (out->codec != m->codec || !strcmp(how, "info")))
		(void)pbx_media_dtmf_send(out, (char[]){digit, '\0'});

	if (m->dtmfh)
		m->dtmfh(m, digit, how, m->dtmf_arg);
}


void pbx_media_dtmf_info(struct pbx_media *m, char digit)
{
	if (!m || !m->dtmf_rx)
		return;

	if (pbx_dtmf_rx_other(m->dtmf_rx, digit, PBX_DTMF_INFO,
			      tmr_jiffies()))
		pbx_media_dtmf_report(m, digit, "info");
}


static void det_h(char digit, void *arg)
{
	struct pbx_media *m = arg;

	if (pbx_dtmf_rx_other(m->dtmf_rx, digit, PBX_DTMF_INBAND,
			      tmr_jiffies()))
		pbx_media_dtmf_report(m, digit, "inband");
}


int pbx_media_dtmf_send(struct pbx_media *m, const char *digits)
{
	struct media_dsp *d;
	int err = 0;

	if (!m || !digits)
		return EINVAL;
	if (!m->codec || m->te_tx < 0)
		return ENOTSUP;

	d = dsp_get(m);
	if (!d)
		return ENOMEM;

	if (!d->dtx)
		err = pbx_dtmf_tx_alloc(&d->dtx, m->te_clock ? m->te_clock :
					m->codec->clock);
	if (!err)
		err = tx_setup(m, d);
	for (; !err && *digits; digits++)
		err = pbx_dtmf_tx_queue(d->dtx, *digits);

	d->dtx_busy = true;

	return err;
}


/* ---- transcoding bridge ------------------------------------------------- */

int pbx_media_dsp_bridge(struct pbx_media *a, struct pbx_media *b)
{
	struct media_dsp *da = dsp_get(a), *db = dsp_get(b);
	int err;

	if (!da || !db)
		return ENOMEM;

	da->xcode = true;
	db->xcode = true;
	err = dsp_update(a);
	if (!err)
		err = dsp_update(b);
	if (err)
		pbx_media_unbridge(a);

	return err;
}


void pbx_media_dsp_unbridge(struct pbx_media *m)
{
	struct pbx_media *b = m->bridge;

	if (m->dsp)
		m->dsp->xcode = false;
	if (b && b->dsp)
		b->dsp->xcode = false;

	/* the partner pointer is still set here: clear it before the
	 * update decides what each leg still needs */
	m->bridge = NULL;
	if (b)
		b->bridge = NULL;
	(void)dsp_update(m);
	if (b)
		(void)dsp_update(b);
	m->bridge = b;
	if (b)
		b->bridge = m;
}
