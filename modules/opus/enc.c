/* enc.c: the opus encoder, tuned by config and by the peer's a=fmtp.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * 16 kHz mono, OPUS_APPLICATION_VOIP, in-band FEC tuned for 10 % loss.
 * The peer's fmtp (RFC 7587 6.1) says what it wants to receive:
 * useinbandfec=0 turns FEC off (we send it unless told not to, though the
 * RFC's default is 0: any decoder can skip it, and it saves calls on lossy
 * links), maxaveragebitrate caps our bitrate, maxplaybackrate caps the
 * audio bandwidth, cbr=1 asks for constant bitrate.  stereo and
 * sprop-stereo are ignored: we always send mono, which every decoder
 * plays.
 */
#include <limits.h>
#include <opus.h>
#include <re.h>
#include "pbx.h"
#include "opusmod.h"


enum {
	LOSS_PERC = 10,        /* %: expected loss the FEC is sized for */
};

struct enc {
	OpusEncoder *oe;       /* owned: libopus */
};

/* What the peer's fmtp asks of our encoder. */
struct enc_prm {
	uint32_t bitrate;      /* bit/s */
	bool fec;
	bool cbr;
	int max_bw;            /* OPUS_BANDWIDTH_*, 0: no cap */
};


static void enc_destructor(void *arg)
{
	struct enc *e = arg;

	if (e->oe)
		opus_encoder_destroy(e->oe);
}


/* RFC 7587 6.1: the highest rate the receiver plays out; caps bandwidth */
static int playback_bw(uint32_t rate)
{
	if (rate <= 8000)
		return OPUS_BANDWIDTH_NARROWBAND;
	if (rate <= 12000)
		return OPUS_BANDWIDTH_MEDIUMBAND;
	if (rate <= 16000)
		return OPUS_BANDWIDTH_WIDEBAND;

	return 0;              /* we encode at 16 kHz: wideband anyway */
}


static void fmtp_param_h(const struct pl *name, const struct pl *val,
			 void *arg)
{
	struct enc_prm *prm = arg;
	uint32_t v = pl_u32(val);

	if (!pl_strcasecmp(name, "useinbandfec")) {
		prm->fec = v != 0;
	}
	else if (!pl_strcasecmp(name, "maxaveragebitrate")) {
		/* RFC 7587: 6000..510000; a bad value keeps ours */
		if (v >= OPM_BITRATE_MIN && v < prm->bitrate)
			prm->bitrate = v;
	}
	else if (!pl_strcasecmp(name, "maxplaybackrate")) {
		if (v)
			prm->max_bw = playback_bw(v);
	}
	else if (!pl_strcasecmp(name, "cbr")) {
		prm->cbr = v == 1;
	}
}


static int enc_setup(OpusEncoder *oe, const struct enc_prm *prm)
{
	int e;

	e = opus_encoder_ctl(oe, OPUS_SET_BITRATE((opus_int32)prm->bitrate));
	if (e == OPUS_OK)
		e = opus_encoder_ctl(oe, OPUS_SET_INBAND_FEC(prm->fec));
	if (e == OPUS_OK)
		e = opus_encoder_ctl(oe, OPUS_SET_PACKET_LOSS_PERC(
					     prm->fec ? LOSS_PERC : 0));
	if (e == OPUS_OK)
		e = opus_encoder_ctl(oe, OPUS_SET_VBR(!prm->cbr));
	if (e == OPUS_OK)
		e = opus_encoder_ctl(oe, OPUS_SET_COMPLEXITY(
					     (opus_int32)opm_complexity()));
	if (e == OPUS_OK && prm->max_bw)
		e = opus_encoder_ctl(oe, OPUS_SET_MAX_BANDWIDTH(prm->max_bw));

	return e == OPUS_OK ? 0 : EINVAL;
}


int opm_enc_alloc(void **stp, const char *fmtp)
{
	struct enc_prm prm = {
		.bitrate = opm_bitrate(),
		.fec = true,
	};
	struct enc *e;
	int oerr, err;

	e = mem_zalloc(sizeof(*e), enc_destructor);
	if (!e)
		return ENOMEM;

	e->oe = opus_encoder_create(OPM_SRATE, 1, OPUS_APPLICATION_VOIP,
				    &oerr);
	if (!e->oe) {
		err = oerr == OPUS_ALLOC_FAIL ? ENOMEM : EINVAL;
		goto out;
	}

	if (fmtp) {
		struct pl pl;

		pl_set_str(&pl, fmtp);
		fmt_param_apply(&pl, fmtp_param_h, &prm);
	}

	err = enc_setup(e->oe, &prm);

 out:
	if (err)
		mem_deref(e);
	else
		*stp = e;

	return err;
}


int opm_encode(void *st, uint8_t *buf, size_t *lenp,
	       const int16_t *pcm, size_t sampc)
{
	struct enc *e = st;
	opus_int32 max = *lenp > INT_MAX ? INT_MAX : (opus_int32)*lenp;
	opus_int32 n;

	if (sampc > INT_MAX)
		return EINVAL;

	n = opus_encode(e->oe, pcm, (int)sampc, buf, max);
	if (n == OPUS_BUFFER_TOO_SMALL)
		return ENOMEM;
	if (n == OPUS_BAD_ARG)
		return EINVAL;     /* not 2.5/5/10/20/40/60 ms of samples */
	if (n < 0)
		return EPROTO;

	*lenp = (size_t)n;

	return 0;
}
