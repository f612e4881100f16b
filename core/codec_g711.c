/* codec_g711.c: the built-in G.711 codecs, PCMU and PCMA (librem tables).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * One byte per sample at 8 kHz, no encoder state.  This file includes
 * librem's rem_g711.h, so it must not include spandsp (audio.h); that is
 * why packet loss is concealed here by our own repetition of the last
 * received audio, faded out linearly over PLC_FADE_MS, instead of by
 * spandsp's plc: cheap, no pitch search, and a burst of losses ends in
 * silence rather than a buzz.
 */
#include <string.h>
#include <re.h>
#include <rem_g711.h>
#include "core.h"
#include "audio.h"


enum {
	SRATE       = 8000,
	HIST_MAX    = 480,     /* samples (60 ms) kept for concealment   */
	PLC_FADE_MS = 60,      /* a loss fades from full level to zero   */
	PLC_FADE    = SRATE / 1000 * PLC_FADE_MS,  /* the same in samples */
};

/* Decoder state: the last audio received, for concealment. */
struct law_dec {
	bool alaw;
	int16_t hist[HIST_MAX];   /* the last good payload's tail        */
	size_t histc;             /* samples in hist                     */
	size_t pos;               /* next hist sample to repeat          */
	size_t concealed;         /* samples concealed since a good one  */
};


static int enc_alloc(void **stp, const char *fmtp)
{
	(void)fmtp;

	*stp = NULL;            /* stateless */

	return 0;
}


static int encode_ulaw(void *st, uint8_t *buf, size_t *lenp,
		       const int16_t *pcm, size_t sampc)
{
	size_t i;
	(void)st;

	if (*lenp < sampc)
		return ENOMEM;

	for (i = 0; i < sampc; i++)
		buf[i] = g711_pcm2ulaw(pcm[i]);
	*lenp = sampc;

	return 0;
}


static int encode_alaw(void *st, uint8_t *buf, size_t *lenp,
		       const int16_t *pcm, size_t sampc)
{
	size_t i;
	(void)st;

	if (*lenp < sampc)
		return ENOMEM;

	for (i = 0; i < sampc; i++)
		buf[i] = g711_pcm2alaw(pcm[i]);
	*lenp = sampc;

	return 0;
}


static int dec_alloc_law(void **stp, bool alaw)
{
	struct law_dec *d = mem_zalloc(sizeof(*d), NULL);

	if (!d)
		return ENOMEM;

	d->alaw = alaw;
	*stp = d;

	return 0;
}


static int dec_alloc_ulaw(void **stp, const char *fmtp)
{
	(void)fmtp;

	return dec_alloc_law(stp, false);
}


static int dec_alloc_alaw(void **stp, const char *fmtp)
{
	(void)fmtp;

	return dec_alloc_law(stp, true);
}


/* Repeats the history cyclically with a linear fade: the first lost
 * sample has the full level, the one PLC_FADE samples later none. */
static void conceal(struct law_dec *d, int16_t *pcm, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int32_t gain;

		if (!d->histc || d->concealed >= PLC_FADE) {
			pcm[i] = 0;
			continue;
		}

		gain = PLC_FADE - (int32_t)d->concealed;
		pcm[i] = (int16_t)(d->hist[d->pos] * gain / PLC_FADE);
		d->pos = (d->pos + 1) % d->histc;
		++d->concealed;
	}
}


static void hist_keep(struct law_dec *d, const int16_t *pcm, size_t n)
{
	if (n > HIST_MAX) {
		pcm += n - HIST_MAX;
		n = HIST_MAX;
	}

	memcpy(d->hist, pcm, n * sizeof(*pcm));
	d->histc = n;
	d->pos = 0;
	d->concealed = 0;
}


static int decode(void *st, int16_t *pcm, size_t *sampcp,
		  const uint8_t *buf, size_t len, bool fec)
{
	struct law_dec *d = st;
	size_t i;

	/* no FEC in G.711: conceal the lost packet instead */
	if (!buf || fec) {
		conceal(d, pcm, *sampcp);
		return 0;
	}

	if (*sampcp < len)
		return ENOMEM;

	for (i = 0; i < len; i++) {
		pcm[i] = d->alaw ? g711_alaw2pcm(buf[i]) :
			g711_ulaw2pcm(buf[i]);
	}
	*sampcp = len;
	hist_keep(d, pcm, len);

	return 0;
}


/* RFC 3551 4.5.14: static payload types 0 and 8 */
const struct pbx_codec pbx_codec_pcmu = {
	.name = "PCMU", .clock = SRATE, .channels = 1, .pt = 0,
	.srate = SRATE, .fmtp = NULL, .fec = false,
	.enc_alloc = enc_alloc, .encode = encode_ulaw,
	.dec_alloc = dec_alloc_ulaw, .decode = decode,
};

const struct pbx_codec pbx_codec_pcma = {
	.name = "PCMA", .clock = SRATE, .channels = 1, .pt = 8,
	.srate = SRATE, .fmtp = NULL, .fec = false,
	.enc_alloc = enc_alloc, .encode = encode_alaw,
	.dec_alloc = dec_alloc_alaw, .decode = decode,
};
