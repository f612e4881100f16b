/* codec_g722.c: the built-in G.722 codec at 64 kbit/s (spandsp).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * 16 kHz audio, one byte per two samples: 20 ms = 320 samples = 160
 * bytes.  The RTP clock is 8000 Hz although it samples at 16 kHz, an
 * error in RFC 1890 that RFC 3551 4.5.2 keeps for compatibility.
 * This file uses spandsp and so must not include librem headers.
 *
 * Lost packets are concealed with spandsp's plc on the decoded 16 kHz
 * signal: it repeats the last pitch period and fades it out.  spandsp
 * tunes it for 8 kHz, so at 16 kHz it looks for pitch between 133 and 400
 * Hz (most voices) and fades within 25 ms instead of 50: good enough for
 * one or two lost packets, silence after longer bursts.  The ADPCM state
 * is not told about the loss; it reconverges within a few ms.
 */
#include <limits.h>
#include <spandsp.h>
#include <re.h>
#include "core.h"
#include "audio.h"


enum {
	SRATE   = 16000,
	BITRATE = 64000,      /* mode 1 of G.722; 56k/48k are not offered */
	CLOCK   = 8000,       /* RTP clock, RFC 3551 4.5.2               */
};

struct g722_enc {
	g722_encode_state_t *g;   /* owned: spandsp                       */
};

struct g722_dec {
	g722_decode_state_t *g;   /* owned: spandsp                       */
	plc_state_t *plc;         /* owned: spandsp                       */
};


static void enc_destructor(void *arg)
{
	struct g722_enc *e = arg;

	if (e->g)
		g722_encode_free(e->g);
}


static int enc_alloc(void **stp, const char *fmtp)
{
	struct g722_enc *e;
	(void)fmtp;

	e = mem_zalloc(sizeof(*e), enc_destructor);
	if (!e)
		return ENOMEM;

	e->g = g722_encode_init(NULL, BITRATE, 0);
	if (!e->g) {
		mem_deref(e);
		return ENOMEM;
	}

	*stp = e;

	return 0;
}


static int encode(void *st, uint8_t *buf, size_t *lenp,
		  const int16_t *pcm, size_t sampc)
{
	struct g722_enc *e = st;
	int n;

	/* two samples per byte at 64 kbit/s */
	if (sampc % 2 || sampc > INT_MAX)
		return EINVAL;
	if (*lenp < sampc / 2)
		return ENOMEM;

	n = g722_encode(e->g, buf, pcm, (int)sampc);
	if (n < 0)
		return EPROTO;

	*lenp = (size_t)n;

	return 0;
}


static void dec_destructor(void *arg)
{
	struct g722_dec *d = arg;

	if (d->plc)
		plc_free(d->plc);
	if (d->g)
		g722_decode_free(d->g);
}


static int dec_alloc(void **stp, const char *fmtp)
{
	struct g722_dec *d;
	(void)fmtp;

	d = mem_zalloc(sizeof(*d), dec_destructor);
	if (!d)
		return ENOMEM;

	d->g = g722_decode_init(NULL, BITRATE, 0);
	d->plc = plc_init(NULL);
	if (!d->g || !d->plc) {
		mem_deref(d);
		return ENOMEM;
	}

	*stp = d;

	return 0;
}


static int decode(void *st, int16_t *pcm, size_t *sampcp,
		  const uint8_t *buf, size_t len, bool fec)
{
	struct g722_dec *d = st;
	int n;

	/* no FEC in G.722: conceal the lost packet instead */
	if (!buf || fec) {
		if (*sampcp > INT_MAX)
			return EINVAL;
		plc_fillin(d->plc, pcm, (int)*sampcp);
		return 0;
	}

	if (len > INT_MAX / 2)
		return EINVAL;
	if (*sampcp < len * 2)
		return ENOMEM;

	n = g722_decode(d->g, pcm, buf, (int)len);
	if (n < 0)
		return EPROTO;

	/* keeps the history and smooths the edge after a concealed gap */
	plc_rx(d->plc, pcm, n);
	*sampcp = (size_t)n;

	return 0;
}


/* RFC 3551 4.5.2: static payload type 9, "G722/8000" */
const struct pbx_codec pbx_codec_g722 = {
	.name = "G722", .clock = CLOCK, .channels = 1, .pt = 9,
	.srate = SRATE, .fmtp = NULL, .fec = false,
	.enc_alloc = enc_alloc, .encode = encode,
	.dec_alloc = dec_alloc, .decode = decode,
};
