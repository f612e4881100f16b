/* media_bench.c: how many transcoding and prompt-playback channels one
 * core carries, measured on the media engine's own codec path.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A channel is what pbxd does every 20 ms for one call:
 *   transcoding A <-> B: decode a frame of A and encode it as B, and
 *     decode a frame of B and encode it as A (both directions);
 *   playback: take 20 ms of a cached prompt and encode it (PCMU; or
 *     opus).
 * The frames carry a speech-like signal (a sum of sines with an
 * envelope), as silence would flatter Opus.  Each case runs CHANNELS
 * independent channels for SECONDS of CPU time (CLOCK_PROCESS_CPUTIME)
 * and reports channels per core = frames done per CPU second / 50.
 * Networking, the jitter buffer and the clock are left out: the RTP
 * figures of tests/bench/run cover them.  Prints one JSON object.
 *
 * usage: media_bench [SECONDS]   (default 3)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <re.h>
#include "core.h"
#include "audio.h"

/* the opus module, linked in (modules/opus) */
extern const struct mod_export exports;

enum {
	CHANNELS = 16,
	PAYLOAD_MAX = 1500,
};

struct chan {
	struct pbx_enc *enc_a, *enc_b;
	struct pbx_dec *dec_a, *dec_b;
	uint8_t pkt_a[PAYLOAD_MAX];     /* a frame as A sends it */
	size_t len_a;
	uint8_t pkt_b[PAYLOAD_MAX];
	size_t len_b;
};


static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);

	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}


static void speech(int16_t *pcm, size_t n, uint32_t srate, size_t t0)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double t = (double)(t0 + i) / srate;
		double env = 0.5 + 0.5 * sin(2 * M_PI * 3 * t);

		double v = sin(2 * M_PI * 220 * t) +
			0.6 * sin(2 * M_PI * 710 * t) +
			0.3 * sin(2 * M_PI * 1730 * t);

		pcm[i] = (int16_t)(6000 * env * v);
	}
}


static int chan_init(struct chan *c, const struct pbx_codec *a,
		     const struct pbx_codec *b)
{
	int16_t pcm[PBX_FRAME_MAX];
	uint32_t ts;
	int err;

	err = pbx_enc_alloc(&c->enc_a, a, NULL);
	if (!err)
		err = pbx_enc_alloc(&c->enc_b, b, NULL);
	if (!err)
		err = pbx_dec_alloc(&c->dec_a, a, NULL);
	if (!err)
		err = pbx_dec_alloc(&c->dec_b, b, NULL);
	if (err)
		return err;

	/* one real frame of each, as the phones would send */
	speech(pcm, pbx_frame_samples(a->srate), a->srate, 0);
	c->len_a = sizeof(c->pkt_a);
	err = pbx_enc_encode(c->enc_a, c->pkt_a, &c->len_a, &ts, pcm,
			     pbx_frame_samples(a->srate), a->srate);
	if (err)
		return err;

	speech(pcm, pbx_frame_samples(b->srate), b->srate, 0);
	c->len_b = sizeof(c->pkt_b);

	return pbx_enc_encode(c->enc_b, c->pkt_b, &c->len_b, &ts, pcm,
			      pbx_frame_samples(b->srate), b->srate);
}


static void chan_close(struct chan *c)
{
	mem_deref(c->enc_a);
	mem_deref(c->enc_b);
	mem_deref(c->dec_a);
	mem_deref(c->dec_b);
	memset(c, 0, sizeof(*c));
}


/* one direction: decode a frame of one codec, encode it as the other */
static int xcode(struct pbx_dec *dec, struct pbx_enc *enc,
		 const uint8_t *pkt, size_t len)
{
	int16_t pcm[1920];
	uint8_t out[PAYLOAD_MAX];
	size_t n = ARRAY_SIZE(pcm), olen = sizeof(out);
	uint32_t ts;
	int err;

	err = pbx_dec_decode(dec, pcm, &n, pkt, len, false);
	if (err)
		return err;

	return pbx_enc_encode(enc, out, &olen, &ts, pcm, n,
			      pbx_dec_codec(dec)->srate);
}


static double bench_xcode(const char *na, const char *nb, double secs)
{
	const struct pbx_codec *a = pbx_codec_find(na, strcmp(na, "opus") ?
						   8000 : 48000);
	const struct pbx_codec *b = pbx_codec_find(nb, strcmp(nb, "opus") ?
						   8000 : 48000);
	struct chan cv[CHANNELS];
	double t0, t;
	uint64_t frames = 0;
	size_t i;

	memset(cv, 0, sizeof(cv));
	if (!a || !b)
		return -1;
	for (i = 0; i < CHANNELS; i++) {
		if (chan_init(&cv[i], a, b))
			return -1;
	}

	t0 = cpu_now();
	do {
		for (i = 0; i < CHANNELS; i++) {
			struct chan *c = &cv[i];

			if (xcode(c->dec_a, c->enc_b, c->pkt_a, c->len_a) ||
			    xcode(c->dec_b, c->enc_a, c->pkt_b, c->len_b))
				return -1;
		}
		frames += CHANNELS;
		t = cpu_now() - t0;
	} while (t < secs);

	for (i = 0; i < CHANNELS; i++)
		chan_close(&cv[i]);

	return (double)frames / t / 50.0;
}


static double bench_play(const char *codec, double secs)
{
	const struct pbx_codec *cd = pbx_codec_find(codec,
						    strcmp(codec, "opus") ?
						    8000 : 48000);
	struct pbx_enc *encv[CHANNELS] = {NULL};
	int16_t *prompt;
	size_t promptc, n, pos[CHANNELS] = {0};
	uint64_t frames = 0;
	double t0, t;
	size_t i;

	if (!cd)
		return -1;
	n = pbx_frame_samples(cd->srate);
	promptc = cd->srate * 10;               /* a 10 s prompt */
	prompt = mem_alloc(promptc * sizeof(*prompt), NULL);
	if (!prompt)
		return -1;
	speech(prompt, promptc, cd->srate, 0);

	for (i = 0; i < CHANNELS; i++) {
		if (pbx_enc_alloc(&encv[i], cd, NULL))
			return -1;
		pos[i] = (i * 997 * n) % (promptc - n);
	}

	t0 = cpu_now();
	do {
		for (i = 0; i < CHANNELS; i++) {
			uint8_t out[PAYLOAD_MAX];
			size_t olen = sizeof(out);
			uint32_t ts;

			if (pbx_enc_encode(encv[i], out, &olen, &ts,
					   prompt + pos[i], n, cd->srate))
				return -1;
			pos[i] = (pos[i] + n) % (promptc - n);
		}
		frames += CHANNELS;
		t = cpu_now() - t0;
	} while (t < secs);

	for (i = 0; i < CHANNELS; i++)
		mem_deref(encv[i]);
	mem_deref(prompt);

	return (double)frames / t / 50.0;
}


int main(int argc, char *argv[])
{
	double secs = argc > 1 ? atof(argv[1]) : 3.0;
	int err;

	if (secs <= 0)
		secs = 3.0;

	err = libre_init();
	if (!err)
		err = pbx_core_alloc();
	if (!err)
		err = pbx_codec_init();
	if (!err)
		err = exports.init();
	if (err) {
		fprintf(stderr, "media_bench: set-up failed (%s)\n",
			strerror(err));
		return 1;
	}

	printf("{\"secs\": %.1f, \"channels_per_core\": {"
	       "\"PCMU<->opus\": %.0f, \"PCMU<->G722\": %.0f, "
	       "\"PCMU<->PCMA\": %.0f, \"G722<->opus\": %.0f, "
	       "\"play PCMU\": %.0f, \"play G722\": %.0f, "
	       "\"play opus\": %.0f}}\n", secs,
	       bench_xcode("PCMU", "opus", secs),
	       bench_xcode("PCMU", "G722", secs),
	       bench_xcode("PCMU", "PCMA", secs),
	       bench_xcode("G722", "opus", secs),
	       bench_play("PCMU", secs), bench_play("G722", secs),
	       bench_play("opus", secs));

	(void)exports.close();
	pbx_codec_close();
	pbx_core_free();
	libre_close();

	return 0;
}
