/* test_codec.c: unit tests of the codec registry, G.711 and G.722.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Audio goes through encode and decode for real: a sine in, and the
 * output must have the same frequency (Goertzel and zero crossings) and
 * level (within 3 dB) after the codec's and resampler's start-up.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include "../signal.h"
#include <re.h>
#include "core.h"
#include "audio.h"


enum {
	AMP       = 8000,        /* input sine amplitude (-12 dBFS) */
	FRAMES    = 50,          /* 1 s of 20 ms frames */
	SKIP_MS   = 100,         /* codec and resampler start-up */
	OUT_MAX   = 16000,       /* samples of 1 s at 16 kHz */
};


static int group_setup(void **state)
{
	(void)state;

	if (libre_init() || pbx_core_alloc())
		return -1;
	pbx_log_set_level(PBX_LOG_ERROR);

	return pbx_codec_init() ? -1 : 0;
}


static int group_teardown(void **state)
{
	(void)state;

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



/* The output must be a sine of freq at about AMP, and nothing else. */
static void check_tone(const int16_t *pcm, size_t n, double freq,
		       uint32_t srate)
{
	double a = sig_goertzel(pcm, n, freq, srate);
	double r = sig_rms(pcm, n);
	double f = sig_zc_freq(pcm, n, srate);

	/* level within 3 dB of the input */
	assert_true(20 * log10(a / AMP) > -3.0);
	assert_true(20 * log10(a / AMP) < 3.0);
	/* the tone holds > 95 % of the power (noise < -13 dB) */
	assert_true(a * a / 2 > 0.95 * r * r);
	/* and crosses zero at its own rate (+-2 %) */
	assert_true(fabs(f - freq) < 0.02 * freq);
}


/* ---- encode and decode a sine ------------------------------------------- */

static void roundtrip(const char *name, double freq, uint32_t in_srate)
{
	const struct pbx_codec *cd = pbx_codec_find(name, 8000);
	static int16_t out[OUT_MAX];
	struct pbx_enc *e = NULL;
	struct pbx_dec *d = NULL;
	size_t phase = 0, outc = 0, skip, i;
	int16_t in[PBX_FRAME_MAX];
	size_t in_n = pbx_frame_samples(in_srate);

	assert_non_null(cd);
	assert_int_equal(pbx_enc_alloc(&e, cd, NULL), 0);
	assert_int_equal(pbx_dec_alloc(&d, cd, NULL), 0);
	assert_ptr_equal(pbx_dec_codec(d), cd);

	for (i = 0; i < FRAMES; i++) {
		uint8_t pkt[400];
		size_t len = sizeof(pkt), n = OUT_MAX - outc;
		uint32_t ts = 0;

		sine(in, in_n, freq, in_srate, &phase);
		assert_int_equal(pbx_enc_encode(e, pkt, &len, &ts, in, in_n,
						in_srate), 0);
		/* 64 kbit/s, 20 ms: 160 bytes, 160 ticks of the 8 kHz clock */
		assert_int_equal(len, 160);
		assert_int_equal(ts, 160);

		assert_int_equal(pbx_dec_decode(d, out + outc, &n, pkt, len,
						false), 0);
		assert_int_equal(n, pbx_frame_samples(cd->srate));
		outc += n;
	}

	skip = cd->srate / 1000 * SKIP_MS;
	check_tone(out + skip, outc - skip, freq, cd->srate);

	mem_deref(d);
	mem_deref(e);
}


static void test_pcmu(void **state)
{
	(void)state;

	roundtrip("PCMU", 1000, 8000);
	roundtrip("PCMU", 440, 8000);
	roundtrip("PCMU", 1000, 16000);     /* resampled down */
	roundtrip("PCMU", 440, 16000);
}


static void test_pcma(void **state)
{
	(void)state;

	roundtrip("PCMA", 1000, 8000);
	roundtrip("PCMA", 440, 8000);
	roundtrip("PCMA", 1000, 16000);
	roundtrip("PCMA", 440, 16000);
}


static void test_g722(void **state)
{
	(void)state;

	roundtrip("G722", 1000, 16000);
	roundtrip("G722", 440, 16000);
	roundtrip("G722", 1000, 8000);      /* resampled up */
	roundtrip("G722", 440, 8000);
}


/* The encoder follows the caller's rate from frame to frame. */
static void test_rate_switch(void **state)
{
	const struct pbx_codec *cd = pbx_codec_find("g722", 8000);
	struct pbx_enc *e = NULL;
	int16_t in[PBX_FRAME_MAX];
	uint8_t pkt[200];
	size_t phase = 0, len;
	uint32_t ts;
	(void)state;

	assert_int_equal(pbx_enc_alloc(&e, cd, NULL), 0);
	sine(in, 160, 1000, 8000, &phase);
	len = sizeof(pkt);
	assert_int_equal(pbx_enc_encode(e, pkt, &len, &ts, in, 160, 8000),
			 0);
	assert_int_equal(len, 160);
	sine(in, 320, 1000, 16000, &phase);
	len = sizeof(pkt);
	assert_int_equal(pbx_enc_encode(e, pkt, &len, &ts, in, 320, 16000),
			 0);
	assert_int_equal(len, 160);
	len = sizeof(pkt);
	assert_int_equal(pbx_enc_encode(e, pkt, &len, &ts, in, 160, 8000),
			 0);
	assert_int_equal(len, 160);
	mem_deref(e);
}


/* ---- packet loss concealment -------------------------------------------- */

static void plc(const char *name)
{
	const struct pbx_codec *cd = pbx_codec_find(name, 8000);
	struct pbx_enc *e = NULL;
	struct pbx_dec *d = NULL;
	size_t fs = pbx_frame_samples(cd->srate), phase = 0, n, i;
	int16_t in[PBX_FRAME_MAX], out[PBX_FRAME_MAX];
	uint8_t pkt[200];
	uint32_t ts;

	assert_int_equal(pbx_enc_alloc(&e, cd, NULL), 0);
	assert_int_equal(pbx_dec_alloc(&d, cd, NULL), 0);

	for (i = 0; i < 10; i++) {
		size_t len = sizeof(pkt);

		sine(in, fs, 440, cd->srate, &phase);
		assert_int_equal(pbx_enc_encode(e, pkt, &len, &ts, in, fs,
						cd->srate), 0);
		n = fs;
		assert_int_equal(pbx_dec_decode(d, out, &n, pkt, len, false),
				 0);
	}

	/* the first lost frame continues the sound */
	n = fs;
	assert_int_equal(pbx_dec_decode(d, out, &n, NULL, 0, false), 0);
	assert_int_equal(n, fs);
	assert_true(sig_rms(out, n) > AMP / 10.0);

	/* no FEC in these codecs: fec=true conceals the asked length */
	n = fs / 2;
	assert_int_equal(pbx_dec_decode(d, out, &n, pkt, 160, true), 0);
	assert_int_equal(n, fs / 2);

	/* a long burst fades to silence */
	for (i = 0; i < 10; i++) {
		n = fs;
		assert_int_equal(pbx_dec_decode(d, out, &n, NULL, 0, false),
				 0);
		assert_int_equal(n, fs);
	}
	assert_true(sig_rms(out, n) < 1.0);

	mem_deref(d);
	mem_deref(e);
}


static void test_plc(void **state)
{
	const struct pbx_codec *cd = pbx_codec_find("PCMU", 8000);
	struct pbx_dec *d = NULL;
	int16_t out[PBX_FRAME_MAX];
	size_t n = 160;
	(void)state;

	plc("PCMU");
	plc("PCMA");
	plc("G722");

	/* concealing before anything was received gives silence */
	assert_int_equal(pbx_dec_alloc(&d, cd, NULL), 0);
	memset(out, 0x55, sizeof(out));
	assert_int_equal(pbx_dec_decode(d, out, &n, NULL, 0, false), 0);
	assert_int_equal(n, 160);
	assert_true(sig_rms(out, n) == 0);
	mem_deref(d);
}


/* ---- registry ----------------------------------------------------------- */

/* A codec whose payload is the PCM's high bytes; just enough to count. */
static int fake_enc_alloc(void **stp, const char *fmtp)
{
	(void)fmtp;
	*stp = mem_zalloc(4, NULL);

	return *stp ? 0 : ENOMEM;
}


static int fake_encode(void *st, uint8_t *buf, size_t *lenp,
		       const int16_t *pcm, size_t sampc)
{
	size_t i;
	(void)st;

	if (*lenp < sampc)
		return ENOMEM;
	for (i = 0; i < sampc; i++)
		buf[i] = (uint8_t)(pcm[i] >> 8);
	*lenp = sampc;

	return 0;
}


static int fake_decode(void *st, int16_t *pcm, size_t *sampcp,
		       const uint8_t *buf, size_t len, bool fec)
{
	size_t i;
	(void)st;
	(void)fec;

	if (!buf)
		len = *sampcp;
	if (*sampcp < len)
		return ENOMEM;
	for (i = 0; i < len; i++)
		pcm[i] = buf ? (int16_t)(buf[i] << 8) : 0;
	*sampcp = len;

	return 0;
}


static const struct pbx_codec fake = {
	.name = "X-Test", .clock = 16000, .channels = 1, .pt = -1,
	.srate = 16000, .fmtp = NULL, .fec = false,
	.enc_alloc = fake_enc_alloc, .encode = fake_encode,
	.dec_alloc = fake_enc_alloc, .decode = fake_decode,
};


static bool name_h(const struct pbx_codec *cd, void *arg)
{
	struct mbuf *mb = arg;

	(void)mbuf_printf(mb, "%s/%u,", cd->name, cd->clock);

	return false;
}


static bool find_g722_h(const struct pbx_codec *cd, void *arg)
{
	(void)arg;

	return cd->pt == 9;
}


static void test_registry(void **state)
{
	const struct pbx_codec *cd;
	struct pbx_codec same = fake, bad = fake;
	struct mbuf *mb = mbuf_alloc(64);
	(void)state;

	/* built-ins in order */
	assert_null(pbx_codec_apply(name_h, mb));
	assert_int_equal(mb->end, strlen("PCMU/8000,PCMA/8000,G722/8000,"));
	assert_memory_equal(mb->buf, "PCMU/8000,PCMA/8000,G722/8000,",
			    mb->end);
	mem_deref(mb);
	cd = pbx_codec_apply(find_g722_h, NULL);
	assert_non_null(cd);
	assert_string_equal(cd->name, "G722");
	assert_int_equal(cd->srate, 16000);
	assert_int_equal(cd->clock, 8000);

	/* find: name case-insensitive, clock must match */
	assert_ptr_equal(pbx_codec_find("pcmu", 8000),
			 pbx_codec_find("PCMU", 8000));
	assert_int_equal(pbx_codec_find("pCmA", 8000)->pt, 8);
	assert_null(pbx_codec_find("G722", 16000));
	assert_null(pbx_codec_find("opus", 48000));
	assert_null(pbx_codec_find(NULL, 8000));

	/* registration */
	assert_int_equal(pbx_codec_register(&fake), 0);
	assert_int_equal(pbx_codec_register(&fake), EALREADY);
	same.name = "x-TEST";
	assert_int_equal(pbx_codec_register(&same), EALREADY);
	same.name = "pcmu";
	same.clock = 8000;
	assert_int_equal(pbx_codec_register(&same), EALREADY);
	assert_ptr_equal(pbx_codec_find("x-test", 16000), &fake);

	assert_int_equal(pbx_codec_register(NULL), EINVAL);
	bad.name = NULL;
	assert_int_equal(pbx_codec_register(&bad), EINVAL);
	bad = fake;
	bad.decode = NULL;
	assert_int_equal(pbx_codec_register(&bad), EINVAL);
	bad = fake;
	bad.srate = 11025;
	assert_int_equal(pbx_codec_register(&bad), EINVAL);

	/* unregistering a descriptor that was never registered */
	assert_int_equal(pbx_codec_unregister(&same), ENOENT);
	assert_int_equal(pbx_codec_unregister(NULL), EINVAL);

	assert_int_equal(pbx_codec_unregister(&fake), 0);
	assert_null(pbx_codec_find("X-Test", 16000));
	assert_int_equal(pbx_codec_unregister(&fake), ENOENT);
}


static void test_busy(void **state)
{
	struct pbx_enc *e = NULL, *e2 = NULL;
	struct pbx_dec *d = NULL;
	(void)state;

	/* not registered: no encoder */
	assert_int_equal(pbx_enc_alloc(&e, &fake, NULL), ENOENT);
	assert_int_equal(pbx_dec_alloc(&d, &fake, NULL), ENOENT);
	assert_null(e);

	assert_int_equal(pbx_codec_register(&fake), 0);
	assert_int_equal(pbx_enc_alloc(&e, &fake, NULL), 0);
	assert_int_equal(pbx_enc_alloc(&e2, &fake, NULL), 0);
	assert_int_equal(pbx_dec_alloc(&d, &fake, NULL), 0);

	assert_int_equal(pbx_codec_unregister(&fake), EBUSY);
	mem_deref(e);
	assert_int_equal(pbx_codec_unregister(&fake), EBUSY);
	mem_deref(e2);
	assert_int_equal(pbx_codec_unregister(&fake), EBUSY);
	mem_deref(d);
	assert_int_equal(pbx_codec_unregister(&fake), 0);
}


/* An encoder outlives the registry (shutdown with a call up). */
static void test_outlive(void **state)
{
	struct pbx_enc *e = NULL;
	int16_t in[320] = {0};
	uint8_t pkt[320];
	size_t len = sizeof(pkt);
	uint32_t ts = 0;
	(void)state;

	assert_int_equal(pbx_codec_register(&fake), 0);
	assert_int_equal(pbx_enc_alloc(&e, &fake, NULL), 0);

	pbx_codec_close();
	assert_null(pbx_codec_find("PCMU", 8000));
	assert_int_equal(pbx_codec_register(&fake), EINVAL);

	in[0] = 0x1234;
	assert_int_equal(pbx_enc_encode(e, pkt, &len, &ts, in, 320, 16000),
			 0);
	assert_int_equal(len, 320);
	assert_int_equal(pkt[0], 0x12);
	assert_int_equal(ts, 320);       /* 20 ms of its 16 kHz clock */
	mem_deref(e);

	assert_int_equal(pbx_codec_init(), 0);
	assert_int_equal(pbx_codec_init(), EALREADY);
	assert_non_null(pbx_codec_find("PCMU", 8000));
}


/* ---- arguments ---------------------------------------------------------- */

static void test_args(void **state)
{
	const struct pbx_codec *cd = pbx_codec_find("PCMA", 8000);
	struct pbx_enc *e = NULL;
	struct pbx_dec *d = NULL;
	int16_t pcm[PBX_FRAME_MAX] = {0};
	uint8_t pkt[200];
	size_t len = sizeof(pkt), n = 160;
	uint32_t ts;
	(void)state;

	assert_int_equal(pbx_enc_alloc(NULL, cd, NULL), EINVAL);
	assert_int_equal(pbx_enc_alloc(&e, NULL, NULL), EINVAL);
	assert_int_equal(pbx_dec_alloc(NULL, cd, NULL), EINVAL);
	assert_int_equal(pbx_dec_alloc(&d, NULL, NULL), EINVAL);
	assert_null(pbx_dec_codec(NULL));

	assert_int_equal(pbx_enc_alloc(&e, cd, "ignored=1"), 0);
	assert_int_equal(pbx_dec_alloc(&d, cd, NULL), 0);

	assert_int_equal(pbx_enc_encode(NULL, pkt, &len, &ts, pcm, 160,
					8000), EINVAL);
	assert_int_equal(pbx_enc_encode(e, NULL, &len, &ts, pcm, 160, 8000),
			 EINVAL);
	assert_int_equal(pbx_enc_encode(e, pkt, NULL, &ts, pcm, 160, 8000),
			 EINVAL);
	assert_int_equal(pbx_enc_encode(e, pkt, &len, NULL, pcm, 160, 8000),
			 EINVAL);
	assert_int_equal(pbx_enc_encode(e, pkt, &len, &ts, NULL, 160, 8000),
			 EINVAL);
	/* not 20 ms, not a rate we resample */
	assert_int_equal(pbx_enc_encode(e, pkt, &len, &ts, pcm, 80, 8000),
			 EINVAL);
	assert_int_equal(pbx_enc_encode(e, pkt, &len, &ts, pcm, 220, 11025),
			 EINVAL);
	/* too little room */
	len = 100;
	assert_int_equal(pbx_enc_encode(e, pkt, &len, &ts, pcm, 160, 8000),
			 ENOMEM);

	assert_int_equal(pbx_dec_decode(NULL, pcm, &n, pkt, 160, false),
			 EINVAL);
	assert_int_equal(pbx_dec_decode(d, NULL, &n, pkt, 160, false),
			 EINVAL);
	assert_int_equal(pbx_dec_decode(d, pcm, NULL, pkt, 160, false),
			 EINVAL);
	n = 0;
	assert_int_equal(pbx_dec_decode(d, pcm, &n, pkt, 160, false),
			 EINVAL);
	n = 160;
	assert_int_equal(pbx_dec_decode(d, pcm, &n, pkt, 0, false),
			 EBADMSG);
	n = 100;
	assert_int_equal(pbx_dec_decode(d, pcm, &n, pkt, 160, false),
			 ENOMEM);
	/* a 25 ms packet is fine with the room for it */
	n = 240;
	memset(pkt, 0xd5, sizeof(pkt));    /* A-law silence */
	assert_int_equal(pbx_dec_decode(d, pcm, &n, pkt, 200, false), 0);
	assert_int_equal(n, 200);

	mem_deref(d);
	mem_deref(e);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcmu),
		cmocka_unit_test(test_pcma),
		cmocka_unit_test(test_g722),
		cmocka_unit_test(test_rate_switch),
		cmocka_unit_test(test_plc),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_outlive),
		cmocka_unit_test(test_args),
	};

	return cmocka_run_group_tests_name("codec", tests, group_setup,
					   group_teardown);
}
