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


struct pbx_resamp {
	struct auresamp rs;
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
	auresamp_init(&r->rs);
	err = auresamp_setup(&r->rs, from, 1, to, 1);
	if (err) {
		mem_deref(r);
		return err;
	}

	*rp = r;

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

	return auresamp(&r->rs, out, outcp, in, inc);
}
