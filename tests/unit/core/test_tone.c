/* test_tone.c: unit tests for core/tone.c (tone plans per zone).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * The expected plans are written out here again, independently of
 * tone.c's table, and checked on the generated audio: frequencies by a
 * single-bin DFT (Goertzel) on frames inside an "on" part, cadences by
 * the energy of 5 ms blocks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include <re.h>
#include "core.h"
#include "audio.h"


enum {
	TOL_MS   = 20,               /* cadence tolerance                 */
	BLOCK_MS = 5,                /* energy block for cadence          */
	MAX_SEC  = 22,               /* longest buffer we generate        */
	ON_LEVEL = 500,              /* mean |sample| above: tone on      */
};

struct plan {
	const char *zone, *name;
	int f1, f2;                  /* Hz */
	int cad[4];                  /* ms on/off/on/off; off 0: steady  */
};

static const struct plan plans[] = {
	{"us", "dial",       350, 440, {0}},
	{"us", "ringback",   440, 480, {2000, 4000, 2000, 4000}},
	{"us", "busy",       480, 620, {500, 500, 500, 500}},
	{"us", "congestion", 480, 620, {250, 250, 250, 250}},
	{"us", "waiting",    440,   0, {300, 9700, 300, 9700}},
	{"uk", "dial",       350, 440, {0}},
	{"uk", "ringback",   400, 450, {400, 200, 400, 2000}},
	{"uk", "busy",       400,   0, {375, 375, 375, 375}},
	{"uk", "congestion", 400,   0, {400, 350, 225, 525}},
	{"uk", "waiting",    400,   0, {100, 3000, 100, 3000}},
	{"eu", "dial",       425,   0, {0}},
	{"eu", "ringback",   425,   0, {1000, 4000, 1000, 4000}},
	{"eu", "busy",       425,   0, {500, 500, 500, 500}},
	{"eu", "congestion", 425,   0, {250, 250, 250, 250}},
	{"eu", "waiting",    425,   0, {200, 200, 200, 4000}},
	{"de", "dial",       425,   0, {0}},
	{"de", "ringback",   425,   0, {1000, 4000, 1000, 4000}},
	{"de", "busy",       425,   0, {480, 480, 480, 480}},
	{"de", "congestion", 425,   0, {240, 240, 240, 240}},
	{"de", "waiting",    425,   0, {200, 200, 200, 5000}},
	{"fr", "dial",       440,   0, {0}},
	{"fr", "ringback",   440,   0, {1500, 3500, 1500, 3500}},
	{"fr", "busy",       440,   0, {500, 500, 500, 500}},
	{"fr", "congestion", 440,   0, {250, 250, 250, 250}},
	{"fr", "waiting",    440,   0, {300, 10000, 300, 10000}},
	{"nl", "dial",       425,   0, {0}},
	{"nl", "ringback",   425,   0, {1000, 4000, 1000, 4000}},
	{"nl", "busy",       425,   0, {500, 500, 500, 500}},
	{"nl", "congestion", 425,   0, {250, 250, 250, 250}},
	{"nl", "waiting",    425,   0, {500, 9500, 500, 9500}},
};

static const char *const zones[] = {"us", "uk", "eu", "de", "fr", "nl"};

/* Probe frequencies for "no other tone" (Hz). */
static const int probes[] = {
	200, 300, 350, 400, 425, 440, 450, 480, 530, 620, 700, 850, 1000,
	1400, 2000, 3000
};


static int group_setup(void **state)
{
	(void)state;
	return libre_init();
}


static int group_teardown(void **state)
{
	(void)state;
	libre_close();
	return 0;
}


/* Amplitude of the component at f Hz in x[0..n): a single-bin DFT
 * (Goertzel) with a Hann window, whose leakage beyond 2 bins (100 Hz
 * at 20 ms) is below -31 dB, so probes there see only real energy. */
static double amp_at(const int16_t *x, size_t n, double f, double srate)
{
	double re = 0, im = 0, wsum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double w = 2 * M_PI * f * (double)i / srate;
		double h = 0.5 - 0.5 * cos(2 * M_PI * (double)i / (double)n);

		re += h * x[i] * cos(w);
		im += h * x[i] * sin(w);
		wsum += h;
	}

	return 2 * sqrt(re * re + im * im) / wsum;
}


/* Reads ms of the tone into a new buffer (malloc), 20 ms at a time. */
static int16_t *tone_get(const char *zone, const char *name,
			 uint32_t srate, unsigned ms)
{
	struct pbx_tone *t = NULL;
	size_t fs = pbx_frame_samples(srate), n = ms / 20, i;
	int16_t *buf = malloc(n * fs * sizeof(*buf));

	assert_non_null(buf);
	assert_int_equal(pbx_tone_alloc(&t, zone, name, srate), 0);
	for (i = 0; i < n; i++)
		pbx_tone_read(t, buf + i * fs, fs);
	mem_deref(t);

	return buf;
}


static double dmin(double a, double b)
{
	return a < b ? a : b;
}


/* Amplitudes of p's frequencies in x[0..n) (the smaller one is
 * returned), and checks that no probe at least `away` Hz from them
 * shows more than a tenth of it. */
static double tones_check(const struct plan *p, const int16_t *x,
			  size_t n, double srate, const int *probev,
			  size_t probec, int away, double *a1p)
{
	double a1 = amp_at(x, n, p->f1, srate), amin = a1;
	size_t i;

	if (p->f2)
		amin = dmin(a1, amp_at(x, n, p->f2, srate));

	for (i = 0; i < probec; i++) {
		int f = probev[i];

		if (abs(f - p->f1) < away ||
		    (p->f2 && abs(f - p->f2) < away))
			continue;
		if (amp_at(x, n, f, srate) >= 0.1 * amin) {
			fail_msg("%s %s: %d Hz present", p->zone, p->name, f);
		}
	}

	*a1p = a1;
	return amin;
}


/* x starts an "on" part of at least 100 ms.  Its first 20 ms frame has
 * p's frequencies and nothing at probes 100 Hz or more away (a Hann
 * window's main lobe at 20 ms).  20 ms cannot resolve 440 from 480 Hz,
 * so levels and near frequencies are checked on 100 ms (10 Hz bins):
 * each part at about -16..-13 dBm0, nothing 20 Hz or more away. */
static void freq_check(const struct plan *p, const int16_t *x,
		       double srate)
{
	size_t frame = (size_t)srate / 50;
	int fine[20];
	double a1, amin;
	size_t i;

	amin = tones_check(p, x, frame, srate, probes, ARRAY_SIZE(probes),
			   100, &a1);
	if (amin < 1000)
		fail_msg("%s %s: 20 ms: tone at %.0f", p->zone, p->name, amin);

	for (i = 0; i < ARRAY_SIZE(fine); i++)
		fine[i] = 300 + 25 * (int)i;

	/* spandsp: -13 dBm0 is an amplitude of about 5100, -16 of 3600 */
	amin = tones_check(p, x, 5 * frame, srate, fine, ARRAY_SIZE(fine),
			   20, &a1);
	if (amin < 2500 || a1 > 7000) {
		fail_msg("%s %s: levels %.0f %.0f", p->zone, p->name, a1,
			 amin);
	}
}


/* Lengths (ms) of the on/off runs of x, first run on, in 5 ms blocks. */
static size_t runs(const int16_t *x, size_t n, uint32_t srate,
		   unsigned *runv, size_t maxc)
{
	size_t bs = srate * BLOCK_MS / 1000, b, c = 0;
	bool cur = true;
	unsigned len = 0;

	for (b = 0; b + bs <= n; b += bs) {
		long sum = 0;
		size_t i;
		bool on;

		for (i = 0; i < bs; i++)
			sum += labs((long)x[b + i]);
		on = sum / (long)bs > ON_LEVEL;

		if (on != cur) {
			if (c < maxc)
				runv[c++] = len;
			len = 0;
			cur = on;
		}
		len += BLOCK_MS;
	}
	if (c < maxc)
		runv[c++] = len;

	return c;
}


static void plan_check(const struct plan *p, uint32_t srate)
{
	unsigned cycle = p->cad[0] + p->cad[1] + p->cad[2] + p->cad[3];
	unsigned ms = p->cad[0] ? 2 * cycle + 200 : 2000;
	size_t fs = pbx_frame_samples(srate), n, c, i;
	unsigned runv[16];
	int16_t *x;

	if (p->cad[0] && p->cad[2] != p->cad[0])
		ms = cycle + 200;        /* four different steps: one cycle */
	ms = ms > MAX_SEC * 1000 ? MAX_SEC * 1000 : ms;
	n = ms / 20 * fs;

	x = tone_get(p->zone, p->name, srate, ms);

	/* the first 20 ms frame is inside the first "on" part */
	freq_check(p, x, srate);

	c = runs(x, n, srate, runv, ARRAY_SIZE(runv));
	if (!p->cad[0]) {
		/* steady: one run, on all along */
		assert_int_equal(c, 1);
		assert_int_equal(runv[0], ms / BLOCK_MS * BLOCK_MS);
		/* and still the same tone at the end */
		freq_check(p, x + n - 5 * fs, srate);
		free(x);
		return;
	}

	/* on/off/on/off..., the last run is cut by the buffer's end */
	assert_true(c >= 5);
	for (i = 0; i + 1 < c; i++) {
		int want = p->cad[i % 4];

		if (abs((int)runv[i] - want) > TOL_MS) {
			fail_msg("%s %s @%u: run %zu is %u ms, want %d",
				 p->zone, p->name, srate, i, runv[i], want);
		}
	}

	free(x);
}


static void test_plans(void **state)
{
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(plans); i++)
		plan_check(&plans[i], 8000);
}


static void test_plans_16k(void **state)
{
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(plans); i++)
		plan_check(&plans[i], 16000);
}


/* 16 kHz: the right frequency, and no image at 8000 - f from the
 * 8 -> 16 kHz upsampling. */
static void test_16k_image(void **state)
{
	int16_t *x = tone_get("de", "dial", 16000, 200);
	double a;
	(void)state;

	a = amp_at(x + 640, 320, 425, 16000);
	assert_true(a > 2500);
	assert_true(amp_at(x + 640, 320, 7575, 16000) < 0.05 * a);
	assert_true(amp_at(x + 640, 320, 8425, 16000) < 0.05 * a);
	free(x);
}


/* A 200 ms window (5 Hz bins) tells 425 from 440 and 400. */
static void test_fine_freq(void **state)
{
	int16_t *de = tone_get("de", "dial", 8000, 300);
	int16_t *fr = tone_get("fr", "dial", 8000, 300);
	int16_t *uk = tone_get("uk", "busy", 8000, 300);
	(void)state;

	assert_true(amp_at(de, 1600, 425, 8000) >
		    10 * amp_at(de, 1600, 440, 8000));
	assert_true(amp_at(fr, 1600, 440, 8000) >
		    10 * amp_at(fr, 1600, 425, 8000));
	assert_true(amp_at(uk, 1600, 400, 8000) >
		    10 * amp_at(uk, 1600, 425, 8000));
	free(de);
	free(fr);
	free(uk);
}


static void beep_check(const char *zone, uint32_t srate)
{
	struct pbx_tone *t = NULL;
	size_t fs = pbx_frame_samples(srate), i, last = 0;
	int16_t frame[PBX_FRAME_MAX];
	unsigned frames = 0, k;
	double ms;

	assert_int_equal(pbx_tone_alloc(&t, zone, "beep", srate), 0);

	for (k = 0; k < 50; k++) {
		bool more = pbx_tone_read(t, frame, fs);

		if (k == 2) {
			double a = amp_at(frame, fs, 1000, srate);

			assert_true(a > 2500);
			assert_true(amp_at(frame, fs, 425, srate) < 0.05 * a);
		}
		for (i = 0; i < fs; i++) {
			if (abs(frame[i]) > 100)
				last = k * fs + i;
		}
		if (!more)
			break;
		++frames;
	}

	/* ends after 250 ms: the last audible sample and the frames
	 * reported */
	ms = (double)last * 1000.0 / srate;
	assert_true(ms > 250 - TOL_MS && ms < 250 + TOL_MS);
	assert_true(frames * 20 >= 250 - TOL_MS &&
		    frames * 20 <= 250 + TOL_MS);
	assert_true(k < 50);

	/* stays ended, with silence */
	for (k = 0; k < 3; k++) {
		memset(frame, 0x55, sizeof(frame));
		assert_false(pbx_tone_read(t, frame, fs));
		for (i = 0; i < fs; i++)
			assert_int_equal(frame[i], 0);
	}

	mem_deref(t);
}


static void test_beep(void **state)
{
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(zones); i++) {
		beep_check(zones[i], 8000);
		beep_check(zones[i], 16000);
	}
}


/* Repeating tones never end, even in their silent parts. */
static void test_repeat_never_ends(void **state)
{
	struct pbx_tone *t = NULL;
	int16_t frame[160];
	unsigned k;
	(void)state;

	assert_int_equal(pbx_tone_alloc(&t, "us", "ringback", 8000), 0);
	for (k = 0; k < 700; k++)
		assert_true(pbx_tone_read(t, frame, 160));
	mem_deref(t);
}


static void test_errors(void **state)
{
	struct pbx_tone *t = NULL;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(zones); i++)
		assert_int_equal(pbx_tone_zone_check(zones[i]), 0);
	assert_int_equal(pbx_tone_zone_check("DE"), 0);
	assert_int_equal(pbx_tone_zone_check("xx"), EINVAL);
	assert_int_equal(pbx_tone_zone_check(""), EINVAL);
	assert_int_equal(pbx_tone_zone_check(NULL), EINVAL);

	assert_int_equal(pbx_tone_alloc(&t, "xx", "busy", 8000), EINVAL);
	assert_int_equal(pbx_tone_alloc(&t, NULL, "busy", 8000), EINVAL);
	assert_int_equal(pbx_tone_alloc(&t, "de", "nosuch", 8000), ENOENT);
	assert_int_equal(pbx_tone_alloc(&t, "de", "", 8000), ENOENT);
	assert_int_equal(pbx_tone_alloc(&t, "de", NULL, 8000), EINVAL);
	assert_int_equal(pbx_tone_alloc(&t, "de", "busy", 44100), EINVAL);
	assert_int_equal(pbx_tone_alloc(NULL, "de", "busy", 8000), EINVAL);
	assert_null(t);
	assert_false(pbx_tone_read(NULL, NULL, 0));

	/* every zone has every tone */
	for (i = 0; i < ARRAY_SIZE(plans); i++) {
		assert_int_equal(pbx_tone_alloc(&t, plans[i].zone,
						plans[i].name, 16000), 0);
		t = mem_deref(t);
	}
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plans),
		cmocka_unit_test(test_plans_16k),
		cmocka_unit_test(test_16k_image),
		cmocka_unit_test(test_fine_freq),
		cmocka_unit_test(test_beep),
		cmocka_unit_test(test_repeat_never_ends),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests_name("tone", tests, group_setup,
					   group_teardown);
}
