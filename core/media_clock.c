/* media_clock.c: the one 20 ms clock that paces all of pbxd's own audio.
 * SPDX-License-Identifier: BSD-3-Clause
 *
 * One libre timer for every leg the engine works on, not one per leg:
 * libre 1.1.0 keeps timers in a sorted list, so thousands of per-leg
 * timers would cost more than the audio work.  Ticks follow an absolute
 * schedule (start + n * 20 ms), so prompts play in real time without
 * drift however late a single tick fires; after a stall of more than
 * STALL_MS (a suspended process, a stepped clock) the schedule starts
 * over instead of firing a burst of ticks.
 *
 * Each tick runs two phases over the list: every leg decodes what its
 * peer sent (pull), then every leg encodes and sends (push), so a
 * transcoding leg sends the frame its partner decoded in the same tick.
 * Neither phase calls out of the engine; completions (a prompt ended, a
 * recording stopped) are delivered by the legs' own zero-delay timers,
 * so a handler may free any leg.
 */
#include <re.h>
#include "core.h"
#include "audio.h"
#include "media.h"


enum {
	STALL_MS = 200,
};


static void tick_h(void *arg)
{
	struct pbx_mediactx *ctx = arg;
	uint64_t now = tmr_jiffies();
	struct le *le;

	for (le = list_head(&ctx->dspl); le; le = le->next)
		pbx_media_dsp_pull(le->data);
	for (le = list_head(&ctx->dspl); le; le = le->next)
		pbx_media_dsp_push(le->data);

	++ctx->ticks;
	ctx->next += PBX_PTIME;
	if (now > ctx->next + PBX_PTIME)
		++ctx->late;
	if (now > ctx->next + STALL_MS || now + STALL_MS < ctx->next)
		ctx->next = now + PBX_PTIME;

	tmr_start(&ctx->tick, ctx->next > now ? ctx->next - now : 0,
		  tick_h, ctx);
}


void pbx_media_clock_add(struct pbx_mediactx *ctx, struct le *le,
			 void *dsp)
{
	list_append(&ctx->dspl, le, dsp);
	if (tmr_isrunning(&ctx->tick))
		return;

	ctx->next = tmr_jiffies() + PBX_PTIME;
	tmr_start(&ctx->tick, PBX_PTIME, tick_h, ctx);
}


void pbx_media_clock_remove(struct pbx_mediactx *ctx, struct le *le)
{
	list_unlink(le);
	if (!list_head(&ctx->dspl))
		tmr_cancel(&ctx->tick);
}


void pbx_media_clock_stop(struct pbx_mediactx *ctx)
{
	tmr_cancel(&ctx->tick);
}
