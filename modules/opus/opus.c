/* opus.c: the opus module's export, config and codec registration.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Registers "opus" (RFC 7587): SDP always says opus/48000/2 and the RTP
 * clock is 48 kHz, but we encode and decode 16 kHz mono (wideband is
 * what phones and the bridge use; 48 kHz would only cost CPU and
 * bitrate).  Encoder in enc.c, decoder in dec.c.  Config: opus_bitrate,
 * bit/s, 6000-128000, default 24000; opus_complexity, 0-10, default 5
 * (libopus' 10 costs about twice the CPU for little a phone can hear,
 * and a PBX encodes many channels).
 */
#include <re.h>
#include "pbx.h"
#include "opusmod.h"


/* The module's state; NULL while not loaded. */
struct opm {
	uint32_t bitrate;             /* bit/s: opus_bitrate */
	uint32_t complexity;          /* opus_complexity */
};

static struct opm *opm;

/* The a=fmtp we send describes what we want to receive (RFC 7587 7.1):
 * we play out at 16 kHz and capture at 16 kHz, so a sender need not
 * spend bits above wideband, and we decode in-band FEC, so ask for it.
 * No minptime: the decoder takes any packet duration. */
static const struct pbx_codec opm_codec = {
	.name = "opus", .clock = 48000, .channels = 2, .pt = -1,
	.srate = OPM_SRATE,
	.fmtp = "maxplaybackrate=16000; sprop-maxcapturerate=16000; "
		"useinbandfec=1",
	.fec = true,
	.enc_alloc = opm_enc_alloc, .encode = opm_encode,
	.dec_alloc = opm_dec_alloc, .decode = opm_decode,
};


uint32_t opm_bitrate(void)
{
	return opm ? opm->bitrate : OPM_BITRATE_DEF;
}


uint32_t opm_complexity(void)
{
	return opm ? opm->complexity : OPM_COMPLEXITY_DEF;
}


/* EBUSY while a call still has an opus encoder or decoder: the codec
 * stays registered and the module must stay loaded. */
static int opm_close(void)
{
	int err;

	err = pbx_codec_unregister(&opm_codec);
	if (err == EBUSY) {
		pbx_log(PBX_LOG_WARN, "opus: codec in use by a call, "
			"cannot unload now");
		return err;
	}

	/* other errors: not registered (partial init, registry gone) */
	opm = mem_deref(opm);

	return 0;
}


static int opm_init(void)
{
	uint32_t bitrate, complexity;
	int err;

	if (opm)
		return EALREADY;

	err = pbx_conf_u32("opus_bitrate", OPM_BITRATE_DEF, OPM_BITRATE_MIN,
			   OPM_BITRATE_MAX, &bitrate);
	if (!err)
		err = pbx_conf_u32("opus_complexity", OPM_COMPLEXITY_DEF, 0,
				   10, &complexity);
	if (err)
		return err;

	opm = mem_zalloc(sizeof(*opm), NULL);
	if (!opm)
		return ENOMEM;

	opm->bitrate = bitrate;
	opm->complexity = complexity;

	err = pbx_codec_register(&opm_codec);
	if (err) {
		pbx_log(PBX_LOG_ERROR, "opus: cannot register codec: %m",
			err);
		opm = mem_deref(opm);
	}

	return err;
}


__attribute__((visibility("default")))
const struct mod_export exports = {
	"opus",
	"codec",
	opm_init,
	opm_close,
};
