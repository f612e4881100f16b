/* media.h: the media object shared by media.c, sdp.c and rtp_relay.c.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Include <re.h> and "core.h" first.  Nothing outside these three files
 * sees struct pbx_media; the rest of the core uses core.h's functions.
 */
#ifndef PBX_MEDIA_H
#define PBX_MEDIA_H

/* A codec we can negotiate and relay (the table is in sdp.c). */
struct media_codec {
	const char *name;         /* as in a=rtpmap, "PCMU"            */
	uint8_t pt;               /* static RTP payload type           */
	uint32_t srate;           /* RTP clock rate, Hz                */
};

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
	bool started;             /* anything sent yet                 */
	bool sw;                  /* the source changed: re-base       */
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

struct pbx_mediactx;

struct pbx_media {
	struct pbx_mediactx *ctx;     /* referenced: port range, timeout  */
	struct udp_sock *rtp;         /* owned: the even port             */
	struct udp_sock *rtcp;        /* owned: port + 1 (RTCP dropped)   */
	uint32_t pair;                /* index of the port pair in ctx    */
	uint16_t port;                /* RTP port                         */

	/* SDP (sdp.c) */
	struct sdp_session *sdp;      /* owned                            */
	struct sdp_media *sm;         /* borrowed: owned by sdp (§0.7)    */
	char *prefer;                 /* owned: codecs an answer may use  */
	enum pbx_media_dir dir;       /* what we want (pbx_media_set_dir) */
	enum pbx_media_dir odir;      /* what our last offer said         */
	enum pbx_media_dir ldir;      /* ours as negotiated               */
	enum pbx_media_dir rdir;      /* the peer's, 0.0.0.0 counted      */
	bool offered;                 /* our offer awaits an answer       */
	const struct media_codec *codec;   /* negotiated, NULL: not yet  */
	const struct media_codec *rcodecv[MEDIA_CODEC_MAX]; /* peer's    */
	size_t rcodecc;
	int pt_tx, te_tx;             /* PTs the peer listed: we send them */
	int pt_rx, te_rx;             /* PTs in our SDP; -1: none          */
	struct sa raddr;              /* peer's RTP address from its SDP  */

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

	/* RTP timeout (media.c) */
	struct tmr tmr;
	pbx_media_timeout_h *toh;     /* NULL: not watching               */
	void *toarg;
	uint64_t seen;                /* peer_in at the last check        */
	uint64_t seen_jfs;            /* when RTP was last seen, ms       */
};

/* media.c */
bool pbx_media_dir_recv(enum pbx_media_dir dir);
bool pbx_media_dir_send(enum pbx_media_dir dir);

/* sdp.c */
int pbx_media_sdp_init(struct pbx_media *m, const struct sa *laddr);

/* rtp_relay.c */
void pbx_media_rtp_recv(const struct sa *src, struct mbuf *mb, void *arg);
void pbx_media_remote_set(struct pbx_media *m, const struct sa *raddr);
uint32_t pbx_media_rx_lost(const struct media_rx *rx);

#endif
