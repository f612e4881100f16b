/* tone.c: national call-progress tone plans, generated with spandsp.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Link rule (notes/libraries.md §2): this file includes <spandsp.h>, so
 * no librem header; the resampler is reached through audio.h only.
 *
 * Plans (frequencies in Hz, cadences in ms on/off[/on/off]), from ITU-T
 * E.180 Supplement 2 ("Various tones used in national networks"), BT
 * SIN 350 for the UK and ETSI ETR 187 / TR 101 041-2 for the harmonised
 * European set ("eu").  A 0 off time means continuous.
 *
 *        dial      ringback               busy         congestion
 *   us   350+440   440+480 2000/4000      480+620 500  480+620 250
 *   uk   350+440   400+450 400/200/400/2000  400 375   400 400/350/225/525
 *   eu   425       425 1000/4000          425 500      425 250
 *   de   425       425 1000/4000          425 480      425 240
 *   fr   440       440 1500/3500          440 500      440 250
 *   nl   425       425 1000/4000          425 500      425 250
 *
 * Call waiting: us 440 300/9700, uk 400 100/3000, eu 425 200/200/200/
 * 4000, de 425 200/200/200/5000, fr 440 300/10000, nl 425 500/9500.
 * The waiting cadences vary most between sources; uk's and eu's are
 * the common vendor settings rather than a quoted national plan.
 * "beep" is 1000 Hz for 250 ms, once, in every zone.
 *
 * Level: -13 dBm0 for a single frequency; a dual tone has each part at
 * -16 dBm0 so that the sum is about -13 dBm0, and does not clip.
 *
 * spandsp 0.0.6's tone_gen works at 8000 Hz only (its phase rates and
 * durations assume it).  For 16 kHz we generate at 8 kHz and upsample
 * with pbx_resamp: the tones are all below 1.1 kHz, so nothing is lost,
 * and the cadence logic stays spandsp's.  The resampler's FIR delays
 * the output by a few samples, far below a cadence step.
 */
#include <string.h>
#include <strings.h>
#include <spandsp.h>
#include <re.h>
#include "core.h"
#include "audio.h"


enum {
	LEVEL_SINGLE = -13,           /* dBm0                             */
	LEVEL_DUAL   = -16,           /* dBm0 per frequency               */
	GEN_SRATE    = 8000,          /* tone_gen's fixed rate            */
	GEN_CHUNK    = 160,           /* 8 kHz samples per step           */
};

struct tone_def {
	const char *name;
	int f1, f2;                   /* Hz; f2 0: single frequency       */
	int on1, off1, on2, off2;     /* ms; off1 0 and on2 0: continuous */
	bool once;                    /* play the cadence once            */
};

enum { ZONE_TONES = 5 };

struct tone_zone {
	const char *name;
	struct tone_def tones[ZONE_TONES];
};

static const struct tone_zone zones[] = {
	{"us", {
		{"dial",       350, 440,  1000,    0,   0,    0, false},
		{"ringback",   440, 480,  2000, 4000,   0,    0, false},
		{"busy",       480, 620,   500,  500,   0,    0, false},
		{"congestion", 480, 620,   250,  250,   0,    0, false},
		{"waiting",    440,   0,   300, 9700,   0,    0, false},
	}},
	{"uk", {
		{"dial",       350, 440,  1000,    0,   0,    0, false},
		{"ringback",   400, 450,   400,  200, 400, 2000, false},
		{"busy",       400,   0,   375,  375,   0,    0, false},
		{"congestion", 400,   0,   400,  350, 225,  525, false},
		{"waiting",    400,   0,   100, 3000,   0,    0, false},
	}},
	{"eu", {
		{"dial",       425,   0,  1000,    0,   0,    0, false},
		{"ringback",   425,   0,  1000, 4000,   0,    0, false},
		{"busy",       425,   0,   500,  500,   0,    0, false},
		{"congestion", 425,   0,   250,  250,   0,    0, false},
		{"waiting",    425,   0,   200,  200, 200, 4000, false},
	}},
	{"de", {
		{"dial",       425,   0,  1000,    0,   0,    0, false},
		{"ringback",   425,   0,  1000, 4000,   0,    0, false},
		{"busy",       425,   0,   480,  480,   0,    0, false},
		{"congestion", 425,   0,   240,  240,   0,    0, false},
		{"waiting",    425,   0,   200,  200, 200, 5000, false},
	}},
	{"fr", {
		{"dial",       440,   0,  1000,    0,   0,    0, false},
		{"ringback",   440,   0,  1500, 3500,   0,    0, false},
		{"busy",       440,   0,   500,  500,   0,    0, false},
		{"congestion", 440,   0,   250,  250,   0,    0, false},
		{"waiting",    440,   0,   300, 10000,  0,    0, false},
	}},
	{"nl", {
		{"dial",       425,   0,  1000,    0,   0,    0, false},
		{"ringback",   425,   0,  1000, 4000,   0,    0, false},
		{"busy",       425,   0,   500,  500,   0,    0, false},
		{"congestion", 425,   0,   250,  250,   0,    0, false},
		{"waiting",    425,   0,   500, 9500,   0,    0, false},
	}},
};

static const struct tone_def beep = {
	"beep", 1000, 0, 250, 0, 0, 0, true
};

struct pbx_tone {
	tone_gen_state_t *gen;        /* owned: spandsp generator         */
	struct pbx_resamp *rs;        /* owned: 8 -> 16 kHz, or NULL      */
	uint32_t srate;
	bool done;                    /* a once-only tone has ended       */
};


static const struct tone_zone *zone_find(const char *zone)
{
	size_t i;

	if (!zone)
		return NULL;

	for (i = 0; i < ARRAY_SIZE(zones); i++) {
		if (!strcasecmp(zones[i].name, zone))
			return &zones[i];
	}

	return NULL;
}


int pbx_tone_zone_check(const char *zone)
{
	return zone_find(zone) ? 0 : EINVAL;
}


static const struct tone_def *tone_find(const struct tone_zone *z,
					const char *name)
{
	size_t i;

	if (!strcasecmp(name, beep.name))
		return &beep;

	for (i = 0; i < ZONE_TONES; i++) {
		if (!strcasecmp(z->tones[i].name, name))
			return &z->tones[i];
	}

	return NULL;
}


static void tone_destructor(void *data)
{
	struct pbx_tone *t = data;

	if (t->gen)
		tone_gen_free(t->gen);
	mem_deref(t->rs);
}


/* A spandsp generator for def.  tone_gen_init copies the descriptor
 * (durations and phase rates live in the state), so it is freed here.
 * Never pass all-zero durations: tone_gen then loops forever. */
static tone_gen_state_t *gen_make(const struct tone_def *def)
{
	tone_gen_descriptor_t *desc;
	tone_gen_state_t *gen;
	int level = def->f2 ? LEVEL_DUAL : LEVEL_SINGLE;

	desc = tone_gen_descriptor_init(NULL, def->f1, level, def->f2,
					def->f2 ? level : 0, def->on1,
					def->off1, def->on2, def->off2,
					!def->once);
	if (!desc)
		return NULL;

	gen = tone_gen_init(NULL, desc);
	tone_gen_descriptor_free(desc);

	return gen;
}


int pbx_tone_alloc(struct pbx_tone **tp, const char *zone,
		   const char *name, uint32_t srate)
{
	const struct tone_zone *z;
	const struct tone_def *def;
	struct pbx_tone *t;
	int err = 0;

	if (!tp || !name)
		return EINVAL;

	if (srate != PBX_SRATE_NB && srate != PBX_SRATE_WB)
		return EINVAL;

	z = zone_find(zone);
	if (!z)
		return EINVAL;

	def = tone_find(z, name);
	if (!def)
		return ENOENT;

	t = mem_zalloc(sizeof(*t), tone_destructor);
	if (!t)
		return ENOMEM;

	t->srate = srate;
	t->gen = gen_make(def);
	if (!t->gen) {
		err = ENOMEM;
		goto out;
	}

	if (srate != GEN_SRATE) {
		err = pbx_resamp_alloc(&t->rs, GEN_SRATE, srate);
		if (err)
			goto out;
	}

 out:
	if (err)
		mem_deref(t);
	else
		*tp = t;

	return err;
}


/* Generates n samples at 8 kHz into buf (zeros after the end); returns
 * how many came from the generator. */
static size_t gen_run(struct pbx_tone *t, int16_t *buf, size_t n)
{
	int got = 0;

	if (!t->done) {
		got = tone_gen(t->gen, buf, (int)n);
		if (got < 0)
			got = 0;
		if ((size_t)got < n)
			t->done = true;
	}

	memset(buf + got, 0, (n - (size_t)got) * sizeof(*buf));

	return (size_t)got;
}


/* Fills sampc samples at the tone's srate (at 16 kHz an odd last sample
 * is silence).  Returns true while the frame holds any tone sample:
 * false once a non-repeating tone (beep) is over; repeating tones are
 * always true, silent off parts included. */
bool pbx_tone_read(struct pbx_tone *t, int16_t *pcm, size_t sampc)
{
	size_t ratio, pos = 0, total = 0;

	if (!t || !pcm)
		return false;

	if (t->done) {
		memset(pcm, 0, sampc * sizeof(*pcm));
		return false;
	}

	ratio = t->srate / GEN_SRATE;

	while (pos + ratio <= sampc) {
		int16_t in[GEN_CHUNK];
		size_t n = (sampc - pos) / ratio, outc;

		if (n > GEN_CHUNK)
			n = GEN_CHUNK;

		if (!t->rs) {
			total += gen_run(t, pcm + pos, n);
			pos += n;
			continue;
		}

		total += gen_run(t, in, n);
		outc = sampc - pos;
		if (pbx_resamp_run(t->rs, pcm + pos, &outc, in, n) ||
		    !outc || outc > sampc - pos) {
			outc = n * ratio;
			memset(pcm + pos, 0, outc * sizeof(*pcm));
		}
		pos += outc;
	}

	if (pos < sampc)
		memset(pcm + pos, 0, (sampc - pos) * sizeof(*pcm));

	return total > 0;
}
