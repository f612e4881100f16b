/* media.h: the media object shared by the media files (media*.c,
 * sdp.c, rtp_relay.c).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Include <re.h>, "core.h" and "audio.h" first.  Nothing outside the
 * media files sees struct pbx_media; the rest of the core uses core.h's
 * functions.
 */
#ifndef PBX_MEDIA_H
#define PBX_MEDIA_H

/* Where one leg's outgoing stream stands (rtp_relay.c).  Sequence numbers
 * and timestamps of whatever feeds the leg are shifted by seq_off/ts_off,
 * recomputed at each change of source, so that the peer sees one
 * continuous stream under our own SSRC. */
struct media_tx {
	uint32_t ssrc;            /* ours, random per leg              */
	uint16_t seq;             /* highest sequence number sent      */
	uint32_t ts;              /* highest timestamp sent            */
	uint64_t jfs;             /* tmr_jiffies() of the last send, ms */
	uint16_t seq_off;         /* added to the source's numbers     */
	uint32_t ts_off;
	uint32_t in_ssrc;         /* SSRC of the current source        */
	uint32_t ev_ts;           /* timestamp of the DTMF event sent  */
	bool started;             /* anything sent yet                 */
	bool sw;                  /* the source changed: re-base       */
	bool engine;              /* the last packet was pbxd's own    */
};

/* Loss accounting of what the peer sends (RFC 3550 A.1, simplified). */
struct media_rx {
	uint32_t ssrc;            /* source being counted              */
	uint32_t base;            /* first extended sequence number    */
	uint32_t ext_max;         /* highest extended sequence number  */
	uint32_t received;        /* packets of this source            */
	uint32_t lost_before;     /* lost in earlier sources           */
	bool init;
};

enum {
	MEDIA_CODEC_MAX = 8,      /* codecs remembered from the peer's SDP */
};

/* Media state of the core (struct pbx_core's media field). */
struct pbx_mediactx {
	uint16_t port_min;        /* first RTP port (even)             */
	uint32_t pairc;           /* RTP/RTCP port pairs in the range  */
	uint32_t cursor;          /* next pair to try                  */
	uint32_t timeout_ms;      /* rtp_timeout; 0: never             */
	unsigned count;           /* medias open now                   */
	uint8_t *used;            /* owned: one bit per pair we hold   */

	/* the media clock (media_clock.c) */
	struct list dspl;         /* struct media_dsp, ticking         */
	struct tmr tick;
	uint64_t next;            /* when the next tick is due, ms     */
	uint64_t ticks;
	uint64_t late;            /* ticks more than a frame late      */

	/* RTP timeout watch (media.c) */
	struct list watchl;       /* struct pbx_media being watched    */
	struct tmr watch_tmr;

	/* engine settings (media_dsp.c) */
	char tone_zone[8];        /* tone_zone                         */
	bool inband;              /* dtmf_inband: detect on legs with
	                           * no telephone-event                */
	uint32_t jb_min_ms, jb_max_ms;   /* jitter_buffer MIN-MAX       */
};

struct pbx_codec;
struct media_dsp;
struct pbx_srtp;
struct pbx_dtmf_rx;

struct pbx_media {
	struct pbx_mediactx *ctx;     /* referenced: port range, timeout  */
	struct udp_sock *rtp;         /* owned: the even port             */
	struct udp_sock *rtcp;        /* owned: port + 1 (RTCP dropped)   */
	uint32_t pair;                /* index of the port pair in ctx    */
	uint16_t port;                /* RTP port, 0: none yet            */
	int af;                       /* address family of the ports      */

	/* SDP (sdp.c) */
	struct sdp_session *sdp;      /* owned                            */
	struct sdp_media *sm;         /* borrowed: owned by sdp (§0.7)    */
	char *prefer;                 /* owned: codecs an answer may use  */
	enum pbx_media_dir dir;       /* what we want (pbx_media_set_dir) */
	enum pbx_media_dir odir;      /* what our last offer said         */
	enum pbx_media_dir ldir;      /* ours as negotiated               */
	enum pbx_media_dir rdir;      /* the peer's, 0.0.0.0 counted      */
	bool offered;                 /* our offer awaits an answer       */
	const struct pbx_codec *codec;   /* negotiated, NULL: not yet    */
	const struct pbx_codec *rcodecv[MEDIA_CODEC_MAX]; /* peer's      */
	char *fmtp;                   /* owned: peer's a=fmtp of codec    */
	size_t rcodecc;
	int pt_tx, te_tx;             /* PTs the peer listed: we send them */
	int pt_rx, te_rx;             /* PTs in our SDP; -1: none          */
	uint32_t te_clock;            /* telephone-event's clock, Hz       */
	struct sa raddr;              /* peer's RTP address from its SDP  */
	bool srtp_want;               /* offer RTP/SAVP (set_srtp)        */
	bool srtp_on;                 /* negotiated RTP/SAVP              */
	struct pbx_srtp *srtp_tx;     /* owned: our key, outbound         */
	struct pbx_srtp *srtp_rx;     /* owned: the peer's key            */
	struct pbx_sdes sdes;         /* our key (tag 0: none made yet)   */
	struct pbx_sdes sdes_used;    /* our key of the contexts in use   */
	struct pbx_sdes sdes_peer;    /* the peer's key in use            */
	uint64_t srtp_fail;           /* packets failing unprotect        */

	/* relay (rtp_relay.c) */
	struct pbx_media *bridge;     /* borrowed, mutual: relay partner  */
	struct sa dst;                /* where RTP goes: raddr or latched */
	struct sa cand;               /* latching candidate source        */
	uint32_t candc;               /* packets in a row from cand       */
	bool tx_ok;                   /* direction and address allow tx   */
	struct media_tx tx;
	struct media_rx rx;
	uint64_t packets_in, packets_out;
	uint64_t peer_in;             /* packets from dst (timeout watch) */

	/* the media engine (media_dsp.c): decoding, encoding, DTMF */
	struct media_dsp *dsp;        /* owned, NULL while only relaying  */
	struct pbx_dtmf_rx *dtmf_rx;  /* owned: RFC 4733 + de-dup         */
	pbx_media_dtmf_h *dtmfh;
	void *dtmf_arg;
	bool dtmf_want;               /* someone waits for digits         */
	uint64_t dtmf_count;          /* digits reported                  */

	/* RTP timeout (media.c) */
	struct le watch_le;           /* in ctx->watchl while watching    */
	pbx_media_timeout_h *toh;     /* NULL: not watching               */
	void *toarg;
	uint64_t seen;                /* peer_in at the last check        */
	uint64_t seen_jfs;            /* when RTP was last seen, ms       */
};

/* media.c */
int pbx_media_range_parse(const char *s, uint32_t *minp, uint32_t *maxp);
bool pbx_media_dir_recv(enum pbx_media_dir dir);
bool pbx_media_dir_send(enum pbx_media_dir dir);

/* sdp.c */
int pbx_media_sdp_init(struct pbx_media *m, const struct sa *laddr);
/* Binds m's port pair if it has none yet (before our SDP goes out). */
int pbx_media_ports(struct pbx_media *m);

/* sdp_srtp.c */
int pbx_media_sdp_line(struct pbx_media *m, const struct sa *laddr,
		       bool savp);
int pbx_media_sdes_offer(struct pbx_media *m);
int pbx_media_sdes_remote(struct pbx_media *m, bool offer,
			  struct pbx_sdes *peer, bool *onp);
int pbx_media_sdes_answer(struct pbx_media *m, const struct pbx_sdes *peer,
			  bool on);
int pbx_media_sdes_apply(struct pbx_media *m, const struct pbx_sdes *peer,
			 bool on);

/* rtp_relay.c */
void pbx_media_rtp_recv(const struct sa *src, struct mbuf *mb, void *arg);
/* Stamps a packet whose payload is at mb->pos (12 bytes of headroom
 * before it) with m's outgoing header, protects it when SRTP is on and
 * sends it to the peer.  ts_step: clock units since the previous frame;
 * event: a telephone-event packet, which carries the timestamp of its
 * event's first packet (the one with marker set). */
int pbx_media_send(struct pbx_media *m, struct mbuf *mb, uint8_t pt,
		   bool marker, uint32_t ts_step, bool event);
void pbx_media_remote_set(struct pbx_media *m, const struct sa *raddr);
uint32_t pbx_media_rx_lost(const struct media_rx *rx);

/* media_clock.c: one 20 ms tick for every leg the engine works on */
void pbx_media_clock_add(struct pbx_mediactx *ctx, struct le *le,
			 void *dsp);
void pbx_media_clock_remove(struct pbx_mediactx *ctx, struct le *le);
void pbx_media_clock_stop(struct pbx_mediactx *ctx);
/* media_dsp.c: called by the clock, all legs' first phase (decode)
 * before any leg's second (encode and send) */
void pbx_media_dsp_pull(struct media_dsp *d);
void pbx_media_dsp_push(struct media_dsp *d);
int pbx_media_dsp_conf(struct pbx_mediactx *ctx);

/* media_play.c: what pbxd plays (prompts, files, tones) */
struct media_src;
int pbx_media_src_prompts(struct media_src **sp, const char *const *namev,
			  size_t namec, uint32_t srate);
int pbx_media_src_tone(struct media_src **sp, const char *zone,
		       const char *name, uint32_t ms, uint32_t srate);
/* One frame of n samples; false once the source has ended. */
bool pbx_media_src_read(struct media_src *s, int16_t *pcm, size_t n);

/* media_rec.c: a recording of what the peer says */
struct media_rec;
int pbx_media_rec_alloc(struct media_rec **rp, const char *path,
			uint32_t srate, const struct pbx_media_rec_prm *prm);
/* One frame; true when max length or silence says stop. */
bool pbx_media_rec_write(struct media_rec *r, const int16_t *pcm,
			 size_t n);
bool pbx_media_rec_terminator(const struct media_rec *r, char digit);
/* Completes the file (synced); *msp: its length. */
int pbx_media_rec_close(struct media_rec *r, uint32_t *msp);

/* media_dsp.c: the engine's part of a leg */
void pbx_media_dsp_free(struct pbx_media *m);
/* An audio packet (payload at mb->pos) for the leg's decoder, if any. */
void pbx_media_dsp_rx(struct pbx_media *m, uint16_t seq, uint32_t ts,
		      uint32_t ssrc, const struct mbuf *mb);
/* True while something other than the bridge feeds the leg. */
bool pbx_media_dsp_feeds(const struct pbx_media *m);
/* True when a and b are bridged through decoding and encoding. */
bool pbx_media_dsp_transcoding(const struct pbx_media *m);
void pbx_media_dsp_stats(const struct pbx_media *m,
			 struct pbx_media_stats *st);
int pbx_media_dsp_bridge(struct pbx_media *a, struct pbx_media *b);
void pbx_media_dsp_unbridge(struct pbx_media *m);
/* The leg's codec or the peer's fmtp changed: new encoder/decoder. */
void pbx_media_dsp_codec_changed(struct pbx_media *m);
/* Reports a digit (after de-duplication) to the recorder and handler. */
void pbx_media_dtmf_report(struct pbx_media *m, char digit,
			   const char *how);

#endif
