/* dtmf_inband.c: inband DTMF detection on 8 kHz audio (spandsp dtmf_rx).
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * Link rule (notes/libraries.md §2): this file includes <spandsp.h> and
 * so must never include a librem header; librem's goertzel_* would clash
 * with spandsp's.
 *
 * spandsp's detector works at 8 kHz only: callers with 16 kHz audio
 * downsample first (pbx_resamp).  We use the realtime callback, which
 * spandsp calls with the digit when a tone starts and with 0 when it
 * ends; a digit is reported once, at its start, so the caller does not
 * wait for the key to be released.  (Once a realtime callback is set,
 * spandsp no longer calls the digits callback; libraries.md §13.)
 */
#include <spandsp.h>
#include <re.h>
#include "core.h"
#include "audio.h"


struct pbx_dtmf_det {
	dtmf_rx_state_t *rx;          /* owned: spandsp receiver          */
	pbx_dtmf_h *h;
	void *arg;
};


static void det_destructor(void *data)
{
	struct pbx_dtmf_det *d = data;

	if (d->rx)
		dtmf_rx_free(d->rx);
}


/* spandsp's tone_report_func_t: code is the digit at the start of a
 * tone, 0 at its end; level (dBm0) and delay are not needed. */
static void realtime_h(void *arg, int code, int level, int delay)
{
	struct pbx_dtmf_det *d = arg;
	(void)level;
	(void)delay;

	if (code > 0 && code < 128 && d->h)
		d->h((char)code, d->arg);
}


int pbx_dtmf_det_alloc(struct pbx_dtmf_det **dp, pbx_dtmf_h *h, void *arg)
{
	struct pbx_dtmf_det *d;

	if (!dp || !h)
		return EINVAL;

	d = mem_zalloc(sizeof(*d), det_destructor);
	if (!d)
		return ENOMEM;

	d->h = h;
	d->arg = arg;

	d->rx = dtmf_rx_init(NULL, NULL, NULL);
	if (!d->rx) {
		mem_deref(d);
		return ENOMEM;
	}

	dtmf_rx_set_realtime_callback(d->rx, realtime_h, d);
	*dp = d;

	return 0;
}


/* Feeds sampc samples of 8 kHz audio; h may be called from here, and
 * may even drop the last reference to d (we hold one meanwhile). */
void pbx_dtmf_det_feed(struct pbx_dtmf_det *d, const int16_t *pcm,
		       size_t sampc)
{
	if (!d || !pcm)
		return;

	mem_ref(d);

	/* dtmf_rx takes an int count: feed in bounded pieces */
	while (sampc) {
		size_t n = sampc > 8000 ? 8000 : sampc;

		dtmf_rx(d->rx, pcm, (int)n);
		pcm += n;
		sampc -= n;
	}

	mem_deref(d);
}
