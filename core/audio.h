/* audio.h: the core's audio parts: frames, codecs, resampling, prompts,
 * tones, DTMF, jitter buffer and SRTP.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Include <re.h> and "core.h" first.  These are the pieces the media
 * engine (media_engine.c) strings together per leg; each is plain logic
 * with its own file and unit test, and none of them knows about calls,
 * SIP or the main loop.  Audio is 16-bit signed linear, mono, host byte
 * order, in 20 ms frames at 8 or 16 kHz.
 *
 * Link rule (notes/libraries.md §2): the core links spandsp shared and
 * librem statically with its symbols hidden, so their goertzel_* do not
 * clash.  A .c file includes either <spandsp.h> or single librem headers
 * (rem_auresamp.h, rem_aufile.h, rem_g711.h), never both.
 */
#ifndef PBX_AUDIO_H
#define PBX_AUDIO_H

enum {
	PBX_PTIME      = 20,          /* ms per frame and per packet      */
	PBX_FRAME_MAX  = 320,         /* samples of 20 ms at 16 kHz       */
	PBX_SRATE_NB   = 8000,
	PBX_SRATE_WB   = 16000,
};

/* Samples in one 20 ms frame at srate (160 or 320). */
static inline size_t pbx_frame_samples(uint32_t srate)
{
	return srate / (1000 / PBX_PTIME);
}


/* ---- codecs (codec.c; built in: codec_g711.c, codec_g722.c) -----------
 *
 * struct pbx_codec (pbx.h) describes a codec; the core keeps a list of
 * the registered ones, G.711 and G.722 first.  pbx_enc / pbx_dec wrap a
 * codec's state and count its users, so that a module's codec cannot be
 * unregistered while a call uses it.
 */
struct pbx_enc;
struct pbx_dec;

int pbx_codec_init(void);          /* registers the built-in codecs  */
void pbx_codec_close(void);
/* The registered codecs in order (G.711 and G.722 first). */
/* Calls h for each registered codec in order until it returns true. */
typedef bool (pbx_codec_apply_h)(const struct pbx_codec *cd, void *arg);
const struct pbx_codec *pbx_codec_apply(pbx_codec_apply_h *h, void *arg);
/* By SDP name (case-insensitive) and RTP clock rate; NULL: unknown. */
const struct pbx_codec *pbx_codec_find(const char *name, uint32_t clock);

/* An encoder for cd; fmtp: the peer's a=fmtp for it (may be NULL). */
int pbx_enc_alloc(struct pbx_enc **ep, const struct pbx_codec *cd,
		  const char *fmtp);
/* Encodes one frame of pcm at srate (resampled to the codec's rate when
 * it differs) into buf, at most *lenp bytes; *lenp gets the length.
 * Returns the RTP timestamp step (clock units) through *tsp. */
int pbx_enc_encode(struct pbx_enc *e, uint8_t *buf, size_t *lenp,
		   uint32_t *tsp, const int16_t *pcm, size_t sampc,
		   uint32_t srate);

int pbx_dec_alloc(struct pbx_dec **dp, const struct pbx_codec *cd,
		  const char *fmtp);
/* Decodes one payload into pcm at the codec's srate (*sampcp in: room,
 * out: samples).  buf NULL: conceal a lost packet of *sampcp samples
 * (PLC); fec: buf is the packet after a loss, decode its in-band FEC
 * copy of the lost one (codecs without FEC conceal instead). */
int pbx_dec_decode(struct pbx_dec *d, int16_t *pcm, size_t *sampcp,
		   const uint8_t *buf, size_t len, bool fec);
const struct pbx_codec *pbx_dec_codec(const struct pbx_dec *d);


/* ---- resampling 8 <-> 16 <-> 48 kHz (resamp.c, librem auresamp) ------ */
struct pbx_resamp;

int pbx_resamp_alloc(struct pbx_resamp **rp, uint32_t from, uint32_t to);
/* in: inc samples; out: room for *outcp, gets the count.  out must hold
 * at least inc samples (librem filters in place first). */
int pbx_resamp_run(struct pbx_resamp *r, int16_t *out, size_t *outcp,
		   const int16_t *in, size_t inc);


/* ---- prompts (prompt.c, say.c) -----------------------------------------
 *
 * Every WAV in sounds_dir is loaded once at start into memory at 8 and
 * 16 kHz.  A name is the file name without ".wav" ("digits/5",
 * "vm-goodbye").  Files given by path are not cached.
 */
struct pbx_prompt {
	const int16_t *samp;          /* borrowed: the cache owns it      */
	size_t sampc;
	uint32_t srate;
};

int pbx_prompt_start(void);        /* reads sounds_dir                */
void pbx_prompt_stop(void);
/* ENOENT when name is not a loaded prompt. */
int pbx_prompt_get(struct pbx_prompt *p, const char *name, uint32_t srate);
size_t pbx_prompt_count(void);

/* Reads a whole WAV file (PCM16, A-law or µ-law, any rate 8/16/48 kHz,
 * mono or stereo) as mono at srate; *sampp is a mem object. */
int pbx_wav_load(int16_t **sampp, size_t *sampcp, const char *path,
		 uint32_t srate);

/* Recordings (wav.c): mono PCM16 WAV at srate.  create makes the parent
 * folders (mode 0750) and the file (0640, truncated).  The header's
 * sizes are rewritten about once a second, so a crash leaves a file that
 * plays up to then.  close flushes, writes the final sizes and fsync()s;
 * it returns the first error seen (write, flush or sync) and does not
 * free w.  mem_deref without close also writes the sizes (no fsync), so
 * a hang-up mid-recording leaves a valid file.  write after an error
 * returns that error; EFBIG past 4 GB. */
struct pbx_wav;

int pbx_wav_create(struct pbx_wav **wp, const char *path, uint32_t srate);
int pbx_wav_write(struct pbx_wav *w, const int16_t *pcm, size_t sampc);
size_t pbx_wav_samples(const struct pbx_wav *w);
int pbx_wav_close(struct pbx_wav *w);

/* pbx_say_digits and pbx_say_number (say.c) are in pbx.h. */


/* ---- tones (tone.c, spandsp tone_gen) ----------------------------------
 *
 * Tone plans by zone (config key tone_zone: us, uk, eu, de, fr, ...):
 * ringback, busy, congestion, dial, beep, waiting.
 */
struct pbx_tone;

int pbx_tone_zone_check(const char *zone);   /* EINVAL: unknown zone  */
int pbx_tone_alloc(struct pbx_tone **tp, const char *zone,
		   const char *name, uint32_t srate);
/* Fills one frame; returns false when a non-repeating tone has ended. */
bool pbx_tone_read(struct pbx_tone *t, int16_t *pcm, size_t sampc);


/* ---- DTMF (dtmf.c, dtmf_inband.c) ---------------------------------------
 *
 * Digits are the characters 0-9 * # A-D.  All three ways in (RFC 4733,
 * SIP INFO, inband) go through one de-duplicator per leg, so a phone
 * that sends a key press two ways (e.g. INFO and RFC 4733) gives one
 * digit.
 */
enum pbx_dtmf_src {
	PBX_DTMF_RFC4733 = 0,
	PBX_DTMF_INFO,
	PBX_DTMF_INBAND,
};

struct pbx_dtmf_rx;                  /* RFC 4733 receiver + de-dup     */

int pbx_dtmf_rx_alloc(struct pbx_dtmf_rx **rxp);
/* One telephone-event payload (RFC 4733 2.3) with its RTP timestamp;
 * returns the digit when a new key press starts (or ends without a seen
 * start), 0 otherwise (repeats, retransmitted ends, non-DTMF events). */
char pbx_dtmf_rx_event(struct pbx_dtmf_rx *rx, const uint8_t *p,
		       size_t len, uint32_t ts, uint64_t now_ms);
/* A digit that came another way; true if it is new, false if it is the
 * same key press already reported (same digit within the hold time). */
bool pbx_dtmf_rx_other(struct pbx_dtmf_rx *rx, char digit,
		       enum pbx_dtmf_src src, uint64_t now_ms);

/* SIP INFO bodies: application/dtmf-relay ("Signal=5\r\nDuration=160")
 * and application/dtmf ("5").  EBADMSG when there is no valid digit. */
int pbx_dtmf_info_parse(const char *ctype, const uint8_t *body,
			size_t len, char *digitp);
const char *pbx_dtmf_src_name(enum pbx_dtmf_src src);

/* RFC 4733 sender: one key press as packets every 20 ms. */
struct pbx_dtmf_tx;
int pbx_dtmf_tx_alloc(struct pbx_dtmf_tx **txp, uint32_t clock);
int pbx_dtmf_tx_queue(struct pbx_dtmf_tx *tx, char digit);
/* The next event payload (4 bytes, duration counted in clock units) for
 * this 20 ms tick; false when idle (send audio instead).  *startp: the
 * first packet of an event: set the marker bit and remember the current
 * timestamp, which all packets of that event carry (RFC 4733 2.5.1.1).
 * Each key press lasts 100 ms plus 3 end packets; queued digits follow
 * with a pause between them. */
bool pbx_dtmf_tx_poll(struct pbx_dtmf_tx *tx, uint8_t payload[4],
		      bool *startp);

/* Inband detection on 8 kHz audio (spandsp dtmf_rx); h is called with
 * each digit at the start of the tone. */
typedef void (pbx_dtmf_h)(char digit, void *arg);
struct pbx_dtmf_det;
int pbx_dtmf_det_alloc(struct pbx_dtmf_det **dp, pbx_dtmf_h *h, void *arg);
void pbx_dtmf_det_feed(struct pbx_dtmf_det *d, const int16_t *pcm,
		       size_t sampc);


/* ---- jitter buffer (jitter.c) ------------------------------------------
 *
 * For legs whose audio is decoded.  Packets go in as they arrive; the
 * media tick takes one out per 20 ms.  Orders by sequence number, drops
 * duplicates and packets older than what was played out, starts playing
 * after a prefill, and grows its delay (up to a maximum) after late
 * packets.  A jump in sequence numbers or a new SSRC restarts it.
 */
struct pbx_jb;

struct pbx_jb_pkt {
	uint16_t seq;
	uint32_t ts;
	const uint8_t *buf;           /* borrowed until the next jb call  */
	size_t len;
};

enum pbx_jb_res {
	PBX_JB_PACKET = 0,            /* pkt is the next packet           */
	PBX_JB_LOST,                  /* the next packet is missing: PLC, */
	                              /* or FEC from pkt if pkt is set     */
	PBX_JB_EMPTY,                 /* nothing (prefilling or dried up) */
};

struct pbx_jb_stats {
	uint64_t put, late, dup, lost, played;
	uint32_t delay_ms;            /* current target depth             */
};

int pbx_jb_alloc(struct pbx_jb **jbp, uint32_t min_ms, uint32_t max_ms,
		 uint32_t clock);
int pbx_jb_put(struct pbx_jb *jb, uint32_t ssrc, uint16_t seq, uint32_t ts,
	       const uint8_t *buf, size_t len);
/* Called once per 20 ms.  On PBX_JB_LOST, pkt->buf is the packet after
 * the missing one when it is already here (for FEC), else NULL. */
enum pbx_jb_res pbx_jb_get(struct pbx_jb *jb, struct pbx_jb_pkt *pkt);
void pbx_jb_flush(struct pbx_jb *jb);
void pbx_jb_stats(const struct pbx_jb *jb, struct pbx_jb_stats *st);


/* ---- SRTP with SDES keys (srtp.c, libsrtp2) -----------------------------
 *
 * RFC 4568: a=crypto:TAG SUITE inline:KEY.  Suites:
 * AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32.
 */
enum pbx_srtp_suite {
	PBX_SRTP_AES_CM_128_HMAC_SHA1_80 = 0,
	PBX_SRTP_AES_CM_128_HMAC_SHA1_32,
};

enum {
	PBX_SRTP_KEY_LEN = 30,        /* master key 16 + salt 14, bytes   */
	PBX_SRTP_TRAILER = 16,        /* room to leave after a packet     */
};

struct pbx_sdes {
	unsigned tag;
	enum pbx_srtp_suite suite;
	uint8_t key[PBX_SRTP_KEY_LEN];
};

int pbx_srtp_init(void);           /* srtp_init() once                */
void pbx_srtp_close(void);
const char *pbx_srtp_suite_name(enum pbx_srtp_suite s);
/* Parses one a=crypto value ("1 AES_CM_128_HMAC_SHA1_80 inline:..."):
 * ENOTSUP for a suite or parameter we do not do (lifetime/MKI on the
 * key are accepted when MKI is absent), EBADMSG when malformed. */
int pbx_sdes_decode(struct pbx_sdes *s, const char *val);
/* A fresh random key for suite; tag as given. */
void pbx_sdes_make(struct pbx_sdes *s, unsigned tag,
		   enum pbx_srtp_suite suite);
/* "TAG SUITE inline:BASE64" */
int pbx_sdes_encode(struct re_printf *pf, const struct pbx_sdes *s);

struct pbx_srtp;                     /* one direction of one leg      */
int pbx_srtp_alloc(struct pbx_srtp **sp, const struct pbx_sdes *s,
		   bool outbound);
/* In place on a whole RTP packet at mb->pos .. mb->end; protect needs
 * PBX_SRTP_TRAILER bytes of space after end (it grows the mbuf if
 * not).  unprotect: EAUTH for a bad tag, EALREADY for a replay. */
int pbx_srtp_protect(struct pbx_srtp *s, struct mbuf *mb);
int pbx_srtp_unprotect(struct pbx_srtp *s, struct mbuf *mb);

#endif
