/* test_opus.c: unit tests of the opus module (linked in, not dlopened).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The module is started through its exports like the core does, then
 * used through the core's pbx_enc/pbx_dec.  Packets of other durations
 * come from a libopus encoder made here, as a peer would send them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include "../signal.h"
#include <opus.h>
#include <re.h>
#include "core.h"
#include "audio.h"


extern const struct mod_export exports;

enum {
	SRATE   = 16000,
	AMP     = 8000,
	ROOM    = 1920,          /* 120 ms at 16 kHz: what callers give */
	FRAME   = 320,
	PKT_MAX = 1500,
};


static int conf_set(const char *text)
{
	struct pbx_conf *c = NULL;
	char err[128];
	int e;

	e = pbx_conf_parse(&c, "t.conf", text, strlen(text), err,
			   sizeof(err));
	if (e)
		return e;
	pbx_conf_set_current(c);
	mem_deref(c);

	return 0;
}


static int group_setup(void **state)
{
	(void)state;

	if (libre_init() || pbx_core_alloc())
		return -1;
	pbx_log_set_level(PBX_LOG_ERROR);
	if (pbx_codec_init() || conf_set(""))
		return -1;

	return exports.init() ? -1 : 0;
}


static int group_teardown(void **state)
{
	(void)state;

	exports.close();
	pbx_codec_close();
	pbx_core_free();
	libre_close();

	return 0;
}


/* ---- signal helpers (tests/unit/signal.h) ------------------------------ */

static void sine(int16_t *pcm, size_t n, double freq, uint32_t srate,
		 size_t *phasep)
{
	sig_sine(pcm, n, freq, srate, AMP, phasep);
}



static const struct pbx_codec *opus_cd(void)
{
	const struct pbx_codec *cd = pbx_codec_find("OPUS", 48000);

	assert_non_null(cd);

	return cd;
}


/* ---- descriptor and config ---------------------------------------------- */

static void test_descriptor(void **state)
{
	const struct pbx_codec *cd = opus_cd();
	(void)state;

	assert_string_equal(cd->name, "opus");
	assert_int_equal(cd->clock, 48000);
	assert_int_equal(cd->channels, 2);
	assert_int_equal(cd->pt, -1);
	assert_int_equal(cd->srate, 16000);
	assert_true(cd->fec);
	assert_non_null(strstr(cd->fmtp, "useinbandfec=1"));
	assert_null(pbx_codec_find("opus", 8000));
}


static void test_config(void **state)
{
	(void)state;

	/* registered already: a second init refuses */
	assert_int_equal(exports.init(), EALREADY);
	assert_non_null(opus_cd());

	assert_int_equal(exports.close(), 0);
	assert_null(pbx_codec_find("opus", 48000));
	assert_int_equal(exports.close(), 0);       /* safe twice */

	assert_int_equal(conf_set("opus_bitrate 5999\n"), 0);
	assert_int_equal(exports.init(), EINVAL);
	assert_int_equal(conf_set("opus_bitrate 128001\n"), 0);
	assert_int_equal(exports.init(), EINVAL);
	assert_null(pbx_codec_find("opus", 48000));

	/* 6 kbit/s constant: 15 bytes per 20 ms */
	assert_int_equal(conf_set("opus_bitrate 6000\n"), 0);
	assert_int_equal(exports.init(), 0);
	{
		struct pbx_enc *e = NULL;
		int16_t in[FRAME];
		uint8_t pkt[PKT_MAX];
		size_t len = sizeof(pkt), phase = 0;
		uint32_t ts;

		assert_int_equal(pbx_enc_alloc(&e, opus_cd(), "cbr=1"), 0);
		sine(in, FRAME, 440, SRATE, &phase);
		assert_int_equal(pbx_enc_encode(e, pkt, &len, &ts, in, FRAME,
						SRATE), 0);
		assert_int_equal(len, 15);
		mem_deref(e);
	}
	assert_int_equal(exports.close(), 0);
	assert_int_equal(conf_set(""), 0);
	assert_int_equal(exports.init(), 0);
}


/* ---- encode and decode -------------------------------------------------- */

static void roundtrip(double freq, uint32_t in_srate)
{
	const struct pbx_codec *cd = opus_cd();
	static int16_t out[SRATE * 2];
	struct pbx_enc *e = NULL;
	struct pbx_dec *d = NULL;
	int16_t in[FRAME];
	size_t in_n = pbx_frame_samples(in_srate), phase = 0, outc = 0, i;
	size_t skip = SRATE / 10;
	double a, f, r;

	assert_int_equal(pbx_enc_alloc(&e, cd, NULL), 0);
	assert_int_equal(pbx_dec_alloc(&d, cd, NULL), 0);

	for (i = 0; i < 50; i++) {
		uint8_t pkt[PKT_MAX];
		size_t len = sizeof(pkt), n = ROOM;
		uint32_t ts = 0;

		sine(in, in_n, freq, in_srate, &phase);
		assert_int_equal(pbx_enc_encode(e, pkt, &len, &ts, in, in_n,
						in_srate), 0);
		assert_int_equal(ts, 960);      /* 20 ms of the 48 kHz clock */
		assert_true(len > 0 && len < 200);

		assert_int_equal(pbx_dec_decode(d, out + outc, &n, pkt, len,
						false), 0);
		assert_int_equal(n, FRAME);
		outc += n;
	}

	a = sig_goertzel(out + skip, outc - skip, freq, SRATE);
	f = sig_zc_freq(out + skip, outc - skip, SRATE);
	assert_true(fabs(20 * log10(a / AMP)) < 3.0);
	r = sig_rms(out + skip, outc - skip);
	assert_true(a * a / 2 > 0.9 * r * r);
	assert_true(fabs(f - freq) < 0.02 * freq);

	mem_deref(d);
	mem_deref(e);
}


static void test_roundtrip(void **state)
{
	(void)state;

	roundtrip(1000, 16000);
	roundtrip(440, 16000);
	roundtrip(1000, 8000);       /* resampled to 16 kHz first */
}


/* Packets of 10, 40 and 60 ms from a peer's encoder decode whole. */
static void test_durations(void **state)
{
	static const int sizes[] = {160, 640, 960, 40, 1920};
	const struct pbx_codec *cd = opus_cd();
	struct pbx_dec *d = NULL;
	OpusEncoder *oe;
	int16_t in[ROOM], out[ROOM];
	uint8_t pkt[PKT_MAX];
	size_t k, phase = 0;
	int oerr;
	(void)state;

	oe = opus_encoder_create(SRATE, 1, OPUS_APPLICATION_VOIP, &oerr);
	assert_non_null(oe);
	assert_int_equal(pbx_dec_alloc(&d, cd, NULL), 0);

	for (k = 0; k < ARRAY_SIZE(sizes); k++) {
		int len, i;

		for (i = 0; i < 5; i++) {
			size_t n = ROOM;

			sine(in, (size_t)sizes[k], 440, SRATE, &phase);
			len = opus_encode(oe, in, sizes[k], pkt, sizeof(pkt));
			assert_true(len > 0);
			assert_int_equal(pbx_dec_decode(d, out, &n, pkt,
							(size_t)len, false),
					 0);
			assert_int_equal(n, sizes[k]);
		}

		/* too little room for the packet: refused, not overrun */
		if (sizes[k] > FRAME) {
			size_t n = FRAME;

			assert_int_equal(pbx_dec_decode(d, out, &n, pkt,
							(size_t)len, false),
					 ENOMEM);
		}
	}

	/* the decoder keeps working, and conceals any 2.5 ms multiple */
	{
		size_t n = ROOM;

		assert_int_equal(pbx_dec_decode(d, out, &n, NULL, 0, false),
				 0);
		assert_int_equal(n, ROOM);
		n = 330;
		assert_int_equal(pbx_dec_decode(d, out, &n, NULL, 0, false),
				 0);
		assert_int_equal(n, 320);
		n = 20;
		assert_int_equal(pbx_dec_decode(d, out, &n, NULL, 0, false),
				 EINVAL);
	}

	/* a stereo fullband peer decodes to our 16 kHz mono */
	{
		OpusEncoder *o48;
		int16_t st[960 * 2];
		size_t n = ROOM;
		int len;

		o48 = opus_encoder_create(48000, 2, OPUS_APPLICATION_AUDIO,
					  &oerr);
		assert_non_null(o48);
		memset(st, 0, sizeof(st));
		len = opus_encode(o48, st, 960, pkt, sizeof(pkt));
		assert_true(len > 0);
		assert_int_equal(pbx_dec_decode(d, out, &n, pkt,
						(size_t)len, false), 0);
		assert_int_equal(n, FRAME);
		opus_encoder_destroy(o48);
	}

	mem_deref(d);
	opus_encoder_destroy(oe);
}


/* ---- loss: PLC and FEC -------------------------------------------------- */

/* Encodes 440 Hz for 10 frames then 1000 Hz; packet 10 (the first at
 * 1000 Hz) is lost.  Returns the 1000 Hz level of what the decoder makes
 * of the lost packet: from packet 11's FEC (fec) or by concealment. */
static double lost_level(const char *fmtp, bool fec, size_t *nlost)
{
	const struct pbx_codec *cd = opus_cd();
	struct pbx_enc *e = NULL;
	struct pbx_dec *d = NULL;
	uint8_t pkt[12][PKT_MAX];
	size_t len[12], phase = 0, i, n;
	int16_t in[FRAME], out[ROOM];
	uint32_t ts;
	double a;

	assert_int_equal(pbx_enc_alloc(&e, cd, fmtp), 0);
	assert_int_equal(pbx_dec_alloc(&d, cd, NULL), 0);

	for (i = 0; i < 12; i++) {
		sine(in, FRAME, i < 10 ? 440 : 1000, SRATE, &phase);
		len[i] = PKT_MAX;
		assert_int_equal(pbx_enc_encode(e, pkt[i], &len[i], &ts, in,
						FRAME, SRATE), 0);
	}

	for (i = 0; i < 10; i++) {
		n = ROOM;
		assert_int_equal(pbx_dec_decode(d, out, &n, pkt[i], len[i],
						false), 0);
	}

	n = FRAME;
	if (fec)
		assert_int_equal(pbx_dec_decode(d, out, &n, pkt[11], len[11],
						true), 0);
	else
		assert_int_equal(pbx_dec_decode(d, out, &n, NULL, 0, false),
				 0);
	*nlost = n;
	a = sig_goertzel(out, n, 1000, SRATE);

	/* and the packet after the loss still decodes normally */
	n = ROOM;
	assert_int_equal(pbx_dec_decode(d, out, &n, pkt[11], len[11], false),
			 0);
	assert_int_equal(n, FRAME);

	mem_deref(d);
	mem_deref(e);

	return a;
}


static void test_fec(void **state)
{
	double plc, fec, nofec;
	size_t n;
	(void)state;

	plc = lost_level(NULL, false, &n);
	assert_int_equal(n, FRAME);
	fec = lost_level(NULL, true, &n);
	assert_int_equal(n, FRAME);
	nofec = lost_level("useinbandfec=0", true, &n);
	assert_int_equal(n, FRAME);

	/* FEC brings back the new tone the concealment cannot know */
	assert_true(fec > AMP / 4.0);
	assert_true(fec > 4 * plc);
	/* the peer said it does not want FEC: nothing to recover */
	assert_true(nofec < fec / 4);
}


/* The peer's fmtp caps bitrate and bandwidth. */
static void test_fmtp(void **state)
{
	static const struct {
		const char *fmtp;
		size_t min, max;         /* mean bytes per packet */
		int bw;
	} v[] = {
		/* VBR at 24 kbit/s needs less for these tones */
		{NULL, 30, 70, OPUS_BANDWIDTH_WIDEBAND},
		/* 24 kbit/s constant: 60 bytes per 20 ms */
		{"cbr=1", 58, 62, OPUS_BANDWIDTH_WIDEBAND},
		{"maxaveragebitrate=8000", 8, 22, 0},
		{"maxaveragebitrate=8000; cbr=1", 19, 21, 0},
		{"maxplaybackrate=8000; stereo=1; sprop-stereo=1", 20, 70,
		 OPUS_BANDWIDTH_NARROWBAND},
		{"useinbandfec=0;maxaveragebitrate=12000", 15, 35, 0},
		/* below opus' minimum: ignored */
		{"maxaveragebitrate=100; cbr=1", 58, 62, 0},
	};
	const struct pbx_codec *cd = opus_cd();
	size_t k;
	(void)state;

	for (k = 0; k < ARRAY_SIZE(v); k++) {
		struct pbx_enc *e = NULL;
		size_t i, phase = 0, total = 0;
		int16_t in[FRAME];
		uint8_t pkt[PKT_MAX];
		int bw = 0;

		assert_int_equal(pbx_enc_alloc(&e, cd, v[k].fmtp), 0);
		for (i = 0; i < 50; i++) {
			size_t len = sizeof(pkt);
			uint32_t ts;

			sine(in, FRAME, 440 + i * 20, SRATE, &phase);
			assert_int_equal(pbx_enc_encode(e, pkt, &len, &ts, in,
							FRAME, SRATE), 0);
			total += len;
			bw = opus_packet_get_bandwidth(pkt);
			/* mono always, whatever the peer says */
			assert_int_equal(opus_packet_get_nb_channels(pkt), 1);
		}
		assert_true(total / 50 >= v[k].min);
		assert_true(total / 50 <= v[k].max);
		/* a cap: the encoder may choose less (it does at lower
		 * complexity) */
		if (v[k].bw)
			assert_true(bw <= v[k].bw);
		mem_deref(e);
	}
}


/* Bad packets give errors, never a crash or an overrun. */
static void test_garbage(void **state)
{
	static const uint8_t code3_empty[] = {0x03, 0x00};
	static const uint8_t code3_short[] = {0xff};
	const struct pbx_codec *cd = opus_cd();
	struct pbx_dec *d = NULL;
	int16_t out[ROOM];
	uint8_t junk[200];
	size_t n, i;
	(void)state;

	assert_int_equal(pbx_dec_alloc(&d, cd, NULL), 0);

	n = ROOM;
	assert_int_equal(pbx_dec_decode(d, out, &n, code3_empty,
					sizeof(code3_empty), false), EBADMSG);
	n = ROOM;
	assert_int_equal(pbx_dec_decode(d, out, &n, code3_short,
					sizeof(code3_short), false), EBADMSG);
	n = FRAME;
	assert_int_equal(pbx_dec_decode(d, out, &n, code3_short,
					sizeof(code3_short), true), EBADMSG);

	/* random bytes: each either decodes within the room or fails */
	for (i = 0; i < 500; i++) {
		size_t len = 1 + rand_u16() % sizeof(junk);
		int err;

		rand_bytes(junk, len);
		n = ROOM;
		err = pbx_dec_decode(d, out, &n, junk, len, i % 2);
		if (!err)
			assert_true(n <= ROOM);
		else
			assert_true(err == EBADMSG || err == ENOMEM);
	}

	mem_deref(d);
}


/* close refuses while a call still encodes or decodes opus. */
static void test_busy(void **state)
{
	const struct pbx_codec *cd = opus_cd();
	struct pbx_enc *e = NULL;
	struct pbx_dec *d = NULL;
	(void)state;

	assert_int_equal(pbx_enc_alloc(&e, cd, NULL), 0);
	assert_int_equal(pbx_dec_alloc(&d, cd, NULL), 0);
	assert_int_equal(exports.close(), EBUSY);
	assert_ptr_equal(pbx_codec_find("opus", 48000), cd);
	mem_deref(e);
	assert_int_equal(exports.close(), EBUSY);
	mem_deref(d);
	assert_int_equal(exports.close(), 0);
	assert_null(pbx_codec_find("opus", 48000));
	assert_int_equal(exports.init(), 0);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_fec),
		cmocka_unit_test(test_fmtp),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_busy),
	};

	return cmocka_run_group_tests_name("opus", tests, group_setup,
					   group_teardown);
}
