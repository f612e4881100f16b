/* opusmod.h: declarations shared by the opus module's files.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Not "opus.h": that would shadow libopus's own header.  Shared names
 * carry the prefix opm_ (libopus owns opus_).
 */
#ifndef OPUSMOD_H
#define OPUSMOD_H

enum {
	OPM_SRATE       = 16000,  /* Hz: we encode and decode wideband mono */
	OPM_BITRATE_DEF = 24000,  /* bit/s */
	OPM_BITRATE_MIN = 6000,
	OPM_BITRATE_MAX = 128000,
	OPM_COMPLEXITY_DEF = 5,   /* 0-10: CPU per frame vs quality    */
	/* 120 ms at OPM_SRATE: the longest opus packet (RFC 6716 3.2.5) */
	OPM_DEC_MAX     = OPM_SRATE / 1000 * 120,
};

/* bit/s from config key opus_bitrate (opus.c) */
uint32_t opm_bitrate(void);
uint32_t opm_complexity(void);

/* enc.c: the encoder half of the codec descriptor */
int opm_enc_alloc(void **stp, const char *fmtp);
int opm_encode(void *st, uint8_t *buf, size_t *lenp,
	       const int16_t *pcm, size_t sampc);

/* dec.c: the decoder half */
int opm_dec_alloc(void **stp, const char *fmtp);
int opm_decode(void *st, int16_t *pcm, size_t *sampcp,
	       const uint8_t *buf, size_t len, bool fec);

#endif
