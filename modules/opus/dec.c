/* dec.c: the opus decoder: any packet duration, PLC and in-band FEC.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Decodes to 16 kHz mono whatever the sender's mode, bandwidth or channel
 * count (libopus resamples and downmixes).  Packets may hold 2.5 to 120
 * ms of audio (RFC 6716 3.2), so callers of pbx_dec_decode must give room
 * for 120 ms = 1920 samples (OPM_DEC_MAX); a longer packet than the room
 * given is refused with ENOMEM before libopus sees it.
 */
#include <limits.h>
#include <opus.h>
#include <re.h>
#include "pbx.h"
#include "opusmod.h"


enum {
	STEP = OPM_SRATE / 400,    /* samples of 2.5 ms: PLC/FEC granule */
};

struct dec {
	OpusDecoder *od;           /* owned: libopus */
};


static void dec_destructor(void *arg)
{
	struct dec *d = arg;

	if (d->od)
		opus_decoder_destroy(d->od);
}


int opm_dec_alloc(void **stp, const char *fmtp)
{
	struct dec *d;
	int oerr;

	(void)fmtp;            /* nothing in it changes how we decode */

	d = mem_zalloc(sizeof(*d), dec_destructor);
	if (!d)
		return ENOMEM;

	d->od = opus_decoder_create(OPM_SRATE, 1, &oerr);
	if (!d->od) {
		mem_deref(d);
		return oerr == OPUS_ALLOC_FAIL ? ENOMEM : EINVAL;
	}

	*stp = d;

	return 0;
}


static int dec_err(int e)
{
	switch (e) {

	case OPUS_BUFFER_TOO_SMALL: return ENOMEM;
	case OPUS_BAD_ARG:          return EINVAL;
	case OPUS_ALLOC_FAIL:       return ENOMEM;
	default:                    return EBADMSG;
	}
}


/* *sampcp in: room (callers give OPM_DEC_MAX), out: samples decoded.
 * buf NULL: conceal *sampcp samples (rounded down to 2.5 ms).  fec: buf
 * is the packet after a loss; its FEC copy of the lost packet gives
 * *sampcp samples (libopus conceals when the packet carries none). */
int opm_decode(void *st, int16_t *pcm, size_t *sampcp,
	       const uint8_t *buf, size_t len, bool fec)
{
	struct dec *d = st;
	size_t room = *sampcp;
	int n;

	if (room > OPM_DEC_MAX)
		room = OPM_DEC_MAX;

	if (buf && len > INT_MAX)
		return EBADMSG;

	if (buf) {
		n = opus_packet_get_nb_samples(buf, (opus_int32)len,
					       OPM_SRATE);
		if (n < 0)
			return EBADMSG;
		if (!fec && (size_t)n > room)
			return ENOMEM;
	}

	if (!buf || fec) {
		/* libopus conceals in whole 2.5 ms steps */
		room -= room % STEP;
		if (!room)
			return EINVAL;
	}

	n = opus_decode(d->od, buf, buf ? (opus_int32)len : 0, pcm,
			(int)room, fec);
	if (n < 0)
		return dec_err(n);

	*sampcp = (size_t)n;

	return 0;
}
