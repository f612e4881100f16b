/* resamp.c: sample-rate conversion between 8, 16 and 48 kHz (librem).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * A thin mem-object wrapper around librem's auresamp (FIR low-pass plus
 * integer-ratio up/down sampling), one state per direction and stream so
 * the filter history carries from frame to frame.  librem needs the
 * output buffer to hold at least the input count when down-sampling (it
 * filters in place first); pbx_resamp_run checks that instead of letting
 * auresamp fail with ENOMEM.
 */
#include <string.h>
#include <re.h>
#include <rem_fir.h>
#include <rem_auresamp.h>
#include "core.h"
#include "audio.h"


enum {
	STAGE_RATE = 48000,
	CHUNK_MAX  = 1920,            /* samples per step through 48 kHz */
};

struct pbx_resamp {
	struct auresamp rs;
	struct auresamp rs2;          /* second step, when two            */
	bool two;
	uint32_t from, to;
};


int pbx_resamp_alloc(struct pbx_resamp **rp, uint32_t from, uint32_t to)
{
	struct pbx_resamp *r;
	int err;

	if (!rp || !from || !to)
		return EINVAL;

	r = mem_zalloc(sizeof(*r), NULL);
	if (!r)
		return ENOMEM;

	r->from = from;
	r->to = to;
	r->two = from != to && from != STAGE_RATE && to != STAGE_RATE;
	auresamp_init(&r->rs);
	auresamp_init(&r->rs2);
	err = auresamp_setup(&r->rs, from, 1, r->two ? STAGE_RATE : to, 1);
	if (!err && r->two)
		err = auresamp_setup(&r->rs2, STAGE_RATE, 1, to, 1);
	if (err) {
		mem_deref(r);
		return err;
	}

	*rp = r;

	return 0;
}


/* Through 48 kHz, in chunks that fit the stage buffer. */
static int run_two(struct pbx_resamp *r, int16_t *out, size_t *outcp,
		   const int16_t *in, size_t inc)
{
	int16_t mid[CHUNK_MAX], res[CHUNK_MAX];
	size_t step = CHUNK_MAX / (STAGE_RATE / r->from);
	size_t done = 0, room = *outcp;
	int err;

	while (inc) {
		size_t k = inc < step ? inc : step;
		size_t midc = ARRAY_SIZE(mid), n = ARRAY_SIZE(res);

		/* the second step filters in place: it writes into res,
		 * which holds a whole stage of samples */
		err = auresamp(&r->rs, mid, &midc, in, k);
		if (!err)
			err = auresamp(&r->rs2, res, &n, mid, midc);
		if (err)
			return err;
		if (n > room - done)
			return ENOMEM;

		memcpy(out + done, res, n * sizeof(*res));
		done += n;
		in += k;
		inc -= k;
	}

	*outcp = done;

	return 0;
}


int pbx_resamp_run(struct pbx_resamp *r, int16_t *out, size_t *outcp,
		   const int16_t *in, size_t inc)
{
	size_t need;

	if (!r || !out || !outcp || !in)
		return EINVAL;

	if (r->from == r->to) {
		if (*outcp < inc)
			return ENOMEM;
		memmove(out, in, inc * sizeof(*in));
		*outcp = inc;
		return 0;
	}

	need = r->to > r->from ? inc * (r->to / r->from) : inc;
	if (*outcp < need)
		return ENOMEM;

	if (!r->two)
		return auresamp(&r->rs, out, outcp, in, inc);

	return run_two(r, out, outcp, in, inc);
}
